r"""Time-stepping cores of NTP training: numba kernels and their plain-NumPy oracles.

The linear next-token model has logits $L = WH$ (V × m) and cross-entropy gradient
$\nabla CE(W) = (S(L) - P)\,\Pi H^\top$ (Thrampoulidis 2024, §2; docs/ntp.md#the-model-and-the-entropy-bound).
The residual $S(L) - P$ is formed without cancellation: per column, a stable softmax
$\log s_v = (\ell_v - \max\ell) - \log\sum_u e^{\ell_u - \max\ell}$; on the support
$s_z - p_z = p_z\,\mathrm{expm1}(\log s_z - \log p_z)$ (no digits lost when $s_z \approx p_z$,
i.e. near the entropy bound), off the support $s_v$ itself.

Conventions (DESIGN.md, sims/_kernels.py): ``@njit(cache=True)``, no fastmath; the oracle
performs the same floating-point operations in the same order (matrix products as sums over the
inner index in ascending order, starting from 0.0; ``exp``/``log``/``expm1`` through libm), so the
two agree bit for bit. The kernels loop so that the inner loop runs over a contiguous,
independent axis (LLVM vectorises it without reassociating any sum).

A state whose W is not finite or whose logits exceed ``LOGIT_LIMIT`` in absolute value (the loss
would overflow) is never committed: the core stops, reports
``diverged`` and the step whose update would have produced it, and returns the last valid W.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .._rng import NumpyStreams, uniform

# optimiser codes of the full-batch core
GD, NGD, MOMENTUM, ADAM = 0, 1, 2, 3

#: Largest |logit| of a valid state. Beyond it differences of logits, and so the loss, can
#: overflow float64 (the loss sums terms of size up to 2·LOGIT_LIMIT): the run is diverged.
LOGIT_LIMIT = 1e300


def _libm(fn, x: np.ndarray) -> np.ndarray:
    """A :mod:`math` function elementwise (libm, as numba; NumPy's SIMD versions differ in the last bit)."""
    return np.fromiter(map(fn, x.ravel().tolist()), dtype=np.float64, count=x.size).reshape(x.shape)


# --------------------------------------------------------------------------------------------
# numba building blocks
# --------------------------------------------------------------------------------------------

@njit(cache=True)
def _logits(W, H, L):
    """L = W H (sum over k ascending); returns False if some |logit| > LOGIT_LIMIT (or is NaN)."""
    V, d = W.shape
    m = H.shape[1]
    ok = True
    for v in range(V):
        for j in range(m):
            L[v, j] = 0.0
        for k in range(d):
            w = W[v, k]
            for j in range(m):
                L[v, j] += w * H[k, j]
        for j in range(m):
            if not abs(L[v, j]) <= LOGIT_LIMIT:
                ok = False
    return ok


@njit(cache=True, inline="always")
def _in_support(logs, p, logp):
    """s − p from log s, without cancellation or overflow: the expm1 argument is always <= 0."""
    delta = logs - logp
    if delta <= 0.0:
        return p * math.expm1(delta)
    return -(math.exp(logs) * math.expm1(-delta))


def _in_support_numpy(logs, p, logp):
    """Elementwise twin of ``_in_support`` (libm)."""
    delta = logs - logp
    low = delta <= 0.0
    out = np.empty_like(delta)
    out[low] = p[low] * _libm(math.expm1, delta[low])
    out[~low] = -(_libm(math.exp, logs[~low]) * _libm(math.expm1, -delta[~low]))
    return out


@njit(cache=True)
def _residual(L, P, logP, support, weight, Rw, mx, Z, lZ):
    r"""Rw = (S(L) − P)·diag(weight), cancellation-free on the support (columns of L are contexts).

    Off the support $s_v = e_v/Z$ reuses $e_v = \exp(\ell_v - \max\ell)$; on the support
    :func:`_in_support` needs $\log s_z$.
    """
    V, m = L.shape
    for j in range(m):
        mx[j] = L[0, j]
    for v in range(1, V):
        for j in range(m):
            if L[v, j] > mx[j]:
                mx[j] = L[v, j]
    for j in range(m):
        Z[j] = 0.0
    for v in range(V):                                # Rw holds e_v = exp(ℓ_v − max ℓ) for now
        for j in range(m):
            Rw[v, j] = math.exp(L[v, j] - mx[j])
            Z[j] += Rw[v, j]
    for j in range(m):
        lZ[j] = math.log(Z[j])
    for v in range(V):
        for j in range(m):
            if support[v, j]:
                logs = (L[v, j] - mx[j]) - lZ[j]
                Rw[v, j] = _in_support(logs, P[v, j], logP[v, j]) * weight[j]
            else:
                Rw[v, j] = (Rw[v, j] / Z[j]) * weight[j]


@njit(cache=True)
def _gradient(Rw, Ht, G):
    """G = Rw Hᵀ (sum over contexts j ascending); Ht = Hᵀ, contiguous (m, d)."""
    V, m = Rw.shape
    d = Ht.shape[1]
    for v in range(V):
        for k in range(d):
            G[v, k] = 0.0
        for j in range(m):
            r = Rw[v, j]
            for k in range(d):
                G[v, k] += r * Ht[j, k]


@njit(cache=True)
def _all_finite(A):
    for x in A.ravel():
        if not math.isfinite(x):
            return False
    return True


# --------------------------------------------------------------------------------------------
# full batch: GD, normalised GD, heavy-ball momentum, Adam
# --------------------------------------------------------------------------------------------

@njit(cache=True)
def _full_batch_kernel(H, Ht, P, logP, support, pi, W0, lr, method, beta1, beta2, eps, n_steps,
                       record_steps):
    """Full-batch optimiser on the NTP loss; returns (records, n_recorded, diverged, diverged_at, W)."""
    V, d = W0.shape
    m = H.shape[1]
    R = record_steps.shape[0]
    W = W0.copy()
    Wn = np.empty((V, d))
    L = np.empty((V, m))
    Ln = np.empty((V, m))
    Rw = np.empty((V, m))
    G = np.empty((V, d))
    M1 = np.zeros((V, d))
    M2 = np.zeros((V, d))
    mx = np.empty(m)
    Z = np.empty(m)
    lZ = np.empty(m)
    rec = np.empty((R, V, d))
    c1 = 1.0 - beta1
    c2 = 1.0 - beta2
    b1t = 1.0
    b2t = 1.0
    r = 0
    if not _logits(W, H, L):
        return rec, r, True, 0, W
    for s in range(n_steps + 1):
        if r < R and record_steps[r] == s:
            rec[r] = W
            r += 1
        if s == n_steps:
            break
        _residual(L, P, logP, support, pi, Rw, mx, Z, lZ)
        _gradient(Rw, Ht, G)
        if method == GD:
            for v in range(V):
                for k in range(d):
                    Wn[v, k] = W[v, k] - lr * G[v, k]
        elif method == NGD:
            g2 = 0.0
            for v in range(V):
                for k in range(d):
                    g2 += G[v, k] * G[v, k]
            scale = lr / math.sqrt(g2) if g2 > 0.0 else 0.0    # G = 0 exactly: stay put
            for v in range(V):
                for k in range(d):
                    Wn[v, k] = W[v, k] - scale * G[v, k]
        elif method == MOMENTUM:                               # M ← βM + G, W ← W − ηM
            for v in range(V):
                for k in range(d):
                    M1[v, k] = beta1 * M1[v, k] + G[v, k]
                    Wn[v, k] = W[v, k] - lr * M1[v, k]
        else:                                                  # Adam, bias-corrected
            b1t *= beta1
            b2t *= beta2
            k1 = 1.0 - b1t
            k2 = 1.0 - b2t
            for v in range(V):
                for k in range(d):
                    g = G[v, k]
                    M1[v, k] = beta1 * M1[v, k] + c1 * g
                    M2[v, k] = beta2 * M2[v, k] + c2 * (g * g)
                    Wn[v, k] = W[v, k] - lr * (M1[v, k] / k1) / (math.sqrt(M2[v, k] / k2) + eps)
        if not (_all_finite(Wn) and _logits(Wn, H, Ln)):
            return rec, r, True, s + 1, W
        W, Wn = Wn, W
        L, Ln = Ln, L
    return rec, r, False, -1, W


def _logits_numpy(W, H):
    L = np.zeros((W.shape[0], H.shape[1]))
    for k in range(W.shape[1]):                  # ascending k, as in the kernel
        L = L + W[:, k:k + 1] * H[k:k + 1, :]
    return L, bool(np.all(np.abs(L) <= LOGIT_LIMIT))


def _residual_numpy(L, P, logP, support, weight):
    mx = L.max(axis=0)
    e = _libm(math.exp, L - mx)
    Z = np.zeros(L.shape[1])
    for v in range(L.shape[0]):                  # ascending v
        Z = Z + e[v]
    logs = (L - mx) - _libm(math.log, Z)
    Rw = np.empty_like(L)
    Rw[support] = _in_support_numpy(logs[support], P[support], logP[support])
    off = ~support
    Rw[off] = (e / Z)[off]
    return Rw * weight


def _gradient_numpy(Rw, Ht):
    G = np.zeros((Rw.shape[0], Ht.shape[1]))
    for j in range(Rw.shape[1]):                 # ascending j
        G = G + Rw[:, j:j + 1] * Ht[j:j + 1, :]
    return G


def _full_batch_numpy(H, Ht, P, logP, support, pi, W0, lr, method, beta1, beta2, eps, n_steps,
                      record_steps):
    """Plain-NumPy twin of ``_full_batch_kernel``: same operations in the same order."""
    V, d = W0.shape
    R = record_steps.shape[0]
    W = W0.copy()
    M1 = np.zeros((V, d))
    M2 = np.zeros((V, d))
    rec = np.empty((R, V, d))
    c1, c2 = 1.0 - beta1, 1.0 - beta2
    b1t = b2t = 1.0
    r = 0
    with np.errstate(over="ignore", invalid="ignore"):
        L, ok = _logits_numpy(W, H)
        if not ok:
            return rec, r, True, 0, W
        for s in range(n_steps + 1):
            if r < R and record_steps[r] == s:
                rec[r] = W
                r += 1
            if s == n_steps:
                break
            G = _gradient_numpy(_residual_numpy(L, P, logP, support, pi), Ht)
            if method == GD:
                Wn = W - lr * G
            elif method == NGD:
                g2 = 0.0
                for x in G.ravel().tolist():     # ascending row-major, as in the kernel
                    g2 += x * x
                scale = lr / math.sqrt(g2) if g2 > 0.0 else 0.0
                Wn = W - scale * G
            elif method == MOMENTUM:
                M1 = beta1 * M1 + G
                Wn = W - lr * M1
            else:
                b1t *= beta1
                b2t *= beta2
                k1, k2 = 1.0 - b1t, 1.0 - b2t
                M1 = beta1 * M1 + c1 * G
                M2 = beta2 * M2 + c2 * (G * G)
                Wn = W - lr * (M1 / k1) / (np.sqrt(M2 / k2) + eps)
            if not np.isfinite(Wn).all():
                return rec, r, True, s + 1, W
            Ln, ok = _logits_numpy(Wn, H)
            if not ok:
                return rec, r, True, s + 1, W
            W, L = Wn, Ln
    return rec, r, False, -1, W


# --------------------------------------------------------------------------------------------
# SGD over distinct contexts: one context per step, drawn with probability π̂_j
# --------------------------------------------------------------------------------------------

@njit(cache=True)
def _sgd_kernel(H, Ht, P, logP, support, cdf, state, W0, lr, n_steps, record_steps, h1):
    """SGD with one context j ~ π̂ per step: W ← W − η (s_j − p_j) h̄_jᵀ (unbiased for ∇CE).

    Only the drawn context's logits are computed, so a new state is accepted when
    |W_vk|·h1 <= LOGIT_LIMIT for all entries (h1 = max_j ‖h̄_j‖₁), which bounds every context's logits.
    """
    V, d = W0.shape
    m = H.shape[1]
    R = record_steps.shape[0]
    W = W0.copy()
    Wn = np.empty((V, d))
    ell = np.empty(V)
    res = np.empty(V)
    rec = np.empty((R, V, d))
    s0, s1, s2, s3 = state[0, 0], state[1, 0], state[2, 0], state[3, 0]
    r = 0
    for x in W.ravel():                              # W0 must bound every context's logits
        if not abs(x) * h1 <= LOGIT_LIMIT:
            return rec, r, True, 0, W
    for s in range(n_steps + 1):
        if r < R and record_steps[r] == s:
            rec[r] = W
            r += 1
        if s == n_steps:
            break
        u, s0, s1, s2, s3 = uniform(s0, s1, s2, s3)
        j = 0
        while j < m - 1 and cdf[j] <= u:             # first j with cdf_j > u
            j += 1
        for v in range(V):                           # ℓ = W h̄_j, sum over k ascending
            acc = 0.0
            for k in range(d):
                acc += W[v, k] * Ht[j, k]
            ell[v] = acc
        mx = ell[0]
        for v in range(1, V):
            if ell[v] > mx:
                mx = ell[v]
        z = 0.0
        for v in range(V):
            res[v] = math.exp(ell[v] - mx)
            z += res[v]
        lz = math.log(z)
        ok = True
        for v in range(V):
            if not abs(ell[v]) <= LOGIT_LIMIT:
                ok = False
            if support[v, j]:
                res[v] = _in_support((ell[v] - mx) - lz, P[v, j], logP[v, j])
            else:
                res[v] = res[v] / z
        if not ok:                                   # W itself gives too large logits
            return rec, r, True, s, W
        for v in range(V):
            rv = lr * res[v]
            for k in range(d):
                Wn[v, k] = W[v, k] - rv * Ht[j, k]
                if not abs(Wn[v, k]) * h1 <= LOGIT_LIMIT:   # also NaN and inf
                    ok = False
        if not ok:
            return rec, r, True, s + 1, W
        W, Wn = Wn, W
    return rec, r, False, -1, W


def _sgd_numpy(H, Ht, P, logP, support, cdf, state, W0, lr, n_steps, record_steps, h1):
    """Plain-NumPy twin of ``_sgd_kernel`` (same stream, same operations in the same order)."""
    V, d = W0.shape
    m = H.shape[1]
    R = record_steps.shape[0]
    W = W0.copy()
    rec = np.empty((R, V, d))
    streams = NumpyStreams(state)
    r = 0
    if not np.all(np.abs(W) * h1 <= LOGIT_LIMIT):
        return rec, r, True, 0, W
    with np.errstate(over="ignore", invalid="ignore"):
        for s in range(n_steps + 1):
            if r < R and record_steps[r] == s:
                rec[r] = W
                r += 1
            if s == n_steps:
                break
            u = float(streams.uniform()[0])
            j = min(int(np.searchsorted(cdf, u, side="right")), m - 1)
            ell = np.zeros(V)
            for k in range(d):
                ell = ell + W[:, k] * Ht[j, k]
            mx = ell.max()
            e = _libm(math.exp, ell - mx)
            z = 0.0
            for x in e.tolist():
                z += x
            logs = (ell - mx) - math.log(z)
            sj = support[:, j]
            res = np.empty(V)
            res[sj] = _in_support_numpy(logs[sj], P[sj, j], logP[sj, j])
            res[~sj] = e[~sj] / z
            if not np.all(np.abs(ell) <= LOGIT_LIMIT):
                return rec, r, True, s, W
            Wn = W - (lr * res)[:, None] * Ht[j][None, :]
            if not np.all(np.abs(Wn) * h1 <= LOGIT_LIMIT):
                return rec, r, True, s + 1, W
            W = Wn
    return rec, r, False, -1, W

r"""Time-stepping cores of one-layer attention training: numba kernels and their NumPy oracles.

Model and gradient: theory/attention_svm/_loss.py (Tarzanagh et al. 2023, the model). Per sequence $i$,
with logits $a_{it} = x_{it}^\top W z_i$, $r$ the largest logit, $s = S(a)$ and the token scores
$\gamma_{it} = Y_i v^\top x_{it}$, the factor of the gradient is formed by the shared primitive
(``theory.softmax.softmax_centered_row``, compiled here; the oracle repeats its operations
vectorised over sequences): $s_t = e^{a_t - a_r - \log Z}$ for $t \ne r$, $S_r - 1 = -\sum_{t\ne r}s_t$,
$q = \sum_{t \ne r} s_t(\gamma_t - \gamma_r)$ $(= s^\top\gamma - \gamma_r)$,
$J_t = s_t((\gamma_t - \gamma_r) - q)$ and $Y_if_i = \gamma_r + q$: no difference of two nearly equal
numbers survives when the softmax saturates. Once some sequence's off-top attention mass falls
below ``UNDERFLOW_MASS`` (1e-290) its gradient would be made of subnormal numbers: the core stops
there and reports the step (``saturated_at``); that is the end of the measurable trajectory, not
a divergence.

Parameterisations: ``W`` (GD: $W \leftarrow W - \eta G$; NGD: $W \leftarrow W - \eta G/\|G\|_F$), and
``(K, Q)`` with $W = KQ^\top$, $\nabla_K = GQ$, $\nabla_Q = G^\top K$ (KQ-GD; KQ-NGD normalises each
factor's gradient by its own Frobenius norm).

Conventions (sims/_kernels.py): ``@njit(cache=True)``, no fastmath; the oracle performs the same
floating-point operations in the same order (every sum over its index in ascending order from
0.0, vectorised only over sequences; ``exp``/``log`` through libm), so the two agree bit for bit.
A state with a non-finite parameter or a logit above ``LOGIT_LIMIT`` is never committed: the core
stops, reports ``diverged`` and the step, and returns the last valid state.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from theory.softmax import UNDERFLOW_MASS, softmax_centered_row

#: The shared primitive's row form, compiled (one formula: theory/softmax.py).
_centered_row = njit(cache=True)(softmax_centered_row)

GD, NGD, KQ_GD, KQ_NGD, POLYAK = 0, 1, 2, 3, 4

#: Largest |logit| of a valid state (differences of logits must not overflow).
LOGIT_LIMIT = 1e300


def _libm(fn, x: np.ndarray) -> np.ndarray:
    """A :mod:`math` function elementwise (libm, as numba; an overflow gives inf, as in numba, where
    Python's :mod:`math` would raise)."""
    def safe(val):
        try:
            return fn(val)
        except OverflowError:
            return math.inf

    x = np.asarray(x, dtype=np.float64)
    return np.fromiter(map(safe, x.ravel().tolist()), dtype=np.float64, count=x.size).reshape(x.shape)


# --------------------------------------------------------------------------------------------
# numba
# --------------------------------------------------------------------------------------------

@njit(cache=True)
def _grad_kernel(W, X, z, g, opt, G, a, s, J):
    r"""G = gradient of the mean logistic loss at W; returns (ok, smallest off-top mass, excess loss).

    The excess loss over its infimum, $\frac1n\sum_i \log(1 + \sigma(-\gamma_{i,o})\,\mathrm{expm1}(\delta_i))$ with
    $o = \mathrm{opt}_i$ and $\delta_i = \gamma_{i,o} - Y_if_i = (\gamma_{i,o} - \gamma_{i,r}) - q$, is cancellation-free
    (theory/attention_svm/_loss.py); Polyak steps need it."""
    n, T, d = X.shape
    for p in range(d):
        for e in range(d):
            G[p, e] = 0.0
    min_off = math.inf
    excess = 0.0
    wz = np.empty(d)
    xc = np.empty(d)
    for i in range(n):
        for p in range(d):
            acc = 0.0
            for e in range(d):
                acc += W[p, e] * z[i, e]
            wz[p] = acc
        for t in range(T):
            acc = 0.0
            for p in range(d):
                acc += X[i, t, p] * wz[p]
            a[t] = acc
            if not abs(acc) <= LOGIT_LIMIT:
                return False, min_off, excess
        r, off, q = _centered_row(a, g[i], s, J)
        if off < min_off:
            min_off = off
        yf = g[i, r] + q
        if yf > 0.0:
            ex = math.exp(-yf)
            sig = ex / (1.0 + ex)
        else:
            sig = 1.0 / (1.0 + math.exp(yf))
        c = -sig / n
        go = g[i, opt[i]]
        delta = (go - g[i, r]) - q
        if go > 0.0:
            eo = math.exp(-go)
            so = eo / (1.0 + eo)
        else:
            so = 1.0 / (1.0 + math.exp(go))
        excess += math.log1p(so * math.expm1(delta))
        for p in range(d):
            xc[p] = 0.0
        for t in range(T):
            jt = c * J[t]
            for p in range(d):
                xc[p] += jt * X[i, t, p]
        for p in range(d):
            for e in range(d):
                G[p, e] += xc[p] * z[i, e]
    return True, min_off, excess / n


@njit(cache=True)
def _fnorm(A):
    """Frobenius norm, scaled by the largest entry first: the squares of a gradient of size 1e-163
    (a saturated softmax) underflow to 0, which would stop normalised GD dead."""
    big = 0.0
    for p in range(A.shape[0]):
        for e in range(A.shape[1]):
            if abs(A[p, e]) > big:
                big = abs(A[p, e])
    if big == 0.0:
        return 0.0
    acc = 0.0
    for p in range(A.shape[0]):
        for e in range(A.shape[1]):
            q = A[p, e] / big
            acc += q * q
    return big * math.sqrt(acc)


@njit(cache=True)
def _product(K, Q, W):
    """W = K Q^T, sum over the factor index ascending."""
    d, m = K.shape
    for p in range(d):
        for e in range(d):
            acc = 0.0
            for k in range(m):
                acc += K[p, k] * Q[e, k]
            W[p, e] = acc


@njit(cache=True)
def _train_kernel(X, z, g, opt, W0, K0, Q0, lr, method, n_steps, record_steps):
    """Returns (records, n_recorded, diverged, diverged_at, saturated_at, W)."""
    n, T, d = X.shape
    m = K0.shape[1]
    R = record_steps.shape[0]
    rec = np.empty((R, d, d))
    G = np.empty((d, d))
    a = np.empty(T)
    s = np.empty(T)
    J = np.empty(T)
    K = K0.copy()
    Q = Q0.copy()
    Kn = np.empty((d, m))
    Qn = np.empty((d, m))
    W = W0.copy()
    kq = method == KQ_GD or method == KQ_NGD
    if kq:
        _product(K, Q, W)
    Wn = np.empty((d, d))
    Gn = np.empty((d, d))
    r = 0
    ok, min_off, excess = _grad_kernel(W, X, z, g, opt, G, a, s, J)   # a state's gradient is computed when
    if not ok:                                            # it is committed: an invalid one never is
        return rec, r, True, 0, -1, W
    for step in range(n_steps + 1):
        if r < R and record_steps[r] == step:
            rec[r] = W
            r += 1
        if step == n_steps:
            break
        if min_off < UNDERFLOW_MASS:
            return rec, r, False, -1, step, W
        if not kq:
            scale = lr
            if method == NGD:
                gn = _fnorm(G)
                scale = lr / gn if gn > 0.0 else 0.0
            elif method == POLYAK:                         # lr · (L − inf L)/‖G‖², no underflowing square
                gn = _fnorm(G)
                scale = lr * ((excess / gn) / gn) if gn > 0.0 else 0.0
            for p in range(d):
                for e in range(d):
                    Wn[p, e] = W[p, e] - scale * G[p, e]
        else:
            # grad_K = G Q, grad_Q = G^T K (sums over the shared index ascending)
            for p in range(d):
                for k in range(m):
                    acc = 0.0
                    for e in range(d):
                        acc += G[p, e] * Q[e, k]
                    Kn[p, k] = acc
            for e in range(d):
                for k in range(m):
                    acc = 0.0
                    for p in range(d):
                        acc += G[p, e] * K[p, k]
                    Qn[e, k] = acc
            sk = lr
            sq = lr
            if method == KQ_NGD:
                nk = _fnorm(Kn)
                nq = _fnorm(Qn)
                sk = lr / nk if nk > 0.0 else 0.0
                sq = lr / nq if nq > 0.0 else 0.0
            for p in range(d):
                for k in range(m):
                    Kn[p, k] = K[p, k] - sk * Kn[p, k]
                    Qn[p, k] = Q[p, k] - sq * Qn[p, k]
            _product(Kn, Qn, Wn)
        finite = True
        for p in range(d):
            for e in range(d):
                if not abs(Wn[p, e]) < math.inf:
                    finite = False
        if not finite:
            return rec, r, True, step + 1, -1, W
        ok, min_off, excess = _grad_kernel(Wn, X, z, g, opt, Gn, a, s, J)
        if not ok:
            return rec, r, True, step + 1, -1, W
        W, Wn = Wn, W
        G, Gn = Gn, G
        if kq:
            K, Kn = Kn, K
            Q, Qn = Qn, Q
    return rec, r, False, -1, -1, W


# --------------------------------------------------------------------------------------------
# NumPy oracle: the same operations, vectorised over sequences only
# --------------------------------------------------------------------------------------------

def _grad_numpy(W, X, z, g, opt):
    with np.errstate(over="ignore", invalid="ignore"):      # overflow is detected below, as in the kernel
        return _grad_numpy_body(W, X, z, g, opt)


def _grad_numpy_body(W, X, z, g, opt):
    n, T, d = X.shape
    wz = np.zeros((n, d))
    for p in range(d):
        acc = np.zeros(n)
        for e in range(d):
            acc = acc + W[p, e] * z[:, e]
        wz[:, p] = acc
    a = np.zeros((n, T))
    for t in range(T):
        acc = np.zeros(n)
        for p in range(d):
            acc = acc + X[:, t, p] * wz[:, p]
        a[:, t] = acc
    if not np.all(np.abs(a) <= LOGIT_LIMIT):
        return None, math.inf, 0.0
    r = np.argmax(a, axis=1)                         # first maximum, as the kernel's strict '>'
    idx = np.arange(n)
    ar = a[idx, r]
    gr = g[idx, r]
    Z = np.zeros(n)
    for t in range(T):
        Z = Z + _libm(math.exp, a[:, t] - ar)
    lZ = _libm(math.log, Z)
    s = np.zeros((n, T))
    off = np.zeros(n)
    q = np.zeros(n)
    for t in range(T):
        st = _libm(math.exp, a[:, t] - ar - lZ)
        st = np.where(r == t, 0.0, st)
        s[:, t] = st
        off = np.where(r == t, off, off + st)
        q = np.where(r == t, q, q + st * (g[:, t] - gr))
    s[idx, r] = 1.0 - off
    yf = gr + q
    ex = _libm(math.exp, np.where(yf > 0.0, -yf, yf))
    sig = np.where(yf > 0.0, ex / (1.0 + ex), 1.0 / (1.0 + ex))
    c = -sig / n
    go = g[idx, opt]
    delta = (go - gr) - q
    eo = _libm(math.exp, np.where(go > 0.0, -go, go))
    so = np.where(go > 0.0, eo / (1.0 + eo), 1.0 / (1.0 + eo))
    terms = _libm(math.log1p, so * _libm(math.expm1, delta))
    excess = 0.0
    for i in range(n):
        excess += float(terms[i])
    xc = np.zeros((n, d))
    for t in range(T):
        jt = c * (s[:, t] * ((g[:, t] - gr) - q))
        xc = xc + jt[:, None] * X[:, t, :]
    G = np.zeros((d, d))
    for i in range(n):
        G = G + xc[i][:, None] * z[i][None, :]
    return G, float(off.min()), excess / n


def _fnorm_numpy(A):
    big = float(np.max(np.abs(A))) if A.size else 0.0
    if big == 0.0:
        return 0.0
    acc = 0.0
    for val in A.ravel().tolist():
        q = val / big
        acc += q * q
    return big * math.sqrt(acc)


def _product_numpy(K, Q):
    W = np.zeros((K.shape[0], Q.shape[0]))
    with np.errstate(over="ignore", invalid="ignore"):      # a diverging step: detected by the caller
        for k in range(K.shape[1]):
            W = W + K[:, k][:, None] * Q[:, k][None, :]
    return W


def _train_numpy(X, z, g, opt, W0, K0, Q0, lr, method, n_steps, record_steps):
    d = X.shape[2]
    R = record_steps.shape[0]
    rec = np.empty((R, d, d))
    K, Q = K0.copy(), Q0.copy()
    kq = method in (KQ_GD, KQ_NGD)
    W = _product_numpy(K, Q) if kq else W0.copy()
    r = 0
    G, min_off, excess = _grad_numpy(W, X, z, g, opt)
    if G is None:
        return rec, r, True, 0, -1, W
    for step in range(n_steps + 1):
        if r < R and record_steps[r] == step:
            rec[r] = W
            r += 1
        if step == n_steps:
            break
        if min_off < UNDERFLOW_MASS:
            return rec, r, False, -1, step, W
        if not kq:
            scale = lr
            if method == NGD:
                gn = _fnorm_numpy(G)
                scale = lr / gn if gn > 0.0 else 0.0
            elif method == POLYAK:
                gn = _fnorm_numpy(G)
                scale = lr * ((excess / gn) / gn) if gn > 0.0 else 0.0
            with np.errstate(over="ignore", invalid="ignore"):
                Wn = W - scale * G
            Kn, Qn = K, Q
        else:
            gK = np.zeros_like(K)
            for e in range(d):
                gK = gK + G[:, e][:, None] * Q[e][None, :]
            gQ = np.zeros_like(Q)
            for p in range(d):
                gQ = gQ + G[p][:, None] * K[p][None, :]
            sk = sq = lr
            if method == KQ_NGD:
                nk, nq = _fnorm_numpy(gK), _fnorm_numpy(gQ)
                sk = lr / nk if nk > 0.0 else 0.0
                sq = lr / nq if nq > 0.0 else 0.0
            Kn = K - sk * gK
            Qn = Q - sq * gQ
            Wn = _product_numpy(Kn, Qn)
        if not np.all(np.abs(Wn) < math.inf):
            return rec, r, True, step + 1, -1, W
        Gn, off_n, excess = _grad_numpy(Wn, X, z, g, opt)
        if Gn is None:
            return rec, r, True, step + 1, -1, W
        W, K, Q, G, min_off = Wn, Kn, Qn, Gn, off_n
    return rec, r, False, -1, -1, W

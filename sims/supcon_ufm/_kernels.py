r"""Time-stepping core of the SC UFM trainer: Riemannian gradient descent on products of spheres.

One step at features $H$ (d × n, unit columns), per chain (Behnia & Thrampoulidis 2024;
docs/supcon_ufm.md#the-loss-and-its-gradient):

1. $G = H^\top H$; per anchor $i$ the stable softmax over $\ell \ne i$: $\mu_i = \max_{\ell\ne i}G_{i\ell}$,
   $e_{i\ell} = \exp((G_{i\ell} - \mu_i)/\tau)$, $z_i = \sum_\ell e_{i\ell}$;
   loss $\sum_i[\mu_i/\tau + \log z_i - \tfrac1\tau\sum_\ell W_{i\ell}G_{i\ell}]$ ($W$ the positive weights);
2. $M_{i\ell} = (e_{i\ell}/z_i - W_{i\ell})/\tau$, Euclidean gradient $E = H(M + M^\top)$ (both roles);
3. Riemannian gradient $R_{:i} = E_{:i} - (h_i^\top E_{:i})h_i$, norm $\lVert R\rVert_F$;
4. retraction $h_i \leftarrow (h_i - \eta R_{:i})/\lVert h_i - \eta R_{:i}\rVert$.

The loss and gradient norm are those of the state before the update. A chain stops when
$\lVert R\rVert_F \le$ ``tol`` (later records repeat its final values) or when a value is not finite
(``diverged``; the last finite state is returned). The NumPy oracle performs the same floating-point
operations in the same order (sums ascending over the inner index from 0.0, libm ``exp``/``log``), so
the two agree bit for bit.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True)
def _quantities(H, W, tau, G, Ex, z, R):
    """Loss and squared Riemannian gradient norm at H; fills R with the Riemannian gradient."""
    d, n = H.shape
    for i in range(n):
        for j in range(n):
            acc = 0.0
            for k in range(d):
                acc += H[k, i] * H[k, j]
            G[i, j] = acc
    loss = 0.0
    for i in range(n):
        mx = -np.inf
        for l in range(n):
            if l != i and G[i, l] > mx:
                mx = G[i, l]
        zi = 0.0
        for l in range(n):
            if l == i:
                Ex[i, l] = 0.0
            else:
                Ex[i, l] = math.exp((G[i, l] - mx) / tau)
            zi += Ex[i, l]
        z[i] = zi
        p = 0.0
        for l in range(n):
            p += W[i, l] * G[i, l]
        loss += (mx / tau + math.log(zi)) - p / tau
    for i in range(n):                       # Ex <- M
        for l in range(n):
            Ex[i, l] = (Ex[i, l] / z[i] - W[i, l]) / tau
    g2 = 0.0
    for i in range(n):
        for k in range(d):
            acc = 0.0
            for l in range(n):
                acc += H[k, l] * (Ex[l, i] + Ex[i, l])
            R[k, i] = acc
        c = 0.0
        for k in range(d):
            c += H[k, i] * R[k, i]
        s = 0.0
        for k in range(d):
            R[k, i] = R[k, i] - c * H[k, i]
            s += R[k, i] * R[k, i]
        g2 += s
    return loss, g2


@njit(cache=True)
def _rgd_kernel(H0, W, tau, lr, n_steps, tol, record_steps):
    C, d, n = H0.shape
    Rn = record_steps.shape[0]
    H_out = H0.copy()
    loss_rec = np.empty((C, Rn))
    gnorm_rec = np.empty((C, Rn))
    taken = np.zeros(C, dtype=np.int64)
    diverged = np.zeros(C, dtype=np.int64)
    G = np.empty((n, n))
    Ex = np.empty((n, n))
    z = np.empty(n)
    Rg = np.empty((d, n))
    U = np.empty((d, n))
    for c in range(C):
        H = H0[c].copy()
        r = 0
        last_loss, last_g = np.nan, np.nan
        for s in range(n_steps + 1):
            loss, g2 = _quantities(H, W, tau, G, Ex, z, Rg)
            gn = math.sqrt(g2)
            if not (math.isfinite(loss) and math.isfinite(gn)):
                diverged[c] = 1
                break
            last_loss, last_g = loss, gn
            taken[c] = s
            while r < Rn and record_steps[r] == s:
                loss_rec[c, r] = loss
                gnorm_rec[c, r] = gn
                r += 1
            if s == n_steps or gn <= tol:
                break
            ok = True
            for i in range(n):
                nrm2 = 0.0
                for k in range(d):
                    U[k, i] = H[k, i] - lr * Rg[k, i]
                    nrm2 += U[k, i] * U[k, i]
                nrm = math.sqrt(nrm2)
                if not (math.isfinite(nrm) and nrm > 0.0):
                    ok = False
                for k in range(d):
                    U[k, i] = U[k, i] / nrm
            if not ok:
                diverged[c] = 1
                break
            for i in range(n):
                for k in range(d):
                    H[k, i] = U[k, i]
        while r < Rn:                        # stopped early (converged or diverged): repeat the last values
            loss_rec[c, r] = last_loss
            gnorm_rec[c, r] = last_g
            r += 1
        H_out[c] = H
    return H_out, loss_rec, gnorm_rec, taken, diverged


def _libm(fn, x: np.ndarray) -> np.ndarray:
    return np.fromiter(map(fn, x.ravel().tolist()), dtype=np.float64, count=x.size).reshape(x.shape)


def _quantities_numpy(H, W, tau):
    d, n = H.shape
    G = np.zeros((n, n))
    for k in range(d):
        G = G + H[k][:, None] * H[k][None, :]
    off = ~np.eye(n, dtype=bool)
    mx = np.max(np.where(off, G, -np.inf), axis=1)
    with np.errstate(invalid="ignore", over="ignore"):
        arg = np.where(off, (G - mx[:, None]) / tau, 0.0)
        Ex = np.where(off, _libm(math.exp, arg), 0.0)
        zi = np.zeros(n)
        for l in range(n):
            zi = zi + Ex[:, l]
        p = np.zeros(n)
        for l in range(n):
            p = p + W[:, l] * G[:, l]
        terms = (mx / tau + _libm(math.log, np.where(zi > 0, zi, 1.0)) + np.where(zi > 0, 0.0, np.nan)) - p / tau
        loss = 0.0
        for i in range(n):
            loss += float(terms[i])
        M = (Ex / zi[:, None] - W) / tau
        A = M.T + M                          # A[l, i] = M[l, i] + M[i, l], as the kernel's Ex[l, i] + Ex[i, l]
        E = np.zeros((d, n))
        for l in range(n):
            E = E + H[:, l][:, None] * A[l][None, :]
        c = np.zeros(n)
        for k in range(d):
            c = c + H[k] * E[k]
        R = E - c[None, :] * H
        s = np.zeros(n)
        for k in range(d):
            s = s + R[k] * R[k]
        g2 = 0.0
        for i in range(n):
            g2 += float(s[i])
    return loss, g2, R


def _rgd_numpy(H0, W, tau, lr, n_steps, tol, record_steps):
    """Plain-NumPy twin of ``_rgd_kernel``: same operations in the same order."""
    C, d, n = H0.shape
    Rn = record_steps.shape[0]
    H_out = H0.copy()
    loss_rec = np.empty((C, Rn))
    gnorm_rec = np.empty((C, Rn))
    taken = np.zeros(C, dtype=np.int64)
    diverged = np.zeros(C, dtype=np.int64)
    for c in range(C):
        H = H0[c].copy()
        r = 0
        last_loss, last_g = np.nan, np.nan
        for s in range(n_steps + 1):
            loss, g2, Rg = _quantities_numpy(H, W, tau)
            gn = math.sqrt(g2) if g2 >= 0 else math.nan
            if not (math.isfinite(loss) and math.isfinite(gn)):
                diverged[c] = 1
                break
            last_loss, last_g = loss, gn
            taken[c] = s
            while r < Rn and record_steps[r] == s:
                loss_rec[c, r] = loss
                gnorm_rec[c, r] = gn
                r += 1
            if s == n_steps or gn <= tol:
                break
            with np.errstate(over="ignore", invalid="ignore"):
                U = H - lr * Rg
                nrm2 = np.zeros(n)
                for k in range(d):
                    nrm2 = nrm2 + U[k] * U[k]
                nrm = np.sqrt(nrm2)
                if not np.all(np.isfinite(nrm) & (nrm > 0.0)):
                    diverged[c] = 1
                    break
                H = U / nrm[None, :]
        while r < Rn:
            loss_rec[c, r] = last_loss
            gnorm_rec[c, r] = last_g
            r += 1
        H_out[c] = H
    return H_out, loss_rec, gnorm_rec, taken, diverged

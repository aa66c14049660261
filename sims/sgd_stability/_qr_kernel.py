"""Numba QR (Benettin) kernel for the random matrix products of ``_qr``, and its plain-NumPy twin.

``_qr_kernel`` advances every chain (cells × replicas) through burn-in and the measured blocks:
the law's factors M_t are drawn from the chain's own xoshiro256** stream (``_rng``; law kind 0
:class:`FiniteRowsLaw`, 1 :class:`GaussianRowsLaw`, 2 :class:`TwoLayerVectorLaw`, set up by
``_qr_laws._law_setup``), Q ← M_t Q, and Q is re-orthonormalised by modified Gram–Schmidt with
log R_jj accumulated per block, under the schedule, zero and overflow rules stated in the ``_qr``
module docstring. Chunks of chains run in parallel (``prange``) on thread-private copies of
their state, time outer and chains inner. ``_qr_numpy`` (the oracle of
:func:`lyapunov_qr_reference`) performs the same operations in the same order, vectorised over
the active chains, with libm ``log`` (``_log_libm``), so the two agree to roundoff.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from .._rng import NumpyStreams, normal, uniform

_BIG = 1e100                 # re-orthonormalise before an entry passes this
_BOUND_CAP = 1e4             # ... or the growth bound β since the last QR (zero test ∝ β)
_SMALL = 1e-100              # ... or before a column's largest entry falls below this


@njit(cache=True)
def _qr_chunk(kind, lr, X, row_sq, scale, S, replace, noise, gain, perm, Q, state, k_live,
              overflow, sums, lo, hi, burn_in, n_steps, block_len, n_blocks, reorth, ztol, zx, zr):
    C, D, k = Q.shape
    d = D - 1 if kind == 2 else D
    n = X.shape[0]
    T = burn_in + n_steps
    xb = np.empty((S, d))
    rows = np.zeros(S, dtype=np.intp)
    v = np.empty(S)
    cv = np.empty(d)
    n_norm = S * d if kind == 1 else S * (d + 1)
    zb = np.empty(n_norm)
    since = np.zeros(hi - lo, dtype=np.int64)
    bound = np.ones(hi - lo)
    for t in range(T):
        meas = t >= burn_in
        blk = min((t - burn_in) // block_len, n_blocks - 1) if meas else -1
        force = t + 1 == burn_in or t + 1 == T
        if meas and blk < n_blocks - 1 and t + 1 - burn_in == (blk + 1) * block_len:
            force = True
        for c in range(lo, hi):
            kl = k_live[c]
            if kl == 0 or overflow[c]:
                continue
            s0, s1, s2, s3 = state[0, c], state[1, c], state[2, c], state[3, c]
            coef = 0.0
            a = 0.0
            if kind == 0:
                sq = 0.0
                for j in range(S):
                    U, s0, s1, s2, s3 = uniform(s0, s1, s2, s3)
                    if replace:
                        idx = min(np.intp(U * n), n - 1)
                    else:
                        r = j + min(np.intp(U * (n - j)), n - j - 1)
                        tmp = perm[c, j]
                        perm[c, j] = perm[c, r]
                        perm[c, r] = tmp
                        idx = perm[c, j]
                    rows[j] = idx
                    sq += row_sq[idx]
                coef = lr[c] * scale / S
                mb = 1.0 + coef * sq
            else:
                # all normals of the step in draw order (one inlined ziggurat: faster compile)
                for q in range(n_norm):
                    z, s0, s1, s2, s3 = normal(zx, zr, s0, s1, s2, s3)
                    zb[q] = z
            if kind == 1:
                sq = 0.0
                for j in range(S):
                    for i in range(d):
                        z = zb[j * d + i]
                        xb[j, i] = z
                        sq += z * z
                coef = lr[c] * scale / S
                mb = 1.0 + coef * sq
            elif kind == 2:
                for i in range(d):
                    cv[i] = 0.0
                for j in range(S):
                    base = j * (d + 1)                # x_j1..x_jd, then ε_j
                    yv = zb[base] + noise * zb[base + d]
                    for i in range(d):
                        cv[i] += yv * zb[base + i]
                cn = 0.0
                for i in range(d):
                    cv[i] = cv[i] / S
                    cn += cv[i] * cv[i]
                a = lr[c] * gain
                mb = 1.0 + a * math.sqrt(cn)
            state[0, c], state[1, c], state[2, c], state[3, c] = s0, s1, s2, s3

            bad = False
            cmin = np.inf
            cmax = 0.0
            for p in range(kl):
                if kind == 2:
                    tt = 0.0
                    for i in range(d):
                        tt += cv[i] * Q[c, 1 + i, p]
                    q0 = Q[c, 0, p]
                    Q[c, 0, p] = q0 + a * tt
                    for i in range(d):
                        Q[c, 1 + i, p] = Q[c, 1 + i, p] + a * cv[i] * q0
                else:
                    for j in range(S):
                        acc = 0.0
                        for i in range(D):
                            xji = X[rows[j], i] if kind == 0 else xb[j, i]
                            acc += xji * Q[c, i, p]
                        v[j] = acc
                    for i in range(D):
                        g = 0.0
                        for j in range(S):
                            xji = X[rows[j], i] if kind == 0 else xb[j, i]
                            g += v[j] * xji
                        Q[c, i, p] = Q[c, i, p] - coef * g
                colmax = 0.0
                for i in range(D):
                    az = abs(Q[c, i, p])
                    if not (az <= _BIG * _BIG):
                        bad = True
                    elif az > colmax:
                        colmax = az
                cmin = min(cmin, colmax)
                cmax = max(cmax, colmax)
            if bad:
                overflow[c] = True
                continue
            since[c - lo] += 1
            bound[c - lo] *= mb
            if not (force or since[c - lo] >= reorth or cmin < _SMALL or cmax > _BIG
                    or bound[c - lo] > _BOUND_CAP):
                continue
            zero_tol = ztol * bound[c - lo]
            new_kl = kl
            for j in range(kl):
                for _ in range(2):                   # MGS, re-orthogonalised once
                    for i in range(j):
                        rij = 0.0
                        for row in range(D):
                            rij += Q[c, row, i] * Q[c, row, j]
                        for row in range(D):
                            Q[c, row, j] = Q[c, row, j] - rij * Q[c, row, i]
                colmax = 0.0
                for row in range(D):
                    colmax = max(colmax, abs(Q[c, row, j]))
                nrm = 0.0
                if colmax > 0.0:
                    ss = 0.0
                    for row in range(D):
                        tq = Q[c, row, j] / colmax
                        ss += tq * tq
                    nrm = colmax * math.sqrt(ss)
                if not (nrm > zero_tol):             # volume lost at working precision
                    new_kl = j
                    break
                for row in range(D):
                    Q[c, row, j] = Q[c, row, j] / nrm
                if meas:
                    sums[c, blk, j] += math.log(nrm)
            k_live[c] = new_kl
            since[c - lo] = 0
            bound[c - lo] = 1.0


@njit(cache=True)
def _copy_chunk(Q, state, sums, perm, q, st, sm, pm, lo, hi, into_local):
    """Copy chains lo..hi−1 between the shared arrays and a chunk's private ones."""
    for c in range(lo, hi):
        j = c - lo
        for a in range(Q.shape[1]):
            for b in range(Q.shape[2]):
                if into_local:
                    q[j, a, b] = Q[c, a, b]
                else:
                    Q[c, a, b] = q[j, a, b]
        for a in range(4):
            if into_local:
                st[a, j] = state[a, c]
            else:
                state[a, c] = st[a, j]
        for a in range(sums.shape[1]):
            for b in range(sums.shape[2]):
                if into_local:
                    sm[j, a, b] = sums[c, a, b]
                else:
                    sums[c, a, b] = sm[j, a, b]
        if perm.shape[0] == Q.shape[0]:
            for a in range(perm.shape[1]):
                if into_local:
                    pm[j, a] = perm[c, a]
                else:
                    perm[c, a] = pm[j, a]


@njit(cache=True, parallel=True)
def _qr_kernel(kind, lr, X, row_sq, scale, S, replace, noise, gain, perm, Q, state, k_live,
               overflow, sums, burn_in, n_steps, block_len, n_blocks, reorth, ztol, zx, zr, chunk):
    C = Q.shape[0]
    for b in prange((C + chunk - 1) // chunk):
        lo = b * chunk
        hi = min(C, lo + chunk)
        # thread-private copies of the chunk's state: neighbouring chains on other threads
        # would otherwise share cache lines that are written every step
        q = np.empty((hi - lo,) + Q.shape[1:])
        st = np.empty((4, hi - lo), dtype=state.dtype)
        sm = np.empty((hi - lo,) + sums.shape[1:])
        pm = np.empty((hi - lo, perm.shape[1]), dtype=perm.dtype) if perm.shape[0] == C else perm
        _copy_chunk(Q, state, sums, perm, q, st, sm, pm, lo, hi, True)
        kl = k_live[lo:hi].copy()
        ov = overflow[lo:hi].copy()
        _qr_chunk(kind, lr[lo:hi], X, row_sq, scale, S, replace, noise, gain, pm, q, st, kl, ov,
                  sm, 0, hi - lo, burn_in, n_steps, block_len, n_blocks, reorth, ztol, zx, zr)
        _copy_chunk(Q, state, sums, perm, q, st, sm, pm, lo, hi, False)
        for c in range(lo, hi):
            k_live[c] = kl[c - lo]
            overflow[c] = ov[c - lo]


def _log_libm(x: np.ndarray) -> np.ndarray:
    # libm log, as in the kernel (NumPy's SIMD log differs in the last bit)
    return np.fromiter(map(math.log, x.tolist()), dtype=np.float64, count=x.size)


def _qr_numpy(kind, lr, X, row_sq, scale, S, replace, noise, gain, perm, Q, state, k_live,
              overflow, sums, burn_in, n_steps, block_len, n_blocks, reorth, ztol, zx, zr, chunk):
    """Plain-NumPy twin of ``_qr_kernel``: active chains vectorised, same operations and order."""
    del zx, zr, chunk
    streams = NumpyStreams(state)
    C, D, k = Q.shape
    d = D - 1 if kind == 2 else D
    n = X.shape[0]
    T = burn_in + n_steps
    since = np.zeros(C, dtype=np.int64)
    bound = np.ones(C)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(T):
            meas = t >= burn_in
            blk = min((t - burn_in) // block_len, n_blocks - 1) if meas else -1
            force = t + 1 == burn_in or t + 1 == T
            if meas and blk < n_blocks - 1 and t + 1 - burn_in == (blk + 1) * block_len:
                force = True
            act = np.flatnonzero((k_live > 0) & ~overflow)
            if act.size == 0:
                break
            m = act.size
            if kind == 0:
                rows = np.empty((m, S), dtype=np.intp)
                sq = np.zeros(m)
                for j in range(S):
                    U = streams.uniform(act)
                    if replace:
                        idx = np.minimum((U * n).astype(np.intp), n - 1)
                    else:
                        r = j + np.minimum((U * (n - j)).astype(np.intp), n - j - 1)
                        tmp = perm[act, j].copy()
                        perm[act, j] = perm[act, r]
                        perm[act, r] = tmp
                        idx = perm[act, j]
                    rows[:, j] = idx
                    sq = sq + row_sq[idx]
                coef = lr[act] * scale / S
                mb = 1.0 + coef * sq
                xb = X[rows]                             # (m, S, d)
            elif kind == 1:
                xb = np.empty((m, S, d))
                sq = np.zeros(m)
                for j in range(S):
                    for i in range(d):
                        z = streams.normal(act)
                        xb[:, j, i] = z
                        sq = sq + z * z
                coef = lr[act] * scale / S
                mb = 1.0 + coef * sq
            else:
                cv = np.zeros((m, d))
                for j in range(S):
                    xs = np.empty((m, d))
                    for i in range(d):
                        xs[:, i] = streams.normal(act)
                    e = streams.normal(act)
                    yv = xs[:, 0] + noise * e
                    for i in range(d):
                        cv[:, i] = cv[:, i] + yv * xs[:, i]
                cn = np.zeros(m)
                for i in range(d):
                    cv[:, i] = cv[:, i] / S
                    cn = cn + cv[:, i] * cv[:, i]
                a = lr[act] * gain
                mb = 1.0 + a * np.sqrt(cn)

            kl = k_live[act]
            bad = np.zeros(m, dtype=bool)
            cmin = np.full(m, np.inf)
            cmax = np.zeros(m)
            for p in range(k):
                sel = kl > p
                if not sel.any():
                    break
                ch = act[sel]
                q = Q[ch, :, p]                          # (ms, D) copy
                if kind == 2:
                    tt = np.zeros(ch.size)
                    for i in range(d):
                        tt = tt + cv[sel, i] * q[:, 1 + i]
                    q0 = q[:, 0].copy()
                    q[:, 0] = q0 + a[sel] * tt
                    for i in range(d):
                        q[:, 1 + i] = q[:, 1 + i] + a[sel] * cv[sel, i] * q0
                else:
                    xs_ = xb[sel]
                    vv = np.empty((ch.size, S))
                    for j in range(S):
                        acc = np.zeros(ch.size)
                        for i in range(D):
                            acc = acc + xs_[:, j, i] * q[:, i]
                        vv[:, j] = acc
                    for i in range(D):
                        g = np.zeros(ch.size)
                        for j in range(S):
                            g = g + vv[:, j] * xs_[:, j, i]
                        q[:, i] = q[:, i] - coef[sel] * g
                Q[ch, :, p] = q
                az = np.abs(q)
                bad[sel] |= np.any(~(az <= _BIG * _BIG), axis=1)
                colmax = np.max(np.where(az <= _BIG * _BIG, az, 0.0), axis=1)
                cmin[sel] = np.minimum(cmin[sel], colmax)
                cmax[sel] = np.maximum(cmax[sel], colmax)
            overflow[act[bad]] = True
            ok = ~bad
            since[act[ok]] += 1
            bound[act[ok]] = bound[act[ok]] * mb[ok]
            b_act = bound[act]
            need = ok & (force | (since[act] >= reorth) | (cmin < _SMALL) | (cmax > _BIG)
                         | (b_act > _BOUND_CAP))
            qc = act[need]
            if qc.size == 0:
                continue
            zero_tol = ztol * bound[qc]
            cur = k_live[qc].copy()
            new_kl = cur.copy()
            alive = np.ones(qc.size, dtype=bool)
            for j in range(k):
                jj = alive & (cur > j)
                if not jj.any():
                    break
                ch = qc[jj]
                for _ in range(2):
                    for i in range(j):
                        rij = np.zeros(ch.size)
                        for row in range(D):
                            rij = rij + Q[ch, row, i] * Q[ch, row, j]
                        for row in range(D):
                            Q[ch, row, j] = Q[ch, row, j] - rij * Q[ch, row, i]
                col = Q[ch, :, j]
                colmax = np.zeros(ch.size)
                for row in range(D):
                    colmax = np.maximum(colmax, np.abs(col[:, row]))
                pos = colmax > 0.0
                ss = np.zeros(ch.size)
                safe = np.where(pos, colmax, 1.0)
                for row in range(D):
                    tq = col[:, row] / safe
                    ss = ss + tq * tq
                nrm = np.where(pos, colmax * np.sqrt(ss), 0.0)
                lost = ~(nrm > zero_tol[jj])
                where_jj = np.flatnonzero(jj)
                new_kl[where_jj[lost]] = j
                alive[where_jj[lost]] = False
                keep = ~lost
                chk = ch[keep]
                Q[chk, :, j] = col[keep] / nrm[keep][:, None]
                if meas and chk.size:
                    sums[chk, blk, j] += _log_libm(nrm[keep])
            k_live[qc] = new_kl
            since[qc] = 0
            bound[qc] = 1.0
    state[...] = streams.s

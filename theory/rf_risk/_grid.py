r"""Vectorised risk over broadcast grids of $(n, k, \delta)$ (docs/rf_risk.md#solving-it).

$(n, k, \delta)$ enter the risk only through $\gamma$, and every mode sum is a smooth function of
$u = \log\gamma$. We tabulate $\log z$, $\log(M - z)$, $\log(z - q)$, $\log q$, $\log B_1$,
$\log B_2$ with their exact first and second $u$-derivatives (sums of $L^a(1-L)^b$, BLAS products)
on a uniform $u$-grid of spacing ``DU`` covering every root the grid needs, and interpolate each
by piecewise quintic Hermite polynomials (error $O(\Delta u^6)$). Then $\gamma_0$ and the root of
$\Phi(\gamma) = \delta$ are found for all points at once by vectorised bisection in $u$; no Python
loop runs over points. Measured against the scalar solver in tests/theory/test_rf_risk_grid.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..summary import compact_repr
from ..validate import MAX_ENTRIES, as_finite_array, check_work, format_value
from ._solve import Branch, Spectrum, as_noise, gamma_at

__all__ = ["OptimalRidgeGrid", "RiskGrid", "optimal_ridge_grid", "risk_grid"]

#: Table spacing in u = log gamma. Quintic Hermite error ~ DU^6 f^(6)/46080; 0.05 measured <= 1e-11
#: relative on z for power-law spectra (tests/theory/test_rf_risk_grid.py).
DU = 0.1
_NEWTON = 3                                   # Newton polish steps after the bisection
_GL = 6                                       # Gauss-Legendre nodes for the near-gamma_0 gap
_BISECT = 56                                  # halvings of a u-bracket of width <= ~1e3: below 1 ulp


class _Table:
    """Quintic Hermite tables of the mode sums in u = log gamma on [u0, u0 + (G-1) DU]."""

    def __init__(self, spec: Spectrum, g_lo: float, g_hi: float):
        u0, u1 = math.log(g_lo), math.log(g_hi)
        G = max(int(math.ceil((u1 - u0) / DU)) + 1, 4)
        check_work(G * spec.lam.size, "table nodes * modes", maximum=MAX_ENTRIES // 4,
                   why="the spline table would not fit in memory")
        self.u0, self.h, self.G = u0, (u1 - u0) / (G - 1), G
        us = u0 + self.h * np.arange(G)
        W = np.stack([spec.m, spec.m * spec.v2], axis=1)          # weights for plain and v^2 sums
        names = ("z", "y", "w", "q", "B1", "B2")
        vals = {nm: np.empty((G, 3)) for nm in names}
        rows = max(1, int(2**22 // spec.lam.size))
        for s in range(0, G, rows):
            g = np.exp(us[s:s + rows])[:, None]
            den = spec.lam[None, :] + g
            a = spec.lam[None, :] / den                            # L
            b = g / den                                            # 1 - L, never by subtraction
            ab = a * b
            a2b, ab2 = a * ab, ab * b
            a3b, a2b2, ab3 = a * a2b, ab * ab, ab2 * b
            S = {nm: arr @ W for nm, arr in (("a", a), ("b", b), ("ab", ab), ("a2", a * a), ("b2", b * b),
                                              ("a2b", a2b), ("ab2", ab2), ("a3b", a3b), ("a2b2", a2b2),
                                              ("ab3", ab3))}
            one, vv = 0, 1
            sl = slice(s, s + rows)
            # (value, d/du, d2/du2) with dL/du = -L(1-L)
            vals["z"][sl] = np.stack([S["a"][:, one], -S["ab"][:, one], S["ab2"][:, one] - S["a2b"][:, one]], 1)
            vals["y"][sl] = np.stack([S["b"][:, one], S["ab"][:, one], S["a2b"][:, one] - S["ab2"][:, one]], 1)
            vals["w"][sl] = np.stack([S["ab"][:, one], S["a2b"][:, one] - S["ab2"][:, one],
                                      S["a3b"][:, one] - 4 * S["a2b2"][:, one] + S["ab3"][:, one]], 1)
            vals["q"][sl] = np.stack([S["a2"][:, one], -2 * S["a2b"][:, one],
                                      4 * S["a2b2"][:, one] - 2 * S["a3b"][:, one]], 1)
            vals["B1"][sl] = np.stack([S["b2"][:, vv], 2 * S["ab2"][:, vv],
                                       2 * (2 * S["a2b2"][:, vv] - S["ab3"][:, vv])], 1)
            vals["B2"][sl] = np.stack([S["ab"][:, vv], S["a2b"][:, vv] - S["ab2"][:, vv],
                                       S["a3b"][:, vv] - 4 * S["a2b2"][:, vv] + S["ab3"][:, vv]], 1)
        self.zero_target = spec.total_power == 0.0
        self.coef = {}
        for nm in names:
            f, d1, d2 = vals[nm].T
            if nm in ("B1", "B2") and self.zero_target:
                f = np.ones_like(f)
                d1 = d2 = np.zeros_like(f)
            # log space: g = log f, g' = f'/f, g'' = f''/f - g'^2. A sum that underflows (q ~ z^2 when
            # z ~ 1e-300 at an enormous ridge) is held at 1e-300 with zero slope: it is then negligible
            tiny = f < 1e-300
            if tiny.any():
                f = np.where(tiny, 1e-300, f)
                d1 = np.where(tiny, 0.0, d1)
                d2 = np.where(tiny, 0.0, d2)
            g0 = np.log(f)
            g1 = d1 / f
            g2 = d2 / f - g1 * g1
            self.coef[nm] = self._quintic(g0, g1 * self.h, g2 * self.h * self.h)

    @staticmethod
    def _quintic(f, d, s):
        """Coefficients c0..c5 in t in [0, 1] per interval from values, h f', h^2 f'' at both ends."""
        f0, f1, d0, d1, s0, s1 = f[:-1], f[1:], d[:-1], d[1:], s[:-1], s[1:]
        df = f1 - f0
        c3 = 10 * df - 6 * d0 - 4 * d1 - (3 * s0 - s1) / 2
        c4 = -15 * df + 8 * d0 + 7 * d1 + (3 * s0 - 2 * s1) / 2
        c5 = 6 * df - 3 * d0 - 3 * d1 - (s0 - s1) / 2
        return np.stack([f0, d0, s0 / 2, c3, c4, c5], axis=0)

    def locate(self, u):
        x = (u - self.u0) / self.h
        j = np.clip(np.floor(x).astype(np.int64), 0, self.G - 2)
        return j, x - j

    def log_of(self, nm, j, t):
        c = self.coef[nm][:, j]
        return c[0] + t * (c[1] + t * (c[2] + t * (c[3] + t * (c[4] + t * c[5]))))

    def z_and_y(self, u, M):
        """z and M - z, each from whichever table is accurate (no M - z subtraction near z = M)."""
        j, t = self.locate(u)
        z = np.exp(self.log_of("z", j, t))
        big = z > 0.5 * M
        if not big.any():
            return z, M - z
        y = np.exp(self.log_of("y", j, t))
        return np.where(big, M - y, z), np.where(big, y, M - z)


@compact_repr
@dataclass(frozen=True)
class RiskGrid:
    r"""Risks over a broadcast grid of $(n, k, \delta)$; every field is an array of the broadcast shape.

    Attributes
    ----------
    test_mse, excess_risk, train_mse, fitting_ratio : numpy.ndarray
        As in :class:`RiskResult` (``inf`` test risk where ``diverged``).
    gamma, kappa, overfitting_coefficient, bias, variance, z, q : numpy.ndarray
        As in :class:`RiskResult` ($s = 1 - z/n$ is the square root of ``fitting_ratio`` for ridges $\ge 0$).
    regime : numpy.ndarray
        Strings, as in :class:`RiskResult`.
    diverged : numpy.ndarray
        Booleans: ridgeless threshold $n = \min(k, M)$.
    noise : float
        $\sigma^2$. (The inputs $n, k, \delta$ are the caller's; the arrays have their broadcast shape.)
    """

    test_mse: np.ndarray
    excess_risk: np.ndarray
    train_mse: np.ndarray
    fitting_ratio: np.ndarray
    gamma: np.ndarray
    kappa: np.ndarray
    overfitting_coefficient: np.ndarray
    bias: np.ndarray
    variance: np.ndarray
    z: np.ndarray
    q: np.ndarray
    regime: np.ndarray
    diverged: np.ndarray
    noise: float


def _as_grid_inputs(n, k, ridge):
    nn = np.asarray(as_finite_array(n, "n"), dtype=float)
    if np.any(nn < 1):
        raise ValueError(f"n must be >= 1 everywhere; got {format_value(nn[nn < 1].flat[0])}")
    try:
        kk = np.asarray(k, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError("k must be array-like of numbers >= 1 or np.inf") from exc
    if np.any(np.isnan(kk)) or np.any(kk < 1) or np.any(kk == -np.inf):
        raise ValueError("k must be >= 1 or np.inf everywhere (no NaN)")
    dd = as_finite_array(ridge, "ridge")
    if np.any(dd < 0):
        raise ValueError(f"ridge must be >= 0 everywhere in a grid; got {format_value(dd[dd < 0].flat[0])}")
    try:
        nn, kk, dd = np.broadcast_arrays(nn, kk, dd)
    except ValueError as exc:
        raise ValueError(f"n, k and ridge must broadcast together; got shapes {np.shape(n)}, {np.shape(k)}, "
                         f"{np.shape(ridge)}") from exc
    if nn.size == 0:
        raise ValueError(f"n, k and ridge must broadcast to a non-empty grid; got shapes {np.shape(n)}, "
                         f"{np.shape(k)}, {np.shape(ridge)}")
    check_work(nn.size, "grid points", maximum=MAX_ENTRIES // 64, why="the grid arrays would not fit in memory")
    return nn.astype(float), kk.astype(float), dd.astype(float)


def _bracket_table(spec: Spectrum, n, k, d) -> _Table:
    """The roots gamma decrease in n and k and increase in ridge: the box corners bound them all."""
    hi_br = Branch(spec, float(n.min()), float(k.min()))
    g_hi = hi_br.gamma0 + (hi_br.solve(float(d.max())) if d.max() > 0 else 0.0)
    if g_hi == 0.0:
        g_hi = float(spec.lam.max())
    lo_br = Branch(spec, float(n.max()), float(k.max()))
    cands = [g_hi]
    for t in (n[n < spec.M], k[k < spec.M]):          # smallest positive gamma_0 among ridgeless points
        if t.size:
            cands.append(gamma_at(spec, float(t.max())))
    dpos = d[d > 0]
    if dpos.size:
        cands.append(lo_br.gamma0 + lo_br.solve(float(dpos.min())))
    g_lo = min(cands)
    top = 0.5 * np.finfo(float).max                    # the table's upper edge stays finite
    return _Table(spec, max(g_lo * math.exp(-4 * DU), 1e-300), min(g_hi * math.exp(4 * DU), top))


def _solve_u(tab: _Table, f, lo, hi):
    """Vectorised bisection for an increasing f(u) = 0 on [lo, hi] (f(lo) <= 0 <= f(hi))."""
    for _ in range(_BISECT):
        mid = 0.5 * (lo + hi)
        pos = f(mid) > 0
        hi = np.where(pos, mid, hi)
        lo = np.where(pos, lo, mid)
    return 0.5 * (lo + hi)


def risk_grid(eigenvalues, target_power, n, k, ridge, noise=0.0, *, multiplicities=None) -> RiskGrid:
    r"""Risks over a broadcast grid of $(n, k, \delta)$ without a Python loop over points.

    Parameters
    ----------
    eigenvalues, target_power : array_like
        As in :func:`risk`.
    n : array_like
        Sample counts $\ge 1$ (floats allowed: the theory is continuous in $n$).
    k : array_like
        Feature counts $\ge 1$ or ``np.inf``.
    ridge : array_like
        Ridges $\delta \ge 0$.
    noise : float, default 0.0
        Label-noise variance $\sigma^2 \ge 0$.
    multiplicities : array_like, optional
        Positive mode weights.

    Returns
    -------
    RiskGrid
        Arrays of the broadcast shape of ``n``, ``k``, ``ridge``.
    """
    spec = Spectrum(eigenvalues, target_power, multiplicities)
    s2 = as_noise(noise)
    n, k, d = _as_grid_inputs(n, k, ridge)
    shape = n.shape
    n, k, d_user = n.ravel(), k.ravel(), d.ravel()
    d = d_user / spec.scale                   # lambda_max = 1 units inside (the Spectrum's scale)
    P = _Points(spec, n, k, _bracket_table(spec, n, k, d))
    pos = d > 0
    e = P.solve(d, pos)
    f = P.fields(e, pos, d, s2)
    out = {nm: np.asarray(f[nm], dtype=float).reshape(shape) for nm in (
        "test_mse", "excess_risk", "train_mse", "fitting_ratio", "overfitting_coefficient", "bias", "variance",
        "z", "q")}
    out["gamma"] = (f["gamma"] * spec.scale).reshape(shape)
    out["kappa"] = (f["kappa"] * spec.scale).reshape(shape)
    return RiskGrid(regime=f["regime"].reshape(shape), diverged=f["diverged"].reshape(shape), noise=s2, **out)


class _Points:
    """Per-point constants of a flattened grid of (n, k) on one table (internal)."""

    def __init__(self, spec: Spectrum, n, k, tab: _Table):
        self.spec, self.n, self.k, self.tab, self.M = spec, n, k, tab, spec.M
        M = spec.M
        self.u_lo, self.u_hi = tab.u0, tab.u0 + tab.h * (tab.G - 1)
        self.kinv = np.where(np.isinf(k), 0.0, 1.0 / np.where(np.isinf(k), 1.0, k))

        def gamma_of(t):      # z(u) = t by bisection in u on the table (z decreasing); t >= M -> gamma = 0
            tt = np.where(np.isfinite(t), t, M)
            u = _solve_u(tab, lambda u: tt - tab.z_and_y(u, M)[0], np.full(t.shape, self.u_lo),
                         np.full(t.shape, self.u_hi))
            return np.where(tt >= M, -np.inf, u)

        # only the distinct n and k values are solved (vectorised), then mapped back
        n_u, n_inv = np.unique(n, return_inverse=True)
        k_u, k_inv = np.unique(k, return_inverse=True)
        un, uk = gamma_of(n_u)[n_inv], gamma_of(k_u)[k_inv]
        self.u0 = np.maximum(un, uk)
        self.zero0 = np.isneginf(self.u0)
        self.z0 = np.where(self.zero0, M, np.where(un >= uk, n, k))     # exact z(gamma_0)
        self.a_n = n - self.z0
        with np.errstate(invalid="ignore"):
            self.a_k = np.where(np.isinf(k), np.inf, k - self.z0)
        # the unknown is e = u - base, base = u_0 (or the table start when gamma_0 = 0): for a tiny ridge
        # e is tiny and is carried at full relative precision, as is the gap z(gamma_0) - z(gamma)
        self.base = np.where(self.zero0, self.u_lo, self.u0)
        self.e_lo = np.maximum(self.u_lo - self.base, 0.0)

    def gaps(self, e):
        """(n - z, (k - z)/k, z - q) at u = base + e, with z(gamma_0) - z(gamma) = int_0^e (z - q) de'
        (Gauss-Legendre on the (z - q) table) when e < 0.35 < the table's padding: no difference of
        close numbers; M - z from its own table when gamma_0 = 0."""
        tab, base = self.tab, self.base
        u = base + e
        j, t = tab.locate(u)
        w = np.exp(tab.log_of("w", j, t))
        z, y = tab.z_and_y(u, self.M)
        near = (e < 0.35) & ~self.zero0
        integral = np.zeros_like(u)
        if near.any():
            gl_t, gl_w = np.polynomial.legendre.leggauss(_GL)
            vs = base[near][:, None] + 0.5 * e[near][:, None] * (1 + gl_t[None, :])
            jj, tt = tab.locate(vs)
            integral[near] = 0.5 * e[near] * (np.exp(tab.log_of("w", jj, tt)) @ gl_w)
        gap = np.where(self.zero0, y, np.where(near, integral, self.z0 - z))
        nz = self.a_n + gap
        with np.errstate(invalid="ignore"):
            c = np.where(np.isinf(self.k), 1.0, (self.a_k + gap) * self.kinv)
        return nz, c, w

    def phi(self, e):
        """Phi(gamma) = gamma (n - z)(1 - z/k) at u = base + e (the ridge that gives this gamma)."""
        nz, c, _ = self.gaps(e)
        return np.exp(self.base + e) * nz * c

    def solve(self, d, pos):
        """e with Phi = d where pos (bisection, then Newton on the cancellation-free gaps)."""
        tab, n, kinv, base = self.tab, self.n, self.kinv, self.base
        logd = np.log(np.where(pos, d, 1.0))

        def log_phi_minus(e):                  # bisection: the plain n - z is accurate enough here
            z, _ = tab.z_and_y(base + e, self.M)
            nz = np.maximum(n - z, 1e-300)
            kz = np.maximum(1.0 - z * kinv, 1e-300)
            return base + e + np.log(nz) + np.log(kz) - logd

        e = _solve_u(tab, log_phi_minus, self.e_lo.copy(), self.u_hi - base)
        # F(e) = u + log(n - z) + log(1 - z/k) - log(delta), F' = 1 + (z - q)/(n - z) + (z - q)/(k - z)
        for _ in range(_NEWTON):
            nz, c, w = self.gaps(e)
            with np.errstate(divide="ignore", invalid="ignore"):
                F = base + e + np.log(nz) + np.log(c) - logd
                dF = 1.0 + w / nz + w * kinv / c
                step = np.where(pos & (nz > 0) & (c > 0), F / dF, 0.0)
            e = np.maximum(e - np.clip(step, -DU, DU), self.e_lo)
        return np.where(pos, e, 0.0)

    def fields(self, e, pos, d, s2):
        """All risks at u = base + e where pos, and the ridgeless point (gamma_0) elsewhere."""
        tab, n, k, kinv, M = self.tab, self.n, self.k, self.kinv, self.M
        u = np.where(pos, self.base + e, self.u0)
        gamma = np.where(np.isneginf(u), 0.0, np.exp(u))
        ue = np.where(np.isneginf(u), self.u_lo, u)
        j, t = tab.locate(ue)
        q = np.exp(tab.log_of("q", j, t))
        if tab.zero_target:
            B1 = B2 = np.zeros_like(q)
        else:
            B1, B2 = np.exp(tab.log_of("B1", j, t)), np.exp(tab.log_of("B2", j, t))
        nz, c, w = self.gaps(np.where(pos, e, 0.0))
        # ridgeless points: the exact z_0; gamma = 0 (both n, k >= M) means L = 1
        ols0 = ~pos & self.zero0
        nz = np.where(pos, nz, self.a_n)
        with np.errstate(invalid="ignore"):             # inf * 0 in branches np.where discards
            c = np.where(pos, c, np.where(np.isinf(k) | self.zero0, np.where(np.isinf(k), 1.0, (k - M) * kinv),
                                          np.where(np.isinf(self.a_k), 1.0, self.a_k) * kinv))
        z = n - nz
        w = np.where(ols0, 0.0, w)
        q = np.where(ols0, M, q)
        B1 = np.where(ols0, 0.0, B1)
        B2 = np.where(ols0, 0.0, B2)
        wk = w * kinv
        den = nz * c + w * (nz * kinv + c)
        num = n * (c + wk)
        ols = ols0 & (n > M)
        diverged = ~pos & ~ols & (den <= 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            e0 = np.where(ols, n / (n - M), num / np.where(den > 0, den, 1.0))
            em1 = np.where(ols, M / (n - M), e0 * (q * c + z * wk) / np.where(num > 0, num, 1.0))
            signal = B1 + np.where(wk > 0, B2 * wk / np.where(c + wk > 0, c + wk, 1.0), 0.0)
        signal = np.where(ols, 0.0, signal)
        bias = np.where(diverged, np.where(signal > 0, np.inf, 0.0), e0 * signal)
        variance = np.where(diverged, np.inf if s2 > 0 else 0.0, em1 * s2)
        excess = bias + variance
        test = excess + s2
        s = nz / n
        ratio = np.where(diverged, 0.0, s * s)
        with np.errstate(invalid="ignore"):                     # inf * 0 only where diverged (masked)
            train = np.where(diverged, 0.0, ratio * test)
        e0 = np.where(diverged, np.inf, e0)
        # kappa = gamma (k - z)/k, or delta/(n - z) where z is nearer k than n (the accurate one: docs/rf_risk.md#solving-it)
        with np.errstate(divide="ignore", invalid="ignore"):
            kappa = np.where(pos & (c < nz / n), d / np.where(nz > 0, nz, 1.0), gamma * c)
        regime = np.where(pos, "regularised",
                          np.where(ols, "ols", np.where(diverged, "threshold",
                                                        np.where(n < np.minimum(k, M), "interpolating",
                                                                 "underparameterised"))))
        return dict(test_mse=test, excess_risk=excess, train_mse=train, fitting_ratio=ratio, gamma=gamma,
                    kappa=kappa, overfitting_coefficient=e0, bias=bias, variance=variance, z=z, q=q, s=s,
                    regime=regime, diverged=diverged)


@compact_repr
@dataclass(frozen=True)
class OptimalRidgeGrid:
    r"""The optimal ridge over a broadcast grid of $(n, k)$; every field is an array of the broadcast shape.

    Attributes
    ----------
    ridge : numpy.ndarray
        $\delta^*$ (0 where the ridgeless endpoint is optimal).
    test_mse : numpy.ndarray
        $E^* = E_{te}(\delta^*)$.
    train_mse, fitting_ratio, gamma, kappa : numpy.ndarray
        At $\delta^*$, as in :class:`RiskResult`.
    ridgeless_optimal : numpy.ndarray
        Booleans: $\delta = 0$ is the minimiser.
    n, k : numpy.ndarray
        The broadcast inputs.
    noise : float
        $\sigma^2$.
    """

    ridge: np.ndarray
    test_mse: np.ndarray
    train_mse: np.ndarray
    fitting_ratio: np.ndarray
    gamma: np.ndarray
    kappa: np.ndarray
    ridgeless_optimal: np.ndarray
    n: np.ndarray
    k: np.ndarray
    noise: float


_SCAN = 97                   # as the scalar optimal_ridge: log(gamma - gamma_0) over 1e-12 base .. 1e6 max(1, gamma_0)
_GOLDEN = 60                 # golden-section steps: bracket 2 scan cells (~1 in log) -> 0.618^60 ~ 3e-13


def optimal_ridge_grid(eigenvalues, target_power, n, k, noise=0.0, *, multiplicities=None) -> OptimalRidgeGrid:
    r"""$\delta^*$ and $E^* = \min_{\delta\ge0}E_{te}$ over a broadcast grid of $(n, k)$, without a loop over points.

    As :func:`optimal_ridge`, for all points at once: a 97-point scan of $\log(\gamma - \gamma_0)$, a
    vectorised golden-section refinement around the best scan point, and the ridgeless endpoint. The
    loops run over scan and refinement steps, not over points.

    Parameters
    ----------
    eigenvalues, target_power : array_like
        As in :func:`risk`.
    n : array_like
        Sample counts $\ge 1$.
    k : array_like
        Feature counts $\ge 1$ or ``np.inf``.
    noise : float, default 0.0
        Label-noise variance $\sigma^2 \ge 0$.
    multiplicities : array_like, optional
        Positive mode weights.

    Returns
    -------
    OptimalRidgeGrid
        Arrays of the broadcast shape of ``n`` and ``k``.
    """
    spec = Spectrum(eigenvalues, target_power, multiplicities)
    s2 = as_noise(noise)
    n, k, _ = _as_grid_inputs(n, k, 0.0)
    shape = n.shape
    n, k = n.ravel(), k.ravel()
    M, lam_min = spec.M, float(spec.lam.min())
    # the table covers every gamma_0 and every scanned gamma_0 + h (lambda_max = 1 units)
    g0 = [gamma_at(spec, float(t)) for t in (n.min(), k.min())]
    cands = [lam_min * 1e-12]
    for t in (n[n < M], k[k < M]):
        if t.size:
            cands.append(gamma_at(spec, float(t.max())))
    g_top = max(g0 + [1.0])
    top = 0.5 * np.finfo(float).max
    tab = _Table(spec, max(min(cands) * math.exp(-4 * DU), 1e-300), min(g_top * 1e6 * math.exp(4 * DU) + g_top, top))
    P = _Points(spec, n, k, tab)
    pos = np.ones(n.shape, dtype=bool)
    g0p = np.where(P.zero0, 0.0, np.exp(np.where(P.zero0, 0.0, P.u0)))
    v_lo = np.log(np.where(P.zero0, lam_min, g0p)) - 12 * math.log(10.0)
    v_hi = np.log(np.maximum(1.0, g0p)) + 6 * math.log(10.0)

    def e_of(v):              # e = u - base for gamma = gamma_0 + e^v
        h = np.exp(v)
        return np.where(P.zero0, v - P.u_lo, np.log1p(h / np.where(P.zero0, 1.0, g0p)))

    def test_at(v):
        e = e_of(v)
        return P.fields(e, pos, P.phi(e), s2)["test_mse"]

    steps = np.linspace(0.0, 1.0, _SCAN)
    best_i = np.zeros(n.shape, dtype=np.int64)
    best = np.full(n.shape, np.inf)
    for i, t in enumerate(steps):                             # a loop over scan points, not grid points
        val = test_at(v_lo + t * (v_hi - v_lo))
        better = val < best
        best = np.where(better, val, best)
        best_i = np.where(better, i, best_i)
    width = v_hi - v_lo
    a = v_lo + steps[np.maximum(best_i - 1, 0)] * width
    b = v_lo + steps[np.minimum(best_i + 1, _SCAN - 1)] * width
    r = (math.sqrt(5.0) - 1) / 2
    c1, c2 = b - r * (b - a), a + r * (b - a)
    f1, f2 = test_at(c1), test_at(c2)
    for _ in range(_GOLDEN):                                  # one new evaluation per step, all points at once
        left = f1 <= f2                                       # the minimum lies in [a, c2]
        b = np.where(left, c2, b)
        a = np.where(left, a, c1)
        x = np.where(left, b - r * (b - a), a + r * (b - a))
        fx = test_at(x)
        c1, f1, c2, f2 = (np.where(left, x, c2), np.where(left, fx, f2),
                          np.where(left, c1, x), np.where(left, f1, fx))
    v = np.where(f1 <= f2, c1, c2)
    fv = np.minimum(f1, f2)
    use_scan = best < fv
    v = np.where(use_scan, v_lo + steps[best_i] * width, v)
    e = e_of(v)
    d = P.phi(e)
    at = P.fields(e, pos, d, s2)
    zero = P.fields(np.zeros(n.shape), ~pos, np.zeros(n.shape), s2)
    ridgeless = zero["test_mse"] <= at["test_mse"]
    pick = {nm: np.where(ridgeless, zero[nm], at[nm]) for nm in ("test_mse", "train_mse", "fitting_ratio",
                                                                 "gamma", "kappa")}
    return OptimalRidgeGrid(ridge=(np.where(ridgeless, 0.0, d) * spec.scale).reshape(shape),
                            test_mse=pick["test_mse"].reshape(shape), train_mse=pick["train_mse"].reshape(shape),
                            fitting_ratio=pick["fitting_ratio"].reshape(shape),
                            gamma=(pick["gamma"] * spec.scale).reshape(shape),
                            kappa=(pick["kappa"] * spec.scale).reshape(shape),
                            ridgeless_optimal=ridgeless.reshape(shape), n=n.reshape(shape), k=k.reshape(shape),
                            noise=s2)

"""SDE simulators of the stochastic-collapse examples of Chen et al. (2023) (docs/sgd_stability.md#collapse-examples).

* :func:`simulate_quartic_well` — Euler–Maruyama for the quartic well dθ = −(θ³ − μθ)dt + ζθ dW.
* :func:`simulate_tanh_neuron` — Euler–Maruyama for the single tanh neuron f(x) = w₂ tanh(w₁x)
  under the SGD-noise SDE.

Item 3 (per-mode SGD of the teacher–student model) is in ``_collapse_modes``. Each simulator has
a ``*_reference`` twin in plain NumPy (vectorised over chains), the test oracle. Conventions as
in ``_sgd`` (DESIGN.md): float64, ``@njit(cache=True)``, never fastmath; each chain owns a
xoshiro256** stream seeded from (seed, global chain index) (``_rng``), and kernel and reference
draw the same numbers and perform the same floating-point operations in the same order, so they
agree to roundoff (bit for bit in practice; ``tanh`` goes through libm in both). Chains are
grouped in chunks of at most ``CHUNK`` chains; a thread takes a chunk (``prange``) and steps its
chains one at a time, time outer and chains of the chunk inner. A chain's numbers depend only on
its own stream: results do not depend on the number of threads, on the chunking or on the other
cells. |θ| below ``FLUSH`` = 1e-300 is set to 0 (θ = 0 is invariant; avoids subnormals).

Divergence is a result: a chain whose update is non-finite or leaves the allowed ball is frozen
at its last valid state and reported; no NaN or inf is returned.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from theory.summary import compact_repr
from theory.validate import as_finite_array, as_positive_scalar, as_seed

from .._chains import CHUNK, FLUSH, as_count, as_norm_bound, cells_and_chains, check_run, init_normal, tanh_libm
from .._kernels import simulation
from .._rng import ZIG_R, ZIG_X, NumpyStreams, normal, seed_streams

__all__ = [
    "QuarticWellResult",
    "TanhNeuronResult",
    "simulate_quartic_well",
    "simulate_quartic_well_reference",
    "simulate_tanh_neuron",
    "simulate_tanh_neuron_reference",
]


@compact_repr
@dataclass(frozen=True)
class QuarticWellResult:
    r"""Euler–Maruyama runs of dθ = −(θ³ − μθ)dt + ζθ dW.

    Attributes
    ----------
    zeta, mu : ndarray of shape cells
        Noise scale ζ and linear drift μ of each cell (broadcast).
    collapsed, diverged : ndarray of shape cells
        Fraction of trajectories with $\theta_T^2$ < ``collapse_sq``, and with a non-finite or too large
        update (frozen).
    theta : ndarray of shape cells + (n_chains,)
        Final θ (last valid value for a diverged trajectory).
    diverged_chain : ndarray of bool, shape cells + (n_chains,)
    n_steps, dt, init_std, collapse_sq, max_abs, seed
    """

    zeta: np.ndarray
    mu: np.ndarray
    collapsed: np.ndarray
    diverged: np.ndarray
    theta: np.ndarray
    diverged_chain: np.ndarray
    n_steps: int
    dt: float
    init_std: float
    collapse_sq: float
    max_abs: float
    seed: int


@njit(cache=True)
def _quartic_chunk(zeta, mu, theta, state, diverged, lo, hi, n_steps, dt, sqdt, max_abs, zx, zr):
    for _ in range(n_steps):
        for c in range(lo, hi):
            if diverged[c]:
                continue
            th = theta[c]
            s0, s1, s2, s3 = state[0, c], state[1, c], state[2, c], state[3, c]
            z, s0, s1, s2, s3 = normal(zx, zr, s0, s1, s2, s3)
            state[0, c], state[1, c], state[2, c], state[3, c] = s0, s1, s2, s3
            new = th + (mu[c] * th - th * th * th) * dt + zeta[c] * sqdt * th * z
            if not (abs(new) <= max_abs):
                diverged[c] = True
                continue
            if abs(new) < FLUSH:
                new = 0.0
            theta[c] = new


@njit(cache=True, parallel=True)
def _quartic_kernel(zeta, mu, theta, state, diverged, n_steps, dt, sqdt, max_abs, zx, zr, chunk):
    C = theta.shape[0]
    for b in prange((C + chunk - 1) // chunk):
        _quartic_chunk(zeta, mu, theta, state, diverged, b * chunk, min(C, (b + 1) * chunk),
                       n_steps, dt, sqdt, max_abs, zx, zr)


def _quartic_numpy(zeta, mu, theta, state, diverged, n_steps, dt, sqdt, max_abs, zx, zr, chunk):
    """NumPy twin: θ ← θ + (μθ − θ³)dt + ζ√dt θ Z for the non-diverged chains."""
    del zx, zr, chunk
    streams = NumpyStreams(state)
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(n_steps):
            idx = np.flatnonzero(~diverged)
            if idx.size == 0:
                break
            th = theta[idx]
            z = streams.normal(idx)
            new = th + (mu[idx] * th - th * th * th) * dt + zeta[idx] * sqdt * th * z
            bad = ~(np.abs(new) <= max_abs)
            diverged[idx[bad]] = True
            new = np.where(np.abs(new) < FLUSH, 0.0, new)
            theta[idx[~bad]] = new[~bad]
    state[...] = streams.s


# ζ = 0.5 (θ → ±√μ) and ζ = 2.5 (collapse) at dt = 0.01 are stable; with dt = 1 the EM map
# overshoots once θ²dt > 2, which an initial spread of 3 reaches in some chains
_QUARTIC_CASES = {
    "default": lambda: (([0.5, 2.5], 500, 6, 1), dict(dt=0.01)),
    "diverging": lambda: ((0.5, 50, 10, 0), dict(dt=1.0, init_std=3.0)),
}


@simulation("sgd_stability", backends={"numba": _quartic_kernel, "numpy": _quartic_numpy},
            cases=_QUARTIC_CASES)
def simulate_quartic_well(core, zeta, n_steps, n_chains, seed, mu=1.5, dt=0.0025, init_std=2.0,
                          collapse_sq=1e-30, max_abs=1e6) -> QuarticWellResult:
    r"""Collapse in the quartic well dθ = −(θ³ − μθ)dt + ζθ dW (Euler–Maruyama, numba kernel).

    $\theta \leftarrow \theta + (\mu\theta - \theta^3)dt + \zeta\sqrt{dt}\,\theta Z$. θ = 0 is invariant; linearised there the SDE has log-rate
    μ − ζ²/2, so it attracts iff ζ > √(2μ) (stationary density $\propto |\theta|^{2\mu/\zeta^2 - 2}e^{-\theta^2/\zeta^2}$ is
    then not normalisable). The Euler–Maruyama map has its own exponent
    $\mathbb{E}\log|1 + \mu\,dt + \zeta\sqrt{dt}\,Z|$, which shifts the threshold by O(dt). |θ| < 1e-300 is flushed
    to 0 (θ = 0 is invariant; avoids subnormal arithmetic).

    Parameters
    ----------
    zeta : float or array
        Multiplicative noise scale ζ ≥ 0 per cell.
    n_steps : int
        Euler–Maruyama steps (≥ 0).
    n_chains : int
        Trajectories per cell (≥ 1).
    seed : int
        Trajectory j of cell k uses stream k·``n_chains`` + j.
    mu : float or array, default 1.5
        Linear drift coefficient μ, broadcast against ``zeta``.
    dt : float, default 0.0025
        Time step.
    init_std : float, default 2.0
        $\theta_0$ ~ N(0, ``init_std``²) (Chen et al.: N(0, 4)).
    collapse_sq : float, default 1e-30
        Collapsed if $\theta_T^2$ < ``collapse_sq`` at the end.
    max_abs : float, default 1e6
        Diverged (and frozen) if an update is non-finite or |θ| > ``max_abs``.

    Returns
    -------
    QuarticWellResult

    Raises
    ------
    ValueError
        Naming the argument (ζ < 0, shapes that do not broadcast, dt ≤ 0, bad counts, …).

    References
    ----------
    Chen, Kunin, Yamamura, Ganguli (2023), "Stochastic collapse: how gradient noise attracts
    SGD dynamics towards simpler subnetworks", arXiv 2306.04251 (docs/sgd_stability.md#collapse-examples).
    """
    n_chains = as_count(n_chains, "n_chains", 1)
    shape, zeta_c, mu_c, zeta_x, mu_x = cells_and_chains(zeta, mu, "zeta", "mu", n_chains)
    n_steps = as_count(n_steps, "n_steps", 0)
    seed = as_seed(seed)
    dt = as_positive_scalar(dt, "dt")
    init_std = as_positive_scalar(init_std, "init_std")
    collapse_sq = as_positive_scalar(collapse_sq, "collapse_sq")
    max_abs = as_norm_bound(max_abs, "max_abs")
    check_run(zeta_c.size, n_chains, n_steps, 1)
    C = zeta_x.size
    state = seed_streams(seed, C)
    (theta,) = init_normal(state, C, (1,), init_std)
    theta = np.ascontiguousarray(theta[:, 0])
    diverged = np.zeros(C, dtype=np.bool_)
    core(zeta_x, mu_x, theta, state, diverged, n_steps, dt, math.sqrt(dt), max_abs, ZIG_X, ZIG_R,
         CHUNK)
    full = shape + (n_chains,)
    collapsed = (~diverged) & (theta * theta < collapse_sq)
    return QuarticWellResult(
        zeta=zeta_c.reshape(shape), mu=mu_c.reshape(shape),
        collapsed=collapsed.reshape(full).mean(axis=-1), diverged=diverged.reshape(full).mean(axis=-1),
        theta=theta.reshape(full), diverged_chain=diverged.reshape(full), n_steps=n_steps, dt=dt,
        init_std=init_std, collapse_sq=collapse_sq, max_abs=max_abs, seed=seed)


@compact_repr
@dataclass(frozen=True)
class TanhNeuronResult:
    r"""Euler–Maruyama runs of the single tanh neuron SDE (docs/sgd_stability.md#collapse-examples).

    Attributes
    ----------
    eta, zeta : ndarray of shape cells
        Learning rate η (noise strength √η) and noise scale ζ per cell (broadcast).
    collapsed, diverged : ndarray of shape cells
        Fraction of trajectories with $\|w_T\|$ < ``collapse_norm`` at the end, and frozen on divergence.
    w : ndarray of shape cells + (n_chains, 2)
        Final (w₁, w₂).
    diverged_chain : ndarray of bool, shape cells + (n_chains,)
    correlation, second_moment : float
        c = mean(x y) and s₂ = mean(x²) of the data; the origin attracts iff
        η ζ² σ'(0)/2 > c/s₂ (σ'(0) = 1 for tanh).
    n_steps, dt, init_std, collapse_norm, max_norm, seed
    """

    eta: np.ndarray
    zeta: np.ndarray
    collapsed: np.ndarray
    diverged: np.ndarray
    w: np.ndarray
    diverged_chain: np.ndarray
    correlation: float
    second_moment: float
    n_steps: int
    dt: float
    init_std: float
    collapse_norm: float
    max_norm: float
    seed: int


@njit(cache=True)
def _tanh_step(x, y, w1, w2, sdt_c, dt, z1, z2):
    """One EM step of the tanh neuron; the noise (1/√m)JᵀdW is drawn as L·(z1, z2)√dt, LLᵀ = JᵀJ/m."""
    m = x.shape[0]
    g1 = 0.0
    g2 = 0.0
    a11 = 0.0
    a12 = 0.0
    a22 = 0.0
    for i in range(m):
        t = math.tanh(w1 * x[i])
        j1 = w2 * (1.0 - t * t) * x[i]               # ∂f(x_i)/∂w₁
        r = w2 * t - y[i]
        g1 += r * j1
        g2 += r * t
        a11 += j1 * j1
        a12 += j1 * t
        a22 += t * t
    g1 = g1 / m
    g2 = g2 / m
    a11 = a11 / m
    a12 = a12 / m
    a22 = a22 / m
    l11 = math.sqrt(a11)
    l21 = a12 / l11 if l11 > 0.0 else 0.0
    l22 = math.sqrt(max(a22 - l21 * l21, 0.0))
    n1 = w1 - g1 * dt + sdt_c * (l11 * z1)
    n2 = w2 - g2 * dt + sdt_c * (l21 * z1 + l22 * z2)
    return n1, n2


@njit(cache=True)
def _tanh_chunk(x, y, sdt, w, state, diverged, lo, hi, n_steps, dt, max2, zx, zr):
    for _ in range(n_steps):
        for c in range(lo, hi):
            if diverged[c]:
                continue
            s0, s1, s2, s3 = state[0, c], state[1, c], state[2, c], state[3, c]
            z1 = 0.0
            z2 = 0.0
            for q in range(2):                       # one inlined ziggurat: shorter compile
                z, s0, s1, s2, s3 = normal(zx, zr, s0, s1, s2, s3)
                if q == 0:
                    z1 = z
                else:
                    z2 = z
            state[0, c], state[1, c], state[2, c], state[3, c] = s0, s1, s2, s3
            n1, n2 = _tanh_step(x, y, w[c, 0], w[c, 1], sdt[c], dt, z1, z2)
            if not (n1 * n1 + n2 * n2 <= max2):
                diverged[c] = True
                continue
            w[c, 0] = n1 if abs(n1) >= FLUSH else 0.0
            w[c, 1] = n2 if abs(n2) >= FLUSH else 0.0


@njit(cache=True, parallel=True)
def _tanh_kernel(x, y, sdt, w, state, diverged, n_steps, dt, max2, zx, zr, chunk):
    C = w.shape[0]
    for b in prange((C + chunk - 1) // chunk):
        _tanh_chunk(x, y, sdt, w, state, diverged, b * chunk, min(C, (b + 1) * chunk), n_steps,
                    dt, max2, zx, zr)


def _tanh_numpy(x, y, sdt, w, state, diverged, n_steps, dt, max2, zx, zr, chunk):
    """NumPy twin of ``_tanh_kernel`` (data sums in ascending i, libm tanh)."""
    del zx, zr, chunk
    streams = NumpyStreams(state)
    m = x.shape[0]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for _ in range(n_steps):
            idx = np.flatnonzero(~diverged)
            if idx.size == 0:
                break
            z1 = streams.normal(idx)
            z2 = streams.normal(idx)
            w1, w2 = w[idx, 0], w[idx, 1]
            g1 = np.zeros(idx.size)
            g2 = np.zeros(idx.size)
            a11 = np.zeros(idx.size)
            a12 = np.zeros(idx.size)
            a22 = np.zeros(idx.size)
            for i in range(m):
                t = tanh_libm(w1 * x[i])
                j1 = w2 * (1.0 - t * t) * x[i]
                r = w2 * t - y[i]
                g1 = g1 + r * j1
                g2 = g2 + r * t
                a11 = a11 + j1 * j1
                a12 = a12 + j1 * t
                a22 = a22 + t * t
            g1, g2, a11, a12, a22 = g1 / m, g2 / m, a11 / m, a12 / m, a22 / m
            l11 = np.sqrt(a11)
            l21 = np.where(l11 > 0.0, a12 / np.where(l11 > 0.0, l11, 1.0), 0.0)
            l22 = np.sqrt(np.maximum(a22 - l21 * l21, 0.0))
            sd = sdt[idx]
            n1 = w1 - g1 * dt + sd * (l11 * z1)
            n2 = w2 - g2 * dt + sd * (l21 * z1 + l22 * z2)
            bad = ~(n1 * n1 + n2 * n2 <= max2)
            diverged[idx[bad]] = True
            ok = idx[~bad]
            w[ok, 0] = np.where(np.abs(n1[~bad]) >= FLUSH, n1[~bad], 0.0)
            w[ok, 1] = np.where(np.abs(n2[~bad]) >= FLUSH, n2[~bad], 0.0)
    state[...] = streams.s


def _tanh_case(eta, n_steps, n_chains, seed, **kw):
    def case():
        rng = np.random.default_rng(0)
        x = rng.standard_normal(32)
        return (x, x + 0.1 * rng.standard_normal(32), eta, n_steps, n_chains, seed), kw
    return case


# η ∈ {0.5, 4} at dt = 0.01 stay bounded; with dt = 5 from an O(1) start the Euler–Maruyama
# steps overshoot and every chain blows up
_TANH_CASES = {
    "default": _tanh_case([0.5, 4.0], 300, 5, 2),
    "diverging": _tanh_case([0.5, 4.0], 200, 5, 2, dt=5.0, init_std=1.0),
}


@simulation("sgd_stability", backends={"numba": _tanh_kernel, "numpy": _tanh_numpy},
            cases=_TANH_CASES)
def simulate_tanh_neuron(core, x, y, eta, n_steps, n_chains, seed, zeta=1.0, dt=1e-2, init_std=1e-3,
                         collapse_norm=1e-2, max_norm=1e6) -> TanhNeuronResult:
    r"""Collapse of the single tanh neuron f(x) = w₂ tanh(w₁x) under the SGD-noise SDE (numba).

    $d\theta = -\nabla L\, dt + \sqrt\eta\, \zeta \frac{1}{\sqrt m} J^\top(\theta)\, dW$, $L = \frac{1}{2m} \sum_i (f(x_i) - y_i)^2$, J the m×2 Jacobian
    of the outputs, integrated by Euler–Maruyama. The m-dimensional noise enters only through
    $\frac{1}{\sqrt m}J^\top\Delta W \sim N(0, (J^\top J/m)\,dt)$, so each step draws two normals and uses the Cholesky factor
    of JᵀJ/m (the same law as m independent increments). Linearised at 0 the exponents are
    $\pm\sigma'(0)c - \eta s_2\zeta^2\sigma'(0)^2/2$: collapse iff $\eta\zeta^2\sigma'(0)/2 > c/s_2 = \sum_i x_iy_i/\sum_i x_i^2$.

    Parameters
    ----------
    x, y : array of shape (m,)
        The data set (Chen et al.: m = 32, x ~ N(0, 1), y = x + 0.1·N(0, 1), drawn once).
    eta : float or array
        Learning rate η ≥ 0 per cell (noise strength √η).
    n_steps : int
        Euler–Maruyama steps (≥ 0); time T = ``n_steps``·dt.
    n_chains : int
        Trajectories per cell (≥ 1).
    seed : int
        Trajectory j of cell k uses stream k·``n_chains`` + j.
    zeta : float or array, default 1.0
        Noise scale ζ ≥ 0, broadcast against ``eta``.
    dt : float, default 1e-2
    init_std : float, default 1e-3
        $w_0$ ~ N(0, ``init_std``² I₂).
    collapse_norm : float, default 1e-2
        Collapsed if $\|w_T\|$ < ``collapse_norm`` at the end (the initialisation is below it: a
        trajectory counts as escaped only if it grew).
    max_norm : float, default 1e6

    Returns
    -------
    TanhNeuronResult

    Raises
    ------
    ValueError
        Naming the argument.

    References
    ----------
    Chen, Kunin, Yamamura, Ganguli (2023), arXiv 2306.04251 (docs/sgd_stability.md#collapse-examples).
    """
    x = as_finite_array(x, "x", ndim=1)
    if x.size == 0:
        raise ValueError("x must contain at least one data point")
    y = as_finite_array(y, "y", ndim=1, shape=(x.size,))
    if not np.any(x != 0):
        raise ValueError("x must not be all zero")
    n_chains = as_count(n_chains, "n_chains", 1)
    shape, eta_c, zeta_c, eta_x, zeta_x = cells_and_chains(eta, zeta, "eta", "zeta", n_chains)
    n_steps = as_count(n_steps, "n_steps", 0)
    seed = as_seed(seed)
    dt = as_positive_scalar(dt, "dt")
    init_std = as_positive_scalar(init_std, "init_std")
    collapse_norm = as_norm_bound(collapse_norm, "collapse_norm")
    max_norm = as_norm_bound(max_norm, "max_norm")
    check_run(eta_c.size, n_chains, n_steps, 2)
    C = eta_x.size
    state = seed_streams(seed, C)
    (w,) = init_normal(state, C, (2,), init_std)
    diverged = np.zeros(C, dtype=np.bool_)
    sdt = np.sqrt(eta_x * dt) * zeta_x               # √(η dt) ζ per chain
    core(np.ascontiguousarray(x), np.ascontiguousarray(y), sdt, w, state, diverged, n_steps, dt,
         max_norm * max_norm, ZIG_X, ZIG_R, CHUNK)
    full = shape + (n_chains,)
    collapsed = (~diverged) & (w[:, 0] ** 2 + w[:, 1] ** 2 < collapse_norm**2)
    return TanhNeuronResult(
        eta=eta_c.reshape(shape), zeta=zeta_c.reshape(shape),
        collapsed=collapsed.reshape(full).mean(axis=-1), diverged=diverged.reshape(full).mean(axis=-1),
        w=w.reshape(full + (2,)), diverged_chain=diverged.reshape(full),
        correlation=float(np.mean(x * y)), second_moment=float(np.mean(x * x)), n_steps=n_steps,
        dt=dt, init_std=init_std, collapse_norm=collapse_norm, max_norm=max_norm, seed=seed)


simulate_quartic_well_reference = simulate_quartic_well.reference
"""The NumPy oracle of :func:`simulate_quartic_well`: same arguments (no ``backend``), same result bit for bit."""


simulate_tanh_neuron_reference = simulate_tanh_neuron.reference
"""The NumPy oracle of :func:`simulate_tanh_neuron`: same arguments (no ``backend``), same result bit for bit."""

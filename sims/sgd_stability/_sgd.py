"""Nonlinear SGD simulator of the sgd_stability theory: the outcome at a Type-II saddle.

* :func:`simulate_two_layer` — SGD on f(x) = Σ_{i≤m} u_i σ(w_i x) from a small initialisation at
  the saddle θ = 0 (docs/sgd_stability.md#phases-of-the-two-layer-net, docs/sgd_stability.md#nonlinear-check), outcome per trajectory: collapsed, diverged, correct
  or incorrect sign. The stochastic-collapse examples of Chen et al. (2023) (docs/sgd_stability.md#collapse-examples) are in
  ``_collapse_sims`` and ``_collapse_modes``.

:func:`simulate_two_layer_reference` is its twin in plain NumPy (vectorised over chains), the test
oracle. Conventions (DESIGN.md): float64, ``@njit(cache=True)``, never fastmath; each chain owns
a xoshiro256** stream seeded from (seed, global chain index) (``_rng``), and kernel and
reference draw the same numbers and perform the same floating-point operations in the same
order, so they agree to roundoff (bit for bit in practice; transcendental functions go through
libm in both). Chains are grouped in chunks of at most ``CHUNK`` chains (``sims._chains``); a thread
takes a chunk (``prange``) and runs time outer, chains of the chunk inner, so the chunk's state
stays in L1 and consecutive chains overlap in the pipeline. A chain's numbers depend only on its
own stream: results do not depend on the number of threads, on the chunking or on the other cells.

Within a time step the kernel makes passes over the chunk (all xoshiro steps, then the ziggurat
table lookups with rejected chains queued for the rare slow path, then a branch-free update), so
that the bulk runs as SIMD across chains.

Divergence is a result: a chain whose update is non-finite or leaves the ball ‖θ‖ ≤ max_norm
is frozen at its last valid state and reported; no NaN or inf is returned.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from theory.summary import compact_repr
from theory.validate import as_choice, as_positive_scalar, as_seed

from .._chains import (
    CHUNK,
    COLLAPSED,
    DIVERGED,
    LIVE,
    as_cells,
    as_count,
    as_norm_bound,
    check_run,
    freeze_stopped,
    init_normal,
    tanh_libm,
)
from .._kernels import simulation
from .._rng import INV53, ZIG_R, ZIG_X, NumpyStreams, next_u64, seed_streams, ziggurat

__all__ = [
    "OUTCOMES",
    "TwoLayerSGDResult",
    "simulate_two_layer",
    "simulate_two_layer_reference",
]

#: Outcome codes of :func:`simulate_two_layer`, in code order 0, 1, 2, 3.
OUTCOMES = ("collapsed", "diverged", "correct", "incorrect")
"""Names of the per-trajectory outcome codes of :func:`simulate_two_layer`: code k is ``OUTCOMES[k]``."""
_LIVE, _COLLAPSED, _DIVERGED, _CORRECT, _INCORRECT = LIVE, COLLAPSED, DIVERGED, 2, 3
_U64 = np.uint64


def _fractions(outcome: np.ndarray, codes) -> list[np.ndarray]:
    return [np.mean(outcome == code, axis=-1) for code in codes]


# --------------------------------------------------------------------------------------------
# two-layer network at the origin (docs/sgd_stability.md#phases-of-the-two-layer-net, docs/sgd_stability.md#nonlinear-check)
# --------------------------------------------------------------------------------------------

@compact_repr
@dataclass(frozen=True)
class TwoLayerSGDResult:
    r"""Outcomes of SGD runs of $f(x) = \sum_i u_i \sigma(w_i x)$ started near the saddle θ = 0.

    Cells are the broadcast of ``lr`` and ``noise`` (shape ``cells``); each cell holds
    ``n_chains`` independent trajectories.

    Attributes
    ----------
    lr, noise : ndarray of shape cells
        Step size λ and label-noise level σ of each cell.
    collapsed, diverged, correct, incorrect : ndarray of shape cells
        Fraction of the cell's trajectories with each outcome (they sum to 1).
    outcome : ndarray of int8, shape cells + (n_chains,)
        Per-trajectory code, an index into :data:`OUTCOMES`.
    stop_step : ndarray of int64, shape cells + (n_chains,)
        Number of updates after which a trajectory collapsed or diverged (0: the
        initialisation was already below the collapse norm); −1 if it ran to the end.
    u, w : ndarray of shape cells + (n_chains, width)
        Final parameters (for a diverged trajectory: the last state inside the ball).
    n_steps, width, batch_size : int
    init_scale, kappa, collapse_norm, max_norm : float
    activation, data : str
    seed : int
    """

    lr: np.ndarray
    noise: np.ndarray
    collapsed: np.ndarray
    diverged: np.ndarray
    correct: np.ndarray
    incorrect: np.ndarray
    outcome: np.ndarray
    stop_step: np.ndarray
    u: np.ndarray
    w: np.ndarray
    n_steps: int
    width: int
    batch_size: int
    init_scale: float
    activation: str
    data: str
    kappa: float
    collapse_norm: float
    max_norm: float
    seed: int


@njit(cache=True)
def _ziggurat_pass(S0, S1, S2, S3, rs, us, ii, out, sgn, rej, zx, zr):
    """One normal (and, for data model A, a sign from the same word) for every chain of a chunk.

    Split in passes so that the bulk vectorises across chains: (1) xoshiro256** steps on the
    chunk's state words (SIMD), (2) layer lookups and the fast acceptance test (scalar, no
    branch: rejected chains are appended to ``rej``), (3) the rare slow paths, which continue
    each rejected chain's own stream exactly as the one-chain ``sign_normal``/``normal`` do.
    Every chain's numbers are therefore those of the scalar generator.
    """
    n = S0.shape[0]
    for k in range(n):
        r, s0, s1, s2, s3 = next_u64(S0[k], S1[k], S2[k], S3[k])
        S0[k] = s0
        S1[k] = s1
        S2[k] = s2
        S3[k] = s3
        rs[k] = r
        sgn[k] = 2.0 * np.float64((r >> _U64(8)) & _U64(1)) - 1.0
        us[k] = 2.0 * (np.float64(r >> _U64(11)) * INV53) - 1.0
        ii[k] = np.int64(r & _U64(255))
    n_rej = 0
    for k in range(n):
        i = ii[k]
        out[k] = us[k] * zx[i]
        rej[n_rej] = k
        n_rej += abs(us[k]) >= zr[i]
    for q in range(n_rej):
        k = rej[q]
        z, s0, s1, s2, s3 = ziggurat(rs[k], zx, zr, S0[k], S1[k], S2[k], S3[k])
        out[k] = z
        S0[k] = s0
        S1[k] = s1
        S2[k] = s2
        S3[k] = s3


@njit(cache=True)
def _two_layer_chunk(lr, noise, state, u, w, outcome, stop, lo, hi, n_steps, batch, tanh_act,
                     gauss_x, kappa, coll2, div2, zx, zr):
    """Chains lo..hi−1 for n_steps: time outer; within a step, passes over the chunk's chains.

    Random numbers come from ``_ziggurat_pass`` (per chain identical to the scalar generator);
    the forward/gradient and update passes run units outer and chains inner and are branch-free,
    so they vectorise across chains (linear activation). Frozen chains keep drawing (their
    streams advance, which changes no output) but are never updated. Per chain the floating-point
    operations and their order are those of ``_two_layer_numpy``.
    """
    n = hi - lo
    m = u.shape[1]
    coef = kappa / batch
    S0 = state[0, lo:hi]
    S1 = state[1, lo:hi]
    S2 = state[2, lo:hi]
    S3 = state[3, lo:hi]
    U = np.empty((m, n))                             # (m, n): chains contiguous
    W = np.empty((m, n))
    for i in range(m):
        for k in range(n):
            U[i, k] = u[lo + k, i]
            W[i, k] = w[lo + k, i]
    lrc = lr[lo:hi]
    sig = noise[lo:hi]
    rs = np.empty(n, dtype=np.uint64)
    us = np.empty(n)
    ii = np.empty(n, dtype=np.int64)
    rej = np.empty(n, dtype=np.int64)
    xs = np.empty(n)
    es = np.empty(n)
    sgn = np.empty(n)
    f = np.empty(n)
    n2s = np.empty(n)
    live = np.empty(n)
    A = np.empty((m, n))
    DA = np.empty((m, n))
    GU = np.empty((m, n))
    GW = np.empty((m, n))
    n_live = 0
    for k in range(n):
        is_live = outcome[lo + k] == _LIVE
        live[k] = 1.0 if is_live else 0.0
        n_live += is_live
    for s in range(n_steps):
        if n_live == 0:
            break
        for i in range(m):
            for k in range(n):
                GU[i, k] = 0.0
                GW[i, k] = 0.0
        for _ in range(batch):
            # model A: (x, ε) from one draw; model B: x then ε (one call site: shorter compile)
            for q in range(2 if gauss_x else 1):
                out = xs if (gauss_x and q == 0) else es
                signs = sgn if gauss_x else xs
                _ziggurat_pass(S0, S1, S2, S3, rs, us, ii, out, signs, rej, zx, zr)
            # forward: h = w_i x, a_i = σ(h), f = Σ_i u_i a_i (units outer, chains inner; the
            # activation branch sits outside the loops so that they vectorise)
            for i in range(m):
                for k in range(n):
                    A[i, k] = W[i, k] * xs[k]
            if tanh_act:
                for i in range(m):
                    for k in range(n):
                        t = math.tanh(A[i, k])
                        A[i, k] = t
                        DA[i, k] = 1.0 - t * t
            else:
                for i in range(m):
                    for k in range(n):
                        DA[i, k] = 1.0
            for k in range(n):
                f[k] = 0.0
            for i in range(m):
                for k in range(n):
                    f[k] += U[i, k] * A[i, k]
            for k in range(n):
                f[k] = coef * (f[k] - (xs[k] + sig[k] * es[k]))    # r = (κ/S)(f − y)
            for i in range(m):
                for k in range(n):
                    GU[i, k] += f[k] * A[i, k]
                    GW[i, k] += f[k] * U[i, k] * DA[i, k] * xs[k]
        for k in range(n):
            n2s[k] = 0.0
        for i in range(m):
            for k in range(n):
                A[i, k] = U[i, k] - lrc[k] * GU[i, k]              # new u (A reused)
                DA[i, k] = W[i, k] - lrc[k] * GW[i, k]             # new w
                n2s[k] += A[i, k] * A[i, k]
                n2s[k] += DA[i, k] * DA[i, k]
        n_event = 0
        for k in range(n):
            n2 = n2s[k]
            f[k] = 1.0 if (n2 <= div2 and live[k] > 0.0) else 0.0   # commit mask
            n_event += live[k] > 0.0 and not (n2 <= div2 and n2 >= coll2)
        for i in range(m):
            for k in range(n):
                U[i, k] = A[i, k] if f[k] > 0.0 else U[i, k]
                W[i, k] = DA[i, k] if f[k] > 0.0 else W[i, k]
        if n_event:                                  # rare: collapse or divergence this step
            n_live -= freeze_stopped(n2s, live, outcome, stop, lo, n, s + 1, div2, coll2)
    for i in range(m):
        for k in range(n):
            u[lo + k, i] = U[i, k]
            w[lo + k, i] = W[i, k]


@njit(cache=True)
def _two_layer_chunk_1(lr, noise, state, u, w, outcome, stop, lo, hi, n_steps, gauss_x, kappa,
                       coll2, div2, zx, zr):
    """``_two_layer_chunk`` for m = 1, S = 1, linear σ: the update in one fused pass (≈ 2x faster
    than the general passes). Same draws, same operations in the same order per chain (the
    ``0.0 +`` terms mirror the general code's zero-initialised accumulators, signed zeros
    included)."""
    n = hi - lo
    S0 = state[0, lo:hi]
    S1 = state[1, lo:hi]
    S2 = state[2, lo:hi]
    S3 = state[3, lo:hi]
    uu = np.empty(n)
    ww = np.empty(n)
    for k in range(n):
        uu[k] = u[lo + k, 0]
        ww[k] = w[lo + k, 0]
    lrc = lr[lo:hi]
    sig = noise[lo:hi]
    rs = np.empty(n, dtype=np.uint64)
    us = np.empty(n)
    ii = np.empty(n, dtype=np.int64)
    rej = np.empty(n, dtype=np.int64)
    xs = np.empty(n)
    es = np.empty(n)
    sgn = np.empty(n)
    n2s = np.empty(n)
    live = np.empty(n)
    n_live = 0
    for k in range(n):
        is_live = outcome[lo + k] == _LIVE
        live[k] = 1.0 if is_live else 0.0
        n_live += is_live
    for s in range(n_steps):
        if n_live == 0:
            break
        for q in range(2 if gauss_x else 1):
            out = xs if (gauss_x and q == 0) else es
            signs = sgn if gauss_x else xs
            _ziggurat_pass(S0, S1, S2, S3, rs, us, ii, out, signs, rej, zx, zr)
        n_event = 0
        for k in range(n):
            x = xs[k]
            y = x + sig[k] * es[k]
            uc = uu[k]
            wc = ww[k]
            h = wc * x
            f = 0.0 + uc * h
            r = kappa * (f - y)
            un = uc - lrc[k] * (0.0 + r * h)
            wn = wc - lrc[k] * (0.0 + r * uc * 1.0 * x)
            n2 = (0.0 + un * un) + wn * wn
            n2s[k] = n2
            inside = n2 <= div2
            commit = inside and live[k] > 0.0
            uu[k] = un if commit else uc
            ww[k] = wn if commit else wc
            n_event += live[k] > 0.0 and not (inside and n2 >= coll2)
        if n_event:                                  # rare: collapse or divergence this step
            n_live -= freeze_stopped(n2s, live, outcome, stop, lo, n, s + 1, div2, coll2)
    for k in range(n):
        u[lo + k, 0] = uu[k]
        w[lo + k, 0] = ww[k]


@njit(cache=True, parallel=True)
def _two_layer_kernel(lr, noise, state, u, w, outcome, stop, n_steps, batch, tanh_act, gauss_x,
                      kappa, coll2, div2, zx, zr, chunk):
    """Advance every live chain by n_steps SGD steps, in place (see ``_two_layer_numpy``)."""
    C = u.shape[0]
    n_chunks = (C + chunk - 1) // chunk
    for b in prange(n_chunks):
        lo = b * chunk
        hi = min(C, lo + chunk)
        if u.shape[1] == 1 and batch == 1 and not tanh_act:
            _two_layer_chunk_1(lr, noise, state, u, w, outcome, stop, lo, hi, n_steps, gauss_x,
                               kappa, coll2, div2, zx, zr)
        else:
            _two_layer_chunk(lr, noise, state, u, w, outcome, stop, lo, hi, n_steps, batch,
                             tanh_act, gauss_x, kappa, coll2, div2, zx, zr)


def _two_layer_numpy(lr, noise, state, u, w, outcome, stop, n_steps, batch, tanh_act, gauss_x,
                     kappa, coll2, div2, zx, zr, chunk):
    """Plain-NumPy twin of ``_two_layer_kernel``: live chains vectorised, same arithmetic.

    Per step and chain: for each of the ``batch`` samples draw x and ε (model A: one
    ``sign_normal`` draw; model B: two normals), y = x + σε, f = Σ_i u_i σ(w_i x) summed in
    ascending i, r = (κ/S)(f − y), g_u,i += r σ(w_i x), g_w,i += r u_i σ'(w_i x) x; then
    u ← u − λ g_u, w ← w − λ g_w from the same old state.
    """
    del zx, zr, chunk
    streams = NumpyStreams(state)
    m = u.shape[1]
    coef = kappa / batch
    with np.errstate(over="ignore", invalid="ignore"):
        for s in range(n_steps):
            idx = np.flatnonzero(outcome == _LIVE)
            if idx.size == 0:
                break
            uu, ww = u[idx], w[idx]
            lr_c, sig = lr[idx], noise[idx]
            gu = np.zeros((idx.size, m))
            gw = np.zeros((idx.size, m))
            a = np.empty((idx.size, m))
            da = np.empty((idx.size, m))
            for _ in range(batch):
                if gauss_x:
                    x = streams.normal(idx)
                    e = streams.normal(idx)
                else:
                    x, e = streams.sign_normal(idx)
                y = x + sig * e
                f = np.zeros(idx.size)
                for i in range(m):
                    h = ww[:, i] * x
                    if tanh_act:
                        t = tanh_libm(h)
                        a[:, i] = t
                        da[:, i] = 1.0 - t * t
                    else:
                        a[:, i] = h
                        da[:, i] = 1.0
                    f = f + uu[:, i] * a[:, i]
                r = coef * (f - y)
                for i in range(m):
                    gu[:, i] = gu[:, i] + r * a[:, i]
                    gw[:, i] = gw[:, i] + r * uu[:, i] * da[:, i] * x
            un = uu - lr_c[:, None] * gu
            wn = ww - lr_c[:, None] * gw
            n2 = np.zeros(idx.size)
            for i in range(m):
                n2 = n2 + un[:, i] * un[:, i]
                n2 = n2 + wn[:, i] * wn[:, i]
            bad = ~(n2 <= div2)
            outcome[idx[bad]] = _DIVERGED
            stop[idx[bad]] = s + 1
            ok = ~bad
            u[idx[ok]] = un[ok]
            w[idx[ok]] = wn[ok]
            low = ok & (n2 < coll2)
            outcome[idx[low]] = _COLLAPSED
            stop[idx[low]] = s + 1
    state[...] = streams.s


def _two_layer_case(lr, noise, n_steps=300, n_chains=12, **kw):
    """Cases for the common kernel tests (cells: lr × noise)."""
    return lambda: ((lr, noise, n_steps, n_chains, 3), kw)


# Default: small steps and noise (λ ≤ 0.1, σ ≤ 1), where no run diverges; the others cover the
# fused m = 1 path, tanh, data model B with κ ≠ 1, batches. Divergence: every minimum uw = 1 of
# m = 1 has curvature ≥ 2, so λ = 3 (σ = 0) and λ = 0.9 with σ = 1 throw every run out.
_GRID = ([0.05, 0.2, 0.9], [[0.0], [6.0]])
_TWO_LAYER_CASES = {
    "default": _two_layer_case([0.05, 0.1], [[0.0], [1.0]], width=4),
    "width4": _two_layer_case(*_GRID, width=4),
    "width1": _two_layer_case(*_GRID, width=1),
    "width1_tanh": _two_layer_case(*_GRID, width=1, activation="tanh"),
    "width1_B_kappa2": _two_layer_case(*_GRID, width=1, data="B", kappa=2.0),
    "width2_tanh_S3_B": _two_layer_case(*_GRID, width=2, activation="tanh", batch_size=3, data="B"),
    "width3_S2_init0.1": _two_layer_case(*_GRID, width=3, batch_size=2, init_scale=0.1),
    "diverging": _two_layer_case([0.9, 3.0], [1.0, 0.0], n_steps=500, n_chains=20, width=1),
}


@simulation("sgd_stability", backends={"numba": _two_layer_kernel, "numpy": _two_layer_numpy},
            cases=_TWO_LAYER_CASES)
def simulate_two_layer(core, lr, noise, n_steps, n_chains, seed, width=4, batch_size=1, init_scale=1e-3,
                       activation="linear", data="A", kappa=1.0, collapse_norm=1e-12,
                       max_norm=1e6) -> TwoLayerSGDResult:
    r"""Nonlinear SGD of $f(x) = \sum_{i\le m} u_i \sigma(w_i x)$ from near the saddle θ = 0 (numba kernel).

    Each step draws a batch of S samples and takes $\theta \leftarrow \theta - \lambda\nabla\hat L$, with
    $\hat L = \frac1S \sum_j \frac\kappa2(f(x_j) - y_j)^2$:

    $$u_i \leftarrow u_i - \frac{\lambda\kappa}{S} \sum_j r_j \sigma(w_i x_j), \qquad
    w_i \leftarrow w_i - \frac{\lambda\kappa}{S} \sum_j r_j u_i \sigma'(w_i x_j)\, x_j,$$

    $r_j = f(x_j) - y_j$. θ = 0 is a Type-II saddle; linearised, $a_i = u_i + w_i$ and
    $b_i = u_i - w_i$ are multiplied by $1 \pm \lambda c_t$, $c_t = \kappa s_1\frac1S\sum_j x_j y_j$ (docs/sgd_stability.md#phases-of-the-two-layer-net), so the
    phase is set by Λ± = E log|1 ± λc|. The nonlinear run decides what actually happens:
    collapse (‖θ‖ < ``collapse_norm``), divergence (‖θ‖ > ``max_norm`` or non-finite: the minimum's
    own instability, docs/sgd_stability.md#nonlinear-check), or escape with the correct ($\sum_i u_i w_i > 0$, same sign as
    E xy) or incorrect sign, read at the end. Collapsed and diverged trajectories stop early.

    Parameters
    ----------
    lr : float or array
        Step size λ > 0 per cell.
    noise : float or array
        Label-noise level σ ≥ 0 per cell; broadcast against ``lr`` to the cell shape.
    n_steps : int
        Number of SGD steps T (≥ 0).
    n_chains : int
        Trajectories per cell (≥ 1).
    seed : int
        Trajectory j of cell k (row-major) uses stream k·``n_chains`` + j of ``seed``.
    width : int, default 4
        Number of hidden units m.
    batch_size : int, default 1
        Samples per step S (fresh i.i.d. samples: the ``online`` convention).
    init_scale : float, default 1e-3
        Initial parameters are ``init_scale``·N(0, 1), drawn from the trajectory's stream.
    activation : {"linear", "tanh"}, default "linear"
        σ; both have σ(0) = 0, s₁ = σ'(0) = 1.
    data : {"A", "B"}, default "A"
        Model A: x = ±1 (Rademacher); model B: x ~ N(0, 1). In both y = x + σε, ε ~ N(0, 1).
    kappa : float, default 1.0
        Loss normalisation κ in ℓ = (κ/2)(f − y)².
    collapse_norm : float, default 1e-12
        A trajectory with ‖θ‖ < ``collapse_norm`` after an update is collapsed (and frozen).
    max_norm : float, default 1e6
        A trajectory whose update is non-finite or has ‖θ‖ > ``max_norm`` is diverged (frozen at
        its last valid state).

    Returns
    -------
    TwoLayerSGDResult
        Outcome fractions per cell, per-trajectory codes (:data:`OUTCOMES`), stop steps and
        final parameters.

    Raises
    ------
    ValueError
        Naming the argument: lr ≤ 0, noise < 0, shapes that do not broadcast, non-integer or
        too small counts, unknown activation/data, κ ≤ 0, ``collapse_norm >= max_norm``.

    References
    ----------
    Ziyin, Li, Galanti, Ueda (2023), "The probabilistic stability of stochastic gradient
    descent", arXiv 2303.13093 (docs/sgd_stability.md#phases-of-the-two-layer-net,
    docs/sgd_stability.md#nonlinear-check).
    """
    shape, lr_c, noise_c = as_cells(lr, noise, "lr", "noise", True, False)
    n_steps = as_count(n_steps, "n_steps", 0)
    n_chains = as_count(n_chains, "n_chains", 1)
    seed = as_seed(seed)
    width = as_count(width, "width", 1)
    batch_size = as_count(batch_size, "batch_size", 1)
    init_scale = as_positive_scalar(init_scale, "init_scale")
    activation = as_choice(activation, "activation", ("linear", "tanh"))
    data = as_choice(data, "data", ("A", "B"))
    kappa = as_positive_scalar(kappa, "kappa")
    collapse_norm = as_norm_bound(collapse_norm, "collapse_norm")
    max_norm = as_norm_bound(max_norm, "max_norm")
    if collapse_norm >= max_norm:
        raise ValueError(f"collapse_norm must be < max_norm; got {collapse_norm:g} >= {max_norm:g}")

    n_cells = lr_c.size
    check_run(n_cells, n_chains, n_steps, 2 * width, per_step=batch_size)
    C = n_cells * n_chains
    state = seed_streams(seed, C)
    u, w = init_normal(state, C, (width, width), init_scale)
    n2 = np.zeros(C)
    for i in range(width):
        n2 = n2 + u[:, i] * u[:, i]
        n2 = n2 + w[:, i] * w[:, i]
    outcome = np.full(C, _LIVE, dtype=np.int8)
    stop = np.full(C, -1, dtype=np.int64)
    coll2 = collapse_norm * collapse_norm
    outcome[n2 < coll2] = _COLLAPSED
    stop[n2 < coll2] = 0
    core(np.repeat(lr_c, n_chains), np.repeat(noise_c, n_chains), state, u, w, outcome, stop,
         n_steps, batch_size,
         activation == "tanh", data == "B", kappa, coll2, max_norm * max_norm, ZIG_X, ZIG_R,
         CHUNK)
    live = outcome == _LIVE
    beta = np.zeros(C)
    for i in range(width):
        beta = beta + u[:, i] * w[:, i]
    # E[xy] = κ E[x²] > 0 in both data models: correct means sign(Σ u_i w_i) > 0
    outcome[live & (beta > 0)] = _CORRECT
    outcome[live & ~(beta > 0)] = _INCORRECT
    outcome = outcome.reshape(shape + (n_chains,))
    fr = _fractions(outcome, range(4))
    return TwoLayerSGDResult(
        lr=lr_c.reshape(shape), noise=noise_c.reshape(shape), collapsed=fr[0], diverged=fr[1],
        correct=fr[2], incorrect=fr[3], outcome=outcome, stop_step=stop.reshape(shape + (n_chains,)),
        u=u.reshape(shape + (n_chains, width)), w=w.reshape(shape + (n_chains, width)),
        n_steps=n_steps, width=width, batch_size=batch_size, init_scale=init_scale,
        activation=activation, data=data, kappa=kappa, collapse_norm=collapse_norm,
        max_norm=max_norm, seed=seed)


simulate_two_layer_reference = simulate_two_layer.reference
"""The NumPy oracle of :func:`simulate_two_layer`: same arguments (no ``backend``), same result bit for bit."""

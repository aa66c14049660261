"""Nonlinear SGD and SDE simulators of the sgd_stability spec: outcome at a Type-II saddle, collapse.

* :func:`simulate_two_layer` — SGD on f(x) = Σ_{i≤m} u_i σ(w_i x) from a small initialisation at
  the saddle θ = 0 (spec SGD-S §4.1, §4.9), outcome per trajectory: collapsed, diverged, correct
  or incorrect sign.
* :func:`simulate_quartic_well`, :func:`simulate_tanh_neuron`,
  :func:`simulate_teacher_student_modes` — the stochastic-collapse examples of Chen et al. (2023)
  (spec §5.2 items 1–3).

Every simulator has a ``*_reference`` twin in plain NumPy (vectorised over chains), the test
oracle. Conventions (DESIGN.md): float64, ``@njit(cache=True)``, never fastmath; each chain owns
a xoshiro256** stream seeded from (seed, global chain index) (``_rng``), and kernel and
reference draw the same numbers and perform the same floating-point operations in the same
order, so they agree to roundoff (bit for bit in practice; transcendental functions go through
libm in both). Chains are grouped in chunks of at most ``_CHUNK`` chains; a thread takes a chunk
(``prange``) and runs time outer, chains of the chunk inner, so the chunk's state stays in L1
and consecutive chains overlap in the pipeline. A chain's numbers depend only on its own stream:
results do not depend on the number of threads, on the chunking or on the other cells.

The two-layer kernel goes further: within a time step it makes passes over the chunk (all
xoshiro steps, then the ziggurat table lookups with rejected chains queued for the rare slow
path, then a branch-free update), so that the bulk runs as SIMD across chains; the SDE kernels
step one chain at a time.

Divergence is a result: a chain whose update is non-finite or leaves the ball ‖θ‖ ≤ max_norm
is frozen at its last valid state and reported; no NaN or inf is returned.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from theory._validate import as_finite_array, as_positive_scalar

from ._rng import _INV53, ZIG_R, ZIG_X, NumpyStreams, _ziggurat, as_seed, next_u64, normal, seed_streams

__all__ = [
    "OUTCOMES",
    "QuarticWellResult",
    "TanhNeuronResult",
    "TeacherStudentResult",
    "TwoLayerSGDResult",
    "simulate_quartic_well",
    "simulate_quartic_well_reference",
    "simulate_tanh_neuron",
    "simulate_tanh_neuron_reference",
    "simulate_teacher_student_modes",
    "simulate_teacher_student_modes_reference",
    "simulate_two_layer",
    "simulate_two_layer_reference",
]

#: Outcome codes of :func:`simulate_two_layer`, in code order 0, 1, 2, 3.
OUTCOMES = ("collapsed", "diverged", "correct", "incorrect")
_LIVE, _COLLAPSED, _DIVERGED, _CORRECT, _INCORRECT = -1, 0, 1, 2, 3
_U64 = np.uint64
_CHUNK = 256                 # chains per work unit (state of a chunk fits in L1)
_MAX_NORM_LIMIT = 1e150      # max_norm² must stay finite


# --------------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------------

def _as_count(x, name: str, minimum: int) -> int:
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Integral):
        raise ValueError(f"{name} must be an integer >= {minimum}; got {x!r}")
    if x < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {x}")
    return int(x)


def _as_choice(x, name: str, choices: tuple) -> str:
    if not isinstance(x, str) or x not in choices:
        raise ValueError(f"{name} must be one of {choices}; got {x!r}")
    return x


def _as_norm_bound(x, name: str) -> float:
    x = as_positive_scalar(x, name)
    if x > _MAX_NORM_LIMIT:
        raise ValueError(f"{name} must be <= {_MAX_NORM_LIMIT:g} (its square must be finite); got {x:g}")
    return x


def _as_cells(first, second, first_name, second_name, first_positive, second_positive):
    """Broadcast two per-cell parameter arrays; returns (shape, flat first, flat second)."""
    a = as_finite_array(first, first_name)
    b = as_finite_array(second, second_name)
    for arr, name, positive in ((a, first_name, first_positive), (b, second_name, second_positive)):
        if positive and np.any(arr <= 0):
            raise ValueError(f"{name} must be > 0")
        if not positive and np.any(arr < 0):
            raise ValueError(f"{name} must be >= 0")
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"{first_name} of shape {a.shape} and {second_name} of shape {b.shape} "
                         "do not broadcast") from None
    if math.prod(shape) == 0:
        raise ValueError(f"{first_name} and {second_name} must describe at least one cell")
    return (shape, np.ascontiguousarray(np.broadcast_to(a, shape)).ravel().copy(),
            np.ascontiguousarray(np.broadcast_to(b, shape)).ravel().copy())


def _fractions(outcome: np.ndarray, codes) -> list[np.ndarray]:
    return [np.mean(outcome == code, axis=-1) for code in codes]


# --------------------------------------------------------------------------------------------
# two-layer network at the origin (spec §4.1, §4.9)
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TwoLayerSGDResult:
    """Outcomes of SGD runs of f(x) = Σ_i u_i σ(w_i x) started near the saddle θ = 0.

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
        us[k] = 2.0 * (np.float64(r >> _U64(11)) * _INV53) - 1.0
        ii[k] = np.int64(r & _U64(255))
    n_rej = 0
    for k in range(n):
        i = ii[k]
        out[k] = us[k] * zx[i]
        rej[n_rej] = k
        n_rej += abs(us[k]) >= zr[i]
    for q in range(n_rej):
        k = rej[q]
        z, s0, s1, s2, s3 = _ziggurat(rs[k], zx, zr, S0[k], S1[k], S2[k], S3[k])
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
            for k in range(n):
                if live[k] == 0.0:
                    continue
                if not (n2s[k] <= div2):
                    outcome[lo + k] = _DIVERGED
                elif n2s[k] < coll2:
                    outcome[lo + k] = _COLLAPSED
                else:
                    continue
                stop[lo + k] = s + 1
                live[k] = 0.0
                n_live -= 1
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
            for k in range(n):
                if live[k] == 0.0:
                    continue
                if not (n2s[k] <= div2):
                    outcome[lo + k] = _DIVERGED
                elif n2s[k] < coll2:
                    outcome[lo + k] = _COLLAPSED
                else:
                    continue
                stop[lo + k] = s + 1
                live[k] = 0.0
                n_live -= 1
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
                        t = _tanh_libm(h)
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


def _tanh_libm(x: np.ndarray) -> np.ndarray:
    # libm tanh, as in the kernel (NumPy's SIMD tanh differs in the last bit)
    return np.fromiter(map(math.tanh, x.tolist()), dtype=np.float64, count=x.size)


def _simulate_two_layer(core, lr, noise, n_steps, n_chains, seed, width, batch_size, init_scale,
                        activation, data, kappa, collapse_norm, max_norm) -> TwoLayerSGDResult:
    shape, lr_c, noise_c = _as_cells(lr, noise, "lr", "noise", True, False)
    n_steps = _as_count(n_steps, "n_steps", 0)
    n_chains = _as_count(n_chains, "n_chains", 1)
    seed = as_seed(seed)
    width = _as_count(width, "width", 1)
    batch_size = _as_count(batch_size, "batch_size", 1)
    init_scale = as_positive_scalar(init_scale, "init_scale")
    activation = _as_choice(activation, "activation", ("linear", "tanh"))
    data = _as_choice(data, "data", ("A", "B"))
    kappa = as_positive_scalar(kappa, "kappa")
    collapse_norm = as_positive_scalar(collapse_norm, "collapse_norm")
    max_norm = _as_norm_bound(max_norm, "max_norm")
    if collapse_norm >= max_norm:
        raise ValueError(f"collapse_norm must be < max_norm; got {collapse_norm:g} >= {max_norm:g}")

    n_cells = lr_c.size
    C = n_cells * n_chains
    state = seed_streams(seed, C)
    u, w = _init_normal(state, C, (width, width), init_scale)
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
         _CHUNK)
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


def _init_normal(state: np.ndarray, C: int, sizes: tuple, scale: float) -> list[np.ndarray]:
    """Initial parameters scale·N(0, 1) from each chain's own stream (advances ``state``).

    Drawn in the order of ``sizes`` (e.g. u_1..u_m, then w_1..w_m); shared by kernel and
    reference, so both start from the same state.
    """
    streams = NumpyStreams(state)
    out = []
    for size in sizes:
        arr = np.empty((C, size))
        for i in range(size):
            arr[:, i] = scale * streams.normal()
        out.append(arr)
    state[...] = streams.s
    return out


_TWO_LAYER_DOC = """
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
        Trajectory j of cell k (row-major) uses stream k·n_chains + j of ``seed``.
    width : int, default 4
        Number of hidden units m.
    batch_size : int, default 1
        Samples per step S (fresh i.i.d. samples: the ``online`` convention).
    init_scale : float, default 1e-3
        Initial parameters are init_scale·N(0, 1), drawn from the trajectory's stream.
    activation : {"linear", "tanh"}, default "linear"
        σ; both have σ(0) = 0, s₁ = σ'(0) = 1.
    data : {"A", "B"}, default "A"
        Model A: x = ±1 (Rademacher); model B: x ~ N(0, 1). In both y = x + σε, ε ~ N(0, 1).
    kappa : float, default 1.0
        Loss normalisation κ in ℓ = (κ/2)(f − y)².
    collapse_norm : float, default 1e-12
        A trajectory with ‖θ‖ < collapse_norm after an update is collapsed (and frozen).
    max_norm : float, default 1e6
        A trajectory whose update is non-finite or has ‖θ‖ > max_norm is diverged (frozen at
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
        too small counts, unknown activation/data, κ ≤ 0, collapse_norm ≥ max_norm.

    References
    ----------
    Ziyin, Li, Galanti, Ueda (2023), "The probabilistic stability of stochastic gradient
    descent", arXiv 2303.13093 (spec SGD-S §4.1, §4.9).
"""


def simulate_two_layer(lr, noise, n_steps, n_chains, seed, width=4, batch_size=1, init_scale=1e-3,
                       activation="linear", data="A", kappa=1.0, collapse_norm=1e-12,
                       max_norm=1e6) -> TwoLayerSGDResult:
    r"""Nonlinear SGD of f(x) = Σ_{i≤m} u_i σ(w_i x) from near the saddle θ = 0 (numba kernel).

    Each step draws a batch of S samples and takes θ ← θ − λ∇L̂, with
    L̂ = (1/S) Σ_j (κ/2)(f(x_j) − y_j)²:

        u_i ← u_i − (λκ/S) Σ_j r_j σ(w_i x_j),   w_i ← w_i − (λκ/S) Σ_j r_j u_i σ'(w_i x_j) x_j,

    r_j = f(x_j) − y_j. θ = 0 is a Type-II saddle; linearised, a_i = u_i + w_i and
    b_i = u_i − w_i are multiplied by 1 ± λc_t, c_t = κs₁(1/S)Σ x_j y_j (spec §4.1), so the
    phase is set by Λ± = E log|1 ± λc|. The nonlinear run decides what actually happens:
    collapse (‖θ‖ < collapse_norm), divergence (‖θ‖ > max_norm or non-finite: the minimum's
    own instability, spec §4.9), or escape with the correct (Σ u_i w_i > 0, same sign as
    E xy) or incorrect sign, read at the end. Collapsed and diverged trajectories stop early.
"""
    return _simulate_two_layer(_two_layer_kernel, lr, noise, n_steps, n_chains, seed, width,
                               batch_size, init_scale, activation, data, kappa, collapse_norm,
                               max_norm)


def simulate_two_layer_reference(lr, noise, n_steps, n_chains, seed, width=4, batch_size=1,
                                 init_scale=1e-3, activation="linear", data="A", kappa=1.0,
                                 collapse_norm=1e-12, max_norm=1e6) -> TwoLayerSGDResult:
    r"""Plain-NumPy reference of :func:`simulate_two_layer` (the test oracle).

    Same random streams and the same arithmetic in the same order, vectorised over the live
    trajectories; slow (use it to check the kernel).
"""
    return _simulate_two_layer(_two_layer_numpy, lr, noise, n_steps, n_chains, seed, width,
                               batch_size, init_scale, activation, data, kappa, collapse_norm,
                               max_norm)


simulate_two_layer.__doc__ += _TWO_LAYER_DOC
simulate_two_layer_reference.__doc__ += _TWO_LAYER_DOC


# --------------------------------------------------------------------------------------------
# stochastic collapse examples (Chen et al. 2023; spec §5.2)
# --------------------------------------------------------------------------------------------

_FLUSH = 1e-300    # |θ| below this is set to 0: θ = 0 is invariant, and subnormals are ~100x slower


def _cells_and_chains(first, second, first_name, second_name, n_chains, first_positive=False,
                      second_positive=False):
    shape, a, b = _as_cells(first, second, first_name, second_name, first_positive, second_positive)
    return shape, a, b, np.repeat(a, n_chains), np.repeat(b, n_chains)


@dataclass(frozen=True)
class QuarticWellResult:
    """Euler–Maruyama runs of dθ = −(θ³ − μθ)dt + ζθ dW.

    Attributes
    ----------
    zeta, mu : ndarray of shape cells
        Noise scale ζ and linear drift μ of each cell (broadcast).
    collapsed, diverged : ndarray of shape cells
        Fraction of trajectories with θ_T² < collapse_sq, and with a non-finite or too large
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
            if abs(new) < _FLUSH:
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
            new = np.where(np.abs(new) < _FLUSH, 0.0, new)
            theta[idx[~bad]] = new[~bad]
    state[...] = streams.s


def _simulate_quartic_well(core, zeta, n_steps, n_chains, seed, mu, dt, init_std, collapse_sq,
                           max_abs) -> QuarticWellResult:
    n_chains = _as_count(n_chains, "n_chains", 1)
    shape, zeta_c, mu_c, zeta_x, mu_x = _cells_and_chains(zeta, mu, "zeta", "mu", n_chains)
    if np.any(mu_c < 0):
        pass                                         # μ of any sign is a valid drift
    n_steps = _as_count(n_steps, "n_steps", 0)
    seed = as_seed(seed)
    dt = as_positive_scalar(dt, "dt")
    init_std = as_positive_scalar(init_std, "init_std")
    collapse_sq = as_positive_scalar(collapse_sq, "collapse_sq")
    max_abs = _as_norm_bound(max_abs, "max_abs")
    C = zeta_x.size
    state = seed_streams(seed, C)
    (theta,) = _init_normal(state, C, (1,), init_std)
    theta = np.ascontiguousarray(theta[:, 0])
    diverged = np.zeros(C, dtype=np.bool_)
    core(zeta_x, mu_x, theta, state, diverged, n_steps, dt, math.sqrt(dt), max_abs, ZIG_X, ZIG_R,
         _CHUNK)
    full = shape + (n_chains,)
    collapsed = (~diverged) & (theta * theta < collapse_sq)
    return QuarticWellResult(
        zeta=zeta_c.reshape(shape), mu=mu_c.reshape(shape),
        collapsed=collapsed.reshape(full).mean(axis=-1), diverged=diverged.reshape(full).mean(axis=-1),
        theta=theta.reshape(full), diverged_chain=diverged.reshape(full), n_steps=n_steps, dt=dt,
        init_std=init_std, collapse_sq=collapse_sq, max_abs=max_abs, seed=seed)


_QUARTIC_DOC = """
    Parameters
    ----------
    zeta : float or array
        Multiplicative noise scale ζ ≥ 0 per cell.
    n_steps : int
        Euler–Maruyama steps (≥ 0).
    n_chains : int
        Trajectories per cell (≥ 1).
    seed : int
        Trajectory j of cell k uses stream k·n_chains + j.
    mu : float or array, default 1.5
        Linear drift coefficient μ, broadcast against ``zeta``.
    dt : float, default 0.0025
        Time step.
    init_std : float, default 2.0
        θ_0 ~ N(0, init_std²) (spec: N(0, 4)).
    collapse_sq : float, default 1e-30
        Collapsed if θ_T² < collapse_sq at the end.
    max_abs : float, default 1e6
        Diverged (and frozen) if an update is non-finite or |θ| > max_abs.

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
    SGD dynamics towards simpler subnetworks", arXiv 2306.04251 (spec SGD-S §5.2 item 1).
"""


def simulate_quartic_well(zeta, n_steps, n_chains, seed, mu=1.5, dt=0.0025, init_std=2.0,
                          collapse_sq=1e-30, max_abs=1e6) -> QuarticWellResult:
    r"""Collapse in the quartic well dθ = −(θ³ − μθ)dt + ζθ dW (Euler–Maruyama, numba kernel).

    θ ← θ + (μθ − θ³)dt + ζ√dt θ Z. θ = 0 is invariant; linearised there the SDE has log-rate
    μ − ζ²/2, so it attracts iff ζ > √(2μ) (stationary density ∝ |θ|^{2μ/ζ² − 2}e^{−θ²/ζ²} is
    then not normalisable). The Euler–Maruyama map has its own exponent
    E log|1 + μdt + ζ√dt Z|, which shifts the threshold by O(dt). |θ| < 1e-300 is flushed
    to 0 (θ = 0 is invariant; avoids subnormal arithmetic).
"""
    return _simulate_quartic_well(_quartic_kernel, zeta, n_steps, n_chains, seed, mu, dt,
                                  init_std, collapse_sq, max_abs)


def simulate_quartic_well_reference(zeta, n_steps, n_chains, seed, mu=1.5, dt=0.0025, init_std=2.0,
                                    collapse_sq=1e-30, max_abs=1e6) -> QuarticWellResult:
    r"""Plain-NumPy reference of :func:`simulate_quartic_well` (same streams, same arithmetic).
"""
    return _simulate_quartic_well(_quartic_numpy, zeta, n_steps, n_chains, seed, mu, dt,
                                  init_std, collapse_sq, max_abs)


simulate_quartic_well.__doc__ += _QUARTIC_DOC
simulate_quartic_well_reference.__doc__ += _QUARTIC_DOC


@dataclass(frozen=True)
class TanhNeuronResult:
    """Euler–Maruyama runs of the single tanh neuron SDE (spec §5.2 item 2).

    Attributes
    ----------
    eta, zeta : ndarray of shape cells
        Learning rate η (noise strength √η) and noise scale ζ per cell (broadcast).
    collapsed, diverged : ndarray of shape cells
        Fraction of trajectories with ‖w_T‖ < collapse_norm at the end, and frozen on divergence.
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
            w[c, 0] = n1 if abs(n1) >= _FLUSH else 0.0
            w[c, 1] = n2 if abs(n2) >= _FLUSH else 0.0


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
                t = _tanh_libm(w1 * x[i])
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
            w[ok, 0] = np.where(np.abs(n1[~bad]) >= _FLUSH, n1[~bad], 0.0)
            w[ok, 1] = np.where(np.abs(n2[~bad]) >= _FLUSH, n2[~bad], 0.0)
    state[...] = streams.s


def _simulate_tanh_neuron(core, x, y, eta, n_steps, n_chains, seed, zeta, dt, init_std,
                          collapse_norm, max_norm) -> TanhNeuronResult:
    x = as_finite_array(x, "x", ndim=1)
    if x.size == 0:
        raise ValueError("x must contain at least one data point")
    y = as_finite_array(y, "y", ndim=1, shape=(x.size,))
    if not np.any(x != 0):
        raise ValueError("x must not be all zero")
    n_chains = _as_count(n_chains, "n_chains", 1)
    shape, eta_c, zeta_c, eta_x, zeta_x = _cells_and_chains(eta, zeta, "eta", "zeta", n_chains)
    n_steps = _as_count(n_steps, "n_steps", 0)
    seed = as_seed(seed)
    dt = as_positive_scalar(dt, "dt")
    init_std = as_positive_scalar(init_std, "init_std")
    collapse_norm = as_positive_scalar(collapse_norm, "collapse_norm")
    max_norm = _as_norm_bound(max_norm, "max_norm")
    C = eta_x.size
    state = seed_streams(seed, C)
    (w,) = _init_normal(state, C, (2,), init_std)
    diverged = np.zeros(C, dtype=np.bool_)
    sdt = np.sqrt(eta_x * dt) * zeta_x               # √(η dt) ζ per chain
    core(np.ascontiguousarray(x), np.ascontiguousarray(y), sdt, w, state, diverged, n_steps, dt,
         max_norm * max_norm, ZIG_X, ZIG_R, _CHUNK)
    full = shape + (n_chains,)
    collapsed = (~diverged) & (w[:, 0] ** 2 + w[:, 1] ** 2 < collapse_norm**2)
    return TanhNeuronResult(
        eta=eta_c.reshape(shape), zeta=zeta_c.reshape(shape),
        collapsed=collapsed.reshape(full).mean(axis=-1), diverged=diverged.reshape(full).mean(axis=-1),
        w=w.reshape(full + (2,)), diverged_chain=diverged.reshape(full),
        correlation=float(np.mean(x * y)), second_moment=float(np.mean(x * x)), n_steps=n_steps,
        dt=dt, init_std=init_std, collapse_norm=collapse_norm, max_norm=max_norm, seed=seed)


_TANH_DOC = """
    Parameters
    ----------
    x, y : array of shape (m,)
        The data set (spec: m = 32, x ~ N(0, 1), y = x + 0.1·N(0, 1), drawn once).
    eta : float or array
        Learning rate η ≥ 0 per cell (noise strength √η).
    n_steps : int
        Euler–Maruyama steps (≥ 0); time T = n_steps·dt.
    n_chains : int
        Trajectories per cell (≥ 1).
    seed : int
        Trajectory j of cell k uses stream k·n_chains + j.
    zeta : float or array, default 1.0
        Noise scale ζ ≥ 0, broadcast against ``eta``.
    dt : float, default 1e-2
    init_std : float, default 1e-3
        w_0 ~ N(0, init_std² I₂).
    collapse_norm : float, default 1e-2
        Collapsed if ‖w_T‖ < collapse_norm at the end (the initialisation is below it: a
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
    Chen, Kunin, Yamamura, Ganguli (2023), arXiv 2306.04251 (spec SGD-S §5.2 item 2).
"""


def simulate_tanh_neuron(x, y, eta, n_steps, n_chains, seed, zeta=1.0, dt=1e-2, init_std=1e-3,
                         collapse_norm=1e-2, max_norm=1e6) -> TanhNeuronResult:
    r"""Collapse of the single tanh neuron f(x) = w₂ tanh(w₁x) under the SGD-noise SDE (numba).

    dθ = −∇L dt + √η ζ (1/√m) Jᵀ(θ) dW, L = (1/2m) Σ_i (f(x_i) − y_i)², J the m×2 Jacobian
    of the outputs, integrated by Euler–Maruyama. The m-dimensional noise enters only through
    (1/√m)JᵀΔW ~ N(0, (JᵀJ/m)dt), so each step draws two normals and uses the Cholesky factor
    of JᵀJ/m (the same law as m independent increments). Linearised at 0 the exponents are
    ±σ'(0)c − ηs₂ζ²σ'(0)²/2: collapse iff ηζ²σ'(0)/2 > c/s₂ = Σx_iy_i/Σx_i².
"""
    return _simulate_tanh_neuron(_tanh_kernel, x, y, eta, n_steps, n_chains, seed, zeta, dt,
                                 init_std, collapse_norm, max_norm)


def simulate_tanh_neuron_reference(x, y, eta, n_steps, n_chains, seed, zeta=1.0, dt=1e-2,
                                   init_std=1e-3, collapse_norm=1e-2,
                                   max_norm=1e6) -> TanhNeuronResult:
    r"""Plain-NumPy reference of :func:`simulate_tanh_neuron` (same streams, same arithmetic).
"""
    return _simulate_tanh_neuron(_tanh_numpy, x, y, eta, n_steps, n_chains, seed, zeta, dt,
                                 init_std, collapse_norm, max_norm)


simulate_tanh_neuron.__doc__ += _TANH_DOC
simulate_tanh_neuron_reference.__doc__ += _TANH_DOC


@dataclass(frozen=True)
class TeacherStudentResult:
    """Per-mode SGD of the diagonal (SVD-aligned) teacher–student model with label noise.

    Attributes
    ----------
    noise, lr : ndarray of shape cells
        Label-noise level σ and step size per cell (broadcast).
    s_hat : ndarray of shape (K,)
        Mode strengths ŝ_k.
    active_fraction : ndarray of shape cells + (K,)
        Fraction of non-diverged trajectories whose mode k is learned (u_k v_k > active_tol).
    mean_rank : ndarray of shape cells
        Mean number of learned modes over the non-diverged trajectories (0 if none).
    rank : ndarray of int64, shape cells + (n_chains,)
        Learned modes per trajectory (−1 for a diverged one).
    diverged : ndarray of shape cells
        Fraction of trajectories frozen on divergence.
    product : ndarray of shape cells + (n_chains, K)
        Final u_k v_k.
    n_steps, n_samples, init_scale, lr_drop_step, lr_drop_factor, active_tol, max_norm, seed
    """

    noise: np.ndarray
    lr: np.ndarray
    s_hat: np.ndarray
    active_fraction: np.ndarray
    mean_rank: np.ndarray
    rank: np.ndarray
    diverged: np.ndarray
    product: np.ndarray
    n_steps: int
    n_samples: int
    init_scale: float
    lr_drop_step: int
    lr_drop_factor: float
    active_tol: float
    max_norm: float
    seed: int


@njit(cache=True)
def _modes_chunk(s_hat, sig, lr, u, v, state, diverged, lo, hi, n_steps, inv_n, drop_step,
                 drop_factor, max2, zx, zr):
    K = s_hat.shape[0]
    nu = np.empty(K)
    nv = np.empty(K)
    for s in range(n_steps):
        for c in range(lo, hi):
            if diverged[c]:
                continue
            step = lr[c] * drop_factor if s >= drop_step else lr[c]
            s0, s1, s2, s3 = state[0, c], state[1, c], state[2, c], state[3, c]
            n2 = 0.0
            for k in range(K):
                xi, s0, s1, s2, s3 = normal(zx, zr, s0, s1, s2, s3)
                g = (u[c, k] * v[c, k] - s_hat[k] + sig[c] * xi) * inv_n
                nu[k] = u[c, k] - step * g * v[c, k]
                nv[k] = v[c, k] - step * g * u[c, k]
                n2 += nu[k] * nu[k] + nv[k] * nv[k]
            state[0, c], state[1, c], state[2, c], state[3, c] = s0, s1, s2, s3
            if not (n2 <= max2):                     # freeze at the last valid state
                diverged[c] = True
                continue
            for k in range(K):
                u[c, k] = nu[k] if abs(nu[k]) >= _FLUSH else 0.0
                v[c, k] = nv[k] if abs(nv[k]) >= _FLUSH else 0.0


@njit(cache=True, parallel=True)
def _modes_kernel(s_hat, sig, lr, u, v, state, diverged, n_steps, inv_n, drop_step, drop_factor,
                  max2, zx, zr, chunk):
    C = u.shape[0]
    for b in prange((C + chunk - 1) // chunk):
        _modes_chunk(s_hat, sig, lr, u, v, state, diverged, b * chunk, min(C, (b + 1) * chunk),
                     n_steps, inv_n, drop_step, drop_factor, max2, zx, zr)


def _modes_numpy(s_hat, sig, lr, u, v, state, diverged, n_steps, inv_n, drop_step, drop_factor,
                 max2, zx, zr, chunk):
    """NumPy twin of ``_modes_kernel`` (modes in ascending k, one normal per mode and step)."""
    del zx, zr, chunk
    streams = NumpyStreams(state)
    K = s_hat.shape[0]
    with np.errstate(over="ignore", invalid="ignore"):
        for s in range(n_steps):
            idx = np.flatnonzero(~diverged)
            if idx.size == 0:
                break
            step = lr[idx] * drop_factor if s >= drop_step else lr[idx]
            uu, vv = u[idx], v[idx]
            nu = np.empty_like(uu)
            nv = np.empty_like(vv)
            n2 = np.zeros(idx.size)
            for k in range(K):
                xi = streams.normal(idx)
                g = (uu[:, k] * vv[:, k] - s_hat[k] + sig[idx] * xi) * inv_n
                nu[:, k] = uu[:, k] - step * g * vv[:, k]
                nv[:, k] = vv[:, k] - step * g * uu[:, k]
                n2 = n2 + (nu[:, k] * nu[:, k] + nv[:, k] * nv[:, k])
            bad = ~(n2 <= max2)
            diverged[idx[bad]] = True
            ok = idx[~bad]
            u[ok] = np.where(np.abs(nu[~bad]) >= _FLUSH, nu[~bad], 0.0)
            v[ok] = np.where(np.abs(nv[~bad]) >= _FLUSH, nv[~bad], 0.0)
    state[...] = streams.s


def _simulate_modes(core, s_hat, noise, lr, n_steps, n_chains, seed, n_samples, init_scale,
                    lr_drop_step, lr_drop_factor, active_tol, max_norm) -> TeacherStudentResult:
    s_hat = as_finite_array(s_hat, "s_hat", ndim=1)
    if s_hat.size == 0:
        raise ValueError("s_hat must contain at least one mode")
    n_chains = _as_count(n_chains, "n_chains", 1)
    shape, noise_c, lr_c, noise_x, lr_x = _cells_and_chains(noise, lr, "noise", "lr", n_chains,
                                                            second_positive=True)
    n_steps = _as_count(n_steps, "n_steps", 0)
    seed = as_seed(seed)
    n_samples = _as_count(n_samples, "n_samples", 1)
    init_scale = as_positive_scalar(init_scale, "init_scale")
    if lr_drop_step is None:
        lr_drop_step = n_steps
    lr_drop_step = _as_count(lr_drop_step, "lr_drop_step", 0)
    lr_drop_factor = as_positive_scalar(lr_drop_factor, "lr_drop_factor")
    active_tol = as_positive_scalar(active_tol, "active_tol")
    max_norm = _as_norm_bound(max_norm, "max_norm")
    K = s_hat.size
    C = noise_x.size
    state = seed_streams(seed, C)
    u, v = _init_normal(state, C, (K, K), init_scale)
    diverged = np.zeros(C, dtype=np.bool_)
    core(np.ascontiguousarray(s_hat), noise_x, lr_x, u, v, state, diverged, n_steps, 1.0 / n_samples,
         lr_drop_step, lr_drop_factor, max_norm * max_norm, ZIG_X, ZIG_R, _CHUNK)
    full = shape + (n_chains,)
    product = (u * v).reshape(full + (K,))
    div = diverged.reshape(full)
    active = (product > active_tol) & ~div[..., None]
    n_ok = np.sum(~div, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        active_fraction = np.where(n_ok[..., None] > 0,
                                   active.sum(axis=-2) / np.maximum(n_ok, 1)[..., None], 0.0)
    rank = np.where(div, -1, active.sum(axis=-1)).astype(np.int64)
    mean_rank = np.where(n_ok > 0, np.sum(np.where(div, 0, rank), axis=-1) / np.maximum(n_ok, 1), 0.0)
    return TeacherStudentResult(
        noise=noise_c.reshape(shape), lr=lr_c.reshape(shape), s_hat=s_hat.copy(),
        active_fraction=active_fraction, mean_rank=mean_rank, rank=rank,
        diverged=div.mean(axis=-1), product=product, n_steps=n_steps, n_samples=n_samples,
        init_scale=init_scale, lr_drop_step=lr_drop_step, lr_drop_factor=lr_drop_factor,
        active_tol=active_tol, max_norm=max_norm, seed=seed)


_MODES_DOC = """
    Parameters
    ----------
    s_hat : array of shape (K,)
        Mode strengths ŝ_k (singular values of XᵀY/N in the teacher–student setting; spec:
        the empirical values for a rank-8 teacher with singular values linspace(0.5, 1, 8)).
    noise : float or array
        Label-noise level σ ≥ 0 per cell.
    lr : float or array
        Step size (> 0), broadcast against ``noise``; η = lr/n_samples (spec: lr = 3.0,
        N = 1024).
    n_steps : int
        SGD steps (≥ 0).
    n_chains : int
        Trajectories per cell (≥ 1).
    seed : int
        Trajectory j of cell k uses stream k·n_chains + j.
    n_samples : int, default 1024
        N, the gradient normalisation.
    init_scale : float, default 1e-3
        u_k, v_k ~ init_scale·N(0, 1) independently.
    lr_drop_step : int, optional
        From this step on the step size is lr·lr_drop_factor (spec: 50000 of 60001); default:
        no drop.
    lr_drop_factor : float, default 0.1
    active_tol : float, default 1e-2
        Mode k is learned if u_k v_k > active_tol at the end.
    max_norm : float, default 1e6
        A trajectory whose update is non-finite or leaves ‖(u, v)‖ ≤ max_norm is frozen and
        counted as diverged.

    Returns
    -------
    TeacherStudentResult

    Raises
    ------
    ValueError
        Naming the argument.

    References
    ----------
    Chen, Kunin, Yamamura, Ganguli (2023), arXiv 2306.04251 (spec SGD-S §5.2 item 3).
"""


def simulate_teacher_student_modes(s_hat, noise, lr, n_steps, n_chains, seed, n_samples=1024,
                                   init_scale=1e-3, lr_drop_step=None, lr_drop_factor=0.1,
                                   active_tol=1e-2, max_norm=1e6) -> TeacherStudentResult:
    r"""Per-mode SGD with label noise in the SVD basis of a linear teacher–student (numba).

    Each mode (u_k, v_k) of the two-layer linear student takes
    g = (u_k v_k − ŝ_k + σξ)/N, u_k ← u_k − lr·g·v_k, v_k ← v_k − lr·g·u_k (simultaneous),
    ξ ~ N(0, 1) independent across modes and steps (label noise projected on an orthonormal
    basis). Linearised at 0, a = u + v is multiplied by 1 + η(ŝ_k − σξ), η = lr/N: the exponent
    E log|1 + ηŝ_k + ησZ| ≈ ηŝ_k − η²σ²/2, so mode k collapses iff ŝ_k < ησ²/2 to leading
    order; rank = #{k: ŝ_k > ησ²/2}. Modes that survive settle near u_k v_k ≈ ŝ_k − ησ²/2.
"""
    return _simulate_modes(_modes_kernel, s_hat, noise, lr, n_steps, n_chains, seed, n_samples,
                           init_scale, lr_drop_step, lr_drop_factor, active_tol, max_norm)


def simulate_teacher_student_modes_reference(s_hat, noise, lr, n_steps, n_chains, seed,
                                             n_samples=1024, init_scale=1e-3, lr_drop_step=None,
                                             lr_drop_factor=0.1, active_tol=1e-2,
                                             max_norm=1e6) -> TeacherStudentResult:
    r"""Plain-NumPy reference of :func:`simulate_teacher_student_modes` (same streams and arithmetic).
"""
    return _simulate_modes(_modes_numpy, s_hat, noise, lr, n_steps, n_chains, seed, n_samples,
                           init_scale, lr_drop_step, lr_drop_factor, active_tol, max_norm)


simulate_teacher_student_modes.__doc__ += _MODES_DOC
simulate_teacher_student_modes_reference.__doc__ += _MODES_DOC

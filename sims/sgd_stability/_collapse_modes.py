"""Per-mode SGD of the teacher–student collapse example of Chen et al. (2023) (docs/sgd_stability.md#collapse-examples).

* :func:`simulate_teacher_student_modes` — SGD with label noise on each mode (u_k, v_k) of a
  two-layer linear student in the SVD basis of a linear teacher; a mode collapses (u_k v_k → 0)
  when the noise overwhelms its strength ŝ_k.

Items 1–2 (the SDE examples) are in ``_collapse_sims``. The ``*_reference`` twin in plain NumPy
(vectorised over chains) is the test oracle. Conventions as in ``_sgd`` (DESIGN.md): float64,
``@njit(cache=True)``, never fastmath; each chain owns a xoshiro256** stream seeded from (seed,
global chain index) (``_rng``), and kernel and reference draw the same numbers and perform the
same floating-point operations in the same order, so they agree to roundoff (bit for bit in
practice). Chains are grouped in chunks of at most ``CHUNK`` chains; a thread takes a chunk
(``prange``) and steps its chains one at a time, time outer and chains of the chunk inner, so
results do not depend on the number of threads or on the chunking. Entries below ``FLUSH`` =
1e-300 in magnitude are set to 0 (avoids subnormals).

Divergence is a result: a chain whose update is non-finite or leaves ‖(u, v)‖ ≤ max_norm is
frozen at its last valid state and reported; no NaN or inf is returned.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from theory.summary import compact_repr
from theory.validate import as_finite_array, as_positive_scalar, as_seed

from .._chains import (
    CHUNK,
    FLUSH,
    as_count,
    as_norm_bound,
    cells_and_chains,
    check_records,
    check_run,
    init_normal,
    record_schedule,
)
from .._kernels import simulation
from .._rng import ZIG_R, ZIG_X, NumpyStreams, normal, seed_streams

__all__ = [
    "TeacherStudentResult",
    "simulate_teacher_student_modes",
    "simulate_teacher_student_modes_reference",
]


@compact_repr
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
    record_steps : ndarray of int64, shape (R,)
        Steps at which the state was recorded (empty unless ``record_steps`` was passed).
    record_product : ndarray of shape cells + (n_chains, R, K)
        u_k v_k after each recorded step count (a diverged chain: its frozen state).
    record_loss : ndarray of shape cells + (n_chains, R)
        Mode-basis training loss ½ Σ_k (u_k v_k − ŝ_k)² at each record (without the label-noise
        term, which does not depend on the parameters).
    record_rank : ndarray of int64, shape cells + (n_chains, R)
        Learned modes (u_k v_k > active_tol) at each record; the collapsed fraction of modes is
        1 − record_rank/K.
    init : str
        ``"random"`` (init_scale·N(0, 1)) or ``"given"`` (every chain starts at (u0, v0)).
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
    record_steps: np.ndarray
    record_product: np.ndarray
    record_loss: np.ndarray
    record_rank: np.ndarray
    init: str


@njit(cache=True)
def _modes_chunk(s_hat, sig, lr, u, v, state, diverged, lo, hi, n_steps, inv_n, drop_step,
                 drop_factor, max2, zx, zr, rec, out):
    K = s_hat.shape[0]
    nu = np.empty(K)
    nv = np.empty(K)
    r = 0
    for s in range(n_steps + 1):
        while r < rec.shape[0] and rec[r] == s:          # the state after s steps
            for c in range(lo, hi):
                for k in range(K):
                    out[c, r, k] = u[c, k] * v[c, k]
            r += 1
        if s == n_steps:
            break
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
                u[c, k] = nu[k] if abs(nu[k]) >= FLUSH else 0.0
                v[c, k] = nv[k] if abs(nv[k]) >= FLUSH else 0.0


@njit(cache=True, parallel=True)
def _modes_kernel(s_hat, sig, lr, u, v, state, diverged, n_steps, inv_n, drop_step, drop_factor,
                  max2, zx, zr, chunk, rec, out):
    C = u.shape[0]
    for b in prange((C + chunk - 1) // chunk):
        _modes_chunk(s_hat, sig, lr, u, v, state, diverged, b * chunk, min(C, (b + 1) * chunk),
                     n_steps, inv_n, drop_step, drop_factor, max2, zx, zr, rec, out)


def _modes_numpy(s_hat, sig, lr, u, v, state, diverged, n_steps, inv_n, drop_step, drop_factor,
                 max2, zx, zr, chunk, rec, out):
    """NumPy twin of ``_modes_kernel`` (modes in ascending k, one normal per mode and step)."""
    del zx, zr, chunk
    streams = NumpyStreams(state)
    K = s_hat.shape[0]
    r = 0

    def record(s, r):
        while r < rec.shape[0] and rec[r] == s:
            out[:, r, :] = u * v
            r += 1
        return r

    with np.errstate(over="ignore", invalid="ignore"):
        for s in range(n_steps):
            r = record(s, r)
            idx = np.flatnonzero(~diverged)
            if idx.size == 0:              # every chain frozen: later records repeat the state
                out[:, r:, :] = (u * v)[:, None, :]
                r = rec.shape[0]
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
            u[ok] = np.where(np.abs(nu[~bad]) >= FLUSH, nu[~bad], 0.0)
            v[ok] = np.where(np.abs(nv[~bad]) >= FLUSH, nv[~bad], 0.0)
        record(n_steps, r)
    state[...] = streams.s


# The rank figure's regime (lr = 5 with N = 1000 samples, η = lr/N = 0.005), with a rate drop;
# lr = 2000 (η = 2) is far past the step-size stability limit of the ŝ = 1 mode: all runs diverge
_MODES_CASES = {
    "default": lambda: (([0.3, 1.0], [0.0, 14.0], 5.0, 300, 6, 3),
                        dict(n_samples=1000, lr_drop_step=150, init_scale=0.05)),
    "diverging": lambda: (([1.0], 0.0, 2000.0, 200, 5, 0), dict(n_samples=1000, init_scale=0.5,
                                                              record_steps=[0, 50, 200])),
    # Chen et al.'s protocol: deterministic start u = v = 1, rate drop, trajectory records
    "given_start_records": lambda: (([0.2, 0.9, 1.4], [0.0, 20.0], 3.0, 400, 4, 7),
                                    dict(u0=1.0, v0=1.0, lr_drop_step=300, record_steps=[0, 1, 150, 300, 400],
                                         active_tol=1e-2)),
}


@simulation("sgd_stability", backends={"numba": _modes_kernel, "numpy": _modes_numpy},
            cases=_MODES_CASES)
def simulate_teacher_student_modes(core, s_hat, noise, lr, n_steps, n_chains, seed, n_samples=1024,
                                   init_scale=1e-3, lr_drop_step=None, lr_drop_factor=0.1,
                                   active_tol=1e-2, max_norm=1e6, u0=None, v0=None,
                                   record_steps=None) -> TeacherStudentResult:
    r"""Per-mode SGD with label noise in the SVD basis of a linear teacher–student (numba).

    Each mode (u_k, v_k) of the two-layer linear student takes
    g = (u_k v_k − ŝ_k + σξ)/N, u_k ← u_k − lr·g·v_k, v_k ← v_k − lr·g·u_k (simultaneous),
    ξ ~ N(0, 1) independent across modes and steps (label noise projected on an orthonormal
    basis). Linearised at 0, a = u + v is multiplied by 1 + η(ŝ_k − σξ), η = lr/N: the exponent
    E log|1 + ηŝ_k + ησZ| ≈ ηŝ_k − η²σ²/2, so mode k collapses iff ŝ_k < ησ²/2 to leading
    order; rank = #{k: ŝ_k > ησ²/2}. Modes that survive settle near u_k v_k ≈ ŝ_k − ησ²/2.

    Parameters
    ----------
    s_hat : array of shape (K,)
        Mode strengths ŝ_k (singular values of XᵀY/N in the teacher–student setting; Chen et al.:
        the empirical values for a rank-8 teacher with singular values linspace(0.5, 1, 8)).
    noise : float or array
        Label-noise level σ ≥ 0 per cell.
    lr : float or array
        Step size (> 0), broadcast against ``noise``; η = lr/n_samples (Chen et al.: lr = 3.0,
        N = 1024).
    n_steps : int
        SGD steps (≥ 0).
    n_chains : int
        Trajectories per cell (≥ 1).
    seed : int
        Trajectory j of cell k uses stream k·n_chains + j.
    n_samples : int, default 1024
        N, the gradient normalisation (η = lr/N). The data model decides it: with Gaussian inputs
        and a loss averaged over N samples, ŝ are the singular values of XᵀY/N and the gradient
        carries 1/N; with Chen et al.'s orthonormal inputs (XᵀX = I) ŝ are those of XᵀY and the
        per-mode curvature is 1, so pass n_samples=1 and lr = η
        (``sims.sgd_stability._figure_data_thresholds.teacher_student_singular_values``,
        ``data_model``).
    init_scale : float, default 1e-3
        u_k, v_k ~ init_scale·N(0, 1) independently (unused when ``u0``/``v0`` are given).
    u0, v0 : float or array of shape (K,), optional
        Deterministic start, the same for every chain (Chen et al.: u = v = 1). Pass both or
        neither; default: the random start above.
    lr_drop_step : int, optional
        From this step on the step size is lr·lr_drop_factor (Chen et al.: 50000 of 60001); default:
        no drop.
    lr_drop_factor : float, default 0.1
    active_tol : float, default 1e-2
        Mode k is learned if u_k v_k > active_tol at the end.
    max_norm : float, default 1e6
        A trajectory whose update is non-finite or leaves ‖(u, v)‖ ≤ max_norm is frozen and
        counted as diverged.
    record_steps : sequence of int, optional
        Strictly increasing step counts in [0, n_steps] after which u_k v_k, the loss
        ½Σ(u_kv_k − ŝ_k)² and the learned rank are recorded (one run gives the whole trajectory,
        e.g. before and after the rate drop). Default: no records.

    Returns
    -------
    TeacherStudentResult

    Raises
    ------
    ValueError
        Naming the argument.

    References
    ----------
    Chen, Kunin, Yamamura, Ganguli (2023), arXiv 2306.04251 (docs/sgd_stability.md#collapse-examples).
    """
    s_hat = as_finite_array(s_hat, "s_hat", ndim=1)
    if s_hat.size == 0:
        raise ValueError("s_hat must contain at least one mode")
    n_chains = as_count(n_chains, "n_chains", 1)
    shape, noise_c, lr_c, noise_x, lr_x = cells_and_chains(noise, lr, "noise", "lr", n_chains,
                                                            second_positive=True)
    n_steps = as_count(n_steps, "n_steps", 0)
    seed = as_seed(seed)
    n_samples = as_count(n_samples, "n_samples", 1)
    init_scale = as_positive_scalar(init_scale, "init_scale")
    if lr_drop_step is None:
        lr_drop_step = n_steps
    lr_drop_step = as_count(lr_drop_step, "lr_drop_step", 0)
    lr_drop_factor = as_positive_scalar(lr_drop_factor, "lr_drop_factor")
    active_tol = as_positive_scalar(active_tol, "active_tol")
    max_norm = as_norm_bound(max_norm, "max_norm")
    K = s_hat.size
    if (u0 is None) != (v0 is None):
        raise ValueError("u0 and v0 must be given together (a deterministic start) or both left out")
    starts = None
    if u0 is not None:
        starts = []
        for x, name in ((u0, "u0"), (v0, "v0")):
            arr = as_finite_array(x, name, ndim=(0, 1))
            if arr.ndim == 1 and arr.shape != (K,):
                raise ValueError(f"{name} must be a scalar or have shape ({K},) (one entry per mode); got {arr.shape}")
            starts.append(np.full(K, float(arr)) if arr.ndim == 0 else arr)
        if np.sum(starts[0] ** 2 + starts[1] ** 2) > max_norm**2:
            raise ValueError(f"u0, v0 must lie within the divergence bound ||(u, v)|| <= max_norm = {max_norm:g}")
    check_run(noise_c.size, n_chains, n_steps, 2 * K)
    C = noise_x.size
    rec = (np.zeros(0, dtype=np.int64) if record_steps is None
           else record_schedule(n_steps, None, record_steps))
    check_records(n_steps, rec.size, C, K, 2 * K)
    state = seed_streams(seed, C)
    if starts is None:
        u, v = init_normal(state, C, (K, K), init_scale)
    else:
        u, v = (np.tile(x, (C, 1)) for x in starts)
    diverged = np.zeros(C, dtype=np.bool_)
    out = np.zeros((C, rec.size, K))
    core(np.ascontiguousarray(s_hat), noise_x, lr_x, u, v, state, diverged, n_steps, 1.0 / n_samples,
         lr_drop_step, lr_drop_factor, max_norm * max_norm, ZIG_X, ZIG_R, CHUNK, rec, out)
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
        active_tol=active_tol, max_norm=max_norm, seed=seed, record_steps=rec,
        record_product=out.reshape(full + (rec.size, K)),
        record_loss=0.5 * np.sum((out - s_hat) ** 2, axis=-1).reshape(full + (rec.size,)),
        record_rank=np.sum(out > active_tol, axis=-1).astype(np.int64).reshape(full + (rec.size,)),
        init="random" if starts is None else "given")


simulate_teacher_student_modes_reference = simulate_teacher_student_modes.reference
"""The NumPy oracle of :func:`simulate_teacher_student_modes`: same arguments (no ``backend``), same result bit for bit."""

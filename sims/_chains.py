"""Chain bookkeeping shared by the simulation kernels of every theory.

A simulation runs C independent chains (a grid of cells × ``n_chains`` repeats, or a batch of
initialisations). What every kernel needs around its update rule lives here once: validation of
counts and divergence bounds, broadcasting per-cell parameters and per-chain initial states,
record schedules, the chunking of chains across threads, the per-chain normal initialisation from
each chain's own xoshiro256** stream (:mod:`sims._rng`), libm ``tanh`` for the NumPy oracles
(NumPy's SIMD ``tanh`` differs in the last bit from libm, which numba uses), and the jitted
collapse/divergence accounting of a chunk.

Divergence is a result: a chain whose state becomes non-finite or leaves the ball
‖θ‖ ≤ ``max_norm`` is frozen at its last valid state and reported. Bounds are compared as
squared norms, so ``max_norm`` is capped at :data:`MAX_NORM_LIMIT` (its square stays finite).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from theory import validate
from theory.validate import MAX_ENTRIES, as_finite_array, as_positive_scalar, check_work

from ._rng import NumpyStreams

__all__ = [
    "CHUNK", "COLLAPSED", "DIVERGED", "FLUSH", "LIVE", "MAX_NORM_LIMIT", "as_cells", "as_count",
    "as_norm_bound", "broadcast_chains", "cells_and_chains", "check_records", "check_run", "freeze_stopped",
    "init_normal", "record_schedule", "tanh_libm",
]

CHUNK = 256                 # chains per work unit of a parallel kernel (a chunk's state fits in L1)
MAX_NORM_LIMIT = 1e150      # max_norm² must stay finite for the ``norm² <= bound²`` test
FLUSH = 1e-300              # |θ| below this is set to 0: θ = 0 is invariant, subnormals are ~100x slower

#: Per-chain stop codes of :func:`freeze_stopped` (a live chain has not stopped yet).
LIVE, COLLAPSED, DIVERGED = -1, 0, 1


# --------------------------------------------------------------------------------------------
# validation of counts and bounds
# --------------------------------------------------------------------------------------------

def as_count(x, name: str, minimum: int) -> int:
    """Validate an integer count ``x >= minimum`` (the package's rule: :func:`theory.validate.as_count`)."""
    return validate.as_count(x, name, minimum=minimum)


def check_run(n_cells: int, n_chains: int, n_steps: int, state_size: int, per_step: int = 1) -> None:
    """Refuse runs whose chain state does not fit in memory or whose work would not finish."""
    chains = n_cells * n_chains
    if chains * state_size > MAX_ENTRIES:
        raise ValueError(f"n_chains = {n_chains} over {n_cells} cells ({chains} chains of {state_size} "
                         f"parameters) must hold at most {MAX_ENTRIES} parameters in all")
    check_work(chains * state_size * per_step * max(n_steps, 1),
               "n_steps * n_chains * cells * parameters (* batch_size)")


def check_records(n_steps: int, n_records: int, chains: int, record_size: int, per_step: int) -> None:
    """Recorded trajectories must fit in memory and the run must finish."""
    check_work(n_records * chains * record_size, "recorded entries (records * chains * parameters)",
               maximum=MAX_ENTRIES, why="memory; record less often")
    check_work(n_steps * chains * per_step, "n_steps * chains * (cost of one step)")


def as_norm_bound(x, name: str = "max_norm") -> float:
    """Validate a divergence bound: positive and at most :data:`MAX_NORM_LIMIT`."""
    x = as_positive_scalar(x, name)
    if x > MAX_NORM_LIMIT:
        raise ValueError(f"{name} must be <= {MAX_NORM_LIMIT:g} (its square must be finite); got {x:g}")
    return x


def record_schedule(n_steps: int, record_every, record_steps) -> np.ndarray:
    """Sorted unique int64 step indices in [0, n_steps] at which a kernel records the state.

    ``record_steps`` (explicit, strictly increasing) and ``record_every`` (every k-th step plus
    the last) are mutually exclusive; by default about 1000 records.
    """
    if record_steps is not None:
        if record_every is not None:
            raise ValueError("pass either record_every or record_steps, not both")
        rs = np.atleast_1d(np.asarray(record_steps))
        if rs.ndim != 1 or rs.size == 0 or not np.issubdtype(rs.dtype, np.integer):
            raise ValueError("record_steps must be a non-empty 1-D array of integers")
        if rs[0] < 0 or rs[-1] > n_steps or np.any(np.diff(rs) <= 0):
            raise ValueError("record_steps must be strictly increasing within "
                             f"[0, n_steps = {n_steps}]")
        return rs.astype(np.int64)
    if record_every is None:
        record_every = max(1, math.ceil(n_steps / 1000))
    record_every = as_count(record_every, "record_every", 1)
    check_work(n_steps // record_every + 1, "n_steps / record_every (records)", maximum=MAX_ENTRIES,
               why="memory; record less often")
    rs = np.arange(0, n_steps + 1, record_every, dtype=np.int64)
    if rs[-1] != n_steps:
        rs = np.append(rs, np.int64(n_steps))
    return rs


# --------------------------------------------------------------------------------------------
# cells and chains
# --------------------------------------------------------------------------------------------

def broadcast_chains(first, second, first_name, second_name, first_core, second_core):
    """Broadcast two per-chain arrays whose leading chain axis C is optional (core ndim given)."""
    sizes = set()
    if first.ndim == first_core + 1:
        sizes.add(first.shape[0])
    if second.ndim == second_core + 1:
        sizes.add(second.shape[0])
    if len(sizes) > 1:
        raise ValueError(f"{first_name} of shape {first.shape} and {second_name} of shape "
                         f"{second.shape} disagree on the number of chains C")
    C = sizes.pop() if sizes else 1
    if C == 0:
        raise ValueError(f"{first_name} and {second_name} must describe at least one chain")
    f = np.ascontiguousarray(np.broadcast_to(first, (C,) + first.shape[first.ndim - first_core:]))
    s = np.ascontiguousarray(np.broadcast_to(second, (C,) + second.shape[second.ndim - second_core:]))
    return f.copy(), s.copy()


def as_cells(first, second, first_name, second_name, first_positive, second_positive):
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


def cells_and_chains(first, second, first_name, second_name, n_chains, first_positive=False,
                     second_positive=False):
    """:func:`as_cells`, plus both parameters repeated ``n_chains`` times (one entry per chain)."""
    shape, a, b = as_cells(first, second, first_name, second_name, first_positive, second_positive)
    check_run(a.size, n_chains, 0, 1)
    return shape, a, b, np.repeat(a, n_chains), np.repeat(b, n_chains)


def init_normal(state: np.ndarray, C: int, sizes: tuple, scale: float) -> list[np.ndarray]:
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


def tanh_libm(x: np.ndarray) -> np.ndarray:
    """libm ``tanh`` elementwise, as in a numba kernel (NumPy's SIMD tanh differs in the last bit)."""
    return np.fromiter(map(math.tanh, x.tolist()), dtype=np.float64, count=x.size)


# --------------------------------------------------------------------------------------------
# collapse / divergence accounting inside a kernel
# --------------------------------------------------------------------------------------------

@njit(cache=True)
def freeze_stopped(n2s, live, outcome, stop, lo, n, step, div2, coll2):
    """Freeze the live chains of a chunk that diverged or collapsed at ``step``; return how many.

    Chain ``lo + k`` (k < n) with squared norm ``n2s[k]`` above ``div2`` (or NaN) is marked
    :data:`DIVERGED`, below ``coll2`` :data:`COLLAPSED`; ``stop`` gets the step and ``live[k]``
    becomes 0.
    """
    stopped = 0
    for k in range(n):
        if live[k] == 0.0:
            continue
        if not (n2s[k] <= div2):                     # also catches NaN
            outcome[lo + k] = DIVERGED
        elif n2s[k] < coll2:
            outcome[lo + k] = COLLAPSED
        else:
            continue
        stop[lo + k] = step
        live[k] = 0.0
        stopped += 1
    return stopped

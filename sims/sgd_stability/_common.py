"""Private helpers shared by the sgd_stability simulators (``_sgd``, ``_collapse_sims``,
``_collapse_modes``, ``_qr``, ``_qr_laws``).

Argument validation (counts, norm bounds, broadcast per-cell parameters, expanded to chains),
the chunk size of the parallel simulator kernels, the flush-to-zero level of the collapse
kernels, the per-chain normal initialisation drawn from each chain's own xoshiro256** stream
(``_rng``), and libm ``tanh`` for the NumPy references (NumPy's SIMD ``tanh`` differs in the last
bit from libm, which the numba kernels use).
"""

from __future__ import annotations

import math

import numpy as np

from theory.validate import MAX_ENTRIES, as_count, as_finite_array, as_positive_scalar, check_work

from ._rng import NumpyStreams

_CHUNK = 256                 # chains per work unit (state of a chunk fits in L1)
_MAX_NORM_LIMIT = 1e150      # max_norm² must stay finite
_FLUSH = 1e-300    # |θ| below this is set to 0: θ = 0 is invariant, and subnormals are ~100x slower
_MAX_STATE = MAX_ENTRIES     # float64 state entries over all chains (512 MiB per state array)


def _as_count(x, name: str, minimum: int) -> int:
    return as_count(x, name, minimum=minimum)


def _check_run(n_cells: int, n_chains: int, n_steps: int, state_size: int, per_step: int = 1) -> None:
    """Refuse runs whose chain state does not fit in memory or whose work would not finish."""
    chains = n_cells * n_chains
    if chains * state_size > _MAX_STATE:
        raise ValueError(f"n_chains = {n_chains} over {n_cells} cells ({chains} chains of {state_size} "
                         f"parameters) must hold at most {_MAX_STATE} parameters in all")
    check_work(chains * state_size * per_step * max(n_steps, 1),
               "n_steps * n_chains * cells * parameters (* batch_size)")


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


def _cells_and_chains(first, second, first_name, second_name, n_chains, first_positive=False,
                      second_positive=False):
    shape, a, b = _as_cells(first, second, first_name, second_name, first_positive, second_positive)
    _check_run(a.size, n_chains, 0, 1)
    return shape, a, b, np.repeat(a, n_chains), np.repeat(b, n_chains)


def _tanh_libm(x: np.ndarray) -> np.ndarray:
    # libm tanh, as in the kernel (NumPy's SIMD tanh differs in the last bit)
    return np.fromiter(map(math.tanh, x.tolist()), dtype=np.float64, count=x.size)


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

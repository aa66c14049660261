"""Helpers for testing the simulations; nothing in the package itself uses them.

The NumPy oracle of every kernel lives beside the kernel (``*_reference``); this module holds
what only tests need, such as the raw draws of the per-chain random-number generator (whose
NumPy twin is ``NumpyStreams``), to check the generator against its twin and its law.
"""

from __future__ import annotations

import os
import time

import numpy as np
from numba import njit

from theory.validate import as_choice, as_count, as_seed, check_work

from ._rng import (
    _U,
    ZIG_R,
    ZIG_X,
    next_u64,
    normal,
    rademacher,
    seed_streams,
    sign_normal,
    uniform,
)

__all__ = ["draw_kernel", "sweep_probe"]

_KINDS = {"uniform": 0, "normal": 1, "rademacher": 2, "bits": 3, "pair_sign": 4, "pair_normal": 5}


@njit(cache=True)
def _fill(kind, state, out):
    """out[c, j] = j-th draw of chain c (0 uniform, 1 normal, 2 sign, 3 bits,
    4/5 sign/normal of ``sign_normal``)."""
    for c in range(out.shape[0]):
        s0, s1, s2, s3 = state[0, c], state[1, c], state[2, c], state[3, c]
        for j in range(out.shape[1]):
            if kind == 0:
                v, s0, s1, s2, s3 = uniform(s0, s1, s2, s3)
            elif kind == 1:
                v, s0, s1, s2, s3 = normal(ZIG_X, ZIG_R, s0, s1, s2, s3)
            elif kind == 2:
                v, s0, s1, s2, s3 = rademacher(s0, s1, s2, s3)
            elif kind == 4 or kind == 5:
                sg, z, s0, s1, s2, s3 = sign_normal(ZIG_X, ZIG_R, s0, s1, s2, s3)
                v = sg if kind == 4 else z
            else:
                r, s0, s1, s2, s3 = next_u64(s0, s1, s2, s3)
                v = np.float64(r >> _U(11))
            out[c, j] = v
        state[0, c], state[1, c], state[2, c], state[3, c] = s0, s1, s2, s3


def draw_kernel(kind: str, seed: int, n_streams: int, n_draws: int) -> np.ndarray:
    """Draws of the per-chain numba generator, as the kernels see them.

    Parameters
    ----------
    kind : {"uniform", "normal", "rademacher", "bits", "pair_sign", "pair_normal"}
        Which draw: U[0, 1), standard normal (ziggurat), ±1, the top 53 bits of a raw word, or
        the sign / normal half of one ``sign_normal`` draw.
    seed : int
        Seed of :func:`seed_streams`.
    n_streams : int
        Number of chains.
    n_draws : int
        Draws per chain.

    Returns
    -------
    ndarray of shape (n_streams, n_draws)
        Row c holds chain c's draws in order.
    """
    code = _KINDS[as_choice(kind, "kind", _KINDS)]
    n_streams = as_count(n_streams, "n_streams")
    n_draws = as_count(n_draws, "n_draws")
    check_work(n_streams * n_draws, "n_streams * n_draws")
    out = np.empty((n_streams, n_draws))
    _fill(code, seed_streams(as_seed(seed), n_streams), out)
    return out


def sweep_probe(index: int, seed: int, *, sleep: float = 0.0, fail: bool = False, exit_once: str | None = None) -> dict:
    """A sweep task for the tests of ``sims._parallel``: where it ran, and a draw from its seed.

    Parameters
    ----------
    index : int
        The task's index, echoed back.
    seed : int
        Seeds the draw (three standard normals): equal seeds give equal draws wherever they run.
    sleep : float, default 0
        Seconds to wait first, at most 5 (to make tasks finish out of order).
    fail : bool, default False
        Raise ``ValueError`` instead of returning.
    exit_once : str or None
        A file path: if the file does not exist, create it and end the worker process at once
        (``os._exit``), as a crashed worker would; a retry then finds the file and returns.

    Returns
    -------
    dict
        ``index``, ``value`` (the draw), ``pid`` (the process that ran the task) and
        ``numba_threads`` (numba's thread count inside the task).
    """
    import numba

    index, seed = as_seed(index, "index"), as_seed(seed)
    if isinstance(sleep, (bool, np.bool_)) or not isinstance(sleep, (int, float, np.integer, np.floating)) \
            or not 0 <= sleep <= 5:
        raise ValueError(f"sleep must be a number of seconds in [0, 5]; got {sleep!r}")
    if not isinstance(fail, (bool, np.bool_)):
        raise ValueError(f"fail must be a bool; got {type(fail).__name__}")
    if exit_once is not None and not isinstance(exit_once, (str, os.PathLike)):
        raise ValueError(f"exit_once must be a path or None; got {type(exit_once).__name__}")
    if exit_once is not None and not os.path.exists(exit_once):
        with open(exit_once, "w") as fh:
            fh.write(str(os.getpid()))
        os._exit(3)
    time.sleep(float(sleep))
    if fail:
        raise ValueError(f"sweep_probe task {index} failed on purpose (fail=True)")
    return {"index": index, "value": np.random.default_rng(seed).standard_normal(3), "pid": os.getpid(),
            "numba_threads": numba.get_num_threads()}

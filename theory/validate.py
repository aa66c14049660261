"""Input validation shared by every layer (``theory``, ``sims`` and ``proofs_check``).

Every public function validates at the boundary and raises ``ValueError`` with a message that
names the offending argument and the constraint it violates; values in messages are written as
plain Python numbers (``-0.1``, not ``np.float64(-0.1)``).

Counts (numbers of steps, chains, samples, grid points, ...) follow one rule, :func:`as_count`:
an integer (``int`` or a NumPy integer; ``bool`` and every float, including ``3.0``, are
rejected, as ``range`` and NumPy shapes reject them), at least ``minimum`` and at most
``maximum`` (default :data:`MAX_COUNT`), so that a count such as ``10**20`` fails at once instead
of overflowing int64 or running for ever.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["MAX_COUNT", "MAX_SEED", "as_bool", "as_choice", "as_count", "as_finite_array", "as_finite_scalar",
           "as_learning_rates", "as_positive_array", "as_positive_scalar", "as_seed", "as_sign",
           "check_work", "format_value"]

#: Largest count any function accepts. Counts multiply (steps x chains x samples) and index
#: int64 arrays; 10**12 elementary steps is hours of compute, far past any intended run.
MAX_COUNT = 10**12

#: Seeds are 64-bit words: [0, MAX_SEED].
MAX_SEED = 2**64 - 1


def format_value(x) -> str:
    """Write ``x`` for an error message: NumPy scalars as plain Python numbers, long reprs cut.

    Parameters
    ----------
    x : object
        The offending value.

    Returns
    -------
    str
        A short, readable representation of ``x``.
    """
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, np.ndarray):
        return f"array of shape {x.shape}"
    text = repr(x)
    return text if len(text) <= 60 else text[:57] + "..."


def as_finite_array(x, name: str, *, ndim: int | tuple[int, ...] | None = None,
                    shape: tuple | None = None) -> np.ndarray:
    """Return ``x`` as a float64 array, checking finiteness, ndim and shape.

    Parameters
    ----------
    x : array_like
        Real numbers (not strings, not complex, not ``None``).
    name : str
        Argument name used in error messages.
    ndim : int or tuple of int, optional
        Allowed numbers of dimensions.
    shape : tuple, optional
        Required shape; ``None`` entries are free axes.

    Returns
    -------
    numpy.ndarray
        ``x`` as float64.
    """
    if x is None or isinstance(x, (str, bytes)) or np.iscomplexobj(x):
        raise ValueError(f"{name} must be array-like of real numbers; got {type(x).__name__}")
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"{name} must be array-like of real numbers; got {type(x).__name__}") from exc
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            raise ValueError(f"{name} must have ndim in {allowed}; got shape {arr.shape}")
    if shape is not None:
        if arr.ndim != len(shape) or any(s is not None and s != n for s, n in zip(shape, arr.shape)):
            want = "(" + ", ".join("*" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{name} must have shape {want}; got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr


def as_positive_array(x, name: str, *, ndim: int | tuple[int, ...] | None = None,
                      shape: tuple | None = None, allow_zero: bool = False,
                      allow_empty: bool = True) -> np.ndarray:
    """Return ``x`` as a finite float64 array whose entries are all > 0 (or >= 0).

    Parameters
    ----------
    x : array_like
        Real numbers.
    name : str
        Argument name used in error messages.
    ndim, shape : optional
        As in :func:`as_finite_array`.
    allow_zero : bool, default False
        Accept entries equal to 0.
    allow_empty : bool, default True
        Accept an array with no entries.

    Returns
    -------
    numpy.ndarray
        ``x`` as float64.
    """
    arr = as_finite_array(x, name, ndim=ndim, shape=shape)
    if not allow_empty and arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    bad = arr < 0 if allow_zero else arr <= 0
    if np.any(bad):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be {bound} everywhere; got {format_value(arr[bad].flat[0])}")
    return arr


def as_finite_scalar(x, name: str) -> float:
    """Return ``x`` as a finite Python float.

    Parameters
    ----------
    x : real number or 0-d array
        ``bool`` is rejected.
    name : str
        Argument name used in error messages.

    Returns
    -------
    float
    """
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (numbers.Real, np.ndarray)):
        raise ValueError(f"{name} must be a real number; got {type(x).__name__}")
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"{name} must be a real number; got {type(x).__name__}") from exc
    if arr.ndim != 0:
        raise ValueError(f"{name} must be a scalar; got shape {arr.shape}")
    val = float(arr)
    if not np.isfinite(val):
        raise ValueError(f"{name} must be finite; got {val}")
    return val


def as_positive_scalar(x, name: str) -> float:
    """Return ``x`` as a finite float > 0.

    Parameters
    ----------
    x : real number
    name : str
        Argument name used in error messages.

    Returns
    -------
    float
    """
    val = as_finite_scalar(x, name)
    if val <= 0:
        raise ValueError(f"{name} must be > 0; got {val}")
    return val


def as_count(x, name: str, *, minimum: int = 1, maximum: int = MAX_COUNT) -> int:
    """Return ``x`` as a Python int in [minimum, maximum].

    Parameters
    ----------
    x : int or numpy integer
        ``bool`` and floats (even integral ones such as ``3.0``) are rejected: a float count is
        almost always a slip (``1e20`` steps), and ``range`` and NumPy shapes reject it too.
    name : str
        Argument name used in error messages.
    minimum : int, default 1
    maximum : int, default MAX_COUNT

    Returns
    -------
    int
    """
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Integral):
        raise ValueError(f"{name} must be an integer >= {minimum}; got {type(x).__name__} "
                         f"{format_value(x)}")
    x = int(x)
    if x < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {x}")
    if x > maximum:
        raise ValueError(f"{name} must be <= {maximum}; got {x}")
    return x


def check_work(work: int, what: str, *, maximum: int = MAX_COUNT) -> None:
    """Refuse a run whose size (a product of counts) exceeds ``maximum`` elementary steps.

    Parameters
    ----------
    work : int
        Product of the counts, e.g. ``n_steps * n_chains`` (exact Python int arithmetic).
    what : str
        The product written with argument names, e.g. ``"n_steps * n_chains"``.
    maximum : int, default MAX_COUNT

    Returns
    -------
    None
    """
    if work > maximum:
        raise ValueError(f"{what} must be <= {maximum} (the run would not finish); got {work}")


def as_choice(x, name: str, choices) -> str:
    """Return ``x`` if it is one of the strings ``choices``.

    Parameters
    ----------
    x : str
    name : str
        Argument name used in error messages.
    choices : iterable of str

    Returns
    -------
    str
    """
    choices = tuple(choices)
    if not isinstance(x, str) or x not in choices:
        raise ValueError(f"{name} must be one of {choices}; got {format_value(x)}")
    return x


def as_seed(seed, name: str = "seed") -> int:
    """Return a seed as a Python int in [0, 2**64).

    Parameters
    ----------
    seed : int or numpy integer
        Same integer rule as :func:`as_count`.
    name : str, default "seed"
        Argument name used in error messages.

    Returns
    -------
    int
    """
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise ValueError(f"{name} must be a non-negative integer; got {type(seed).__name__} "
                         f"{format_value(seed)}")
    if not 0 <= int(seed) <= MAX_SEED:
        raise ValueError(f"{name} must be in [0, 2**64); got {int(seed)}")
    return int(seed)


def as_bool(x, name: str) -> bool:
    """Return a flag as a Python bool; only ``bool`` and ``numpy.bool_`` are accepted.

    Parameters
    ----------
    x : bool
        A truthy object such as ``"no"`` or ``[0]`` is an error, not ``True``.
    name : str
        Argument name used in error messages.

    Returns
    -------
    bool
    """
    if not isinstance(x, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False; got {type(x).__name__} {format_value(x)}")
    return bool(x)


def as_sign(x, name: str) -> int:
    """Return ``x`` as +1 or -1.

    Parameters
    ----------
    x : {+1, -1}
    name : str
        Argument name used in error messages.

    Returns
    -------
    int
    """
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real) or x not in (1, -1):
        raise ValueError(f"{name} must be +1 or -1; got {format_value(x)}")
    return int(x)


def as_learning_rates(eta_a, eta_w) -> tuple[float, float]:
    """Validate the layer learning rates (η_a, η_w): both finite and > 0.

    Parameters
    ----------
    eta_a, eta_w : float
        Learning rates of the readout and input layers.

    Returns
    -------
    tuple of float
        ``(eta_a, eta_w)``.
    """
    return as_positive_scalar(eta_a, "eta_a"), as_positive_scalar(eta_w, "eta_w")

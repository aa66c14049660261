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

import dataclasses
import functools
import inspect
import numbers
import re

import numpy as np

__all__ = ["MAX_COUNT", "MAX_ENTRIES", "MAX_SEED", "as_bool", "as_choice", "as_count", "as_finite_array", "as_finite_scalar",
           "as_learning_rates", "as_positive_array", "as_positive_scalar", "as_seed", "as_sign",
           "check_scipy_law", "check_work", "format_value", "guard_numerics"]

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


#: Largest number of float64 entries one result or state array may hold (512 MiB).
MAX_ENTRIES = 2**26


def check_work(work: int, what: str, *, maximum: int = MAX_COUNT,
               why: str = "the run would not finish") -> None:
    """Refuse a run whose size (a product of counts) exceeds ``maximum``.

    Parameters
    ----------
    work : int
        Product of the counts, e.g. ``n_steps * n_chains`` (exact Python int arithmetic).
    what : str
        The product written with argument names, e.g. ``"n_steps * n_chains"``.
    maximum : int, default MAX_COUNT
        Elementary steps (time); pass :data:`MAX_ENTRIES` to bound memory.
    why : str
        The reason, for the message.

    Returns
    -------
    None
    """
    if work > maximum:
        raise ValueError(f"{what} must be <= {maximum} ({why}); got {work}")


def check_scipy_law(law, name: str) -> None:
    """Check that a frozen SciPy distribution has finite, valid parameters.

    SciPy freezes ``scipy.stats.norm(loc=nan)`` or ``uniform(scale=-1)`` without complaint and
    then returns NaN everywhere; this turns that into an error naming the argument.

    Parameters
    ----------
    law : frozen scipy.stats distribution
        Anything with ``args``, ``kwds`` and ``support()`` (other objects pass unchecked).
    name : str
        Argument name used in error messages.

    Returns
    -------
    None
    """
    if not (hasattr(law, "args") and hasattr(law, "kwds") and callable(getattr(law, "support", None))):
        return
    family = getattr(getattr(law, "dist", None), "name", type(law).__name__)
    for value in list(law.args) + list(law.kwds.values()):
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            continue
        if arr.ndim != 0:
            raise ValueError(f"{name}: the {family} law must have scalar parameters; got shape {arr.shape}")
        if not np.isfinite(arr):
            raise ValueError(f"{name}: the {family} law's parameters must be finite; got {format_value(float(arr))}")
    lo, hi = law.support()
    if np.isnan(lo) or np.isnan(hi):
        raise ValueError(f"{name}: invalid parameters for the {family} law (args {law.args}, kwds {law.kwds})")


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
    r"""Return a seed as a Python int in $[0, 2^{64})$.

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
    r"""Validate the layer learning rates $(\eta_a, \eta_w)$: both finite and > 0.

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


# ------------------------------------------------------------------------------------------------
# numerical breakdown at the public boundary
# ------------------------------------------------------------------------------------------------

_HUGE, _TINY = 1e100, 1e-100     # magnitudes named as "extreme" when a computation breaks down


def _has_nan(x, depth: int = 0) -> bool:
    if depth > 4:
        return False
    if isinstance(x, (float, np.floating)):
        return bool(np.isnan(x))
    if isinstance(x, np.ndarray):
        return bool(np.issubdtype(x.dtype, np.floating) and np.isnan(x).any())
    if isinstance(x, (tuple, list)):
        return any(_has_nan(v, depth + 1) for v in x)
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return any(_has_nan(getattr(x, f.name), depth + 1) for f in dataclasses.fields(x))
    return False


def _bindable(fn, args, kwargs) -> bool:
    try:
        inspect.signature(fn).bind(*args, **kwargs)
    except TypeError:
        return False
    return True


def _numeric_arguments(fn, args, kwargs) -> dict:
    """name -> float64 array of every argument of the call that is numeric."""
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs)
    except TypeError:
        return {}
    out = {}
    for name, value in bound.arguments.items():
        if isinstance(value, (bool, np.bool_, str)) or value is None:
            continue
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError, OverflowError):
            continue
        if arr.size:
            out[name] = arr
    return out


def _is_extreme(arr: np.ndarray) -> bool:
    mag = np.abs(arr[arr != 0])
    return bool(mag.size) and bool(not np.all(np.isfinite(mag)) or mag.max() > _HUGE or mag.min() < _TINY)


def _describe(arrays: dict) -> str:
    """The extreme arguments (|x| > 1e100, 0 < |x| < 1e-100, non-finite), else all of them."""
    chosen = {k: v for k, v in arrays.items() if _is_extreme(v)} or arrays

    def show(name, arr):
        if arr.ndim == 0:
            return f"{name} = {format_value(float(arr))}"
        mag = np.abs(arr)
        return f"{name} (shape {arr.shape}, |values| up to {format_value(float(mag.max()))})"

    return ", ".join(show(k, v) for k, v in chosen.items()) or "these arguments"


def guard_numerics(fn=None, *, nan_ok: bool = False):
    """Decorator for public functions: numerical breakdown becomes a ``ValueError`` naming inputs.

    Validators reject invalid input; this guard catches valid but extreme input (1e308, 1e-300)
    for which the float64 evaluation breaks down, and reports it instead of leaking it:

    - ``OverflowError``, ``ZeroDivisionError`` or ``FloatingPointError`` from the computation;
    - an error raised deep inside NumPy/SciPy whose message names none of the arguments;
    - a ``RuntimeError`` of the computation when some argument is extreme;
    - NaN in the result (unless ``nan_ok``, for functions that document NaN as a value).

    The ``ValueError`` names the arguments with extreme magnitudes (|x| > 1e100 or
    0 < |x| < 1e-100), or every numeric argument when none is extreme. Valid calls are
    untouched: the guard adds a try block and a NaN scan of the result.

    Parameters
    ----------
    fn : callable
        The public function.
    nan_ok : bool, default False
        Let NaN through (the function documents it as a result).

    Returns
    -------
    callable
        The wrapped function (same signature and docstring).
    """
    if fn is None:
        return functools.partial(guard_numerics, nan_ok=nan_ok)
    params = tuple(inspect.signature(fn).parameters)

    def names_an_argument(message: str) -> bool:
        return any(re.search(rf"(?<![A-Za-z0-9_]){re.escape(p)}(?![A-Za-z0-9_])", message) for p in params)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            result = fn(*args, **kwargs)
        except (OverflowError, ZeroDivisionError, FloatingPointError) as exc:
            raise ValueError(f"{fn.__name__}: float64 overflow or division by zero for "
                             f"{_describe(_numeric_arguments(fn, args, kwargs))}; inputs this extreme are "
                             "outside the range this computation supports") from exc
        except (ValueError, TypeError) as exc:
            if (type(exc) in (ValueError, TypeError) and names_an_argument(str(exc))) or not _bindable(fn, args, kwargs):
                raise
            raise ValueError(f"{fn.__name__}: {exc} (arguments: "
                             f"{_describe(_numeric_arguments(fn, args, kwargs))})") from exc
        except RuntimeError as exc:
            arrays = _numeric_arguments(fn, args, kwargs)
            if not any(_is_extreme(v) for v in arrays.values()):
                raise
            raise ValueError(f"{fn.__name__}: {exc} (extreme input: {_describe(arrays)})") from exc
        if not nan_ok and _has_nan(result):
            raise ValueError(f"{fn.__name__}: the result is NaN for "
                             f"{_describe(_numeric_arguments(fn, args, kwargs))}; inputs this extreme are "
                             "outside the range this computation supports")
        return result

    return wrapper

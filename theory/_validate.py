"""Input validation shared by every layer.

Every public function validates at the boundary and raises ``ValueError`` with a message
that names the offending argument and the constraint it violates.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["as_finite_array", "as_finite_scalar", "as_learning_rates", "as_positive_scalar", "as_sign"]


def as_finite_array(x, name: str, *, ndim: int | tuple[int, ...] | None = None,
                    shape: tuple | None = None) -> np.ndarray:
    """Return ``x`` as a float64 array, checking finiteness, ndim and shape.

    ``shape`` may contain ``None`` for free axes.
    """
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
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


def as_finite_scalar(x, name: str) -> float:
    """Return ``x`` as a finite Python float."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (numbers.Real, np.ndarray)):
        raise ValueError(f"{name} must be a real number; got {type(x).__name__}")
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 0:
        raise ValueError(f"{name} must be a scalar; got shape {arr.shape}")
    val = float(arr)
    if not np.isfinite(val):
        raise ValueError(f"{name} must be finite; got {val}")
    return val


def as_positive_scalar(x, name: str) -> float:
    """Return ``x`` as a finite float > 0."""
    val = as_finite_scalar(x, name)
    if val <= 0:
        raise ValueError(f"{name} must be > 0; got {val}")
    return val


def as_sign(x, name: str) -> int:
    """Return ``x`` as +1 or -1."""
    if x not in (1, -1):
        raise ValueError(f"{name} must be +1 or -1; got {x!r}")
    return int(x)


def as_learning_rates(eta_a, eta_w) -> tuple[float, float]:
    """Validate the layer learning rates (η_a, η_w): both finite and > 0."""
    return as_positive_scalar(eta_a, "eta_a"), as_positive_scalar(eta_w, "eta_w")

"""A short ``repr`` for the public result dataclasses of every layer.

A dataclass's generated ``repr`` prints every array in full (a phase diagram ran to 964 lines).
:func:`compact_repr` replaces it, as a class decorator placed above ``@dataclass``, with a
summary that still names every field: arrays as ``array(shape, dtype, min=…, max=…)`` (the value
for a single element, counts of each value for labels and booleans), numbers as plain Python
numbers, nested mappings and dataclasses summarised one level deep. Equality, hashing and the
fields are untouched: only ``__repr__`` is set. The rule lives here, once, for ``theory``,
``sims`` and ``proofs_check`` (the bottom layer, so every layer may import it).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from pathlib import PurePath

import numpy as np

__all__ = ["compact_repr", "summarize"]

_WIDTH = 120          # characters per line of a multi-line repr
_FIELD_MAX = 240      # characters one field's summary may take
_NESTED_ITEMS = 6     # mapping / sequence entries shown before "…"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _number(x) -> str:
    """A Python or NumPy number written as a plain number (``-0.1``, never ``np.float64(-0.1)``)."""
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, bool) or x is None:
        return repr(x)
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        return f"{x:.6g}" if math.isfinite(x) else str(x)
    if isinstance(x, complex):
        return f"{x:.4g}"
    return repr(x)


def _array(a: np.ndarray, depth: int) -> str:
    if depth > 1:                             # nested: the shape, and the dtype unless float64
        return f"array({a.shape})" if a.dtype == np.float64 else f"array({a.shape}, {a.dtype})"
    head = f"array({a.shape}, {a.dtype}"
    if a.size == 0:
        return head + ")"
    if a.size == 1:
        return f"{head}, value={_number(a.reshape(-1)[0])})"
    if a.dtype.kind in "biuf":
        flat = a.astype(float).ravel()
        finite = np.isfinite(flat)
        parts = []
        if a.dtype.kind == "b":
            parts.append(f"true={int(flat.sum())}")
        elif finite.any():
            parts.append(f"min={_number(float(flat[finite].min()))}, max={_number(float(flat[finite].max()))}")
        if not finite.all():
            parts.append(f"nonfinite={int((~finite).sum())}")
        return f"{head}, {', '.join(parts)})" if parts else head + ")"
    if a.dtype.kind == "c":
        return f"{head}, max|·|={_number(float(np.abs(a).max()))})"
    if a.dtype.kind in "UOS":                 # labels: count each value when there are few
        try:
            values, counts = np.unique(a.astype(str), return_counts=True)
        except (TypeError, ValueError):
            return head + ")"
        if len(values) <= 8:
            inner = ", ".join(f"{str(v)!r}: {int(c)}" for v, c in zip(values, counts))
            return f"{head}, counts={{{inner}}})"
        return f"{head}, {len(values)} distinct)"
    return head + ")"


def summarize(value, depth: int = 0) -> str:
    """A short, one-line description of ``value`` for a result's ``repr``.

    Parameters
    ----------
    value : object
        Any field value.
    depth : int, default 0
        Nesting level: at depth 0 and 1 arrays show their range; deeper ones only their shape.

    Returns
    -------
    str
        At most a few hundred characters.
    """
    if value is None or isinstance(value, (bool, np.bool_, int, float, complex, np.number)):
        return _number(value)
    if isinstance(value, str):
        return repr(value if len(value) <= 78 else value[:77] + "…")
    if isinstance(value, PurePath):
        return _clip(repr(str(value)), 120)
    if isinstance(value, np.ndarray):
        return _array(value, depth)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if depth >= 2:
            return f"{type(value).__name__}(…)"
        inner = ", ".join(f"{f.name}={summarize(getattr(value, f.name), depth + 1)}"
                          for f in dataclasses.fields(value) if f.repr)
        return _clip(f"{type(value).__name__}({inner})", 160)
    if isinstance(value, Mapping):
        items = list(value.items())
        shown = ", ".join(f"{k!r}: {summarize(v, depth + 2)}" for k, v in items[:_NESTED_ITEMS])
        more = f", …(+{len(items) - _NESTED_ITEMS})" if len(items) > _NESTED_ITEMS else ""
        return _clip("{" + shown + more + "}", _FIELD_MAX)
    if isinstance(value, (list, tuple)):
        open_, close = ("[", "]") if isinstance(value, list) else ("(", ")")
        if depth >= 2 or len(value) > _NESTED_ITEMS:
            kinds = sorted({type(v).__name__ for v in value})
            return f"{type(value).__name__}(len={len(value)}{', of ' + '/'.join(kinds) if kinds else ''})"
        inner = ", ".join(summarize(v, depth + 1) for v in value)
        return _clip(open_ + inner + ("," if len(value) == 1 and close == ")" else "") + close, _FIELD_MAX)
    if callable(value) and hasattr(value, "__qualname__"):
        return f"<{type(value).__name__} {value.__qualname__}>"
    return _clip(repr(value), 80)


def _compact_repr(self) -> str:
    """``ClassName(field=summary, ...)``: every field named, arrays summarised (see module doc)."""
    parts = [f"{f.name}={_clip(summarize(getattr(self, f.name)), _FIELD_MAX)}"
             for f in dataclasses.fields(self) if f.repr]
    name = type(self).__name__
    one_line = f"{name}({', '.join(parts)})"
    if len(one_line) <= _WIDTH:
        return one_line
    lines, line = [], "   "
    for part in parts:                       # pack fields onto lines of at most _WIDTH characters
        if len(line) > 3 and len(line) + len(part) + 2 > _WIDTH:
            lines.append(line + ",")
            line = "   "
        line += (" " if len(line) == 3 else ", ") + part
    lines.append(line)
    return f"{name}(\n" + "\n".join(lines) + "\n)"


def compact_repr(cls):
    """Class decorator (above ``@dataclass``): give ``cls`` the shared short ``repr``.

    Parameters
    ----------
    cls : type
        A dataclass.

    Returns
    -------
    type
        ``cls`` itself, with ``__repr__`` set; fields, equality and hashing are unchanged.
    """
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"compact_repr decorates dataclasses; {cls.__name__} is not one")
    cls.__repr__ = _compact_repr
    return cls

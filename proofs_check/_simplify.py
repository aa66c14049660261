"""Symbolic strategies for :mod:`proofs_check.symbolic`, run under a hard wall-clock budget.

They run in a forked child that is killed when the budget is spent (no signals: an exception
raised by a timer lands wherever the interpreter is, e.g. inside an import or a finalizer, and
breaks the caller). Reaching 0 is a certificate of exactness; failing to is not a verdict.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sympy

def _strategies():
    import sympy

    return (
        ("expand", False, sympy.expand),
        ("cancel", False, lambda e: sympy.cancel(sympy.together(e))),
        ("simplify", True, sympy.simplify),
        ("rewrite(exp)+simplify", True, lambda e: sympy.simplify(e.rewrite(sympy.exp))),
    )


def _size_exceeds(expr: sympy.Basic, limit: int) -> bool:
    """True if the expression tree has more than ``limit`` nodes (stops counting early)."""
    import sympy

    for i, _ in enumerate(sympy.preorder_traversal(expr)):
        if i >= limit:
            return True
    return False


def _describe(entries: list[sympy.Expr], limit: int = 2000) -> str:
    """Printable form of the checked expression; large ones are summarised (printing a big
    expression costs more than checking it)."""
    import sympy

    parts = []
    for e in entries:
        if _size_exceeds(e, 400):
            parts.append(f"<expression with > 400 nodes, {len(e.free_symbols)} symbols>")
        else:
            parts.append(sympy.sstr(e))
    text = "; ".join(parts)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# Outcomes of _try_simplify by (entries, budget, max_ops). A claim checked at several seeds asks
# the same question each time (the seed moves only the numeric sample points), and an entry that
# needs the whole budget would otherwise spend it again at every seed.
_MEMO: dict = {}
_MEMO_SIZE = 1024


def _try_simplify(entries: list[sympy.Expr], budget: float, max_ops: int):
    """Try to reduce every entry to 0 within ``budget`` seconds: (all_zero, strategy, timed_out).

    The strategies run in a forked child process (POSIX) that is killed at the deadline, so
    nothing in this process is interrupted. Without fork only the cheap strategies run. The
    outcome is remembered for the process (by the entries, the budget and ``max_ops``).
    """
    try:
        key = (tuple(entries), float(budget), int(max_ops))
        hash(key)
    except TypeError:       # an unhashable entry (not a sympy expression): no memo
        return _try_simplify_uncached(entries, budget, max_ops)
    if key not in _MEMO:
        if len(_MEMO) >= _MEMO_SIZE:
            _MEMO.clear()
        _MEMO[key] = _try_simplify_uncached(entries, budget, max_ops)
    return _MEMO[key]


def _try_simplify_uncached(entries: list[sympy.Expr], budget: float, max_ops: int):
    import multiprocessing

    if all(e == 0 for e in entries):
        return True, "trivial", False
    if budget <= 0:
        return False, None, True
    if "fork" not in multiprocessing.get_all_start_methods():
        return _simplify_entries(entries, float("inf"), max_ops, cheap_only=True)
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)

    def child():
        try:
            send.send(_simplify_entries(entries, time.monotonic() + budget, max_ops))
        except BaseException:  # any failure in the child is "not simplified", never a verdict
            send.send((False, None, False))

    proc = ctx.Process(target=child, daemon=True)
    proc.start()
    send.close()
    try:
        result = receive.recv() if receive.poll(budget) else (False, None, True)
    except EOFError:  # the child died without answering
        result = (False, None, False)
    finally:
        proc.kill()
        proc.join()
        receive.close()
    return result


def _simplify_entries(entries, end: float, max_ops: int, cheap_only: bool = False):
    """The strategies themselves, run until ``end`` (time.monotonic) between strategies."""
    if all(e == 0 for e in entries):
        return True, "trivial", False
    used: str | None = None
    timed_out = False
    for entry in entries:
        if entry == 0:
            continue
        big = _size_exceeds(entry, max_ops)
        done = False
        for name, expensive, fn in _strategies():
            if expensive and (big or cheap_only):
                timed_out = True
                continue
            if time.monotonic() >= end:
                return False, None, True
            try:
                reduced = fn(entry)
            except Exception:  # a strategy failing is not a verdict; try the next one
                continue
            if reduced == 0:
                order = [s[0] for s in _strategies()]
                if used is None or order.index(name) > order.index(used):
                    used = name
                done = True
                break
        if not done:
            return False, None, timed_out
    return True, used, timed_out

"""Benchmarks: one small harness for timing, ratios against a reference and targets.

Each theory declares its benchmarks in ``sims/<theory>/_bench.py`` with :func:`register_benchmark`;
they ship with the package, so ``dltheory bench`` works from an installed copy as well as from a
checkout. A benchmark measures a kernel and its reference *in the same run* (the machine may be
shared, so only ratios measured side by side mean anything) and returns a :class:`BenchReport`:
printable rows plus :class:`Metric` values with optional targets. ``quick=True`` runs tiny sizes
(a few seconds): it checks that the benchmark works, its numbers are not meaningful.

Usage: ``dltheory bench [NAME ...] [--quick]``, where NAME is a benchmark name
(``dltheory bench --list``) or a theory name (all of its benchmarks).
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import importlib.util
import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from theory.summary import compact_repr

__all__ = ["BenchReport", "Benchmark", "Metric", "benchmark_registry", "main", "register_benchmark",
           "run_benchmarks", "timed"]

_REGISTRY: dict[str, "Benchmark"] = {}


def timed(fn, *args, repeat: int = 1, **kwargs) -> tuple[Any, float]:
    """Result of ``fn(*args, **kwargs)`` and the best wall time in seconds over ``repeat`` calls.

    The best of several repeats is the least disturbed by other processes on a shared machine.

    Parameters
    ----------
    fn : callable
        What to time; called with ``*args`` and ``**kwargs``.
    repeat : int, default 1
        How many calls; the best time is kept.

    Returns
    -------
    tuple (result, float)
        The last call's result and the best wall time in seconds.
    """
    best = math.inf
    out = None
    for _ in range(max(1, int(repeat))):
        tic = time.perf_counter()
        out = fn(*args, **kwargs)
        best = min(best, time.perf_counter() - tic)
    return out, best


@compact_repr
@dataclass(frozen=True)
class Metric:
    """A measured number (usually a speed-up ratio) and the target it should meet.

    Attributes
    ----------
    label : str
        What was measured, e.g. ``"numba / NumPy best"``.
    value : float
        The measurement.
    unit : str
        ``"x"`` for a ratio, ``"s"`` for a time.
    target : float or None
        The target, or None when there is none.
    higher_is_better : bool
        True for speed-ups (target is a minimum), False for times (target is a maximum).
    """

    label: str
    value: float
    unit: str = "x"
    target: float | None = None
    higher_is_better: bool = True

    @property
    def met(self) -> bool | None:
        """Whether the target is met (None without a target)."""
        if self.target is None:
            return None
        return self.value >= self.target if self.higher_is_better else self.value <= self.target

    def line(self) -> str:
        """One printable line."""
        text = f"  {self.label:34s} {self.value:10.3g} {self.unit}"
        if self.target is not None:
            op = ">=" if self.higher_is_better else "<="
            text += f"   (target {op} {self.target:g} {self.unit}: {'met' if self.met else 'MISSED'})"
        return text


@compact_repr
@dataclass(frozen=True)
class BenchReport:
    """What one benchmark run measured: printable rows and metrics.

    Attributes
    ----------
    name : str
        The benchmark.
    quick : bool
        Whether it ran at tiny sizes (targets then do not apply).
    rows : tuple of str
        Lines of measurements, as printed.
    metrics : tuple of Metric
        The numbers with their targets.
    """

    name: str
    quick: bool
    rows: tuple = ()
    metrics: tuple = ()

    def format(self) -> str:
        """The report as text (rows, then metrics)."""
        head = f"== {self.name}" + ("   [quick: tiny sizes, numbers not meaningful]" if self.quick else "")
        return "\n".join([head, *self.rows, *(m.line() for m in self.metrics)])


@compact_repr
@dataclass(frozen=True)
class Benchmark:
    """A registered benchmark: ``run(quick)`` returns ``(rows, metrics)``; calling it gives a
    :class:`BenchReport`.

    Attributes
    ----------
    name : str
    theory : str
        The catalogued theory it measures.
    summary : str
        One line on what it compares.
    run : callable ``(quick: bool) -> (rows, metrics)``
    """

    name: str
    theory: str
    summary: str
    run: Callable[[bool], tuple] = field(repr=False)

    def __call__(self, quick: bool = False) -> BenchReport:
        rows, metrics = self.run(bool(quick))
        if quick:                                    # tiny sizes: targets are not meaningful
            metrics = [dataclasses.replace(m, target=None) for m in metrics]
        return BenchReport(self.name, bool(quick), tuple(rows), tuple(metrics))


def register_benchmark(name: str, theory: str, summary: str):
    """Decorator registering ``fn(quick: bool) -> (rows, metrics)`` as benchmark ``name``.

    Parameters
    ----------
    name : str
        Unique benchmark name.
    theory : str
        The catalogued theory it measures.
    summary : str
        One line on what it compares (``dltheory bench --list``).

    Returns
    -------
    callable
        The decorator; it returns ``fn`` unchanged.
    """
    def wrap(fn):
        if name in _REGISTRY and _REGISTRY[name].run is not fn:
            raise ValueError(f"benchmark {name!r} is already registered")
        _REGISTRY[name] = Benchmark(name, theory, summary, fn)
        return fn
    return wrap


def benchmark_registry() -> dict[str, Benchmark]:
    """All benchmarks, by name, after importing ``sims.<theory>._bench`` for every theory.

    Returns
    -------
    dict of str to Benchmark
    """
    from theory.catalog import implemented_theories

    for theory in implemented_theories():
        module = f"sims.{theory}._bench"
        if importlib.util.find_spec(module) is not None:
            importlib.import_module(module)
    return dict(sorted(_REGISTRY.items()))


def _select(names) -> list[Benchmark]:
    registry = benchmark_registry()
    if not names:
        return list(registry.values())
    chosen = []
    for name in names:
        if name in registry:
            matches = [registry[name]]
        else:
            matches = [b for b in registry.values() if b.theory == name]
        if not matches:
            raise ValueError(f"unknown benchmark {name!r}; known benchmarks: {', '.join(registry)} "
                             f"(or a theory name: {', '.join(sorted({b.theory for b in registry.values()}))})")
        chosen += [b for b in matches if b not in chosen]
    return chosen


def run_benchmarks(names=None, quick: bool = False, echo: Callable[[str], Any] | None = print) -> list[BenchReport]:
    """Run benchmarks by name or theory (all by default), printing each report through ``echo``.

    Parameters
    ----------
    names : list of str, optional
        Benchmark names or theory names; unknown names raise ``ValueError`` before anything runs.
    quick : bool, default False
        Tiny sizes (a smoke test, seconds per benchmark).
    echo : callable or None, default print
        Called with each report's text; None prints nothing.

    Returns
    -------
    list of BenchReport
    """
    reports = []
    for bench in _select(list(names or [])):
        report = bench(quick)
        if echo is not None:
            echo(report.format())
        reports.append(report)
    return reports


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    """Arguments of ``dltheory bench`` (added to ``parser`` if given)."""
    parser = parser or argparse.ArgumentParser(prog="dltheory bench", description=__doc__,
                                               formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="benchmark or theory names (default: all)")
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes: check that the benchmarks run (numbers not meaningful)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks")
    return parser


def main(argv=None) -> int:
    """Command-line entry point: parse ``argv`` and run (or list) the benchmarks.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0 on success, 2 for an unknown benchmark name.
    """
    args = build_parser().parse_args(argv)
    return run_from_args(args)


def run_from_args(args) -> int:
    """Run ``dltheory bench`` for parsed arguments (see :func:`build_parser`)."""
    import sys

    if args.list:
        for name, bench in benchmark_registry().items():
            print(f"{name:30s} {bench.summary}")
        return 0
    try:
        chosen = _select(args.names)
    except ValueError as exc:                        # unknown name: say which exist
        print(f"dltheory: error: {exc}", file=sys.stderr)
        return 2
    for bench in chosen:
        print(bench(args.quick).format(), flush=True)
    return 0

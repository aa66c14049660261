"""The ``dltheory`` command line: ``figures``, ``verify``, ``phase-diagram``, ``bench``.

It lives in proofs_check, the top layer, because it drives all three packages. A mistake in
the command (unknown theory, claim, figure, system or benchmark, a bad option value) prints one
line ``dltheory: error: …`` naming the valid choices and exits with status 2; ``--traceback``
shows the full Python traceback instead.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import inspect
import json
import math
import os
import re
import sys
from pathlib import Path

from theory.catalog import DEFAULT_PHASE_SYSTEM, implemented_theories, phase_systems, phase_theory
from theory.summary import summarize

__all__ = ["build_parser", "main"]

_DESCRIPTION = """\
dltheory: deep-learning theorems made executable.

For each published result it covers, dltheory ships the theorem's prediction (closed form, ODE
solution or convex program), a simulation of the training dynamics the theorem talks about, and
a claim that checks the two agree within a tolerance the mathematics justifies.

commands:
  verify         check the claims and print a table (paper and equation, prediction, observed,
                 error and tolerance with their unit); --explain NAME says what one claim checks
  figures        regenerate the registered figures into figures/ (and figures/manifest.json)
  phase-diagram  compute a phase diagram and save its figure (sims.phase_diagram)
  bench          time the fast kernels against their references, measured in the same run
"""

_EPILOG = """\
examples:
  dltheory verify --quick                      every claim except the slow ones
  dltheory verify --theory lazy_rich --json out.json
  dltheory verify --explain lazy_rich.sign_flip
  dltheory figures --list
  dltheory figures lazy_rich_dynamics
  dltheory phase-diagram                       SGD phases, writes figures/phase_sgd_stability.png
  dltheory phase-diagram lazy_rich --grid 41 31 --x-range -4 4 --y-range 0.01 3 --log-y
  dltheory phase-diagram sgd_stability --method qr --set model=B --outdir /tmp/fig
  dltheory phase-diagram sgd_stability --method simulate --workers 2
  dltheory phase-diagram sgd_stability --method simulate --scheduler tcp://10.0.0.5:8786
  dltheory bench --quick

'dltheory COMMAND --help' lists a command's options.
"""

# numpy scalar reprs (np.float64(-0.1)) written by an f-string's !r: plain numbers in messages
_NP_SCALAR = re.compile(r"\bnp\.(?:float|int|uint|complex|bool|str)_?\d*\(([^()]*)\)")


class _UserError(Exception):
    """A mistake in the command; printed as one line, exit status 2."""


def _one_line(message: str) -> str:
    return _NP_SCALAR.sub(r"\1", " ".join(str(message).split()))


def _error(message: str) -> int:
    print(f"dltheory: error: {_one_line(message)}", file=sys.stderr)
    return 2


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``dltheory: error: <what>; see '<prog> --help'``."""

    def error(self, message):
        _error(f"{message} (see '{self.prog} --help')")
        self.exit(2)


def _use_agg() -> None:
    import matplotlib

    matplotlib.use("Agg")


def _unknown(kind: str, names, known, theory: str | None = None) -> _UserError:
    names = [names] if isinstance(names, str) else list(names)
    plural = "s" if len(names) > 1 else ""
    where = f" of theory {theory!r}" if theory else ""
    return _UserError(f"unknown {kind}{plural} {', '.join(map(repr, names))}{where}; "
                      f"choose from: {', '.join(known)}")


# --------------------------------------------------------------------------------------------
# figures


def _cmd_figures(args) -> int:
    from sims.figures import figure_registry

    registry = figure_registry(args.theory)
    unknown = [n for n in args.names if n not in registry]
    if unknown:
        raise _unknown("figure", unknown, registry, args.theory)
    if args.list:
        for name, spec in registry.items():
            print(f"{name:40s} {spec.theory:14s} {spec.description}")
        return 0
    _use_agg()
    from sims.figures import generate_figures

    if args.size == "paper":
        no_paper = [n for n in args.names if registry[n].paper_params is None]
        if no_paper:
            raise ValueError(f"--size paper: {', '.join(no_paper)} has no paper size")
    names = args.names or [n for n, spec in registry.items() if args.size == "default" or spec.paper_params is not None]
    skipped = [n for n in names if registry[n].missing()] if not args.names else []
    written = generate_figures([n for n in names if n not in skipped], outdir=args.outdir, fmt=args.format,
                               size=args.size)
    for path in written.values():
        print(f"wrote {path}")
    for name in skipped:
        print(f"skipped {name}: needs {', '.join(registry[name].missing())} (pip install torch==2.13.0 for torch)")
    print(f"{len(written)} figures, manifest at {Path(args.outdir) / 'manifest.json'}")
    return 0


# --------------------------------------------------------------------------------------------
# verify


def _plain(value) -> str:
    """A setting value or number as a reader writes it (no numpy scalar reprs)."""
    if isinstance(value, (list, tuple)) and len(value) <= 8:
        inner = ", ".join(_plain(v) for v in value)
        return f"({inner}{',' if len(value) == 1 and isinstance(value, tuple) else ''})" \
            if isinstance(value, tuple) else f"[{inner}]"
    if isinstance(value, range):
        return f"{value.start}..{value.stop - 1}" if len(value) > 1 else str(value.start)
    return summarize(value, depth=1)


def _values(x) -> str:
    """A number, or a numeric array in full when short (summarised when long)."""
    import numpy as np

    arr = np.asarray(x, dtype=float)
    if arr.ndim == 0:
        return f"{float(arr):.6g}"
    if arr.size <= 24:
        return np.array2string(arr, precision=4, max_line_width=100, separator=", ").replace("\n", "\n" + " " * 14)
    return summarize(arr)


def _claim_dict(c) -> dict:
    """The claim's own fields for ``--json`` (the report carries the run)."""
    from ._claim import _jsonable

    return {"source": c.source, "statement": c.statement, "setting": _jsonable(dict(c.setting)),
            "tolerance_reason": c.tolerance_reason, "seeds": list(c.seeds), "seeds_reason": c.seeds_reason,
            "wrong_prediction": _jsonable(c.wrong), "slow": bool(c.slow)}


def _report_dict(report, claims) -> dict:
    from ._claim import report_as_dict

    out = report_as_dict(report)
    out["checks"] = [{**d, "passed": c.passed} for d, c in zip(out["checks"], report.checks)]
    if report.nontrivial is not None:
        out["nontrivial"]["holds"] = report.nontrivial.holds
    if report.claim in claims:
        out.update(_claim_dict(claims[report.claim]))
    return out


def _write_json(path: str, payload) -> None:
    # allow_nan=False: strict JSON (report_as_dict writes non-finite numbers as strings)
    text = json.dumps(payload, indent=2, allow_nan=False, ensure_ascii=False)
    try:
        Path(path).write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise _UserError(f"cannot write --json file {path!r}: {exc.strerror or exc}") from exc


_UNITS_LEGEND = ("units: abs = absolute, rel = relative, SE = standard errors (a z-score), count = mismatched "
                 "outcomes, rel res = relative residual, ×tol = the worst sub-check's error / its tolerance")


def _explain(c, args) -> int:
    print(f"{c.name}{'   [slow]' if c.slow else ''}")
    print(f"  statement:  {c.statement}")
    print(f"  source:     {c.source}")
    print("  setting:")
    for key, value in c.setting.items():
        print(f"    {key} = {_plain(value)}")
    print(f"  seeds:      {_plain(c.seeds)}   ({c.seeds_reason})")
    print(f"  tolerance:  {c.tolerance_reason}")
    w = c.wrong
    wrong = (["boolean outcomes negated"] if w.flip_outcomes else []) + \
        ([f"x -> x·(1 {'-' if w.relative < 0 else '+'} {_plain(abs(w.relative))})"] if w.relative else []) + \
        ([f"x -> x {'-' if w.absolute < 0 else '+'} {_plain(abs(w.absolute))}"] if w.absolute else [])
    print(f"  a wrong prediction it must catch: {'; '.join(wrong)}")
    if args.no_run:
        return 0
    report = c.check(seed=args.seed)
    print(f"\nrun at seed {args.seed} ({report.seconds:.2f} s): {'PASS' if report.passed else 'FAIL'}")
    if report.label:
        print(f"  compared:   {report.label}")
    print(f"  prediction: {_values(report.prediction)}")
    print(f"  observed:   {_values(report.observed)}")
    for chk in report.checks:
        print(f"  check {chk.name!r}: error {chk.error:.3g} {chk.unit}, tolerance {chk.tolerance:.3g} "
              f"-> {'ok' if chk.passed else 'FAIL'}")
    nt = report.nontrivial
    if nt is not None:
        print(f"  not vacuous: {nt.what} = {nt.value:.4g} (needs >= {nt.minimum:.4g}) "
              f"-> {'ok' if nt.holds else 'FAIL (vacuous setting)'}")
    if args.json:
        _write_json(args.json, [_report_dict(report, {c.name: c})])
    return 0 if report.passed else 1


def _cmd_verify(args) -> int:
    from ._claim import format_table, registry, run_all

    claims = registry(args.theory)
    if args.explain is not None:
        if args.explain not in claims:
            raise _unknown("claim", args.explain, claims, args.theory)
        return _explain(claims[args.explain], args)
    unknown = [n for n in args.names if n not in claims]
    if unknown:
        raise _unknown("claim", unknown, claims, args.theory)
    if args.list:
        for name, c in claims.items():
            print(f"{name:50s} {'slow ' if c.slow else '     '}{c.source}")
        return 0
    reports = run_all(theory=args.theory, names=args.names or None, seed=args.seed,
                      include_slow=not args.quick, verbose=False)
    print(format_table(reports))
    skipped = [n for n, c in claims.items() if c.missing() and (not args.names or n in args.names)
               and not (c.slow and args.quick)]
    if skipped:
        print(f"skipped {len(skipped)} claims whose packages are not installed: {', '.join(skipped)} "
              "(torch: pip install torch==2.13.0)")
    print(_UNITS_LEGEND)
    print("sources:")
    for r in reports:
        print(f"  {r.claim}: {claims[r.claim].source}")
    if args.json:
        _write_json(args.json, [_report_dict(r, claims) for r in reports])
        print(f"wrote {args.json}")
    return 0 if all(r.passed for r in reports) else 1


# --------------------------------------------------------------------------------------------
# phase-diagram


def _literal(text: str):
    """``--set`` values: a Python literal (``3``, ``0.5``, ``(6, 4)``, ``None``), else the text."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _axis(lo: float, hi: float, n: int, log: bool, which: str):
    import numpy as np

    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise _UserError(f"--{which}-range must be two finite numbers LO < HI; got {lo:g} {hi:g}")
    if log:
        if lo <= 0:
            raise _UserError(f"--log-{which} needs --{which}-range above 0; got LO = {lo:g}")
        return np.geomspace(lo, hi, n)
    return np.linspace(lo, hi, n)


def _phase_options(system: str) -> list[str]:
    """Keyword options of the system's phase-diagram function, except ``plot``."""
    import importlib

    compute = getattr(importlib.import_module(f"sims.{phase_theory(system)}"), f"{system}_phase_diagram")
    return [p for p in inspect.signature(compute).parameters if p != "plot"]


def _phase_kwargs(args) -> dict:
    options = [p for p in _phase_options(args.system) if p != "executor"]  # --workers/--scheduler set it
    kwargs = {}
    for item in args.set or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise _UserError(f"--set takes KEY=VALUE; got {item!r}")
        kwargs[key.strip()] = _literal(value.strip())
    for key in ("method", "x", "y"):
        if getattr(args, key) is not None:
            kwargs[key] = getattr(args, key)
    if args.grid is not None and (args.x_range is None or args.y_range is None):
        raise _UserError("--grid NX NY needs --x-range LO HI and --y-range LO HI "
                         "(without them each system uses its own default axes)")
    nx, ny = args.grid if args.grid is not None else (41, 41)
    if nx < 2 or ny < 2:
        raise _UserError(f"--grid needs at least 2 points per axis; got {nx} {ny}")
    if args.x_range is not None:
        kwargs["x_values"] = _axis(*args.x_range, nx, args.log_x, "x")
    if args.y_range is not None:
        kwargs["y_values"] = _axis(*args.y_range, ny, args.log_y, "y")
    bad = sorted(set(kwargs) - set(options))
    if bad:
        raise _UserError(f"phase-diagram {args.system} has no option{'s' if len(bad) > 1 else ''} "
                         f"{', '.join(bad)}; its options: {', '.join(options)} "
                         f"(see sims.{phase_theory(args.system)}.{args.system}_phase_diagram)")
    return kwargs


@contextlib.contextmanager
def _sweep_executor(args, accepts_executor: bool):
    """The executor a sweep command asked for (--workers N or --scheduler ADDRESS), else None.

    The command made it, so the command closes it: the pool is shut down, the client (not the
    scheduler it connected to) closed.
    """
    if args.workers is None and args.scheduler is None:
        yield None
        return
    if not accepts_executor:
        raise _UserError(f"phase-diagram {args.system} runs in this process only; "
                         "--workers and --scheduler do not apply")
    if args.workers is not None:
        import concurrent.futures
        import multiprocessing

        # never fork: numba's OpenMP threads may already run in this process (docs/cluster.md)
        pool = concurrent.futures.ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context("forkserver"))
        try:
            yield pool
        finally:
            pool.shutdown(cancel_futures=True)
        return
    try:
        import distributed
    except ImportError:
        raise _UserError("--scheduler needs dask's distributed package: pip install 'dltheory[distributed]'") from None
    try:
        client = distributed.Client(args.scheduler, timeout=args.connect_timeout)
    except OSError as exc:
        raise _UserError(f"--scheduler {args.scheduler}: no Dask scheduler answered ({exc})") from None
    try:
        yield client
    finally:
        client.close()


def _cmd_phase(args) -> int:
    _use_agg()
    import numpy as np

    from sims.phase import phase_diagram

    kwargs = _phase_kwargs(args)
    with _sweep_executor(args, "executor" in _phase_options(args.system)) as executor:
        if executor is not None:
            kwargs["executor"] = executor
        result = phase_diagram(args.system, save=args.output or True, outdir=args.outdir, **kwargs)
    labels, counts = np.unique(result.labels, return_counts=True)
    phases = ", ".join(f"{lab} {int(n)}" for lab, n in zip(labels.tolist(), counts))
    print(f"{args.system}: {result.labels.shape[1]} x {result.labels.shape[0]} cells "
          f"({result.x_name} x {result.y_name}); cells per phase: {phases}")
    print(f"wrote {result.saved_to}")
    return 0


# --------------------------------------------------------------------------------------------
# bench


def _cmd_bench(args) -> int:
    _use_agg()
    from sims.bench import run_from_args

    return run_from_args(args)


# --------------------------------------------------------------------------------------------


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dltheory")
    except PackageNotFoundError:  # a source tree that was never installed
        return "unknown (not installed)"


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1; got {text!r}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not value > 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a number > 0; got {text!r}")
    return value


def _add_executor_arguments(p) -> None:
    """--workers N / --scheduler ADDRESS: where a sweep command's tasks run (docs/cluster.md)."""
    group = p.add_mutually_exclusive_group()
    group.add_argument("--workers", type=_positive_int, metavar="N",
                       help="run the sweep's tasks on N local worker processes (forkserver), one numba "
                            "thread each; the result is the same as without it")
    group.add_argument("--scheduler", metavar="ADDRESS",
                       help="run the sweep's tasks on a running Dask scheduler (e.g. tcp://10.0.0.5:8786); "
                            "needs pip install 'dltheory[distributed]'")
    p.add_argument("--connect-timeout", type=_positive_float, default=30.0, metavar="SECONDS",
                   help="how long --scheduler waits for the scheduler to answer (default 30)")


def build_parser() -> argparse.ArgumentParser:
    """The ``dltheory`` argument parser (its errors print one line and exit with status 2).

    Returns
    -------
    argparse.ArgumentParser
    """
    parser = _Parser(prog="dltheory", description=_DESCRIPTION, epilog=_EPILOG,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"dltheory {_version()}")
    parser.add_argument("--traceback", action="store_true",
                        help="on an error, show the Python traceback instead of one line")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    theories = implemented_theories()

    p = sub.add_parser("verify", help="check the claims and print the table (--explain NAME: one claim)",
                       description="Check every registered claim (or the named ones) and print a table: "
                                   "claim, source, prediction, observed, error, tolerance and unit, pass. "
                                   "Exit status 0 if all pass, 1 if any fails, 2 for a mistake in the command.")
    p.add_argument("names", nargs="*", help="claim names (default: all; see --list)")
    p.add_argument("--theory", choices=theories, help=f"only this theory's claims ({', '.join(theories)})")
    p.add_argument("--seed", type=int, default=0, help="seed passed to every claim (default 0)")
    p.add_argument("--quick", action="store_true", help="skip claims marked slow")
    p.add_argument("--json", metavar="FILE", help="also write the reports (with each claim's statement, "
                                                  "source, tolerance and its reason, sub-checks) as JSON")
    p.add_argument("--list", action="store_true", help="list the registered claims and their sources")
    p.add_argument("--explain", metavar="NAME", help="print what claim NAME states and checks, then run it")
    p.add_argument("--no-run", action="store_true", help="with --explain: do not run the claim")
    p.set_defaults(func=_cmd_verify)

    p = sub.add_parser("figures", help="regenerate figures into figures/ and write manifest.json",
                       description="Regenerate the registered figures (all, or the named ones) and "
                                   "record them in <outdir>/manifest.json.")
    p.add_argument("names", nargs="*", help="figure names (default: all; see --list)")
    p.add_argument("--theory", choices=theories, help=f"only this theory's figures ({', '.join(theories)})")
    p.add_argument("--outdir", default="figures", help="output folder (default: figures)")
    p.add_argument("--format", default="png", choices=["png", "svg", "pdf"], help="file format (default: png)")
    p.add_argument("--list", action="store_true", help="list the registered figures")
    p.add_argument("--size", default="default", choices=["default", "paper"],
                   help="default: sizes that finish in minutes on a CPU; paper: the papers' sizes (the torch "
                        "bridge's experiments need a GPU), written as <name>_paper.<format>")
    p.set_defaults(func=_cmd_figures)

    systems = phase_systems()
    p = sub.add_parser("phase-diagram", help="compute a phase diagram and save its figure",
                       description="Compute a phase diagram (sims.phase_diagram) and save its figure to "
                                   "<outdir>/phase_<system>.png, or to --output; prints the path written. "
                                   "Options not listed here go through --set KEY=VALUE: see the docstring "
                                   "of sims.<theory>.<system>_phase_diagram.")
    p.add_argument("system", nargs="?", default=DEFAULT_PHASE_SYSTEM, choices=systems,
                   help=f"which system: {', '.join(systems)} (default: {DEFAULT_PHASE_SYSTEM})")
    p.add_argument("--method", help="how cells are computed (sgd_stability: analytic, qr, simulate)")
    p.add_argument("--x", metavar="NAME", help="horizontal axis (lazy_rich: delta; sgd_stability: lr)")
    p.add_argument("--y", metavar="NAME",
                   help="vertical axis (lazy_rich: scale, alignment; sgd_stability: noise, batch_size)")
    p.add_argument("--x-range", nargs=2, type=float, metavar=("LO", "HI"), help="horizontal axis range")
    p.add_argument("--y-range", nargs=2, type=float, metavar=("LO", "HI"), help="vertical axis range")
    p.add_argument("--grid", nargs=2, type=int, metavar=("NX", "NY"),
                   help="points per axis over --x-range and --y-range (default 41 41 when a range is given)")
    p.add_argument("--log-x", action="store_true", help="geometric spacing of the horizontal axis")
    p.add_argument("--log-y", action="store_true", help="geometric spacing of the vertical axis")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="any other option of the system's function, VALUE as a Python literal "
                        "(e.g. --set model=B --set noise=2.5); repeatable")
    p.add_argument("--outdir", default="figures", help="folder for phase_<system>.png (default: figures)")
    p.add_argument("--output", metavar="FILE", help="save the figure here instead (.png, .svg or .pdf)")
    _add_executor_arguments(p)
    p.set_defaults(func=_cmd_phase)

    from sims.bench import build_parser as bench_arguments

    p = sub.add_parser("bench", help="time the fast kernels against references measured in the same run",
                       description="Run the benchmarks (all, or by benchmark or theory name).")
    bench_arguments(p)
    p.set_defaults(func=_cmd_bench)
    return parser


def main(argv=None) -> int:
    """Run ``dltheory`` with ``argv`` (default ``sys.argv[1:]``) and return the exit status.

    Parameters
    ----------
    argv : list of str, optional

    Returns
    -------
    int
        0 success, 1 a claim failed, 2 a mistake in the command (printed as one line).
    """
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error already printed
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    try:
        status = args.func(args)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (``dltheory verify --list | head``). As the Python docs advise
        # (signal module, "Note on SIGPIPE"): point stdout at devnull so the flush at exit
        # does not raise again, and stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except _UserError as exc:
        if args.traceback:
            raise
        return _error(str(exc))
    except (ValueError, TypeError) as exc:  # validation at a public function's boundary
        if args.traceback:
            raise
        return _error(str(exc))
    return status


if __name__ == "__main__":
    sys.exit(main())

"""The ``dltheory`` command line: ``figures``, ``verify``, ``phase-diagram``, ``bench``.

It lives in proofs_check, the top layer, because it drives all three packages.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from theory.catalog import DEFAULT_PHASE_SYSTEM, implemented_theories, phase_systems


def _use_agg() -> None:
    import matplotlib

    matplotlib.use("Agg")


def _cmd_figures(args) -> int:
    _use_agg()
    from sims.figures import figure_registry, generate_figures

    if args.list:
        for name, spec in figure_registry(args.theory).items():
            print(f"{name:40s} {spec.theory:14s} {spec.description}")
        return 0
    names = args.names or list(figure_registry(args.theory))
    written = generate_figures(names, outdir=args.outdir, fmt=args.format)
    for name, path in written.items():
        print(f"wrote {path}")
    print(f"{len(written)} figures, manifest at {Path(args.outdir) / 'manifest.json'}")
    return 0


def _cmd_verify(args) -> int:
    from ._claim import registry, report_as_dict, run_all

    if args.list:
        for name, c in registry(args.theory).items():
            print(f"{name:50s} {c.source}")
        return 0
    reports = run_all(theory=args.theory, names=args.names or None, seed=args.seed,
                      include_slow=not args.quick)
    if args.json:
        Path(args.json).write_text(json.dumps([report_as_dict(r) for r in reports], indent=2))
    return 0 if all(r.passed for r in reports) else 1


def _cmd_phase(args) -> int:
    _use_agg()
    from sims.phase import phase_diagram

    result = phase_diagram(args.system, save=args.output or True)
    counts = {str(k): int(v) for k, v in zip(*__import__("numpy").unique(result.labels, return_counts=True))}
    print(f"{args.system}: {result.labels.shape[1]} x {result.labels.shape[0]} cells "
          f"({result.x_name} x {result.y_name}); phases {counts}")
    return 0


def _cmd_bench(args) -> int:
    _use_agg()
    from sims.bench import run_from_args

    return run_from_args(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dltheory", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("figures", help="regenerate figures into figures/ and write manifest.json")
    p.add_argument("names", nargs="*", help="figure names (default: all)")
    p.add_argument("--theory", choices=implemented_theories(), help="only this theory's figures")
    p.add_argument("--outdir", default="figures")
    p.add_argument("--format", default="png", choices=["png", "svg", "pdf"])
    p.add_argument("--list", action="store_true", help="list the registered figures")
    p.set_defaults(func=_cmd_figures)

    p = sub.add_parser("verify", help="check every registered claim and print the table")
    p.add_argument("names", nargs="*", help="claim names (default: all)")
    p.add_argument("--theory", choices=implemented_theories(), help="only this theory's claims")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="skip claims marked slow")
    p.add_argument("--json", help="also write the reports as JSON to this file")
    p.add_argument("--list", action="store_true", help="list the registered claims")
    p.set_defaults(func=_cmd_verify)

    p = sub.add_parser("phase-diagram", help="compute a phase diagram and save its figure")
    p.add_argument("system", nargs="?", default=DEFAULT_PHASE_SYSTEM, choices=phase_systems(),
                   help=f"which system (default: {DEFAULT_PHASE_SYSTEM})")
    p.add_argument("--output", help="where to save the figure (default figures/phase_<system>.png)")
    p.set_defaults(func=_cmd_phase)

    from sims.bench import build_parser as bench_arguments

    p = sub.add_parser("bench", help="run the benchmarks (speed-ups against references measured in the same run)")
    bench_arguments(p)
    p.set_defaults(func=_cmd_bench)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

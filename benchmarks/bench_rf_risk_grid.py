"""Thin wrapper: ``dltheory bench rf_risk.grid`` (the benchmark lives in sims/rf_risk/_bench.py).

Usage: python benchmarks/bench_rf_risk_grid.py [--quick]
"""

import sys

from sims.bench import main

if __name__ == "__main__":
    sys.exit(main(["rf_risk.grid", *sys.argv[1:]]))

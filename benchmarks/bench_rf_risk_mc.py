"""Thin wrapper: ``dltheory bench rf_risk.monte_carlo`` (the benchmark lives in sims/rf_risk/_bench.py).

Usage: python benchmarks/bench_rf_risk_mc.py [--quick]
"""

import sys

from sims.bench import main

if __name__ == "__main__":
    sys.exit(main(["rf_risk.monte_carlo", *sys.argv[1:]]))

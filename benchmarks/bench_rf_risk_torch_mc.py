"""Thin wrapper: ``dltheory bench rf_risk.torch_mc`` (the benchmark lives in sims/rf_risk/_bench.py; needs torch).

Usage: python benchmarks/bench_rf_risk_torch_mc.py [--quick]
"""

import sys

from sims.bench import main

if __name__ == "__main__":
    sys.exit(main(["rf_risk.torch_mc", *sys.argv[1:]]))

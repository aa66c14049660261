"""Thin wrapper: ``dltheory bench sgd_stability.sgd`` (the benchmark lives in sims/sgd_stability/_bench.py).

Usage: python benchmarks/bench_sgd_stability.py [--quick]
"""

import sys

from sims.bench import main

if __name__ == "__main__":
    sys.exit(main(["sgd_stability.sgd", *sys.argv[1:]]))

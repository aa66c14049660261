"""Thin wrapper: ``dltheory bench ntp.gradient_descent`` (the benchmark lives in sims/ntp/_bench.py).

Usage: python benchmarks/bench_ntp_gd.py [--quick]
"""

import sys

from sims.bench import main

if __name__ == "__main__":
    sys.exit(main(["ntp.gradient_descent", *sys.argv[1:]]))

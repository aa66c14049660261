"""Thin wrapper: ``dltheory bench ntp.max_margin`` (the benchmark lives in sims/ntp/_bench.py).

Usage: python benchmarks/bench_ntp_max_margin.py [--quick]
"""

import sys

from sims.bench import main

if __name__ == "__main__":
    sys.exit(main(["ntp.max_margin", *sys.argv[1:]]))

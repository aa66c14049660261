"""Thin wrapper: ``dltheory bench lazy_rich.exact`` (the benchmark lives in sims/lazy_rich/_bench.py).

Usage: python benchmarks/bench_lazy_rich_exact.py [--quick]
"""

import sys

from sims.bench import main

if __name__ == "__main__":
    sys.exit(main(["lazy_rich.exact", *sys.argv[1:]]))

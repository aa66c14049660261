"""Thin wrapper: ``dltheory bench lazy_rich.gd`` (the benchmark lives in sims/lazy_rich/_bench.py).

Usage: python benchmarks/bench_lazy_rich_gd.py [--quick]
"""

import sys

from sims.bench import main

if __name__ == "__main__":
    sys.exit(main(["lazy_rich.gd", *sys.argv[1:]]))

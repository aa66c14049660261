"""Thin wrapper: ``dltheory bench ntp.torch_vocab`` (the benchmark lives in sims/ntp/_bench.py; needs torch).

Usage: python benchmarks/bench_ntp_torch_vocab.py [--quick]
"""

import sys

from sims.bench import main

if __name__ == "__main__":
    sys.exit(main(["ntp.torch_vocab", *sys.argv[1:]]))

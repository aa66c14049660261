"""The per-chain random streams shared by every stochastic kernel (``sims._rng``).

Oracles: the NumPy twin of the generator (bit-identical draws), the standard normal law (tail
mass beyond the ziggurat's base strip), independence of the sign/normal pair, and distinct
streams per chain and seed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from sims import _rng
from sims.testing import draw_kernel


@pytest.mark.parametrize("kind", ["bits", "uniform", "rademacher", "normal", "pair_sign", "pair_normal"])
def test_numpy_streams_are_bit_identical_to_numba(kind):
    got = draw_kernel(kind, 11, 40, 3000)
    ns = _rng.NumpyStreams(_rng.seed_streams(11, 40))
    draw = {
        "bits": lambda: (ns.next_u64() >> np.uint64(11)).astype(np.float64),
        "uniform": ns.uniform,
        "rademacher": ns.rademacher,
        "normal": ns.normal,
        "pair_sign": lambda: ns.sign_normal()[0],
        "pair_normal": lambda: ns.sign_normal()[1],
    }[kind]
    want = np.stack([draw() for _ in range(3000)], axis=1)
    np.testing.assert_array_equal(got, want)


@pytest.mark.slow
def test_ziggurat_is_standard_normal():
    # 2e6 draws: KS and χ² (100 equiprobable bins) at level 1e-3, tail mass beyond the
    # ziggurat's R (exercises the tail path) within 4 binomial SE, for every seed 0..2
    for seed in range(3):
        z = draw_kernel("normal", seed, 4, 500_000).ravel()
        assert stats.kstest(z, "norm").pvalue > 1e-3
        counts = np.bincount((stats.norm.cdf(z) * 100).astype(int), minlength=100)
        assert stats.chisquare(counts).pvalue > 1e-3
        p = 2 * stats.norm.sf(_rng.ZIG_X[1])
        assert abs(np.mean(np.abs(z) > _rng.ZIG_X[1]) - p) < 4 * math.sqrt(p / z.size)


def test_sign_normal_pair_is_independent():
    s = draw_kernel("pair_sign", 3, 4, 250_000).ravel()
    z = draw_kernel("pair_normal", 3, 4, 250_000).ravel()
    se = 1 / math.sqrt(s.size)                       # sd of a sample correlation under independence
    assert set(np.unique(s)) == {-1.0, 1.0} and abs(s.mean()) < 4 * se
    for g in (z, np.abs(z), z**2, (np.abs(z) > 2.0).astype(float)):
        assert abs(np.corrcoef(s, g)[0, 1]) < 4 * se


def test_streams_differ_between_chains_and_seeds():
    a = _rng.seed_streams(0, 1000)
    b = _rng.seed_streams(1, 1000)
    assert np.unique(a[0]).size == 1000 and not np.any(a[0] == b[0])
    assert not np.any(np.all(a == 0, axis=0))
    np.testing.assert_array_equal(_rng.seed_streams(0, 10), a[:, :10])     # prefix-stable

"""Tests of the NTP data builders and the validator (theory.ntp._data; docs/ntp.md#autoregressive-contexts)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from theory.ntp import NTPData, as_data, as_support, from_sequences, random_instance, toy_instance

H3 = np.eye(3)[:2]                     # (d, m) = (2, 3)
P3 = np.array([[0.5, 0.0, 1.0], [0.5, 0.2, 0.0], [0.0, 0.8, 0.0]])
PI3 = np.array([0.2, 0.3, 0.5])


def test_as_data_returns_validated_copies():
    data = as_data(H3, P3, PI3)
    assert isinstance(data, NTPData)
    assert (data.V, data.d, data.m) == (3, 2, 3)
    assert data.support_sizes.tolist() == [2, 2, 1]
    assert np.array_equal(data.support, P3 > 0)
    assert data.H is not H3


def test_as_data_rescales_within_tolerance():
    P = P3.copy()
    P[0, 0] += 5e-10                      # column sum 1 + 5e-10: accepted, rescaled
    data = as_data(H3, P, PI3 * (1 + 5e-10))
    # one division per entry: sums are 1 to a few eps
    assert np.allclose(data.P.sum(0), 1, rtol=0, atol=4e-16)
    assert abs(data.pi.sum() - 1) <= 4e-16


@pytest.mark.parametrize("args, pattern", [
    ((np.ones(3), P3, PI3), r"^H must have ndim"),
    ((H3, P3[:, :2], PI3), r"^P must have m = 3 columns"),
    ((H3, P3 * 1.1, PI3), r"^P: every column must sum to 1"),
    ((H3, np.where(P3 == 0.2, -0.2, P3) + np.where(P3 == 0.8, 0.4, 0), PI3), r"^P must be >= 0"),
    ((H3, np.where(P3 == 0.2, np.nan, P3), PI3), r"^P must be finite"),
    ((np.full((2, 3), np.inf), P3, PI3), r"^H must be finite"),
    ((H3, P3, [0.5, 0.5, 0.0]), r"^pi must be > 0"),
    ((H3, P3, [0.5, 0.5, 0.1]), r"^pi must sum to 1"),
    ((H3, P3, [0.5, 0.5]), r"^pi must have length m = 3"),
])
def test_as_data_rejects_bad_input(args, pattern):
    with pytest.raises(ValueError, match=pattern):
        as_data(*args)


def test_as_data_support_must_equal_p_positive():
    S = P3 > 0
    assert np.array_equal(as_data(H3, P3, PI3, support=S).support, S)
    bad = S.copy()
    bad[2, 0] = True
    with pytest.raises(ValueError, match=r"support disagrees with P at \(2, 0\)"):
        as_data(H3, P3, PI3, support=bad)
    with pytest.raises(ValueError, match=r"^support must have the shape of P"):
        as_data(H3, P3, PI3, support=S[:2])


def test_as_support():
    S = as_support([[1, 0], [0, 1]], m=2)
    assert S.dtype == bool and S.tolist() == [[True, False], [False, True]]
    with pytest.raises(ValueError, match=r"^support must have a non-empty column .* column 1 is empty"):
        as_support([[True, False], [True, False]])
    with pytest.raises(ValueError, match=r"^support must have m = 3 columns"):
        as_support(np.ones((2, 2), bool), m=3)
    with pytest.raises(ValueError, match=r"^support must be boolean"):
        as_support([[0.5, 1.0]])


# ------------------------------------------------------------------------------------------------
# from_sequences (App. C)


def test_from_sequences_hand_example():
    seqs = [[0, 1, 2, 1], [0, 1, 0], [2, 2]]
    # pairs: (0)->1, (0,1)->2, (0,1,2)->1, (0)->1, (0,1)->0, (2)->2: N = 6
    table = from_sequences(seqs)
    assert table.contexts == [(0,), (2,), (0, 1), (0, 1, 2)]
    assert table.lengths.tolist() == [1, 1, 2, 3]
    assert table.pi.tolist() == [2 / 6, 1 / 6, 2 / 6, 1 / 6]
    assert table.P[:, 2].tolist() == [0.5, 0.0, 0.5]
    assert table.counts.sum() == 6 and table.vocab_size == 3
    assert table.entropy_by_length == {1: 0.0, 2: pytest.approx(np.log(2), rel=1e-15), 3: 0.0}
    data = table.data(np.ones((2, 4)))
    assert data.m == 4 and np.array_equal(data.support, table.support)


def test_from_sequences_validation():
    with pytest.raises(ValueError, match=r"sequences\[0\]\[1\] must be a non-negative integer"):
        from_sequences([[0, -1]])
    with pytest.raises(ValueError, match=r"vocab_size must exceed every token"):
        from_sequences([[0, 3]], vocab_size=3)
    with pytest.raises(ValueError, match=r"length >= 2"):
        from_sequences([[0], [1]])
    with pytest.raises(ValueError, match=r"^sequences must be a list"):
        from_sequences("0123")
    assert from_sequences([[0, 1]], vocab_size=5).P.shape == (5, 1)


def _cyclic_windows(rng, V, N, T, order):
    """All N cyclic windows of length T of one sample path of a random order-`order` Markov source."""
    trans = rng.dirichlet(np.full(V, 0.3), size=(V,) * order)
    path = list(rng.integers(V, size=order))
    while len(path) < N:
        path.append(int(rng.choice(V, p=trans[tuple(path[-order:])])))
    return [[path[(i + k) % N] for k in range(T)] for i in range(N)]


@settings(deadline=None, max_examples=25)
@given(seed=st.integers(0, 10**6), V=st.integers(2, 4), T=st.integers(3, 6), order=st.integers(1, 2))
def test_entropy_by_length_non_increasing_for_shift_invariant_data(seed, V, T, order):
    # Every cyclic window of one path: the empirical law of (x_1..x_T) is shift-invariant, so
    # H_{t+1} = H(x_{t+2}|x_{1:t+1}) <= H(x_{t+2}|x_{2:t+1}) = H(x_{t+1}|x_{1:t}) = H_t exactly
    # (conditioning reduces entropy, for the empirical law too). Rounding: sums of N = 60 terms.
    seqs = _cyclic_windows(np.random.default_rng(seed), V, 60, T, order)
    h = from_sequences(seqs, vocab_size=V).entropy_by_length
    assert sorted(h) == list(range(1, T))
    for t in range(1, T - 1):
        assert h[t + 1] <= h[t] + 1e-13


def test_entropy_by_length_can_increase_without_shift_invariance():
    # prefixes of sequences that all start with token 0: H_1 = H(x_2 | x_1 = 0) = 0 but x_3 is
    # uniform given (0, x_2), so H_2 = log 2 > H_1: the monotonicity is not a theorem for prefixes
    h = from_sequences([[0, 1, 0], [0, 1, 1]]).entropy_by_length
    assert h[1] == 0.0 and h[2] == pytest.approx(np.log(2))


# ------------------------------------------------------------------------------------------------
# random_instance and toy_instance


@settings(deadline=None, max_examples=30)
@given(seed=st.integers(0, 2**32), V=st.integers(2, 9), m=st.integers(1, 6), d=st.integers(1, 7),
       data=st.data())
def test_random_instance_controls_supports(seed, V, m, d, data):
    size = data.draw(st.integers(1, V))
    inst = random_instance(V, m, d, size, seed=seed)
    assert (inst.V, inst.m, inst.d) == (V, m, d)
    assert np.all(inst.support_sizes == size)
    assert np.array_equal(inst.support, inst.P > 0)
    again = random_instance(V, m, d, size, seed=seed)
    assert np.array_equal(again.P, inst.P) and np.array_equal(again.H, inst.H)


def test_random_instance_embeddings():
    orth = random_instance(6, 4, 5, 2, embeddings="orthonormal", seed=1)
    assert np.allclose(orth.H.T @ orth.H, np.eye(4), atol=1e-14)        # Householder QR: O(eps)
    ident = random_instance(6, 4, 5, 2, embeddings="identical", seed=1)
    assert np.all(ident.H == ident.H[:, :1])
    col = random_instance(6, 4, 5, 2, embeddings="collinear", seed=1)
    assert np.linalg.matrix_rank(col.H) == 1
    ratios = col.H[0] / col.H[0, 0]
    assert np.all((np.abs(ratios) >= 0.5) & (np.abs(ratios) <= 2))
    sizes = random_instance(6, 3, 2, np.array([1, 3, 6]), seed=2).support_sizes
    assert sizes.tolist() == [1, 3, 6]


def test_random_instance_multinomial_frequencies():
    inst = random_instance(10, 50, 60, 6, seed=0, n=5000)
    counts = inst.pi * 5000
    assert np.allclose(counts, np.round(counts), atol=1e-9) and counts.min() >= 1
    assert np.allclose(random_instance(4, 3, 2, 2).pi, 1 / 3)


@pytest.mark.parametrize("kwargs, pattern", [
    (dict(V=4, m=3, d=2, support_size=5), r"^support_size must be in 1..V = 4"),
    (dict(V=4, m=3, d=2, support_size=0), r"^support_size must be in 1..V"),
    (dict(V=4, m=3, d=2, support_size=np.array([1, 2])), r"^support_size must be an integer or"),
    (dict(V=4, m=3, d=2, support_size=2, embeddings="orthonormal"), r"needs d >= m"),
    (dict(V=4, m=3, d=2, support_size=2, embeddings="uniform"), r"^embeddings must be one of"),
    (dict(V=4, m=3, d=2, support_size=2, n=2), r"^n must be an integer >= 3"),
    (dict(V=4, m=3, d=2, support_size=2, concentration=0.0), r"^concentration must be > 0"),
    (dict(V=4, m=3.0, d=2, support_size=2), r"^m must be an integer"),
    (dict(V=40, m=30, d=2, support_size=40, concentration=1e-4, seed=3), r"^concentration = .* too small"),
])
def test_random_instance_rejects_bad_input(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        random_instance(**kwargs)


def test_toy_instance_matches_the_paper_supports():
    toy = toy_instance()
    assert (toy.d, toy.m, toy.V) == (2, 3, 5)
    # paper (1-based): A = {2,3,4}, B = {1,2,5}, C = {1,4,5}; code is 0-based
    supports = [set(np.flatnonzero(toy.support[:, j]).tolist()) for j in range(3)]
    assert supports == [{1, 2, 3}, {0, 1, 4}, {0, 3, 4}]
    assert np.allclose(np.linalg.norm(toy.H, axis=0), 1, atol=1e-15)
    # word 3 (paper) follows only A; words 1 and 5 (paper) share their support pattern
    assert toy.support[2].tolist() == [True, False, False]
    assert np.array_equal(toy.support[0], toy.support[4])

r"""Next-token-prediction data: the validated compact form $(\bar H, P, \hat\pi, S)$ and its builders.

Thrampoulidis (2024), §2: $n$ training pairs (context, next token) reduce to $m$ distinct contexts
with embeddings $\bar h_j$ (columns of ``H``, $d \times m$), frequencies $\hat\pi_j$ (``pi``), next-token
distributions $\hat p_j$ (columns of ``P``, $V \times m$) and supports $S_j = \{z : \hat p_{j,z} > 0\}$
(``support``, boolean $V \times m$). :func:`as_data` is the one validator every layer calls;
:func:`from_sequences` builds the table of every prefix length (App. C, the autoregressive
extension); :func:`random_instance` and :func:`toy_instance` build synthetic data.
Derivations: docs/ntp.md#the-model-and-the-entropy-bound and docs/ntp.md#autoregressive-contexts.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from ..summary import compact_repr
from ..validate import (
    MAX_ENTRIES,
    as_choice,
    as_count,
    as_finite_array,
    as_positive_scalar,
    as_seed,
    check_work,
    format_value,
)

__all__ = ["NTPData", "NTPTable", "as_data", "as_support", "from_sequences", "random_instance", "toy_instance"]

_SUM_TOL = 1e-9        # |Σ p - 1| and |Σ π - 1| allowed before rescaling (NTP_API: 1e-9)
_EMBEDDINGS = ("gaussian", "orthonormal", "identical", "collinear")


@compact_repr
@dataclass(frozen=True)
class NTPData:
    r"""Compact next-token-prediction data $\{(\bar h_j, \hat\pi_j, \hat p_j)\}_{j=1}^m$ (Thrampoulidis 2024, §2).

    Build it with :func:`as_data` (which validates); the fields are float64 / bool arrays.

    Attributes
    ----------
    H : numpy.ndarray, shape (d, m)
        Context embeddings $\bar h_j$, one column per distinct context.
    P : numpy.ndarray, shape (V, m)
        Column $j$ is the next-token distribution $\hat p_j$ (columns sum to one).
    pi : numpy.ndarray, shape (m,)
        Context frequencies $\hat\pi_j > 0$, summing to one.
    support : numpy.ndarray of bool, shape (V, m)
        $S_{z,j} = [\hat p_{j,z} > 0]$.
    """

    H: np.ndarray
    P: np.ndarray
    pi: np.ndarray
    support: np.ndarray

    @property
    def V(self) -> int:
        """Vocabulary size."""
        return int(self.P.shape[0])

    @property
    def d(self) -> int:
        """Embedding dimension."""
        return int(self.H.shape[0])

    @property
    def m(self) -> int:
        """Number of distinct contexts."""
        return int(self.H.shape[1])

    @property
    def support_sizes(self) -> np.ndarray:
        r"""Support sizes $S_j = |\{z : \hat p_{j,z} > 0\}|$, shape (m,), int."""
        return self.support.sum(axis=0).astype(np.int64)


def _as_bool_matrix(x, name: str) -> np.ndarray:
    """A 2-D array of booleans (bool dtype, or numbers equal to 0 or 1)."""
    if x is None or isinstance(x, (str, bytes)):
        raise ValueError(f"{name} must be a 2-D boolean array; got {type(x).__name__}")
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a 2-D boolean array; got {type(x).__name__}") from exc
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D boolean array (V, m); got shape {arr.shape}")
    if arr.dtype != bool:
        if arr.dtype.kind not in "iuf" or not np.all((arr == 0) | (arr == 1)):
            raise ValueError(f"{name} must be boolean (or 0/1 numbers); got dtype {arr.dtype}")
        arr = arr.astype(bool)
    return arr


def as_support(support, m=None) -> np.ndarray:
    r"""Validate a support matrix $S \in \{0,1\}^{V\times m}$: boolean, every column non-empty.

    Parameters
    ----------
    support : array_like of bool, shape (V, m)
        ``support[z, j]`` is True iff token $z$ can follow context $j$ ($z \in S_j$); 0/1 numbers
        are accepted.
    m : int, optional
        Required number of columns (contexts).

    Returns
    -------
    numpy.ndarray of bool, shape (V, m)
        A fresh boolean copy.
    """
    S = _as_bool_matrix(support, "support").copy()
    V, cols = S.shape
    if V < 1 or cols < 1:
        raise ValueError(f"support must have at least one token and one context; got shape {S.shape}")
    if m is not None and cols != m:
        raise ValueError(f"support must have m = {m} columns (one per context); got shape {S.shape}")
    empty = np.flatnonzero(~S.any(axis=0))
    if empty.size:
        raise ValueError(f"support must have a non-empty column for every context; column {int(empty[0])} is empty")
    return S


def _as_distributions(P, name: str = "P") -> np.ndarray:
    """P (V, m): finite, >= 0, columns summing to 1 within 1e-9; returned rescaled to sum 1."""
    P = as_finite_array(P, name, ndim=2)
    if P.shape[0] < 1 or P.shape[1] < 1:
        raise ValueError(f"{name} must have at least one token and one context; got shape {P.shape}")
    if np.any(P < 0):
        z, j = np.argwhere(P < 0)[0]
        raise ValueError(f"{name} must be >= 0 (probabilities); got {format_value(P[z, j])} at ({int(z)}, {int(j)})")
    sums = P.sum(axis=0)
    bad = np.flatnonzero(np.abs(sums - 1.0) > _SUM_TOL)
    if bad.size:
        raise ValueError(f"{name}: every column must sum to 1 (within {_SUM_TOL:g}); column {int(bad[0])} "
                         f"sums to {format_value(sums[bad[0]])}")
    return P / sums


def _as_frequencies(pi, m: int | None) -> np.ndarray:
    """pi (m,): finite, > 0, summing to 1 within 1e-9; returned rescaled to sum 1."""
    pi = as_finite_array(pi, "pi", ndim=1)
    if m is not None and pi.shape[0] != m:
        raise ValueError(f"pi must have length m = {m} (one frequency per context); got length {pi.shape[0]}")
    if pi.size < 1:
        raise ValueError("pi must have at least one context")
    if np.any(pi <= 0):
        j = int(np.flatnonzero(pi <= 0)[0])
        raise ValueError(f"pi must be > 0 (every distinct context occurs); got {format_value(pi[j])} at {j}")
    total = float(pi.sum())
    if abs(total - 1.0) > _SUM_TOL:
        raise ValueError(f"pi must sum to 1 (within {_SUM_TOL:g}); got {format_value(total)}")
    return pi / total


def as_data(H, P, pi, support=None) -> NTPData:
    r"""Validate next-token-prediction data and return it as :class:`NTPData`.

    Thrampoulidis (2024), §2: embeddings $\bar H = [\bar h_1 \dots \bar h_m]$, next-token
    distributions $P = [\hat p_1 \dots \hat p_m]$, frequencies $\hat\pi$ and supports
    $S_j = \{z : \hat p_{j,z} > 0\}$. Columns of ``P`` and ``pi`` may be off by $10^{-9}$ from
    summing to one; they are rescaled to sum to one (so every layer uses the same numbers).

    Parameters
    ----------
    H : array_like, shape (d, m)
        Context embeddings, finite.
    P : array_like, shape (V, m)
        Next-token distributions: finite, $\ge 0$, each column sums to 1 within $10^{-9}$.
    pi : array_like, shape (m,)
        Context frequencies: finite, $> 0$, summing to 1 within $10^{-9}$.
    support : array_like of bool, shape (V, m), optional
        Must equal ``P > 0`` when given (it documents the supports; it cannot change them).

    Returns
    -------
    NTPData
        Validated float64 copies, ``P`` and ``pi`` rescaled to sum to one.
    """
    H = as_finite_array(H, "H", ndim=2)
    if H.shape[0] < 1 or H.shape[1] < 1:
        raise ValueError(f"H must have d >= 1 rows and m >= 1 columns (contexts); got shape {H.shape}")
    m = H.shape[1]
    P = _as_distributions(P)
    if P.shape[1] != m:
        raise ValueError(f"P must have m = {m} columns (one per context, as H); got shape {P.shape}")
    pi = _as_frequencies(pi, m)
    positive = P > 0
    if support is not None:
        S = _as_bool_matrix(support, "support")
        if S.shape != P.shape:
            raise ValueError(f"support must have the shape of P {P.shape}; got {S.shape}")
        diff = np.argwhere(S != positive)
        if diff.size:
            z, j = (int(i) for i in diff[0])
            raise ValueError(f"support disagrees with P at ({z}, {j}): support is {bool(S[z, j])} "
                             f"but P[{z}, {j}] = {format_value(P[z, j])} (support must equal P > 0)")
    return NTPData(H=H.copy(), P=P, pi=pi, support=positive)


# ------------------------------------------------------------------------------------------------
# autoregressive tables from token sequences (App. C)


@compact_repr
@dataclass(frozen=True)
class NTPTable:
    r"""Distinct prefix contexts of token sequences (Thrampoulidis 2024, App. C).

    Every prefix $x_{1:t}$, $t = 1, \dots, T-1$, of every sequence is a context whose next token is
    $x_{t+1}$; all $N$ (prefix, next token) pairs of all lengths form one training set.

    Attributes
    ----------
    contexts : list of tuple of int
        The $m$ distinct prefixes, sorted by length, then lexicographically.
    lengths : numpy.ndarray of int, shape (m,)
        Length $t$ of each context.
    pi : numpy.ndarray, shape (m,)
        $\hat\pi_j$ = (pairs with context $j$) / $N$.
    P : numpy.ndarray, shape (V, m)
        Empirical next-token distributions.
    support : numpy.ndarray of bool, shape (V, m)
        ``P > 0``.
    counts : numpy.ndarray of int, shape (V, m)
        Number of pairs (context $j$, next token $z$).
    entropy_by_length : dict of int to float
        $\mathcal H_t$: conditional entropy (nats) of the next token given a context of length
        $t$, under the empirical distribution of the length-$t$ pairs:
        $\mathcal H_t = -\sum_{j: t_j = t} \frac{\hat\pi_j}{\sum_{i: t_i = t}\hat\pi_i}
        \sum_z \hat p_{j,z}\log\hat p_{j,z}$.
    vocab_size : int
        $V$.
    """

    contexts: list
    lengths: np.ndarray
    pi: np.ndarray
    P: np.ndarray
    support: np.ndarray
    counts: np.ndarray
    entropy_by_length: dict
    vocab_size: int

    def data(self, H) -> NTPData:
        """The table as :class:`NTPData` with the given context embeddings.

        Parameters
        ----------
        H : array_like, shape (d, m)
            One embedding column per context, in the order of ``contexts``.

        Returns
        -------
        NTPData
        """
        return as_data(H, self.P, self.pi)


def _as_token_sequences(sequences, vocab_size):
    if sequences is None or isinstance(sequences, (str, bytes)) or isinstance(sequences, np.ndarray) and sequences.ndim == 0:
        raise ValueError(f"sequences must be a list of token sequences (lists of non-negative ints); got "
                         f"{type(sequences).__name__}")
    try:
        seqs = [list(s) for s in sequences]
    except TypeError as exc:
        raise ValueError("sequences must be a list of token sequences (lists of non-negative ints)") from exc
    total = sum(len(s) for s in seqs)
    check_work(sum(len(s) * (len(s) - 1) // 2 for s in seqs), "sum over sequences of T(T-1)/2 (prefix tokens stored)",
               maximum=MAX_ENTRIES, why="the prefix table would not fit in memory")
    out = []
    for i, s in enumerate(seqs):
        toks = []
        for k, x in enumerate(s):
            if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Integral) or int(x) < 0:
                raise ValueError(f"sequences[{i}][{k}] must be a non-negative integer token; got {format_value(x)}")
            toks.append(int(x))
        out.append(tuple(toks))
    largest = max((max(s) for s in out if s), default=-1)
    if vocab_size is None:
        V = largest + 1
    else:
        V = as_count(vocab_size, "vocab_size")
        if largest >= V:
            raise ValueError(f"vocab_size must exceed every token; got vocab_size = {V} but token {largest} occurs")
    if total == 0 or V < 1:
        raise ValueError("sequences must contain at least one token")
    return out, V


def from_sequences(sequences, vocab_size=None) -> NTPTable:
    r"""The (prefix context, next token) table of token sequences, every prefix length (App. C).

    Thrampoulidis (2024), App. C: each prefix $x_{1:t}$ ($t = 1, \dots, T-1$) of each sequence is a
    context with next token $x_{t+1}$; the loss is the same cross-entropy over all
    $N = \sum_i (T_i - 1)$ pairs, so $\hat\pi_j$ = (pairs with context $j$)/$N$ and
    $\hat p_{j,z}$ = (pairs $(j, z)$)/(pairs with context $j$). Contexts of different lengths are
    different contexts.

    Parameters
    ----------
    sequences : iterable of sequences of int
        Token sequences, tokens in $\{0, \dots, V-1\}$; sequences shorter than 2 add no pair.
    vocab_size : int, optional
        $V$; default one more than the largest token.

    Returns
    -------
    NTPTable
        Contexts sorted by (length, tokens); ``entropy_by_length[t]`` is the conditional entropy
        $\mathcal H_t$ of the next token given the length-$t$ prefix (docs/ntp.md#autoregressive-contexts).
    """
    seqs, V = _as_token_sequences(sequences, vocab_size)
    table: dict[tuple, dict[int, int]] = {}
    for s in seqs:
        for t in range(1, len(s)):
            nxt = table.setdefault(s[:t], {})
            nxt[s[t]] = nxt.get(s[t], 0) + 1
    if not table:
        raise ValueError("sequences must contain a sequence of length >= 2 (no (context, next token) pair otherwise)")
    contexts = sorted(table, key=lambda c: (len(c), c))
    m = len(contexts)
    check_work(V * m, "vocab_size * (distinct contexts)", maximum=MAX_ENTRIES, why="P would not fit in memory")
    counts = np.zeros((V, m), dtype=np.int64)
    for j, c in enumerate(contexts):
        for z, k in table[c].items():
            counts[z, j] = k
    per_context = counts.sum(axis=0)
    N = int(per_context.sum())
    pi = per_context / N
    P = counts / per_context
    lengths = np.array([len(c) for c in contexts], dtype=np.int64)
    plogp = np.where(counts > 0, P * np.log(np.where(counts > 0, P, 1.0)), 0.0)
    h = -plogp.sum(axis=0)
    entropy_by_length = {}
    for t in np.unique(lengths):
        sel = lengths == t
        entropy_by_length[int(t)] = float(np.dot(per_context[sel], h[sel]) / per_context[sel].sum()) + 0.0  # no -0.0
    return NTPTable(contexts=contexts, lengths=lengths, pi=pi, P=P, support=counts > 0, counts=counts,
                    entropy_by_length=entropy_by_length, vocab_size=V)


# ------------------------------------------------------------------------------------------------
# synthetic instances


def _support_sizes(support_size, V: int, m: int) -> np.ndarray:
    if isinstance(support_size, numbers.Integral) and not isinstance(support_size, (bool, np.bool_)):
        sizes = np.full(m, int(support_size), dtype=np.int64)
    else:
        arr = np.asarray(support_size)
        if arr.shape != (m,) or arr.dtype.kind not in "iu":
            raise ValueError(f"support_size must be an integer or an integer array of shape (m,) = ({m},); "
                             f"got {format_value(support_size)}")
        sizes = arr.astype(np.int64)
    if np.any(sizes < 1) or np.any(sizes > V):
        raise ValueError(f"support_size must be in 1..V = {V}; got {format_value(int(sizes[(sizes < 1) | (sizes > V)][0]))}")
    return sizes


def _dirichlet_log(rng, alpha: float, k: int) -> np.ndarray:
    """log of a Dirichlet(alpha,...,alpha) draw on k points, in log space (no underflow of Gamma draws).

    G ~ Gamma(alpha) is G' U^(1/alpha) with G' ~ Gamma(alpha + 1), U uniform, so
    log G = log G' + log(U)/alpha stays finite for small alpha.
    """
    logg = np.log(rng.gamma(alpha + 1.0, size=k)) + np.log(rng.uniform(size=k)) / alpha
    top = logg.max()
    return logg - top - np.log(np.exp(logg - top).sum())


def random_instance(V, m, d, support_size, *, seed=0, embeddings="gaussian", concentration=1.0, n=None) -> NTPData:
    r"""A random next-token-prediction instance with controlled supports (Thrampoulidis 2024, App. A.2).

    Supports $S_j$: ``support_size`` tokens drawn uniformly without replacement; $\hat p_j \sim$
    Dirichlet(``concentration``) on $S_j$; $\hat\pi$ uniform, or $\hat\pi_j = c_j / n$ with
    $c = 1 + \mathrm{Multinomial}(n - m, \text{uniform})$ (every context occurs at least once).
    Embeddings: ``"gaussian"`` $\bar h_j \sim N(0, I_d)$; ``"orthonormal"`` orthonormal columns
    ($\bar H^\top \bar H = I_m$, needs $d \ge m$); ``"identical"`` every column the same Gaussian
    vector; ``"collinear"`` $\bar h_j = c_j \bar h_1$ with $c_1 = 1$, $|c_j| \in [\tfrac12, 2]$ and
    random signs. The last two are the negative cases (separability or compatibility fail).

    Parameters
    ----------
    V, m, d : int
        Vocabulary size, number of contexts, embedding dimension (all >= 1).
    support_size : int or array of int, shape (m,)
        Support sizes, each in $1..V$.
    seed : int, default 0
        Seed of ``numpy.random.default_rng``.
    embeddings : {"gaussian", "orthonormal", "identical", "collinear"}, default "gaussian"
    concentration : float > 0, default 1.0
        Dirichlet parameter (1 = uniform on the simplex).
    n : int, optional
        Number of samples behind $\hat\pi$ (``n >= m``); ``None`` gives uniform $\hat\pi$.

    Returns
    -------
    NTPData
        Raises ValueError when ``concentration`` is so small that a probability on a support
        underflows to 0 (the support would not be the one drawn).
    """
    V, m, d = as_count(V, "V"), as_count(m, "m"), as_count(d, "d")
    check_work(V * m + d * m + V * d, "V*m + d*m + V*d", maximum=MAX_ENTRIES, why="the arrays would not fit in memory")
    sizes = _support_sizes(support_size, V, m)
    seed = as_seed(seed)
    embeddings = as_choice(embeddings, "embeddings", _EMBEDDINGS)
    alpha = as_positive_scalar(concentration, "concentration")
    if embeddings == "orthonormal" and d < m:
        raise ValueError(f"embeddings='orthonormal' needs d >= m; got d = {d}, m = {m}")
    if n is not None:
        n = as_count(n, "n", minimum=m)
    rng = np.random.default_rng(seed)
    S = np.zeros((V, m), dtype=bool)
    P = np.zeros((V, m))
    for j in range(m):
        toks = rng.choice(V, size=int(sizes[j]), replace=False)
        S[toks, j] = True
        P[toks, j] = np.exp(_dirichlet_log(rng, alpha, toks.size))
    if np.any(P[S] == 0):
        raise ValueError(f"concentration = {alpha:g} is too small: a Dirichlet probability underflowed to 0 in "
                         "float64, so the support would differ from the one drawn; use a larger concentration")
    if n is None:
        pi = np.full(m, 1.0 / m)
    else:
        pi = (1 + rng.multinomial(n - m, np.full(m, 1.0 / m))) / n
    g = rng.standard_normal((d, m))
    if embeddings == "gaussian":
        H = g
    elif embeddings == "orthonormal":
        q, r = np.linalg.qr(g)
        H = q * np.sign(np.where(np.diag(r) == 0, 1.0, np.diag(r)))  # sign fix: unique Haar-like draw
    elif embeddings == "identical":
        H = np.repeat(g[:, :1], m, axis=1)
    else:
        c = rng.uniform(0.5, 2.0, size=m) * rng.choice([-1.0, 1.0], size=m)
        c[0] = 1.0
        H = g[:, :1] * c
    return as_data(H, P, pi)


def toy_instance() -> NTPData:
    r"""The 2-D toy of Thrampoulidis (2024), Figs 1–2: $d = 2$, $m = 3$ contexts A, B, C, $V = 5$ words.

    Supports, in the paper's 1-based word numbering: A = {2, 3, 4}, B = {1, 2, 5}, C = {1, 4, 5}
    (word 3 follows only A, every other word follows two contexts, words 1 and 5 share a support
    pattern). In code words are 0-based: A = {1, 2, 3}, B = {0, 1, 4}, C = {0, 3, 4}. The paper
    gives neither embeddings nor probabilities; we fix unit embeddings at 90°, 210° and 330° and the
    probabilities A: (0.5, 0.3, 0.2), B: (0.2, 0.5, 0.3), C: (0.4, 0.25, 0.35) over the support
    in increasing word order, and uniform $\hat\pi$.

    Returns
    -------
    NTPData
        ``H`` (2, 3), ``P`` (5, 3), ``pi`` (3,).
    """
    angles = np.deg2rad([90.0, 210.0, 330.0])
    H = np.vstack([np.cos(angles), np.sin(angles)])
    P = np.zeros((5, 3))
    P[[1, 2, 3], 0] = [0.5, 0.3, 0.2]
    P[[0, 1, 4], 1] = [0.2, 0.5, 0.3]
    P[[0, 3, 4], 2] = [0.4, 0.25, 0.35]
    return as_data(H, P, np.full(3, 1.0 / 3.0))

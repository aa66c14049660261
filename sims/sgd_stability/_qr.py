"""Lyapunov exponents of random matrix products by simulation (docs/sgd_stability.md#computing-exponents).

* :func:`lyapunov_monte_carlo` — scalar laws: Λ(λ) = E log|1 − λh| by Monte Carlo with a
  batch-means standard error (finite atoms or any frozen ``scipy.stats`` law).
* :func:`lyapunov_qr` — products of i.i.d. matrices M_t by the QR (Benettin) method: the top
  exponent (k = 1) or the first k, up to the full spectrum. The law of M_t is one of
  :class:`FiniteRowsLaw` (rank-S updates from a finite data set), :class:`GaussianRowsLaw`
  (isotropic Gaussian rows) or :class:`TwoLayerVectorLaw` (the vector-input two-layer map at the
  origin, docs/sgd_stability.md#vector-inputs), defined in ``_qr_laws``. Oracle: :func:`lyapunov_qr_reference` (plain
  NumPy). The kernel and its NumPy twin are in ``_qr_kernel``.

QR conventions. Each chain carries Q ∈ ℝ^{D×k} with orthonormal columns (random start). A step
replaces Q by M_t Q (rank-S update: Q − (λ·scale/S)Xᵀ(XQ), O(SDk)). Every ``reorth_every``
steps, at the end of burn-in and of every block, and as soon as an entry leaves [1e-100, 1e100]
(no overflow or underflow whatever the rate), Q is re-orthonormalised by modified Gram–Schmidt
with one re-orthogonalisation pass, and log R_jj is added to the current block. Λ_j is the sum
over the measured steps divided by their number; the standard error is sd(block means)/√(number
of blocks), blocks pooled over the chains of a cell (docs/sgd_stability.md#computing-exponents).

Zeros (docs/sgd_stability.md#computing-exponents). A product of factors can vanish exactly (finite data, B = 1, λ at
special values), but in floating point the cancellation leaves roundoff. R_jj is therefore
treated as zero when it is below ``4(D + S + 2)·ε·β``, β = Π‖M_t‖ bound since the last QR
(‖M_t‖ ≤ 1 + (λ·scale/S)Σ‖x_j‖² resp. 1 + λκs₁‖c_t‖): indistinguishable from zero at the
working precision. Then the tracked j-dimensional volume is gone and Λ_j, …, Λ_k = −∞ (for
j = 1 the whole product vanished); the remaining columns continue. No NaN is produced.

Chains (cells × ``n_chains`` replicas) run in one kernel: chunks of chains in parallel, time
outer and chains inner within a chunk, each chain with its own xoshiro256** stream (``_rng``),
so the numbers do not depend on the thread count. The NumPy reference performs the same
operations in the same order (libm ``log``), hence agrees to roundoff (bit for bit in practice).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from theory.summary import compact_repr
from theory.validate import MAX_ENTRIES, as_finite_array, as_seed, check_scipy_law, check_work, guard_numerics

from .._chains import as_count, check_run
from .._kernels import simulation
from .._rng import ZIG_R, ZIG_X, NumpyStreams, seed_streams
from ._qr_kernel import _qr_kernel, _qr_numpy
from ._qr_laws import FiniteRowsLaw, GaussianRowsLaw, TwoLayerVectorLaw, _law_setup

__all__ = [
    "LyapunovResult",
    "MonteCarloExponent",
    "lyapunov_monte_carlo",
    "lyapunov_qr",
    "lyapunov_qr_reference",
]

_EPS = np.finfo(np.float64).eps
_MIN_BLOCKS = 30             # docs/sgd_stability.md#computing-exponents: K ≥ 30 blocks for a batch-means standard error
_UNDECIDED_SE = 3.0          # |Λ₁| ≤ 3·SE: sign not resolved


def _as_lr(lr) -> np.ndarray:
    lr = as_finite_array(lr, "lr")
    if lr.size == 0:
        raise ValueError("lr must contain at least one value")
    if np.any(lr <= 0):
        raise ValueError("lr must be > 0")
    return lr


# --------------------------------------------------------------------------------------------
# scalar laws: Monte Carlo
# --------------------------------------------------------------------------------------------

@compact_repr
@dataclass(frozen=True)
class MonteCarloExponent:
    """Monte-Carlo estimate of Λ(λ) = E log|1 − λh| for a scalar law of h.

    Attributes
    ----------
    lr : ndarray
        Step sizes λ (shape of the ``lr`` argument).
    exponent : ndarray, same shape
        Sample mean of log|1 − λh| over all samples; −inf if a factor was exactly 0.
    standard_error : ndarray, same shape
        sd(block means)/√``n_blocks`` (0 where the exponent is −inf).
    zero_factor : ndarray of bool, same shape
        Some sampled factor 1 − λh evaluated to exactly 0.
    n_samples, n_blocks, seed : int
    """

    lr: np.ndarray
    exponent: np.ndarray
    standard_error: np.ndarray
    zero_factor: np.ndarray
    n_samples: int
    n_blocks: int
    seed: int


def _scalar_sampler(law):
    if hasattr(law, "rvs"):                          # frozen scipy.stats law (or alike)
        check_scipy_law(law, "law")

        def sample(rng, size):
            h = np.asarray(law.rvs(size=size, random_state=rng), dtype=np.float64)
            if not np.all(np.isfinite(h)):
                raise ValueError("law produced non-finite samples")
            return h
        return sample
    if isinstance(law, (str, bytes)) or law is None:
        raise ValueError("law must be a 1-D array of atoms or a frozen scipy.stats distribution; "
                         f"got {law!r}")
    atoms = as_finite_array(law, "law", ndim=1)
    if atoms.size == 0:
        raise ValueError("law must contain at least one atom")
    return lambda rng, size: atoms[rng.integers(0, atoms.size, size=size)]


@guard_numerics
def lyapunov_monte_carlo(lr, law, n_samples, seed, n_blocks=32) -> MonteCarloExponent:
    r"""Monte-Carlo Lyapunov exponent Λ(λ) = E log|1 − λh| of the scalar product $\prod_t (1 - \lambda h_t)$.

    Theorem 1 of Ziyin et al. (2023) (docs/sgd_stability.md#the-lyapunov-criterion): for rank-1 or commuting Hessians the
    linearised SGD direction converges to 0 in probability iff Λ(λ) < 0. The samples
    $h_1, \ldots, h_n$ are split into ``n_blocks`` consecutive blocks; the estimate is the mean of
    $\log|1 - \lambda h_i|$ and the standard error sd(block means)/√``n_blocks``. All values of ``lr`` use the
    same samples (common random numbers), so differences between step sizes are smooth.
    Prefer the closed forms and quadrature of ``theory`` when they exist (docs/sgd_stability.md#computing-exponents); this is
    their independent check and the tool for laws without one.

    Parameters
    ----------
    lr : float or array
        Step sizes λ > 0.
    law : array of shape (N,) or frozen scipy.stats distribution
        Either finite atoms (h uniform over them, the empirical law of a data set) or a frozen
        distribution such as ``scipy.stats.norm(loc=μ, scale=s)`` — any object with a
        scipy-style ``rvs(size=..., random_state=...)`` method.
    n_samples : int
        Number of samples n (≥ ``n_blocks``).
    seed : int
        Seed of ``numpy.random.default_rng``.
    n_blocks : int, default 32
        Number K ≥ 30 of batch-means blocks.

    Returns
    -------
    MonteCarloExponent

    Raises
    ------
    ValueError
        Naming the argument: λ ≤ 0 or non-finite, empty or non-finite atoms, a law that is
        neither, ``n_blocks < 30``, ``n_samples < n_blocks``, bad seed.

    References
    ----------
    Ziyin, Li, Galanti, Ueda (2023), "The probabilistic stability of stochastic gradient
    descent", arXiv 2303.13093, Theorem 1.

    Examples
    --------
    >>> from scipy import stats
    >>> r = lyapunov_monte_carlo([0.5, 1.0], stats.norm(1.0, 2.0), 64_000, seed=0)
    >>> r.exponent.shape
    (2,)
    """
    lr = _as_lr(lr)
    sample = _scalar_sampler(law)
    n_blocks = as_count(n_blocks, "n_blocks", _MIN_BLOCKS)
    n_samples = as_count(n_samples, "n_samples", n_blocks)
    if n_samples // n_blocks > MAX_ENTRIES:          # one block of samples is held in memory
        raise ValueError(f"n_samples / n_blocks must be <= {MAX_ENTRIES}; got {n_samples // n_blocks}")
    check_work(n_samples * lr.size, "n_samples * lr.size")
    seed = as_seed(seed)
    rng = np.random.default_rng(seed)
    lam = lr.ravel()
    sizes = np.full(n_blocks, n_samples // n_blocks)
    sizes[: n_samples % n_blocks] += 1
    block_sums = np.zeros((n_blocks, lam.size))
    per_row = max(1, 2**20 // lam.size)              # bound the (samples × λ) work array
    with np.errstate(divide="ignore"):
        for b, size in enumerate(sizes):
            h = sample(rng, int(size))
            for lo in range(0, h.size, per_row):
                f = 1.0 - lam[None, :] * h[lo:lo + per_row, None]
                block_sums[b] += np.sum(np.log(np.abs(f)), axis=0)
    zero = np.any(np.isneginf(block_sums), axis=0)
    total = np.sum(block_sums, axis=0)
    exponent = np.where(zero, -np.inf, total / n_samples)
    with np.errstate(invalid="ignore"):
        means = block_sums / sizes[:, None]
        se = np.where(zero, 0.0, np.std(np.where(zero, 0.0, means), axis=0, ddof=1) / math.sqrt(n_blocks))
    return MonteCarloExponent(lr=lr.copy(), exponent=exponent.reshape(lr.shape),
                              standard_error=se.reshape(lr.shape), zero_factor=zero.reshape(lr.shape),
                              n_samples=n_samples, n_blocks=n_blocks, seed=seed)


# --------------------------------------------------------------------------------------------
# QR method (kernel and NumPy twin in ``_qr_kernel``, laws in ``_qr_laws``)
# --------------------------------------------------------------------------------------------

@compact_repr
@dataclass(frozen=True)
class LyapunovResult:
    r"""Lyapunov exponents of a random matrix product by the QR (Benettin) method.

    Attributes
    ----------
    lr : ndarray of shape cells
        Step sizes λ.
    exponents : ndarray of shape cells + (k,)
        $\Lambda_1, \ldots, \Lambda_k$ (not re-sorted); −inf where the tracked volume vanished, +inf for a cell
        with an overflowing chain (a single step exceeded the float range).
    standard_errors : ndarray of shape cells + (k,)
        Batch-means SE, sd(block means)/√(``n_chains``·``n_blocks``); 0 where the exponent is ±inf.
    block_means : ndarray of shape cells + (n_chains·n_blocks, k)
        Per-block mean log-growth, chains concatenated (±inf as in ``exponents``).
    annihilated : ndarray of bool, shape cells
        Some chain lost rank (some $\Lambda_j = -\infty$; for Λ₁ the product itself vanished).
    overflow : ndarray of bool, shape cells
    undecided : ndarray of bool, shape cells
        Λ₁ finite with |Λ₁| ≤ 3·SE: its sign is not resolved (docs/sgd_stability.md#computing-exponents).
    n_steps, burn_in, n_blocks, n_chains, reorth_every, k, seed : int
    law : FiniteRowsLaw, GaussianRowsLaw or TwoLayerVectorLaw
    """

    lr: np.ndarray
    exponents: np.ndarray
    standard_errors: np.ndarray
    block_means: np.ndarray
    annihilated: np.ndarray
    overflow: np.ndarray
    undecided: np.ndarray
    n_steps: int
    burn_in: int
    n_blocks: int
    n_chains: int
    reorth_every: int
    k: int
    seed: int
    law: object = field(repr=False)


def _mgs_start(Z: np.ndarray) -> np.ndarray:
    """Orthonormalise the columns of each chain's Z (C, D, k): the random start."""
    Q = Z.copy()
    for j in range(Q.shape[2]):
        for i in range(j):
            rij = np.einsum("cr,cr->c", Q[:, :, i], Q[:, :, j])
            Q[:, :, j] -= rij[:, None] * Q[:, :, i]
        Q[:, :, j] /= np.linalg.norm(Q[:, :, j], axis=1)[:, None]
    return np.ascontiguousarray(Q)


def _qr_case(law, k, reorth, lr=(0.1, 0.45, 0.5, 1.0), n_steps=160):
    """Cases for the common kernel tests; ``law`` is a zero-argument factory."""
    return lambda: ((list(lr), law(), n_steps, 5),
                    dict(k=k, n_chains=2, reorth_every=reorth, n_blocks=16, burn_in=20))


# Laws of every kind (with and without replacement, batches, κ and s₁); top exponent (k = 1,
# r = 1) and full spectrum (k = None, r = 3). "Divergence" of a renormalised product is a step
# whose factor exceeds the float range: λ = 1e305 overflows, reported as Λ = +inf and flagged.
_X6 = np.array([[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
_QR_LAWS = {
    "rows_replace": lambda: FiniteRowsLaw(_X6),
    "rows_noreplace_S2": lambda: FiniteRowsLaw(_X6, batch_size=2, replace=False),
    "gauss_d3": lambda: GaussianRowsLaw(3),
    "gauss_d3_S2": lambda: GaussianRowsLaw(3, scale=0.5, batch_size=2),
    "two_layer_d4": lambda: TwoLayerVectorLaw(4, 6.0),
    "two_layer_d2_S3": lambda: TwoLayerVectorLaw(2, 1.0, batch_size=3, kappa=2.0, s1=0.5),
}
_QR_CASES = {
    "default": _qr_case(lambda: GaussianRowsLaw(2), 1, 1),
    **{f"{name}_k{k or 'all'}_r{r}": _qr_case(law, k, r)
       for name, law in _QR_LAWS.items() for k, r in ((1, 1), (None, 3))},
    "diverging": _qr_case(lambda: GaussianRowsLaw(2), None, 1, lr=(1.0, 1e305), n_steps=64),
}


@simulation("sgd_stability", backends={"numba": _qr_kernel, "numpy": _qr_numpy}, cases=_QR_CASES,
            diverged=lambda result: result.overflow)
@guard_numerics
def lyapunov_qr(core, lr, law, n_steps, seed, k=1, n_chains=1, burn_in=None, reorth_every=1,
                n_blocks=32) -> LyapunovResult:
    r"""Lyapunov exponents $\Lambda_j = \lim \frac1t \log R_{jj}$ of $M_t \cdots M_1$ by the QR method (numba kernel).

    $\Lambda_1 = \lim_t \frac1t \log\|M_t \cdots M_1\|$ decides probabilistic stability of linearised SGD
    (docs/sgd_stability.md#top-lyapunov-exponent: stable for every $\theta_0$ iff Λ₁ < 0);
    $\Lambda_1 + \cdots + \Lambda_D = \mathbb{E}\log|\det M|$ (sum rule; for
    a rank-1 update $\det M = 1 - \lambda\cdot\mathrm{scale}\cdot\|x\|^2$). Tracks k orthonormal directions per chain,
    $Q \leftarrow M_t Q$, re-orthonormalised (MGS) with $\log R_{jj}$ accumulated in K blocks after burn-in;
    the standard error is that of the block means. See the module docstring for the zero and
    overflow rules.

    Parameters
    ----------
    lr : float or array
        Step sizes λ > 0, one cell each (any shape).
    law : FiniteRowsLaw, GaussianRowsLaw or TwoLayerVectorLaw
        Law of the i.i.d. factors $M_t$ (dimension D).
    n_steps : int
        Measured steps per chain (after burn-in), ≥ ``n_blocks``.
    seed : int
        Chain j of cell k (row-major) uses stream k·``n_chains`` + j.
    k : int or None, default 1
        Number of exponents (1: top exponent; None or D: full spectrum).
    n_chains : int, default 1
        Independent replicas per cell; their blocks are pooled.
    burn_in : int, optional
        Discarded initial steps (default ``n_steps // 10``; docs/sgd_stability.md#computing-exponents: ≳ 10/(Λ₁ − Λ₂)).
    reorth_every : int, default 1
        Steps between re-orthonormalisations r (extra ones happen before under/overflow).
        r > 1 is faster but loses the trailing exponents once $(\Lambda_1 - \Lambda_k)\,r$ exceeds ~30.
    n_blocks : int, default 32
        Batch-means blocks per chain K (``n_blocks``·``n_chains`` ≥ 30).

    Returns
    -------
    LyapunovResult

    Raises
    ------
    ValueError
        Naming the argument: λ ≤ 0, k outside [1, D], too few blocks or steps, unknown law,
        bad counts or seed.

    References
    ----------
    Benettin, Galgani, Giorgilli, Strelcyn (1980), Meccanica 15; Ziyin et al. (2023),
    arXiv 2303.13093, Theorem 3 (docs/sgd_stability.md#top-lyapunov-exponent).
    """
    lr = _as_lr(lr)
    kind, X, row_sq, scale, S, replace, noise, gain, D = _law_setup(law)
    if k is None:
        k = D
    k = as_count(k, "k", 1)
    if k > D:
        raise ValueError(f"k must be <= the dimension D = {D} of the product; got {k}")
    n_chains = as_count(n_chains, "n_chains", 1)
    n_blocks = as_count(n_blocks, "n_blocks", 1)
    if n_blocks * n_chains < _MIN_BLOCKS:
        raise ValueError(f"n_blocks·n_chains must be >= {_MIN_BLOCKS} for a batch-means standard "
                         f"error; got n_blocks = {n_blocks}, n_chains = {n_chains}")
    n_steps = as_count(n_steps, "n_steps", n_blocks)
    seed = as_seed(seed)
    burn_in = n_steps // 10 if burn_in is None else as_count(burn_in, "burn_in", 0)
    reorth_every = as_count(reorth_every, "reorth_every", 1)

    n_cells = lr.size
    check_run(n_cells, n_chains, n_steps, D * k)
    C = n_cells * n_chains
    lr_x = np.repeat(lr.ravel(), n_chains)
    state = seed_streams(seed, C)
    streams = NumpyStreams(state)
    Z = np.empty((C, D, k))
    for p in range(k):
        for i in range(D):
            Z[:, i, p] = streams.normal()
    state = streams.s
    Q = _mgs_start(Z)
    if kind == 0 and not replace:
        perm = np.tile(np.arange(X.shape[0], dtype=np.intp), (C, 1))
    else:
        perm = np.zeros((1, 1), dtype=np.intp)
    k_live = np.full(C, k, dtype=np.int64)
    overflow = np.zeros(C, dtype=np.bool_)
    sums = np.zeros((C, n_blocks, k))
    block_len = n_steps // n_blocks
    ztol = 4.0 * (D + S + 2) * _EPS
    chunk = max(1, min(64, C // 32))
    core(kind, lr_x, X, row_sq, scale, S, replace, noise, gain, perm, Q, state, k_live, overflow,
         sums, burn_in, n_steps, block_len, n_blocks, reorth_every, ztol, ZIG_X, ZIG_R, chunk)

    lengths = np.full(n_blocks, block_len, dtype=np.float64)
    lengths[-1] = n_steps - block_len * (n_blocks - 1)
    dead = np.arange(k)[None, :] >= k_live[:, None]             # (C, k)
    means = sums / lengths[None, :, None]
    means = np.where(dead[:, None, :], -np.inf, means)
    means = np.where(overflow[:, None, None], np.inf, means)
    shape = lr.shape
    means = means.reshape((n_cells, n_chains * n_blocks, k))
    chain_dead = dead.reshape(n_cells, n_chains, k).any(axis=1)
    chain_over = overflow.reshape(n_cells, n_chains).any(axis=1)
    finite = ~chain_dead & ~chain_over[:, None]
    pooled = np.where(finite[:, None, :], means, 0.0)
    est = np.sum(sums.reshape(n_cells, n_chains, n_blocks, k), axis=(1, 2)) / (n_chains * n_steps)
    exps = np.where(chain_over[:, None], np.inf, np.where(chain_dead, -np.inf, est))
    se = np.where(finite, np.std(pooled, axis=1, ddof=1) / math.sqrt(n_chains * n_blocks), 0.0)
    undecided = np.isfinite(exps[:, 0]) & (np.abs(exps[:, 0]) <= _UNDECIDED_SE * se[:, 0])
    return LyapunovResult(
        lr=lr.copy(), exponents=exps.reshape(shape + (k,)), standard_errors=se.reshape(shape + (k,)),
        block_means=means.reshape(shape + (n_chains * n_blocks, k)),
        annihilated=chain_dead.any(axis=1).reshape(shape), overflow=chain_over.reshape(shape),
        undecided=undecided.reshape(shape), n_steps=n_steps, burn_in=burn_in, n_blocks=n_blocks,
        n_chains=n_chains, reorth_every=reorth_every, k=k, seed=seed, law=law)


lyapunov_qr_reference = lyapunov_qr.reference
"""The NumPy oracle of :func:`lyapunov_qr`: same arguments (no ``backend``), same result bit for bit."""

"""Lyapunov exponents of random matrix products by simulation (spec SGD-S §3, §4.7, §8.2).

* :func:`lyapunov_monte_carlo` — scalar laws: Λ(λ) = E log|1 − λh| by Monte Carlo with a
  batch-means standard error (finite atoms or any frozen ``scipy.stats`` law).
* :func:`lyapunov_qr` — products of i.i.d. matrices M_t by the QR (Benettin) method: the top
  exponent (k = 1) or the first k, up to the full spectrum. The law of M_t is one of
  :class:`FiniteRowsLaw` (rank-S updates from a finite data set), :class:`GaussianRowsLaw`
  (isotropic Gaussian rows) or :class:`TwoLayerVectorLaw` (the vector-input two-layer map at the
  origin, spec §4.7). Oracle: :func:`lyapunov_qr_reference` (plain NumPy).

QR conventions. Each chain carries Q ∈ ℝ^{D×k} with orthonormal columns (random start). A step
replaces Q by M_t Q (rank-S update: Q − (λ·scale/S)Xᵀ(XQ), O(SDk)). Every ``reorth_every``
steps, at the end of burn-in and of every block, and as soon as an entry leaves [1e-100, 1e100]
(no overflow or underflow whatever the rate), Q is re-orthonormalised by modified Gram–Schmidt
with one re-orthogonalisation pass, and log R_jj is added to the current block. Λ_j is the sum
over the measured steps divided by their number; the standard error is sd(block means)/√(number
of blocks), blocks pooled over the chains of a cell (spec §8.2).

Zeros (spec §8.2, §13). A product of factors can vanish exactly (finite data, B = 1, λ at
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
import numbers
from dataclasses import dataclass, field

import numpy as np
from numba import njit, prange

from theory._validate import as_finite_array, as_finite_scalar, as_positive_scalar

from ._rng import ZIG_R, ZIG_X, NumpyStreams, as_seed, normal, seed_streams, uniform

__all__ = [
    "FiniteRowsLaw",
    "GaussianRowsLaw",
    "LyapunovResult",
    "MonteCarloExponent",
    "TwoLayerVectorLaw",
    "lyapunov_monte_carlo",
    "lyapunov_qr",
    "lyapunov_qr_reference",
]

_EPS = np.finfo(np.float64).eps
_BIG = 1e100                 # re-orthonormalise before an entry passes this
_BOUND_CAP = 1e4             # ... or the growth bound β since the last QR (zero test ∝ β)
_SMALL = 1e-100              # ... or before a column's largest entry falls below this
_MIN_BLOCKS = 30             # spec §8.2: K ≥ 30 blocks for a batch-means standard error
_UNDECIDED_SE = 3.0          # |Λ₁| ≤ 3·SE: sign not resolved


def _as_count(x, name: str, minimum: int) -> int:
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Integral):
        raise ValueError(f"{name} must be an integer >= {minimum}; got {x!r}")
    if x < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {x}")
    return int(x)


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
        sd(block means)/√n_blocks (0 where the exponent is −inf).
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


def lyapunov_monte_carlo(lr, law, n_samples, seed, n_blocks=32) -> MonteCarloExponent:
    r"""Monte-Carlo Lyapunov exponent Λ(λ) = E log|1 − λh| of the scalar product Π(1 − λh_t).

    Theorem 1 of Ziyin et al. (2023) (spec SGD-S §3.1): for rank-1 or commuting Hessians the
    linearised SGD direction converges to 0 in probability iff Λ(λ) < 0. The samples
    h_1, …, h_n are split into ``n_blocks`` consecutive blocks; the estimate is the mean of
    log|1 − λh_i| and the standard error sd(block means)/√n_blocks. All values of ``lr`` use the
    same samples (common random numbers), so differences between step sizes are smooth.
    Prefer the closed forms and quadrature of ``theory`` when they exist (spec §8.1); this is
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
        Number of samples n (≥ n_blocks).
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
        neither, n_blocks < 30, n_samples < n_blocks, bad seed.

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
    n_blocks = _as_count(n_blocks, "n_blocks", _MIN_BLOCKS)
    n_samples = _as_count(n_samples, "n_samples", n_blocks)
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
# matrix laws
# --------------------------------------------------------------------------------------------

def _as_batch(batch_size) -> int:
    return _as_count(batch_size, "batch_size", 1)


@dataclass(frozen=True)
class FiniteRowsLaw:
    """M_t = I − (λ·scale/S) Σ_{j∈B_t} x_j x_jᵀ with rows x_j of a finite data matrix.

    Per-sample Hessians H_i = scale·x_i x_iᵀ (square loss (κ/2)(xᵀθ − y)²: scale = κ) at an
    interpolating minimum; batches of S rows drawn uniformly with replacement, or without
    replacement within a batch (``replace=False``; i.i.d. across steps, Mulayoff & Michaeli's
    convention, spec §1, §6).

    Parameters
    ----------
    X : array of shape (n, d)
        Data rows.
    scale : float, default 1.0
        Hessian scale (> 0).
    batch_size : int, default 1
        S (≤ n without replacement).
    replace : bool, default True
    """

    X: np.ndarray
    scale: float = 1.0
    batch_size: int = 1
    replace: bool = True

    def __post_init__(self):
        X = as_finite_array(self.X, "X", ndim=2)
        if X.shape[0] == 0 or X.shape[1] == 0:
            raise ValueError(f"X must have at least one row and one column; got shape {X.shape}")
        X = X.copy()
        X.setflags(write=False)
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "scale", as_positive_scalar(self.scale, "scale"))
        object.__setattr__(self, "batch_size", _as_batch(self.batch_size))
        if not isinstance(self.replace, (bool, np.bool_)):
            raise ValueError(f"replace must be a bool; got {self.replace!r}")
        object.__setattr__(self, "replace", bool(self.replace))
        if not self.replace and self.batch_size > X.shape[0]:
            raise ValueError(f"batch_size = {self.batch_size} exceeds the n = {X.shape[0]} rows of X "
                             "(sampling without replacement)")

    @property
    def dim(self) -> int:
        """Dimension D of M_t."""
        return self.X.shape[1]


@dataclass(frozen=True)
class GaussianRowsLaw:
    """M_t = I − (λ·scale/S) Σ_{j≤S} x_j x_jᵀ, x_j ~ N(0, I_d) (spec §7 case 5 for S = 1).

    Parameters
    ----------
    dim : int
        d ≥ 1.
    scale : float, default 1.0
    batch_size : int, default 1
    """

    dim: int
    scale: float = 1.0
    batch_size: int = 1

    def __post_init__(self):
        object.__setattr__(self, "dim", _as_count(self.dim, "dim", 1))
        object.__setattr__(self, "scale", as_positive_scalar(self.scale, "scale"))
        object.__setattr__(self, "batch_size", _as_batch(self.batch_size))


@dataclass(frozen=True)
class TwoLayerVectorLaw:
    """M_t = I + λκs₁[[0, c_tᵀ], [c_t, 0]] on (u_i, w_i) ∈ ℝ^{1+d} (spec §4.7).

    c_t = (1/S) Σ_j y_j x_j with x_j ~ N(0, I_d), y_j = x_j1 + σε_j: the two-layer network at
    the origin with vector inputs. The factors do not commute; eigenvalues 1 ± λκs₁‖c_t‖, 1.

    Parameters
    ----------
    dim : int
        Input dimension d ≥ 1 (D = d + 1).
    noise : float
        Label noise σ ≥ 0.
    batch_size : int, default 1
    kappa : float, default 1.0
        Loss normalisation κ > 0.
    s1 : float, default 1.0
        σ'(0) of the activation (> 0).
    """

    dim: int
    noise: float
    batch_size: int = 1
    kappa: float = 1.0
    s1: float = 1.0

    def __post_init__(self):
        object.__setattr__(self, "dim", _as_count(self.dim, "dim", 1))
        noise = as_finite_scalar(self.noise, "noise")
        if noise < 0:
            raise ValueError(f"noise must be >= 0; got {noise}")
        object.__setattr__(self, "noise", noise)
        object.__setattr__(self, "batch_size", _as_batch(self.batch_size))
        object.__setattr__(self, "kappa", as_positive_scalar(self.kappa, "kappa"))
        object.__setattr__(self, "s1", as_positive_scalar(self.s1, "s1"))


# --------------------------------------------------------------------------------------------
# QR kernel and its NumPy twin
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LyapunovResult:
    """Lyapunov exponents of a random matrix product by the QR (Benettin) method.

    Attributes
    ----------
    lr : ndarray of shape cells
        Step sizes λ.
    exponents : ndarray of shape cells + (k,)
        Λ_1, …, Λ_k (not re-sorted); −inf where the tracked volume vanished, +inf for a cell
        with an overflowing chain (a single step exceeded the float range).
    standard_errors : ndarray of shape cells + (k,)
        Batch-means SE, sd(block means)/√(n_chains·n_blocks); 0 where the exponent is ±inf.
    block_means : ndarray of shape cells + (n_chains·n_blocks, k)
        Per-block mean log-growth, chains concatenated (±inf as in ``exponents``).
    annihilated : ndarray of bool, shape cells
        Some chain lost rank (some Λ_j = −∞; for Λ₁ the product itself vanished).
    overflow : ndarray of bool, shape cells
    undecided : ndarray of bool, shape cells
        Λ₁ finite with |Λ₁| ≤ 3·SE: its sign is not resolved (spec §8.2).
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


@njit(cache=True)
def _qr_chunk(kind, lr, X, row_sq, scale, S, replace, noise, gain, perm, Q, state, k_live,
              overflow, sums, lo, hi, burn_in, n_steps, block_len, n_blocks, reorth, ztol, zx, zr):
    C, D, k = Q.shape
    d = D - 1 if kind == 2 else D
    n = X.shape[0]
    T = burn_in + n_steps
    xb = np.empty((S, d))
    rows = np.zeros(S, dtype=np.intp)
    v = np.empty(S)
    cv = np.empty(d)
    n_norm = S * d if kind == 1 else S * (d + 1)
    zb = np.empty(n_norm)
    since = np.zeros(hi - lo, dtype=np.int64)
    bound = np.ones(hi - lo)
    for t in range(T):
        meas = t >= burn_in
        blk = min((t - burn_in) // block_len, n_blocks - 1) if meas else -1
        force = t + 1 == burn_in or t + 1 == T
        if meas and blk < n_blocks - 1 and t + 1 - burn_in == (blk + 1) * block_len:
            force = True
        for c in range(lo, hi):
            kl = k_live[c]
            if kl == 0 or overflow[c]:
                continue
            s0, s1, s2, s3 = state[0, c], state[1, c], state[2, c], state[3, c]
            coef = 0.0
            a = 0.0
            if kind == 0:
                sq = 0.0
                for j in range(S):
                    U, s0, s1, s2, s3 = uniform(s0, s1, s2, s3)
                    if replace:
                        idx = min(np.intp(U * n), n - 1)
                    else:
                        r = j + min(np.intp(U * (n - j)), n - j - 1)
                        tmp = perm[c, j]
                        perm[c, j] = perm[c, r]
                        perm[c, r] = tmp
                        idx = perm[c, j]
                    rows[j] = idx
                    sq += row_sq[idx]
                coef = lr[c] * scale / S
                mb = 1.0 + coef * sq
            else:
                # all normals of the step in draw order (one inlined ziggurat: faster compile)
                for q in range(n_norm):
                    z, s0, s1, s2, s3 = normal(zx, zr, s0, s1, s2, s3)
                    zb[q] = z
            if kind == 1:
                sq = 0.0
                for j in range(S):
                    for i in range(d):
                        z = zb[j * d + i]
                        xb[j, i] = z
                        sq += z * z
                coef = lr[c] * scale / S
                mb = 1.0 + coef * sq
            elif kind == 2:
                for i in range(d):
                    cv[i] = 0.0
                for j in range(S):
                    base = j * (d + 1)                # x_j1..x_jd, then ε_j
                    yv = zb[base] + noise * zb[base + d]
                    for i in range(d):
                        cv[i] += yv * zb[base + i]
                cn = 0.0
                for i in range(d):
                    cv[i] = cv[i] / S
                    cn += cv[i] * cv[i]
                a = lr[c] * gain
                mb = 1.0 + a * math.sqrt(cn)
            state[0, c], state[1, c], state[2, c], state[3, c] = s0, s1, s2, s3

            bad = False
            cmin = np.inf
            cmax = 0.0
            for p in range(kl):
                if kind == 2:
                    tt = 0.0
                    for i in range(d):
                        tt += cv[i] * Q[c, 1 + i, p]
                    q0 = Q[c, 0, p]
                    Q[c, 0, p] = q0 + a * tt
                    for i in range(d):
                        Q[c, 1 + i, p] = Q[c, 1 + i, p] + a * cv[i] * q0
                else:
                    for j in range(S):
                        acc = 0.0
                        for i in range(D):
                            xji = X[rows[j], i] if kind == 0 else xb[j, i]
                            acc += xji * Q[c, i, p]
                        v[j] = acc
                    for i in range(D):
                        g = 0.0
                        for j in range(S):
                            xji = X[rows[j], i] if kind == 0 else xb[j, i]
                            g += v[j] * xji
                        Q[c, i, p] = Q[c, i, p] - coef * g
                colmax = 0.0
                for i in range(D):
                    az = abs(Q[c, i, p])
                    if not (az <= _BIG * _BIG):
                        bad = True
                    elif az > colmax:
                        colmax = az
                cmin = min(cmin, colmax)
                cmax = max(cmax, colmax)
            if bad:
                overflow[c] = True
                continue
            since[c - lo] += 1
            bound[c - lo] *= mb
            if not (force or since[c - lo] >= reorth or cmin < _SMALL or cmax > _BIG
                    or bound[c - lo] > _BOUND_CAP):
                continue
            zero_tol = ztol * bound[c - lo]
            new_kl = kl
            for j in range(kl):
                for _ in range(2):                   # MGS, re-orthogonalised once
                    for i in range(j):
                        rij = 0.0
                        for row in range(D):
                            rij += Q[c, row, i] * Q[c, row, j]
                        for row in range(D):
                            Q[c, row, j] = Q[c, row, j] - rij * Q[c, row, i]
                colmax = 0.0
                for row in range(D):
                    colmax = max(colmax, abs(Q[c, row, j]))
                nrm = 0.0
                if colmax > 0.0:
                    ss = 0.0
                    for row in range(D):
                        tq = Q[c, row, j] / colmax
                        ss += tq * tq
                    nrm = colmax * math.sqrt(ss)
                if not (nrm > zero_tol):             # volume lost at working precision
                    new_kl = j
                    break
                for row in range(D):
                    Q[c, row, j] = Q[c, row, j] / nrm
                if meas:
                    sums[c, blk, j] += math.log(nrm)
            k_live[c] = new_kl
            since[c - lo] = 0
            bound[c - lo] = 1.0


@njit(cache=True)
def _copy_chunk(Q, state, sums, perm, q, st, sm, pm, lo, hi, into_local):
    """Copy chains lo..hi−1 between the shared arrays and a chunk's private ones."""
    for c in range(lo, hi):
        j = c - lo
        for a in range(Q.shape[1]):
            for b in range(Q.shape[2]):
                if into_local:
                    q[j, a, b] = Q[c, a, b]
                else:
                    Q[c, a, b] = q[j, a, b]
        for a in range(4):
            if into_local:
                st[a, j] = state[a, c]
            else:
                state[a, c] = st[a, j]
        for a in range(sums.shape[1]):
            for b in range(sums.shape[2]):
                if into_local:
                    sm[j, a, b] = sums[c, a, b]
                else:
                    sums[c, a, b] = sm[j, a, b]
        if perm.shape[0] == Q.shape[0]:
            for a in range(perm.shape[1]):
                if into_local:
                    pm[j, a] = perm[c, a]
                else:
                    perm[c, a] = pm[j, a]


@njit(cache=True, parallel=True)
def _qr_kernel(kind, lr, X, row_sq, scale, S, replace, noise, gain, perm, Q, state, k_live,
               overflow, sums, burn_in, n_steps, block_len, n_blocks, reorth, ztol, zx, zr, chunk):
    C = Q.shape[0]
    for b in prange((C + chunk - 1) // chunk):
        lo = b * chunk
        hi = min(C, lo + chunk)
        # thread-private copies of the chunk's state: neighbouring chains on other threads
        # would otherwise share cache lines that are written every step
        q = np.empty((hi - lo,) + Q.shape[1:])
        st = np.empty((4, hi - lo), dtype=state.dtype)
        sm = np.empty((hi - lo,) + sums.shape[1:])
        pm = np.empty((hi - lo, perm.shape[1]), dtype=perm.dtype) if perm.shape[0] == C else perm
        _copy_chunk(Q, state, sums, perm, q, st, sm, pm, lo, hi, True)
        kl = k_live[lo:hi].copy()
        ov = overflow[lo:hi].copy()
        _qr_chunk(kind, lr[lo:hi], X, row_sq, scale, S, replace, noise, gain, pm, q, st, kl, ov,
                  sm, 0, hi - lo, burn_in, n_steps, block_len, n_blocks, reorth, ztol, zx, zr)
        _copy_chunk(Q, state, sums, perm, q, st, sm, pm, lo, hi, False)
        for c in range(lo, hi):
            k_live[c] = kl[c - lo]
            overflow[c] = ov[c - lo]


def _log_libm(x: np.ndarray) -> np.ndarray:
    # libm log, as in the kernel (NumPy's SIMD log differs in the last bit)
    return np.fromiter(map(math.log, x.tolist()), dtype=np.float64, count=x.size)


def _qr_numpy(kind, lr, X, row_sq, scale, S, replace, noise, gain, perm, Q, state, k_live,
              overflow, sums, burn_in, n_steps, block_len, n_blocks, reorth, ztol, zx, zr, chunk):
    """Plain-NumPy twin of ``_qr_kernel``: active chains vectorised, same operations and order."""
    del zx, zr, chunk
    streams = NumpyStreams(state)
    C, D, k = Q.shape
    d = D - 1 if kind == 2 else D
    n = X.shape[0]
    T = burn_in + n_steps
    since = np.zeros(C, dtype=np.int64)
    bound = np.ones(C)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(T):
            meas = t >= burn_in
            blk = min((t - burn_in) // block_len, n_blocks - 1) if meas else -1
            force = t + 1 == burn_in or t + 1 == T
            if meas and blk < n_blocks - 1 and t + 1 - burn_in == (blk + 1) * block_len:
                force = True
            act = np.flatnonzero((k_live > 0) & ~overflow)
            if act.size == 0:
                break
            m = act.size
            if kind == 0:
                rows = np.empty((m, S), dtype=np.intp)
                sq = np.zeros(m)
                for j in range(S):
                    U = streams.uniform(act)
                    if replace:
                        idx = np.minimum((U * n).astype(np.intp), n - 1)
                    else:
                        r = j + np.minimum((U * (n - j)).astype(np.intp), n - j - 1)
                        tmp = perm[act, j].copy()
                        perm[act, j] = perm[act, r]
                        perm[act, r] = tmp
                        idx = perm[act, j]
                    rows[:, j] = idx
                    sq = sq + row_sq[idx]
                coef = lr[act] * scale / S
                mb = 1.0 + coef * sq
                xb = X[rows]                             # (m, S, d)
            elif kind == 1:
                xb = np.empty((m, S, d))
                sq = np.zeros(m)
                for j in range(S):
                    for i in range(d):
                        z = streams.normal(act)
                        xb[:, j, i] = z
                        sq = sq + z * z
                coef = lr[act] * scale / S
                mb = 1.0 + coef * sq
            else:
                cv = np.zeros((m, d))
                for j in range(S):
                    xs = np.empty((m, d))
                    for i in range(d):
                        xs[:, i] = streams.normal(act)
                    e = streams.normal(act)
                    yv = xs[:, 0] + noise * e
                    for i in range(d):
                        cv[:, i] = cv[:, i] + yv * xs[:, i]
                cn = np.zeros(m)
                for i in range(d):
                    cv[:, i] = cv[:, i] / S
                    cn = cn + cv[:, i] * cv[:, i]
                a = lr[act] * gain
                mb = 1.0 + a * np.sqrt(cn)

            kl = k_live[act]
            bad = np.zeros(m, dtype=bool)
            cmin = np.full(m, np.inf)
            cmax = np.zeros(m)
            for p in range(k):
                sel = kl > p
                if not sel.any():
                    break
                ch = act[sel]
                q = Q[ch, :, p]                          # (ms, D) copy
                if kind == 2:
                    tt = np.zeros(ch.size)
                    for i in range(d):
                        tt = tt + cv[sel, i] * q[:, 1 + i]
                    q0 = q[:, 0].copy()
                    q[:, 0] = q0 + a[sel] * tt
                    for i in range(d):
                        q[:, 1 + i] = q[:, 1 + i] + a[sel] * cv[sel, i] * q0
                else:
                    xs_ = xb[sel]
                    vv = np.empty((ch.size, S))
                    for j in range(S):
                        acc = np.zeros(ch.size)
                        for i in range(D):
                            acc = acc + xs_[:, j, i] * q[:, i]
                        vv[:, j] = acc
                    for i in range(D):
                        g = np.zeros(ch.size)
                        for j in range(S):
                            g = g + vv[:, j] * xs_[:, j, i]
                        q[:, i] = q[:, i] - coef[sel] * g
                Q[ch, :, p] = q
                az = np.abs(q)
                bad[sel] |= np.any(~(az <= _BIG * _BIG), axis=1)
                colmax = np.max(np.where(az <= _BIG * _BIG, az, 0.0), axis=1)
                cmin[sel] = np.minimum(cmin[sel], colmax)
                cmax[sel] = np.maximum(cmax[sel], colmax)
            overflow[act[bad]] = True
            ok = ~bad
            since[act[ok]] += 1
            bound[act[ok]] = bound[act[ok]] * mb[ok]
            b_act = bound[act]
            need = ok & (force | (since[act] >= reorth) | (cmin < _SMALL) | (cmax > _BIG)
                         | (b_act > _BOUND_CAP))
            qc = act[need]
            if qc.size == 0:
                continue
            zero_tol = ztol * bound[qc]
            cur = k_live[qc].copy()
            new_kl = cur.copy()
            alive = np.ones(qc.size, dtype=bool)
            for j in range(k):
                jj = alive & (cur > j)
                if not jj.any():
                    break
                ch = qc[jj]
                for _ in range(2):
                    for i in range(j):
                        rij = np.zeros(ch.size)
                        for row in range(D):
                            rij = rij + Q[ch, row, i] * Q[ch, row, j]
                        for row in range(D):
                            Q[ch, row, j] = Q[ch, row, j] - rij * Q[ch, row, i]
                col = Q[ch, :, j]
                colmax = np.zeros(ch.size)
                for row in range(D):
                    colmax = np.maximum(colmax, np.abs(col[:, row]))
                pos = colmax > 0.0
                ss = np.zeros(ch.size)
                safe = np.where(pos, colmax, 1.0)
                for row in range(D):
                    tq = col[:, row] / safe
                    ss = ss + tq * tq
                nrm = np.where(pos, colmax * np.sqrt(ss), 0.0)
                lost = ~(nrm > zero_tol[jj])
                where_jj = np.flatnonzero(jj)
                new_kl[where_jj[lost]] = j
                alive[where_jj[lost]] = False
                keep = ~lost
                chk = ch[keep]
                Q[chk, :, j] = col[keep] / nrm[keep][:, None]
                if meas and chk.size:
                    sums[chk, blk, j] += _log_libm(nrm[keep])
            k_live[qc] = new_kl
            since[qc] = 0
            bound[qc] = 1.0
    state[...] = streams.s


def _law_setup(law):
    """Kernel inputs describing the law: kind, X, row_sq, scale, S, replace, noise, gain, D."""
    dummy_x = np.zeros((1, 1))
    dummy_sq = np.zeros(1)
    if isinstance(law, FiniteRowsLaw):
        X = np.array(law.X, dtype=np.float64, order="C")      # writable: one kernel signature
        row_sq = np.zeros(X.shape[0])
        for i in range(X.shape[1]):                  # ‖x_i‖² for the growth bound
            row_sq = row_sq + X[:, i] * X[:, i]
        return 0, X, row_sq, law.scale, law.batch_size, law.replace, 0.0, 0.0, X.shape[1]
    if isinstance(law, GaussianRowsLaw):
        return 1, dummy_x, dummy_sq, law.scale, law.batch_size, True, 0.0, 0.0, law.dim
    if isinstance(law, TwoLayerVectorLaw):
        return (2, dummy_x, dummy_sq, 1.0, law.batch_size, True, law.noise, law.kappa * law.s1,
                law.dim + 1)
    raise ValueError("law must be a FiniteRowsLaw, GaussianRowsLaw or TwoLayerVectorLaw; "
                     f"got {type(law).__name__}")


def _mgs_start(Z: np.ndarray) -> np.ndarray:
    """Orthonormalise the columns of each chain's Z (C, D, k): the random start."""
    Q = Z.copy()
    for j in range(Q.shape[2]):
        for i in range(j):
            rij = np.einsum("cr,cr->c", Q[:, :, i], Q[:, :, j])
            Q[:, :, j] -= rij[:, None] * Q[:, :, i]
        Q[:, :, j] /= np.linalg.norm(Q[:, :, j], axis=1)[:, None]
    return np.ascontiguousarray(Q)


def _lyapunov_qr(core, lr, law, n_steps, seed, k, n_chains, burn_in, reorth_every,
                 n_blocks) -> LyapunovResult:
    lr = _as_lr(lr)
    kind, X, row_sq, scale, S, replace, noise, gain, D = _law_setup(law)
    if k is None:
        k = D
    k = _as_count(k, "k", 1)
    if k > D:
        raise ValueError(f"k must be <= the dimension D = {D} of the product; got {k}")
    n_chains = _as_count(n_chains, "n_chains", 1)
    n_blocks = _as_count(n_blocks, "n_blocks", 1)
    if n_blocks * n_chains < _MIN_BLOCKS:
        raise ValueError(f"n_blocks·n_chains must be >= {_MIN_BLOCKS} for a batch-means standard "
                         f"error; got n_blocks = {n_blocks}, n_chains = {n_chains}")
    n_steps = _as_count(n_steps, "n_steps", n_blocks)
    seed = as_seed(seed)
    burn_in = n_steps // 10 if burn_in is None else _as_count(burn_in, "burn_in", 0)
    reorth_every = _as_count(reorth_every, "reorth_every", 1)

    n_cells = lr.size
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


_QR_DOC = """
    Parameters
    ----------
    lr : float or array
        Step sizes λ > 0, one cell each (any shape).
    law : FiniteRowsLaw, GaussianRowsLaw or TwoLayerVectorLaw
        Law of the i.i.d. factors M_t (dimension D).
    n_steps : int
        Measured steps per chain (after burn-in), ≥ n_blocks.
    seed : int
        Chain j of cell k (row-major) uses stream k·n_chains + j.
    k : int or None, default 1
        Number of exponents (1: top exponent; None or D: full spectrum).
    n_chains : int, default 1
        Independent replicas per cell; their blocks are pooled.
    burn_in : int, optional
        Discarded initial steps (default n_steps // 10; spec §8.2: ≳ 10/(Λ₁ − Λ₂)).
    reorth_every : int, default 1
        Steps between re-orthonormalisations r (extra ones happen before under/overflow).
        r > 1 is faster but loses the trailing exponents once (Λ₁ − Λ_k)·r exceeds ~30.
    n_blocks : int, default 32
        Batch-means blocks per chain K (n_blocks·n_chains ≥ 30).

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
    arXiv 2303.13093, Theorem 3 (spec SGD-S §3.2, §8.2).
"""


def lyapunov_qr(lr, law, n_steps, seed, k=1, n_chains=1, burn_in=None, reorth_every=1,
                n_blocks=32) -> LyapunovResult:
    r"""Lyapunov exponents Λ_j = lim (1/t) log R_jj of M_t ⋯ M_1 by the QR method (numba kernel).

    Λ₁ = lim_t (1/t) log‖M_t ⋯ M_1‖ decides probabilistic stability of linearised SGD
    (spec §3.2: stable for every θ_0 iff Λ₁ < 0); Λ₁ + … + Λ_D = E log|det M| (sum rule; for
    a rank-1 update det M = 1 − λ·scale·‖x‖²). Tracks k orthonormal directions per chain,
    Q ← M_t Q, re-orthonormalised (MGS) with log R_jj accumulated in K blocks after burn-in;
    the standard error is that of the block means. See the module docstring for the zero and
    overflow rules.
"""
    return _lyapunov_qr(_qr_kernel, lr, law, n_steps, seed, k, n_chains, burn_in, reorth_every,
                        n_blocks)


def lyapunov_qr_reference(lr, law, n_steps, seed, k=1, n_chains=1, burn_in=None, reorth_every=1,
                          n_blocks=32) -> LyapunovResult:
    r"""Plain-NumPy reference of :func:`lyapunov_qr` (the test oracle).

    Same random streams, updates, re-orthonormalisation schedule and floating-point order,
    vectorised over the active chains; slow.
"""
    return _lyapunov_qr(_qr_numpy, lr, law, n_steps, seed, k, n_chains, burn_in, reorth_every,
                        n_blocks)


lyapunov_qr.__doc__ += _QR_DOC
lyapunov_qr_reference.__doc__ += _QR_DOC

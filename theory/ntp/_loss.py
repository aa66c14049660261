r"""Cross-entropy of the linear next-token model, its entropy bound and its gradient, cancellation-free.

Thrampoulidis (2024), Eqs. (1)–(2) and §2: with logits $\ell_j = W\bar h_j$ and softmax $s_j = S(\ell_j)$,

$$\mathrm{CE}(W) = \sum_j \hat\pi_j\,[\operatorname{logsumexp}(\ell_j) - \hat p_j^\top \ell_j]
= \mathcal H + \sum_j \hat\pi_j\,\mathrm{KL}(\hat p_j \,\|\, s_j),\qquad
\nabla\mathrm{CE}(W) = (S(W\bar H) - P)\,\Pi\,\bar H^\top .$$

Near the entropy bound the naive forms lose every digit (CE $\approx \mathcal H$, $s_z \approx \hat p_z$,
$s_v \approx 0$ off the support). Here, per context, with $\delta_z = \log \hat p_z - \log s_z$ on $S_j$
and $s_{\rm out} = \sum_{v \notin S_j} s_v$,

$$\mathrm{KL}(\hat p_j\|s_j) = \sum_{z\in S_j} \hat p_z\,\varphi(\delta_z) + s_{\rm out},
\qquad \varphi(x) = x + e^{-x} - 1 \ge 0,$$

a sum of non-negative terms (it uses $\sum_{z \in S_j}\hat p_z = 1$), and $s_z - \hat p_z = \hat p_z\,
\operatorname{expm1}(-\delta_z)$. The $\delta_z$ themselves come from the in-support split of the
log-partition: with $a$ the most likely token, $g_z = \ell_z - \log\hat p_z$ and
$t_z = g_z - g_a = (\ell_z - \ell_a) - \log(\hat p_z/\hat p_a)$ (no large offset survives),

$$\log\sum_{z\in S_j} e^{\ell_z} = g_a + \Lambda,\quad \Lambda = \log\sum_{z\in S_j}\hat p_z e^{t_z}
= \operatorname{log1p}\Big(\sum_{z\in S_j}\hat p_z\operatorname{expm1}(t_z)\Big),\quad
\delta_z = \Lambda - t_z + \operatorname{log1p}(r),$$

$r = \sum_{v\notin S_j} e^{\ell_v} / \sum_{z \in S_j} e^{\ell_z}$. Derivation: docs/ntp.md#the-model-and-the-entropy-bound.
"""

from __future__ import annotations

import numpy as np

from ..validate import as_finite_array, guard_numerics
from ._data import _as_distributions, _as_frequencies, as_data

__all__ = ["entropy", "excess_loss", "gradient", "loss", "step_size_bound"]

_EXP_SAFE = 700.0     # expm1/exp arguments above this would overflow float64 (e^709.8)


def _logsumexp_masked(X: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Column-wise log Σ_{mask} exp(X); -inf for a column with no entry."""
    Y = np.where(mask, X, -np.inf)
    top = Y.max(axis=0)
    shift = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        return np.log(np.exp(Y - shift).sum(axis=0)) + shift


def _phi(x: np.ndarray) -> np.ndarray:
    r"""$\varphi(x) = x + e^{-x} - 1 \ge 0$ without cancellation (Taylor series for $|x| < 1/2$)."""
    x = np.asarray(x, dtype=np.float64)
    small = np.abs(x) < 0.5
    xs = np.where(small, x, 0.0)
    # Σ_{k>=2} (-x)^k/k! = x²/2 · [1 + (-x)/3 · [1 + (-x)/4 · [...]]], to k = 20: truncation
    # below 0.5^18/20! relative, far under eps
    acc = np.ones_like(xs)
    for k in range(20, 2, -1):
        acc = 1.0 + (-xs) * acc / k
    acc = acc / 2.0
    series = xs * xs * acc
    xl = np.where(small, 1.0, np.maximum(x, -_EXP_SAFE))
    direct = np.expm1(-xl) + xl
    return np.where(small, series, direct)



def _parts(W: np.ndarray, H: np.ndarray, P: np.ndarray, S: np.ndarray):
    """Per-context pieces, logits taken relative to the anchor's (ℓ - ℓ_a, so no large offset is kept).

    Returns delta (V, m; 0 off S), c = ℓ - ℓ_a (V, m), log Z - ℓ_a (m,), s_out (m,), log p (V, m; 0 off S).
    """
    Lg = W @ H
    m = Lg.shape[1]
    cols = np.arange(m)
    a = np.argmax(np.where(S, P, -1.0), axis=0)          # anchor: the most likely token
    pa = P[a, cols]
    c = Lg - Lg[a, cols]
    logp = np.log(np.where(S, P, 1.0))                   # 0 off the support
    log_ratio = np.log(np.where(S, P / pa, 1.0))         # log(p_z/p_a): one rounding, no large offset
    t = np.where(S, c - log_ratio, 0.0)
    tmax = np.where(S, t, -np.inf).max(axis=0)
    near = tmax <= _EXP_SAFE
    x = np.where(S, P * np.expm1(np.where(S & near, t, 0.0)), 0.0).sum(axis=0)
    lam = np.where(near, np.log1p(np.where(near, x, 0.0)), 0.0)
    if not near.all():                                    # some t huge: plain log-sum-exp is accurate there
        far = _logsumexp_masked(t + logp, S)
        lam = np.where(near, lam, far)
    lse_in = lam - np.log(pa)                             # log Σ_{S_j} e^{ℓ_z - ℓ_a}
    log_r = _logsumexp_masked(c, ~S) - lse_in            # -inf when S_j is the whole vocabulary
    softplus = np.logaddexp(0.0, log_r)                  # log(1 + r)
    delta = np.where(S, lam - t + softplus, 0.0)
    s_out = np.exp(log_r - softplus)                     # r / (1 + r)
    return delta, c, lse_in + softplus, s_out, logp


def _validated(W, H, P, pi):
    data = as_data(H, P, pi)
    W = as_finite_array(W, "W", ndim=2)
    if W.shape != (data.V, data.d):
        raise ValueError(f"W must have shape (V, d) = ({data.V}, {data.d}) (V from P, d from H); got {W.shape}")
    return W, data


def _kl_columns(W, data) -> np.ndarray:
    delta, _, _, s_out, logp = _parts(W, data.H, data.P, data.support)
    # p φ(δ) = (s - p) + p δ; for δ < -700 (p below e^-700) e^{-δ} overflows, so use s = e^{log p - δ}
    ok = delta > -_EXP_SAFE
    far = np.exp(np.minimum(logp - delta, 0.0)) - data.P + data.P * delta
    terms = np.where(data.support, np.where(ok, data.P * _phi(np.where(ok, delta, 0.0)), far), 0.0)
    return terms.sum(axis=0) + s_out


@guard_numerics
def entropy(P, pi) -> float:
    r"""The entropy lower bound of the NTP loss (Thrampoulidis 2024, Eq. (3)).

    $$\mathcal H = -\sum_j \hat\pi_j \sum_{z \in S_j} \hat p_{j,z}\log \hat p_{j,z} \le \mathrm{CE}(W).$$

    Parameters
    ----------
    P : array_like, shape (V, m)
        Next-token distributions (columns sum to one within $10^{-9}$; rescaled).
    pi : array_like, shape (m,)
        Context frequencies ($> 0$, sum one within $10^{-9}$; rescaled).

    Returns
    -------
    float
        $\mathcal H \ge 0$ in nats.
    """
    P = _as_distributions(P)
    pi = _as_frequencies(pi, P.shape[1])
    pos = P > 0
    plogp = np.where(pos, P * np.log(np.where(pos, P, 1.0)), 0.0)
    return float(-(plogp.sum(axis=0) @ pi)) + 0.0   # + 0.0: no -0.0


@guard_numerics
def excess_loss(W, H, P, pi) -> float:
    r"""$\mathrm{CE}(W) - \mathcal H = \sum_j \hat\pi_j \mathrm{KL}(\hat p_j \| S(W\bar h_j))$, cancellation-free.

    Thrampoulidis (2024), §2: computed as a sum of non-negative terms
    $\sum_{z\in S_j}\hat p_z\varphi(\delta_z) + s_{\rm out}$ (module docstring), so it keeps its relative
    accuracy when it is $10^{-12}$ or smaller: the error is first order in the rounding of
    $\log \hat p$ and of the logits, about $\sum \hat p_z|\delta_z|\cdot\epsilon(|\ell_z| + |\log\hat p_z|)$, not
    $\epsilon\cdot\mathrm{CE}$ as for the difference of the two.

    Parameters
    ----------
    W : array_like, shape (V, d)
        Decoder.
    H : array_like, shape (d, m)
        Context embeddings.
    P : array_like, shape (V, m)
        Next-token distributions.
    pi : array_like, shape (m,)
        Context frequencies.

    Returns
    -------
    float
        The excess loss, $\ge 0$ (0 only when every support is the whole vocabulary and the
        softmax matches $\hat p$).
    """
    W, data = _validated(W, H, P, pi)
    return float(_kl_columns(W, data) @ data.pi)


@guard_numerics
def loss(W, H, P, pi) -> float:
    r"""The NTP cross-entropy $\mathrm{CE}(W)$ of the linear model (Thrampoulidis 2024, Eq. (2)).

    $$\mathrm{CE}(W) = \sum_j \hat\pi_j\,[\operatorname{logsumexp}(W\bar h_j) - \hat p_j^\top W \bar h_j],$$

    evaluated as $\mathcal H$ + :func:`excess_loss` (two non-negative sums, no cancellation).

    Parameters
    ----------
    W : array_like, shape (V, d)
        Decoder.
    H : array_like, shape (d, m)
        Context embeddings.
    P : array_like, shape (V, m)
        Next-token distributions.
    pi : array_like, shape (m,)
        Context frequencies.

    Returns
    -------
    float
        $\mathrm{CE}(W) \ge \mathcal H$.
    """
    W, data = _validated(W, H, P, pi)
    return entropy(data.P, data.pi) + float(_kl_columns(W, data) @ data.pi)


@guard_numerics
def gradient(W, H, P, pi) -> np.ndarray:
    r"""$\nabla \mathrm{CE}(W) = (S(W\bar H) - P)\,\Pi\,\bar H^\top$ (Thrampoulidis 2024, §2), cancellation-free.

    In the support $s_z - \hat p_z = \hat p_z \operatorname{expm1}(-\delta_z)$ with $\delta_z = \log\hat p_z - \log s_z$
    from the in-support log-sum-exp split (module docstring); off the support $s_v = e^{\ell_v - \log Z}$
    directly. So neither part loses digits when the softmax saturates or $\hat p_z$ is tiny.
    The columns of $S - P$ sum to zero, so $\mathbf 1^\top \nabla = 0$ (up to rounding).

    Parameters
    ----------
    W : array_like, shape (V, d)
        Decoder.
    H : array_like, shape (d, m)
        Context embeddings.
    P : array_like, shape (V, m)
        Next-token distributions.
    pi : array_like, shape (m,)
        Context frequencies.

    Returns
    -------
    numpy.ndarray, shape (V, d)
    """
    W, data = _validated(W, H, P, pi)
    S = data.support
    delta, c, log_z, _, logp = _parts(W, data.H, data.P, S)
    with np.errstate(over="ignore"):
        ok = delta > -_EXP_SAFE
        inside = np.where(ok, data.P * np.expm1(-np.where(ok, delta, 0.0)),
                          np.exp(np.minimum(logp - delta, 0.0)) - data.P)   # s_z = e^{log p - δ}: no overflow
    outside = np.exp(np.where(S, -np.inf, c - log_z))
    D = np.where(S, inside, outside)
    return (D * data.pi) @ data.H.T


@guard_numerics
def step_size_bound(H, pi) -> float:
    r"""Safe gradient-descent step $1/\lambda_{\max}(\bar H \Pi \bar H^\top)$ (Thrampoulidis 2024, Lemma 2).

    The logit Hessian $\mathrm{diag}(s) - ss^\top$ has $\lambda_{\max} \le 1/2$, so CE is $L$-smooth with
    $L \le \lambda_{\max}(\bar H\Pi\bar H^\top)/2$, and the paper's condition $\eta \le 1/(2L)$ holds for
    $\eta \le 1/\lambda_{\max}(\bar H\Pi\bar H^\top)$.

    Parameters
    ----------
    H : array_like, shape (d, m)
        Context embeddings.
    pi : array_like, shape (m,)
        Context frequencies.

    Returns
    -------
    float
        The bound; ``inf`` when ``H`` is zero (the loss is then constant).
    """
    H = as_finite_array(H, "H", ndim=2)
    if H.shape[0] < 1 or H.shape[1] < 1:
        raise ValueError(f"H must have d >= 1 rows and m >= 1 columns (contexts); got shape {H.shape}")
    pi = _as_frequencies(pi, H.shape[1])
    lam = float(np.linalg.norm(H * np.sqrt(pi), 2) ** 2)
    return 1.0 / lam if lam > 0 else float("inf")

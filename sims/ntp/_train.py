r"""Training the linear next-token model: GD, normalised GD, momentum, Adam, SGD over contexts.

Thrampoulidis (2024), "Implicit Optimization Bias of Next-Token Prediction in Linear Models",
arXiv 2402.18551: a decoder W (V × d) on fixed context embeddings (columns of H, d × m) trained
with the cross-entropy $CE(W) = \sum_j \hat\pi_j\,[\log\sum_v e^{w_v^\top \bar h_j} - \hat p_j^\top W\bar h_j]$
(docs/ntp.md#the-model-and-the-entropy-bound). Lemma 2: GD drives $CE(W_k) \to \mathcal H$ and
$\|W_k\| \to \infty$; Theorem 2: $W_k/\|W_k\| \to W^{mm}/\|W^{mm}\|$ and $P_F(W_k) \to W^\star$
(docs/ntp.md#gradient-descent-and-theorem-2).

Each optimiser is declared on the shared simulation engine (:func:`sims._kernels.simulation`):
a numba kernel and a NumPy oracle that agree bit for bit (``sims/ntp/_train_kernels.py``). The
kernel advances W between checkpoints; the driver computes the checkpoint metrics from the
recorded W with the theory functions, with $W^{mm}$ and $W^\star$ computed once per call.
"""

from __future__ import annotations

import numpy as np

from theory.validate import as_positive_scalar, as_seed, format_value

from .._kernels import simulation
from .._rng import seed_streams
from ._history import (
    NTPHistory,
    NTPRun,
    _as_beta,
    _finish,
    _Problem,
    _problem,
    _step_size_note,
)
from ._train_kernels import (
    ADAM,
    GD,
    MOMENTUM,
    NGD,
    _full_batch_kernel,
    _full_batch_numpy,
    _sgd_kernel,
    _sgd_numpy,
)

__all__ = [
    "NTPHistory",
    "NTPRun",
    "adam",
    "adam_reference",
    "gradient_descent",
    "gradient_descent_reference",
    "momentum_descent",
    "momentum_descent_reference",
    "normalized_gradient_descent",
    "normalized_gradient_descent_reference",
    "sgd_contexts",
    "sgd_contexts_reference",
]

def _full_batch(core, prob: _Problem, method, beta1=0.0, beta2=0.0, eps=0.0):
    return core(prob.H, prob.Ht, prob.P, prob.logP, prob.support, prob.pi, prob.W0, prob.lr,
                method, beta1, beta2, eps, prob.steps, prob.checkpoints)


# --------------------------------------------------------------------------------------------
# registry cases (sims/_kernels.py): a small separable and compatible instance
# --------------------------------------------------------------------------------------------

def _case_data():
    """V = 5, d = 6, m = 4, supports of size 2 (d > m: separable and compatible by Lemma 1)."""
    rng = np.random.default_rng(0)
    V, d, m = 5, 6, 4
    H = rng.standard_normal((d, m))
    P = np.zeros((V, m))
    for j in range(m):
        P[rng.choice(V, 2, replace=False), j] = rng.dirichlet(np.ones(2))
    pi = np.full(m, 1.0 / m)
    return H, P, pi


def _cases(**kwargs):
    def make(lr, steps):
        def case():
            H, P, pi = _case_data()
            return (H, P, pi, lr, steps), dict(kwargs)
        return case
    # lr = 0.4 is below 1/λ_max(HΠHᵀ) = 0.434 for this instance; lr = 1e308 overflows W at the first step
    return {"default": make(0.4, 300), "diverging": make(1e308, 20)}


def _diverged(result) -> np.ndarray:
    return np.asarray([result.diverged])


# --------------------------------------------------------------------------------------------
# the optimisers
# --------------------------------------------------------------------------------------------

@simulation("ntp", backends={"numba": _full_batch_kernel, "numpy": _full_batch_numpy},
            cases=_cases(), diverged=_diverged)
def gradient_descent(core, H, P, pi, lr, steps, W0=None, checkpoints=None) -> NTPRun:
    r"""Full-batch gradient descent on the NTP cross-entropy (numba kernel).

    $$W_{k+1} = W_k - \eta\,\nabla CE(W_k), \qquad \nabla CE(W) = (S(WH) - P)\,\Pi H^\top,$$

    with the residual $S - P$ formed without cancellation
    (docs/ntp.md#the-model-and-the-entropy-bound). Lemma 2 assumes $\eta \le 1/(2L)$, implied by
    $\eta \le 1/\lambda_{max}(H\Pi H^\top)$; a larger lr is run and noted in ``notes``.

    Parameters
    ----------
    H : array of shape (d, m)
        Context embeddings $\bar h_j$ (columns).
    P : array of shape (V, m)
        Next-token distributions $\hat p_j$ (columns sum to 1; the support is ``P > 0``).
    pi : array of shape (m,)
        Context frequencies $\hat\pi_j > 0$, summing to 1.
    lr : float
        Step size $\eta > 0$.
    steps : int
        Number of updates (>= 0).
    W0 : array of shape (V, d), optional
        Initial decoder (default zero).
    checkpoints : array of int, optional
        Strictly increasing steps in [0, ``steps``] at which the metrics are recorded (default:
        about 40 log-spaced steps including 0 and ``steps``, :func:`default_checkpoints`).

    Returns
    -------
    NTPRun
        Final ``W``, ``history`` (:class:`NTPHistory`: excess loss, $\|W\|$, corr(W, W^mm),
        corr(W − W⋆, W^mm), $\|P_F W - W^\star\|$, $\|P_\perp W\|$ at the checkpoints),
        ``diverged``, ``diverged_at``, ``notes``, ``entropy``, ``W_mm``, ``W_star``.

    Raises
    ------
    ValueError
        Naming the argument: invalid data (``theory.ntp.as_data``), lr <= 0, bad ``steps``,
        ``W0`` not finite or not (V, d), bad ``checkpoints``, a run too large to finish.

    References
    ----------
    Thrampoulidis (2024), "Implicit Optimization Bias of Next-Token Prediction in Linear
    Models", arXiv 2402.18551, Lemma 2 and Theorem 2 (docs/ntp.md#gradient-descent-and-theorem-2).
    """
    prob = _problem(H, P, pi, lr, steps, W0, checkpoints, full_batch=True)
    return _finish(prob, _full_batch(core, prob, GD), "gd", _step_size_note(prob))


@simulation("ntp", backends={"numba": _full_batch_kernel, "numpy": _full_batch_numpy},
            cases=_cases(), diverged=_diverged)
def normalized_gradient_descent(core, H, P, pi, lr, steps, W0=None, checkpoints=None) -> NTPRun:
    r"""Normalised gradient descent on the NTP cross-entropy (numba kernel).

    $$W_{k+1} = W_k - \eta\,\nabla CE(W_k)/\|\nabla CE(W_k)\|$$

    (Frobenius norm; a step with an exactly zero gradient leaves W unchanged). Thrampoulidis
    (2024), App. A.2, uses $\eta = 0.01$.

    Parameters
    ----------
    H : array of shape (d, m)
        Context embeddings $\bar h_j$ (columns).
    P : array of shape (V, m)
        Next-token distributions $\hat p_j$ (columns sum to 1; the support is ``P > 0``).
    pi : array of shape (m,)
        Context frequencies $\hat\pi_j > 0$, summing to 1.
    lr : float
        Step size $\eta > 0$.
    steps : int
        Number of updates (>= 0).
    W0 : array of shape (V, d), optional
        Initial decoder (default zero).
    checkpoints : array of int, optional
        Strictly increasing steps in [0, ``steps``] at which the metrics are recorded (default:
        about 40 log-spaced steps including 0 and ``steps``, :func:`default_checkpoints`).

    Returns
    -------
    NTPRun
        Final ``W``, ``history`` (:class:`NTPHistory`: excess loss, $\|W\|$, corr(W, W^mm),
        corr(W − W⋆, W^mm), $\|P_F W - W^\star\|$, $\|P_\perp W\|$ at the checkpoints),
        ``diverged``, ``diverged_at``, ``notes``, ``entropy``, ``W_mm``, ``W_star``.

    Raises
    ------
    ValueError
        Naming the argument: invalid data (``theory.ntp.as_data``), lr <= 0, bad ``steps``,
        ``W0`` not finite or not (V, d), bad ``checkpoints``, a run too large to finish.

    References
    ----------
    Thrampoulidis (2024), "Implicit Optimization Bias of Next-Token Prediction in Linear
    Models", arXiv 2402.18551, Lemma 2 and Theorem 2 (docs/ntp.md#gradient-descent-and-theorem-2).
    """
    prob = _problem(H, P, pi, lr, steps, W0, checkpoints, full_batch=True)
    return _finish(prob, _full_batch(core, prob, NGD), "ngd")


@simulation("ntp", backends={"numba": _full_batch_kernel, "numpy": _full_batch_numpy},
            cases=_cases(beta=0.9), diverged=_diverged)
def momentum_descent(core, H, P, pi, lr, steps, W0=None, checkpoints=None, beta=0.9) -> NTPRun:
    r"""Heavy-ball momentum on the NTP cross-entropy (numba kernel).

    $$M_{k+1} = \beta M_k + \nabla CE(W_k), \qquad W_{k+1} = W_k - \eta M_{k+1}, \qquad M_0 = 0.$$

    Parameters
    ----------
    H : array of shape (d, m)
        Context embeddings $\bar h_j$ (columns).
    P : array of shape (V, m)
        Next-token distributions $\hat p_j$ (columns sum to 1; the support is ``P > 0``).
    pi : array of shape (m,)
        Context frequencies $\hat\pi_j > 0$, summing to 1.
    lr : float
        Step size $\eta > 0$.
    steps : int
        Number of updates (>= 0).
    W0 : array of shape (V, d), optional
        Initial decoder (default zero).
    checkpoints : array of int, optional
        Strictly increasing steps in [0, ``steps``] at which the metrics are recorded (default:
        about 40 log-spaced steps including 0 and ``steps``, :func:`default_checkpoints`).
    beta : float, default 0.9
        Momentum $\beta$ in [0, 1).

    Returns
    -------
    NTPRun
        Final ``W``, ``history`` (:class:`NTPHistory`: excess loss, $\|W\|$, corr(W, W^mm),
        corr(W − W⋆, W^mm), $\|P_F W - W^\star\|$, $\|P_\perp W\|$ at the checkpoints),
        ``diverged``, ``diverged_at``, ``notes``, ``entropy``, ``W_mm``, ``W_star``.

    Raises
    ------
    ValueError
        Naming the argument: invalid data (``theory.ntp.as_data``), lr <= 0, bad ``steps``,
        ``W0`` not finite or not (V, d), bad ``checkpoints``, a run too large to finish.

    References
    ----------
    Thrampoulidis (2024), "Implicit Optimization Bias of Next-Token Prediction in Linear
    Models", arXiv 2402.18551, Lemma 2 and Theorem 2 (docs/ntp.md#gradient-descent-and-theorem-2).
    """
    prob = _problem(H, P, pi, lr, steps, W0, checkpoints, full_batch=True)
    beta = _as_beta(beta, "beta")
    return _finish(prob, _full_batch(core, prob, MOMENTUM, beta1=beta), "momentum")


@simulation("ntp", backends={"numba": _full_batch_kernel, "numpy": _full_batch_numpy},
            cases=_cases(), diverged=_diverged)
def adam(core, H, P, pi, lr, steps, W0=None, checkpoints=None, betas=(0.9, 0.99), eps=1e-8) -> NTPRun:
    r"""Adam (full batch, bias-corrected) on the NTP cross-entropy (numba kernel).

    With $G_k = \nabla CE(W_k)$: $M_{k+1} = \beta_1 M_k + (1-\beta_1)G_k$,
    $V_{k+1} = \beta_2 V_k + (1-\beta_2)G_k^{\odot 2}$ and
    $W_{k+1} = W_k - \eta\,\frac{M_{k+1}/(1-\beta_1^{k+1})}{\sqrt{V_{k+1}/(1-\beta_2^{k+1})} + \epsilon}$
    (elementwise). Thrampoulidis (2024), App. A.2: $\eta = 0.01$, $\beta = (0.9, 0.99)$; that
    Adam finds the same direction is an observation of the paper, not a theorem.

    Parameters
    ----------
    H : array of shape (d, m)
        Context embeddings $\bar h_j$ (columns).
    P : array of shape (V, m)
        Next-token distributions $\hat p_j$ (columns sum to 1; the support is ``P > 0``).
    pi : array of shape (m,)
        Context frequencies $\hat\pi_j > 0$, summing to 1.
    lr : float
        Step size $\eta > 0$.
    steps : int
        Number of updates (>= 0).
    W0 : array of shape (V, d), optional
        Initial decoder (default zero).
    checkpoints : array of int, optional
        Strictly increasing steps in [0, ``steps``] at which the metrics are recorded (default:
        about 40 log-spaced steps including 0 and ``steps``, :func:`default_checkpoints`).
    betas : pair of float, default (0.9, 0.99)
        $(\beta_1, \beta_2)$, each in [0, 1).
    eps : float, default 1e-8
        $\epsilon > 0$.

    Returns
    -------
    NTPRun
        Final ``W``, ``history`` (:class:`NTPHistory`: excess loss, $\|W\|$, corr(W, W^mm),
        corr(W − W⋆, W^mm), $\|P_F W - W^\star\|$, $\|P_\perp W\|$ at the checkpoints),
        ``diverged``, ``diverged_at``, ``notes``, ``entropy``, ``W_mm``, ``W_star``.

    Raises
    ------
    ValueError
        Naming the argument: invalid data (``theory.ntp.as_data``), lr <= 0, bad ``steps``,
        ``W0`` not finite or not (V, d), bad ``checkpoints``, a run too large to finish.

    References
    ----------
    Thrampoulidis (2024), "Implicit Optimization Bias of Next-Token Prediction in Linear
    Models", arXiv 2402.18551, Lemma 2 and Theorem 2 (docs/ntp.md#gradient-descent-and-theorem-2).
    """
    prob = _problem(H, P, pi, lr, steps, W0, checkpoints, full_batch=True)
    if isinstance(betas, (str, bytes)) or np.ndim(betas) != 1 or len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2); got {format_value(betas)}")
    b1, b2 = _as_beta(betas[0], "betas[0]"), _as_beta(betas[1], "betas[1]")
    eps = as_positive_scalar(eps, "eps")
    return _finish(prob, _full_batch(core, prob, ADAM, b1, b2, eps), "adam")


@simulation("ntp", backends={"numba": _sgd_kernel, "numpy": _sgd_numpy},
            cases=_cases(seed=3), diverged=_diverged)
def sgd_contexts(core, H, P, pi, lr, steps, W0=None, checkpoints=None, seed=0) -> NTPRun:
    r"""SGD over distinct contexts, one context per step drawn with probability $\hat\pi_j$ (numba kernel).

    $$j_k \sim \hat\pi, \qquad W_{k+1} = W_k - \eta\,(S(W_k\bar h_{j_k}) - \hat p_{j_k})\,\bar h_{j_k}^\top,$$

    an unbiased estimate of the full gradient step. Thrampoulidis (2024) expects the same
    implicit bias for this SGD (a footnote; not proven). The contexts come from the package's
    per-chain ``xoshiro256**`` stream, so the kernel and its oracle draw the same ones.

    Parameters
    ----------
    H : array of shape (d, m)
        Context embeddings $\bar h_j$ (columns).
    P : array of shape (V, m)
        Next-token distributions $\hat p_j$ (columns sum to 1; the support is ``P > 0``).
    pi : array of shape (m,)
        Context frequencies $\hat\pi_j > 0$, summing to 1.
    lr : float
        Step size $\eta > 0$.
    steps : int
        Number of updates (>= 0).
    W0 : array of shape (V, d), optional
        Initial decoder (default zero).
    checkpoints : array of int, optional
        Strictly increasing steps in [0, ``steps``] at which the metrics are recorded (default:
        about 40 log-spaced steps including 0 and ``steps``, :func:`default_checkpoints`).
    seed : int, default 0
        Seed of the random stream.

    Returns
    -------
    NTPRun
        Final ``W``, ``history`` (:class:`NTPHistory`: excess loss, $\|W\|$, corr(W, W^mm),
        corr(W − W⋆, W^mm), $\|P_F W - W^\star\|$, $\|P_\perp W\|$ at the checkpoints),
        ``diverged``, ``diverged_at``, ``notes``, ``entropy``, ``W_mm``, ``W_star``.

    Raises
    ------
    ValueError
        Naming the argument: invalid data (``theory.ntp.as_data``), lr <= 0, bad ``steps``,
        ``W0`` not finite or not (V, d), bad ``checkpoints``, a run too large to finish.

    References
    ----------
    Thrampoulidis (2024), "Implicit Optimization Bias of Next-Token Prediction in Linear
    Models", arXiv 2402.18551, Lemma 2 and Theorem 2 (docs/ntp.md#gradient-descent-and-theorem-2).
    """
    prob = _problem(H, P, pi, lr, steps, W0, checkpoints, full_batch=False)
    seed = as_seed(seed)
    out = core(prob.H, prob.Ht, prob.P, prob.logP, prob.support, np.cumsum(prob.pi), seed_streams(seed, 1),
               prob.W0, prob.lr, prob.steps, prob.checkpoints, float(np.abs(prob.H).sum(axis=0).max()))
    return _finish(prob, out, "sgd")


gradient_descent_reference = gradient_descent.reference
"""The NumPy oracle of :func:`gradient_descent`: same arguments (no ``backend``), same result bit for bit."""

normalized_gradient_descent_reference = normalized_gradient_descent.reference
"""The NumPy oracle of :func:`normalized_gradient_descent`: same arguments (no ``backend``), same result bit for bit."""

momentum_descent_reference = momentum_descent.reference
"""The NumPy oracle of :func:`momentum_descent`: same arguments (no ``backend``), same result bit for bit."""

adam_reference = adam.reference
"""The NumPy oracle of :func:`adam`: same arguments (no ``backend``), same result bit for bit."""

sgd_contexts_reference = sgd_contexts.reference
"""The NumPy oracle of :func:`sgd_contexts`: same arguments (no ``backend``), same result bit for bit."""

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

GD and heavy-ball momentum also have a torch core (``backend="torch"``, ``sims/ntp/_torch_core.py``,
the step shared with the vocabulary-scale bridge), compared with the numba kernel to a tolerance
derived from float64 rounding (:func:`_torch_comparison`). Normalised GD and Adam run the same
torch step but declare no torch core, since the argument behind that tolerance does not carry
over: normalised GD divides by $\|\nabla CE\| \to 0$, so its sensitivity to W is not bounded by
the GD argument (measured: 2e-13 relative in W after 300 steps of the registry instance, against
7e-16 for GD); Adam divides each entry by the root of its own second moment, so near-zero
gradient entries, whose relative rounding error is unbounded, move by O(η) (measured: 5e-3
relative in W after 3000 steps).
"""

from __future__ import annotations

import numpy as np

from theory.validate import as_positive_scalar, as_seed, format_value

from .._kernels import TorchComparison, simulation
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
from ._torch_core import _full_batch_torch
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


def _torch_comparison(amplification) -> TorchComparison:
    r"""The torch core against the numba kernel: the same trajectory to float64 rounding.

    Both perform the same operations except the order of three sums per step (over d in $WH$, over
    the m contexts in $R\Pi H^\top$, over V in the softmax normaliser): by the standard bound on
    a sum of n terms in any order (error <= (n − 1)·eps·Σ|terms|) one step's results differ by at
    most about $(d + m + V + 4)\,\epsilon\,\|W\|$ in Frobenius norm (4 for the elementwise
    operations of the residual and the update). GD on the convex, L-smooth cross-entropy at
    $\eta \le 2/L$ is non-expansive, so these differences at most add: after n steps
    $\|W^{torch}_n - W^{numba}_n\| \le \tau \max_k\|W_k\|$ with
    $\tau = a\,n\,(d + m + V + 4)\,\epsilon$, $a = 1$. Heavy-ball momentum sums the rounding of
    the gradients in its buffer with weights $\beta^i$, hence $a = 1/(1 - \beta)$; this is an
    estimate, not a proof (the linearised heavy-ball iteration is stable for
    $\eta\lambda_{max} < 2(1 + \beta)$, but it is not non-expansive, and its transient growth is
    not bounded here); measured on the registry instance: 3e-15 relative after 3000 steps,
    against $\tau \approx 1.3\times10^{-10}$.

    The metrics follow from W: $\|W\|$, $\|P_\perp W\|$ and $\|P_F W - W^\star\|$ are
    1-Lipschitz; the excess loss is Lipschitz with constant $\sqrt2\,\max_j\|\bar h_j\|$
    ($\|\nabla CE\| \le \sum_j\hat\pi_j\|s_j - \hat p_j\|\|\bar h_j\|$, $\|s - p\| \le \sqrt2$);
    $\mathrm{corr}(A, B)$ moves by at most $2\|\Delta A\|/\|A\|$, with $\|W_k - W^\star\|^2 =
    \|P_\perp W_k\|^2 + \|P_F W_k - W^\star\|^2$ ($W^\star \in F$). Checkpoint steps, ``diverged``
    and ``diverged_at`` are equal; a state that is exactly zero in one is zero in the other.

    Parameters
    ----------
    amplification : callable
        ``amplification(kwargs)`` → a, from the case's keyword arguments.
    """
    eps = float(np.finfo(np.float64).eps)

    def compare(a: NTPRun, b: NTPRun, args, kwargs) -> list:
        H, P, _pi, _lr, steps = args[:5]
        d, m = np.shape(H)
        V = np.shape(P)[0]
        out = []
        if (a.diverged, a.diverged_at) != (b.diverged, b.diverged_at):
            out.append(f"diverged, diverged_at: numba {(a.diverged, a.diverged_at)}, torch {(b.diverged, b.diverged_at)}")
        if not np.array_equal(a.history.steps, b.history.steps):
            return out + [f"checkpoints reached differ: {a.history.steps} vs {b.history.steps}"]
        n = int(a.history.steps[-1]) if a.history.steps.size else 0
        tau = amplification(kwargs) * n * (d + m + V + 4) * eps
        scale = float(np.max(a.history.norm, initial=np.linalg.norm(a.W)))
        dW = tau * scale                                   # bound on ‖ΔW_k‖ at every checkpoint
        h = a.history

        def check(name, x, y, bound):
            if x is None or y is None:
                if (x is None) != (y is None):
                    out.append(f"{name}: None in one backend only")
                return
            err = np.abs(np.asarray(x) - np.asarray(y))
            if not np.all(err <= bound):
                out.append(f"{name}: max error {err.max():.3g} > tolerance {np.max(bound):.3g}")

        check("W (Frobenius)", np.linalg.norm(a.W - b.W), 0.0, dW)
        for name in ("norm", "norm_perp", "finite_error"):
            check(f"history.{name}", getattr(h, name), getattr(b.history, name), dW)
        check("history.excess_loss", h.excess_loss, b.history.excess_loss,
              np.sqrt(2.0) * np.linalg.norm(H, axis=0).max() * dW)
        with np.errstate(divide="ignore", invalid="ignore"):
            check("history.corr_max_margin", h.corr_max_margin, b.history.corr_max_margin,
                  np.where(h.norm > 0, 2 * dW / h.norm, 0.0))
            if h.finite_error is not None:
                off = np.hypot(h.norm_perp, h.finite_error)    # ‖W_k − W⋆‖
                check("history.corr_offset_max_margin", h.corr_offset_max_margin,
                      b.history.corr_offset_max_margin, np.where(off > 0, 2 * dW / off, 0.0))
        if out:
            out.append(f"tolerance: τ = {amplification(kwargs):g}·{n}·({d} + {m} + {V} + 4)·eps = {tau:.3g} "
                       f"relative to max‖W_k‖ = {scale:.3g}")
        return out

    return TorchComparison(
        kind="deterministic", compare=compare,
        tolerance="τ = a·n·(d + m + V + 4)·eps relative to max_k ‖W_k‖ (reduction order of three sums per "
                  "step; non-expansive GD, a = 1; heavy-ball, a = 1/(1 − β)); metrics through their "
                  "Lipschitz constants")


# --------------------------------------------------------------------------------------------
# the optimisers
# --------------------------------------------------------------------------------------------

@simulation("ntp", backends={"numba": _full_batch_kernel, "numpy": _full_batch_numpy, "torch": _full_batch_torch},
            cases=_cases(), diverged=_diverged, torch_comparison=_torch_comparison(lambda kwargs: 1.0))
def gradient_descent(core, H, P, pi, lr, steps, W0=None, checkpoints=None) -> NTPRun:
    r"""Full-batch gradient descent on the NTP cross-entropy (numba kernel; a torch core).

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


@simulation("ntp", backends={"numba": _full_batch_kernel, "numpy": _full_batch_numpy, "torch": _full_batch_torch},
            cases=_cases(beta=0.9), diverged=_diverged,
            torch_comparison=_torch_comparison(lambda kwargs: 1.0 / (1.0 - kwargs["beta"])))
def momentum_descent(core, H, P, pi, lr, steps, W0=None, checkpoints=None, beta=0.9) -> NTPRun:
    r"""Heavy-ball momentum on the NTP cross-entropy (numba kernel; a torch core).

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

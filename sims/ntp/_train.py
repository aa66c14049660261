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

import math
from dataclasses import dataclass

import numpy as np

from theory.summary import compact_repr
from theory.validate import (
    MAX_ENTRIES,
    as_count,
    as_finite_array,
    as_finite_scalar,
    as_positive_scalar,
    as_seed,
    check_work,
    format_value,
)

from .._kernels import simulation
from .._rng import seed_streams
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
    "default_checkpoints",
    "gradient_descent",
    "gradient_descent_reference",
    "momentum_descent",
    "momentum_descent_reference",
    "normalized_gradient_descent",
    "normalized_gradient_descent_reference",
    "sgd_contexts",
    "sgd_contexts_reference",
]

_N_CHECKPOINTS = 40


@compact_repr
@dataclass(frozen=True)
class NTPHistory:
    r"""Metrics of an NTP training run at its checkpoints (docs/ntp.md#gradient-descent-and-theorem-2).

    Attributes
    ----------
    steps : ndarray of int64, shape (R,)
        Checkpoints reached (state after that many updates; 0 is ``W0``). A run that diverged
        stops at its last valid checkpoint.
    excess_loss : ndarray of shape (R,)
        $CE(W_k) - \mathcal H = \sum_j \hat\pi_j\,\mathrm{KL}(\hat p_j\,\|\,S(W_k\bar h_j)) \ge 0$.
    norm : ndarray of shape (R,)
        $\|W_k\|$ (Frobenius).
    corr_max_margin : ndarray of shape (R,) or None
        $\mathrm{corr}(W_k, W^{mm}) = \langle W_k, W^{mm}\rangle/(\|W_k\|\|W^{mm}\|)$ (0 where
        $W_k = 0$); None when the data are not NTP-separable.
    corr_offset_max_margin : ndarray of shape (R,) or None
        $\mathrm{corr}(W_k - W^\star, W^{mm})$, the finite-k measure of direction (0 where
        $W_k = W^\star$); None unless the data are both separable and compatible.
    finite_error : ndarray of shape (R,) or None
        $\|P_F W_k - W^\star\|$; None when the data are not NTP$_\mathcal{H}$-compatible.
    norm_perp : ndarray of shape (R,)
        $\|P_\perp W_k\|$, the part of $W_k$ orthogonal to the subspace F.
    """

    steps: np.ndarray
    excess_loss: np.ndarray
    norm: np.ndarray
    corr_max_margin: np.ndarray | None
    corr_offset_max_margin: np.ndarray | None
    finite_error: np.ndarray | None
    norm_perp: np.ndarray


@compact_repr
@dataclass(frozen=True)
class NTPRun:
    r"""Result of an NTP training run.

    Attributes
    ----------
    W : ndarray of shape (V, d)
        Final decoder (the last valid state if the run diverged).
    history : NTPHistory
        Checkpoint metrics.
    diverged : bool
        W became non-finite or a logit exceeded 1e300 in absolute value, where the loss
        overflows (e.g. an absurd step size); the run stopped at the last valid state.
    diverged_at : int
        Step whose update would have produced the invalid state (−1 if never).
    notes : str
        Why some metrics are None (data not separable / not compatible), step-size warnings;
        empty when there is nothing to say.
    optimizer : str
        ``"gd"``, ``"ngd"``, ``"momentum"``, ``"adam"`` or ``"sgd"``.
    lr : float
        Step size.
    entropy : float
        The entropy lower bound $\mathcal H$ of the loss.
    W_mm : ndarray of shape (V, d) or None
        The NTP-SVM solution $W^{mm}$ the correlations use (None when not separable).
    W_star : ndarray of shape (V, d) or None
        The finite solution $W^\star$ in F (None when not compatible).
    """

    W: np.ndarray
    history: NTPHistory
    diverged: bool
    diverged_at: int
    notes: str
    optimizer: str
    lr: float
    entropy: float
    W_mm: np.ndarray | None
    W_star: np.ndarray | None


# --------------------------------------------------------------------------------------------
# validation and set-up shared by the drivers
# --------------------------------------------------------------------------------------------

def default_checkpoints(steps: int, n: int = _N_CHECKPOINTS) -> np.ndarray:
    """About ``n`` log-spaced checkpoints in [0, ``steps``], including 0 and ``steps``.

    Parameters
    ----------
    steps : int
        Number of updates (>= 0).
    n : int, default 40
        Target number of checkpoints (>= 2); fewer when ``steps`` is small (duplicates merged).

    Returns
    -------
    ndarray of int64
        Strictly increasing step indices.
    """
    steps = as_count(steps, "steps", minimum=0)
    n = as_count(n, "n", minimum=2, maximum=MAX_ENTRIES)
    if steps == 0:
        return np.zeros(1, dtype=np.int64)
    k = np.rint(np.logspace(0.0, math.log10(steps), n - 1)).astype(np.int64)
    return np.unique(np.concatenate([[0], k, [steps]])).astype(np.int64)


def _as_checkpoints(checkpoints, steps: int) -> np.ndarray:
    if checkpoints is None:
        return default_checkpoints(steps)
    if isinstance(checkpoints, (str, bytes)):
        raise ValueError("checkpoints must be a 1-D array of integers")
    cp = np.atleast_1d(np.asarray(checkpoints))
    if cp.ndim != 1 or cp.size == 0 or not np.issubdtype(cp.dtype, np.integer) or cp.dtype == np.bool_:
        raise ValueError(f"checkpoints must be a non-empty 1-D array of integers; got {cp.dtype} of shape {cp.shape}")
    if cp[0] < 0 or cp[-1] > steps or np.any(np.diff(cp) <= 0):
        raise ValueError(f"checkpoints must be strictly increasing integers in [0, steps = {steps}]")
    check_work(cp.size, "len(checkpoints)", maximum=MAX_ENTRIES, why="memory")
    return cp.astype(np.int64)


@dataclass(frozen=True)
class _Problem:
    data: object
    H: np.ndarray
    Ht: np.ndarray
    P: np.ndarray
    logP: np.ndarray
    support: np.ndarray
    pi: np.ndarray
    W0: np.ndarray
    lr: float
    steps: int
    checkpoints: np.ndarray


def _problem(H, P, pi, lr, steps, W0, checkpoints, full_batch: bool) -> _Problem:
    from theory.ntp import as_data

    data = as_data(H, P, pi)
    V, d, m = data.V, data.d, data.m
    lr = as_positive_scalar(lr, "lr")
    steps = as_count(steps, "steps", minimum=0)
    per_step = 2 * V * d * (m if full_batch else 1)      # two products of the logits and gradient
    check_work(steps * per_step, "steps * 2·V·d·m (steps * 2·V·d for one context per step)")
    if W0 is None:
        W0 = np.zeros((V, d))
    else:
        W0 = as_finite_array(W0, "W0", shape=(V, d)).copy()
    cp = _as_checkpoints(checkpoints, steps)
    check_work(cp.size * V * d, "len(checkpoints) * V * d (recorded entries)", maximum=MAX_ENTRIES,
               why="memory; record fewer checkpoints")
    support = np.ascontiguousarray(data.support, dtype=np.bool_)
    Pc = np.ascontiguousarray(data.P, dtype=np.float64)
    logP = np.zeros_like(Pc)
    logP[support] = np.log(Pc[support])
    Hc = np.ascontiguousarray(data.H, dtype=np.float64)
    return _Problem(data=data, H=Hc, Ht=np.ascontiguousarray(Hc.T), P=Pc, logP=logP, support=support,
                    pi=np.ascontiguousarray(data.pi, dtype=np.float64), W0=np.ascontiguousarray(W0),
                    lr=lr, steps=steps, checkpoints=cp)


def _as_beta(x, name: str) -> float:
    x = as_finite_scalar(x, name)
    if not 0.0 <= x < 1.0:
        raise ValueError(f"{name} must lie in [0, 1); got {x}")
    return x


def _corr(A: np.ndarray, B: np.ndarray) -> float:
    na, nb = np.linalg.norm(A), np.linalg.norm(B)
    if na == 0.0 or nb == 0.0:
        return 0.0                                   # a zero matrix has no direction
    return float(np.vdot(A, B) / (na * nb))


def _targets(prob: _Problem):
    """(W^mm or None, W⋆ or None, notes) for the data, computed once per call."""
    from theory.ntp import CertificateError, compatibility_residual, finite_solution, is_compatible, max_margin

    notes = []
    try:
        try:
            W_mm = max_margin(prob.H, prob.support)
        except CertificateError:                     # the fast method's budget: the certified primal decides
            W_mm = max_margin(prob.H, prob.support, method="primal")
        W_mm = np.asarray(W_mm, dtype=np.float64)
    except (ValueError, CertificateError) as exc:    # NotSeparableError, the degenerate case, no certificate
        W_mm = None
        notes.append(f"no W^mm (corr_max_margin and corr_offset_max_margin are None): {exc}")
    if is_compatible(prob.H, prob.P):
        W_star = np.asarray(finite_solution(prob.H, prob.P), dtype=np.float64)
    else:
        W_star = None
        notes.append("data not NTP_H-compatible (log-odds residual "
                     f"{compatibility_residual(prob.H, prob.P):.3g}): finite_error and "
                     "corr_offset_max_margin are None")
    return W_mm, W_star, notes


def _basis_F(H: np.ndarray, support: np.ndarray) -> np.ndarray:
    r"""Orthonormal basis (rows) of $F = \mathrm{span}\{(e_z - e_{a_j})\bar h_j^\top\}$, row-major vec.

    The same subspace as ``theory.ntp.project_F`` (anchor $a_j$ = first token of $S_j$, SVD with
    the rank cut $\max(K, Vd)\,\epsilon\,s_1$), factored once per run so that the ~40 checkpoints
    cost one SVD instead of one each (tests/sims/test_ntp_train.py checks the two agree).
    """
    V, m = support.shape
    d = H.shape[0]
    rows = []
    for j in range(m):
        tokens = np.flatnonzero(support[:, j])
        for z in tokens[1:]:
            u = np.zeros(V)
            u[z], u[tokens[0]] = 1.0, -1.0
            rows.append(np.outer(u, H[:, j]).ravel())
    if not rows:
        return np.zeros((0, V * d))
    A = np.array(rows)
    _, sv, Vt = np.linalg.svd(A, full_matrices=False)
    rank = int(np.sum(sv > max(A.shape) * np.finfo(float).eps * sv[0]))
    return Vt[:rank]


def _finish(prob: _Problem, out, optimizer: str, extra_notes=()) -> NTPRun:
    """Checkpoint metrics from the recorded states; assemble the result."""
    from theory.ntp import entropy, excess_loss

    rec, n_rec, diverged, diverged_at, W = out
    diverged, diverged_at = bool(diverged), int(diverged_at)
    W_mm, W_star, notes = _targets(prob)
    notes = list(extra_notes) + notes
    states = rec[:n_rec]
    H, P, pi, S = prob.H, prob.P, prob.pi, prob.support
    loss = np.array([excess_loss(Wk, H, P, pi) for Wk in states], dtype=np.float64)
    norm = np.array([np.linalg.norm(Wk) for Wk in states], dtype=np.float64)
    Q = _basis_F(H, S)
    in_F = [((Q.T @ (Q @ Wk.ravel())).reshape(Wk.shape)) for Wk in states]        # P_F W_k
    perp = np.array([np.linalg.norm(Wk - Fk) for Wk, Fk in zip(states, in_F)], dtype=np.float64)
    corr = off = ferr = None
    if W_mm is not None:
        corr = np.array([_corr(Wk, W_mm) for Wk in states], dtype=np.float64)
    if W_star is not None:
        ferr = np.array([np.linalg.norm(Fk - W_star) for Fk in in_F], dtype=np.float64)
        if W_mm is not None:
            off = np.array([_corr(Wk - W_star, W_mm) for Wk in states], dtype=np.float64)
    # defensive: a checkpoint whose metrics are not finite ends the history there (no NaN out)
    arrays = [a for a in (loss, norm, perp, corr, off, ferr) if a is not None]
    bad = ~np.all([np.isfinite(a) for a in arrays], axis=0) if states.shape[0] else np.zeros(0, bool)
    if bad.any():
        keep = int(np.argmax(bad))
        if not diverged or prob.checkpoints[keep] < diverged_at:
            diverged, diverged_at = True, int(prob.checkpoints[keep])
        notes.append(f"metrics not finite at step {int(prob.checkpoints[keep])}: history stops there")
        W = states[keep - 1].copy() if keep > 0 else prob.W0.copy()
        n_rec = keep
        loss, norm, perp = loss[:keep], norm[:keep], perp[:keep]
        corr, off, ferr = (None if a is None else a[:keep] for a in (corr, off, ferr))
    if diverged:
        notes.append(f"diverged: the update of step {diverged_at} gave non-finite W or logits beyond 1e300; "
                     "W is the last valid state")
    history = NTPHistory(steps=prob.checkpoints[:n_rec].copy(), excess_loss=loss, norm=norm,
                         corr_max_margin=corr, corr_offset_max_margin=off, finite_error=ferr,
                         norm_perp=perp)
    return NTPRun(W=np.array(W, dtype=np.float64), history=history, diverged=diverged,
                  diverged_at=diverged_at, notes="; ".join(notes), optimizer=optimizer, lr=prob.lr,
                  entropy=float(entropy(P, pi)), W_mm=W_mm, W_star=W_star)


def _step_size_note(prob: _Problem) -> list:
    from theory.ntp import step_size_bound

    bound = float(step_size_bound(prob.H, prob.pi))
    if prob.lr > bound:
        return [f"lr = {prob.lr:g} exceeds 1/λ_max(H Π Hᵀ) = {bound:.3g}, the step size Lemma 2 "
                "assumes (η ≤ 1/(2L)); descent needs only η < 4/λ_max"]
    return []


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
    # lr = 0.5 is below 1/λ_max(HΠHᵀ) for this instance; lr = 1e308 overflows W at the first step
    return {"default": make(0.5, 300), "diverging": make(1e308, 20)}


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
    per-chain xoshiro256** stream (``sims._rng``), so the kernel and its oracle draw the same ones.

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
normalized_gradient_descent_reference = normalized_gradient_descent.reference
momentum_descent_reference = momentum_descent.reference
adam_reference = adam.reference
sgd_contexts_reference = sgd_contexts.reference

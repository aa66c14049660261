"""Gradient flow of the lazy/rich models, integrated with ``scipy.integrate.solve_ivp``.

Three models from Kunin et al. (2024), arXiv 2406.06158 (docs/lazy_rich.md#the-model-and-its-conserved-quantity,
docs/lazy_rich.md#wide-and-deep-linear-networks, docs/lazy_rich.md#relu-networks):

* single neuron      f(x) = a·wᵀx                 (:func:`gradient_flow`)
* wide linear        f(x) = A W x                  (:func:`gradient_flow_wide`)
* shallow (leaky) ReLU  f(x) = Σ_k a_k σ(w_kᵀx)   (:func:`gradient_flow_relu`)

All three use ``solve_ivp(method="DOP853")`` with explicit tolerances (never the defaults,
docs/lazy_rich.md#numerics-and-tolerances) and report their conserved quantities along the computed path, so the caller can
see how well the integrator respected them. A blow-up (state norm above ``max_norm`` or a
non-finite vector field) is reported in the result (``diverged=True``, NaN after the blow-up),
never raised.

The driver is :func:`sims._ode.integrate`: it also reports a run that stops before the first
requested time (all NaN, ``diverged=True``), and integrates a stiff flow (spectral radius of the
Jacobian times the horizon above ``sims._ode.STIFF_LIMIT``, e.g. |δ| ≳ 1e4 over t ~ 10) with the
implicit Radau method at the same tolerances, saying so in ``method`` and ``message``, instead
of letting the explicit method's cost grow linearly with |δ|.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from theory.lazy_rich import Crossing
from theory.summary import compact_repr
from theory.validate import as_finite_array, as_finite_scalar, as_positive_scalar

from .._ode import as_t_eval, as_tolerances, integrate

__all__ = [
    "GradientFlowResult",
    "ReluGradientFlowResult",
    "WideGradientFlowResult",
    "gradient_flow",
    "gradient_flow_relu",
    "gradient_flow_wide",
]


# --------------------------------------------------------------------------------------------
# shared helpers
# --------------------------------------------------------------------------------------------

def _loss_scale(loss, n: int) -> float:
    """Gradient scale c relative to ½‖r‖²: 1 for "sum", 2/n for "mean" ((1/n)Σ r²)."""
    if isinstance(loss, str) and loss == "sum":
        return 1.0
    if isinstance(loss, str) and loss == "mean":
        return 2.0 / n
    raise ValueError(f"loss must be 'sum' or 'mean'; got {loss!r}")


# --------------------------------------------------------------------------------------------
# single neuron
# --------------------------------------------------------------------------------------------

@compact_repr
@dataclass(frozen=True)
class GradientFlowResult:
    r"""Gradient-flow trajectory of the single neuron f(x) = a·wᵀx.

    Attributes
    ----------
    t : ndarray of shape (T,)
        Evaluation times (original time).
    a : ndarray of shape (T,)
        Readout weight a(t).
    w : ndarray of shape (T, d)
        First-layer weights w(t).
    beta : ndarray of shape (T, d)
        β(t) = a(t)·w(t).
    delta : ndarray of shape (T,)
        $\delta(t) = \eta_w a(t)^2 - \eta_a\|w(t)\|^2$ along the computed path (constant up to integration
        error; its spread measures that error).
    crossings : tuple of Crossing
        Zeros of a(t) in (0, ``t_eval[-1]``], in time order (only possible for δ < 0).
    success : bool
        True if the integration reached ``t[-1]`` without failure or divergence.
    message : str
        Solver message, or the reason for stopping.
    diverged : bool
        True if the state norm reached ``max_norm`` or the vector field became non-finite;
        entries after that point are NaN.
    eta_a, eta_w : float
        Layer learning rates.
    loss : str
        Loss normalisation used ("sum" or "mean").
    method : str
        Solver used: "DOP853", or "Radau" when the flow was detected to be stiff.
    """

    t: np.ndarray
    a: np.ndarray
    w: np.ndarray
    beta: np.ndarray
    delta: np.ndarray
    crossings: tuple
    success: bool
    message: str
    diverged: bool
    eta_a: float
    eta_w: float
    loss: str
    method: str = "DOP853"


def _as_data(X, y, y_name="y"):
    X = as_finite_array(X, "X", ndim=2)
    n = X.shape[0]
    if n == 0 or X.shape[1] == 0:
        raise ValueError(f"X must have at least one row and one column; got shape {X.shape}")
    y = as_finite_array(y, y_name, ndim=1, shape=(n,))
    return X, y


def gradient_flow(X, y, a0, w0, t_eval, eta_a=1.0, eta_w=1.0, rtol=1e-10, atol=1e-12,
                  loss="sum", max_norm=1e50) -> GradientFlowResult:
    r"""Gradient flow of the single-neuron two-layer linear model with layer learning rates.

    Model f(x) = a·wᵀx, β = a·w. With c = 1 for ``loss="sum"`` (L = ½‖Xβ − y‖²) and c = 2/n
    for ``loss="mean"`` ($L = \frac1n\sum_i (f(x_i) - y_i)^2$), the gradient in β is
    g = c·(XᵀXβ − Xᵀy) and the flow is

    $$\dot a = -\eta_a w^\top g, \qquad \dot w = -\eta_w a g,$$

    which conserves $\delta = \eta_w a^2 - \eta_a\|w\|^2$ (Kunin et al. 2024, §3; docs/lazy_rich.md#the-model-and-its-conserved-quantity). The mean loss
    only rescales time: its trajectory at time t equals the sum-loss trajectory at time 2t/n.
    XᵀX and Xᵀy are precomputed, so a right-hand-side evaluation costs O(d²).

    Zeros of a(t) are located as solver events (root-finding on the dense output) and
    returned as :class:`~theory.lazy_rich.Crossing` records (time, sign of a just before, w at
    the crossing, where $\eta_a\|w\|^2 = -\delta$). A start at a0 = 0 is not counted as a crossing.

    Parameters
    ----------
    X : array of shape (n, d)
        Training inputs (rows $x_i$).
    y : array of shape (n,)
        Targets.
    a0 : float
        Initial readout weight.
    w0 : array of shape (d,)
        Initial first-layer weights. ``a0 = 0`` together with ``w0 = 0`` is the saddle the
        flow never leaves and is rejected.
    t_eval : array of shape (T,)
        Strictly increasing times ≥ 0 at which to report the state (need not start at 0).
    eta_a, eta_w : float, default 1.0
        Layer learning rates $\eta_a$ (readout) and $\eta_w$ (first layer), > 0.
    rtol, atol : float, default 1e-10, 1e-12
        DOP853 tolerances (docs/lazy_rich.md#numerics-and-tolerances: ≤ 1e-10 for verification, 1e-12 for conservation).
    loss : {"sum", "mean"}, default "sum"
        Loss normalisation, see above.
    max_norm : float, default 1e50
        The integration stops and reports ``diverged=True`` when ‖(a, w)‖ reaches this value.

    Returns
    -------
    GradientFlowResult
        Fields ``t``, ``a`` (T,), ``w`` (T, d), ``beta`` (T, d), ``delta`` (T,), ``crossings``,
        ``success``, ``message``, ``diverged``.

    Raises
    ------
    ValueError
        Naming the argument: non-finite or mis-shaped input, ``t_eval`` negative or not strictly
        increasing, η ≤ 0, non-positive tolerances, unknown ``loss``, or the saddle a0 = w0 = 0.

    References
    ----------
    Kunin, Raventós, Dominé, Chen, Klindt, Saxe, Ganguli (2024), "Get rich quick: exact
    solutions reveal how unbalanced initializations promote rapid feature learning",
    arXiv 2406.06158, §3 (docs/lazy_rich.md#numerics-and-tolerances).

    Examples
    --------
    >>> import numpy as np
    >>> res = gradient_flow(np.eye(2), [0.0, 1.0], 1.0, [0.5, 0.0], [0.0, 1.0, 20.0])
    >>> bool(np.allclose(res.beta[-1], [0.0, 1.0], atol=1e-6))
    True
    """
    X, y = _as_data(X, y)
    n, d = X.shape
    a0 = as_finite_scalar(a0, "a0")
    w0 = as_finite_array(w0, "w0", ndim=1, shape=(d,))
    if a0 == 0.0 and not np.any(w0):
        raise ValueError("a0 = 0 and w0 = 0 is the saddle of the flow (it never leaves it); "
                         "choose a0 or w0 nonzero")
    t_eval = as_t_eval(t_eval)
    eta_a = as_positive_scalar(eta_a, "eta_a")
    eta_w = as_positive_scalar(eta_w, "eta_w")
    rtol, atol, max_norm = as_tolerances(rtol, atol, max_norm)
    c = _loss_scale(loss, n)

    G = c * (X.T @ X)
    b = c * (X.T @ y)

    def rhs(t, s):
        a, w = s[0], s[1:]
        g = G @ (a * w) - b
        out = np.empty_like(s)
        out[0] = -eta_a * (w @ g)
        out[1:] = (-eta_w * a) * g
        return out

    s0 = np.concatenate([[a0], w0])
    res = integrate(rhs, s0, t_eval, rtol, atol, max_norm, crossing_index=0)
    a = res.Y[:, 0]
    w = res.Y[:, 1:]
    crossings = []
    for tc, yc in zip(res.event_t, res.event_y):
        if tc <= 0.0 or (crossings and tc == crossings[-1].t):
            continue                     # a0 = 0 start, or a duplicate report of one zero
        da = rhs(tc, yc)[0]
        if da == 0.0:
            continue                     # tangential zero: a fixed point, not a crossing
        crossings.append(Crossing(t=float(tc), sign_before=1 if da < 0 else -1,
                                  w=yc[1:].copy()))
    with np.errstate(over="ignore", invalid="ignore"):       # a diverged run may hold 1e200s
        beta = a[:, None] * w
        delta = eta_w * a**2 - eta_a * np.sum(w**2, axis=1)
    return GradientFlowResult(
        t=t_eval, a=a, w=w, beta=beta, delta=delta,
        crossings=tuple(crossings), success=res.success, message=res.message,
        diverged=res.diverged, eta_a=eta_a, eta_w=eta_w, loss=loss, method=res.method)


# --------------------------------------------------------------------------------------------
# wide / multi-output linear network
# --------------------------------------------------------------------------------------------

@compact_repr
@dataclass(frozen=True)
class WideGradientFlowResult:
    r"""Gradient-flow trajectory of the two-layer linear network f(x) = A W x.

    Attributes
    ----------
    t : ndarray of shape (T,)
    A : ndarray of shape (T, c, h)
        Readout matrix A(t).
    W : ndarray of shape (T, h, d)
        First-layer matrix W(t).
    beta : ndarray of shape (T, c, d)
        β(t) = A(t) W(t).
    delta : ndarray of shape (T, h, h)
        $\Delta(t) = \eta_w A^\top A - \eta_a WW^\top$ (constant up to integration error; its diagonal holds the
        per-neuron $\delta_k$).
    success, message, diverged
        As in :class:`GradientFlowResult`.
    eta_a, eta_w : float
    loss : str
    method : str
        As in :class:`GradientFlowResult`.
    """

    t: np.ndarray
    A: np.ndarray
    W: np.ndarray
    beta: np.ndarray
    delta: np.ndarray
    success: bool
    message: str
    diverged: bool
    eta_a: float
    eta_w: float
    loss: str
    method: str = "DOP853"


def gradient_flow_wide(X, Y, A0, W0, t_eval, eta_a=1.0, eta_w=1.0, rtol=1e-10, atol=1e-12,
                       loss="sum", max_norm=1e50) -> WideGradientFlowResult:
    r"""Gradient flow of the wide / multi-output two-layer linear network f(x) = A W x.

    $W \in \mathbb{R}^{h\times d}$, $A \in \mathbb{R}^{c\times h}$, $\beta = AW \in \mathbb{R}^{c\times d}$. With $c_L = 1$ for ``loss="sum"``
    ($L = \tfrac12\|X\beta^\top - Y\|_F^2$) and $c_L = 2/n$ for ``loss="mean"`` ($L = \frac1n\sum_i \|f(x_i) - y_i\|^2$,
    summed over outputs), $G = c_L(\beta X^\top X - Y^\top X)$ and

    $$\dot W = -\eta_w A^\top G, \qquad \dot A = -\eta_a G W^\top,$$

    which conserves the h×h matrix $\Delta = \eta_w A^\top A - \eta_a WW^\top$ (Kunin et al. 2024, §4; docs/lazy_rich.md#wide-and-deep-linear-networks).
    As for the single neuron, the mean loss rescales time by 2/n. XᵀX and YᵀX are
    precomputed.

    Parameters
    ----------
    X : array of shape (n, d)
    Y : array of shape (n, c) or (n,)
        Targets; a 1-D ``Y`` means c = 1.
    A0 : array of shape (c, h)
        Initial readout matrix.
    W0 : array of shape (h, d)
        Initial first-layer matrix. A0 = 0 together with W0 = 0 is the saddle and is rejected.
    t_eval : array of shape (T,)
        Strictly increasing times ≥ 0.
    eta_a, eta_w : float, default 1.0
        Layer learning rates (> 0).
    rtol, atol : float, default 1e-10, 1e-12
        DOP853 tolerances.
    loss : {"sum", "mean"}, default "sum"
    max_norm : float, default 1e50
        Blow-up threshold on the norm of the stacked state (A, W).

    Returns
    -------
    WideGradientFlowResult
        Fields ``t``, ``A`` (T, c, h), ``W`` (T, h, d), ``beta`` (T, c, d), ``delta`` (T, h, h).

    Raises
    ------
    ValueError
        Naming the argument on invalid input (shapes, finiteness, rates, tolerances, loss,
        saddle).

    References
    ----------
    Kunin et al. (2024), arXiv 2406.06158, §4 (docs/lazy_rich.md#wide-and-deep-linear-networks).
    """
    X = as_finite_array(X, "X", ndim=2)
    n, d = X.shape
    if n == 0 or d == 0:
        raise ValueError(f"X must have at least one row and one column; got shape {X.shape}")
    Y = as_finite_array(Y, "Y", ndim=(1, 2))
    if Y.ndim == 1:
        Y = Y[:, None]
    if Y.shape[0] != n:
        raise ValueError(f"Y must have n = {n} rows (like X); got shape {Y.shape}")
    c = Y.shape[1]
    A0 = as_finite_array(A0, "A0", ndim=2)
    if A0.shape[0] != c:
        raise ValueError(f"A0 must have c = {c} rows (outputs of Y); got shape {A0.shape}")
    h = A0.shape[1]
    W0 = as_finite_array(W0, "W0", ndim=2, shape=(h, d))
    if not np.any(A0) and not np.any(W0):
        raise ValueError("A0 = 0 and W0 = 0 is the saddle of the flow; choose A0 or W0 nonzero")
    t_eval = as_t_eval(t_eval)
    eta_a = as_positive_scalar(eta_a, "eta_a")
    eta_w = as_positive_scalar(eta_w, "eta_w")
    rtol, atol, max_norm = as_tolerances(rtol, atol, max_norm)
    cl = _loss_scale(loss, n)

    Gxx = cl * (X.T @ X)
    B = cl * (Y.T @ X)
    nA = c * h

    def rhs(t, s):
        A = s[:nA].reshape(c, h)
        W = s[nA:].reshape(h, d)
        Gm = (A @ W) @ Gxx - B
        return np.concatenate([(-eta_a * (Gm @ W.T)).ravel(), (-eta_w * (A.T @ Gm)).ravel()])

    s0 = np.concatenate([A0.ravel(), W0.ravel()])
    res = integrate(rhs, s0, t_eval, rtol, atol, max_norm)
    T = t_eval.size
    A = res.Y[:, :nA].reshape(T, c, h)
    W = res.Y[:, nA:].reshape(T, h, d)
    with np.errstate(over="ignore", invalid="ignore"):
        Delta = eta_w * np.swapaxes(A, 1, 2) @ A - eta_a * W @ np.swapaxes(W, 1, 2)
        beta = A @ W
    return WideGradientFlowResult(t=t_eval, A=A, W=W, beta=beta, delta=Delta,
                                  success=res.success, message=res.message,
                                  diverged=res.diverged, eta_a=eta_a, eta_w=eta_w, loss=loss, method=res.method)


# --------------------------------------------------------------------------------------------
# shallow ReLU / leaky ReLU network
# --------------------------------------------------------------------------------------------

@compact_repr
@dataclass(frozen=True)
class ReluGradientFlowResult:
    r"""Gradient-flow trajectory of $f(x) = \sum_k a_k \sigma(w_k^\top x)$, σ(z) = max(z, γz).

    Attributes
    ----------
    t : ndarray of shape (T,)
    a : ndarray of shape (T, m)
        Readout weights $a_k(t)$.
    W : ndarray of shape (T, m, d)
        First-layer weights (row k is $w_k(t)$).
    delta : ndarray of shape (T, m)
        Per-neuron $\delta_k(t) = \eta_w a_k^2 - \eta_a\|w_k\|^2$ (constant up to integration error).
    success, message, diverged
        As in :class:`GradientFlowResult`.
    leak : float
        The slope γ of σ for z ≤ 0.
    eta_a, eta_w : float
    loss : str
    method : str
        As in :class:`GradientFlowResult`.
    """

    t: np.ndarray
    a: np.ndarray
    W: np.ndarray
    delta: np.ndarray
    success: bool
    message: str
    diverged: bool
    leak: float
    eta_a: float
    eta_w: float
    loss: str
    method: str = "DOP853"


def _as_leak(leak) -> float:
    leak = as_finite_scalar(leak, "leak")
    if not 0.0 <= leak <= 1.0:
        raise ValueError(f"leak must be in [0, 1] (σ(z) = max(z, leak·z)); got {leak}")
    return leak


def gradient_flow_relu(X, y, a0, W0, t_eval, leak=0.0, eta_a=1.0, eta_w=1.0, rtol=1e-10,
                       atol=1e-12, loss="mean", max_norm=1e50,
                       max_nfev=100_000) -> ReluGradientFlowResult:
    r"""Gradient flow of a shallow ReLU / leaky-ReLU network with layer learning rates.

    $f(x) = \sum_k a_k \sigma(w_k^\top x)$, σ(z) = max(z, γz) with γ = ``leak`` ∈ [0, 1], σ′(z) = 1 for z > 0
    and γ for z ≤ 0 (the convention of PyTorch's ``relu``/``leaky_relu``). With residuals
    $r_i = f(x_i) - y_i$ and c = 2/n (``loss="mean"``, $L = \frac1n\sum_i r_i^2$, the default, as in the
    paper's ReLU experiments) or c = 1 (``loss="sum"``, $L = \tfrac12\sum_i r_i^2$):

    $$\dot a_k = -\eta_a c \sum_i r_i \sigma(w_k^\top x_i), \qquad \dot w_k = -\eta_w c\, a_k \sum_i r_i \sigma'(w_k^\top x_i)\, x_i.$$

    Because zσ′(z) = σ(z), every $\delta_k = \eta_w a_k^2 - \eta_a\|w_k\|^2$ is conserved (Kunin et al. 2024,
    §5; docs/lazy_rich.md#relu-networks); the cross terms of Δ are not.

    The vector field is continuous in a but jumps in W where an activation $w_k^\top x_i$ changes
    sign; DOP853 resolves isolated kinks by step-size reduction. A trajectory can also *slide*
    along an activation boundary (the field on both sides points into it; GD then zigzags
    across it with amplitude O(lr)); there an explicit solver's step collapses. The
    integration therefore runs piecewise between the ``t_eval`` points with a budget of
    ``max_nfev`` right-hand-side evaluations, and when that is spent it stops and returns
    what it has (``success=False``, NaN afterwards) instead of hanging. Keep problems small;
    the numba GD kernel ``gradient_descent_relu`` is the tool for long runs.

    Parameters
    ----------
    X : array of shape (n, d)
    y : array of shape (n,)
    a0 : array of shape (m,)
        Initial readout weights.
    W0 : array of shape (m, d)
        Initial first-layer weights (row k is $w_k$).
    t_eval : array of shape (T,)
        Strictly increasing times ≥ 0.
    leak : float, default 0.0
        Negative-side slope γ ∈ [0, 1] (0: ReLU, 1: linear).
    eta_a, eta_w : float, default 1.0
        Layer learning rates (> 0).
    rtol, atol : float, default 1e-10, 1e-12
        DOP853 tolerances.
    loss : {"mean", "sum"}, default "mean"
    max_norm : float, default 1e50
        Blow-up threshold on the norm of the stacked state (a, W).
    max_nfev : int, default 100_000
        Budget of vector-field evaluations (see above).

    Returns
    -------
    ReluGradientFlowResult
        Fields ``t``, ``a`` (T, m), ``W`` (T, m, d), ``delta`` (T, m).

    Raises
    ------
    ValueError
        Naming the argument on invalid input.

    References
    ----------
    Kunin et al. (2024), arXiv 2406.06158, §5 (docs/lazy_rich.md#relu-networks).
    """
    X, y = _as_data(X, y)
    n, d = X.shape
    a0 = as_finite_array(a0, "a0", ndim=1)
    m = a0.shape[0]
    if m == 0:
        raise ValueError("a0 must have at least one neuron")
    W0 = as_finite_array(W0, "W0", ndim=2, shape=(m, d))
    t_eval = as_t_eval(t_eval)
    leak = _as_leak(leak)
    eta_a = as_positive_scalar(eta_a, "eta_a")
    eta_w = as_positive_scalar(eta_w, "eta_w")
    rtol, atol, max_norm = as_tolerances(rtol, atol, max_norm)
    c = _loss_scale(loss, n)
    if (isinstance(max_nfev, (bool, np.bool_)) or not isinstance(max_nfev, numbers.Integral)
            or max_nfev < 1):
        raise ValueError(f"max_nfev must be a positive integer; got {max_nfev!r}")

    def rhs(t, s):
        a = s[:m]
        W = s[m:].reshape(m, d)
        Z = X @ W.T                                  # (n, m)
        pos = Z > 0
        S = np.where(pos, Z, leak * Z)
        D = np.where(pos, 1.0, leak)
        r = S @ a - y
        ga = c * (S.T @ r)
        gW = (c * a)[:, None] * ((D * r[:, None]).T @ X)
        return np.concatenate([-eta_a * ga, (-eta_w * gW).ravel()])

    s0 = np.concatenate([a0, W0.ravel()])
    res = integrate(rhs, s0, t_eval, rtol, atol, max_norm, max_nfev=int(max_nfev))
    T = t_eval.size
    a = res.Y[:, :m]
    W = res.Y[:, m:].reshape(T, m, d)
    with np.errstate(over="ignore", invalid="ignore"):
        delta = eta_w * a**2 - eta_a * np.sum(W**2, axis=2)
    return ReluGradientFlowResult(t=t_eval, a=a, W=W, delta=delta,
                                  success=res.success, message=res.message,
                                  diverged=res.diverged, leak=leak, eta_a=eta_a, eta_w=eta_w,
                                  loss=loss, method=res.method)

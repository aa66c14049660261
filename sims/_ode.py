"""The guarded ODE driver shared by every gradient-flow simulator.

:func:`integrate` runs ``scipy.integrate.solve_ivp`` with explicit tolerances (never the defaults)
and turns every way a flow can go wrong into a result instead of an exception or a hang:

* blow-up: the state norm reaching ``max_norm`` (a terminal event, or already at the start) or a
  non-finite vector field stops the run with ``diverged=True``; requested times not reached are
  NaN, including when the run stops before the first requested time;
* stiffness: before integrating, the spectral radius ρ of the Jacobian at the initial state is
  estimated (finite differences, then ρ ≤ ‖J^k‖^{1/k}); when ρ·t_end exceeds
  :data:`STIFF_LIMIT` an explicit method would need more than about ρ·t_end/6 steps (DOP853 is
  stable for |hλ| up to about 6 on the negative real axis), so the run uses the implicit Radau IIA
  method (order 5, L-stable) with the same ``rtol``/``atol`` instead, and the result says so
  (``method="Radau"`` and the message);
* chattering: with ``max_nfev`` the run goes piecewise between the requested times and stops once
  that many right-hand-side evaluations are spent, keeping what it has.

The estimate at the initial state does not see stiffness that only develops later; for the
gradient flows of this package the fast rate is bounded below by the conserved imbalance
(e.g. η_w a² + η_a‖w‖² ≥ |δ| for the single neuron), so the initial estimate is the right scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from theory.validate import as_finite_array, as_positive_scalar

__all__ = ["STIFF_LIMIT", "Integration", "as_t_eval", "as_tolerances", "integrate",
           "stiffness_estimate"]

#: ρ·t_end above which :func:`integrate` switches from DOP853 to Radau (about 2·10⁴ explicit steps).
STIFF_LIMIT = 1e5


def as_t_eval(t_eval) -> np.ndarray:
    """Validate requested times: a non-empty, strictly increasing 1-D array of finite times >= 0."""
    t = np.atleast_1d(as_finite_array(t_eval, "t_eval", ndim=(0, 1)))
    if t.size == 0:
        raise ValueError("t_eval must contain at least one time")
    if t[0] < 0:
        raise ValueError(f"t_eval must be >= 0 (the flow starts at t = 0); got t_eval[0] = {t[0]}")
    if np.any(np.diff(t) <= 0):
        raise ValueError("t_eval must be strictly increasing")
    return t


def as_tolerances(rtol, atol, max_norm) -> tuple[float, float, float]:
    """Validate ``rtol``, ``atol`` and ``max_norm`` (each a finite number > 0)."""
    rtol = as_positive_scalar(rtol, "rtol")
    atol = as_positive_scalar(atol, "atol")
    max_norm = as_positive_scalar(max_norm, "max_norm")
    return rtol, atol, max_norm


class _NonFiniteField(Exception):
    """Raised inside the right-hand side to abandon an integration that produced inf/NaN."""


class _EvaluationBudget(Exception):
    """Raised inside the right-hand side when ``max_nfev`` evaluations have been spent."""


@dataclass(frozen=True)
class Integration:
    """Outcome of :func:`integrate`.

    Y is (T, N) with NaN where not reached; ``event_t``/``event_y`` hold the zeros of the
    optional crossing coordinate; ``method`` is the solver used ("DOP853" or "Radau") and
    ``stiffness`` the estimate ρ·t_end that chose it (NaN if it could not be computed).
    """

    Y: np.ndarray
    success: bool
    message: str
    diverged: bool
    event_t: np.ndarray
    event_y: np.ndarray
    method: str = "DOP853"
    stiffness: float = float("nan")


def stiffness_estimate(rhs, y0: np.ndarray, t_end: float) -> float:
    """ρ(J)·t_end at ``y0``, J the finite-difference Jacobian of ``rhs``; NaN if not finite.

    Each column is the smaller of the forward and backward differences, so a field that is
    smooth except across activation boundaries is differentiated on the side where it is smooth.

    ρ is bounded by ‖J^(2^k)‖_F^(1/2^k) after k = 5 squarings (Gelfand's formula), an upper bound
    within a factor N^(1/32) of ρ for a diagonalisable J with a well-conditioned eigenbasis,
    which is all the choice of method needs (an order of magnitude).
    """
    N = y0.size
    with np.errstate(over="ignore", invalid="ignore"):
        f0 = np.asarray(rhs(0.0, y0), dtype=float)
        if not np.all(np.isfinite(f0)):
            return float("nan")
        J = np.empty((N, N))
        for j in range(N):
            h = np.sqrt(np.finfo(float).eps) * max(1.0, abs(y0[j]))
            cols = []
            for step in (h, -h):                 # one-sided both ways: across a kink of a
                y = y0.copy()                    # piecewise-smooth field (ReLU) one side
                y[j] += step                     # jumps, the other is the smooth derivative
                cols.append((np.asarray(rhs(0.0, y), dtype=float) - f0) / (y[j] - y0[j]))
            J[:, j] = min(cols, key=lambda col: np.linalg.norm(col) if np.all(np.isfinite(col)) else np.inf)
        if not np.all(np.isfinite(J)):
            return float("nan")
        log_rho, power = 0.0, 1
        for _ in range(5):
            scale = np.linalg.norm(J)
            if scale == 0.0:
                return 0.0
            J = J / scale
            log_rho += np.log(scale) / power     # ‖J^p‖^(1/p) accumulated in log space
            J = J @ J
            power *= 2
        scale = np.linalg.norm(J)
        if scale == 0.0:
            return 0.0
        log_rho += np.log(scale) / power
    return float(np.exp(log_rho) * t_end)


def integrate(rhs, y0, t_eval, rtol, atol, max_norm, crossing_index=None,
              max_nfev=None) -> Integration:
    """Integrate y' = rhs(t, y) from 0 to t_eval[-1], reporting blow-up, stiffness and budget.

    Parameters
    ----------
    rhs : callable ``rhs(t, y) -> ndarray``
        The vector field (pure: it may be evaluated at any state).
    y0 : ndarray of shape (N,)
        Initial state.
    t_eval : ndarray of shape (T,)
        Validated requested times (:func:`as_t_eval`).
    rtol, atol : float
        Solver tolerances, used by whichever method runs.
    max_norm : float
        Divergence bound on ‖y‖.
    crossing_index : int, optional
        Locate the zeros of ``y[crossing_index]`` as (non-terminal) events.
    max_nfev : int, optional
        Budget of right-hand-side evaluations; the run then goes piecewise between the
        requested times (for non-smooth fields where a sliding trajectory makes the step size
        collapse).

    Returns
    -------
    Integration
    """
    T, N = t_eval.size, y0.size
    Y = np.full((T, N), np.nan)
    empty_t, empty_y = np.empty(0), np.empty((0, N))
    top = float(np.max(np.abs(y0)))
    norm0 = top * float(np.sqrt(np.sum((y0 / top) ** 2))) if top > 0 else 0.0   # no overflow
    if not norm0 < max_norm:
        Y[t_eval == 0.0] = y0
        return Integration(Y, False, f"initial state norm {norm0:.3g} is not below max_norm = "
                           f"{max_norm:.3g} (diverged at t = 0); later entries are NaN",
                           True, empty_t, empty_y)
    if t_eval[-1] == 0.0:
        Y[:] = y0
        return Integration(Y, True, "t_eval contains only t = 0; returned the initial state",
                           False, empty_t, empty_y)
    stiffness = stiffness_estimate(rhs, y0, float(t_eval[-1]))
    method = "Radau" if stiffness > STIFF_LIMIT else "DOP853"
    note = (f"stiff flow (spectral radius × t_end ≈ {stiffness:.2g} > {STIFF_LIMIT:g}): "
            f"integrated with Radau (rtol = {rtol:g}, atol = {atol:g}); " if method == "Radau" else "")
    nfev = [0]

    def guarded(t, y):
        nfev[0] += 1
        if max_nfev is not None and nfev[0] > max_nfev:
            raise _EvaluationBudget(t)
        with np.errstate(over="ignore", invalid="ignore"):
            dy = rhs(t, y)
        if not np.all(np.isfinite(dy)):
            raise _NonFiniteField(t)
        return dy

    def blowup(t, y):
        with np.errstate(over="ignore", invalid="ignore"):
            return max_norm - np.sqrt(np.dot(y, y))

    blowup.terminal = True
    blowup.direction = -1
    events = [blowup]
    if crossing_index is not None:
        def crossing(t, y):
            return y[crossing_index]
        events.append(crossing)

    def solve(t0, t1, y_start, t_pts):
        return solve_ivp(guarded, (t0, t1), y_start, method=method, t_eval=t_pts,
                         rtol=rtol, atol=atol, events=events)

    def result(success, message, diverged):
        return Integration(Y, success, note + message, diverged, *_events(ev_t, ev_y, N),
                           method=method, stiffness=stiffness)

    if max_nfev is None:
        pieces = [(0.0, float(t_eval[-1]), np.arange(T))]
    else:
        knots = np.concatenate([[0.0], t_eval[t_eval > 0]])
        first = np.flatnonzero(t_eval > 0)[0]
        Y[:first] = y0                               # t_eval[0] = 0 if present
        pieces = [(float(knots[i]), float(knots[i + 1]), np.array([first + i]))
                  for i in range(knots.size - 1)]
    y_start = y0
    ev_t, ev_y = [], []
    message = ""
    for t0, t1, idx in pieces:
        try:
            sol = solve(t0, t1, y_start, t_eval[idx])
        except _NonFiniteField as exc:
            if max_nfev is None:
                Y[t_eval == 0.0] = y0
            return result(False, f"non-finite vector field at t = {exc.args[0]:.6g}; "
                          "integration abandoned (diverged)", True)
        except _EvaluationBudget as exc:
            return result(False, f"max_nfev = {max_nfev} right-hand-side evaluations spent at "
                          f"t = {exc.args[0]:.6g} (typically a trajectory sliding along an "
                          "activation boundary makes the step size collapse); later entries are NaN",
                          False)
        k = len(sol.t)                               # a list, not an array, when k = 0
        if k:
            Y[idx[:k]] = np.asarray(sol.y).T
        if crossing_index is not None:
            ev_t.append(sol.t_events[1])
            ev_y.append(sol.y_events[1].reshape(-1, N))
        if sol.status == 1:                          # only the blow-up event is terminal
            return result(False, f"state norm reached max_norm = {max_norm:.3g} at "
                          f"t = {sol.t_events[0][0]:.6g} (diverged); later entries are NaN", True)
        if sol.status != 0:
            return result(False, sol.message, False)
        message = sol.message
        y_start = sol.y[:, -1]
    return result(True, message, False)


def _events(ev_t, ev_y, N):
    if not ev_t:
        return np.empty(0), np.empty((0, N))
    return np.concatenate(ev_t), np.concatenate(ev_y, axis=0)

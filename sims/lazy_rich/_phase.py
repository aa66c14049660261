"""Lazy/rich phase diagram of the single-neuron model over δ and the initialisation.

Cells are computed from the closed forms (theory.lazy_rich); a coarse sub-grid is simulated
with gradient flow (tight solve_ivp) and overlaid, so the figure shows theory and training together.
The simulated rows are the sweep's tasks (``sims._parallel.run_tasks``): in this process, or on any
executor; the closed forms take about a second for the whole grid and stay here.
"""

from __future__ import annotations

import numpy as np

from theory.lazy_rich import (
    exact_solution,
    init_from_beta,
    kernel_distance,
    limit_prediction,
    relaxation_rates,
)
from theory.validate import as_count, as_finite_array, as_finite_scalar, format_value, guard_numerics

from .._checkpoint import checkpoint_store
from .._parallel import resolve_executor, run_tasks
from ..phase import PhaseDiagram

__all__ = ["lazy_rich_phase_diagram", "delayed_rich_delta"]

_Y_AXES = ("scale", "alignment")


@guard_numerics
def delayed_rich_delta(s: float, delay_ratio: float) -> float:
    r"""δ below which direction learning is ``delay_ratio`` times slower than the radial fit.

    Solves λ⊥/λ∥ = (δ + R)/(2R) = r with R = √(δ² + 4s²) (unit rates, docs/lazy_rich.md#limit-basins-and-sign-flip):
    δ = −2s(1 − 2r)/√(1 − (1 − 2r)²), for 0 < r < ½.
    """
    s = as_finite_scalar(s, "s")
    r = as_finite_scalar(delay_ratio, "delay_ratio")
    if not 0 < r < 0.5:
        raise ValueError(f"delay_ratio must be in (0, 0.5); got {r}")
    m = 1.0 - 2.0 * r
    return -2.0 * s * m / np.sqrt(1.0 - m * m)


def _first_crossing_time(t, values, level):
    """First time each row of ``values`` (B, T) reaches ``level`` (B,), linearly interpolated; inf if never."""
    above = values >= level[:, None]
    hit = above.any(axis=1)
    i = above.argmax(axis=1)
    rows = np.arange(values.shape[0])
    prev = np.maximum(i - 1, 0)
    v0, v1 = values[rows, prev], values[rows, i]
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(v1 != v0, (level - v0) / (v1 - v0), 1.0)
    t_hit = np.where(i == 0, t[0], t[prev] + frac * (t[i] - t[prev]))
    return np.where(hit, t_hit, np.inf)


def _initialisations(x_vals, y_vals, y_axis, beta_star, scale, phi0):
    """(a0, w0, delta) for every cell, row-major over (y, x)."""
    s = np.linalg.norm(beta_star)
    bhat = beta_star / s
    perp = np.array([-bhat[1], bhat[0]])
    a0, w0, deltas = [], [], []
    for yv in y_vals:
        sc, ph = (yv, phi0) if y_axis == "scale" else (scale, yv)
        beta0 = sc * s * (ph * bhat + np.sqrt(max(0.0, 1.0 - ph * ph)) * perp)
        for delta in x_vals:
            a, w = init_from_beta(beta0, delta)
            a0.append(a)
            w0.append(w)
            deltas.append(delta)
    return np.array(a0), np.array(w0), np.array(deltas)


def lazy_rich_phase_diagram(*, x="delta", y="scale", x_values=None, y_values=None,
                            beta_star=(0.0, 1.0), scale=0.1, alignment=0.0, t_max=200.0, n_times=600,
                            learn_fraction=1e-2, lazy_threshold=0.1, delay_ratio=0.1,
                            simulate=(6, 4), plot=True, executor=None, checkpoint_dir=None,
                            progress=None) -> PhaseDiagram:
    r"""Phase diagram of lazy / rich / delayed-rich learning in the single-neuron model.

    Whitened input ($X^\top X = I_2$, $X^\top y = \beta^*$, unit rates; Kunin et al. 2024 §3,
    docs/lazy_rich.md#exact-solution-for-whitened-input).
    Per cell (δ, y) the closed forms give:

    * ``kernel_distance_final`` — S(0, ∞) from the exact limit (a∞, w∞) (docs/lazy_rich.md#lazy-and-rich-measures);
    * ``kernel_distance_tmax`` — S(0, t_max) from the exact solution;
    * ``time_to_learn`` — first $t$ with $\tfrac12\|\beta - \beta^*\|^2 \le$ ``learn_fraction``
      $\cdot\,\tfrac12\|\beta_0 - \beta^*\|^2$ (inf if not
      reached by ``t_max``);
    * ``time_to_half_kernel`` — first t with S(0, t) ≥ ½S(0, ∞);
    * ``rate_ratio`` — $\lambda_\perp/\lambda_\parallel = (\delta + R^*)/(2R^*)$ (direction vs radial relaxation).

    Labels: ``"lazy"`` where S(0, ∞) < ``lazy_threshold`` (the kernel barely moves), else
    ``"delayed rich"`` where λ⊥/λ∥ < ``delay_ratio`` (features are learnt on a time scale
    ``1/delay_ratio`` slower than the fit along the current ray), else ``"rich"``.

    Parameters
    ----------
    x : {"delta"}
        Horizontal axis: the conserved quantity δ.
    y : {"scale", "alignment"}
        Vertical axis: $\|\beta_0\|/\|\beta^*\|$ (at alignment ``alignment``) or the initial
        alignment $\varphi_0 = \cos\angle(\beta_0, \beta^*)$ (at scale ``scale``).
    x_values, y_values : array of shape (nx,), (ny,), optional
        Defaults: δ ∈ linspace(−6, 6, 97); scale ∈ logspace(−3, 0.5, 57) or φ0 ∈ linspace(−0.95, 0.95, 39).
    beta_star : array of shape (2,)
    scale, alignment : float
        The fixed coordinate of β0 when the other is on the y axis (default: Fig 3's orthogonal
        init, φ0 = 0, at scale 0.1).
    t_max, n_times : float, int
        Time horizon and number of log-spaced times for ``time_to_learn``.
    learn_fraction, lazy_threshold, delay_ratio : float
        Thresholds defining the measured times and the labels (see above).
    simulate : (int, int) or None
        Sub-grid (nx_sim, ny_sim) of cells simulated with ``gradient_flow``; None skips it.
    plot : bool
        Draw the figure.
    executor : None, concurrent.futures.Executor or distributed.Client, default None
        Where the simulated rows run (one task per row of the ``simulate`` sub-grid; the closed
        forms always run here). None: in this process, as always. Otherwise any
        ``concurrent.futures.Executor`` (a process pool with a ``forkserver`` or ``spawn``
        context, loky, ``mpi4py.futures``, a Dask client's ``get_executor()``) or a
        ``distributed.Client``. The result is bit-identical whichever ran it; the executor is not
        shut down (docs/cluster.md).
    checkpoint_dir : str or os.PathLike, optional
        Folder where each finished simulated row is saved (``sims._checkpoint``); a rerun with
        the same arguments loads the saved rows instead of recomputing them.
    progress : bool, optional
        Progress bar over the simulated rows; None shows one only on a terminal.

    Returns
    -------
    PhaseDiagram
        ``simulated`` holds ``x``, ``y``, ``kernel_distance_tmax``, ``time_to_learn`` of the
        simulated cells and ``max_abs_error_kernel_distance`` against the closed form.
    """
    if x != "delta":
        raise ValueError(f"x must be 'delta'; got {format_value(x)}")
    if y not in _Y_AXES:
        raise ValueError(f"y must be one of {_Y_AXES}; got {y!r}")
    beta_star = as_finite_array(beta_star, "beta_star", shape=(2,))
    s = float(np.linalg.norm(beta_star))
    if s == 0:
        raise ValueError("beta_star must be nonzero")
    if x_values is None:
        x_values = np.linspace(-6.0, 6.0, 97)
    if y_values is None:
        y_values = np.logspace(-3, 0.5, 57) if y == "scale" else np.linspace(-0.95, 0.95, 39)
    x_values = as_finite_array(x_values, "x_values", ndim=1)
    y_values = as_finite_array(y_values, "y_values", ndim=1)
    if y == "scale" and np.any(y_values <= 0):
        raise ValueError("y_values (init scales) must be > 0")
    if y == "alignment" and np.any(np.abs(y_values) >= 1):
        raise ValueError("y_values (alignments φ0) must lie in (-1, 1); ±1 puts β0 on the β* axis")
    scale = as_finite_scalar(scale, "scale")
    alignment = as_finite_scalar(alignment, "alignment")
    if not -1 < alignment < 1:
        raise ValueError(f"alignment must lie in (-1, 1); got {alignment}")
    t_max = as_finite_scalar(t_max, "t_max")
    if t_max <= 0:
        raise ValueError(f"t_max must be > 0; got {t_max}")
    for name, val in (("learn_fraction", learn_fraction), ("lazy_threshold", lazy_threshold)):
        if not 0 < as_finite_scalar(val, name) < 1:
            raise ValueError(f"{name} must lie in (0, 1); got {val}")
    delta_delay = delayed_rich_delta(s, delay_ratio)
    if simulate is not None:
        simulate = _as_simulate(simulate)
    executor = resolve_executor(executor)   # refuse a non-executor before any work
    # every setting the simulated rows depend on names the checkpoint
    store = checkpoint_store(checkpoint_dir, "lazy_rich_phase", dict(
        x_values=x_values.tolist(), y_values=y_values.tolist(), y=y, beta_star=beta_star.tolist(), scale=scale,
        alignment=alignment, t_max=t_max, learn_fraction=float(learn_fraction), simulate=simulate))
    if progress is not None and not isinstance(progress, (bool, np.bool_)):
        raise ValueError(f"progress must be a bool or None; got {type(progress).__name__}")

    nx, ny = len(x_values), len(y_values)
    a0, w0, deltas = _initialisations(x_values, y_values, y, beta_star, scale, alignment)
    t = np.concatenate([[0.0], np.logspace(-3, np.log10(t_max), n_times - 1)])
    sol = exact_solution(a0, w0, beta_star, t)

    limit = limit_prediction(a0, w0, beta_star)
    S_final = kernel_distance(a0, w0, limit.a_inf[:, None], limit.w_inf[:, None, :])[:, 0]
    S_t = kernel_distance(a0, w0, sol.a, sol.w)
    loss = sol.loss
    t_learn = _first_crossing_time(t, -loss, -learn_fraction * loss[:, 0])
    t_half = _first_crossing_time(t, S_t, 0.5 * S_final)
    ratio = np.array([np.divide(*relaxation_rates(beta_star, d)) for d in x_values])

    shape = (ny, nx)
    values = {
        "kernel_distance_final": S_final.reshape(shape),
        "kernel_distance_tmax": S_t[:, -1].reshape(shape),
        "time_to_learn": t_learn.reshape(shape),
        "time_to_half_kernel": t_half.reshape(shape),
        "rate_ratio": np.broadcast_to(ratio, shape).copy(),
    }
    labels = np.where(values["kernel_distance_final"] < lazy_threshold, "lazy",
                      np.where(values["rate_ratio"] < delay_ratio, "delayed rich", "rich"))
    boundaries = {"delayed_rich": np.array([[delta_delay, y_values.min()], [delta_delay, y_values.max()]])}

    simulated = {}
    if simulate is not None:
        simulated = _simulate_cells(simulate, x_values, y_values, a0, w0, beta_star, t_max,
                                    learn_fraction, values, executor=executor, store=store, progress=progress)
    params = dict(x=x, y=y, x_values=x_values, y_values=y_values, beta_star=beta_star, scale=scale,
                  alignment=alignment, t_max=t_max, n_times=n_times, learn_fraction=learn_fraction,
                  lazy_threshold=lazy_threshold, delay_ratio=delay_ratio, simulate=simulate)
    result = PhaseDiagram(system="lazy_rich", x_name="delta", x=x_values,
                          y_name="init scale ‖β0‖/‖β*‖" if y == "scale" else "init alignment φ0",
                          y=y_values, values=values, labels=labels, boundaries=boundaries,
                          simulated=simulated, params=params)
    if plot:
        from ._plots import plot_lazy_rich_phase_diagram

        fig = plot_lazy_rich_phase_diagram(result)
        result = PhaseDiagram(**{**result.__dict__, "figure": fig})
    return result


def _as_simulate(simulate) -> tuple[int, int]:
    try:
        n_sx, n_sy = simulate
    except (TypeError, ValueError):
        raise ValueError(f"simulate must be a pair (nx_sim, ny_sim) of counts or None; got {format_value(simulate)}") \
            from None
    return as_count(n_sx, "simulate[0]", maximum=10_000), as_count(n_sy, "simulate[1]", maximum=10_000)


def _simulate_row(*, beta_star, a0, w0, t_max, learn_fraction):
    """Gradient flow of the cells of one simulated row (a sweep task: plain floats in, arrays out).

    ``a0`` (floats) and ``w0`` (pairs) are the cells' initialisations; returns S(0, t_max) and
    the time to learn of each cell, in order.
    """
    from ._flow import gradient_flow

    beta_star = np.asarray(beta_star, dtype=np.float64)
    X = np.eye(2)
    t_eval = np.concatenate([[0.0], np.logspace(-3, np.log10(t_max), 400)])
    S_sim, t_sim = [], []
    for a, w in zip(a0, w0):
        w = np.asarray(w, dtype=np.float64)
        flow = gradient_flow(X, beta_star, a, w, t_eval)
        S = kernel_distance(a, w, flow.a, flow.w)
        loss = 0.5 * np.sum((flow.beta - beta_star) ** 2, axis=-1)
        S_sim.append(S[-1])
        t_sim.append(_first_crossing_time(t_eval, -loss[None], np.array([-learn_fraction * loss[0]]))[0])
    return {"kernel_distance_tmax": np.array(S_sim), "time_to_learn": np.array(t_sim)}


def _simulate_cells(simulate, x_values, y_values, a0, w0, beta_star, t_max, learn_fraction, values, *,
                    executor=None, store=None, progress=None):
    """Gradient flow (DOP853, rtol 1e-10) on a coarse sub-grid of cells; X = I₂, y = β*; one task per row."""
    n_sx, n_sy = simulate
    nx, ny = len(x_values), len(y_values)
    ix = np.unique(np.linspace(0, nx - 1, n_sx).round().astype(int))
    iy = np.unique(np.linspace(0, ny - 1, n_sy).round().astype(int))
    specs = [dict(beta_star=tuple(float(b) for b in beta_star), a0=tuple(float(a0[j * nx + i]) for i in ix),
                  w0=tuple(tuple(float(c) for c in w0[j * nx + i]) for i in ix), t_max=float(t_max),
                  learn_fraction=float(learn_fraction)) for j in iy]
    rows = run_tasks(_simulate_row, specs, executor=executor, progress=progress, desc="lazy_rich gradient flow",
                     store=store)
    S_sim = np.concatenate([r["kernel_distance_tmax"] for r in rows])
    t_sim = np.concatenate([r["time_to_learn"] for r in rows])
    S_theory = values["kernel_distance_tmax"][np.ix_(iy, ix)].ravel()
    return {"x": np.tile(x_values[ix], iy.size), "y": np.repeat(y_values[iy], ix.size), "kernel_distance_tmax": S_sim,
            "time_to_learn": t_sim, "max_abs_error_kernel_distance": np.array(np.max(np.abs(S_sim - S_theory)))}

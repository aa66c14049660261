"""Drawing of the lazy/rich phase diagram (kept apart from the computation in _phase.py)."""

from __future__ import annotations

import numpy as np

from .._style import new_figure, plot_style

_PHASE_COLORS = {"lazy": "#9ecae1", "rich": "#fdae6b", "delayed rich": "#a1d99b"}


def plot_lazy_rich_phase_diagram(result, axes=None):
    """Three panels: phase labels, S(0, ∞), time to learn; simulated cells overlaid as circles.

    Parameters
    ----------
    result : PhaseDiagram
        From ``sims.phase_diagram("lazy_rich", ...)``.
    axes : sequence of 3 Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.colors import ListedColormap, LogNorm

    with plot_style():
        if axes is None:
            fig, axes = new_figure(1, 3, figsize=(11.0, 3.4))
        fig = axes[0].figure
        x, y = result.x, result.y
        log_y = result.params.get("y") == "scale"
        sim = result.simulated

        names = list(_PHASE_COLORS)
        codes = np.vectorize(names.index)(result.labels)
        ax = axes[0]
        ax.pcolormesh(x, y, codes, cmap=ListedColormap([_PHASE_COLORS[n] for n in names]),
                      vmin=-0.5, vmax=len(names) - 0.5, shading="nearest")
        for n in names:
            ax.plot([], [], "s", color=_PHASE_COLORS[n], label=n)
        ax.legend(loc="lower left", framealpha=0.9)
        ax.set_title("phase")

        ax = axes[1]
        S = result.values["kernel_distance_final"]
        mesh = ax.pcolormesh(x, y, S, vmin=0, vmax=1, shading="nearest")
        fig.colorbar(mesh, ax=ax, label="S(0, ∞)")
        ax.contour(x, y, S, levels=[result.params["lazy_threshold"]], colors="w", linewidths=1)
        if sim:
            ax.scatter(sim["x"], sim["y"], c=sim["kernel_distance_tmax"], vmin=0, vmax=1, s=36,
                       edgecolors="k", linewidths=0.8, label=f"GF, S(0, {result.params['t_max']:g})")
            ax.legend(loc="lower left", framealpha=0.9)
        ax.set_title("final kernel distance (closed form)")

        ax = axes[2]
        T = result.values["time_to_learn"]
        finite = np.isfinite(T)
        t_max = result.params["t_max"]
        norm = LogNorm(vmin=max(T[finite].min(), 1e-3), vmax=t_max) if finite.any() else None
        mesh = ax.pcolormesh(x, y, np.where(finite, T, t_max), norm=norm, cmap="magma_r", shading="nearest")
        fig.colorbar(mesh, ax=ax, label=f"time to learn (loss × {result.params['learn_fraction']:g})")
        if sim:
            Ts = np.where(np.isfinite(sim["time_to_learn"]), sim["time_to_learn"], t_max)
            ax.scatter(sim["x"], sim["y"], c=Ts, norm=norm, cmap="magma_r", s=36, edgecolors="k",
                       linewidths=0.8)
        ax.set_title("time to learn (closed form; circles GF)")

        for ax in axes:
            for curve in result.boundaries.values():
                ax.plot(curve[:, 0], curve[:, 1], "k--", lw=1)
            ax.set_xlabel("δ (conserved quantity)")
            ax.set_ylabel(result.y_name)
            if log_y:
                ax.set_yscale("log")
            ax.grid(False)
    return fig

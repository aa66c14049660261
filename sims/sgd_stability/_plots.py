"""Drawing of SGD-stability diagrams (kept apart from the computations)."""

from __future__ import annotations

import numpy as np

from .._style import new_figure, plot_style

PHASE_COLORS = {
    "Ib": "#6baed6", "Ia": "#c6dbef", "I": "#6baed6", "II": "#fd8d3c", "III": "#74c476",
    "IV": "#bdbdbd", "undecided": "#ffffff", "diverged": "#636363",
}
# Zero sets are point clouds (several λ per row), drawn as dots; the two lines as lines.
_CURVES = {
    "lambda_plus_zero": dict(color="k", marker="o", markersize=1.6, linestyle="none", label="Λ₊ = 0"),
    "lambda_minus_zero": dict(color="C3", marker="s", markersize=1.6, linestyle="none", label="Λ₋ = 0"),
    "l2_line": dict(color="C0", linestyle=":", lw=1.4, label="L₂ line 2Ec/Ec²"),
    "gd_line": dict(color="C1", linestyle="-.", lw=1.2, label="GD line 2/Ec"),
}


def plot_sgd_phase_diagram(result, ax=None):
    """Phase labels over (λ, y) with the theoretical boundary curves overlaid.

    For ``method="simulate"`` the cells show the majority outcome of nonlinear SGD and the curves
    are the linear theory's boundaries, so agreement and disagreement are both visible.

    Parameters
    ----------
    result : PhaseDiagram
        From ``sims.phase_diagram("sgd_stability", ...)``.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.colors import ListedColormap

    with plot_style():
        if ax is None:
            fig, ax = new_figure(figsize=(5.6, 4.2))
        fig = ax.figure
        present = [n for n in PHASE_COLORS if np.any(result.labels == n)]
        codes = np.vectorize(present.index)(result.labels)
        ax.pcolormesh(result.x, result.y, codes, cmap=ListedColormap([PHASE_COLORS[n] for n in present]),
                      vmin=-0.5, vmax=len(present) - 0.5, shading="nearest")
        for n in present:
            ax.plot([], [], "s", color=PHASE_COLORS[n], markeredgecolor="0.5", label=n)
        for key, style in _CURVES.items():
            pts = result.boundaries.get(key)
            if pts is None or len(pts) == 0:
                continue
            inside = (pts[:, 0] >= result.x.min()) & (pts[:, 0] <= result.x.max())
            if inside.any():
                ax.plot(pts[inside, 0], pts[inside, 1], **style)
        method = result.params.get("method", "analytic")
        ax.set_title(f"SGD at the origin saddle: {method} (model {result.params.get('model')})")
        ax.set_xlabel(result.x_name)
        ax.set_ylabel(result.y_name)
        if np.ptp(result.x) > 0:
            ax.set_xlim(result.x.min(), result.x.max())
        if np.ptp(result.y) > 0:
            ax.set_ylim(result.y.min(), result.y.max())
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=7)
        ax.grid(False)
    return fig

"""Figures of the SC UFM theory (Behnia & Thrampoulidis 2024), drawn from ``_figure_data``.

One colour means one thing in every figure of this theory: :data:`COLORS` (the tight run, the control,
the two across-class blocks, the temperatures).
"""

from __future__ import annotations

import numpy as np

from .._style import guide_hline, new_figure, panel_letters, plot_style

__all__ = ["COLORS", "plot_blocks", "plot_embedding", "plot_gram"]

COLORS = {"tight": "#1f5fa8", "control": "#d1495b", "maj_min": "#d1495b", "min_min": "#1f5fa8",
          "balanced": "#1f5fa8", "step": "#e08a00"}
_TAU_STYLES = ("-", "--", ":")


def _heat(ax, G, labels, title):
    im = ax.imshow(G, cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
    edges = np.flatnonzero(np.diff(labels)) + 0.5
    for e in edges:
        ax.axhline(e, color="k", lw=0.6)
        ax.axvline(e, color="k", lw=0.6)
    ax.grid(False)
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    return im


def plot_gram(data):
    """Gram heat maps (balanced, STEP) and GD excess loss over the SDP optimum (tight vs d < rank)."""
    with plot_style():
        fig, axes = new_figure(1, 3, figsize=(10.0, 3.2))
        _heat(axes[0], data.balanced_G, data.balanced_labels, r"balanced $(4,4,4)$: ETF")
        im = _heat(axes[1], data.step_G, data.step_labels, r"STEP $(8,2,2)$: blocks")
        fig.colorbar(im, ax=axes[1], shrink=0.8, label=r"$G^\star_{ij}$")
        ax = axes[2]
        t = np.maximum(data.checkpoints, 1)
        for i, row in enumerate(data.excess_tight):
            ax.loglog(t, np.maximum(row, 1e-16), color=COLORS["tight"], lw=1.0,
                      label=r"STEP $(8,2,2)$, $d = 3 \geq \mathrm{rank}\,G^\star$" if i == 0 else None)
        for i, row in enumerate(data.excess_control):
            ax.loglog(t, np.maximum(row, 1e-16), color=COLORS["control"], lw=1.0,
                      label=r"balanced $k = 4$, $d = 2 < \mathrm{rank}\,G^\star$" if i == 0 else None)
        ax.set_xlabel("Riemannian GD step")
        ax.set_ylabel(r"$\mathcal{L}_{GD} - \mathcal{L}_{SDP}$")
        ax.set_title(rf"5 random inits, $\tau = {data.tau:g}$, lr $0.05$", fontsize=9)
        ax.legend(fontsize=7, loc="lower left")
        panel_letters(axes)
    return fig


def plot_blocks(data):
    """STEP block values against the imbalance ratio (one line style per tau), and the tau -> 0 excess."""
    with plot_style():
        fig, axes = new_figure(1, 2, figsize=(8.0, 3.2))
        ax = axes[0]
        for b, tau in enumerate(data.taus):
            ls = _TAU_STYLES[b % len(_TAU_STYLES)]
            ax.plot(data.ratios, data.maj_min[b], ls, marker="o", color=COLORS["maj_min"],
                    label=rf"maj–min, $\tau = {tau:g}$")
            ax.plot(data.ratios, data.min_min[b], ls, marker="s", color=COLORS["min_min"],
                    label=rf"min–min, $\tau = {tau:g}$")
        guide_hline(ax, -1.0 / (data.k - 1), color="0.3", ls=":", lw=1.0, label=r"ETF value $-1/(k-1)$")
        ax.set_xscale("log", base=2)
        ax.set_xticks(data.ratios)
        ax.set_xticklabels([str(int(r)) for r in data.ratios])
        ax.set_xlabel(r"imbalance ratio $R$")
        ax.set_ylabel(r"block value of $G^\star$")
        ax.legend(fontsize=6.5, ncol=2)
        ax = axes[1]
        ax.semilogy(1 / data.small_taus, data.excess[0], "o", color=COLORS["balanced"], label=r"balanced $(4,4,4)$, SDP")
        ax.semilogy(1 / data.small_taus, data.excess_closed, "-", color=COLORS["balanced"], lw=1.0,
                    label="balanced, closed form")
        ax.semilogy(1 / data.small_taus, data.excess[1], "s", color=COLORS["step"], label=r"STEP $(8,2,2)$, SDP")
        ax.set_xlabel(r"$1/\tau$")
        ax.set_ylabel(r"$\mathcal{L}^\star - \sum_i \log(n_{y_i} - 1)$")
        ax.legend(fontsize=7)
        panel_letters(axes)
    return fig


_CLASS_COLORS = ("#1f5fa8", "#d1495b", "#2e8b57", "#e08a00")


def _sphere(ax):
    u, v = np.meshgrid(np.linspace(0, 2 * np.pi, 25), np.linspace(0, np.pi, 13))
    ax.plot_wireframe(np.cos(u) * np.sin(v), np.sin(u) * np.sin(v), np.cos(v), color="0.85", lw=0.4)


def plot_embedding(data):
    """The d = 3 features of one GD run on the unit sphere: balanced k = 4 and STEP (8, 2, 2)."""
    from matplotlib.figure import Figure

    with plot_style():
        fig = Figure(figsize=(8.0, 4.0), layout="constrained")
        cases = ((data.balanced_H, data.balanced_labels, data.balanced_gap, r"balanced $k = 4$, $m = 3$"),
                 (data.step_H, data.step_labels, data.step_gap, r"STEP $(8,2,2)$"))
        axes = []
        for j, (H, y, gap, title) in enumerate(cases):
            ax = fig.add_subplot(1, 2, j + 1, projection="3d")
            _sphere(ax)
            for c in np.unique(y):
                pts = H[:, y == c]
                ax.scatter(pts[0], pts[1], pts[2], s=40, color=_CLASS_COLORS[c % len(_CLASS_COLORS)],
                           depthshade=False, label=f"class {c} ({pts.shape[1]} samples)")
                ax.plot([0, pts[0, 0]], [0, pts[1, 0]], [0, pts[2, 0]], color=_CLASS_COLORS[c % len(_CLASS_COLORS)],
                        lw=1.0)
            ax.set_title(f"{title}\ncertified gap bound {gap:.0e}", fontsize=9)
            ax.set_box_aspect((1, 1, 1))
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_zticks([])
            ax.legend(fontsize=7, loc="lower left")
            axes.append(ax)
        panel_letters(axes)
    return fig

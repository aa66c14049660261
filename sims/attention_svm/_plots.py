"""Figures of the attention_svm theory, drawn from ``_figure_data``.

Plot functions take the data (or compute it), return the matplotlib Figure and never touch
pyplot (:func:`sims._style.new_figure`). One colour means one optimiser in every figure of this
theory (:data:`OPTIMIZER_COLORS`); the line style tells the two SVMs apart (solid: Frobenius,
dashed: nuclear).
"""

from __future__ import annotations

import numpy as np

from .._style import new_figure, panel_letters, plot_style

__all__ = ["OPTIMIZER_COLORS", "plot_correlation", "plot_paths", "plot_selection"]

OPTIMIZER_COLORS = {"gd": "#1f5fa8", "ngd": "#d1495b", "polyak": "#8e5ac8", "kq_ngd": "#2e8b57"}
OPTIMIZER_NAMES = {"gd": "GD on W", "ngd": "normalised GD on W", "polyak": "Polyak steps on W",
                   "kq_ngd": "normalised GD on (K, Q)"}
PATH_COLORS = {"fro": "#8e5ac8", "nuc": "#e08a00"}


def _corr(A, B):
    return float(np.sum(A * B) / (np.linalg.norm(A) * np.linalg.norm(B)))


def plot_correlation(data=None):
    """corr with $W^{mm}_F$ and $W^{mm}_\\star$ over iterations, and the attention sparsification.

    Parameters
    ----------
    data : CorrelationRuns, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    from ._figure_data import correlation_runs

    data = correlation_runs() if data is None else data
    with plot_style():
        fig, axes = new_figure(1, 3, figsize=(10.5, 3.3))
        for key, run in data.runs.items():
            h = run.history
            k = h.steps.astype(float)
            keep = k >= 1
            c = OPTIMIZER_COLORS[key]
            axes[0].semilogx(k[keep], h.corr_fro[keep], color=c, label=OPTIMIZER_NAMES[key])
            axes[1].semilogx(k[keep], h.corr_nuc[keep], color=c, ls="--", label=OPTIMIZER_NAMES[key])
            off = h.max_off_attention[keep]
            pos = off > 0
            axes[2].loglog(k[keep][pos], off[pos], color=c, label=OPTIMIZER_NAMES[key])
        axes[0].set_title("corr$(W_k, W^{mm}_F)$")
        axes[1].set_title("corr$(W_k, W^{mm}_\\star)$")
        axes[2].set_title("off-optimal attention $\\max_i \\sum_{t \\ne \\mathrm{opt}_i} s_{it}$")
        for ax in axes:
            ax.set_xlabel("iteration $k$")
        axes[0].set_ylim(0.6, 1.01)
        axes[1].set_ylim(0.6, 1.01)
        axes[2].set_ylim(1e-300, 10.0)
        axes[2].set_yticks([1e-300, 1e-200, 1e-100, 1.0])
        axes[0].legend(loc="lower right")
        s = data.setting
        fig.suptitle(f"one-layer attention, n = {s['n']}, T = {s['T']}, d = {s['d']} (seed {s['seed']}); "
                     f"η: GD {s['lr_gd']}, NGD {s['lr_ngd']}, (K, Q) {s['lr_kq']}; Polyak factor {s['polyak']}", fontsize=9)
        panel_letters(axes)
    return fig


def plot_selection(data=None):
    """The token-selection picture: one 2-D sequence, the SVM margin band, and attention along NGD.

    Parameters
    ----------
    data : SelectionPicture, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    from ._figure_data import selection_picture

    data = selection_picture() if data is None else data
    X, u, a = data.X, data.u, data.selection
    with plot_style():
        fig, axes = new_figure(1, 2, figsize=(9.0, 3.8))
        ax = axes[0]
        sc = ax.scatter(X[:, 0], X[:, 1], c=data.scores, cmap="coolwarm", s=60, zorder=3, edgecolors="k")
        fig.colorbar(sc, ax=ax, label="score $\\gamma_t = Y v^\\top x_t$")
        ax.scatter(*X[a], marker="*", s=320, facecolors="none", edgecolors="k", lw=1.4, zorder=4,
                   label="selected token $x_\\alpha$")
        act = np.flatnonzero(data.active)
        ax.scatter(X[act, 0], X[act, 1], s=200, facecolors="none", edgecolors="#2e8b57", lw=1.6, zorder=4,
                   label="support tokens (margin 1)")
        lim = 1.4 * np.abs(X).max()
        t = np.linspace(-lim, lim, 2)
        nu = u / float(u @ u)
        perp = np.array([-u[1], u[0]]) / np.linalg.norm(u)
        top = float(X[a] @ u)
        for level, ls, lab in ((top, "-", "$x^\\top W^{mm} z = x_\\alpha^\\top W^{mm} z$"),
                               (top - 1.0, "--", "$\\ldots - 1$ (margin)")):
            base = level * nu
            pts = base[None, :] + t[:, None] * perp[None, :]
            ax.plot(pts[:, 0], pts[:, 1], "k", ls=ls, lw=1.0, label=lab)
        ax.annotate("", xy=0.6 * lim * u / np.linalg.norm(u), xytext=(0, 0),
                    arrowprops=dict(arrowstyle="-|>", color="k", lw=1.4))
        ax.text(*(0.3 * lim * u / np.linalg.norm(u) + 0.12 * lim * perp), "$W^{mm}z$", fontsize=9)
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_aspect("equal")
        ax.set_title("tokens of one sequence (d = 2)")
        ax.legend(loc="lower left", fontsize=6.5)
        ax = axes[1]
        from theory.attention_svm import attention_weights

        run = data.run
        h = run.history
        k = h.steps.astype(float)
        W_dir = data.W_mm / np.linalg.norm(data.W_mm)
        A = np.array([attention_weights(nrm * W_dir, X[None], data.z[None])[0] for nrm in h.norm])
        for tok in range(X.shape[0]):
            ax.semilogx(np.maximum(k, 1), A[:, tok], lw=2.0 if tok == a else 1.0,
                        color="k" if tok == a else "0.6", label="selected" if tok == a else None)
        ax.set_xlabel("iteration $k$")
        ax.set_title("attention $s_t$ at $\\|W_k\\|\\,W^{mm}/\\|W^{mm}\\|$ (NGD norms)")
        ax.legend()
        panel_letters(axes)
    return fig


def plot_paths(data=None):
    """The Frobenius and nuclear regularisation paths against both SVMs, and singular values.

    Parameters
    ----------
    data : PathData, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    from ._figure_data import path_data

    data = path_data() if data is None else data
    with plot_style():
        fig, axes = new_figure(1, 3, figsize=(10.5, 3.3))
        for ax, norm in zip(axes[:2], ("fro", "nuc")):
            p = data.paths[norm]
            ax.semilogx(data.radii, [_corr(W, data.W_fro) for W in p.W], "o-", color=PATH_COLORS[norm],
                        label="corr$(W_R, W^{mm}_F)$")
            ax.semilogx(data.radii, [_corr(W, data.W_nuc) for W in p.W], "s--", color=PATH_COLORS[norm],
                        label="corr$(W_R, W^{mm}_\\star)$")
            ax.set_xlabel("radius $R$")
            ax.set_title("Frobenius ball ($W$)" if norm == "fro" else "nuclear ball (= $(K, Q)$ ball)")
            ax.legend(loc="lower right")
        ax = axes[2]
        for lab, W, ls in (("$W^{mm}_F$", data.W_fro, "o-"), ("$W^{mm}_\\star$", data.W_nuc, "s--")):
            sv = np.linalg.svd(W, compute_uv=False)
            ax.semilogy(np.arange(1, len(sv) + 1), np.maximum(sv / sv[0], 1e-17), ls, color="0.3", label=lab)
        sv = np.linalg.svd(data.paths["nuc"].W[-1], compute_uv=False)
        ax.semilogy(np.arange(1, len(sv) + 1), np.maximum(sv / sv[0], 1e-17), "^:", color=PATH_COLORS["nuc"],
                    label=f"nuclear path, R = {data.radii[-1]:g}")
        ax.set_xlabel("index")
        ax.set_title("singular values / largest")
        ax.legend()
        s = data.setting
        fig.suptitle(f"norm-ball paths, n = {s['n']}, T = {s['T']}, d = {s['d']} (seed {s['seed']})", fontsize=9)
        panel_letters(axes)
    return fig

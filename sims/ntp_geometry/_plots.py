"""Plots of the NTP-geometry figures (Zhao et al. 2024): logit heat maps and the λ → 0 limit.

One colour means one thing in every figure of this theory: :data:`COLORS` (the L^mm direction,
the in-support part, the residual, collapse, word and context Grams).
"""

from __future__ import annotations

import numpy as np

from .._style import new_figure, panel_letters, plot_style

__all__ = ["COLORS", "plot_lambda_law", "plot_logit_maps"]

COLORS = {"mm": "#1f5fa8", "in": "#d1495b", "residual": "#7f7f7f", "collapse": "#2e8b57", "word": "#8e5ac8",
          "context": "#b8860b"}


def plot_logit_maps(data=None):
    """Heat maps of $L^{\\rm in}$, $L^{\\rm mm}$, $\\tilde S$ and $L_\\lambda$, and the spectra of $L^{\\rm mm}$ and $\\tilde S$.

    Parameters
    ----------
    data : LogitMaps, optional
        From :func:`sims.ntp_geometry._figure_data.logit_maps` (computed when None).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from ._figure_data import logit_maps

    d = logit_maps() if data is None else data
    panels = [(d.L_in, r"$L^{\rm in}$ (sparse: centred $\log\hat p$)"),
              (d.L_mm, r"$L^{\rm mm}$ (nuclear logit SVM)"),
              (d.S_tilde, r"$\tilde S$ (centred support proxy)"),
              (d.L_lam, rf"$L_\lambda$, $\lambda = 10^{{{int(round(np.log10(d.lam)))}}}$"),
              (d.L_lam - d.c * d.L_mm, rf"$L_\lambda - c L^{{\rm mm}}$, $c = {d.c:.2f}$")]
    with plot_style():
        fig, axes = new_figure(2, 3, figsize=(10.5, 5.6))
        axes = axes.ravel()
        for ax, (M, title) in zip(axes, panels):
            lim = float(np.max(np.abs(M))) or 1.0
            im = ax.imshow(M, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
            V, m = M.shape
            for z in range(V):
                for j in range(m):
                    if d.support[z, j]:
                        ax.plot(j, z, "o", ms=3, mfc="none", mec="k", mew=0.6)
            ax.set_title(title)
            ax.set_xlabel("context $j$")
            ax.set_ylabel("token $z$")
            ax.set_xticks(range(m))
            ax.set_yticks(range(V))
            ax.grid(False)
            fig.colorbar(im, ax=ax, shrink=0.8)
        ax = axes[5]
        k = np.arange(1, d.sv_mm.size + 1)
        ax.semilogy(k, np.maximum(d.sv_mm, 1e-16), "o-", color=COLORS["mm"], label=r"$\sigma_k(L^{\rm mm})$")
        ax.semilogy(k, np.maximum(d.sv_St, 1e-16), "s--", color=COLORS["residual"], label=r"$\sigma_k(\tilde S)$")
        ax.axhline(1e-3 * d.sv_mm[0], color="k", lw=0.8, ls=":", label="rank threshold")
        ax.set_xlabel("$k$")
        ax.set_title(r"spectra: rank $L^{\rm mm}$ < rank $\tilde S$")
        ax.legend(loc="lower left")
        panel_letters(axes)
        fig.suptitle("Duplicated supports (V = 6, m = 8; circles mark the supports)")
    return fig


def plot_lambda_law(data=None):
    """The ln(1/λ) law, the in-support limit and the collapse/Gram cosines along λ.

    Parameters
    ----------
    data : LambdaSweep, optional
        From :func:`sims.ntp_geometry._figure_data.lambda_sweep` (computed when None).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from ._figure_data import lambda_sweep

    d = lambda_sweep() if data is None else data
    x = np.log(1.0 / d.lambdas)
    with plot_style():
        fig, axes = new_figure(1, 3, figsize=(11.0, 3.6))
        ax = axes[0]
        for i, c in enumerate(d.c):
            ax.plot(x, c, "o-", color=COLORS["mm"], alpha=0.5 + 0.5 * i / max(1, len(d.c) - 1), ms=3,
                    label=r"$c(\lambda)$, 4 instances" if i == 0 else None)
            off = float(np.mean(c - x))
            ax.plot(x, x + off, ":", color="k", lw=0.8, label=r"slope 1: $\ln(1/\lambda)$ + const" if i == 0 else None)
        ax.set_xlabel(r"$\ln(1/\lambda)$")
        ax.set_ylabel(r"$c(\lambda) = \langle L_\lambda, L^{\rm mm}\rangle / \|L^{\rm mm}\|^2$")
        ax.set_title(r"$L_\lambda \approx L^{\rm in} + c(\lambda) L^{\rm mm}$")
        ax.legend()
        ax = axes[1]
        for i in range(d.c.shape[0]):
            ax.loglog(d.lambdas, d.in_support_error[i], "o-", color=COLORS["in"], ms=3,
                      label=r"$\|P_F L_\lambda - L^{\rm in}\|$" if i == 0 else None)
            ax.loglog(d.lambdas, d.relative_residual[i], "s--", color=COLORS["residual"], ms=3,
                      label=r"$\|L_\lambda - cL^{\rm mm}\| / (c\|L^{\rm mm}\|)$" if i == 0 else None)
        ax.invert_xaxis()
        ax.set_xlabel(r"$\lambda$")
        ax.set_title("in-support part and residual")
        ax.legend()
        ax = axes[2]
        ax.semilogx(d.lambdas, 1 - d.collapse_cos, "o-", color=COLORS["collapse"],
                    label="1 − cos, identical supports ($F_L^\\perp$ parts)")
        ax.semilogx(d.lambdas, 1 - d.word_gram_corr, "s-", color=COLORS["word"], label="1 − cos(word Grams)")
        ax.semilogx(d.lambdas, 1 - d.context_gram_corr, "^-", color=COLORS["context"],
                    label="1 − cos(context Grams)")
        ax.set_yscale("log")
        ax.invert_xaxis()
        ax.set_xlabel(r"$\lambda$")
        ax.set_title("collapse, Gram geometry (dupl. supports)")
        ax.legend()
        panel_letters(axes)
    return fig

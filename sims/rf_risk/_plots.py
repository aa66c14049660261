"""Drawing the figures of the random-feature risk theory from the data of ``_figure_data``."""

from __future__ import annotations

import numpy as np

from .._style import new_figure, panel_letters, plot_style

__all__ = ["ADVANI_SAXE_COLORS", "plot_advani_saxe"]


# --------------------------------------------------------------------------------------------
# Advani, Saxe & Sompolinsky (2017): gradient-flow learning curves (ADVANI helper)

#: One colour per α across the Advani–Saxe figure.
ADVANI_SAXE_COLORS = {0.5: "tab:blue", 1.0: "tab:red", 2.0: "tab:green"}


def plot_advani_saxe(data=None):
    r"""Test and training error of gradient flow for several $\alpha$: theory, MC ± SE, asymptotes, $E_g^*$, $t^*$.

    Parameters
    ----------
    data : AdvaniSaxeFigureData, optional
        From :func:`sims.rf_risk._figure_data.advani_saxe_figure_data` (computed when None).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from ._figure_data import advani_saxe_figure_data

    data = advani_saxe_figure_data() if data is None else data
    with plot_style():
        fig, (axg, axt) = new_figure(1, 2, figsize=(9.6, 3.9))
        for i, a in enumerate(data.alphas):
            color = ADVANI_SAXE_COLORS.get(a, f"C{i}")
            axg.plot(data.t, data.test_error[i], color=color, label=f"$\\alpha = {a:g}$")
            axt.plot(data.t, data.train_error[i], color=color, label=f"$\\alpha = {a:g}$")
            axg.errorbar(data.mc_times, data.mc_test_mean[i], yerr=data.mc_test_se[i], fmt="o", ms=3.5,
                         color=color, capsize=2)
            keep = data.mc_train_mean[i] > 0
            axt.errorbar(data.mc_times[keep], data.mc_train_mean[i][keep], yerr=data.mc_train_se[i][keep], fmt="o",
                         ms=3.5, color=color, capsize=2)
            if np.isfinite(data.test_asymptote[i]):
                axg.axhline(data.test_asymptote[i], color=color, ls="--", lw=0.9)
            if data.train_asymptote[i] > 0:
                axt.axhline(data.train_asymptote[i], color=color, ls="--", lw=0.9)
            axg.axhline(data.optimal_ridge_error[i], color=color, ls=":", lw=1.2)
            axg.plot(data.stopping_time[i], data.stopping_error[i], marker="*", ms=11, color=color, mec="k",
                     mew=0.6, ls="none")
        # style key (black stand-ins)
        axg.errorbar([], [], yerr=[], fmt="o", ms=3.5, color="0.3", label=f"exact-mode MC ± SE (N = {data.n_inputs})")
        axg.plot([], [], "--", color="0.3", lw=0.9, label="asymptote $E_g(\\infty)$")
        axg.plot([], [], ":", color="0.3", lw=1.2, label="optimal ridge $E_g^*$")
        axg.plot([], [], "*", color="0.3", mec="k", ms=10, label="early stopping $t^*$")
        axt.plot([], [], "--", color="0.3", lw=0.9, label="asymptote $\\sigma_\\varepsilon^2(1 - 1/\\alpha)$")
        from matplotlib.ticker import FuncFormatter, NullFormatter

        for ax, name in ((axg, "test error $E_g(t)$"), (axt, "training error $E_t(t)$")):
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("time $t$ (units of $\\tau$)")
            ax.set_ylabel(name)
        axg.set_ylim(0.3, 6.0)
        axg.set_yticks([0.3, 0.4, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0])
        axg.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        axg.yaxis.set_minor_formatter(NullFormatter())
        axt.set_ylim(1e-3, 3.0)
        axg.legend(loc="upper left", ncol=2, fontsize=7)
        axt.legend(loc="lower left", fontsize=7)
        axg.set_title(f"$\\sigma_w^2 = {data.sigma_w2:g}$, $\\sigma_\\varepsilon^2 = {data.sigma_eps2:g}$, "
                      f"$\\sigma_0^2 = {data.sigma_02:g}$: the $\\alpha = 1$ curve grows like $\\sqrt{{t}}$")
        axt.set_title(f"{data.trials} trials per $\\alpha$; $E_t \\to 0$ for $\\alpha \\leq 1$")
        panel_letters([axg, axt])
    return fig

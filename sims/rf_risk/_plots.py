"""Figures of the rf_risk theory (Simon et al. 2023; Advani et al. 2017), drawn from ``_figure_data``.

Plot functions take the data (or compute it), return the matplotlib Figure, never call
``plt.show()`` and never touch pyplot (figures come from :func:`sims._style.new_figure`). One
colour means one ridge in every figure of this theory (:func:`ridge_colors`); the optimal-ridge
envelope is black, the kernel limit (k = ∞) grey, the interpolation threshold n = k dashed.
"""

from __future__ import annotations

import numpy as np

from .._style import new_figure, panel_letters, plot_style

__all__ = [
    "ADVANI_SAXE_COLORS",
    "ENVELOPE_COLOR",
    "KRR_COLOR",
    "NOISE_COLORS",
    "THRESHOLD_STYLE",
    "plot_advani_saxe",
    "plot_fitting_ratio",
    "plot_risk_curves",
    "plot_risk_phase_diagram",
    "plot_torch_grid",
    "ridge_colors",
]

ENVELOPE_COLOR = "k"
KRR_COLOR = "0.55"
THRESHOLD_STYLE = dict(color="#d1495b", ls="--", lw=1.2)
#: One colour per relative noise level σ_rel² of the fitting-ratio figure.
NOISE_COLORS = {0.0: "#1f5fa8", 1.0: "#2e8b57", 5.0: "#e08a00", 50.0: "#8e5ac8"}


def ridge_colors(ridges) -> list:
    """One colour per ridge, from small (dark blue) to large (yellow), the same in every rf_risk figure.

    Parameters
    ----------
    ridges : array_like
        The ridges, in plotting order.

    Returns
    -------
    list of RGBA tuples
    """
    from matplotlib import colormaps

    r = np.log10(np.asarray(ridges, dtype=float))
    t = (r + 3.0) / 5.0                        # 1e-3 … 1e2 onto the colour map (its pale end left out)
    return [colormaps["plasma"](0.9 * float(np.clip(x, 0.0, 1.0))) for x in t]


def _ridge_label(r: float) -> str:
    return f"δ = {r:.3g}"


# --------------------------------------------------------------------------------------------
# Simon et al. (2023), synthetic panel
# --------------------------------------------------------------------------------------------

def plot_risk_curves(data=None):
    """Test and train MSE vs k (n fixed) and vs n (k fixed): theory per ridge, envelope, KRR, Monte Carlo.

    Parameters
    ----------
    data : RiskCurves, optional
        From :func:`sims.rf_risk._figure_data.rf_risk_curves` (computed when None).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from ._figure_data import rf_risk_curves

    d = rf_risk_curves() if data is None else data
    colors = ridge_colors(d.ridges)
    with plot_style():
        fig, axes = new_figure(2, 2, figsize=(9.0, 6.4))
        for col, axis in enumerate(("k", "n")):
            x = d.sweep_k if axis == "k" else d.sweep_n
            test, train = (d.test_k, d.train_k) if axis == "k" else (d.test_n, d.train_n)
            mc_x = d.mc_k if axis == "k" else d.mc_n
            mc = [getattr(d, f"mc_{w}_{axis}") for w in ("test", "test_se", "train", "train_se")]
            other = "n" if axis == "k" else "k"
            for row, (theory, mean, se) in enumerate(((test, mc[0], mc[1]), (train, mc[2], mc[3]))):
                ax = axes[row, col]
                for j, r in enumerate(d.ridges):
                    ax.plot(x, theory[j], color=colors[j], label=_ridge_label(r))
                    ax.errorbar(mc_x, mean[j], yerr=se[j], fmt="o", ms=3.5, color=colors[j], capsize=2, lw=1.0)
                if row == 0:
                    env = d.optimal_k if axis == "k" else d.optimal_n
                    ax.plot(x, env, color=ENVELOPE_COLOR, lw=2.0, label="optimal ridge $E^*$")
                    if axis == "k":
                        ax.axhline(d.krr_optimal_k, color=KRR_COLOR, ls="-.", lw=1.4, label="KRR ($k=\\infty$), optimal δ")
                    else:
                        ax.plot(x, d.krr_optimal_n, color=KRR_COLOR, ls="-.", lw=1.4, label="KRR ($k=\\infty$), optimal δ")
                    ax.axhline(d.noise, color="0.3", ls=":", lw=1.0, label="noise floor $\\sigma^2$")
                ax.axvline(d.fixed, label=f"{axis} = {other} = {d.fixed}", **THRESHOLD_STYLE)
                ax.set_xscale("log")
                ax.set_yscale("log")
                ax.set_xlabel(f"{'k (random features)' if axis == 'k' else 'n (samples)'}")
                ax.set_ylabel("test MSE" if row == 0 else "train MSE")
                ax.set_title(f"{'test' if row == 0 else 'train'} MSE vs {axis}, {other} = {d.fixed}")
        from matplotlib.ticker import FormatStrFormatter

        for ax in axes[0]:
            ax.set_ylim(0.4, None)
            ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
            ax.yaxis.set_minor_formatter(FormatStrFormatter("%g"))
        handles, labels = axes[0, 0].get_legend_handles_labels()
        from matplotlib.lines import Line2D

        handles.append(Line2D([], [], marker="o", ls="", color="0.3", ms=4))
        labels.append(f"Monte Carlo ± SE ({d.trials} trials, Gaussian model)")
        fig.legend(handles, labels, loc="outside lower center", ncol=4, frameon=False)
        fig.suptitle("Random-feature ridge regression, $\\lambda_i = v_i^2 = i^{-1.5}$, $M = 10^4$, "
                     f"$\\sigma^2 = {d.noise:g}$: theory (lines) and Monte Carlo (points)")
        panel_letters(axes)
    return fig


# --------------------------------------------------------------------------------------------
# Simon et al. (2023), power-law tasks: fitting ratio
# --------------------------------------------------------------------------------------------

def plot_fitting_ratio(data=None):
    r"""$f(s)$ (test MSE over the noiseless ridgeless risk) against the fitting ratio $R = s^2$, per task.

    Parameters
    ----------
    data : FittingRatioData, optional
        From :func:`sims.rf_risk._figure_data.fitting_ratio_data` (computed when None).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from ._figure_data import fitting_ratio_data

    d = fitting_ratio_data() if data is None else data
    with plot_style():
        fig, axes = new_figure(1, len(d.tasks), figsize=(3.4 * len(d.tasks), 3.6))
        for t, ax in enumerate(np.atleast_1d(axes)):
            a, b = d.exponents[t]
            for j, sr in enumerate(d.noise_rel):
                color = NOISE_COLORS.get(float(sr), "0.3")
                low = d.curve[t, j].min()
                ax.plot(d.s**2, d.curve[t, j] / low, color=color, label=f"$\\sigma_{{rel}}^2 = {sr:g}$")
                keep = d.discrete_ratio[t, j] < d.s[-1] ** 2
                ax.plot(d.discrete_ratio[t, j][keep], d.discrete_risk[t, j][keep] / low, "o", ms=2.8, mfc="none",
                        color=color)
                rs = d.optimal_ratio[t, j]
                fs = np.interp(np.sqrt(rs), d.s, d.curve[t, j]) / low
                ax.plot([rs], [fs], marker="*", ms=11, color=color, mec="k", mew=0.6, ls="")
            ax.set_ylim(0.97, 1.6)
            ax.set_xlim(0, 1)
            ax.set_xlabel("fitting ratio $R = E_{tr}/E_{te}$")
            ax.set_ylabel("test MSE / its minimum")
            ax.set_title(f"{d.tasks[t]}: $\\alpha = {a:g}$, $\\beta = {b:g}$")
        from matplotlib.lines import Line2D

        handles, labels = np.atleast_1d(axes)[0].get_legend_handles_labels()
        handles += [Line2D([], [], marker="o", mfc="none", ls="", color="0.3", ms=4),
                    Line2D([], [], marker="*", ls="", color="0.3", mec="k", ms=10)]
        labels += [f"discrete theory, KRR, n = {d.n:,} (ridge sweep)", "closed-form optimum $R^*$"]
        fig.legend(handles, labels, loc="outside lower center", ncol=6, frameon=False)
        fig.suptitle("Power-law tasks: continuum $f(s)$ vs $R = s^2$ (lines), "
                     "noise $\\sigma^2 = \\sigma_{rel}^2 E_{te}^{(0,0)}$")
        panel_letters(axes)
    return fig


# --------------------------------------------------------------------------------------------
# the (n, k) phase diagram
# --------------------------------------------------------------------------------------------

def plot_risk_phase_diagram(result):
    """Test MSE over (k, n) at the fixed ridge and at the optimal ridge, with δ* contours and n = k.

    Parameters
    ----------
    result : PhaseDiagram
        From :func:`sims.rf_risk.rf_risk_phase_diagram` (system "rf_risk").

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.colors import LogNorm

    k, n = result.x, result.y
    fixed, best = result.values["test_mse"], result.values["optimal_test_mse"]
    finite = np.concatenate([fixed[np.isfinite(fixed)], best.ravel()])
    norm = LogNorm(vmin=float(finite.min()), vmax=float(np.percentile(finite, 99.5)))
    with plot_style():
        fig, axes = new_figure(1, 2, figsize=(9.2, 4.0))
        for ax, field, title in ((axes[0], fixed, f"test MSE at δ = {result.params['ridge']:g}"),
                                 (axes[1], best, "optimal-ridge test MSE $E^*$, contours of $\\delta^*$")):
            mesh = ax.pcolormesh(k, n, np.where(np.isfinite(field), field, np.nan), norm=norm, shading="nearest",
                                 cmap="viridis")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel(result.x_name)
            ax.set_ylabel(result.y_name)
            ax.set_title(title)
            if "interpolation_threshold" in result.boundaries:
                pts = result.boundaries["interpolation_threshold"]
                ax.plot(pts[:, 0], pts[:, 1], label="interpolation threshold n = k", **THRESHOLD_STYLE)
        delta = result.values["optimal_ridge"]
        pos = delta[delta > 0]
        levels = []
        if pos.size and pos.max() > pos.min():     # five log-spaced levels inside the range, 2 significant digits
            inner = np.geomspace(pos.min(), pos.max(), 7)[1:-1]
            levels = sorted({float(f"{lv:.2g}") for lv in inner})
        if levels:
            cs = axes[1].contour(k, n, np.log10(np.maximum(delta, 1e-12)), levels=np.log10(levels), colors="w", linestyles="solid",
                                 linewidths=0.9)
            axes[1].clabel(cs, fmt=lambda v: f"δ* = {10**v:g}", fontsize=7)
        fig.colorbar(mesh, ax=axes, label="test MSE (noise included)", shrink=0.9)
        axes[0].legend(loc="lower right", fontsize=7)
        p = result.params
        fig.suptitle(f"Random-feature ridge regression: $\\lambda_i = i^{{-{p['alpha']:g}}}$, "
                     f"$v_i^2 = i^{{-{p['beta']:g}}}$, $M = {p['n_modes']}$, $\\sigma^2 = {p['noise']:g}$ (theory)")
        panel_letters(axes)
    return fig


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


# --------------------------------------------------------------------------------------------
# torch bridge (issue 10, experiment 5): Monte Carlo over an (n, k) grid at large k
# --------------------------------------------------------------------------------------------

def plot_torch_grid(grid, setting):
    r"""Test MSE against k for each n: theory lines, Monte-Carlo means ± 2 SE (torch bridge).

    One panel per ridge (its colour from :func:`ridge_colors`); the line style tells the sample
    counts apart; the threshold n = k is marked per n.

    Parameters
    ----------
    grid : TorchRiskGrid
        From :func:`sims.rf_risk.monte_carlo_risk_grid_torch`.
    setting : dict
        ``M``, ``alpha`` (spectrum $\lambda_i = v_i^2 = i^{-\alpha}$), for the title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from theory.rf_risk import risk_grid

    ridges = grid.ridges
    # ridge 0 takes the colour of the smallest ridge of the scale (log10 0 = −inf, clipped there)
    colors = ridge_colors(np.maximum(ridges, 1e-3))
    styles = ("-", "--", ":", "-.")
    with plot_style():
        fig, axes = new_figure(1, ridges.size, figsize=(4.6 * ridges.size, 3.8))
        axes = list(np.atleast_1d(axes))
        lam = np.arange(1, setting["M"] + 1, dtype=float) ** -setting["alpha"]
        kk = np.geomspace(grid.k.min(), grid.k.max(), 200)
        for r, ax in enumerate(axes):
            for a, n in enumerate(grid.n):
                ls = styles[a % len(styles)]
                th = risk_grid(lam, lam, float(n), kk, float(ridges[r]), grid.noise).test_mse
                ax.loglog(kk, np.where(np.isfinite(th), th, np.nan), color=colors[r], ls=ls, label=f"theory, n = {n}")
                ax.errorbar(grid.k, grid.test_mse[a, :, r], yerr=2 * grid.test_se[a, :, r], fmt="o", ms=3.5,
                            color=colors[r], mfc="white" if a % 2 else colors[r], capsize=2,
                            label=f"Monte Carlo ± 2 SE, n = {n}")
                ax.axvline(n, **{**THRESHOLD_STYLE, "lw": 0.8})
            ax.set_title(f"ridge $\\delta$ = {ridges[r]:g}")
            ax.set_xlabel("random features $k$")
            ax.set_ylabel("test MSE")
            ax.legend(fontsize=7)
        panel_letters(axes)
        fig.suptitle(f"Random-feature risk on the torch bridge ({grid.device}, {grid.dtype}): Gaussian model, "
                     f"$\\lambda_i = v_i^2 = i^{{-{setting['alpha']:g}}}$, M = {setting['M']}, "
                     f"$\\sigma^2$ = {grid.noise:g}, {grid.trials} trials per cell; dashed red: n = k", fontsize=9)
    return fig

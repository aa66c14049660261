"""Figures of the NTP theory (Thrampoulidis 2024; Soudry et al. 2018), drawn from ``_figure_data``.

Plot functions take the data (or compute it), return the matplotlib Figure, never call
``plt.show()`` and never touch pyplot (figures come from :func:`sims._style.new_figure`). One
colour means one optimiser in every figure of this theory (:data:`OPTIMIZER_COLORS`); in a panel
that compares measures of one run, the line style tells them apart.
"""

from __future__ import annotations

import numpy as np

from .._style import guide_hline, new_figure, panel_letters, plot_style

__all__ = [
    "OPTIMIZER_COLORS",
    "OPTIMIZER_NAMES",
    "plot_overparameterized",
    "plot_separability_phase_diagram",
    "plot_soudry",
    "plot_toy",
    "plot_vocab_scale",
]

#: One colour per optimiser, the same in every ntp figure.
OPTIMIZER_COLORS = {"gd": "#1f5fa8", "ngd": "#d1495b", "adam": "#2e8b57", "momentum": "#8e5ac8",
                    "sgd": "#e08a00"}
OPTIMIZER_NAMES = {"gd": "GD", "ngd": "normalised GD", "adam": "Adam", "momentum": "momentum (β = 0.9)",
                   "sgd": "SGD (one context per step)"}
_GUIDE = dict(color="0.35", lw=1.0, ls=":")
# words of the toy (a palette disjoint from the optimiser colours)
_WORD_COLORS = ("#b8860b", "#17becf", "#7f7f7f", "#e377c2", "#8c564b")


def _tail_guide(ax, k, y, slope, label):
    """Dotted line y = slope·ln k + c through the last point of (k, y), over the plotted range."""
    c = y[-1] - slope * np.log(k[-1])
    kk = np.geomspace(k[0], k[-1], 50)
    ax.plot(kk, slope * np.log(kk) + c, label=label, **_GUIDE)


def _positive(run):
    """Checkpoints k >= 1 (for log axes) and the history there."""
    h = run.history
    keep = h.steps >= 1
    return h.steps[keep].astype(float), h, keep


# --------------------------------------------------------------------------------------------
# Thrampoulidis (2024), Figs 1-2: the 2-D toy
# --------------------------------------------------------------------------------------------

def plot_toy(data=None):
    """Word vectors of $W^{mm}$ against the contexts, and GD curves, on the paper's 2-D toy.

    Parameters
    ----------
    data : ToyRun, optional
        From :func:`sims.ntp._figure_data.toy_run` (computed when None).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from ._figure_data import toy_run

    data = toy_run() if data is None else data
    run = data.run
    H, W_mm, W_star = data.H, run.W_mm, run.W_star
    color = OPTIMIZER_COLORS["gd"]
    with plot_style():
        fig, _ = new_figure(figsize=(10.5, 5.0))
        fig.clear()
        axd = fig.subplot_mosaic([["plane", "loss", "norm"], ["plane", "corr", "ferr"]],
                                 width_ratios=[1.25, 1.0, 1.0])
        ax = axd["plane"]
        names = "ABC"
        for j in range(H.shape[1]):
            h = H[:, j]
            ax.annotate("", xy=h, xytext=(0, 0), arrowprops=dict(arrowstyle="-|>", color="k", lw=1.6))
            ax.text(*(1.12 * h), f"$\\bar h_{names[j]}$", ha="center", va="center", fontsize=10)
        seen = {}
        for v in range(W_mm.shape[0]):
            w = W_mm[v]
            key = tuple(np.round(w, 6))
            dup = key in seen
            ax.annotate("", xy=w, xytext=(0, 0),
                        arrowprops=dict(arrowstyle="-|>", color=_WORD_COLORS[v], lw=2.2 if not dup else 1.2,
                                        ls="-" if not dup else (0, (3, 2))))
            ax.plot([], [], color=_WORD_COLORS[v], lw=2, label=f"word {v + 1}" + (
                f" (= word {seen[key] + 1} in $W^{{mm}}$)" if dup else ""))
            seen.setdefault(key, v)
            ax.plot(*W_star[v], "x", color=_WORD_COLORS[v], ms=7, mew=2)
        ax.plot([], [], "k-", lw=1.6, label="context $\\bar h_j$")
        ax.plot([], [], "kx", ms=6, mew=1.6, label="row of $W^\\star$")
        lim = 1.25 * max(np.abs(H).max(), np.abs(W_mm).max(), np.abs(W_star).max())
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_aspect("equal")
        ax.axhline(0, color="0.8", lw=0.6, zorder=0)
        ax.axvline(0, color="0.8", lw=0.6, zorder=0)
        ax.set_title("rows $w_v$ of $W^{mm}$ (arrows) and $W^\\star$ (×)")
        fig.legend(*ax.get_legend_handles_labels(), loc="outside lower left", ncol=4, fontsize=7.5)

        k, h, keep = _positive(run)
        ax = axd["loss"]
        ax.semilogx(k, h.excess_loss[keep] + run.entropy, color=color, label="GD: $CE(W_k)$")
        ax.axhline(run.entropy, color="0.3", lw=1.0, ls="--", label="entropy $\\mathcal{H}$")
        ax.set_xlabel("iteration $k$")
        ax.set_title("loss → entropy (Lemma 2)")
        ax.legend()

        ax = axd["norm"]
        ax.semilogx(k, h.norm[keep], color=color, label="$\\|W_k\\|$")
        ax.semilogx(k, h.norm_perp[keep], color=color, ls="--", label="$\\|P_\\perp W_k\\|$")
        _tail_guide(ax, k, h.norm_perp[keep], float(np.linalg.norm(W_mm)),
                    "$\\|W^{mm}\\|\\ln k$ + const")
        ax.set_xlabel("iteration $k$")
        ax.set_title("norm grows like $\\|W^{mm}\\|\\ln k$")
        ax.legend()

        ax = axd["corr"]
        ax.semilogx(k, h.corr_max_margin[keep], color=color, label="corr$(W_k, W^{mm})$")
        ax.semilogx(k, h.corr_offset_max_margin[keep], color=color, ls="--",
                    label="corr$(W_k - W^\\star, W^{mm})$")
        guide_hline(ax, 1.0)
        ax.set_xlabel("iteration $k$")
        ax.set_title("direction → $W^{mm}$ (Theorem 2)")
        ax.legend(loc="lower right")

        ax = axd["ferr"]
        ax.loglog(k, h.finite_error[keep], color=color, label="$\\|P_F W_k - W^\\star\\|$")
        ax.set_xlabel("iteration $k$")
        ax.set_title("finite part → $W^\\star$ (Theorem 2)")
        ax.legend()
        panel_letters([axd[n] for n in ("plane", "loss", "norm", "corr", "ferr")])
        fig.suptitle(f"2-D toy (V = 5, m = 3, d = 2, supports of 3): GD from 0, "
                     f"$\\eta = 1/\\lambda_{{max}}(H\\Pi H^\\top)$ = {data.step_size_bound:.3g}", fontsize=9)
    return fig


# --------------------------------------------------------------------------------------------
# Thrampoulidis (2024), App. A.2: overparameterised GD, NGD, Adam
# --------------------------------------------------------------------------------------------

def plot_overparameterized(data=None):
    """Loss gap, norm, alignment with $W^{mm}$ and finite part for GD, NGD and Adam.

    Parameters
    ----------
    data : OverparameterizedRuns, optional
        From :func:`sims.ntp._figure_data.overparameterized_runs` (computed when None).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from ._figure_data import overparameterized_runs

    data = overparameterized_runs() if data is None else data
    with plot_style():
        fig, axes = new_figure(1, 4, figsize=(13.0, 3.6))
        a_loss, a_norm, a_corr, a_ferr = axes
        for name, run in data.runs.items():
            c = OPTIMIZER_COLORS[name]
            lab = f"{OPTIMIZER_NAMES[name]} ($\\eta$ = {run.lr:g})"
            k, h, keep = _positive(run)
            a_loss.loglog(k, h.excess_loss[keep], color=c, label=lab)
            a_norm.semilogx(k, h.norm[keep], color=c, label=lab)
            a_corr.semilogx(k, h.corr_max_margin[keep], color=c)
            a_corr.semilogx(k, h.corr_offset_max_margin[keep], color=c, ls="--")
            a_ferr.loglog(k, h.finite_error[keep], color=c, label=lab)
        gd = data.runs["gd"]
        k, h, keep = _positive(gd)
        tail = k >= k[-1] / 100
        c0 = h.excess_loss[keep][tail][-1] * k[tail][-1]
        a_loss.loglog(k[tail], c0 / k[tail], label="$\\propto 1/k$", **_GUIDE)
        _tail_guide(a_norm, k[tail], h.norm[keep][tail], data.mm_norm, "slope $\\|W^{mm}\\|$ in $\\ln k$ (Theorem 2)")
        a_corr.plot([], [], "k-", label="corr$(W_k, W^{mm})$")
        a_corr.plot([], [], "k--", label="corr$(W_k - W^\\star, W^{mm})$")
        guide_hline(a_corr, 1.0)
        a_loss.set_title("$CE(W_k) - \\mathcal{H}$ → 0 (Lemma 2)")
        a_norm.set_title("$\\|W_k\\|$ → ∞ (Lemma 2)")
        a_corr.set_title("direction → $W^{mm}$ (Theorem 2)")
        a_ferr.set_title("$\\|P_F W_k - W^\\star\\|$ → 0 (Theorem 2)")
        for ax in axes:
            ax.set_xlabel("iteration $k$")
        a_loss.legend(fontsize=7)
        a_norm.legend(fontsize=7, loc="upper left")
        a_corr.legend(fontsize=7, loc="lower right")
        panel_letters(axes)
        s = data.setting
        fig.suptitle(f"Overparameterised NTP (Thrampoulidis 2024, App. A.2): V = {s['V']}, m = {s['m']}, "
                     f"d = {s['d']}, supports of {s['support_size']}, $\\hat\\pi$ from n = {s['n']}, "
                     "zero init", fontsize=9)
    return fig


# --------------------------------------------------------------------------------------------
# Soudry et al. (2018), Fig. 1
# --------------------------------------------------------------------------------------------

def _envelope(ax, k, y, rate, label):
    """Dotted upper envelope C·rate(k) with C = max y/rate, so it lies on or above the curve."""
    r = rate(k)
    ax.plot(k, np.max(y / r) * r, label=label, **_GUIDE)


def plot_soudry(data=None):
    r"""Data and SVM, then ‖w(t)‖, loss, angle gap and margin gap for GD and momentum.

    The rates of Soudry et al. (2018) are upper envelopes (drawn as C·rate with the smallest C
    that covers GD's curve); on these data the direction converges faster than 1/ln t, since
    the support vectors are symmetric about $\hat w$ (docs/ntp.md#separable-logistic-regression).

    Parameters
    ----------
    data : SoudryRuns, optional
        From :func:`sims.ntp._figure_data.soudry_runs` (computed when None).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from ._figure_data import soudry_runs

    data = soudry_runs() if data is None else data
    X, y, w_hat = data.X, data.y, data.w_svm
    with plot_style():
        fig, _ = new_figure(figsize=(11.0, 5.4))
        fig.clear()
        axd = fig.subplot_mosaic([["data", "norm", "loss"], ["data", "angle", "margin"]],
                                 width_ratios=[1.3, 1.0, 1.0])
        ax = axd["data"]
        pos, neg = y > 0, y < 0
        ax.plot(*X[pos].T, "o", color="#c0392b", ms=5, label="$y = +1$")
        ax.plot(*X[neg].T, "o", mfc="w", color="#2c3e50", ms=5, label="$y = -1$")
        sv = np.abs(X @ w_hat * y - 1.0) < 1e-6
        ax.plot(*X[sv].T, "o", mfc="none", mec="k", ms=11, mew=1.0, label="support vectors")
        lim = 1.1 * np.abs(X).max()
        t = np.linspace(-2 * lim, 2 * lim, 2)
        perp = np.array([-w_hat[1], w_hat[0]]) / np.linalg.norm(w_hat)
        for level, ls in ((0.0, "-"), (1.0, "--"), (-1.0, "--")):
            base = level * w_hat / np.dot(w_hat, w_hat)
            ax.plot(base[0] + t * perp[0], base[1] + t * perp[1], color="0.3", ls=ls, lw=1.0,
                    label={0.0: "$\\hat w^\\top x = 0$", 1.0: "$\\hat w^\\top x = \\pm 1$"}.get(level))
        for name, run in data.runs.items():
            d = run.w / np.linalg.norm(run.w)
            width = 3.0 if name == "gd" else 1.4
            ax.annotate("", xy=2.0 * d, xytext=(0, 0),
                        arrowprops=dict(arrowstyle="-|>", color=OPTIMIZER_COLORS[name], lw=width))
            ax.plot([], [], color=OPTIMIZER_COLORS[name], lw=width,
                    label=f"{OPTIMIZER_NAMES[name]}: $w(t)/\\|w(t)\\|$ at the end")
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_aspect("equal")
        ax.set_title("data and hard-margin SVM $\\hat w$")
        fig.legend(*ax.get_legend_handles_labels(), loc="outside lower left", ncol=4, fontsize=7.5)

        for name, run in data.runs.items():
            c = OPTIMIZER_COLORS[name]
            k, h, keep = _positive(run)
            lab = OPTIMIZER_NAMES[name]
            axd["norm"].semilogx(k, h.norm[keep], color=c, label=lab)
            axd["loss"].loglog(k, h.loss[keep], color=c, label=lab)
            ang = h.angle_gap[keep]
            ok = ang > 0
            axd["angle"].loglog(k[ok], ang[ok], color=c, label=lab)
            axd["margin"].loglog(k, h.margin_gap[keep], color=c, label=lab)
        k, h, keep = _positive(data.runs["gd"])
        _tail_guide(axd["norm"], k, h.norm[keep], float(np.linalg.norm(w_hat)), "$\\|\\hat w\\|\\ln t$ + const")
        _envelope(axd["loss"], k, h.loss[keep], lambda t: 1.0 / t, "envelope $C/t$")
        late = k >= 3
        ang = h.angle_gap[keep]
        _envelope(axd["angle"], k[late], ang[late], lambda t: 1.0 / np.log(t) ** 2, "envelope $C/\\ln^2 t$")
        _envelope(axd["margin"], k[late], h.margin_gap[keep][late], lambda t: 1.0 / np.log(t),
                  "envelope $C/\\ln t$")
        axd["norm"].set_title("$\\|w(t)\\|$")
        axd["loss"].set_title("loss $\\mathcal{L}(w(t))$")
        axd["angle"].set_title("angle gap $1 - \\cos\\angle(w(t), \\hat w)$")
        axd["margin"].set_title("margin gap $1/\\|\\hat w\\| - \\min_n y_n x_n^\\top w/\\|w\\|$")
        for n in ("norm", "loss", "angle", "margin"):
            axd[n].set_xlabel("iteration $t$")
            axd[n].legend(fontsize=7)
        panel_letters([axd[n] for n in ("data", "norm", "loss", "angle", "margin")])
        fig.suptitle("Separable logistic regression (Soudry et al. 2018, Fig. 1 setting): "
                     f"$\\eta = 1/\\sigma_{{max}}^2(X)$ = {data.runs['gd'].lr:.3g}, $w(0) = 0$", fontsize=9)
    return fig


# --------------------------------------------------------------------------------------------
# the separability phase diagram
# --------------------------------------------------------------------------------------------

def plot_separability_phase_diagram(result, ax=None):
    """Probability of NTP-separability over (d/m, S), the p = ½ contour and the Lemma 1 line.

    Parameters
    ----------
    result : PhaseDiagram
        From ``sims.phase_diagram("ntp_separability", ...)``.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    with plot_style():
        if ax is None:
            fig, ax = new_figure(figsize=(6.2, 4.2))
        fig = ax.figure
        prob = result.values["probability"]
        mesh = ax.pcolormesh(result.x, result.y, prob, shading="nearest", cmap="viridis", vmin=0, vmax=1)
        fig.colorbar(mesh, ax=ax, label="P(NTP-separable)")
        if prob.min() < 0.5 < prob.max() and len(result.x) > 1 and len(result.y) > 1:
            ax.contour(result.x, result.y, prob, levels=[0.5], colors="w", linewidths=1.5)
            ax.plot([], [], "w-", lw=1.5, label="P = 1/2 (Monte Carlo)")
        pts = result.boundaries.get("lemma1")
        if pts is not None:
            ax.axvline(pts[0, 0], color="#d1495b", ls="--", lw=1.4, label="Lemma 1: $d \\geq m$ ⇒ separable")
        n = int(result.params["n_trials"])
        se = float(result.values["standard_error"].max())
        ax.set_xlabel("$d/m$ (embedding dimension per context)")
        ax.set_ylabel("support size $S$")
        ax.set_yticks(result.y)
        ax.set_title(f"Gaussian $\\bar h_j$, uniform supports: V = {result.params['V']}, "
                     f"m = {result.params['m']}, {n} trials per cell (SE ≤ {se:.2f})")
        leg = ax.legend(loc="upper left", fontsize=7.5, facecolor="0.5", framealpha=0.8)
        for text in leg.get_texts():
            text.set_color("w")
        ax.grid(False)
    return fig


# --------------------------------------------------------------------------------------------
# torch bridge: GD at vocabulary scale (orthonormal embeddings, closed-form targets)
# --------------------------------------------------------------------------------------------

def plot_vocab_scale(run, setting):
    r"""Loss gap, direction and finite part of GD at vocabulary scale (torch bridge).

    Parameters
    ----------
    run : NTPRun
        From :func:`sims.ntp.gradient_descent_torch` on orthonormal embeddings.
    setting : dict
        ``V``, ``m``, ``d``, ``support_size``, ``device`` (for the title).

    Returns
    -------
    matplotlib.figure.Figure
    """
    with plot_style():
        fig, axes = new_figure(1, 3, figsize=(11.5, 3.6))
        a_loss, a_corr, a_ferr = axes
        c = OPTIMIZER_COLORS["gd"]
        k, h, keep = _positive(run)
        a_loss.loglog(k, h.excess_loss[keep], color=c, label=f"GD ($\\eta$ = {run.lr:g})")
        a_corr.loglog(k, 1.0 - h.corr_max_margin[keep], color=c, label="$1 - $corr$(W_k, W^{mm})$")
        a_corr.loglog(k, 1.0 - h.corr_offset_max_margin[keep], color=c, ls="--",
                      label="$1 - $corr$(W_k - W^\\star, W^{mm})$")
        a_ferr.loglog(k, h.finite_error[keep], color=c, label="$\\|P_F W_k - W^\\star\\|$")
        tail = k >= k[-1] / 100
        c0 = h.excess_loss[keep][tail][-1] * k[tail][-1]
        a_loss.loglog(k[tail], c0 / k[tail], label="$\\propto 1/k$", **_GUIDE)
        a_loss.set_title("$CE(W_k) - \\mathcal{H}$ → 0 (Lemma 2)")
        a_corr.set_title("direction → $W^{mm} = \\tilde S H^\\top$ (Theorem 2)")
        a_ferr.set_title("$P_F W_k$ → $W^\\star = L^{in} H^\\top$ (Theorem 2)")
        for ax in axes:
            ax.set_xlabel("iteration $k$")
            ax.legend(fontsize=7)
        panel_letters(axes)
        fig.suptitle(f"NTP at vocabulary scale (torch bridge, {setting['device']}): V = {setting['V']}, "
                     f"m = {setting['m']}, d = {setting['d']}, orthonormal embeddings, supports of "
                     f"{setting['support_size']}, closed-form $W^{{mm}}$ and $W^\\star$", fontsize=9)
    return fig

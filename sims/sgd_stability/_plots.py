"""Drawing of the SGD-stability figures and phase diagram (data in ``_figure_data``, ``_figure_data_thresholds``).

Each ``plot_*`` function takes the dataclass computed by its ``_figure_data`` function and
``axes=None`` / ``ax=None``, returns the matplotlib Figure, never calls ``plt.show()`` and never
touches pyplot (figures come from :func:`sims._style.new_figure`).
"""

from __future__ import annotations

import numpy as np

from .._style import axes_list, label_mesh, new_figure, plot_style

__all__ = [
    "PHASE_COLORS",
    "plot_batch_thresholds",
    "plot_finite_data",
    "plot_phase_overlay",
    "plot_quartic_collapse",
    "plot_sgd_phase_diagram",
    "plot_teacher_student_rank",
]

# One colour per phase or outcome, in every figure of this theory (Okabe–Ito based: colour-blind
# safe; the three "correct learning" labels are blues of different lightness). Diverged runs (the
# minimum's instability, outside the saddle theory) are a light grey, de-emphasised.
PHASE_COLORS = {
    "Ib": "#0072B2", "Ia": "#A6D8F5", "I": "#56B4E9", "II": "#E69F00", "III": "#009E73",
    "IV": "#CC79A7", "undecided": "#FFFFFF", "diverged": "#C8C8C8",
}
_PHASE_NAMES = {
    "Ib": r"Ib correct (also $L_2$)", "Ia": "Ia correct (prob. only)", "I": "I correct sign",
    "II": "II incorrect sign", "III": "III collapse", "IV": "IV unstable", "diverged": "diverged",
    "undecided": "undecided",
}
# Names written on the regions (short; the legend carries the long ones when a region is too small)
_REGION_NAMES = {
    "Ib": "Ib: correct,\nalso $L_2$-stable", "Ia": "Ia: correct\n(prob. only)", "I": "I: correct sign",
    "II": "II: incorrect", "III": "III: collapse", "IV": "IV: unstable", "diverged": "diverged",
    "undecided": "undecided",
}
_TEXT_ON = {"Ib": "w", "III": "w"}           # white text on the dark fills
_PLUS = dict(colors="k", linewidths=1.5, linestyles="solid")
_MINUS = dict(colors="#D55E00", linewidths=1.5, linestyles="dashed")
_L2 = dict(color="#000000", ls=":", lw=1.6)
_EDGE = dict(color="0.15", lw=1.3, ls="-.", marker="o", ms=3)
_CRIT = dict(color="#006046", lw=1.1, ls=(0, (1, 1.5)))
# Larger text for the two-panel phase figures (shown ~800 px wide in the docs and on slides)
_TALK = {"font.size": 10, "axes.titlesize": 10, "axes.labelsize": 10, "xtick.labelsize": 9.5,
         "ytick.labelsize": 9.5, "legend.fontsize": 9}
_AXIS_NAMES = {"learning rate λ": r"learning rate $\lambda$", "label noise σ": r"label noise $\sigma$",
               "batch size S": r"batch size $S$"}


def _tex_number(x):
    """``x`` as mathtext without the dollars: 1e-30 → 10^{-30}, 2.5e-4 → 2.5\\times 10^{-4}, 0.3 → 0.3."""
    if x == 0 or 1e-3 <= abs(x) < 1e4:
        return f"{x:g}"
    mant, exp = f"{x:.2e}".split("e")
    mant = float(mant)
    return f"10^{{{int(exp)}}}" if mant == 1 else rf"{mant:g}\times 10^{{{int(exp)}}}"


def _legend_handles(entries):
    """Proxy artists: ("patch", color, label) or ("line", style dict, label)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    out = []
    for kind, style, label in entries:
        if kind == "patch":
            out.append(Patch(facecolor=style, edgecolor="0.5", label=label))
        else:
            out.append(Line2D([], [], label=label, **style))
    return out


# --------------------------------------------------------------------------------------------
# Figures 1–2: phase diagram with nonlinear-SGD overlay
# --------------------------------------------------------------------------------------------

def _theory_curves(ax, analytic, show_l2=True, integer_rows=False):
    """Zero sets of Λ± and the L₂ line of the analytic diagram.

    Over a continuous y (label noise) the zero sets are contours; over integer batch sizes they
    are drawn as markers at each integer S (the exact zeros of that row, which lie on the block
    edges), never as curves through the blocks of other phases.
    """
    x, y = analytic.x, analytic.y
    if integer_rows:
        b = analytic.boundaries
        for key, kw in (("lambda_plus_zero", dict(marker="o", color="k", mfc="w", ms=5.5, mew=1.4)),
                        ("lambda_minus_zero", dict(marker="D", color=_MINUS["colors"], ms=4.5)),
                        ("l2_line", dict(marker="|", color="k", ms=9, mew=1.8))):
            if key == "l2_line" and not show_l2:
                continue
            pts = b.get(key)
            if pts is not None and len(pts):
                pts = pts[pts[:, 0] <= x.max()]
                ax.plot(pts[:, 0], pts[:, 1], ls="none", clip_on=False, zorder=4, **kw)
        return
    for key, style in (("lambda_plus", _PLUS), ("lambda_minus", _MINUS)):
        vals = analytic.values[key]
        if np.nanmin(vals) < 0 < np.nanmax(vals):
            ax.contour(x, y, vals, levels=[0.0], **style)
    if show_l2:
        pts = analytic.boundaries.get("l2_line")
        if pts is not None and len(pts):
            pts = pts[np.argsort(pts[:, 1])]
            keep = pts[:, 0] <= x.max()
            ax.plot(pts[keep, 0], pts[keep, 1], **_L2)


def _boundary_legend(integer_rows):
    """Legend entries of the boundary curves (markers over integer batch sizes, lines otherwise)."""
    if integer_rows:
        return [("line", dict(marker="o", color="k", mfc="w", ms=5.5, mew=1.4, ls="none"),
                 r"$\Lambda_+ = 0$ (at each integer $S$)"),
                ("line", dict(marker="D", color=_MINUS["colors"], ms=4.5, ls="none"), r"$\Lambda_- = 0$"),
                ("line", dict(marker="|", color="k", ms=9, mew=1.8, ls="none"), r"$L_2$ line $2E c/E c^2$")]
    return [("line", dict(color="k", lw=1.5), r"$\Lambda_+ = 0$"),
            ("line", dict(color=_MINUS["colors"], lw=1.5, ls="--"), r"$\Lambda_- = 0$"),
            ("line", _L2, r"$L_2$ line $2E c/E c^2$")]


def _collapse_markers(ax, sim, scale=70.0):
    """Circles of area ∝ fraction collapsed in the simulated cells where it is strictly in (0, 1)."""
    coll = sim.values["fraction_collapsed"]
    X, Y = np.meshgrid(sim.x, sim.y)
    mixed = (coll > 0) & (coll < 1)
    ax.scatter(X[mixed], Y[mixed], s=scale * coll[mixed], facecolor="w", edgecolor="k", lw=0.8, zorder=5)
    return scale


def plot_phase_overlay(data, axes=None):
    """Analytic phase diagram (left) and nonlinear-SGD outcomes (right), theory curves on both.

    Left: exact labels of model A (names written on the regions) with the zero sets of Λ₊
    (solid) and Λ₋ (dashed), the L₂ line 2E c/E c² (dotted) and the critical noise σ_c (or
    batch size S_c) of phase III; over integer batch sizes the zero sets are markers at each S.
    Right: majority outcome per simulated cell under the same theory curves, the fraction
    collapsed as circle area where it is strictly between 0 and 1, and, per simulated row, the
    first λ at which half the runs diverge (dash-dot): the minimum's instability, not a boundary
    of the saddle theory.

    Parameters
    ----------
    data : PhaseOverlay
        From :func:`sims.sgd_stability._figure_data.phase_overlay`.
    axes : sequence of two Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib

    from .._style import label_regions

    an, sim = data.analytic, data.simulated
    batch = data.y == "batch_size"
    with plot_style(), matplotlib.rc_context(_TALK):
        if axes is None:
            fig, axes = new_figure(1, 2, figsize=(10.0, 5.2))
        axes = axes_list(axes, 2)
        fig = axes[0].figure
        label_mesh(axes[0], an.x, an.y, an.labels, PHASE_COLORS, rasterized=True)
        label_mesh(axes[1], sim.x, sim.y, sim.labels, PHASE_COLORS, rasterized=True)
        unnamed = set(np.unique(an.labels)) - label_regions(axes[0], an.x, an.y, an.labels, _REGION_NAMES,
                                                            text_colors=_TEXT_ON, box_colors=PHASE_COLORS,
                                                            min_cells=40)
        unnamed |= set(np.unique(sim.labels)) - label_regions(axes[1], sim.x, sim.y, sim.labels, _REGION_NAMES,
                                                              text_colors=_TEXT_ON, box_colors=PHASE_COLORS,
                                                              min_cells=3)
        for ax in axes:
            _theory_curves(ax, an, integer_rows=batch)
        edge = data.divergence_edge
        if len(edge):
            axes[1].plot(edge[:, 0], edge[:, 1], zorder=4, **_EDGE)
        scale = _collapse_markers(axes[1], sim)
        if data.y == "noise":
            crit, crit_text = data.critical_noise, rf"$\sigma_c = {data.critical_noise:.3g}$"
            fixed = f"$S = {data.batch_size}$"
        else:
            crit, crit_text = data.critical_batch_size, rf"$S_c = {data.critical_batch_size:.3g}$"
            fixed = rf"$\sigma = {data.noise:g}$"
        for ax in axes:
            ax.axhline(crit, **_CRIT)
            ax.text(0.995 * an.x.max(), crit, crit_text, ha="right", va="bottom", fontsize=9, color=_CRIT["color"])
            ax.set_xlabel(_AXIS_NAMES["learning rate λ"])
            ax.set_ylabel(_AXIS_NAMES.get(an.y_name, an.y_name))
            ax.set_xlim(0.0, an.x.max())
            if batch:                                 # log₂ axis: the action is at small S
                from matplotlib.ticker import FixedLocator, NullLocator, ScalarFormatter

                ax.set_yscale("log", base=2)
                ax.set_ylim(0.75, an.y.max() + 0.5)
                ticks = [2**k for k in range(int(np.log2(max(an.y.max(), sim.y.max()))) + 1)]
                ax.yaxis.set_major_locator(FixedLocator(ticks))
                ax.yaxis.set_major_formatter(ScalarFormatter())
                ax.yaxis.set_minor_locator(NullLocator())
            else:
                ax.set_ylim(min(an.y.min(), sim.y.min()), max(an.y.max(), sim.y.max()))
            ax.grid(False)
        n_steps, n_chains = sim.params["n_steps"], sim.params["n_chains"]
        axes[0].set_title(f"(a) theory: exact $\\Lambda_\\pm$ of linearised SGD\n(model A, {fixed})")
        axes[1].set_title(f"(b) nonlinear SGD $f = \\Sigma_i u_i w_i x$\n"
                          f"(majority of {n_chains} runs $\\times$ {n_steps:,} steps per cell)")
        entries = _boundary_legend(batch)
        entries.append(("line", _EDGE, r"sim.: $\geq$ 50 % diverged"))
        entries += [("line", dict(marker="o", ls="none", mfc="w", color="k", mew=0.8, ms=np.sqrt(scale * f)),
                     f"{f:.0%} collapsed") for f in (0.25, 0.5, 0.75)]
        entries += [("patch", PHASE_COLORS[n], _PHASE_NAMES[n]) for n in ("Ib", "Ia", "I", "II", "III", "IV",
                                                                         "diverged", "undecided") if n in unnamed]
        fig.legend(handles=_legend_handles(entries), loc="outside lower center", ncol=min(len(entries), 4),
                   frameon=False, columnspacing=1.2)
    return fig


# --------------------------------------------------------------------------------------------
# Figure 3: finite data set
# --------------------------------------------------------------------------------------------

def plot_finite_data(data, axes=None, floor=-2.0, zoom=(1.9, 2.1)):
    """Λ₊(λ), Λ₋(λ) of the finite data set with the phase bands shaded (two panels: full, zoom).

    Values below ``floor`` (the −∞ spikes at λ = ±1/c_i) are clipped for display and the
    singular points marked with triangles.

    Parameters
    ----------
    data : FiniteDataExponents
    axes : sequence of two Axes, optional
    floor : float
        Display floor of the exponents.
    zoom : (float, float)
        λ range of the second panel (default: around the phase-II band).

    Returns
    -------
    matplotlib.figure.Figure
    """
    with plot_style():
        if axes is None:
            fig, axes = new_figure(1, 2, figsize=(9.6, 3.7), gridspec_kw=dict(width_ratios=[3.0, 1.1]))
        axes = axes_list(axes, 2)
        fig = axes[0].figure
        lp = np.maximum(data.lambda_plus, floor)
        lm = np.maximum(data.lambda_minus, floor)
        for k, ax in enumerate(axes):
            lo_x, hi_x = (0.0, data.lr.max()) if k == 0 else zoom
            for lo, hi, lab in zip(data.band_lo, data.band_hi, data.band_label):
                ax.axvspan(lo, hi, color=PHASE_COLORS[lab], alpha=0.55, lw=0)
                mid = 0.5 * (max(lo, lo_x) + min(hi, hi_x))
                if min(hi, hi_x) - max(lo, lo_x) > 0.035 * (hi_x - lo_x):
                    ax.text(mid, 0.985, lab, transform=ax.get_xaxis_transform(), ha="center", va="top",
                            fontsize=7.5, fontweight="bold")
            ax.axhline(0.0, color="0.3", lw=0.8)
            ax.plot(data.lr, lp, color="k", lw=1.3)
            ax.plot(data.lr, lm, color=_MINUS["colors"], lw=1.3, ls="--")
            for pts, kw in ((data.singular_plus, dict(color="k")),
                            (data.singular_minus, dict(color=_MINUS["colors"], mfc="none"))):
                pts = pts[(pts >= lo_x) & (pts <= hi_x)]
                if pts.size:                   # (an empty unclipped line breaks constrained layout)
                    ax.plot(pts, np.full(pts.size, floor), "v", ms=5, clip_on=False, **kw)
            ax.axvline(data.l2_line, **_L2)
            ax.axvline(data.gd_line, color="0.35", ls="-.", lw=1.3)
            ax.set_xlim(lo_x, hi_x)
            ax.set_ylim(floor - 0.08, 1.05)
            ax.set_xlabel(_AXIS_NAMES["learning rate λ"])
            ax.grid(False)
        axes[0].set_ylabel("Lyapunov exponent")
        cs = ", ".join(f"{v:g}" for v in data.c).replace("-", "−")
        axes[0].set_title(rf"(a) finite data $c = \{{{cs}\}}$, $S = 1$: exact "
                          r"$\Lambda_\pm = \mathrm{mean}_i \log|1 \pm \lambda c_i|$")
        axes[1].set_title("(b) zoom: the phase-II window")
        entries = [("line", dict(color="k", lw=1.3), r"$\Lambda_+$ (correct direction $a = u + w$)"),
                   ("line", dict(color=_MINUS["colors"], lw=1.3, ls="--"),
                    r"$\Lambda_-$ (incorrect direction $b = u - w$)"),
                   ("line", dict(color="0.3", marker="v", ls="none"),
                    rf"$-\infty$ at $\lambda = \pm 1/c_i$ (clipped at ${floor:g}$)"),
                   ("line", _L2, rf"$L_2$ line $2E c/E c^2 = {data.l2_line:.3g}$"),
                   ("line", dict(color="0.35", lw=1.3, ls="-."), rf"GD line $2/E c = {data.gd_line:.3g}$")]
        entries += [("patch", PHASE_COLORS[n], _PHASE_NAMES[n]) for n in ("Ib", "Ia", "II", "III", "IV")
                    if n in set(data.band_label)]
        fig.legend(handles=_legend_handles(entries), loc="outside lower center", ncol=5, fontsize=7,
                   frameon=False)
    return fig


# --------------------------------------------------------------------------------------------
# Figure 4: thresholds of the three notions vs batch size
# --------------------------------------------------------------------------------------------

def _intervals(ax, x, intervals, color, width=7, top=None):
    for lo, hi in intervals:
        if top is not None and lo > top:
            continue
        ax.vlines(x, lo, hi, color=color, lw=width, alpha=0.85)
        if hi - lo < 0.04:                                   # keep thin windows visible
            ax.plot([x], [0.5 * (lo + hi)], "D", color=color, ms=5)


def plot_batch_thresholds(qr, exact, axes=None, floor=-0.9):
    """GD, mean-square and probabilistic stability vs batch size (three panels).

    (a) Top Lyapunov exponent Λ₁(η) of case 6 (docs/sgd_stability.md#reference-cases) by QR for each batch size (±3 SE band),
    MS thresholds η*_var(B) (dotted) and the GD threshold (dashed). (b) Case 6 stable sets vs B:
    probabilistic (bars: runs of QR-stable grid points), mean-square η*_var(B) (circles), GD
    (dashed line). (c) The same for a 1-D regression, where every set is exact.

    Parameters
    ----------
    qr : BatchThresholdsQR
    exact : BatchThresholdsExact
    axes : sequence of three Axes, optional
    floor : float
        Display floor of Λ₁ (−∞ cells, where the product vanished, are drawn at the floor).

    Returns
    -------
    matplotlib.figure.Figure
    """
    with plot_style():
        if axes is None:
            fig, axes = new_figure(1, 3, figsize=(11.0, 3.8), gridspec_kw=dict(width_ratios=[1.5, 1.0, 1.0]))
        axes = axes_list(axes, 3)
        fig = axes[0].figure
        ax = axes[0]
        colors = [f"C{k}" for k in range(len(qr.batch_sizes))]
        for j, B in enumerate(qr.batch_sizes):
            e = qr.exponent[j]
            shown = np.clip(np.where(np.isneginf(e), floor, e), floor, None)
            ax.fill_between(qr.lr, shown - 3 * qr.standard_error[j], shown + 3 * qr.standard_error[j],
                            color=colors[j], alpha=0.25, lw=0)
            ax.plot(qr.lr, shown, color=colors[j], lw=1.1, label=f"$B = {B}$")
            dead = np.isneginf(e)
            if dead.any():
                ax.plot(qr.lr[dead], np.full(dead.sum(), floor), "v", color=colors[j], ms=5, clip_on=False)
            ax.axvline(qr.ms_threshold[j], color=colors[j], ls=":", lw=1.2)
        ax.axvline(qr.gd_threshold, color="k", ls="--", lw=1.0)
        ax.axhline(0.0, color="0.3", lw=0.8)
        ax.set_ylim(floor - 0.03, max(0.35, float(np.nanmax(np.where(np.isfinite(qr.exponent), qr.exponent, 0)))))
        ax.set_xlim(0.0, qr.lr.max())
        ax.set_xlabel(r"learning rate $\eta$")
        ax.set_ylabel(r"top Lyapunov exponent $\Lambda_1$ (QR)")
        rows = ", ".join(f"({a:g}, {b:g})" for a, b in qr.X)
        ax.set_title(rf"(a) 2-D regression, $x_i \in \{{{rows}\}}$" "\n"
                     r"$\Lambda_1$ of $\Pi_t(I - \eta\hat H_t)$ by QR ($\pm 3$ SE)")
        ax.plot([], [], color="0.3", ls=":", lw=1.2, label=r"$\eta^*_{\mathrm{var}}(B)$ (mean square)")
        ax.plot([], [], color="k", ls="--", lw=1.0, label=r"GD $2/\lambda_{\max}(H)$")
        ax.plot([], [], "v", color="0.3", ms=5, label=rf"$\Lambda_1 = -\infty$ (drawn at ${floor:g}$)")
        ax.legend(loc="upper left", fontsize=6.5)

        def thresholds(ax, Bs, intervals, ms, gd, title, top):
            for j, B in enumerate(Bs):
                _intervals(ax, B - 0.12, intervals[j], "#41ab5d", top=top)
            ax.plot(Bs + 0.12, ms, "o", color="#2166ac", ms=6, label=r"mean square $\eta^*_{\mathrm{var}}(B)$")
            ax.axhline(gd, color="k", ls="--", lw=1.0, label=r"GD $2/\lambda_{\max}(H)$")
            ax.plot([], [], color="#41ab5d", lw=7, label="probabilistic: stable set")
            ax.set_xticks(Bs)
            ax.set_xlim(Bs.min() - 0.6, Bs.max() + 0.6)
            ax.set_xlabel(r"batch size $B$ (without replacement)")
            ax.set_ylabel(r"learning rate $\eta$")
            ax.set_title(title)

        top = qr.lr.max()
        thresholds(axes[1], qr.batch_sizes, qr.ps_intervals, qr.ms_threshold, qr.gd_threshold,
                   "(b) 2-D regression: stable sets\n(PS: QR-stable grid points)", top)
        axes[1].set_ylim(0.0, top)
        axes[1].legend(loc="upper left", fontsize=6.5)
        xs = ", ".join(f"{v:g}" for v in exact.x)
        thresholds(axes[2], exact.batch_sizes, exact.ps_intervals, exact.ms_threshold, exact.gd_threshold,
                   f"(c) 1-D regression $x = ({xs})$\nall three exact", None)
        axes[2].set_ylim(0.0, max(iv[-1][1] for iv in exact.ps_intervals) * 1.06)
        axes[2].legend(loc="upper right", fontsize=6.5)
    return fig


# --------------------------------------------------------------------------------------------
# Figure 5: quartic-well collapse probability
# --------------------------------------------------------------------------------------------

def plot_quartic_collapse(data, axes=None):
    """Collapse probability vs ζ (Euler–Maruyama) and the exponents behind it (two panels).

    (a) Fraction of trajectories with θ_T² < collapse_sq per horizon T, with the SDE threshold
    √(2μ), the Euler–Maruyama threshold and each horizon's finite-time 50 % estimate.
    (b) The exponents μ − ζ²/2 (SDE) and (1/dt)E log|1 + μdt + ζ√dt Z| (EM) vs ζ; a collapse is
    seen by time T once the exponent is below log(√collapse_sq/√μ)/T (horizontal lines).

    Parameters
    ----------
    data : QuarticCollapse
    axes : sequence of two Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    from theory.sgd_stability import quartic_well_em_exponent

    with plot_style():
        if axes is None:
            fig, axes = new_figure(1, 2, figsize=(9.6, 3.6))
        axes = axes_list(axes, 2)
        fig = axes[0].figure
        colors = [f"C{k}" for k in range(len(data.horizons))]
        ax = axes[0]
        for k, T in enumerate(data.horizons):
            ax.plot(data.zeta, data.probability[k], "o-", color=colors[k], ms=3.5, lw=1.1,
                    label=f"EM, $T = {T:g}$ ({data.n_chains} runs)")
            ax.axvline(data.horizon_midpoint[k], color=colors[k], ls=":", lw=1.1)
        ax.plot(data.zeta_grid, data.stationary_probability, color="k", lw=1.0, ls="--",
                label=r"$T \to \infty$ (SDE stationary law)")
        ax.axvline(data.threshold, color="k", lw=1.2, label=rf"$\sqrt{{2\mu}} = {data.threshold:.5f}$")
        ax.axvline(data.em_threshold, color="0.45", lw=1.2, ls="--",
                   label=rf"EM threshold ($dt = {data.dt:g}$) $= {data.em_threshold:.5f}$")
        ax.plot([], [], color="0.3", ls=":", label="finite-$T$ 50 % estimate")
        ax.set_xlabel(r"noise scale $\zeta$")
        ax.set_ylabel(rf"$P(\theta_T^2 < {_tex_number(data.collapse_sq)})$")
        ax.set_title(rf"(a) quartic well, $\mu = {data.mu:g}$: collapse probability")
        ax.set_ylim(-0.03, 1.03)
        ax.legend(loc="upper left", fontsize=6.5)

        ax = axes[1]
        z = np.linspace(0.0, float(data.zeta.max()), 200)
        ax.plot(z, data.mu - 0.5 * z**2, color="k", lw=1.3, label=r"SDE: $\mu - \zeta^2/2$")
        ax.plot(z, quartic_well_em_exponent(data.mu, z, data.dt), color="0.45", lw=1.2, ls="--",
                label=r"EM: $\frac{1}{dt} E \log|1 + \mu\,dt + \zeta\sqrt{dt}\,Z|$")
        level = 0.5 * np.log(data.collapse_sq) - 0.5 * np.log(data.mu)
        for k, T in enumerate(data.horizons):
            ax.axhline(level / T, color=colors[k], ls=":", lw=1.1,
                       label=rf"$\log({_tex_number(np.sqrt(data.collapse_sq))}/\sqrt{{\mu}})/T$, $T = {T:g}$")
        ax.axhline(0.0, color="0.3", lw=0.8)
        ax.axvline(data.threshold, color="k", lw=0.8)
        ax.set_xlabel(r"noise scale $\zeta$")
        ax.set_ylabel(r"log-growth rate at $\theta = 0$")
        ax.set_title("(b) exponent of the linearisation at 0")
        ax.set_ylim(-3.0, data.mu + 0.2)
        ax.legend(loc="lower left", fontsize=6.5)
    return fig


# --------------------------------------------------------------------------------------------
# Figure 6: teacher–student rank
# --------------------------------------------------------------------------------------------

def plot_teacher_student_rank(data, axes=None, profile_noise=(8.0, 16.0, 24.0)):
    """Learned rank vs label noise (a) and its trajectory over training (b).

    (a) Theory #{k: ŝ_k > ησ²/2} (staircase) and the simulated rank at the end (mean, bars:
    min–max over runs); with a learning-rate drop also the rank just before the drop (from the
    recorded trajectory), otherwise the stationary snapshot count. (b) Mean learned rank vs step
    for a few σ (recorded in the same runs) against the theory count (dashed).

    Parameters
    ----------
    data : TeacherStudentRank
        With ``record_steps`` for panel (b).
    axes : sequence of two Axes, optional
    profile_noise : sequence of float
        σ values of panel (b) (the nearest simulated ones are used).

    Returns
    -------
    matplotlib.figure.Figure
    """
    with plot_style():
        if axes is None:
            fig, axes = new_figure(1, 2, figsize=(9.6, 3.9))
        axes = axes_list(axes, 2)
        fig = axes[0].figure
        ax = axes[0]
        ax.plot(data.noise_grid, data.theory_rank_grid, color="k", lw=1.3, drawstyle="steps-post",
                label=r"theory $\#\{k: \hat s_k > \eta\sigma^2/2\}$")
        rec = data.record_steps if data.record_steps is not None else np.zeros(0, dtype=int)
        drop = data.lr_drop_step
        if drop is not None and drop in set(rec.tolist()):
            i = int(np.searchsorted(rec, drop))
            ax.plot(data.noise, data.record_rank[:, i], "s", mfc="none", color="C1", ms=4.5,
                    label=f"SGD before the drop (step {drop:,})")
        elif drop is None:
            ax.plot(data.noise, data.snapshot_rank, color="C1", ls=":", marker="s", ms=3, lw=1.2,
                    label=rf"stationary snapshot count ($u_kv_k > {data.active_tol:g}$)")
        lo = data.mean_rank - data.rank.min(axis=-1)
        hi = data.rank.max(axis=-1) - data.mean_rank
        ax.errorbar(data.noise, data.mean_rank, yerr=[lo, hi], fmt="o", color="C0", ms=4, capsize=2, lw=1,
                    label=f"SGD at the end ({data.n_chains} runs)")
        ax.set_xlabel(r"label noise $\sigma$")
        ax.set_ylabel(rf"learned rank ($u_kv_k > {data.active_tol:g}$)")
        model = "Chen et al.: $X^\\top X = I$" if data.data_model == "chen2023" else "Gaussian $X$"
        ax.set_title(f"(a) teacher–student ({model}), $\\eta = {data.lr:g}/{data.n_samples}$")
        ax.legend(loc="lower left", fontsize=7)
        ax = axes[1]
        if rec.size:
            for k, sg in enumerate(profile_noise):
                j = int(np.argmin(np.abs(data.noise - sg)))
                c = f"C{k + 2}"
                ax.plot(rec, data.record_rank[j], color=c, lw=1.4, label=rf"$\sigma = {data.noise[j]:g}$")
                ax.axhline(data.theory_rank[j], color=c, ls="--", lw=1.0)
            ax.plot([], [], color="0.3", ls="--", lw=1.0, label="theory count")
            if drop is not None:
                ax.axvline(drop, color="0.3", ls=":", lw=1.2, label=rf"rate $\times {data.lr_drop_factor:g}$")
            ax.set_ylim(-2.0, 1.3 * data.s_hat.size)       # room for the legend above the curves
            ax.legend(loc="upper center", ncol=5, fontsize=7, columnspacing=1.0, handlelength=1.6)
            start = "$u = v = 1$" if data.start == "ones" else "small random start"
            ax.set_xlabel("SGD step")
            ax.set_ylabel("learned rank (mean over runs)")
            ax.set_title(f"(b) collapse during training, from {start}")
            ax.xaxis.set_major_formatter(_thousands())
            return fig
        # no trajectory recorded: the shrinkage of the surviving modes instead
        grid = np.linspace(0.0, float(data.s_hat.max()), 200)
        for k, sg in enumerate(profile_noise):
            j = int(np.argmin(np.abs(data.noise - sg)))
            c = f"C{k + 2}"
            ax.plot(data.s_hat, data.mean_product[j], "o", color=c, ms=3.5, alpha=0.8,
                    label=rf"$\sigma = {data.noise[j]:g}$: SGD mean")
            ax.plot(grid, np.maximum(grid - 0.5 * data.eta * data.noise[j] ** 2, 0.0), color=c, lw=1.2)
        ax.plot([], [], color="0.3", lw=1.2, label=r"$\max(\hat s_k - \eta\sigma^2/2, 0)$")
        ax.set_xlabel(r"mode strength $\hat s_k$")
        ax.set_ylabel(r"final $u_k v_k$ (mean over runs)")
        ax.set_title(r"(b) surviving modes shrink by $\eta\sigma^2/2$")
        ax.legend(loc="upper left", fontsize=7)
    return fig


def _thousands():
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _: f"{v / 1000:g}k" if v else "0")


# --------------------------------------------------------------------------------------------
# phase diagram of sims.phase_diagram (computed in _phase.py)
# --------------------------------------------------------------------------------------------

# Zero sets are point clouds (several λ per row), drawn as markers; the two lines as lines.
_CURVES = {
    "lambda_plus_zero": dict(color="k", marker="o", markersize=2.2, linestyle="none", label=r"$\Lambda_+ = 0$"),
    "lambda_minus_zero": dict(color=_MINUS["colors"], marker="s", markersize=2.2, linestyle="none",
                              label=r"$\Lambda_- = 0$"),
    "l2_line": dict(color=_L2["color"], linestyle=_L2["ls"], lw=_L2["lw"], label=r"$L_2$ line $2E c/E c^2$"),
    "gd_line": dict(color="0.35", linestyle="-.", lw=1.3, label=r"GD line $2/E c$"),
}


def plot_sgd_phase_diagram(result, ax=None):
    """Phase labels over (λ, y) with the theoretical boundary curves overlaid.

    Phase names are written on the regions (colours as in every figure of this theory); the
    zero sets of Λ± are the exact zeros per row, drawn as markers (larger over integer batch
    sizes, where each row is one S). For ``method="simulate"`` the cells show the majority
    outcome of nonlinear SGD and the curves are the linear theory's boundaries, so agreement and
    disagreement are both visible.

    Parameters
    ----------
    result : PhaseDiagram
        From ``sims.phase_diagram("sgd_stability", ...)``.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    from .._style import label_regions

    batch = result.params.get("y") == "batch_size"
    with plot_style():
        if ax is None:
            fig, ax = new_figure(figsize=(6.4, 4.4))
        fig = ax.figure
        present = label_mesh(ax, result.x, result.y, result.labels, PHASE_COLORS)
        written = label_regions(ax, result.x, result.y, result.labels, _REGION_NAMES, text_colors=_TEXT_ON,
                                box_colors=PHASE_COLORS, min_cells=max(3, result.labels.size // 400))
        for n in present:
            if n not in written:
                ax.plot([], [], "s", color=PHASE_COLORS[n], markeredgecolor="0.5", label=_PHASE_NAMES[n])
        for key, style in _CURVES.items():
            pts = result.boundaries.get(key)
            if pts is None or len(pts) == 0:
                continue
            inside = (pts[:, 0] >= result.x.min()) & (pts[:, 0] <= result.x.max())
            if inside.any():
                if batch and "zero" in key:
                    style = {**style, "markersize": 5}
                    if key == "lambda_plus_zero":
                        style["markerfacecolor"] = "w"
                elif batch:
                    style = {**style, "linestyle": "none", "marker": "|", "markersize": 9, "mew": 1.6}
                ax.plot(pts[inside, 0], pts[inside, 1], **style)
        method = result.params.get("method", "analytic")
        ax.set_title(f"SGD at the origin saddle: {method}, model {result.params.get('model')}")
        ax.set_xlabel(_AXIS_NAMES.get(result.x_name, result.x_name))
        ax.set_ylabel(_AXIS_NAMES.get(result.y_name, result.y_name))
        if np.ptp(result.x) > 0:
            ax.set_xlim(result.x.min(), result.x.max())
        if batch:                                   # whole rows: each integer S is one block
            ax.set_ylim(result.y.min() - 0.5, result.y.max() + 0.5)
        elif np.ptp(result.y) > 0:
            ax.set_ylim(result.y.min(), result.y.max())
        fig.legend(loc="outside lower center", ncol=4, fontsize=8, frameon=False)
        ax.grid(False)
    return fig


# --------------------------------------------------------------------------------------------
# Torch bridge (issue 10): stochastic collapse in trained networks (Chen et al. 2023)
# --------------------------------------------------------------------------------------------

def plot_gelu_collapse(result, axes=None, show_cell=None):
    """Two GELU neurons under label-noise momentum SGD: collapse onto w₁ = w₂, a₁ = a₂ (three panels).

    (a) Fraction of runs collapsed (final ‖θ₁ − θ₂‖² below the result's ``collapse_tol``) against
    the label-noise scale ζ, one curve per learning rate; diverged runs marked. (b) The median over
    seeds of log10 ‖θ₁ − θ₂‖² at the end, as a heat map over (η, ζ). (c) log10 ‖w₁ − w₂‖² over
    training for every seed at ``show_cell`` = (η, ζ) (default: the cell where most seeds
    collapsed). Measured trends: the package's theory gives no threshold here.

    Parameters
    ----------
    result : GeluCollapseResult
    axes : sequence of three Axes, optional
    show_cell : tuple of two floats, optional
        (η, ζ) of panel (c), nearest grid point.

    Returns
    -------
    matplotlib.figure.Figure
    """
    r = result
    with plot_style():
        if axes is None:
            fig, axes = new_figure(1, 3, figsize=(13.0, 3.7))
        axes = axes_list(axes, 3)
        fig = axes[0].figure
        ax = axes[0]
        n_seeds = r.collapsed.shape[-1]
        for i, lr in enumerate(r.lrs):
            ax.plot(r.noises, r.collapsed_fraction[i], "o-", color=f"C{i}", ms=3.5, lw=1.1,
                    label=rf"$\eta = {lr:g}$ ($\eta/(1-\beta) = {r.effective_lrs[i]:g}$)")
            div = r.diverged.mean(-1)[i]
            if np.any(div > 0):
                ax.plot(r.noises[div > 0], div[div > 0], "x", color=f"C{i}", ms=5)
        ax.plot([], [], "x", color="0.3", label="fraction diverged")
        ax.set_xlabel(r"label-noise scale $\zeta$")
        ax.set_ylabel(rf"collapsed: $\|\theta_1-\theta_2\|^2 < {_tex_number(r.collapse_tol)}$ ({n_seeds} seeds)")
        ax.set_title("(a) collapse onto the identical-neuron set")
        ax.set_ylim(-0.03, 1.03)
        ax.legend(loc="upper left", fontsize=6.5)

        ax = axes[1]
        med = r.median_log10_distance
        shown = np.clip(np.where(np.isfinite(med), med, np.nan), -32, 2)
        mesh = ax.imshow(shown, origin="lower", aspect="auto", cmap="viridis",
                         extent=(-0.5, len(r.noises) - 0.5, -0.5, len(r.lrs) - 0.5))
        for i in range(len(r.lrs)):
            for j in range(len(r.noises)):
                dark = np.isfinite(med[i, j]) and shown[i, j] < -8
                ax.text(j, i, "div" if not np.isfinite(med[i, j]) else f"{med[i, j]:.0f}", ha="center", va="center",
                        fontsize=6.5, color="w" if dark else "k")
        ax.set_xticks(range(len(r.noises)), [f"{z:g}" for z in r.noises])
        ax.set_yticks(range(len(r.lrs)), [f"{lr:g}" for lr in r.lrs])
        ax.set_xlabel(r"label-noise scale $\zeta$")
        ax.set_ylabel(r"learning rate $\eta$")
        ax.set_title(r"(b) median $\log_{10}\|\theta_1-\theta_2\|^2$ at the end")
        fig.colorbar(mesh, ax=ax, shrink=0.85)

        ax = axes[2]
        if show_cell is None:       # the cell where the most seeds collapsed
            i, j = np.unravel_index(int(np.argmax(r.collapsed_fraction)), r.collapsed_fraction.shape)
        else:
            i = int(np.argmin(np.abs(r.lrs - show_cell[0])))
            j = int(np.argmin(np.abs(r.noises - show_cell[1])))
        with np.errstate(divide="ignore"):
            for s in range(n_seeds):
                ax.plot(r.steps, np.log10(r.weight_distance[i, j, s]), lw=0.8,
                        color="C3" if r.collapsed[i, j, s] else "0.55")
        ax.plot([], [], color="C3", label="collapsed")
        ax.plot([], [], color="0.55", label="not collapsed")
        ax.set_xlabel("step")
        ax.set_ylabel(r"$\log_{10}\|w_1-w_2\|^2$")
        ax.set_title(rf"(c) $\eta = {r.lrs[i]:g}$, $\zeta = {r.noises[j]:g}$: every seed")
        ax.legend(loc="lower left", fontsize=6.5)
    return fig


def plot_mlp_collapse(result, axes=None):
    """Independent neurons of GELU MLPs on digits against learning rate, batch size and noise (three panels).

    Diverged networks are left out of every mean (a cell where all diverged is marked "(div)").
    (a) Fraction of independent neurons (mean over seeds and hidden layers, ± 1 SE over seeds)
    against the learning rate, one curve per (batch size, noise). (b) The same split into vanishing
    and duplicated neurons, per layer, at the largest learning rate. (c) Test accuracy of the same
    networks. Measured trends: the package's theory gives no prediction for this network.

    Parameters
    ----------
    result : MlpCollapseResult
    axes : sequence of three Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    r = result
    n_layers = r.fraction.shape[-1]
    with plot_style():
        if axes is None:
            fig, axes = new_figure(1, 3, figsize=(13.0, 3.7))
        axes = axes_list(axes, 3)
        fig = axes[0].figure
        styles = ["-", "--", ":", "-."]
        ok = ~r.diverged                                        # diverged networks are NaN: leave them out

        def mean_over(x, mask, axis):
            n = mask.sum(axis=axis)
            total = np.where(mask, x, 0.0).sum(axis=axis)
            return np.where(n > 0, total / np.maximum(n, 1), np.nan), n

        per_net = r.fraction.mean(axis=-1)                     # (n_lr, n_batch, n_noise, n_seeds)
        mean, count = mean_over(per_net, ok, -1)
        sq, _ = mean_over((per_net - mean[..., None]) ** 2, ok, -1)
        se = np.where(count > 1, np.sqrt(sq * count / np.maximum(count - 1, 1) / np.maximum(count, 1)), 0.0)
        acc, _ = mean_over(r.test_accuracy, ok, -1)
        for b, bs in enumerate(r.batch_sizes):
            for k, z in enumerate(r.noises):
                kw = dict(color=f"C{k}", ls=styles[b % len(styles)], marker="o", ms=3.5, lw=1.1,
                          label=rf"$B = {bs}$, $\zeta = {z:g}$")
                axes[0].errorbar(r.lrs, mean[:, b, k], yerr=np.nan_to_num(se[:, b, k]), capsize=2, **kw)
                axes[2].plot(r.lrs, acc[:, b, k], **kw)
        for ax in (axes[0], axes[2]):
            ax.set_xscale("log")
            ax.set_xticks(r.lrs, [f"{lr:g}" for lr in r.lrs])
            ax.minorticks_off()
            ax.set_xlabel(r"learning rate $\eta$")
            ax.set_ylim(-0.03, 1.03)
        axes[0].set_ylabel("fraction of independent neurons")
        axes[0].set_title(f"(a) independent neurons ({n_layers} hidden layers, mean)")
        axes[0].legend(loc="lower left", fontsize=6)
        axes[2].set_ylabel("test accuracy")
        axes[2].set_title(f"(c) test accuracy ({r.settings['n_test']} held-out digits)")
        axes[2].axhline(0.1, color="0.5", lw=0.8, ls=":")

        ax = axes[1]
        i = len(r.lrs) - 1
        labels, van, dup, ind = [], [], [], []
        for b, bs in enumerate(r.batch_sizes):
            for k, z in enumerate(r.noises):
                keep = ok[i, b, k]
                for li in range(n_layers):
                    labels.append(f"B{bs} ζ{z:g} L{li + 1}" + ("" if keep.any() else " (div)"))
                    for out, x in ((van, r.vanishing_fraction), (dup, r.duplicated_fraction), (ind, r.fraction)):
                        out.append(float(x[i, b, k, keep, li].mean()) if keep.any() else 0.0)
        x = np.arange(len(labels))
        ax.bar(x, ind, color="C0", label="independent")
        ax.bar(x, dup, bottom=ind, color="C1", label="duplicated")
        ax.bar(x, van, bottom=np.add(ind, dup), color="C7", label="vanishing")
        ax.set_xticks(x, labels, rotation=70, fontsize=6)
        ax.set_ylabel("fraction of the layer")
        ax.set_title(rf"(b) per layer at $\eta = {r.lrs[i]:g}$ (means over non-diverged seeds)")
        ax.legend(loc="upper right", fontsize=6)
    return fig

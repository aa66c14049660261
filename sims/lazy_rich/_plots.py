"""Figures of the lazy/rich minimal model (Kunin et al. 2024, arXiv 2406.06158; docs/lazy_rich.md#figure-settings).

Each figure is split in two: a small compute function returning a frozen dataclass of plain
arrays (in ``_figure_data``, tested for the qualitative shape the paper reports) and a
``plot_*`` function here drawing it. Plot functions take ``ax=None`` / ``axes=None``, return the
matplotlib Figure, never call ``plt.show()`` and never touch pyplot (figures come from
:func:`sims._style.new_figure`). All settings use unit rates (η_a = η_w = 1) and a0 > 0 from
:func:`init_from_beta`.
"""

from __future__ import annotations

import numpy as np

from theory.validate import as_positive_scalar

from .._style import axes_list, figure_for, guide_hline, label_mesh, new_figure, panel_letters, plot_style
from ._figure_data import (
    DELTAS,
    SIGN_FLIP_BETA0S,
    SIGN_FLIP_DELTAS,
    WHITENED_BETA0,
    WHITENED_BETA_STAR,
    _as_deltas,
    basin_runs,
    dynamics_curves,
    implicit_bias_paths,
    sign_flip_runs,
    surface_panel,
)

__all__ = [
    "plot_basins",
    "plot_dynamics",
    "plot_implicit_bias",
    "plot_lazy_rich_phase_diagram",
    "plot_relu_sweep",
    "plot_sign_flip",
    "plot_surfaces",
]


# One colour per value of δ, the same in every lazy_rich figure: δ = 0 (balanced) is near-black,
# δ > 0 (upstream) red, δ < 0 (downstream) blue, darker for larger |δ|. The colour depends on the
# value of δ only (not on which other δ a figure shows), so black always means δ = 0.
DELTA_ZERO_COLOR = (0.1, 0.1, 0.1, 1.0)
_DELTA_SCALE = 0.1     # |δ| where the shade starts to move fast (log1p scale: 0.02, 0.2, 1, 2, 4 stay apart)
_DELTA_MAX = 10.0      # |δ| at the darkest shade (larger |δ| are clipped to it)


def delta_color(delta):
    """The RGBA colour of conserved quantity ``delta`` in every lazy_rich figure.

    ``0`` → near-black; ``δ > 0`` → orange to dark red, ``δ < 0`` → teal to navy, darker as
    log(1 + |δ|/0.1) grows, up to |δ| = 10. Any nonzero δ, however small, is visibly warm (δ > 0) or cool (δ < 0), never black.
    """
    from matplotlib import colormaps

    delta = float(delta)
    if not np.isfinite(delta):
        raise ValueError(f"delta must be finite; got {delta}")
    if delta == 0.0:
        return DELTA_ZERO_COLOR
    f = min(np.log1p(abs(delta) / _DELTA_SCALE) / np.log1p(_DELTA_MAX / _DELTA_SCALE), 1.0)
    # Sequential maps that change hue as well as lightness (yellow-orange → dark red, green-teal →
    # navy), starting off-white so that the smallest |δ| is still visible on white.
    cmap = colormaps["YlOrRd" if delta > 0 else "YlGnBu"]
    return tuple(float(c) for c in cmap(0.3 + 0.65 * f))


def _delta_colors(deltas):
    """:func:`delta_color` of each δ."""
    return [delta_color(d) for d in np.asarray(deltas, dtype=float).ravel()]


def _delta_colorbar(fig, axes, deltas, colors, label=r"$\delta = a^2 - \|w\|^2$ (conserved)", **kwargs):
    """A discrete colorbar with one labelled cell per δ (the key to the δ colours)."""
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import BoundaryNorm, ListedColormap

    k = len(deltas)
    sm = ScalarMappable(norm=BoundaryNorm(np.arange(k + 1) - 0.5, k), cmap=ListedColormap(colors))
    cbar = fig.colorbar(sm, ax=axes, ticks=np.arange(k), **kwargs)
    cbar.ax.set_yticklabels([f"${_fmt(d)}$" for d in deltas])
    cbar.set_label(label)
    return cbar


def _fmt(x) -> str:
    """A number for a mathtext label; a negative one in braces, so ``$(0, {-1})$`` has a unary minus."""
    return f"{{{x:g}}}" if x < 0 else f"{x:g}"


# --------------------------------------------------------------------------------------------
# Fig 2: conserved surfaces in (w1, w2, a)
# --------------------------------------------------------------------------------------------

_TRAJ_COLOR = "tab:purple"   # one trajectory per panel; not a δ colour (each panel has its own δ)


def plot_surfaces(deltas=(-2.0, 0.0, 2.0), beta0=WHITENED_BETA0, beta_star=WHITENED_BETA_STAR,
                  T=20.0, extent=2.0, axes=None):
    """Fig 2 of Kunin et al. (2024): conserved surfaces and exact trajectories in (w1, w2, a).

    One 3-D panel per δ: the surface a² − ‖w‖² = δ (wireframe), the solution manifold a·w = β*
    (black), and the exact gradient-flow trajectory from β0 (start: circle, end: star).

    Parameters
    ----------
    deltas : sequence of float
    beta0, beta_star : array of shape (2,)
    T, extent : float
    axes : sequence of 3-D Axes (one per δ), optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    deltas = _as_deltas(deltas)
    panels = [surface_panel(d, beta0, beta_star, T=T, extent=extent) for d in deltas]
    from matplotlib.lines import Line2D

    with plot_style():
        if axes is None:
            fig, axes = new_figure(1, len(deltas), figsize=(2.6 * len(deltas), 3.1),
                                   subplot_kw=dict(projection="3d"))
        axes = axes_list(axes, len(deltas))
        fig = axes[0].figure
        for ax, p in zip(axes, panels):
            if getattr(ax, "name", "") != "3d":
                raise ValueError("axes must be 3-D Axes (projection='3d')")
            for k, (W1, W2, A) in enumerate(p.mesh):
                ax.plot_wireframe(W1, W2, A, rstride=2, cstride=2, color="0.35", linewidth=0.45,
                                  alpha=0.4, label=r"surface $a^2 - \|w\|^2 = \delta$" if k == 0 else None)
            for k, branch in enumerate(p.manifold):
                ax.plot(branch[:, 0], branch[:, 1], branch[:, 2], color="k", lw=1.0,
                        label=r"solutions $a\,w = \beta^*$" if k == 0 else None)
            ax.plot(p.w[:, 0], p.w[:, 1], p.a, color=_TRAJ_COLOR, lw=2.0, label="gradient flow")
            ax.scatter([p.w[0, 0]], [p.w[0, 1]], [p.a[0]], color=_TRAJ_COLOR, s=18, marker="o",
                       depthshade=False, label=r"start $\beta_0$")
            ax.scatter([p.w[-1, 0]], [p.w[-1, 1]], [p.a[-1]], color=_TRAJ_COLOR, s=50, marker="*",
                       depthshade=False, label=f"end ($t = {p.t[-1]:g}$)")
            kind = "upstream" if p.delta > 0 else "downstream" if p.delta < 0 else "balanced"
            ax.set_title(f"$\\delta = {_fmt(p.delta)}$ ({kind})", pad=-2)
            ax.set_xlabel("$w_1$", labelpad=-4)
            ax.set_ylabel("$w_2$", labelpad=-4)
            ax.set_zlabel("$a$", labelpad=-6)
            ax.set_box_aspect(None, zoom=0.9)
            for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
                axis.set_pane_color((1.0, 1.0, 1.0, 0.0))
                axis._axinfo["grid"].update(linewidth=0.3, color=(0.85, 0.85, 0.85, 1.0))
            ax.set_xlim(-extent, extent)
            ax.set_ylim(-extent, extent)
            ax.set_zlim(-extent, extent)
            # Three ticks per axis (−e, 0, e) at the normal tick size: legible at slide size.
            ticks = [-np.floor(extent), 0.0, np.floor(extent)]
            ax.set_xticks(ticks)
            ax.set_yticks(ticks[1:])  # no −e on w2: it would touch the "e" of w1 at the corner
            ax.set_zticks(ticks)
            ax.tick_params(pad=-2)
            ax.view_init(elev=18, azim=-60)
        panel_letters(axes)
        # A legend of every artist kind drawn (the wireframe's handle is drawn as a grey line).
        handles, labels = [], []
        for ax in axes:
            for h, lab in zip(*ax.get_legend_handles_labels()):
                if lab not in labels:
                    handles.append(Line2D([], [], color="0.55", lw=0.8) if "surface" in lab else h)
                    labels.append(lab)
        fig.legend(handles, labels, loc="outside lower center", ncol=3, frameon=False)
    return fig


# --------------------------------------------------------------------------------------------
# Fig 3: μ(t), φ(t), S(0, t)
# --------------------------------------------------------------------------------------------

def plot_dynamics(deltas=DELTAS, beta0=WHITENED_BETA0, beta_star=WHITENED_BETA_STAR, T=20.0,
                  compat_panel=True, compat_delta=0.0, axes=None):
    """Fig 3 of Kunin et al. (2024): μ(t), φ(t) and S(0, t) for several δ (exact solution).

    With ``compat_panel`` a fourth panel compares, at δ = ``compat_delta``, the correct kernel
    distance with the published code's a(0)² variant, whose transient overshoot at δ = 0 is an
    artefact of that bug (docs/lazy_rich.md#lazy-and-rich-measures).

    Parameters
    ----------
    deltas : sequence of float
    beta0, beta_star : array of shape (d,)
    T : float
    compat_panel : bool, default True
    compat_delta : float, default 0.0
        Must be one of ``deltas``.
    axes : sequence of 3 (or 4 with ``compat_panel``) Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    curves = dynamics_curves(deltas, beta0, beta_star, T=T)
    n_panels = 4 if compat_panel else 3
    if compat_panel:
        hits = np.flatnonzero(curves.deltas == compat_delta)
        if hits.size == 0:
            raise ValueError(f"compat_delta must be one of deltas {list(curves.deltas)}; "
                             f"got {compat_delta}")
        k_compat = int(hits[0])
    with plot_style():
        if axes is None:
            shape = (2, 2) if compat_panel else (1, 3)
            fig, axes = new_figure(*shape, figsize=(7.2, 5.0) if compat_panel else (8.0, 2.8))
        axes = axes_list(axes, n_panels)
        fig = axes[0].figure
        colors = _delta_colors(curves.deltas)
        t = curves.t
        for k, c in enumerate(colors):
            axes[0].plot(t, curves.mu[k], color=c)
            axes[1].plot(t, curves.phi[k], color=c)
            axes[2].plot(t, curves.kernel_distance[k], color=c)
        axes[0].set_ylabel(r"$\mu = a\,\|w\|$")
        axes[1].set_ylabel(r"$\varphi = \cos\angle(w, \beta^*)$")
        axes[2].set_ylabel(r"$S(0, t)$")
        axes[0].set_title("signed magnitude")
        axes[1].set_title("alignment")
        axes[2].set_title("kernel distance")
        for ax in axes[:3]:
            ax.set_xlabel("$t$")
            ax.set_xlim(0, t[-1])
        _delta_colorbar(fig, axes, curves.deltas, colors, shrink=0.8)
        if compat_panel:
            ax = axes[3]
            d = curves.deltas[k_compat]
            ax.plot(t, curves.kernel_distance[k_compat], color=delta_color(d),
                    label=r"correct: $a(t)^2$ in $\|K_t\|$")
            ax.plot(t, curves.kernel_distance_compat[k_compat], color="tab:purple", ls="--",
                    label=r"published code: $a(0)^2$")
            ax.axhline(curves.kernel_distance_limit[k_compat], color="0.5", lw=0.8, ls=":",
                       label=r"limit $S(0, \infty)$")
            ax.set_xlim(0, min(t[-1], 5.0))
            ax.set_xlabel("$t$")
            ax.set_ylabel(r"$S(0, t)$")
            ax.set_title(f"kernel distance formulas, $\\delta = {_fmt(d)}$")
            ax.legend(loc="lower right", frameon=False)
        panel_letters(axes)
    return fig


# --------------------------------------------------------------------------------------------
# Fig 4b: implicit bias for one sample in 2-D
# --------------------------------------------------------------------------------------------

def plot_implicit_bias(x=(0.5, 1.0), y=1.1, beta0=(0.4, 0.05), deltas=DELTAS, T=20.0, ax=None):
    """Fig 4b of Kunin et al. (2024): where gradient flow lands on the solution line xᵀβ = y.

    Gradient-flow paths in the β-plane (one colour per δ), the implicit-bias prediction of
    docs/lazy_rich.md#implicit-bias-for-general-x for each δ (open circles), and the δ = +∞ (kernel projection) and δ = −∞
    (initial ray) limits on the solution line.

    Parameters
    ----------
    x : array of shape (2,)
    y : float
    beta0 : array of shape (2,)
    deltas : sequence of float
    T : float
    ax : Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    data = implicit_bias_paths(x, y, beta0, deltas, T=T)
    with plot_style():
        fig, ax = figure_for(ax, figsize=(6.4, 4.4))
        colors = _delta_colors(data.deltas)
        pts = np.vstack([data.beta.reshape(-1, 2), data.lazy_limit, data.downstream_limit])
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        pad = 0.08 * (hi - lo).max()
        lo, hi = lo - pad, hi + pad      # the legend sits below the axes, no headroom needed
        # Solution line xᵀβ = y across the box.
        n_hat = np.array([-data.x[1], data.x[0]]) / np.linalg.norm(data.x)
        p_min = data.x * data.y / float(data.x @ data.x)
        span = 2.0 * np.linalg.norm(hi - lo)
        line = p_min + np.outer(np.linspace(-span, span, 2), n_hat)
        ax.plot(line[:, 0], line[:, 1], color="0.3", lw=0.9, label=r"solutions $x^\top\beta = y$")
        ray = np.outer([0.0, 1.0], data.downstream_limit)
        ax.plot(ray[:, 0], ray[:, 1], color="0.6", lw=0.8, ls=":", zorder=0,
                label=r"initial ray through $\beta_0$")
        for k, c in enumerate(colors):
            ax.plot(data.beta[k, :, 0], data.beta[k, :, 1], color=c, lw=1.3)
            ax.plot(*data.prediction[k], marker="o", ms=7, mfc="none", color=c, mew=1.4, ls="none")
        ax.plot(*data.beta0, marker="o", color="k", ms=4, ls="none", label=r"start $\beta_0$")
        ax.plot(*data.lazy_limit, marker="s", color=delta_color(_DELTA_MAX), ms=6, ls="none", mfc="none",
                mew=1.4, label=r"$\delta \to {+\infty}$ (lazy: kernel limit)")
        ax.plot(*data.downstream_limit, marker="D", color=delta_color(-_DELTA_MAX), ms=6, ls="none", mfc="none",
                mew=1.4, label=r"$\delta \to {-\infty}$ (on the initial ray)")
        ax.plot([], [], marker="o", mfc="none", color="0.3", ls="none",
                label=r"theory: $\mathrm{argmin}\ \Phi_\delta$ on the line")
        ax.plot([], [], color="0.3", lw=1.3, label=r"gradient flow (colour: $\delta$)")
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(lo[1], hi[1])
        ax.set_aspect("equal", adjustable="box")
        ax.set_xlabel(r"$\beta_1$")
        ax.set_ylabel(r"$\beta_2$")
        ax.set_title(r"where gradient flow meets $x^\top\beta = y$ (one sample)")
        fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=2,
                   frameon=False)
        _delta_colorbar(fig, ax, data.deltas, colors, shrink=0.9)
    return fig


# --------------------------------------------------------------------------------------------
# Appendix: theory vs gradient flow, sign flips
# --------------------------------------------------------------------------------------------

def _mask_pole(nu, a, clip):
    """Hide ν beyond ±clip and at sign changes of a, so the pole is not bridged by a line."""
    nu = np.ma.masked_array(nu, copy=True)
    out = np.ma.masked_where(np.abs(nu.filled(0.0)) > clip, nu)
    sign_change = np.zeros(a.shape, dtype=bool)
    sign_change[..., 1:] = np.sign(a[..., 1:]) != np.sign(a[..., :-1])
    return np.ma.masked_where(sign_change, out)


def plot_sign_flip(beta_star=(0.5, 0.5), beta0s=SIGN_FLIP_BETA0S, deltas=SIGN_FLIP_DELTAS,
                   T=10.0, nu_clip=4.0, axes=None):
    """Appendix figure: exact solution (lines) vs gradient flow (markers), XᵀX = I₂.

    Rows: initialisations β0; columns: ν(t) = wᵀβ*/a, a(t), w1(t), w2(t). Runs predicted to
    flip the sign of a (ν0 < ν₋) are dashed; ν has a pole where a crosses 0 (hidden beyond
    ±``nu_clip``).

    Parameters
    ----------
    beta_star : array of shape (2,)
    beta0s : array of shape (R, 2)
    deltas : sequence of float
    T : float
    nu_clip : float
        |ν| above which ν is not drawn.
    axes : array of R × 4 Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    nu_clip = as_positive_scalar(nu_clip, "nu_clip")
    runs = sign_flip_runs(beta_star, beta0s, deltas, T=T)
    R = runs.beta0s.shape[0]
    from matplotlib.lines import Line2D

    with plot_style():
        if axes is None:
            fig, axes = new_figure(R, 4, figsize=(8.0, 2.0 * R + 0.9), sharex=True)
        axes = np.asarray(axes_list(axes, 4 * R), dtype=object).reshape(R, 4)
        fig = axes[0, 0].figure
        colors = _delta_colors(runs.deltas)
        nu = _mask_pole(runs.nu, runs.a, nu_clip)
        nu_gf = _mask_pole(runs.nu_gf, runs.a_gf, nu_clip)
        for r in range(R):
            for k, c in enumerate(colors):
                ls = "--" if runs.flips[r, k] else "-"
                theory = (nu[r, k], runs.a[r, k], runs.w[r, k, :, 0], runs.w[r, k, :, 1])
                sim = (nu_gf[r, k], runs.a_gf[r, k], runs.w_gf[r, k, :, 0], runs.w_gf[r, k, :, 1])
                for j in range(4):
                    axes[r, j].plot(runs.t, theory[j], color=c, ls=ls, lw=1.2)
                    axes[r, j].plot(runs.t_gf, sim[j], color=c, ls="none", marker="o", ms=2.6,
                                    mfc="none", mew=0.7)
            b0 = runs.beta0s[r]
            axes[r, 0].set_ylabel(f"$\\beta_0 = ({_fmt(round(b0[0], 2))}, {_fmt(round(b0[1], 2))})$")
            axes[r, 0].set_ylim(-nu_clip * 1.05, nu_clip * 1.05)
            for j in range(4):
                guide_hline(axes[r, j])
        for j, title in enumerate((r"$\nu = w^\top\beta^*/a$", "readout $a$", "$w_1$", "$w_2$")):
            axes[0, j].set_title(title)
            axes[-1, j].set_xlabel("$t$")
        for ax in axes.ravel():
            ax.set_xlim(0, runs.t[-1])
            ax.set_xticks([0, 5, 10] if runs.t[-1] == 10 else ax.get_xticks())
        panel_letters(axes)
        handles = [Line2D([], [], color="0.3", lw=1.2, label="theory (exact solution)"),
                   Line2D([], [], color="0.3", ls="none", marker="o", ms=3, mfc="none",
                          label="gradient flow (ODE solver)"),
                   Line2D([], [], color="0.3", ls="--", lw=1.2, label="predicted to flip the sign of $a$")]
        fig.legend(handles=handles, loc="outside lower center", ncol=3, frameon=False)
        _delta_colorbar(fig, axes, runs.deltas, colors, shrink=0.6, pad=0.01, aspect=30)
    return fig


# --------------------------------------------------------------------------------------------
# Appendix: basins of the two solutions
# --------------------------------------------------------------------------------------------

def plot_basins(beta_star=(1.0, 0.25), deltas=(0.0, -2.0, -10.0), a_start=-4.0, eps=1e-3,
                T=200.0, axes=None):
    """Appendix basin figure: a(t) from a_start ∓ ε on the separating surface, one panel per δ.

    Both runs first approach the saddle β = 0 along the separating surface, then leave it to
    opposite-sign solutions (dotted: predicted ±a∞).

    Parameters
    ----------
    beta_star : array of shape (2,)
    deltas : sequence of float
    a_start, eps, T : float
    axes : sequence of Axes (one per δ), optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    runs = basin_runs(beta_star, deltas, a_start=a_start, eps=eps, T=T)
    K = runs.deltas.size
    from matplotlib.lines import Line2D

    with plot_style():
        if axes is None:
            fig, axes = new_figure(1, K, figsize=(2.6 * K, 2.9), sharey=True)
        axes = axes_list(axes, K)
        fig = axes[0].figure
        for k, ax in enumerate(axes):
            for j, (p, c) in enumerate(zip(runs.perturbations, _BASIN_COLORS)):
                sign = "-" if p < 0 else "+"
                ax.plot(runs.t, runs.a[k, j], color=c,
                        label=f"$a_0 = {_fmt(a_start)} {sign} {_sci(abs(p))}$")
                ax.axhline(runs.a_inf[k, j], color=c, lw=0.8, ls=":")
            guide_hline(ax)
            ax.set_title(f"$\\delta = {_fmt(runs.deltas[k])}$")
            ax.set_xscale("log")  # t = 0 is off-axis; the first log sample is a0 to ~1e-3
            ax.set_xlim(min(1e-2, runs.t[1]), runs.t[-1])
            ax.xaxis.set_major_locator(_log_ticks_every(2))
            ax.set_xlabel("$t$ (log scale)")
        axes[0].set_ylabel("readout $a(t)$")
        panel_letters(axes)
        handles, labels = axes[0].get_legend_handles_labels()
        handles.append(Line2D([], [], color="0.3", lw=0.8, ls=":"))
        labels.append(r"predicted limit $a_\infty$ (run's colour)")
        fig.legend(handles, labels, loc="outside lower center", ncol=3, frameon=False)
    return fig


# Colours of the two basin runs: outside the δ palette (warm/cool/black), since they mean the sign
# of the perturbation, not δ.
_BASIN_COLORS = ("tab:purple", "tab:green")


def _sci(x) -> str:
    """``x`` as mathtext: ``10^{-3}`` for an exact power of ten, else ``%g``."""
    e = np.log10(x)
    return f"10^{{{int(round(e))}}}" if x > 0 and abs(e - round(e)) < 1e-12 else f"{x:g}"


def _log_ticks_every(n):
    """Major ticks on every ``n``-th decade (fewer labels on narrow log axes)."""
    from matplotlib.ticker import LogLocator

    return LogLocator(base=10.0 ** n)


# --------------------------------------------------------------------------------------------
# phase diagram (computed in _phase.py)
# --------------------------------------------------------------------------------------------

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
    from matplotlib import patheffects
    from matplotlib.colors import LogNorm
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    p = result.params
    # A white line with a dark edge: visible on every colour of the maps and on the legend.
    halo = [patheffects.withStroke(linewidth=2.6, foreground="0.1")]
    with plot_style():
        if axes is None:
            fig, axes = new_figure(1, 3, figsize=(8.0, 3.6), sharey=True)
        axes = axes_list(axes, 3)
        fig = axes[0].figure
        x, y = result.x, result.y
        log_y = p.get("y") == "scale"
        sim = result.simulated
        handles = []

        ax = axes[0]
        names = label_mesh(ax, x, y, result.labels, _PHASE_COLORS, only_present=False)
        handles += [Patch(color=_PHASE_COLORS[n], label=n) for n in names]
        ax.set_title("regime")

        ax = axes[1]
        S = result.values["kernel_distance_final"]
        mesh = ax.pcolormesh(x, y, S, vmin=0, vmax=1, shading="nearest")
        fig.colorbar(mesh, ax=ax, label=r"kernel distance $S(0, \infty)$" "\n"
                     r"(0: kernel unchanged)")
        ax.contour(x, y, S, levels=[p["lazy_threshold"]], colors="w", linewidths=1.2)
        for coll in ax.collections[-1:]:
            coll.set_path_effects(halo)
        handles.append(Line2D([], [], color="w", lw=1.2, path_effects=halo,
                              label=f"lazy threshold $S(0, \\infty) = {p['lazy_threshold']:g}$"))
        if sim:
            ax.scatter(sim["x"], sim["y"], c=sim["kernel_distance_tmax"], vmin=0, vmax=1, s=30,
                       edgecolors="k", linewidths=0.8)
        ax.set_title("kernel change")

        ax = axes[2]
        T = result.values["time_to_learn"]
        finite = np.isfinite(T)
        t_max = p["t_max"]
        norm = LogNorm(vmin=max(T[finite].min(), 1e-3), vmax=t_max) if finite.any() else None
        mesh = ax.pcolormesh(x, y, np.where(finite, T, t_max), norm=norm, cmap="magma_r",
                             shading="nearest")
        pct = f"{100 * p['learn_fraction']:g}"
        fig.colorbar(mesh, ax=ax, label=f"time $t$ until the loss is {pct}%\n"
                     "of its initial value (log scale)")
        if sim:
            Ts = np.where(np.isfinite(sim["time_to_learn"]), sim["time_to_learn"], t_max)
            ax.scatter(sim["x"], sim["y"], c=Ts, norm=norm, cmap="magma_r", s=30, edgecolors="k",
                       linewidths=0.8)
        ax.set_title("time to learn")

        for ax in axes:
            for curve in result.boundaries.values():
                ax.plot(curve[:, 0], curve[:, 1], "k--", lw=1)
            ax.set_xlabel(r"$\delta = a^2 - \|w\|^2$")
            if log_y:
                ax.set_yscale("log")
            ax.grid(False)
        axes[0].set_ylabel(_PHASE_Y_LABELS.get(p.get("y"), result.y_name))
        if result.boundaries:
            handles.append(Line2D([], [], color="k", ls="--", lw=1,
                                  label=f"delayed-rich threshold $\\lambda_\\perp/\\lambda_\\parallel = "
                                        f"{p['delay_ratio']:g}$"))
        if sim:
            # After the phase patches, so that the two threshold lines share the last column.
            handles.insert(len(names), Line2D([], [], ls="none", marker="o", ms=6, mfc="0.8", mec="k",
                                              label="gradient-flow runs (fill: simulated value)"))
        panel_letters(axes)
        fig.legend(handles=handles, loc="outside lower center", ncol=3, frameon=False)
    return fig


_PHASE_Y_LABELS = {"scale": r"initial scale $\|\beta_0\|\,/\,\|\beta^*\|$",
                   "alignment": r"initial alignment $\varphi_0 = \cos\angle(\beta_0, \beta^*)$"}


# --------------------------------------------------------------------------------------------
# issue 10 (torch bridge): the (τ, δ) × seeds ReLU sweep of Fig. 1 (computed in _torch_relu_sweep.py)
# --------------------------------------------------------------------------------------------

# (result field, colour-bar label, log colour scale)
_SWEEP_PANELS = (
    ("test_loss", "test loss", "$L_{test}$ (mean squared error against\nthe teacher, log scale)", True),
    ("kernel_distance", "kernel distance", r"kernel distance $S(0, t)$", False),
    ("hamming_distance", "Hamming distance", "Hamming distance $H$\n(flipped activations per sample)", False),
    ("parameter_distance", "parameter distance", r"parameter distance $\|\theta_t - \theta_0\|$", False),
    ("lin_gap", "gap to linearisation", "network vs linearisation\n" r"$\mathrm{RMS}(f - f_{lin})$ on the test set",
     False),
)


def plot_relu_sweep(result, checkpoints=None, axes=None):
    """Heat maps over (δ, τ) of the seed means of the sweep's metrics at two checkpoints (Kunin et al. 2024, Fig. 1).

    Columns: test loss, kernel distance S(0, t), Hamming distance, parameter distance, and the RMS gap
    between the network and its linearisation; rows: the checkpoints. Cells where any seed diverged are
    hatched and left out of the colour scale. The title gives the size the figure was made at.

    Parameters
    ----------
    result : ReluSweepResult
        From :func:`sims.lazy_rich.relu_sweep_torch`.
    checkpoints : sequence of int, optional
        Steps to show (each a checkpoint of ``result``); default 10² (or the first after 0) and the last.
    axes : array of Axes (len(checkpoints) × 5), optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.colors import LogNorm

    steps = list(result.steps)
    if checkpoints is None:
        early = 100 if 100 in steps[:-1] else steps[1]
        checkpoints = [early, steps[-1]] if early != steps[-1] else [steps[-1]]
    rows = []
    for s in checkpoints:
        if s not in steps:
            raise ValueError(f"checkpoints must be steps of the result {steps}; got {s}")
        rows.append(steps.index(s))
    ncol = len(_SWEEP_PANELS)
    bad = np.any(result.diverged | result.lin_diverged, axis=2)              # (T, D)
    x, y = result.deltas, result.taus
    with plot_style():
        if axes is None:
            fig, axes = new_figure(len(rows), ncol, figsize=(3.0 * ncol, 2.7 * len(rows) + 0.6),
                                   sharex=True, sharey=True)
        axes = np.asarray(axes_list(axes, len(rows) * ncol)).reshape(len(rows), ncol)
        fig = axes[0, 0].figure
        for c, (field, title, label, log) in enumerate(_SWEEP_PANELS):
            values = getattr(result, field).mean(axis=2)                    # seed mean, (T, D, R)
            shown = np.where(bad[..., None], np.nan, values[..., rows])
            finite = shown[np.isfinite(shown)]
            if log:
                pos = finite[finite > 0]
                norm = LogNorm(vmin=pos.min(), vmax=pos.max()) if pos.size else None
                kw = dict(norm=norm)
            else:
                kw = dict(vmin=0.0, vmax=float(finite.max()) if finite.size else 1.0)
            for r, ri in enumerate(rows):
                ax = axes[r, c]
                mesh = ax.pcolormesh(x, y, np.ma.masked_invalid(shown[..., r]), shading="nearest", **kw)
                if bad.any():
                    ax.pcolor(x, y, np.ma.masked_where(~bad, np.ones(bad.shape)), hatch="xx", alpha=0.0,
                              shading="nearest")
                ax.set_yscale("log")
                ax.grid(False)
                if r == 0:
                    ax.set_title(title)
                if c == 0:
                    ax.set_ylabel(f"step ${_sci(result.steps[ri])}$\n" r"init scale $\tau$")
                if r == len(rows) - 1:
                    ax.set_xlabel(r"$\delta = a_k^2 - \|w_k\|^2$")
            fig.colorbar(mesh, ax=list(axes[:, c]), label=label, location="bottom", shrink=0.9)
        panel_letters(axes.ravel())
        n_seeds = result.test_loss.shape[2]
        fig.suptitle(f"two-layer ReLU sweep: ${y.size} \\times {x.size}$ " r"$(\tau, \delta)$" f" grid, {n_seeds} seeds, "
                     f"$m = {result.m}$, $n = {result.n}$, $d = {result.d}$, teacher $m_0 = {result.m0}$, "
                     f"{result.n_test} test points, {result.n_steps} GD steps " r"($h = "
                     f"{result.lr_scale:g}" r"/\tau^2$), " f"{result.device}, {result.dtype}", fontsize="medium")
    return fig

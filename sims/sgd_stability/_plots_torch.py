"""Drawing of the torch-bridge phase figure (data: ``_figure_data_torch.torch_phase_grid``), styled as ``_plots``."""

from __future__ import annotations

import numpy as np

from .._style import axes_list, label_mesh, new_figure, plot_style
from ._plots import _AXIS_NAMES, _L2, _MINUS, _PHASE_NAMES, _PLUS, _TALK, PHASE_COLORS, _legend_handles

__all__ = ["plot_torch_phase"]

_Z_MAX = 4.0     # colour range of the z panel: the tests' and claim's k ≈ 4 standard errors


def plot_torch_phase(data, axes=None):
    """Monte-Carlo phase over (λ, σ) with the theory's boundaries (left); (MC − theory)/SE of Λ₋ (right).

    Left: the sign phase of the torch-bridge exponents per cell (I, II, III, IV; white where an
    exponent is within 3 SE of 0) under the theory's zero contours Λ₊ = 0 (solid) and Λ₋ = 0
    (dashed) and the L₂ line 2E c/E c² (dotted). Right: z = (MC − theory)/SE of Λ₋ per cell, colour
    range ±4, with the theory's Λ₋ = 0 contour: agreement shows as noise without structure.

    Parameters
    ----------
    data : TorchPhaseGrid
    axes : sequence of two Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib

    run = data.chains
    x, y = run.lr, run.noise
    with plot_style(), matplotlib.rc_context(_TALK):
        if axes is None:
            fig, axes = new_figure(1, 2, figsize=(10.0, 5.0))
        axes = axes_list(axes, 2)
        fig = axes[0].figure
        present = label_mesh(axes[0], x, y, data.labels, PHASE_COLORS, rasterized=True)
        mesh = axes[1].pcolormesh(x, y, data.z_minus, cmap="RdBu_r", vmin=-_Z_MAX, vmax=_Z_MAX, shading="nearest",
                                  rasterized=True)
        fig.colorbar(mesh, ax=axes[1], label=r"$(\hat\Lambda_- - \Lambda_-)/\mathrm{SE}$", shrink=0.9)
        for ax in axes:
            for vals, style in ((data.theory_plus, _PLUS), (data.theory_minus, _MINUS)):
                if np.nanmin(vals) < 0 < np.nanmax(vals):
                    ax.contour(x, y, vals, levels=[0.0], **style)
            keep = data.l2_line <= x.max()
            ax.plot(data.l2_line[keep], y[keep], **_L2)
            ax.set_xlabel(_AXIS_NAMES["learning rate λ"])
            ax.set_ylabel(_AXIS_NAMES["label noise σ"])
            ax.set_xlim(x.min(), x.max())
            ax.set_ylim(y.min(), y.max())
            ax.grid(False)
        size = f"{len(y)}×{len(x)} cells, {run.n_chains:,} chains × {run.n_steps:,} steps per cell"
        axes[0].set_title(f"(a) torch bridge, model {run.data}, $S = {run.batch_size}$: sign of $\\hat\\Lambda_\\pm$\n"
                          f"({size}; {run.device}, {run.dtype})")
        zmax = np.nanmax(np.abs(np.concatenate([data.z_plus.ravel(), data.z_minus.ravel()])))
        axes[1].set_title(f"(b) Monte Carlo vs quadrature theory, $\\Lambda_-$\n"
                          f"(max |z| over both exponents {zmax:.2f}; {data.mismatched} decided cells mislabelled)")
        entries = [("line", dict(color="k", lw=1.5), r"theory $\Lambda_+ = 0$"),
                   ("line", dict(color=_MINUS["colors"], lw=1.5, ls="--"), r"theory $\Lambda_- = 0$"),
                   ("line", _L2, r"$L_2$ line $2E c/E c^2$")]
        extra = {"undecided": r" ($|\hat\Lambda| \leq 3$ SE)"}
        entries += [("patch", PHASE_COLORS[n], _PHASE_NAMES[n] + extra.get(n, ""))
                    for n in ("I", "II", "III", "IV", "undecided") if n in present]
        fig.legend(handles=_legend_handles(entries), loc="outside lower center", ncol=4, frameon=False,
                   columnspacing=1.2)
    return fig

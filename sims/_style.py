"""The package's matplotlib style and the plotting helpers every theory's ``_plots.py`` shares.

The style is applied through a context manager (no global rcParams change); figures are created
without pyplot.
"""

from __future__ import annotations

import contextlib

import numpy as np

STYLE = {
    "figure.dpi": 110,
    "savefig.dpi": 150,
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.25,
    "lines.linewidth": 1.4,
    "image.cmap": "viridis",
}


@contextlib.contextmanager
def plot_style():
    """Context manager applying the dltheory style to figures created inside it."""
    import matplotlib

    with matplotlib.rc_context(STYLE):
        yield


def new_figure(nrows: int = 1, ncols: int = 1, *, figsize=None, **subplot_kw):
    """A pyplot-free Figure with an ``nrows × ncols`` grid of axes (no GUI backend involved).

    Returns ``(fig, axes)``; ``axes`` is a single Axes when the grid is 1×1, else an array.
    Call inside :func:`plot_style` so the style applies.
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize or (3.2 * ncols, 2.8 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=True, **subplot_kw)
    return fig, axes


def figure_for(ax, **kwargs):
    """``(fig, ax)`` for a plot function taking ``ax=None``: a new figure when ``ax`` is None."""
    if ax is None:
        return new_figure(**kwargs)
    return ax.figure, ax


def axes_list(axes, n, name="axes"):
    """``axes`` (any nesting) as a flat list of exactly ``n`` Axes, else ValueError naming ``name``."""
    axes = list(np.ravel(np.asarray(axes, dtype=object)))
    if len(axes) != n:
        raise ValueError(f"{name} must hold {n} Axes; got {len(axes)}")
    return axes


def label_mesh(ax, x, y, labels, colors, *, only_present=True, **kwargs):
    """Draw a grid of categorical ``labels`` with one colour per label (``colors``: label → colour).

    The colour map holds the labels present in the grid (``only_present``) or all of
    ``colors``, in the order of ``colors``, so one colour means one label in every figure.
    Extra keyword arguments go to ``pcolormesh``. Returns the labels in the colour map.
    """
    from matplotlib.colors import ListedColormap

    names = [n for n in colors if np.any(labels == n)] if only_present else list(colors)
    codes = np.vectorize(names.index)(labels)
    ax.pcolormesh(x, y, codes, cmap=ListedColormap([colors[n] for n in names]),
                  vmin=-0.5, vmax=len(names) - 0.5, shading="nearest", **kwargs)
    return names


# --------------------------------------------------------------------------------------------
# panel letters and visual guides
# --------------------------------------------------------------------------------------------

def panel_letters(axes, *, start=0):
    """Put a bold "(a)", "(b)", … as the left-hand title of each Axes, in order.

    The letter is the Axes' ``loc="left"`` title, so it never covers data and a centred title
    can sit beside it; ``ax.get_title(loc="left")`` reads it back. Returns the letters.
    """
    import string

    axes = list(np.ravel(np.asarray(axes, dtype=object)))
    if start < 0 or start + len(axes) > 26:
        raise ValueError(f"start must leave room for {len(axes)} letters a-z; got {start}")
    letters = [f"({string.ascii_lowercase[start + k]})" for k in range(len(axes))]
    for ax, letter in zip(axes, letters):
        ax.set_title(letter, loc="left", fontweight="bold")
    return letters


GUIDE_GID = "guide"   # gid of unlabelled visual guides (a zero line), which need no legend entry


def guide_hline(ax, y=0.0, **kwargs):
    """A thin grey horizontal reference line (e.g. y = 0) marked as a guide, not data."""
    kw = dict(color="0.6", lw=0.6, zorder=0)
    kw.update(kwargs)
    line = ax.axhline(y, **kw)
    line.set_gid(GUIDE_GID)
    return line


# --------------------------------------------------------------------------------------------
# names written on categorical regions (phase diagrams)
# --------------------------------------------------------------------------------------------

def label_regions(ax, x, y, labels, names, *, min_cells=12, text_colors=None, box_colors=None,
                  text_aspect=4.0, **text_kw):
    """Write ``names[label]`` inside each connected region of a categorical grid.

    ``labels`` is a (len(y), len(x)) grid of categories (as drawn by :func:`label_mesh`); each
    4-connected region of one label with at least ``min_cells`` cells gets its name once, at the
    cell farthest from the region's edge, distances measured on screen with horizontal ones
    shrunk by ``text_aspect`` (text is wider than tall). ``text_colors`` maps a label to its text
    colour (default black), ``box_colors`` to a backing box colour (default: none), which keeps
    the name legible over lines and markers. Returns the labels that were written, so a caller
    can put the others in a legend.
    """
    from scipy import ndimage

    labels = np.asarray(labels)
    box = ax.get_position()                        # axes size in figure inches: cell aspect on screen
    w, h = box.width * ax.figure.get_figwidth(), box.height * ax.figure.get_figheight()
    sampling = (h / max(len(y), 1), w / max(len(x), 1) / text_aspect)
    written = set()
    for lab in names:
        mask = labels == lab
        if not mask.any():
            continue
        regions, n = ndimage.label(mask)
        depth = ndimage.distance_transform_edt(np.pad(mask, 1), sampling=sampling)[1:-1, 1:-1]
        for k in range(1, n + 1):
            inside = regions == k
            if inside.sum() < min_cells:
                continue
            j, i = np.unravel_index(np.argmax(np.where(inside, depth, -1.0)), mask.shape)
            color = (text_colors or {}).get(lab, "k")
            bbox = None
            if box_colors and lab in box_colors:
                bbox = dict(boxstyle="round,pad=0.2", fc=box_colors[lab], ec="none", alpha=0.85)
            ax.text(x[i], y[j], names[lab], ha="center", va="center", color=color, bbox=bbox, zorder=6,
                    **{"fontsize": 8.5, "fontweight": "bold", **text_kw})
            written.add(lab)
    return written

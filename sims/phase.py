"""``sims.phase_diagram``: the single entry point for phase diagrams of every theory."""

from __future__ import annotations

import dataclasses
import importlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from theory.catalog import DEFAULT_PHASE_SYSTEM as DEFAULT_SYSTEM
from theory.catalog import phase_systems, phase_theory
from theory.summary import compact_repr
from theory.validate import as_choice

__all__ = ["PhaseDiagram", "phase_diagram", "DEFAULT_SYSTEM", "phase_systems", "warm_kernels"]


@compact_repr
@dataclass(frozen=True)
class PhaseDiagram:
    """A computed phase diagram.

    Attributes
    ----------
    system : str
    x_name, y_name : str
        Axis names (the parameters varied).
    x : ndarray of shape (nx,)
    y : ndarray of shape (ny,)
    values : mapping name → ndarray of shape (ny, nx)
        Per-cell quantities (e.g. final kernel distance, time to learn).
    labels : ndarray of shape (ny, nx), dtype str
        Phase label of each cell.
    boundaries : mapping name → ndarray of shape (k, 2)
        Theoretical boundary curves as (x, y) points.
    simulated : mapping name → ndarray
        Simulated points overlaid on the diagram (coordinates and measured values).
    figure : matplotlib Figure or None
    params : mapping
        Everything needed to recompute the diagram.
    saved_to : pathlib.Path or None
        The file :func:`phase_diagram` wrote the figure to; None when nothing was saved.
    """

    system: str
    x_name: str
    x: np.ndarray
    y_name: str
    y: np.ndarray
    values: Mapping[str, np.ndarray]
    labels: np.ndarray
    boundaries: Mapping[str, np.ndarray] = field(default_factory=dict)
    simulated: Mapping[str, np.ndarray] = field(default_factory=dict)
    figure: Any = None
    params: Mapping[str, Any] = field(default_factory=dict)
    saved_to: Path | None = None

    def save(self, path: str | os.PathLike | None = None, *, outdir: str | os.PathLike = "figures") -> Path:
        """Save the figure atomically (default ``<outdir>/phase_<system>.png``); return the path.

        The result is frozen, so ``saved_to`` is not updated: :func:`phase_diagram` returns a copy
        that records it.

        Parameters
        ----------
        path : str or os.PathLike, optional
            Target file ending in ``.png``, ``.svg`` or ``.pdf`` (used as given, relative to the
            working directory); a path without a suffix gets ``.png``.
        outdir : str or os.PathLike, default "figures"
            Folder of the default file name, relative to the working directory; created if
            missing. Ignored when ``path`` is given.

        Returns
        -------
        pathlib.Path
            The written file.
        """
        from .figures import save_figure

        if self.figure is None:
            raise ValueError("this phase diagram was computed with plot=False; there is no figure to save")
        if path is not None and not isinstance(path, (str, os.PathLike)):
            raise ValueError(f"path must be a str or os.PathLike; got {type(path).__name__}")
        if not isinstance(outdir, (str, os.PathLike)):
            raise ValueError(f"outdir must be a str or os.PathLike; got {type(outdir).__name__}")
        path = Path(path) if path is not None else Path(outdir) / f"phase_{self.system}.png"
        if not path.suffix:
            path = path.with_suffix(".png")
        save_figure(self.figure, path)
        return path


def phase_diagram(system: str = DEFAULT_SYSTEM, *, plot: bool = True,
                  save: bool | str | os.PathLike | None = None, outdir: str | os.PathLike = "figures",
                  **kwargs) -> PhaseDiagram:
    """Compute the phase diagram of ``system`` and save its figure.

    ``sims.phase_diagram()`` with no arguments computes the SGD phase diagram of the two-layer
    model at the origin saddle (learning rate × label noise, exact exponents) and writes
    ``figures/phase_sgd_stability.png`` under the working directory (the folder is created if
    missing). Every system behaves the same way: the figure goes to
    ``<outdir>/phase_<system>.png`` unless ``save`` names a file or is False, and the path
    written is in the result's ``saved_to`` (None when nothing was saved).

    Parameters
    ----------
    system : str
        Which diagram: one of ``theory.catalog.phase_systems()``, each computed by
        ``sims.<theory>.<system>_phase_diagram`` (``theory.catalog.phase_theory(system)``). Keyword arguments are passed to that system's function, whose
        docstring lists them (e.g. ``sims.lazy_rich.lazy_rich_phase_diagram``).
    plot : bool, default True
        Draw the figure (``result.figure``).
    save : bool, path or None, default None
        True saves to ``<outdir>/phase_<system>.png``; a path (``.png``, ``.svg`` or ``.pdf``)
        saves there, as given; False saves nothing; None saves when ``plot`` is True.
    outdir : str or os.PathLike, default "figures"
        Folder for the default file name, relative to the working directory; created if missing.
    **kwargs
        Passed to ``sims.<system>.<system>_phase_diagram`` (axes, grid, method, ...).

    Returns
    -------
    PhaseDiagram
        With ``saved_to`` set to the file written, or None.

    Examples
    --------
    >>> import sims
    >>> result = sims.phase_diagram("lazy_rich", save=False, plot=False,
    ...                             x_values=[-1.0, 0.0, 1.0], y_values=[0.01, 1.0], simulate=None)
    >>> result.labels.shape, result.saved_to
    ((2, 3), None)
    """
    as_choice(system, "system", phase_systems())
    if not isinstance(plot, (bool, np.bool_)):
        raise ValueError(f"plot must be a bool; got {type(plot).__name__}")
    if save is not None and not isinstance(save, (bool, np.bool_, str, os.PathLike)):
        raise ValueError(f"save must be a bool, None, or a path; got {type(save).__name__}")
    if isinstance(save, np.bool_):
        save = bool(save)
    if not isinstance(outdir, (str, os.PathLike)):
        raise ValueError(f"outdir must be a str or os.PathLike; got {type(outdir).__name__}")
    compute = getattr(importlib.import_module(f"sims.{phase_theory(system)}"), f"{system}_phase_diagram")
    if save is None:
        save = plot
    result = compute(plot=plot or save is not False, **kwargs)
    if save is not False:
        written = result.save(None if save is True else save, outdir=outdir)
        result = dataclasses.replace(result, saved_to=written)
    return result


#: The smallest sweeps that call every compiled kernel a system's tasks use (one per method that
#: simulates); systems computed from closed forms or by solvers that need no compilation have none.
#: ``tests/sims/test_phase_outdir.py`` checks that every phase system is listed.
_WARM_UP: dict[str, tuple[dict, ...]] = {
    "sgd_stability": (dict(method="simulate", x_values=[0.1], y_values=[1.0], n_steps=10, n_chains=1),
                      dict(method="qr", x_values=[0.1], y_values=[1.0], n_samples=100)),
    "lazy_rich": (),          # closed forms; the overlay integrates with scipy's solve_ivp
    "ntp_separability": (),   # convex feasibility problems (cvxpy)
    "rf_risk": (),            # closed form
}


def warm_kernels() -> dict[str, float]:
    """Compile, in this process, the numba kernels that the phase-diagram sweeps run.

    A fresh worker compiles a kernel on its first call unless numba's on-disk cache already holds
    it; for the SGD simulation that takes seconds (docs/cluster.md#workers-and-numba-threads-and-compiled-kernels).
    Run this once per worker before a sweep, e.g. ``client.run(sims.warm_kernels)`` on a Dask
    cluster: each system's smallest sweep runs once, without a figure, and the compiled code lands
    in the cache (``NUMBA_CACHE_DIR``, or next to the source).

    Returns
    -------
    dict
        Seconds spent per system (0 for systems with nothing to compile).
    """
    import time

    seconds = {}
    for system in phase_systems():
        start = time.perf_counter()
        compute = getattr(importlib.import_module(f"sims.{phase_theory(system)}"), f"{system}_phase_diagram")
        for kwargs in _WARM_UP[system]:
            compute(plot=False, **kwargs)
        seconds[system] = time.perf_counter() - start
    return seconds

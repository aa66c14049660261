"""Frozen data behind the attention_svm figures (computed here, drawn by ``_plots``).

Settings: docs/attention_svm.md#gradient-descent, docs/attention_svm.md#the-single-sequence-case,
docs/attention_svm.md#regularisation-paths.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CorrelationRuns", "PathData", "SelectionPicture", "correlation_runs", "path_data", "selection_picture"]


@dataclass(frozen=True)
class CorrelationRuns:
    """GD, NGD (on W) and per-factor NGD on (K, Q) on one instance, with both SVMs."""

    runs: dict
    setting: dict


def correlation_runs(*, seed=0, steps=2000, n=4, T=5, d=8, lr_gd=0.5, lr_ngd=0.1, lr_kq=0.05,
                     polyak=1.0) -> CorrelationRuns:
    from theory.attention_svm import random_instance

    from ._train import gradient_descent, kq_gradient_descent, normalized_gradient_descent, polyak_gradient_descent

    data = random_instance(n, T, d, seed=seed)
    args = (data.X, data.z, data.y, data.v)
    runs = {"gd": gradient_descent(*args, lr_gd, steps), "ngd": normalized_gradient_descent(*args, lr_ngd, steps),
            "polyak": polyak_gradient_descent(*args, polyak, steps),
            "kq_ngd": kq_gradient_descent(*args, lr_kq, steps, seed=seed)}
    return CorrelationRuns(runs, dict(n=n, T=T, d=d, seed=seed, steps=steps, lr_gd=lr_gd, lr_ngd=lr_ngd, lr_kq=lr_kq,
                                      polyak=polyak))


@dataclass(frozen=True)
class SelectionPicture:
    """One 2-D sequence (n = 1): tokens, query, scores, the SVM direction u = W^mm z and an NGD run."""

    X: np.ndarray
    z: np.ndarray
    scores: np.ndarray
    selection: int
    u: np.ndarray
    W_mm: np.ndarray
    active: np.ndarray
    run: object


def selection_picture(*, seed=0, T=6, steps=400, lr=0.1) -> SelectionPicture:
    from theory.attention_svm import NotSeparableError, max_margin, random_instance

    from ._train import normalized_gradient_descent

    for s in range(seed, seed + 100):                 # the first draw whose optimal token is separable
        data = random_instance(1, T, 2, seed=s)
        try:
            W, cert = max_margin(data.X, data.z, data.optimal, "fro", return_certificate=True)
        except NotSeparableError:
            continue
        run = normalized_gradient_descent(data.X, data.z, data.y, data.v, lr, steps)
        return SelectionPicture(data.X[0], data.z[0], data.scores[0], int(data.optimal[0]), W @ data.z[0], W,
                                cert.active[0], run)
    raise RuntimeError("no separable 2-D draw among 100 seeds")


@dataclass(frozen=True)
class PathData:
    """Frobenius and nuclear regularisation paths of one instance, with both SVMs of the reached selection."""

    radii: np.ndarray
    paths: dict
    W_fro: np.ndarray
    W_nuc: np.ndarray
    setting: dict


def path_data(*, seed=0, n=4, T=5, d=8, radii=(1.0, 2.0, 5.0, 10.0, 20.0), steps=1500) -> PathData:
    from theory.attention_svm import max_margin, random_instance, regularization_path

    data = random_instance(n, T, d, seed=seed)
    paths = {norm: regularization_path(data.X, data.z, data.y, data.v, radii, norm, steps=steps, tol=1e-6)
             for norm in ("fro", "nuc")}
    sel = paths["nuc"].selection[-1]
    return PathData(np.asarray(radii, dtype=float), paths, max_margin(data.X, data.z, sel, "fro"),
                    max_margin(data.X, data.z, sel, "nuc"), dict(n=n, T=T, d=d, seed=seed, steps=steps))

r"""Data-side estimators: $\hat\kappa$, the GCV risk, empirical spectra (docs/rf_risk.md#data-side-estimators).

With $\hat K$ the $n\times n$ Gram matrix of the normalised kernel (or of the random features),
$\mathrm{Tr}[\hat K(\hat K + \delta)^{-1}] \approx z$ and the first fixed-point equation
$n = z + \delta/\kappa$ give $\hat\kappa = 1/\mathrm{Tr}[(\hat K + \delta I)^{-1}]$; and since
$E_{tr} = (\delta/(n\kappa))^2E_{te}$, the test risk is estimated from training data alone by
$\hat E_{te} = E_{tr}(n\hat\kappa/\delta)^2 = n\lVert(\hat K + \delta)^{-1}y\rVert^2/(\mathrm{Tr}(\hat K + \delta)^{-1})^2$.
All from one symmetric eigendecomposition (float64 LAPACK ``eigh``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..summary import compact_repr
from ..validate import MAX_ENTRIES, as_finite_array, check_work, format_value

__all__ = ["EmpiricalSpectrum", "empirical_spectrum", "gcv_risk", "kappa_from_kernel"]


def _gram(K) -> np.ndarray:
    A = as_finite_array(K, "K", ndim=2)
    if A.shape[0] != A.shape[1] or A.shape[0] == 0:
        raise ValueError(f"K must be a non-empty square matrix; got shape {A.shape}")
    check_work(A.size, "K entries", maximum=MAX_ENTRIES, why="the matrix would not fit in memory")
    if not np.allclose(A, A.T, rtol=1e-10, atol=1e-12 * max(float(np.abs(A).max()), 1e-300)):
        raise ValueError("K must be symmetric")
    return 0.5 * (A + A.T)


def _eig(K):
    mu, U = np.linalg.eigh(K)
    return mu, U


def _ridges(ridge, mu) -> np.ndarray:
    d = as_finite_array(ridge, "ridge", ndim=(0, 1))
    if np.any(d + mu.min() <= 0):
        raise ValueError(f"ridge must make K + ridge I positive definite (ridge > {format_value(-mu.min())})")
    return d


def kappa_from_kernel(K, ridge) -> np.ndarray | float:
    r"""$\hat\kappa = 1/\mathrm{Tr}[(\hat K + \delta I)^{-1}]$, the data-side estimate of $\kappa$.

    Parameters
    ----------
    K : array_like
        Symmetric $n\times n$ Gram matrix of the normalised kernel (or features).
    ridge : float or array_like
        $\delta$ (one or several); $\hat K + \delta I$ must be positive definite.

    Returns
    -------
    float or numpy.ndarray
        $\hat\kappa$ for each ridge.
    """
    mu, _ = _eig(_gram(K))
    d = _ridges(ridge, mu)
    out = 1.0 / np.sum(1.0 / (mu[None, :] + np.atleast_1d(d)[:, None]), axis=1)
    return float(out[0]) if d.ndim == 0 else out


def gcv_risk(K, y, ridge) -> np.ndarray | float:
    r"""Test-set-free estimate $\hat E_{te} = n\lVert(\hat K+\delta)^{-1}y\rVert^2/(\mathrm{Tr}(\hat K+\delta)^{-1})^2$.

    Parameters
    ----------
    K : array_like
        Symmetric $n\times n$ Gram matrix.
    y : array_like
        Labels, shape ``(n,)`` or ``(n, outputs)`` (outputs summed).
    ridge : float or array_like
        $\delta > 0$ (one or several).

    Returns
    -------
    float or numpy.ndarray
        $\hat E_{te}$ (including the label noise) for each ridge.
    """
    A = _gram(K)
    Y = as_finite_array(y, "y", ndim=(1, 2))
    if Y.shape[0] != A.shape[0]:
        raise ValueError(f"y must have {A.shape[0]} rows (one per sample); got {Y.shape[0]}")
    Y = Y.reshape(A.shape[0], -1)
    mu, U = _eig(A)
    d = _ridges(ridge, mu)
    dd = np.atleast_1d(d)
    if np.any(dd <= 0):
        raise ValueError("ridge must be > 0 for the GCV estimate (it divides by the ridge)")
    c2 = np.sum((U.T @ Y) ** 2, axis=1)                         # squared coefficients of y in K's eigenbasis
    inv = 1.0 / (mu[None, :] + dd[:, None])
    inv = inv / inv.max(axis=1, keepdims=True)                 # scale-free ratio: no under/overflow
    out = A.shape[0] * np.sum(inv**2 * c2[None, :], axis=1) / np.sum(inv, axis=1) ** 2
    return float(out[0]) if d.ndim == 0 else out


@compact_repr
@dataclass(frozen=True)
class EmpiricalSpectrum:
    r"""Eigenvalues and target powers of a Gram matrix, $\hat\lambda_i = \mu_i/n$, $\hat v_i^2 = (u_i^\top y)^2/n$.

    Attributes
    ----------
    eigenvalues : numpy.ndarray
        $\hat\lambda_i$, descending.
    target_power : numpy.ndarray
        $\hat v_i^2$ (summed over outputs), in the same order.
    """

    eigenvalues: np.ndarray
    target_power: np.ndarray


def empirical_spectrum(K, y) -> EmpiricalSpectrum:
    r"""The empirical eigensystem of an $n$-sample Gram matrix, the theory's input from data.

    Parameters
    ----------
    K : array_like
        Symmetric $n\times n$ Gram matrix of the (unnormalised-by-$n$) kernel, $K_{\mu\nu} = K(x_\mu, x_\nu)$.
    y : array_like
        Labels, shape ``(n,)`` or ``(n, outputs)``.

    Returns
    -------
    EmpiricalSpectrum
        $\hat\lambda_i = \mu_i/n$ and $\hat v_i^2 = \sum_{outputs}(u_i^\top y)^2/n$, eigenvalues descending.
    """
    A = _gram(K)
    Y = as_finite_array(y, "y", ndim=(1, 2))
    if Y.shape[0] != A.shape[0]:
        raise ValueError(f"y must have {A.shape[0]} rows (one per sample); got {Y.shape[0]}")
    Y = Y.reshape(A.shape[0], -1)
    n = A.shape[0]
    mu, U = _eig(A)
    order = np.argsort(mu)[::-1]
    return EmpiricalSpectrum(eigenvalues=mu[order] / n,
                             target_power=np.sum((U[:, order].T @ Y) ** 2, axis=1) / n)


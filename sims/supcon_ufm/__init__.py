"""Simulations of the supervised-contrastive UFM (Behnia & Thrampoulidis 2024): Riemannian gradient
descent on products of spheres (numba kernel + NumPy oracle), L-BFGS on spheres (SciPy), figure data
and plots.
"""
from ._lbfgs import LBFGSRun as LBFGSRun
from ._lbfgs import lbfgs_spheres as lbfgs_spheres
from ._train import SCRun as SCRun
from ._train import default_checkpoints as default_checkpoints
from ._train import random_features as random_features
from ._train import riemannian_gd as riemannian_gd
from ._train import riemannian_gd_reference as riemannian_gd_reference

__all__ = ["LBFGSRun", "SCRun", "default_checkpoints", "lbfgs_spheres", "random_features", "riemannian_gd",
           "riemannian_gd_reference"]

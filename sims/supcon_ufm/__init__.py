"""Simulations of the supervised-contrastive UFM (Behnia & Thrampoulidis 2024): Riemannian gradient
descent on products of spheres (numba kernel + NumPy oracle), figure data and plots.
"""
from ._train import SCRun as SCRun
from ._train import default_checkpoints as default_checkpoints
from ._train import random_features as random_features
from ._train import riemannian_gd as riemannian_gd
from ._train import riemannian_gd_reference as riemannian_gd_reference

__all__ = ["SCRun", "default_checkpoints", "random_features", "riemannian_gd", "riemannian_gd_reference"]

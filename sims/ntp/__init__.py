"""Simulations of next-token-prediction training in linear models (Thrampoulidis 2024).

GD, normalised GD, momentum, Adam and SGD over contexts on the linear NTP model (numba kernels,
imported on first use so ``import sims`` stays numpy/scipy only); separable logistic-regression
GD (Soudry et al. 2018); the Monte-Carlo phase diagram of NTP-separability.
"""

__all__: list[str] = []

"""Simulations of random-feature and kernel ridge regression (Simon et al. 2023).

Monte Carlo in the Gaussian model (exact test error, no test set), ReLU random features,
gradient descent on linear regression (Advani et al. 2017), the (n, k) risk phase diagram.
"""

__all__: list[str] = []

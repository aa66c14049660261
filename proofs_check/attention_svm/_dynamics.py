"""Gradient descent on attention (filled in with the simulations)."""

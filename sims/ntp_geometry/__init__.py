"""Simulations of the NTP unconstrained-features model (Zhao et al. 2024): the factorised model trained by
L-BFGS, and the figures of docs/ntp_geometry.md.
"""

from ._factorized import FactorizedUFMRun as FactorizedUFMRun
from ._factorized import train_factorized_ufm as train_factorized_ufm

__all__ = ["FactorizedUFMRun", "train_factorized_ufm"]

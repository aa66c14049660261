"""Small result records shared by the lazy/rich theory and its simulations."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..summary import compact_repr


@compact_repr
@dataclass(frozen=True)
class Crossing:
    r"""The readout weight a(t) passing through zero during gradient flow.

    Only possible for δ < 0 (docs/lazy_rich.md#the-model-and-its-conserved-quantity). At the crossing $\eta_a\|w\|^2 = -\delta$ and β = a·w = 0.

    Attributes
    ----------
    t : float
        Crossing time (original time, not the unit-rate time).
    sign_before : int
        Sign of a(t) just before the crossing (+1 or -1).
    w : ndarray of shape (d,)
        First-layer weights at the crossing (original parametrisation).
    """

    t: float
    sign_before: int
    w: np.ndarray

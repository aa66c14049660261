"""Implicit bias of next-token prediction in linear models (Thrampoulidis 2024, arXiv 2402.18551).

A linear decoder W (V × d) trained with cross-entropy on contexts h̄_j (columns of H, d × m)
with next-token distributions p̂_j (columns of P, V × m) and frequencies π̂_j: the loss, its
entropy lower bound, the two conditions (compatibility, separability), the finite component W⋆
on the subspace F, and the NTP-SVM direction W^mm from the certified max-margin engine; the
separable logistic-regression base case (Soudry et al. 2018) specialises the same engine.
Derivations: docs/ntp.md.
"""

__all__: list[str] = []

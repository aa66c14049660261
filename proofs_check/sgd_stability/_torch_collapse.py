"""Torch-bridge claim of the SGD-stability theory: the identical-neuron set is invariant (Chen et al. 2023).

The theorem (Chen et al. 2023, Sec. 3, permutation-invariant sets): if two neurons of a network
have equal incoming and outgoing weights, every per-sample gradient gives them equal updates, so
SGD with any batches, label noise and momentum keeps them equal. Simulation side:
``sims.sgd_stability.gelu_collapse_torch`` started on the set. The trend of collapse onto the set
against learning rate and noise has no theorem behind it in this package and is a figure, not a
claim (docs/sgd_stability.md#at-scale-torch-bridge).
"""

from __future__ import annotations

import numpy as np

from .._claim import Comparison, Nontrivial, Perturbation, cite, claim


@claim("sgd_stability.torch_gelu_collapse",
       source=f"{cite('chen2023', 'Sec. 3, permutation-invariant sets')}; docs/sgd_stability.md#at-scale-torch-bridge",
       statement="Two GELU neurons started equal (w₂ = w₁, a₂ = a₁) stay exactly equal under label-noise momentum "
                 "SGD on the torch bridge, full batch and minibatch, at learning rates and noise levels where a "
                 "start with w₂ = (1 + 1e-6)w₁ has runs that end O(1) off that line (the wrong prediction's run), so "
                 "equality is invariance, not attraction.",
       tolerance_reason="Tolerance 0 on max ‖θ₂ − cθ₁‖² over runs at the end, c the predicted invariant ratio (1): "
                        "the two neurons go through the same elementwise floating-point operations (first layer "
                        "summed input by input, readout a₁h₁ + a₂h₂ shared), so IEEE arithmetic keeps them "
                        "bit-identical. The wrong prediction c = 1 + 1e-6 is a set that is not invariant.",
       seeds=range(5), seeds_reason="data, starts, batches and label noise are drawn from the seed; the result is "
                                    "exact (tolerance 0), so every seed 0-4 must give exactly 0",
       wrong=Perturbation(relative=1e-6),
       setting=dict(lrs=(0.01, 0.04), noises=(0.0, 3.0), batch_sizes=(None, 8), n_seeds=4, n_steps=1500,
                    n_samples=32, momentum=0.9, min_change=0.5),
       requires=("torch",))
def _torch_gelu_invariance(setting, seed, perturb):
    from sims.sgd_stability import gelu_collapse_torch

    ratio = float(perturb(1.0))
    worst, changes, per_batch = 0.0, [], {}
    for bs in setting["batch_sizes"]:
        r = gelu_collapse_torch(lrs=setting["lrs"], noises=setting["noises"], n_seeds=int(setting["n_seeds"]),
                                n_steps=int(setting["n_steps"]), n_samples=int(setting["n_samples"]), batch_size=bs,
                                momentum=float(setting["momentum"]), start_ratio=ratio, seed=seed, device="cpu")
        if r.diverged.any():
            raise RuntimeError(f"{int(r.diverged.sum())} runs diverged in a setting chosen not to diverge")
        th0, th = r.start_params, r.final_params
        off = ((th[..., 1, :] - ratio * th[..., 0, :]) ** 2).sum(-1)
        per_batch[str(bs)] = float(off.max())
        worst = max(worst, float(off.max()))
        changes.append(np.linalg.norm(th - th0, axis=(-1, -2)) / np.linalg.norm(th0, axis=(-1, -2)))
    change = float(np.median(np.concatenate([c.ravel() for c in changes])))
    return Comparison(prediction=0.0, observed=worst, error=worst, tolerance=0.0, unit="absolute",
                      label="max over runs of ‖θ₂ − cθ₁‖² at the end (0 on an invariant set)",
                      nontrivial=Nontrivial("median relative change ‖θ_T − θ_0‖/‖θ_0‖ of the parameters",
                                            change, float(setting["min_change"])),
                      details={"per_batch_size": per_batch, "ratio": ratio})

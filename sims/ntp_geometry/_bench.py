"""Benchmarks of the ntp_geometry theory (registered in :mod:`sims.bench`).

* ``ntp_geometry.solves``: the certified solves at the sizes of the figures and claims (V = 6,
  m = 8): the nuclear logit SVM ``theory.ntp_geometry.logit_max_margin`` on the duplicated-support
  pattern (CVXPY + Clarabel, SDP cone), the regularised UFM logits ``ufm_logits`` at λ = 1e-2 and
  1e-5 (Clarabel, then the proximal-gradient polish, which dominates at small λ), and the factorised
  L-BFGS trainer at λ = 1e-2. Best of 3 calls each; target: every solve under one second.
"""

from __future__ import annotations

import numpy as np

from ..bench import Metric, register_benchmark, timed


@register_benchmark("ntp_geometry.solves", "ntp_geometry",
                    "certified logit-SVM and UFM solves at the figure sizes (V = 6, m = 8): seconds each")
def _solves(quick: bool):
    from theory.ntp_geometry import duplicated_support_instance, logit_max_margin, ufm_logits

    from ._factorized import train_factorized_ufm
    from ._figure_data import duplicated_instance

    repeat = 1 if quick else 3
    S = duplicated_support_instance()
    P, pi, _ = duplicated_instance(0)
    (L, cert), t_svm = timed(logit_max_margin, S, return_certificate=True, repeat=repeat)
    rows = [f"logit SVM (nuclear): {t_svm:.3f} s, relative gap {cert.duality_gap:.2e}, rank "
            f"{int(np.sum(np.linalg.svd(L, compute_uv=False) > 1e-3 * np.abs(L).max()))}"]
    metrics = [Metric("nuclear logit SVM", t_svm, unit="s", target=1.0, higher_is_better=False)]
    for lam in (1e-2, 1e-5):
        sol, t = timed(ufm_logits, P, pi, lam, repeat=repeat)
        rows.append(f"UFM logits, λ = {lam:g}: {t:.3f} s, gap {sol.gap:.1e} nats, {sol.polish_iterations} polish steps")
        metrics.append(Metric(f"UFM logits λ = {lam:g}", t, unit="s", target=1.0, higher_is_better=False))
    run, t = timed(train_factorized_ufm, P, pi, 1e-2, 8, repeat=repeat)
    rows.append(f"factorised L-BFGS, λ = 0.01: {t:.3f} s, {run.iterations} iterations, gradient {run.grad_norm:.1e}")
    metrics.append(Metric("factorised L-BFGS", t, unit="s", target=1.0, higher_is_better=False))
    return rows, metrics

"""rf_risk claims: the eigenframework against Monte Carlo.

Theory side: ``theory.rf_risk.risk`` (the RF eigenframework of Simon et al. 2023; its k = ∞ case
is eigenlearning, Simon et al. 2021). Simulation side: ``sims.rf_risk.monte_carlo_risk`` (the
Gaussian model with exact test error) and ``sims.rf_risk.relu_features_risk`` (real ReLU
features). Comparisons are in standard errors, |MC − theory| ≤ k·SE with k fixed in the
setting, over at least 1,000 trials, and hold for every seed in the claim's ``seeds``. Settings
stay away from n = k, where the theory's O(1/n) finite-size bias and the heavy tails of the
per-trial errors are largest (docs/rf_risk.md#monte-carlo).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from .._claim import Check, Comparison, Nontrivial, Perturbation, cite, claim, worst_of

MC_SEEDS = ("the trials are drawn from the seed; at 4 standard errors the false-alarm rate per comparison is "
            "< 1e-4 (normal) and stays < 1e-3 for the skewed per-trial errors (the mean of 1,000 trials is "
            "close to normal), so < 1% over the comparisons of one seed; each of the seeds 0-4 is checked")

_MODEL = ("Gaussian model x ~ N(0, I_M), F = XΛ^{1/2}Zᵀ, exact test error ‖ŵ − v‖² + σ²; "
          "λ_i = v_i² = i^-1.5")


def _spectrum(M: int, alpha: float):
    lam = np.arange(1, M + 1, dtype=float) ** -alpha
    return lam, lam.copy()


# Cases shared by the claims (n, k or None for k = ∞, ridges, trials); the Monte-Carlo runs are
# cached, so the train/test relation and the wrong-prediction checks reuse the same draws.
RF_CASES = ((100, 400, (0.0, 1e-2, 1e-1, 1.0), 1000), (400, 100, (0.0, 1e-2, 1e-1), 1000))
KRR_CASES = ((150, None, (0.0, 1e-3, 1e-1, 1.0), 2000),)
_GAUSSIAN = dict(M=600, alpha=1.5, noise=0.1)


def _case_seed(seed: int, case: int) -> int:
    return seed + 7919 * case


@functools.lru_cache(maxsize=32)
def _gaussian_mc(M, alpha, n, k, ridges, noise, trials, seed):
    from sims.rf_risk import monte_carlo_risk

    lam, v2 = _spectrum(M, alpha)
    return monte_carlo_risk(lam, v2, n, math.inf if k is None else k, np.array(ridges), noise=noise, trials=trials,
                            seed=seed)


@functools.lru_cache(maxsize=16)
def _relu_mc(n, k, ridges, d, pool_size, noise, trials, seed, inputs):
    from sims.rf_risk import relu_features_risk

    return relu_features_risk(n, math.inf if k is None else k, np.array(ridges), d=d, pool_size=pool_size,
                              noise=noise, trials=trials, seed=seed, inputs=inputs)


def _z(observed, predicted, se):
    """|observed − predicted| / se, elementwise; NaN (fails) where se is not positive."""
    se = np.asarray(se, dtype=float)
    return np.abs(np.asarray(observed) - np.asarray(predicted)) / np.where(se > 0, se, np.nan)


def _theory(lam, v2, n, k, ridges, noise, perturb):
    from theory.rf_risk import risk

    out = [risk(lam, v2, n, k, float(r), noise) for r in ridges]
    test = np.array([perturb(float(o.test_mse)) for o in out])
    train = np.array([perturb(float(o.train_mse)) for o in out])
    z = np.array([float(o.z) for o in out])
    return test, train, z


# --------------------------------------------------------------------------------------------
# random features (finite k) and kernel ridge regression (k = ∞)


def _test_and_train(setting, seed, perturb, cases):
    M, alpha, noise = int(setting["M"]), float(setting["alpha"]), float(setting["noise"])
    lam, v2 = _spectrum(M, alpha)
    k_se = float(setting["k_se"])
    rows, worst_test, worst_train, interp, preds = [], 0.0, 0.0, 0.0, []
    at = None
    for ci, (n, k, ridges, trials) in enumerate(cases):
        mc = _gaussian_mc(M, alpha, n, k, tuple(ridges), noise, trials, _case_seed(seed, ci))
        k = math.inf if k is None else k
        ridges = np.asarray(ridges, dtype=float)
        test, train, _ = _theory(lam, v2, n, k, ridges, noise, perturb)
        zt = _z(mc.test_mse, test, mc.test_se)
        # ridgeless with n < min(k, M): both sides are 0 (interpolation); compared absolutely below
        zero = (ridges == 0) & (n < min(k, lam.size))
        ztr = np.where(zero, 0.0, _z(mc.train_mse, train, np.where(zero, 1.0, mc.train_se)))
        if zero.any():
            interp = worst_of(interp, float(np.max(mc.train_mse[zero])))
        worst_test, worst_train = worst_of(worst_test, *zt), worst_of(worst_train, *ztr)
        preds.extend((test / mc.test_se).tolist())
        for j, r in enumerate(ridges):
            row = dict(n=n, k=k, ridge=float(r), trials=trials, theory_test=float(test[j]),
                       mc_test=float(mc.test_mse[j]), se_test=float(mc.test_se[j]), z_test=float(zt[j]),
                       theory_train=float(train[j]), mc_train=float(mc.train_mse[j]), se_train=float(mc.train_se[j]),
                       z_train=float(ztr[j]))
            rows.append(row)
            if at is None or row["z_test"] > at["z_test"]:
                at = row
    checks = [Check("test: max |MC − theory| / SE", worst_test, k_se, "standard errors"),
              Check("train: max |MC − theory| / SE", worst_train, k_se, "standard errors")]
    if any(r["ridge"] == 0 and r["n"] < min(r["k"], lam.size) for r in rows):
        # min-norm interpolation: train error 0 up to rounding of (1/n)‖y − Fb‖², ~ (κ(F) ε ‖y‖)² ≪ 1e-16
        checks.append(Check("ridgeless n < k: MC train error (interpolation)", interp, 1e-16, "absolute"))
    spread = (max(preds) - min(preds)) if preds else 0.0
    return Comparison(prediction=at["theory_test"], observed=at["mc_test"], checks=tuple(checks),
                      label=f"test MSE at the worst case (n = {at['n']}, k = {at['k']}, δ = {at['ridge']:g}): "
                            "theory / Monte-Carlo mean",
                      nontrivial=Nontrivial("spread of the predicted test MSEs across cases, in standard errors "
                                            "(a wrong constant prediction cannot pass)", spread, 20.0),
                      details={"cases": rows, "model": _MODEL, "M": lam.size, "noise": noise})


@claim("rf_risk.theory_vs_monte_carlo",
       source=f"{cite('simon2023', 'the RF eigenframework (test and train risk)')}; docs/rf_risk.md#the-risk-formulas; "
              "docs/rf_risk.md#monte-carlo",
       statement="The random-feature eigenframework's test and train MSE (label noise included) equal the "
                 "Monte-Carlo means of ridge regression on k Gaussian random features within 4 standard errors, "
                 "over- (n < k) and under-parameterised (n > k), at ridge 0 (min-norm) and δ > 0.",
       tolerance_reason="k = 4 standard errors of the mean of 1,000 trials; n = 100 and 400 against k = 400 and 100 "
                        "keep n/k = 1/4 or 4, away from the n = k peak where the theory's O(1/n) bias and the "
                        "heavy-tailed per-trial errors are largest (measured on seeds 0-4: max 2.1 SE on test, "
                        "2.9 SE on train). Ridgeless "
                        "n < k interpolates: MC train ≤ 1e-16 absolute (rounding).",
       seeds=range(5), seeds_reason=MC_SEEDS, wrong=Perturbation(relative=0.03), slow=True,
       setting=dict(**_GAUSSIAN, k_se=4.0, cases=RF_CASES))
def _theory_vs_monte_carlo(setting, seed, perturb):
    return _test_and_train(setting, seed, perturb, setting["cases"])


@claim("rf_risk.krr_vs_monte_carlo",
       source=f"{cite('simon2021', 'eigenlearning test and train MSE')}; {cite('simon2023', 'the k → ∞ limit')}; "
              "docs/rf_risk.md#the-kernel-limit; docs/rf_risk.md#monte-carlo",
       statement="At k = ∞ (kernel ridge regression) the theory's test and train MSE equal the Monte-Carlo means "
                 "of kernel ridge regression in the Gaussian model within 4 standard errors, ridgeless included.",
       tolerance_reason="k = 4 standard errors of the mean of 2,000 trials at n = 150 (M = 600): the theory's "
                        "finite-n bias is O(1/n) relative (≈ 0.4% at n = 60, 0.2% at n = 120 measured), below "
                        "2.5 SE here (measured max over seeds 0-4: 2.5 SE test, 2.3 SE train). Ridgeless n < M "
                        "interpolates: MC train ≤ 1e-16 absolute (rounding).",
       seeds=range(5), seeds_reason=MC_SEEDS, wrong=Perturbation(relative=0.03), slow=True,
       setting=dict(**_GAUSSIAN, k_se=4.0, cases=KRR_CASES))
def _krr_vs_monte_carlo(setting, seed, perturb):
    return _test_and_train(setting, seed, perturb, setting["cases"])


# --------------------------------------------------------------------------------------------
# train = (1 − z/n)² test


def _ratio_and_se(train: np.ndarray, test: np.ndarray) -> tuple[float, float]:
    """r = mean(train)/mean(test) and its delta-method standard error from paired trials."""
    r = float(train.mean() / test.mean())
    resid = train - r * test
    return r, float(resid.std(ddof=1) / (math.sqrt(train.size) * test.mean()))


@claim("rf_risk.train_test_relation",
       source=f"{cite('simon2023', 'fitting ratio E_tr/E_te')}; docs/rf_risk.md#the-risk-formulas",
       statement="Train MSE = (1 − z/n)² · test MSE, z = Σ_i L_i from the fixed point: the Monte-Carlo ratio of "
                 "mean train to mean test error matches (1 − z/n)² within 4 standard errors, for random features "
                 "on both sides of n = k and for kernel ridge regression.",
       tolerance_reason="k = 4 delta-method standard errors of the ratio of means (paired trials: the draws of "
                        "rf_risk.theory_vs_monte_carlo, 1,000 per case, and rf_risk.krr_vs_monte_carlo, 2,000); "
                        "every δ > 0 of their cases (n/k = 1/4 or 4, and k = ∞ at n = 150), away from n = k. The "
                        "over-parameterised case n = 100, k = 400 carries the theory's O(1/n) bias: the MC ratio "
                        "is ≈ 1% above (1 − z/n)², 2-3 SE (measured max over seeds 0-4: 2.9 SE).",
       seeds=range(5), seeds_reason=MC_SEEDS, wrong=Perturbation(relative=0.05), slow=True,
       setting=dict(**_GAUSSIAN, k_se=4.0, cases=RF_CASES + KRR_CASES))
def _train_test_relation(setting, seed, perturb):
    # the draws of rf_risk.theory_vs_monte_carlo and rf_risk.krr_vs_monte_carlo (same cases, same seeds)
    M, alpha, noise = int(setting["M"]), float(setting["alpha"]), float(setting["noise"])
    lam, v2 = _spectrum(M, alpha)
    k_se = float(setting["k_se"])
    rows, worst, at, ratios = [], 0.0, None, []
    for family in (RF_CASES, KRR_CASES):
        for ci, (n, k, ridges, trials) in enumerate(family):
            mc = _gaussian_mc(M, alpha, n, k, tuple(ridges), noise, trials, _case_seed(seed, ci))
            k = math.inf if k is None else k
            ridges = np.asarray(ridges, dtype=float)
            _, _, z = _theory(lam, v2, n, k, ridges, noise, lambda x: x)
            for j, r in enumerate(ridges):
                if r == 0:      # the relation is claimed for δ > 0 (at δ = 0 and n < k both sides are 0)
                    continue
                predicted = perturb(float((1.0 - z[j] / n) ** 2))
                ratio, se = _ratio_and_se(mc.train_samples[:, j], mc.test_samples[:, j])
                zscore = abs(ratio - predicted) / se if se > 0 else math.nan
                worst = worst_of(worst, zscore)
                ratios.append(predicted)
                row = dict(n=n, k=k, ridge=float(r), trials=trials, z=float(z[j]), predicted_ratio=predicted,
                           mc_ratio=ratio, se=se, z_score=zscore)
                rows.append(row)
                if at is None or not zscore <= at["z_score"]:
                    at = row
    return Comparison(prediction=at["predicted_ratio"], observed=at["mc_ratio"],
                      error=worst, tolerance=k_se, unit="standard errors",
                      label=f"train/test ratio at the worst case (n = {at['n']}, k = {at['k']}, δ = {at['ridge']:g}): "
                            "(1 − z/n)² / MC mean train ÷ mean test",
                      nontrivial=Nontrivial("max − min of the predicted ratios (1 − z/n)² across cases",
                                            max(ratios) - min(ratios), 0.3),
                      details={"cases": rows, "model": _MODEL, "M": lam.size})


# --------------------------------------------------------------------------------------------
# Gaussian universality with real ReLU features


@claim("rf_risk.relu_universality",
       source=f"{cite('simon2023', 'Assumption A (Gaussian universality)')}; docs/rf_risk.md#monte-carlo",
       statement="Ridge regression on real ReLU random features of inputs uniform on the unit sphere of R^8 has the "
                 "test MSE the eigenframework predicts from the arc-cosine kernel's spectrum and target powers "
                 "(eigen-decomposed on a pool of 2,000 inputs), within 4 standard errors plus a relative "
                 "tolerance for finite-pool and non-Gaussian effects.",
       tolerance_reason="(|MC − theory| − 4 SE)₊ / theory ≤ rel_tol = 10%. 4 SE (1,000 trials) covers sampling; "
                        "rel_tol bounds what the Gaussian model leaves out, and is the size of universality "
                        "violation this claim accepts (stated, not fitted): feature projections and eigenfunction "
                        "values that are not Gaussian, and the Nyström error of the spectrum estimated on a pool "
                        "of 2,000 inputs (measured: the deviation falls from ≈ 8% at a pool of 500 to 2-5% at "
                        "3,000). The measured deviation per case is in details (relative_deviation, z). "
                        "On Gaussian inputs N(0, I_8/8), whose norms fluctuate (sd of ‖x‖² = 0.5), the same "
                        "comparison is off by 13-20%: universality needs concentrated norms, so the claim uses "
                        "the sphere.",
       seeds=range(5), seeds_reason=MC_SEEDS, wrong=Perturbation(relative=0.3), slow=True,
       setting=dict(d=8, pool_size=2000, noise=0.1, trials=1000, k_se=4.0, rel_tol=0.10,
                    inputs="sphere", cases=((100, 300, (1e-3, 1e-2, 1e-1)), (300, 100, (1e-3, 1e-2, 1e-1)),
                           (100, None, (1e-3, 1e-1)))))
def _relu_universality(setting, seed, perturb):
    noise, trials, k_se, rel_tol = (float(setting["noise"]), int(setting["trials"]), float(setting["k_se"]),
                                    float(setting["rel_tol"]))
    rows, worst, at, worst_rel, preds = [], 0.0, None, 0.0, []
    for n, k, ridges in setting["cases"]:
        out = _relu_mc(n, k, tuple(ridges), int(setting["d"]), int(setting["pool_size"]), noise, trials, seed,
                       setting["inputs"])
        k = math.inf if k is None else k
        ridges = np.asarray(ridges, dtype=float)
        mc = out.monte_carlo
        test, _, _ = _theory(out.eigenvalues, out.target_power, n, k, ridges, noise, perturb)
        for j, r in enumerate(ridges):
            diff = abs(float(mc.test_mse[j]) - float(test[j]))
            beyond = max(diff - k_se * float(mc.test_se[j]), 0.0) / float(test[j])   # beyond sampling, relative
            worst, worst_rel = worst_of(worst, beyond), worst_of(worst_rel, diff / float(test[j]))
            preds.append(float(test[j]))
            row = dict(n=n, k=k, ridge=float(r), theory_test=float(test[j]), mc_test=float(mc.test_mse[j]),
                       se_test=float(mc.test_se[j]), relative_deviation=diff / float(test[j]),
                       z=diff / float(mc.test_se[j]), beyond_sampling=beyond)
            rows.append(row)
            if at is None or not beyond <= at["beyond_sampling"]:
                at = row
    return Comparison(prediction=at["theory_test"], observed=at["mc_test"],
                      error=worst, tolerance=rel_tol, unit="relative",
                      label=f"test MSE at the worst case (n = {at['n']}, k = {at['k']}, δ = {at['ridge']:g}): "
                            "theory on the arc-cosine spectrum / ReLU Monte Carlo; error = max(|MC − theory| − "
                            "k_se·SE, 0) / theory",
                      nontrivial=Nontrivial("relative spread (max/min − 1) of the predicted test MSEs",
                                            max(preds) / min(preds) - 1.0, 3 * rel_tol),
                      details={"cases": rows, "trials": trials, "max_relative_deviation": worst_rel,
                               "d": int(setting["d"]), "pool_size": int(setting["pool_size"])})

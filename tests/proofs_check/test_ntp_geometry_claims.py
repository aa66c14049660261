"""NTP-geometry claims beyond what tests/test_claims.py checks for every claim.

tests/test_claims.py runs each claim over its declared seeds and checks that its declared wrong
prediction fails. Here: the claim names cited by figures and docs exist, settings that would make a
claim meaningless are reported as vacuous, and wrong predictions fail on every declared seed.
"""

from proofs_check import Perturbation, get_claim, registry

EXPECTED = {
    "ntp_geometry.nuclear_below_centered_support",
    "ntp_geometry.rank_counterexample",
    "ntp_geometry.ln_lambda_law",
    "ntp_geometry.subspace_collapse",
    "ntp_geometry.factorized_reaches_convex",
}


def test_the_claims_cited_elsewhere_exist():
    assert set(registry("ntp_geometry")) == EXPECTED


def test_a_narrow_lambda_range_is_vacuous():
    # from 1e-2 to 3e-3 c(λ) grows by about ln(10/3) ≈ 1.2 < 5: the slope would say little, and the report says so
    report = get_claim("ntp_geometry.ln_lambda_law").check(setting=dict(lambdas=(1e-2, 5e-3, 3e-3)))
    assert not report.nontrivial.holds and not report.passed


def test_a_slope_other_than_one_fails_on_every_seed():
    c = get_claim("ntp_geometry.ln_lambda_law")
    for seed in c.seeds:
        # slopes 0.9 and 1.1: the measured slopes are within 0.024 of 1 and the tolerance is 0.05
        assert not c.check(seed=seed, perturb=Perturbation(relative=0.1)).passed
        assert not c.check(seed=seed, perturb=Perturbation(relative=-0.1)).passed


def test_rank_equality_would_be_caught():
    # predicting rank(L^mm) <= rank(S̃) - 2 (one less than the truth) fails; rank(S̃) itself would pass
    # trivially, which is why the claim predicts the strict bound rank(S̃) - 1
    c = get_claim("ntp_geometry.rank_counterexample")
    for seed in c.seeds:
        assert not c.check(seed=seed, perturb=Perturbation(absolute=-1.0)).passed

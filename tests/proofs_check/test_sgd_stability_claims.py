"""SGD-stability claims beyond what tests/test_claims.py checks for every claim.

tests/test_claims.py runs each claim over its declared seeds and checks that its declared wrong
prediction fails. Here: wrong theory *functions* (a wrong batch factor, noise convention, mode
rule, EM exponent, series) make the claims fail too, and settings that would make a claim
meaningless are rejected or reported.
"""

import numpy as np
import pytest

import proofs_check.sgd_stability._dynamics as dyn
import proofs_check.sgd_stability._nonlinear as nl
from proofs_check import get_claim, registry

# Names cited by figures and docs (sims/, docs/): they must exist exactly.
EXPECTED = {
    "sgd_stability.rank1_criterion",
    "sgd_stability.closed_form_vs_quadrature_vs_mc",
    "sgd_stability.qr_commuting",
    "sgd_stability.qr_sum_rule",
    "sgd_stability.notions_disagree",
    "sgd_stability.mean_square_threshold",
    "sgd_stability.phase_labels_vs_sgd",
    "sgd_stability.collapse_thresholds",
    "sgd_stability.symbolic.small_lr_expansion",
    "sgd_stability.symbolic.second_moment_forms",
    "sgd_stability.symbolic.eta_var_1d",
    "sgd_stability.symbolic.rotated_coordinates",
    "sgd_stability.symbolic.ito_rate",
    "sgd_stability.symbolic.quartic_well_density",
    "sgd_stability.symbolic.gaussian_log_moment",
}



def test_registered_names_and_metadata():
    claims = registry("sgd_stability")
    assert EXPECTED <= set(claims)
    for name in EXPECTED:
        c = claims[name]
        assert c.source and c.statement and c.tolerance_reason
        assert not c.slow, f"{name} is expected to run in a few seconds"




def _fails(name, setting=None, seed=0):
    report = get_claim(name).check(setting=setting, seed=seed)
    assert not report.passed, f"{name} passed with a wrong prediction: {report.error} <= {report.tolerance}"
    return report


# ------------------------------------------------------------------------------------------
# wrong predictions are caught



def test_rank1_criterion_rejects_lr_near_marginal_point():
    with pytest.raises(ValueError, match="min_abs_exponent"):
        get_claim("sgd_stability.rank1_criterion").check(setting={"cases": (((1.0, 3.0), (4.0 / 3.0 - 1e-3,)),)})



@pytest.mark.slow
def test_qr_commuting_catches_wrong_exact_exponents(monkeypatch):
    real = dyn.model_b_law
    monkeypatch.setattr(dyn, "model_b_law", lambda noise, S=1: real(noise * 1.1, S))   # 10% noise error
    _fails("sgd_stability.qr_commuting")




@pytest.mark.slow
def test_notions_disagree_is_not_vacuous():
    report = get_claim("sgd_stability.notions_disagree").check()
    assert report.details["segments_where_notions_differ"] >= 10
    assert report.details["min_margin_in_se"] > 10


def test_mean_square_claim_catches_wrong_batch_factor(monkeypatch):
    real = dyn.second_moment_operator
    monkeypatch.setattr(dyn, "second_moment_operator", lambda H, B, lr, **kw: real(H, 1, lr, **kw))
    report = _fails("sgd_stability.mean_square_threshold")
    assert report.details["max_abs_Q_minus_enumerated"] > 1e-3




@pytest.mark.slow
def test_phase_claim_is_not_vacuous():
    report = get_claim("sgd_stability.phase_labels_vs_sgd").check()
    assert report.nontrivial.holds
    assert report.details["counts"]["III"] >= 10 and report.details["counts"]["not_III"] >= 10



@pytest.mark.slow
def test_collapse_claim_catches_wrong_mode_rule(monkeypatch):
    # ŝ < ησ² (a factor 2 off) would predict that the ŝ = 1.5 mode collapses at σ = 25
    monkeypatch.setattr(nl, "mode_collapses", lambda s, eta, sigma: np.asarray(s) < eta * sigma**2)
    _fails("sgd_stability.collapse_thresholds")


@pytest.mark.slow
def test_collapse_claim_catches_wrong_em_exponent(monkeypatch):
    real = nl.quartic_well_em_exponent
    monkeypatch.setattr(nl, "quartic_well_em_exponent", lambda mu, z, dt: real(mu, z, dt) + 0.1)
    _fails("sgd_stability.collapse_thresholds")


@pytest.mark.slow
def test_small_lr_expansion_claim_catches_wrong_series(monkeypatch):
    import sympy as sp

    import theory.sgd_stability as ts

    real = ts.small_lr_expansion

    def wrong(order):       # sign error in the λ² term
        lr, m2 = sp.Symbol("lr", positive=True), sp.Symbol("m_2", real=True)
        return real(order) + (lr**2 * m2 if order >= 2 else 0)

    monkeypatch.setattr(ts, "small_lr_expansion", wrong)
    _fails("sgd_stability.symbolic.small_lr_expansion")

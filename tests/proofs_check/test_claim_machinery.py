"""The Claim/Report machinery itself (proofs_check._claim), on throwaway claims."""

import json
import math

import numpy as np
import pytest

from proofs_check import get_claim
from proofs_check._claim import (
    _REGISTRY,
    Check,
    Claim,
    Comparison,
    Nontrivial,
    Perturbation,
    claim,
    format_table,
    registry,
    report_as_dict,
    worst_of,
)

OK = Nontrivial("test", 1.0, 0.5)


def _make(error, tolerance=1.0, nontrivial=OK, prediction=None):
    def compute(setting, seed, perturb):
        pred = perturb(float(setting["k"])) if prediction is None else prediction
        return Comparison(pred, seed, error=error, tolerance=tolerance, unit="absolute",
                          nontrivial=nontrivial, details={"x": np.int64(1), "flag": np.bool_(True)})

    return Claim(name="lazy_rich.test_only", source="test", statement="s", setting={"k": 1}, compute=compute,
                 tolerance_reason="test", seeds=range(1), seeds_reason="deterministic", wrong=Perturbation(0.1))


def test_check_pass_fail_and_nan():
    assert _make(0.5).check().passed
    assert not _make(2.0).check().passed
    report = _make(float("nan")).check()
    assert not report.passed and math.isnan(report.error)  # NaN never passes


def test_setting_override_perturbation_and_unknown_key():
    report = _make(0.0).check(setting={"k": 7}, seed=3)
    assert report.prediction == 7.0 and report.observed == 3.0 and not report.perturbed
    report = _make(0.0).check(setting={"k": 10}, perturb=Perturbation(relative=0.5, absolute=1.0))
    assert report.prediction == 16.0 and report.perturbed
    with pytest.raises(ValueError, match="does not use"):
        _make(0.0).check(setting={"unknown": 1})
    with pytest.raises(TypeError, match="perturb"):
        _make(0.0).check(perturb=0.1)


def test_perturbation():
    assert Perturbation()(3.0) == 3.0 and Perturbation().is_identity
    assert Perturbation(relative=-2.0)(1.5) == -1.5
    np.testing.assert_array_equal(Perturbation(flip_outcomes=True)(np.array([True, False])), [False, True])
    assert Perturbation(relative=1.0)(True) is True      # outcomes flip only with flip_outcomes
    assert Perturbation(flip_outcomes=True)(True) is False


def test_prediction_and_observed_must_be_numeric():
    with pytest.raises(TypeError, match="prediction must be a number"):
        _make(0.0, prediction="closed form").check()
    with pytest.raises(TypeError, match="observed"):
        Comparison(1.0, ["a", "b"], error=0.0, tolerance=1.0, unit="absolute", nontrivial=OK)
    arr = Comparison([1, 2], np.array([True, False]), error=0.0, tolerance=1.0, unit="count", nontrivial=OK)
    assert arr.prediction.dtype == float and arr.observed.tolist() == [1.0, 0.0]


def test_comparison_needs_checks_units_and_nontrivial():
    with pytest.raises(ValueError, match="unit must be one of"):
        Comparison(0.0, 0.0, error=0.0, tolerance=1.0, unit="furlongs", nontrivial=OK)
    with pytest.raises(TypeError, match="nontrivial"):
        Comparison(0.0, 0.0, error=0.0, tolerance=1.0, unit="absolute")
    with pytest.raises(ValueError, match="either"):
        Comparison(0.0, 0.0, error=0.0, tolerance=1.0, unit="absolute", checks=(Check("a", 0, 1, "absolute"),),
                   nontrivial=OK)


def test_composite_checks_combine_by_ratio_and_show_in_table():
    checks = (Check("rates", 5e-4, 1e-3, "relative"), Check("limit", 3e-9, 1e-8, "absolute"),
              Check("outcomes", 0, 0, "count"))
    cmp = Comparison(np.array([1.0, 2.0]), np.array([1.0, 2.0]), checks=checks, nontrivial=OK)
    assert cmp.combined == (0.5, 1.0, "× tolerance")
    bad = Comparison(0.0, 0.0, checks=checks[:2] + (Check("outcomes", 2, 0, "count"),), nontrivial=OK)
    assert bad.combined[0] == 3.0                       # a count above 0 exceeds 1 (1 + count)
    same = Comparison(0.0, 0.0, checks=(Check("a", 1e-3, 4, "standard errors"), Check("b", 2.0, 4, "standard errors")),
                      nontrivial=OK)
    assert same.combined == (2.0, 4.0, "standard errors")   # one tolerance: the largest error, unscaled

    c = Claim(name="lazy_rich.test_composite", source="test", statement="s", setting={},
              compute=lambda s, seed, p: cmp, tolerance_reason="t", seeds=range(1), seeds_reason="deterministic",
              wrong=Perturbation(0.1))
    report = c.check()
    assert report.passed and report.unit == "× tolerance" and len(report.checks) == 3
    table = format_table([report])
    assert "· rates" in table and "· limit" in table and "rel" in table and "abs" in table


def test_vacuous_setting_fails():
    report = _make(0.0, nontrivial=Nontrivial("cases", 0, 1)).check()
    assert not report.passed and report.error == 0.0
    assert "FAIL (vacuous)" in format_table([report])
    # Real claims: a flow that does not move, a grid on which every outcome is the same.
    still = get_claim("lazy_rich.conservation_gf").check(setting={"t_max": 1e-9})
    assert still.error <= still.tolerance and not still.nontrivial.holds and not still.passed
    one_sided = get_claim("lazy_rich.sign_flip").check(setting={"deltas": (2.0,), "beta0s": ((2**-0.5, 2**-0.5),)})
    assert one_sided.error == 0 and not one_sided.passed


def test_registration_is_validated_before_it_changes_the_registry():
    before = dict(_REGISTRY)
    for bad in ("Bad Name", "nodot", 3):
        with pytest.raises(ValueError, match="name"):
            claim(bad, source="s", statement="s", tolerance_reason="t", seeds=range(1),
                  seeds_reason="deterministic", wrong=Perturbation(0.1))(lambda s, seed, p: None)
    with pytest.raises(ValueError, match="seeds_reason"):
        claim("lazy_rich.x_y", source="s", statement="s", tolerance_reason="t", seeds=range(1),
              seeds_reason="", wrong=Perturbation(0.1))(lambda s, seed, p: None)
    with pytest.raises(ValueError, match="non-identity"):
        claim("lazy_rich.x_y", source="s", statement="s", tolerance_reason="t", seeds=range(1),
              seeds_reason="r", wrong=Perturbation())(lambda s, seed, p: None)
    assert dict(_REGISTRY) == before
    assert registry("lazy_rich")  # the registry still works


def test_registry_table_and_json():
    claims = registry("lazy_rich")
    assert claims and all(n.startswith("lazy_rich.") for n in claims)
    assert all(c.source and c.statement and c.tolerance_reason for c in claims.values())
    with pytest.raises(ValueError, match="theory must be one of"):
        registry("nope")
    table = format_table([_make(0.5).check(), _make(2.0).check()])
    assert "PASS" in table and "FAIL" in table and table.endswith("1 passed, 1 failed")
    assert max(len(line) for line in table.splitlines()) <= 160
    d = report_as_dict(_make(float("inf")).check())
    assert d["passed"] is False and d["error"] == "inf" and d["details"] == {"x": 1, "flag": True}
    assert d["checks"][0]["unit"] == "absolute" and d["nontrivial"]["what"] == "test"
    json.dumps(d, allow_nan=False)


def test_worst_of_keeps_nan():
    assert worst_of(1.0, 3.0, 2.0) == 3.0
    assert math.isnan(worst_of(1.0, float("nan"))) and math.isnan(worst_of(float("nan"), 1.0))
    assert max(1.0, float("nan")) == 1.0  # why worst_of exists: Python's max drops this NaN


def test_a_claim_whose_packages_are_missing_says_so_and_run_all_skips_it(monkeypatch, capsys):
    import dataclasses

    from proofs_check import _claim

    needy = dataclasses.replace(_make(0.0), name="lazy_rich.test_needs_a_package",
                                requires=("a_package_that_is_not_installed",))
    assert needy.missing() == ("a_package_that_is_not_installed",)
    with pytest.raises(ImportError, match="needs a_package_that_is_not_installed"):
        needy.check()
    monkeypatch.setitem(_REGISTRY, needy.name, needy)
    reports = _claim.run_all(names=[needy.name], verbose=True)
    assert reports == []
    assert "skipped 1: lazy_rich.test_needs_a_package (needs a_package_that_is_not_installed)" in capsys.readouterr().out
    assert _make(0.0).missing() == ()

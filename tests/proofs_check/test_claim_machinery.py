"""The Claim/Report machinery itself (proofs_check._claim), on throwaway claims."""

import math

import pytest

from proofs_check._claim import (
    Claim,
    Comparison,
    format_table,
    registry,
    report_as_dict,
)


def _make(error, tolerance=1.0):
    return Claim(name="lazy_rich.test_only", source="test", statement="s", setting={"k": 1},
                 compute=lambda setting, seed: Comparison(setting["k"], seed, error, tolerance, {"x": 1}),
                 tolerance_reason="test")


def test_check_pass_fail_and_nan():
    assert _make(0.5).check().passed
    assert not _make(2.0).check().passed
    report = _make(float("nan")).check()
    assert not report.passed and math.isnan(report.error)  # NaN never passes


def test_setting_override_and_unknown_key():
    report = _make(0.0).check(setting={"k": 7}, seed=3)
    assert report.prediction == 7 and report.observed == 3
    with pytest.raises(ValueError, match="does not use"):
        _make(0.0).check(setting={"unknown": 1})


def test_registry_and_table():
    claims = registry("lazy_rich")
    assert claims and all(n.startswith("lazy_rich.") for n in claims)
    assert all(c.source and c.statement and c.tolerance_reason for c in claims.values())
    with pytest.raises(ValueError, match="theory must be one of"):
        registry("nope")
    table = format_table([_make(0.5).check(), _make(2.0).check()])
    assert "PASS" in table and "FAIL" in table and table.endswith("1 passed, 1 failed")
    assert report_as_dict(_make(0.5).check())["passed"] is True

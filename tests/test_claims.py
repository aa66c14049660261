"""Every registered Claim, under pytest (``dltheory verify`` prints the same as a table).

Each claim runs over every seed it declares; a wrong prediction (the claim's declared
``wrong`` perturbation) must make it fail; its report must be JSON-serialisable; and no claim
cites anything outside the repository.
"""

import json
import os
import re

import pytest

from proofs_check import registry
from proofs_check._claim import report_as_dict

CLAIMS = registry()
# CI installs torch (the bridge's claims need it) and sets this, so that they fail instead of skipping.
REQUIRE_TORCH = os.environ.get("DLTHEORY_REQUIRE_TORCH") == "1"


def _available(name: str) -> None:
    missing = CLAIMS[name].missing()
    if missing and not REQUIRE_TORCH:
        pytest.skip(f"{name} needs {', '.join(missing)}")


def _symbolic(name: str) -> bool:
    """A sympy identity claim: proving the true identity takes simplification (seconds each)."""
    return ".symbolic." in name


def _params(per_seed: bool):
    """Every claim runs once in the quick pass (``-m "not slow"``), everything in the full suite.

    Quick: seed 0 of each numerical claim as stated, and the wrong prediction of each symbolic
    claim (refuted by the numeric screen in well under a second; proving the true identity takes
    sympy simplification). Slow: every other seed, the symbolic claims as stated, the wrong
    predictions of the numerical claims, and every claim the claim itself declares slow.
    """
    out = []
    for name, c in CLAIMS.items():
        for seed in (c.seeds if per_seed else (0,)):
            quick = not c.slow and seed == 0 and (_symbolic(name) != per_seed)
            out.append(pytest.param(name, seed, marks=[] if quick else [pytest.mark.slow], id=f"{name}@{seed}"))
    return out


def test_every_claim_runs_in_the_quick_pass():
    quick = {p.values[0] for per_seed in (True, False) for p in _params(per_seed) if not p.marks}
    assert quick == {n for n, c in CLAIMS.items() if not c.slow}


@pytest.mark.parametrize("name,seed", _params(per_seed=True))
def test_claim_holds_for_every_declared_seed(name, seed):
    _available(name)
    report = CLAIMS[name].check(seed=seed)
    assert report.passed, (f"{name} seed {seed}: error {report.error:.3e} > tolerance {report.tolerance:.1e} "
                           f"{report.unit} ({CLAIMS[name].tolerance_reason}); checks: {report.checks}; "
                           f"nontrivial: {report.nontrivial}")
    if seed == 0:  # every report serialises (numpy scalars/arrays/bools in details included)
        text = json.dumps(report_as_dict(report), allow_nan=False)
        assert json.loads(text)["claim"] == name


@pytest.mark.parametrize("name,seed", _params(per_seed=False))
def test_wrong_prediction_fails(name, seed):
    # The claim's declared wrong prediction, applied by its compute to the prediction only.
    _available(name)
    c = CLAIMS[name]
    report = c.check(seed=seed, perturb=c.wrong)
    assert report.perturbed
    assert not report.passed, f"{name} passed with the wrong prediction {c.wrong}: {report.checks}"
    assert report.nontrivial.holds, f"{name}: the perturbation should make the check fail, not the setting vacuous"


def test_seed_ranges():
    for name, c in CLAIMS.items():
        assert c.seeds_reason, name
        if len(c.seeds) < 5 and not c.slow:
            # fewer than five seeds only for claims whose result does not depend on the seed
            assert "deterministic" in c.seeds_reason, name


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n, c in CLAIMS.items() if len(c.seeds) < 5 and not c.slow])
def test_deterministic_claims_ignore_the_seed(name):
    _available(name)
    a, b = CLAIMS[name].check(seed=0), CLAIMS[name].check(seed=1)
    assert a.error == b.error and a.passed == b.passed


def test_sources_cite_papers_and_docs_anchors():
    # Papers come from theory.catalog (cite), derivations from the docs pages; that no text cites
    # anything outside the repository is tests/test_citations.py's job.
    for name, c in CLAIMS.items():
        assert re.search(r"\b(19|20)\d\d\b", c.source), name
        for ref in re.findall(r"docs/[\w/]+\.md#[\w-]+", c.source):
            assert re.fullmatch(r"docs/\w+\.md#[a-z0-9-]+", ref), ref


def test_every_theory_module_registers_claims():
    # Every implemented theory must have claims (a theory without a check is unverified).
    from theory.catalog import implemented_theories

    for theory in implemented_theories():
        assert registry(theory), f"theory.{theory} exists but registers no claims"

"""Every registered Claim, under pytest (``dltheory verify`` prints the same as a table)."""

import pytest

from proofs_check import registry

CLAIMS = registry()


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if c.slow else n
                                  for n, c in CLAIMS.items()])
def test_claim(name):
    report = CLAIMS[name].check()
    assert report.passed, (f"{name}: error {report.error:.3e} > tolerance {report.tolerance:.1e} "
                           f"({CLAIMS[name].tolerance_reason}); details: {report.details}")


def test_every_theory_module_registers_claims():
    # Every implemented theory must have claims (a theory without a check is unverified).
    from theory.catalog import implemented_theories

    for theory in implemented_theories():
        assert registry(theory), f"theory.{theory} exists but registers no claims"

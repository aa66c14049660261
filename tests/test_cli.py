"""The dltheory command line (proofs_check/cli.py)."""

import json

import pytest

from proofs_check.cli import main


def test_verify_named_claim_and_json(tmp_path, capsys):
    out = tmp_path / "r.json"
    assert main(["verify", "lazy_rich.sign_flip", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "lazy_rich.sign_flip" in text and "1 passed, 0 failed" in text
    assert json.loads(out.read_text())[0]["passed"] is True


def test_verify_list_and_unknown(capsys):
    assert main(["verify", "--list", "--theory", "lazy_rich"]) == 0
    assert "lazy_rich.exact_vs_ode" in capsys.readouterr().out
    with pytest.raises(ValueError, match="unknown claims"):
        main(["verify", "nope"])


def test_figures_one_name(tmp_path, capsys):
    assert main(["figures", "lazy_rich_dynamics", "--outdir", str(tmp_path)]) == 0
    assert (tmp_path / "lazy_rich_dynamics.png").exists() and (tmp_path / "manifest.json").exists()
    assert main(["figures", "--list"]) == 0
    assert "lazy_rich_phase_diagram" in capsys.readouterr().out


def test_phase_diagram_command(tmp_path, capsys):
    assert main(["phase-diagram", "lazy_rich", "--output", str(tmp_path / "p.png")]) == 0
    assert (tmp_path / "p.png").exists() and "phases" in capsys.readouterr().out


# ``dltheory bench``: tests/sims/test_bench.py

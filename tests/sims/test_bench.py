"""``dltheory bench``: the benchmark registry, the command line, and running from an installed copy."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from proofs_check.cli import main
from sims.bench import Metric, benchmark_registry, run_benchmarks

REPO = Path(__file__).resolve().parents[2]
BENCHMARKS = sorted(benchmark_registry())


def test_every_theory_with_kernels_has_benchmarks():
    assert {b.theory for b in benchmark_registry().values()} >= {"lazy_rich", "sgd_stability"}


@pytest.mark.slow
@pytest.mark.parametrize("name", BENCHMARKS)
def test_each_benchmark_runs_from_the_cli_in_quick_mode(name, capsys):
    assert main(["bench", name, "--quick"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"== {name}") and "quick" in out
    # quick sizes say nothing about speed: no target is judged
    assert "MISSED" not in out and "met)" not in out


def test_benchmark_reports_carry_metrics():
    (report,) = run_benchmarks(["lazy_rich.exact"], quick=True, echo=None)
    assert report.name == "lazy_rich.exact" and report.rows
    assert all(isinstance(m, Metric) and m.value > 0 for m in report.metrics)


def test_list_and_theory_selection(capsys):
    assert main(["bench", "--list"]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in BENCHMARKS)
    reports = run_benchmarks(["lazy_rich"], quick=True, echo=None)
    assert sorted(r.name for r in reports) == [n for n in BENCHMARKS if n.startswith("lazy_rich.")]


def test_unknown_benchmark_is_a_clear_error(capsys):
    assert main(["bench", "no-such-benchmark"]) == 2
    err = capsys.readouterr().err
    assert "unknown benchmark 'no-such-benchmark'" in err and "lazy_rich.gd" in err
    with pytest.raises(ValueError, match="unknown benchmark"):
        run_benchmarks(["lazy_rich.gd", "nope"], quick=True, echo=None)


def test_metric_targets():
    assert Metric("speed-up", 5.0, target=4.0).met is True
    assert Metric("speed-up", 3.0, target=4.0).met is False
    assert Metric("time", 6.0, unit="s", target=5.0, higher_is_better=False).met is False
    assert Metric("speed-up", 3.0).met is None


@pytest.mark.slow
def test_bench_runs_from_an_installed_copy(tmp_path):
    # Only the three packages, as a (non-editable) install would lay them out: no benchmarks/
    # directory, no tests, run from an unrelated working directory.
    site = tmp_path / "site"
    for pkg in ("theory", "sims", "proofs_check"):
        shutil.copytree(REPO / pkg, site / pkg, ignore=shutil.ignore_patterns("__pycache__"))
    work = tmp_path / "work"
    work.mkdir()
    proc = subprocess.run([sys.executable, "-m", "proofs_check.cli", "bench", "sgd_stability.phase_diagram",
                           "--quick"], cwd=work, env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "== sgd_stability.phase_diagram" in proc.stdout

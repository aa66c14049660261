"""The dltheory command line (proofs_check/cli.py): output, options, and one-line errors."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from proofs_check import registry
from proofs_check.cli import main
from theory.catalog import implemented_theories

REPO = Path(__file__).resolve().parents[1]


def _one_error_line(capsys, argv, *expected_in_message):
    """Run ``dltheory argv``: exit 2, exactly one stderr line ``dltheory: error: …``, no traceback."""
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("dltheory: error: "), lines[0]
    assert "Traceback" not in captured.err + captured.out
    for text in expected_in_message:
        assert text in lines[0], (text, lines[0])
    return lines[0]


# every error path of every subcommand, with a valid choice that the message must name
ERRORS = {
    "figures NAME": (["figures", "no_such_figure"], "'no_such_figure'", "lazy_rich_dynamics"),
    "figures --theory": (["figures", "--theory", "foo"], "'foo'", "lazy_rich", "sgd_stability"),
    "figures NAME of another theory": (["figures", "--theory", "sgd_stability", "lazy_rich_dynamics"],
                                       "'lazy_rich_dynamics'", "sgd_stability_phase_lr_noise"),
    "verify NAME": (["verify", "no_such_claim"], "'no_such_claim'", "lazy_rich.sign_flip"),
    "verify --theory": (["verify", "--theory", "no_such_theory"], "'no_such_theory'", "lazy_rich", "ntp"),
    "verify --explain": (["verify", "--explain", "nope"], "'nope'", "lazy_rich.sign_flip"),
    "verify --list --theory": (["verify", "--list", "--theory", "nope"], "'nope'", "lazy_rich"),
    "verify --seed": (["verify", "--seed", "x"], "--seed", "'x'"),
    "phase-diagram SYSTEM": (["phase-diagram", "foo"], "'foo'", "lazy_rich", "sgd_stability"),
    "phase-diagram option of another system": (["phase-diagram", "lazy_rich", "--method", "qr"],
                                               "method", "x_values"),
    "phase-diagram --set without =": (["phase-diagram", "--set", "noise"], "KEY=VALUE"),
    "phase-diagram --set unknown key": (["phase-diagram", "--set", "colour=1"], "colour", "method"),
    "phase-diagram --grid without ranges": (["phase-diagram", "--grid", "3", "3"], "--x-range"),
    "phase-diagram empty range": (["phase-diagram", "--x-range", "1", "0", "--y-range", "1", "2"], "LO < HI"),
    "phase-diagram log of a negative range": (["phase-diagram", "lazy_rich", "--x-range", "-1", "1",
                                               "--y-range", "1", "2", "--log-x"], "--log-x"),
    # a ValueError from the system's own validation (sims.sgd_stability.sgd_stability_phase_diagram)
    "phase-diagram bad value": (["phase-diagram", "--set", "model='C'"], "model"),
    "phase-diagram --workers 0": (["phase-diagram", "--workers", "0"], "--workers", ">= 1"),
    "phase-diagram --workers and --scheduler": (["phase-diagram", "--workers", "2", "--scheduler", "x"],
                                                "not allowed"),
    "phase-diagram --connect-timeout": (["phase-diagram", "--connect-timeout", "-1"], "--connect-timeout", "> 0"),
    "phase-diagram --workers for a closed form": (["phase-diagram", "rf_risk", "--workers", "2"],
                                                  "rf_risk runs in this process only"),
    "bench NAME": (["bench", "no_such_benchmark"], "'no_such_benchmark'", "lazy_rich.gd"),
    "no command": ([], "COMMAND"),
    "unknown command": (["frobnicate"], "'frobnicate'", "verify"),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_every_error_path_is_one_line_with_status_2(case, capsys):
    argv, *expected = ERRORS[case]
    _one_error_line(capsys, argv, *expected)


def test_json_file_that_cannot_be_written_is_a_one_line_error(tmp_path, capsys):
    target = tmp_path / "missing-folder" / "r.json"
    _one_error_line(capsys, ["verify", "lazy_rich.sign_flip", "--json", str(target)], str(target))


def test_validation_errors_from_a_subcommand_are_one_line_without_numpy_reprs(monkeypatch, capsys):
    # any ValueError/TypeError a subcommand raises is a user error; numpy scalar reprs are written as numbers
    import sims.bench

    def bad(args):
        raise ValueError(f"lr must be > 0; got {np.float64(-0.1)!r} and {np.int64(3)!r}")

    monkeypatch.setattr(sims.bench, "run_from_args", bad)
    line = _one_error_line(capsys, ["bench"])
    assert line == "dltheory: error: lr must be > 0; got -0.1 and 3"
    with pytest.raises(ValueError, match="lr must be"):           # --traceback shows the real error
        main(["--traceback", "bench"])


def test_error_paths_as_a_subprocess():
    for argv in (["verify", "no_such_claim"], ["figures", "--theory", "foo"], ["phase-diagram", "foo"]):
        proc = subprocess.run([sys.executable, "-m", "proofs_check.cli", *argv], cwd=REPO,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2, proc
        assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("dltheory: error: "), proc.stderr
        assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_closed_stdout_is_not_a_traceback():
    # ``dltheory verify --list | head``: the reader is gone before the command writes. Closing
    # our end of the pipe at once makes the child's write fail with EPIPE every time.
    proc = subprocess.Popen([sys.executable, "-m", "proofs_check.cli", "verify", "--list"], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    proc.stderr.close()
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert proc.returncode == 1


def test_version_and_help(capsys):
    from importlib.metadata import version

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"dltheory {version('dltheory')}"
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    assert "deep-learning theorems made executable" in text and "examples:" in text
    for command in ("verify", "figures", "phase-diagram", "bench"):
        assert f"\n  {command} " in text                          # each command described
    assert main(["verify", "--help"]) == 0
    # --theory lists its choices: the implemented theories, in catalogue order
    assert "{" + ",".join(implemented_theories()) + "}" in capsys.readouterr().out
    assert main(["phase-diagram", "--help"]) == 0
    text = capsys.readouterr().out
    assert all(opt in text for opt in ("--method", "--x-range", "--grid", "--set", "--outdir", "--output"))


def test_verify_table_has_whole_source_units_and_json(tmp_path, capsys):
    out = tmp_path / "r.json"
    names = ["lazy_rich.sign_flip", "lazy_rich.exact_vs_ode"]
    assert main(["verify", *names, "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "2 passed, 0 failed" in text
    for name in names:
        assert f"  {name}: {registry()[name].source}\n" in text   # the whole source, not clipped
    assert "abs = absolute" in text and "count" in text
    reports = json.loads(out.read_text())
    assert [r["claim"] for r in reports] == names
    assert reports[0]["passed"] is True and reports[0]["unit"] == "count"
    assert reports[1]["checks"][0]["unit"] == "absolute" and reports[1]["checks"][0]["passed"] is True


def test_verify_list(capsys):
    assert main(["verify", "--list", "--theory", "lazy_rich"]) == 0
    text = capsys.readouterr().out
    assert "lazy_rich.exact_vs_ode" in text and "sgd_stability." not in text
    assert registry()["lazy_rich.exact_vs_ode"].source in text


def test_verify_explain(capsys, tmp_path):
    c = registry()["lazy_rich.sign_flip"]
    assert main(["verify", "--explain", c.name, "--no-run"]) == 0
    text = capsys.readouterr().out
    for part in (c.statement, c.source, c.seeds_reason, c.tolerance_reason, "beta_star = (0.5, 0.5)",
                 "a wrong prediction it must catch: boolean outcomes negated"):
        assert part in text, part
    assert "run at seed" not in text
    out = tmp_path / "one.json"
    assert main(["verify", "--explain", c.name, "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "run at seed 0" in text and "PASS" in text and "check 'error': error 0 count, tolerance 0 -> ok" in text
    assert "not vacuous:" in text
    (report,) = json.loads(out.read_text())
    assert report["statement"] == c.statement and report["seeds_reason"] == c.seeds_reason


def _strict_json(path):
    """``json.load`` that rejects NaN / Infinity tokens (strict JSON, as allow_nan=False writes it)."""
    def reject(token):
        raise ValueError(f"non-standard JSON token {token}")

    with open(path, encoding="utf-8") as fh:
        return json.load(fh, parse_constant=reject)


@pytest.mark.slow
def test_verify_json_over_every_fast_claim(tmp_path, capsys):
    out = tmp_path / "all.json"
    status = main(["verify", "--quick", "--json", str(out)])
    capsys.readouterr()
    reports = _strict_json(out)
    fast = sorted(n for n, c in registry().items() if not c.slow and not c.missing())   # no torch: skipped
    assert sorted(r["claim"] for r in reports) == fast
    for r in reports:
        c = registry()[r["claim"]]
        assert (r["statement"], r["source"], r["tolerance_reason"]) == (c.statement, c.source, c.tolerance_reason)
        assert r["unit"] and r["checks"] and all({"name", "error", "tolerance", "unit", "passed"} <= set(k)
                                                 for k in r["checks"])
        assert {"what", "value", "minimum", "holds"} <= set(r["nontrivial"])
    assert status == (0 if all(r["passed"] for r in reports) else 1)


def test_verify_quick_skips_slow_claims(capsys, monkeypatch):
    # which claims run is decided by the flag, not by timing: record the include_slow passed on
    import proofs_check._claim as claim_module

    seen = {}

    def fake_run_all(**kwargs):
        seen.update(kwargs)
        return []

    monkeypatch.setattr(claim_module, "run_all", fake_run_all)
    assert main(["verify", "--quick"]) == 0
    assert seen["include_slow"] is False
    assert main(["verify"]) == 0
    assert seen["include_slow"] is True
    capsys.readouterr()


def test_figures_one_name(tmp_path, capsys):
    assert main(["figures", "lazy_rich_dynamics", "--outdir", str(tmp_path)]) == 0
    assert (tmp_path / "lazy_rich_dynamics.png").exists() and (tmp_path / "manifest.json").exists()
    assert f"wrote {tmp_path / 'lazy_rich_dynamics.png'}" in capsys.readouterr().out
    assert main(["figures", "--list"]) == 0
    assert "lazy_rich_phase_diagram" in capsys.readouterr().out


def test_phase_diagram_command_says_where_it_wrote(tmp_path, capsys):
    out = tmp_path / "p.svg"
    assert main(["phase-diagram", "lazy_rich", "--x-range", "-2", "2", "--y-range", "0.01", "1", "--log-y",
                 "--grid", "5", "4", "--set", "simulate=None", "--output", str(out)]) == 0
    text = capsys.readouterr().out
    assert out.exists() and f"wrote {out}\n" in text
    assert "lazy_rich: 5 x 4 cells" in text and "cells per phase:" in text


def test_phase_diagram_command_outdir_and_method(tmp_path, capsys):
    outdir = tmp_path / "new" / "folder"
    assert main(["phase-diagram", "sgd_stability", "--method", "analytic", "--x-range", "0.05", "0.4",
                 "--y-range", "0.5", "8", "--grid", "6", "5", "--set", "model='B'", "--outdir", str(outdir)]) == 0
    text = capsys.readouterr().out
    target = outdir / "phase_sgd_stability.png"
    assert target.exists() and f"wrote {target}\n" in text and "6 x 5 cells" in text
    assert "np." not in text                                       # plain numbers only


def test_readme_command_lines_parse():
    # every ``.venv/bin/dltheory ...`` line in the README is a valid command
    import shlex

    from proofs_check.cli import build_parser

    lines = [line.split("#")[0] for line in (REPO / "README.md").read_text().splitlines()
             if line.startswith(".venv/bin/dltheory ")]
    assert len(lines) >= 5
    parser = build_parser()
    for line in lines:
        argv = shlex.split(line)[1:]
        if argv == ["--help"]:
            continue
        args = parser.parse_args(argv)
        assert callable(args.func), line


# --------------------------------------------------------------------------------------------
# --workers / --scheduler: the command makes the executor, passes it, and closes it


def _spy_phase_diagram(monkeypatch):
    """Record what ``dltheory phase-diagram`` passes to sims.phase.phase_diagram and what it gets."""
    import sims.phase

    calls = []
    real = sims.phase.phase_diagram

    def spy(system, **kwargs):
        result = real(system, **kwargs)
        calls.append((kwargs.get("executor"), result))
        return result

    monkeypatch.setattr(sims.phase, "phase_diagram", spy)
    return calls


_SMALL_LAZY = ["phase-diagram", "lazy_rich", "--x-range", "-2", "2", "--y-range", "0.01", "1", "--log-y",
               "--grid", "3", "2", "--set", "simulate=(2, 2)", "--set", "n_times=60"]


def _same_values(a, b):
    import numpy as np

    assert set(a.values) == set(b.values) and set(a.simulated) == set(b.simulated)
    assert all(np.array_equal(a.values[k], b.values[k]) for k in a.values)
    assert all(np.array_equal(a.simulated[k], b.simulated[k]) for k in a.simulated)
    assert np.array_equal(a.labels, b.labels)


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_workers_runs_on_a_local_pool_with_the_same_result_and_shuts_it_down(tmp_path, monkeypatch, capsys):
    import concurrent.futures

    calls = _spy_phase_diagram(monkeypatch)
    assert main(_SMALL_LAZY + ["--outdir", str(tmp_path / "serial")]) == 0
    assert main(_SMALL_LAZY + ["--outdir", str(tmp_path / "pool"), "--workers", "2"]) == 0
    (none, serial), (pool, pooled) = calls
    assert none is None and isinstance(pool, concurrent.futures.ProcessPoolExecutor)
    _same_values(serial, pooled)
    with pytest.raises(RuntimeError, match="shutdown"):   # the command's own pool is closed after it
        pool.submit(int)
    assert (tmp_path / "pool" / "phase_lazy_rich.png").exists()


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_scheduler_runs_on_a_dask_scheduler_and_leaves_it_running(dask_client, tmp_path, monkeypatch, capsys):
    calls = _spy_phase_diagram(monkeypatch)
    assert main(_SMALL_LAZY + ["--outdir", str(tmp_path), "--scheduler", dask_client.scheduler.address]) == 0
    assert main(_SMALL_LAZY + ["--outdir", str(tmp_path)]) == 0
    (client, distributed_run), (_, serial) = calls
    assert type(client).__name__ == "Client" and client.status == "closed"   # its own client, closed
    _same_values(serial, distributed_run)
    assert dask_client.submit(abs, -3).result(timeout=60) == 3            # the scheduler still serves


def test_scheduler_that_does_not_answer_is_a_one_line_error(capsys):
    pytest.importorskip("distributed")
    _one_error_line(capsys, ["phase-diagram", "lazy_rich", "--scheduler", "tcp://127.0.0.1:9",
                             "--connect-timeout", "1"], "--scheduler", "no Dask scheduler answered")

"""Where ``sims.phase_diagram`` writes: the same rule for every system, and the path in the result."""

from pathlib import Path

import pytest

import sims
from theory.catalog import phase_systems

# small grids: the rule under test is where the file goes, not the diagram
SMALL = {"lazy_rich": {"x_values": [-1.0, 0.0, 1.0], "y_values": [0.01, 1.0], "simulate": None, "n_times": 50},
         "sgd_stability": {"x_values": [0.1, 0.3], "y_values": [1.0, 4.0]},
         "ntp_separability": {"V": 3, "m": 3, "x_values": [0.5, 1.0], "y_values": [1, 2], "n_trials": 2},
         "rf_risk": {"x_values": [10.0, 40.0], "y_values": [10.0, 20.0], "n_modes": 100}}


def test_every_system_has_a_small_setting_here():
    assert set(SMALL) == set(phase_systems())


@pytest.mark.parametrize("system", phase_systems())
def test_default_file_is_figures_phase_system_under_the_working_directory(system, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = sims.phase_diagram(system, **SMALL[system])
    assert result.saved_to == Path("figures") / f"phase_{system}.png"
    assert (tmp_path / result.saved_to).stat().st_size > 0      # the folder was created


@pytest.mark.parametrize("system", phase_systems())
def test_outdir_path_and_no_save(system, tmp_path):
    outdir = tmp_path / "a" / "b"
    result = sims.phase_diagram(system, outdir=outdir, **SMALL[system])
    assert result.saved_to == outdir / f"phase_{system}.png" and result.saved_to.exists()
    target = tmp_path / "mine.svg"
    assert sims.phase_diagram(system, save=target, **SMALL[system]).saved_to == target and target.exists()
    assert sims.phase_diagram(system, save=False, **SMALL[system]).saved_to is None
    assert sims.phase_diagram(system, plot=False, **SMALL[system]).saved_to is None   # nothing drawn, nothing saved
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["mine.svg", f"phase_{system}.png"]


def test_bad_outdir_is_a_value_error():
    with pytest.raises(ValueError, match="outdir must be a str or os.PathLike; got int"):
        sims.phase_diagram("lazy_rich", outdir=3, **SMALL["lazy_rich"])

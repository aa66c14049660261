"""The figure registry machinery (sims/figures.py) on a throwaway figure."""

import json

import matplotlib

matplotlib.use("Agg")

import pytest

from sims import figures
from sims._style import new_figure


@pytest.fixture
def toy_figure():
    name = "lazy_rich_test_only_toy"

    @figures.register_figure(name, theory="lazy_rich", params={"height": 1.0}, seed=3,
                             description="toy", claims=("lazy_rich.exact_vs_ode",))
    def _toy(*, height, seed):
        fig, ax = new_figure()
        ax.plot([0, 1], [0, height + seed])
        return fig

    yield name
    figures._FIGURES.pop(name)


@pytest.mark.slow
def test_generate_writes_file_and_manifest(tmp_path, toy_figure):
    written = figures.generate_figures([toy_figure], outdir=tmp_path, progress=False)
    path = written[toy_figure]
    assert path.exists() and (path.stat().st_mode & 0o777) == 0o644
    manifest = json.loads((tmp_path / "manifest.json").read_text())["figures"][toy_figure]
    assert manifest["parameters"] == {"height": 1.0} and manifest["seed"] == 3
    assert manifest["claims"] == ["lazy_rich.exact_vs_ode"] and len(manifest["sha256"]) == 64
    # Same figure, same bytes: the hash is reproducible (fixed PNG metadata).
    again = figures.generate_figures([toy_figure], outdir=tmp_path, progress=False)
    manifest2 = json.loads((tmp_path / "manifest.json").read_text())["figures"][toy_figure]
    assert manifest2["sha256"] == manifest["sha256"] and again[toy_figure] == path
    assert not list(tmp_path.glob(".tmp-*")), "temporary files must not be left behind"


def test_make_figure_overrides_and_errors(toy_figure):
    fig = figures.make_figure(toy_figure, height=5.0)
    assert fig.axes[0].lines[0].get_ydata()[1] == 8.0  # height + seed
    with pytest.raises(ValueError, match="no parameters"):
        figures.make_figure(toy_figure, width=1)
    with pytest.raises(ValueError, match="no figure named"):
        figures.make_figure("nope")
    with pytest.raises(ValueError, match="unknown figures"):
        figures.generate_figures(["nope"])
    with pytest.raises(ValueError, match="already registered"):
        figures.register_figure(toy_figure, theory="lazy_rich")(lambda **k: None)
    with pytest.raises(ValueError, match="theory must be one of"):
        figures.register_figure("x", theory="nope")


def test_style_does_not_leak():
    import matplotlib as mpl

    before = dict(mpl.rcParams)
    figures.make_figure("lazy_rich_dynamics")
    assert dict(mpl.rcParams) == before


def test_save_path_needs_a_known_suffix_and_leaves_nothing_behind(tmp_path):
    # A bare path used to write an empty file there and the image to a hidden .tmp-*.png beside it.
    import matplotlib.pyplot as plt
    import numpy as np

    from sims.figures import save_figure
    from sims.phase import PhaseDiagram

    fig = plt.figure()
    for bad in ("out", "out.jpeg2000"):
        with pytest.raises(ValueError, match="path must end in one of"):
            save_figure(fig, tmp_path / bad)
    assert list(tmp_path.iterdir()) == []
    digest = save_figure(fig, tmp_path / "out.svg")
    assert len(digest) == 64 and [p.name for p in tmp_path.iterdir()] == ["out.svg"]
    diagram = PhaseDiagram(system="sgd_stability", x_name="lr", x=np.zeros(1), y_name="noise", y=np.zeros(1),
                           values={}, labels=np.zeros((1, 1), dtype=str), figure=fig)
    assert diagram.save(tmp_path / "phase") == tmp_path / "phase.png"          # a bare path gets .png
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.svg", "phase.png"]
    assert (tmp_path / "phase.png").read_bytes()[:4] == b"\x89PNG"
    plt.close(fig)


@pytest.fixture
def sized_figures():
    """A figure with a paper size, and one that needs a package that is not installed."""
    names = ("lazy_rich_test_only_sized", "lazy_rich_test_only_needy")

    def _draw(*, height, width=1.0, seed):
        fig, ax = new_figure()
        ax.plot([0, width], [0, height])
        return fig

    figures.register_figure(names[0], theory="lazy_rich", params={"height": 1.0, "width": 1.0},
                            paper_params={"width": 5.0}, description="sized")(_draw)
    figures.register_figure(names[1], theory="lazy_rich", params={"height": 2.0},
                            requires=("a_package_that_is_not_installed",), description="needy")(_draw)
    yield names
    for n in names:
        figures._FIGURES.pop(n)


def test_paper_size_and_missing_packages(tmp_path, sized_figures, monkeypatch):
    sized, needy = sized_figures
    spec = figures.figure_registry()[sized]
    assert spec.parameters("paper") == {"height": 1.0, "width": 5.0} and spec.parameters() == {"height": 1.0,
                                                                                                 "width": 1.0}
    with pytest.raises(ValueError, match="has no paper size"):
        figures.figure_registry()[needy].parameters("paper")
    with pytest.raises(ValueError, match="size must be one of"):
        spec.parameters("huge")
    written = figures.generate_figures([sized], outdir=tmp_path, progress=False, size="paper")
    assert written[sized].name == f"{sized}_paper.png"
    entry = json.loads((tmp_path / "manifest.json").read_text())["figures"][f"{sized}_paper"]
    assert entry["size"] == "paper" and entry["parameters"] == {"height": 1.0, "width": 5.0}
    with pytest.raises(ImportError, match="needs a_package_that_is_not_installed"):
        figures.generate_figures([needy], outdir=tmp_path, progress=False)
    figures.figure_registry()           # every figure module loaded; then only the two toys are registered
    monkeypatch.setattr(figures, "_FIGURES", {n: figures._FIGURES[n] for n in sized_figures})
    with pytest.warns(UserWarning, match="skipped: figure 'lazy_rich_test_only_needy' needs"):
        every = figures.generate_figures(None, outdir=tmp_path / "all", progress=False)
    assert set(every) == {sized}
    assert set(figures.generate_figures(None, outdir=tmp_path / "paper", progress=False, size="paper")) == {sized}
    with pytest.raises(ValueError, match="paper_params must override keys of params"):
        figures.register_figure("lazy_rich_test_only_bad", theory="lazy_rich", params={"a": 1},
                                paper_params={"b": 2})


def test_pdf_copies_for_the_docs_site(tmp_path, toy_figure, monkeypatch):
    # the docs build draws every figure as a PDF (tools/mkdocs_hooks.py); the same call on one figure
    written = figures.generate_figures([toy_figure], outdir=tmp_path, fmt="pdf", progress=False)
    assert written[toy_figure].suffix == ".pdf" and written[toy_figure].read_bytes().startswith(b"%PDF")
    import importlib.util
    import re
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("hooks", Path(__file__).parents[2] / "tools" / "mkdocs_hooks.py")
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    img = '<img alt="x" src="../figures/a.png">'
    for flag, has_pdf in (("1", True), ("0", False)):
        monkeypatch.setenv("DLTHEORY_DOCS_PDF", flag)
        html = hooks._FIGURE_IMG.sub(hooks._figure_links, img)
        assert ('href="../figures/pdf/a.pdf"' in html) == has_pdf and re.search(r'href="../figures/a.png"', html)

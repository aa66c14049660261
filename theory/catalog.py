"""The catalogue of theories: the one list of what dltheory covers (``theory.catalog``).

Every other list of theory names (figure modules, claim modules, phase-diagram systems, the
command line's ``--theory`` choices, the tables in the README, the docs index and the mkdocs
navigation) is derived from :data:`THEORIES` or tested against it
(``tests/test_theory_contract.py``). Adding a theory starts here; ``docs/contributing.md``
lists the rest of the checklist.

Papers are defined once, in :data:`PAPERS`, and cited by key; claim sources and docs take their
short citation (``"Kunin et al. 2024"``) from :meth:`Paper.cite`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .summary import compact_repr
from .validate import format_value

__all__ = ["DEFAULT_PHASE_SYSTEM", "PAPERS", "Paper", "THEORIES", "TheoryInfo", "implemented_theories", "paper",
           "phase_systems", "phase_theory", "theory_info", "theory_names"]


@compact_repr
@dataclass(frozen=True)
class Paper:
    """A published result the package implements or relies on.

    Attributes
    ----------
    key : str
        Short identifier used in code (``"kunin2024"``).
    authors : str
        Author list as cited, e.g. ``"Kunin et al."``.
    year : int
        Year of the version cited.
    title : str
    arxiv : str
        arXiv identifier, e.g. ``"2406.06158"``.
    """

    key: str
    authors: str
    year: int
    title: str
    arxiv: str

    def cite(self) -> str:
        """Short citation, ``"<authors> <year>"``."""
        return f"{self.authors} {self.year}"

    @property
    def url(self) -> str:
        """The paper's arXiv abstract page."""
        return f"https://arxiv.org/abs/{self.arxiv}"


_PAPER_LIST = (
    Paper("kunin2024", "Kunin et al.", 2024,
          "Get rich quick: exact solutions reveal how unbalanced initializations promote rapid "
          "feature learning", "2406.06158"),
    Paper("saxe2014", "Saxe et al.", 2014,
          "Exact solutions to the nonlinear dynamics of learning in deep linear neural networks",
          "1312.6120"),
    Paper("fort2020", "Fort et al.", 2020,
          "Deep learning versus kernel learning: an empirical study of loss landscape geometry and "
          "the time evolution of the neural tangent kernel", "2010.15110"),
    Paper("ziyin2023", "Ziyin et al.", 2023, "The probabilistic stability of stochastic gradient descent",
          "2303.13093"),
    Paper("chen2023", "Chen et al.", 2023,
          "Stochastic collapse: how gradient noise attracts SGD dynamics towards simpler subnetworks",
          "2306.04251"),
    Paper("mulayoff2024", "Mulayoff & Michaeli", 2024, "Exact mean square linear stability analysis for SGD",
          "2306.07850"),
    Paper("thrampoulidis2024", "Thrampoulidis", 2024,
          "Implicit optimization bias of next-token prediction in linear models", "2402.18551"),
    Paper("soudry2018", "Soudry et al.", 2018, "The implicit bias of gradient descent on separable data",
          "1710.10345"),
    Paper("simon2021", "Simon et al.", 2021, "The eigenlearning framework: a conservation law perspective on "
          "kernel regression and wide neural networks", "2110.03922"),
    Paper("advani2017", "Advani et al.", 2017, "High-dimensional dynamics of generalization error in neural networks",
          "1710.03667"),
    Paper("simon2023", "Simon et al.", 2023,
          "More is better in modern machine learning: when infinite overparameterization is optimal "
          "and overfitting is obligatory", "2311.14646"),
    # issue 12, NTP geometry (Zhao et al. 2024)
    Paper("zhao2024", "Zhao et al.", 2024,
          "Implicit geometry of next-token prediction: from language sparsity patterns to model representations",
          "2408.15417"),
    # supcon_ufm
    Paper("behnia2024", "Behnia & Thrampoulidis", 2024,
          "Supervised contrastive representation learning: landscape analysis with unconstrained features",
          "2402.18884"),
    Paper("khosla2020", "Khosla et al.", 2020, "Supervised contrastive learning", "2004.11362"),
    Paper("graf2021", "Graf et al.", 2021, "Dissecting supervised contrastive learning", "2102.08817"),
    # attention_svm (issue 12)
    Paper("tarzanagh2023svm", "Tarzanagh, Li, Thrampoulidis & Oymak", 2023, "Transformers as support vector machines",
          "2308.16898"),
    Paper("tarzanagh2023mmts", "Tarzanagh, Li, Zhang & Oymak", 2023, "Max-margin token selection in attention mechanism",
          "2306.13596"),
    Paper("vasudeva2024", "Vasudeva et al.", 2024, "Implicit bias and fast convergence rates for self-attention",
          "2402.05738"),
)

#: Every paper cited by the package, by key.
PAPERS: dict[str, Paper] = {p.key: p for p in _PAPER_LIST}


@compact_repr
@dataclass(frozen=True)
class TheoryInfo:
    """One theory: a subpackage of the same name in ``theory``, ``sims`` and ``proofs_check``,
    and the docs page ``docs/<name>.md``.

    Attributes
    ----------
    name : str
        The subpackage name (``"lazy_rich"``).
    title : str
        What it is about, in a few words (README and docs tables).
    nav_title : str
        The docs navigation entry.
    papers : tuple of str
        Keys into :data:`PAPERS`; the first is the main paper.
    status : {"complete", "planned"}
        ``"planned"`` theories have no subpackages yet; ``"complete"`` ones must satisfy the whole
        contract (claims, figures, docs page).
    phase_diagram : bool
        Whether ``sims.<name>`` provides ``<system>_phase_diagram`` (a system of
        ``sims.phase_diagram``).
    phase_name : str
        The system's name when it is not the theory's own (``"ntp_separability"``); empty
        means ``name``.
    """

    name: str
    title: str
    nav_title: str
    papers: tuple[str, ...]
    status: str
    phase_diagram: bool = False
    phase_name: str = ""

    @property
    def phase_system(self) -> str:
        """The ``sims.phase_diagram`` system name, computed by ``sims.<name>.<system>_phase_diagram``."""
        return self.phase_name or self.name

    @property
    def main_paper(self) -> Paper:
        return PAPERS[self.papers[0]]

    @property
    def docs_page(self) -> str:
        """Path of the docs page relative to ``docs/``."""
        return f"{self.name}.md"


_THEORY_LIST = (
    TheoryInfo("lazy_rich", "lazy vs rich learning in the minimal two-layer model",
               "Lazy vs rich (Kunin et al. 2024)", ("kunin2024", "saxe2014", "fort2020"), "complete",
               phase_diagram=True),
    TheoryInfo("sgd_stability", "probabilistic stability of SGD, phases of learning, stochastic collapse",
               "Stability of SGD (Ziyin et al. 2023)", ("ziyin2023", "chen2023", "mulayoff2024"), "complete",
               phase_diagram=True),
    TheoryInfo("ntp", "implicit bias of next-token prediction", "Next-token prediction (Thrampoulidis 2024)",
               ("thrampoulidis2024", "soudry2018"), "complete", phase_diagram=True,
               phase_name="ntp_separability"),
    TheoryInfo("rf_risk", "test risk of random-feature ridge regression", "Random-feature risk (Simon et al. 2023)",
               ("simon2023", "simon2021", "advani2017"), "complete", phase_diagram=True),
    # issue 12, NTP geometry (Zhao et al. 2024)
    TheoryInfo("ntp_geometry", "geometry of next-token prediction in the unconstrained-features model",
               "NTP geometry (Zhao et al. 2024)", ("zhao2024", "thrampoulidis2024"), "complete"),
    TheoryInfo("supcon_ufm", "supervised-contrastive loss in the unconstrained-features model",
               "Supervised-contrastive UFM (Behnia & Thrampoulidis 2024)", ("behnia2024", "khosla2020", "graf2021"),
               "complete"),
    # attention_svm (issue 12)
    TheoryInfo("attention_svm", "attention as max-margin token selection",
               "Attention as an SVM (Tarzanagh et al. 2023)", ("tarzanagh2023svm", "tarzanagh2023mmts", "vasudeva2024"),
               "complete"),
)

#: Every theory, by name, in the order the docs list them.
THEORIES: dict[str, TheoryInfo] = {t.name: t for t in _THEORY_LIST}

#: The phase-diagram system ``sims.phase_diagram()`` draws when called with no arguments.
DEFAULT_PHASE_SYSTEM = "sgd_stability"

_STATUSES = ("complete", "planned")


def theory_names(status: str | None = None) -> tuple[str, ...]:
    """Names of the catalogued theories, optionally only those with ``status``.

    Parameters
    ----------
    status : {"complete", "planned"} or None
        None returns every theory.

    Returns
    -------
    tuple of str
    """
    if status is not None and status not in _STATUSES:
        raise ValueError(f"status must be one of {_STATUSES} or None; got {status!r}")
    return tuple(n for n, t in THEORIES.items() if status is None or t.status == status)


def implemented_theories() -> tuple[str, ...]:
    """Theories whose subpackages exist (every status but ``"planned"``).

    Returns
    -------
    tuple of str
        In catalogue order.
    """
    return tuple(n for n, t in THEORIES.items() if t.status != "planned")


def phase_systems() -> tuple[str, ...]:
    """Theories with a phase diagram: the ``system`` choices of ``sims.phase_diagram``.

    Returns
    -------
    tuple of str
        In catalogue order.
    """
    return tuple(THEORIES[n].phase_system for n in implemented_theories() if THEORIES[n].phase_diagram)


def phase_theory(system: str) -> str:
    """The theory whose ``sims`` subpackage computes phase-diagram ``system``.

    Parameters
    ----------
    system : str
        One of :func:`phase_systems`.

    Returns
    -------
    str
        The theory name; ``sims.<theory>.<system>_phase_diagram`` computes the diagram.
    """
    for n in implemented_theories():
        if THEORIES[n].phase_diagram and THEORIES[n].phase_system == system:
            return n
    raise ValueError(f"system must be one of {list(phase_systems())}; got {format_value(system)}")


def theory_info(name: str) -> TheoryInfo:
    """The catalogue entry of theory ``name``; ``ValueError`` naming the choices otherwise.

    Parameters
    ----------
    name : str
        A key of :data:`THEORIES`.

    Returns
    -------
    TheoryInfo
    """
    if not isinstance(name, str) or name not in THEORIES:
        raise ValueError(f"theory must be one of {list(THEORIES)}; got {format_value(name)}")
    return THEORIES[name]


def paper(key: str) -> Paper:
    """The paper with ``key``; ``ValueError`` naming the choices otherwise.

    Parameters
    ----------
    key : str
        A key of :data:`PAPERS`, e.g. ``"kunin2024"``.

    Returns
    -------
    Paper
    """
    if not isinstance(key, str) or key not in PAPERS:
        raise ValueError(f"paper must be one of {list(PAPERS)}; got {format_value(key)}")
    return PAPERS[key]

"""Result objects print a short summary, not every array (theory.summary.compact_repr).

Every public dataclass of theory, sims and proofs_check (found from the packages' ``__all__``
and their public modules) uses the one shared ``repr``: under 15 lines and 1,500 characters,
naming every field, numbers written plainly.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil

import numpy as np
import pytest

import proofs_check
import sims
import theory
from theory.summary import compact_repr, summarize

MAX_LINES, MAX_CHARS = 15, 1500


def _public_dataclasses():
    found, seen = {}, set()

    def visit(module):
        if module.__name__ in seen:
            return
        seen.add(module.__name__)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if inspect.ismodule(obj) and obj.__name__.split(".")[0] in ("theory", "sims", "proofs_check"):
                visit(obj)
            elif inspect.isclass(obj) and dataclasses.is_dataclass(obj):
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj

    for package in (theory, sims, proofs_check):
        visit(package)
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if not any(part.startswith("_") for part in info.name.split(".")):
                visit(importlib.import_module(info.name))
    return dict(sorted(found.items()))


CLASSES = _public_dataclasses()


@compact_repr
@dataclasses.dataclass(frozen=True)
class _Reference:
    x: int


def _synthetic(annotation: str):
    """A large value of the annotated kind (bigger than real results, so the bound is not luck)."""
    rng = np.random.default_rng(0)
    ann = str(annotation)
    if "ndarray" in ann or "Array" in ann:
        return rng.normal(size=(500, 60))
    if "Mapping" in ann or "dict" in ann:
        return {f"quantity_{i}": rng.normal(size=(200, 200)) for i in range(12)}
    if "Callable" in ann:
        return _synthetic
    if "tuple" in ann or "Sequence" in ann or "list" in ann:
        return tuple(rng.normal(size=1000))
    if "str" in ann:
        return "a long description of what this field holds, " * 6
    if "bool" in ann:
        return np.bool_(True)
    if "int" in ann:
        return np.int64(123456)
    if "float" in ann:
        return np.float64(-0.1)
    return rng.normal(size=(300, 300))


def _check(text: str, obj):
    name = type(obj).__name__
    assert text.startswith(name + "("), text[:80]
    assert len(text.splitlines()) <= MAX_LINES and len(text) <= MAX_CHARS, (len(text.splitlines()), len(text), text)
    for f in dataclasses.fields(obj):
        if f.repr:
            assert f"{f.name}=" in text, (f.name, text)
    assert "np.float64(" not in text and "np.int64(" not in text and "np.str_(" not in text


def test_public_result_classes_are_found():
    names = {cls.__name__ for cls in CLASSES.values()}
    assert {"PhaseDiagram", "ExactSolution", "GradientFlowResult", "GradientDescentResult", "TwoLayerSGDResult",
            "LyapunovResult", "TeacherStudentResult", "Report"} <= names


@pytest.mark.parametrize("qualname", list(CLASSES))
def test_every_public_dataclass_uses_the_shared_short_repr(qualname):
    cls = CLASSES[qualname]
    assert cls.__repr__ is _Reference.__repr__, f"{qualname}: decorate it with theory.summary.compact_repr"
    obj = object.__new__(cls)                  # fill the fields without running __post_init__
    for f in dataclasses.fields(cls):
        object.__setattr__(obj, f.name, _synthetic(f.type))
    _check(repr(obj), obj)


def test_phase_diagram_repr_is_a_summary_with_phase_counts():
    result = sims.phase_diagram(save=False, plot=False)      # was 964 lines
    text = repr(result)
    _check(text, result)
    labels, counts = np.unique(result.labels, return_counts=True)
    for label, count in zip(labels.tolist(), counts.tolist()):
        assert f"'{label}': {count}" in text                   # phase counts, read from the labels
    assert f"x=array(({result.x.size},), float64, min={result.x.min():g}, max={result.x.max():g})" in text


def test_real_results_print_short():
    from theory.lazy_rich import exact_solution

    sol = exact_solution(0.1, [0.2, -0.1], [1.0, 0.5], np.linspace(0, 10, 2001))
    _check(repr(sol), sol)
    report = proofs_check.get_claim("lazy_rich.exact_vs_ode").check()
    _check(repr(report), report)


def test_summary_rules():
    assert summarize(np.float64(-0.1)) == "-0.1" and summarize(np.int64(3)) == "3"
    assert summarize(np.array([2.5])) == "array((1,), float64, value=2.5)"
    assert summarize(np.array([1.0, np.nan, 3.0])) == "array((3,), float64, min=1, max=3, nonfinite=1)"
    assert summarize(np.array(["a", "b", "a"])) == "array((3,), <U1, counts={'a': 2, 'b': 1})"
    assert summarize(np.array([True, False, True])) == "array((3,), bool, true=2)"
    assert summarize({"v": np.zeros((4, 5))}) == "{'v': array((4, 5))}"


def test_equality_and_fields_are_unchanged():
    from proofs_check import Check

    assert Check("e", 1.0, 2.0, "absolute") == Check("e", 1.0, 2.0, "absolute")
    assert Check("e", 1.0, 2.0, "absolute") != Check("e", 1.0, 3.0, "absolute")
    assert [f.name for f in dataclasses.fields(Check)] == ["name", "error", "tolerance", "unit"]
    with pytest.raises(TypeError, match="dataclass"):
        compact_repr(int)

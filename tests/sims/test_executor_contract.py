"""Every sweep takes ``executor=``, and docs/cluster.md lists exactly the functions that do."""

import importlib
import inspect
import re
from pathlib import Path

from theory.catalog import implemented_theories, phase_systems, phase_theory

DOCS = Path(__file__).resolve().parents[2] / "docs" / "cluster.md"


def _functions_with_executor():
    found = set()
    for theory in implemented_theories():
        module = importlib.import_module(f"sims.{theory}")
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isroutine(obj) and "executor" in inspect.signature(obj).parameters:
                found.add(f"sims.{theory}.{name}")
    return found


def test_the_cluster_page_lists_every_function_that_takes_executor():
    listed = set(re.findall(r"^\| `(sims\.[\w.]+)` \|", DOCS.read_text(), flags=re.M))
    assert listed == _functions_with_executor()


def test_every_phase_system_that_simulates_takes_executor():
    from sims.phase import _WARM_UP

    for system in phase_systems():
        compute = getattr(importlib.import_module(f"sims.{phase_theory(system)}"), f"{system}_phase_diagram")
        simulates = bool(_WARM_UP[system]) or "simulate" in inspect.signature(compute).parameters
        if simulates:
            assert "executor" in inspect.signature(compute).parameters, system

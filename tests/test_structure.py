"""The package's structure holds: no import cycle, no module takes another's private name.

The figures come from ``bench/structure.py`` (which reads the source with ``ast``): imports
inside functions count, as they are cycles a reader must keep in mind all the same.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _structure():
    spec = importlib.util.spec_from_file_location("structure", ROOT / "bench" / "structure.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _graph_and_private():
    structure = _structure()
    modules = structure._modules(ROOT / "geozones")
    known = set(modules)
    graph: dict[str, set[str]] = {}
    private: dict[str, set[str]] = {}
    for name, path in modules.items():
        for target, names in structure._imports(name, path, known):
            if target == name:
                continue
            if "geozones" not in (name, target):  # the package's __init__ re-exports
                graph.setdefault(name, set()).add(target)
            for n in names:
                private.setdefault(f"{name} <- {target}", set()).add(n)
    return structure, graph, private


def test_no_module_imports_another_modules_private_name():
    _, _, private = _graph_and_private()
    assert private == {}


def test_no_import_cycle_inside_the_package():
    structure, graph, _ = _graph_and_private()
    assert structure._cycles(graph) == []


def test_the_guards_see_what_they_guard(tmp_path):
    # a package with a cycle and a private import: both are found
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "a.py").write_text("from pkg.b import _hidden\n", encoding="utf-8")
    (package / "b.py").write_text("def f():\n    from pkg import a\n", encoding="utf-8")
    structure = _structure()
    modules = structure._modules(package)
    graph: dict[str, set[str]] = {}
    private = []
    for name, path in modules.items():
        for target, names in structure._imports(name, path, set(modules)):
            graph.setdefault(name, set()).add(target)
            private += names
    assert private == ["_hidden"]
    assert structure._cycles(graph) == [["pkg.a", "pkg.b"]]

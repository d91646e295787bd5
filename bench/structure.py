"""The package's structure in figures: what issue 15 asks a closing note to compare.

Run from the repository root::

    .venv/bin/python bench/structure.py [--longest 10] [--package geozones]

It reads the package's source with :mod:`ast` (nothing is imported or run) and prints:

- lines per module (all lines, as ``wc -l`` counts them);
- the longest functions and methods (lines from ``def`` to their last line, docstring
  included);
- every import of another module's private (``_name``) name, module by module;
- the import cycles among the package's modules (imports inside functions count too:
  they are cycles a reader must keep in mind, even when Python tolerates them).
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path


def _modules(package: Path) -> dict[str, Path]:
    """``{dotted name: path}`` of every module of the package."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _resolve(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _imports(name: str, path: Path, known: set[str]):
    """(imported module, private names taken from it) for each import of the package."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in known:
                    yield alias.name, []
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(name, node, is_package)
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in known:  # from geozones import checks
                    yield sub, []
                elif target in known:
                    private = alias.name.startswith("_") and not alias.name.startswith("__")
                    yield target, [alias.name] if private else []
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            # checks._lines_table after "from geozones import checks"
            qualified = f"{name.rsplit('.', 1)[0]}.{node.value.id}"
            if qualified in known and node.attr.startswith("_") and qualified != name:
                if not node.attr.startswith("__"):
                    yield qualified, [node.attr]


def _functions(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    stack = [(tree, "")]
    while stack:
        node, prefix = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                yield f"{prefix}{child.name}", child.end_lineno - child.lineno + 1
                stack.append((child, f"{prefix}{child.name}."))
            elif isinstance(child, ast.ClassDef):
                stack.append((child, f"{prefix}{child.name}."))


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", default="geozones")
    parser.add_argument("--longest", type=int, default=10)
    args = parser.parse_args(argv)
    package = Path(args.package)
    modules = _modules(package)
    known = set(modules)

    print(f"{'module':<28} {'lines':>6}")
    total = 0
    for name, path in modules.items():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        total += lines
        print(f"{name:<28} {lines:>6}")
    print(f"{'total':<28} {total:>6}")

    functions = [
        (length, f"{name}.{function}")
        for name, path in modules.items()
        for function, length in _functions(path)
    ]
    print(f"\nlongest functions (of {len(functions)})")
    for length, name in sorted(functions, reverse=True)[: args.longest]:
        print(f"  {length:>4}  {name}")

    graph: dict[str, set[str]] = {}
    private: dict[str, set[str]] = {}
    for name, path in modules.items():
        for target, names in _imports(name, path, known):
            if target == name:
                continue
            if not (name == args.package or target == args.package):  # __init__ re-exports
                graph.setdefault(name, set()).add(target)
            for n in names:
                private.setdefault(f"{name} <- {target}", set()).add(n)
    count = sum(len(v) for v in private.values())
    print(f"\nprivate names imported across modules: {count}")
    for edge, names in sorted(private.items()):
        print(f"  {edge}: {', '.join(sorted(names))}")
    cycles = _cycles(graph)
    print(f"\nimport cycles: {len(cycles)}")
    for component in cycles:
        print("  " + " <-> ".join(component))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

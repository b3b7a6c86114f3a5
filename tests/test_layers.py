"""The package's layering, checked rather than remembered.

An import goes down the stack, never up and never round in a circle. Imports inside functions count
(they are still a dependency); imports under ``if TYPE_CHECKING:`` do not (they never run).
"""

from __future__ import annotations

import ast
import functools
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "chatbot"

# top to bottom; names on one line are independent of each other (neither may import the other)
LAYERS: list[tuple[str, ...]] = [
    ("chatbot.__main__",),
    ("chatbot.cli",),
    ("chatbot.frontends", "chatbot.staff"),
    ("chatbot.engine",),
    ("chatbot.compose",),
    ("chatbot.safety", "chatbot.retrieval"),
    ("chatbot.articles",),
    ("chatbot.text",),
    ("chatbot.config",),
    ("chatbot.infra",),
    ("chatbot.models", "chatbot.errors", "chatbot.data", "chatbot"),
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(path: Path) -> set[str]:
    """Every chatbot module that ``path`` imports, at any depth, except under TYPE_CHECKING."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    here = module_name(path)
    is_package = path.name == "__init__.py"

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "chatbot")
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = here.split(".") if is_package else here.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            if base.split(".")[0] == "chatbot":
                found.add(base)
                for a in node.names:  # "from chatbot.infra import store" imports a module
                    if (PACKAGE.parent / (base + "." + a.name).replace(".", "/")).with_suffix(".py").exists():
                        found.add(f"{base}.{a.name}")
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    found.discard(here)
    return found


def all_modules() -> dict[str, set[str]]:
    return {module_name(p): imports_of(p) for p in sorted(PACKAGE.rglob("*.py"))}


def big_classes() -> list[str]:
    big = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and (node.end_lineno or 0) - node.lineno + 1 > 200:
                big.append(f"{path.name}:{node.name}")
    return big


@functools.lru_cache(maxsize=1)
def package_facts() -> dict:
    """The package's imports and big classes, read in a fresh interpreter: CPython 3.11's ast.parse
    can fail ("AST constructor recursion depth mismatch") while other threads of the test session,
    such as a model loading in the background, are running."""
    proc = subprocess.run([sys.executable, __file__], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    facts = json.loads(proc.stdout)
    assert "chatbot.engine" in facts["imports"] and len(facts["imports"]) > 30, "the package was not read"
    return facts


def package_imports() -> dict[str, set[str]]:
    return {m: set(imps) for m, imps in package_facts()["imports"].items()}


def layer_of(module: str) -> tuple[int, str]:
    best: tuple[int, str] | None = None
    for depth, names in enumerate(LAYERS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and (best is None or len(name) > len(best[1])):
                best = (depth, name)
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best


def violations(graph: dict[str, set[str]]) -> list[str]:
    out = []
    for module, imported in graph.items():
        depth, group = layer_of(module)
        for target in sorted(imported):
            t_depth, t_group = layer_of(target)
            if t_group == group:
                continue  # inside one stage: checked by the cycle test
            if t_depth <= depth and t_group != "chatbot":
                out.append(f"{module} (layer {group}) imports {target} (layer {t_group})")
    return out


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def connect(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return out


def test_no_import_goes_up_a_layer() -> None:
    assert violations(package_imports()) == []


def test_no_import_cycles() -> None:
    graph = {m: {i for i in imps if i != "chatbot"} for m, imps in package_imports().items()}
    assert cycles(graph) == []


def test_the_checks_catch_an_upward_import_and_a_cycle() -> None:
    graph = {"chatbot.infra.store": {"chatbot.engine"}, "chatbot.engine": {"chatbot.infra.store"}}
    assert violations(graph) == ["chatbot.infra.store (layer chatbot.infra) imports chatbot.engine (layer chatbot.engine)"]
    assert cycles(graph) == [["chatbot.engine", "chatbot.infra.store"]]


def test_sideways_imports_between_stages_of_one_layer_fail() -> None:
    assert violations({"chatbot.safety.rules": {"chatbot.retrieval.dense"}})


@pytest.mark.parametrize("source, expected", [
    ("from chatbot.infra import store\n", {"chatbot.infra", "chatbot.infra.store"}),
    ("def f():\n    from chatbot.engine import Engine\n", {"chatbot.engine"}),
    ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from chatbot.engine import Engine\n", set()),
])
def test_imports_are_read_at_any_depth_but_not_for_typing(tmp_path: Path, source: str, expected: set[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    fake = PACKAGE / "infra" / "probe_for_layers_test.py"
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: source)
    assert imports_of(fake) == expected


def test_package_shape() -> None:
    """At most eight modules at the top of the package; the stages are subpackages."""
    top = [p.name for p in PACKAGE.glob("*.py")]
    assert len(top) <= 8, top
    assert len([p for p in PACKAGE.iterdir() if (p / "__init__.py").exists() and p.name != "data"]) >= 5


def test_no_class_is_over_200_lines() -> None:
    assert package_facts()["big_classes"] == []


if __name__ == "__main__":
    print(json.dumps({"imports": {m: sorted(i) for m, i in all_modules().items()}, "big_classes": big_classes()}))

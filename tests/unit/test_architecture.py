"""The dependency direction of DEVELOPERS.md, enforced on every import in the tree."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OURS = ("cases", "store", "mail_intake", "bot", "templates", "rightsdesk")
# package -> the packages of ours it may import
ALLOWED: dict[str, set[str]] = {
    "store": set(),
    "templates": set(),
    "cases": {"store", "templates"},
    "mail_intake": {"cases", "store", "templates"},
    "bot": {"cases", "store", "templates"},
    "rightsdesk": set(OURS),
}
ENV_READERS = ("os.environ", "os.getenv", "getenv(")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & set(OURS)


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", OURS)
def test_each_package_imports_only_what_the_layering_allows(package: str) -> None:
    bad = {
        str(path.relative_to(ROOT)): sorted(_imports(path) - ALLOWED[package] - {package})
        for path in _modules(package)
    }
    assert {k: v for k, v in bad.items() if v} == {}


@pytest.mark.parametrize("package", [p for p in OURS if p != "rightsdesk"])
def test_only_the_wiring_reads_the_environment(package: str) -> None:
    readers = [
        str(path.relative_to(ROOT))
        for path in _modules(package)
        if any(marker in path.read_text(encoding="utf-8") for marker in ENV_READERS)
    ]
    assert readers == []


def test_mail_intake_and_bot_never_import_each_other() -> None:
    assert all("bot" not in _imports(p) for p in _modules("mail_intake"))
    assert all("mail_intake" not in _imports(p) for p in _modules("bot"))


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _module_imports(path: Path, known: set[str]) -> set[str]:
    """The modules of `known` that `path` imports anywhere: at the top, in a function, for types."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            submodules = {f"{node.module}.{alias.name}" for alias in node.names}
            # `from package import submodule` needs the submodule, not the package's own names.
            found |= submodules & known or {node.module}
    return found & known


def _a_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle of `graph` as the modules along it, or [] if there is none."""
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> list[str]:
        if module in path:
            return [*path[path.index(module) :], module]
        if module in done:
            return []
        for imported in sorted(graph[module]):
            cycle = visit(imported, [*path, module])
            if cycle:
                return cycle
        done.add(module)
        return []

    for module in sorted(graph):
        cycle = visit(module, [])
        if cycle:
            return cycle
    return []


@pytest.mark.parametrize("package", OURS)
def test_no_module_imports_one_that_imports_it_back(package: str) -> None:
    paths = {_module_name(path): path for path in _modules(package)}
    graph = {name: _module_imports(path, set(paths)) - {name} for name, path in paths.items()}
    assert _a_cycle(graph) == []

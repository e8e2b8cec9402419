"""The shape of the code: the domain package never imports Streamlit; one module queries."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "convergence"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_domain_package_never_imports_streamlit() -> None:
    for path in PACKAGE.rglob("*.py"):
        assert not any(m.split(".")[0] == "streamlit" for m in imported_modules(path)), path


def test_only_the_store_queries() -> None:
    for path in PACKAGE.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        if "store" not in path.relative_to(PACKAGE).parts:
            assert "session.exec(" not in source and "select(" not in source, path


def test_a_module_over_about_400_lines_says_why_at_its_top() -> None:
    root = Path(__file__).resolve().parent.parent
    long = []
    for path in sorted((root / "convergence").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > 420:
            doc = ast.get_docstring(ast.parse(text)) or ""
            if "Over 400 lines:" not in doc:
                long.append(str(path.relative_to(root)))
    assert not long, f"say why at the top, or split: {long}"

"""The package promises CPython 3.9+ (brief R4): its source must be valid 3.9 syntax, and every
module must postpone annotations so that 3.10+ annotation syntax cannot fail at import."""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "wsging"
MODULES = sorted(SRC.rglob("*.py"))


def test_the_package_declares_python_3_9():
    text = (SRC.parents[1] / "pyproject.toml").read_text()
    assert 'requires-python = ">=3.9"' in text


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(SRC)) for p in MODULES])
def test_package_source_parses_as_python_3_9(path):
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, filename=str(path), feature_version=(3, 9))
    assert not any(isinstance(node, getattr(ast, "Match", ())) for node in ast.walk(tree)), (
        f"{path}: `match` needs Python 3.10"
    )
    annotated = any(
        isinstance(node, (ast.AnnAssign, ast.arg)) and node.annotation is not None
        or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns is not None
        for node in ast.walk(tree)
    )
    if annotated:
        assert "from __future__ import annotations" in source, (
            f"{path}: annotations without `from __future__ import annotations`"
        )

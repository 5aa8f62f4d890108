"""The shape of the source, as issue 19 set it: every module says in its docstring what it
owns, and none grows past about 400 lines (a sign that it owns more than one thing)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.helpers import ROOT

PACKAGE = ROOT / "src" / "khabar"
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_LINES = 400


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_module_says_what_it_owns_and_stays_small(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    docstring = ast.get_docstring(ast.parse(source))
    assert docstring and docstring.splitlines()[0].strip(), "no docstring saying what the module owns"
    assert source.count("\n") <= MAX_LINES, f"{source.count(chr(10))} lines: split it by what it owns"

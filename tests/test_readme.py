"""The README's Python examples run as doctests, so they cannot drift from the code."""

from __future__ import annotations

import doctest

from tests.helpers import ROOT


def test_readme_examples_run() -> None:
    result = doctest.testfile(
        str(ROOT / "README.md"),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
    )
    assert result.attempted > 0
    assert result.failed == 0

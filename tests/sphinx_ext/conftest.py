"""Shared fixtures for the jigger_sphinx tests (sphinx.testing roots)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sphinx.testing.util import SphinxTestApp
from sphinx.util.console import strip_escape_sequences

_TYPE_TAIL = re.compile(r" \[[\w.-]+\]$")
_WARNING = re.compile(
    r"^(?P<path>\S.*?):(?P<line>\d+): (?:WARNING|ERROR): (?P<message>.*)$"
)


@pytest.fixture(scope="session")
def rootdir() -> Path:
    """Directory holding the ``test-<name>`` Sphinx projects used by the tests."""
    return Path(__file__).parent / "roots"


@pytest.fixture
def copy_root(rootdir: Path, tmp_path: Path) -> Callable[[str], Path]:
    """Copy ``roots/test-<name>`` into this test's own directory (for edits)."""

    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(rootdir / f"test-{name}", target)
        return target

    return copy


def build_html(
    make_app: Callable[..., SphinxTestApp], srcdir: Path, **kwargs: Any
) -> SphinxTestApp:
    """Build ``srcdir`` with the html builder, then undo docutils' global
    registrations, so that the next app of the same test can register its
    roles and directives (myst's among them) again without a warning."""
    app = make_app("html", srcdir=srcdir, **kwargs)
    try:
        app.build()
    finally:
        app.cleanup()
    return app


def parse_warnings(text: str, srcdir: Path) -> list[tuple[str, str]]:
    """``[("file.rst:LINE", "message first line"), ...]`` from Sphinx warnings
    and errors,
    paths relative to ``srcdir``, without colours or a ``[type.subtype]`` tail."""
    found = []
    for line in strip_escape_sequences(text).splitlines():
        match = _WARNING.match(line)
        if match is None:
            continue
        path = Path(match["path"])
        try:
            shown = path.relative_to(srcdir).as_posix()
        except ValueError:
            shown = path.as_posix()
        message = _TYPE_TAIL.sub("", match["message"])
        found.append((f"{shown}:{match['line']}", message))
    return found


@pytest.fixture
def warnings_of() -> Callable[[str, Path], list[tuple[str, str]]]:
    """The :func:`parse_warnings` helper, as a fixture."""
    return parse_warnings

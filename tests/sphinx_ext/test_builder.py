"""``sphinx-build -b jigger-check``: examples and references, no HTML."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sphinx.testing.util import SphinxTestApp
from sphinx.util.console import strip_escape_sequences


def _run_sphinx_build(srcdir: Path, outdir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-b",
            "jigger-check",
            str(srcdir),
            str(outdir),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_check_builder_writes_no_html_and_prints_the_summary(
    make_app: Callable[..., SphinxTestApp], copy_root: Callable[[str], Path]
) -> None:
    srcdir = copy_root("ex-pass")
    app = make_app("jigger-check", srcdir=srcdir, builddir=srcdir.parent / "_build")
    app.build()
    assert not list(Path(app.outdir).rglob("*.html"))
    status = strip_escape_sequences(app.status.getvalue())
    assert (
        "jigger-sphinx: 16 examples: 14 passed, 0 failed, 2 skipped "
        "(16 executed, 0 cached); 0 references checked, 0 broken"
    ) in status
    assert app.statuscode == 0


@pytest.mark.slow
def test_command_line_exit_status(
    copy_root: Callable[[str], Path], tmp_path: Path
) -> None:
    good = _run_sphinx_build(copy_root("ex-pass"), tmp_path / "good")
    assert good.returncode == 0, good.stderr
    assert "jigger-sphinx: 16 examples: 14 passed, 0 failed" in good.stdout

    bad = _run_sphinx_build(copy_root("ex-faults"), tmp_path / "bad")
    assert bad.returncode == 1
    assert "jigger-sphinx: 16 examples: 4 passed, 12 failed" in bad.stdout
    assert "wrong.rst:4: WARNING: expected '7', got '6'" in bad.stderr


def test_check_builder_fails_even_when_config_only_warns(
    make_app: Callable[..., SphinxTestApp], copy_root: Callable[[str], Path]
) -> None:
    srcdir = copy_root("ex-faults")
    app = make_app(
        "jigger-check",
        srcdir=srcdir,
        builddir=srcdir.parent / "_build",
        confoverrides={"jigger_fail_on_error": False},
    )
    app.build()
    assert app.statuscode == 1


def test_summary_counts_references_and_broken_ones_fail_the_check(
    make_app: Callable[..., SphinxTestApp], copy_root: Callable[[str], Path]
) -> None:
    srcdir = copy_root("refs-broken")  # H-refs' project with broken references
    app = make_app(
        "jigger-check",
        srcdir=srcdir,
        builddir=srcdir.parent / "_build",
        confoverrides={"extensions": "myst_parser,jigger_sphinx"},
    )
    app.build()
    status = strip_escape_sequences(app.status.getvalue())
    match = re.search(r"; (\d+) references checked, (\d+) broken$", status, re.M)
    assert match is not None, status
    checked, broken = int(match[1]), int(match[2])
    assert checked >= broken > 0
    assert app.statuscode == 1

"""The book itself: built as ``nox -s docs`` builds it, every check on.

This is the test that fails when a page of the book has a broken reference,
a failing example or any other warning, whether or not a browser is
available for the browsing tests.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO

pytestmark = pytest.mark.slow

SUMMARY = re.compile(
    r"^jigger-sphinx: (?P<n>\d+) examples: (?P<passed>\d+) passed,"
    r" (?P<failed>\d+) failed, (?P<skipped>\d+) skipped"
    r" \((?P<executed>\d+) executed, (?P<cached>\d+) cached\);"
    r" (?P<refs>\d+) references checked, (?P<broken>\d+) broken$",
    re.MULTILINE,
)

#: The book's pages (docnames), as issue 6 lists them.
PAGES = [
    "foreword",
    "installation",
    "quickstart",
    "tutorial/index",
    "templating",
    "testing",
    "errorhandling",
    "config",
    "blueprints",
    "views",
    "signals",
    "async",
    "cli",
    "deploying",
    "patterns",
    "security",
    "becomingbig",
    "docstoolchain",
    "api",
    "changelog",
    "license",
]


def installed_copy(dest: Path) -> dict[str, str]:
    """An environment in which jigger and jigger_sphinx are imported from a
    copy outside the checkout, as after a normal (non-editable) install."""
    site = dest / "site-packages"
    for package in ("framework/jigger", "sphinx_ext/jigger_sphinx"):
        shutil.copytree(
            REPO / package,
            site / Path(package).name,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    env = dict(os.environ, PYTHONPATH=str(site))
    where = subprocess.run(
        [sys.executable, "-c", "import jigger, jigger_sphinx; print(jigger.__file__)"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(site), where
    return env


def test_the_book_builds_with_every_check_and_no_warning(tmp_path: Path) -> None:
    """Built with jigger imported from outside the checkout (installed
    normally); ``nox -s docs`` and the other tests build it from the
    editable checkout."""
    out = tmp_path / "html"
    env = installed_copy(tmp_path)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "-n",
            "--keep-going",
            "-c",
            str(REPO / "conf"),
            str(REPO / "docs"),
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-5000:]
    assert "WARNING" not in result.stderr, result.stderr[-5000:]
    match = SUMMARY.search(result.stdout)
    assert match is not None, result.stdout[-2000:]
    counts = {key: int(value) for key, value in match.groupdict().items()}
    assert counts["failed"] == 0
    assert counts["broken"] == 0
    assert counts["executed"] == counts["n"]  # a fresh build runs them all
    assert counts["n"] >= 300  # the book is checked, not just built
    assert counts["refs"] >= 100
    for page in PAGES:
        html = (out / f"{page}.html").read_text(encoding="utf-8")
        # each page with examples ends with the version they were checked on
        has_footer = 'class="jigger-checked"' in html
        assert has_footer == (page not in ("changelog", "license")), page
    foreword = (out / "foreword.html").read_text(encoding="utf-8")
    assert 'href="installation.html' in foreword
    assert 'href="becomingbig.html' in foreword
    myst_pages = [p for p in PAGES if (REPO / "docs" / f"{p}.md").exists()]
    assert len(myst_pages) * 3 >= len(PAGES)  # at least a third in MyST


#: What a page would need only to find the code from a checkout: a reader
#: types none of it (conf/conf.py puts examples/blog on the import path).
PLUMBING = re.compile(r"sys\.path\.(insert|append)|__file__\)\.resolve\(\)\.parents")


def test_no_page_shows_import_path_plumbing() -> None:
    found = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for path in sorted((REPO / "docs").rglob("*"))
        if path.suffix in {".rst", ".md"}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if line.lstrip().startswith((">>>", "...")) and PLUMBING.search(line)
    ]
    assert not found, "\n".join(found)

"""The steps of docs/docstoolchain.md, "Turning it on", taken on a project
made by ``sphinx-quickstart``, with the ``conf.py`` lines read from the page."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "docstoolchain.md"


def _conf_lines_from_the_page() -> str:
    text = PAGE.read_text(encoding="utf-8")
    section = text.split("## Turning it on", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None
    return match.group(1)


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_a_quickstart_project_following_the_page(tmp_path: Path) -> None:
    made = _run(
        "sphinx.cmd.quickstart", "-q", "-p", "mypkg", "-a", "me", "docs", cwd=tmp_path
    )
    assert made.returncode == 0, made.stderr
    package = tmp_path / "src" / "mypkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(
        'def greet(name: str) -> str:\n    return f"Hello, {name}!"\n',
        encoding="utf-8",
    )
    docs = tmp_path / "docs"
    with (docs / "conf.py").open("a", encoding="utf-8") as fh:
        fh.write("\n" + _conf_lines_from_the_page())
    (docs / "usage.md").write_text(
        "# Usage\n\n```pycon\n>>> from mypkg import greet\n>>> greet('Ada')\n"
        "'Hello, Ada!'\n```\n",
        encoding="utf-8",
    )
    with (docs / "index.rst").open("a", encoding="utf-8") as fh:
        fh.write("\n.. toctree::\n\n   usage\n\n>>> greet = None\n")

    # "build as you always do, from the project's root"
    built = _run("sphinx", "docs", "docs/_build/html", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert "WARNING" not in built.stderr, built.stderr
    assert (
        "jigger-sphinx: 2 examples: 2 passed, 0 failed, 0 skipped "
        "(2 executed, 0 cached)"
    ) in built.stdout
    # a wrong example fails the build, at its line
    usage = docs / "usage.md"
    usage.write_text(
        usage.read_text(encoding="utf-8").replace("Hello, Ada", "Hi, Ada"),
        encoding="utf-8",
    )
    again = _run("sphinx", "docs", "docs/_build/html", cwd=tmp_path)
    assert again.returncode == 1
    assert f"{usage}:5: WARNING: expected" in again.stderr

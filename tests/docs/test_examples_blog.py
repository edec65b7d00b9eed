"""The tutorial's example application passes its own test suite.

The blog in ``examples/blog`` is a project of its own, with its own pytest
configuration (its ``pyproject.toml``), so it is tested the way its reader
would test it: ``python -m pytest`` run inside ``examples/blog``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BLOG = Path(__file__).resolve().parents[2] / "examples" / "blog"


@pytest.mark.slow
def test_the_blog_examples_own_tests_pass() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=BLOG,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    summary = result.stdout.strip().splitlines()[-1]
    assert " passed" in summary
    assert "failed" not in summary
    assert "error" not in summary


def test_the_blog_has_what_the_tutorial_shows() -> None:
    package = BLOG / "blog"
    expected = [
        "__init__.py",
        "auth.py",
        "db.py",
        "posts.py",
        "schema.sql",
        "static/style.css",
        "templates/base.html",
        "templates/auth/login.html",
        "templates/auth/register.html",
        "templates/posts/index.html",
        "templates/posts/create.html",
        "templates/posts/update.html",
    ]
    missing = [name for name in expected if not (package / name).is_file()]
    assert missing == []

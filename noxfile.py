"""The sessions people use: ``nox -s tests``, ``docs``, ``serve``, ``lint``, ``typing``.

Each session installs what it needs into its own virtual environment, so a
fresh machine with only ``python3`` and ``pip`` can run any of them.
"""

from __future__ import annotations

import os
import shutil

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests", "lint", "typing"]

DOCS_OUT = "build/html"
# The book runs examples of every optional feature (async views, .env files)
# and documents the pytest plugin, so its build needs those extras too.
BOOK_DEPS = ("-e", ".[docs,async,dotenv]", "pytest")


def need_graphviz(session: nox.Session) -> None:
    """The book's design page draws its diagrams with Graphviz's ``dot``:
    install Debian's ``graphviz`` when it is missing and apt-get is there."""
    if shutil.which("dot") is not None:
        return
    apt = shutil.which("apt-get")
    if apt is None:
        session.error("the book needs Graphviz's dot: install graphviz")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    session.run(*sudo, apt, "update", external=True, env=env)
    session.run(*sudo, apt, "install", "-y", "graphviz", external=True, env=env)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the whole test suite (framework, doc toolchain, the book)."""
    need_graphviz(session)
    session.install("-e", ".[tests]")
    args = session.posargs or ["-n", "2", "tests"]
    session.run("python", "-m", "pytest", *args)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check on every Python file."""
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typing(session: nox.Session) -> None:
    """mypy --strict on both packages."""
    session.install("-e", ".[tests]", "mypy", "types-docutils", "types-Pygments")
    session.run("mypy", "--strict")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the book with every check; warnings are errors."""
    need_graphviz(session)
    session.install(*BOOK_DEPS)
    session.run(
        "sphinx-build", "-W", "-n", "--keep-going", "-c", "conf", "docs", DOCS_OUT
    )


@nox.session
def serve(session: nox.Session) -> None:
    """Build the book with every check, serve it on 127.0.0.1, rebuild on change.

    Prints the foreword's URL. Options after ``--`` go to ``jigger-docs``
    (``nox -s serve -- --port 8000``, ``--no-watch``, ``--help``).
    """
    need_graphviz(session)
    session.install(*BOOK_DEPS)
    session.run(
        "jigger-docs",
        "docs",
        "--conf",
        "conf",
        "--out",
        DOCS_OUT,
        *session.posargs,
    )


#: What the suites of ``nox -s extensions`` need besides jigger's test
#: extra (which pins the five extensions): Flask at the release whose suite
#: runs, and each suite's own test dependencies. pytest 9 removed a name
#: Flask 3.1.3's test_cli.py imports; Flask-SQLAlchemy 3.1.1's tests predate
#: SQLAlchemy 2.1; pytest-asyncio, pytest-xprocess and redis are
#: Flask-Caching's, semantic-version Flask-Login's.
SUITE_DEPS = (
    "flask==3.1.3",
    "pytest==8.4.*",
    "SQLAlchemy==2.0.*",
    "greenlet",
    "semantic-version",
    "pytest-asyncio",
    "pytest-xprocess",
    "redis",
)


@nox.session
def extensions(session: nox.Session) -> None:
    """Flask's and five extensions' own test suites, on Flask and on jigger.

    Each suite runs from its sdist twice: as it is, and with ``import
    flask`` aliased to jigger (jigger.compat); a table compares them.
    ``nox -s extensions -- --only flask-login,flask`` runs some of them. The
    sdists are downloaded from PyPI into build/extensions/.
    """
    session.install("-e", ".[tests]", *SUITE_DEPS)
    session.run("python", "tests/extensions/run_suites.py", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks, side by side: the framework, the docs toolchain (issue 7) and
    the docs server's live reload against sphinx-autobuild (issue 17).

    About 12 minutes on 2 cores. ``nox -s bench -- --quick`` is a smoke run;
    ``nox -s bench -- --pages 50,200,800`` adds the 800-page project (several
    minutes more). Prints tables of medians and ratios; JSON in build/bench/.
    """
    session.install("-e", ".[tests]", "bottle", "sphinx-autobuild")
    # Flask, Bottle and Sphinx are installed with their bytecode compiled;
    # the checkout's own modules get theirs on first import, unless
    # PYTHONDONTWRITEBYTECODE is set (it is on some CI machines), when every
    # process would compile jigger and jigger_sphinx from source again.
    session.run("python", "-m", "compileall", "-q", "framework", "sphinx_ext")
    quick = ["--quick"] if "--quick" in session.posargs else []
    session.run(
        "python",
        "tests/bench/bench_framework.py",
        *quick,
        "--json",
        "build/bench/framework.json",
    )
    session.run(
        "python",
        "tests/bench/bench_docs.py",
        *session.posargs,
        "--json",
        "build/bench/docs.json",
    )
    # Edit to visible in headless Chromium: jigger-docs and sphinx-autobuild
    # side by side on a copy of the book (needs /usr/bin/chromium).
    session.run(
        "python",
        "tests/bench/bench_reload.py",
        "--edits",
        "3" if quick else "7",
        "--json",
        "build/bench/reload.json",
    )

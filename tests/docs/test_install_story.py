"""One install story everywhere: every command that installs jigger, in the
book, the README and the messages the code prints, is one of the commands of
the installation page, and names only extras the distribution has."""

from __future__ import annotations

import re
import tomllib

from jigger_sphinx.serve.cli import EXTRA_HINT

from .conftest import REPO

#: The installation page's commands: jigger from a source tree, plain,
#: editable, or with extras in one quoted pair of brackets.
STORY = re.compile(
    r'python -m pip install (?:-e )?(?:path/to/jigger(?=[\s`\'".,)]|$)'
    r'|"path/to/jigger\[(?P<extras>[a-z,]+)\]")'
)
#: The name jigger as a pip argument (``jigger``, ``'jigger[async]'``, a path
#: ending in it); not jigger_sphinx, not ``jigger-docs``.
JIGGER_ARG = re.compile(r"[\w./-]*(?<![\w-])jigger(?:\[[^\]]*\])?(?![\w-])")
PIP_INSTALL = re.compile(r"pip install\b")
EXTRA = re.compile(r"\bjigger\[[^\]]*\]")


def _texts() -> list[tuple[str, str]]:
    """The book's pages, the README and the code's source files."""
    paths = [REPO / "README.md"]
    paths += sorted(
        p for p in (REPO / "docs").rglob("*") if p.suffix in {".rst", ".md"}
    )
    for package in ("framework/jigger", "sphinx_ext/jigger_sphinx"):
        paths += sorted((REPO / package).rglob("*.py"))
    return [(str(p.relative_to(REPO)), p.read_text(encoding="utf-8")) for p in paths]


def _extras() -> set[str]:
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return set(data["project"]["optional-dependencies"])


def test_the_installation_page_tells_the_story() -> None:
    page = (REPO / "docs" / "installation.rst").read_text(encoding="utf-8")
    commands = [m.group(0) for m in STORY.finditer(page)]
    assert "python -m pip install path/to/jigger" in commands
    assert "python -m pip install -e path/to/jigger" in commands
    assert any("[" in command for command in commands)


def test_every_install_command_is_the_installation_pages() -> None:
    extras = _extras()
    wrong: list[str] = []
    for name, text in _texts():
        for number, line in enumerate(text.splitlines(), 1):
            story = [m.span() for m in STORY.finditer(line)]
            command = PIP_INSTALL.search(line)
            if command is not None:
                # the command ends where its markup or sentence does
                ends = [line.find(c, command.end()) for c in "`)"]
                end = min([e for e in ends if e != -1], default=len(line))
                for found in JIGGER_ARG.finditer(line, command.start(), end):
                    if not any(a <= found.start() < b for a, b in story):
                        wrong.append(f"{name}:{number}: {line.strip()}")
            for found in EXTRA.finditer(line):
                names = set(found.group(0)[7:-1].split(","))
                if not any(a <= found.start() < b for a, b in story):
                    wrong.append(f"{name}:{number}: {line.strip()}")
                elif not names <= extras:
                    wrong.append(f"{name}:{number}: unknown extra: {line.strip()}")
    assert not wrong, "\n".join(sorted(set(wrong)))


def test_the_docs_servers_hint_is_the_story() -> None:
    match = STORY.fullmatch(EXTRA_HINT)
    assert match is not None
    assert match.group("extras") == "docs"

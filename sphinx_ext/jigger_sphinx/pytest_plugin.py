"""pytest plugin: ``pytest --jigger-docs docs/`` runs a Sphinx project's examples.

The plugin is installed with jigger_sphinx and does nothing unless
``--jigger-docs`` is given. Then every source file of a Sphinx project found
under the paths pytest collects becomes a collector, and each example in it
one test item, named and reported by ``file:line``::

    pytest --jigger-docs docs/
    pytest --jigger-docs --jigger-conf-dir conf docs/   # conf.py elsewhere

The project is the nearest directory above a file that holds ``conf.py``, or,
with ``--jigger-conf-dir``, the command-line directory the file is in. Its
``conf.py`` must load ``jigger_sphinx``.

**Same extraction.** The plugin runs Sphinx's read phase once per session
(the ``jigger-check`` builder with ``jigger_run_examples = False``), so the
examples are exactly those the Sphinx build collects, with the same setup,
flags and timeout from ``conf.py``.

**One document, one run.** A document's examples share state (its own
namespace, and each ``sphinx.ext.doctest`` group's), so the first of its
items to run runs the whole document, in order, and the others report their
own outcome from that run. Items are named ``file:line``, with ``@group``
for an example of a ``sphinx.ext.doctest`` group and ``#2``, ``#3``, ... for
the same example collected again in one document, so every id is unique.
Under ``pytest-xdist`` each item carries an ``xdist_group`` mark named after
its document (the plugin declares the mark, for ``--strict-markers``): with
``--dist loadgroup`` a document stays on one worker; with other modes a worker
that gets part of a document still runs the whole document itself, so no
setup is ever lost (only repeated).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

    from _pytest._code.code import TerminalRepr
    from sphinx.application import Sphinx

    from jigger_sphinx.model import Example, Outcome
    from jigger_sphinx.runner import Runner

__all__ = ["DocumentFile", "ExampleFailure", "ExampleItem"]


class ExampleFailure(Exception):
    """Raised by an :class:`ExampleItem` whose example failed."""

    def __init__(self, example: Example, outcome: Outcome) -> None:
        super().__init__(outcome.summary)
        self.example = example
        self.outcome = outcome


@dataclass
class _Project:
    """One Sphinx project read for this session."""

    app: Sphinx
    tmpdir: str
    outcomes: dict[str, list[Outcome]] = field(default_factory=dict)
    runner: Runner | None = None

    def examples(self, docname: str) -> tuple[Example, ...]:
        from jigger_sphinx.domain import get_domain

        result = get_domain(self.app.env).results.get(docname)
        return result.examples if result is not None else ()

    def run(self, docname: str) -> list[Outcome]:
        """The outcomes of ``docname``'s examples, running it the first time."""
        if docname not in self.outcomes:
            from jigger_sphinx import examples as ex
            from jigger_sphinx.runner import Runner

            if self.runner is None:
                self.runner = Runner(**ex.runner_options(self.app.config))
            self.outcomes[docname] = ex.run_document(
                self.runner,
                self.examples(docname),
                setup=ex.document_setup(self.app),
                config=self.app.config,
            )
        return self.outcomes[docname]

    def close(self) -> None:
        if self.runner is not None:
            self.runner.close()
            self.runner = None
        shutil.rmtree(self.tmpdir, ignore_errors=True)


@dataclass
class _State:
    """The plugin's per-session state (kept in ``config.stash``)."""

    conf_dir: Path | None
    initial_dirs: list[Path]
    projects: dict[Path, _Project | None] = field(default_factory=dict)
    srcdir_of: dict[Path, Path | None] = field(default_factory=dict)


_STATE = pytest.StashKey[_State]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("jigger-docs", "run a Sphinx project's examples")
    group.addoption(
        "--jigger-docs",
        action="store_true",
        default=False,
        help="collect the examples of Sphinx projects (their conf.py loads "
        "jigger_sphinx) as test items, one per example",
    )
    group.addoption(
        "--jigger-conf-dir",
        default=None,
        metavar="DIR",
        help="the directory holding conf.py, when it is not the source "
        "directory (as with sphinx-build -c DIR)",
    )


def pytest_configure(config: pytest.Config) -> None:
    # The items carry pytest-xdist's mark; declared here too, so that
    # --strict-markers accepts it when pytest-xdist is not installed.
    config.addinivalue_line(
        "markers", "xdist_group(name): keep a document's examples on one worker"
    )
    if not config.getoption("jigger_docs"):
        return
    base = config.invocation_params.dir
    conf_dir = config.getoption("jigger_conf_dir")
    initial = []
    for arg in config.args:
        candidate = (base / arg.split("::")[0]).resolve()
        if candidate.is_dir():
            initial.append(candidate)
    config.stash[_STATE] = _State(
        conf_dir=(base / conf_dir).resolve() if conf_dir else None,
        initial_dirs=initial,
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(_STATE, None)
    if state is None:
        return
    for project in state.projects.values():
        if project is not None:
            project.close()
    state.projects.clear()


def _srcdir_for(state: _State, path: Path) -> Path | None:
    directory = path.parent
    if directory in state.srcdir_of:
        return state.srcdir_of[directory]
    found: Path | None = None
    if state.conf_dir is not None:
        containing = [d for d in state.initial_dirs if directory.is_relative_to(d)]
        found = min(containing, key=lambda d: len(d.parts)) if containing else None
    else:
        for candidate in (directory, *directory.parents):
            if (candidate / "conf.py").is_file():
                found = candidate
                break
    state.srcdir_of[directory] = found
    return found


def _read_project(state: _State, srcdir: Path) -> _Project:
    from sphinx.application import Sphinx

    confdir = state.conf_dir or srcdir
    tmpdir = tempfile.mkdtemp(prefix="jigger-docs-")
    status, warning = StringIO(), StringIO()
    with warnings.catch_warnings():
        # the read phase of a third-party project is not under test here
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        app = Sphinx(
            srcdir,
            confdir,
            os.path.join(tmpdir, "out"),
            os.path.join(tmpdir, "doctrees"),
            "jigger-check",
            confoverrides={"jigger_run_examples": False},
            status=status,
            warning=warning,
            freshenv=True,
        )
        if "jigger_sphinx" not in app.extensions:
            shutil.rmtree(tmpdir, ignore_errors=True)
            raise pytest.UsageError(
                f"--jigger-docs: {confdir / 'conf.py'} does not load jigger_sphinx; "
                "add it to `extensions`"
            )
        app.build()
    return _Project(app=app, tmpdir=tmpdir)


def pytest_collect_file(
    file_path: Path, parent: pytest.Collector
) -> DocumentFile | None:
    state = parent.config.stash.get(_STATE, None)
    if state is None:
        return None
    srcdir = _srcdir_for(state, file_path.resolve())
    if srcdir is None:
        return None
    if srcdir not in state.projects:
        state.projects[srcdir] = _read_project(state, srcdir)
    project = state.projects[srcdir]
    if project is None:
        return None
    docname = project.app.env.path2doc(file_path.resolve())
    if docname is None or docname not in project.app.env.found_docs:
        return None
    node: DocumentFile = DocumentFile.from_parent(parent, path=file_path)
    node.project = project
    node.docname = docname
    return node


class DocumentFile(pytest.File):
    """A Sphinx source file: its examples are the items."""

    project: _Project
    docname: str

    def collect(self) -> Iterator[ExampleItem]:
        root = self.config.rootpath
        seen: dict[str, int] = {}
        for index, example in enumerate(self.project.examples(self.docname)):
            try:
                shown = os.path.relpath(example.path, root)
            except ValueError:  # another drive
                shown = example.path
            name = f"{shown}:{example.lineno}"
            if example.group is not None:
                name += f"@{example.group}"
            # unique within the document (pytest-xdist drops items whose ids
            # repeat): the same docstring documented twice, a "*" block
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:
                name += f"#{seen[name]}"
            item: ExampleItem = ExampleItem.from_parent(self, name=name)
            item.index = index
            item.example = example
            item.shown_path = shown
            item.add_marker(pytest.mark.xdist_group(name=f"jigger-docs:{self.docname}"))
            yield item


class ExampleItem(pytest.Item):
    """One example of a document."""

    index: int
    example: Example
    shown_path: str

    @property
    def document(self) -> DocumentFile:
        parent = self.parent
        assert isinstance(parent, DocumentFile)
        return parent

    def runtest(self) -> None:
        outcomes = self.document.project.run(self.document.docname)
        outcome = outcomes[self.index]
        if outcome.status == "passed":
            return
        if outcome.status == "skipped":
            # reported at the example's file:line, not at this line
            raise pytest.skip.Exception(
                outcome.summary or "skipped", _use_item_location=True
            )
        if outcome.status == "xfailed":
            pytest.xfail(self.example.xfail or outcome.summary or "expected failure")
        raise ExampleFailure(self.example, outcome)

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: Any = None,
    ) -> str | TerminalRepr:
        if isinstance(excinfo.value, ExampleFailure):
            outcome = excinfo.value.outcome
            line = outcome.lineno or self.example.lineno
            text = f"{self.shown_path}:{line}: {outcome.summary or outcome.status}"
            if outcome.detail.strip():
                text += "\n" + outcome.detail.rstrip()
            return text
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[os.PathLike[str] | str, int | None, str]:
        # not a suffix of the node id, so pytest shows the id unchanged (it
        # would otherwise turn the dots of "file.rst" into "::")
        return (
            self.example.path,
            self.example.lineno - 1,
            f"{self.name} ({self.example.kind})",
        )

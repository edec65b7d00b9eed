"""A parallel read (``-j 2``) gives the same results as a serial one."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from sphinx.testing.util import SphinxTestApp
from sphinx.util.console import strip_escape_sequences

from jigger_sphinx import examples as examples_module
from jigger_sphinx.domain import get_domain
from jigger_sphinx.model import Example, Outcome
from jigger_sphinx.runner import PendingDocument, Runner


def _results(app: SphinxTestApp) -> dict[str, list[tuple[str, int, str]]]:
    return {
        docname: [(o.status, o.lineno, o.summary) for o in result.outcomes]
        for docname, result in get_domain(app.env).results.items()
    }


def _summary(app: SphinxTestApp) -> str:
    status = strip_escape_sequences(app.status.getvalue())
    (line,) = [x for x in status.splitlines() if x.startswith("jigger-sphinx:")]
    return line


@pytest.mark.parametrize("root", ["ex-pass", "ex-faults", "ex-doctest"])
def test_parallel_read_matches_serial(
    make_app: Callable[..., SphinxTestApp],
    copy_root: Callable[[str], Path],
    warnings_of: Callable[[str, Path], list[tuple[str, str]]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    root: str,
) -> None:
    # record which process ran each document (forked readers inherit the patch)
    log = tmp_path / "pids.txt"
    original = examples_module.submit_document

    def logged(
        runner: Runner, examples: Sequence[Example], **kw: object
    ) -> PendingDocument:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()}\n")
        return original(runner, examples, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(examples_module, "submit_document", logged)

    serial_src = copy_root(root)
    parallel_src = tmp_path / "parallel" / root
    shutil.copytree(serial_src, parallel_src)
    serial = make_app(
        "jigger-check", srcdir=serial_src, builddir=tmp_path / "serial-build"
    )
    serial.build()
    log.unlink()

    parallel = make_app(
        "jigger-check",
        srcdir=parallel_src,
        builddir=tmp_path / "parallel-build",
        parallel=2,
    )
    parallel.build()

    pids = set(log.read_text(encoding="utf-8").split())
    assert str(os.getpid()) not in pids  # documents were read in forked readers
    assert len(pids) >= 2

    assert _results(parallel) == _results(serial)
    assert _summary(parallel) == _summary(serial)
    assert sorted(warnings_of(parallel.warning.getvalue(), parallel_src)) == sorted(
        warnings_of(serial.warning.getvalue(), serial_src)
    )


def test_a_parallel_reader_queues_its_documents(
    make_app: Callable[..., SphinxTestApp],
    copy_root: Callable[[str], Path],
    warnings_of: Callable[[str, Path], list[tuple[str, str]]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # A forked reader hands each document to its worker and reads on; the
    # outcomes are collected while Sphinx pickles the reader's environment
    # to send it back. "done" never turns true here, so a reader that
    # collected a document before reading the next one would show it.
    log = tmp_path / "events.txt"
    submit, outcomes = examples_module.submit_document, PendingDocument.outcomes

    def note(event: str) -> None:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()} {event}\n")

    def logged_submit(
        runner: Runner, examples: Sequence[Example], **kw: object
    ) -> PendingDocument:
        note("submit")
        return submit(runner, examples, **kw)  # type: ignore[arg-type]

    def logged_outcomes(pending: PendingDocument) -> list[Outcome]:
        note("collect")
        return outcomes(pending)

    monkeypatch.setattr(examples_module, "submit_document", logged_submit)
    monkeypatch.setattr(PendingDocument, "outcomes", logged_outcomes)
    monkeypatch.setattr(PendingDocument, "done", property(lambda self: False))

    srcdir = copy_root("ex-faults")
    serial = make_app("jigger-check", srcdir=srcdir, builddir=tmp_path / "serial")
    serial.build()
    log.unlink()
    parallel = make_app(
        "jigger-check", srcdir=srcdir, builddir=tmp_path / "parallel", parallel=2
    )
    parallel.build()

    events: dict[str, list[str]] = {}
    for line in log.read_text(encoding="utf-8").splitlines():
        pid, event = line.split()
        events.setdefault(pid, []).append(event)
    assert str(os.getpid()) not in events
    readers = [seq for seq in events.values() if "submit" in seq]
    assert len(readers) >= 2
    for seq in readers:
        # every document of the reader's share was handed over before the
        # first outcome was collected, and each was collected once
        first = seq.index("collect")
        assert seq[:first] == ["submit"] * seq.count("submit")
        assert seq.count("collect") == seq.count("submit") >= 2
    # the results collected while pickling reached the main process
    assert _results(parallel) == _results(serial)
    assert sorted(warnings_of(parallel.warning.getvalue(), srcdir)) == sorted(
        warnings_of(serial.warning.getvalue(), srcdir)
    )

"""The data that flows through the examples engine.

An :class:`Example` is one runnable block taken from a document; running a
document's examples gives one :class:`Outcome` per example, in the same order.
Both are frozen dataclasses with slots, holding only strings, numbers and
tuples, so they pickle, hash and compare by value (the Sphinx side caches
them per document), and each is one object for Python's garbage collector.

>>> ex = Example(kind="pycon", source=">>> 1 + 1\\n2\\n", path="index.rst", lineno=3)
>>> ex.kind, ex.lineno, ex.want
('pycon', 3, None)
>>> Outcome(status="passed", lineno=3).summary
''
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Example", "ExampleKind", "Outcome", "OutcomeStatus"]

ExampleKind = Literal["pycon", "code", "http", "setup"]
"""What kind of block an :class:`Example` is.

``pycon``
    a doctest transcript (``>>> `` / ``... `` lines and expected output),
    compared with doctest's rules and option flags; an expected exception is
    written with a ``Traceback (most recent call last):`` header.
``code``
    a Python block run with :func:`exec`; when ``want`` is not ``None`` its
    captured standard output is compared with ``want`` by doctest's rules.
``http``
    a request and the expected response, sent through Werkzeug's test client
    to the WSGI application found in the document's namespace.
``setup``
    code run in order like any other block; no output is compared, but a
    failure is reported.
"""

OutcomeStatus = Literal["passed", "failed", "skipped", "xfailed", "xpassed", "not-run"]
"""The result of one example. ``xpassed`` (an expected failure that passed)
counts as a failure; ``not-run`` means an earlier problem stopped the document."""


@dataclass(frozen=True, slots=True)
class Example:
    """One runnable block of a document.

    :param kind: the kind of block, see :data:`ExampleKind`.
    :param source: the block's text exactly as rendered.
    :param path: the source file path as it should appear in reports.
    :param lineno: 1-based line in ``path`` of the block's first code line
        (for ``pycon``: the line of the first ``>>>``).
    :param want: for ``code``: the expected standard output, or ``None`` to
        not compare output.
    :param options: doctest option flags by name, for example
        ``(("ELLIPSIS", True), ("NORMALIZE_WHITESPACE", True))``; they apply
        on top of the document's default options.
    :param skip: when not ``None``, the example is not run and reported as
        ``skipped`` with this reason.
    :param skip_if: a Python expression evaluated in the document's namespace
        just before the example; when truthy the example is skipped.
    :param xfail: when not ``None``, the example is expected to fail (the
        reason): a failure is reported as ``xfailed``, a pass as ``xpassed``.
    :param group: ``None`` for the document's own namespace (a fresh
        ``__main__`` module per document); otherwise the name of a
        ``sphinx.ext.doctest`` group, which runs as that extension runs it:
        in its own namespace (a plain dict without ``__name__``), with code
        compiled under the name ``<doctest GROUP[N]>``, and with
        ``doctest_default_flags`` as the default option flags.
    :param outputs: for a ``testcode`` whose ``testoutput`` blocks have a
        ``:skipif:``: ``(skipif, want, options)`` alternatives in order; the
        first whose ``skipif`` is false (or ``None``) is compared, as
        ``sphinx.ext.doctest`` pairs the first ``testoutput`` it keeps; when
        every one is skipped, the output is not compared.
    """

    kind: ExampleKind
    source: str
    path: str
    lineno: int
    want: str | None = None
    options: tuple[tuple[str, bool], ...] = ()
    skip: str | None = None
    skip_if: str | None = None
    xfail: str | None = None
    group: str | None = None
    outputs: tuple[tuple[str | None, str, tuple[tuple[str, bool], ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of running one :class:`Example`.

    :param status: see :data:`OutcomeStatus`.
    :param lineno: the line to report: for a failing ``pycon`` example the
        line of the failing statement's ``>>>``, otherwise the example's
        ``lineno``.
    :param summary: one line naming what went wrong, for example
        ``"NameError: name 'x' is not defined"`` or ``"timed out after 2s"``;
        empty when the example passed.
    :param detail: several lines: the diff of expected and actual output, or
        the traceback.
    :param duration: wall-clock seconds spent running the example.
    """

    status: OutcomeStatus
    lineno: int
    summary: str = ""
    detail: str = ""
    duration: float = 0.0

    @property
    def is_failure(self) -> bool:
        """``True`` for the statuses that fail a build: ``failed`` and
        ``xpassed``.

        >>> Outcome(status="xfailed", lineno=1).is_failure
        False
        """
        return self.status in ("failed", "xpassed")

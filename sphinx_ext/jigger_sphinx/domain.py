"""Per-document example results, kept in a Sphinx domain named ``jigger``.

The domain's data lives in the pickled build environment, so an incremental
build knows the outcome of every document it does not read again. It holds:

``results``
    docname -> :class:`DocResult` for every document read so far.
``stale``
    results of documents Sphinx is reading again, kept until the new read is
    done so that unchanged examples can reuse them (the cache).
``build``
    what happened in the current build: which documents were read and which
    of them actually executed their examples.
``late`` (only in a forked parallel reader's copy)
    pickles as the results of the documents whose examples were still
    running when the reader's environment was pickled.

Sphinx clears a document (:meth:`JiggerDomain.clear_doc`) before reading it
again and merges parallel readers' data (:meth:`JiggerDomain.merge_domaindata`).
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Sequence, Set
from dataclasses import fields
from typing import TYPE_CHECKING, Any, cast

from sphinx.domains import Domain

from jigger_sphinx.model import Example, Outcome

if TYPE_CHECKING:
    from docutils import nodes
    from sphinx import addnodes
    from sphinx.builders import Builder
    from sphinx.environment import BuildEnvironment

__all__ = [
    "DataDomain",
    "DocResult",
    "JiggerDomain",
    "example_counts",
    "example_tally",
    "get_domain",
]

_EXAMPLE_FIELDS = tuple(f.name for f in fields(Example))
_OUTCOME_FIELDS = tuple(f.name for f in fields(Outcome))
_FAILED = ("failed", "xpassed", "not-run")


#: ``(examples, outcomes, passed, skipped, failed)``: a plain tuple of ints,
#: which the garbage collector stops tracking (a named tuple it keeps).
_Counts = tuple[int, int, int, int, int]


def _count(examples: Sequence[Example], outcomes: Sequence[Outcome]) -> _Counts:
    passed = skipped = failed = 0
    for o in outcomes:
        if o.status in ("passed", "xfailed"):
            passed += 1
        elif o.status == "skipped":
            skipped += 1
        elif o.status in _FAILED:
            failed += 1
    return (len(examples), len(outcomes), passed, skipped, failed)


class DocResult:
    """The examples of one document and how they went.

    :param key: the cache key the outcomes were computed under.
    :param examples: the document's examples in running order.
    :param outcomes: one per example; empty when examples were not run.
    :param deps: ``(dependency, fingerprint)`` pairs of what the examples
        ran against (the files of the modules they loaded, the interpreter,
        their ``sys.path``, watched paths, installed distributions; see
        ``ExamplesSession.current`` in :mod:`jigger_sphinx.examples`); a
        change in one makes the document outdated.

    In the pickled environment the examples and outcomes are kept as one
    packed ``bytes`` value per document, next to their counts, and unpacked
    on first use of :attr:`examples`, :attr:`outcomes` or :meth:`failures`.
    A build that reads no document needs only the counts, and Python's
    garbage collector, which walks every object that can hold others on
    each full collection and again while the process exits, does not see
    the thousands of example and outcome objects of a large project.

    >>> result = DocResult("k", (), (Outcome("xfailed", 1), Outcome("failed", 2)))
    >>> result.passed, result.failed, result.outcome_count
    (1, 1, 2)
    >>> import pickle
    >>> again = pickle.loads(pickle.dumps(result))
    >>> again == result, again.failed, [o.status for o in again.outcomes]
    (True, 1, ['xfailed', 'failed'])
    """

    __slots__ = ("_counts", "_examples", "_outcomes", "_packed", "deps", "key")

    def __init__(
        self,
        key: str,
        examples: Sequence[Example],
        outcomes: Sequence[Outcome] = (),
        deps: Sequence[tuple[str, str]] = (),
    ) -> None:
        self.key = key
        self.deps: tuple[tuple[str, str], ...] = tuple(deps)
        self._examples: tuple[Example, ...] | None = tuple(examples)
        self._outcomes: tuple[Outcome, ...] | None = tuple(outcomes)
        self._packed: bytes | None = None
        self._counts = _count(self._examples, self._outcomes)

    @classmethod
    def _from_packed(
        cls,
        key: str,
        deps: tuple[tuple[str, str], ...],
        counts: tuple[int, int, int, int, int],
        packed: bytes,
    ) -> DocResult:
        self = cls.__new__(cls)
        self.key = key
        self.deps = deps
        self._examples = self._outcomes = None
        self._packed = packed
        self._counts = counts
        return self

    def pack(self) -> DocResult:
        """Keep the examples and outcomes packed only, until next used.

        The domain packs every result it stores: a large project's examples
        and outcomes then do not sit among the objects that each of the
        build's full garbage collections walks (about 4 % more of them for
        12 examples a page), and the environment's pickle reuses the packed
        value. Returns ``self``.

        >>> result = DocResult("k", (), (Outcome("failed", 7),)).pack()
        >>> result.failed, [o.lineno for o in result.outcomes]
        (1, [7])
        """
        if self._packed is None:
            examples, outcomes = self._unpacked()
            self._packed = pickle.dumps(
                (
                    [tuple(getattr(ex, n) for n in _EXAMPLE_FIELDS) for ex in examples],
                    [tuple(getattr(o, n) for n in _OUTCOME_FIELDS) for o in outcomes],
                ),
                pickle.HIGHEST_PROTOCOL,
            )
        self._examples = self._outcomes = None
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        packed = self._packed
        if packed is None:
            packed = self.pack()._packed
        return (DocResult._from_packed, (self.key, self.deps, self._counts, packed))

    def _unpacked(self) -> tuple[tuple[Example, ...], tuple[Outcome, ...]]:
        if self._examples is None or self._outcomes is None:
            assert self._packed is not None
            examples, outcomes = pickle.loads(self._packed)
            self._examples = tuple(Example(*values) for values in examples)
            self._outcomes = tuple(Outcome(*values) for values in outcomes)
        return self._examples, self._outcomes

    @property
    def examples(self) -> tuple[Example, ...]:
        """The document's examples in running order."""
        return self._unpacked()[0]

    @property
    def outcomes(self) -> tuple[Outcome, ...]:
        """One outcome per example; empty when the examples were not run."""
        return self._unpacked()[1]

    @property
    def example_count(self) -> int:
        """``len(self.examples)``, without unpacking them."""
        return self._counts[0]

    @property
    def outcome_count(self) -> int:
        """``len(self.outcomes)``, without unpacking them."""
        return self._counts[1]

    @property
    def passed(self) -> int:
        """Outcomes counted as passed: ``passed`` and ``xfailed``."""
        return self._counts[2]

    @property
    def skipped(self) -> int:
        """Outcomes counted as skipped."""
        return self._counts[3]

    @property
    def failed(self) -> int:
        """Outcomes counted as failed: ``failed``, ``xpassed`` and ``not-run``."""
        return self._counts[4]

    def failures(self) -> list[tuple[Example, Outcome]]:
        """The ``(example, outcome)`` pairs that count as failed."""
        if not self._counts[4]:
            return []
        examples, outcomes = self._unpacked()
        return [
            (ex, out)
            for ex, out in zip(examples, outcomes, strict=False)
            if out.status in _FAILED
        ]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DocResult):
            return NotImplemented
        return (self.key, self.deps, self._unpacked()) == (
            other.key,
            other.deps,
            other._unpacked(),
        )

    def __hash__(self) -> int:
        return hash((self.key, self.deps, self._counts))

    def __repr__(self) -> str:
        return (
            f"DocResult(key={self.key!r}, examples={self._counts[0]}, "
            f"outcomes={self._counts[1]}, deps={self.deps!r})"
        )


class DataDomain(Domain):
    """A domain that holds per-document data for jigger_sphinx and has no
    directives, roles or targets of its own.

    Sphinx asks every domain about an ``any`` reference (MyST makes them),
    and the base class warns that it cannot answer; a data domain answers
    that it has nothing.
    """

    def resolve_any_xref(
        self,
        env: BuildEnvironment,
        fromdocname: str,
        builder: Builder,
        target: str,
        node: addnodes.pending_xref,
        contnode: nodes.Element,
    ) -> list[tuple[str, nodes.reference]]:
        return []


class JiggerDomain(DataDomain):
    """Holds the example results of every document (no directives or roles)."""

    name = "jigger"
    label = "jigger"
    data_version = 3  # 3: unchecked blocks per document
    initial_data = {
        "results": {},
        "unchecked": {},
        "problems": {},
        "stale": {},
        "build": {"read": set(), "executed": set()},
    }

    @property
    def results(self) -> dict[str, DocResult]:
        """docname -> :class:`DocResult`."""
        return cast("dict[str, DocResult]", self.data["results"])

    @property
    def unchecked(self) -> dict[str, tuple[tuple[str, int], ...]]:
        """docname -> ``(kind, count)`` of the blocks of kinds switched off."""
        return cast("dict[str, tuple[tuple[str, int], ...]]", self.data["unchecked"])

    def note_unchecked(self, docname: str, counts: tuple[tuple[str, int], ...]) -> None:
        """Record the blocks ``docname`` has of kinds that do not run."""
        if counts:
            self.unchecked[docname] = counts
        else:
            self.unchecked.pop(docname, None)

    @property
    def problems(self) -> dict[str, tuple[tuple[str, int, str], ...]]:
        """docname -> ``(path, line, message)`` of each mistake in its
        markers; kept until the document is read again without them."""
        return cast(
            "dict[str, tuple[tuple[str, int, str], ...]]", self.data["problems"]
        )

    def note_problems(
        self, docname: str, problems: tuple[tuple[str, int, str], ...]
    ) -> None:
        """Record the marker mistakes of ``docname``."""
        if problems:
            self.problems[docname] = problems
        else:
            self.problems.pop(docname, None)

    @property
    def stale(self) -> dict[str, DocResult]:
        """Results of documents being read again (reusable when unchanged)."""
        return cast("dict[str, DocResult]", self.data["stale"])

    @property
    def read_this_build(self) -> set[str]:
        """Documents read in the current build."""
        return cast("set[str]", self.data["build"]["read"])

    @property
    def executed_this_build(self) -> set[str]:
        """Documents whose examples ran (not from cache) in the current build."""
        return cast("set[str]", self.data["build"]["executed"])

    def start_build(self, docnames: Iterable[str]) -> None:
        """Forget the previous build's activity; ``docnames`` will be read."""
        self.data["build"] = {"read": set(docnames), "executed": set()}

    def store(self, docname: str, result: DocResult, *, executed: bool) -> None:
        """Record ``result`` for ``docname`` (packed: see :meth:`DocResult.pack`)."""
        self.results[docname] = result.pack()
        self.stale.pop(docname, None)
        self.read_this_build.add(docname)
        if executed:
            self.executed_this_build.add(docname)

    def clear_doc(self, docname: str) -> None:
        """Drop ``docname``'s result, keeping it as reusable until re-read."""
        self.unchecked.pop(docname, None)
        self.problems.pop(docname, None)
        result = self.results.pop(docname, None)
        if result is not None:
            self.stale[docname] = result

    def forget_stale(self) -> None:
        """Drop cached results that no new read picked up."""
        self.stale.clear()

    def merge_domaindata(self, docnames: Set[str], otherdata: dict[str, Any]) -> None:
        """Take a parallel reader's results for ``docnames``."""
        other_results = cast("dict[str, DocResult]", otherdata["results"])
        other_build = otherdata["build"]
        other_unchecked = otherdata.get("unchecked", {})
        other_problems = otherdata.get("problems", {})
        # documents whose examples were still running when the reader's
        # environment was pickled (see ``_Settle`` in jigger_sphinx.examples)
        late = cast("dict[str, DocResult]", otherdata.get("late") or {})
        for docname in docnames:
            if docname in late:
                self.results[docname] = late[docname]
                self.stale.pop(docname, None)
                self.read_this_build.add(docname)
                self.executed_this_build.add(docname)
            if docname in other_problems:
                self.problems[docname] = other_problems[docname]
            if docname in other_unchecked:
                self.unchecked[docname] = other_unchecked[docname]
            if docname in other_results:
                self.results[docname] = other_results[docname]
                self.stale.pop(docname, None)
            if docname in other_build["read"]:
                self.read_this_build.add(docname)
            if docname in other_build["executed"]:
                self.executed_this_build.add(docname)


def get_domain(env: BuildEnvironment) -> JiggerDomain:
    """The :class:`JiggerDomain` of ``env``."""
    return cast("JiggerDomain", env.domains["jigger"])


def _ran(env: BuildEnvironment, docname: str) -> DocResult | None:
    """``docname``'s stored result, if it has examples and they ran."""
    try:
        domain = get_domain(env)
    except KeyError:
        return None
    result = domain.results.get(docname)
    if result is None or not result.example_count or not result.outcome_count:
        return None
    return result


def example_counts(env: BuildEnvironment, docname: str) -> tuple[int, int] | None:
    """``(passed, total)`` for ``docname``'s examples that ran, or ``None``
    when the document has no examples or they were not run.

    ``passed`` counts ``passed`` and ``xfailed``; ``total`` counts every
    example including skipped ones.
    """
    result = _ran(env, docname)
    return None if result is None else (result.passed, result.outcome_count)


def example_tally(env: BuildEnvironment, docname: str) -> tuple[int, int, int] | None:
    """``(passed, checked, skipped)`` for ``docname``'s examples that ran, or
    ``None`` when the document has no examples or they were not run.

    ``passed`` counts ``passed`` and ``xfailed``; ``checked`` counts the
    examples that ran (every one but the skipped ones).
    """
    result = _ran(env, docname)
    if result is None:
        return None
    return result.passed, result.outcome_count - result.skipped, result.skipped

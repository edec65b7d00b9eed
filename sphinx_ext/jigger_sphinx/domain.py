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

Sphinx clears a document (:meth:`JiggerDomain.clear_doc`) before reading it
again and merges parallel readers' data (:meth:`JiggerDomain.merge_domaindata`).
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from sphinx.domains import Domain

from jigger_sphinx.model import Example, Outcome

if TYPE_CHECKING:
    from sphinx.environment import BuildEnvironment

__all__ = ["DocResult", "JiggerDomain", "example_counts", "get_domain"]


@dataclass(frozen=True)
class DocResult:
    """The examples of one document and how they went.

    :param key: the cache key the outcomes were computed under.
    :param examples: the document's examples in running order.
    :param outcomes: one per example; empty when examples were not run.
    :param deps: ``(dependency, fingerprint)`` pairs of the code the examples
        ran against (watched paths, installed distributions); a change in one
        makes the document outdated.
    """

    key: str
    examples: tuple[Example, ...]
    outcomes: tuple[Outcome, ...] = ()
    deps: tuple[tuple[str, str], ...] = ()

    @property
    def passed(self) -> int:
        """Outcomes counted as passed: ``passed`` and ``xfailed``.

        >>> DocResult("k", (), (Outcome("xfailed", 1), Outcome("failed", 2))).passed
        1
        """
        return sum(o.status in ("passed", "xfailed") for o in self.outcomes)

    @property
    def skipped(self) -> int:
        """Outcomes counted as skipped."""
        return sum(o.status == "skipped" for o in self.outcomes)

    @property
    def failed(self) -> int:
        """Outcomes counted as failed: ``failed``, ``xpassed`` and ``not-run``."""
        return sum(o.status in ("failed", "xpassed", "not-run") for o in self.outcomes)

    def failures(self) -> list[tuple[Example, Outcome]]:
        """The ``(example, outcome)`` pairs that count as failed."""
        return [
            (ex, out)
            for ex, out in zip(self.examples, self.outcomes, strict=False)
            if out.status in ("failed", "xpassed", "not-run")
        ]


class JiggerDomain(Domain):
    """Holds the example results of every document (no directives or roles)."""

    name = "jigger"
    label = "jigger"
    data_version = 1
    initial_data = {
        "results": {},
        "stale": {},
        "build": {"read": set(), "executed": set()},
    }

    @property
    def results(self) -> dict[str, DocResult]:
        """docname -> :class:`DocResult`."""
        return cast("dict[str, DocResult]", self.data["results"])

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
        """Record ``result`` for ``docname``."""
        self.results[docname] = result
        self.stale.pop(docname, None)
        self.read_this_build.add(docname)
        if executed:
            self.executed_this_build.add(docname)

    def clear_doc(self, docname: str) -> None:
        """Drop ``docname``'s result, keeping it as reusable until re-read."""
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
        for docname in docnames:
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


def example_counts(env: BuildEnvironment, docname: str) -> tuple[int, int] | None:
    """``(passed, total)`` for ``docname``'s examples that ran, or ``None``
    when the document has no examples or they were not run.

    ``passed`` counts ``passed`` and ``xfailed``; ``total`` counts every
    example including skipped ones.
    """
    try:
        domain = get_domain(env)
    except KeyError:
        return None
    result = domain.results.get(docname)
    if result is None or not result.examples or not result.outcomes:
        return None
    return result.passed, len(result.outcomes)

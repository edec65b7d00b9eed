"""The one-line summary printed at the end of every build.

At ``build-finished`` the checker logs, at info level, exactly one line
(wrapped here)::

    jigger-sphinx: N examples: P passed, F failed, S skipped (E executed, C cached);
    R references checked, B broken

How outcomes are counted:

* **passed** — ``passed`` and ``xfailed`` (an expected failure that failed);
* **failed** — ``failed``, ``xpassed`` (an expected failure that passed) and
  ``not-run`` (stopped by an earlier timeout or a dead worker);
* **skipped** — ``skipped`` (a ``skip`` / ``skip-if`` marker);
* **executed** / **cached** — executed when its document ran its examples
  in this build, cached when the stored outcomes were reused (an unchanged
  document, or one whose examples and code did not change). N = E + C, and
  P + F + S = N.

When some examples have no outcome because they were not run
(``jigger_run_examples = False``, or a builder that is not one of
``jigger_example_builders``), the parenthesis says so and why, and those
examples count in neither P, F, S nor E, C::

    jigger-sphinx: 5 examples: 0 passed, 0 failed, 0 skipped (0 executed,
    0 cached, 5 not run: jigger_run_examples = False); ...

Blocks of kinds that ``jigger_example_kinds`` leaves off are not examples;
when a project has any, the line ends with how many, of which kind, and the
setting that turns them on::

    ...; 0 broken; 3 blocks not checked (1 http, 1 pycon, 1 python):
    add their kinds to jigger_example_kinds to run them

R and B come from :func:`jigger_sphinx.references.reference_counts`.

A mistake in a jigger marker (``.. jigger: skipp``) is an error at its line,
reported by every build until fixed; the line then ends with
``; M marker errors``.

When anything failed (F or B above zero, or a marker error) the build's exit
status becomes 1,
unless ``jigger_fail_on_error = False``; the ``jigger-check`` builder always
exits 1 then.

>>> print(format_summary(Counts(examples=3, passed=2, failed=1, executed=3), (4, 0)))
... # doctest: +NORMALIZE_WHITESPACE
jigger-sphinx: 3 examples: 2 passed, 1 failed, 0 skipped (3 executed, 0 cached);
4 references checked, 0 broken
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sphinx.util import logging

from jigger_sphinx.domain import get_domain

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment

__all__ = [
    "Counts",
    "count_examples",
    "format_summary",
    "not_run_reason",
    "reference_counts",
    "setup",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Counts:
    """Example totals for one build."""

    examples: int = 0
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    executed: int = 0
    not_run: int = 0
    #: why the ``not_run`` examples did not run
    not_run_reason: str = ""
    #: ``(kind, count)`` of the blocks of kinds switched off
    unchecked: tuple[tuple[str, int], ...] = ()
    #: mistakes in jigger markers (they fail the build)
    marker_errors: int = 0

    @property
    def cached(self) -> int:
        """Examples whose stored outcomes were reused."""
        return self.examples - self.executed - self.not_run


def count_examples(env: BuildEnvironment, not_run_reason: str = "") -> Counts:
    """Add up the example outcomes of every document in ``env``.

    :param not_run_reason: why examples without outcomes were not run.
    """
    domain = get_domain(env)
    examples = passed = failed = skipped = executed = not_run = 0
    for docname, result in domain.results.items():
        if docname not in env.all_docs:
            continue
        examples += result.example_count
        passed += result.passed
        failed += result.failed
        skipped += result.skipped
        if not result.outcome_count:
            not_run += result.example_count
        elif docname in domain.executed_this_build:
            executed += result.example_count
    marker_errors = sum(
        len(found) for name, found in domain.problems.items() if name in env.all_docs
    )
    unchecked: dict[str, int] = {}
    for docname, counts in domain.unchecked.items():
        if docname in env.all_docs:
            for kind, count in counts:
                unchecked[kind] = unchecked.get(kind, 0) + count
    return Counts(
        examples,
        passed,
        failed,
        skipped,
        executed,
        not_run,
        not_run_reason if not_run else "",
        tuple(sorted(unchecked.items())),
        marker_errors,
    )


def reference_counts(env: BuildEnvironment) -> tuple[int, int]:
    """``(checked, broken)`` from the references checker, ``(0, 0)`` without it."""
    try:
        from jigger_sphinx import references
    except ImportError:
        return (0, 0)
    counter = getattr(references, "reference_counts", None)
    if counter is None:
        return (0, 0)
    try:
        checked, broken = counter(env)
    except KeyError:  # its domain is not registered in this application
        return (0, 0)
    return int(checked), int(broken)


def format_summary(counts: Counts, refs: tuple[int, int]) -> str:
    """The summary line for ``counts`` and ``refs`` = (checked, broken).

    >>> counts = Counts(examples=2, not_run=2, not_run_reason="the latex builder")
    >>> print(format_summary(counts, (0, 0)))  # doctest: +NORMALIZE_WHITESPACE
    jigger-sphinx: 2 examples: 0 passed, 0 failed, 0 skipped (0 executed,
    0 cached, 2 not run: the latex builder); 0 references checked, 0 broken
    """
    ran = f"{counts.executed} executed, {counts.cached} cached"
    if counts.not_run:
        ran += f", {counts.not_run} not run"
        if counts.not_run_reason:
            ran += f": {counts.not_run_reason}"
    line = (
        f"jigger-sphinx: {counts.examples} examples: {counts.passed} passed, "
        f"{counts.failed} failed, {counts.skipped} skipped ({ran}); "
        f"{refs[0]} references checked, {refs[1]} broken"
    )
    if counts.marker_errors:
        noun = "error" if counts.marker_errors == 1 else "errors"
        line += f"; {counts.marker_errors} marker {noun}"
    if counts.unchecked:
        total = sum(count for _, count in counts.unchecked)
        kinds = ", ".join(f"{count} {kind}" for kind, count in counts.unchecked)
        noun = "block" if total == 1 else "blocks"
        line += (
            f"; {total} {noun} not checked ({kinds}): add their kinds to "
            "jigger_example_kinds to run them"
        )
    return line


def not_run_reason(app: Sphinx) -> str:
    """Why this build does not run examples ('' when it does)."""
    if not app.config.jigger_run_examples:
        return "jigger_run_examples = False"
    name = app.builder.name
    if name not in app.config.jigger_example_builders:
        return f"the {name} builder is not in jigger_example_builders"
    return ""


def on_build_finished(app: Sphinx, exception: BaseException | None) -> None:
    """Log the summary line and set the exit status on failures."""
    if exception is not None:
        return
    counts = count_examples(app.env, not_run_reason(app))
    refs = reference_counts(app.env)
    logger.info(format_summary(counts, refs))
    failed = bool(counts.failed or refs[1] or counts.marker_errors)
    strict = app.builder.name == "jigger-check" or app.config.jigger_fail_on_error
    if failed and strict:
        app.statuscode = 1


def setup(app: Sphinx) -> None:
    """Print the summary at the end of each build (late, after the others)."""
    app.connect("build-finished", on_build_finished, priority=900)

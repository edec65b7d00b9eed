"""Per-document results (``jigger_sphinx.domain``): what survives the pickled
environment, and what it costs there."""

from __future__ import annotations

import gc
import pickle
from collections.abc import Callable
from pathlib import Path

import pytest
from sphinx.testing.util import SphinxTestApp

from jigger_sphinx.domain import DocResult, example_counts, get_domain
from jigger_sphinx.model import Example, Outcome, OutcomeStatus

STATUSES: list[OutcomeStatus] = [
    "passed",
    "failed",
    "skipped",
    "xfailed",
    "xpassed",
    "not-run",
]


def _result(n: int = 12, *, seed: int = 0) -> DocResult:
    examples = [
        Example(
            "pycon",
            f">>> {seed} + {i}\n{seed + i}\n",
            f"page{seed}.rst",
            10 * i + 1,
            options=(("ELLIPSIS", True),) if i % 3 == 0 else (),
            xfail="known" if i % 5 == 0 else None,
        )
        for i in range(n)
    ]
    outcomes = [
        Outcome(
            STATUSES[i % len(STATUSES)],
            10 * i + 1,
            summary=f"summary {i}" if i % 2 else "",
            detail="line one\nline two" if i % 2 else "",
            duration=0.001 * i,
        )
        for i in range(n)
    ]
    return DocResult(f"key{seed}", examples, outcomes, (("jigger", "0.1"),))


def test_a_result_comes_back_from_the_pickle_unchanged() -> None:
    result = _result()
    again = pickle.loads(pickle.dumps(result))
    assert again == result
    assert again.key == "key0"
    assert again.deps == (("jigger", "0.1"),)
    assert again.examples == result.examples
    assert again.outcomes == result.outcomes
    # and again, from a result that was itself unpickled
    assert pickle.loads(pickle.dumps(again)) == result


def test_counts_and_failures_are_the_same_before_and_after_the_pickle() -> None:
    result = _result()
    again = pickle.loads(pickle.dumps(result))
    for r in (result, again):
        # 12 outcomes cycle through the 6 statuses twice
        assert (r.passed, r.skipped, r.failed) == (4, 2, 6)
        assert (r.example_count, r.outcome_count) == (12, 12)
    assert again.failures() == result.failures()
    assert [out.status for _, out in again.failures()] == [
        "failed",
        "xpassed",
        "not-run",
    ] * 2
    assert [ex.lineno for ex, _ in again.failures()] == [11, 41, 51, 71, 101, 111]


def test_a_result_without_outcomes_or_examples() -> None:
    empty = pickle.loads(pickle.dumps(DocResult("", ())))
    assert (empty.example_count, empty.outcome_count, empty.failed) == (0, 0, 0)
    assert empty.examples == ()
    assert empty.outcomes == ()
    assert empty.failures() == []
    not_run = pickle.loads(pickle.dumps(DocResult("k", _result(3).examples)))
    assert (not_run.example_count, not_run.outcome_count) == (3, 0)


def test_unpickled_results_add_few_objects_for_the_garbage_collector() -> None:
    # 200 pages x 12 examples: unpacked, every example and outcome is an
    # object the collector walks (4,800 of them); packed, a page is one bytes
    # value and its small tuples.
    results = {f"page{i}": _result(seed=i) for i in range(200)}
    blob = pickle.dumps(results)
    gc.collect()
    before = len(gc.get_objects())
    loaded = pickle.loads(blob)
    gc.collect()
    added = len(gc.get_objects()) - before
    assert added < 1000, added
    # using one page's examples unpacks that page only
    assert loaded["page7"].examples == results["page7"].examples
    gc.collect()
    assert len(gc.get_objects()) - before - added < 100


def _held(root: object, kinds: tuple[type, ...], depth: int = 4) -> int:
    """How many objects of ``kinds`` are reachable from ``root`` within
    ``depth`` references."""
    seen: set[int] = set()
    found = 0
    layer = [root]
    for _ in range(depth):
        following = []
        for obj in layer:
            for ref in gc.get_referents(obj):
                if id(ref) in seen:
                    continue
                seen.add(id(ref))
                found += isinstance(ref, kinds)
                following.append(ref)
        layer = following
    return found


def test_a_build_keeps_its_results_packed(
    make_app: Callable[..., SphinxTestApp], copy_root: Callable[[str], Path]
) -> None:
    # Every full garbage collection of the build walks what the domain
    # holds: stored results keep their examples and outcomes as one bytes
    # value each, except what a failure report had to unpack.
    srcdir = copy_root("ex-pass")
    app = make_app("jigger-check", srcdir=srcdir, builddir=srcdir.parent / "_build")
    app.build()
    results = get_domain(app.env).results
    assert sum(r.outcome_count for r in results.values()) == 16
    assert _held(results, (Example, Outcome)) == 0
    # the counts and the outcomes themselves are there when asked for
    assert example_counts(app.env, "rst_markers") == (2, 4)
    assert [o.status for o in results["md_http"].outcomes] == ["passed", "passed"]
    assert _held(results, (Example, Outcome)) == 4


# MyST's own resolver uses an attribute Sphinx deprecates (not ours)
@pytest.mark.filterwarnings("ignore:'myst_parser.sphinx_ext.myst_refs")
def test_a_myst_link_to_nowhere_gets_no_warning_about_the_domain(
    make_app: Callable[..., SphinxTestApp], tmp_path: Path
) -> None:
    # MyST asks every domain to resolve a link it cannot; one without
    # resolve_any_xref earned a warning of its own, failing -W builds
    (tmp_path / "conf.py").write_text(
        'extensions = ["myst_parser", "jigger_sphinx"]\n', encoding="utf-8"
    )
    (tmp_path / "index.md").write_text(
        "# T\n\nSee [the label](nowhere-at-all).\n", encoding="utf-8"
    )
    app = make_app("html", srcdir=tmp_path)
    try:
        app.build()
    finally:
        app.cleanup()
    warnings = app.warning.getvalue()
    assert "nowhere-at-all" in warnings  # MyST's own warning stays
    assert "resolve_any_xref" not in warnings

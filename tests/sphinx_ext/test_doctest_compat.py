"""jigger_sphinx as a drop-in for sphinx.ext.doctest: same examples, same outcomes.

The root ``test-ex-doctest`` is a project that loads ``sphinx.ext.doctest``
and adds ``jigger_sphinx`` with no other setting; its pages exercise that
extension's flags, groups, global setup and directive options.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sphinx.errors import ConfigError
from sphinx.testing.util import SphinxTestApp
from sphinx.util.console import strip_escape_sequences

from jigger_sphinx.domain import get_domain

Warnings = Callable[[str, Path], list[tuple[str, str]]]


def _build(
    make_app: Callable[..., SphinxTestApp],
    srcdir: Path,
    builder: str = "html",
    **kwargs: Any,
) -> SphinxTestApp:
    app = make_app(builder, srcdir=srcdir, builddir=srcdir.parent / "_build", **kwargs)
    app.build()
    return app


def _summary(app: SphinxTestApp) -> str:
    status = strip_escape_sequences(app.status.getvalue())
    (line,) = [ln for ln in status.splitlines() if ln.startswith("jigger-sphinx: ")]
    return line


def _statuses(app: SphinxTestApp, docname: str) -> list[tuple[str, int]]:
    result = get_domain(app.env).results[docname]
    return [(o.status, o.lineno) for o in result.outcomes]


def _doctest_builder_counts(srcdir: Path) -> tuple[int, int]:
    """``(tests, failures)`` of ``sphinx-build -b doctest`` on ``srcdir``.

    It runs in its own process, as a user runs it (and because a doctest
    build with ``doctest_global_cleanup`` leaves this process's doctest
    module unable to see printed values afterwards).
    """
    outdir = srcdir.parent / "_doctest"
    subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "doctest", "-q", srcdir, outdir],
        check=False,
        capture_output=True,
    )
    text = (outdir / "output.txt").read_text(encoding="utf-8")
    match = re.search(r"(\d+) tests?\n\s*(\d+) failures? in tests", text)
    assert match is not None, text
    return int(match[1]), int(match[2])


def test_html_build_passes_what_the_doctest_builder_passes(
    make_app: Callable[..., SphinxTestApp],
    copy_root: Callable[[str], Path],
    warnings_of: Warnings,
) -> None:
    srcdir = copy_root("ex-doctest")
    assert _doctest_builder_counts(srcdir) == (21, 0)
    app = _build(make_app, srcdir)
    assert warnings_of(app.warning.getvalue(), app.srcdir) == []
    assert _summary(app) == (
        "jigger-sphinx: 28 examples: 26 passed, 0 failed, 2 skipped "
        "(28 executed, 0 cached); 0 references checked, 0 broken; "
        "3 blocks not checked (1 http, 1 pycon, 1 python): add their kinds "
        "to jigger_example_kinds to run them"
    )
    assert app.statuscode == 0


def test_both_builders_fail_the_same_example(
    make_app: Callable[..., SphinxTestApp],
    copy_root: Callable[[str], Path],
    warnings_of: Warnings,
) -> None:
    srcdir = copy_root("ex-doctest")
    with (srcdir / "flags.rst").open("a", encoding="utf-8") as fh:
        fh.write("\n.. doctest:: red\n\n   >>> len('four')\n   5\n")
    assert _doctest_builder_counts(srcdir) == (22, 1)
    app = _build(make_app, srcdir)
    assert warnings_of(app.warning.getvalue(), app.srcdir) == [
        ("flags.rst:40", "expected '5', got '4'")
    ]
    assert app.statuscode == 1


def test_default_flags_are_sphinx_ext_doctests(
    make_app: Callable[..., SphinxTestApp], copy_root: Callable[[str], Path]
) -> None:
    app = _build(make_app, copy_root("ex-doctest"), "jigger-check")
    # object() reprs, a changed exception message, True not taken for 1
    assert _statuses(app, "flags") == [
        ("passed", 6),
        ("passed", 9),
        ("passed", 14),
        ("passed", 24),
        ("passed", 29),
        ("passed", 34),  # doctest_path is on the examples' sys.path
    ]


def test_doctest_default_flags_is_honoured(
    make_app: Callable[..., SphinxTestApp], copy_root: Callable[[str], Path]
) -> None:
    app = _build(
        make_app,
        copy_root("ex-doctest"),
        "jigger-check",
        confoverrides={"doctest_default_flags": 0},
    )
    # the block with its own +ELLIPSIS and the one that turns
    # IGNORE_EXCEPTION_DETAIL off pass; the others depended on the defaults
    assert _statuses(app, "flags") == [
        ("passed", 6),
        ("failed", 9),
        ("failed", 14),
        ("passed", 24),
        ("passed", 29),
        ("passed", 34),  # doctest_path is on the examples' sys.path
    ]


def test_each_group_is_its_own_namespace_with_its_own_setup(
    make_app: Callable[..., SphinxTestApp], copy_root: Callable[[str], Path]
) -> None:
    app = _build(make_app, copy_root("ex-doctest"), "jigger-check")
    result = get_domain(app.env).results["groups"]
    order = [(ex.group, ex.kind, ex.lineno) for ex in result.examples]
    assert order == [
        # red: its setup, the "*" setup (added to every group), its tests
        ("red", "setup", 10),
        ("red", "setup", 6),
        ("red", "pycon", 18),
        ("red", "pycon", 28),
        ("red", "setup", 72),  # its testcleanup last
        ("blue", "setup", 14),
        ("blue", "setup", 6),
        ("blue", "pycon", 23),
        ("blue", "pycon", 28),
        ("blue", "code", 40),
        ("blue", "code", 55),
        # the doctest block, in the group "default", which has the "*" setup
        ("default", "setup", 6),
        ("default", "pycon", 33),
    ]
    assert {o.status for o in result.outcomes} == {"passed"}


def test_directive_options_hide_skipif_pyversion_and_flags(
    make_app: Callable[..., SphinxTestApp], copy_root: Callable[[str], Path]
) -> None:
    app = _build(make_app, copy_root("ex-doctest"), "jigger-check")
    assert _statuses(app, "options") == [
        ("passed", 7),  # :options: +NORMALIZE_WHITESPACE
        ("passed", 13),  # :hide:, still run
        ("passed", 15),
        ("skipped", 21),  # :skipif: True
        ("skipped", 26),  # :pyversion: < 3.0
        ("passed", 31),  # :no-trim-doctest-flags: the inline flag applies
        ("passed", 34),  # a doctest block's inline flag applies too
        ("passed", 39),  # testoutput: blank lines need no <BLANKLINE>
        ("passed", 53),  # the testoutput whose :skipif: is false
    ]


def test_a_failing_global_setup_fails_each_group_once(
    make_app: Callable[..., SphinxTestApp], copy_root: Callable[[str], Path]
) -> None:
    app = _build(
        make_app,
        copy_root("ex-doctest"),
        "jigger-check",
        confoverrides={"doctest_global_setup": "import no_such_module_here"},
    )
    result = get_domain(app.env).results["groups"]
    firsts = [
        (ex.group, o.status)
        for ex, o in zip(result.examples, result.outcomes, strict=True)
        if o.status == "failed"
    ]
    assert firsts == [("red", "failed"), ("blue", "failed"), ("default", "failed")]
    assert "setup code failed: ModuleNotFoundError" in result.outcomes[0].summary
    assert {o.status for o in result.outcomes[1:5]} == {"not-run"}


def test_more_kinds_are_one_setting_away(
    make_app: Callable[..., SphinxTestApp],
    copy_root: Callable[[str], Path],
    warnings_of: Warnings,
) -> None:
    app = _build(
        make_app,
        copy_root("ex-doctest"),
        confoverrides={"jigger_example_kinds": ["doctest", "pycon", "python", "http"]},
    )
    found = warnings_of(app.warning.getvalue(), app.srcdir)
    assert [where for where, _ in found] == [
        "unchecked.rst:8",
        "unchecked.rst:13",
        "unchecked.rst:17",
    ]
    assert "not checked" not in _summary(app)


@pytest.mark.parametrize("builder", ["text", "latex"])
def test_other_builders_do_not_run_the_examples(
    make_app: Callable[..., SphinxTestApp],
    copy_root: Callable[[str], Path],
    builder: str,
) -> None:
    app = _build(make_app, copy_root("ex-doctest"), builder)
    assert get_domain(app.env).executed_this_build == set()
    assert _summary(app).startswith(
        "jigger-sphinx: 28 examples: 0 passed, 0 failed, 0 skipped (0 executed, "
        f"0 cached, 28 not run: the {builder} builder is not in "
        "jigger_example_builders)"
    )


def test_doctest_builder_beside_jigger_sphinx_runs_examples_once(
    copy_root: Callable[[str], Path],
) -> None:
    srcdir = copy_root("ex-doctest")
    outdir = srcdir.parent / "_doctest"
    done = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "doctest", srcdir, outdir],
        check=False,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert (
        "(0 executed, 0 cached, 28 not run: the doctest builder is not in "
        "jigger_example_builders)"
    ) in done.stdout


def test_a_builder_can_be_asked_to_run_them(
    make_app: Callable[..., SphinxTestApp], copy_root: Callable[[str], Path]
) -> None:
    app = _build(
        make_app,
        copy_root("ex-doctest"),
        "text",
        confoverrides={"jigger_example_builders": ["text"]},
    )
    assert _summary(app).startswith("jigger-sphinx: 28 examples: 26 passed")


def test_html_after_a_build_that_did_not_run_runs_them(
    make_app: Callable[..., SphinxTestApp], copy_root: Callable[[str], Path]
) -> None:
    srcdir = copy_root("ex-doctest")
    text = _build(make_app, srcdir, "text")
    assert "28 not run" in _summary(text)
    # the same environment (builddir/doctrees), no document changed
    app = _build(make_app, srcdir)
    assert app.doctreedir == text.doctreedir
    assert "26 passed" in _summary(app)


def test_no_examples_run_is_not_called_cached(
    make_app: Callable[..., SphinxTestApp], copy_root: Callable[[str], Path]
) -> None:
    app = _build(
        make_app,
        copy_root("ex-doctest"),
        confoverrides={"jigger_run_examples": False},
    )
    assert "(0 executed, 0 cached, 28 not run: jigger_run_examples = False)" in (
        _summary(app)
    )


def test_an_unknown_kind_is_a_config_error(
    make_app: Callable[..., SphinxTestApp], copy_root: Callable[[str], Path]
) -> None:
    with pytest.raises(ConfigError, match="'pyconsole' is not one"):
        make_app(
            "html",
            srcdir=copy_root("ex-doctest"),
            confoverrides={"jigger_example_kinds": ["pyconsole"]},
        )


def test_docstring_examples_are_reported_at_their_python_line(
    make_app: Callable[..., SphinxTestApp],
    copy_root: Callable[[str], Path],
    warnings_of: Warnings,
) -> None:
    srcdir = copy_root("ex-autodoc")
    assert _doctest_builder_counts(srcdir) == (9, 3)
    app = _build(make_app, srcdir)
    assert warnings_of(app.warning.getvalue(), app.srcdir) == [
        ("tally.py:33", "expected '3', got '2'"),  # the failing >>> line
        ("tally.py:20", "expected '5', got '4'"),  # automodule's halve
        ("tally.py:20", "expected '5', got '4'"),  # autofunction's halve
    ]
    assert "3 failed" in _summary(app)


@pytest.mark.parametrize("trim", [True, False])
def test_trim_doctest_flags_changes_the_page_not_the_outcome(
    make_app: Callable[..., SphinxTestApp],
    copy_root: Callable[[str], Path],
    trim: bool,
) -> None:
    app = _build(
        make_app, copy_root("ex-doctest"), confoverrides={"trim_doctest_flags": trim}
    )
    page = (app.outdir / "options.html").read_text(encoding="utf-8")
    # the block with :no-trim-doctest-flags: always shows its flag; the
    # doctest block shows it only when flags are not trimmed
    assert page.count("# doctest: +NORMALIZE_WHITESPACE") == (1 if trim else 2)
    # either way the flags apply
    assert {status for status, _ in _statuses(app, "options")} == {
        "passed",
        "skipped",
    }


def test_setup_code_that_prints_fails_as_in_sphinx_ext_doctest(
    make_app: Callable[..., SphinxTestApp],
    copy_root: Callable[[str], Path],
    warnings_of: Warnings,
) -> None:
    srcdir = copy_root("ex-doctest")
    groups = srcdir / "groups.rst"
    text = groups.read_text(encoding="utf-8")
    groups.write_text(
        text.replace('   value = "red"\n', '   value = "red"\n   print("chatty")\n'),
        encoding="utf-8",
    )
    assert _doctest_builder_counts(srcdir)[1] == 0  # not among its tests...
    report = (srcdir.parent / "_doctest" / "output.txt").read_text(encoding="utf-8")
    assert "1 failure in setup code" in report  # ...but a failure all the same
    app = _build(make_app, srcdir)
    found = warnings_of(app.warning.getvalue(), app.srcdir)
    assert found == [("groups.rst:10", "expected nothing, got 'chatty'")]
    assert app.statuscode == 1


def test_doctest_test_doctest_blocks_names_their_group_or_leaves_them_out(
    make_app: Callable[..., SphinxTestApp], copy_root: Callable[[str], Path]
) -> None:
    srcdir = copy_root("ex-doctest")
    app = _build(
        make_app,
        srcdir,
        "jigger-check",
        confoverrides={"doctest_test_doctest_blocks": "blocks"},
    )
    result = get_domain(app.env).results["groups"]
    assert [ex.group for ex in result.examples if ex.lineno == 33] == ["blocks"]

    app = _build(
        make_app,
        srcdir,
        "jigger-check",
        confoverrides={"doctest_test_doctest_blocks": ""},
        freshenv=True,
    )
    # sphinx.ext.doctest leaves them alone: they are pycon blocks of the page
    assert [ex.lineno for ex in get_domain(app.env).results["flags"].examples] == [
        24  # only the doctest directive
    ]
    assert "11 blocks not checked (1 http, 9 pycon, 1 python)" in _summary(app)


def test_changing_a_sphinx_ext_doctest_setting_runs_the_examples_again(
    make_app: Callable[..., SphinxTestApp], copy_root: Callable[[str], Path]
) -> None:
    srcdir = copy_root("ex-doctest")
    first = _build(make_app, srcdir, "jigger-check")
    assert "(28 executed, 0 cached)" in _summary(first)
    same = _build(make_app, srcdir, "jigger-check")
    assert "(0 executed, 28 cached)" in _summary(same)
    # doctest_default_flags is registered without 'env': Sphinx alone
    # would read nothing again, and report the old outcomes
    changed = _build(
        make_app,
        srcdir,
        "jigger-check",
        confoverrides={"doctest_default_flags": 0},
    )
    assert "28 executed" in _summary(changed)
    assert _statuses(changed, "flags")[1] == ("failed", 9)


def test_cleanup_code_is_named_as_sphinx_ext_doctest_names_it(
    make_app: Callable[..., SphinxTestApp], copy_root: Callable[[str], Path]
) -> None:
    srcdir = copy_root("ex-doctest")
    with (srcdir / "groups.rst").open("a", encoding="utf-8") as fh:
        fh.write("\n.. testcleanup:: blue\n\n   raise RuntimeError('left a mess')\n")
    _doctest_builder_counts(srcdir)
    report = (srcdir.parent / "_doctest" / "output.txt").read_text(encoding="utf-8")
    assert "1 failure in cleanup code" in report
    app = _build(make_app, srcdir)
    text = strip_escape_sequences(app.warning.getvalue())
    assert f"{srcdir / 'groups.rst'}:76: WARNING: RuntimeError: left a mess" in text
    assert 'File "<doctest blue (cleanup code)[0]>", line 1' in text

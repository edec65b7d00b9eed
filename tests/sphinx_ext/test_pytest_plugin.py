"""``pytest --jigger-docs``: a project's examples as pytest items."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]


def _docs(pytester: pytest.Pytester, rootdir: Path, root: str) -> Path:
    target = pytester.path / "docs"
    shutil.copytree(rootdir / f"test-{root}", target)
    return target


def test_each_example_is_an_item_named_by_file_and_line(
    pytester: pytest.Pytester, rootdir: Path
) -> None:
    _docs(pytester, rootdir, "ex-pass")
    result = pytester.runpytest_subprocess(
        "--jigger-docs", "docs", "-p", "no:cacheprovider", "-v", "-rs"
    )
    result.assert_outcomes(passed=13, skipped=2, xfailed=1)
    result.stdout.fnmatch_lines(
        [
            "docs/md_http.md::docs/md_http.md:11 PASSED*",
            "docs/rst_doctest.rst::docs/rst_doctest.rst:4 PASSED*",
            "docs/rst_doctest.rst::docs/rst_doctest.rst:11 PASSED*",
            "SKIPPED [[]1[]] docs/rst_markers.rst:6: shows an error on purpose",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "docs/rst_markers.rst::docs/rst_markers.rst:16 XFAIL*",
            "docs/rst_markers.rst::docs/rst_markers.rst:21 SKIPPED*",
        ]
    )


def test_failures_show_file_line_summary_and_detail(
    pytester: pytest.Pytester, rootdir: Path
) -> None:
    _docs(pytester, rootdir, "ex-faults")
    result = pytester.runpytest_subprocess(
        "--jigger-docs", "docs", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=4, failed=12)
    result.stdout.fnmatch_lines(
        [
            "*_ docs/wrong.rst:4 (pycon) _*",
            "docs/wrong.rst:4: expected '7', got '6'",
            "--- expected",
            "+++ got",
        ]
    )
    result.stdout.fnmatch_lines(["docs/timeout.rst:5: timed out after 1s"])
    result.stdout.fnmatch_lines(
        ["FAILED docs/exits.rst::docs/exits.rst:4 - docs/exits.rst:5: SystemExit*"]
    )


def test_separate_conf_dir(pytester: pytest.Pytester, rootdir: Path) -> None:
    docs = _docs(pytester, rootdir, "ex-pass")
    (pytester.path / "conf").mkdir()
    (docs / "conf.py").rename(pytester.path / "conf" / "conf.py")
    result = pytester.runpytest_subprocess(
        "--jigger-docs", "--jigger-conf-dir", "conf", "docs", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=13, skipped=2, xfailed=1)


@pytest.mark.parametrize("dist", ["load", "loadgroup"])
def test_xdist_keeps_each_documents_state(
    pytester: pytest.Pytester, rootdir: Path, dist: str
) -> None:
    # rst_doctest.rst:11 needs the state made by rst_doctest.rst:4
    _docs(pytester, rootdir, "ex-pass")
    result = pytester.runpytest_subprocess(
        "--jigger-docs", "docs", "-n", "2", "--dist", dist, "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=13, skipped=2, xfailed=1)


def test_without_the_option_docs_are_not_collected(
    pytester: pytest.Pytester, rootdir: Path
) -> None:
    _docs(pytester, rootdir, "ex-faults")
    result = pytester.runpytest_subprocess("docs", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_docstring_examples_have_unique_ids_at_their_python_lines(
    pytester: pytest.Pytester, rootdir: Path
) -> None:
    _docs(pytester, rootdir, "ex-autodoc")
    result = pytester.runpytest_subprocess(
        "--jigger-docs", "docs", "-p", "no:cacheprovider", "-v"
    )
    result.assert_outcomes(passed=3, failed=3)
    result.stdout.fnmatch_lines(
        [
            "docs/index.rst::docs/tally.py:20@default FAILED*",
            "docs/index.rst::docs/tally.py:20@default#2 FAILED*",
        ]
    )


@pytest.mark.parametrize("root", ["ex-autodoc", "ex-doctest"])
def test_xdist_runs_and_fails_what_a_serial_run_does(
    pytester: pytest.Pytester, rootdir: Path, root: str
) -> None:
    _docs(pytester, rootdir, root)
    serial = pytester.runpytest_subprocess(
        "--jigger-docs", "docs", "-p", "no:cacheprovider"
    ).parseoutcomes()
    parallel = pytester.runpytest_subprocess(
        "--jigger-docs", "docs", "-n", "2", "-p", "no:cacheprovider"
    ).parseoutcomes()
    assert parallel == serial
    assert sum(serial.values()) - serial.get("seconds", 0) > 5


def test_strict_markers_without_xdist(pytester: pytest.Pytester, rootdir: Path) -> None:
    _docs(pytester, rootdir, "ex-autodoc")
    result = pytester.runpytest_subprocess(
        "--jigger-docs",
        "docs",
        "--strict-markers",
        "-p",
        "no:xdist",
        "-p",
        "no:cacheprovider",
    )
    result.assert_outcomes(passed=3, failed=3)


@pytest.mark.parametrize("workers", [[], ["-n", "2"]])
def test_no_documents_state_reaches_another(
    pytester: pytest.Pytester, rootdir: Path, workers: list[str]
) -> None:
    # a_changes_everything.rst changes decimal, logging, os.environ, the cwd,
    # sys.path and sys.modules; b_expects_defaults.rst must not see any of it
    _docs(pytester, rootdir, "ex-fresh")
    result = pytester.runpytest_subprocess(
        "--jigger-docs", "docs", *workers, "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=2)

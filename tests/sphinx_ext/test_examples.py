"""Examples run during the ordinary Sphinx build: faults, caching, incremental."""

from __future__ import annotations

import doctest
import importlib
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sphinx.testing.util import SphinxTestApp
from sphinx.util.console import strip_escape_sequences

from jigger_sphinx.domain import example_counts, get_domain

Warnings = Callable[[str, Path], list[tuple[str, str]]]


def _status(app: SphinxTestApp) -> str:
    return strip_escape_sequences(app.status.getvalue())


def _summary(app: SphinxTestApp) -> str:
    lines = [
        line for line in _status(app).splitlines() if line.startswith("jigger-sphinx: ")
    ]
    assert len(lines) == 1, app.status.getvalue()
    return lines[0]


def _build(
    make_app: Callable[..., SphinxTestApp],
    srcdir: Path,
    builder: str = "html",
    **kwargs: Any,
) -> SphinxTestApp:
    app = make_app(builder, srcdir=srcdir, builddir=srcdir.parent / "_build", **kwargs)
    app.build()
    return app


def _example_warnings(
    app: SphinxTestApp, warnings_of: Warnings
) -> list[tuple[str, str]]:
    return warnings_of(app.warning.getvalue(), app.srcdir)


def test_passing_project_reports_no_warning_and_counts_everything(
    make_app: Callable[..., SphinxTestApp],
    copy_root: Callable[[str], Path],
    warnings_of: Warnings,
) -> None:
    app = _build(make_app, copy_root("ex-pass"))
    assert warnings_of(app.warning.getvalue(), app.srcdir) == []
    assert _summary(app) == (
        "jigger-sphinx: 16 examples: 14 passed, 0 failed, 2 skipped "
        "(16 executed, 0 cached); 0 references checked, 0 broken"
    )
    assert app.statuscode == 0
    assert example_counts(app.env, "rst_markers") == (2, 4)
    assert example_counts(app.env, "md_http") == (2, 2)


def test_each_planted_fault_is_a_warning_at_its_file_and_line(
    make_app: Callable[..., SphinxTestApp],
    copy_root: Callable[[str], Path],
    warnings_of: Warnings,
) -> None:
    app = _build(make_app, copy_root("ex-faults"))
    found = _example_warnings(app, warnings_of)
    assert found == [
        ("exception.rst:6", "KeyError: 'missing'"),
        ("exits.rst:5", "SystemExit with exit code 3"),
        ("exits.rst:7", "KeyboardInterrupt raised"),
        ("exits.rst:11", "Escape raised"),
        ("flood.rst:6", "output flood: more than 10000 characters written"),
        ("http.md:10", "expected status 404 NOT FOUND, got 200 OK"),
        ("md_wrong.md:4", "expected \"'abc'\", got \"'ab'\""),
        ("md_wrong.md:9", "expected '2', got '1'"),
        ("timeout.rst:5", "timed out after 1s"),
        (
            "timeout.rst:8",
            "not run: an earlier example in this document timed out (line 5)",
        ),
        ("wrong.rst:4", "expected '7', got '6'"),
        ("wrong.rst:16", "expected '7', got '6'"),
    ]
    text = strip_escape_sequences(app.warning.getvalue())
    # the detail follows the warning line: a diff, a traceback
    assert "wrong.rst:4: WARNING: expected '7', got '6'\n--- expected\n+++ got" in text
    assert 'exception.rst", line 7' in text
    # the build went on: the example after the exits still ran and passed
    exits = get_domain(app.env).results["exits"]
    assert [o.status for o in exits.outcomes] == ["failed"] * 3 + ["passed"]
    assert _summary(app).startswith("jigger-sphinx: 16 examples: 4 passed, 12 failed")
    # failures fail the build without -W (jigger_fail_on_error defaults to True)
    assert app.statuscode == 1


def test_fail_on_error_false_only_warns(
    make_app: Callable[..., SphinxTestApp], copy_root: Callable[[str], Path]
) -> None:
    app = _build(
        make_app, copy_root("ex-faults"), confoverrides={"jigger_fail_on_error": False}
    )
    assert "12 failed" in _summary(app)
    assert app.statuscode == 0


def test_unchanged_rebuild_executes_nothing_and_reports_stored_failures(
    make_app: Callable[..., SphinxTestApp],
    copy_root: Callable[[str], Path],
    warnings_of: Warnings,
) -> None:
    srcdir = copy_root("ex-faults")
    first = _build(make_app, srcdir, "jigger-check")
    second = _build(make_app, srcdir, "jigger-check")
    assert "0 added, 0 changed, 0 removed" in _status(second)
    assert _summary(second) == (
        "jigger-sphinx: 16 examples: 4 passed, 12 failed, 0 skipped "
        "(0 executed, 16 cached); 0 references checked, 0 broken"
    )
    assert sorted(_example_warnings(second, warnings_of)) == sorted(
        _example_warnings(first, warnings_of)
    )
    assert second.statuscode == 1


def _touch_later(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    # Sphinx compares the file's mtime with the time it last read it
    later = time.time() + 2
    os.utime(path, (later, later))


def _add_page(srcdir: Path, name: str, text: str) -> None:
    """Write ``name.rst`` and list it in the root's toctree."""
    (srcdir / f"{name}.rst").write_text(text, encoding="utf-8")
    index = srcdir / "index.rst"
    index.write_text(index.read_text(encoding="utf-8") + f"   {name}\n", "utf-8")


def test_editing_one_example_reruns_only_its_document(
    make_app: Callable[..., SphinxTestApp],
    copy_root: Callable[[str], Path],
    warnings_of: Warnings,
) -> None:
    srcdir = copy_root("ex-faults")
    _build(make_app, srcdir, "jigger-check")
    wrong = srcdir / "wrong.rst"
    _touch_later(wrong, wrong.read_text(encoding="utf-8").replace("7\n\nA", "6\n\nA"))
    app = _build(make_app, srcdir, "jigger-check")
    assert "0 added, 1 changed, 0 removed" in _status(app)
    # wrong.rst has 3 examples, now run again; the other 13 come from the cache
    assert "(3 executed, 13 cached)" in _summary(app)
    found = _example_warnings(app, warnings_of)
    assert ("wrong.rst:4", "expected '7', got '6'") not in found
    assert ("wrong.rst:16", "expected '7', got '6'") in found
    assert "11 failed" in _summary(app)


def test_prose_edit_reuses_outcomes_when_examples_are_unchanged(
    make_app: Callable[..., SphinxTestApp], copy_root: Callable[[str], Path]
) -> None:
    srcdir = copy_root("ex-pass")
    _build(make_app, srcdir, "jigger-check")
    doc = srcdir / "md_output.md"
    _touch_later(doc, doc.read_text(encoding="utf-8") + "\nA closing remark.\n")
    app = _build(make_app, srcdir, "jigger-check")
    assert "0 added, 1 changed, 0 removed" in _status(app)
    assert "(0 executed, 16 cached)" in _summary(app)


def test_changed_watched_code_reruns_the_documents_importing_it(
    make_app: Callable[..., SphinxTestApp],
    copy_root: Callable[[str], Path],
    warnings_of: Warnings,
) -> None:
    srcdir = copy_root("ex-incremental")
    first = _build(make_app, srcdir, "jigger-check")
    assert "(4 executed, 0 cached)" in _summary(first)
    assert _example_warnings(first, warnings_of) == []

    module = srcdir / "shapes.py"
    module.write_text("def area(w, h):\n    return w * h + 1\n", encoding="utf-8")
    app = _build(make_app, srcdir, "jigger-check")
    # uses_shapes.rst imports shapes and runs again; plain.rst does not
    assert "(3 executed, 1 cached)" in _summary(app)
    assert _example_warnings(app, warnings_of) == [
        ("uses_shapes.rst:6", "expected '6', got '7'")
    ]

    # unchanged again: nothing runs, the failure is still reported
    again = _build(make_app, srcdir, "jigger-check")
    assert "(0 executed, 4 cached)" in _summary(again)
    assert _example_warnings(again, warnings_of) == [
        ("uses_shapes.rst:6", "expected '6', got '7'")
    ]


def test_markers_skip_xfail_and_options(
    make_app: Callable[..., SphinxTestApp], copy_root: Callable[[str], Path]
) -> None:
    app = _build(make_app, copy_root("ex-pass"), "jigger-check")
    result = get_domain(app.env).results["rst_markers"]
    assert [(o.status, o.lineno) for o in result.outcomes] == [
        ("skipped", 6),
        ("passed", 11),
        ("xfailed", 16),
        ("skipped", 21),
    ]
    assert result.outcomes[0].summary == "shows an error on purpose"


def test_examples_are_not_run_when_disabled(
    make_app: Callable[..., SphinxTestApp], copy_root: Callable[[str], Path]
) -> None:
    app = _build(
        make_app,
        copy_root("ex-faults"),
        "jigger-check",
        confoverrides={"jigger_run_examples": False},
    )
    # Nothing ran (not even the example that times out), and nothing
    # claims to come from the cache.
    summary = _summary(app)
    assert summary.startswith("jigger-sphinx: 16 examples: 0 passed, 0 failed")
    assert "0 cached, 16 not run: jigger_run_examples = False" in summary
    assert app.statuscode == 0


@pytest.mark.parametrize("builder", ["html", "jigger-check"])
def test_rendered_page_does_not_change_with_markers(
    make_app: Callable[..., SphinxTestApp],
    copy_root: Callable[[str], Path],
    builder: str,
) -> None:
    app = _build(make_app, copy_root("ex-pass"), builder)
    html = app.outdir / "rst_markers.html"
    if builder == "html":
        assert "jigger:" not in html.read_text(encoding="utf-8")
    else:
        assert not html.exists()


@pytest.mark.parametrize(
    "module",
    ["config", "collect", "domain", "examples", "summary"],
)
def test_docstring_examples_of_the_integration_modules_run(module: str) -> None:
    imported = importlib.import_module(f"jigger_sphinx.{module}")
    result = doctest.testmod(imported, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_the_worker_is_started_early_only_when_a_page_may_have_examples(
    make_app: Callable[..., SphinxTestApp],
    copy_root: Callable[[str], Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from jigger_sphinx.runner import Runner

    starts: list[int] = []
    original = Runner.start

    def start(self: Runner) -> None:
        starts.append(1)
        original(self)

    monkeypatch.setattr(Runner, "start", start)
    srcdir = copy_root("ex-incremental")
    _build(make_app, srcdir, "jigger-check")
    assert starts == [1]  # a first build: every page may have examples

    index = srcdir / "index.rst"
    _touch_later(index, index.read_text(encoding="utf-8") + "\nNo examples here.\n")
    app = _build(make_app, srcdir, "jigger-check")
    assert "0 added, 1 changed, 0 removed" in _status(app)
    assert starts == [1]  # index.rst had none last time: no early start

    plain = srcdir / "plain.rst"
    _touch_later(plain, plain.read_text(encoding="utf-8") + "\nMore prose.\n")
    _build(make_app, srcdir, "jigger-check")
    assert starts == [1, 1]  # plain.rst had examples


def test_messages_point_at_the_readers_line_and_the_difference(
    make_app: Callable[..., SphinxTestApp],
    copy_root: Callable[[str], Path],
) -> None:
    app = _build(make_app, copy_root("ex-messages"))
    text = strip_escape_sequences(app.warning.getvalue())
    srcdir = app.srcdir
    # the syntax error at its own line, without the worker's frames and
    # without a second, chained traceback
    syntax = text.split(f"{srcdir / 'index.rst'}:13: WARNING: SyntaxError")[1]
    syntax = syntax.split("[jigger.example]")[0]
    assert "for n in range(3)" in syntax
    assert "_worker.py" not in syntax
    assert "During handling" not in syntax
    assert "Traceback" not in syntax
    # a long mismatch names where it is, and shows both texts there
    assert (
        f"{srcdir / 'index.rst'}:18: WARNING: first difference at line 1, "
        "column 121: expected '...789TAL...', got '...789tai...'"
    ) in text
    assert (
        "  expected: ...01234567890123456789TALE\n"
        "  got:      ...01234567890123456789tail"
    ) in text


def test_a_misspelled_marker_is_an_error_until_fixed(
    make_app: Callable[..., SphinxTestApp],
    copy_root: Callable[[str], Path],
    warnings_of: Warnings,
) -> None:
    srcdir = copy_root("ex-messages")
    message = "unknown jigger marker 'skipp' in 'jigger: skipp'"
    for _ in range(2):  # the second build reads nothing again
        app = _build(make_app, srcdir, freshenv=False)
        found = warnings_of(app.warning.getvalue(), app.srcdir)
        assert [w for w in found if w[0] == "marker.rst:4"] == [
            (
                "marker.rst:4",
                f"{message}: expected one of skip, skip because "
                "<reason>, skip-if <expression>, xfail <reason>, options <flags>, "
                "setup",
            )
        ]
        assert "ERROR: " + message in strip_escape_sequences(app.warning.getvalue())
        assert _summary(app).endswith("; 1 marker error")
        assert app.statuscode == 1
    assert "0 added, 0 changed, 0 removed" in _status(app)
    _touch_later(srcdir / "marker.rst", "Fixed\n=====\n\n.. jigger: skip\n\n>>> 1\n")
    app = _build(make_app, srcdir, freshenv=False)
    assert "marker error" not in _summary(app)


def test_a_docstring_examples_traceback_quotes_the_python_files_lines(
    make_app: Callable[..., SphinxTestApp], tmp_path: Path
) -> None:
    (tmp_path / "conf.py").write_text(
        "import os, sys\n"
        "sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))\n"
        'extensions = ["sphinx.ext.autodoc", "jigger_sphinx"]\n'
        'jigger_setup = "from calc import divide"\n',
        encoding="utf-8",
    )
    (tmp_path / "calc.py").write_text(
        '"""Calc."""\n\n\ndef divide(a: int, b: int) -> float:\n'
        '    """Divide.\n\n    >>> divide(1, 0)\n    0\n    """\n'
        "    return a / b\n",
        encoding="utf-8",
    )
    (tmp_path / "index.rst").write_text(
        "Calc\n====\n\n.. automodule:: calc\n   :members:\n", encoding="utf-8"
    )
    app = _build(make_app, tmp_path)
    text = strip_escape_sequences(app.warning.getvalue())
    calc = tmp_path / "calc.py"
    assert f"{calc}:7: WARNING: ZeroDivisionError: division by zero" in text
    assert f'File "{calc}", line 7, in <module>\n    divide(1, 0)' in text
    assert f'File "{calc}", line 10, in divide\n    return a / b' in text


# -- a cache keyed by what the examples used -----------------------------------


def _executed(app: SphinxTestApp) -> str:
    summary = _summary(app)
    return summary[summary.index("(") : summary.index(")") + 1]


def test_editing_an_imported_module_reruns_exactly_its_dependants(
    make_app: Callable[..., SphinxTestApp],
    copy_root: Callable[[str], Path],
    warnings_of: Warnings,
) -> None:
    srcdir = copy_root("ex-deps")
    first = _build(make_app, srcdir, "jigger-check")
    # 5 examples; uses_missing's import fails until gamma.py exists
    assert _executed(first) == "(5 executed, 0 cached)"
    assert [w[0] for w in _example_warnings(first, warnings_of)] == [
        "uses_missing.rst:4"
    ]

    # beta.py is imported by uses_beta only (jigger_watch is unset)
    beta = srcdir / "lib" / "beta.py"
    beta.write_text(
        "from alpha import double\n\n\ndef quadruple(n):\n    return double(n)\n",
        encoding="utf-8",
    )
    app = _build(make_app, srcdir, "jigger-check")
    # uses_beta's two examples run again, nothing else
    assert _executed(app) == "(2 executed, 3 cached)"
    assert ("uses_beta.rst:5", "expected '4', got '2'") in _example_warnings(
        app, warnings_of
    )

    # alpha.py is imported by uses_alpha and, through beta, by uses_beta
    alpha = srcdir / "lib" / "alpha.py"
    alpha.write_text("def double(n):\n    return n + n + 0\n", encoding="utf-8")
    app = _build(make_app, srcdir, "jigger-check")
    assert _executed(app) == "(3 executed, 2 cached)"

    # nothing changed: nothing runs, the failures are reported again
    again = _build(make_app, srcdir, "jigger-check")
    assert _executed(again) == "(0 executed, 5 cached)"
    assert ("uses_beta.rst:5", "expected '4', got '2'") in _example_warnings(
        again, warnings_of
    )


def test_a_module_written_earlier_on_sys_path_reruns_the_documents_it_shadows(
    make_app: Callable[..., SphinxTestApp],
    copy_root: Callable[[str], Path],
    warnings_of: Warnings,
) -> None:
    # conf.py puts front/ before lib/ on sys.path; a front/alpha.py written
    # later is what "import alpha" loads from then on, though lib/alpha.py
    # did not change.
    srcdir = copy_root("ex-deps")
    (srcdir / "front").mkdir()
    (srcdir / "lib" / "gamma.py").write_text("NAME = 'gamma'\n", encoding="utf-8")
    conf = srcdir / "conf.py"
    conf.write_text(
        conf.read_text(encoding="utf-8")
        + "sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath("
        "__file__)), 'front'))\n",
        encoding="utf-8",
    )
    first = _build(make_app, srcdir, "jigger-check")
    assert _example_warnings(first, warnings_of) == []
    again = _build(make_app, srcdir, "jigger-check")
    assert _executed(again) == "(0 executed, 5 cached)"

    (srcdir / "front" / "alpha.py").write_text(
        "def double(n):\n    return n * 3\n", encoding="utf-8"
    )
    app = _build(make_app, srcdir, "jigger-check")
    # uses_alpha, and uses_beta (beta imports alpha), run again; they see
    # the new module
    assert _executed(app) == "(3 executed, 2 cached)"
    assert ("uses_alpha.rst:5", "expected '8', got '12'") in _example_warnings(
        app, warnings_of
    )


def test_a_module_the_examples_write_and_remove_does_not_defeat_the_cache(
    make_app: Callable[..., SphinxTestApp],
    copy_root: Callable[[str], Path],
    warnings_of: Warnings,
) -> None:
    srcdir = copy_root("ex-deps")
    _add_page(
        srcdir,
        "scratch",
        "Scratch\n=======\n\n"
        ">>> import pathlib, sys, tempfile\n"
        ">>> tmp = tempfile.mkdtemp()\n"
        ">>> _ = (pathlib.Path(tmp) / 'made_xyz.py').write_text('X = 7')\n"
        ">>> sys.path.insert(0, tmp)\n"
        ">>> import made_xyz\n\n"
        "An example later cleans up:\n\n"
        ">>> import shutil\n"
        ">>> shutil.rmtree(tmp)\n"
        ">>> made_xyz.X\n"
        "7\n",
    )
    (srcdir / "lib" / "gamma.py").write_text("NAME = 'gamma'\n", encoding="utf-8")
    first = _build(make_app, srcdir, "jigger-check")
    assert _example_warnings(first, warnings_of) == []
    assert _executed(first) == "(7 executed, 0 cached)"
    # the temporary module is gone: nothing to run again for
    again = _build(make_app, srcdir, "jigger-check")
    assert _executed(again) == "(0 executed, 7 cached)"


def test_a_missing_module_is_found_once_it_appears_without_a_full_rebuild(
    make_app: Callable[..., SphinxTestApp],
    copy_root: Callable[[str], Path],
    warnings_of: Warnings,
) -> None:
    srcdir = copy_root("ex-deps")
    first = _build(make_app, srcdir, "jigger-check")
    assert first.statuscode == 1
    (srcdir / "lib" / "gamma.py").write_text("NAME = 'gamma'\n", encoding="utf-8")
    app = _build(make_app, srcdir, "jigger-check")
    assert _example_warnings(app, warnings_of) == []
    assert app.statuscode == 0


def test_a_missing_submodule_is_found_once_it_appears_in_its_package(
    make_app: Callable[..., SphinxTestApp],
    copy_root: Callable[[str], Path],
    warnings_of: Warnings,
) -> None:
    # The import looks in the package's directory, not in a sys.path one:
    # writing the module there changes nothing on sys.path itself.
    srcdir = copy_root("ex-deps")
    package = srcdir / "lib" / "shapes"
    package.mkdir()
    (package / "__init__.py").write_text('"""Shapes."""\n', encoding="utf-8")
    (srcdir / "lib" / "gamma.py").write_text("NAME = 'gamma'\n", encoding="utf-8")
    _add_page(
        srcdir,
        "sub",
        "Submodule\n=========\n\n>>> from shapes import square\n>>> square.SIDES\n4\n",
    )
    first = _build(make_app, srcdir, "jigger-check")
    assert [w[0] for w in _example_warnings(first, warnings_of)] == ["sub.rst:4"]
    lib_stat = os.stat(srcdir / "lib")
    (package / "square.py").write_text("SIDES = 4\n", encoding="utf-8")
    assert os.stat(srcdir / "lib").st_mtime_ns == lib_stat.st_mtime_ns
    app = _build(make_app, srcdir, "jigger-check")
    assert _example_warnings(app, warnings_of) == []
    # only the page whose import looked there runs again
    assert _executed(app) == "(1 executed, 5 cached)"


def test_too_many_failed_lookups_to_watch_run_the_document_every_build(
    make_app: Callable[..., SphinxTestApp],
    copy_root: Callable[[str], Path],
    warnings_of: Warnings,
) -> None:
    srcdir = copy_root("ex-deps")
    (srcdir / "lib" / "gamma.py").write_text("NAME = 'gamma'\n", encoding="utf-8")
    _add_page(
        srcdir,
        "many",
        "Many packages\n=============\n\n"
        ">>> import importlib, os, sys\n"
        ">>> for i in range(250):\n"
        "...     os.makedirs(f'pkg{i}')\n"
        "...     open(f'pkg{i}/__init__.py', 'w').close()\n"
        ">>> sys.path.insert(0, os.getcwd())\n"
        ">>> found = []\n"
        ">>> for i in range(250):\n"
        "...     try:\n"
        "...         found.append(importlib.import_module(f'pkg{i}.absent'))\n"
        "...     except ImportError:\n"
        "...         pass\n"
        ">>> found\n[]\n",
    )
    first = _build(make_app, srcdir, "jigger-check")
    assert _example_warnings(first, warnings_of) == []
    # the directories it looked in are too many to key it by: it runs again
    again = _build(make_app, srcdir, "jigger-check")
    assert _executed(again) == "(1 executed, 5 cached)"


def test_a_missing_module_is_found_after_conf_py_fixes_sys_path(
    make_app: Callable[..., SphinxTestApp],
    copy_root: Callable[[str], Path],
    warnings_of: Warnings,
) -> None:
    srcdir = copy_root("ex-deps")
    (srcdir / "more").mkdir()
    (srcdir / "more" / "gamma.py").write_text("NAME = 'gamma'\n", encoding="utf-8")
    first = _build(make_app, srcdir, "jigger-check")
    assert first.statuscode == 1
    conf = srcdir / "conf.py"
    _touch_later(
        conf,
        conf.read_text(encoding="utf-8")
        + "sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)),"
        " 'more'))\n",
    )
    app = _build(make_app, srcdir, "jigger-check")
    assert _example_warnings(app, warnings_of) == []


# -- a pristine interpreter for every document -----------------------------------


@pytest.mark.parametrize("fork", [True, False], ids=["forked", "fresh-interpreter"])
def test_a_documents_state_never_reaches_the_next(
    make_app: Callable[..., SphinxTestApp],
    copy_root: Callable[[str], Path],
    warnings_of: Warnings,
    fork: bool,
) -> None:
    srcdir = copy_root("ex-fresh")
    conf = {"jigger_example_fork": fork}
    full = _build(make_app, srcdir, "jigger-check", confoverrides=conf)
    assert _example_warnings(full, warnings_of) == []
    assert "2 examples: 2 passed" in _summary(full)
    # after editing only the page that expects defaults
    page = srcdir / "b_expects_defaults.rst"
    _touch_later(page, page.read_text(encoding="utf-8") + "\nMore prose.\n\n>>> 1\n1\n")
    edited = _build(make_app, srcdir, "jigger-check", confoverrides=conf)
    assert _example_warnings(edited, warnings_of) == []
    # with -j 2
    parallel = make_app(
        "jigger-check",
        srcdir=srcdir,
        builddir=srcdir.parent / "_build_j2",
        parallel=2,
        confoverrides=conf,
    )
    parallel.build()
    assert _example_warnings(parallel, warnings_of) == []


# -- hostile examples -------------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except (ProcessLookupError, FileNotFoundError):
        return False


def _engine_processes() -> list[int]:
    """Processes running the examples worker's bootstrap that this process
    started."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                cmdline = fh.read()
        except OSError:
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as fh:
                parent = int(fh.read().rsplit(")", 1)[-1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        # ours only: other builds may run on the same machine
        mine = b"_jigger_engine" in cmdline and parent == os.getpid()
        if mine and _alive(int(entry)):
            found.append(int(entry))
    return found


def _marked_processes(mark: str) -> list[int]:
    """Live processes whose environment holds ``JIGGER_TEST_MARK=mark``:
    every process a build started, whichever process started it (a forked
    reader's worker is this process's grandchild, and outlives the reader
    if it leaks)."""
    needle = f"JIGGER_TEST_MARK={mark}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as fh:
                environ = fh.read().split(b"\0")
        except OSError:
            continue
        if needle in environ and _alive(int(entry)):
            found.append(int(entry))
    return found


@pytest.mark.skipif(
    not os.path.isdir("/proc") or not hasattr(os, "fork"), reason="Linux"
)
def test_hostile_examples_in_parallel_readers_are_reported_the_same(
    make_app: Callable[..., SphinxTestApp],
    copy_root: Callable[[str], Path],
    warnings_of: Warnings,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # With -j 2 each forked reader has its worker, and collects its
    # documents' outcomes while Sphinx pickles its environment.
    mark = tmp_path.name
    monkeypatch.setenv("JIGGER_TEST_MARK", mark)
    serial_src = copy_root("ex-hostile")
    serial = _build(make_app, serial_src, "jigger-check")
    parallel_src = tmp_path / "parallel" / "ex-hostile"
    shutil.copytree(serial_src, parallel_src, ignore=shutil.ignore_patterns("pids.txt"))
    parallel = make_app(
        "jigger-check",
        srcdir=parallel_src,
        builddir=tmp_path / "parallel-build",
        parallel=2,
    )
    parallel.build()
    assert sorted(_example_warnings(parallel, warnings_of)) == sorted(
        _example_warnings(serial, warnings_of)
    )
    results = get_domain(parallel.env).results
    assert [o.status for o in results["d_forges"].outcomes] == ["failed", "not-run"]
    assert [o.status for o in results["f_is_fine"].outcomes] == ["passed"]
    # nothing either build started is left: workers, guards, the
    # processes the examples started
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _marked_processes(mark):
        time.sleep(0.05)
    assert _marked_processes(mark) == []


@pytest.mark.skipif(
    not os.path.isdir("/proc") or not hasattr(os, "fork"), reason="Linux"
)
@pytest.mark.parametrize("fork", [True, False], ids=["forked", "fresh-interpreter"])
def test_hostile_examples_are_reported_and_leave_nothing_running(
    make_app: Callable[..., SphinxTestApp],
    copy_root: Callable[[str], Path],
    warnings_of: Warnings,
    fork: bool,
) -> None:
    before = set(_engine_processes())
    srcdir = copy_root("ex-hostile")
    app = _build(
        make_app, srcdir, "jigger-check", confoverrides={"jigger_example_fork": fork}
    )
    found = _example_warnings(app, warnings_of)
    locations = [where for where, _ in found]
    messages = dict(found)
    assert messages["b_hogs_memory.rst:4"].startswith("memory limit of 512 MiB reached")
    assert "reached the memory limit (line 4)" in messages["b_hogs_memory.rst:6"]
    assert messages["c_dies.rst:8"] == "the worker process exited with code 9"
    assert messages["d_forges.rst:4"] == (
        "the example wrote into the examples worker's result channel"
    )
    assert messages["e_hangs.rst:7"] == "timed out after 2s"
    assert not any(where.startswith(("a_", "f_")) for where in locations), found
    assert "c_dies.rst:4" not in messages
    # the forged result did not pass d_forges.rst:13
    forged = get_domain(app.env).results["d_forges"].outcomes
    assert [o.status for o in forged] == ["failed", "not-run"]
    assert [o.status for o in get_domain(app.env).results["f_is_fine"].outcomes] == [
        "passed"
    ]
    pids = [int(line) for line in (srcdir / "pids.txt").read_text().split()]
    # a_ and e_ each start a process; e_ may start two: queued behind the
    # forged results, it may have begun on the worker that was replaced,
    # and runs again on the next (the first run's process must end too)
    assert 2 <= len(pids) <= 3
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(map(_alive, pids)):
        time.sleep(0.05)
    assert not any(map(_alive, pids))
    assert set(_engine_processes()) <= before

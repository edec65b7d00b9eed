"""Which blocks become examples, with which file, line and markers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from docutils.core import publish_doctree
from sphinx.testing.util import SphinxTestApp

from jigger_sphinx.collect import collect_examples
from jigger_sphinx.domain import get_domain
from jigger_sphinx.model import Example

Warnings = Callable[[str, Path], list[tuple[str, str]]]


@pytest.fixture
def collected(
    make_app: Callable[..., SphinxTestApp], copy_root: Callable[[str], Path]
) -> SphinxTestApp:
    srcdir = copy_root("ex-collect")
    app = make_app("jigger-check", srcdir=srcdir, builddir=srcdir.parent / "_build")
    app.build()
    return app


def _where(app: SphinxTestApp, example: Example) -> str:
    return f"{Path(example.path).relative_to(app.srcdir).as_posix()}:{example.lineno}"


def test_rest_blocks_in_document_order_with_first_code_line(
    collected: SphinxTestApp,
) -> None:
    examples = get_domain(collected.env).results["index"].examples
    assert [(ex.kind, _where(collected, ex)) for ex in examples] == [
        ("setup", "index.rst:68"),  # testsetup runs first, as in sphinx.ext.doctest
        ("pycon", "index.rst:11"),
        ("pycon", "index.rst:16"),
        ("pycon", "index.rst:23"),  # captioned: the >>> line, not the directive's
        ("code", "index.rst:28"),
        ("code", "index.rst:36"),
        ("pycon", "index.rst:40"),  # inside a list item
        ("pycon", "index.rst:47"),  # inside a note
        ("pycon", "parts/included.rst:5"),  # the included file's own line
        ("pycon", "index.rst:54"),
        ("code", "index.rst:59"),
        ("http", "index.rst:72"),
    ]
    code = examples[4]
    assert code.source == 'print("python with output")'
    assert code.want == "python with output\n"
    assert examples[5].want is None
    testcode = examples[10]
    assert testcode.want == "ext testcode\n"
    assert testcode.options == (("NORMALIZE_WHITESPACE", True),)


def test_myst_fences_and_comment_markers(collected: SphinxTestApp) -> None:
    examples = get_domain(collected.env).results["myst"].examples
    assert [(ex.kind, _where(collected, ex)) for ex in examples] == [
        ("pycon", "myst.md:4"),
        ("code", "myst.md:9"),
        ("pycon", "myst.md:17"),
        ("pycon", "myst.md:24"),
        ("http", "myst.md:29"),
        ("pycon", "myst.md:36"),
        ("pycon", "myst.md:41"),
    ]
    assert examples[1].want == "myst python\n"
    assert examples[5].skip == "shown only"
    assert examples[6].xfail == "wrong on purpose"


def test_markers_set_skip_xfail_options_and_setup(collected: SphinxTestApp) -> None:
    examples = get_domain(collected.env).results["markers"].examples
    summary = [
        (ex.kind, ex.lineno, ex.skip, ex.skip_if, ex.xfail, ex.options)
        for ex in examples
    ]
    assert summary[:7] == [
        ("pycon", 6, "marked skip", None, None, ()),
        ("pycon", 10, "it needs a network", None, None, ()),
        ("pycon", 14, None, 'sys.platform == "win32"', None, ()),
        ("pycon", 18, None, None, "known bug", ()),
        (
            "pycon",
            22,
            None,
            None,
            None,
            (("ELLIPSIS", True), ("NORMALIZE_WHITESPACE", False)),
        ),
        ("setup", 28, None, None, None, ()),
        ("pycon", 33, None, None, "two markers", (("ELLIPSIS", True),)),
    ]


def test_marker_mistakes_are_warnings_at_their_line(
    collected: SphinxTestApp, warnings_of: Warnings
) -> None:
    found = warnings_of(collected.warning.getvalue(), collected.srcdir)
    assert [where for where, _ in found] == [
        "markers.rst:35",
        "markers.rst:39",
        "markers.rst:43",
        "markers.rst:47",
    ]
    messages = [message for _, message in found]
    assert messages[0].startswith("unknown jigger marker 'frobnicate'")
    assert "skip-if needs a Python expression" in messages[1]
    assert "'+NOT_A_FLAG' is not a doctest flag" in messages[2]
    assert (
        messages[3]
        == "jigger marker 'jigger: skip' is not followed by an example block"
    )


def test_text_literal_and_plain_literal_blocks_are_not_run(
    collected: SphinxTestApp,
) -> None:
    sources = [ex.source for ex in get_domain(collected.env).results["index"].examples]
    assert not any("not run" in source for source in sources)


def test_plain_docutils_doctree() -> None:
    tree = publish_doctree(
        "Title\n=====\n\n.. jigger: xfail demo\n\n>>> 1\n2\n",
        source_path="demo.rst",
        settings_overrides={"report_level": 5},
    )
    (example,) = collect_examples(tree).examples
    assert (example.kind, example.lineno, example.xfail) == ("pycon", 6, "demo")
    assert example.path.endswith("demo.rst")

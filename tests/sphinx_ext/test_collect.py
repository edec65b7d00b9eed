"""Which blocks become examples, with which file, line and markers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from docutils.core import publish_doctree
from sphinx.testing.util import SphinxTestApp

from jigger_sphinx.collect import collect_examples, docstring_location
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
    assert [(ex.kind, _where(collected, ex), ex.group) for ex in examples] == [
        # sphinx.ext.doctest's group "default" first (its first block, the
        # doctest block, comes first), its testsetup before its tests
        ("setup", "index.rst:68", "default"),
        ("pycon", "index.rst:11", "default"),  # doctest blocks: group "default"
        ("pycon", "index.rst:40", "default"),  # inside a list item
        ("pycon", "index.rst:54", "default"),
        ("code", "index.rst:59", "default"),
        # then the document's own namespace, in document order
        ("pycon", "index.rst:16", None),
        ("pycon", "index.rst:23", None),  # captioned: the >>> line
        ("code", "index.rst:28", None),
        ("code", "index.rst:36", None),
        ("pycon", "index.rst:47", None),  # inside a note
        ("pycon", "parts/included.rst:5", None),  # the included file's own line
        ("http", "index.rst:72", None),
    ]
    code = examples[7]
    assert code.source == 'print("python with output")'
    assert code.want == "python with output\n"
    assert examples[8].want is None
    testcode = examples[4]
    assert testcode.want == "ext testcode\n"
    # testoutput's options, and blank lines need no <BLANKLINE> (as there)
    assert testcode.options == (
        ("NORMALIZE_WHITESPACE", True),
        ("DONT_ACCEPT_BLANKLINE", True),
    )


def test_myst_fences_and_comment_markers(collected: SphinxTestApp) -> None:
    examples = get_domain(collected.env).results["myst"].examples
    assert [(ex.kind, _where(collected, ex)) for ex in examples] == [
        ("pycon", "myst.md:4"),
        ("code", "myst.md:9"),
        ("pycon", "myst.md:24"),
        ("http", "myst.md:29"),
        ("pycon", "myst.md:36"),
        ("pycon", "myst.md:41"),
        ("pycon", "myst.md:17"),  # {doctest}: sphinx.ext.doctest's group, after
    ]
    assert examples[1].want == "myst python\n"
    assert examples[4].skip == "shown only"
    assert examples[5].xfail == "wrong on purpose"
    assert examples[6].group == "default"


def test_markers_set_skip_xfail_options_and_setup(collected: SphinxTestApp) -> None:
    examples = get_domain(collected.env).results["markers"].examples
    summary = [
        (ex.kind, ex.lineno, ex.skip, ex.skip_if, ex.xfail, ex.options)
        for ex in examples
    ]
    assert summary[:6] == [
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
        # doctest blocks belong to sphinx.ext.doctest's group "default",
        # which runs before the document's own namespace
        ("pycon", 33, None, None, "two markers", (("ELLIPSIS", True),)),
    ]
    assert ("setup", 28, None, None, None, ()) in summary


def test_marker_mistakes_are_errors_at_their_line(
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


def test_docstring_location_maps_sphinx_docstring_lines_to_the_file(
    tmp_path: Path,
) -> None:
    module = tmp_path / "mod.py"
    module.write_text(
        '"""Module.\n\n>>> 1\n1\n"""\n\n\n'
        "class K:\n"
        '    """\n    Leading blank line.\n\n    >>> 2\n    2\n    """\n\n'
        "    @staticmethod\n"
        "    def m() -> None:\n"
        '        """M.\n\n        >>> 3\n        """\n',
        encoding="utf-8",
    )
    source = f"{module}:docstring of "
    assert docstring_location(source + "mod", 3) == (str(module), 3)
    # autodoc drops the blank first line: its line 3 is the file's line 12
    assert docstring_location(source + "pkg.mod.K", 3) == (str(module), 12)
    assert docstring_location(source + "mod.K.m", 3) == (str(module), 20)
    # not a line of that docstring, or no such object: Sphinx's form stays
    assert docstring_location(source + "mod.K.m", 30) is None
    assert docstring_location(source + "mod.nothing", 1) is None

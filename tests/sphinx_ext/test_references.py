"""jigger_sphinx.references: every :ref: / :doc: checked, with file:line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sphinx.errors import ConfigError
from sphinx.testing.util import SphinxTestApp
from sphinx.util.console import strip_colors

from jigger_sphinx.references import reference_counts

from .conftest import build_html

MakeApp = Callable[..., SphinxTestApp]


def warnings(app: SphinxTestApp) -> list[str]:
    text = strip_colors(app.warning.getvalue())
    return [line for line in text.splitlines() if "WARNING" in line]


def warning_at(srcdir: Path, relpath: str, line: int, message: str) -> str:
    return f"{srcdir / relpath}:{line}: WARNING: {message} [jigger.ref]"


# -- a project whose references all resolve -----------------------------------


def test_good_references_give_no_warning_and_are_counted(
    make_app: MakeApp, copy_root: Callable[[str], Path]
) -> None:
    srcdir = copy_root("refs-good")
    app = build_html(make_app, srcdir)
    assert warnings(app) == []
    # index: 3 refs + 1 doc, install: 1 doc + 1 ref, usage.md: 1 ref + 1 doc
    assert reference_counts(app.env) == (8, 0)
    html = (app.outdir / "usage.html").read_text(encoding="utf-8")
    assert 'href="install.html#installation"' in html
    index = (app.outdir / "index.html").read_text(encoding="utf-8")
    # resolved by another extension's missing-reference handler, not broken
    assert 'href="https://example.org/"' in index


# -- broken references: file:line, the label asked for, the nearest ones ------


BROKEN = [
    ("index.rst", 13, "reference to undefined label 'instalation'; "
     "did you mean 'installation'?"),
    ("index.rst", 14, "label 'untitled-target' has no title to show as the link "
     "text; give the reference its own text, as in "
     ":ref:`text <untitled-target>`"),
    ("guide/index.rst", 14, "reference to undefined label 'guide-intr'; "
     "did you mean 'guide-intro'?"),
    ("guide/index.rst", 19, "reference to unknown document 'instal' "
     "(looked for 'guide/instal'); did you mean 'install'?"),
    ("page.md", 4, "reference to undefined label 'installaton'; "
     "did you mean 'installation'?"),
    ("page.md", 7, "reference to undefined label 'nowhere-at-all'; "
     "no label has a similar name"),
    ("page.md", 11, "reference to undefined label 'guide-intr'; "
     "did you mean 'guide-intro'?"),
]  # fmt: skip


def test_broken_references_are_reported_at_their_own_line(
    make_app: MakeApp, copy_root: Callable[[str], Path]
) -> None:
    srcdir = copy_root("refs-broken")
    app = build_html(make_app, srcdir)
    expected = [warning_at(srcdir, path, line, msg) for path, line, msg in BROKEN]
    assert sorted(warnings(app)) == sorted(expected)
    # 10 references in all (index 2, install 1, guide 4, page 3), 7 broken
    assert reference_counts(app.env) == (10, 7)


def test_sphinx_does_not_report_them_a_second_time_even_when_nitpicky(
    make_app: MakeApp, copy_root: Callable[[str], Path]
) -> None:
    srcdir = copy_root("refs-broken")
    app = build_html(make_app, srcdir, confoverrides={"nitpicky": True})
    found = warnings(app)
    assert not [w for w in found if "undefined label" in w and "[ref.ref]" in w]
    assert not [w for w in found if "unknown document" in w and "[ref.doc]" in w]
    assert len([w for w in found if "'guide-intr'" in w]) == 2


def test_a_broken_reference_fails_a_build_with_warnings_as_errors(
    make_app: MakeApp, copy_root: Callable[[str], Path]
) -> None:
    app = build_html(make_app, copy_root("refs-broken"), warningiserror=True)
    assert app.statuscode == 1


def test_the_warnings_can_be_suppressed_by_type(
    make_app: MakeApp, copy_root: Callable[[str], Path]
) -> None:
    srcdir = copy_root("refs-broken")
    app = build_html(
        make_app, srcdir, confoverrides={"suppress_warnings": ["jigger.ref"]}
    )
    assert warnings(app) == []


def test_turned_off_sphinx_reports_as_usual_and_nothing_is_counted(
    make_app: MakeApp, copy_root: Callable[[str], Path]
) -> None:
    srcdir = copy_root("refs-broken")
    app = build_html(make_app, srcdir, confoverrides={"jigger_check_references": False})
    found = warnings(app)
    assert not [w for w in found if "[jigger.ref]" in w]
    assert [w for w in found if "undefined label: 'instalation'" in w]
    assert reference_counts(app.env) == (0, 0)


def test_a_wrong_config_value_is_a_clear_error(
    make_app: MakeApp, copy_root: Callable[[str], Path]
) -> None:
    srcdir = copy_root("refs-good")
    with (srcdir / "conf.py").open("a", encoding="utf-8") as conf:
        conf.write('jigger_check_references = "no"\n')
    with pytest.raises(ConfigError, match="jigger_check_references must be True"):
        make_app("html", srcdir=srcdir)


# -- duplicate labels -----------------------------------------------------------


def test_a_duplicate_label_names_both_places(
    make_app: MakeApp, copy_root: Callable[[str], Path]
) -> None:
    srcdir = copy_root("refs-duplicate")
    app = build_html(make_app, srcdir)
    # only this one: Sphinx's own "duplicate label" (one place only) is not shown
    expected = [
        warning_at(
            srcdir,
            "two.rst",
            6,
            f"duplicate label 'shared-label': also defined at {srcdir / 'one.rst'}:4",
        )
    ]
    assert warnings(app) == expected
    # still reported while it is not fixed, though nothing is read again
    again = build_html(make_app, srcdir, freshenv=False)
    assert "0 changed" in strip_colors(again.status.getvalue())
    assert warnings(again) == expected


# -- incremental builds -----------------------------------------------------------


@pytest.mark.parametrize("parallel", [0, 2])
def test_renaming_a_label_rechecks_the_unchanged_documents_that_use_it(
    make_app: MakeApp, copy_root: Callable[[str], Path], parallel: int
) -> None:
    srcdir = copy_root("refs-incremental")
    first = build_html(make_app, srcdir, parallel=parallel)
    assert warnings(first) == []
    assert reference_counts(first.env) == (2, 0)

    settings = srcdir / "settings.rst"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace("_configuration:", "_config:"), encoding="utf-8")

    second = build_html(make_app, srcdir, freshenv=False, parallel=parallel)
    assert "1 changed" in strip_colors(second.status.getvalue())  # only settings
    message = "reference to undefined label 'configuration'; did you mean 'config'?"
    assert sorted(warnings(second)) == [
        warning_at(srcdir, "notes.md", 3, message),
        warning_at(srcdir, "user.rst", 5, message),
    ]
    assert reference_counts(second.env) == (2, 2)

    # nothing changed: the break is still reported and still counted
    third = build_html(make_app, srcdir, freshenv=False, parallel=parallel)
    assert "0 changed" in strip_colors(third.status.getvalue())
    assert sorted(warnings(third)) == sorted(warnings(second))
    assert reference_counts(third.env) == (2, 2)

    # the label comes back: the same documents are checked again and pass
    settings.write_text(text, encoding="utf-8")
    fourth = build_html(make_app, srcdir, freshenv=False, parallel=parallel)
    assert warnings(fourth) == []
    assert reference_counts(fourth.env) == (2, 0)
    assert 'href="settings.html#configuration"' in (
        fourth.outdir / "user.html"
    ).read_text(encoding="utf-8")


def test_an_unrelated_edit_writes_only_the_edited_document(
    make_app: MakeApp, copy_root: Callable[[str], Path]
) -> None:
    srcdir = copy_root("refs-incremental")
    build_html(make_app, srcdir)
    other = srcdir / "other.rst"
    other.write_text(other.read_text(encoding="utf-8") + "\nMore.\n", "utf-8")
    user_html = srcdir / "_build" / "html" / "user.html"
    before = user_html.stat().st_mtime_ns
    second = build_html(make_app, srcdir, freshenv=False)
    assert warnings(second) == []
    assert user_html.stat().st_mtime_ns == before
    assert reference_counts(second.env) == (2, 0)


def test_removing_a_document_rechecks_the_doc_references_to_it(
    make_app: MakeApp, copy_root: Callable[[str], Path]
) -> None:
    srcdir = copy_root("refs-good")
    build_html(make_app, srcdir)
    (srcdir / "usage.md").unlink()
    index = srcdir / "index.rst"
    index.write_text(
        index.read_text(encoding="utf-8").replace("   usage\n", ""), "utf-8"
    )
    second = build_html(make_app, srcdir, freshenv=False)
    found = warnings(second)
    # install.rst did not change, yet its reference to the page's label is checked
    assert (
        warning_at(
            srcdir,
            "install.rst",
            6,
            "reference to undefined label 'usage-label'; no label has a similar name",
        )
        in found
    )


# -- parallel reads give the same result ------------------------------------------


@pytest.mark.parametrize("name", ["refs-broken", "refs-duplicate"])
def test_parallel_build_reports_the_same_as_serial(
    make_app: MakeApp, copy_root: Callable[[str], Path], tmp_path: Path, name: str
) -> None:
    srcdir = copy_root(name)
    serial = build_html(make_app, srcdir, builddir=tmp_path / "serial")
    parallel = build_html(make_app, srcdir, builddir=tmp_path / "parallel", parallel=2)
    assert parallel.is_parallel_allowed("read")
    assert parallel.is_parallel_allowed("write")
    assert sorted(warnings(parallel)) == sorted(warnings(serial))
    assert warnings(serial)
    assert reference_counts(parallel.env) == reference_counts(serial.env)


# -- with the whole jigger_sphinx extension ------------------------------------


def test_the_summary_line_counts_the_references(
    make_app: MakeApp, copy_root: Callable[[str], Path]
) -> None:
    srcdir = copy_root("refs-full")
    summary = "3 references checked, 1 broken"
    first = build_html(make_app, srcdir)
    assert warnings(first) == [
        warning_at(
            srcdir,
            "index.rst",
            16,
            "reference to undefined label 'strat'; did you mean 'start'?",
        )
    ]
    assert summary in strip_colors(first.status.getvalue())
    assert first.statuscode == 1  # a broken reference fails the build
    # nothing changed: still reported, still counted
    second = build_html(make_app, srcdir, freshenv=False)
    assert warnings(second) == warnings(first)
    assert summary in strip_colors(second.status.getvalue())

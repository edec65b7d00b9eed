"""jigger_sphinx.versions: release_from, the 'checked against' paragraph,
version directives newer than the release, the changelog entry."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sphinx.environment import BuildEnvironment
from sphinx.errors import ConfigError
from sphinx.testing.util import SphinxTestApp
from sphinx.util.console import strip_colors

from jigger_sphinx.versions import (
    ReleaseNotFound,
    checked_text,
    is_newer_than_release,
    release_from,
)

from .conftest import build_html

MakeApp = Callable[..., SphinxTestApp]


def warnings(app: SphinxTestApp) -> list[str]:
    text = strip_colors(app.warning.getvalue())
    return [line for line in text.splitlines() if "WARNING" in line]


# -- release_from --------------------------------------------------------------


@pytest.fixture
def fake_module() -> Iterator[Callable[[str, object], None]]:
    names: list[str] = []

    def install(name: str, version: object) -> None:
        module = types.ModuleType(name)
        if version is not None:
            module.__version__ = version  # type: ignore[attr-defined]
        sys.modules[name] = module
        names.append(name)

    yield install
    for name in names:
        sys.modules.pop(name, None)


def test_release_from_reads_dunder_version(
    fake_module: Callable[[str, object], None],
) -> None:
    fake_module("jigger_fake_pkg", "3.1.4")
    assert release_from("jigger_fake_pkg") == "3.1.4"


def test_release_from_falls_back_to_the_installed_distribution() -> None:
    import importlib.metadata

    # pytest's module has __version__; "pytest-xdist" is only a distribution name
    assert release_from("pytest-xdist") == importlib.metadata.version("pytest-xdist")


def test_release_from_uses_the_distribution_of_a_module_without_version(
    fake_module: Callable[[str, object], None],
) -> None:
    import importlib.metadata

    # the importable package "xdist" has a __version__, but pretend it had none
    fake_module("xdist", None)
    assert release_from("xdist") == importlib.metadata.version("pytest-xdist")


def test_release_from_explains_what_it_tried(
    fake_module: Callable[[str, object], None],
) -> None:
    with pytest.raises(ReleaseNotFound) as info:
        release_from("jigger_no_such_package_anywhere")
    message = str(info.value)
    assert "cannot tell the version of 'jigger_no_such_package_anywhere'" in message
    assert "cannot be imported" in message
    assert "no installed distribution provides it" in message

    fake_module("jigger_fake_pkg_bad", 3)
    with pytest.raises(ReleaseNotFound, match="its __version__ is 3, not a version"):
        release_from("jigger_fake_pkg_bad")


def test_release_from_refuses_an_empty_name() -> None:
    with pytest.raises(TypeError, match="needs a package name"):
        release_from("")


# -- comparing versions --------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "release", "newer"),
    [
        ("2.0", "0.1.0.dev0", True),
        ("0.1", "0.1.0.dev0", False),  # the release under way
        ("0.1.0", "0.1.0rc1", False),
        ("0.1.1", "0.1.0rc1", True),
        ("1.2.1", "1.2.0", True),
        ("1.2", "1.2.0", False),
        ("1.1", "1.2.post1", False),
        ("next", "1.2.0", False),  # not a version: nothing to compare
    ],
)
def test_is_newer_than_release(version: str, release: str, newer: bool) -> None:
    assert is_newer_than_release(version, release) is newer


def test_checked_text() -> None:
    assert checked_text("mypkg", "1.2.0", (5, 5)) == (
        "Checked against mypkg 1.2.0: 5 of 5 examples passed."
    )
    assert checked_text("mypkg", "1.2.0", None) == "Checked against mypkg 1.2.0."


# -- a project with nothing to complain about ----------------------------------


def test_good_project_has_no_warning_and_shows_the_release(
    make_app: MakeApp, copy_root: Callable[[str], Path]
) -> None:
    srcdir = copy_root("versions-good")
    app = build_html(make_app, srcdir)
    assert app.config.release == "1.2.0.dev0"  # from tinypkg.__version__
    assert warnings(app) == []
    page = (app.outdir / "page.html").read_text(encoding="utf-8")
    # no examples ran on the page: no footer
    assert '<p class="jigger-checked">' not in page
    # the template variables, shown by the root's own layout.html
    assert '<meta name="jigger-checked" content="1.2.0.dev0|None|None">' in page


def test_the_paragraph_carries_the_example_counts(
    make_app: MakeApp,
    copy_root: Callable[[str], Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _fake_tally(monkeypatch)
    srcdir = copy_root("versions-good")
    app = build_html(make_app, srcdir)
    page = (app.outdir / "page.html").read_text(encoding="utf-8")
    # the skipped example is counted as skipped, not as one that did not pass
    assert (
        '<p class="jigger-checked">Checked against tinypkg 1.2.0.dev0: '
        "4 of 5 examples passed, 1 skipped.</p>"
    ) in page
    assert '<meta name="jigger-checked" content="1.2.0.dev0|4|6">' in page
    index = (app.outdir / "index.html").read_text(encoding="utf-8")
    assert "1 of 1 example passed." in index
    # a page without examples has no footer
    changelog = (app.outdir / "changelog.html").read_text(encoding="utf-8")
    assert '<p class="jigger-checked">' not in changelog
    # styled as a footer, by a stylesheet of its own
    assert 'href="_static/jigger-checked.css' in page
    css = (app.outdir / "_static" / "jigger-checked.css").read_text("utf-8")
    assert "p.jigger-checked" in css


def _footer_link(page: str) -> str:
    start = page.index('href="_static/jigger-checked.css')
    return page[start : page.index('"', start + 6) + 1]


def test_the_footer_stylesheet_link_is_the_same_in_every_build(
    make_app: MakeApp,
    copy_root: Callable[[str], Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A page whose <head> changes from one build to the next cannot have its
    # content refreshed in place by jigger-docs: the stylesheet must exist
    # (with its ?v= checksum) already when the first build writes the page.
    _fake_tally(monkeypatch)
    srcdir = copy_root("versions-good")
    app = build_html(make_app, srcdir)
    first = _footer_link((app.outdir / "page.html").read_text(encoding="utf-8"))
    assert "?v=" in first
    page_src = next(srcdir.glob("page.*"))
    page_src.write_text(
        page_src.read_text(encoding="utf-8") + "\nOne more sentence.\n",
        encoding="utf-8",
    )
    app = build_html(make_app, srcdir)
    page = (app.outdir / "page.html").read_text(encoding="utf-8")
    assert "One more sentence." in page
    assert _footer_link(page) == first


def _fake_tally(monkeypatch: pytest.MonkeyPatch) -> None:
    import jigger_sphinx.domain

    def fake(env: BuildEnvironment, docname: str) -> tuple[int, int, int] | None:
        return {"page": (4, 5, 1), "index": (1, 1, 0)}.get(docname)

    monkeypatch.setattr(jigger_sphinx.domain, "example_tally", fake)


def test_the_footer_is_off_unless_configured(
    make_app: MakeApp,
    copy_root: Callable[[str], Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _fake_tally(monkeypatch)
    srcdir = copy_root("versions-bad")
    conf = srcdir / "conf.py"
    text = conf.read_text(encoding="utf-8")
    conf.write_text(text.split("# the site changes are opt-in")[0], encoding="utf-8")
    app = build_html(make_app, srcdir)
    page = (app.outdir / "page.html").read_text(encoding="utf-8")
    assert "jigger-checked" not in page
    assert not (app.outdir / "_static" / "jigger-checked.css").exists()
    # and the changelog is not checked either
    assert not [w for w in warnings(app) if "changelog" in w]


def test_the_paragraph_can_be_renamed_or_left_out(
    make_app: MakeApp,
    copy_root: Callable[[str], Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _fake_tally(monkeypatch)
    srcdir = copy_root("versions-good")
    app = build_html(
        make_app, srcdir, confoverrides={"jigger_checked_against": "TinyPkg"}
    )
    page = (app.outdir / "page.html").read_text(encoding="utf-8")
    assert "Checked against TinyPkg 1.2.0.dev0: 4 of 5" in page

    srcdir = copy_root("versions-bad")
    app = build_html(make_app, srcdir, confoverrides={"jigger_checked_footer": False})
    assert "jigger-checked" not in (app.outdir / "page.html").read_text("utf-8")


# -- version directives newer than the release; the changelog ------------------


def expected_bad(srcdir: Path) -> list[str]:
    return [
        f"{srcdir / 'index.rst'}:11: WARNING: versionadded 2.0 is newer than "
        "this release 0.1.0.dev0 [jigger.version]",
        f"{srcdir / 'page.md'}:5: WARNING: deprecated 0.2 is newer than "
        "this release 0.1.0.dev0 [jigger.version]",
        f"{srcdir / 'changelog.md'}:3: WARNING: the changelog has no entry for "
        "release 0.1.0.dev0 (its sections name 0.0.9, 0.0.8); add a section "
        "titled like 'Version 0.1.0.dev0' [jigger.version]",
    ]


def test_newer_versions_and_a_missing_changelog_entry_are_reported(
    make_app: MakeApp, copy_root: Callable[[str], Path]
) -> None:
    srcdir = copy_root("versions-bad")
    app = build_html(make_app, srcdir)
    assert warnings(app) == expected_bad(srcdir)


def test_they_are_reported_again_on_an_unchanged_rebuild(
    make_app: MakeApp, copy_root: Callable[[str], Path]
) -> None:
    srcdir = copy_root("versions-bad")
    build_html(make_app, srcdir)
    again = build_html(make_app, srcdir, freshenv=False)
    assert "0 changed" in strip_colors(again.status.getvalue())
    assert warnings(again) == expected_bad(srcdir)


def test_adding_the_changelog_entry_clears_its_warning(
    make_app: MakeApp, copy_root: Callable[[str], Path]
) -> None:
    srcdir = copy_root("versions-bad")
    build_html(make_app, srcdir)
    changelog = srcdir / "changelog.md"
    text = changelog.read_text(encoding="utf-8")
    changelog.write_text(
        text.replace("# Changelog\n", "# Changelog\n\n## 0.1.0.dev0 (unreleased)\n"),
        encoding="utf-8",
    )
    again = build_html(make_app, srcdir, freshenv=False)
    assert warnings(again) == expected_bad(srcdir)[:2]


def test_a_parallel_build_reports_the_same(
    make_app: MakeApp, copy_root: Callable[[str], Path], tmp_path: Path
) -> None:
    srcdir = copy_root("versions-bad")
    app = build_html(make_app, srcdir, builddir=tmp_path / "parallel", parallel=2)
    assert app.is_parallel_allowed("read")
    assert warnings(app) == expected_bad(srcdir)


def test_a_missing_changelog_is_reported_once(
    make_app: MakeApp, copy_root: Callable[[str], Path]
) -> None:
    srcdir = copy_root("versions-good")
    app = build_html(make_app, srcdir, confoverrides={"jigger_changelog": "history"})
    assert warnings(app) == [
        "WARNING: jigger_changelog is 'history', but there is no such document; "
        "add it with an entry for release 1.2.0.dev0, or set jigger_changelog = '' "
        "to turn this check off [jigger.version]"
    ]


def test_the_changelog_check_can_be_turned_off(
    make_app: MakeApp, copy_root: Callable[[str], Path]
) -> None:
    srcdir = copy_root("versions-bad")
    app = build_html(make_app, srcdir, confoverrides={"jigger_changelog": ""})
    assert warnings(app) == expected_bad(srcdir)[:2]


def test_no_release_no_version_checks(
    make_app: MakeApp,
    copy_root: Callable[[str], Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _fake_tally(monkeypatch)
    srcdir = copy_root("versions-bad")
    app = build_html(make_app, srcdir, confoverrides={"release": ""})
    assert warnings(app) == []
    page = (app.outdir / "page.html").read_text(encoding="utf-8")
    assert '<p class="jigger-checked">Checked against tinypkg: 4 of 5' in page


# -- config validation ---------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('jigger_changelog = "changelog.md"', "write 'changelog', not 'changelog.md'"),
        ("jigger_changelog = None", "jigger_changelog must be a document name"),
        ('jigger_checked_footer = "yes"', "jigger_checked_footer must be True or"),
        ("jigger_checked_against = 3", "jigger_checked_against must be a str"),
    ],
)
def test_bad_config_values_are_clear_errors(
    make_app: MakeApp, copy_root: Callable[[str], Path], line: str, message: str
) -> None:
    srcdir = copy_root("versions-bad")
    with (srcdir / "conf.py").open("a", encoding="utf-8") as conf:
        conf.write(line + "\n")
    with pytest.raises(ConfigError, match=message):
        make_app("html", srcdir=srcdir)


def test_a_release_that_is_not_a_version_is_pointed_out(
    make_app: MakeApp, copy_root: Callable[[str], Path]
) -> None:
    srcdir = copy_root("versions-bad")
    app = build_html(make_app, srcdir, confoverrides={"release": "tip of main"})
    assert (
        "WARNING: release 'tip of main' is not a version number; versionadded and "
        "changelog entries cannot be compared with it [jigger.version]"
    ) in warnings(app)


def test_with_the_whole_extension_the_paragraph_counts_real_examples(
    make_app: MakeApp, copy_root: Callable[[str], Path]
) -> None:
    srcdir = copy_root("refs-full")  # a root of test_references, with examples
    app = build_html(make_app, srcdir)
    index = (app.outdir / "index.html").read_text(encoding="utf-8")
    assert (
        '<p class="jigger-checked">Checked against refs-full 1.0: '
        "1 of 1 example passed.</p>"
    ) in index
    assert not [w for w in warnings(app) if "[jigger.version]" in w]

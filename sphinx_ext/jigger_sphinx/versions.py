"""Tie the documentation to the version of the code it was checked against.

Load it on its own with ``extensions = ["jigger_sphinx.versions"]`` or as part
of ``jigger_sphinx``. It

* gives ``conf.py`` the release of any package: :func:`release_from`;
* when ``jigger_checked_footer = True``, ends each page whose examples ran
  with a small footer (a paragraph of class ``jigger-checked``, styled by
  ``_static/jigger-checked.css``) naming the release and how the page's
  examples went: "Checked against mypkg 1.2.0: 5 of 5 examples passed, 1
  skipped."; themes get the same facts as the HTML template variables
  ``jigger_checked_version``, ``jigger_examples_passed``,
  ``jigger_examples_total`` and ``jigger_examples_skipped`` (the last three
  ``None`` on a page without examples);
* warns at the directive's line about a ``versionadded``, ``versionchanged``,
  ``deprecated`` or ``versionremoved`` that names a version newer than
  ``release`` (a development or pre-release of 1.2 may name 1.2);
* when ``jigger_changelog`` names a document, warns when that changelog has
  no section title naming ``release``.

The footer and the changelog check change a project's pages or fail its
``-W`` builds, so they are off unless the project's ``conf.py`` turns them on.

The warnings are repeated on every build until fixed, of type ``jigger`` and
subtype ``version`` (``suppress_warnings = ["jigger.version"]``).

Config values:

``jigger_changelog`` (``str``, default ``""``)
    The document name of the changelog, e.g. ``"changelog"``; ``""`` leaves
    the changelog unchecked.
``jigger_checked_footer`` (``bool``, default ``False``)
    Whether to end each page that has examples with the "Checked against
    ..." footer.
``jigger_checked_against`` (``str``, default ``""``)
    The name shown in that paragraph; ``""`` means the ``project`` value.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Final, cast

from docutils import nodes
from packaging.version import InvalidVersion, Version
from sphinx import addnodes
from sphinx.errors import ConfigError
from sphinx.util import logging as sphinx_logging
from sphinx.util.nodes import clean_astext

from jigger_sphinx.domain import DataDomain

if TYPE_CHECKING:
    from collections.abc import Iterator, Set

    from sphinx.application import Sphinx
    from sphinx.config import Config
    from sphinx.environment import BuildEnvironment
    from sphinx.util.typing import ExtensionMetadata

__all__ = [
    "ReleaseNotFound",
    "VersionChange",
    "VersionsDomain",
    "checked_text",
    "example_counts",
    "is_newer_than_release",
    "release_from",
    "setup",
    "versions_in",
]

logger = sphinx_logging.getLogger(__name__)

#: Name of the domain that holds the per-document records.
DOMAIN_NAME: Final = "jigger-versions"
#: Bump when the layout of the domain data changes (old environments are dropped).
ENV_VERSION: Final = 1
_VERSION: Final = "0.1"
#: The class of the paragraph added at the end of each page.
CHECKED_CLASS: Final = "jigger-checked"
_CHANGE_DIRECTIVES: Final = frozenset(
    {"versionadded", "versionchanged", "deprecated", "versionremoved"}
)


# -- the release, for conf.py --------------------------------------------------


class ReleaseNotFound(LookupError):
    """Raised by :func:`release_from` when a name has no version to offer."""


def release_from(package_or_module_name: str) -> str:
    """The version of an importable package (or module) or installed distribution.

    Meant for ``conf.py``, so the docs carry the version of the code they
    document, typed in one place::

        import jigger_sphinx.versions
        release = jigger_sphinx.versions.release_from("mypkg")

    The module's ``__version__`` wins when it is a string; otherwise the version
    of the installed distribution of that name (``importlib.metadata``), or of
    the distribution that provides the importable package.

    >>> import sphinx
    >>> release_from("sphinx") == sphinx.__version__
    True

    :param package_or_module_name: an import name (``"mypkg"``,
        ``"mypkg.sub"``) or a distribution name (``"my-pkg"``).
    :raises ReleaseNotFound: when neither gives a version; the message says
        what was tried.
    """
    if not isinstance(package_or_module_name, str) or not package_or_module_name:
        msg = f"release_from() needs a package name, got {package_or_module_name!r}"
        raise TypeError(msg)
    name = package_or_module_name
    tried: list[str] = []
    try:
        module = importlib.import_module(name)
    except ImportError as exc:
        tried.append(f"it cannot be imported ({exc})")
    else:
        version = getattr(module, "__version__", None)
        if isinstance(version, str) and version:
            return version
        tried.append(
            "its module has no __version__ string"
            if version is None
            else f"its __version__ is {version!r}, not a version string"
        )
    distributions = [name]
    top = name.partition(".")[0]
    distributions += importlib.metadata.packages_distributions().get(top, [])
    for distribution in dict.fromkeys(distributions):
        try:
            return importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            continue
    tried.append("no installed distribution provides it")
    msg = f"cannot tell the version of {name!r}: {'; '.join(tried)}"
    raise ReleaseNotFound(msg)


# -- comparing versions --------------------------------------------------------


def _parse(text: str) -> Version | None:
    try:
        return Version(text.strip())
    except InvalidVersion:
        return None


def is_newer_than_release(version: str, release: str) -> bool:
    """Whether *version* (from a ``versionadded`` or the like) is newer than
    *release*.

    A development or pre-release counts as the release it leads to, so the
    docs of ``1.2.0.dev0`` may say ``versionadded:: 1.2``. Text that is not a
    version (``"next"``) is never newer.

    >>> is_newer_than_release("2.0", "0.1.0.dev0")
    True
    >>> is_newer_than_release("0.1", "0.1.0.dev0")
    False
    >>> is_newer_than_release("1.2.1", "1.2.0")
    True
    """
    wanted, current = _parse(version), _parse(release)
    if wanted is None or current is None:
        return False
    if current.is_prerelease:  # dev and pre-releases
        current = Version(current.base_version)
    return wanted > current


_VERSION_TOKEN = re.compile(r"[0-9][0-9A-Za-z.+!-]*")


def versions_in(title: str) -> list[Version]:
    """The versions named in a changelog section title.

    >>> [str(v) for v in versions_in("Version 0.1.0.dev0 (unreleased)")]
    ['0.1.0.dev0']
    >>> [str(v) for v in versions_in("v1.2 - 2024-05-01")]
    ['1.2']
    """
    found = []
    for token in _VERSION_TOKEN.findall(title):
        version = _parse(token.rstrip(".-+!"))
        if version is not None:
            found.append(version)
    return found


# -- what each document says ---------------------------------------------------


@dataclass(frozen=True)
class VersionChange:
    """A ``versionadded``/``versionchanged``/``deprecated``/``versionremoved``.

    :param kind: the directive's name.
    :param version: the version it names, as written.
    :param path: the source file.
    :param line: the 1-based line of the directive (0 if unknown).
    """

    kind: str
    version: str
    path: str
    line: int


@dataclass(frozen=True)
class _Title:
    text: str
    line: int


class VersionsDomain(DataDomain):
    """Per-document record of the version directives, and the changelog's
    section titles; no directives or roles of its own."""

    name = DOMAIN_NAME
    label = "jigger versions"
    data_version = ENV_VERSION
    initial_data: ClassVar[dict[str, Any]] = {"changes": {}, "titles": {}}

    @property
    def changes(self) -> dict[str, tuple[VersionChange, ...]]:
        return cast("dict[str, tuple[VersionChange, ...]]", self.data["changes"])

    @property
    def titles(self) -> dict[str, tuple[_Title, ...]]:
        return cast("dict[str, tuple[_Title, ...]]", self.data["titles"])

    def clear_doc(self, docname: str) -> None:
        self.changes.pop(docname, None)
        self.titles.pop(docname, None)

    def merge_domaindata(self, docnames: Set[str], otherdata: dict[str, Any]) -> None:
        for key in ("changes", "titles"):
            mine, theirs = self.data[key], otherdata[key]
            for docname in docnames:
                if docname in theirs:
                    mine[docname] = theirs[docname]

    def process_doc(
        self, env: BuildEnvironment, docname: str, document: nodes.document
    ) -> None:
        path = str(env.doc2path(docname))
        changes = tuple(_version_changes(document, path))
        if changes:
            self.changes[docname] = changes
        if docname == env.config.jigger_changelog:
            self.titles[docname] = tuple(_section_titles(document))


def _line_of(node: nodes.Node) -> int:
    current = node
    while current is not None:
        if current.line:
            return int(current.line)
        current = current.parent
    return 0


def _version_changes(document: nodes.document, path: str) -> Iterator[VersionChange]:
    for node in document.findall(addnodes.versionmodified):
        kind = str(node.get("type", ""))
        if kind in _CHANGE_DIRECTIVES:
            yield VersionChange(
                kind, str(node.get("version", "")), node.source or path, _line_of(node)
            )


def _section_titles(document: nodes.document) -> Iterator[_Title]:
    for section in document.findall(nodes.section):
        if section.children and isinstance(section[0], nodes.title):
            yield _Title(clean_astext(section[0]), _line_of(section[0]))


def _domain(env: BuildEnvironment) -> VersionsDomain:
    return cast("VersionsDomain", env.domains[DOMAIN_NAME])


# -- the checks, every build ---------------------------------------------------


def _on_env_updated(app: Sphinx, env: BuildEnvironment) -> None:
    domain = _domain(env)
    release = app.config.release
    if release:
        for docname in sorted(domain.changes):
            for change in domain.changes[docname]:
                if is_newer_than_release(change.version, release):
                    logger.warning(
                        "%s %s is newer than this release %s",
                        change.kind,
                        change.version,
                        release,
                        location=f"{change.path}:{change.line}",
                        type="jigger",
                        subtype="version",
                    )
    _check_changelog(app, env, domain)


def _check_changelog(
    app: Sphinx, env: BuildEnvironment, domain: VersionsDomain
) -> None:
    changelog: str = app.config.jigger_changelog
    release: str = app.config.release
    if not changelog or not release:
        return
    if changelog not in env.found_docs:
        logger.warning(
            "jigger_changelog is %r, but there is no such document; add it "
            "with an entry for release %s, or set jigger_changelog = '' to "
            "turn this check off",
            changelog,
            release,
            type="jigger",
            subtype="version",
        )
        return
    titles = domain.titles.get(changelog, ())
    wanted = _parse(release)
    for title in titles:
        if wanted is not None and wanted in versions_in(title.text):
            return
        if wanted is None and release in title.text:
            return
    named = [str(v) for title in titles for v in versions_in(title.text)]
    known = f" (its sections name {', '.join(named)})" if named else ""
    # point at the newest entry there is: the new one belongs above it
    entries = [title.line for title in titles if versions_in(title.text)]
    line = entries[0] if entries else titles[0].line if titles else 1
    logger.warning(
        "the changelog has no entry for release %s%s; add a section titled "
        "like 'Version %s'",
        release,
        known,
        release,
        location=(changelog, line),
        type="jigger",
        subtype="version",
    )


# -- the "checked against" paragraph and template variables --------------------


def example_counts(env: BuildEnvironment, docname: str) -> tuple[int, int, int] | None:
    """``(passed, checked, skipped)`` for the examples of *docname* (checked:
    those that ran, skipped ones not included), from the examples checker of
    :mod:`jigger_sphinx` when it is loaded and ran them, else ``None``."""
    try:
        from jigger_sphinx.domain import example_tally
    except ImportError:
        return None
    return example_tally(env, docname)  # None when its domain is not here


def checked_text(
    name: str,
    release: str,
    counts: tuple[int, int] | tuple[int, int, int] | None,
) -> str:
    """The sentence at the end of a page: ``counts`` is ``(passed, checked)``
    or ``(passed, checked, skipped)``; skipped examples are not counted as
    not passed.

    >>> checked_text("mypkg", "1.2.0", (5, 5))
    'Checked against mypkg 1.2.0: 5 of 5 examples passed.'
    >>> checked_text("mypkg", "1.2.0", (0, 1, 2))
    'Checked against mypkg 1.2.0: 0 of 1 example passed, 2 skipped.'
    >>> checked_text("mypkg", "1.2.0", (0, 0, 1))
    'Checked against mypkg 1.2.0: 1 example skipped.'
    >>> checked_text("mypkg", "", None)
    'Checked against mypkg.'
    """
    subject = f"{name} {release}".strip()
    if counts is None:
        return f"Checked against {subject}."
    passed, checked = counts[0], counts[1]
    skipped = counts[2] if len(counts) > 2 else 0
    if not checked:
        noun = "example" if skipped == 1 else "examples"
        return f"Checked against {subject}: {skipped} {noun} skipped."
    noun = "example" if checked == 1 else "examples"
    text = f"Checked against {subject}: {passed} of {checked} {noun} passed"
    return text + (f", {skipped} skipped." if skipped else ".")


def _shown_name(config: Config) -> str:
    return str(config.jigger_checked_against or config.project)


def _on_doctree_resolved(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    if not app.config.jigger_checked_footer:
        return
    counts = example_counts(app.env, docname)
    if counts is None:  # only pages whose examples ran
        return
    text = checked_text(_shown_name(app.config), app.config.release, counts)
    doctree += nodes.paragraph(text, text, classes=[CHECKED_CLASS])


#: The footer's stylesheet ships in this folder, which is added to
#: ``html_static_path`` when the footer is on. Sphinx copies static files
#: before it writes the pages, so each page links the stylesheet with the
#: same ``?v=`` checksum in the first build and in every rebuild (a page
#: whose head changes between builds cannot be refreshed in place).
_STATIC_DIR: Final = os.path.join(os.path.dirname(__file__), "_static")
_FOOTER_CSS_NAME: Final = "jigger-checked.css"


def _add_footer_static(app: Sphinx, config: Config) -> None:
    if config.jigger_checked_footer is True:
        static = list(config.html_static_path)
        if _STATIC_DIR not in static:
            config.html_static_path = [*static, _STATIC_DIR]


def _on_builder_inited(app: Sphinx) -> None:
    if app.config.jigger_checked_footer and app.builder.format == "html":
        app.add_css_file(_FOOTER_CSS_NAME)


def _on_html_page_context(
    app: Sphinx,
    pagename: str,
    templatename: str,
    context: dict[str, Any],
    doctree: nodes.document | None,
) -> None:
    counts = example_counts(app.env, pagename) if doctree is not None else None
    context["jigger_checked_version"] = app.config.release
    context["jigger_examples_passed"] = counts[0] if counts else None
    context["jigger_examples_total"] = counts[1] + counts[2] if counts else None
    context["jigger_examples_skipped"] = counts[2] if counts else None


# -- config --------------------------------------------------------------------


def _validate_config(app: Sphinx, config: Config) -> None:
    changelog = config.jigger_changelog
    if not isinstance(changelog, str):
        msg = f"jigger_changelog must be a document name (str), got {changelog!r}"
        raise ConfigError(msg)
    for suffix in (".rst", ".md", ".txt"):
        if changelog.endswith(suffix):
            msg = (
                f"jigger_changelog names a document without its suffix: "
                f"write {changelog.removesuffix(suffix)!r}, not {changelog!r}"
            )
            raise ConfigError(msg)
    footer = config.jigger_checked_footer
    if not isinstance(footer, bool):
        msg = f"jigger_checked_footer must be True or False, got {footer!r}"
        raise ConfigError(msg)
    name = config.jigger_checked_against
    if not isinstance(name, str):
        msg = f"jigger_checked_against must be a str, got {name!r}"
        raise ConfigError(msg)
    release = config.release
    if release and _parse(release) is None:
        logger.warning(
            "release %r is not a version number; versionadded and changelog "
            "entries cannot be compared with it",
            release,
            type="jigger",
            subtype="version",
        )


def setup(app: Sphinx) -> ExtensionMetadata:
    """Register the version checks and the page footer with *app* (a Sphinx
    extension's entry point)."""
    app.add_config_value(
        "jigger_changelog", "", "env", str, "Docname of the changelog to check."
    )
    app.add_config_value(
        "jigger_checked_footer", False, "html", bool, "Add 'Checked against' footer."
    )
    app.add_config_value(
        "jigger_checked_against", "", "html", str, "Name in 'Checked against'."
    )
    app.add_domain(VersionsDomain)
    app.connect("config-inited", _validate_config)
    app.connect("env-updated", _on_env_updated)
    app.connect("doctree-resolved", _on_doctree_resolved)
    app.connect("html-page-context", _on_html_page_context)
    app.connect("config-inited", _add_footer_static)
    app.connect("builder-inited", _on_builder_inited)
    return {
        "version": _VERSION,
        "env_version": ENV_VERSION,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }

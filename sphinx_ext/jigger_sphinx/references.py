"""Check every ``:ref:`` and ``:doc:`` reference of a Sphinx project.

Load it on its own with ``extensions = ["jigger_sphinx.references"]`` or as part
of ``jigger_sphinx``. During the ordinary build it

* reports a reference to a missing label or document as a warning at the line of
  the reference in its source (reST ``:ref:`` and MyST ``{ref}`` alike), naming
  the target asked for and the nearest existing ones ("did you mean ...?"). The
  warning replaces Sphinx's own "undefined label" / "unknown document" warning,
  so each broken reference is reported once, and ``-W`` fails the build;
* reports a label defined in two documents with both places;
* on an incremental build, re-checks the unchanged documents whose references
  point at a label (or document) that was renamed, removed or added since the
  last build; Sphinx alone only re-checks the documents it re-reads. Documents
  that held a reference the standard domain cannot resolve are re-checked on
  every build, so a broken reference is reported until it is fixed;
* counts the references checked and the broken ones (:func:`reference_counts`).

The per-document records live in the ``jigger-refs`` domain.

Config values:

``jigger_check_references`` (``bool``, default ``True``)
    ``False`` turns all of the above off (Sphinx's own warnings stay).
"""

from __future__ import annotations

import difflib
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal, cast

from docutils import nodes
from sphinx import addnodes
from sphinx.domains import Domain
from sphinx.locale import __
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import docname_join
from sphinx.util import logging as sphinx_logging
from sphinx.util.nodes import clean_astext

from jigger_sphinx.domain import DataDomain

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Set

    from sphinx.application import Sphinx
    from sphinx.config import Config
    from sphinx.domains.std import StandardDomain
    from sphinx.environment import BuildEnvironment
    from sphinx.util.typing import ExtensionMetadata

__all__ = [
    "LabelDef",
    "RefUse",
    "ReferencesDomain",
    "reference_counts",
    "setup",
]

logger = sphinx_logging.getLogger(__name__)

#: Name of the domain that holds the per-document records.
DOMAIN_NAME: Final = "jigger-refs"
#: Bump when the layout of the domain data changes (old environments are dropped).
#: 2: the records are slotted dataclasses (a 1 pickle would load them wrongly).
ENV_VERSION: Final = 2
_VERSION: Final = "0.1"

RefKind = Literal["ref", "doc"]
_KINDS: Final[frozenset[str]] = frozenset({"ref", "doc"})
# how many close matches a "did you mean" names at most, how close they must be
# (difflib's ratio), and how much less close than the best one they may be
_MAX_SUGGESTIONS: Final = 3
_CUTOFF: Final = 0.6
_CLOSE: Final = 0.1


@dataclass(frozen=True, slots=True)
class LabelDef:
    """A label defined in a document (``.. _name:`` or MyST ``(name)=``).

    :param name: the label, as references write it (lower case).
    :param labelid: the id of the node the label points at.
    :param title: the section title that implicit references show ("" if none).
    :param path: the source file that defines it.
    :param line: the 1-based line of the definition in *path* (0 if unknown).
    """

    name: str
    labelid: str
    title: str
    path: str
    line: int


@dataclass(frozen=True, slots=True)
class RefUse:
    """One ``:ref:`` or ``:doc:`` reference found in a document.

    :param kind: ``"ref"`` or ``"doc"``.
    :param target: the target as written in the source.
    :param key: the label (for ``ref``) or the absolute docname (for ``doc``)
        that the reference needs.
    :param explicit: whether the reference gives its own link text.
    :param path: the source file holding the reference.
    :param line: the 1-based line of the reference in *path* (0 if unknown).
    """

    kind: RefKind
    target: str
    key: str
    explicit: bool
    path: str
    line: int


@dataclass(frozen=True, slots=True)
class _DocRecord:
    labels: tuple[LabelDef, ...]
    refs: tuple[RefUse, ...]
    title: str


class ReferencesDomain(DataDomain):
    """Per-document record of the labels each document defines and the
    references it uses; no directives or roles of its own.

    ``data["docs"]``: docname -> record, ``data["previous"]``: the records of
    the documents cleared since the last ``env-updated`` (to see what changed),
    ``data["fresh"]``: documents read since then, ``data["resolved"]``: docname
    -> ``[checked, broken]`` counted while the document was last resolved.
    """

    name = DOMAIN_NAME
    label = "jigger references"
    data_version = ENV_VERSION
    initial_data: ClassVar[dict[str, Any]] = {
        "docs": {},
        "previous": {},
        "fresh": set(),
        "resolved": {},
    }

    @property
    def records(self) -> dict[str, _DocRecord]:
        return cast("dict[str, _DocRecord]", self.data["docs"])

    @property
    def previous(self) -> dict[str, _DocRecord]:
        return cast("dict[str, _DocRecord]", self.data["previous"])

    @property
    def fresh(self) -> set[str]:
        return cast("set[str]", self.data["fresh"])

    @property
    def resolved(self) -> dict[str, list[int]]:
        return cast("dict[str, list[int]]", self.data["resolved"])

    def clear_doc(self, docname: str) -> None:
        old = self.records.pop(docname, None)
        if old is not None:
            # keep the first record seen this build: it is the one the last
            # build knew about
            self.previous.setdefault(docname, old)
        self.fresh.discard(docname)
        self.resolved.pop(docname, None)

    def merge_domaindata(self, docnames: Set[str], otherdata: dict[str, Any]) -> None:
        other_docs = cast("dict[str, _DocRecord]", otherdata["docs"])
        other_fresh = cast("set[str]", otherdata["fresh"])
        for docname in docnames:
            if docname in other_docs:
                self.records[docname] = other_docs[docname]
            if docname in other_fresh:
                self.fresh.add(docname)

    def process_doc(
        self, env: BuildEnvironment, docname: str, document: nodes.document
    ) -> None:
        default_path = str(env.doc2path(docname))
        refs = tuple(_collect_refs(document, docname, default_path))
        labels = tuple(_collect_labels(document, default_path))
        self.records[docname] = _DocRecord(labels, refs, _doc_title(document))
        self.fresh.add(docname)


# -- reading: what each document defines and uses ------------------------------

_ROLE_TEXT = re.compile(r":(?P<role>[\w.+:-]+):`(?P<body>.*)`\Z", re.DOTALL)


def _needles(rawsource: str) -> tuple[str, ...]:
    """The texts that start this reference in a reST or a MyST source."""
    match = _ROLE_TEXT.match(rawsource)
    if match is None:
        return ()
    role, body = match["role"], match["body"]
    lines = body.splitlines() or [""]
    first = lines[0] + ("`" if len(lines) == 1 else "")
    return (f":{role}:`{first}", f"{{{role}}}`{first}")


class _LineFinder:
    """Finds the exact line of an inline reference in its source file.

    Docutils gives an inline node the line where its paragraph starts (MyST
    sometimes the line of the enclosing directive); the reference itself may
    sit some lines further down. Searching forward from there for the role's
    text gives its own line. The k-th reference with the same text and the same
    starting line is the k-th occurrence.
    """

    def __init__(self) -> None:
        self._lines: dict[str, list[str] | None] = {}
        self._seen: dict[tuple[str, int, str], int] = {}

    def _source_lines(self, path: str) -> list[str] | None:
        if path not in self._lines:
            try:
                text = Path(path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                self._lines[path] = None
            else:
                self._lines[path] = text.splitlines()
        return self._lines[path]

    def find(self, path: str, start: int, rawsource: str) -> int:
        lines = self._source_lines(path)
        needles = _needles(rawsource)
        if lines is None or not needles or start < 1:
            return start
        key = (path, start, rawsource)
        skip = self._seen.get(key, 0)
        self._seen[key] = skip + 1
        for index in range(start - 1, len(lines)):
            for needle in needles:
                count = lines[index].count(needle)
                if count > skip:
                    return index + 1
                skip -= count
        return start


def _collect_refs(
    document: nodes.document, docname: str, default_path: str
) -> Iterator[RefUse]:
    finder = _LineFinder()
    for node in document.findall(addnodes.pending_xref):
        kind = node.get("reftype")
        if node.get("refdomain") != "std" or kind not in _KINDS:
            continue
        target = str(node.get("reftarget", ""))
        if kind == "doc":
            key = docname_join(str(node.get("refdoc", docname)), target)
        else:
            key = target
        path = node.source or default_path
        line = node.line or _parent_line(node)
        if line:
            line = finder.find(path, line, node.rawsource)
            # Sphinx reports against the node: give it the reference's own line
            node.line = line
        yield RefUse(
            kind=cast("RefKind", kind),
            target=target,
            key=key,
            explicit=bool(node.get("refexplicit")),
            path=path,
            line=line,
        )


def _parent_line(node: nodes.Node) -> int:
    current: nodes.Node | None = node
    while current is not None:
        if current.line:
            return int(current.line)
        current = current.parent
    return 0


def _collect_labels(document: nodes.document, default_path: str) -> Iterator[LabelDef]:
    # where each `.. _name:` / `(name)=` target stands, by the id it points at
    targets: dict[str, nodes.target] = {}
    for target in document.findall(nodes.target):
        if "refid" in target and target.line:
            targets.setdefault(target["refid"], target)
    for name, explicit in document.nametypes.items():
        if not explicit:
            continue
        first_id = document.nameids.get(name)
        if first_id is None:
            continue
        node: nodes.Element | None = document.ids.get(first_id)
        labelid = first_id
        if isinstance(node, nodes.target) and "refid" in node:
            # a target right before another target: follow it
            node = document.ids.get(node["refid"])
            labelid = node["names"][0] if node is not None and node["names"] else ""
        if node is None or not labelid:
            continue
        if (
            isinstance(node, nodes.footnote)
            or "refuri" in node
            or node.tagname.startswith("desc_")
        ):
            # the standard domain does not make these labels either
            continue
        title = ""
        if isinstance(node, nodes.section) and node.children:
            title = clean_astext(cast("nodes.Element", node[0]))
        where = targets.get(first_id)
        if where is not None:
            path, line = where.source or default_path, where.line or 0
        else:
            path, line = node.source or default_path, _first_line(node)
        yield LabelDef(name, labelid, title, path, line)


def _first_line(node: nodes.Node) -> int:
    if node.line:
        return int(node.line)
    for child in node.findall(include_self=False):
        if child.line:
            return int(child.line)
    return 0


def _doc_title(document: nodes.document) -> str:
    for section in document.findall(nodes.section):
        if section.children and isinstance(section[0], nodes.title):
            return clean_astext(section[0])
    return ""


# -- checking ------------------------------------------------------------------


def _domain(env: BuildEnvironment) -> ReferencesDomain:
    # KeyError when this extension is not loaded
    return cast("ReferencesDomain", env.domains[DOMAIN_NAME])


def _std(env: BuildEnvironment) -> StandardDomain:
    return cast("StandardDomain", env.get_domain("std"))


def _resolvable(ref: RefUse, env: BuildEnvironment, std: StandardDomain) -> bool:
    """Whether the standard domain alone resolves *ref*."""
    if ref.kind == "doc":
        return ref.key in env.all_docs
    if ref.explicit:
        return ref.key in std.anonlabels
    return ref.key in std.labels


def _quoted_choice(names: list[str]) -> str:
    quoted = [f"'{name}'" for name in names]
    if len(quoted) == 1:
        return quoted[0]
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]


def _nearest(wanted: Iterable[str], candidates: Iterable[str]) -> list[str]:
    """The candidates closest to any of *wanted*: at most a few, all of them
    about as close as the best one."""
    scored: list[tuple[float, str]] = []
    matcher = difflib.SequenceMatcher()
    wanted = list(wanted)
    for candidate in set(candidates):
        matcher.set_seq2(candidate)
        score = 0.0
        for text in wanted:
            matcher.set_seq1(text)
            if (
                matcher.real_quick_ratio() >= _CUTOFF
                and matcher.quick_ratio() >= _CUTOFF
            ):
                score = max(score, matcher.ratio())
        if score >= _CUTOFF:
            scored.append((score, candidate))
    if not scored:
        return []
    scored.sort(key=lambda item: (-item[0], item[1]))
    best = scored[0][0]
    return [name for score, name in scored[:_MAX_SUGGESTIONS] if score >= best - _CLOSE]


def _suggest(wanted: Iterable[str], candidates: Iterable[str], what: str) -> str:
    close = _nearest(wanted, candidates)
    if not close:
        return f"no {what} has a similar name"
    return f"did you mean {_quoted_choice(close)}?"


def missing_reference_message(
    kind: str,
    target: str,
    *,
    refdoc: str,
    explicit: bool,
    env: BuildEnvironment,
) -> str:
    """The one-line message for a ``:ref:``/``:doc:`` that does not resolve.

    It names what was asked for and the nearest existing labels or documents.

    :param kind: ``"ref"`` or ``"doc"``.
    :param target: the target as written (a label, or a document path that may
        be relative to *refdoc*).
    :param refdoc: the document holding the reference.
    :param explicit: whether the reference gives its own link text.
    :param env: the build environment with the project's labels and documents.
    """
    std = _std(env)
    if kind == "doc":
        docname = docname_join(refdoc, target)
        looked = "" if docname == target else f" (looked for '{docname}')"
        hint = _suggest((docname, target), env.found_docs, "document")
        return f"reference to unknown document '{target}'{looked}; {hint}"
    if not explicit and target in std.anonlabels:
        return (
            f"label '{target}' has no title to show as the link text; "
            f"give the reference its own text, as in :ref:`text <{target}>`"
        )
    hint = _suggest((target,), std.anonlabels, "label")
    return f"reference to undefined label '{target}'; {hint}"


class _CountReferences(SphinxPostTransform):
    """Before the references are resolved, count the ones this module checks."""

    default_priority = 5  # Sphinx's ReferencesResolver runs at 10

    def run(self, **kwargs: Any) -> None:
        if not self.config.jigger_check_references:
            return
        docname = self.env.current_document.docname
        counts: dict[str, int] = {}
        for node in self.document.findall(addnodes.pending_xref):
            if node.get("refdomain") == "std" and node.get("reftype") in _KINDS:
                refdoc = str(node.get("refdoc", docname))
                counts[refdoc] = counts.get(refdoc, 0) + 1
        resolved = _domain(self.env).resolved
        resolved[docname] = [0, 0]
        for refdoc, count in counts.items():
            resolved[refdoc] = [count, 0]


def _on_warn_missing_reference(
    app: Sphinx, domain: Domain | None, node: addnodes.pending_xref
) -> bool | None:
    if not app.config.jigger_check_references:
        return None
    if domain is None or domain.name != "std" or node.get("reftype") not in _KINDS:
        return None
    env = app.env
    refdoc = str(node.get("refdoc", env.current_document.docname))
    message = missing_reference_message(
        str(node["reftype"]),
        str(node["reftarget"]),
        refdoc=refdoc,
        explicit=bool(node.get("refexplicit")),
        env=env,
    )
    logger.warning(message, location=node, type="jigger", subtype="ref")
    counts = _domain(env).resolved.setdefault(refdoc, [0, 0])
    counts[1] += 1
    # True: Sphinx's generic "reference target not found" is not needed either
    return True


def _on_env_updated(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Report duplicate labels; name the unchanged documents to write again."""
    domain = _domain(env)
    try:
        if not app.config.jigger_check_references:
            return []
        _warn_duplicates(domain)
        return sorted(_documents_to_recheck(domain, env))
    finally:
        domain.previous.clear()
        domain.fresh.clear()


def _label_keys(record: _DocRecord) -> dict[str, tuple[str, str]]:
    return {label.name: (label.labelid, label.title) for label in record.labels}


def _documents_to_recheck(domain: ReferencesDomain, env: BuildEnvironment) -> set[str]:
    records, previous, fresh = domain.records, domain.previous, domain.fresh
    changed_labels: set[str] = set()
    changed_docs: set[str] = set()
    for docname in fresh | set(previous):
        old = previous.get(docname)
        new = records.get(docname)
        old_labels = _label_keys(old) if old else {}
        new_labels = _label_keys(new) if new else {}
        changed_labels.update(
            name
            for name in old_labels.keys() | new_labels.keys()
            if old_labels.get(name) != new_labels.get(name)
        )
        if old is None or new is None or old.title != new.title:
            changed_docs.add(docname)

    std = _std(env)
    recheck: set[str] = set()
    for docname, record in records.items():
        if docname in fresh:
            continue  # read this time: Sphinx writes it anyway
        for ref in record.refs:
            changed = changed_docs if ref.kind == "doc" else changed_labels
            if ref.key in changed or not _resolvable(ref, env, std):
                recheck.add(docname)
                break
    return recheck


def _warn_duplicates(domain: ReferencesDomain) -> None:
    places: dict[str, list[LabelDef]] = {}
    for docname in sorted(domain.records):
        for label in domain.records[docname].labels:
            places.setdefault(label.name, []).append(label)
    for name in sorted(places):
        defs = places[name]
        if len(defs) < 2:
            continue
        first = defs[0]
        for other in defs[1:]:
            logger.warning(
                "duplicate label '%s': also defined at %s:%d",
                name,
                first.path,
                first.line,
                location=f"{other.path}:{other.line}",
                type="jigger",
                subtype="ref",
            )


def reference_counts(env: BuildEnvironment) -> tuple[int, int]:
    """The number of ``:ref:``/``:doc:`` references checked in the whole
    project, and how many of them are broken.

    Valid once the documents have been resolved (at ``build-finished``). A
    document resolved in this build counts what its resolution found; any other
    document counts what the standard domain alone can resolve (each of those
    was resolved in an earlier build and nothing it refers to has changed).
    With ``jigger_check_references = False`` nothing is checked: ``(0, 0)``.

    :param env: the build environment.
    :raises KeyError: if this extension is not loaded in the application.
    """
    domain = _domain(env)
    if not env.config.jigger_check_references:
        return (0, 0)
    std = _std(env)
    checked = broken = 0
    for docname, record in domain.records.items():
        counts = domain.resolved.get(docname)
        if counts is not None:
            checked += counts[0]
            broken += counts[1]
        else:
            checked += len(record.refs)
            broken += sum(not _resolvable(ref, env, std) for ref in record.refs)
    return (checked, broken)


# -- Sphinx's own duplicate-label warning --------------------------------------


class _SphinxDuplicateLabelFilter(logging.Filter):
    """Drops the standard domain's "duplicate label" warning while this module
    reports duplicates itself (with both places, also for parallel reads)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return str(record.msg) != str(__("duplicate label %s, other instance in %s"))


_STD_LOGGER_NAME: Final = "sphinx.sphinx.domains.std"


def _replace_std_missing_label_warning(app: Sphinx) -> None:
    """Disconnect the standard domain's "undefined label" handler from *app*.

    Every handler of ``warn-missing-reference`` runs, whatever the first one
    returns, so the only way to report a broken ``:ref:`` once, in this
    module's words, is to take the standard domain's handler off this
    application's event (only this application: nothing process-wide).
    """
    from sphinx.domains.std import warn_missing_reference

    for listener in list(app.events.listeners["warn-missing-reference"]):
        if listener.handler is warn_missing_reference:
            app.disconnect(listener.id)


def _validate_config(app: Sphinx, config: Config) -> None:
    value = config.jigger_check_references
    if not isinstance(value, bool):
        raise _config_error(
            f"jigger_check_references must be True or False, got {value!r}"
        )


def _config_error(message: str) -> Exception:
    from sphinx.errors import ConfigError

    return ConfigError(message)


def setup(app: Sphinx) -> ExtensionMetadata:
    """Register the reference checks with *app* (a Sphinx extension's entry
    point)."""
    if "jigger_check_references" not in app.config:
        app.add_config_value(
            "jigger_check_references",
            True,
            "",
            bool,
            "Check every :ref: and :doc: reference (jigger_sphinx).",
        )
    app.add_domain(ReferencesDomain)
    app.add_post_transform(_CountReferences)
    app.connect("config-inited", _validate_config)
    # before the standard domain's own handler (priority 500)
    app.connect("warn-missing-reference", _on_warn_missing_reference, priority=400)
    app.connect("env-updated", _on_env_updated)

    duplicate_filter = _SphinxDuplicateLabelFilter()

    def start(app: Sphinx) -> None:
        if app.config.jigger_check_references:
            logging.getLogger(_STD_LOGGER_NAME).addFilter(duplicate_filter)
            _replace_std_missing_label_warning(app)

    def finish(app: Sphinx, exception: BaseException | None) -> None:
        logging.getLogger(_STD_LOGGER_NAME).removeFilter(duplicate_filter)

    app.connect("builder-inited", start)
    app.connect("build-finished", finish)
    return {
        "version": _VERSION,
        "env_version": ENV_VERSION,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }

"""Find the runnable examples in a document's doctree.

The examples are taken from the doctree Sphinx has just read (event
``doctree-read``), so what runs is exactly what the page renders. In document
order, these become :class:`~jigger_sphinx.model.Example` objects:

* reST doctest blocks (a paragraph that starts with ``>>>``);
* code blocks in ``pycon`` (reST ``.. code-block:: pycon``, a MyST
  ``pycon`` fence), and ``python`` blocks whose text starts with
  ``>>>`` (Sphinx renders those as a console session too);
* ``python`` blocks, run as code. **The output convention:** a ``python`` block
  immediately followed by a block whose language is ``output`` has its printed
  output compared with that block's text::

      .. code-block:: python

         print(6 * 7)

      .. code-block:: output

         42

  (in MyST: a ``python`` fence, then an ``output`` fence);
* ``http`` blocks holding a request and the expected response;
* when ``sphinx.ext.doctest`` is loaded, its directives, in reST and as MyST
  ``{doctest}`` fences: ``doctest`` (a session), ``testcode`` with the
  ``testoutput`` that follows it, and ``testsetup`` / ``testcleanup``. They
  keep that extension's groups: each group is its own namespace, with its
  setup first and its cleanup last (see :func:`collect_examples`).

Which of these kinds run is chosen by ``jigger_example_kinds`` (see
:data:`~jigger_sphinx.config.EXAMPLE_KINDS`); the blocks of the other kinds
are only counted.

Blocks pulled in by ``literalinclude`` are shown, not run.

**Markers** are plain comments right before a block, so the rendered page does
not change. In reST ``.. jigger: <marker>``, in MyST ``<!-- jigger: <marker> -->``
or ``% jigger: <marker>``. Several may precede one block:

``skip``, ``skip because <reason>``
    the block is not run; it is reported as skipped.
``skip-if <expression>``
    evaluated in the document's namespace just before the block; when true
    the block is skipped.
``xfail <reason>``
    the block is expected to fail; if it passes, that is a failure.
``options +ELLIPSIS -NORMALIZE_WHITESPACE ...``
    doctest option flags for this block.
``setup``
    the next ``python`` block sets the document up: it runs like the others,
    its output is not compared, and a failure in it is reported.

An unknown marker, or a marker not followed by a block, is reported as a
:class:`Problem` at its file and line.

>>> from docutils.core import publish_doctree
>>> tree = publish_doctree(">>> 1 + 1\\n2\\n", source_path="demo.rst")
>>> [(ex.kind, ex.lineno, ex.source) for ex in collect_examples(tree).examples]
[('pycon', 1, '>>> 1 + 1\\n2')]
"""

from __future__ import annotations

import ast
import functools
import os
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field, replace

from docutils import nodes
from docutils.utils import get_source_line

from jigger_sphinx.config import EXAMPLE_KINDS, parse_flag
from jigger_sphinx.model import Example, ExampleKind

__all__ = [
    "EXAMPLE_KINDS",
    "HTTP_LANGUAGES",
    "OUTPUT_LANGUAGES",
    "PYCON_LANGUAGES",
    "PYTHON_LANGUAGES",
    "Collected",
    "Problem",
    "collect_examples",
    "docstring_location",
]

PYCON_LANGUAGES = frozenset({"pycon", "python-console"})
PYTHON_LANGUAGES = frozenset({"python", "py", "python3", "py3"})
HTTP_LANGUAGES = frozenset({"http"})
OUTPUT_LANGUAGES = frozenset({"output"})

# the setting word of each Example kind that comes from a plain block
_KIND_SETTING = {"pycon": "pycon", "code": "python", "setup": "python", "http": "http"}

MARKER_WORDS = ("skip", "skip-if", "xfail", "options", "setup")
_HTML_MARKER = re.compile(r"^\s*<!--\s*(jigger:.*?)\s*-->\s*$", re.DOTALL)
# how far after a node's reported line its first code line may be (directive
# options, a caption, blank lines)
_SEARCH_WINDOW = 60


@dataclass(frozen=True)
class Problem:
    """A mistake in the markup around examples (an unknown marker, say)."""

    path: str
    lineno: int
    message: str


@dataclass(frozen=True)
class Collected:
    """What :func:`collect_examples` found in one doctree.

    ``unchecked`` holds ``(kind, count)`` pairs for the blocks of kinds that
    are switched off (see :data:`~jigger_sphinx.config.EXAMPLE_KINDS`).
    """

    examples: tuple[Example, ...]
    problems: tuple[Problem, ...] = ()
    unchecked: tuple[tuple[str, int], ...] = ()


@dataclass
class _Markers:
    skip: str | None = None
    skip_if: str | None = None
    xfail: str | None = None
    options: list[tuple[str, bool]] = field(default_factory=list)
    setup: bool = False
    where: tuple[str, int] | None = None


class _Sources:
    """Source files' lines, each file read once per collection."""

    def __init__(self) -> None:
        self._lines: dict[str, list[str]] = {}

    def lines(self, path: str) -> list[str]:
        if path not in self._lines:
            try:
                with open(path, encoding="utf-8-sig") as fh:
                    text = fh.read()
            except (OSError, UnicodeDecodeError):
                text = ""
            self._lines[path] = [line.strip() for line in text.splitlines()]
        return self._lines[path]

    def find(self, path: str, start: int, first: str) -> int:
        """The 1-based line at or after ``start`` whose text is ``first``."""
        if not first:
            return start
        lines = self.lines(path)
        stop = min(len(lines), start - 1 + _SEARCH_WINDOW)
        for index in range(max(start - 1, 0), stop):
            if lines[index] == first:
                return index + 1
        for index in range(max(start - 1, 0), stop):
            if lines[index].startswith(first):
                return index + 1
        return start

    def find_marker(self, path: str, line: int, text: str) -> int:
        """The line of a marker comment reported near ``line``."""
        lines = self.lines(path)
        for index in range(max(line - 3, 0), min(len(lines), line + 2)):
            if text in lines[index]:
                return index + 1
        return line


def _location(node: nodes.Node, doctree: nodes.document) -> tuple[str, int]:
    source, line = get_source_line(node)
    if not source:
        source = doctree.get("source") or "<unknown>"
    if _DOCSTRING in source and line:
        found = docstring_location(source, line)
        if found is not None:
            return found
    return os.path.abspath(source), line or 0


_DOCSTRING = ":docstring of "


def _docstring_node(
    tree: ast.Module, dotted: str, path: str
) -> ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The module, class or function of ``tree`` (the module at ``path``)
    that ``dotted`` (a full name such as ``pkg.mod.Class.method``) names, by
    its longest tail."""
    parts = dotted.split(".")
    stem = os.path.splitext(os.path.basename(path))[0]
    if stem == "__init__":
        stem = os.path.basename(os.path.dirname(os.path.abspath(path)))
    for start in range(len(parts)):
        node: ast.AST = tree
        for name in parts[start:]:
            body = getattr(node, "body", [])
            found = [
                child
                for child in body
                if isinstance(
                    child, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
                )
                and child.name == name
            ]
            if not found:
                break
            node = found[-1]
        else:
            if isinstance(
                node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
            ):
                return node
    if parts[-1] == stem:
        return tree  # the module's own docstring
    return None


def _parsed(path: str) -> ast.Module | None:
    try:
        mtime = os.stat(path).st_mtime_ns
    except OSError:
        return None
    return _parsed_at(path, mtime)


@functools.lru_cache(maxsize=64)
def _parsed_at(path: str, mtime: int) -> ast.Module | None:
    """The syntax tree of ``path`` as it was at ``mtime`` (edits between
    builds in one process are seen)."""
    try:
        with open(path, "rb") as fh:
            return ast.parse(fh.read(), path)
    except (OSError, SyntaxError, ValueError):
        return None


def docstring_location(source: str, line: int) -> tuple[str, int] | None:
    """The ``.py`` file and line of line ``line`` of a docstring that Sphinx
    names ``path/to/mod.py:docstring of pkg.mod.func``; ``None`` when the
    docstring cannot be found in the file (a generated or inherited one).

    Sphinx counts lines from the docstring's first non-blank line, after
    dropping leading blank lines, as autodoc prepares docstrings.
    """
    path, _, dotted = source.partition(_DOCSTRING)
    tree = _parsed(os.path.abspath(path))
    if tree is None:
        return None
    node = _docstring_node(tree, dotted.strip(), path)
    if node is None or not node.body:
        return None
    first = node.body[0]
    if not (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        return None
    text = first.value.value
    lines = text.expandtabs().splitlines()
    if lines:
        lines[0] = lines[0].lstrip()
    blank = 0
    while blank < len(lines) and not lines[blank].strip():
        blank += 1
    if line > len(lines) - blank:
        return None  # not this docstring's own line (autoclass_content, ...)
    return os.path.abspath(path), first.lineno + blank + line - 1


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


#: The nodes a marker can be (see :func:`_marker_text`).
_MARKER_NODES = (nodes.comment, nodes.raw)


def _is_marker(node: nodes.Node) -> bool:
    return _marker_text(node) is not None


def _marker_text(node: nodes.Node) -> str | None:
    """The ``jigger: ...`` text of a marker comment, else ``None``."""
    if isinstance(node, nodes.comment) and "testnodetype" not in node:
        text = node.astext().strip()
    elif isinstance(node, nodes.raw) and "html" in node.get("format", "").split():
        match = _HTML_MARKER.match(node.astext())
        if match is None:
            return None
        text = match.group(1)
    else:
        return None
    return text if text.startswith("jigger:") else None


def _siblings(node: nodes.Node) -> tuple[nodes.Element | None, int]:
    parent = node.parent
    if parent is None:
        return None, -1
    for index, child in enumerate(parent.children):
        if child is node:
            return parent, index
    return None, -1


def _anchor(node: nodes.Element) -> nodes.Element:
    """The node standing in the flow for ``node`` (a caption's container)."""
    parent = node.parent
    if isinstance(parent, nodes.container) and parent.get("literal_block"):
        return parent
    return node


def _unwrap(node: nodes.Node | None) -> nodes.Node | None:
    if isinstance(node, nodes.container) and node.get("literal_block"):
        for child in node.children:
            if isinstance(child, nodes.literal_block):
                return child
    return node


def _next_block(node: nodes.Element) -> nodes.Node | None:
    parent, index = _siblings(_anchor(node))
    if parent is None or index + 1 >= len(parent.children):
        return None
    return _unwrap(parent.children[index + 1])


def _preceding_markers(node: nodes.Element) -> list[nodes.Element]:
    parent, index = _siblings(_anchor(node))
    found: list[nodes.Element] = []
    if parent is None:
        return found
    while index > 0:
        index -= 1
        sibling = parent.children[index]
        if not isinstance(sibling, nodes.Element) or not _is_marker(sibling):
            break
        found.append(sibling)
    found.reverse()
    return found


def _language(node: nodes.Element) -> str:
    return str(node.get("language", "")).strip().lower()


def _flag_names(options: object) -> list[tuple[str, bool]]:
    """sphinx.ext.doctest's ``{flag: bool}`` as ``(name, bool)`` pairs."""
    import doctest

    names = {value: name for name, value in doctest.OPTIONFLAGS_BY_NAME.items()}
    pairs: list[tuple[str, bool]] = []
    if isinstance(options, dict):
        for flag, enabled in options.items():
            if flag in names:
                pairs.append((names[flag], bool(enabled)))
    return pairs


@dataclass
class _Group:
    """The blocks of one namespace, as ``sphinx.ext.doctest`` orders them."""

    setup: list[Example] = field(default_factory=list)
    tests: list[Example] = field(default_factory=list)
    cleanup: list[Example] = field(default_factory=list)
    # whether the last test is a testcode still waiting for its testoutput
    open_code: bool = False

    def add(self, testnodetype: str, ex: Example) -> None:
        if testnodetype == "testsetup":
            self.setup.append(ex)
        elif testnodetype == "testcleanup":
            self.cleanup.append(ex)
        elif testnodetype == "testoutput":
            if self.open_code and ex.want is not None:
                code = self.tests[-1]
                choice: tuple[str | None, str, tuple[tuple[str, bool], ...]]
                if ex.skip_if is not None:
                    # left out when its condition holds: a later testoutput
                    # may pair with the code instead
                    choice = (ex.skip_if, ex.want, ex.options)
                    self.tests[-1] = replace(code, outputs=(*code.outputs, choice))
                    return
                if code.outputs:
                    choice = (None, ex.want, ex.options)
                    self.tests[-1] = replace(code, outputs=(*code.outputs, choice))
                else:
                    self.tests[-1] = replace(code, want=ex.want, options=ex.options)
                self.open_code = False
        else:
            self.tests.append(ex)
            self.open_code = testnodetype == "testcode"

    def ordered(self) -> list[Example]:
        return self.setup + self.tests + self.cleanup


class _Collector:
    def __init__(
        self,
        doctree: nodes.document,
        kinds: Collection[str] = EXAMPLE_KINDS,
        doctest_blocks: str | None = None,
    ) -> None:
        self.doctree = doctree
        self.kinds = frozenset(kinds)
        self.doctest_blocks = doctest_blocks or None
        self.unchecked: dict[str, int] = {}
        self.sources = _Sources()
        self.problems: list[Problem] = []
        self.used_markers: set[int] = set()
        self.consumed: set[int] = set()  # output blocks already paired
        # the comments and raw blocks met on the way (markers or not)
        self.maybe_markers: list[nodes.Element] = []

    def problem(self, where: tuple[str, int], message: str) -> None:
        self.problems.append(Problem(where[0], where[1], message))

    # -- markers -----------------------------------------------------------

    def markers_for(self, node: nodes.Element) -> _Markers:
        markers = _Markers()
        for marker in _preceding_markers(node):
            self.used_markers.add(id(marker))
            for where, text in self.marker_lines(marker):
                self.apply_marker(markers, where, text)
        return markers

    def marker_lines(
        self, marker: nodes.Element
    ) -> Iterator[tuple[tuple[str, int], str]]:
        text = _marker_text(marker) or ""
        path, line = _location(marker, self.doctree)
        for part in text.splitlines():
            part = part.strip()
            if not part:
                continue
            yield (path, self.sources.find_marker(path, line, part)), part

    def apply_marker(
        self, markers: _Markers, where: tuple[str, int], text: str
    ) -> None:
        body = text[len("jigger:") :].strip()
        word, _, rest = body.partition(" ")
        rest = rest.strip()
        markers.where = markers.where or where
        if word == "skip":
            if not rest:
                markers.skip = "marked skip"
            elif rest.startswith("because ") and rest[len("because ") :].strip():
                markers.skip = rest[len("because ") :].strip()
            else:
                self.problem(
                    where,
                    f"jigger marker {text!r}: expected 'skip' or "
                    "'skip because <reason>'",
                )
        elif word == "skip-if":
            try:
                compile(rest, "<skip-if>", "eval")
            except SyntaxError:
                self.problem(
                    where,
                    f"jigger marker {text!r}: skip-if needs a Python expression",
                )
            else:
                markers.skip_if = rest
        elif word == "xfail":
            markers.xfail = rest or "marked xfail"
        elif word == "options":
            words = rest.replace(",", " ").split()
            if not words:
                self.problem(where, f"jigger marker {text!r}: no doctest flags given")
            for option in words:
                flag = parse_flag(option)
                if flag is None:
                    self.problem(
                        where,
                        f"jigger marker {text!r}: {option!r} is not a doctest "
                        "flag (for example +ELLIPSIS)",
                    )
                else:
                    markers.options.append(flag)
        elif word == "setup" and not rest:
            markers.setup = True
        else:
            self.problem(
                where,
                f"unknown jigger marker {word!r} in {text!r}: expected one of "
                "skip, skip because <reason>, skip-if <expression>, "
                "xfail <reason>, options <flags>, setup",
            )

    # -- blocks ------------------------------------------------------------

    def first_code_line(self, node: nodes.Element, text: str) -> tuple[str, int]:
        path, line = _location(node, self.doctree)
        if isinstance(node, nodes.doctest_block) or not line:
            return path, line
        return path, self.sources.find(path, line, _first_line(text))

    def make(
        self,
        node: nodes.Element,
        kind: ExampleKind,
        text: str,
        *,
        want: str | None = None,
        options: list[tuple[str, bool]] | None = None,
        markers: _Markers | None = None,
    ) -> Example | None:
        path, lineno = self.first_code_line(node, text)
        lines = text.splitlines(keepends=True)
        while lines and not lines[0].strip():
            lines.pop(0)
        if kind == "pycon":
            for index, line in enumerate(lines):
                if line.lstrip().startswith(">>>"):
                    lineno += index
                    lines = lines[index:]
                    break
            else:
                return None
        source = "".join(lines)
        if not source.strip():
            return None
        markers = markers or _Markers()
        if markers.setup:
            if kind != "code":
                self.problem(
                    markers.where or (path, lineno),
                    "jigger marker 'setup' applies to a python block only",
                )
            else:
                kind = "setup"
                want = None
        return Example(
            kind=kind,
            source=source,
            path=path,
            lineno=lineno,
            want=want if kind == "code" else None,
            options=tuple((options or []) + markers.options),
            skip=markers.skip,
            skip_if=markers.skip_if,
            xfail=markers.xfail,
        )

    def collect(self) -> Collected:
        # Running order: one namespace after the other, in the order of their
        # first block; the document's own namespace is the group ``None``.
        groups: dict[str | None, _Group] = {}
        for_all: list[tuple[str, Example]] = []  # sphinx.ext.doctest's "*"

        def group(name: str | None) -> _Group:
            return groups.setdefault(name, _Group())

        for node in self.doctree.findall(nodes.Element):
            if isinstance(node, _MARKER_NODES):
                self.maybe_markers.append(node)
            if id(node) in self.consumed:
                continue
            testnodetype = node.get("testnodetype")
            if testnodetype is not None and isinstance(
                node, nodes.literal_block | nodes.comment
            ):
                found = self.directive(node, str(testnodetype))
                if found is None:
                    continue
                if not self.wanted("doctest"):
                    continue
                names = [str(g) for g in node.get("groups") or ["default"]]
                if "*" in names:
                    for_all.append((str(testnodetype), found))
                    continue
                for name in names:
                    group(name).add(str(testnodetype), replace(found, group=name))
                continue
            if isinstance(node, nodes.doctest_block):
                ex = self.make(
                    node, "pycon", node.astext(), markers=self.markers_for(node)
                )
                if ex is None:
                    continue
                if self.doctest_blocks is not None:
                    if self.wanted("doctest"):
                        blocks = self.doctest_blocks
                        group(blocks).add("doctest", replace(ex, group=blocks))
                elif self.wanted("pycon"):
                    group(None).tests.append(ex)
                continue
            if isinstance(node, nodes.literal_block) and "source" not in node:
                ex = self.literal(node)
                if ex is not None and self.wanted(_KIND_SETTING[ex.kind]):
                    group(None).tests.append(ex)
        for testnodetype, found in for_all:
            for key, each in groups.items():
                if key is not None:
                    each.add(testnodetype, replace(found, group=key))
        self.report_stray_markers()
        examples: list[Example] = []
        for each in groups.values():
            examples += each.ordered()
        return Collected(
            tuple(examples),
            tuple(self.problems),
            tuple(sorted(self.unchecked.items())),
        )

    def wanted(self, kind: str) -> bool:
        """Whether examples of ``kind`` (a setting's word) are run; counts
        the ones that are not."""
        if kind in self.kinds:
            return True
        self.unchecked[kind] = self.unchecked.get(kind, 0) + 1
        return False

    def directive(self, node: nodes.Element, testnodetype: str) -> Example | None:
        """The example of a ``sphinx.ext.doctest`` directive's node (a
        ``testoutput`` gives its expected output as ``want``)."""
        text = str(node.get("test") or node.astext())
        options = _flag_names(node.get("options"))
        markers = self.markers_for(node)
        skip_if = node.get("skipif")
        if skip_if and markers.skip_if is None:
            markers.skip_if = str(skip_if)
        if ("SKIP", True) in options:
            markers.skip = markers.skip or "doctest option SKIP"
        if testnodetype == "doctest":
            return self.make(node, "pycon", text, options=options, markers=markers)
        if testnodetype == "testcode":
            return self.make(node, "code", text, markers=markers)
        if testnodetype == "testoutput":
            path, lineno = _location(node, self.doctree)
            # as sphinx.ext.doctest: blank lines need no <BLANKLINE>
            options.append(("DONT_ACCEPT_BLANKLINE", True))
            skip_if = node.get("skipif")
            return Example(
                "code",
                "",
                path,
                lineno,
                want=_as_output(text),
                options=tuple(options),
                skip_if=str(skip_if) if skip_if else None,
            )
        if testnodetype in ("testsetup", "testcleanup"):
            ex = self.make(node, "code", text, markers=markers)
            return None if ex is None else replace(ex, kind="setup")
        return None

    def literal(self, node: nodes.literal_block) -> Example | None:
        language = _language(node)
        text = node.astext()
        if language in PYCON_LANGUAGES or (
            language in PYTHON_LANGUAGES and text.lstrip().startswith(">>>")
        ):
            return self.make(node, "pycon", text, markers=self.markers_for(node))
        if language in HTTP_LANGUAGES:
            return self.make(node, "http", text, markers=self.markers_for(node))
        if language in PYTHON_LANGUAGES:
            want = None
            following = _next_block(node)
            if (
                isinstance(following, nodes.literal_block)
                and _language(following) in OUTPUT_LANGUAGES
            ):
                want = _as_output(following.astext())
                self.consumed.add(id(following))
            return self.make(
                node, "code", text, want=want, markers=self.markers_for(node)
            )
        return None

    def report_stray_markers(self) -> None:
        for node in self.maybe_markers:
            if id(node) in self.used_markers or not _is_marker(node):
                continue
            for where, text in self.marker_lines(node):
                self.problem(
                    where, f"jigger marker {text!r} is not followed by an example block"
                )


def _as_output(text: str) -> str:
    return text if text.endswith("\n") or not text else text + "\n"


def collect_examples(
    doctree: nodes.document,
    *,
    kinds: Collection[str] = EXAMPLE_KINDS,
    doctest_blocks: str | None = None,
) -> Collected:
    """Collect the examples of ``doctree`` in running order.

    The document's own examples (group ``None``) keep document order. The
    ``sphinx.ext.doctest`` blocks are grouped as that extension groups them:
    per group, its ``testsetup`` blocks first, its tests in document order,
    its ``testcleanup`` blocks last; a block of group ``*`` joins every
    group; groups run in the order of their first block. Paths are
    absolute; lines are 1-based and point at the block's first code line in
    its own source file (the included file for an ``.. include::``).

    :param doctree: a document as read by docutils or Sphinx.
    :param kinds: which kinds of block run, out of
        :data:`~jigger_sphinx.config.EXAMPLE_KINDS`; the others are counted
        in ``Collected.unchecked``.
    :param doctest_blocks: the ``sphinx.ext.doctest`` group of reST doctest
        blocks (its ``doctest_test_doctest_blocks``); ``None`` runs them as
        ``pycon`` examples in the document's own namespace.
    :returns: the examples, any problems with markers, and the blocks left
        unchecked.
    """
    return _Collector(doctree, kinds, doctest_blocks).collect()

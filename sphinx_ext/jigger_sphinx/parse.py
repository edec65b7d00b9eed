"""Parse the text of example blocks: ``pycon`` transcripts and ``http`` exchanges.

This module depends on the standard library only (it is also imported by the
worker processes that run the examples). Parsing never executes anything.

A ``pycon`` transcript becomes a list of :class:`Statement`, each with the
line of its own ``>>>`` in the source file:

>>> stmts = parse_pycon(">>> x = 2\\n>>> x * 21\\n42\\n", lineno=10)
>>> [(s.lineno, s.source, s.want) for s in stmts]
[(10, 'x = 2\\n', ''), (11, 'x * 21\\n', '42\\n')]

An ``http`` block becomes a request and the expected response:

>>> ex = parse_http("GET /hi HTTP/1.1\\n\\nHTTP/1.1 200 OK\\n\\nhello\\n")
>>> ex.request.method, ex.request.target, ex.response.status, ex.response.body
('GET', '/hi', 200, 'hello')

Malformed blocks raise :class:`ParseError`, which names the line.
"""

from __future__ import annotations

import doctest
import re
from collections.abc import Iterable
from dataclasses import dataclass

from . import _protocol

__all__ = [
    "HttpExample",
    "HttpRequest",
    "HttpResponse",
    "ParseError",
    "Statement",
    "option_flags",
    "parse_http",
    "parse_pycon",
    "split_expected_exception",
]


class ParseError(ValueError):
    """A block that cannot be parsed.

    :param message: what is wrong, starting with the kind of block, for
        example ``"http example: no response part (...)"``.
    :param lineno: the 1-based line of the problem in the source file.
    :param path: the source file, when known.

    ``str()`` of the error names the place; :attr:`message` does not (the
    Sphinx warning already carries ``path:line``).

    >>> str(ParseError("pycon example: no '>>> ' prompt", 7, "index.rst"))
    "index.rst:7: pycon example: no '>>> ' prompt"
    """

    def __init__(self, message: str, lineno: int, path: str = "") -> None:
        self.message = message
        self.lineno = lineno
        self.path = path
        where = f"{path}:{lineno}" if path else f"line {lineno}"
        super().__init__(f"{where}: {message}")


def option_flags(options: Iterable[tuple[str, bool]], base: int = 0) -> int:
    """Turn doctest option names into a flag set, starting from ``base``.

    Names are doctest's own (``ELLIPSIS``, ``NORMALIZE_WHITESPACE``,
    ``IGNORE_EXCEPTION_DETAIL``, ...); ``True`` turns a flag on and ``False``
    turns it off.

    :raises ValueError: for a name doctest does not know.

    >>> option_flags([("ELLIPSIS", True)]) == doctest.ELLIPSIS
    True
    >>> option_flags([("ELIPSIS", True)])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
      ...
    ValueError: unknown doctest option 'ELIPSIS' (known: ...)
    """
    return _protocol.option_flags(options, base)


@dataclass(frozen=True)
class Statement:
    """One ``>>>`` statement of a ``pycon`` transcript.

    :param source: the code with the prompts removed, ending in a newline.
    :param want: the expected output (may hold an expected traceback).
    :param exc_msg: when an exception is expected: its last line(s)
        (``"ValueError: bad\\n"``), else ``None``.
    :param lineno: the 1-based line of the statement's ``>>>`` in the file.
    :param options: inline ``# doctest:`` directives, as (flag, on) pairs.
    """

    source: str
    want: str
    exc_msg: str | None
    lineno: int
    options: tuple[tuple[int, bool], ...] = ()

    def flags(self, base: int) -> int:
        """The option flags for this statement: ``base`` with the inline
        directives applied."""
        for flag, on in self.options:
            base = base | flag if on else base & ~flag
        return base


_DOCTEST_MSG = re.compile(r"^line (\d+) of the (?:docstring|doctest) for \S* ?")
_PROMPT = re.compile(r"^[ \t]*>>>( |$)", re.MULTILINE)


def parse_pycon(source: str, *, lineno: int = 1, path: str = "") -> list[Statement]:
    """Split a ``pycon`` transcript into statements.

    The rules are doctest's: a statement starts with ``>>> `` and continues
    on ``... `` lines; the expected output follows and ends at a blank line
    or at the next prompt; ``<BLANKLINE>`` stands for an empty output line; an
    expected exception starts with ``Traceback (most recent call last):``;
    ``# doctest: +FLAG`` on a statement sets flags for that statement only.

    :param source: the block's text.
    :param lineno: the line in ``path`` of the block's first ``>>>``.
    :param path: the file, used in error messages only.
    :raises ParseError: for a malformed transcript (the line is named).

    >>> tb = "Traceback (most recent call last):\\nZeroDivisionError: x\\n"
    >>> parse_pycon(">>> 1/0\\n" + tb)[0].exc_msg
    'ZeroDivisionError: x\\n'
    >>> parse_pycon(">>>1", lineno=4)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
      ...
    jigger_sphinx.parse.ParseError: line 4: pycon example: ...
    """
    first = _PROMPT.search(source)
    if first is None:
        raise ParseError("pycon example: no '>>> ' prompt found", lineno, path)
    # `lineno` is the line of the first prompt; text before it shifts offsets.
    base = lineno - source.count("\n", 0, first.start())
    parser = doctest.DocTestParser()
    try:
        examples = parser.get_examples(source, path or "<pycon>")
    except ValueError as exc:
        text = str(exc)
        match = _DOCTEST_MSG.match(text)
        where = base + int(match.group(1)) - 1 if match else lineno
        detail = text[match.end() :] if match else text
        raise ParseError(f"pycon example: {detail}", where, path) from None
    return [
        Statement(
            source=ex.source,
            want=ex.want,
            exc_msg=ex.exc_msg,
            lineno=base + ex.lineno,
            options=tuple(sorted(ex.options.items())),
        )
        for ex in examples
    ]


_TRACEBACK = re.compile(
    r"""
    (?P<before>(?:^.*\n)*?)                 # output printed before it
    ^(?P<hdr>Traceback\ \(
        (?:most\ recent\ call\ last|innermost\ last)\):)[ \t]*\n
    (?:^[ \t].*\n|^\.\.\.[^\n]*\n)*?        # indented stack lines, or "..."
    ^(?P<msg>\S.*(?:\n.*)*)                 # the exception line(s)
    """,
    re.MULTILINE | re.VERBOSE,
)


def split_expected_exception(want: str) -> tuple[str, str | None]:
    """Split expected output that ends in a traceback.

    Returns ``(want, None)`` when ``want`` holds no
    ``Traceback (most recent call last):`` header, else the output before it
    and the expected exception line(s), as doctest reads them.

    >>> tb = "Traceback (most recent call last):\\n  ...\\n"
    >>> split_expected_exception(tb + "KeyError: 'k'\\n")
    ('', "KeyError: 'k'\\n")
    >>> split_expected_exception("3\\n")
    ('3\\n', None)
    """
    text = want if want.endswith("\n") or not want else want + "\n"
    match = _TRACEBACK.match(text)
    if match is None:
        return want, None
    return match.group("before"), match.group("msg")


@dataclass(frozen=True)
class HttpRequest:
    """The request half of an ``http`` block.

    :param method: ``GET``, ``POST``, ...
    :param target: the path with its query string, e.g. ``/hello?x=1``.
    :param http_version: ``"HTTP/1.1"`` or ``None`` when not written.
    :param headers: the headers in the order written.
    :param body: the request body ('' when there is none).
    :param lineno: the line of the request line.
    """

    method: str
    target: str
    http_version: str | None
    headers: tuple[tuple[str, str], ...]
    body: str
    lineno: int


@dataclass(frozen=True)
class HttpResponse:
    """The expected response half of an ``http`` block.

    :param status: the status code.
    :param reason: the reason phrase when written (``"OK"``), else ``None``.
    :param headers: the headers shown (the only ones compared).
    :param body: the expected body, trailing whitespace removed ('' when
        none is shown: the body is then not compared).
    :param lineno: the line of the status line.
    """

    status: int
    reason: str | None
    http_version: str
    headers: tuple[tuple[str, str], ...]
    body: str
    lineno: int


@dataclass(frozen=True)
class HttpExample:
    """A request and the response it is expected to get."""

    request: HttpRequest
    response: HttpResponse


_REQUEST_LINE = re.compile(
    r"^(?P<method>[A-Z][A-Z-]*) +(?P<target>\S+)(?: +(?P<ver>HTTP/\d(?:\.\d)?))? *$"
)
_STATUS_LINE = re.compile(
    r"^(?P<ver>HTTP/\d(?:\.\d)?) +(?P<status>\d{3})(?: +(?P<reason>.*?))? *$"
)
_HEADER_LINE = re.compile(r"^(?P<name>[!#$%&'*+.^_`|~0-9A-Za-z-]+): *(?P<value>.*?) *$")


def _headers(
    lines: list[str], start: int, stop: int, lineno: int, path: str, part: str
) -> tuple[tuple[tuple[str, str], ...], int]:
    """Read header lines from ``start`` until a blank line or ``stop``;
    returns the headers and the index after the blank line."""
    found: list[tuple[str, str]] = []
    i = start
    while i < stop and lines[i].strip():
        match = _HEADER_LINE.match(lines[i])
        if match is None:
            raise ParseError(
                f"http example: {part} header line must look like 'Name: value', "
                f"got {lines[i]!r}",
                lineno + i,
                path,
            )
        found.append((match.group("name"), match.group("value")))
        i += 1
    if i < stop:
        i += 1  # the blank line
    return tuple(found), i


def parse_http(source: str, *, lineno: int = 1, path: str = "") -> HttpExample:
    """Parse an ``http`` block: a request, then the expected response.

    The request is a request line (``METHOD /target [HTTP/x.y]``), header
    lines, a blank line and an optional body. The response starts at the
    first later line that looks like ``HTTP/1.1 200 OK``: the status line,
    the headers to compare, a blank line and the expected body.

    :param source: the block's text.
    :param lineno: the line in ``path`` of the block's first line.
    :param path: the file, used in error messages only.
    :raises ParseError: for a malformed block; the line is named.

    >>> parse_http("POST /x\\n")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
      ...
    jigger_sphinx.parse.ParseError: line 1: http example: no response part ...
    """
    lines = source.splitlines()
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i == len(lines):
        raise ParseError("http example: the block is empty", lineno, path)
    request_match = _REQUEST_LINE.match(lines[i].strip())
    if request_match is None:
        raise ParseError(
            "http example: expected a request line like 'GET /path HTTP/1.1', "
            f"got {lines[i].strip()!r}",
            lineno + i,
            path,
        )
    request_at = i
    response_at = next(
        (j for j in range(i + 1, len(lines)) if _STATUS_LINE.match(lines[j].strip())),
        None,
    )
    if response_at is None:
        raise ParseError(
            "http example: no response part (expected a line like 'HTTP/1.1 200 OK')",
            lineno + len(lines) - 1 if lines else lineno,
            path,
        )
    req_headers, body_at = _headers(
        lines, request_at + 1, response_at, lineno, path, "request"
    )
    request = HttpRequest(
        method=request_match.group("method"),
        target=request_match.group("target"),
        http_version=request_match.group("ver"),
        headers=req_headers,
        body="\n".join(lines[body_at:response_at]).strip("\n"),
        lineno=lineno + request_at,
    )
    status_match = _STATUS_LINE.match(lines[response_at].strip())
    assert status_match is not None  # found by the same pattern above
    resp_headers, resp_body_at = _headers(
        lines, response_at + 1, len(lines), lineno, path, "response"
    )
    response = HttpResponse(
        status=int(status_match.group("status")),
        reason=status_match.group("reason") or None,
        http_version=status_match.group("ver"),
        headers=resp_headers,
        body="\n".join(line.rstrip() for line in lines[resp_body_at:]).strip("\n"),
        lineno=lineno + response_at,
    )
    return HttpExample(request=request, response=response)

"""Parsing pycon transcripts and http blocks (no code is run here)."""

from __future__ import annotations

import doctest

import pytest

from jigger_sphinx.parse import (
    ParseError,
    option_flags,
    parse_http,
    parse_pycon,
    split_expected_exception,
)

TRANSCRIPT = """\
>>> x = 1
>>> for i in range(2):
...     print(i)
0
1

Some prose the transcript ignores.

>>> print("a\\n\\nb")  # doctest: +NORMALIZE_WHITESPACE
a
<BLANKLINE>
b
>>> 1 / 0
Traceback (most recent call last):
  ...
ZeroDivisionError: division by zero
"""


def test_pycon_statements_have_their_own_lines() -> None:
    stmts = parse_pycon(TRANSCRIPT, lineno=40)
    assert [s.lineno for s in stmts] == [40, 41, 48, 52]
    assert stmts[1].source == "for i in range(2):\n    print(i)\n"
    assert stmts[1].want == "0\n1\n"
    assert stmts[0].want == ""


def test_pycon_blankline_kept_in_want_and_inline_directive_read() -> None:
    stmt = parse_pycon(TRANSCRIPT)[2]
    assert stmt.want == "a\n<BLANKLINE>\nb\n"
    assert stmt.options == ((doctest.NORMALIZE_WHITESPACE, True),)
    assert stmt.flags(0) == doctest.NORMALIZE_WHITESPACE


def test_pycon_expected_exception() -> None:
    stmt = parse_pycon(TRANSCRIPT)[3]
    assert stmt.exc_msg == "ZeroDivisionError: division by zero\n"


def test_pycon_inline_directive_can_turn_a_flag_off() -> None:
    (stmt,) = parse_pycon(">>> 1  # doctest: -ELLIPSIS\n1\n")
    assert stmt.flags(doctest.ELLIPSIS | doctest.SKIP) == doctest.SKIP


def test_pycon_text_before_first_prompt_does_not_shift_lines() -> None:
    stmts = parse_pycon("a caption\n\n>>> 1\n1\n>>> 2\n2\n", lineno=7)
    assert [s.lineno for s in stmts] == [7, 9]


def test_pycon_indented_transcript() -> None:
    stmts = parse_pycon("   >>> 1 + 1\n   2\n", lineno=3)
    assert (stmts[0].source, stmts[0].want) == ("1 + 1\n", "2\n")


@pytest.mark.parametrize(
    ("source", "line", "words"),
    [
        ("no prompt here\n", 5, "no '>>> ' prompt found"),
        (">>> 1\n>>>2\n", 6, "lacks blank after >>>"),
        (">>> if x:\n...pass\n", 6, "lacks blank after ..."),
        (">>> 1\n>>> 2  # doctest: +ELIPSIS\n", 6, "invalid option: '+ELIPSIS'"),
    ],
)
def test_pycon_errors_name_the_line(source: str, line: int, words: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_pycon(source, lineno=5, path="guide.rst")
    assert info.value.lineno == line
    assert info.value.message.startswith("pycon example: ")
    assert words in info.value.message
    assert str(info.value).startswith(f"guide.rst:{line}: pycon example: ")


def test_option_flags_by_name() -> None:
    for name in ("ELLIPSIS", "NORMALIZE_WHITESPACE", "IGNORE_EXCEPTION_DETAIL"):
        assert option_flags([(name, True)]) == getattr(doctest, name)
    both = option_flags([("ELLIPSIS", True), ("normalize_whitespace", True)])
    assert both == doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    assert option_flags([("ELLIPSIS", False)], base=both) == (
        doctest.NORMALIZE_WHITESPACE
    )


def test_option_flags_unknown_name() -> None:
    with pytest.raises(ValueError, match="unknown doctest option 'ELIPSIS'"):
        option_flags([("ELIPSIS", True)])


def test_split_expected_exception() -> None:
    want = "before\nTraceback (most recent call last):\n  File x\nKeyError: 'k'\n"
    assert split_expected_exception(want) == ("before\n", "KeyError: 'k'\n")
    assert split_expected_exception("plain\n") == ("plain\n", None)
    no_newline = "Traceback (most recent call last):\nValueError: v"
    assert split_expected_exception(no_newline) == ("", "ValueError: v\n")


HTTP = """\
POST /items?sort=name HTTP/1.1
Host: example.org
Content-Type: application/json

{"name": "pen"}

HTTP/1.1 201 CREATED
Content-Type: application/json
Location: /items/1

{"id": 1,
 "name": "pen"}
"""


def test_http_request_and_response() -> None:
    ex = parse_http(HTTP, lineno=20)
    req, resp = ex.request, ex.response
    assert (req.method, req.target, req.http_version) == (
        "POST",
        "/items?sort=name",
        "HTTP/1.1",
    )
    assert req.headers == (
        ("Host", "example.org"),
        ("Content-Type", "application/json"),
    )
    assert req.body == '{"name": "pen"}'
    assert (req.lineno, resp.lineno) == (20, 26)
    assert (resp.status, resp.reason) == (201, "CREATED")
    assert resp.headers == (
        ("Content-Type", "application/json"),
        ("Location", "/items/1"),
    )
    assert resp.body == '{"id": 1,\n "name": "pen"}'


def test_http_minimal_forms() -> None:
    ex = parse_http("\nGET /\nHTTP/1.0 204\n")
    assert ex.request.http_version is None
    assert ex.request.headers == ()
    assert ex.request.body == ""
    assert (ex.response.status, ex.response.reason, ex.response.body) == (
        204,
        None,
        "",
    )


@pytest.mark.parametrize(
    ("source", "line", "message"),
    [
        ("\n\n", 10, "http example: the block is empty"),
        (
            "get /x\n",
            10,
            "http example: expected a request line like 'GET /path HTTP/1.1', "
            "got 'get /x'",
        ),
        (
            "GET /x\nAccept: */*\n",
            11,
            "http example: no response part (expected a line like 'HTTP/1.1 200 OK')",
        ),
        (
            "GET /x\nnot a header\n\nHTTP/1.1 200 OK\n",
            11,
            "http example: request header line must look like 'Name: value', "
            "got 'not a header'",
        ),
        (
            "GET /x\n\nHTTP/1.1 200 OK\nX-A: 1\nbroken\n",
            14,
            "http example: response header line must look like 'Name: value', "
            "got 'broken'",
        ),
    ],
)
def test_http_errors_name_the_line(source: str, line: int, message: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_http(source, lineno=10, path="api.md")
    assert info.value.message == message
    assert info.value.lineno == line
    assert str(info.value) == f"api.md:{line}: {message}"

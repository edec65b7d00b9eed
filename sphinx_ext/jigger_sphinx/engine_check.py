"""Comparisons of expected and actual results, and their one-line summaries.

Private to the examples engine (used by the worker process); stdlib only.
Each ``compare_*`` function returns ``None`` when the result matches and a
``(summary, detail)`` pair otherwise: ``summary`` is one line naming the first
mismatch, ``detail`` is a unified diff of expected and got.
"""

from __future__ import annotations

import difflib
import doctest
import json
import re
from collections.abc import Sequence

from .parse import HttpResponse

Mismatch = tuple[str, str]

_checker = doctest.OutputChecker()


def short(text: str, limit: int = 60) -> str:
    """A one-line, quoted, shortened form of ``text`` for a summary line."""
    text = text.rstrip("\n")
    if not text:
        return "nothing"
    if len(text) > limit:
        return repr(text[: limit - 3]) + "..."
    return repr(text)


#: Characters of each side that :func:`unified_diff` compares: beyond this
#: the diff would take long and be too long to read.
DIFF_LIMIT = 100_000


def unified_diff(want: str, got: str, *, fromfile: str = "expected") -> str:
    """A unified diff of ``want`` and ``got`` with ``-`` for expected lines
    (of their first :data:`DIFF_LIMIT` characters each)."""
    note = ""
    if len(want) > DIFF_LIMIT or len(got) > DIFF_LIMIT:
        note = f"\n(only the first {DIFF_LIMIT} characters of each side compared)"
        want, got = want[:DIFF_LIMIT], got[:DIFF_LIMIT]
    lines = difflib.unified_diff(
        want.splitlines(), got.splitlines(), fromfile, "got", lineterm="", n=3
    )
    return "\n".join(lines) + note


def output_matches(want: str, got: str, flags: int) -> bool:
    """Whether ``got`` matches ``want`` by doctest's rules and ``flags``."""
    return _checker.check_output(want, got, flags)


def compare_output(want: str, got: str, flags: int) -> Mismatch | None:
    """Compare printed output with the expected output (doctest rules).

    >>> compare_output("3\\n", "4\\n", 0)[0]
    "expected '3', got '4'"
    >>> compare_output("a ... z\\n", "a b c z\\n", doctest.ELLIPSIS) is None
    True
    """
    if output_matches(want, got, flags):
        return None
    # Show <BLANKLINE> as the reader wrote it: doctest accepts it for "".
    shown_got = got
    if not flags & doctest.DONT_ACCEPT_BLANKLINE:
        shown_got = re.sub(r"(?m)^[ \t]*$(?=\n)", "<BLANKLINE>", got)
    summary = f"expected {short(want)}, got {short(got)}"
    detail = unified_diff(want, shown_got)
    where = first_difference(want.rstrip("\n"), got.rstrip("\n"))
    if where is not None and (short(want) == short(got) or len(want) > 60):
        summary = where[0]
        detail += "\n\n" + where[1]
    return summary, detail


def first_difference(want: str, got: str, context: int = 20) -> Mismatch | None:
    """Where ``got`` first differs from ``want``: a summary line naming the
    line and column, and the two texts around it, one above the other.

    >>> print(first_difference("a" * 70 + "X", "a" * 70 + "Y")[0])
    first difference at line 1, column 71: expected '...aaaX', got '...aaaY'
    >>> first_difference("same", "same") is None
    True
    """
    if want == got:
        return None
    index = next(
        (i for i, (a, b) in enumerate(zip(want, got, strict=False)) if a != b),
        min(len(want), len(got)),
    )
    line = want.count("\n", 0, index) + 1
    column = index - (want.rfind("\n", 0, index) + 1) + 1

    def around(text: str, width: int) -> str:
        start = max(index - width, 0)
        piece = text[start : index + width].split("\n", 1)[0]
        head = "..." if start else ""
        return head + piece + ("..." if index + width < len(text) else "")

    summary = (
        f"first difference at line {line}, column {column}: "
        f"expected {around(want, 3)!r}, got {around(got, 3)!r}"
    )
    detail = (
        f"first difference at line {line}, column {column}:\n"
        f"  expected: {around(want, context)}\n"
        f"  got:      {around(got, context)}"
    )
    return summary, detail


def exception_line(exc: BaseException) -> str:
    """The last line of the exception as a traceback shows it (doctest's
    ``exc_msg``), newline-terminated."""
    import traceback

    return traceback.format_exception_only(type(exc), exc)[-1]


def _strip_detail(msg: str) -> str:
    """``pkg.mod.Error: details`` -> ``Error`` (IGNORE_EXCEPTION_DETAIL)."""
    head = msg.split(":", 1)[0].strip()
    return head.rsplit(".", 1)[-1] + "\n"


def compare_exception(want_msg: str, got_msg: str, flags: int) -> Mismatch | None:
    """Compare an expected exception line with the one raised.

    >>> compare_exception("ValueError: a\\n", "ValueError: b\\n", 0)[0]
    'expected ValueError: a, got ValueError: b'
    >>> flag = doctest.IGNORE_EXCEPTION_DETAIL
    >>> compare_exception("mod.ValueError: a\\n", "ValueError: b\\n", flag) is None
    True
    """
    if output_matches(want_msg, got_msg, flags):
        return None
    if flags & doctest.IGNORE_EXCEPTION_DETAIL and output_matches(
        _strip_detail(want_msg), _strip_detail(got_msg), flags
    ):
        return None
    summary = f"expected {first_line(want_msg)}, got {first_line(got_msg)}"
    detail = unified_diff(want_msg, got_msg)
    where = first_difference(want_msg.rstrip("\n"), got_msg.rstrip("\n"))
    if where is not None and first_line(want_msg) == first_line(got_msg):
        summary = where[0]
    if where is not None and max(len(want_msg), len(got_msg)) > 60:
        detail += "\n\n" + where[1]
    return summary, detail


def first_line(text: str, limit: int = 200) -> str:
    """The first non-empty line of ``text``, shortened to ``limit``."""
    for line in text.splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= limit else line[: limit - 3] + "..."
    return ""


def _json(text: str) -> tuple[bool, object]:
    try:
        return True, json.loads(text)
    except ValueError:
        return False, None


def _render_response(
    status: str, headers: Sequence[tuple[str, str]], body: str, limit: int = 2000
) -> str:
    lines = [f"HTTP/1.1 {status}"]
    lines += [f"{name}: {value}" for name, value in headers]
    if len(body) > limit:
        body = body[:limit] + f"\n[... {len(body) - limit} more characters]"
    return "\n".join(lines) + "\n\n" + body


def compare_http(
    expected: HttpResponse,
    status_code: int,
    status: str,
    headers: Sequence[tuple[str, str]],
    body: str,
    flags: int,
) -> Mismatch | None:
    """Compare a response with an ``http`` block's expected response.

    The status code is compared (and the reason phrase, when written), each
    header shown (others are ignored; ``...`` matches anything), and the body
    when one is shown: as JSON when both sides parse as JSON, else as text
    after stripping trailing whitespace, with ``...`` allowed.

    :param status: the full status, like ``"404 NOT FOUND"``.
    """
    got_text = _render_response(status, headers, body)
    reason = status.partition(" ")[2]
    if status_code != expected.status or (
        expected.reason is not None
        and expected.reason.strip().lower() != reason.strip().lower()
    ):
        want_status = f"{expected.status} {expected.reason or ''}".strip()
        shown = status if expected.reason is not None else str(status_code)
        return (
            f"expected status {want_status}, got {shown}",
            f"response:\n{got_text}",
        )
    text_flags = flags | doctest.ELLIPSIS
    for name, want_value in expected.headers:
        got_values = [v for n, v in headers if n.lower() == name.lower()]
        if not got_values:
            return (
                f"header {name}: expected {want_value!r}, got no such header",
                f"response:\n{got_text}",
            )
        if not any(
            output_matches(want_value + "\n", v + "\n", text_flags) for v in got_values
        ):
            return (
                f"header {name}: expected {want_value!r}, got {got_values[0]!r}",
                f"response:\n{got_text}",
            )
    if not expected.body:
        return None
    got_body = "\n".join(line.rstrip() for line in body.splitlines()).strip("\n")
    want_is_json, want_json = _json(expected.body)
    got_is_json, got_json = _json(got_body)
    if want_is_json and got_is_json:
        if want_json == got_json:
            return None
        want_pretty = json.dumps(want_json, indent=2, sort_keys=True)
        got_pretty = json.dumps(got_json, indent=2, sort_keys=True)
        return (
            f"body: expected JSON {short(json.dumps(want_json))}, "
            f"got {short(json.dumps(got_json))}",
            unified_diff(want_pretty, got_pretty) + f"\n\nresponse:\n{got_text}",
        )
    if output_matches(expected.body + "\n", got_body + "\n", text_flags):
        return None
    return (
        f"body: expected {short(expected.body)}, got {short(got_body)}",
        unified_diff(expected.body, got_body) + f"\n\nresponse:\n{got_text}",
    )

"""What the runner and its examples worker share (private, stdlib only).

Both sides import this module: the runner as ``jigger_sphinx._protocol``, the
worker as ``_jigger_engine._protocol`` (see :mod:`jigger_sphinx.runner`), so
it may import nothing but the standard library.

**Frames.** Every message, both ways, is one frame: a header (a 16-byte
session token, the payload length, the ``time.monotonic()`` at which it was
sent) then the payload, a JSON object with a ``"type"`` key. The runner makes
a new random token for each worker and writes it as the first bytes of the
worker's stdin. A frame with another token, a payload longer than
:data:`MAX_FRAME` or a payload that is not a JSON object is a
:class:`ProtocolError`: bytes that an example writes into the channel cannot
pass for the worker's messages. JSON rather than pickle: reading a message
never runs code.

**Messages.** See :class:`Msg` for the names and their fields.

**Examples** travel as dicts with named fields (:func:`pack_example`,
:func:`unpack_example`), never as positional tuples.

>>> token = b"t" * 16
>>> reader = FrameReader(token)
>>> reader.feed(encode(token, {"type": Msg.END, "status": 0}))
>>> reader.next()[1]
{'type': 'end', 'status': 0}
>>> reader.feed(encode(b"x" * 16, {"type": Msg.RESULT}))
>>> reader.next()  # doctest: +ELLIPSIS
Traceback (most recent call last):
  ...
jigger_sphinx._protocol.ProtocolError: a frame with a wrong session token ...
"""

from __future__ import annotations

import contextlib
import doctest
import json
import os
import shutil
import stat
import struct
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "HEADER",
    "MAX_DETAIL",
    "MAX_FRAME",
    "MAX_SUMMARY",
    "TOKEN_SIZE",
    "ExampleData",
    "FrameReader",
    "Msg",
    "ProtocolError",
    "bound",
    "empty_dir",
    "encode",
    "option_flags",
    "pack_example",
    "rmtree",
    "shadow_state",
    "unpack_example",
]

#: Bytes of the session token at the start of every frame.
TOKEN_SIZE = 16
#: The frame header: token, payload length, send time.
HEADER = struct.Struct(f"<{TOKEN_SIZE}sId")
#: The largest payload a frame may carry (bytes).
MAX_FRAME = 16 * 1024 * 1024
#: Characters of a failure's one-line summary that are kept.
MAX_SUMMARY = 2_000
#: Characters of a failure's detail that are kept.
MAX_DETAIL = 40_000


class Msg:
    """The message types (the ``"type"`` of a frame's JSON object).

    Runner to worker:

    ``init``
        ``sys_path`` (put in front of ``sys.path``), ``progress_fd``,
        ``preload`` (module names the warm worker imports once, failures
        ignored), ``memory_limit`` (bytes of address space per document, 0
        for none), ``fork`` (``False``: run each document in the worker
        itself, which then exits).
    ``run``
        one document: ``examples`` (packed), ``setup``, ``cleanup``,
        ``app_name``, ``flags``, ``doctest_flags``, ``max_output``, ``cwd``.
    ``quit``
        stop.

    Worker to runner:

    ``ready``
        booted (``pid``).
    ``child``
        the process that runs the document (``pid``) and the size of the
        worker's stderr file when it started (``stderr``: where its output
        begins), sent first.
    ``stale``
        a module the warm worker imported changed on disk: it exits, the
        runner starts another and sends the document again.
    ``setup``
        the document's first setup code has run (timing starts here).
    ``result``
        ``index``, ``status``, ``lineno``, ``summary``, ``detail``,
        ``duration`` of one example, in order, and ``modules``: ``[path,
        mtime_ns, size]`` of each module outside the standard library loaded
        since the previous message (the first lists all loaded ones).
    ``deps``
        the document is over: ``modules`` (as above), ``missing`` (module
        names no finder found) and ``searched``: ``[path, mtime_ns, size]``
        of each package directory where a submodule was looked for in vain
        (a module written there later would be found), with
        ``searched_all`` false when there were too many to list, and
        ``shadows``: ``[directory, name, state]`` for each ``sys.path``
        directory before the one a top-level module was loaded from (see
        :func:`shadow_state`).
    ``error``
        a bug of the worker's own (``text``).
    ``end``
        the document is over; ``status`` is the exit status of the process
        that ran it (0, or a negative signal number), ``fresh`` says the
        worker exits now (no ``fork``: a fresh worker per document), and
        ``position`` is the ``[example index, line]`` that process had
        noted last.
    """

    INIT = "init"
    RUN = "run"
    QUIT = "quit"
    READY = "ready"
    STALE = "stale"
    CHILD = "child"
    SETUP = "setup"
    RESULT = "result"
    DEPS = "deps"
    ERROR = "error"
    END = "end"


class ProtocolError(Exception):
    """A frame that the worker did not write, or that is malformed."""


def encode(token: bytes, message: dict[str, Any]) -> bytes:
    """One frame carrying ``message``.

    :raises ProtocolError: when the payload is longer than :data:`MAX_FRAME`.
    """
    data = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8", "surrogatepass"
    )
    if len(data) > MAX_FRAME:
        raise ProtocolError(f"a message of {len(data)} bytes is too large")
    return HEADER.pack(token, len(data), time.monotonic()) + data


class FrameReader:
    """Frames decoded from bytes fed in as they arrive."""

    def __init__(self, token: bytes) -> None:
        self._token = token
        self._buffer = bytearray()

    def feed(self, data: bytes) -> None:
        self._buffer += data

    def next(self) -> tuple[float, dict[str, Any]] | None:
        """The next complete frame's send time and message, if there is one.

        :raises ProtocolError: for a frame the worker did not write.
        """
        if len(self._buffer) < HEADER.size:
            return None
        token, length, sent = HEADER.unpack_from(self._buffer)
        if token != self._token:
            raise ProtocolError(
                "a frame with a wrong session token (not written by the worker)"
            )
        if length > MAX_FRAME:
            raise ProtocolError(f"a frame of {length} bytes is too large")
        end = HEADER.size + length
        if len(self._buffer) < end:
            return None
        raw = bytes(self._buffer[HEADER.size : end])
        del self._buffer[:end]
        try:
            message = json.loads(raw.decode("utf-8", "surrogatepass"))
        except ValueError as exc:
            raise ProtocolError(f"a frame that is not JSON: {exc}") from None
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            raise ProtocolError("a frame without a message type")
        return sent, message


def bound(text: str, limit: int) -> str:
    """``text``, cut to about ``limit`` characters with a note of how much
    was cut.

    >>> bound("x" * 30, 10)
    'xxxxxxxxxx... (20 more characters not shown)'
    """
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit} more characters not shown)"


def option_flags(options: Iterable[tuple[str, bool]], base: int = 0) -> int:
    """Turn doctest option names into a flag set, starting from ``base``.

    Names are doctest's own (``ELLIPSIS``, ``NORMALIZE_WHITESPACE``, ...);
    ``True`` turns a flag on, ``False`` off. The only place option names are
    parsed.

    :raises ValueError: for a name doctest does not know.
    """
    flags = base
    for name, on in options:
        flag = doctest.OPTIONFLAGS_BY_NAME.get(name.strip().upper())
        if flag is None:
            known = ", ".join(sorted(doctest.OPTIONFLAGS_BY_NAME))
            raise ValueError(f"unknown doctest option {name!r} (known: {known})")
        flags = flags | flag if on else flags & ~flag
    return flags


Options = tuple[tuple[str, bool], ...]


@dataclass(frozen=True)
class ExampleData:
    """An example as the worker sees it (the fields of
    :class:`jigger_sphinx.model.Example`, by name)."""

    kind: str
    source: str
    path: str
    lineno: int
    want: str | None = None
    options: Options = ()
    skip: str | None = None
    skip_if: str | None = None
    xfail: str | None = None
    group: str | None = None
    outputs: tuple[tuple[str | None, str, Options], ...] = ()


_FIELDS = tuple(ExampleData.__dataclass_fields__)


def pack_example(example: Any) -> dict[str, Any]:
    """An example (anything with :class:`ExampleData`'s attributes) as a
    JSON-ready dict."""
    return {name: getattr(example, name) for name in _FIELDS}


def _options(value: Any) -> Options:
    return tuple((str(name), bool(on)) for name, on in value)


def unpack_example(data: dict[str, Any]) -> ExampleData:
    """The :class:`ExampleData` of a packed example (JSON lists become
    tuples again)."""
    return ExampleData(
        kind=data["kind"],
        source=data["source"],
        path=data["path"],
        lineno=int(data["lineno"]),
        want=data.get("want"),
        options=_options(data.get("options", ())),
        skip=data.get("skip"),
        skip_if=data.get("skip_if"),
        xfail=data.get("xfail"),
        group=data.get("group"),
        outputs=tuple(
            (skip_if, want, _options(options))
            for skip_if, want, options in data.get("outputs", ())
        ),
    )


# -- what could shadow a module the examples imported


def shadow_state(directory: str, name: str) -> str:
    """What ``directory`` holds that an import of the top-level module
    ``name`` would find there: ``""`` when nothing. Both sides compute it
    for the ``sys.path`` directories that come before the one a module was
    imported from: the worker when the examples ran, the runner at the
    start of each build; a module written into one of them later would be
    imported instead, so the document runs again.

    >>> import tempfile, pathlib
    >>> where = tempfile.mkdtemp()
    >>> shadow_state(where, "alpha")
    ''
    >>> _ = (pathlib.Path(where) / "alpha.py").write_text("X = 1")
    >>> shadow_state(where, "alpha")
    '.py'
    >>> rmtree(where)
    """
    import importlib.machinery as machinery

    suffixes = (
        *machinery.EXTENSION_SUFFIXES,
        *machinery.SOURCE_SUFFIXES,
        *machinery.BYTECODE_SUFFIXES,
    )
    base = os.path.join(directory, name)
    found: list[str] = []
    if os.path.isdir(base):
        found.append("/")
        found += [
            f"/__init__{suffix}"
            for suffix in suffixes
            if os.path.isfile(os.path.join(base, f"__init__{suffix}"))
        ]
    found += [suffix for suffix in suffixes if os.path.isfile(base + suffix)]
    return " ".join(found)


# -- the examples' working directory (emptied by the worker, removed by the runner)


def empty_dir(path: str) -> None:
    """Make ``path`` an existing, empty directory that only we can use."""
    try:
        if not os.listdir(path) and stat.S_IMODE(os.stat(path).st_mode) == 0o700:
            return
    except OSError:
        pass
    rmtree(path)
    os.makedirs(path, mode=0o700, exist_ok=True)


def rmtree(path: str) -> None:
    """Remove ``path`` and everything under it, whatever modes the
    examples left on it."""
    if not os.path.lexists(path):
        return

    def retry(func: Callable[..., Any], name: str, _exc: Any) -> None:
        with contextlib.suppress(OSError):
            os.chmod(os.path.dirname(name), stat.S_IRWXU)
            os.chmod(name, stat.S_IRWXU)
            func(name)

    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=retry)
    else:
        shutil.rmtree(path, onerror=retry)
    if os.path.exists(path):
        shutil.rmtree(path, ignore_errors=True)

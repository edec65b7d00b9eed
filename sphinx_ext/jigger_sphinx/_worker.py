"""The worker process that runs documents' examples (private).

Started by :class:`jigger_sphinx.runner.Runner` with a small bootstrap that
loads this directory as the private package ``_jigger_engine`` (so starting a
worker never imports ``jigger_sphinx/__init__`` or Sphinx). It speaks the
protocol of ``jigger_sphinx._protocol`` on its original stdin/stdout,
which it moves to private file descriptors at start; the reader's code sees
/dev/null on fds 0 and 1, and its ``sys.stdout``/``sys.stderr`` are captured
per example.

The worker stays warm (it imports what the setup code imports, once) and
forks one child per document: the child runs the examples in a process group
of its own, reports each result and the modules it had loaded, and exits;
the worker kills what is left of the group and sends ``end`` with the
child's exit status. Before each example and each statement of a transcript
the child writes (index, line) to the progress file, so a timeout or a crash
names the line; the worker sends the child's pid first, so the runner can
stop the child.
"""

from __future__ import annotations
import __future__

import builtins
import contextlib
import faulthandler
import io
import linecache
import os
import select
import signal
import struct
import sys
import textwrap
import threading
import time
import traceback
import types
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

try:
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]

from . import engine_check
from ._protocol import (
    MAX_DETAIL,
    MAX_SUMMARY,
    ExampleData,
    FrameReader,
    Msg,
    ProtocolError,
    bound,
    empty_dir,
    encode,
    option_flags,
    shadow_state,
    unpack_example,
)
from .parse import (
    ParseError,
    Statement,
    parse_http,
    parse_pycon,
    split_expected_exception,
)

_THIS_FILE = os.path.abspath(__file__)
_FUTURE_FLAGS: list[tuple[str, object, int]] = [
    (name, feature, feature.compiler_flag)
    for name in __future__.all_feature_names
    for feature in [getattr(__future__, name)]
]
_SKIP = __import__("doctest").OPTIONFLAGS_BY_NAME["SKIP"]


class _ConditionFailed(Exception):
    """A ``:skipif:`` condition of a ``testoutput`` raised."""

    def __init__(self, summary: str, detail: str) -> None:
        super().__init__(summary)
        self.summary = summary
        self.detail = detail


class OutputFlood(BaseException):
    """Raised inside the example when it writes more than the limit."""


class _Capture(io.TextIOBase):
    """A text stream that keeps what is written, up to a shared limit."""

    def __init__(self, budget: list[int]) -> None:
        super().__init__()
        self._parts: list[str] = []
        self._budget = budget
        self.buffer = _BinaryCapture(self)

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        if not isinstance(s, str):
            raise TypeError(f"write() argument must be str, not {type(s).__name__}")
        room = self._budget[0]
        if len(s) > room:
            if room > 0:
                self._parts.append(s[:room])
            self._budget[0] = 0
            raise OutputFlood
        self._budget[0] = room - len(s)
        self._parts.append(s)
        return len(s)

    def getvalue(self) -> str:
        return "".join(self._parts)


class _BinaryCapture(io.RawIOBase):
    """``sys.stdout.buffer`` of a capture: bytes are decoded into it."""

    def __init__(self, text: _Capture) -> None:
        super().__init__()
        self._text = text

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        data = bytes(b)
        self._text.write(data.decode("utf-8", "replace"))
        return len(data)


@dataclass
class _Result:
    status: str = "passed"
    lineno: int = 0
    summary: str = ""
    detail: str = ""
    # (lineno, summary) of later failures in the same block
    more: list[tuple[int, str]] = field(default_factory=list)

    def fail(self, lineno: int, summary: str, detail: str) -> None:
        if self.status == "failed":
            self.more.append((lineno, summary))
            return
        self.status, self.lineno, self.summary, self.detail = (
            "failed",
            lineno,
            summary,
            detail,
        )


@dataclass
class _Run:
    """What one executed piece of code produced."""

    stdout: str
    stderr: str
    exc: BaseException | None
    flood: bool


def _shift_lines(code: types.CodeType, offset: int) -> types.CodeType:
    """``code`` with every line number moved down by ``offset`` (line tables
    are relative to ``co_firstlineno``, so this is cheap)."""
    consts = tuple(
        _shift_lines(c, offset) if isinstance(c, types.CodeType) else c
        for c in code.co_consts
    )
    return code.replace(co_firstlineno=code.co_firstlineno + offset, co_consts=consts)


def compile_at(
    source: str, path: str, lineno: int, mode: str, flags: int
) -> types.CodeType:
    """Compile ``source`` as if it started at line ``lineno`` of ``path``, so
    tracebacks name the documentation's lines. The worker's own
    ``__future__`` imports are not inherited."""
    try:
        code: types.CodeType = compile(
            source, path, mode, flags=flags, dont_inherit=True
        )
    except SyntaxError:
        pass  # compiled again below, outside this handler: no chained error
    else:
        return _shift_lines(code, lineno - 1) if lineno > 1 else code
    # Padded, so that the error carries the real line number.
    padded = "\n" * (lineno - 1) + source
    padded_code: types.CodeType = compile(
        padded, path, mode, flags=flags, dont_inherit=True
    )
    return padded_code


def _skip_engine_frames(tb: types.TracebackType | None) -> types.TracebackType | None:
    while tb is not None and tb.tb_frame.f_code.co_filename == _THIS_FILE:
        tb = tb.tb_next
    return tb


def format_traceback(exc: BaseException) -> str:
    """The traceback of ``exc`` without the worker's own frames."""
    tb = _skip_engine_frames(exc.__traceback__)
    lines = traceback.format_exception(type(exc), exc, tb)
    return "".join(lines).rstrip("\n")


def error_line(exc: BaseException, path: str, lineno: int) -> int:
    """The line to report for ``exc`` raised by code starting at ``lineno``
    of ``path``: a syntax error's own line, else ``lineno``."""
    if isinstance(exc, SyntaxError) and exc.lineno:
        if exc.filename == path:
            return exc.lineno
        if (exc.filename or "").startswith("<doctest "):  # compiled from line 1
            return lineno + exc.lineno - 1
    return lineno


def exception_summary(exc: BaseException) -> str:
    """One line naming what an unexpected exception was."""
    if isinstance(exc, SystemExit):
        code = exc.code
        if code is None or isinstance(code, int):
            return f"SystemExit with exit code {code or 0}"
        return f"SystemExit with message {engine_check.short(str(code))}"
    if not isinstance(exc, Exception):
        return f"{type(exc).__name__} raised"
    return engine_check.first_line(engine_check.exception_line(exc))


class Document:
    """The state of one document's run: namespace, capture limits."""

    def __init__(
        self,
        payload: dict[str, Any],
        send: Callable[[dict[str, Any]], None],
        progress_fd: int | None = None,
    ):
        self.setup: str = payload["setup"]
        self.cleanup: str = payload.get("cleanup", "")
        self.app_name: str = payload["app_name"]
        self.base_flags: int = payload["flags"]
        self.doctest_flags: int = payload.get("doctest_flags", 0)
        self.max_output: int = payload["max_output"]
        self.cwd: str = payload["cwd"]
        self.examples = [unpack_example(e) for e in payload["examples"]]
        self.memory_limit: int = payload.get("memory_limit", 0)
        self.memory_hit = False  # an example ran out of memory under the limit
        self.modules = _ModuleLog()
        self.send = send
        self.progress_fd = progress_fd
        self._parsed: dict[tuple[str, str, int], list[Statement] | ParseError] = {}
        self.index = -1
        self.module = types.ModuleType("__main__")
        self.module.__dict__["__builtins__"] = builtins
        # The namespace the current example runs in: the module's for the
        # document's own examples; for a sphinx.ext.doctest group, a plain
        # dict without __name__, as that extension gives its groups.
        self.globs: dict[str, Any] = self.module.__dict__
        self.group: str | None = None
        self.setups_run = 0  # setup (then cleanup) blocks run in the group
        self.setup_block = False  # the current example is a setup block
        self.tests_run = False  # a test ran in the group: setup is cleanup now

    def statements(
        self, source: str, path: str, lineno: int
    ) -> list[Statement] | ParseError:
        """The parsed transcript (parsed once per document)."""
        key = (source, path, lineno)
        found = self._parsed.get(key)
        if found is None:
            try:
                found = parse_pycon(source, lineno=lineno, path=path)
            except ParseError as err:
                found = err
            self._parsed[key] = found
        return found

    def progress(self, lineno: int) -> None:
        """Note which example and line runs now, where the parent can read it
        after a timeout or a crash (one pwrite; no message round trip)."""
        if self.progress_fd is not None:
            os.pwrite(self.progress_fd, struct.pack("<qq", self.index, lineno), 0)

    # -- running code -------------------------------------------------------

    def compile_flags(self) -> int:
        flags = 0
        for name, feature, flag in _FUTURE_FLAGS:
            if self.globs.get(name) is feature:
                flags |= flag
        return flags

    def doctest_name(self, number: int) -> str:
        """The file name sphinx.ext.doctest compiles a group's code under."""
        label = self.group
        if self.setup_block:
            what = "cleanup" if self.tests_run else "setup"
            label = f"{self.group} ({what} code)"
        return f"<doctest {label}[{number}]>"

    def execute(
        self, source: str, path: str, lineno: int, mode: str, number: int = 0
    ) -> _Run:
        """Compile ``source`` as if it sat at ``lineno`` of ``path`` and run it
        in the namespace, capturing output. In a sphinx.ext.doctest group the
        code is compiled as that extension does, as ``<doctest GROUP[N]>``
        from line 1 (``number`` is N), with its lines in ``linecache``."""
        if self.group is not None:
            path, lineno = self.doctest_name(number), 1
            lines = [line + "\n" for line in source.splitlines()]
            linecache.cache[path] = (sum(map(len, lines)), None, lines, path)
        budget = [self.max_output]
        out, err = _Capture(budget), _Capture(budget)
        saved = sys.stdout, sys.stderr
        exc: BaseException | None = None
        flood = False
        sys.stdout, sys.stderr = out, err
        try:
            code = compile_at(source, path, lineno, mode, self.compile_flags())
            exec(code, self.globs)
        except OutputFlood:
            flood = True
        except BaseException as caught:
            exc = caught
            if isinstance(caught, MemoryError) and self.memory_limit:
                self.memory_hit = True
        finally:
            sys.stdout, sys.stderr = saved
        return _Run(out.getvalue(), err.getvalue(), exc, flood)

    @contextmanager
    def captured(self) -> Iterator[_Capture]:
        budget = [self.max_output]
        out = _Capture(budget)
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = out
        try:
            yield out
        finally:
            sys.stdout, sys.stderr = saved

    def flood_summary(self) -> str:
        return f"output flood: more than {self.max_output} characters written"

    @staticmethod
    def with_output(detail: str, run: _Run) -> str:
        parts = [detail] if detail else []
        if run.stdout and run.exc is not None:
            parts.append("captured output:\n" + run.stdout.rstrip("\n"))
        if run.stderr:
            parts.append("captured stderr:\n" + run.stderr.rstrip("\n"))
        return "\n\n".join(parts)

    # -- example kinds --------------------------------------------------------

    def run_pycon(self, source: str, path: str, lineno: int, flags: int) -> _Result:
        result = _Result(lineno=lineno)
        statements = self.statements(source, path, lineno)
        if isinstance(statements, ParseError):
            result.fail(statements.lineno, statements.message, "")
            return result
        for number, stmt in enumerate(statements):
            sflags = stmt.flags(flags)
            if sflags & _SKIP:
                continue
            if len(statements) > 1:
                self.progress(stmt.lineno)
            run = self.execute(stmt.source, path, stmt.lineno, "single", number)
            if run.flood:
                result.fail(stmt.lineno, self.flood_summary(), "")
                break
            if run.exc is None:
                if stmt.exc_msg is not None and (
                    # as doctest: printed output that matches the whole
                    # expected text (a printed traceback) passes
                    engine_check.compare_output(stmt.want, run.stdout, sflags)
                    is not None
                ):
                    result.fail(
                        stmt.lineno,
                        f"expected {engine_check.first_line(stmt.exc_msg)}, "
                        "but no exception was raised",
                        self.with_output(
                            engine_check.unified_diff(stmt.want, run.stdout), run
                        ),
                    )
                    continue
                mismatch = engine_check.compare_output(stmt.want, run.stdout, sflags)
                if mismatch is not None:
                    result.fail(
                        stmt.lineno, mismatch[0], self.with_output(mismatch[1], run)
                    )
                continue
            if stmt.exc_msg is None:
                result.fail(
                    error_line(run.exc, path, stmt.lineno),
                    exception_summary(run.exc),
                    self.with_output(format_traceback(run.exc), run),
                )
                continue
            got_msg = engine_check.exception_line(run.exc)
            mismatch = engine_check.compare_exception(stmt.exc_msg, got_msg, sflags)
            if mismatch is not None:
                result.fail(
                    stmt.lineno,
                    mismatch[0],
                    mismatch[1] + "\n\n" + format_traceback(run.exc),
                )
        return result

    def run_code(
        self, source: str, path: str, lineno: int, want: str | None, flags: int
    ) -> _Result:
        result = _Result(lineno=lineno)
        source = textwrap.dedent(source)
        if not source.endswith("\n"):
            source += "\n"
        number = 0
        if self.setup_block:
            number = self.setups_run
            self.setups_run += 1
        elif not self.tests_run:
            self.tests_run = True
            self.setups_run = 0  # cleanup blocks count from 0
        run = self.execute(source, path, lineno, "exec", number)
        if run.flood:
            result.fail(lineno, self.flood_summary(), "")
            return result
        want_out, want_exc = (
            split_expected_exception(want) if want is not None else (None, None)
        )
        if run.exc is not None:
            if want_exc is None:
                result.fail(
                    error_line(run.exc, path, lineno),
                    exception_summary(run.exc),
                    self.with_output(format_traceback(run.exc), run),
                )
                return result
            got_msg = engine_check.exception_line(run.exc)
            mismatch = engine_check.compare_exception(want_exc, got_msg, flags)
            if mismatch is not None:
                result.fail(
                    lineno,
                    mismatch[0],
                    mismatch[1] + "\n\n" + format_traceback(run.exc),
                )
            return result
        if want_exc is not None:
            # as doctest: printed output matching the whole expected text
            # (a printed traceback) passes
            if engine_check.compare_output(want or "", run.stdout, flags) is not None:
                result.fail(
                    lineno,
                    f"expected {engine_check.first_line(want_exc)}, "
                    "but no exception was raised",
                    self.with_output("", run),
                )
            return result
        if want_out is not None:
            mismatch = engine_check.compare_output(want_out, run.stdout, flags)
            if mismatch is not None:
                result.fail(lineno, mismatch[0], self.with_output(mismatch[1], run))
        return result

    def run_http(self, source: str, path: str, lineno: int, flags: int) -> _Result:
        result = _Result(lineno=lineno)
        try:
            exchange = parse_http(source, lineno=lineno, path=path)
        except ParseError as err:
            result.fail(err.lineno, err.message, "")
            return result
        app = self.globs.get(self.app_name)
        if app is None:
            result.fail(
                lineno,
                f"http example: no WSGI app named {self.app_name!r} in this "
                "document's namespace; define one in an earlier example or set "
                "jigger_app_name",
                "",
            )
            return result
        if not callable(app):
            result.fail(
                lineno,
                f"http example: {self.app_name!r} in this document's namespace is "
                f"not a WSGI app (it is a {type(app).__name__})",
                "",
            )
            return result
        from werkzeug.test import Client

        request = exchange.request
        headers = [
            (name, value)
            for name, value in request.headers
            if name.lower() not in ("host", "content-length")
        ]
        host = next((v for n, v in request.headers if n.lower() == "host"), "localhost")
        try:
            with self.captured() as out:
                response = Client(app).open(
                    request.target,
                    method=request.method,
                    base_url=f"http://{host}",
                    headers=headers,
                    data=request.body.encode("utf-8"),
                )
                try:
                    status_code = response.status_code
                    status = response.status
                    got_headers = list(response.headers.items())
                    body = response.get_data().decode("utf-8", "replace")
                finally:
                    response.close()
        except OutputFlood:
            result.fail(lineno, self.flood_summary(), "")
            return result
        except BaseException as exc:
            run = _Run(out.getvalue(), "", exc, False)
            result.fail(
                lineno,
                exception_summary(exc),
                self.with_output(format_traceback(exc), run),
            )
            return result
        mismatch = engine_check.compare_http(
            exchange.response, status_code, status, got_headers, body, flags
        )
        if mismatch is not None:
            result.fail(lineno, mismatch[0], mismatch[1])
        return result

    # -- one example, the document ------------------------------------------

    def run_example(self, ex: ExampleData) -> tuple[str, int, str, str]:
        kind, path, lineno = ex.kind, ex.path, ex.lineno
        want, options, skip, skip_if, xfail = (
            ex.want,
            ex.options,
            ex.skip,
            ex.skip_if,
            ex.xfail,
        )
        self.setup_block = kind == "setup"
        if kind == "pycon" and not self.tests_run:
            self.tests_run = True
            self.setups_run = 0  # cleanup blocks count from 0
        if skip is not None:
            return "skipped", lineno, skip or "skipped", ""
        try:
            flags = self.flags_for(options)
        except ValueError as err:
            return "failed", lineno, str(err), ""
        if flags & _SKIP:
            return "skipped", lineno, "the SKIP option is set", ""
        if skip_if is not None:
            run = self.execute_eval(skip_if, path, lineno)
            if isinstance(run, BaseException):
                return (
                    "failed",
                    lineno,
                    f"skip-if expression {skip_if!r} raised {exception_summary(run)}",
                    format_traceback(run),
                )
            if run:
                return "skipped", lineno, f"skip-if {skip_if!r} is true", ""
        if kind == "code" and ex.outputs:
            try:
                chosen = self.choose_output(ex.outputs, path, lineno)
            except _ConditionFailed as failed:
                return "failed", lineno, failed.summary, failed.detail
            if chosen is not None:
                want, output_options = chosen
                flags = self.flags_for(output_options)
            else:
                want = None
        evaluator = EVALUATORS.get(kind)
        if evaluator is None:
            return "failed", lineno, f"unknown example kind {kind!r}", ""
        result = evaluator(self, ex, want, flags)
        detail = result.detail
        summary = result.summary
        if result.more:
            summary += f" (and {len(result.more)} more failures in this block)"
            detail += "\n\nmore failures in this block:\n" + "\n".join(
                f"  line {n}: {s}" for n, s in result.more
            )
        if xfail is not None:
            if result.status == "failed":
                return "xfailed", result.lineno, summary, detail
            reason = f" ({xfail})" if xfail else ""
            return "xpassed", lineno, f"expected to fail{reason}, but passed", ""
        return result.status, result.lineno, summary, detail

    def choose_output(
        self,
        outputs: tuple[tuple[str | None, str, tuple[tuple[str, bool], ...]], ...],
        path: str,
        lineno: int,
    ) -> tuple[str, tuple[tuple[str, bool], ...]] | None:
        """The expected output (and its options) of the first ``testoutput``
        whose ``:skipif:`` is false; ``None`` when all are skipped.

        :raises _ConditionFailed: when a condition raised.
        """
        for skip_if, want, options in outputs:
            if skip_if is not None:
                value = self.execute_eval(skip_if, path, lineno)
                if isinstance(value, BaseException):
                    raise _ConditionFailed(
                        f"skipif expression {skip_if!r} raised "
                        f"{exception_summary(value)}",
                        format_traceback(value),
                    )
                if value:
                    continue
            return want, options
        return None

    def flags_for(self, options: tuple[tuple[str, bool], ...]) -> int:
        base = self.base_flags if self.group is None else self.doctest_flags
        return option_flags(options, base)

    def execute_eval(self, expr: str, path: str, lineno: int) -> object:
        """Evaluate a skip-if expression; returns its value or the exception."""
        try:
            with self.captured():
                code = compile_at(expr.strip(), path, lineno, "eval", 0)
                return eval(code, self.globs)
        except BaseException as exc:
            return exc

    def register_sources(self) -> None:
        """Put the examples' code into linecache at their real lines, so
        tracebacks show the documentation's lines."""
        files: dict[str, dict[int, str]] = {}
        for ex in self.examples:
            kind, source, path, lineno = ex.kind, ex.source, ex.path, ex.lineno
            if ex.group is not None:  # compiled as <doctest GROUP[N]>
                continue
            lines = files.setdefault(path, {})
            if kind == "pycon":
                stmts = self.statements(source, path, lineno)
                if isinstance(stmts, ParseError):
                    continue
                for stmt in stmts:
                    for k, line in enumerate(stmt.source.splitlines()):
                        lines[stmt.lineno + k] = line
            elif kind in ("code", "setup"):
                for k, line in enumerate(textwrap.dedent(source).splitlines()):
                    lines[lineno + k] = line
        for path, numbered in files.items():
            if not numbered:
                continue
            # The real file's lines (a docstring's module) with the examples'
            # code, prompts removed, over them: tracebacks and their carets.
            text = list(linecache.getlines(path))
            text += ["\n"] * (max(numbered) - len(text))
            for n, line in numbered.items():
                text[n - 1] = line + "\n"
            linecache.cache[path] = (sum(map(len, text)), None, text, path)

    def run(self) -> None:
        """Run the document's examples in this process.

        The process exits afterwards (a forked child, or where there is no
        ``fork`` a worker that serves one document), so nothing the examples
        changed (``__main__``, the working directory, ``sys.path``,
        ``os.environ``, linecache, the namespaces) is put back, and no
        object they made is finalized.
        """
        self.register_sources()
        sys.modules["__main__"] = self.module
        os.chdir(self.cwd)
        self.run_all()

    def drop_namespace(self) -> None:
        """Empty the current namespace (what its objects print on the way
        out is not the reader's output)."""
        try:
            with self.captured():
                self.globs.clear()
        except BaseException:
            pass

    def send_result(
        self, index: int, status: str, lineno: int, summary: str, detail: str, t: float
    ) -> None:
        self.send(
            {
                "type": Msg.RESULT,
                "index": index,
                "status": status,
                "lineno": lineno,
                "summary": bound(summary, MAX_SUMMARY),
                "detail": bound(detail, MAX_DETAIL),
                "duration": t,
                # the modules loaded so far and not yet reported: what the
                # document depends on, even if it later dies or times out
                "modules": self.modules.new(),
            }
        )

    def enter_namespace(self, group: str | None) -> _Result | None:
        """Start the namespace of ``group`` and run the setup code in it;
        the failure, if the setup code failed."""
        self.group = group
        self.setups_run = 0
        self.tests_run = False
        self.setup_block = True
        if group is None:
            self.globs = self.module.__dict__
        else:
            self.globs = {"__builtins__": builtins}
        result = None
        quiet = "" if group is not None else None  # as setup code, above
        if self.setup.strip():
            result = self.run_code(self.setup, "<jigger setup>", 1, quiet, 0)
        self.setup_block = False
        return result if result is not None and result.status == "failed" else None

    def leave_namespace(self) -> _Result | None:
        """Run the cleanup code in the current namespace and drop a group's
        namespace; the failure, if the cleanup code failed."""
        result = None
        if self.cleanup.strip():
            self.setup_block = True
            self.tests_run = True
            quiet = "" if self.group is not None else None
            result = self.run_code(self.cleanup, "<jigger cleanup>", 1, quiet, 0)
        if self.group is not None:
            self.drop_namespace()
        return result if result is not None and result.status == "failed" else None

    def run_all(self) -> None:
        """Run the examples namespace by namespace (they come grouped: the
        examples of one group, or of the document's own namespace, are
        consecutive)."""
        n = len(self.examples)
        groups = [ex.group for ex in self.examples]
        i = 0
        while i < n:
            group = groups[i]
            end = i
            while end < n and groups[end] == group:
                end += 1
            setup_failure = self.enter_namespace(group)
            if i == 0:  # the parent times the first example from here
                self.send({"type": Msg.SETUP})
            if setup_failure is not None:
                self.send_result(
                    i,
                    "failed",
                    self.examples[i].lineno,
                    f"setup code failed: {setup_failure.summary}",
                    setup_failure.detail,
                    0.0,
                )
                for j in range(i + 1, end):
                    self.send_result(
                        j,
                        "not-run",
                        self.examples[j].lineno,
                        "not run: the document's setup code failed",
                        "",
                        0.0,
                    )
                self.leave_namespace()
                i = end
                continue
            for j in range(i, end):
                start = time.perf_counter()
                self.index = j
                self.progress(self.examples[j].lineno)
                try:
                    status, lineno, summary, detail = self.run_example(self.examples[j])
                except BaseException as exc:  # a bug of ours: report, keep going
                    status, lineno = "failed", self.examples[j].lineno
                    summary = f"internal error in the examples worker: {exc!r}"
                    detail = format_traceback(exc)
                if self.memory_hit:
                    self.out_of_memory(j, lineno, summary, detail, start)
                    return
                if j == end - 1:
                    cleanup_failure = self.leave_namespace()
                    if cleanup_failure is not None and status != "failed":
                        status = "failed"
                        summary = (
                            "the cleanup code failed after this example: "
                            + cleanup_failure.summary
                        )
                        detail = cleanup_failure.detail
                self.send_result(
                    j, status, lineno, summary, detail, time.perf_counter() - start
                )
            i = end

    def out_of_memory(
        self, index: int, lineno: int, summary: str, detail: str, start: float
    ) -> None:
        """Report example ``index`` as having hit the memory limit, and the
        document's later examples as not run (the process may be in no state
        to run them)."""
        limit = _size(self.memory_limit)
        self.send_result(
            index,
            "failed",
            lineno,
            f"memory limit of {limit} reached ({summary})",
            "the example asked for more memory than jigger_example_memory "
            f"({limit}) allows\n\n{detail}",
            time.perf_counter() - start,
        )
        for j in range(index + 1, len(self.examples)):
            self.send_result(
                j,
                "not-run",
                self.examples[j].lineno,
                "not run: an earlier example in this document reached the "
                f"memory limit (line {lineno})",
                "",
                0.0,
            )


def _size(n: int) -> str:
    """``n`` bytes, in the largest binary unit that keeps it whole-ish.

    >>> _size(2 * 1024**3), _size(1536 * 1024**2), _size(1000)
    ('2 GiB', '1.5 GiB', '1000 bytes')
    """
    for unit, factor in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if n >= factor:
            return f"{n / factor:g} {unit}"
    return f"{n} bytes"


#: How a ``result`` for an example whose expected output is ``want``
#: and flags are ``flags`` is computed, by example kind: adding a kind is
#: one function here (and the collector's side).
Evaluator = Callable[["Document", ExampleData, "str | None", int], _Result]


def _eval_pycon(
    doc: Document, ex: ExampleData, want: str | None, flags: int
) -> _Result:
    return doc.run_pycon(ex.source, ex.path, ex.lineno, flags)


def _eval_code(doc: Document, ex: ExampleData, want: str | None, flags: int) -> _Result:
    return doc.run_code(ex.source, ex.path, ex.lineno, want, flags)


def _eval_setup(
    doc: Document, ex: ExampleData, want: str | None, flags: int
) -> _Result:
    # sphinx.ext.doctest expects its setup and cleanup code to print
    # nothing; the document's own setup blocks may print
    quiet = "" if doc.group is not None else None
    return doc.run_code(ex.source, ex.path, ex.lineno, quiet, flags)


def _eval_http(doc: Document, ex: ExampleData, want: str | None, flags: int) -> _Result:
    return doc.run_http(ex.source, ex.path, ex.lineno, flags)


EVALUATORS: dict[str, Evaluator] = {
    "pycon": _eval_pycon,
    "code": _eval_code,
    "setup": _eval_setup,
    "http": _eval_http,
}


class ModuleWatch:
    """Notices when a module the examples imported has changed on disk.

    Modules from the Python installation (the standard library, and
    site-packages of the environment) are not watched; the project's own
    code (a source tree on ``sys.path``, an editable install) is.
    """

    def __init__(self) -> None:
        self.seen = set(sys.modules)
        self.mtimes: dict[str, int] = {}
        prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix}
        prefixes.add(getattr(sys, "base_exec_prefix", sys.prefix))
        self.skip = tuple(os.path.join(p, "") for p in prefixes)

    def update(self) -> None:
        """Start watching the modules imported since the last call."""
        for name, module in list(sys.modules.items()):
            if name in self.seen:
                continue
            self.seen.add(name)
            path = getattr(module, "__file__", None)
            if not isinstance(path, str) or path.startswith(self.skip):
                continue
            with contextlib.suppress(OSError):
                self.mtimes[path] = os.stat(path).st_mtime_ns

    def stale(self) -> bool:
        """Whether a watched module's file changed or went away."""
        for path, mtime in self.mtimes.items():
            try:
                if os.stat(path).st_mtime_ns != mtime:
                    return True
            except OSError:
                return True
        return False


def _watch_parent(parent: int, runner: int) -> None:
    """Exit when the warm worker or the runner's process is gone (they
    cannot stop us any more). A thread of the child, where the worker
    cannot watch for the runner itself (see :func:`_wait_child`)."""
    while True:
        time.sleep(0.5)
        try:
            os.kill(runner, 0)
            gone = os.getppid() != parent
        except ProcessLookupError:
            gone = True
        except OSError:
            gone = os.getppid() != parent
        if gone:
            # this process and what its examples started
            with contextlib.suppress(OSError):
                os.killpg(os.getpgid(0), signal.SIGKILL)
            os._exit(3)


class _MissingFinder:
    """Last on ``sys.meta_path``: notes the modules no other finder found
    (an import that failed, or a fallback that was tried), and for a
    submodule, the package directories it was looked for in, as they were
    then: a module written into one of them later is a reason to run the
    document again, though no directory on ``sys.path`` changed."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.searched: dict[str, list[Any]] = {}
        self.overflow = False

    def find_spec(
        self, name: str, path: Iterable[object] | None = None, target: object = None
    ) -> None:
        if len(self.names) < 1000:
            self.names.append(name)
        if path is None:
            return  # a top-level module: looked for on sys.path
        if len(self.searched) >= 200:
            self.overflow = True  # the document is run again every build
            return
        try:
            entries = [entry for entry in path if isinstance(entry, str)]
        except Exception:  # a package's odd __path__: nothing to note
            return
        for entry in entries[:20]:
            where = os.path.abspath(entry)
            if where not in self.searched:
                try:
                    st = os.stat(where)
                except OSError:
                    continue
                self.searched[where] = [where, st.st_mtime_ns, st.st_size]


def _stdlib_dirs() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The standard library's directories, and the site directories that may
    sit inside them."""
    import sysconfig

    paths = sysconfig.get_paths()
    lib = {paths[k] for k in ("stdlib", "platstdlib") if k in paths}
    site = {paths[k] for k in ("purelib", "platlib") if k in paths}
    return (
        tuple(os.path.join(os.path.realpath(p), "") for p in lib),
        tuple(os.path.join(os.path.realpath(p), "") for p in site),
    )


class _ModuleLog:
    """The loaded modules' files not reported yet: ``[path, mtime_ns,
    size]`` of each outside the standard library (which is keyed by the
    interpreter's version). Cheap when nothing was imported since the last
    call (one length check)."""

    def __init__(self) -> None:
        self.count = -1
        self.names: set[str] = set()
        self.pending: list[list[Any]] = []
        #: top-level modules outside the standard library: name, directory
        self.tops: list[tuple[str, str]] = []
        #: ``[directory, name, shadow_state]`` for the ``tops`` looked at
        self.shadowed: list[list[str]] = []
        self.looked = 0
        if _BASE:  # what the warm worker had loaded, looked at once
            # taken over, not copied: the process that runs a document exits
            # after it (copying means touching every name, a page fault each
            # in a forked child)
            self.names = _BASE[0].names
            self.pending = _BASE[1]
            self.count = _BASE[0].count
            self.tops = _BASE[0].tops
            self.shadowed = _BASE[0].shadowed
            self.looked = _BASE[0].looked

    def shadows(self) -> list[list[str]]:
        """For each top-level module loaded (outside the standard library),
        what the ``sys.path`` directories before its own hold under its
        name (see ``shadow_state``): a module written there later would be
        imported instead."""
        if self.looked < len(self.tops):
            entries = [os.path.normpath(p) for p in sys.path if os.path.isabs(p)]
            for name, where in self.tops[self.looked :]:
                try:
                    before = entries[: entries.index(where)]
                except ValueError:  # not loaded through sys.path
                    continue
                for directory in dict.fromkeys(before):
                    state = shadow_state(directory, name)
                    self.shadowed.append([directory, name, state])
            self.looked = len(self.tops)
        return self.shadowed

    def new(self) -> list[list[Any]]:
        pending, self.pending = self.pending, []
        if len(sys.modules) == self.count:
            return pending
        if not _STDLIB:
            _STDLIB.extend(_stdlib_dirs())
        stdlib, site = _STDLIB
        found: list[list[Any]] = []
        for name, module in list(sys.modules.items()):
            if name in self.names:
                continue
            self.names.add(name)
            path = getattr(module, "__file__", None)
            if not isinstance(path, str):
                continue
            real = os.path.realpath(path)
            if real.startswith(stdlib) and not real.startswith(site):
                continue
            if _SCRATCH and real.startswith(_SCRATCH[0]):
                # written by the examples themselves into their working
                # directory: gone by the next build
                continue
            try:
                st = os.stat(path)
            except OSError:
                continue
            found.append([os.path.abspath(path), st.st_mtime_ns, st.st_size])
            if "." not in name and os.path.isabs(path):
                where = os.path.dirname(path)
                if getattr(module, "__path__", None) is not None:
                    where = os.path.dirname(where)  # a package: its parent
                self.tops.append((name, os.path.normpath(where)))
        self.count = len(sys.modules)
        return pending + found


_STDLIB: list[tuple[str, ...]] = []
#: The examples' working directory (emptied after each document): its real
#: path with a trailing separator, and the path as the runner gave it.
_SCRATCH: list[str] = []
#: The warm worker's own modules: its log and their files (see _prime).
_BASE: list[Any] = []


def _prime() -> None:
    """Do once in the warm worker what each child would otherwise do for
    itself: compile the transcript parser's regular expressions, and look
    at the loaded modules, so that a child only looks at what its examples
    load (a ``realpath`` per module adds up to milliseconds per document)."""
    with contextlib.suppress(ParseError):
        parse_pycon(">>> x = 1\n>>> x\n1\n", lineno=1, path="<warm-up>")
    _BASE.clear()
    log = _ModuleLog()
    found = log.new()
    log.shadows()
    _BASE.extend([log, found])


def _note_scratch(cwd: str) -> None:
    """Note the examples' working directory (once per worker: it stays)."""
    if not _SCRATCH or _SCRATCH[1] != cwd:
        _SCRATCH[:] = [os.path.join(os.path.realpath(cwd), ""), cwd]


def _limit_memory(limit: int) -> None:
    if limit <= 0 or resource is None:
        return
    with contextlib.suppress(ValueError, OSError):
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


class _Channel:
    """The worker's side of the protocol: frames in on ``fd_in``, out on
    ``fd_out`` (see ``jigger_sphinx._protocol``)."""

    def __init__(self, fd_in: int, fd_out: int) -> None:
        self.fd_in = fd_in
        self.fd_out = fd_out
        token = b""
        while len(token) < 16:
            chunk = os.read(fd_in, 16 - len(token))
            if not chunk:
                raise EOFError
            token += chunk
        self.token = token
        self.reader = FrameReader(token)
        # Only the process that owns the channel may write to it: a process
        # that an example forked and that returns into the engine stops at
        # its first message instead of answering for the real one.
        self.owner = os.getpid()

    def send(self, message: dict[str, Any]) -> None:
        if os.getpid() != self.owner:
            os._exit(0)
        data = encode(self.token, message)
        view = memoryview(data)
        while view:
            written = os.write(self.fd_out, view)
            view = view[written:]

    def recv(self) -> dict[str, Any]:
        while True:
            found = self.reader.next()
            if found is not None:
                return found[1]
            chunk = os.read(self.fd_in, 1 << 16)
            if not chunk:
                raise EOFError
            self.reader.feed(chunk)


def _load_prctl() -> Callable[..., int] | None:
    """Linux's ``prctl``, to have a child killed when its parent dies."""
    if not sys.platform.startswith("linux"):  # pragma: no cover - not Linux
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (ImportError, OSError, AttributeError):  # pragma: no cover
        return None


_PRCTL = _load_prctl()
_PR_SET_PDEATHSIG = 1


def _run_in_child(
    channel: _Channel, payload: dict[str, Any], progress_fd: int | None
) -> None:
    """In the forked child: run the document, report what it used, exit."""
    code = 0
    try:
        if _PRCTL is not None:
            # Killed by the kernel if the warm worker dies (it cannot stop
            # this process any more); it may have died already.
            parent = _WORKER_PID[0]
            _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
            if os.getppid() != parent:
                os._exit(3)
        with contextlib.suppress(OSError):
            os.setpgid(0, 0)  # its own group: what it starts ends with it
        os.close(channel.fd_in)
        if _GUARD:
            os.close(_GUARD[0])  # only the worker's death may close it
        channel.owner = os.getpid()
        if not (_PIDFD and _PRCTL):
            # no one else would notice the worker or the runner going away
            threading.Thread(
                target=_watch_parent, args=(os.getppid(), _RUNNER_PID[0]), daemon=True
            ).start()
        _serve_document(channel, payload, progress_fd)
    except BaseException:
        code = 70
    finally:
        os._exit(code)


class _RunnerGone(Exception):
    """The runner's end of the channel closed while a document ran."""


def _wait_child(pid: int, channel: _Channel) -> int:
    """Wait for the child running a document; its wait status.

    Where the child can be waited for through a file descriptor (Linux's
    ``pidfd_open``), the worker also watches its channel meanwhile: when the
    runner's process goes away, the child's process group is killed and
    :class:`_RunnerGone` raised; the child asked the kernel to kill it if
    the worker dies (``prctl``). Elsewhere the child watches for both with
    a thread of its own, which costs it a thread start per document.
    Anything the runner sends meanwhile is kept for :meth:`_Channel.recv`.
    """
    pidfd = -1
    if _PIDFD:
        with contextlib.suppress(OSError):
            pidfd = os.pidfd_open(pid)
    if pidfd >= 0:
        try:
            while True:
                ready, _, _ = select.select([pidfd, channel.fd_in], [], [])
                if pidfd in ready:
                    break
                chunk = os.read(channel.fd_in, 1 << 16)
                if not chunk:
                    with contextlib.suppress(OSError):
                        os.killpg(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    raise _RunnerGone
                channel.reader.feed(chunk)
        finally:
            os.close(pidfd)
    while True:
        try:
            return os.waitpid(pid, 0)[1]
        except InterruptedError:  # pragma: no cover - retried by Python
            continue


def _can_watch_children() -> bool:
    """Whether this system can wait for a child through a file descriptor."""
    if not hasattr(os, "pidfd_open"):  # pragma: no cover - not Linux
        return False
    try:
        os.close(os.pidfd_open(os.getpid()))
    except OSError:  # pragma: no cover - Linux before 5.3
        return False
    return True


#: Whether the worker waits for its children with ``pidfd_open`` (and so
#: watches for the runner's going away itself).
_PIDFD = _can_watch_children()


def _serve_document(
    channel: _Channel, payload: dict[str, Any], progress_fd: int | None
) -> None:
    """Run one document in this process and send what it used."""
    missing = _MissingFinder()
    sys.meta_path.append(missing)
    _limit_memory(payload.get("memory_limit", 0))
    document = Document(payload, channel.send, progress_fd)
    try:
        document.run()
    except Exception as exc:  # a bug of ours: report
        channel.send({"type": Msg.ERROR, "text": engine_check.first_line(repr(exc))})
    channel.send(
        {
            "type": Msg.DEPS,
            "modules": document.modules.new(),
            "missing": sorted(set(missing.names)),
            "searched": list(missing.searched.values()),
            "searched_all": not missing.overflow,
            "shadows": document.modules.shadows(),
        }
    )


#: The process id of the runner's process (the warm worker's parent).
_RUNNER_PID = [0]
#: The warm worker's process id (in a child: its parent's).
_WORKER_PID = [0]
#: Whether documents run in forked children (else here, one per worker).
_FORK = [hasattr(os, "fork")]


def _run(channel: _Channel, payload: dict[str, Any], progress_fd: int | None) -> bool:
    """Run one document in a fresh child; ``True`` when this process must
    exit afterwards (no ``fork``: the document ran here)."""
    if not _FORK[0]:
        _note_scratch(payload["cwd"])
        _serve_document(channel, payload, progress_fd)
        channel.send({"type": Msg.END, "status": 0, "fresh": True})
        if hasattr(os, "killpg") and os.getpgid(0) == os.getpid():
            # What the examples started ends with them, and so does this
            # process (its own group: no waiting for threads left running).
            sys.stdout.flush()
            sys.stderr.flush()
            os.killpg(os.getpid(), signal.SIGKILL)
        return True
    sys.stdout.flush()
    sys.stderr.flush()
    _note_scratch(payload["cwd"])
    stderr_at = 0
    with contextlib.suppress(OSError):
        stderr_at = os.fstat(2).st_size
    pid = os.fork()
    if pid == 0:
        _run_in_child(channel, payload, progress_fd)
    # Which process runs the document, so a timeout can stop it and what it
    # started (a message: the progress file is writable by the examples),
    # and where its stderr starts (the runner may be documents behind).
    channel.send({"type": Msg.CHILD, "pid": pid, "stderr": stderr_at})
    _tell_guard(pid)
    status = _wait_child(pid, channel)
    # What the example started and left running ends with the document.
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)
    _tell_guard(0)
    # The next document, already waiting, starts in an empty directory.
    empty_dir(payload["cwd"])
    code = os.waitstatus_to_exitcode(status)
    end: dict[str, Any] = {"type": Msg.END, "status": code, "fresh": False}
    if progress_fd is not None:
        # where it got to (an exit with status 0 may stop it mid-way too),
        # before the next document notes its own progress
        with contextlib.suppress(OSError, struct.error):
            end["position"] = struct.unpack("<qq", os.pread(progress_fd, 16, 0))
    channel.send(end)
    return False


#: The write end of the guard's pipe, once there is a guard (see _start_guard).
_GUARD: list[int] = []
_GUARD_PID = struct.Struct("<q")


def _start_guard() -> None:
    """Fork the guard: a process that outlives this worker to end the
    process group of the document running when the worker died.

    A document's child dies with the worker (``prctl``), and the worker
    ends the child's group when the runner goes away; but when the runner
    and the worker are killed at the same instant (``kill -9`` of both, an
    out-of-memory kill), nobody is left to end what the examples started.
    The guard waits on a pipe that only this worker holds open, and is
    told the process group of each document as it starts and when it ends;
    when the pipe closes, the worker is gone, and the guard kills the group
    of the document running then. It costs one fork per worker and two
    small writes per document. Only where children die with their parent
    (Linux): elsewhere each child watches for itself (``_watch_parent``).
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid:
        os.close(read_end)
        _GUARD[:] = [write_end]
        return
    try:
        os.close(write_end)
        # A group of its own: the runner kills the worker's group when it
        # replaces the worker (a timeout, forged results), and the document
        # running then (perhaps one the runner has not heard of yet: up to
        # eight wait in the queue) must still be ended.
        with contextlib.suppress(OSError):
            os.setpgid(0, 0)
        # Hold nothing of the worker's open: the runner sees the worker's
        # end by the channel's closing, which a copy here would delay.
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.closerange(3, read_end)
        os.closerange(read_end + 1, os.sysconf("SC_OPEN_MAX"))
        group = 0
        pending = b""
        while True:
            try:
                chunk = os.read(read_end, 64)
            except InterruptedError:  # pragma: no cover - retried by Python
                continue
            if not chunk:
                break
            pending += chunk
            while len(pending) >= _GUARD_PID.size:
                (group,) = _GUARD_PID.unpack_from(pending)
                pending = pending[_GUARD_PID.size :]
        if group > 0:
            with contextlib.suppress(OSError):
                os.killpg(group, signal.SIGKILL)
    finally:
        os._exit(0)


def _tell_guard(group: int) -> None:
    """Tell the guard which process group runs a document (0: none)."""
    if _GUARD:
        with contextlib.suppress(OSError):
            os.write(_GUARD[0], _GUARD_PID.pack(group))


def _preload(names: list[str]) -> None:
    """Import the modules every document's setup code imports, once, so
    each forked child starts with them loaded."""
    with open(os.devnull, "w", encoding="utf-8") as null:
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = null
        try:
            for name in names:
                try:
                    __import__(name)
                except BaseException:  # the document's run reports it
                    continue
        finally:
            sys.stdout, sys.stderr = saved


def main() -> None:
    """Serve run requests until told to quit or the parent goes away."""
    fd_in, fd_out = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)
    sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115
    faulthandler.enable(file=sys.__stderr__ or sys.stderr, all_threads=False)
    if hasattr(signal, "SIGUSR1"):
        faulthandler.register(signal.SIGUSR1, file=sys.__stderr__ or sys.stderr)
    # No thread here: this process forks one child per document. Whether it
    # waits for a message or for a child, the runner's going away closes its
    # channel (see _wait_child; without pidfd_open the child watches).
    _RUNNER_PID[0] = os.getppid()
    _WORKER_PID[0] = os.getpid()
    try:
        channel = _Channel(fd_in, fd_out)
    except (EOFError, OSError):
        return
    channel.send({"type": Msg.READY, "pid": os.getpid()})
    progress_fd: int | None = None
    memory_limit = 0
    watch = ModuleWatch()
    while True:
        try:
            message = channel.recv()
        except (EOFError, KeyboardInterrupt, ProtocolError, OSError):
            return
        kind = message["type"]
        if kind == Msg.QUIT:
            return
        if kind == Msg.INIT:
            sys.path[:0] = message["sys_path"]
            progress_fd = message["progress_fd"]
            memory_limit = int(message.get("memory_limit", 0))
            _FORK[0] = hasattr(os, "fork") and bool(message.get("fork", True))
            watch = ModuleWatch()
            _preload(list(message.get("preload", ())))
            watch.update()
            _prime()
            if _FORK[0] and _PIDFD and _PRCTL is not None and not _GUARD:
                _start_guard()
        elif kind == Msg.RUN:
            if watch.stale():
                channel.send({"type": Msg.STALE})
                return
            try:
                payload = {**message, "memory_limit": memory_limit}
                if _run(channel, payload, progress_fd):
                    return
            except (KeyboardInterrupt, _RunnerGone):
                return
            except Exception as exc:  # a bug of ours: report, keep serving
                channel.send(
                    {"type": Msg.ERROR, "text": engine_check.first_line(repr(exc))}
                )
                channel.send({"type": Msg.END, "status": 0, "fresh": False})

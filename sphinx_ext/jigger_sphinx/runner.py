"""Run each document's examples in a fresh child of a warm worker process.

:class:`Runner` is the only public name. It needs no Sphinx; the Sphinx side
(and the pytest plugin) hand it :class:`~jigger_sphinx.model.Example` lists.

>>> from jigger_sphinx.model import Example
>>> with Runner(timeout=5) as runner:
...     outcomes = runner.run_document(
...         [Example("pycon", ">>> 6 * 7\\n42\\n", "doc.rst", 3)]
...     )
>>> [(o.status, o.lineno) for o in outcomes]
[('passed', 3)]
"""

from __future__ import annotations

import collections
import contextlib
import os
import queue
import secrets
import select
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import IO, Any

from ._protocol import (
    TOKEN_SIZE,
    FrameReader,
    Msg,
    ProtocolError,
    encode,
    option_flags,
    pack_example,
    rmtree,
)
from .model import Example, Outcome

__all__ = ["PendingDocument", "Runner"]

_ENGINE_DIR = os.path.dirname(os.path.abspath(__file__))

# Loads this directory as the private package "_jigger_engine" without running
# jigger_sphinx/__init__.py (which may import Sphinx), then serves requests.
_BOOT = """\
import sys, types
sys.path[:] = [p for p in sys.path if p not in ('', '.')]
pkg = types.ModuleType('_jigger_engine')
pkg.__path__ = [sys.argv[1]]
pkg.__package__ = '_jigger_engine'
sys.modules['_jigger_engine'] = pkg
del sys.argv[1:], pkg, types
from _jigger_engine._worker import main
main()
"""

# What _Messages.next returns besides the worker's messages.
_EOF = {"type": "<eof>"}
_TIMEOUT = {"type": "<timeout>"}
_FORGED = "<forged>"

#: The default memory limit of a document's process (bytes of address space).
DEFAULT_MEMORY_LIMIT = 2 * 1024**3


def _kill_child(child: list[int]) -> None:
    """Kill the process running a document (as the worker named it), and
    its process group."""
    pid, child[0] = child[0], 0
    if pid > 0 and hasattr(os, "killpg"):
        with contextlib.suppress(OSError, OverflowError):
            os.killpg(pid, signal.SIGKILL)


def _kill(proc: subprocess.Popen[bytes], *files: IO[bytes]) -> None:
    """Kill the worker and everything it started (its own session)."""
    if proc.poll() is None:
        try:
            if hasattr(os, "killpg"):
                os.killpg(proc.pid, signal.SIGKILL)
            else:  # pragma: no cover - Windows
                proc.kill()
        except (ProcessLookupError, PermissionError):
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
    proc.wait()
    for stream in (proc.stdin, proc.stdout, *files):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


#: A message from the worker and when the worker sent it
#: (``time.monotonic()``, comparable across processes).
_Stamped = tuple[float, dict[str, Any]]


class _Messages:
    """The worker's framed messages, read from its stdout when asked.

    No thread reads ahead: between collections the messages wait in the pipe,
    so the process building the docs is never interrupted to receive them
    (a reading thread had to take the interpreter lock from the Sphinx build
    once per example). Where ``select.poll`` does not exist (Windows), a
    thread reads frames into a queue instead.
    """

    def __init__(self, stream: IO[bytes], token: bytes) -> None:
        self._fd = stream.fileno()
        self._reader = FrameReader(token)
        self._eof = False
        self._forged = ""
        self._queue: queue.SimpleQueue[_Stamped] | None = None
        if hasattr(select, "poll"):
            # poll, not select: select cannot watch a descriptor above 1023,
            # which a long-running process may well hand out.
            self._poll = select.poll()
            self._poll.register(self._fd, select.POLLIN)
        else:  # pragma: no cover - Windows
            self._queue = queue.SimpleQueue()
            threading.Thread(target=self._pump, daemon=True).start()

    def _frame(self) -> _Stamped | None:
        """The next complete message in the buffer, if there is one."""
        if self._forged:
            return time.monotonic(), {"type": _FORGED, "text": self._forged}
        try:
            return self._reader.next()
        except ProtocolError as exc:
            # Not the worker's: something the examples wrote into the
            # channel. Nothing after it can be trusted.
            self._forged = str(exc)
            self._eof = True
            return time.monotonic(), {"type": _FORGED, "text": self._forged}

    def _fill(self) -> None:
        try:
            chunk = os.read(self._fd, 1 << 16)
        except OSError:
            chunk = b""
        if chunk:
            self._reader.feed(chunk)
        else:
            self._eof = True

    def _pump(self) -> None:  # pragma: no cover - Windows
        assert self._queue is not None
        while not self._eof:
            self._fill()
            while (found := self._frame()) is not None:
                self._queue.put(found)
        self._queue.put((time.monotonic(), _EOF))

    def next(self, deadline: float) -> _Stamped:
        """The next message; ``_TIMEOUT`` at ``deadline`` (``time.monotonic()``),
        ``_EOF`` once the worker's stdout is closed."""
        if self._queue is not None:  # pragma: no cover - Windows
            try:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return self._queue.get_nowait()
                return self._queue.get(timeout=remaining)
            except queue.Empty:
                return time.monotonic(), _TIMEOUT
        while True:
            found = self._frame()
            if found is not None:
                return found
            if self._eof:
                return time.monotonic(), _EOF
            remaining = deadline - time.monotonic()
            try:
                readable = self._poll.poll(max(remaining, 0) * 1000)
            except (OSError, ValueError):
                self._eof = True
                continue
            if readable:
                self._fill()
            elif remaining <= 0:
                return time.monotonic(), _TIMEOUT


class _Worker:
    """One worker subprocess, its message queue and its stderr file."""

    def __init__(
        self,
        sys_path: Sequence[str],
        env: Mapping[str, str] | None,
        preload: Sequence[str] = (),
        memory_limit: int = 0,
        fork: bool = True,
    ):
        # The working directory of every document this worker runs; emptied
        # after each document, removed with the worker. (One mkdir/rmdir per
        # document costs up to milliseconds on some file systems.)
        self.scratch = tempfile.mkdtemp(prefix="jigger-example-")
        self.stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        # The worker notes (example index, line) here before each example and
        # pycon statement, so a timeout or a crash can name the line.
        self.progress: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        pass_fds = (self.progress.fileno(),) if hasattr(os, "pwrite") else ()
        full_env = dict(os.environ)
        if env is not None:
            full_env.update(env)
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _BOOT, _ENGINE_DIR],
            stdin=subprocess.PIPE,
            pass_fds=pass_fds,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            env=full_env,
            start_new_session=hasattr(os, "setsid"),
        )
        assert self.proc.stdout is not None
        self.token = secrets.token_bytes(TOKEN_SIZE)
        #: the process running the current document (0: none)
        self.child = [0]
        self.messages = _Messages(self.proc.stdout, self.token)
        self.finalizer = weakref.finalize(
            self,
            _cleanup,
            os.getpid(),
            self.proc,
            (self.stderr, self.progress),
            self.scratch,
            self.child,
        )
        assert self.proc.stdin is not None
        with contextlib.suppress(OSError):
            self.proc.stdin.write(self.token)
        self.send(
            {
                "type": Msg.INIT,
                "sys_path": list(sys_path),
                "progress_fd": next(iter(pass_fds), None),
                "preload": list(preload),
                "memory_limit": int(memory_limit),
                "fork": bool(fork),
            }
        )
        self.ready = False
        self.ready_at = 0.0

    def wait_ready(self, seconds: float) -> str | None:
        """Wait until the worker has started (at most ``seconds`` from its
        launch); the problem, if it did not."""
        if self.ready:
            return None
        self.ready_at, message = self.recv(self.started + seconds)
        if message["type"] == Msg.READY:
            self.ready = True
            return None
        if message is _TIMEOUT:
            return f"the examples worker did not start within {seconds:g}s"
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=2)
        code = self.proc.poll()
        return f"the examples worker did not start (exit code {code})"

    def send(self, message: dict[str, Any]) -> bool:
        """Send a message; ``False`` if the worker is gone."""
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(encode(self.token, message))
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError, ProtocolError):
            return False
        return True

    def recv(self, deadline: float) -> _Stamped:
        """The next message and when the worker sent it; ``_TIMEOUT`` at
        ``deadline``, ``_EOF`` when the worker is gone."""
        return self.messages.next(deadline)

    def position(self, index: int, noted: Any = None) -> int | None:
        """The line the worker noted last, if it was in example ``index``:
        ``noted`` (``[index, line]`` as the worker read it when the
        document's process ended: the worker may have gone on to the next
        document since), else what the progress file says now."""
        with contextlib.suppress(OSError, struct.error, TypeError, ValueError):
            if noted is None:
                noted = struct.unpack("<qq", os.pread(self.progress.fileno(), 16, 0))
            at, line = int(noted[0]), int(noted[1])
            if at == index and 0 < line < 1 << 31:  # examples can write there
                return line
        return None

    def stderr_size(self) -> int:
        return os.fstat(self.stderr.fileno()).st_size

    def stderr_since(self, offset: int, limit: int = 8000) -> str:
        size = self.stderr_size()
        start = max(offset, size - limit)
        data = os.pread(self.stderr.fileno(), size - start, start)
        return data.decode("utf-8", "replace")

    def dump_stack(self, offset: int) -> str:
        """Ask a running worker for its stack (faulthandler), briefly."""
        if not hasattr(signal, "SIGUSR1") or self.proc.poll() is not None:
            return ""
        pid = self.child[0] or self.proc.pid
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGUSR1)
        end = time.monotonic() + 0.3
        size = self.stderr_size()
        while time.monotonic() < end:
            time.sleep(0.01)
            new = self.stderr_size()
            if new > offset and new == size:
                break
            size = new
        return self.stderr_since(offset)

    def kill(self) -> int:
        """Kill the worker; returns its exit status."""
        self.finalizer()
        return self.proc.returncode


def _cleanup(
    owner: int,
    proc: subprocess.Popen[bytes],
    files: Sequence[IO[bytes]],
    scratch: str,
    child: list[int],
) -> None:
    """Stop a worker and remove its files, in the process that started it
    only (a forked child holding a copy must leave the parent's worker be)."""
    if os.getpid() != owner:
        return
    _kill_child(child)
    _kill(proc, *files)
    rmtree(scratch)


def _exit_summary(returncode: int) -> str:
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"the worker process was killed by {name} (exit code {returncode})"
    return f"the worker process exited with code {returncode}"


def _stack_lines(dump: str) -> str:
    """The frames of a faulthandler dump that are not the engine's."""
    kept: list[str] = []
    for line in dump.splitlines():
        text = line.strip()
        if not text.startswith("File "):
            continue
        if _ENGINE_DIR in text or "threading.py" in text or '"<string>"' in text:
            continue
        kept.append("  " + text)
    return "\n".join(kept)


def _without_engine_frames(text: str) -> str:
    """A faulthandler dump without the engine's and the bootstrap's frames."""
    return "\n".join(
        line
        for line in text.splitlines()
        if not (
            line.strip().startswith("File ")
            and (_ENGINE_DIR in line or '"<string>"' in line)
        )
    )


class Runner:
    """Runs documents' examples in a worker subprocess; one instance per process.

    Each call of :meth:`run_document` runs one document's examples inside
    the worker, namespace by namespace: the document's own examples
    (``group`` ``None``) in a fresh ``__main__`` module, each
    ``sphinx.ext.doctest`` group in a fresh dict of its own (see
    :class:`~jigger_sphinx.model.Example`). Each namespace runs ``setup``
    first, then its examples in order, then ``cleanup``; state is shared
    within a namespace only. The examples of one namespace are expected to
    be consecutive, as the collector orders them: where they are not, each
    consecutive part runs ``setup`` again, and a group's part starts with a
    fresh dict.

    **Writes.** Examples run with a private temporary directory as their
    working directory; it is empty when a document starts, emptied when the
    document ends and removed with the worker. So an example that writes
    ``open("out.txt", "w")`` or ``Path("data").mkdir()`` never touches the
    project tree, and leaves nothing behind. (An absolute path is written
    where it points: the runner is no sandbox.) The worker's file descriptors
    0 and 1 are ``/dev/null``; ``print`` output is captured per example.

    **Failures.** Nothing the reader's code does makes :meth:`run_document`
    raise: exceptions, ``SystemExit`` (the exit code is named),
    ``KeyboardInterrupt`` and other ``BaseException``, output beyond
    ``max_output`` characters, and an example running longer than
    ``timeout`` seconds (the worker is killed and replaced; the document's
    later examples are reported ``not-run`` with the reason), or a worker
    that dies (``os._exit``, a segfault: the exit code or signal is named).

    **Fresh state.** The worker is started once and stays warm: it imports
    ``preload`` once, then forks a child per document (a fresh process per
    document where ``os.fork`` does not exist), so every document starts
    from the same interpreter state whatever ran before. The child runs in a
    process group of its own, which is killed when the document ends: the
    threads and processes an example leaves behind end with it. The worker
    is replaced after a timeout, when results were forged, and before a
    document when a preloaded module outside the Python installation has
    changed on disk. :meth:`restart` replaces it on demand.

    **Limits.** ``memory_limit`` bytes of address space per document
    (``RLIMIT_AS``; an example that needs more fails naming the limit and
    the rest of the document is not run); failure summaries and details are
    bounded in size (``jigger_sphinx._protocol``).

    :param timeout: seconds one example (or the setup code) may run.
    :param max_output: characters one example may write to stdout and
        stderr together.
    :param sys_path: entries put in front of the worker's ``sys.path``
        (made absolute against the current directory); the parent's
        ``sys.path`` is never changed.
    :param env: environment variables set for the worker, on top of
        ``os.environ``.
    :param memory_limit: bytes of address space each document's process may
        use; ``0`` for no limit.
    :param preload: modules the warm worker imports once (failures ignored).
    :param fork: ``True`` (the default) forks each document's process from
        the warm worker; ``False`` runs each document in a worker process of
        its own, started fresh (an interpreter start per document, for code
        that does not survive ``fork``). Without ``os.fork`` it is ``False``.
    :param max_in_flight: how many submitted documents may wait for the
        worker before :meth:`submit_document` collects the oldest one (with
        ``fork`` only: otherwise one, each document's worker starting when
        the previous one is done).

    A runner is a context manager; :meth:`close` stops the worker. Calls are
    serialised by a lock; after ``os.fork()`` the child process starts its
    own worker rather than sharing the parent's.
    """

    def __init__(
        self,
        *,
        timeout: float = 10.0,
        max_output: int = 1_000_000,
        sys_path: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        memory_limit: int = DEFAULT_MEMORY_LIMIT,
        preload: Sequence[str] = (),
        fork: bool = True,
        max_in_flight: int = 8,
    ) -> None:
        if not timeout > 0:
            raise ValueError(f"timeout must be a positive number, got {timeout!r}")
        if max_output < 1:
            raise ValueError(f"max_output must be at least 1, got {max_output!r}")
        self.timeout = float(timeout)
        self.max_output = int(max_output)
        self.sys_path = tuple(os.path.abspath(p) for p in sys_path)
        self.env = dict(env) if env is not None else None
        if memory_limit < 0:
            raise ValueError(f"memory_limit must be 0 or more, got {memory_limit!r}")
        self.memory_limit = int(memory_limit)
        self.preload = tuple(preload)
        self.fork = bool(fork) and hasattr(os, "fork")
        if max_in_flight < 1:
            raise ValueError(f"max_in_flight must be at least 1, got {max_in_flight!r}")
        self.max_in_flight = int(max_in_flight)
        self._worker: _Worker | None = None
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._closed = False
        # Documents sent to the worker whose outcomes are not collected yet,
        # in the order the worker runs them.
        self._queue: collections.deque[PendingDocument] = collections.deque()

    # -- worker management ----------------------------------------------------

    def _after_fork(self) -> None:
        """In a forked child, forget the parent's worker (and lock): the
        child starts its own worker when it needs one."""
        if self._pid != os.getpid():
            self._worker = None
            self._queue = collections.deque()
            self._pid = os.getpid()
            self._lock = threading.Lock()

    def _get_worker(self) -> _Worker:
        self._closed = False
        if self._worker is None or self._worker.proc.poll() is not None:
            if self._worker is not None:
                self._worker.kill()
            self._worker = self._new_worker()
        return self._worker

    def _new_worker(self) -> _Worker:
        return _Worker(
            self.sys_path, self.env, self.preload, self.memory_limit, self.fork
        )

    def _replace_worker(self) -> None:
        if self._worker is not None:
            self._worker.kill()
        # Start the next one now, so it boots while the caller does other work.
        self._worker = None if self._closed else self._new_worker()

    @property
    def worker_pid(self) -> int | None:
        """The process id of the current worker (``None`` before the first
        document or after :meth:`close`)."""
        return self._worker.proc.pid if self._worker is not None else None

    def start(self) -> None:
        """Start the worker now rather than at the first document."""
        self._after_fork()
        with self._lock:
            self._get_worker()

    def restart(self) -> None:
        """Replace the worker (fresh imports for the next document)."""
        self._after_fork()
        with self._lock:
            self._collect_all()
            if self._worker is not None:
                self._replace_worker()

    def close(self) -> None:
        """Stop the worker. The runner can be used again afterwards (a new
        worker is started on demand)."""
        self._after_fork()
        with self._lock:
            self._closed = True
            for pending in self._queue:
                pending._outcomes = [
                    Outcome(
                        "not-run",
                        ex.lineno,
                        "not run: the runner was closed before the document's"
                        " outcomes were collected",
                    )
                    for ex in pending.examples
                ]
            self._queue.clear()
            if self._worker is not None:
                self._worker.kill()
            self._worker = None

    def __enter__(self) -> Runner:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- running ----------------------------------------------------------------

    def run_document(
        self,
        examples: Sequence[Example],
        *,
        setup: str = "",
        cleanup: str = "",
        app_name: str = "app",
        default_options: Sequence[tuple[str, bool]] = (),
        doctest_flags: int = 0,
    ) -> list[Outcome]:
        """Run one document's examples; one :class:`Outcome` per example, in
        the same order.

        :param examples: the document's examples, in document order.
        :param setup: code run first in each fresh namespace (for example
            config's ``jigger_setup``); if it fails, the namespace's first
            example fails naming it and its others are ``not-run``.
        :param cleanup: code run last in each namespace (for example
            ``doctest_global_cleanup``); if it fails, the namespace's last
            example fails naming it.
        :param app_name: the namespace name of the WSGI app ``http``
            examples are sent to.
        :param default_options: doctest flags for every example of the
            document's own namespace, under each example's own ``options``.
        :param doctest_flags: the default option flags (an ``int``) of the
            examples of ``sphinx.ext.doctest`` groups.
        :raises ValueError: for an unknown name in ``default_options`` (a
            configuration error, not the reader's code).
        """
        return self.submit_document(
            examples,
            setup=setup,
            cleanup=cleanup,
            app_name=app_name,
            default_options=default_options,
            doctest_flags=doctest_flags,
        ).outcomes()

    def submit_document(
        self,
        examples: Sequence[Example],
        *,
        setup: str = "",
        cleanup: str = "",
        app_name: str = "app",
        default_options: Sequence[tuple[str, bool]] = (),
        doctest_flags: int = 0,
    ) -> PendingDocument:
        """Start running one document's examples and return at once; the
        outcomes come from :meth:`PendingDocument.outcomes`.

        The worker runs the document while the caller does other work (the
        Sphinx build reads the next pages). Up to ``max_in_flight``
        documents wait in the worker's queue, run in the order they were
        submitted; submitting one more first collects the oldest one's
        outcomes (waiting for it if need be), so the caller waits only when
        the worker is that many documents behind. Timeouts are measured
        from when the worker reported each step, so collecting late never
        turns a fast example into a timeout. The arguments are those of
        :meth:`run_document`.

        >>> from jigger_sphinx.model import Example
        >>> with Runner(timeout=5) as runner:
        ...     pending = runner.submit_document(
        ...         [Example("pycon", ">>> sum(range(4))\\n6\\n", "doc.rst", 8)]
        ...     )
        ...     # ... other work here, while the worker runs the example ...
        ...     [o.status for o in pending.outcomes()]
        ['passed']
        """
        flags = option_flags(default_options)
        pending = PendingDocument(self, list(examples))
        if not examples:
            pending._outcomes = []
            return pending
        pending.payload = {
            "type": Msg.RUN,
            "examples": [pack_example(ex) for ex in examples],
            "setup": setup,
            "cleanup": cleanup,
            "doctest_flags": doctest_flags,
            "app_name": app_name,
            "flags": flags,
            "max_output": self.max_output,
        }
        self._after_fork()
        with self._lock:
            # no fork: each document has a worker of its own, started when
            # the previous one's is done with it
            limit = self.max_in_flight if self.fork else 1
            while len(self._queue) >= limit:
                self._collect_oldest()
            self._guarded(self._send, pending)
            self._queue.append(pending)
        return pending

    def _guarded(
        self, step: Callable[[PendingDocument], Any], pending: PendingDocument
    ) -> Any:
        try:
            return step(pending)
        except BaseException:
            # Interrupted (Ctrl-C in the parent) with the worker mid-way:
            # its pending messages would confuse the next documents.
            if self._worker is not None:
                self._worker.kill()
                self._worker = None
            self._queue.clear()
            raise

    def _collect_oldest(self) -> None:
        """Collect the first document in the queue (the lock is held)."""
        pending = self._queue[0]
        self._guarded(self._finish, pending)  # on an exception: queue cleared
        self._queue.popleft()
        # The documents sent after it went to a worker that has since been
        # replaced (a timeout, a crash, a stale module): they go to the new
        # one, in order, before any document submitted later.
        for later in self._queue:
            if later.worker is not self._worker:
                self._send(later)

    def _collect_all(self) -> None:
        """Collect every document in the queue (the lock is held)."""
        while self._queue:
            self._collect_oldest()

    def _send(self, pending: PendingDocument) -> None:
        """Hand the document to the worker, without waiting for it."""
        worker = self._get_worker()
        pending.worker = worker
        # where its stderr starts, until the worker says (it may still be
        # running an earlier document)
        pending.offset = worker.stderr_size()
        pending.sent = worker.send({**pending.payload, "cwd": worker.scratch})
        pending.sent_at = time.monotonic()

    def _finish(self, pending: PendingDocument) -> None:
        """Collect a sent document's outcomes (the lock is held)."""
        examples = pending.examples
        outcomes: list[Outcome | None] = [None] * len(examples)
        # A worker whose imported modules changed on disk says "stale" and
        # exits; the document then runs again on a fresh one.
        for attempt in range(3):
            if attempt:
                self._replace_worker()
                self._send(pending)
            if not self._collect(pending, outcomes):
                break
        pending._outcomes = [
            o
            if o is not None
            else Outcome(
                "not-run", ex.lineno, "not run: the worker stopped unexpectedly"
            )
            for o, ex in zip(outcomes, examples, strict=True)
        ]

    def _collect(
        self, pending: PendingDocument, outcomes: list[Outcome | None]
    ) -> bool:
        """Read one run's messages; ``True`` if the worker was stale."""
        worker = pending.worker
        assert worker is not None
        examples = pending.examples
        offset = pending.offset
        problem = worker.wait_ready(max(60.0, self.timeout))
        if problem is not None:
            detail = worker.stderr_since(offset).strip()
            self._replace_worker()
            for i, example in enumerate(examples):
                outcomes[i] = Outcome("failed", example.lineno, problem, detail)
            return False
        current = -1  # the setup code runs first
        # The setup code started when the worker had both booted and
        # received the document; each later step when the worker sent
        # the message before it. A step is never given up on less than
        # the timeout after collecting started: until then the worker
        # may have been waiting to write into a full pipe.
        collecting = time.monotonic()
        last = max(pending.sent_at, worker.ready_at)
        while True:
            if pending.sent:
                sent_at, message = worker.recv(max(last, collecting) + self.timeout)
            else:
                sent_at, message = time.monotonic(), _EOF
            kind = message["type"]
            if kind == Msg.STALE:
                return True
            if message is _TIMEOUT:
                self._timed_out(examples, outcomes, current, worker, offset)
                break
            if message is _EOF:
                self._died(examples, outcomes, current, worker, offset)
                break
            if kind == _FORGED:
                self._forged(examples, outcomes, current, message["text"])
                break
            if kind == Msg.CHILD:
                worker.child[0] = int(message["pid"])
                offset = pending.offset = int(message.get("stderr", offset))
            elif kind == Msg.SETUP:
                current = 0
            elif kind == Msg.RESULT:
                index = message["index"]
                if index != current or not 0 <= index < len(examples):
                    self._forged(examples, outcomes, current, "a result out of order")
                    break
                outcomes[index] = Outcome(
                    message["status"],
                    message["lineno"],
                    message["summary"],
                    message["detail"],
                    message["duration"],
                )
                pending.modules.extend(message.get("modules", ()))
                current = index + 1
            elif kind == Msg.DEPS:
                pending.modules.extend(message.get("modules", ()))
                pending.deps = message
            elif kind == Msg.END:
                worker.child[0] = 0
                if current < len(examples):
                    self._died(examples, outcomes, current, worker, offset, message)
                if message.get("fresh"):  # the worker ran it and exits
                    self._replace_worker()
                break
            elif kind == Msg.ERROR:  # a bug of ours, reported
                for i in range(max(current, 0), len(examples)):
                    outcomes[i] = Outcome(
                        "failed",
                        examples[i].lineno,
                        f"internal error in the examples worker: {message['text']}",
                    )
                current = len(examples)
            last = sent_at
        return False

    def _fill_not_run(
        self,
        examples: list[Example],
        outcomes: list[Outcome | None],
        start: int,
        reason: str,
    ) -> None:
        for i in range(start, len(examples)):
            outcomes[i] = Outcome("not-run", examples[i].lineno, reason)

    def _timed_out(
        self,
        examples: list[Example],
        outcomes: list[Outcome | None],
        current: int,
        worker: _Worker,
        offset: int,
    ) -> None:
        if current >= len(examples):
            # every example reported: the process stopped on its way out
            self._replace_worker()
            return
        index = max(current, 0)
        example = examples[index]
        line = worker.position(index) if current >= 0 else None
        stack = _stack_lines(worker.dump_stack(offset))
        self._replace_worker()
        limit = f"{self.timeout:g}s"
        what = "the document's setup code" if current < 0 else "the example"
        detail = f"{what} ran longer than {limit} and was stopped"
        if stack:
            detail += "; where it was:\n" + stack
        lineno = line or example.lineno
        summary = f"timed out after {limit}"
        if current < 0:
            summary = f"setup code timed out after {limit}"
        outcomes[index] = Outcome("failed", lineno, summary, detail, self.timeout)
        self._fill_not_run(
            examples,
            outcomes,
            index + 1,
            f"not run: an earlier example in this document timed out (line {lineno})",
        )

    def _forged(
        self,
        examples: list[Example],
        outcomes: list[Outcome | None],
        current: int,
        problem: str,
    ) -> None:
        """Something other than the worker wrote into its channel (an example
        did): the example fails, the worker is replaced, the rest not run."""
        index = min(max(current, 0), len(examples) - 1)
        lineno = examples[index].lineno
        self._replace_worker()
        outcomes[index] = Outcome(
            "failed",
            lineno,
            "the example wrote into the examples worker's result channel",
            f"{problem}; results after this point cannot be trusted",
        )
        self._fill_not_run(
            examples,
            outcomes,
            index + 1,
            "not run: an earlier example wrote into the result channel "
            f"(line {lineno})",
        )

    def _died(
        self,
        examples: list[Example],
        outcomes: list[Outcome | None],
        current: int,
        worker: _Worker,
        offset: int,
        end: dict[str, Any] | None = None,
    ) -> None:
        """The document's process ended before its last example reported:
        the child, whose exit status came in ``end`` (``os._exit``, a
        signal; the warm worker lives on), or, without ``end``, the worker
        itself (ended or stopped answering: it is replaced)."""
        if end is not None:
            summary = _exit_summary(int(end.get("status", 0)))
        else:
            with contextlib.suppress(subprocess.TimeoutExpired):
                worker.proc.wait(timeout=2)
            returncode = worker.proc.poll()
            summary = (
                _exit_summary(returncode)
                if returncode is not None
                else "the worker process stopped answering"
            )
        noted = end.get("position") if end is not None else None
        line = worker.position(current, noted) if current >= 0 else None
        output = worker.stderr_since(offset)
        if end is None:
            self._replace_worker()
        self._record_death(examples, outcomes, current, line, summary, output)

    def _record_death(
        self,
        examples: list[Example],
        outcomes: list[Outcome | None],
        current: int,
        line: int | None,
        summary: str,
        stderr: str,
    ) -> None:
        """Fail the example that was running (``current``; below 0, the
        setup code) at the line it had reached, with what the process wrote
        to stderr, and mark the rest of the document not run. Nothing, if
        every example had reported (it died on its way out)."""
        if current >= len(examples):
            return
        index = max(current, 0)
        if current < 0:
            summary = f"setup code: {summary}"
        lineno = line or examples[index].lineno
        detail = _without_engine_frames(stderr).strip()
        detail = detail or "(the worker wrote nothing to stderr)"
        outcomes[index] = Outcome("failed", lineno, summary, detail)
        self._fill_not_run(
            examples,
            outcomes,
            index + 1,
            "not run: the worker process died during an earlier example "
            f"(line {lineno})",
        )


class PendingDocument:
    """A document handed to the worker by :meth:`Runner.submit_document`."""

    def __init__(self, runner: Runner, examples: list[Example]) -> None:
        self._runner = runner
        self.examples = examples
        self.payload: dict[str, Any] = {}
        self.worker: _Worker | None = None
        self.offset = 0
        self.sent = False
        self.sent_at = 0.0
        #: What the examples ran against, as the worker reported it (the
        #: ``deps`` message of ``jigger_sphinx._protocol``), once collected.
        self.deps: dict[str, Any] | None = None
        #: ``[path, mtime_ns, size]`` of the modules (outside the standard
        #: library) the examples had loaded, as far as the worker reported
        #: them (all of them once :attr:`deps` is set).
        self.modules: list[list[Any]] = []
        self._outcomes: list[Outcome] | None = None

    @property
    def done(self) -> bool:
        """Whether the outcomes have been collected."""
        return self._outcomes is not None

    def outcomes(self) -> list[Outcome]:
        """One :class:`Outcome` per example, in order; waits for the worker
        if it is still running the document."""
        if self._outcomes is None:
            runner = self._runner
            runner._after_fork()
            with runner._lock:
                if self._outcomes is None:
                    if self not in runner._queue:
                        raise RuntimeError(
                            "this document was submitted by another process"
                        )
                    while self._outcomes is None:
                        runner._collect_oldest()
        assert self._outcomes is not None
        return list(self._outcomes)

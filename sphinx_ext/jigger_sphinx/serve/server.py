"""The live server: build a book, serve it, rebuild it when a source changes.

:class:`DocsServer` ties the parts together: a
:class:`~jigger_sphinx.serve.build.BookBuilder`, the application of
:func:`~jigger_sphinx.serve.app.create_app` on Werkzeug's threaded server,
and a :class:`~jigger_sphinx.serve.watch.SourceWatcher` whose batches of
changes start the next build.

The server is meant for one person's machine, but it does not trust its
clients to behave: a connection that sends nothing for ``idle_timeout``
seconds is closed, and so is one that takes longer than ``head_timeout``
seconds to send a request line and headers (a *slowloris* client, sending a
byte now and then, would otherwise hold one thread each for ever).
"""

from __future__ import annotations

import io
import os
import socket
import threading
import time
import typing as t
from collections.abc import Iterator
from pathlib import Path

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .app import LIVE_PREFIX, LONG_POLL_SECONDS, create_app
from .build import BookBuilder, BuildResult, BuildStatus, Echo, _quiet
from .watch import SourceWatcher, read_watch_paths

__all__ = ["HEAD_TIMEOUT", "IDLE_TIMEOUT", "DocsServer"]

#: Seconds a connection may stay silent (between two requests, or in the
#: middle of one) before the server closes it.
IDLE_TIMEOUT = 15.0
#: Seconds a client has to send a request's first line and headers.
HEAD_TIMEOUT = 20.0


class _DeadlineSocketReader(io.RawIOBase):
    """The connection's input: each read waits at most the idle timeout,
    and while the request's head is being read, no longer than its
    deadline."""

    def __init__(self, sock: socket.socket, handler: _BoundedHandler) -> None:
        super().__init__()
        self._sock = sock
        self._handler = handler

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: t.Any) -> int:
        timeout = self._handler.idle_timeout
        deadline = self._handler.head_deadline
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the request head took too long")
            timeout = min(timeout, left)
        self._sock.settimeout(timeout)
        return self._sock.recv_into(buffer)


class _BoundedHandler(WSGIRequestHandler):
    """Werkzeug's request handler with an idle timeout and a deadline for
    the request head; it logs requests except the status polls."""

    idle_timeout: float = IDLE_TIMEOUT
    head_timeout: float = HEAD_TIMEOUT
    log_requests: bool = True
    head_deadline: float | None = None

    timeout = IDLE_TIMEOUT  # also bounds each write (set with idle_timeout)

    def setup(self) -> None:
        super().setup()
        self.rfile = io.BufferedReader(_DeadlineSocketReader(self.connection, self))

    def handle_one_request(self) -> None:
        self.head_deadline = time.monotonic() + self.head_timeout
        super().handle_one_request()

    def parse_request(self) -> bool:
        ok = super().parse_request()
        self.head_deadline = None
        # The last read of the head may have left a shorter timeout behind;
        # the body and the response get the idle timeout again.
        self.connection.settimeout(self.idle_timeout)
        return ok

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if not self.log_requests or self.path.startswith(f"{LIVE_PREFIX}/"):
            return
        super().log_request(code, size)

    def log_error(self, format: str, *args: t.Any) -> None:
        if format.startswith("Request timed out"):
            return  # a slow or gone client is not the server's error
        super().log_error(format, *args)


class DocsServer:
    """Build a book, serve it, and rebuild it when its sources change.

    :param source: the sources folder.
    :param conf: the folder of ``conf.py``.
    :param out: the served build folder.
    :param host: the address to listen on.
    :param port: the port; ``0`` picks a free one (see :attr:`port`).
    :param watch: rebuild when a watched file changes.
    :param quiet_ms: milliseconds without a further file event before a
        rebuild starts.
    :param force_polling: poll the files instead of using file events.
    :param warm: keep Sphinx loaded between builds (see
        :class:`~jigger_sphinx.serve.build.BookBuilder`).
    :param idle_timeout: seconds a silent connection stays open.
    :param head_timeout: seconds a client has to send a request's head.
    :param long_poll_seconds: the longest a status request waits.
    :param echo: prints progress, errors and the URL (default: nothing).
    :param log_requests: let Werkzeug log each request.

    Use it as a context manager (tests) or call :meth:`serve_forever`:

    .. jigger: skip because it builds and serves a whole book

    .. code-block:: python

        with DocsServer(Path("docs"), Path("conf"), Path("build/html")) as s:
            print(s.start_url)
    """

    def __init__(
        self,
        source: Path,
        conf: Path,
        out: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        watch: bool = True,
        quiet_ms: int = 50,
        force_polling: bool | None = None,
        warm: bool = True,
        idle_timeout: float = IDLE_TIMEOUT,
        head_timeout: float = HEAD_TIMEOUT,
        long_poll_seconds: float = LONG_POLL_SECONDS,
        echo: Echo = _quiet,
        log_requests: bool = False,
    ) -> None:
        self.status = BuildStatus()
        self.builder = BookBuilder(
            source, conf, out, status=self.status, echo=echo, warm=warm
        )
        self.host = host
        self.watch = watch
        self.quiet_ms = quiet_ms
        self.force_polling = force_polling
        self.echo = echo
        self.app = create_app(
            self.builder.out, self.status, long_poll_seconds=long_poll_seconds
        )
        self._handler = type(
            "DocsRequestHandler",
            (_BoundedHandler,),
            {
                "idle_timeout": idle_timeout,
                "timeout": idle_timeout,
                "head_timeout": head_timeout,
                "log_requests": log_requests,
            },
        )
        self._requested_port = port
        self._server: BaseWSGIServer | None = None
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self._watching = threading.Event()

    def build(self) -> BuildResult:
        """Run one build now (the first one, before :meth:`start`)."""
        return self.builder.build()

    def watched_paths(self) -> list[Path]:
        """The sources, the configuration folder and ``jigger_watch``."""
        b = self.builder
        return [b.source, b.conf, *read_watch_paths(b.conf)]

    def start(self) -> None:
        """Start serving (and watching) in background threads."""
        if self._server is not None:
            raise RuntimeError("the server is already running")
        self.builder.out.mkdir(parents=True, exist_ok=True)
        self._server = make_server(
            self.host,
            self._requested_port,
            self.app,
            threaded=True,
            request_handler=self._handler,
        )
        self._stop.clear()
        self._watching.clear()
        self._threads = [
            threading.Thread(
                target=self._server.serve_forever,
                name="jigger-docs-server",
                daemon=True,
            )
        ]
        if self.watch:
            self._threads.append(
                threading.Thread(
                    target=self._watch_loop, name="jigger-docs-watch", daemon=True
                )
            )
            # Sphinx loads while the reader looks at the first page.
            self.builder.start()
        for thread in self._threads:
            thread.start()
        if self.watch:
            # A change made once start() returns makes a build.
            self._watching.wait(timeout=10)

    @property
    def port(self) -> int:
        """The port the server listens on."""
        if self._server is None:
            raise RuntimeError("the server is not running")
        return int(self._server.server_port)

    @property
    def url(self) -> str:
        """The server's root URL, ending with ``/``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    @property
    def start_url(self) -> str:
        """The foreword's URL (the index's when there is no foreword)."""
        name = "foreword.html"
        if not (self.builder.out / name).is_file():
            name = "index.html"
        return self.url + name

    def stop(self) -> None:
        """Stop serving and watching, and stop a running build."""
        self._stop.set()
        self.status.close()
        self.builder.cancel()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=30)
        self._threads = []
        self._server = None

    def __enter__(self) -> DocsServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Start, print the URL, and run until Ctrl+C."""
        self.start()
        self.echo(f"jigger-docs: serving the book on {self.start_url}")
        if self.watch:
            self.echo("jigger-docs: watching for changes; press Ctrl+C to stop")
        else:
            self.echo("jigger-docs: press Ctrl+C to stop")
        try:
            while not self._stop.wait(3600):
                pass
        except KeyboardInterrupt:
            self.echo("jigger-docs: stopping")
        finally:
            self.stop()

    def _batches(self) -> Iterator[list[str]]:
        """Batches of changed files, following ``conf.py``'s ``jigger_watch``
        when it changes."""
        b = self.builder
        conf_py = str(b.conf / "conf.py")
        while not self._stop.is_set():
            watcher = SourceWatcher(
                self.watched_paths(),
                (b.out, b.staging),
                quiet_ms=self.quiet_ms,
                force_polling=self.force_polling,
            )
            for changed in watcher.changes(self._stop, self._watching):
                yield changed
                if conf_py in changed and set(watcher.paths) != {
                    p.resolve() for p in self.watched_paths()
                }:
                    break  # watch the new jigger_watch paths from now on
            else:
                return

    def _watch_loop(self) -> None:
        for changed in self._batches():
            if self._stop.is_set():
                return
            shown = ", ".join(os.path.relpath(p) for p in changed[:5]) + (
                " ..." if len(changed) > 5 else ""
            )
            self.echo(f"jigger-docs: changed: {shown}; rebuilding")
            try:
                result = self.builder.build(changed)
            except Exception as e:  # keep serving whatever happens
                self.echo(f"jigger-docs: the build crashed: {e!r}")
                continue
            if not result.ok and not self._stop.is_set():
                self.echo("jigger-docs: the last good build stays served")

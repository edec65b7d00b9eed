"""A real server: ``portapp/server_app.py`` served by gunicorn, hit over HTTP.

The server runs in a subprocess bound to 127.0.0.1 on a free port, one per
test module (and so one per xdist worker); a fixture finalizer stops it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest

from .._http import Reply, gunicorn_no_control_socket, send

pytestmark = pytest.mark.slow

APP_ROOT = Path(__file__).parent  # holds the portapp package
START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
REQUEST_TIMEOUT = 10.0


@dataclass
class Server:
    port: int
    log: Path

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        return send(
            "127.0.0.1",
            self.port,
            path,
            method=method,
            body=body,
            headers=headers,
            timeout=REQUEST_TIMEOUT,
        )

    def upload_chunked(
        self, path: str, parts: list[bytes], headers: dict[str, str]
    ) -> Reply:
        """POST *parts* with ``Transfer-Encoding: chunked`` (no Content-Length)."""
        return send(
            "127.0.0.1",
            self.port,
            path,
            method="POST",
            body=iter(parts),
            headers=headers,
            timeout=REQUEST_TIMEOUT,
            chunked=True,
        )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)


def _answers(process: subprocess.Popen[bytes], port: int, token: str) -> bool:
    """Wait until the server on *port* answers with *token*; False if it died."""
    deadline = time.monotonic() + START_TIMEOUT
    probe = Server(port, Path())
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            reply = probe.request("GET", "/token")
        except OSError:
            time.sleep(0.1)
            continue
        # Someone else's server on a reused port would not know our token.
        return reply.status == 200 and reply.text == token
    return False


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    pytest.importorskip(
        "gunicorn", reason="gunicorn is not installed; the real-server test needs it"
    )
    log_dir = tmp_path_factory.mktemp("gunicorn")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(APP_ROOT), env.get("PYTHONPATH", "")) if p
    )
    started: list[subprocess.Popen[bytes]] = []
    attempts: list[str] = []
    try:
        # A free port can be taken by someone else before gunicorn binds it: retry.
        for attempt in range(3):
            port = _free_port()
            token = uuid.uuid4().hex
            env["PORTAPP_TOKEN"] = token
            log = log_dir / f"server-{attempt}.log"
            with log.open("wb") as log_file:
                process = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        "--workers=1",
                        f"--bind=127.0.0.1:{port}",
                        "--graceful-timeout=3",
                        "--timeout=30",
                        *gunicorn_no_control_socket(),
                        "portapp.server_app:app",
                    ],
                    cwd=APP_ROOT,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                )
            started.append(process)
            if _answers(process, port, token):
                yield Server(port, log)
                return
            _stop(process)
            attempts.append(f"port {port}:\n{log.read_text(errors='replace')}")
        pytest.fail("gunicorn did not start:\n" + "\n".join(attempts))
    finally:
        for process in started:
            _stop(process)


def test_get_text(server: Server) -> None:
    reply = server.request("GET", "/")
    assert reply.status == 200
    assert reply.text == "Hello from gunicorn"
    assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
    assert reply.headers["Content-Length"] == str(len(reply.body))


def test_get_json_with_converter(server: Server) -> None:
    reply = server.request("GET", "/items/2")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "application/json"
    assert json.loads(reply.body) == {"id": 2, "name": "vermouth"}


def test_post_form(server: Server) -> None:
    body = urlencode({"name": "Zoë", "drink": "gin & tonic"}).encode()
    reply = server.request(
        "POST",
        "/order",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert reply.status == 200
    assert reply.text == "Zoë ordered gin & tonic"


def test_post_json(server: Server) -> None:
    payload = {"glasses": [1, 2], "note": "café"}
    reply = server.request(
        "POST",
        "/echo",
        body=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert reply.status == 200
    assert json.loads(reply.body) == {"received": payload, "type": "dict"}


def test_post_chunked_json_without_content_length(server: Server) -> None:
    reply = server.upload_chunked(
        "/echo", [b'{"pour": ', b"[25, ", b"50]}"], {"Content-Type": "application/json"}
    )
    assert reply.status == 200
    assert json.loads(reply.body) == {"received": {"pour": [25, 50]}, "type": "dict"}


def test_head_has_length_but_no_body(server: Server) -> None:
    reply = server.request("HEAD", "/items/1")
    assert reply.status == 200
    assert reply.body == b""
    assert reply.headers["Content-Length"] == str(len(b'{"id":1,"name":"gin"}\n'))


def test_post_broken_json_is_400(server: Server) -> None:
    reply = server.request(
        "POST", "/echo", body=b"{oops", headers={"Content-Type": "application/json"}
    )
    assert reply.status == 400
    assert b"Traceback" not in reply.body


def test_streamed_body_is_chunked(server: Server) -> None:
    reply = server.request("GET", "/count/7?step=3")
    assert reply.status == 200
    assert reply.text == "0\n3\n6\n"
    assert reply.headers["Transfer-Encoding"] == "chunked"


def test_unknown_path_is_404(server: Server) -> None:
    assert server.request("GET", "/nowhere").status == 404
    reply = server.request("GET", "/items/99")
    assert reply.status == 404
    assert "Not Found" in reply.text


def test_wrong_method_is_405_with_allow(server: Server) -> None:
    reply = server.request("GET", "/order")
    assert reply.status == 405
    allowed = {m.strip() for m in reply.headers["Allow"].split(",")}
    assert allowed == {"OPTIONS", "POST"}


def test_error_is_500_without_traceback_and_logged(server: Server) -> None:
    reply = server.request("GET", "/boom")
    assert reply.status == 500
    assert "Internal Server Error" in reply.text
    for leak in ("Traceback", "RuntimeError", "cellar key", "server_app.py"):
        assert leak not in reply.text
    # The details go to the server's log instead (written by another process).
    deadline = time.monotonic() + 5.0
    while "cellar key" not in server.log.read_text(errors="replace"):
        assert time.monotonic() < deadline, "the error was not logged"
        time.sleep(0.1)
    # The worker survives the error.
    assert server.request("GET", "/").status == 200


def test_broken_chunked_body_is_400_not_500(server: Server) -> None:
    # gunicorn raises its InvalidChunkSize from wsgi.input while the view
    # reads the body; that is the client's error, not the app's.
    request = (
        b"POST /echo HTTP/1.1\r\n"
        b"Host: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n"
        b"Connection: close\r\n"
        b"\r\n"
        b"zz\r\n{}\r\n0\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request)
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    status_line = reply.split(b"\r\n", 1)[0]
    assert status_line == b"HTTP/1.1 400 BAD REQUEST", reply[:300]
    assert b"The request body could not be read" in reply

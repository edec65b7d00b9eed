"""One HTTP request over a real socket, for the tests that start servers, and
the gunicorn options those tests share."""

from __future__ import annotations

import http.client
import json
import typing as t
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass
class Reply:
    """One HTTP response, read completely."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> t.Any:
        return json.loads(self.body)


def send(
    host: str,
    port: int,
    path: str,
    *,
    method: str = "GET",
    body: bytes | Iterable[bytes] | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10,
    chunked: bool = False,
) -> Reply:
    """Send one request with ``path`` exactly as given (no normalising);
    ``chunked`` sends an iterable body with ``Transfer-Encoding: chunked``."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(
            method, path, body=body, headers=headers or {}, encode_chunked=chunked
        )
        response = conn.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        conn.close()


def gunicorn_no_control_socket() -> list[str]:
    """``--no-control-socket`` where gunicorn has it (newer releases): else a
    test server would open a control socket in the home folder."""
    from gunicorn.config import Config

    settings: dict[str, object] = Config().settings
    return ["--no-control-socket"] if "control_socket_disable" in settings else []

"""``http`` blocks hold a request and its response; both are highlighted."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pygments.token import Error
from sphinx.testing.util import SphinxTestApp

from jigger_sphinx.highlight import HttpExchangeLexer

EXCHANGE = """\
POST /drinks HTTP/1.1
Host: localhost
Content-Type: application/json

{"name": "tea"}

HTTP/1.1 201 CREATED
Content-Type: application/json

{"made": "tea"}
"""


def test_request_with_json_body_then_response_has_no_error_token() -> None:
    tokens = list(HttpExchangeLexer().get_tokens(EXCHANGE))
    assert not [value for token, value in tokens if token in Error]
    assert "".join(value for _, value in tokens) == EXCHANGE


def test_response_only_block_still_highlights() -> None:
    text = "HTTP/1.1 404 NOT FOUND\nContent-Type: text/plain\n\nnope\n"
    tokens = list(HttpExchangeLexer().get_tokens(text))
    assert not [value for token, value in tokens if token in Error]


@pytest.mark.sphinx("html", testroot="highlight")
def test_build_has_no_highlighting_warning_and_runs_the_exchange(
    app: SphinxTestApp, warnings_of: Callable[[str, Path], list[tuple[str, str]]]
) -> None:
    app.build()
    assert warnings_of(app.warning.getvalue(), app.srcdir) == []
    assert "highlighting" not in app.warning.getvalue()
    # The python block defines the app; the http exchange runs against it.
    assert "2 examples: 2 passed, 0 failed" in app.status.getvalue()
    html = (app.outdir / "index.html").read_text()
    assert "201 CREATED" in html

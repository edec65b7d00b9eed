"""Syntax highlighting for ``http`` example blocks.

An ``http`` example holds a request *and* the response expected for it.
Pygments' HTTP lexer reads one message only, so the response's status line
after a request body comes out as an error token and Sphinx warns
(``misc.highlighting_failure``). :class:`HttpExchangeLexer` splits the block at
the response's status line and highlights each message on its own.

>>> text = "GET / HTTP/1.1\\nHost: localhost\\n\\nHTTP/1.1 200 OK\\n\\nhi\\n"
>>> from pygments.token import Error
>>> any(tok is Error for tok, _ in HttpExchangeLexer().get_tokens(text))
False
"""

from __future__ import annotations

import re
import typing as t

from pygments.lexer import Lexer
from pygments.lexers.textfmts import HttpLexer

if t.TYPE_CHECKING:
    from pygments.token import _TokenType
    from sphinx.application import Sphinx

# The first line that starts a response, after at least one request line.
_STATUS_LINE = re.compile(r"^HTTP/\d(?:\.\d)? \d{3}\b.*$", re.MULTILINE)


class HttpExchangeLexer(Lexer):
    """Highlights a request followed by its response (the ``http`` blocks
    that jigger_sphinx sends to the documented app)."""

    name = "HTTP exchange"
    aliases = ["http", "http-exchange"]

    def get_tokens_unprocessed(
        self, text: str
    ) -> t.Iterator[tuple[int, _TokenType, str]]:
        inner = HttpLexer(**self.options)
        match = _STATUS_LINE.search(text)
        if match is None or match.start() == 0:
            yield from inner.get_tokens_unprocessed(text)  # type: ignore[no-untyped-call]
            return
        split = match.start()
        yield from inner.get_tokens_unprocessed(text[:split])  # type: ignore[no-untyped-call]
        response = HttpLexer(**self.options)
        tail = response.get_tokens_unprocessed(text[split:])  # type: ignore[no-untyped-call]
        for index, token, value in tail:
            yield index + split, token, value


def setup(app: Sphinx) -> None:
    """Use :class:`HttpExchangeLexer` for ``http`` blocks."""
    app.add_lexer("http", HttpExchangeLexer)

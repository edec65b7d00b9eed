"""Errors raised in debug mode only, to explain a mistake in the app or its
forms that would otherwise show up as a puzzling ``KeyError`` or lost data.

Both subclass :exc:`AssertionError`: they report a bug to fix, not a bad
request from a client, and outside debug mode the ordinary errors are
raised instead.
"""

from __future__ import annotations

import typing as t

from werkzeug.exceptions import BadRequestKeyError
from werkzeug.routing import RequestRedirect

if t.TYPE_CHECKING:  # pragma: no cover
    from .wrappers import Request

__all__ = ["DebugFilesKeyError", "FormDataRoutingRedirect"]


class DebugFilesKeyError(KeyError, AssertionError):
    """``request.files[key]`` failed because the form was not sent as
    ``multipart/form-data``: the browser sent the file's name as a text
    field and no file contents were transmitted."""

    def __init__(self, request: Request, key: str) -> None:
        submitted = request.form.getlist(key)
        shown = ", ".join(repr(value) for value in submitted)
        self.msg = (
            f"request.files has no {key!r}: the request's content type is"
            f" {request.mimetype!r}, not 'multipart/form-data', so no file"
            " contents were transmitted, only the file's name as a text field."
            f" This was submitted: {shown}. Add"
            ' enctype="multipart/form-data" to the <form> tag.'
        )

    def __str__(self) -> str:
        return self.msg


class FormDataRoutingRedirect(AssertionError):
    """A form was sent to a URL that redirects to its canonical form (most
    often the same URL with a trailing slash) with a 301 or 302, which a
    browser follows with ``GET``, dropping the form data."""

    def __init__(self, request: Request) -> None:
        redirect = t.cast(RequestRedirect, request.routing_exception)
        super().__init__(
            f"The {request.method} request to {request.url!r} was answered"
            f" with a {redirect.code} redirect to the canonical URL"
            f" {redirect.new_url!r}; a browser follows it with GET and drops"
            " the form data. Send the form to the canonical URL (mind the"
            " trailing slash in url_for or the form's action), or redirect"
            " with 307 or 308, which keep the method and the body. This error"
            " is raised in debug mode only."
        )


def files_key_error(request: Request, error: BadRequestKeyError) -> Exception:
    """``error`` as a :class:`DebugFilesKeyError` when it comes from
    ``request.files[key]`` on a form that was not multipart, else ``error``.

    The lookup was on ``files`` when the files were parsed, the key is not
    among them but is among the form's text fields: ``form[key]`` would not
    have failed.
    """
    key = error.args[0] if error.args else None
    if (
        isinstance(key, str)
        and request.mimetype != "multipart/form-data"
        and "files" in request.__dict__
        and key not in request.files
        and key in request.form
    ):
        return DebugFilesKeyError(request, key)
    return error

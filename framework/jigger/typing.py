"""Names for the contracts between an application and its callbacks.

These aliases describe what a view, a hook or an error handler may accept and
return. Annotate your own code with them to let a type checker catch a view
that returns something the framework cannot turn into a response.

>>> from jigger.typing import ResponseReturnValue
>>> def view() -> ResponseReturnValue:
...     return "hello", 200, {"X-Hello": "yes"}
>>> view()[1]
200
"""

from __future__ import annotations

import collections.abc as cabc
import typing as t

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import WSGIApplication
    from werkzeug.datastructures import Headers
    from werkzeug.sansio.response import Response

#: A body a view may return: text, bytes, JSON-able dicts and lists, an
#: iterator for streaming, or a finished response.
ResponseValue = t.Union[
    "Response",
    str,
    bytes,
    list[t.Any],
    cabc.Mapping[str, t.Any],
    cabc.Iterator[str],
    cabc.Iterator[bytes],
    cabc.AsyncIterable[str],
    cabc.AsyncIterable[bytes],
]

#: A single header value, or several values for the same name.
HeaderValue = t.Union[str, list[str], tuple[str, ...]]

#: Headers in any form the framework accepts.
HeadersValue = t.Union[
    "Headers",
    cabc.Mapping[str, HeaderValue],
    cabc.Sequence[tuple[str, HeaderValue]],
]

#: Everything a view may return, tuples included.
ResponseReturnValue = t.Union[
    ResponseValue,
    tuple[ResponseValue, HeadersValue],
    tuple[ResponseValue, int],
    tuple[ResponseValue, int, HeadersValue],
    "WSGIApplication",
]

#: What an ``after_request`` hook receives and returns.
ResponseClass = t.TypeVar("ResponseClass", bound="Response")

#: The name a callback is registered under: ``None`` for the app itself, or a
#: blueprint's name.
AppOrBlueprintKey = t.Optional[str]

# Design: every hook may be a plain or an ``async def`` function, so each
# hook alias below is one ``_SyncOrAsync[arguments, result]``: the call
# signature and what it returns, awaited or not.
_P = t.ParamSpec("_P")
_R = t.TypeVar("_R")
_SyncOrAsync = t.Union[t.Callable[_P, _R], t.Callable[_P, t.Awaitable[_R]]]

AfterRequestCallable = _SyncOrAsync[[ResponseClass], ResponseClass]
BeforeFirstRequestCallable = _SyncOrAsync[[], None]
BeforeRequestCallable = _SyncOrAsync[[], ResponseReturnValue | None]
TeardownCallable = _SyncOrAsync[[BaseException | None], None]
TemplateContextProcessorCallable = _SyncOrAsync[[], dict[str, t.Any]]
ShellContextProcessorCallable = t.Callable[[], dict[str, t.Any]]
TemplateFilterCallable = t.Callable[..., t.Any]
TemplateGlobalCallable = t.Callable[..., t.Any]
TemplateTestCallable = t.Callable[..., bool]
URLDefaultCallable = t.Callable[[str, dict[str, t.Any]], None]
URLValuePreprocessorCallable = t.Callable[[str | None, dict[str, t.Any] | None], None]

#: An error handler receives the exception; the ``Any`` keeps handlers for a
#: specific exception class assignable.
ErrorHandlerCallable = _SyncOrAsync[[t.Any], ResponseReturnValue]

#: A view function: any callable returning a response value.
RouteCallable = _SyncOrAsync[..., ResponseReturnValue]

"""JSON helpers that follow the current application's settings.

Inside an application context these functions go through ``app.json`` (a
:class:`~jigger.json.provider.JSONProvider`), so the app's configuration,
such as ``app.json.sort_keys``, applies. Outside one, they use the standard
library's :mod:`json` and still understand the extra types of
:class:`~jigger.json.provider.DefaultJSONProvider` (dates, UUIDs, decimals,
dataclasses, HTML markup). The names match Flask's ``flask.json``.

>>> import uuid
>>> dumps({"id": uuid.UUID(int=1)})
'{"id": "00000000-0000-0000-0000-000000000001"}'
>>> loads('{"answer": 42}')
{'answer': 42}
"""

from __future__ import annotations

import json as _json
import typing as t

from ..globals import current_app
from .provider import JSONProvider, _default

if t.TYPE_CHECKING:  # pragma: no cover
    from werkzeug.wrappers import Response

__all__ = ["dump", "dumps", "jsonify", "load", "loads"]


def dumps(obj: t.Any, **kwargs: t.Any) -> str:
    """Serialise ``obj`` to a JSON string.

    Uses ``current_app.json.dumps`` when an application context is active,
    otherwise :func:`json.dumps` with the default provider's handling of
    extra types.

    :param obj: The data to serialise.
    :param kwargs: Passed on to the provider or to :func:`json.dumps`.
    """
    if current_app:
        provider: JSONProvider = current_app.json
        return provider.dumps(obj, **kwargs)
    kwargs.setdefault("default", _default)
    return _json.dumps(obj, **kwargs)


def dump(obj: t.Any, fp: t.IO[str], **kwargs: t.Any) -> None:
    """Serialise ``obj`` as JSON and write it to the text file ``fp``.

    :param obj: The data to serialise.
    :param fp: A file opened for writing text.
    :param kwargs: Passed on to the provider or to :func:`json.dump`.
    """
    if current_app:
        current_app.json.dump(obj, fp, **kwargs)
        return
    kwargs.setdefault("default", _default)
    _json.dump(obj, fp, **kwargs)


def loads(s: str | bytes, **kwargs: t.Any) -> t.Any:
    """Parse a JSON document given as text or bytes.

    :param s: The JSON document.
    :param kwargs: Passed on to the provider or to :func:`json.loads`.
    """
    if current_app:
        return current_app.json.loads(s, **kwargs)
    return _json.loads(s, **kwargs)


def load(fp: t.IO[t.AnyStr], **kwargs: t.Any) -> t.Any:
    """Read and parse JSON from the file ``fp`` (text or binary).

    :param fp: A file opened for reading.
    :param kwargs: Passed on to the provider or to :func:`json.load`.
    """
    if current_app:
        return current_app.json.load(fp, **kwargs)
    return _json.load(fp, **kwargs)


def jsonify(*args: t.Any, **kwargs: t.Any) -> Response:
    """Build a JSON response with the current application's provider.

    This is ``current_app.json.response(*args, **kwargs)``: one positional
    argument is serialised as it is, several become a list, keyword arguments
    become a dict; mixing the two is a :exc:`TypeError`. The response has the
    ``application/json`` mimetype. A view may also simply return a dict or a
    list, which does the same.

    It needs an application context: outside one it raises the
    :exc:`RuntimeError` of :data:`~jigger.globals.current_app`.

    :param args: One value, or several values for a list.
    :param kwargs: Keys and values for a dict.
    """
    provider: JSONProvider = current_app.json
    return provider.response(*args, **kwargs)

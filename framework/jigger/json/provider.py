"""JSON providers: how an application turns data into JSON and back.

An application holds one provider as ``app.json``. :func:`jigger.json.dumps`,
:func:`jigger.json.jsonify`, ``request.get_json()`` and a view that returns a
dict or list all go through it, so replacing or configuring the provider
changes JSON everywhere in the app. The names match Flask's
``flask.json.provider``.

>>> class StandIn:  # an application as far as the provider is concerned
...     debug = False
...     response_class = __import__("werkzeug").Response
>>> app = StandIn()
>>> provider = DefaultJSONProvider(app)
>>> provider.dumps({"b": 1, "a": 2})
'{"a": 2, "b": 1}'
>>> provider.response(ok=True).get_data(as_text=True)
'{"ok":true}\\n'
"""

from __future__ import annotations

import dataclasses
import decimal
import json
import typing as t
import uuid
import weakref
from datetime import date

from werkzeug.http import http_date

from ..wrappers import _response_for_body

if t.TYPE_CHECKING:  # pragma: no cover
    from werkzeug.wrappers import Response

__all__ = ["DefaultJSONProvider", "JSONProvider"]


class _JSONApp(t.Protocol):
    """What a provider needs from its application."""

    @property
    def debug(self) -> bool: ...

    @property
    def response_class(self) -> type[Response]: ...


class JSONProvider:
    """The interface every JSON provider implements.

    Subclass it and implement :meth:`dumps` and :meth:`loads` to use another
    JSON library; :meth:`dump`, :meth:`load` and :meth:`response` are built on
    those two. Install it by setting ``json_provider_class`` on the
    application class, or by assigning an instance to ``app.json``.

    The provider keeps only a weak reference to its application, so the two
    do not keep each other alive.

    :param app: The application this provider serves. It needs ``debug`` and
        ``response_class`` attributes.
    """

    #: The mimetype of the responses built by :meth:`response`.
    mimetype = "application/json"

    def __init__(self, app: _JSONApp) -> None:
        self._app: _JSONApp = weakref.proxy(app)

    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialise ``obj`` to a JSON string.

        :param obj: The data to serialise.
        :param kwargs: Options for the underlying library.
        """
        raise NotImplementedError(
            f"{type(self).__name__} must implement dumps(obj, **kwargs)."
        )

    def dump(self, obj: t.Any, fp: t.IO[str], **kwargs: t.Any) -> None:
        """Serialise ``obj`` as JSON and write it to the text file ``fp``.

        :param obj: The data to serialise.
        :param fp: A file opened for writing text.
        :param kwargs: Passed to :meth:`dumps`.
        """
        fp.write(self.dumps(obj, **kwargs))

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        """Parse a JSON string or bytes into Python data.

        :param s: The JSON document.
        :param kwargs: Options for the underlying library.
        """
        raise NotImplementedError(
            f"{type(self).__name__} must implement loads(s, **kwargs)."
        )

    def load(self, fp: t.IO[t.AnyStr], **kwargs: t.Any) -> t.Any:
        """Read and parse JSON from the file ``fp`` (text or binary).

        :param fp: A file opened for reading.
        :param kwargs: Passed to :meth:`loads`.
        """
        document = fp.read()
        return self.loads(document, **kwargs)

    def _payload(self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]) -> t.Any:
        """What ``response(*args, **kwargs)`` serialises: the keyword
        arguments as a dict, one positional argument as it is, several as a
        list, nothing as ``null``."""
        if args and kwargs:
            raise TypeError(
                "app.json.response() (and jsonify()) takes either positional"
                " arguments or keyword arguments, not both. Pass one dict or"
                " list positionally, or only keyword arguments."
            )
        if kwargs:
            return kwargs
        if len(args) == 1:
            return args[0]
        return list(args) or None

    def _response_body(self, obj: t.Any) -> str:
        return f"{self.dumps(obj)}\n"

    def response(self, *args: t.Any, **kwargs: t.Any) -> Response:
        """Build a JSON response of the application's ``response_class``.

        One positional argument is serialised as it is; several positional
        arguments become a list; keyword arguments become a dict. No
        arguments give ``null``. Mixing positional and keyword arguments is a
        :exc:`TypeError`.

        :param args: One value, or several values for a list.
        :param kwargs: Keys and values for a dict.
        """
        obj = self._payload(args, kwargs)
        return _response_for_body(
            self._app.response_class, self._response_body(obj), self.mimetype
        )


def _default(o: t.Any) -> t.Any:
    """Turn the types :mod:`json` does not know into ones it does."""
    if isinstance(o, date):
        return http_date(o)
    if isinstance(o, decimal.Decimal | uuid.UUID):
        return str(o)
    if dataclasses.is_dataclass(o) and not isinstance(o, type):
        return dataclasses.asdict(o)
    if hasattr(o, "__html__"):
        return str(o.__html__())
    raise TypeError(
        f"Object of type {type(o).__name__} is not JSON serializable: {o!r}"
    )


#: Encoders for response bodies, by (default, ensure_ascii, sort_keys,
#: pretty); a handful at most.
_encoders: dict[tuple[t.Any, bool, bool, bool], json.JSONEncoder] = {}


class DefaultJSONProvider(JSONProvider):
    """The provider an application uses unless told otherwise.

    It uses the standard library's :mod:`json`, and also serialises:

    - :class:`datetime.datetime` and :class:`datetime.date` as an HTTP date
      string (:rfc:`822` style, in UTC);
    - :class:`uuid.UUID` and :class:`decimal.Decimal` as strings;
    - dataclass instances as dicts (:func:`dataclasses.asdict`);
    - objects with an ``__html__`` method (such as
      :class:`markupsafe.Markup`) as the string it returns.

    Configure it through the class attributes, on a subclass or on the
    instance: ``app.json.sort_keys = False``.
    """

    #: Called for objects :mod:`json` cannot serialise itself; returns
    #: something it can, or raises :exc:`TypeError`.
    default: t.Callable[[t.Any], t.Any] = staticmethod(_default)

    #: Escape non-ASCII characters as ``\\uXXXX``.
    ensure_ascii = True

    #: Sort the keys of objects. Sorted output is stable, which helps caching
    #: and comparing responses.
    sort_keys = True

    #: Layout of :meth:`response` bodies: ``True`` for no spaces, ``False``
    #: for two-space indentation, ``None`` (the default) for indented in
    #: debug mode and compact otherwise.
    compact: bool | None = None

    #: The mimetype of the responses built by :meth:`response`.
    mimetype = "application/json"

    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialise ``obj`` to JSON with this provider's settings.

        :attr:`default`, :attr:`ensure_ascii` and :attr:`sort_keys` are
        used unless given in ``kwargs``, which go to :func:`json.dumps`.

        :param obj: The data to serialise.
        :param kwargs: Passed to :func:`json.dumps`.
        """
        settings = {
            "default": self.default,
            "ensure_ascii": self.ensure_ascii,
            "sort_keys": self.sort_keys,
        }
        return json.dumps(obj, **{**settings, **kwargs})

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        """Parse JSON with :func:`json.loads`.

        :param s: The JSON document, as text or UTF-8/16/32 bytes.
        :param kwargs: Passed to :func:`json.loads`.
        """
        return json.loads(s, **kwargs)

    def _response_body(self, obj: t.Any) -> str:
        pretty = self.compact is False or (self.compact is None and self._app.debug)
        if type(self).dumps is not DefaultJSONProvider.dumps:
            # A subclass serialises in its own way: go through its dumps().
            if pretty:
                return f"{self.dumps(obj, indent=2)}\n"
            return f"{self.dumps(obj, separators=(',', ':'))}\n"
        # json.dumps() builds a new encoder whenever it gets options; keep
        # one per combination of settings instead (they rarely change).
        key = (self.default, self.ensure_ascii, self.sort_keys, pretty)
        encoder = _encoders.get(key)
        if encoder is None:
            encoder = _encoders[key] = json.JSONEncoder(
                default=self.default,
                ensure_ascii=self.ensure_ascii,
                sort_keys=self.sort_keys,
                indent=2 if pretty else None,
                separators=None if pretty else (",", ":"),
            )
        return f"{encoder.encode(obj)}\n"

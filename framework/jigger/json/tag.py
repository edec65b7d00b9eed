"""Tagged JSON: JSON that round-trips more Python types.

Plain JSON turns a tuple into a list and cannot hold bytes at all. The
:class:`TaggedJSONSerializer` wraps such values in a one-key object whose key
names the type (a "tag"), and unwraps them when loading, so the value comes
back as it went in. The cookie session uses it. The names match Flask's
``flask.json.tag``.

Supported out of the box: :class:`dict`, :class:`list`, :class:`tuple`,
:class:`bytes`, :class:`~markupsafe.Markup` (anything with ``__html__``),
:class:`uuid.UUID` and :class:`datetime.datetime`, nested in any way.

>>> from datetime import datetime, timezone
>>> serializer = TaggedJSONSerializer()
>>> text = serializer.dumps({"point": (1, 2), "raw": b"\\x00"})
>>> text
'{"point":{" t":[1,2]},"raw":{" b":"AA=="}}'
>>> serializer.loads(text)
{'point': (1, 2), 'raw': b'\\x00'}

A tag of your own is a :class:`JSONTag` subclass registered on the
serializer:

>>> from decimal import Decimal
>>> class TagDecimal(JSONTag):
...     key = " dec"
...     def check(self, value: object) -> bool:
...         return isinstance(value, Decimal)
...     def to_json(self, value: Decimal) -> str:
...         return str(value)
...     def to_python(self, value: str) -> Decimal:
...         return Decimal(value)
>>> serializer.register(TagDecimal)
>>> serializer.loads(serializer.dumps([Decimal("1.10")]))
[Decimal('1.10')]
"""

from __future__ import annotations

import typing as t
from base64 import b64decode, b64encode
from datetime import datetime
from uuid import UUID

from markupsafe import Markup
from werkzeug.http import http_date, parse_date

from ..json import dumps, loads

__all__ = [
    "JSONTag",
    "PassDict",
    "PassList",
    "TagBytes",
    "TagDateTime",
    "TagDict",
    "TagMarkup",
    "TagTuple",
    "TagUUID",
    "TaggedJSONSerializer",
]


class JSONTag:
    """The base class of a tag: how one Python type is written to JSON.

    A subclass sets :attr:`key` and implements :meth:`check`,
    :meth:`to_json` and :meth:`to_python`. A tag with an empty key only
    transforms values on the way out (it is never looked up when loading);
    the built-in :class:`PassDict` and :class:`PassList` work that way to
    reach the values inside containers.

    :param serializer: The serializer the tag is registered on; use it to
        tag nested values.
    """

    __slots__ = ("serializer",)

    #: The key that marks a tagged value, such as ``" t"``. Empty for a tag
    #: that does not mark its values.
    key: str = ""

    def __init__(self, serializer: TaggedJSONSerializer) -> None:
        self.serializer = serializer

    def check(self, value: t.Any) -> bool:
        """Return whether this tag handles ``value``."""
        raise NotImplementedError(f"{type(self).__name__} must implement check().")

    def to_json(self, value: t.Any) -> t.Any:
        """Turn ``value`` into JSON-able data (without the tag key)."""
        raise NotImplementedError(f"{type(self).__name__} must implement to_json().")

    def to_python(self, value: t.Any) -> t.Any:
        """Turn the JSON data written by :meth:`to_json` back into the value."""
        raise NotImplementedError(f"{type(self).__name__} must implement to_python().")

    def tag(self, value: t.Any) -> dict[str, t.Any]:
        """Return ``value`` converted and wrapped as ``{key: data}``."""
        return {self.key: self.to_json(value)}


# -- the built-in wire format, one row per tag ---------------------------------
#
# Design: the whole format is the table below. A row is (key, type test,
# encode, decode); the classes after it only give each row the JSONTag
# interface and a public name (Flask's names, which extensions import).
# A row with an empty key marks nothing: it reaches inside a container and is
# never consulted when loading. Encoders get the serializer to tag nested
# values; decoders get the JSON data under the key.

_Test = t.Callable[["TaggedJSONSerializer", t.Any], bool]
_Encode = t.Callable[["TaggedJSONSerializer", t.Any], t.Any]
_Decode = t.Callable[[t.Any], t.Any]


class _Row(t.NamedTuple):
    key: str
    test: _Test
    encode: _Encode
    decode: _Decode | None


def _shadows_a_key(s: TaggedJSONSerializer, v: t.Any) -> bool:
    # A user's one-key dict whose key is a tag key would load as that tag.
    return isinstance(v, dict) and len(v) == 1 and next(iter(v)) in s.tags


def _from_http_date(text: t.Any) -> datetime:
    parsed = parse_date(text)
    if parsed is None:
        raise ValueError(f"Tagged datetime {text!r} is not a valid HTTP date.")
    return parsed


def _instance_of(kind: type) -> _Test:
    return lambda s, v: isinstance(v, kind)


_WIRE: dict[str, _Row] = {
    "escape": _Row(
        " di",
        _shadows_a_key,
        lambda s, v: {f"{k}__": s.tag(x) for k, x in v.items()},
        lambda d: {k[:-2]: x for k, x in d.items()},
    ),
    "dict": _Row(
        "", _instance_of(dict), lambda s, v: {k: s.tag(x) for k, x in v.items()}, None
    ),
    "tuple": _Row(" t", _instance_of(tuple), lambda s, v: [s.tag(x) for x in v], tuple),
    "list": _Row("", _instance_of(list), lambda s, v: [s.tag(x) for x in v], None),
    "bytes": _Row(
        " b", _instance_of(bytes), lambda s, v: b64encode(v).decode("ascii"), b64decode
    ),
    "markup": _Row(
        " m",
        lambda s, v: callable(getattr(v, "__html__", None)),
        lambda s, v: str(v.__html__()),
        Markup,
    ),
    "uuid": _Row(" u", _instance_of(UUID), lambda s, v: v.hex, UUID),
    "datetime": _Row(
        " d", _instance_of(datetime), lambda s, v: http_date(v), _from_http_date
    ),
}


#: The classes below, in the order they are defined: the order tags are tried.
_BUILT_IN: list[type[JSONTag]] = []


class _TableTag(JSONTag):
    """A built-in tag: its behaviour is its :attr:`row` of the table."""

    __slots__ = ()
    row: t.ClassVar[_Row]

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.key = cls.row.key
        if cls.__module__ == __name__:  # not a user's subclass of one
            _BUILT_IN.append(cls)

    def check(self, value: t.Any) -> bool:
        return self.row.test(self.serializer, value)

    def to_json(self, value: t.Any) -> t.Any:
        return self.row.encode(self.serializer, value)

    def to_python(self, value: t.Any) -> t.Any:
        if self.row.decode is None:
            return super().to_python(value)
        return self.row.decode(value)

    def tag(self, value: t.Any) -> t.Any:
        data = self.to_json(value)
        return {self.key: data} if self.key else data


class TagDict(_TableTag):
    """A one-key dict whose key happens to be a registered tag key.

    Without this, loading would mistake ``{" t": [1]}`` written by a user for
    a tagged tuple. The key is written with ``__`` appended and restored on
    loading.
    """

    __slots__ = ()
    row = _WIRE["escape"]


class PassDict(_TableTag):
    """Any other dict: tag its values, leave the dict itself unmarked."""

    __slots__ = ()
    row = _WIRE["dict"]


class TagTuple(_TableTag):
    """A tuple, written as a list and restored as a tuple."""

    __slots__ = ()
    row = _WIRE["tuple"]


class PassList(_TableTag):
    """A list: tag its items, leave the list itself unmarked."""

    __slots__ = ()
    row = _WIRE["list"]


class TagBytes(_TableTag):
    """Bytes, written as base64 text."""

    __slots__ = ()
    row = _WIRE["bytes"]


class TagMarkup(_TableTag):
    """An object with an ``__html__`` method, restored as :class:`Markup`."""

    __slots__ = ()
    row = _WIRE["markup"]


class TagUUID(_TableTag):
    """A :class:`~uuid.UUID`, written as its hex digits."""

    __slots__ = ()
    row = _WIRE["uuid"]


class TagDateTime(_TableTag):
    """A :class:`~datetime.datetime`, written as an HTTP date.

    HTTP dates have whole seconds in UTC: microseconds are dropped, a naive
    value is taken as UTC, and the value comes back timezone-aware in UTC.
    """

    __slots__ = ()
    row = _WIRE["datetime"]


class TaggedJSONSerializer:
    """Serialises data to compact JSON with tags, and loads it back.

    Tags are tried in :attr:`order`; the first whose
    :meth:`~JSONTag.check` accepts a value handles it. Values no tag
    accepts are passed to JSON as they are.
    """

    __slots__ = ("order", "tags")

    #: The tags every new serializer registers, in the order they are tried:
    #: the built-in classes above, as the table lists them.
    default_tags: t.ClassVar[list[type[JSONTag]]] = list(_BUILT_IN)

    def __init__(self) -> None:
        #: All registered tags, in the order they are tried.
        self.order: list[JSONTag] = []
        #: Registered tags by key (tags with an empty key are not listed).
        self.tags: dict[str, JSONTag] = {}
        for builtin in self.default_tags:
            self.register(builtin)

    def register(
        self,
        tag_class: type[JSONTag],
        force: bool = False,
        index: t.SupportsIndex | None = None,
    ) -> None:
        """Register a tag class on this serializer.

        :param tag_class: The :class:`JSONTag` subclass; it is instantiated
            with this serializer.
        :param force: Replace a tag already registered under the same key.
            The replaced tag stays in :attr:`order` but is no longer used
            for loading.
        :param index: Where to insert the tag in :attr:`order`; by default it
            is tried last. Put it before the built-in tags (``index=0``) to
            take over a type they handle.
        :raises KeyError: The key is already registered and ``force`` is
            false.
        """
        new = tag_class(self)
        holder = self.tags.get(new.key) if new.key else None
        if holder is not None and not force:
            raise KeyError(
                f"Tag {new.key!r} is already registered (by"
                f" {type(holder).__name__}). Choose another key, or"
                " pass force=True to replace it."
            )
        if new.key:
            self.tags[new.key] = new
        self.order.insert(len(self.order) if index is None else index, new)

    def tag(self, value: t.Any) -> t.Any:
        """Convert ``value`` into JSON-able data, tagging where needed."""
        handler = next((tag for tag in self.order if tag.check(value)), None)
        return value if handler is None else handler.tag(value)

    def untag(self, value: dict[str, t.Any]) -> t.Any:
        """Turn one tagged dict back into its value; other dicts are returned.

        :raises ValueError: The tag holds data its type cannot be made from
            (such as ``{" u": false}``), which :meth:`dumps` never writes;
            the message names the tagged value.
        """
        if len(value) == 1:
            ((key, data),) = value.items()
            reader = self.tags.get(key)
            if reader is not None:
                try:
                    return reader.to_python(data)
                except (AttributeError, TypeError, ValueError) as e:
                    raise ValueError(
                        f"The tagged value {value!r} cannot be read"
                        f" ({type(reader).__name__}): {e}"
                    ) from e
        return value

    def _restore(self, data: t.Any) -> t.Any:
        # Innermost values first, so a tag's decoder gets restored contents.
        if isinstance(data, list):
            return [self._restore(item) for item in data]
        if isinstance(data, dict):
            return self.untag({k: self._restore(v) for k, v in data.items()})
        return data

    def dumps(self, value: t.Any) -> str:
        """Tag ``value`` and serialise it to compact JSON."""
        return dumps(self.tag(value), separators=(",", ":"))

    def loads(self, value: str) -> t.Any:
        """Parse JSON written by :meth:`dumps` and restore tagged values."""
        return self._restore(loads(value))

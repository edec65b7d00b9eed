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


class TagDict(JSONTag):
    """A one-key dict whose key happens to be a registered tag key.

    Without this, loading would mistake ``{" t": [1]}`` written by a user for
    a tagged tuple. The key is written with ``__`` appended and restored on
    loading.
    """

    __slots__ = ()
    key = " di"

    def check(self, value: t.Any) -> bool:
        return (
            isinstance(value, dict)
            and len(value) == 1
            and next(iter(value)) in self.serializer.tags
        )

    def to_json(self, value: t.Any) -> t.Any:
        (key,) = value
        return {f"{key}__": self.serializer.tag(value[key])}

    def to_python(self, value: t.Any) -> t.Any:
        (key,) = value
        return {key[:-2]: value[key]}


class PassDict(JSONTag):
    """Any other dict: tag its values, leave the dict itself unmarked."""

    __slots__ = ()

    def check(self, value: t.Any) -> bool:
        return isinstance(value, dict)

    def to_json(self, value: t.Any) -> t.Any:
        tag = self.serializer.tag
        return {k: tag(v) for k, v in value.items()}

    tag = to_json


class TagTuple(JSONTag):
    """A tuple, written as a list and restored as a tuple."""

    __slots__ = ()
    key = " t"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, tuple)

    def to_json(self, value: t.Any) -> t.Any:
        tag = self.serializer.tag
        return [tag(item) for item in value]

    def to_python(self, value: t.Any) -> t.Any:
        return tuple(value)


class PassList(JSONTag):
    """A list: tag its items, leave the list itself unmarked."""

    __slots__ = ()

    def check(self, value: t.Any) -> bool:
        return isinstance(value, list)

    def to_json(self, value: t.Any) -> t.Any:
        tag = self.serializer.tag
        return [tag(item) for item in value]

    tag = to_json


class TagBytes(JSONTag):
    """Bytes, written as base64 text."""

    __slots__ = ()
    key = " b"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, bytes)

    def to_json(self, value: t.Any) -> t.Any:
        return b64encode(value).decode("ascii")

    def to_python(self, value: t.Any) -> t.Any:
        return b64decode(value)


class TagMarkup(JSONTag):
    """An object with an ``__html__`` method, restored as :class:`Markup`."""

    __slots__ = ()
    key = " m"

    def check(self, value: t.Any) -> bool:
        return callable(getattr(value, "__html__", None))

    def to_json(self, value: t.Any) -> t.Any:
        return str(value.__html__())

    def to_python(self, value: t.Any) -> t.Any:
        return Markup(value)


class TagUUID(JSONTag):
    """A :class:`~uuid.UUID`, written as its hex digits."""

    __slots__ = ()
    key = " u"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, UUID)

    def to_json(self, value: t.Any) -> t.Any:
        return value.hex

    def to_python(self, value: t.Any) -> t.Any:
        return UUID(value)


class TagDateTime(JSONTag):
    """A :class:`~datetime.datetime`, written as an HTTP date.

    HTTP dates have whole seconds in UTC: microseconds are dropped, a naive
    value is taken as UTC, and the value comes back timezone-aware in UTC.
    """

    __slots__ = ()
    key = " d"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, datetime)

    def to_json(self, value: t.Any) -> t.Any:
        return http_date(value)

    def to_python(self, value: t.Any) -> t.Any:
        parsed = parse_date(value)
        if parsed is None:
            raise ValueError(f"Tagged datetime {value!r} is not a valid HTTP date.")
        return parsed


class TaggedJSONSerializer:
    """Serialises data to compact JSON with tags, and loads it back.

    Tags are tried in :attr:`order`; the first whose
    :meth:`~JSONTag.check` accepts a value handles it. Values no tag
    accepts are passed to JSON as they are.
    """

    __slots__ = ("order", "tags")

    #: The tags every new serializer registers, in order.
    default_tags: t.ClassVar[list[type[JSONTag]]] = [
        TagDict,
        PassDict,
        TagTuple,
        PassList,
        TagBytes,
        TagMarkup,
        TagUUID,
        TagDateTime,
    ]

    def __init__(self) -> None:
        #: Registered tags by key (tags with an empty key are not listed).
        self.tags: dict[str, JSONTag] = {}
        #: All registered tags, in the order they are tried.
        self.order: list[JSONTag] = []
        for tag_class in self.default_tags:
            self.register(tag_class)

    def register(
        self,
        tag_class: type[JSONTag],
        force: bool = False,
        index: int | None = None,
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
        tag = tag_class(self)
        key = tag.key
        if key:
            if not force and key in self.tags:
                raise KeyError(
                    f"Tag {key!r} is already registered (by"
                    f" {type(self.tags[key]).__name__}). Choose another key, or"
                    " pass force=True to replace it."
                )
            self.tags[key] = tag
        if index is None:
            self.order.append(tag)
        else:
            self.order.insert(index, tag)

    def tag(self, value: t.Any) -> t.Any:
        """Convert ``value`` into JSON-able data, tagging where needed."""
        for tag in self.order:
            if tag.check(value):
                return tag.tag(value)
        return value

    def untag(self, value: dict[str, t.Any]) -> t.Any:
        """Turn one tagged dict back into its value; other dicts are returned.

        :raises ValueError: The tag holds data its type cannot be made from
            (such as ``{" u": false}``), which :meth:`dumps` never writes;
            the message names the tagged value.
        """
        if len(value) != 1:
            return value
        key = next(iter(value))
        tag = self.tags.get(key)
        if tag is None:
            return value
        try:
            return tag.to_python(value[key])
        except (AttributeError, TypeError, ValueError) as e:
            raise ValueError(
                f"The tagged value {value!r} cannot be read ({type(tag).__name__}): {e}"
            ) from e

    def _untag_scan(self, value: t.Any) -> t.Any:
        if isinstance(value, dict):
            return self.untag({k: self._untag_scan(v) for k, v in value.items()})
        if isinstance(value, list):
            return [self._untag_scan(item) for item in value]
        return value

    def dumps(self, value: t.Any) -> str:
        """Tag ``value`` and serialise it to compact JSON."""
        return dumps(self.tag(value), separators=(",", ":"))

    def loads(self, value: str) -> t.Any:
        """Parse JSON written by :meth:`dumps` and restore tagged values."""
        return self._untag_scan(loads(value))

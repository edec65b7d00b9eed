"""Tests for jigger.json.tag: tagged JSON round trips."""

from __future__ import annotations

import json
import typing as t
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

import pytest
from flask.json.tag import TaggedJSONSerializer as FlaskTaggedJSONSerializer
from hypothesis import example, given
from hypothesis import strategies as st
from markupsafe import Markup

from jigger.json.tag import (
    JSONTag,
    PassDict,
    PassList,
    TagBytes,
    TagDateTime,
    TagDict,
    TaggedJSONSerializer,
    TagMarkup,
    TagTuple,
    TagUUID,
)

WHEN = datetime(2024, 2, 29, 23, 59, 58, tzinfo=UTC)
ID = UUID("12345678-1234-5678-1234-567812345678")


@pytest.fixture
def serializer() -> TaggedJSONSerializer:
    return TaggedJSONSerializer()


@pytest.mark.parametrize(
    "value",
    [
        {},
        {"a": 1, "b": [1, 2.5, None, True, "x"]},
        [],
        (),
        (1,),
        (1, (2, (3, ()))),
        b"",
        b"\x00\xff binary \n",
        Markup("<b>safe</b>"),
        ID,
        WHEN,
        {" t": [1]},
        {" di": "looks like the dict tag"},
        {" b": "looks like bytes"},
        {" t__": 1},
        {"nested": {" u": ID.hex}},
        "",
        "plain",
        0,
        -1.5,
        None,
        True,
    ],
    ids=repr,
)
def test_round_trip_single_values(
    serializer: TaggedJSONSerializer, value: object
) -> None:
    loaded = serializer.loads(serializer.dumps(value))
    assert loaded == value
    assert type(loaded) is type(value)


def test_round_trip_nested_structure_of_every_type(
    serializer: TaggedJSONSerializer,
) -> None:
    value = {
        "tuple_of_everything": (
            b"bytes",
            Markup("<i>m</i>"),
            ID,
            WHEN,
            [1, (2, 3)],
            {" t": (b"x",)},
        ),
        "list": [{"deep": [(b"a", {"b": (ID,)})]}, [], ()],
        " u": {"when": [WHEN]},
        "tag-like keys": {" m": Markup("&amp;"), " d": "not a date"},
    }
    loaded = serializer.loads(serializer.dumps(value))
    assert loaded == value
    inner = loaded["tuple_of_everything"]
    assert [type(item) for item in inner] == [
        bytes,
        Markup,
        UUID,
        datetime,
        list,
        dict,
    ]
    assert type(inner[4][1]) is tuple
    assert type(inner[5][" t"]) is tuple
    assert type(loaded["list"][0]["deep"][0][1]["b"][0]) is UUID


def test_dumps_is_compact_and_shows_the_tags(
    serializer: TaggedJSONSerializer,
) -> None:
    text = serializer.dumps({"t": (1, b"\x01"), "u": ID, "m": Markup("<p>")})
    assert text == (
        '{"t":{" t":[1,{" b":"AQ=="}]},'
        '"u":{" u":"12345678123456781234567812345678"},'
        '"m":{" m":"<p>"}}'
    )


def test_datetime_is_an_http_date(serializer: TaggedJSONSerializer) -> None:
    assert serializer.dumps(WHEN) == '{" d":"Thu, 29 Feb 2024 23:59:58 GMT"}'


def test_datetime_loses_microseconds_and_comes_back_in_utc(
    serializer: TaggedJSONSerializer,
) -> None:
    naive = datetime(2020, 1, 1, 12, 0, 0, 123456)
    loaded = serializer.loads(serializer.dumps(naive))
    assert loaded == datetime(2020, 1, 1, 12, 0, 0, tzinfo=UTC)


def test_bad_tagged_datetime_says_what(serializer: TaggedJSONSerializer) -> None:
    with pytest.raises(ValueError, match="'yesterday' is not a valid HTTP date"):
        serializer.loads('{" d":"yesterday"}')


def test_object_with_html_comes_back_as_markup(
    serializer: TaggedJSONSerializer,
) -> None:
    class Widget:
        def __html__(self) -> str:
            return "<input>"

    loaded = serializer.loads(serializer.dumps([Widget()]))
    assert loaded == [Markup("<input>")]
    assert type(loaded[0]) is Markup


def test_unknown_type_is_a_type_error(serializer: TaggedJSONSerializer) -> None:
    with pytest.raises(TypeError, match="type complex is not JSON serializable"):
        serializer.dumps({"z": 1j})


def test_untag_leaves_untagged_dicts(serializer: TaggedJSONSerializer) -> None:
    assert serializer.untag({"a": 1}) == {"a": 1}
    assert serializer.untag({" t": [1], "b": 2}) == {" t": [1], "b": 2}
    assert serializer.untag({" t": [1, 2]}) == (1, 2)


def test_tag_returns_plain_json_data(serializer: TaggedJSONSerializer) -> None:
    assert serializer.tag({"a": (1, b"\x00")}) == {"a": {" t": [1, {" b": "AA=="}]}}
    assert serializer.tag("x") == "x"


def test_default_tags_and_order(serializer: TaggedJSONSerializer) -> None:
    assert [type(tag) for tag in serializer.order] == [
        TagDict,
        PassDict,
        TagTuple,
        PassList,
        TagBytes,
        TagMarkup,
        TagUUID,
        TagDateTime,
    ]
    assert sorted(serializer.tags) == [" b", " d", " di", " m", " t", " u"]
    assert all(tag.serializer is serializer for tag in serializer.order)


# -- custom tags --------------------------------------------------------------


class TagDecimal(JSONTag):
    key = " dec"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, Decimal)

    def to_json(self, value: t.Any) -> t.Any:
        return str(value)

    def to_python(self, value: t.Any) -> t.Any:
        return Decimal(value)


def test_custom_tag_round_trips_nested(serializer: TaggedJSONSerializer) -> None:
    serializer.register(TagDecimal)
    value = {"price": Decimal("9.90"), "history": [(Decimal("1.0"), WHEN)]}
    text = serializer.dumps(value)
    assert '{" dec":"9.90"}' in text
    loaded = serializer.loads(text)
    assert loaded == value
    assert str(loaded["price"]) == "9.90"
    assert serializer.loads(serializer.dumps({" dec": 1})) == {" dec": 1}


def test_custom_tag_is_per_serializer(serializer: TaggedJSONSerializer) -> None:
    serializer.register(TagDecimal)
    other = TaggedJSONSerializer()
    assert " dec" not in other.tags
    # Without the tag, a Decimal falls through to plain JSON, which writes it
    # as a string: it does not come back as a Decimal.
    assert other.loads(other.dumps(Decimal("1.5"))) == "1.5"


def test_register_duplicate_key_is_refused(serializer: TaggedJSONSerializer) -> None:
    class OtherTuple(TagTuple):
        pass

    with pytest.raises(KeyError, match=r"Tag ' t' is already registered \(by TagTuple"):
        serializer.register(OtherTuple)
    assert type(serializer.tags[" t"]) is TagTuple


def test_register_force_replaces_for_loading(serializer: TaggedJSONSerializer) -> None:
    class ListTuple(TagTuple):
        def to_python(self, value: t.Any) -> t.Any:
            return ["replaced", *value]

    serializer.register(ListTuple, force=True)
    assert type(serializer.tags[" t"]) is ListTuple
    assert serializer.loads('{" t":[1]}') == ["replaced", 1]


def test_register_index_takes_priority(serializer: TaggedJSONSerializer) -> None:
    class TagUpperStr(JSONTag):
        key = " up"

        def check(self, value: t.Any) -> bool:
            return isinstance(value, str) and value.isupper()

        def to_json(self, value: t.Any) -> t.Any:
            return value.lower()

        def to_python(self, value: t.Any) -> t.Any:
            return value.upper()

    class TagPair(JSONTag):
        """Two-item tuples get their own tag, ahead of the tuple tag."""

        key = " pair"

        def check(self, value: t.Any) -> bool:
            return isinstance(value, tuple) and len(value) == 2

        def to_json(self, value: t.Any) -> t.Any:
            return {"first": self.serializer.tag(value[0]), "second": value[1]}

        def to_python(self, value: t.Any) -> t.Any:
            return ("pair", value["first"], value["second"])

    serializer.register(TagUpperStr)
    serializer.register(TagPair, index=0)
    assert serializer.order[0].key == " pair"
    assert serializer.dumps([("ABC", 2), (1, 2, 3)]) == (
        '[{" pair":{"first":{" up":"abc"},"second":2}},{" t":[1,2,3]}]'
    )
    assert serializer.loads(serializer.dumps([("ABC", 2)])) == [("pair", "ABC", 2)]


def test_base_tag_methods_must_be_implemented(
    serializer: TaggedJSONSerializer,
) -> None:
    class Incomplete(JSONTag):
        key = " x"

    tag = Incomplete(serializer)
    with pytest.raises(NotImplementedError, match=r"Incomplete must implement check"):
        tag.check(1)
    with pytest.raises(NotImplementedError, match="to_json"):
        tag.tag(1)
    with pytest.raises(NotImplementedError, match="to_python"):
        tag.to_python(1)


# -- under fuzzing: the same text and the same values as Flask's tags ----------

_tag_keys = st.sampled_from([" t", " b", " u", " d", " m", " di", " t__", "a", ""])
_tag_values: st.SearchStrategy[t.Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=8)
    | st.binary(max_size=8).map(bytes)
    | st.uuids()
    | st.builds(Markup, st.text(max_size=8))
    | st.datetimes(
        min_value=datetime(1900, 1, 1),
        max_value=datetime(9999, 1, 1),
        timezones=st.just(UTC),
    ),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(st.one_of(_tag_keys, st.text(max_size=4)), inner, max_size=3)
    ),
    max_leaves=10,
)


@given(_tag_values)
def test_tagged_text_and_round_trips_equal_flasks(value: t.Any) -> None:
    ours, theirs = TaggedJSONSerializer(), FlaskTaggedJSONSerializer()
    text = ours.dumps(value)
    assert text == theirs.dumps(value)
    loaded = ours.loads(text)
    assert loaded == theirs.loads(text)
    assert repr(loaded) == repr(theirs.loads(text))  # types too, all the way down


# JSON a client cannot send in a signed cookie, but which the loader must
# still handle: Flask's value, or a ValueError naming the tagged value (where
# Flask fails with whatever the type's constructor raised, or gives None for
# a date it cannot read; a session cookie carrying it is dropped either way).
_tagged_json: st.SearchStrategy[t.Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(_tag_keys, inner, max_size=2)
    ),
    max_leaves=6,
)


@given(_tagged_json)
@example({" t": 5})
@example({" d": "not a date"})
@example({" u": "zz"})
@example({" b": "!!"})
def test_loading_any_tagged_json_gives_flasks_value_or_a_clear_error(
    document: t.Any,
) -> None:
    text = json.dumps(document)
    try:
        loaded = TaggedJSONSerializer().loads(text)
    except ValueError as e:
        error = str(e)
    else:
        assert repr(loaded) == repr(FlaskTaggedJSONSerializer().loads(text))
        return
    assert error.startswith("The tagged value {")
    assert "cannot be read" in error

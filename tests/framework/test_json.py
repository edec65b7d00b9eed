"""Tests for jigger.json and jigger.json.provider."""

from __future__ import annotations

import dataclasses
import decimal
import gc
import io
import json as stdlib_json
import typing as t
import uuid
import weakref
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone

import pytest
from markupsafe import Markup
from werkzeug.wrappers import Response

import jigger.json
from jigger import Jigger, request
from jigger import Response as JiggerResponse
from jigger.globals import _cv_ctx
from jigger.json import jsonify
from jigger.json.provider import DefaultJSONProvider, JSONProvider


class StandInApp:
    """The two attributes a provider needs from an application."""

    response_class: type[Response] = Response

    def __init__(self, debug: bool = False) -> None:
        self.debug = debug
        self.json: JSONProvider = DefaultJSONProvider(self)


@dataclasses.dataclass
class Point:
    x: int
    y: int


@dataclasses.dataclass
class Shape:
    name: str
    points: list[Point]


class Html:
    def __html__(self) -> str:
        return "<b>bold</b>"


@pytest.fixture
def app() -> StandInApp:
    return StandInApp()


@pytest.fixture
def provider(app: StandInApp) -> DefaultJSONProvider:
    return DefaultJSONProvider(app)


# -- DefaultJSONProvider.dumps -----------------------------------------------


def test_dumps_sorts_keys_and_escapes_non_ascii(
    provider: DefaultJSONProvider,
) -> None:
    assert provider.dumps({"b": 1, "a": "é"}) == '{"a": "\\u00e9", "b": 1}'


def test_dumps_settings_on_the_instance(provider: DefaultJSONProvider) -> None:
    provider.sort_keys = False
    provider.ensure_ascii = False
    assert provider.dumps({"b": 1, "a": "é"}) == '{"b": 1, "a": "é"}'
    assert DefaultJSONProvider.sort_keys is True, "the class default is untouched"


def test_dumps_keyword_arguments_win(provider: DefaultJSONProvider) -> None:
    assert provider.dumps({"b": 1, "a": 2}, sort_keys=False, indent=1) == (
        '{\n "b": 1,\n "a": 2\n}'
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2015, 10, 21, 7, 28, 0), "Wed, 21 Oct 2015 07:28:00 GMT"),
        (
            datetime(2015, 10, 21, 9, 28, 0, tzinfo=timezone(timedelta(hours=2))),
            "Wed, 21 Oct 2015 07:28:00 GMT",
        ),
        (date(2015, 10, 21), "Wed, 21 Oct 2015 00:00:00 GMT"),
        (
            uuid.UUID("12345678-1234-5678-1234-567812345678"),
            "12345678-1234-5678-1234-567812345678",
        ),
        (decimal.Decimal("1.10"), "1.10"),
        (Markup("<em>x</em>"), "<em>x</em>"),
        (Html(), "<b>bold</b>"),
        (Point(1, 2), {"x": 1, "y": 2}),
        (
            Shape("line", [Point(0, 0), Point(1, 1)]),
            {"name": "line", "points": [{"x": 0, "y": 0}, {"x": 1, "y": 1}]},
        ),
    ],
    ids=[
        "naive-datetime-is-utc",
        "aware-datetime-to-gmt",
        "date",
        "uuid",
        "decimal-keeps-digits",
        "markup",
        "__html__",
        "dataclass",
        "nested-dataclass",
    ],
)
def test_dumps_extra_types(
    provider: DefaultJSONProvider, value: object, expected: object
) -> None:
    assert stdlib_json.loads(provider.dumps({"v": value})) == {"v": expected}


def test_dumps_unknown_type_names_it(provider: DefaultJSONProvider) -> None:
    class Opaque:
        def __repr__(self) -> str:
            return "<Opaque thing>"

    with pytest.raises(TypeError, match=r"type Opaque is not JSON serializable"):
        provider.dumps({"v": Opaque()})
    with pytest.raises(TypeError, match="<Opaque thing>"):
        provider.dumps([Opaque()])


def test_dumps_dataclass_class_itself_is_not_serialised(
    provider: DefaultJSONProvider,
) -> None:
    with pytest.raises(TypeError, match="type type is not JSON serializable"):
        provider.dumps(Point)


def test_custom_default_in_subclass(app: StandInApp) -> None:
    class SetProvider(DefaultJSONProvider):
        @staticmethod
        def default(o: t.Any) -> t.Any:
            if isinstance(o, set | frozenset):
                return sorted(o)
            return DefaultJSONProvider.default(o)

    provider = SetProvider(app)
    assert provider.dumps({"s": {3, 1, 2}, "u": uuid.UUID(int=0)}) == (
        '{"s": [1, 2, 3], "u": "00000000-0000-0000-0000-000000000000"}'
    )


# -- loads, dump, load --------------------------------------------------------


def test_loads_text_and_bytes(provider: DefaultJSONProvider) -> None:
    assert provider.loads('{"a": [1, 2.5, null]}') == {"a": [1, 2.5, None]}
    assert provider.loads('{"é": 1}'.encode()) == {"é": 1}
    assert provider.loads('{"é": 1}'.encode("utf-16")) == {"é": 1}


def test_loads_error_says_where(provider: DefaultJSONProvider) -> None:
    with pytest.raises(stdlib_json.JSONDecodeError) as info:
        provider.loads('{"a": 1,\n "b": }')
    assert (info.value.lineno, info.value.colno) == (2, 7)


def test_dump_and_load_files(provider: DefaultJSONProvider) -> None:
    out = io.StringIO()
    provider.dump({"b": 1, "a": Point(1, 2)}, out)
    assert out.getvalue() == '{"a": {"x": 1, "y": 2}, "b": 1}'
    assert provider.load(io.StringIO(out.getvalue())) == {
        "a": {"x": 1, "y": 2},
        "b": 1,
    }
    assert provider.load(io.BytesIO(b"[1, 2]")) == [1, 2]


# -- response -----------------------------------------------------------------


def body(response: Response) -> str:
    return response.get_data(as_text=True)


def test_response_one_argument(provider: DefaultJSONProvider) -> None:
    response = provider.response({"b": 1, "a": [1, 2]})
    assert isinstance(response, Response)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert body(response) == '{"a":[1,2],"b":1}\n'


def test_response_argument_forms(provider: DefaultJSONProvider) -> None:
    assert body(provider.response([1, 2])) == "[1,2]\n"
    assert body(provider.response(1, "two", None)) == '[1,"two",null]\n'
    assert body(provider.response(name="x", id=1)) == '{"id":1,"name":"x"}\n'
    assert body(provider.response()) == "null\n"
    assert body(provider.response("text")) == '"text"\n'
    assert body(provider.response(None)) == "null\n"


def test_response_refuses_args_and_kwargs(provider: DefaultJSONProvider) -> None:
    with pytest.raises(TypeError, match="either positional arguments or keyword"):
        provider.response({"a": 1}, b=2)


def test_response_pretty_in_debug(app: StandInApp) -> None:
    provider = DefaultJSONProvider(app)
    app.debug = True  # read when the response is built, not when created
    assert body(provider.response(b=1, a=[1])) == (
        '{\n  "a": [\n    1\n  ],\n  "b": 1\n}\n'
    )


@pytest.mark.parametrize(
    ("compact", "debug", "expected"),
    [
        (None, False, '{"a":1}\n'),
        (None, True, '{\n  "a": 1\n}\n'),
        (True, True, '{"a":1}\n'),
        (False, False, '{\n  "a": 1\n}\n'),
    ],
)
def test_response_compact_setting(
    compact: bool | None, debug: bool, expected: str
) -> None:
    app = StandInApp(debug=debug)
    provider = DefaultJSONProvider(app)
    provider.compact = compact
    assert body(provider.response(a=1)) == expected


def test_response_uses_app_response_class_and_mimetype(app: StandInApp) -> None:
    class MyResponse(Response):
        pass

    class ApiProvider(DefaultJSONProvider):
        mimetype = "application/vnd.api+json"

    app.response_class = MyResponse
    response = ApiProvider(app).response(ok=True)
    assert type(response) is MyResponse
    assert response.headers["Content-Type"] == "application/vnd.api+json"


def test_response_respects_sort_keys_and_ensure_ascii(
    provider: DefaultJSONProvider,
) -> None:
    provider.sort_keys = False
    provider.ensure_ascii = False
    assert body(provider.response(z=1, a="é")) == '{"z":1,"a":"é"}\n'


# -- the JSONProvider base class ---------------------------------------------


def test_base_provider_requires_dumps_and_loads(app: StandInApp) -> None:
    provider = JSONProvider(app)
    with pytest.raises(NotImplementedError, match=r"JSONProvider must implement"):
        provider.dumps({})
    with pytest.raises(NotImplementedError, match=r"loads\(s"):
        provider.loads("{}")


def test_subclass_with_dumps_and_loads_gets_the_rest(app: StandInApp) -> None:
    class ReprProvider(JSONProvider):
        """A toy provider: a different library behind the same interface."""

        def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
            return stdlib_json.dumps(obj, separators=(";", "="))

        def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
            return {"loaded": s}

    provider = ReprProvider(app)
    out = io.StringIO()
    provider.dump({"a": 1}, out)
    assert out.getvalue() == '{"a"=1}'
    assert provider.load(io.StringIO("x")) == {"loaded": "x"}
    response = provider.response(a=1, b=2)
    assert body(response) == '{"a"=1;"b"=2}\n'
    assert response.mimetype == "application/json"


def test_provider_does_not_keep_app_alive() -> None:
    app = StandInApp()
    provider = DefaultJSONProvider(app)
    ref = weakref.ref(app)
    del app
    gc.collect()
    assert ref() is None
    with pytest.raises(ReferenceError):
        provider.response(a=1)


# -- module functions without an application context ------------------------


def test_module_dumps_without_app_handles_extra_types() -> None:
    data = {"when": date(2020, 1, 2), "id": uuid.UUID(int=1), "p": Point(1, 2)}
    assert stdlib_json.loads(jigger.json.dumps(data, sort_keys=True)) == {
        "id": "00000000-0000-0000-0000-000000000001",
        "p": {"x": 1, "y": 2},
        "when": "Thu, 02 Jan 2020 00:00:00 GMT",
    }


def test_module_dumps_without_app_passes_options() -> None:
    assert jigger.json.dumps({"b": "é", "a": 1}, ensure_ascii=False, indent=None) == (
        '{"b": "é", "a": 1}'
    )
    with pytest.raises(TypeError, match="type object is not JSON serializable"):
        jigger.json.dumps(object())


def test_module_dump_load_loads_without_app() -> None:
    out = io.StringIO()
    jigger.json.dump([decimal.Decimal("2.50")], out)
    assert out.getvalue() == '["2.50"]'
    assert jigger.json.load(io.StringIO(out.getvalue())) == ["2.50"]
    assert jigger.json.load(io.BytesIO(b'{"a": 1}')) == {"a": 1}
    assert jigger.json.loads(b"[true, false]") == [True, False]


def test_jsonify_needs_an_app_context() -> None:
    with pytest.raises(RuntimeError, match="Working outside of application context"):
        jigger.json.jsonify(a=1)


# -- module functions inside a context: they go through current_app.json -----


class _StandInContext:
    def __init__(self, app: StandInApp) -> None:
        self.app = app


@pytest.fixture
def pushed(app: StandInApp) -> Iterator[StandInApp]:
    """Make ``app`` current the way an application context does."""
    token = _cv_ctx.set(_StandInContext(app))  # type: ignore[arg-type]
    try:
        yield app
    finally:
        _cv_ctx.reset(token)


def test_module_functions_use_the_current_provider(pushed: StandInApp) -> None:
    assert jigger.json.dumps({"b": 1, "a": 2}) == '{"a": 2, "b": 1}'
    t.cast(DefaultJSONProvider, pushed.json).sort_keys = False
    assert jigger.json.dumps({"b": 1, "a": 2}) == '{"b": 1, "a": 2}'
    out = io.StringIO()
    jigger.json.dump({"b": 1, "a": 2}, out)
    assert out.getvalue() == '{"b": 1, "a": 2}'


def test_module_loads_goes_through_the_provider(pushed: StandInApp) -> None:
    class Recording(DefaultJSONProvider):
        def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
            return ("recorded", super().loads(s, **kwargs))

    pushed.json = Recording(pushed)
    assert jigger.json.loads("[1]") == ("recorded", [1])
    assert jigger.json.load(io.StringIO("2")) == ("recorded", 2)


def test_jsonify_uses_the_current_provider(pushed: StandInApp) -> None:
    response = jigger.json.jsonify(1, 2)
    assert body(response) == "[1,2]\n"
    assert response.mimetype == "application/json"
    pushed.debug = True
    assert body(jigger.json.jsonify(a=1)) == '{\n  "a": 1\n}\n'
    with pytest.raises(TypeError, match="not both"):
        jigger.json.jsonify([1], a=1)


# -- through a real application ----------------------------------------------


@pytest.fixture
def real_app() -> Jigger:
    return Jigger(__name__)


def test_app_has_a_default_provider(real_app: Jigger) -> None:
    assert type(real_app.json) is DefaultJSONProvider
    assert real_app.json_provider_class is DefaultJSONProvider


def test_jsonify_in_a_view(real_app: Jigger) -> None:
    @real_app.get("/shape")
    def shape() -> Response:
        return jsonify(Shape("dot", [Point(1, 2)]))

    @real_app.get("/list")
    def as_list() -> Response:
        return jsonify(1, "two", uuid.UUID(int=3))

    @real_app.get("/kw")
    def as_kwargs() -> Response:
        return jsonify(when=date(2000, 1, 1), price=decimal.Decimal("0.10"))

    client = real_app.test_client()
    response = client.get("/shape")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert isinstance(response, JiggerResponse)
    assert response.get_data(as_text=True) == (
        '{"name":"dot","points":[{"x":1,"y":2}]}\n'
    )
    assert client.get("/list").json == [
        1,
        "two",
        "00000000-0000-0000-0000-000000000003",
    ]
    assert client.get("/kw").json == {
        "price": "0.10",
        "when": "Sat, 01 Jan 2000 00:00:00 GMT",
    }


def test_jsonify_mixing_arguments_fails_the_view(real_app: Jigger) -> None:
    real_app.testing = True  # let the error propagate to the test

    @real_app.get("/")
    def both() -> Response:
        return jsonify([1], a=2)

    with pytest.raises(TypeError, match="not both"):
        real_app.test_client().get("/")


def test_sort_keys_setting_applies_to_views_and_helpers(real_app: Jigger) -> None:
    @real_app.get("/jsonify")
    def with_jsonify() -> Response:
        return jsonify(b=1, a=2)

    @real_app.get("/dict")
    def with_dict() -> dict[str, int]:
        return {"b": 1, "a": 2}

    client = real_app.test_client()
    assert client.get("/jsonify").get_data(as_text=True) == '{"a":2,"b":1}\n'
    assert client.get("/dict").get_data(as_text=True) == '{"a":2,"b":1}\n'
    with real_app.app_context():
        assert jigger.json.dumps({"b": 1, "a": 2}) == '{"a": 2, "b": 1}'

    real_app.json.sort_keys = False  # type: ignore[attr-defined]
    assert client.get("/jsonify").get_data(as_text=True) == '{"b":1,"a":2}\n'
    assert client.get("/dict").get_data(as_text=True) == '{"b":1,"a":2}\n'
    with real_app.app_context():
        assert jigger.json.dumps({"b": 1, "a": 2}) == '{"b": 1, "a": 2}'


def test_debug_pretty_prints_and_compact_overrides(real_app: Jigger) -> None:
    @real_app.get("/")
    def view() -> dict[str, list[int]]:
        return {"a": [1]}

    client = real_app.test_client()
    assert client.get("/").get_data(as_text=True) == '{"a":[1]}\n'
    real_app.debug = True
    assert client.get("/").get_data(as_text=True) == '{\n  "a": [\n    1\n  ]\n}\n'
    real_app.json.compact = True  # type: ignore[attr-defined]
    assert client.get("/").get_data(as_text=True) == '{"a":[1]}\n'
    real_app.debug = False
    real_app.json.compact = False  # type: ignore[attr-defined]
    assert client.get("/").get_data(as_text=True) == '{\n  "a": [\n    1\n  ]\n}\n'


def test_ensure_ascii_setting(real_app: Jigger) -> None:
    @real_app.get("/")
    def view() -> dict[str, str]:
        return {"name": "Zoë"}

    client = real_app.test_client()
    assert client.get("/").data == b'{"name":"Zo\\u00eb"}\n'
    real_app.json.ensure_ascii = False  # type: ignore[attr-defined]
    assert client.get("/").data == '{"name":"Zoë"}\n'.encode()


class SetsJSONProvider(DefaultJSONProvider):
    """A provider that serialises sets and marks what it loads."""

    @staticmethod
    def default(o: t.Any) -> t.Any:
        if isinstance(o, set):
            return sorted(o)
        return DefaultJSONProvider.default(o)

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        data = super().loads(s, **kwargs)
        if isinstance(data, dict):
            data["_loaded_by"] = type(self).__name__
        return data


class SetsApp(Jigger):
    json_provider_class = SetsJSONProvider


def test_json_provider_class_on_an_app_subclass() -> None:
    app = SetsApp(__name__)
    assert isinstance(app.json, SetsJSONProvider)

    @app.get("/")
    def view() -> Response:
        return jsonify(tags={"b", "a"})

    data = app.test_client().get("/").data
    assert stdlib_json.loads(data) == {"tags": ["a", "b"]}
    with app.app_context():
        loaded = jigger.json.loads('{"x": 1}')
    assert loaded == {"x": 1, "_loaded_by": "SetsJSONProvider"}
    assert jigger.json.loads('{"x": 1}') == {"x": 1}, "no app context: plain json"


def test_replacing_app_json_instance(real_app: Jigger) -> None:
    real_app.json = SetsJSONProvider(real_app)

    @real_app.get("/")
    def view() -> Response:
        return jsonify({"s": {2, 1}})

    assert stdlib_json.loads(real_app.test_client().get("/").data) == {"s": [1, 2]}


def test_request_and_test_response_json_go_through_app_json() -> None:
    app = SetsApp(__name__)

    @app.post("/")
    def view() -> dict[str, t.Any]:
        return {"got": request.get_json()}

    response = app.test_client().post("/", json={"a": 1})
    assert stdlib_json.loads(response.data) == {
        "got": {"a": 1, "_loaded_by": "SetsJSONProvider"}
    }
    assert response.json == {
        "got": {"a": 1, "_loaded_by": "SetsJSONProvider"},
        "_loaded_by": "SetsJSONProvider",
    }


def test_jsonify_outside_context_names_the_fix(real_app: Jigger) -> None:
    with pytest.raises(RuntimeError, match=r"with app\.app_context\(\):"):
        jsonify(a=1)
    with real_app.app_context():
        assert jsonify(a=1).get_data(as_text=True) == '{"a":1}\n'


def test_jigger_json_and_jsonify_are_exported() -> None:
    import jigger.json.provider as provider_module

    assert jigger.jsonify is jsonify
    assert provider_module.DefaultJSONProvider is DefaultJSONProvider

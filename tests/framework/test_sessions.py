"""Sessions through real request cycles: signed cookies, key rotation, the
cookie settings, permanence, bad cookies, other session stores, and the
error without a secret key."""

from __future__ import annotations

import base64
import json
import string
import time
import typing as t
import uuid
import zlib
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from markupsafe import Markup
from werkzeug.http import parse_date

from jigger import Jigger, Response, request, session
from jigger.sessions import (
    NullSession,
    SecureCookieSession,
    SecureCookieSessionInterface,
    SessionInterface,
    SessionMixin,
)
from jigger.wrappers import Request


def make_app(secret_key: str | bytes | None = "first key", **config: t.Any) -> Jigger:
    app = Jigger(__name__)
    app.testing = True
    app.secret_key = secret_key
    app.config.update(config)

    @app.post("/set/<key>/<value>")
    def set_value(key: str, value: str) -> str:
        session[key] = value
        return "set"

    @app.get("/get/<key>")
    def get_value(key: str) -> str:
        return repr(session.get(key))

    @app.get("/all")
    def show_all() -> dict[str, t.Any]:
        return dict(session)

    @app.get("/untouched")
    def untouched() -> str:
        return "no session here"

    @app.post("/clear")
    def clear() -> str:
        session.clear()
        return "cleared"

    @app.post("/permanent")
    def permanent() -> str:
        session.permanent = True
        session["user"] = "ada"
        return "permanent"

    return app


def set_cookie_attrs(rv: t.Any, name: str = "session") -> dict[str, str | bool]:
    """The attributes of the ``Set-Cookie`` header for ``name`` (lowercase
    names; flags map to True; the value is under 'value')."""
    for header in rv.headers.getlist("Set-Cookie"):
        first, *rest = header.split("; ")
        key, _, value = first.partition("=")
        if key != name:
            continue
        attrs: dict[str, str | bool] = {"value": value}
        for item in rest:
            k, sep, v = item.partition("=")
            attrs[k.lower()] = v if sep else True
        return attrs
    raise AssertionError(f"no Set-Cookie for {name!r} in {rv.headers!r}")


def cookie_value(data: t.Any, key: str | bytes) -> str:
    """A session cookie value for ``data`` as an app with ``key`` makes it."""
    other = make_app(secret_key=key)
    serializer = SecureCookieSessionInterface().get_signing_serializer(other)
    assert serializer is not None
    return serializer.dumps(data)


# -- the round trip -----------------------------------------------------------


def test_session_survives_between_requests() -> None:
    app = make_app()
    client = app.test_client()
    assert client.get("/get/user").text == "None"
    assert client.post("/set/user/ada").text == "set"
    assert client.get("/get/user").text == "'ada'"
    assert client.get("/all").json == {"user": "ada"}


def test_cookie_is_signed_not_plain() -> None:
    app = make_app()
    client = app.test_client()
    rv = client.post("/set/user/ada")
    value = t.cast(str, set_cookie_attrs(rv)["value"])
    # readable, but only with the key can it be verified
    serializer = URLSafeTimedSerializer(
        "first key",
        salt="cookie-session",
        signer_kwargs={"digest_method": _sha1(), "key_derivation": "hmac"},
    )
    assert serializer.loads(value) == {"user": "ada"}
    wrong = URLSafeTimedSerializer(
        "other key",
        salt="cookie-session",
        signer_kwargs={"digest_method": _sha1(), "key_derivation": "hmac"},
    )
    with pytest.raises(Exception, match="Signature"):
        wrong.loads(value)


def _sha1() -> t.Any:
    import hashlib

    return hashlib.sha1


def test_a_second_client_has_its_own_session() -> None:
    app = make_app()
    first, second = app.test_client(), app.test_client()
    first.post("/set/user/ada")
    assert second.get("/get/user").text == "None"


def test_tagged_values_round_trip_through_requests() -> None:
    app = make_app()
    ident = uuid.UUID("12345678-1234-5678-1234-567812345678")
    when = datetime(2024, 5, 1, 12, 30, 15, tzinfo=UTC)
    values: dict[str, t.Any] = {
        "tuple": (1, "two", (3,)),
        "bytes": b"\x00\xffraw",
        "markup": Markup("<b>bold</b>"),
        "uuid": ident,
        "when": when,
        "nested": {"items": [(1, 2), {"id": ident}], " t": "looks like a tag"},
    }

    @app.post("/store")
    def store() -> str:
        session.update(values)
        return "ok"

    @app.get("/check")
    def check() -> dict[str, t.Any]:
        return {
            key: [type(session[key]).__name__, session[key] == value]
            for key, value in values.items()
        }

    client = app.test_client()
    client.post("/store")
    assert client.get("/check").json == {
        "tuple": ["tuple", True],
        "bytes": ["bytes", True],
        "markup": ["Markup", True],
        "uuid": ["UUID", True],
        "when": ["datetime", True],
        "nested": ["dict", True],
    }


# -- the wire format: cookies Flask wrote, and cookies Flask reads --------------

#: One value of every built-in tag, nested, plus a dict that looks like a tag.
WIRE_VALUES: dict[str, t.Any] = {
    "tuple": (1, "two", (3,)),
    "bytes": b"\x00\xffraw",
    "markup": Markup("<b>bold</b>"),
    "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "when": datetime(2024, 5, 1, 12, 30, 15, tzinfo=UTC),
    "nested": {"items": [(1, 2), {"raw": b"z"}], "deep": {" t": "like a tag"}},
}


def _flask_session_cookie(values: dict[str, t.Any], key: str) -> str:
    """The session cookie Flask itself writes for ``values``."""
    import flask

    flask_app = flask.Flask(__name__)
    flask_app.secret_key = key

    @flask_app.post("/store")
    def store() -> str:
        flask.session.update(values)
        return "ok"

    flask_client = flask_app.test_client()
    flask_client.post("/store")
    cookie = flask_client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _payload(cookie: str) -> str:
    """The serialized data of a signed cookie, without timestamp and signature."""
    return cookie.rsplit(".", 2)[0]


def test_reads_session_cookies_that_flask_wrote() -> None:
    flask_cookie = _flask_session_cookie(WIRE_VALUES, "shared key")
    app = make_app(secret_key="shared key")
    with app.test_request_context(headers={"Cookie": f"session={flask_cookie}"}):
        loaded = app.session_interface.open_session(app, request)
    assert loaded is not None
    assert dict(loaded) == WIRE_VALUES
    assert type(loaded["tuple"]) is tuple
    assert type(loaded["markup"]) is Markup


def test_writes_session_cookies_byte_for_byte_as_flask() -> None:
    flask_cookie = _flask_session_cookie(WIRE_VALUES, "shared key")
    app = make_app(secret_key="shared key")

    @app.post("/store")
    def store() -> str:
        session.update(WIRE_VALUES)
        return "ok"

    client = app.test_client()
    client.post("/store")
    ours = client.get_cookie("session")
    assert ours is not None
    assert _payload(ours.value) == _payload(flask_cookie)


# -- the secret key and key rotation -------------------------------------------


def test_rotated_key_still_reads_old_cookies_and_signs_with_the_new_one() -> None:
    old_app = make_app(secret_key="old key")
    client = old_app.test_client()
    client.post("/set/user/ada")
    old_cookie = client.get_cookie("session")
    assert old_cookie is not None

    new_app = make_app(secret_key="new key", SECRET_KEY_FALLBACKS=["old key"])
    new_client = new_app.test_client()
    new_client.set_cookie("session", old_cookie.value)
    assert new_client.get("/get/user").text == "'ada'"

    rv = new_client.post("/set/role/admin")
    new_value = t.cast(str, set_cookie_attrs(rv)["value"])
    assert new_value != old_cookie.value
    # signed with the newest key: an app with only that key reads it ...
    only_new = make_app(secret_key="new key").test_client()
    only_new.set_cookie("session", new_value)
    assert only_new.get("/all").json == {"user": "ada", "role": "admin"}
    # ... and the old app (old key only) does not
    old_again = make_app(secret_key="old key").test_client()
    old_again.set_cookie("session", new_value)
    assert old_again.get("/all").json == {}


def test_without_the_fallback_old_cookies_are_dropped() -> None:
    value = cookie_value({"user": "ada"}, "old key")
    client = make_app(secret_key="new key").test_client()
    client.set_cookie("session", value)
    rv = client.get("/all")
    assert (rv.status_code, rv.json) == (200, {})


def test_several_fallbacks_and_bytes_keys() -> None:
    app = make_app(secret_key=b"newest", SECRET_KEY_FALLBACKS=["oldest", b"middle"])
    for key in ("oldest", b"middle", b"newest"):
        client = app.test_client()
        client.set_cookie("session", cookie_value({"k": str(key)}, key))
        assert client.get("/all").json == {"k": str(key)}


def test_a_single_fallback_key_without_a_list() -> None:
    app = make_app(secret_key="new key", SECRET_KEY_FALLBACKS="old key")
    client = app.test_client()
    client.set_cookie("session", cookie_value({"user": "ada"}, "old key"))
    assert client.get("/all").json == {"user": "ada"}
    # not split into one-character keys
    client.set_cookie("session", cookie_value({"user": "eve"}, "o"))
    assert client.get("/all").json == {}


def test_missing_secret_key_reading_works_writing_explains() -> None:
    app = make_app(secret_key=None)
    client = app.test_client()
    assert client.get("/get/user").text == "None"
    assert client.get("/all").json == {}
    with pytest.raises(RuntimeError) as info:
        client.post("/set/user/ada")
    message = str(info.value)
    assert "secret key" in message
    assert "app.config['SECRET_KEY']" in message
    assert "secrets" in message  # how to make a good one


def test_missing_secret_key_is_a_500_page_when_not_testing() -> None:
    app = make_app(secret_key=None)
    app.testing = False
    rv = app.test_client().post("/set/user/ada")
    assert rv.status_code == 500
    assert "Set-Cookie" not in rv.headers


def test_null_session_refuses_every_write() -> None:
    null = NullSession()
    assert null.get("x") is None
    assert not null
    writes: list[t.Callable[[], object]] = [
        lambda: null.__setitem__("a", 1),
        lambda: null.setdefault("a", 1),
        lambda: null.update(a=1),
        lambda: null.pop("a"),
        lambda: null.popitem(),
        null.clear,
        lambda: null.__delitem__("a"),
    ]
    for write in writes:
        with pytest.raises(RuntimeError, match="SECRET_KEY"):
            write()


# -- bad cookies: an empty session and a normal page --------------------------


def _good_cookie() -> str:
    return cookie_value({"user": "ada"}, "first key")


def _tampered() -> str:
    value = _good_cookie()
    payload, _, rest = value.partition(".")
    data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    forged = data.replace(b"ada", b"eve")
    assert forged != data
    return base64.urlsafe_b64encode(forged).decode().rstrip("=") + "." + rest


def _expired() -> str:
    old = int(time.time()) - int(timedelta(days=32).total_seconds())
    with pytest.MonkeyPatch.context() as m:
        m.setattr(TimestampSigner, "get_timestamp", lambda self: old)
        return _good_cookie()


BAD_COOKIES: dict[str, t.Callable[[], str]] = {
    "tampered": _tampered,
    "truncated": lambda: _good_cookie()[:-5],
    "half": lambda: _good_cookie()[: len(_good_cookie()) // 2],
    "other key": lambda: cookie_value({"user": "ada"}, "other key"),
    "garbage base64": lambda: "!!!not*base64@@.###.$$$",
    "no dots": lambda: "c2Vzc2lvbg",
    "signed non-dict": lambda: cookie_value(["user"], "first key"),
    "expired": _expired,
    "empty payload": lambda: "..",
    "unicode": lambda: "sess\u00efon.\u2603",
}


@pytest.mark.parametrize("kind", sorted(BAD_COOKIES))
def test_bad_cookie_gives_an_empty_session_and_a_normal_page(kind: str) -> None:
    app = make_app()
    app.testing = False  # an error would become a 500 page, not an exception
    client = app.test_client()
    client.set_cookie("session", BAD_COOKIES[kind]())
    rv = client.get("/all")
    assert rv.status_code == 200
    assert rv.json == {}
    # and the client can start afresh
    assert client.post("/set/user/bob").status_code == 200
    assert client.get("/all").json == {"user": "bob"}


def test_expired_cookie_is_read_when_within_the_lifetime() -> None:
    """The expiry test above fails for the right reason: the same cookie is
    accepted by an app with a longer lifetime."""
    value = _expired()
    client = make_app(PERMANENT_SESSION_LIFETIME=timedelta(days=60)).test_client()
    client.set_cookie("session", value)
    assert client.get("/all").json == {"user": "ada"}


# -- cookie settings ------------------------------------------------------------


def test_default_cookie_attributes() -> None:
    rv = make_app().test_client().post("/set/a/b")
    attrs = set_cookie_attrs(rv)
    assert attrs["path"] == "/"
    assert attrs.get("httponly") is True
    assert "secure" not in attrs
    assert "samesite" not in attrs
    assert "partitioned" not in attrs
    assert "domain" not in attrs
    assert "expires" not in attrs  # a browser-session cookie
    assert "Cookie" in rv.headers["Vary"]


def test_every_session_cookie_setting() -> None:
    app = make_app(
        SESSION_COOKIE_NAME="sid",
        SESSION_COOKIE_DOMAIN="example.test",
        SESSION_COOKIE_PATH="/app",
        SESSION_COOKIE_HTTPONLY=False,
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_SAMESITE="None",
        SESSION_COOKIE_PARTITIONED=True,
    )
    client = app.test_client()
    rv = client.post("/set/user/ada", base_url="https://example.test")
    assert "session" not in {h.split("=")[0] for h in rv.headers.getlist("Set-Cookie")}
    attrs = set_cookie_attrs(rv, "sid")
    assert attrs["domain"] == "example.test"
    assert attrs["path"] == "/app"
    assert "httponly" not in attrs
    assert attrs["secure"] is True
    assert attrs["samesite"] == "None"
    assert attrs["partitioned"] is True


@pytest.mark.parametrize("samesite", ["Lax", "Strict"])
def test_samesite_values(samesite: str) -> None:
    rv = make_app(SESSION_COOKIE_SAMESITE=samesite).test_client().post("/set/a/b")
    assert set_cookie_attrs(rv)["samesite"] == samesite


def test_cookie_path_defaults_to_application_root() -> None:
    app = make_app(APPLICATION_ROOT="/shop")
    rv = app.test_client().post("/set/a/b")
    assert set_cookie_attrs(rv)["path"] == "/shop"


def test_custom_cookie_name_is_read_back() -> None:
    app = make_app(SESSION_COOKIE_NAME="sid")
    client = app.test_client()
    client.post("/set/user/ada")
    assert client.get_cookie("sid") is not None
    assert client.get_cookie("session") is None
    assert client.get("/get/user").text == "'ada'"


# -- permanence and refresh -----------------------------------------------------


def test_permanent_session_sets_expires_from_the_lifetime() -> None:
    app = make_app(PERMANENT_SESSION_LIFETIME=timedelta(hours=2))
    before = datetime.now(UTC)
    rv = app.test_client().post("/permanent")
    expires = parse_date(t.cast(str, set_cookie_attrs(rv)["expires"]))
    assert expires is not None
    expected = before + timedelta(hours=2)
    assert abs((expires - expected).total_seconds()) < 5


def test_lifetime_given_in_seconds() -> None:
    app = make_app(PERMANENT_SESSION_LIFETIME=600)
    assert app.permanent_session_lifetime == timedelta(seconds=600)
    rv = app.test_client().post("/permanent")
    expires = parse_date(t.cast(str, set_cookie_attrs(rv)["expires"]))
    assert expires is not None
    left = (expires - datetime.now(UTC)).total_seconds()
    assert 590 < left <= 601


def test_non_permanent_session_has_no_expires() -> None:
    rv = make_app().test_client().post("/set/a/b")
    assert "expires" not in set_cookie_attrs(rv)


@pytest.mark.parametrize("refresh", [True, False])
def test_refresh_each_request(refresh: bool) -> None:
    app = make_app(SESSION_REFRESH_EACH_REQUEST=refresh)
    client = app.test_client()
    client.post("/permanent")
    # neither view changes the session; /untouched does not even read it
    for path in ("/get/user", "/untouched"):
        rv = client.get(path)
        cookies = rv.headers.getlist("Set-Cookie")
        assert bool(cookies) is refresh, path
        if refresh:
            assert "expires" in set_cookie_attrs(rv)
    assert client.get("/get/user").text == "'ada'"


def test_non_permanent_session_is_not_refreshed() -> None:
    client = make_app().test_client()
    client.post("/set/a/b")
    rv = client.get("/get/a")
    assert rv.headers.getlist("Set-Cookie") == []


# -- modified, accessed, Vary, deletion -----------------------------------------


def test_reading_varies_by_cookie_without_setting_it() -> None:
    client = make_app().test_client()
    rv = client.get("/get/user")
    assert rv.headers.getlist("Set-Cookie") == []
    assert rv.headers["Vary"] == "Cookie"


def test_not_touching_the_session_adds_nothing() -> None:
    client = make_app().test_client()
    rv = client.get("/untouched")
    assert "Vary" not in rv.headers
    assert rv.headers.getlist("Set-Cookie") == []
    client.post("/set/a/b")
    rv = client.get("/untouched")  # the client has a (non-permanent) session
    assert "Vary" not in rv.headers
    assert rv.headers.getlist("Set-Cookie") == []


def test_modified_and_accessed_flags() -> None:
    app = make_app()
    flags: list[tuple[bool, bool]] = []

    @app.post("/nested")
    def nested() -> str:
        session.setdefault("items", []).append(1)  # a change inside a value
        flags.append((session.modified, session.accessed))
        if "mark" in request.args:
            session.modified = True
        return "ok"

    client = app.test_client()
    rv = client.post("/nested")
    # setdefault on a missing key stores the list: modified
    assert flags[-1] == (True, True)
    assert set_cookie_attrs(rv)
    rv = client.post("/nested")
    assert flags[-1] == (False, True)  # the append inside the list went unseen
    assert rv.headers.getlist("Set-Cookie") == []
    assert client.get("/get/items").text == "[1]"
    rv = client.post("/nested?mark=1")
    assert set_cookie_attrs(rv)
    assert client.get("/get/items").text == "[1, 1]"


def test_session_class_tracks_reads_and_writes() -> None:
    s = SecureCookieSession({"a": 1})
    assert (s.modified, s.accessed) == (False, False)
    assert s.get("a") == 1
    assert (s.modified, s.accessed) == (False, True)
    s = SecureCookieSession()
    s["b"] = 2
    assert (s.modified, s.accessed) == (True, True)
    s = SecureCookieSession({"a": 1})
    del s["a"]
    assert s.modified
    s = SecureCookieSession()
    assert s.new is False
    assert s.permanent is False
    s.permanent = True
    assert s["_permanent"] is True


def test_emptying_the_session_deletes_the_cookie() -> None:
    app = make_app(SESSION_COOKIE_PATH="/", SESSION_COOKIE_DOMAIN="localhost.test")
    client = app.test_client()
    client.post("/set/user/ada", base_url="http://localhost.test")
    rv = client.post("/clear", base_url="http://localhost.test")
    attrs = set_cookie_attrs(rv)
    assert attrs["value"] == ""
    assert attrs["max-age"] == "0"
    assert parse_date(t.cast(str, attrs["expires"])) == datetime(1970, 1, 1, tzinfo=UTC)
    assert attrs["domain"] == "localhost.test"
    assert attrs["path"] == "/"
    assert "Cookie" in rv.headers["Vary"]
    assert client.get("/all", base_url="http://localhost.test").json == {}
    assert client.get_cookie("session", domain="localhost.test") is None


# -- the session is opened lazily -------------------------------------------------


class CountingInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self.opened = 0
        self.saved = 0

    def open_session(self, app: Jigger, request: Request) -> SecureCookieSession | None:
        self.opened += 1
        return super().open_session(app, request)

    def save_session(
        self, app: Jigger, session: SessionMixin, response: Response
    ) -> None:
        self.saved += 1
        super().save_session(app, session, response)


def test_session_is_opened_only_when_used_or_sent() -> None:
    app = make_app()
    counting = CountingInterface()
    app.session_interface = counting
    client = app.test_client()
    client.get("/untouched")
    assert (counting.opened, counting.saved) == (0, 0)
    client.get("/get/user")
    assert (counting.opened, counting.saved) == (1, 1)
    client.post("/set/user/ada")
    assert counting.opened == 2
    # the client now sends a cookie: it is opened (so a permanent session
    # could be refreshed) even by a view that does not use it
    client.get("/untouched")
    assert (counting.opened, counting.saved) == (3, 3)


def test_an_unrelated_cookie_does_not_open_the_session() -> None:
    app = make_app()
    counting = CountingInterface()
    app.session_interface = counting
    client = app.test_client()
    client.set_cookie("theme", "dark")
    client.get("/untouched")
    assert counting.opened == 0


# -- another session store --------------------------------------------------------


class MemorySession(SecureCookieSession):
    def __init__(self, sid: str, initial: dict[str, t.Any] | None = None) -> None:
        super().__init__(initial)
        self.sid = sid


class MemoryInterface(SessionInterface):
    """Sessions kept on the server, the cookie holds only an id."""

    def __init__(self) -> None:
        self.store: dict[str, dict[str, t.Any]] = {}

    def open_session(self, app: Jigger, request: Request) -> MemorySession:
        sid = request.cookies.get(self.get_cookie_name(app))
        if sid and sid in self.store:
            return MemorySession(sid, dict(self.store[sid]))
        return MemorySession(uuid.uuid4().hex)

    def save_session(
        self, app: Jigger, session: SessionMixin, response: Response
    ) -> None:
        assert isinstance(session, MemorySession)
        if session.modified:
            self.store[session.sid] = dict(session)
            response.set_cookie(
                self.get_cookie_name(app),
                session.sid,
                httponly=self.get_cookie_httponly(app),
                path=self.get_cookie_path(app),
            )


def test_custom_session_interface() -> None:
    app = make_app(secret_key=None)  # the store needs no signing key
    memory = MemoryInterface()
    app.session_interface = memory
    client = app.test_client()
    rv = client.post("/set/user/ada")
    sid = t.cast(str, set_cookie_attrs(rv)["value"])
    assert memory.store == {sid: {"user": "ada"}}
    assert client.get("/get/user").text == "'ada'"
    memory.store[sid]["user"] = "changed on the server"
    assert client.get("/get/user").text == "'changed on the server'"

    with client.session_transaction() as sess:
        assert sess["user"] == "changed on the server"
        sess["role"] = "admin"
    assert client.get("/all").json == {"user": "changed on the server", "role": "admin"}


def test_interface_returning_none_gives_a_null_session() -> None:
    class Closed(SecureCookieSessionInterface):
        def open_session(self, app: Jigger, request: Request) -> None:
            return None

    app = make_app()
    app.session_interface = Closed()
    client = app.test_client()
    assert client.get("/get/user").text == "None"
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        client.post("/set/user/ada")


# -- session_transaction --------------------------------------------------------


def test_session_transaction_sets_up_and_inspects() -> None:
    app = make_app()
    client = app.test_client()
    with client.session_transaction() as sess:
        assert dict(sess) == {}
        sess["user"] = "ada"
        sess["cart"] = (1, 2)
    assert client.get("/get/user").text == "'ada'"
    assert client.get("/get/cart").text == "(1, 2)"
    client.post("/set/user/bob")
    with client.session_transaction() as sess:
        assert sess["user"] == "bob"


def test_session_transaction_uses_the_cookie_settings() -> None:
    app = make_app(SESSION_COOKIE_NAME="sid", APPLICATION_ROOT="/shop")

    @app.get("/who")
    def who() -> str:
        return str(session.get("user"))

    client = app.test_client()
    with client.session_transaction() as sess:
        sess["user"] = "ada"
    assert client.get_cookie("sid", path="/shop") is not None
    assert client.get("/who").text == "ada"


def test_session_transaction_without_secret_key() -> None:
    client = make_app(secret_key=None).test_client()
    with pytest.raises(RuntimeError, match="SECRET_KEY"), client.session_transaction():
        pass


def test_session_transaction_without_cookies() -> None:
    client = make_app().test_client(use_cookies=False)
    with (
        pytest.raises(TypeError, match="use_cookies=True"),
        client.session_transaction(),
    ):
        pass


# -- under fuzzing (hypothesis) ------------------------------------------------

_COOKIE_ALPHABET = string.ascii_letters + string.digits + "-_.=!*~:%é"
_session_values: st.SearchStrategy[t.Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=8)
    | st.binary(max_size=8).map(bytes)
    | st.uuids()
    | st.builds(Markup, st.text(max_size=8)),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)
_sessions = st.dictionaries(
    st.text(alphabet=string.ascii_letters, min_size=1, max_size=6),
    _session_values,
    min_size=1,
    max_size=4,
)


def _fuzz_app() -> Jigger:
    app = make_app()
    app.testing = False  # an error would be a 500 page, which the tests look for

    @app.get("/repr")
    def session_repr() -> str:
        return repr(dict(session))

    return app


def _cookie_session(app: Jigger, cookie: str) -> tuple[int, str]:
    """The status and the session (as its repr) the app sees for ``cookie``."""
    rv = app.test_client().get("/repr", headers={"Cookie": f"session={cookie}"})
    return rv.status_code, rv.text


@given(st.text(alphabet=_COOKIE_ALPHABET, max_size=120))
def test_a_random_cookie_gives_an_empty_session(cookie: str) -> None:
    assert _cookie_session(_fuzz_app(), cookie) == (200, "{}")


@given(
    data=_sessions,
    edit=st.sampled_from(["replace", "insert", "delete", "truncate"]),
    where=st.integers(min_value=0),
    char=st.sampled_from(_COOKIE_ALPHABET),
)
def test_a_tampered_cookie_gives_an_empty_session(
    data: dict[str, t.Any], edit: str, where: int, char: str
) -> None:
    app = _fuzz_app()
    cookie = cookie_value(data, "first key")
    at = where % len(cookie)
    if edit == "replace":
        tampered = cookie[:at] + char + cookie[at + 1 :]
    elif edit == "insert":
        tampered = cookie[:at] + char + cookie[at:]
    elif edit == "delete":
        tampered = cookie[:at] + cookie[at + 1 :]
    else:
        tampered = cookie[:at]
    assume(tampered != cookie)
    status, seen = _cookie_session(app, tampered)
    assert status == 200
    # Base64 ignores some low bits of a final character, so a few edits
    # still carry the same signed bytes: then the session is the original.
    assert seen in ("{}", repr(data))


# Payloads a client cannot forge but a leaked or misused key could sign:
# loading them must still not be a server error.
_signed_junk: st.SearchStrategy[t.Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from([" t", " b", " u", " d", " m", " di", "x", " x"]),
            inner,
            max_size=2,
        )
    ),
    max_leaves=6,
)


@given(_signed_junk)
@example([[[[]]]])
@example({" t": 5})
@example({" d": [1]})
def test_a_signed_payload_of_any_shape_is_never_a_server_error(
    payload: t.Any,
) -> None:
    app = _fuzz_app()
    other = SecureCookieSessionInterface().get_signing_serializer(app)
    assert other is not None
    # Sign the raw JSON, bypassing the tagging a real session goes through.
    signer = other.make_signer()
    raw = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=")
    status, seen = _cookie_session(app, signer.sign(raw).decode())
    assert status == 200
    assert seen.startswith("{")


def test_a_signed_payload_nested_too_deeply_gives_an_empty_session() -> None:
    app = _fuzz_app()
    other = SecureCookieSessionInterface().get_signing_serializer(app)
    assert other is not None
    deep = b'{"a":' * 3000 + b"1" + b"}" * 3000
    compressed = b"." + base64.urlsafe_b64encode(zlib.compress(deep)).rstrip(b"=")
    cookie = other.make_signer().sign(compressed).decode()
    assert _cookie_session(app, cookie) == (200, "{}")

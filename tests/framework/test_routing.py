"""Tests for routing: rules, endpoints, methods, converters, redirects and
errors from the URL map, ``url_for`` and its callbacks, hosts and
subdomains, and the explicit style where a view receives the request or the
app as an annotated parameter.
"""

from __future__ import annotations

import functools
import inspect
import typing as t
import uuid

import pytest
from werkzeug.routing import BaseConverter, BuildError, Map, Rule, ValidationError

import jigger
from jigger import Jigger, Request, g, request, url_for

# -- route and the one-method decorators ---------------------------------


def test_route_registers_view_under_function_name(app: Jigger) -> None:
    @app.route("/hello")
    def hello() -> str:
        return "hi"

    assert app.view_functions["hello"] is hello
    rule = next(r for r in app.url_map.iter_rules() if r.rule == "/hello")
    assert rule.endpoint == "hello"
    assert app.test_client().get("/hello").text == "hi"


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_method_decorators_accept_only_their_method(app: Jigger, method: str) -> None:
    decorator: t.Callable[[str], t.Callable[[t.Any], t.Any]]
    decorator = getattr(app, method)

    def thing() -> str:
        return f"{request.method} thing"

    decorator("/thing")(thing)

    client = app.test_client()
    response = client.open("/thing", method=method.upper())
    assert response.status_code == 200
    assert response.text == f"{method.upper()} thing"
    other = "POST" if method != "post" else "PUT"
    wrong = client.open("/thing", method=other)
    assert wrong.status_code == 405
    assert method.upper() in wrong.headers["Allow"]


def test_method_decorator_refuses_methods_option(app: Jigger) -> None:
    with pytest.raises(TypeError, match="use 'route'"):
        app.post("/x", methods=["GET"])


def test_one_function_on_several_rules(app: Jigger) -> None:
    @app.route("/", defaults={"page": 1})
    @app.route("/page/<int:page>")
    def listing(page: int) -> str:
        return f"page {page}"

    client = app.test_client()
    assert client.get("/").text == "page 1"
    assert client.get("/page/3").text == "page 3"
    with app.test_request_context():
        assert url_for("listing") == "/"
        assert url_for("listing", page=4) == "/page/4"


def test_explicit_endpoint_name(app: Jigger) -> None:
    @app.route("/about", endpoint="info")
    def about() -> str:
        return "about"

    assert "info" in app.view_functions
    assert "about" not in app.view_functions
    with app.test_request_context():
        assert url_for("info") == "/about"


def test_add_url_rule_without_view_then_endpoint_decorator(app: Jigger) -> None:
    app.add_url_rule("/later", "later")

    @app.endpoint("later")
    def later_view() -> str:
        return "bound later"

    assert app.test_client().get("/later").text == "bound later"


def test_add_url_rule_needs_endpoint_without_view(app: Jigger) -> None:
    with pytest.raises(TypeError, match="endpoint"):
        app.add_url_rule("/nothing")


def test_second_view_for_an_endpoint_is_refused(app: Jigger) -> None:
    @app.route("/a")
    def index() -> str:
        return "a"

    def other() -> str:
        return "b"

    with pytest.raises(AssertionError, match="'index' already belongs"):
        app.add_url_rule("/b", "index", other)


def test_same_view_may_take_its_endpoint_again(app: Jigger) -> None:
    def index() -> str:
        return "same"

    app.add_url_rule("/a", "index", index)
    app.add_url_rule("/b", "index", index)
    client = app.test_client()
    assert client.get("/a").text == client.get("/b").text == "same"


def test_methods_as_a_string_is_refused(app: Jigger) -> None:
    with pytest.raises(TypeError, match=r"methods=\['POST'\]"):
        app.add_url_rule("/x", "x", lambda: "", methods="POST")


def test_methods_are_case_insensitive(app: Jigger) -> None:
    app.add_url_rule("/x", "x", lambda: request.method, methods=["post", "Put"])
    client = app.test_client()
    assert client.post("/x").text == "POST"
    assert client.put("/x").text == "PUT"
    assert client.get("/x").status_code == 405


def test_view_function_methods_attribute_is_the_default(app: Jigger) -> None:
    def view() -> str:
        return "ok"

    view.methods = ["POST"]  # type: ignore[attr-defined]
    app.add_url_rule("/v", view_func=view)
    client = app.test_client()
    assert client.post("/v").text == "ok"
    assert client.get("/v").status_code == 405


# -- converters ----------------------------------------------------------


def test_builtin_converters(app: Jigger) -> None:
    @app.get("/int/<int:n>")
    def an_int(n: int) -> str:
        return repr(n + 1)

    @app.get("/float/<float:x>")
    def a_float(x: float) -> str:
        return repr(x * 2)

    @app.get("/path/<path:p>")
    def a_path(p: str) -> str:
        return p

    @app.get("/uuid/<uuid:u>")
    def a_uuid(u: uuid.UUID) -> str:
        return type(u).__name__

    @app.get("/any/<any(red, blue):colour>")
    def a_colour(colour: str) -> str:
        return colour

    @app.get("/code/<string(length=2):cc>")
    def a_code(cc: str) -> str:
        return cc

    client = app.test_client()
    assert client.get("/int/41").text == "42"
    assert client.get("/int/x").status_code == 404
    assert client.get("/float/1.5").text == "3.0"
    assert client.get("/path/a/b/c.txt").text == "a/b/c.txt"
    assert client.get(f"/uuid/{uuid.uuid4()}").text == "UUID"
    assert client.get("/uuid/not-a-uuid").status_code == 404
    assert client.get("/any/red").text == "red"
    assert client.get("/any/green").status_code == 404
    assert client.get("/code/fr").text == "fr"
    assert client.get("/code/fra").status_code == 404


class ListConverter(BaseConverter):
    """``a,b,c`` in the URL, ``["a", "b", "c"]`` in the view."""

    def to_python(self, value: str) -> list[str]:
        if not value:
            raise ValidationError()
        return value.split(",")

    def to_url(self, value: t.Any) -> str:
        return ",".join(BaseConverter.to_url(self, item) for item in value)


def test_custom_converter_through_url_map_converters(app: Jigger) -> None:
    app.url_map.converters["list"] = ListConverter

    @app.get("/tags/<list:tags>")
    def tags(tags: list[str]) -> dict[str, t.Any]:
        return {"tags": tags, "url": url_for("tags", tags=list(reversed(tags)))}

    response = app.test_client().get("/tags/py,web,wsgi")
    assert response.json == {"tags": ["py", "web", "wsgi"], "url": "/tags/wsgi,web,py"}


def test_custom_converter_validation_error_is_a_404(app: Jigger) -> None:
    class EvenConverter(BaseConverter):
        regex = r"\d+"

        def to_python(self, value: str) -> int:
            if int(value) % 2:
                raise ValidationError()
            return int(value)

    app.url_map.converters["even"] = EvenConverter
    app.add_url_rule("/even/<even:n>", "even", lambda n: f"{n} is even")
    client = app.test_client()
    assert client.get("/even/4").text == "4 is even"
    assert client.get("/even/5").status_code == 404


# -- methods, HEAD and OPTIONS -------------------------------------------


def test_head_comes_with_get_and_sends_no_body(app: Jigger) -> None:
    calls: list[str] = []

    @app.get("/page")
    def page() -> str:
        calls.append(request.method)
        return "a body of some length"

    response = app.test_client().head("/page")
    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["Content-Length"] == str(len("a body of some length"))
    assert calls == ["HEAD"]


def test_automatic_options_lists_allowed_methods(app: Jigger) -> None:
    calls: list[str] = []

    @app.route("/item", methods=["GET", "POST"])
    def item() -> str:
        calls.append(request.method)
        return "item"

    response = app.test_client().options("/item")
    assert response.status_code == 200
    assert response.data == b""
    assert set(response.allow) == {"GET", "HEAD", "POST", "OPTIONS"}
    assert calls == [], "the view must not run for an automatic OPTIONS"


def test_automatic_options_collects_methods_of_all_rules_on_the_url(
    app: Jigger,
) -> None:
    app.add_url_rule("/r", "read", lambda: "r", methods=["GET"])
    app.add_url_rule("/r", "write", lambda: "w", methods=["PUT"])
    response = app.test_client().options("/r")
    assert set(response.allow) == {"GET", "HEAD", "PUT", "OPTIONS"}


def test_view_that_lists_options_handles_it_itself(app: Jigger) -> None:
    @app.route("/own", methods=["GET", "OPTIONS"])
    def own() -> str:
        return f"own {request.method}"

    response = app.test_client().options("/own")
    assert response.text == "own OPTIONS"


def test_provide_automatic_options_false_argument(app: Jigger) -> None:
    app.add_url_rule("/x", "x", lambda: "x", provide_automatic_options=False)
    response = app.test_client().options("/x")
    assert response.status_code == 405
    assert "OPTIONS" not in response.allow


def test_provide_automatic_options_attribute_on_view(app: Jigger) -> None:
    def view() -> str:
        return "x"

    view.provide_automatic_options = False  # type: ignore[attr-defined]
    app.add_url_rule("/x", view_func=view)
    assert app.test_client().options("/x").status_code == 405


def test_provide_automatic_options_config(app: Jigger) -> None:
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False
    app.add_url_rule("/x", "x", lambda: "x")
    app.add_url_rule(
        "/y",
        "y",
        lambda: "y",
        methods=["GET", "OPTIONS"],
        provide_automatic_options=True,
    )
    client = app.test_client()
    assert client.options("/x").status_code == 405
    response = client.options("/y")
    assert response.status_code == 200
    assert "OPTIONS" in response.allow


def test_unknown_url_is_404_and_wrong_method_is_405_with_allow(app: Jigger) -> None:
    app.add_url_rule("/form", "form", lambda: "ok", methods=["POST"])
    client = app.test_client()
    assert client.get("/nowhere").status_code == 404
    response = client.get("/form")
    assert response.status_code == 405
    assert set(response.allow) == {"POST", "OPTIONS"}


def test_routing_errors_reach_error_handlers(app: Jigger) -> None:
    app.register_error_handler(404, lambda e: ("no such page", 404))
    app.register_error_handler(405, lambda e: (f"not {request.method}", 405))
    app.add_url_rule("/only-post", "p", lambda: "", methods=["POST"])
    client = app.test_client()
    assert client.get("/missing").text == "no such page"
    assert client.delete("/only-post").text == "not DELETE"


# -- strict slashes --------------------------------------------------------


def test_missing_trailing_slash_redirects_with_308(app: Jigger) -> None:
    app.add_url_rule("/folder/", "folder", lambda: "inside")
    client = app.test_client()
    response = client.get("/folder?x=1")
    assert response.status_code == 308
    assert response.headers["Location"] == "http://localhost/folder/?x=1"
    followed = client.get("/folder", follow_redirects=True)
    assert followed.text == "inside"
    assert followed.request.path == "/folder/"


def test_redirect_is_not_sent_to_the_404_handler(app: Jigger) -> None:
    app.register_error_handler(404, lambda e: ("handled", 404))
    app.add_url_rule("/folder/", "folder", lambda: "inside")
    assert app.test_client().get("/folder").status_code == 308


def test_rule_without_slash_does_not_match_with_one(app: Jigger) -> None:
    app.add_url_rule("/file", "file", lambda: "file")
    assert app.test_client().get("/file/").status_code == 404


def test_strict_slashes_false_matches_both(app: Jigger) -> None:
    app.add_url_rule("/loose/", "loose", lambda: "loose", strict_slashes=False)
    client = app.test_client()
    assert client.get("/loose").text == "loose"
    assert client.get("/loose/").text == "loose"


# -- url_for ---------------------------------------------------------------


def _shop(app: Jigger) -> None:
    app.add_url_rule("/item/<int:item_id>", "item", lambda item_id: "")
    app.add_url_rule("/cart", "cart_get", lambda: "", methods=["GET"])
    app.add_url_rule("/cart", "cart", lambda: "", methods=["GET", "POST"])


def test_url_for_in_a_request(app: Jigger) -> None:
    _shop(app)
    with app.test_request_context("/", base_url="https://shop.test/"):
        assert url_for("item", item_id=3) == "/item/3"
        assert url_for("item", item_id=3, q="x y") == "/item/3?q=x+y"
        assert url_for("item", item_id=3, _external=True) == "https://shop.test/item/3"
        assert url_for("item", item_id=3, _anchor="a b") == "/item/3#a%20b"
        assert (
            url_for("item", item_id=3, _scheme="http") == "http://shop.test/item/3"
        ), "_scheme implies an external URL inside a request"


def test_url_for_in_a_request_uses_the_script_root(app: Jigger) -> None:
    _shop(app)
    with app.test_request_context("/", base_url="http://shop.test/mount/"):
        assert url_for("item", item_id=1) == "/mount/item/1"


def test_url_for_method_picks_the_rule(app: Jigger) -> None:
    _shop(app)
    with app.test_request_context():
        assert url_for("cart", _method="POST") == "/cart"
        with pytest.raises(BuildError, match=r"\('DELETE'\)"):
            url_for("cart", _method="DELETE")


def test_url_for_scheme_without_external_is_a_value_error(app: Jigger) -> None:
    _shop(app)
    with app.test_request_context(), pytest.raises(ValueError, match="_external"):
        url_for("cart", _scheme="https", _external=False)


def test_url_for_with_server_name_in_an_app_context(app: Jigger) -> None:
    _shop(app)
    app.config.update(
        SERVER_NAME="shop.test:8080",
        APPLICATION_ROOT="/store",
        PREFERRED_URL_SCHEME="https",
    )
    with app.app_context():
        assert url_for("item", item_id=5) == "https://shop.test:8080/store/item/5"
        assert url_for("item", item_id=5, _external=False) == "/store/item/5"
        assert (
            url_for("item", item_id=5, _scheme="http", _anchor="top")
            == "http://shop.test:8080/store/item/5#top"
        )
        with pytest.raises(ValueError, match="_external"):
            url_for("item", item_id=5, _scheme="http", _external=False)


def test_url_for_external_in_a_request_uses_server_name(app: Jigger) -> None:
    """Flask 3.1 binds the URL map with ``SERVER_NAME`` even when the request
    came in on another host name, so external URLs name the configured host."""
    _shop(app)
    app.config["SERVER_NAME"] = "shop.test"

    @app.get("/where")
    def where() -> str:
        return url_for("item", item_id=1, _external=True)

    client = app.test_client()
    assert client.get("/where").text == "http://shop.test/item/1"
    other = client.get("/where", base_url="http://127.0.0.1")
    assert other.status_code == 200
    assert other.text == "http://shop.test/item/1"


def test_url_for_outside_request_without_server_name(app: Jigger) -> None:
    _shop(app)
    with app.app_context(), pytest.raises(RuntimeError) as info:
        url_for("cart")
    message = str(info.value)
    assert "SERVER_NAME" in message
    assert "test_request_context" in message


def test_url_for_outside_any_context_names_the_fix() -> None:
    with pytest.raises(RuntimeError, match=r"app\.app_context\(\)"):
        url_for("anything")


def test_app_url_for_works_without_pushing_a_context(app: Jigger) -> None:
    _shop(app)
    app.config["SERVER_NAME"] = "shop.test"
    assert app.url_for("item", item_id=2) == "http://shop.test/item/2"


def test_build_error_suggests_a_close_endpoint(app: Jigger) -> None:
    _shop(app)
    with app.test_request_context(), pytest.raises(BuildError) as info:
        url_for("itme", item_id=1)
    assert "Did you mean 'item' instead?" in str(info.value)


def test_build_error_names_missing_values(app: Jigger) -> None:
    _shop(app)
    with app.test_request_context(), pytest.raises(BuildError) as info:
        url_for("item")
    assert "['item_id']" in str(info.value)


def test_url_build_error_handlers_may_supply_a_url(app: Jigger) -> None:
    seen: list[tuple[str, dict[str, t.Any]]] = []

    def external(error: Exception, endpoint: str, values: dict[str, t.Any]) -> str:
        seen.append((endpoint, dict(values)))
        if endpoint == "docs":
            return "https://docs.example/"
        raise error

    app.url_build_error_handlers.append(external)
    with app.test_request_context():
        assert url_for("docs", page="x") == "https://docs.example/"
        with pytest.raises(BuildError, match="'missing'"):
            url_for("missing")
    assert seen[0][0] == "docs"
    assert seen[0][1]["page"] == "x"


def test_url_build_error_handler_returning_none_reraises(app: Jigger) -> None:
    app.url_build_error_handlers.append(lambda error, endpoint, values: None)  # type: ignore[arg-type,return-value]
    with app.test_request_context(), pytest.raises(BuildError):
        url_for("missing")


def test_url_defaults_and_url_value_preprocessor(app: Jigger) -> None:
    @app.url_defaults
    def add_lang(endpoint: str, values: dict[str, t.Any]) -> None:
        if "lang" in g and app.url_map.is_endpoint_expecting(endpoint, "lang"):
            values.setdefault("lang", g.lang)

    @app.url_value_preprocessor
    def pull_lang(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
        assert values is not None
        g.lang = values.pop("lang", None)

    @app.get("/<lang>/")
    def home() -> str:
        return f"{g.lang} {url_for('about')} {url_for('about', lang='de')}"

    @app.get("/<lang>/about")
    def about() -> str:
        return g.lang  # type: ignore[no-any-return]

    client = app.test_client()
    assert client.get("/fr/").text == "fr /fr/about /de/about"
    assert client.get("/en/about").text == "en"


def test_url_value_preprocessor_runs_before_before_request(app: Jigger) -> None:
    order: list[str] = []
    app.url_value_preprocessor(lambda endpoint, values: order.append("values"))
    app.before_request(lambda: order.append("before"))
    app.add_url_rule("/<x>", "x", lambda: "ok")

    @app.url_value_preprocessor
    def drop(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
        assert endpoint == "x"
        assert values == {"x": "v"}
        values.pop("x")

    assert app.test_client().get("/v").text == "ok"
    assert order == ["values", "before"]


# -- hosts and subdomains --------------------------------------------------


def test_subdomain_matching(app: Jigger) -> None:
    app.subdomain_matching = True
    app.config["SERVER_NAME"] = "example.test"

    @app.get("/", subdomain="<user>")
    def profile(user: str) -> str:
        return f"profile of {user}"

    @app.get("/")
    def index() -> str:
        return "index"

    @app.get("/v1", subdomain="api")
    def api() -> str:
        return "api"

    client = app.test_client()
    assert client.get("/").text == "index"
    assert client.get("/", subdomain="ann").text == "profile of ann"
    assert client.get("/v1", subdomain="api").text == "api"
    assert client.get("/v1").status_code == 404
    with app.app_context():
        assert url_for("profile", user="bob") == "http://bob.example.test/"
        assert url_for("api") == "http://api.example.test/v1"


def test_subdomain_rules_ignored_without_subdomain_matching(app: Jigger) -> None:
    app.config["SERVER_NAME"] = "example.test"
    app.add_url_rule("/", "index", lambda: "index")
    app.add_url_rule("/only-api", "api", lambda: "api", subdomain="api")
    client = app.test_client()
    assert client.get("/", subdomain="anything").text == "index"
    assert client.get("/only-api", subdomain="api").status_code == 404


def test_host_matching() -> None:
    app = Jigger("hosts", host_matching=True, static_host="static.test")

    @app.get("/", host="shop.test")
    def shop() -> str:
        return "shop"

    @app.get("/", host="<tenant>.example.test")
    def tenant(tenant: str) -> str:
        return f"tenant {tenant}"

    client = app.test_client()
    assert client.get("/", base_url="http://shop.test").text == "shop"
    assert client.get("/", base_url="http://acme.example.test").text == "tenant acme"
    assert client.get("/", base_url="http://elsewhere.test").status_code == 404
    with app.test_request_context(base_url="http://shop.test"):
        assert url_for("shop") == "/"
        assert url_for("tenant", tenant="q") == "http://q.example.test/"


def test_host_matching_with_static_folder_needs_static_host() -> None:
    with pytest.raises(ValueError, match="static_host"):
        Jigger("hosts", host_matching=True)


def test_trusted_hosts(app: Jigger) -> None:
    app.config["TRUSTED_HOSTS"] = ["good.test", ".trusted.test"]
    app.add_url_rule("/", "host", lambda: request.host)
    client = app.test_client()
    assert client.get("/", base_url="http://good.test").text == "good.test"
    assert client.get("/", base_url="http://good.test:8080").text == "good.test:8080"
    assert client.get("/", base_url="http://a.trusted.test").text == "a.trusted.test"
    bad = client.get("/", base_url="http://evil.test")
    assert bad.status_code == 400
    assert "evil.test" in bad.text
    assert "not trusted" in bad.text


# -- the explicit style: the request and the app as parameters -----------


def test_view_receives_the_request(app: Jigger) -> None:
    @app.get("/hello/<name>")
    def hello(req: Request, name: str) -> dict[str, t.Any]:
        assert req is request._get_current_object()  # type: ignore[attr-defined]
        return {"name": name, "q": req.args.get("q"), "path": req.path}

    response = app.test_client().get("/hello/ada?q=1")
    assert response.json == {"name": "ada", "q": "1", "path": "/hello/ada"}


def test_view_receives_the_app(app: Jigger) -> None:
    @app.get("/name")
    def name(application: Jigger) -> str:
        assert application is app
        return application.name

    assert app.test_client().get("/name").text == "test_routing"


def test_view_receives_both_in_any_order(app: Jigger) -> None:
    @app.post("/both/<int:n>")
    def both(n: int, the_app: jigger.Jigger, r: jigger.Request) -> str:
        return f"{n} {the_app.name} {r.method} {r.get_data(as_text=True)}"

    response = app.test_client().post("/both/2", data="body")
    assert response.text == "2 test_routing POST body"


def test_view_with_an_app_subclass_annotation() -> None:
    class MyApp(Jigger):
        pass

    app = MyApp("sub")

    @app.get("/")
    def index(current: MyApp) -> str:
        return type(current).__name__

    assert app.test_client().get("/").text == "MyApp"


def test_view_with_a_request_subclass_annotation() -> None:
    class MyRequest(Request):
        def shout(self) -> str:
            return self.path.upper()

    class MyApp(Jigger):
        request_class = MyRequest

    app = MyApp("sub")

    @app.get("/loud")
    def loud(req: MyRequest) -> str:
        return req.shout()

    assert app.test_client().get("/loud").text == "/LOUD"


def test_real_class_annotations_without_future_import(app: Jigger) -> None:
    """Annotations evaluated at definition time (no ``from __future__ import
    annotations`` in the view's module) are classes, not strings."""
    namespace: dict[str, t.Any] = {"Request": Request, "Jigger": Jigger}
    source = (
        "def view(r: Request, a: Jigger, x: int) -> str:\n"
        "    return f'{r.path} {a.name} {x + 1}'\n"
    )
    exec(compile(source, "<view>", "exec", dont_inherit=True), namespace)
    view = namespace["view"]
    assert view.__annotations__["r"] is Request
    app.add_url_rule("/real/<int:x>", "real", view)
    assert app.test_client().get("/real/1").text == "/real/1 test_routing 2"


def test_string_annotations_are_used(app: Jigger) -> None:
    def view(req: Request, name: str) -> str:
        return f"{req.method} {name}"

    assert view.__annotations__["req"] == "Request"
    app.add_url_rule("/s/<name>", "s", view)
    assert app.test_client().get("/s/x").text == "GET x"


def test_plain_view_gets_only_url_variables(app: Jigger) -> None:
    received: list[dict[str, t.Any]] = []

    @app.get("/p/<a>/<int:b>")
    def plain(**kwargs: t.Any) -> str:
        received.append(kwargs)
        return "ok"

    @app.get("/unannotated/<name>")
    def unannotated(name, req=None):  # type: ignore[no-untyped-def]
        return f"{name} {req}"

    client = app.test_client()
    assert client.get("/p/x/2").text == "ok"
    assert received == [{"a": "x", "b": 2}]
    assert client.get("/unannotated/n").text == "n None"
    assert app._view_calls["plain"][1] is plain  # no plan: called as it is
    assert app._view_calls["unannotated"][1] is unannotated


def test_other_annotations_are_not_injected(app: Jigger) -> None:
    @app.get("/o/<name>")
    def other(name: str, count: int = 3) -> str:
        return f"{name} {count}"

    assert app.test_client().get("/o/x").text == "x 3"


def test_injection_plan_is_made_at_registration_not_per_request(
    app: Jigger, monkeypatch: pytest.MonkeyPatch
) -> None:
    @app.get("/e/<name>")
    def explicit(req: Request, name: str) -> str:
        return f"{req.path} {name}"

    @app.get("/plain")
    def plain() -> str:
        return "plain"

    calls: list[object] = []

    def spy_signature(*args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        calls.append(args)
        raise AssertionError("inspect.signature called during a request")

    def spy_hints(*args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        calls.append(args)
        raise AssertionError("typing.get_type_hints called during a request")

    monkeypatch.setattr(inspect, "signature", spy_signature)
    monkeypatch.setattr(t, "get_type_hints", spy_hints)
    client = app.test_client()
    for _ in range(3):
        assert client.get("/e/a").text == "/e/a a"
        assert client.get("/plain").text == "plain"
    assert calls == []


def test_view_behind_a_wraps_decorator_receives_the_request(app: Jigger) -> None:
    """A decorator made with functools.wraps (a login check, say) passes
    the injected argument through to the view it wraps."""

    def login_required(view: t.Callable[..., str]) -> t.Callable[..., str]:
        @functools.wraps(view)
        def wrapper(*args: t.Any, **kwargs: t.Any) -> str:
            if "user" not in request.args:
                return "login first"
            return view(*args, **kwargs)

        return wrapper

    @app.get("/account/<int:n>")
    @login_required
    def account(req: Request, n: int) -> str:
        return f"{req.args['user']} {n}"

    client = app.test_client()
    assert client.get("/account/3").text == "login first"
    assert client.get("/account/3?user=ada").text == "ada 3"


def test_endpoint_decorator_view_receives_the_request(app: Jigger) -> None:
    app.add_url_rule("/later/<int:n>", "later")

    @app.endpoint("later")
    def later(n: int, req: Request) -> str:
        return f"{req.path} {n}"

    assert app.test_client().get("/later/7").text == "/later/7 7"


def test_replaced_view_function_is_not_given_the_old_plan(app: Jigger) -> None:
    @app.get("/r")
    def view(req: Request) -> str:
        return req.path

    def replacement() -> str:
        return "replaced"

    app.view_functions["view"] = replacement
    assert app.test_client().get("/r").text == "replaced"


def test_explicit_view_can_be_called_directly_in_a_test(app: Jigger) -> None:
    """The point of the explicit style: a test calls the view with a request
    it built, no context pushed."""

    @app.get("/greet/<name>")
    def greet(req: Request, name: str) -> str:
        return f"hello {name} from {req.remote_addr}"

    from werkzeug.test import EnvironBuilder

    environ = EnvironBuilder("/greet/ada", environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert greet(Request(environ.get_environ()), "ada") == "hello ada from 10.0.0.1"


# -- the fast lane (jigger.routing) must agree with Werkzeug ------------------


def _equivalence_map() -> Map:
    from werkzeug.routing import BaseConverter

    class Upper(BaseConverter):
        def to_python(self, value: str) -> str:
            return value.upper()

    url_map = Map(
        [
            Rule("/", endpoint="index"),
            Rule("/about", endpoint="about"),
            Rule("/docs/", endpoint="docs"),
            Rule("/item/<int:n>", endpoint="item", methods=["GET", "POST"]),
            Rule("/item/<name>", endpoint="item_by_name"),
            Rule("/item/new", endpoint="item_new"),
            Rule("/price/<float:p>", endpoint="price"),
            Rule("/files/<path:p>", endpoint="files"),
            Rule("/u/<uuid:u>", endpoint="uuid"),
            Rule("/color/<any(red, blue):c>", endpoint="color"),
            Rule("/slug/<string(length=3):s>", endpoint="slug"),
            Rule("/neg/<int(signed=True):n>", endpoint="neg"),
            Rule("/page/", endpoint="page", defaults={"n": 1}),
            Rule("/page/<int:n>", endpoint="page"),
            Rule("/loud/<upper:word>", endpoint="loud"),
            Rule("/old", endpoint="old", redirect_to="/about"),
            Rule("/form", endpoint="form_get", methods=["GET"]),
            Rule("/form", endpoint="form_post", methods=["POST"]),
            Rule("/a/<x>/b/<int:y>", endpoint="nested"),
        ],
        converters={"upper": Upper},
    )
    return url_map


_PATHS = [
    "/",
    "/about",
    "/about/",
    "/docs",
    "/docs/",
    "/item/1",
    "/item/001",
    "/item/abc",
    "/item/new",
    "/item/",
    "/item",
    "/price/1.5",
    "/price/1",
    "/files/a/b/c.txt",
    "/files/",
    "/u/12345678-1234-5678-1234-567812345678",
    "/u/nope",
    "/color/red",
    "/color/green",
    "/slug/abc",
    "/slug/abcd",
    "/neg/-4",
    "/page/",
    "/page/1",
    "/page/2",
    "/loud/hey",
    "/old",
    "/form",
    "/a/q/b/2",
    "/a/q/b/z",
    "//about",
    "/ümlaut",
    "/missing",
    "/missing/deeper/",
]


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "DELETE", "OPTIONS"])
def test_fast_lane_agrees_with_werkzeug_whenever_it_answers(method: str) -> None:
    from werkzeug.exceptions import NotFound

    from jigger.routing import FastRouter

    url_map = _equivalence_map()
    router = FastRouter.build(url_map)
    assert router is not None
    answered = 0
    for path in _PATHS:
        adapter = url_map.bind("localhost", path_info=path, url_scheme="http")
        try:
            expected: object = adapter.match(method=method, return_rule=True)
        except Exception as e:  # 404, 405, redirects
            expected = type(e)
        hit = router.match(path, method)
        if hit is not None:
            answered += 1
            assert isinstance(expected, tuple), (path, method, expected)
            assert hit[0] is expected[0], (path, method)
            assert hit[1] == expected[1], (path, method)
        if router.surely_missing(path):
            answered += 1
            assert expected is NotFound, (path, method, expected)
    assert answered >= 10  # the lane is really used, not always deferring


def test_fast_lane_leaves_ambiguous_and_special_rules_to_werkzeug() -> None:
    from jigger.routing import FastRouter

    router = FastRouter.build(_equivalence_map())
    assert router is not None
    # /item/new is static: it wins over both dynamic /item rules.
    rule, args = t.cast(t.Any, router.match("/item/new", "GET"))
    assert (rule.endpoint, args) == ("item_new", {})
    # Both /item/<int:n> and /item/<name> match "7": Werkzeug decides.
    assert router.match("/item/7", "GET") is None
    # Rules with defaults (redirect_defaults), redirect_to, custom converters.
    assert router.match("/page/2", "GET") is None
    assert router.match("/old", "GET") is None
    assert router.match("/loud/hey", "GET") is None
    # One path, one rule per method.
    assert t.cast(t.Any, router.match("/form", "POST"))[0].endpoint == "form_post"
    assert router.match("/form", "PUT") is None  # a 405 is Werkzeug's to build


def test_fast_lane_is_built_on_the_first_request_and_used_after() -> None:
    app = Jigger(__name__)

    @app.get("/n/<int:n>")
    def number(n: int) -> str:
        return str(n * 2)

    assert app._fast_router is None
    client = app.test_client()
    assert client.get("/n/4").text == "8"
    assert app._fast_router is not None
    calls: list[str] = []
    real_bind = app.url_map.bind_to_environ

    def spy(*args: t.Any, **kwargs: t.Any) -> t.Any:
        calls.append("bind")
        return real_bind(*args, **kwargs)

    app.url_map.bind_to_environ = spy  # type: ignore[method-assign]
    assert client.get("/n/5").text == "10"
    assert client.get("/nowhere").status_code == 404
    assert calls == []  # neither request needed Werkzeug's binding
    assert client.get("/n/x").status_code == 404  # not certain: Werkzeug decides
    assert calls == ["bind"]


def test_subdomain_matching_apps_skip_the_fast_lane() -> None:
    app = Jigger(__name__, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.test"
    app.add_url_rule("/", "index", lambda: "root")
    client = app.test_client()
    assert client.get("/").text == "root"
    assert client.get("/", base_url="http://docs.example.test").status_code == 404
    assert app._fast_router is None


# The fast lane is compiled at the first request, so a disagreement with
# Werkzeug only shows from the second request on: each case asks three times.


def _three_answers(app: Jigger, path: str) -> list[tuple[int, str]]:
    client = app.test_client()
    answers = []
    for _ in range(3):
        response = client.get(path)
        answers.append((response.status_code, response.headers.get("Location", "")))
        if response.status_code == 200:
            answers[-1] = (200, response.text)
    return answers


@pytest.mark.parametrize(
    ("rule", "path"),
    [
        ("/item/<int:n>", "/item/7%0A"),
        ("/price/<float:p>", "/price/1.5%0A"),
        ("/files/<path:p>", "/files/a%0A"),
        ("/color/<any(red,blue):c>", "/color/red%0A"),
        ("/u/<uuid:u>", "/u/12345678-1234-5678-1234-567812345678%0A"),
        ("/tail/<int:n>/edit", "/tail/3/edit%0A"),
    ],
)
def test_a_final_newline_is_not_part_of_a_match(rule: str, path: str) -> None:
    # A regular expression's "$" also matches before a final newline;
    # Werkzeug's matcher does not, so "/item/7\n" is a 404 every time.
    app = Jigger(__name__)
    app.add_url_rule(rule, "view", lambda **kw: repr(kw))
    assert _three_answers(app, path) == [(404, "")] * 3


def test_a_rule_with_a_trailing_slash_redirects_before_a_weaker_rule_matches() -> None:
    # Werkzeug tries <int:uid>/ first (int is the stronger converter), finds
    # that "/user/5/" would match and redirects there, although <name> matches
    # "/user/5" as it is.
    app = Jigger(__name__)
    app.add_url_rule("/user/<int:uid>/", "by_id", lambda uid: f"id {uid}")
    app.add_url_rule("/user/<name>", "by_name", lambda name: f"name {name}")
    assert _three_answers(app, "/user/5") == [(308, "http://localhost/user/5/")] * 3
    assert _three_answers(app, "/user/ada") == [(200, "name ada")] * 3

    floats = Jigger(__name__)
    floats.add_url_rule("/p/<float:a>/", "slash", lambda a: f"slash {a}")
    floats.add_url_rule("/p/<float(signed=True):a>", "signed", lambda a: f"s {a}")
    assert _three_answers(floats, "/p/1.5") == [(308, "http://localhost/p/1.5/")] * 3


def test_a_non_strict_rule_wins_its_slash_variant_every_time() -> None:
    app = Jigger(__name__)
    app.add_url_rule("/about/", "about", lambda: "about", strict_slashes=False)
    app.add_url_rule("/<page>", "page", lambda page: f"page {page}")
    assert _three_answers(app, "/about") == [(200, "about")] * 3
    assert _three_answers(app, "/other") == [(200, "page other")] * 3

    plain = Jigger(__name__)
    plain.add_url_rule("/about", "about", lambda: "about", strict_slashes=False)
    plain.add_url_rule("/<page>/", "page", lambda page: f"page {page}")
    assert _three_answers(plain, "/about/") == [(200, "about")] * 3


def test_fast_lane_contests_only_what_a_special_rule_can_reach() -> None:
    from jigger.routing import FastRouter

    url_map = Map(
        [
            Rule("/", endpoint="index", defaults={"page": 1}),
            Rule("/page/<int:page>", endpoint="index"),
            Rule("//twice//slashed", endpoint="merged"),
            Rule("/about", endpoint="about"),
        ]
    )
    router = FastRouter.build(url_map)
    assert router is not None
    # The root rule with defaults is Werkzeug's, and so is its segment ...
    assert router.match("/", "GET") is None
    # ... while other paths are still the fast lane's.
    rule, _ = t.cast(t.Any, router.match("/about", "GET"))
    assert rule.endpoint == "about"
    # Werkzeug merges the rule's slashes: "/twice/..." is contested.
    assert not router.surely_missing("/twice/slashed")
    adapter = url_map.bind("localhost")
    assert adapter.match("/twice/slashed") == ("merged", {})

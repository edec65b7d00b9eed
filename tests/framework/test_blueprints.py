"""Blueprints: prefixes, names, nesting, hooks, handlers and their errors."""

from __future__ import annotations

import pytest
from werkzeug.exceptions import NotFound

from jigger import Blueprint, Jigger, g, request, url_for


def test_routes_get_prefix_and_dotted_endpoints(app: Jigger) -> None:
    bp = Blueprint("shop", __name__, url_prefix="/shop")

    @bp.get("/items/<int:n>")
    def item(n: int) -> str:
        return f"{request.endpoint} {request.blueprint} {n}"

    app.register_blueprint(bp)
    response = app.test_client().get("/shop/items/4")
    assert response.text == "shop.item shop 4"
    assert "shop.item" in app.view_functions


def test_relative_and_absolute_url_for(app: Jigger) -> None:
    bp = Blueprint("admin", __name__, url_prefix="/admin")

    @bp.get("/")
    def index() -> dict[str, str]:
        return {"here": url_for(".users"), "app": url_for("home")}

    @bp.get("/users")
    def users() -> str:
        return ""

    @app.get("/")
    def home() -> str:
        return ""

    app.register_blueprint(bp)
    assert app.test_client().get("/admin/").json == {
        "here": "/admin/users",
        "app": "/",
    }


def test_same_blueprint_twice_under_two_names(app: Jigger) -> None:
    bp = Blueprint("api", __name__)

    @bp.get("/ping")
    def ping() -> str:
        return url_for(".ping")

    app.register_blueprint(bp, url_prefix="/v1")
    app.register_blueprint(bp, url_prefix="/v2", name="api_v2")
    client = app.test_client()
    assert client.get("/v1/ping").text == "/v1/ping"
    assert client.get("/v2/ping").text == "/v2/ping"


def test_duplicate_name_is_a_clear_error(app: Jigger) -> None:
    bp = Blueprint("api", __name__)
    other = Blueprint("api", __name__)
    app.register_blueprint(bp)
    with pytest.raises(ValueError, match="already taken by this blueprint.*name="):
        app.register_blueprint(bp)
    with pytest.raises(ValueError, match="already taken by another blueprint"):
        app.register_blueprint(other)


def test_setup_after_registration_is_refused(app: Jigger) -> None:
    bp = Blueprint("late", __name__)
    app.register_blueprint(bp)
    with pytest.raises(AssertionError, match="after it was registered"):
        bp.add_url_rule("/x", "x", lambda: "x")


@pytest.mark.parametrize("name", ["", "a.b"])
def test_bad_names(name: str) -> None:
    with pytest.raises(ValueError, match="empty|dot"):
        Blueprint(name, __name__)


def test_dotted_endpoint_refused() -> None:
    bp = Blueprint("bp", __name__)
    with pytest.raises(ValueError, match="contains a dot"):
        bp.add_url_rule("/", "a.b", lambda: "")


def test_nested_blueprints_prefix_names_and_hook_order(app: Jigger) -> None:
    parent = Blueprint("parent", __name__, url_prefix="/p")
    child = Blueprint("child", __name__, url_prefix="/c")
    calls: list[str] = []

    @app.before_request
    def app_hook() -> None:
        calls.append("app")

    @parent.before_request
    def parent_hook() -> None:
        calls.append("parent")

    @child.before_request
    def child_hook() -> None:
        calls.append("child")

    @child.get("/leaf")
    def leaf() -> dict[str, object]:
        return {"bps": request.blueprints, "url": url_for(".leaf")}

    parent.register_blueprint(child)
    app.register_blueprint(parent)
    response = app.test_client().get("/p/c/leaf")
    assert response.json == {"bps": ["parent.child", "parent"], "url": "/p/c/leaf"}
    assert calls == ["app", "parent", "child"]


def test_blueprint_hooks_only_for_its_requests(app: Jigger) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/bp")
    seen: list[str] = []

    @bp.before_request
    def only_bp() -> None:
        seen.append(request.path)

    @bp.before_app_request
    def everywhere() -> None:
        g.everywhere = True

    @bp.after_request
    def tag(response):  # type: ignore[no-untyped-def]
        response.headers["X-BP"] = "1"
        return response

    @bp.get("/")
    def bp_index() -> str:
        return "bp"

    @app.get("/")
    def index() -> str:
        return str(g.get("everywhere"))

    app.register_blueprint(bp)
    client = app.test_client()
    assert client.get("/").text == "True"
    assert "X-BP" not in client.get("/").headers
    assert client.get("/bp/").headers["X-BP"] == "1"
    assert seen == ["/bp/"]


def test_blueprint_error_handlers_scope(app: Jigger) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/bp")

    class Oops(Exception):
        pass

    @bp.errorhandler(Oops)
    def bp_oops(e: Oops) -> tuple[str, int]:
        return "bp handled", 409

    @bp.app_errorhandler(404)
    def not_found(e: NotFound) -> tuple[str, int]:
        return "custom 404", 404

    @bp.get("/boom")
    def boom() -> str:
        raise Oops()

    @app.get("/boom")
    def app_boom() -> str:
        raise Oops()

    app.register_blueprint(bp)
    client = app.test_client()
    response = client.get("/bp/boom")
    assert (response.status_code, response.text) == (409, "bp handled")
    with pytest.raises(Oops):  # testing=True propagates unhandled errors
        client.get("/boom")
    assert client.get("/missing").text == "custom 404"


def test_url_defaults_and_value_preprocessor(app: Jigger) -> None:
    bp = Blueprint("lang", __name__, url_prefix="/<lang>")

    @bp.url_value_preprocessor
    def pull_lang(endpoint: str | None, values: dict[str, object] | None) -> None:
        assert values is not None
        g.lang = values.pop("lang")

    @bp.url_defaults
    def add_lang(endpoint: str, values: dict[str, object]) -> None:
        values.setdefault("lang", g.lang)

    @bp.get("/about")
    def about() -> str:
        return f"{g.lang} {url_for('.about')}"

    app.register_blueprint(bp)
    assert app.test_client().get("/fr/about").text == "fr /fr/about"


def test_registration_url_defaults_and_subdomain() -> None:
    app = Jigger(__name__, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.test"
    bp = Blueprint("pages", __name__, subdomain="docs")

    @bp.get("/page/<name>")
    def page(name: str, version: str) -> str:
        return f"{name}@{version}"

    app.register_blueprint(bp, url_defaults={"version": "v1"})
    client = app.test_client()
    assert client.get("/page/intro", base_url="http://docs.example.test").text == (
        "intro@v1"
    )
    assert client.get("/page/intro").status_code == 404


def test_blueprint_static_folder(tmp_path, app: Jigger) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "site.css").write_text("body{}")
    bp = Blueprint(
        "theme",
        __name__,
        static_folder="assets",
        root_path=str(tmp_path),
        url_prefix="/theme",
    )
    app.register_blueprint(bp)
    client = app.test_client()
    response = client.get("/theme/assets/site.css")
    assert response.status_code == 200
    assert response.data == b"body{}"
    response.close()
    assert client.get("/theme/assets/../../etc/passwd").status_code == 404
    with app.test_request_context():
        assert url_for("theme.static", filename="site.css") == "/theme/assets/site.css"


def test_register_on_itself_refused() -> None:
    bp = Blueprint("bp", __name__)
    with pytest.raises(ValueError, match="on itself"):
        bp.register_blueprint(bp)


def test_app_template_decorators_work_bare_called_and_named(app: Jigger) -> None:
    # The same registration helper as app.template_filter: a bare function
    # works too (it used to be taken as the name).
    from jigger import render_template_string

    bp = Blueprint("fmt", __name__)

    @bp.app_template_filter
    def shout(s: str) -> str:
        return s.upper()

    @bp.app_template_filter("whisper")
    def quiet(s: str) -> str:
        return s.lower()

    @bp.app_template_test
    def short(s: str) -> bool:
        return len(s) < 4

    @bp.app_template_global()
    def answer() -> int:
        return 42

    app.register_blueprint(bp)
    with app.app_context():
        text = render_template_string(
            "{{ 'Hi' | shout }} {{ 'Hi' | whisper }} {{ 'Hi' is short }} {{ answer() }}"
        )
    assert text == "HI hi True 42"


def test_every_hook_kind_has_a_registry_decorator_and_app_wide_variant(
    app: Jigger,
) -> None:
    # One table drives them all: each hook kind registered on a blueprint
    # (its own and app-wide) lands in the app's registry under the right key.
    from jigger.sansio.scaffold import HOOK_KINDS

    bp = Blueprint("hooks", __name__)

    def hook(*args: object) -> None:
        return None

    for kind in HOOK_KINDS.values():
        getattr(bp, kind.decorator)(hook)
        getattr(bp, kind.app_wide)(hook)
    app.register_blueprint(bp)
    for kind in HOOK_KINDS.values():
        registry = getattr(app, kind.registry)
        assert len(registry["hooks"]) == 1, kind
        assert len(registry[None]) == 1, kind


def test_nested_subdomains_and_prefixes_join(app: Jigger) -> None:
    app.config["SERVER_NAME"] = "example.test"
    app.subdomain_matching = True
    outer = Blueprint("outer", __name__, subdomain="eu", url_prefix="/o/")
    inner = Blueprint("inner", __name__, subdomain="api", url_prefix="/i")
    bare = Blueprint("bare", __name__)

    @inner.get("/x")
    def x() -> str:
        return "x"

    @bare.get("/y")
    def y() -> str:
        return "y"

    outer.register_blueprint(inner)
    outer.register_blueprint(bare)
    app.register_blueprint(outer)
    rules = {r.endpoint: (r.subdomain, r.rule) for r in app.url_map.iter_rules()}
    assert rules["outer.inner.x"] == ("api.eu", "/o/i/x")
    assert rules["outer.bare.y"] == ("eu", "/o/y")
    client = app.test_client()
    assert client.get("/o/i/x", base_url="http://api.eu.example.test").text == "x"


def test_scaffold_takes_flasks_positional_arguments(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # flask.sansio.scaffold.Scaffold is subclassed by some projects, which
    # pass its arguments by position; the order is Flask's.
    from jigger.sansio.scaffold import Scaffold

    class Thing(Scaffold):
        name = "thing"

    thing = Thing(__name__, "files", "/f", "views", str(tmp_path))
    assert thing.static_folder == str(tmp_path / "files")
    assert thing.static_url_path == "/f"
    assert thing.template_folder == "views"
    assert thing.root_path == str(tmp_path)

"""Templates by convention: the Jinja environment, the loaders of the app and
its blueprints, the render and stream functions, context processors,
filters, tests and globals, auto reload, loading explanations, signals."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
import typing as t
from pathlib import Path

import pytest
from jinja2 import TemplateNotFound

import jigger
from jigger import (
    Blueprint,
    Jigger,
    before_render_template,
    flash,
    g,
    get_flashed_messages,
    render_template,
    render_template_string,
    request,
    stream_template,
    stream_template_string,
    template_rendered,
)

from .templating_app import create_app

APP_DIR = Path(__file__).parent / "templating_app"


def render(app: Jigger, template: str, **context: t.Any) -> str:
    with app.app_context():
        return render_template(template, **context)


def make_app(tmp_path: Path, files: dict[str, str], **options: t.Any) -> Jigger:
    """An app rooted in ``tmp_path`` with ``files`` under ``templates/``."""
    for name, text in files.items():
        path = tmp_path / "templates" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return Jigger("tmpapp", root_path=str(tmp_path), **options)


# -- convention and folders ---------------------------------------------------


def test_templates_folder_beside_the_package_is_found_without_setting() -> None:
    app = create_app()
    assert app.template_folder == "templates"
    assert app.jinja_loader is not None
    assert app.jinja_loader.searchpath == [str(APP_DIR / "templates")]
    assert app.test_client().get("/").text == "Hello &lt;World&gt;!"


def test_template_folder_argument_overrides_the_convention(tmp_path: Path) -> None:
    (tmp_path / "views").mkdir()
    (tmp_path / "views" / "x.html").write_text("from views")
    app = Jigger("tmpapp", root_path=str(tmp_path), template_folder="views")
    assert render(app, "x.html") == "from views"


def test_root_path_argument_moves_the_templates_folder(tmp_path: Path) -> None:
    app = make_app(tmp_path, {"here.html": "rooted in tmp"})
    assert render(app, "here.html") == "rooted in tmp"


def test_no_template_folder_means_no_loader_and_a_clear_error() -> None:
    app = Jigger("nofolder", template_folder=None)
    assert app.jinja_loader is None
    with app.app_context(), pytest.raises(TemplateNotFound) as info:
        render_template("index.html")
    assert "has no template folder" in str(info.value)
    with app.app_context():
        assert render_template_string("{{ 1 + 1 }}") == "2"


def test_missing_template_names_every_folder_searched() -> None:
    app = create_app()
    with app.app_context(), pytest.raises(TemplateNotFound) as info:
        render_template("nowhere.html")
    message = str(info.value)
    assert str(APP_DIR / "templates") in message
    assert str(APP_DIR / "admin" / "templates") in message
    assert str(APP_DIR / "shop" / "templates") in message
    assert "EXPLAIN_TEMPLATE_LOADING" in message


def test_a_list_renders_the_first_template_that_exists() -> None:
    app = create_app()
    with app.app_context():
        assert render_template(["nope.html", "shadowed.html"]) == "app shadowed"


# -- autoescaping ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("index.html", "Hello &lt;b&gt;!"),
        ("page.htm", "<p>&lt;b&gt;</p>"),
        ("page.xhtml", "<p>&lt;b&gt;</p>"),
        ("note.xml", "<note>&lt;b&gt;</note>"),
        ("icon.svg", "<svg><text>&lt;b&gt;</text></svg>"),
        ("mail/welcome.txt", "Dear <b>, 1 < 2"),
    ],
)
def test_autoescape_follows_the_file_extension(name: str, expected: str) -> None:
    assert render(create_app(), name, name="<b>") == expected


def test_autoescape_is_on_for_strings_and_can_be_turned_off() -> None:
    app = Jigger("esc")
    with app.app_context():
        assert render_template_string("{{ s }}", s="<i>") == "&lt;i&gt;"
        assert (
            render_template_string(
                "{% autoescape false %}{{ s }}{% endautoescape %}", s="<i>"
            )
            == "<i>"
        )
    assert app.select_jinja_autoescape("A.HTML")
    assert not app.select_jinja_autoescape("x.txt")
    assert app.select_jinja_autoescape(None)


# -- globals in templates ----------------------------------------------------------


def test_request_session_g_config_url_for_in_a_request() -> None:
    app = create_app()
    app.config["GREETING"] = "hi"

    @app.get("/globals/<part>")
    def show(part: str) -> str:
        g.user = "ada"
        return render_template_string(
            "{{ request.path }}|{{ session.get('k') }}|{{ g.user }}|"
            "{{ config.GREETING }}|{{ url_for('show', part='x') }}|"
            "{{ url_for('static', filename='style.css') }}"
        )

    @app.get("/set")
    def set_session() -> str:
        from jigger import session

        session["k"] = "v"
        return ""

    client = app.test_client()
    client.get("/set")
    assert (
        client.get("/globals/a").text
        == "/globals/a|v|ada|hi|/globals/x|/static/style.css"
    )


def test_flashed_messages_in_a_template() -> None:
    app = create_app()

    @app.get("/flash")
    def do_flash() -> str:
        flash("saved", "info")
        flash("careful", "warning")
        return ""

    @app.get("/show")
    def show() -> str:
        return render_template_string(
            "{% for c, m in get_flashed_messages(with_categories=true) %}"
            "[{{ c }}:{{ m }}]{% endfor %}"
            "{{ get_flashed_messages(category_filter=['warning'])|join(',') }}"
        )

    client = app.test_client()
    client.get("/flash")
    assert client.get("/show").text == "[info:saved][warning:careful]careful"
    assert client.get("/show").text == ""


def test_render_in_an_app_context_without_a_request() -> None:
    app = create_app()
    app.config["SERVER_NAME"] = "example.test"
    with app.app_context():
        g.job = "nightly"
        text = render_template_string(
            "{% if request %}req{% else %}no request{% endif %},"
            "{% if session %}sess{% else %}no session{% endif %},"
            "{{ g.job }},{{ config.SERVER_NAME }},{{ url_for('index') }}"
        )
        assert text == "no request,no session,nightly,example.test,http://example.test/"
        with pytest.raises(RuntimeError, match="outside of request context"):
            render_template_string("{{ request.path }}")


def test_render_outside_any_context_says_what_to_do() -> None:
    with pytest.raises(RuntimeError, match="app_context"):
        render_template_string("x")


def test_tojson_uses_the_app_json_provider() -> None:
    app = Jigger("j")
    with app.app_context():
        text = render_template_string(
            "{{ data|tojson }}", data={"b": "</script>", "a": 1}
        )
    assert text == '{"a": 1, "b": "\\u003c/script\\u003e"}'


# -- context processors ------------------------------------------------------------


def test_app_context_processor_adds_values_without_overriding_the_caller() -> None:
    app = Jigger("cp")

    @app.context_processor
    def extra() -> dict[str, t.Any]:
        return {"site": "jigger", "title": "default"}

    with app.app_context():
        assert render_template_string("{{ site }}/{{ title }}") == "jigger/default"
        assert (
            render_template_string("{{ site }}/{{ title }}", title="mine")
            == "jigger/mine"
        )
        # An explicit g/request argument also wins over the defaults.
        assert render_template_string("{{ g }}", g="given") == "given"


def test_async_context_processor() -> None:
    pytest.importorskip("asgiref")
    app = Jigger("acp")

    @app.context_processor
    async def later() -> dict[str, t.Any]:
        return {"answer": 42}

    with app.app_context():
        assert render_template_string("{{ answer }}") == "42"


def test_blueprint_context_processors_apply_to_their_requests_only() -> None:
    app = Jigger("cp")
    bp = Blueprint("bp", __name__)

    @app.context_processor
    def app_values() -> dict[str, t.Any]:
        return {"who": "app", "app_only": "A"}

    @bp.context_processor
    def bp_values() -> dict[str, t.Any]:
        return {"who": "bp"}

    @bp.app_context_processor
    def everywhere() -> dict[str, t.Any]:
        return {"everywhere": "E"}

    tmpl = "{{ who }} {{ app_only }} {{ everywhere }}"
    bp.add_url_rule("/in", "inside", lambda: render_template_string(tmpl))
    app.add_url_rule("/out", "outside", lambda: render_template_string(tmpl))
    app.register_blueprint(bp, url_prefix="/bp")
    client = app.test_client()
    assert client.get("/bp/in").text == "bp A E"
    assert client.get("/out").text == "app A E"


def test_nested_blueprint_processors_run_outermost_first() -> None:
    app = Jigger("nested")
    parent = Blueprint("parent", __name__)
    child = Blueprint("child", __name__)

    @parent.context_processor
    def p() -> dict[str, t.Any]:
        return {"a": "parent", "b": "parent"}

    @child.context_processor
    def c() -> dict[str, t.Any]:
        return {"b": "child"}

    child.add_url_rule("/x", "x", lambda: render_template_string("{{ a }} {{ b }}"))
    parent.register_blueprint(child, url_prefix="/c")
    app.register_blueprint(parent, url_prefix="/p")
    assert app.test_client().get("/p/c/x").text == "parent child"


# -- filters, tests, globals ------------------------------------------------------


def test_app_filters_tests_and_globals_in_all_forms() -> None:
    app = Jigger("ftg")

    @app.template_filter()
    def reverse(s: str) -> str:
        return s[::-1]

    @app.template_filter("shout")
    def make_loud(s: str) -> str:
        return s.upper()

    @app.template_filter
    def double(s: str) -> str:
        return s * 2

    @app.template_test("even")
    def is_even(n: int) -> bool:
        return n % 2 == 0

    @app.template_test
    def positive(n: int) -> bool:
        return n > 0

    @app.template_global()
    def answer() -> int:
        return 42

    app.add_template_filter(str.title, name="title_case")
    app.add_template_test(lambda n: n == 0, name="zero")
    app.add_template_global(lambda: "hello", name="greet")

    with app.app_context():
        assert render_template_string(
            "{{ 'abc'|reverse }}{{ 'x'|shout }}{{ 'y'|double }}"
        ) == ("cbaXyy")
        assert (
            render_template_string("{{ 4 is even }} {{ -1 is positive }}")
            == "True False"
        )
        assert render_template_string("{{ answer() }} {{ greet() }}") == "42 hello"
        assert (
            render_template_string("{{ 'a b'|title_case }} {{ 0 is zero }}")
            == "A B True"
        )
    assert app.jinja_env.filters["shout"] is make_loud
    assert app.jinja_env.tests["even"] is is_even
    assert app.jinja_env.globals["answer"] is answer


def test_registering_template_helpers_does_not_create_the_environment() -> None:
    app = Jigger("lazy")
    app.add_template_filter(str.upper, name="up")
    assert "jinja_env" not in vars(app)
    with app.app_context():
        assert render_template_string("{{ 'a'|up }}") == "A"
    # Added after the environment exists: applied to it at once.
    app.add_template_global(lambda: "late", name="late")
    with app.app_context():
        assert render_template_string("{{ late() }}") == "late"


def test_blueprint_app_template_helpers_are_app_wide() -> None:
    app = Jigger("bpftg")
    bp = Blueprint("bp", __name__)

    @bp.app_template_filter("stars")
    def stars(s: str) -> str:
        return f"*{s}*"

    @bp.app_template_test()
    def short(s: str) -> bool:
        return len(s) < 3

    @bp.app_template_global("bp_name")
    def name() -> str:
        return "bp"

    bp.add_app_template_filter(str.lower, name="low")
    app.register_blueprint(bp)
    with app.app_context():
        assert (
            render_template_string(
                "{{ 'x'|stars }} {{ 'ab' is short }} {{ bp_name() }} {{ 'Q'|low }}"
            )
            == "*x* True bp q"
        )


def test_template_helpers_after_the_first_request_are_refused() -> None:
    app = Jigger("late")
    app.add_url_rule("/", "i", lambda: "")
    app.test_client().get("/")
    with pytest.raises(AssertionError, match="after it handled its first request"):
        app.add_template_filter(str.upper)


# -- blueprints' template folders --------------------------------------------------


def test_app_templates_win_over_blueprint_templates() -> None:
    client = create_app().test_client()
    assert client.get("/shadowed").text == "app shadowed"
    # Even from a blueprint view: the app's folder is searched first.
    assert client.get("/admin/shadowed").text == "app shadowed"


def test_blueprint_templates_are_found_in_registration_order() -> None:
    client = create_app().test_client()
    assert client.get("/admin/").text == "admin home admin"
    assert client.get("/shop/both").text == "from admin"


def test_list_templates_covers_app_and_blueprints() -> None:
    app = create_app()
    names = app.jinja_env.list_templates()
    assert {"index.html", "admin/home.html", "in_both_blueprints.html"} <= set(names)


# -- explain template loading ----------------------------------------------------


def test_explain_template_loading_logs_every_place(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = create_app()
    app.config["EXPLAIN_TEMPLATE_LOADING"] = True
    caplog.set_level(logging.INFO, logger=app.logger.name)
    with app.app_context():
        assert render_template("in_both_blueprints.html") == "from admin"
    text = caplog.text
    assert "Locating template 'in_both_blueprints.html'" in text
    assert (
        f"application {app.name!r} folder {str(APP_DIR / 'templates')!r}: no match"
        in text
    )
    assert "blueprint 'admin'" in text
    assert "blueprint 'shop'" in text
    assert text.count("found at") == 2
    assert "exists in several places; the first one is used" in text


def test_explain_template_loading_warns_when_nothing_matches(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = create_app()
    app.config["EXPLAIN_TEMPLATE_LOADING"] = True
    caplog.set_level(logging.INFO, logger=app.logger.name)
    with app.app_context(), pytest.raises(Exception, match="nothing.html"):
        render_template("nothing.html")
    records = [r for r in caplog.records if "nothing.html" in r.getMessage()]
    assert records
    assert records[-1].levelno == logging.WARNING
    message = records[-1].getMessage()
    assert "not found. Searched" in message
    assert message.count("no match") == 3


# -- auto reload --------------------------------------------------------------------


def _rewrite(path: Path, text: str) -> None:
    path.write_text(text)
    stat = path.stat()
    os.utime(path, (stat.st_atime, stat.st_mtime + 10))


@pytest.mark.parametrize(
    ("setting", "debug", "reloads"),
    [
        (True, False, True),
        (False, True, False),
        (None, True, True),
        (None, False, False),
    ],
)
def test_templates_auto_reload(
    tmp_path: Path, setting: bool | None, debug: bool, reloads: bool
) -> None:
    app = make_app(tmp_path, {"t.html": "one"})
    app.config["TEMPLATES_AUTO_RELOAD"] = setting
    app.config["DEBUG"] = debug
    assert app.templates_auto_reload is reloads
    assert render(app, "t.html") == "one"
    _rewrite(tmp_path / "templates" / "t.html", "two")
    assert render(app, "t.html") == ("two" if reloads else "one")


def test_debug_setter_updates_auto_reload_of_an_existing_environment(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path, {"t.html": "one"})
    app.debug = False
    assert render(app, "t.html") == "one"
    assert app.jinja_env.auto_reload is False
    app.debug = True
    assert app.jinja_env.auto_reload is True
    _rewrite(tmp_path / "templates" / "t.html", "two")
    assert render(app, "t.html") == "two"
    app.templates_auto_reload = False
    assert app.config["TEMPLATES_AUTO_RELOAD"] is False
    assert app.jinja_env.auto_reload is False


# -- signals -------------------------------------------------------------------------


def test_render_sends_before_render_template_and_template_rendered() -> None:
    app = create_app()
    seen: list[tuple[str, str | None, dict[str, t.Any]]] = []

    def before(sender: Jigger, template: t.Any, context: dict[str, t.Any]) -> None:
        seen.append(("before", template.name, dict(context)))
        context["added_by_signal"] = "yes"

    def after(sender: Jigger, template: t.Any, context: dict[str, t.Any]) -> None:
        assert sender is app
        seen.append(("after", template.name, dict(context)))

    with (
        before_render_template.connected_to(before, app),
        template_rendered.connected_to(after, app),
        app.app_context(),
    ):
        out = render_template_string("{{ added_by_signal }}")
        render_template("index.html", name="n")
    assert out == "yes"
    assert [(s[0], s[1]) for s in seen] == [
        ("before", None),
        ("after", None),
        ("before", "index.html"),
        ("after", "index.html"),
    ]
    assert seen[2][2]["name"] == "n"
    assert "g" in seen[2][2]


def test_signals_are_not_sent_to_other_apps() -> None:
    app, other = Jigger("one"), Jigger("two")
    seen: list[object] = []

    def record(sender: Jigger, **extra: t.Any) -> None:
        seen.append(sender)

    with template_rendered.connected_to(record, other), app.app_context():
        render_template_string("x")
    assert seen == []


# -- streaming -------------------------------------------------------------------------


def test_stream_template_keeps_the_request_while_streaming() -> None:
    app = create_app()
    rendered: list[str] = []

    def after(sender: Jigger, template: t.Any, context: dict[str, t.Any]) -> None:
        rendered.append(template.name)

    @app.get("/stream")
    def stream() -> t.Iterator[str]:
        return stream_template_string(
            "{% for i in range(3) %}{{ request.path }}:{{ i }};{% endfor %}"
        )

    @app.get("/stream-file")
    def stream_file() -> t.Iterator[str]:
        return stream_template("index.html", name=request.args["n"])

    client = app.test_client()
    with template_rendered.connected_to(after, app):
        response = client.get("/stream")
        assert response.is_streamed
        assert response.text == "/stream:0;/stream:1;/stream:2;"
        assert client.get("/stream-file?n=<x>").text == "Hello &lt;x&gt;!"
    assert rendered == [None, "index.html"]


def test_stream_template_in_an_app_context_is_a_plain_iterator() -> None:
    app = Jigger("s")
    with app.app_context():
        chunks = stream_template_string("{% for i in 'abc' %}{{ i }}{% endfor %}")
        assert "".join(chunks) == "abc"


# -- environment customisation and laziness ------------------------------------------


def test_jinja_options_and_environment_class_can_be_customised() -> None:
    from jigger.templating import Environment

    class MyEnvironment(Environment):
        pass

    class MyApp(Jigger):
        jinja_options = {"trim_blocks": True, "autoescape": False}
        jinja_environment = MyEnvironment

    app = MyApp("custom")
    assert isinstance(app.jinja_env, MyEnvironment)
    assert app.jinja_env.app is app
    with app.app_context():
        assert (
            render_template_string("{% if true %}\nx{{ s }}{% endif %}", s="<b>")
            == "x<b>"
        )


def test_default_environment_class() -> None:
    from jigger.templating import DispatchingJinjaLoader, Environment

    app = Jigger("default")
    assert app.jinja_environment is Environment
    assert isinstance(app.jinja_env.loader, DispatchingJinjaLoader)
    assert app.jinja_env.globals["config"] is app.config


def test_importing_jigger_and_creating_an_app_does_not_import_jinja2() -> None:
    code = textwrap.dedent(
        """
        import sys
        import jigger
        app = jigger.Jigger("probe")
        app.add_template_filter(str.upper, name="up")
        assert "jinja2" not in sys.modules, "jinja2 imported early"
        assert "jigger.templating" not in sys.modules
        from jigger import render_template_string
        assert "jinja2" in sys.modules
        with app.app_context():
            print(render_template_string("{{ 'ok'|up }}"))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "OK"


def test_lazy_exports_are_listed_and_unknown_names_still_fail() -> None:
    assert "render_template" in dir(jigger)
    assert jigger.stream_template is stream_template
    with pytest.raises(AttributeError, match="no attribute 'render_templat'"):
        jigger.render_templat  # noqa: B018


def test_star_import_includes_the_template_functions() -> None:
    namespace: dict[str, t.Any] = {}
    exec("from jigger import *", namespace)
    for name in (
        "render_template",
        "render_template_string",
        "stream_template",
        "stream_template_string",
        "get_template_attribute",
        "Jigger",
        "Flask",
        "request",
        "url_for",
    ):
        assert namespace[name] is getattr(jigger, name), name
    # Only public names; every listed one exists.
    assert all(not name.startswith("_") for name in jigger.__all__)
    assert "templating" not in namespace


def test_get_template_attribute_calls_a_macro(tmp_path: Path) -> None:
    app = make_app(
        tmp_path,
        {
            "_cards.html": (
                "{% set size = 'large' %}"
                "{% macro card(title) %}<h2>{{ title }}</h2>{% endmacro %}"
            )
        },
    )
    with app.app_context():
        card = jigger.get_template_attribute("_cards.html", "card")
        assert str(card("Negroni & co")) == "<h2>Negroni &amp; co</h2>"
        assert jigger.get_template_attribute("_cards.html", "size") == "large"
        with pytest.raises(AttributeError):
            jigger.get_template_attribute("_cards.html", "missing")


def test_get_flashed_messages_is_the_helper() -> None:
    app = Jigger("f")
    assert app.jinja_env.globals["get_flashed_messages"] is get_flashed_messages

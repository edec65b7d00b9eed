"""Tests for jigger.cli: finding the app, the jigger command and its
built-in commands, app.cli / bp.cli commands, dotenv files."""

from __future__ import annotations

import logging
import os
import ssl
import subprocess
import sys
import types
import typing as t
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from jigger import Blueprint, Jigger, current_app, g
from jigger.cli import (
    AppGroup,
    FlaskGroup,
    JiggerGroup,
    NoAppException,
    ScriptInfo,
    cli,
    find_app_by_string,
    find_best_app,
    load_dotenv,
    locate_app,
    prepare_import,
    routes_command,
    run_command,
    with_appcontext,
)
from jigger.globals import _cv_ctx
from jigger.testing import FlaskCliRunner

CLIAPPS = Path(__file__).parent / "cliapps"
REPO = Path(__file__).parents[2]

_ENV_NAMES = (
    "JIGGER_APP",
    "FLASK_APP",
    "JIGGER_DEBUG",
    "FLASK_DEBUG",
    "JIGGER_RUN_FROM_CLI",
    "JIGGER_SKIP_DOTENV",
    "FLASK_SKIP_DOTENV",
    "JIGGER_ENV_FILE",
    "JIGGER_RUN_PORT",
    "JIGGER_RUN_HOST",
    "PYTHONSTARTUP",
    "CLI_TEST_FROM_FLASKENV",
    "CLI_TEST_FROM_JIGGERENV",
    "CLI_TEST_FROM_DOTENV",
    "CLI_TEST_FROM_FILE",
    "CLI_TEST_SHARED",
)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> t.Iterator[None]:
    """Each test starts without the CLI's environment variables and gets
    back the environment, sys.path and sys.modules it started with: the
    CLI sets variables, puts folders on sys.path and imports test apps."""
    for name in _ENV_NAMES:
        # setenv first, so that undo removes what the CLI sets later.
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.chdir(CLIAPPS)
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.startswith(("cliapp", "wsgi", "app", "tmpmod", "tmppkg")):
            del sys.modules[name]


def run_cli(*args: str, group: click.Command = cli, **kwargs: t.Any) -> Result:
    return CliRunner().invoke(group, list(args), **kwargs)


def module(name: str, **attrs: t.Any) -> types.ModuleType:
    mod = types.ModuleType(name)
    vars(mod).update(attrs)
    return mod


# -- find_best_app -----------------------------------------------------------


def test_find_best_app_prefers_the_name_app() -> None:
    app = Jigger("a")
    assert find_best_app(module("m", app=app, other=Jigger("b"))) is app


def test_find_best_app_takes_application() -> None:
    app = Jigger("a")
    assert find_best_app(module("m", app="text", application=app)) is app


def test_find_best_app_takes_the_only_instance() -> None:
    app = Jigger("a")
    assert find_best_app(module("m", web=app, number=3)) is app


@pytest.mark.parametrize("factory_name", ["create_app", "make_app"])
def test_find_best_app_calls_a_factory(factory_name: str) -> None:
    made = Jigger("made")

    def factory() -> Jigger:
        return made

    assert find_best_app(module("m", **{factory_name: factory})) is made


def test_find_best_app_refuses_two_apps_and_names_them() -> None:
    mod = module("twoapps", api=Jigger("x"), admin=Jigger("y"))
    with pytest.raises(NoAppException) as info:
        find_best_app(mod)
    message = info.value.format_message()
    assert "api" in message
    assert "admin" in message
    assert "'--app twoapps:api'" in message


def test_find_best_app_factory_that_needs_arguments() -> None:
    def create_app(config: str) -> Jigger:
        return Jigger(config)

    with pytest.raises(NoAppException) as info:
        find_best_app(module("needs", create_app=create_app))
    message = info.value.format_message()
    assert "'create_app'" in message
    assert '"needs:create_app(...)"' in message


def test_find_best_app_factory_type_error_inside_is_not_hidden() -> None:
    def create_app() -> Jigger:
        return Jigger(len(5))  # type: ignore[arg-type]

    with pytest.raises(TypeError, match="has no len"):
        find_best_app(module("buggy", create_app=create_app))


def test_find_best_app_factory_returning_something_else() -> None:
    with pytest.raises(NoAppException, match="returned 'str'"):
        find_best_app(module("m", create_app=lambda: "x"))


def test_find_best_app_nothing_found_says_what_was_tried() -> None:
    with pytest.raises(NoAppException) as info:
        find_best_app(module("empty", VALUE=1))
    message = info.value.format_message()
    assert "'empty'" in message
    assert "create_app" in message
    assert "--app module:name" in message


# -- find_app_by_string ------------------------------------------------------


def make_named(name: str, *, testing: bool = False) -> Jigger:
    app = Jigger(name)
    app.testing = testing
    return app


def test_find_app_by_string_attribute() -> None:
    web = Jigger("web")
    assert find_app_by_string(module("m", web=web), "web") is web


def test_find_app_by_string_calls_with_literal_arguments() -> None:
    mod = module("m", make_named=make_named)
    app = find_app_by_string(mod, "make_named('shop', testing=True)")
    assert app.name == "shop"
    assert app.testing is True


def test_find_app_by_string_calls_a_function_without_parentheses() -> None:
    mod = module("m", make=lambda: Jigger("made"))
    # A lambda is a function too.
    assert find_app_by_string(mod, "make").name == "made"


@pytest.mark.parametrize("bad", ["make_named(", "a.b", "1 +", "make_named()()"])
def test_find_app_by_string_unreadable(bad: str) -> None:
    with pytest.raises(NoAppException) as info:
        find_app_by_string(module("m", make_named=make_named), bad)
    message = info.value.format_message()
    assert repr(bad) in message
    assert "module:" in message


def test_find_app_by_string_non_literal_arguments() -> None:
    with pytest.raises(NoAppException, match="not all literal values"):
        find_app_by_string(module("m", make_named=make_named), "make_named(x)")


def test_find_app_by_string_missing_attribute_lists_what_exists() -> None:
    mod = module("m", web=Jigger("web"), create_app=lambda: Jigger("x"))
    with pytest.raises(NoAppException) as info:
        find_app_by_string(mod, "ap")
    message = info.value.format_message()
    assert "no attribute 'ap'" in message
    assert "web" in message
    assert "create_app()" in message


def test_find_app_by_string_wrong_arguments() -> None:
    with pytest.raises(NoAppException) as info:
        find_app_by_string(module("m", make_named=make_named), "make_named()")
    message = info.value.format_message()
    assert "m:make_named" in message
    assert "missing 1 required positional argument" in message


def test_find_app_by_string_not_an_app() -> None:
    with pytest.raises(NoAppException, match="gave 'int', not a jigger"):
        find_app_by_string(module("m", VALUE=3), "VALUE")


def test_find_app_by_string_calling_a_non_function() -> None:
    with pytest.raises(NoAppException, match="is not a function"):
        find_app_by_string(module("m", web=Jigger("w")), "web('x')")


# -- prepare_import and locate_app -------------------------------------------


def test_prepare_import_module_file(tmp_path: Path) -> None:
    (tmp_path / "tmpmod_a.py").write_text("")
    assert prepare_import(str(tmp_path / "tmpmod_a.py")) == "tmpmod_a"
    assert sys.path[0] == str(tmp_path.resolve())


def test_prepare_import_inside_packages(tmp_path: Path) -> None:
    inner = tmp_path / "src" / "tmppkg_a" / "sub"
    inner.mkdir(parents=True)
    for folder in (inner.parent, inner):
        (folder / "__init__.py").write_text("")
    (inner / "views.py").write_text("")
    assert prepare_import(str(inner / "views.py")) == "tmppkg_a.sub.views"
    assert sys.path[0] == str((tmp_path / "src").resolve())
    assert prepare_import(str(inner / "__init__.py")) == "tmppkg_a.sub"


def test_locate_app_missing_module() -> None:
    with pytest.raises(NoAppException) as info:
        locate_app("cliapp_does_not_exist", None)
    message = info.value.format_message()
    assert "Could not import 'cliapp_does_not_exist'" in message
    assert "--app hello" in message


def test_locate_app_missing_module_may_return_none() -> None:
    assert locate_app("cliapp_does_not_exist", None, raise_if_not_found=False) is None


def test_locate_app_missing_parent_package() -> None:
    with pytest.raises(NoAppException, match="Could not import 'cliapp_nopkg.mod'"):
        locate_app("cliapp_nopkg.mod", None)


def test_locate_app_import_error_inside_the_module_is_shown() -> None:
    sys.path.insert(0, str(CLIAPPS))
    # Even when missing modules would otherwise give None.
    with pytest.raises(NoAppException) as info:
        locate_app("cliapp_importerror", None, raise_if_not_found=False)
    message = info.value.format_message()
    assert "raised an ImportError inside the module" in message
    assert "cliapp_dependency_that_is_not_installed" in message
    assert "Could not import" not in message


# -- ScriptInfo ----------------------------------------------------------------


def test_script_info_create_app_is_called_once() -> None:
    calls: list[int] = []

    def create() -> Jigger:
        calls.append(1)
        return Jigger("made")

    info = ScriptInfo(create_app=create)
    assert info.load_app() is info.load_app()
    assert calls == [1]


def test_script_info_import_path_with_name_and_arguments() -> None:
    info = ScriptInfo(app_import_path="cliapp_factory:create_app('blue')")
    app = info.load_app()
    assert app.config["FLAVOUR"] == "blue"


def test_script_info_file_path() -> None:
    info = ScriptInfo(app_import_path=str(CLIAPPS / "cliapp_single.py"))
    assert info.load_app().name == "cliapp_single"


def test_script_info_debug_flag_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JIGGER_DEBUG", "1")
    assert ScriptInfo(create_app=lambda: Jigger("d")).load_app().debug is True
    app = Jigger("kept")
    app.debug = False
    ScriptInfo(create_app=lambda: app, set_debug_flag=False).load_app()
    assert app.debug is False


@pytest.mark.parametrize("filename", ["wsgi.py", "app.py"])
def test_script_info_finds_wsgi_py_or_app_py(
    filename: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / filename).write_text(
        "from jigger import Jigger\napplication = Jigger('found_in_cwd')\n"
    )
    monkeypatch.chdir(tmp_path)
    assert ScriptInfo().load_app().name == "found_in_cwd"


def test_script_info_without_any_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(NoAppException) as info:
        ScriptInfo().load_app()
    message = info.value.format_message()
    assert "'wsgi.py' or 'app.py'" in message
    assert str(tmp_path) in message
    assert "JIGGER_APP" in message


def test_script_info_colon_without_module() -> None:
    with pytest.raises(NoAppException, match="names no module"):
        ScriptInfo(app_import_path=":app").load_app()


# -- the jigger command: --app ---------------------------------------------


def test_app_option_finds_the_app_and_its_commands() -> None:
    result = run_cli("--app", "cliapp_single", "greet", "ada")
    assert result.exit_code == 0, result.output
    assert result.output == "hello ada from cliapp_single, debug=False\n"


def test_short_app_option_and_debug() -> None:
    result = run_cli("-A", "cliapp_single", "--debug", "greet", "bo")
    assert result.output == "hello bo from cliapp_single, debug=True\n"
    assert os.environ["JIGGER_DEBUG"] == "1"


@pytest.mark.parametrize("variable", ["JIGGER_APP", "FLASK_APP"])
def test_app_from_environment(variable: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(variable, "cliapp_single")
    result = run_cli("greet", "env")
    assert result.output == "hello env from cliapp_single, debug=False\n"


def test_help_lists_builtin_and_app_commands() -> None:
    result = run_cli("--app", "cliapp_single", "--help")
    assert result.exit_code == 0
    commands = result.output.split("Commands:")[1]
    for name in ("greet", "routes", "run", "shell"):
        assert f"  {name}" in commands


def test_help_from_environment_without_arguments(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JIGGER_APP", "cliapp_single")
    result = run_cli()
    assert "  greet" in result.output


def test_version_option() -> None:
    from jigger import __version__

    result = run_cli("--version")
    assert result.exit_code == 0
    assert f"jigger {__version__}" in result.output
    assert "Werkzeug " in result.output


@pytest.mark.parametrize(
    ("app_value", "expected"),
    [
        ("cliapp_missing", "Could not import 'cliapp_missing'"),
        ("cliapp_importerror", "cliapp_dependency_that_is_not_installed"),
        ("cliapp_single:nothing", "has no attribute 'nothing'. It has: app."),
        ("cliapp_factory_args", "calling it without arguments failed"),
        ("cliapp_factory:make_named()", "Give the arguments it needs"),
        ("cliapp_single:app(", "Could not read 'app('"),
        ("cliapp_two", "'--app cliapp_two:api' or '--app cliapp_two:admin'"),
        ("cliapp_noapp", "has no jigger application"),
        ("cliapp_factory:not_an_app", "gave 'str', not a jigger application"),
    ],
)
def test_bad_app_values_give_a_clear_error(app_value: str, expected: str) -> None:
    result = run_cli("--app", app_value, "routes")
    assert result.exit_code == 2
    # click's usage error, not a crash (an ImportError raised inside the
    # module is quoted after the explanation).
    assert result.output.startswith("Usage: ")
    assert "Error:" in result.output
    assert expected in " ".join(result.output.split())


def test_bad_app_value_for_an_app_command() -> None:
    result = run_cli("--app", "cliapp_missing", "greet", "x")
    assert result.exit_code == 2
    assert "Could not import 'cliapp_missing'" in result.output
    assert "No such command 'greet'" in result.output


def test_discovery_variants_through_the_command() -> None:
    for value, name in [
        ("cliapp_application", "named_application"),
        ("cliapp_other_name", "only_one"),
        ("cliapp_make_app", "made_by_make_app"),
        ("cliapp_factory", "factory_default"),
        ('cliapp_factory:create_app("red")', "factory_red"),
        ("cliapp_factory:make_named('n', testing=True)", "n"),
        ("cliapp_two:admin", "two_admin"),
        ("cliapp_pkg", "cliapp_pkg"),
        ("cliapp_pkg:create_app()", "cliapp_pkg"),
    ]:
        group = FlaskGroup(add_default_commands=False)

        @group.command("name")
        def name_command() -> None:
            click.echo(current_app.name)

        result = run_cli("--app", value, "name", group=group)
        assert result.output == f"{name}\n", (value, result.output)


def test_factory_bug_is_not_reported_as_a_discovery_problem() -> None:
    result = run_cli("--app", "cliapp_factory_bug", "routes")
    assert isinstance(result.exception, TypeError)


def test_app_run_in_the_module_does_nothing_under_the_cli(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import werkzeug.serving

    def refuse(*args: t.Any, **kwargs: t.Any) -> None:
        raise AssertionError("app.run() started a server")

    monkeypatch.setattr(werkzeug.serving, "run_simple", refuse)
    result = run_cli("--app", "cliapp_calls_run", "routes")
    assert result.exit_code == 0, result.output


def test_jigger_group_is_flask_group() -> None:
    assert JiggerGroup is FlaskGroup
    assert isinstance(cli, FlaskGroup)


def test_custom_flask_group_with_create_app() -> None:
    app = Jigger("custom")

    @app.cli.command()
    def hello() -> None:
        click.echo(f"hello from {current_app.name}")

    group = FlaskGroup(create_app=lambda: app, add_version_option=False)
    result = run_cli("hello", group=group)
    assert result.output == "hello from custom\n"
    assert "--version" not in run_cli("--help", group=group).output


def test_plain_click_command_added_to_app_cli_runs_in_app_context() -> None:
    """Flask's tutorial adds ``init-db`` as a plain click command; through
    the ``jigger`` command it (and its parameter callbacks) see the app."""
    app = Jigger("tutorial")

    def seen_app(ctx: click.Context, param: click.Parameter, value: str) -> str:
        return f"{value}@{current_app.name}"

    @click.command("init-db")
    @click.argument("target", callback=seen_app)
    def init_db(target: str) -> None:
        g.db = "sqlite"
        click.echo(f"{target} {current_app.name} {g.db}")

    app.cli.add_command(init_db)
    group = FlaskGroup(create_app=lambda: app)
    result = run_cli("init-db", "x", group=group)
    assert result.exit_code == 0, result.output
    assert result.output == "x@tutorial tutorial sqlite\n"
    assert _cv_ctx.get(None) is None  # popped when the command ended
    # Help pages list the command without leaving a context pushed.
    assert "init-db" in run_cli("--help", group=group).output
    assert "TARGET" in run_cli("init-db", "--help", group=group).output
    assert _cv_ctx.get(None) is None


def test_app_command_keeps_a_context_of_the_same_app() -> None:
    app = Jigger("kept")

    @click.command()
    def show() -> None:
        click.echo(str(g.get("marker")))

    app.cli.add_command(show)
    group = FlaskGroup(create_app=lambda: app)
    with app.app_context():
        g.marker = "outer"
        assert run_cli("show", group=group).output == "outer\n"


# -- app.cli, bp.cli, AppGroup, with_appcontext ----------------------------------


def test_app_cli_is_lazy_and_named_after_the_app() -> None:
    app = Jigger("lazy_cli")
    assert "cli" not in vars(app)
    assert isinstance(app.cli, AppGroup)
    assert app.cli.name == "lazy_cli"
    assert app.cli is app.cli


def test_app_command_runs_in_app_context() -> None:
    app = Jigger("ctx_app")
    seen: list[object] = []

    @app.cli.command()
    def check() -> None:
        seen.append(current_app._get_current_object())  # type: ignore[attr-defined]
        g.value = 1

    result = app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 0, result.output
    assert seen == [app]
    assert _cv_ctx.get(None) is None  # popped when the command ended


def test_command_without_app_context() -> None:
    app = Jigger("no_ctx")
    seen: list[bool] = []

    @app.cli.command(with_appcontext=False)
    def plain() -> None:
        seen.append(_cv_ctx.get(None) is None)

    app.test_cli_runner().invoke(args=["plain"])
    assert seen == [True]


def test_command_decorator_without_parentheses() -> None:
    app = Jigger("bare")

    @app.cli.command
    def bare_hello() -> None:
        click.echo(current_app.name)

    assert app.test_cli_runner().invoke(args=["bare-hello"]).output == "bare\n"


def test_app_group_subgroups_are_app_groups() -> None:
    app = Jigger("groups")

    @app.cli.group()
    def db() -> None:
        pass

    assert isinstance(db, AppGroup)

    @db.command()
    @click.option("--size", type=int, default=1)
    def seed(size: int) -> None:
        click.echo(f"{current_app.name} {size}")

    result = app.test_cli_runner().invoke(args=["db", "seed", "--size", "3"])
    assert result.output == "groups 3\n"


def test_with_appcontext_on_a_plain_click_command() -> None:
    app = Jigger("plain_click")

    @click.command()
    @with_appcontext
    def show() -> None:
        click.echo(current_app.name)

    assert app.test_cli_runner().invoke(show).output == "plain_click\n"


def test_with_appcontext_keeps_an_existing_context() -> None:
    app = Jigger("outer")
    other = Jigger("other")

    @click.command()
    @with_appcontext
    def show() -> None:
        click.echo(current_app.name)

    with app.app_context():
        result = other.test_cli_runner().invoke(show)
    assert result.output == "outer\n"


def test_with_appcontext_without_an_app_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    @click.command()
    @with_appcontext
    def show() -> None:
        click.echo(current_app.name)

    result = CliRunner().invoke(show)
    assert result.exit_code == 2
    assert "No application to work on" in result.output


def bp_with_command(name: str, **kwargs: t.Any) -> Blueprint:
    bp = Blueprint(name, __name__, **kwargs)

    @bp.cli.command("hello")
    def hello() -> None:
        click.echo(f"{current_app.name} says hello")

    return bp


def test_blueprint_commands_in_a_group_named_after_it() -> None:
    app = Jigger("bp_default")
    app.register_blueprint(bp_with_command("users"))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["users", "hello"]).output == "bp_default says hello\n"


def test_blueprint_cli_group_name() -> None:
    app = Jigger("bp_named")
    app.register_blueprint(bp_with_command("users", cli_group="people"))
    result = app.test_cli_runner().invoke(args=["people", "hello"])
    assert result.output == "bp_named says hello\n"
    assert app.cli.get_command(click.Context(app.cli), "users") is None


def test_blueprint_cli_group_none_adds_to_the_app() -> None:
    app = Jigger("bp_none")
    app.register_blueprint(bp_with_command("users", cli_group=None))
    assert app.test_cli_runner().invoke(args=["hello"]).output == "bp_none says hello\n"


def test_blueprint_cli_group_given_at_registration() -> None:
    app = Jigger("bp_option")
    app.register_blueprint(bp_with_command("users"), cli_group="staff")
    assert app.test_cli_runner().invoke(args=["staff", "hello"]).exit_code == 0


def test_blueprint_without_commands_adds_no_group() -> None:
    app = Jigger("bp_empty")
    app.register_blueprint(Blueprint("quiet", __name__))
    assert app.cli.list_commands(click.Context(app.cli)) == []


def test_blueprint_command_through_the_jigger_command() -> None:
    result = run_cli("--app", "cliapp_pkg", "admin", "init-db")
    assert result.output == "initialised the database of cliapp_pkg\n"


# -- test_cli_runner -------------------------------------------------------------


def test_test_cli_runner_runs_any_command_against_the_app() -> None:
    app = Jigger("runner")
    app.add_url_rule("/x", "x", lambda: "")
    result = app.test_cli_runner().invoke(routes_command)
    assert "/x" in result.output


def test_test_cli_runner_class() -> None:
    class MyRunner(FlaskCliRunner):
        pass

    class MyApp(Jigger):
        test_cli_runner_class = MyRunner

    runner = MyApp("custom_runner").test_cli_runner()
    assert isinstance(runner, MyRunner)
    assert runner.app.name == "custom_runner"


def test_logging_from_a_command_reaches_stderr() -> None:
    app = Jigger("cli_logging_app")
    logger = logging.getLogger(app.name)
    logger.propagate = False  # as if logging were not configured at all
    try:

        @app.cli.command()
        def work() -> None:
            current_app.logger.warning("disk almost full")

        result = app.test_cli_runner().invoke(args=["work"])
        assert "WARNING in test_cli: disk almost full" in result.stderr
        assert result.stdout == ""
    finally:
        logger.handlers.clear()
        logger.propagate = True


# -- routes --------------------------------------------------------------------


def routes_app() -> Jigger:
    app = Jigger("routes_app", static_folder=None)

    @app.get("/zebra")
    def b_view() -> str:
        return ""

    @app.route("/apple", methods=["GET", "POST"])
    def c_view() -> str:
        return ""

    @app.delete("/mango/<int:id>")
    def a_view(id: int) -> str:
        return ""

    return app


def routes_output(app: Jigger, *args: str) -> str:
    result = app.test_cli_runner().invoke(routes_command, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_routes_table() -> None:
    assert routes_output(routes_app()) == (
        "Endpoint  Methods    Rule\n"
        "--------  ---------  -------------\n"
        "a_view    DELETE     /mango/<int:id>\n"
        "b_view    GET        /zebra\n"
        "c_view    GET, POST  /apple\n"
    ).replace("-------------\n", "---------------\n")


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("endpoint", ["a_view", "b_view", "c_view"]),
        ("rule", ["c_view", "a_view", "b_view"]),
        ("methods", ["a_view", "b_view", "c_view"]),
        ("match", ["b_view", "c_view", "a_view"]),
        ("domain", ["c_view", "a_view", "b_view"]),
    ],
)
def test_routes_sort(sort: str, order: list[str]) -> None:
    lines = routes_output(routes_app(), "--sort", sort).splitlines()[2:]
    assert [line.split()[0] for line in lines] == order


def test_routes_all_methods() -> None:
    out = routes_output(routes_app(), "--all-methods")
    assert "GET, HEAD, OPTIONS, POST" in out
    assert "HEAD" not in routes_output(routes_app())


def test_routes_subdomain_column() -> None:
    app = Jigger("sub", static_folder=None, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.test"
    app.add_url_rule("/", "home", lambda: "")
    app.add_url_rule("/", "api_home", lambda: "", subdomain="api")
    lines = routes_output(app, "--sort", "domain").splitlines()
    assert lines[0].split() == ["Endpoint", "Methods", "Subdomain", "Rule"]
    assert lines[2].split() == ["home", "GET", "/"]
    assert lines[3].split() == ["api_home", "GET", "api", "/"]


def test_routes_host_column() -> None:
    app = Jigger("hosts", host_matching=True, static_host="static.test")
    app.add_url_rule("/", "shop", lambda: "", host="shop.test")
    lines = routes_output(app).splitlines()
    assert lines[0].split() == ["Endpoint", "Methods", "Host", "Rule"]
    assert lines[2].split() == ["shop", "GET", "shop.test", "/"]
    assert lines[3].split()[2] == "static.test"


def test_routes_without_rules() -> None:
    app = Jigger("empty", static_folder=None)
    assert routes_output(app) == "No routes were registered.\n"


def test_routes_through_the_jigger_command() -> None:
    result = run_cli("--app", "cliapp_single", "routes")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[2].split() == ["index", "GET", "/"]
    assert lines[4].split() == ["update_item", "POST", "/items/<int:item_id>"]


# -- run -----------------------------------------------------------------------


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, t.Any]]:
    """Replace Werkzeug's run_simple; the list receives its arguments."""
    import werkzeug.serving

    calls: list[dict[str, t.Any]] = []

    def fake_run_simple(
        hostname: str, port: int, application: t.Any, **kw: t.Any
    ) -> None:
        calls.append(
            {
                "host": hostname,
                "port": port,
                "app": application,
                "run_from_cli": os.environ.get("JIGGER_RUN_FROM_CLI"),
                **kw,
            }
        )

    monkeypatch.setattr(werkzeug.serving, "run_simple", fake_run_simple)
    return calls


def test_run_defaults(served: list[dict[str, t.Any]]) -> None:
    result = run_cli("--app", "cliapp_single", "run")
    assert result.exit_code == 0, result.output
    (call,) = served
    assert call["host"] == "127.0.0.1"
    assert call["port"] == 5000
    assert call["app"].name == "cliapp_single"
    assert call["use_reloader"] is False
    assert call["use_debugger"] is False
    assert call["threaded"] is True
    assert call["ssl_context"] is None
    assert " * Serving jigger app 'cliapp_single'" in result.output
    assert " * Debug mode: off" in result.output
    # Set while serving, so that app.run() in the module is a no-op, and put
    # back when the command is over.
    assert call["run_from_cli"] == "true"
    assert "JIGGER_RUN_FROM_CLI" not in os.environ


@pytest.mark.parametrize("args", [["--help"], [], ["no-such-command"]])
def test_help_and_usage_errors_leave_run_from_cli_unset(args: list[str]) -> None:
    """Parsing ends with an exception for a help page or a usage error, and
    no click context is closed then; the variable that keeps app.run() from
    serving must not stay set in the calling process (a stray app.run()
    later in a test would silently do nothing)."""
    run_cli(*args)
    assert "JIGGER_RUN_FROM_CLI" not in os.environ


def test_run_options_reach_the_server(
    served: list[dict[str, t.Any]], tmp_path: Path
) -> None:
    extra = [tmp_path / "a.cfg", tmp_path / "b.cfg"]
    result = run_cli(
        "--app",
        "cliapp_single",
        "run",
        "--host",
        "0.0.0.0",
        "-p",
        "8123",
        "--reload",
        "--no-debugger",
        "--without-threads",
        "--extra-files",
        os.pathsep.join(map(str, extra)),
        "--exclude-patterns",
        f"*.tmp{os.pathsep}*/cache/*",
    )
    assert result.exit_code == 0, result.output
    (call,) = served
    assert (call["host"], call["port"]) == ("0.0.0.0", 8123)
    assert call["use_reloader"] is True
    assert call["use_debugger"] is False
    assert call["threaded"] is False
    assert call["extra_files"] == [str(p) for p in extra]
    assert call["exclude_patterns"] == ["*.tmp", "*/cache/*"]


@pytest.mark.parametrize("where", ["group", "command"])
def test_run_debug_turns_on_reloader_and_debugger(
    where: str, served: list[dict[str, t.Any]]
) -> None:
    if where == "group":
        args = ["--debug", "--app", "cliapp_single", "run"]
    else:
        args = ["--app", "cliapp_single", "run", "--debug"]
    result = run_cli(*args)
    assert result.exit_code == 0, result.output
    (call,) = served
    assert call["use_reloader"] is True
    assert call["use_debugger"] is True
    assert call["app"].debug is True
    assert " * Debug mode: on" in result.output


def test_run_port_from_the_environment(
    served: list[dict[str, t.Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JIGGER_RUN_PORT", "9001")
    run_cli("--app", "cliapp_single", "run")
    assert served[0]["port"] == 9001


def test_run_with_cert_and_key(served: list[dict[str, t.Any]], tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_text("cert")
    key.write_text("key")
    result = run_cli(
        "--app", "cliapp_single", "run", "--cert", str(cert), "--key", str(key)
    )
    assert result.exit_code == 0, result.output
    assert served[0]["ssl_context"] == (str(cert.resolve()), str(key.resolve()))


def test_run_cert_file_needs_key(
    served: list[dict[str, t.Any]], tmp_path: Path
) -> None:
    cert = tmp_path / "cert.pem"
    cert.write_text("cert")
    result = run_cli("--app", "cliapp_single", "run", "--cert", str(cert))
    assert result.exit_code == 2
    assert "--key" in result.output
    assert served == []


def test_run_key_needs_cert(served: list[dict[str, t.Any]], tmp_path: Path) -> None:
    key = tmp_path / "key.pem"
    key.write_text("key")
    result = run_cli("--app", "cliapp_single", "run", "--key", str(key))
    assert result.exit_code == 2
    assert "--key needs --cert" in result.output


def test_run_adhoc_without_cryptography(
    served: list[dict[str, t.Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "cryptography", None)  # type: ignore[arg-type]
    result = run_cli("--app", "cliapp_single", "run", "--cert", "adhoc")
    assert result.exit_code == 2
    assert "cryptography" in result.output
    assert "pip install cryptography" in " ".join(result.output.split())
    assert served == []


def test_run_adhoc_with_cryptography(
    served: list[dict[str, t.Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # An imported module counts even when it has no __spec__ (a stub).
    monkeypatch.setitem(sys.modules, "cryptography", types.ModuleType("cryptography"))
    result = run_cli("--app", "cliapp_single", "run", "--cert", "adhoc")
    assert result.exit_code == 0, result.output
    assert served[0]["ssl_context"] == "adhoc"


def test_run_cert_as_ssl_context(
    served: list[dict[str, t.Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    monkeypatch.setitem(
        sys.modules, "cliapp_sslmod", module("cliapp_sslmod", context=context)
    )
    result = run_cli("--app", "cliapp_single", "run", "--cert", "cliapp_sslmod.context")
    assert result.exit_code == 0, result.output
    assert served[0]["ssl_context"] is context


def test_run_bad_cert_value(served: list[dict[str, t.Any]]) -> None:
    result = run_cli("--app", "cliapp_single", "run", "--cert", "no/such.pem")
    assert result.exit_code == 2
    assert "not an existing file, 'adhoc'" in result.output


def test_run_with_a_bad_app_is_a_clear_error(served: list[dict[str, t.Any]]) -> None:
    result = run_cli("--app", "cliapp_missing", "run")
    assert result.exit_code == 2
    assert "Could not import 'cliapp_missing'" in result.output
    assert served == []


def test_run_in_the_reloader_child_serves_the_loading_error(
    served: list[dict[str, t.Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # In the reloader's child process a broken app must not kill the
    # reloader: the server starts and each request shows the error.
    monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
    result = run_cli("--app", "cliapp_missing", "run")
    assert result.exit_code == 0, result.output
    (call,) = served
    assert " * Debug mode" not in result.output  # the parent printed it
    with pytest.raises(NoAppException, match="cliapp_missing"):
        call["app"]({}, lambda *a: None)


def test_run_command_standalone_with_test_runner(
    served: list[dict[str, t.Any]],
) -> None:
    app = Jigger("standalone")
    result = app.test_cli_runner().invoke(run_command, ["--port", "7000"])
    assert result.exit_code == 0, result.output
    assert served[0]["app"] is app
    assert served[0]["port"] == 7000


# -- shell ---------------------------------------------------------------------


def test_shell_namespace_and_context(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import code

    startup = tmp_path / "startup.py"
    startup.write_text("from_startup = 'yes'\n")
    monkeypatch.setenv("PYTHONSTARTUP", str(startup))
    monkeypatch.delattr(sys, "__interactivehook__", raising=False)
    seen: dict[str, t.Any] = {}

    def fake_interact(banner: str, local: dict[str, t.Any]) -> None:
        seen.update(local, banner=banner, current=current_app.name)

    monkeypatch.setattr(code, "interact", fake_interact)
    result = run_cli("--app", "cliapp_pkg", "shell")
    assert result.exit_code == 0, result.output
    assert seen["current"] == "cliapp_pkg"
    assert seen["app"].name == "cliapp_pkg"
    assert seen["answer"] == 42  # from the shell_context_processor
    assert "g" in seen
    assert seen["from_startup"] == "yes"
    assert "App: cliapp_pkg" in seen["banner"]
    assert f"Instance: {seen['app'].instance_path}" in seen["banner"]


# -- dotenv ----------------------------------------------------------------------


def test_load_dotenv_defaults_and_precedence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".flaskenv").write_text(
        "CLI_TEST_FROM_FLASKENV=flaskenv\nCLI_TEST_SHARED=flaskenv\n"
    )
    (tmp_path / ".jiggerenv").write_text(
        "CLI_TEST_FROM_JIGGERENV=jiggerenv\nCLI_TEST_SHARED=jiggerenv\n"
    )
    (tmp_path / ".env").write_text("CLI_TEST_FROM_DOTENV=env\nCLI_TEST_SHARED=env\n")
    monkeypatch.chdir(tmp_path)
    assert load_dotenv() is True
    assert os.environ["CLI_TEST_FROM_FLASKENV"] == "flaskenv"
    assert os.environ["CLI_TEST_FROM_JIGGERENV"] == "jiggerenv"
    assert os.environ["CLI_TEST_FROM_DOTENV"] == "env"
    assert os.environ["CLI_TEST_SHARED"] == "env"  # .env wins


def test_load_dotenv_does_not_override_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".jiggerenv").write_text("CLI_TEST_SHARED=file\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CLI_TEST_SHARED", "environment")
    load_dotenv()
    assert os.environ["CLI_TEST_SHARED"] == "environment"


def test_load_dotenv_path_wins_over_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("CLI_TEST_SHARED=env\n")
    (tmp_path / "custom.env").write_text("CLI_TEST_SHARED=custom\n")
    monkeypatch.chdir(tmp_path)
    load_dotenv(tmp_path / "custom.env")
    assert os.environ["CLI_TEST_SHARED"] == "custom"


def test_load_dotenv_nothing_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_dotenv(load_defaults=False) is False


def test_dotenv_names_the_app_for_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".jiggerenv").write_text(f"JIGGER_APP={CLIAPPS / 'cliapp_single.py'}\n")
    monkeypatch.chdir(tmp_path)
    result = run_cli("greet", "dot")
    assert result.output == "hello dot from cliapp_single, debug=False\n"


def test_skip_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("CLI_TEST_FROM_DOTENV=env\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JIGGER_SKIP_DOTENV", "1")
    group = FlaskGroup(create_app=lambda: Jigger("skip"))
    run_cli("routes", group=group)
    assert "CLI_TEST_FROM_DOTENV" not in os.environ


def test_env_file_option(tmp_path: Path) -> None:
    env_file = tmp_path / "settings.env"
    env_file.write_text("CLI_TEST_FROM_FILE=given\nJIGGER_DEBUG=1\n")
    result = run_cli("-e", str(env_file), "--app", "cliapp_single", "greet", "e")
    assert result.output == "hello e from cliapp_single, debug=True\n"
    assert os.environ["CLI_TEST_FROM_FILE"] == "given"


def test_env_file_option_without_python_dotenv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / "settings.env"
    env_file.write_text("CLI_TEST_FROM_FILE=given\n")
    monkeypatch.setitem(sys.modules, "dotenv", None)  # type: ignore[arg-type]
    result = run_cli("--env-file", str(env_file), "--app", "cliapp_single", "routes")
    assert result.exit_code == 2
    assert "needs python-dotenv" in result.output
    assert 'pip install "path/to/jigger[dotenv]"' in result.output


def test_load_dotenv_without_python_dotenv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".env").write_text("CLI_TEST_FROM_DOTENV=env\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "dotenv", None)  # type: ignore[arg-type]
    assert load_dotenv(tmp_path / ".env") is False
    assert "python-dotenv is not installed" in capsys.readouterr().err
    assert load_dotenv() is False
    assert "install python-dotenv" in capsys.readouterr().err
    assert "CLI_TEST_FROM_DOTENV" not in os.environ


# -- the real console entry ------------------------------------------------------


def _python(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python *args`` from the repository, without the FLASK_/JIGGER_
    variables of this environment."""
    env = {k: v for k, v in os.environ.items() if k not in _ENV_NAMES}
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.slow
def test_python_dash_m_jigger_routes() -> None:
    app = "tests/framework/cliapps/cliapp_single.py"
    proc = _python("-m", "jigger", "--app", app, "routes")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["Endpoint", "Methods", "Rule"]
    assert ["index", "GET", "/"] in [line.split() for line in lines]

    bad = _python("-m", "jigger", "--app", "cliapp_missing", "routes")
    assert bad.returncode == 2
    assert "Usage: python -m jigger routes" in bad.stderr
    assert "Could not import 'cliapp_missing'" in bad.stderr
    assert "Traceback" not in bad.stderr


@pytest.mark.slow
def test_python_dash_m_jigger_cli_is_the_same_command() -> None:
    # jigger.cli is a package: its __main__ keeps 'python -m jigger.cli'.
    app = "tests/framework/cliapps/cliapp_single.py"
    proc = _python("-m", "jigger.cli", "--app", app, "routes")
    assert proc.returncode == 0, proc.stderr
    assert ["index", "GET", "/"] in [line.split() for line in proc.stdout.splitlines()]


@pytest.mark.slow
def test_creating_an_app_does_not_import_click() -> None:
    code = (
        "import sys, jigger\n"
        "app = jigger.Jigger('fast')\n"
        "app.add_url_rule('/', 'i', lambda: '')\n"
        "assert 'click' not in sys.modules, 'click imported'\n"
        "app.cli\n"
        "assert 'click' in sys.modules\n"
    )
    proc = _python("-c", code)
    assert proc.returncode == 0, proc.stderr


def test_make_shell_context_has_app_g_and_processor_names() -> None:
    from jigger import Jigger, g

    app = Jigger("shellctx")

    @app.shell_context_processor
    def extra() -> dict[str, object]:
        return {"answer": 42}

    names = app.make_shell_context()
    assert names["app"] is app
    assert names["g"] is g
    assert names["answer"] == 42


def test_cli_run_flag_does_not_leak_out_of_an_in_process_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from jigger import Jigger
    from jigger.cli import FlaskGroup

    monkeypatch.delenv("JIGGER_RUN_FROM_CLI", raising=False)
    app = Jigger("leak")
    group = FlaskGroup(create_app=lambda: app)
    result = CliRunner().invoke(group, ["routes"])
    assert result.exit_code == 0, result.output
    assert "JIGGER_RUN_FROM_CLI" not in os.environ

"""The ``jigger`` command line, built on click.

``jigger --app hello run`` finds the application in the module ``hello``
and serves it; ``jigger routes`` lists its URL rules and ``jigger shell``
opens a Python prompt with an application context pushed. Commands an
application or blueprint adds with ``@app.cli.command()`` appear next to
the built-in ones. The names follow Flask's (``FlaskGroup``, ``AppGroup``,
``ScriptInfo``, ``with_appcontext``), so a ported project keeps its
``cli`` code.

How ``--app`` (or the ``JIGGER_APP`` environment variable, or
``FLASK_APP``) is read:

=========================  ==================================================
``--app hello``            the module ``hello``: an attribute ``app`` or
                           ``application``, else the only app in it, else a
                           factory ``create_app()`` or ``make_app()``
``--app src/hello.py``     the same, for a file (its folder goes on
                           ``sys.path``)
``--app hello:web``        the attribute ``web`` of ``hello``
``--app 'hello:make(1)'``  call the factory ``make`` with literal arguments
(nothing)                  ``wsgi.py``, then ``app.py``, in the current folder
=========================  ==================================================

Test a command with :meth:`jigger.Jigger.test_cli_runner`:

>>> from jigger import Jigger
>>> app = Jigger("tools")
>>> @app.cli.command("hello")
... def hello() -> None:
...     import click
...     from jigger import current_app
...     click.echo(f"hello from {current_app.name}")
>>> app.test_cli_runner().invoke(args=["hello"]).output
'hello from tools\\n'
"""

from __future__ import annotations

import ast
import collections.abc as cabc
import importlib.metadata
import importlib.util
import inspect
import os
import platform
import re
import ssl
import sys
import traceback
import typing as t
from functools import update_wrapper
from operator import itemgetter
from types import ModuleType, TracebackType

import click
from click.core import ParameterSource
from click.testing import CliRunner, Result

from .app import Jigger
from .globals import _cv_ctx
from .helpers import get_debug_flag, get_load_dotenv

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

F = t.TypeVar("F", bound=t.Callable[..., t.Any])

#: The names a factory function is looked for under.
FACTORY_NAMES = ("create_app", "make_app")
#: The names an application object is looked for under.
APP_NAMES = ("app", "application")
#: The dotenv files loaded by default, later ones overriding earlier ones.
DOTENV_NAMES = (".flaskenv", ".jiggerenv", ".env")

_HOW_TO_NAME = (
    "Name the app with '--app module:name' (an app object) or"
    " '--app \"module:create_app()\"' (a factory), or set JIGGER_APP."
)


class NoAppException(click.UsageError):
    """The application could not be found or loaded; the message says what
    was tried and what to write instead."""


# -- finding the application ---------------------------------------------


def _called_with_wrong_args(func: t.Callable[..., t.Any]) -> bool:
    """Whether the :exc:`TypeError` being handled came from calling ``func``
    with the wrong arguments (``True``) or from inside ``func``'s body."""
    tb: TracebackType | None = sys.exc_info()[2]
    code = getattr(func, "__code__", None)
    while tb is not None:
        if tb.tb_frame.f_code is code:
            return False  # the error was raised while func ran
        tb = tb.tb_next
    return True


def _app_names(module: ModuleType) -> list[str]:
    return [name for name, v in vars(module).items() if isinstance(v, Jigger)]


def find_best_app(module: ModuleType) -> Jigger:
    """Find the application in ``module``: an attribute named ``app`` or
    ``application``, else the module's only :class:`~jigger.Jigger`
    instance, else the result of calling ``create_app()`` or
    ``make_app()`` without arguments.

    :raises NoAppException: none was found, several were, or the factory
        needs arguments.
    """
    for attr in APP_NAMES:
        value = getattr(module, attr, None)
        if isinstance(value, Jigger):
            return value

    names = _app_names(module)
    if len(names) == 1:
        return t.cast(Jigger, getattr(module, names[0]))
    if len(names) > 1:
        choices = " or ".join(f"'--app {module.__name__}:{n}'" for n in names)
        raise NoAppException(
            f"Module {module.__name__!r} holds {len(names)} applications"
            f" ({', '.join(names)}) and none is called 'app'; say which one"
            f" with {choices}."
        )

    for attr in FACTORY_NAMES:
        factory = getattr(module, attr, None)
        if not inspect.isfunction(factory):
            continue
        try:
            value = factory()
        except TypeError as e:
            if not _called_with_wrong_args(factory):
                raise
            raise NoAppException(
                f"Found the factory {attr!r} in module {module.__name__!r}, but"
                f" calling it without arguments failed ({e}). Give its"
                f" arguments as literals: '--app"
                f' "{module.__name__}:{attr}(...)"\'.'
            ) from e
        if isinstance(value, Jigger):
            return value
        raise NoAppException(
            f"The factory {module.__name__}:{attr}() returned"
            f" {type(value).__name__!r}, not a jigger application."
        )

    raise NoAppException(
        f"Module {module.__name__!r} has no jigger application: looked for"
        f" an attribute {' or '.join(map(repr, APP_NAMES))}, a Jigger instance"
        f" and a factory {' or '.join(map(repr, FACTORY_NAMES))}. {_HOW_TO_NAME}"
    )


def _parse_app_string(app_name: str) -> tuple[str, list[t.Any], dict[str, t.Any]]:
    """Split ``"name"`` or ``"name(args)"`` into the name and the literal
    arguments."""
    try:
        expr = ast.parse(app_name.strip(), mode="eval").body
    except SyntaxError:
        raise NoAppException(
            f"Could not read {app_name!r} as an attribute name or a function"
            " call. Write '--app module:app' or '--app \"module:create_app()\"'"
            " (arguments must be literals, such as 'create_app(\"dev\", debug=True)')."
        ) from None

    if isinstance(expr, ast.Name):
        return expr.id, [], {}
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name):
        try:
            args = [ast.literal_eval(arg) for arg in expr.args]
            kwargs = {
                kw.arg: ast.literal_eval(kw.value)
                for kw in expr.keywords
                if kw.arg is not None
            }
        except ValueError:
            raise NoAppException(
                f"The arguments in {app_name!r} are not all literal values."
                " Only strings, numbers, tuples, lists, dicts, booleans and"
                " None can be given on the command line."
            ) from None
        if len(kwargs) != len(expr.keywords):
            raise NoAppException(
                f"'**' is not supported in {app_name!r}; write the keyword"
                " arguments out."
            )
        return expr.func.id, args, kwargs
    raise NoAppException(
        f"{app_name!r} is neither an attribute name nor a call of one."
        " Write '--app module:app' or '--app \"module:create_app()\"'."
    )


def find_app_by_string(module: ModuleType, app_name: str) -> Jigger:
    """Find the application named by ``app_name`` in ``module``: an
    attribute (``"app"``) or a call of one with literal arguments
    (``"create_app('dev')"``). An attribute that is a function is called
    without arguments.

    :raises NoAppException: with what went wrong and what to write.
    """
    name, args, kwargs = _parse_app_string(app_name)
    try:
        attr = getattr(module, name)
    except AttributeError:
        found = _app_names(module) + [
            f"{n}()" for n in FACTORY_NAMES if inspect.isfunction(vars(module).get(n))
        ]
        hint = (
            f" It has: {', '.join(found)}."
            if found
            else " It has no Jigger instance and no create_app/make_app factory."
        )
        raise NoAppException(
            f"Module {module.__name__!r} has no attribute {name!r}.{hint}"
        ) from None

    if inspect.isfunction(attr):
        try:
            app = attr(*args, **kwargs)
        except TypeError as e:
            if not _called_with_wrong_args(attr):
                raise
            raise NoAppException(
                f"Calling {module.__name__}:{name} with the arguments in"
                f" {app_name!r} failed ({e}). Give the arguments it needs, for"
                f" example '--app \"{module.__name__}:{name}(...)\"'."
            ) from e
    else:
        if args or kwargs:
            raise NoAppException(
                f"{module.__name__}:{name} is not a function, so it cannot be"
                f" called as {app_name!r}."
            )
        app = attr

    if isinstance(app, Jigger):
        return app
    raise NoAppException(
        f"{module.__name__}:{app_name} gave {type(app).__name__!r}, not a jigger"
        f" application. {_HOW_TO_NAME}"
    )


def prepare_import(path: str) -> str:
    """Turn ``path`` (a module name or a file or package path) into a
    module name, and put the folder it is imported from first on
    :data:`sys.path`. Folders with an ``__init__.py`` become packages:
    ``src/shop/views.py`` gives ``shop.views`` with ``src`` on the path.
    """
    path = os.path.realpath(path)
    stem, ext = os.path.splitext(path)
    if ext == ".py":
        path = stem
    if os.path.basename(path) == "__init__":
        path = os.path.dirname(path)

    parts: list[str] = []
    while True:
        path, name = os.path.split(path)
        parts.append(name)
        if not os.path.exists(os.path.join(path, "__init__.py")):
            break

    if sys.path[0] != path:
        sys.path.insert(0, path)
    return ".".join(reversed(parts))


@t.overload
def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: t.Literal[True] = True
) -> Jigger: ...
@t.overload
def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: t.Literal[False]
) -> Jigger | None: ...
def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: bool = True
) -> Jigger | None:
    """Import ``module_name`` and find the application in it, by
    ``app_name`` (see :func:`find_app_by_string`) or, when that is ``None``,
    with :func:`find_best_app`.

    :param raise_if_not_found: when ``False``, a module that does not exist
        gives ``None`` instead of :exc:`NoAppException`.
    """
    try:
        __import__(module_name)
    except ImportError as e:
        missing = isinstance(e, ModuleNotFoundError) and (
            e.name is not None
            and (module_name == e.name or module_name.startswith(f"{e.name}."))
        )
        if not missing:
            raise NoAppException(
                f"Importing {module_name!r} raised an ImportError inside the"
                f" module (the module itself was found):\n\n"
                f"{traceback.format_exc()}"
            ) from None
        if not raise_if_not_found:
            return None
        raise NoAppException(
            f"Could not import {module_name!r}: there is no module or file of"
            f" that name in {sys.path[0]!r} or on sys.path. Give '--app' a"
            " module name ('--app hello'), a file ('--app src/hello.py') or"
            " 'module:name', and run the command from the project's folder."
        ) from None

    module = sys.modules[module_name]
    if app_name is None:
        return find_best_app(module)
    return find_app_by_string(module, app_name)


def get_version(ctx: click.Context, param: click.Parameter, value: t.Any) -> None:
    """The callback of ``--version``: print the versions and exit."""
    if not value or ctx.resilient_parsing:
        return
    from . import __version__

    click.echo(
        f"Python {platform.python_version()}\n"
        f"jigger {__version__}\n"
        f"Werkzeug {importlib.metadata.version('werkzeug')}",
        color=ctx.color,
    )
    ctx.exit()


version_option = click.Option(
    ["--version"],
    help="Show the jigger version.",
    expose_value=False,
    callback=get_version,
    is_flag=True,
    is_eager=True,
)


class ScriptInfo:
    """What the command line knows about the application it works on, and
    how to load it. It is the click context's ``obj``; commands get it
    with :func:`pass_script_info`.

    :param app_import_path: the ``--app`` value.
    :param create_app: a function that returns the app; used instead of
        ``app_import_path`` when given.
    :param set_debug_flag: set ``app.debug`` from ``JIGGER_DEBUG`` (which
        ``--debug`` sets) when the app is loaded.
    :param load_dotenv_defaults: load ``.flaskenv``, ``.jiggerenv`` and
        ``.env`` before the app is found.
    """

    def __init__(
        self,
        app_import_path: str | None = None,
        create_app: t.Callable[..., Jigger] | None = None,
        set_debug_flag: bool = True,
        load_dotenv_defaults: bool = True,
    ) -> None:
        self.app_import_path = app_import_path
        self.create_app = create_app
        self.set_debug_flag = set_debug_flag
        self.load_dotenv_defaults = get_load_dotenv(load_dotenv_defaults)
        #: Anything a command wants to keep between calls.
        self.data: dict[t.Any, t.Any] = {}
        self._loaded_app: Jigger | None = None

    def load_app(self) -> Jigger:
        """Load the application once and return it.

        :raises NoAppException: it cannot be found.
        """
        if self._loaded_app is not None:
            return self._loaded_app
        app: Jigger | None = None
        if self.create_app is not None:
            app = self.create_app()
        elif self.app_import_path:
            value = self.app_import_path
            match = re.fullmatch(r"(.*?)(?::(?![\\/])(.*))?", value, re.DOTALL)
            path, name = match.groups() if match else (value, None)
            if not path:
                raise NoAppException(
                    f"'--app {value}' names no module. Write '--app module' or"
                    " '--app module:name'."
                )
            app = locate_app(prepare_import(path), name)
        else:
            for path in ("wsgi.py", "app.py"):
                app = locate_app(prepare_import(path), None, raise_if_not_found=False)
                if app is not None:
                    break
        if app is None:
            raise NoAppException(
                "No application to work on: '--app' was not given, JIGGER_APP is"
                " not set, and there is no 'wsgi.py' or 'app.py' in the current"
                f" folder ({os.getcwd()}). {_HOW_TO_NAME}"
            )
        if self.set_debug_flag:
            app.debug = get_debug_flag()
        self._loaded_app = app
        return app


#: A decorator that passes the :class:`ScriptInfo` to a command.
pass_script_info = click.make_pass_decorator(ScriptInfo, ensure=True)


def with_appcontext(f: F) -> F:
    """Run a click command inside the application's context (loading the
    app first), unless one is already pushed. :meth:`AppGroup.command`
    adds it for you."""

    @click.pass_context
    def decorator(ctx: click.Context, /, *args: t.Any, **kwargs: t.Any) -> t.Any:
        if _cv_ctx.get(None) is None:
            app = ctx.ensure_object(ScriptInfo).load_app()
            ctx.with_resource(app.app_context())
        return ctx.invoke(f, *args, **kwargs)

    return update_wrapper(decorator, f)  # type: ignore[return-value]


class AppGroup(click.Group):
    """A click group whose commands run in the application's context
    (pass ``with_appcontext=False`` to :meth:`command` to opt out) and whose
    subgroups are :class:`AppGroup` too. ``app.cli`` and ``bp.cli`` are
    instances."""

    def command(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        """Like :meth:`click.Group.command`, with :func:`with_appcontext`
        unless ``with_appcontext=False``. Works with and without
        parentheses."""
        wrap = kwargs.pop("with_appcontext", True)
        func: t.Callable[..., t.Any] | None = None
        if len(args) == 1 and not kwargs and callable(args[0]):
            func, args = args[0], ()

        def decorator(f: t.Callable[..., t.Any]) -> click.Command:
            if wrap:
                f = with_appcontext(f)
            return super(AppGroup, self).command(*args, **kwargs)(f)  # type: ignore[no-any-return]

        return decorator if func is None else decorator(func)

    def group(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        """Like :meth:`click.Group.group`, making an :class:`AppGroup`."""
        kwargs.setdefault("cls", AppGroup)
        return super().group(*args, **kwargs)


# -- the group's own options -----------------------------------------------


def _set_app(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is None:
        return
    ctx.ensure_object(ScriptInfo).app_import_path = value


def _set_debug(ctx: click.Context, param: click.Parameter, value: bool | None) -> None:
    source = ctx.get_parameter_source(param.name or "debug")
    if value is None or source in {
        None,
        ParameterSource.DEFAULT,
        ParameterSource.DEFAULT_MAP,
    }:
        return
    # The app reads JIGGER_DEBUG when it is created (factories included).
    os.environ["JIGGER_DEBUG"] = "1" if value else "0"


def _set_env_file(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> str | None:
    info = ctx.ensure_object(ScriptInfo)
    if value is not None:
        try:
            import dotenv  # noqa: F401
        except ImportError:
            raise click.BadParameter(
                f"reading {value!r} needs python-dotenv; install it with"
                ' python -m pip install "path/to/jigger[dotenv]".',
                ctx=ctx,
                param=param,
            ) from None
    if value is not None or info.load_dotenv_defaults:
        load_dotenv(value, load_defaults=info.load_dotenv_defaults)
    return value


_env_file_option = click.Option(
    ["-e", "--env-file"],
    type=click.Path(exists=True, dir_okay=False),
    help="Load environment variables from this file (needs python-dotenv).",
    is_eager=True,
    expose_value=False,
    callback=_set_env_file,
)
_app_option = click.Option(
    ["-A", "--app"],
    metavar="IMPORT",
    envvar=["JIGGER_APP", "FLASK_APP"],
    help=(
        "The application: 'module', 'path/to/file.py', 'module:name' or"
        " 'module:create_app(args)'. Default: wsgi.py or app.py here."
    ),
    is_eager=True,
    expose_value=False,
    callback=_set_app,
)
_debug_option = click.Option(
    ["--debug/--no-debug"],
    default=None,
    envvar=["JIGGER_DEBUG", "FLASK_DEBUG"],
    help="Turn debug mode on or off.",
    expose_value=False,
    callback=_set_debug,
)


class FlaskGroup(AppGroup):
    """The ``jigger`` command: an :class:`AppGroup` with the ``--app``,
    ``--env-file`` and ``--debug`` options, the ``run``, ``shell`` and
    ``routes`` commands, and the commands of the loaded app's ``app.cli``.
    Use it to make a project's own script.

    :param add_default_commands: add ``run``, ``shell`` and ``routes``.
    :param create_app: a function returning the app, instead of ``--app``.
    :param add_version_option: add ``--version``.
    :param load_dotenv: load the default dotenv files.
    :param set_debug_flag: set ``app.debug`` from ``--debug``.
    """

    def __init__(
        self,
        add_default_commands: bool = True,
        create_app: t.Callable[..., Jigger] | None = None,
        add_version_option: bool = True,
        load_dotenv: bool = True,
        set_debug_flag: bool = True,
        **extra: t.Any,
    ) -> None:
        params: list[click.Parameter] = list(extra.pop("params", None) or ())
        # The env file first: --app and --debug may come from it.
        params.extend((_env_file_option, _app_option, _debug_option))
        if add_version_option:
            params.append(version_option)
        extra.setdefault("context_settings", {}).setdefault(
            "auto_envvar_prefix", "JIGGER"
        )
        super().__init__(params=params, **extra)
        self.create_app = create_app
        self.load_dotenv = load_dotenv
        self.set_debug_flag = set_debug_flag
        if add_default_commands:
            self.add_command(run_command)
            self.add_command(shell_command)
            self.add_command(routes_command)
        self._loaded_plugin_commands = False

    def _load_plugin_commands(self) -> None:
        if self._loaded_plugin_commands:
            return
        for ep in importlib.metadata.entry_points(group="jigger.commands"):
            self.add_command(ep.load(), ep.name)
        self._loaded_plugin_commands = True

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._load_plugin_commands()
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        info = ctx.ensure_object(ScriptInfo)
        try:
            app = info.load_app()
        except NoAppException as e:
            click.secho(f"Error: {e.format_message()}\n", err=True, fg="red")
            return None
        # An app command about to run (not one listed in a help page),
        # plain click commands added with app.cli.add_command included,
        # runs with its parameter callbacks in the app's context, unless a
        # context of the app is already current.
        current = _cv_ctx.get(None)
        if ctx.meta.get(_INVOKING) and (current is None or current.app is not app):
            ctx.with_resource(app.app_context())
        return app.cli.get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> t.Any:
        # get_command pushes the app's context only from here: during
        # parsing (a help page) nothing would pop it.
        ctx.meta[_INVOKING] = True
        return super().invoke(ctx)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands()
        names = set(super().list_commands(ctx))
        info = ctx.ensure_object(ScriptInfo)
        try:
            names.update(info.load_app().cli.list_commands(ctx))
        except NoAppException as e:
            click.secho(f"Error: {e.format_message()}\n", err=True, fg="red")
        except Exception:
            click.secho(f"{traceback.format_exc()}\n", err=True, fg="red")
        return sorted(names)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: t.Any,
    ) -> click.Context:
        # An app.run() left in the app's module must not start a server while
        # a command runs; the variable is put back when the command ends, so
        # an in-process call (a test's CLI runner) does not leak it.
        previous = os.environ.get("JIGGER_RUN_FROM_CLI")
        os.environ["JIGGER_RUN_FROM_CLI"] = "true"
        if "obj" not in extra and "obj" not in self.context_settings:
            extra["obj"] = ScriptInfo(
                create_app=self.create_app,
                set_debug_flag=self.set_debug_flag,
                load_dotenv_defaults=self.load_dotenv,
            )

        def restore() -> None:
            if previous is None:
                os.environ.pop("JIGGER_RUN_FROM_CLI", None)
            else:
                os.environ["JIGGER_RUN_FROM_CLI"] = previous

        try:
            ctx = super().make_context(info_name, args, parent=parent, **extra)
        except BaseException:
            # A help page or a usage error ends parsing with an exception;
            # no context is returned, so nothing would close it.
            restore()
            raise
        ctx.call_on_close(restore)
        return ctx

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if (not args and self.no_args_is_help) or (
            len(args) == 1 and args[0] in self.get_help_option_names(ctx)
        ):
            # Read --env-file and --app from the environment now, so that
            # the help lists the app's own commands too.
            _env_file_option.handle_parse_result(ctx, {}, [])
            _app_option.handle_parse_result(ctx, {}, [])
        return super().parse_args(ctx, args)


def _importable(name: str) -> bool:
    """Whether ``import name`` would find a module (one already imported,
    or one installed), without importing it."""
    if name in sys.modules:
        return sys.modules[name] is not None
    return importlib.util.find_spec(name) is not None


#: Set in a FlaskGroup's context while it runs a command (see get_command).
_INVOKING = "jigger.cli.invoking"

#: jigger's name for :class:`FlaskGroup`.
JiggerGroup = FlaskGroup


def load_dotenv(
    path: str | os.PathLike[str] | None = None, load_defaults: bool = True
) -> bool:
    """Load environment variables from dotenv files, with python-dotenv.

    The defaults ``.flaskenv``, ``.jiggerenv`` (both meant to be committed)
    and ``.env`` (private) are looked for from the current folder upwards;
    then ``path`` is read. A later file wins over an earlier one, and a
    variable already in the environment wins over all of them.

    :param path: a file to load after the defaults.
    :param load_defaults: look for the default files.
    :return: whether any variable was read.
    """
    try:
        import dotenv
    except ImportError:
        if path is not None:
            click.secho(
                f" * Cannot load {os.fspath(path)!r}: python-dotenv is not"
                " installed ('pip install python-dotenv').",
                fg="yellow",
                err=True,
            )
        elif load_defaults and any(os.path.isfile(n) for n in DOTENV_NAMES):
            click.secho(
                " * Tip: there are dotenv files here; install python-dotenv to"
                " use them.",
                fg="yellow",
                err=True,
            )
        return False

    data: dict[str, str | None] = {}
    if load_defaults:
        for name in DOTENV_NAMES:
            found = dotenv.find_dotenv(name, usecwd=True)
            if found:
                data.update(dotenv.dotenv_values(found, encoding="utf-8"))
    if path is not None and os.path.isfile(path):
        data.update(dotenv.dotenv_values(path, encoding="utf-8"))

    for key, value in data.items():
        if key not in os.environ and value is not None:
            os.environ[key] = value
    return bool(data)


# -- run ---------------------------------------------------------------


class CertParamType(click.ParamType):  # type: ignore[type-arg]
    """``--cert``: a certificate file, ``adhoc`` (a throwaway certificate,
    needs the cryptography library) or the import name of an
    :class:`ssl.SSLContext`."""

    name = "path"

    def __init__(self) -> None:
        self.path_type = click.Path(exists=True, dir_okay=False, resolve_path=True)

    def convert(
        self, value: t.Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> t.Any:
        try:
            return self.path_type(value, param, ctx)
        except click.BadParameter:
            text = click.STRING(value, param, ctx).lower()
            if text == "adhoc":
                if not _importable("cryptography"):
                    raise click.BadParameter(
                        "an ad-hoc certificate needs the cryptography library;"
                        " install it with 'pip install cryptography', or give a"
                        " certificate file and --key.",
                        ctx,
                        param,
                    )
                return text
            try:
                obj = _import_string(value)
            except ImportError:
                obj = None
            if isinstance(obj, ssl.SSLContext):
                return obj
            self.fail(
                f"{value!r} is not an existing file, 'adhoc', or the import name"
                " of an ssl.SSLContext.",
                param,
                ctx,
            )


def _import_string(name: str) -> t.Any:
    from werkzeug.utils import import_string

    return import_string(name)


def _validate_key(ctx: click.Context, param: click.Parameter, value: t.Any) -> t.Any:
    """Check ``--key`` against ``--cert`` and combine them."""
    cert = ctx.params.get("cert")
    is_adhoc = cert == "adhoc"
    is_context = isinstance(cert, ssl.SSLContext)
    if value is not None:
        if is_adhoc:
            raise click.BadParameter(
                "--key is not used with '--cert adhoc'.", ctx, param
            )
        if is_context:
            raise click.BadParameter(
                "--key is not used when --cert names an SSLContext.", ctx, param
            )
        if not cert:
            raise click.BadParameter("--key needs --cert too.", ctx, param)
        ctx.params["cert"] = (cert, value)
    elif cert and not (is_adhoc or is_context):
        raise click.BadParameter(
            "--cert is a certificate file, so --key (its private key file) is"
            " needed too.",
            ctx,
            param,
        )
    return value


class SeparatedPathType(click.Path):
    """A list of paths separated by :data:`os.pathsep` (``:`` on POSIX)."""

    def convert(
        self, value: t.Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> t.Any:
        items = self.split_envvar_value(value)
        return [super(SeparatedPathType, self).convert(i, param, ctx) for i in items]


def show_server_banner(debug: bool, app_import_path: str | None) -> None:
    """Print which app is served and whether debug mode is on (not in
    the reloader's child process, which would repeat it)."""
    from werkzeug.serving import is_running_from_reloader

    if is_running_from_reloader():
        return
    if app_import_path is not None:
        click.echo(f" * Serving jigger app '{app_import_path}'")
    click.echo(f" * Debug mode: {'on' if debug else 'off'}")


@click.command("run", short_help="Run the development server.")
@click.option("--host", "-h", default="127.0.0.1", help="The interface to bind to.")
@click.option("--port", "-p", default=5000, type=int, help="The port to bind to.")
@click.option(
    "--cert",
    type=CertParamType(),
    is_eager=True,
    help="An SSL certificate file, 'adhoc', or an SSLContext's import name.",
)
@click.option(
    "--key",
    type=click.Path(exists=True, dir_okay=False, resolve_path=True),
    callback=_validate_key,
    expose_value=False,
    help="The private key of the --cert file.",
)
@click.option(
    "--reload/--no-reload",
    default=None,
    help="Restart when code changes (default: in debug mode).",
)
@click.option(
    "--debugger/--no-debugger",
    default=None,
    help="The interactive debugger (default: in debug mode).",
)
@click.option(
    "--with-threads/--without-threads",
    default=True,
    help="Handle each request in a thread.",
)
@click.option(
    "--extra-files",
    default=None,
    type=SeparatedPathType(),
    help=f"More files the reloader watches, separated by {os.pathsep!r}.",
)
@click.option(
    "--exclude-patterns",
    default=None,
    type=SeparatedPathType(),
    help=f"fnmatch patterns the reloader ignores, separated by {os.pathsep!r}.",
)
@pass_script_info
def run_command(
    info: ScriptInfo,
    host: str,
    port: int,
    reload: bool | None,
    debugger: bool | None,
    with_threads: bool,
    cert: ssl.SSLContext | tuple[str, str] | t.Literal["adhoc"] | None,
    extra_files: list[str] | None,
    exclude_patterns: list[str] | None,
) -> None:
    """Serve the app with Werkzeug's development server. Not for
    production: use a WSGI server such as gunicorn there.

    In debug mode (``--debug``) the reloader and the debugger are on.
    """
    from werkzeug.serving import is_running_from_reloader, run_simple

    os.environ["JIGGER_RUN_FROM_CLI"] = "true"
    app: WSGIApplication
    try:
        app = info.load_app()
    except Exception as e:
        if not is_running_from_reloader():
            raise
        # In the reloader's child, show the error in the browser and keep
        # watching files, so that fixing it restarts the server.
        traceback.print_exc()
        error = e

        def app(
            environ: WSGIEnvironment, start_response: StartResponse
        ) -> cabc.Iterable[bytes]:
            raise error from None

    debug = get_debug_flag()
    if reload is None:
        reload = debug
    if debugger is None:
        debugger = debug
    show_server_banner(debug, info.app_import_path)
    run_simple(
        host,
        port,
        app,
        use_reloader=reload,
        use_debugger=debugger,
        threaded=with_threads,
        ssl_context=cert,
        extra_files=extra_files,
        exclude_patterns=exclude_patterns,
    )


run_command.params.insert(0, _debug_option)


# -- shell -------------------------------------------------------------


@click.command("shell", short_help="Open a Python shell in the app's context.")
@with_appcontext
def shell_command() -> None:
    """Open an interactive Python prompt with the application context
    pushed: ``app`` and ``g`` are defined, plus what the app's
    ``shell_context_processor`` functions return. ``PYTHONSTARTUP`` is
    run first, as in the plain interpreter."""
    import code

    from .globals import current_app

    app = t.cast(Jigger, current_app._get_current_object())  # type: ignore[attr-defined]
    banner = (
        f"Python {sys.version} on {sys.platform}\n"
        f"App: {app.import_name}\n"
        f"Instance: {app.instance_path}"
    )
    namespace: dict[str, t.Any] = {}
    startup = os.environ.get("PYTHONSTARTUP")
    if startup and os.path.isfile(startup):
        with open(startup, encoding="utf-8") as f:
            exec(compile(f.read(), startup, "exec"), namespace)
    namespace.update(app.make_shell_context())

    hook = getattr(sys, "__interactivehook__", None)
    if hook is not None:
        # What the plain interpreter sets up (history, tab completion), then
        # completion of the names defined here.
        hook()
        try:
            import readline
            from rlcompleter import Completer
        except ImportError:
            pass
        else:
            readline.set_completer(Completer(namespace).complete)

    code.interact(banner=banner, local=namespace)


# -- routes ------------------------------------------------------------


@click.command("routes", short_help="Show the app's URL rules.")
@click.option(
    "--sort",
    "-s",
    type=click.Choice(("endpoint", "methods", "domain", "rule", "match")),
    default="endpoint",
    help="The column to sort by; 'match' keeps the order rules are matched in.",
)
@click.option("--all-methods", is_flag=True, help="Show HEAD and OPTIONS too.")
@with_appcontext
def routes_command(sort: str, all_methods: bool) -> None:
    """Show every URL rule with its endpoint and methods (and host or
    subdomain, when a rule has one)."""
    from .globals import current_app

    url_map = current_app.url_map
    rules = list(url_map.iter_rules())
    if not rules:
        click.echo("No routes were registered.")
        return

    hidden = set() if all_methods else {"HEAD", "OPTIONS"}
    host_matching = url_map.host_matching
    domains = [(r.host if host_matching else r.subdomain) or "" for r in rules]
    has_domain = any(domains)

    headers = ["Endpoint", "Methods"]
    if has_domain:
        headers.append("Host" if host_matching else "Subdomain")
    headers.append("Rule")
    rows: list[list[str]] = []
    for rule, domain in zip(rules, domains, strict=True):
        row = [rule.endpoint, ", ".join(sorted((rule.methods or set()) - hidden))]
        if has_domain:
            row.append(domain)
        row.append(rule.rule)
        rows.append(row)

    columns = {"endpoint": 0, "methods": 1}
    if has_domain:
        columns.update(domain=2, rule=3)
    else:
        columns.update(rule=2, domain=2)  # no domain column: by rule
    if sort != "match":
        rows.sort(key=itemgetter(columns[sort]))

    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    for line in [headers, ["-" * w for w in widths], *rows]:
        click.echo(
            "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
        )


# -- the jigger command ------------------------------------------------------

cli = FlaskGroup(
    name="jigger",
    help="""A general utility script for jigger applications.

Name the application with '--app' (or JIGGER_APP); without it, wsgi.py or
app.py in the current folder is used. '--debug' turns debug mode on.

\b
  jigger --app hello run --debug
  jigger --app "shop:create_app('dev')" routes
""",
)


def main() -> None:
    """The entry point of the ``jigger`` console script and of
    ``python -m jigger``."""
    cli.main()


class FlaskCliRunner(CliRunner):
    """A click test runner for an app's commands; see
    :meth:`jigger.Jigger.test_cli_runner` (also importable from
    :mod:`jigger.testing`).

    :param app: the application the commands load.
    """

    def __init__(self, app: Jigger, **kwargs: t.Any) -> None:
        self.app = app
        super().__init__(**kwargs)

    def invoke(  # type: ignore[override]
        self,
        cli: click.Command | None = None,
        args: str | cabc.Sequence[str] | None = None,
        **kwargs: t.Any,
    ) -> Result:
        """Run ``cli`` (default: ``app.cli``) with ``args``, in a way that
        loads this runner's app; returns click's
        :class:`~click.testing.Result`."""
        if cli is None:
            cli = self.app.cli
        if "obj" not in kwargs:
            kwargs["obj"] = ScriptInfo(create_app=lambda: self.app)
        return super().invoke(cli, args, **kwargs)


if __name__ == "__main__":  # pragma: no cover
    main()

"""The command group: loading the app, the group's options, dotenv files.

Design: the ``jigger`` command is a click group whose context object is a
:class:`ScriptInfo`, the one place that knows how to load the app. The
group's own options (``--env-file``, ``--app``, ``--debug``) are eager
click options whose callbacks only record what they read (into the
ScriptInfo or the environment); nothing is loaded until a command asks.
Commands the app adds are looked up on its ``app.cli`` when click asks for
a name the group does not have.
"""

from __future__ import annotations

import functools
import importlib.metadata
import os
import platform
import re
import traceback
import typing as t

import click
from click.core import ParameterSource

from ..app import Jigger
from ..globals import _cv_ctx
from ..helpers import get_debug_flag, get_load_dotenv
from .finding import _HOW_TO_NAME, NoAppException, locate_app, prepare_import

F = t.TypeVar("F", bound=t.Callable[..., t.Any])
#: A function that makes the application, given to :class:`ScriptInfo` and
#: :class:`FlaskGroup` instead of ``--app``.
AppFactory = t.Callable[..., Jigger]

#: The dotenv files loaded by default, later ones overriding earlier ones.
DOTENV_NAMES = (".flaskenv", ".jiggerenv", ".env")
#: The files tried, in order, when no app is named.
_DEFAULT_FILES = ("wsgi.py", "app.py")
#: Set in a FlaskGroup's context while it runs a command (see get_command).
_INVOKING = "jigger.cli.invoking"
#: Set while a command runs, so that an ``app.run()`` left in the app's
#: module does not start a second server.
_FROM_CLI = "JIGGER_RUN_FROM_CLI"


def get_version(ctx: click.Context, param: click.Parameter, value: t.Any) -> None:
    """The callback of ``--version``: print the versions and exit."""
    if not value or ctx.resilient_parsing:
        return
    from .. import __version__

    lines = (
        f"Python {platform.python_version()}",
        f"jigger {__version__}",
        f"Werkzeug {importlib.metadata.version('werkzeug')}",
    )
    click.echo("\n".join(lines), color=ctx.color)
    ctx.exit()


#: ``--version``: a flag handled as soon as it is seen, before the app.
version_option = click.Option(
    ["--version"],
    is_flag=True,
    is_eager=True,
    callback=get_version,
    expose_value=False,
    help="Show the jigger version.",
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
        create_app: AppFactory | None = None,
        set_debug_flag: bool = True,
        load_dotenv_defaults: bool = True,
    ) -> None:
        #: Anything a command wants to keep between calls.
        self.data: dict[t.Any, t.Any] = {}
        self._loaded_app: Jigger | None = None
        # JIGGER_SKIP_DOTENV (or FLASK_SKIP_DOTENV) can turn the defaults off.
        self.load_dotenv_defaults = get_load_dotenv(load_dotenv_defaults)
        self.set_debug_flag = set_debug_flag
        self.create_app = create_app
        self.app_import_path = app_import_path

    def _find(self) -> Jigger | None:
        if self.create_app is not None:
            return self.create_app()
        value = self.app_import_path
        if not value:
            for file_name in _DEFAULT_FILES:
                found = locate_app(
                    prepare_import(file_name), None, raise_if_not_found=False
                )
                if found is not None:
                    return found
            return None
        # 'module:name', where a colon before a slash is a Windows drive.
        match = re.fullmatch(r"(.*?)(?::(?![\\/])(.*))?", value, re.DOTALL)
        path, name = match.groups() if match else (value, None)
        if not path:
            raise NoAppException(
                f"'--app {value}' names no module. Write '--app module' or"
                " '--app module:name'."
            )
        return locate_app(prepare_import(path), name)

    def load_app(self) -> Jigger:
        """Load the application once and return it.

        :raises NoAppException: it cannot be found.
        """
        if self._loaded_app is None:
            app = self._find()
            if app is None:
                raise NoAppException(
                    "No application to work on: '--app' was not given, JIGGER_APP is"
                    " not set, and there is no 'wsgi.py' or 'app.py' in the current"
                    f" folder ({os.getcwd()}). {_HOW_TO_NAME}"
                )
            if self.set_debug_flag:
                app.debug = get_debug_flag()
            self._loaded_app = app
        return self._loaded_app


#: A decorator that passes the :class:`ScriptInfo` to a command.
pass_script_info = click.make_pass_decorator(ScriptInfo, ensure=True)


def with_appcontext(f: F) -> F:
    """Run a click command inside the application's context (loading the
    app first), unless one is already pushed. :meth:`AppGroup.command`
    adds it for you."""

    @functools.wraps(f)
    @click.pass_context
    def in_app_context(ctx: click.Context, /, *args: t.Any, **kwargs: t.Any) -> t.Any:
        if _cv_ctx.get(None) is None:
            info = ctx.ensure_object(ScriptInfo)
            ctx.with_resource(info.load_app().app_context())
        return ctx.invoke(f, *args, **kwargs)

    return t.cast(F, in_app_context)


class AppGroup(click.Group):
    """A click group whose commands run in the application's context
    (pass ``with_appcontext=False`` to :meth:`command` to opt out) and whose
    subgroups are :class:`AppGroup` too. ``app.cli`` and ``bp.cli`` are
    instances."""

    def command(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        """Like :meth:`click.Group.command`, with :func:`with_appcontext`
        unless ``with_appcontext=False``. Works with and without
        parentheses."""
        in_context = kwargs.pop("with_appcontext", True)
        bare = len(args) == 1 and not kwargs and callable(args[0])
        make = super().command

        def register(func: t.Callable[..., t.Any]) -> click.Command:
            target = with_appcontext(func) if in_context else func
            return t.cast(click.Command, make(*args, **kwargs)(target))

        if bare:
            func, args = args[0], ()
            return register(func)
        return register

    def group(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        """Like :meth:`click.Group.group`, making an :class:`AppGroup`."""
        kwargs.setdefault("cls", AppGroup)
        return super().group(*args, **kwargs)


# -- the group's own options -----------------------------------------------


def _set_app(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.ensure_object(ScriptInfo).app_import_path = value


def _set_debug(ctx: click.Context, param: click.Parameter, value: bool | None) -> None:
    source = ctx.get_parameter_source(param.name or "debug")
    given = source not in {None, ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP}
    if value is not None and given:
        # The app reads JIGGER_DEBUG when it is created (factories included).
        os.environ["JIGGER_DEBUG"] = "1" if value else "0"


def _set_env_file(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> str | None:
    defaults = ctx.ensure_object(ScriptInfo).load_dotenv_defaults
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
    if value is not None or defaults:
        load_dotenv(value, load_defaults=defaults)
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


def _report(message: str) -> None:
    click.secho(message + "\n", err=True, fg="red")


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
        create_app: AppFactory | None = None,
        add_version_option: bool = True,
        load_dotenv: bool = True,
        set_debug_flag: bool = True,
        **group_settings: t.Any,
    ) -> None:
        # The env file comes first: --app and --debug may be read from it.
        ours = [_env_file_option, _app_option, _debug_option]
        ours += [version_option] if add_version_option else []
        group_settings["params"] = [*(group_settings.get("params") or ()), *ours]
        settings = group_settings.setdefault("context_settings", {})
        settings.setdefault("auto_envvar_prefix", "JIGGER")
        super().__init__(**group_settings)
        self.create_app = create_app
        self.load_dotenv = load_dotenv
        self.set_debug_flag = set_debug_flag
        if add_default_commands:
            from .commands import routes_command, run_command, shell_command

            for builtin in (run_command, shell_command, routes_command):
                self.add_command(builtin)
        self._plugins_added = False

    def _add_plugin_commands(self) -> None:
        """Add the commands installed packages declare under the
        ``jigger.commands`` entry point group (once)."""
        if not self._plugins_added:
            for entry in importlib.metadata.entry_points(group="jigger.commands"):
                self.add_command(entry.load(), entry.name)
            self._plugins_added = True

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._add_plugin_commands()
        own = super().get_command(ctx, cmd_name)
        if own is not None:
            return own
        try:
            app = ctx.ensure_object(ScriptInfo).load_app()
        except NoAppException as e:
            _report(f"Error: {e.format_message()}")
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
        self._add_plugin_commands()
        names = set(super().list_commands(ctx))
        try:
            names.update(
                ctx.ensure_object(ScriptInfo).load_app().cli.list_commands(ctx)
            )
        except NoAppException as e:
            _report(f"Error: {e.format_message()}")
        except Exception:
            _report(traceback.format_exc())
        return sorted(names)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        asks_for_help = (not args and self.no_args_is_help) or (
            len(args) == 1 and args[0] in self.get_help_option_names(ctx)
        )
        if asks_for_help:
            # Click shows the help before any option callback runs: read
            # --env-file and --app from the environment now, so that the
            # help lists the app's own commands too.
            for option in (_env_file_option, _app_option):
                option.handle_parse_result(ctx, {}, [])
        return super().parse_args(ctx, args)

    def make_context(self, *args: t.Any, **context_options: t.Any) -> click.Context:
        """Click's ``make_context`` (same arguments), giving the context a
        :class:`ScriptInfo` for this group unless ``obj`` is given, and
        marking the environment while the command runs."""
        # The marker for app.run() is put back when the command ends, so
        # that an in-process call (a test's CLI runner) does not leak it.
        before = os.environ.get(_FROM_CLI)
        os.environ[_FROM_CLI] = "true"

        def put_back() -> None:
            if before is None:
                os.environ.pop(_FROM_CLI, None)
            else:
                os.environ[_FROM_CLI] = before

        if "obj" not in context_options and "obj" not in self.context_settings:
            context_options["obj"] = ScriptInfo(
                create_app=self.create_app,
                set_debug_flag=self.set_debug_flag,
                load_dotenv_defaults=self.load_dotenv,
            )
        try:
            ctx = super().make_context(*args, **context_options)
        except BaseException:
            # A help page or a usage error ends parsing with an exception;
            # no context is returned, so nothing would close it.
            put_back()
            raise
        ctx.call_on_close(put_back)
        return ctx


#: jigger's name for :class:`FlaskGroup`.
JiggerGroup = FlaskGroup


def _dotenv_missing(path: str | os.PathLike[str] | None, load_defaults: bool) -> None:
    """Say why dotenv files are not read when python-dotenv is missing."""
    if path is not None:
        message = (
            f" * Cannot load {os.fspath(path)!r}: python-dotenv is not"
            " installed ('pip install python-dotenv')."
        )
    elif load_defaults and any(os.path.isfile(n) for n in DOTENV_NAMES):
        message = (
            " * Tip: there are dotenv files here; install python-dotenv to use them."
        )
    else:
        return
    click.secho(message, fg="yellow", err=True)


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
        _dotenv_missing(path, load_defaults)
        return False

    files = (
        [dotenv.find_dotenv(n, usecwd=True) for n in DOTENV_NAMES]
        if load_defaults
        else []
    )
    if path is not None and os.path.isfile(path):
        files.append(os.fspath(path))
    merged: dict[str, str | None] = {}
    for found in filter(None, files):
        merged.update(dotenv.dotenv_values(found, encoding="utf-8"))

    for key, value in merged.items():
        if value is not None:
            os.environ.setdefault(key, value)
    return bool(merged)

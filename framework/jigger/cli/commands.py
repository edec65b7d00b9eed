"""The built-in commands: ``run``, ``shell`` and ``routes``."""

from __future__ import annotations

import collections.abc as cabc
import importlib.util
import os
import ssl
import sys
import traceback
import typing as t
from operator import itemgetter

import click

from ..app import Jigger
from ..helpers import get_debug_flag
from .group import (
    _FROM_CLI,
    ScriptInfo,
    _debug_option,
    pass_script_info,
    with_appcontext,
)

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

# -- run ---------------------------------------------------------------

#: An existing file, given as an absolute path.
_EXISTING_FILE = click.Path(exists=True, dir_okay=False, resolve_path=True)


def _importable(name: str) -> bool:
    """Whether ``import name`` would find a module (one already imported,
    or one installed), without importing it."""
    if name in sys.modules:
        return sys.modules[name] is not None
    return importlib.util.find_spec(name) is not None


def _ssl_context_named(name: str) -> ssl.SSLContext | None:
    """The :class:`ssl.SSLContext` that ``name`` imports, if it is one."""
    from werkzeug.utils import import_string

    try:
        found = import_string(name)
    except ImportError:
        return None
    return found if isinstance(found, ssl.SSLContext) else None


class CertParamType(click.ParamType):  # type: ignore[type-arg]
    """``--cert``: a certificate file, ``adhoc`` (a throwaway certificate,
    needs the cryptography library) or the import name of an
    :class:`ssl.SSLContext`."""

    name = "path"

    def convert(
        self, value: t.Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> t.Any:
        try:
            return _EXISTING_FILE(value, param, ctx)
        except click.BadParameter:
            pass
        if click.STRING(value, param, ctx).lower() == "adhoc":
            if _importable("cryptography"):
                return "adhoc"
            raise click.BadParameter(
                "an ad-hoc certificate needs the cryptography library;"
                " install it with 'pip install cryptography', or give a"
                " certificate file and --key.",
                ctx,
                param,
            )
        context = _ssl_context_named(value)
        if context is None:
            self.fail(
                f"{value!r} is not an existing file, 'adhoc', or the import name"
                " of an ssl.SSLContext.",
                param,
                ctx,
            )
        return context


def _validate_key(ctx: click.Context, param: click.Parameter, value: t.Any) -> t.Any:
    """Check ``--key`` against ``--cert`` and combine them: a certificate
    file needs its key file, the other kinds of ``--cert`` take none."""
    cert = ctx.params.get("cert")
    if cert == "adhoc":
        problem = (
            "--key is not used with '--cert adhoc'." if value is not None else None
        )
    elif isinstance(cert, ssl.SSLContext):
        problem = (
            "--key is not used when --cert names an SSLContext."
            if value is not None
            else None
        )
    elif not cert:
        problem = "--key needs --cert too." if value is not None else None
    elif value is None:
        problem = (
            "--cert is a certificate file, so --key (its private key file) is"
            " needed too."
        )
    else:
        problem = None
        ctx.params["cert"] = (cert, value)
    if problem is not None:
        raise click.BadParameter(problem, ctx, param)
    return value


class SeparatedPathType(click.Path):
    """A list of paths separated by :data:`os.pathsep` (``:`` on POSIX)."""

    def convert(
        self, value: t.Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> t.Any:
        one = super().convert
        return [one(item, param, ctx) for item in self.split_envvar_value(value)]


def show_server_banner(debug: bool, app_import_path: str | None) -> None:
    """Print which app is served and whether debug mode is on (not in
    the reloader's child process, which would repeat it)."""
    from werkzeug.serving import is_running_from_reloader

    if is_running_from_reloader():
        return
    if app_import_path is not None:
        click.echo(f" * Serving jigger app '{app_import_path}'")
    click.echo(f" * Debug mode: {'on' if debug else 'off'}")


def _failing_app(error: Exception) -> WSGIApplication:
    """A WSGI app that raises ``error`` on every request: what the reloader's
    child serves when the app cannot be loaded, so that the browser shows
    the error and fixing the file restarts the server."""

    def app(
        environ: WSGIEnvironment, start_response: StartResponse
    ) -> cabc.Iterable[bytes]:
        raise error from None

    return app


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
    type=_EXISTING_FILE,
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

    os.environ[_FROM_CLI] = "true"
    served: WSGIApplication
    try:
        served = info.load_app()
    except Exception as e:
        if not is_running_from_reloader():
            raise
        traceback.print_exc()
        served = _failing_app(e)

    debug = get_debug_flag()
    show_server_banner(debug, info.app_import_path)
    # Unset switches follow debug mode.
    watch = debug if reload is None else reload
    debugger_on = debug if debugger is None else debugger
    run_simple(
        host,
        port,
        served,
        use_reloader=watch,
        use_debugger=debugger_on,
        threaded=with_threads,
        ssl_context=cert,
        extra_files=extra_files,
        exclude_patterns=exclude_patterns,
    )


# ``--debug`` on ``run`` too, where people tend to put it.
run_command.params.insert(0, _debug_option)


# -- shell -------------------------------------------------------------


def _run_startup_file(namespace: dict[str, t.Any]) -> None:
    """Run ``PYTHONSTARTUP`` into ``namespace``, as the plain interpreter does."""
    startup = os.environ.get("PYTHONSTARTUP")
    if startup and os.path.isfile(startup):
        with open(startup, encoding="utf-8") as f:
            exec(compile(f.read(), startup, "exec"), namespace)


def _complete_names(namespace: dict[str, t.Any]) -> None:
    """What the plain interpreter sets up (history, tab completion), then
    completion of the names in ``namespace``."""
    hook = getattr(sys, "__interactivehook__", None)
    if hook is None:
        return
    hook()
    try:
        import readline
        from rlcompleter import Completer
    except ImportError:
        return
    readline.set_completer(Completer(namespace).complete)


@click.command("shell", short_help="Open a Python shell in the app's context.")
@with_appcontext
def shell_command() -> None:
    """Open an interactive Python prompt with the application context
    pushed: ``app`` and ``g`` are defined, plus what the app's
    ``shell_context_processor`` functions return. ``PYTHONSTARTUP`` is
    run first, as in the plain interpreter."""
    import code

    from ..globals import current_app

    app = t.cast(Jigger, current_app._get_current_object())  # type: ignore[attr-defined]
    namespace: dict[str, t.Any] = {}
    _run_startup_file(namespace)
    namespace.update(app.make_shell_context())
    _complete_names(namespace)
    banner = "\n".join(
        (
            f"Python {sys.version} on {sys.platform}",
            f"App: {app.import_name}",
            f"Instance: {app.instance_path}",
        )
    )
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
    from ..globals import current_app

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

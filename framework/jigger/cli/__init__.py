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

The package follows the command line's seams: ``jigger.cli.finding``
(finding the app), ``jigger.cli.group`` (the group, its options and
dotenv files), ``jigger.cli.commands`` (``run``, ``shell``,
``routes``) and ``jigger.cli.runner`` (the test runner). Every public
name is importable from ``jigger.cli`` itself.

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

from .commands import (
    CertParamType,
    SeparatedPathType,
    routes_command,
    run_command,
    shell_command,
    show_server_banner,
)
from .finding import (
    APP_NAMES,
    FACTORY_NAMES,
    NoAppException,
    find_app_by_string,
    find_best_app,
    locate_app,
    prepare_import,
)
from .group import (
    DOTENV_NAMES,
    AppGroup,
    FlaskGroup,
    JiggerGroup,
    ScriptInfo,
    get_version,
    load_dotenv,
    pass_script_info,
    version_option,
    with_appcontext,
)
from .runner import FlaskCliRunner

__all__ = [
    "APP_NAMES",
    "DOTENV_NAMES",
    "FACTORY_NAMES",
    "AppGroup",
    "CertParamType",
    "FlaskCliRunner",
    "FlaskGroup",
    "JiggerGroup",
    "NoAppException",
    "ScriptInfo",
    "SeparatedPathType",
    "cli",
    "find_app_by_string",
    "find_best_app",
    "get_version",
    "load_dotenv",
    "locate_app",
    "main",
    "pass_script_info",
    "prepare_import",
    "routes_command",
    "run_command",
    "shell_command",
    "show_server_banner",
    "version_option",
    "with_appcontext",
]

#: The ``jigger`` command.
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

"""The command: ``jigger-docs [SOURCE]``, for any Sphinx project.

It builds the project the way a strict CI build does (``-W -n
--keep-going``: any warning, a failed example or a broken reference fails
the build), serves the HTML on ``127.0.0.1`` and rebuilds on every change.
It needs the ``docs`` extra (Sphinx, MyST-Parser, watchfiles) and says so
when it is missing.

.. code-block:: console

    $ jigger-docs docs                       # a sphinx-quickstart project
    $ jigger-docs docs --conf conf --out build/html     # jigger's own book
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import click

__all__ = ["EXTRA_HINT", "LOOPBACK_HOSTS", "main", "missing_modules"]

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
#: What to install when the docs extra is missing (as the installation page
#: says it).
EXTRA_HINT = 'python -m pip install "path/to/jigger[docs]"'
_NEEDED = ("sphinx", "watchfiles")


def missing_modules(names: Sequence[str] = _NEEDED) -> list[str]:
    """The modules of the docs extra that cannot be imported here."""
    missing = []
    for name in names:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(name)
    return missing


def _default_conf(source: Path) -> Path:
    if (source / "conf.py").is_file():
        return source
    if Path("conf", "conf.py").is_file():
        return Path("conf")
    raise click.UsageError(
        f"{source}: no conf.py in the source folder or in ./conf; "
        "name its folder with --conf."
    )


def _default_out(source: Path, conf: Path) -> Path:
    # sphinx-quickstart's layout keeps its builds in _build inside the sources
    # (and excludes that folder); a separate conf folder means a project
    # laid out like jigger's own, with build/ at the top.
    if conf.resolve() == source.resolve():
        return source / "_build" / "html"
    return Path("build/html")


@click.command("jigger-docs")
@click.argument(
    "source",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("docs"),
    required=False,
)
@click.option(
    "--conf",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The folder of conf.py  [default: SOURCE if it has a conf.py, else ./conf]",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The folder the built HTML is served from  [default: SOURCE/_build/html "
    "when conf.py is in SOURCE, else build/html]",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="The port; 0 picks a free one.",
)
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Allow a --host other than the loopback (the server is meant for "
    "one person's machine).",
)
@click.option(
    "--watch/--no-watch",
    default=True,
    show_default=True,
    help="Rebuild when the sources, conf.py or the jigger_watch paths change.",
)
@click.option(
    "--poll",
    is_flag=True,
    help="Poll the files instead of using file events (for file systems "
    "whose events do not arrive, such as some network mounts).",
)
def main(
    source: Path,
    conf: Path | None,
    out: Path | None,
    host: str,
    port: int,
    allow_remote: bool,
    watch: bool,
    poll: bool,
) -> None:
    """Build the Sphinx project in SOURCE (default: docs) with every check,
    serve it on 127.0.0.1 and rebuild it when a source changes.

    The open page reloads by itself after a good build; after a failed one
    (a warning, a failed example, a broken reference) it shows the errors in
    a banner, and the last good build stays served.
    """
    missing = missing_modules()
    if missing:
        raise click.ClickException(
            f"jigger-docs needs the docs extra ({', '.join(missing)} "
            f"missing); install it with: {EXTRA_HINT}"
        )
    if host not in LOOPBACK_HOSTS and not allow_remote:
        raise click.UsageError(
            f"--host {host} would serve the book to other machines; "
            "use 127.0.0.1, or add --allow-remote if you mean it."
        )
    if not source.is_dir():
        raise click.UsageError(f"{source}: no such folder.")
    conf = conf if conf is not None else _default_conf(source)
    out = out if out is not None else _default_out(source, conf)

    from .build import BuildError
    from .server import DocsServer

    try:
        server = DocsServer(
            source,
            conf,
            out,
            host=host,
            port=port,
            watch=watch,
            force_polling=True if poll else None,
            echo=click.echo,
            log_requests=True,
        )
    except BuildError as e:
        raise click.UsageError(str(e))
    click.echo(f"jigger-docs: building {source} into {out} ...")
    result = server.build()
    if not result.ok and not watch:
        raise click.ClickException("the build failed; nothing new to serve")
    if not result.ok:
        click.echo(
            "jigger-docs: the build has errors (above, and in a banner on each"
            " page); fix them and save: the open page reloads by itself"
        )
    server.serve_forever()

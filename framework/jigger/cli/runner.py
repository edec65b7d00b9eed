"""Running an app's commands in a test: :class:`FlaskCliRunner`."""

from __future__ import annotations

import collections.abc as cabc
import typing as t

import click
from click.testing import CliRunner, Result

from ..app import Jigger
from .group import ScriptInfo


class FlaskCliRunner(CliRunner):
    """A click test runner for an app's commands; see
    :meth:`jigger.Jigger.test_cli_runner` (also importable from
    :mod:`jigger.testing`).

    Design: the runner differs from click's only in what it runs by default
    (``app.cli``) and in the context object it passes, a
    :class:`~jigger.cli.ScriptInfo` that loads this runner's app, so the
    commands find the app without ``--app``.

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
        app = self.app
        if "obj" not in kwargs:
            kwargs["obj"] = ScriptInfo(create_app=lambda: app)
        return super().invoke(app.cli if cli is None else cli, args, **kwargs)

"""``jigger-docs``: build a Sphinx project with every check, serve it, rebuild it.

The package is split along the server's seams, one job a module:

* :mod:`~jigger_sphinx.serve.build`: :class:`BookBuilder` runs Sphinx (in a
  process forked from one that keeps Sphinx loaded) into a staging folder
  and publishes only clean builds; :class:`BuildStatus` is what the pages
  wait on.
* :mod:`~jigger_sphinx.serve.watch`: :class:`SourceWatcher` turns file
  events into batches of changed sources.
* :mod:`~jigger_sphinx.serve.app`: :func:`create_app`, the jigger
  application that serves a build folder (also a WSGI factory for
  gunicorn).
* :mod:`~jigger_sphinx.serve.server`: :class:`DocsServer` ties them
  together on Werkzeug's threaded server, with idle timeouts.
* :mod:`~jigger_sphinx.serve.cli`: the ``jigger-docs`` command.

.. code-block:: console

    $ jigger-docs docs
    $ gunicorn 'jigger_sphinx.serve:create_app("build/html")'
"""

from __future__ import annotations

from .app import LIVE_PREFIX, STATIC_MAX_AGE, create_app, not_found_page
from .build import (
    MAX_ERROR_LINES,
    BookBuilder,
    BuildError,
    BuildResult,
    BuildStatus,
    sync_tree,
)
from .server import DocsServer
from .watch import SourceWatcher, read_watch_paths

__all__ = [
    "LIVE_PREFIX",
    "MAX_ERROR_LINES",
    "STATIC_MAX_AGE",
    "BookBuilder",
    "BuildError",
    "BuildResult",
    "BuildStatus",
    "DocsServer",
    "SourceWatcher",
    "create_app",
    "not_found_page",
    "read_watch_paths",
    "sync_tree",
]

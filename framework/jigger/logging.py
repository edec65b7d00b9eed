"""The application's logger.

``app.logger`` is the standard :class:`logging.Logger` named after the app.
jigger adds a handler that writes to the WSGI server's error stream only when
logging has not been set up for that logger, so your own
:func:`logging.config.dictConfig` always wins.
"""

from __future__ import annotations

import logging
import sys
import typing as t

from werkzeug.local import LocalProxy

from .globals import request

if t.TYPE_CHECKING:  # pragma: no cover
    from .sansio.app import App


@LocalProxy
def wsgi_errors_stream() -> t.TextIO:
    """The ``wsgi.errors`` stream of the current request, or
    :data:`sys.stderr` outside a request."""
    try:
        return request.environ["wsgi.errors"]  # type: ignore[no-any-return]
    except RuntimeError:
        return sys.stderr


def has_level_handler(logger: logging.Logger) -> bool:
    """Whether a handler of ``logger`` or of its ancestors would emit a
    record at the logger's effective level."""
    level = logger.getEffectiveLevel()
    current: logging.Logger | None = logger
    while current is not None:
        if any(handler.level <= level for handler in current.handlers):
            return True
        if not current.propagate:
            break
        current = current.parent
    return False


#: The handler added when logging is not configured.
default_handler = logging.StreamHandler(t.cast(t.TextIO, wsgi_errors_stream))
default_handler.setFormatter(
    logging.Formatter("[%(asctime)s] %(levelname)s in %(module)s: %(message)s")
)


def create_logger(app: App) -> logging.Logger:
    """Return the logger for ``app`` (named ``app.name``), at ``DEBUG`` in
    debug mode unless a level is set, with :data:`default_handler` when no
    handler would emit its records."""
    logger = logging.getLogger(app.name)
    # A level the user set wins over debug mode.
    if app.debug and logger.level == logging.NOTSET:
        logger.setLevel(logging.DEBUG)
    # Records would go unseen: give the logger our stderr handler.
    if not has_level_handler(logger):
        logger.addHandler(default_handler)
    return logger

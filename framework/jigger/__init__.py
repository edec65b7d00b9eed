"""jigger: a micro web framework on Werkzeug and Jinja2.

Its public names follow Flask 3.1, so ``from flask import Flask, request``
becomes ``from jigger import Flask, request``. :class:`Jigger` is the same
class as :data:`Flask`.

>>> import jigger
>>> jigger.Flask is jigger.Jigger
True
"""

from __future__ import annotations

import sys as _sys
import typing as _t

from . import json as json
from .app import Flask as Flask
from .app import Jigger as Jigger
from .blueprints import Blueprint as Blueprint
from .config import Config as Config
from .ctx import after_this_request as after_this_request
from .ctx import copy_current_request_context as copy_current_request_context
from .ctx import has_app_context as has_app_context
from .ctx import has_request_context as has_request_context
from .globals import current_app as current_app
from .globals import g as g
from .globals import request as request
from .globals import session as session
from .helpers import abort as abort
from .helpers import flash as flash
from .helpers import get_flashed_messages as get_flashed_messages
from .helpers import get_template_attribute as get_template_attribute
from .helpers import make_response as make_response
from .helpers import redirect as redirect
from .helpers import send_file as send_file
from .helpers import send_from_directory as send_from_directory
from .helpers import stream_with_context as stream_with_context
from .helpers import url_for as url_for
from .json import jsonify as jsonify
from .signals import appcontext_popped as appcontext_popped
from .signals import appcontext_pushed as appcontext_pushed
from .signals import appcontext_tearing_down as appcontext_tearing_down
from .signals import before_render_template as before_render_template
from .signals import got_request_exception as got_request_exception
from .signals import message_flashed as message_flashed
from .signals import request_finished as request_finished
from .signals import request_started as request_started
from .signals import request_tearing_down as request_tearing_down
from .signals import template_rendered as template_rendered
from .wrappers import Request as Request
from .wrappers import Response as Response

if _t.TYPE_CHECKING:  # pragma: no cover
    from .templating import render_template as render_template
    from .templating import render_template_string as render_template_string
    from .templating import stream_template as stream_template
    from .templating import stream_template_string as stream_template_string

# Exported on first use, so that 'import jigger' does not import Jinja2.
_LAZY_TEMPLATING = frozenset(
    {
        "render_template",
        "render_template_string",
        "stream_template",
        "stream_template_string",
    }
)


#: What ``from jigger import *`` imports: the names of Flask's top-level
#: API, plus :class:`Jigger`.
__all__ = [
    "Blueprint",
    "Config",
    "Flask",
    "Jigger",
    "Request",
    "Response",
    "abort",
    "after_this_request",
    "appcontext_popped",
    "appcontext_pushed",
    "appcontext_tearing_down",
    "before_render_template",
    "copy_current_request_context",
    "current_app",
    "flash",
    "g",
    "get_flashed_messages",
    "get_template_attribute",
    "got_request_exception",
    "has_app_context",
    "has_request_context",
    "json",
    "jsonify",
    "make_response",
    "message_flashed",
    "redirect",
    "render_template",
    "render_template_string",
    "request",
    "request_finished",
    "request_started",
    "request_tearing_down",
    "send_file",
    "send_from_directory",
    "session",
    "stream_template",
    "stream_template_string",
    "stream_with_context",
    "template_rendered",
    "url_for",
]


def __getattr__(name: str) -> _t.Any:
    if name in _LAZY_TEMPLATING:
        from . import templating

        value = getattr(templating, name)
        setattr(_sys.modules[__name__], name, value)
        return value
    raise AttributeError(f"module 'jigger' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*vars(_sys.modules[__name__]), *_LAZY_TEMPLATING})


__version__ = "0.1.0.dev0"

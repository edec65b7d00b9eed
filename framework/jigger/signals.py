"""Signals sent by the framework, through blinker, under Flask's names.

Connect a receiver to observe the application without changing it:

>>> from jigger import Jigger
>>> from jigger.signals import request_finished
>>> app = Jigger("signals")
>>> app.add_url_rule("/", "index", lambda: "hi")
>>> seen = []
>>> def record(sender, response, **extra):
...     seen.append(response.status_code)
>>> with request_finished.connected_to(record, app):
...     _ = app.test_client().get("/")
>>> seen
[200]
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Grouped by what they observe; the names are Flask's, so that receivers
# written for Flask's signals connect to these.

# The application context.
appcontext_pushed = _signals.signal("appcontext-pushed")
appcontext_tearing_down = _signals.signal("appcontext-tearing-down")
appcontext_popped = _signals.signal("appcontext-popped")

# A request, in the order they are sent.
request_started = _signals.signal("request-started")
got_request_exception = _signals.signal("got-request-exception")
request_finished = _signals.signal("request-finished")
request_tearing_down = _signals.signal("request-tearing-down")

# Templates and flashed messages.
before_render_template = _signals.signal("before-render-template")
template_rendered = _signals.signal("template-rendered")
message_flashed = _signals.signal("message-flashed")

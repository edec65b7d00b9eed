"""What the routing fast lane saves, and what stepping aside for Werkzeug costs.

Run it directly (not part of ``nox -s bench``, which it would lengthen)::

    python tests/bench/bench_routing.py [--quick] [--json build/bench/routing.json]

One jigger app with the 50 ``/r<n>/<int:ident>`` routes of
``bench_framework.py``, plus the rules each case needs, called in-process
with a prepared environ (the method and helpers of ``bench_framework.py``):

* ``lane param``: ``/r37/42``, answered by the fast lane;
* ``lane path``: ``/files/a/b.txt`` under ``/files/<path:p>``, answered by
  the fast lane after it also tried the slash variant (a ``path`` converter
  could match ``/files/a/b.txt/``);
* ``aside slash``: ``/r37/42`` when ``/r37/<name>/`` also exists: that rule
  matches the slash variant, so the fast lane steps aside and Werkzeug
  answers (with the ``int`` rule, as before);
* ``werkzeug param``: ``/r37/42`` with the fast lane switched off, i.e. what
  every request would cost without it;
* ``flask param``: the same request on Flask, for scale.

Cases take turns round by round; the figure is the median over rounds of
the mean time of one call. To compare two checkouts, run the script with
``PYTHONPATH=<other checkout>/framework`` as well, in the same conditions.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_framework import (
    N_ROUTES,
    WSGIApp,
    _param_view,
    call,
    environ_for,
    time_calls,
)


def _app(module_name: str, *, slash_rule: bool = False, lane: bool = True) -> Any:
    module = __import__(module_name)
    cls = module.Jigger if module_name == "jigger" else module.Flask
    app = cls(__name__)
    for n in range(N_ROUTES):
        app.add_url_rule(f"/r{n}/<int:ident>", f"r{n}", _param_view(n))
    app.add_url_rule("/files/<path:p>", "files", lambda p: f"file {p}")
    if slash_rule:
        app.add_url_rule("/r37/<name>/", "named", lambda name: f"named {name}")
    call(app, environ_for("/r0/1"))  # the first request compiles the fast lane
    if not lane:
        app._fast_router = None
    return app


CASES: dict[str, tuple[Any, str, str]] = {
    # case -> (app maker, path, expected body)
    "lane param": (lambda: _app("jigger"), "/r37/42", "route 37 item 42"),
    "lane path": (lambda: _app("jigger"), "/files/a/b.txt", "file a/b.txt"),
    "aside slash": (
        lambda: _app("jigger", slash_rule=True),
        "/r37/42",
        "route 37 item 42",
    ),
    "werkzeug param": (
        lambda: _app("jigger", lane=False),
        "/r37/42",
        "route 37 item 42",
    ),
    "flask param": (lambda: _app("flask"), "/r37/42", "route 37 item 42"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    rounds, target_ms = (3, 20.0) if args.quick else (9, 50.0)
    prepared: dict[str, tuple[WSGIApp, dict[str, Any], int]] = {}
    for case, (make, path, expected) in CASES.items():
        app, environ = make(), environ_for(path)
        status, _, body = call(app, environ)
        if status != "200 OK" or body.decode() != expected:
            raise AssertionError(f"{case}: {status} {body!r}")
        per_call = time_calls(app, environ, 200)
        prepared[case] = (app, environ, max(200, int(target_ms * 1e6 / per_call)))
    names = list(CASES)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_no in range(rounds):
        shift = round_no % len(names)
        for name in names[shift:] + names[:shift]:
            app, environ, count = prepared[name]
            gc.collect()
            samples[name].append(time_calls(app, environ, count))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    base = medians["lane param"]
    import jigger

    print(f"routing bench: jigger from {Path(jigger.__file__).parent}")
    print(f"{rounds} rounds; median of the mean time of one request\n")
    print("| case | µs per request | vs lane param |")
    print("|------|---------------:|--------------:|")
    for name in names:
        print(f"| {name} | {medians[name] / 1000:.2f} | {medians[name] / base:.2f} |")
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"samples_ns": samples, "median_ns": medians}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Framework benchmark: jigger side by side with Flask, Bottle, Werkzeug and bare WSGI.

Run it with ``nox -s bench`` or directly::

    python tests/bench/bench_framework.py [--quick] [--json build/bench/framework.json]

Three measurements, each against the same peers in the same run:

* **per request, in-process**: every app is a WSGI callable called directly
  with a prepared environ (no server, no sockets). Each case's response
  (status and body) is checked once before any timing. Then the frameworks
  take turns, round by round (the order rotates every round), so that noise
  from other work on the machine falls on all of them alike; the figure kept
  is the median over the rounds of the mean time of one call.
* **import time**: ``python -c "import X"`` minus ``python -c "pass"`` (the
  median of interleaved runs), and the cumulative figure Python's own
  ``-X importtime`` gives for the top-level package.
* **requests per second under gunicorn**: one sync worker per framework on
  127.0.0.1, a bounded load generator (2 client processes, fixed time, a new
  connection per request because the sync worker closes every connection).
  The server is pinned to one CPU and the clients to the others, so that
  the load generator does not take turns with the server; the bare WSGI
  function gives the ceiling.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import gc
import json
import os
import socket
import statistics
import struct
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TEMPLATES = str(HERE / "templates")
N_ROUTES = 50
PARAM_ROUTE = 37
ITEMS = [{"name": f"item{n}", "price": n * 3} for n in range(20)]
PAYLOAD: dict[str, Any] = {"message": "Hello, World!", "ok": True, "items": [1, 2, 3]}
HELLO = "Hello, World!"

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

#: case name -> request path
CASES = {
    "hello": "/",
    "param": f"/r{PARAM_ROUTE}/42",
    "json": "/json",
    "template": "/template",
    "404": "/missing/page",
}
FRAMEWORKS = ["jigger", "flask", "bottle", "werkzeug", "bare"]
SERVED = ["jigger", "flask", "bottle", "bare"]


def _param_view(n: int) -> Callable[[int], str]:
    def view(ident: int) -> str:
        return f"route {n} item {ident}"

    view.__name__ = f"r{n}"
    return view


def _flask_like(module_name: str) -> Any:
    """The same app for jigger and Flask, which share the API."""
    module = __import__(module_name)
    cls = module.Jigger if module_name == "jigger" else module.Flask
    app = cls(__name__, template_folder=TEMPLATES)

    def hello() -> str:
        return HELLO

    def data() -> dict[str, Any]:
        return PAYLOAD

    app.add_url_rule("/", "hello", hello)
    for n in range(N_ROUTES):
        app.add_url_rule(f"/r{n}/<int:ident>", f"r{n}", _param_view(n))
    app.add_url_rule("/json", "json", data)
    render = getattr(module, "render_template", None)
    if render is not None:

        def template() -> str:
            return str(render("loop.html", items=ITEMS))

        app.add_url_rule("/template", "template", template)
    return app


def make_jigger() -> Any:
    """jigger's app (also a gunicorn factory: ``bench_framework:make_jigger()``)."""
    return _flask_like("jigger")


def make_flask() -> Any:
    """Flask's app, the same routes and views as jigger's."""
    return _flask_like("flask")


def make_bottle() -> Any:
    """Bottle's app: its own router, its JSON plugin, its Jinja2 adapter."""
    import bottle  # type: ignore[import-untyped]

    app = bottle.Bottle()
    app.route("/")(lambda: HELLO)
    for n in range(N_ROUTES):
        app.route(f"/r{n}/<ident:int>")(_param_view(n))
    app.route("/json")(lambda: dict(PAYLOAD))
    # Bottle caches a compiled template by the id of the lookup list: one list.
    lookup = [TEMPLATES]

    def template() -> str:
        return str(
            bottle.jinja2_template("loop.html", template_lookup=lookup, items=ITEMS)
        )

    app.route("/template")(template)
    return app


def make_werkzeug() -> WSGIApp:
    """Plain Werkzeug: Request + Map + Response, Jinja2 with a file loader."""
    import jinja2
    from werkzeug.exceptions import HTTPException
    from werkzeug.routing import Map, Rule
    from werkzeug.wrappers import Request, Response

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, auto_reload=False
    )
    rules = [Rule("/", endpoint="hello"), Rule("/json", endpoint="json")]
    rules += [Rule(f"/r{n}/<int:ident>", endpoint=f"r{n}") for n in range(N_ROUTES)]
    rules.append(Rule("/template", endpoint="template"))
    url_map = Map(rules)
    params: dict[str, Callable[..., str]] = {
        f"r{n}": _param_view(n) for n in range(N_ROUTES)
    }

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        adapter = url_map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except HTTPException as error:
            return error(environ, start_response)
        response: Response
        if endpoint == "hello":
            response = Response(HELLO)
        elif endpoint == "json":
            response = Response(json.dumps(PAYLOAD), mimetype="application/json")
        elif endpoint == "template":
            html = env.get_template("loop.html").render(items=ITEMS)
            response = Response(html, mimetype="text/html")
        else:
            response = Response(params[endpoint](**args))
        return response(environ, start_response)

    return app


def make_bare() -> WSGIApp:
    """The floor: a hand-written WSGI function with no framework at all."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, auto_reload=False
    )
    tpl = env.get_template("loop.html")
    text = "text/plain; charset=utf-8"
    html = "text/html; charset=utf-8"

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ["PATH_INFO"]
        status, ctype = "200 OK", text
        if path == "/":
            body = HELLO.encode()
        elif path == "/json":
            body, ctype = json.dumps(PAYLOAD).encode(), "application/json"
        elif path == "/template":
            body, ctype = tpl.render(items=ITEMS).encode(), html
        else:
            parts = path.split("/")
            n = int(parts[1][1:]) if len(parts) == 3 and parts[1][1:].isdigit() else -1
            if parts[1][:1] == "r" and 0 <= n < N_ROUTES and parts[2].isdigit():
                body = f"route {n} item {int(parts[2])}".encode()
            else:
                status, body = "404 NOT FOUND", b"Not Found"
        # Content-Length as every framework sends it (gunicorn would
        # otherwise switch to chunked encoding).
        start_response(
            status, [("Content-Type", ctype), ("Content-Length", str(len(body)))]
        )
        return [body]

    return app


MAKERS: dict[str, Callable[[], Any]] = {
    "jigger": make_jigger,
    "flask": make_flask,
    "bottle": make_bottle,
    "werkzeug": make_werkzeug,
    "bare": make_bare,
}


# -- in-process requests --------------------------------------------------------


def environ_for(path: str) -> dict[str, Any]:
    """A GET environ for ``path``, built once and copied for every call."""
    from werkzeug.test import EnvironBuilder

    return dict(EnvironBuilder(path=path, base_url="http://localhost/").get_environ())


def call(app: WSGIApp, environ: dict[str, Any]) -> tuple[str, dict[str, str], bytes]:
    """One request through ``app``: status, headers, body."""
    seen: list[Any] = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        seen[:] = [status, dict(headers)]
        return lambda data: None

    result = app(environ.copy(), start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return seen[0], seen[1], body


def check(framework: str, case: str, app: WSGIApp, environ: dict[str, Any]) -> None:
    """Fail loudly when a case's response is not what every framework must give."""
    status, headers, body = call(app, environ)
    code = int(status.split()[0])
    where = f"{framework} {case}: {status} {body[:120]!r}"
    if case == "404":
        if code != 404:
            raise AssertionError(f"expected 404, got {where}")
        return
    if code != 200:
        raise AssertionError(f"expected 200, got {where}")
    text = body.decode()
    if case == "hello":
        ok = text == HELLO
    elif case == "param":
        ok = text == f"route {PARAM_ROUTE} item 42"
    elif case == "json":
        content_type = headers.get("Content-Type", "")
        ok = json.loads(text) == PAYLOAD and content_type.startswith("application/json")
    else:
        ok = text.count("<li class=") == len(ITEMS) and "item19: 57" in text
    if not ok:
        raise AssertionError(f"wrong response from {where}")


def time_calls(app: WSGIApp, environ: dict[str, Any], n: int) -> float:
    """Mean nanoseconds of one call over ``n`` calls (body consumed, closed)."""

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        return None

    copy = environ.copy
    clock = time.perf_counter_ns
    start = clock()
    for _ in range(n):
        result = app(copy(), start_response)
        for _chunk in result:
            pass
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return (clock() - start) / n


def bench_requests(rounds: int, target_ms: float) -> dict[str, dict[str, Any]]:
    """Per-request medians (ns) for every framework and case."""
    apps = {name: MAKERS[name]() for name in FRAMEWORKS}
    environs = {case: environ_for(path) for case, path in CASES.items()}
    skipped: dict[str, str] = {}
    import jigger

    if not hasattr(jigger, "render_template_string"):
        skipped["jigger template"] = "jigger.render_template_string does not exist yet"
    plan: list[tuple[str, str]] = []
    for name in FRAMEWORKS:
        for case in CASES:
            if f"{name} {case}" in skipped:
                continue
            check(name, case, apps[name], environs[case])
            plan.append((name, case))
    # calibrate: enough calls per measurement to take about target_ms
    counts: dict[tuple[str, str], int] = {}
    for name, case in plan:
        per_call = time_calls(apps[name], environs[case], 200)
        counts[name, case] = max(200, int(target_ms * 1e6 / per_call))
    samples: dict[tuple[str, str], list[float]] = {key: [] for key in plan}
    for round_no in range(rounds):
        order = FRAMEWORKS[round_no % len(FRAMEWORKS) :]
        order += FRAMEWORKS[: round_no % len(FRAMEWORKS)]
        for name in order:
            for case in CASES:
                if (name, case) not in samples:
                    continue
                gc.collect()
                samples[name, case].append(
                    time_calls(apps[name], environs[case], counts[name, case])
                )
    result: dict[str, dict[str, Any]] = {}
    for (name, case), values in samples.items():
        result.setdefault(name, {})[case] = {
            "median_ns": statistics.median(values),
            "min_ns": min(values),
            "max_ns": max(values),
            "calls_per_round": counts[name, case],
            "rounds": len(values),
        }
    result["_skipped"] = skipped
    return result


# -- import time ----------------------------------------------------------------


def _run_python(code: str) -> float:
    start = time.perf_counter_ns()
    subprocess.run([sys.executable, "-c", code], check=True)
    return (time.perf_counter_ns() - start) / 1e6


def _importtime(module: str) -> float:
    """Cumulative microseconds ``-X importtime`` reports for ``module``."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        check=True,
        capture_output=True,
        text=True,
    )
    for line in done.stderr.splitlines():
        parts = [part.strip() for part in line.split("|")]
        if len(parts) == 3 and parts[2] == module:
            return float(parts[1])
    raise AssertionError(f"-X importtime printed no line for {module}")


def bench_import(rounds: int) -> dict[str, Any]:
    """Median wall time of importing each package, minus a bare interpreter."""
    modules = ["jigger", "flask", "bottle"]
    wall: dict[str, list[float]] = {name: [] for name in ["(pass)", *modules]}
    cumulative: dict[str, list[float]] = {name: [] for name in modules}
    for _ in range(2):  # warm the OS file cache and the bytecode caches
        for module in modules:
            _run_python(f"import {module}")
    for round_no in range(rounds):
        order = ["(pass)", *modules]
        order = order[round_no % 4 :] + order[: round_no % 4]
        for name in order:
            code = "pass" if name == "(pass)" else f"import {name}"
            wall[name].append(_run_python(code))
        for module in modules:
            cumulative[module].append(_importtime(module))
    bare = statistics.median(wall["(pass)"])
    result: dict[str, Any] = {"interpreter_ms": bare}
    for module in modules:
        result[module] = {
            "wall_ms": statistics.median(wall[module]) - bare,
            "importtime_ms": statistics.median(cumulative[module]) / 1000,
        }
    return result


# -- requests per second under gunicorn -----------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _get(port: int) -> bytes:
    request = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        # Close with a reset: a normal close leaves the client's port in
        # TIME_WAIT for a minute, and at thousands of new connections a
        # second the ephemeral ports run out, which slows every later
        # connect() in the run and made the figures drift.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data


def hammer(port: int, seconds: float) -> tuple[int, int, float]:
    """Send GET / for ``seconds``; return (good, bad, elapsed seconds)."""
    good = bad = 0
    start = time.perf_counter()
    end = start + seconds
    while time.perf_counter() < end:
        try:
            data = _get(port)
        except OSError:
            bad += 1
            continue
        if data.startswith(b"HTTP/1.1 200") and data.endswith(HELLO.encode()):
            good += 1
        else:
            bad += 1
    return good, bad, time.perf_counter() - start


def _cpu_split() -> tuple[set[int], set[int]] | None:
    """(the server's CPUs, the load generator's), or ``None`` when the
    machine has one CPU or cannot pin processes.

    The server gets one CPU to itself and the clients the rest: otherwise
    the load generator's own work (a Python client per connection) takes
    turns with the server on the same cores, and every framework's figure
    is pulled towards the client's speed.
    """
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None
    return {cpus[0]}, set(cpus[1:])


def _pin(cpus: set[int] | None) -> None:
    """Run this process on ``cpus`` (``None``: leave it where it is)."""
    if cpus is not None:
        os.sched_setaffinity(0, cpus)


def _no_control_socket() -> list[str]:
    """``--no-control-socket`` where gunicorn has that option (newer releases):
    otherwise every server opens the same control socket in the home folder,
    and all but the first log an error for it."""
    from gunicorn.config import Config  # type: ignore[import-untyped]

    settings: dict[str, Any] = Config().settings
    return ["--no-control-socket"] if "control_socket_disable" in settings else []


def _start_gunicorn(
    name: str, port: int, cpus: set[int] | None
) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--chdir",
        str(HERE),
        "--workers",
        "1",
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        *_no_control_socket(),
        f"bench_framework:make_{name}()",
    ]
    # The worker is forked by the arbiter and inherits its CPU set.
    pin = None if cpus is None else (lambda: _pin(cpus))
    return subprocess.Popen(command, stdin=subprocess.DEVNULL, preexec_fn=pin)


def _wait_ready(proc: subprocess.Popen[bytes], port: int, name: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn for {name} exited with {proc.returncode}")
        try:
            data = _get(port)
        except OSError:
            time.sleep(0.1)
            continue
        if not data.endswith(HELLO.encode()):
            raise AssertionError(f"{name} under gunicorn answered {data[-200:]!r}")
        return
    raise RuntimeError(f"gunicorn for {name} did not answer on port {port} in 30 s")


def bench_gunicorn(rounds: int, seconds: float, clients: int = 2) -> dict[str, Any]:
    """Requests per second for jigger, Flask, Bottle and the bare WSGI
    function (the ceiling), interleaved by round."""
    servers: dict[str, tuple[subprocess.Popen[bytes], int]] = {}
    samples: dict[str, list[float]] = {name: [] for name in SERVED}
    errors = dict.fromkeys(SERVED, 0)
    split = _cpu_split()
    server_cpus, client_cpus = split if split is not None else (None, None)
    try:
        for name in SERVED:
            port = _free_port()
            servers[name] = (_start_gunicorn(name, port, server_cpus), port)
        for name, (proc, port) in servers.items():
            _wait_ready(proc, port, name)
        with concurrent.futures.ProcessPoolExecutor(
            clients, initializer=_pin, initargs=(client_cpus,)
        ) as pool:
            for _, port in servers.values():  # warm-up, not counted
                list(pool.map(hammer, [port] * clients, [0.3] * clients))
            for round_no in range(rounds):
                turn = round_no % len(SERVED)
                order = SERVED[turn:] + SERVED[:turn]
                for name in order:
                    port = servers[name][1]
                    done = list(pool.map(hammer, [port] * clients, [seconds] * clients))
                    samples[name].append(sum(good / took for good, _, took in done))
                    errors[name] += sum(bad for _, bad, _ in done)
    finally:
        for proc, _ in servers.values():
            proc.terminate()
        for proc, _ in servers.values():
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    return {
        name: {
            "rps_median": statistics.median(values),
            # The machine's speed drifts over seconds; a ratio taken within
            # one round (the frameworks back to back) cancels most of it.
            "vs_flask_median": statistics.median(
                v / f for v, f in zip(values, samples["flask"], strict=True)
            ),
            "rps_all": values,
            "failed_requests": errors[name],
        }
        for name, values in samples.items()
    } | {
        "_setup": {
            "clients": clients,
            "seconds": seconds,
            "rounds": rounds,
            "server_cpus": sorted(server_cpus or ()),
            "client_cpus": sorted(client_cpus or ()),
        }
    }


# -- report ---------------------------------------------------------------------


def targets(results: dict[str, Any]) -> list[tuple[str, float, float, bool]]:
    """Issue 7's framework targets: (what, measured ratio, limit, met)."""
    req = results["requests"]
    rows: list[tuple[str, float, float, bool]] = []

    def ratio(case: str, peer: str) -> float | None:
        if case not in req["jigger"] or case not in req[peer]:
            return None
        return float(req["jigger"][case]["median_ns"] / req[peer][case]["median_ns"])

    for case, peer, limit in [
        ("hello", "flask", 0.25),
        ("param", "flask", 0.25),
        ("json", "flask", 0.25),
        ("404", "flask", 0.25),
        ("hello", "bottle", 1.0),
        ("param", "bottle", 1.0),
        ("template", "flask", 0.85),
    ]:
        value = ratio(case, peer)
        if value is not None:
            rows.append((f"{case}: jigger/{peer} time", value, limit, value <= limit))
    imp = results.get("import")
    if imp:
        value = imp["jigger"]["wall_ms"] / imp["flask"]["wall_ms"]
        rows.append(("import: jigger/flask time", value, 0.6, value <= 0.6))
    gun = results.get("gunicorn")
    if gun:
        value = gun["jigger"]["vs_flask_median"]
        rows.append(("gunicorn: jigger/flask req/s", value, 1.3, value >= 1.3))
    return rows


def format_report(results: dict[str, Any]) -> str:
    """The Markdown tables printed at the end and pasted into README.md."""
    req = results["requests"]
    lines = ["### Framework: one in-process request (median, microseconds)", ""]
    lines.append(
        "| case | " + " | ".join(FRAMEWORKS) + " | jigger/flask | jigger/bottle |"
    )
    lines.append("|---" * (len(FRAMEWORKS) + 3) + "|")
    for case in CASES:
        cells = []
        for name in FRAMEWORKS:
            entry = req[name].get(case)
            cells.append(f"{entry['median_ns'] / 1000:.1f}" if entry else "skipped")
        ratios = []
        for peer in ("flask", "bottle"):
            if case in req["jigger"] and case in req[peer]:
                value = req["jigger"][case]["median_ns"] / req[peer][case]["median_ns"]
                ratios.append(f"{value:.2f}x")
            else:
                ratios.append("-")
        lines.append(f"| {case} | " + " | ".join(cells + ratios) + " |")
    for what, why in req.get("_skipped", {}).items():
        lines.append(f"\nSkipped {what}: {why}.")
    imp = results.get("import")
    if imp:
        lines += ["", "### Import time (ms, median; interpreter start subtracted)", ""]
        lines.append("| package | wall - bare python | -X importtime cumulative |")
        lines.append("|---|---|---|")
        for module in ("jigger", "flask", "bottle"):
            entry = imp[module]
            lines.append(
                f"| {module} | {entry['wall_ms']:.1f} | {entry['importtime_ms']:.1f} |"
            )
        lines.append(f"\nBare interpreter: {imp['interpreter_ms']:.1f} ms.")
    gun = results.get("gunicorn")
    if gun:
        setup = gun["_setup"]
        lines += [
            "",
            f"### gunicorn, 1 sync worker, GET / ({setup['clients']} client "
            f"processes, {setup['rounds']} x {setup['seconds']} s each)",
            "",
            (
                f"Server pinned to CPU {setup['server_cpus']}, clients to "
                f"{setup['client_cpus']}; bare is a hand-written WSGI function,"
                " the ceiling for any framework."
            )
            if setup.get("server_cpus")
            else "Server and clients share the CPUs (no pinning here).",
            "",
            "| framework | req/s (median) | vs flask (median of rounds) | failed |",
            "|---|---|---|---|",
        ]
        for name in SERVED:
            value = gun[name]["vs_flask_median"]
            lines.append(
                f"| {name} | {gun[name]['rps_median']:.0f} | {value:.2f}x | "
                f"{gun[name]['failed_requests']} |"
            )
    lines += ["", "### Issue 7 framework targets", ""]
    lines.append("| target | measured | limit | met |")
    lines.append("|---|---|---|---|")
    for what, value, limit, met in targets(results):
        sign = ">=" if "req/s" in what else "<="
        lines.append(
            f"| {what} | {value:.2f}x | {sign} {limit}x | {'yes' if met else 'NO'} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds")
    parser.add_argument("--rounds", type=int, help="rounds of in-process timing")
    parser.add_argument("--json", type=Path, default=Path("build/bench/framework.json"))
    parser.add_argument("--no-import", action="store_true", help="skip import time")
    parser.add_argument("--no-gunicorn", action="store_true", help="skip gunicorn")
    args = parser.parse_args(argv)
    rounds = args.rounds or (3 if args.quick else 9)
    started = time.perf_counter()
    results: dict[str, Any] = {
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "load_average_before": os.getloadavg(),
    }
    print(f"framework bench: in-process requests, {rounds} rounds ...", flush=True)
    results["requests"] = bench_requests(rounds, 20.0 if args.quick else 50.0)
    if not args.no_import:
        print("framework bench: import time ...", flush=True)
        results["import"] = bench_import(5 if args.quick else 15)
    if not args.no_gunicorn:
        print("framework bench: gunicorn ...", flush=True)
        results["gunicorn"] = bench_gunicorn(
            rounds=2 if args.quick else 15, seconds=0.5 if args.quick else 0.75
        )
    results["load_average_after"] = os.getloadavg()
    results["seconds"] = time.perf_counter() - started
    results["targets"] = [
        {"target": what, "ratio": value, "limit": limit, "met": met}
        for what, value, limit, met in targets(results)
    ]
    report = format_report(results)
    results["report_markdown"] = report
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    print(report)
    print(f"\nframework bench took {results['seconds']:.0f} s; JSON: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

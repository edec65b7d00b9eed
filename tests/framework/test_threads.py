"""Thread isolation: many threads share one app, and each request sees only itself.

Every request carries its own id in the path, the query string and a header;
the view reads all three through ``request`` and ``g`` (yielding the GIL in
between) and echoes them back. A leak between threads shows up as a response
whose fields do not all match the id that was sent. The same tests run on
``flask`` (reference) and ``jigger``.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest

import jigger

THREADS = 8
REQUESTS_PER_THREAD = 200
JOIN_TIMEOUT = 30.0


#: The same tests run on both; the jigger half is never skipped.
FRAMEWORKS = [pytest.param("flask", id="flask"), pytest.param("jigger", id="jigger")]


@pytest.fixture(params=FRAMEWORKS)
def fw(request: pytest.FixtureRequest) -> ModuleType:
    return importlib.import_module(request.param)


def build_echo_app(fw: ModuleType) -> Any:
    app = fw.Flask(__name__)
    request, g = fw.request, fw.g

    def remember() -> None:
        g.rid = request.headers["X-Req"]

    def echo(rid: str) -> dict[str, str]:
        time.sleep(0)
        early = g.rid
        time.sleep(0)
        return {
            "path": rid,
            "query": request.args["q"],
            "header": request.headers["X-Req"],
            "g": early,
            "g_again": g.rid,
            "url": request.path,
        }

    def stream(rid: str) -> Any:
        def body() -> Iterator[str]:
            for part in ("path", "query", "header", "g"):
                time.sleep(0)
                value = {
                    "path": rid,
                    "query": request.args["q"],
                    "header": request.headers["X-Req"],
                    "g": g.rid,
                }[part]
                yield f"{part}={value};"

        return fw.stream_with_context(body())

    # Registered through the explicit methods the decorators wrap.
    app.before_request(remember)
    app.add_url_rule("/echo/<rid>", view_func=echo)
    app.add_url_rule("/stream/<rid>", view_func=stream)
    return app


def run_threads(worker: Callable[[int], None]) -> list[str]:
    """Run *worker(n)* in ``THREADS`` threads started together; return failures."""
    failures: list[str] = []
    start = threading.Barrier(THREADS)

    def target(number: int) -> None:
        try:
            start.wait(timeout=JOIN_TIMEOUT)
            worker(number)
        except BaseException as exc:  # reported by the main thread
            failures.append(f"thread {number}: {type(exc).__name__}: {exc}")

    threads = [
        threading.Thread(target=target, args=(n,), daemon=True) for n in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + JOIN_TIMEOUT
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    stuck = [t.name for t in threads if t.is_alive()]
    assert not stuck, f"threads did not finish within {JOIN_TIMEOUT}s: {stuck}"
    return failures


def test_each_request_sees_only_its_own_data(fw: ModuleType) -> None:
    app = build_echo_app(fw)
    mismatches: list[str] = []

    def worker(number: int) -> None:
        client = app.test_client()
        for i in range(REQUESTS_PER_THREAD):
            rid = f"t{number}-r{i}"
            if i % 4 == 3:
                response = client.get(f"/stream/{rid}?q={rid}", headers={"X-Req": rid})
                expected_text = f"path={rid};query={rid};header={rid};g={rid};"
                if response.get_data(as_text=True) != expected_text:
                    mismatches.append(f"{rid}: {response.get_data(as_text=True)!r}")
                continue
            response = client.get(f"/echo/{rid}?q={rid}", headers={"X-Req": rid})
            expected = {
                "path": rid,
                "query": rid,
                "header": rid,
                "g": rid,
                "g_again": rid,
                "url": f"/echo/{rid}",
            }
            if response.status_code != 200 or response.get_json() != expected:
                mismatches.append(f"{rid}: {response.status_code} {response.data!r}")

    failures = run_threads(worker)
    assert failures == []
    assert mismatches == []


def test_app_contexts_in_threads_keep_their_own_g(fw: ModuleType) -> None:
    app = fw.Flask(__name__)
    g = fw.g
    mismatches: list[str] = []

    def worker(number: int) -> None:
        for i in range(REQUESTS_PER_THREAD):
            with app.app_context():
                g.job = (number, i)
                time.sleep(0)
                if (
                    g.job != (number, i)
                    or fw.current_app._get_current_object() is not app
                ):
                    mismatches.append(f"thread {number} job {i} saw {g.job}")
            if fw.has_app_context():
                mismatches.append(f"thread {number}: context left pushed")

    failures = run_threads(worker)
    assert failures == []
    assert mismatches == []


def test_new_thread_does_not_inherit_the_request(fw: ModuleType) -> None:
    app = fw.Flask(__name__)
    seen: dict[str, object] = {}

    def spawn() -> str:
        def look() -> None:
            seen["request"] = fw.has_request_context()
            seen["app"] = fw.has_app_context()

        helper = threading.Thread(target=look)
        helper.start()
        helper.join(JOIN_TIMEOUT)
        seen["view"] = fw.has_request_context()
        return "spawned"

    app.add_url_rule("/spawn", view_func=spawn)

    assert app.test_client().get("/spawn").status_code == 200
    assert seen == {"request": False, "app": False, "view": True}


def test_copied_request_context_reaches_a_thread(fw: ModuleType) -> None:
    app = fw.Flask(__name__)
    seen: list[str] = []

    def hand_off() -> str:
        def look() -> None:
            seen.append(fw.request.args["who"])

        helper = threading.Thread(target=fw.copy_current_request_context(look))
        helper.start()
        helper.join(JOIN_TIMEOUT)
        return "handed off"

    app.add_url_rule("/hand-off", view_func=hand_off)

    client = app.test_client()
    for who in ("ann", "bo"):
        assert client.get(f"/hand-off?who={who}").status_code == 200
    assert seen == ["ann", "bo"]


def test_explicit_request_parameter_is_per_thread() -> None:
    """jigger only: a view that takes the request as a parameter needs no globals."""
    app = jigger.Jigger(__name__)

    def echo(req: jigger.Request, rid: str) -> dict[str, str]:
        time.sleep(0)
        return {"path": rid, "query": req.args["q"], "header": req.headers["X-Req"]}

    app.add_url_rule("/explicit/<rid>", view_func=echo)
    mismatches: list[str] = []

    def worker(number: int) -> None:
        client = app.test_client()
        for i in range(REQUESTS_PER_THREAD):
            rid = f"t{number}-r{i}"
            response = client.get(f"/explicit/{rid}?q={rid}", headers={"X-Req": rid})
            expected = {"path": rid, "query": rid, "header": rid}
            if response.get_json() != expected:
                mismatches.append(f"{rid}: {response.status_code} {response.data!r}")

    failures = run_threads(worker)
    assert failures == []
    assert mismatches == []

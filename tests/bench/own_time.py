"""The time jigger_sphinx itself takes inside one sphinx-build, measured in-process.

Comparing two ``sphinx-build`` processes (with and without the extension)
measures the extension plus the machine's drift between the two runs, and on
a shared 2-core machine the drift of a one-second build is often larger
than the extension's share. This script runs one build in this process and
adds up only the time spent in the extension's own code:

* loading it (``import`` and ``setup()``, timed around Sphinx's
  ``load_extension``, outermost call only: its setup loads its submodules
  through Sphinx too);
* every event listener whose function lives in a ``jigger_sphinx`` module;
* unpickling the extension's part of the environment: the environment
  pickle is loaded again after the build, once whole and once with the
  extension's domain data left out, and the difference is counted.

Post-transforms and domain methods are not counted; they run only for
documents that are read or written, and an unchanged rebuild reads none.
Usage (prints one JSON object)::

    python tests/bench/own_time.py -b html -c CONF SRC OUT -d DOCTREES
"""

from __future__ import annotations

import functools
import json
import pickle
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

PACKAGE = "jigger_sphinx"


class Clock:
    """Seconds spent in the extension, by kind."""

    def __init__(self) -> None:
        self.load = 0.0
        self.listeners: dict[str, float] = {}
        self.depth = 0

    def wrap_listener(
        self, event: str, handler: Callable[..., Any]
    ) -> Callable[..., Any]:
        @functools.wraps(handler)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return handler(*args, **kwargs)
            finally:
                took = time.perf_counter() - start
                self.listeners[event] = self.listeners.get(event, 0.0) + took

        return timed


def _is_ours(obj: object) -> bool:
    module = getattr(obj, "__module__", None) or ""
    return module == PACKAGE or module.startswith(PACKAGE + ".")


def install(clock: Clock) -> None:
    """Patch Sphinx's extension loader and event registry to time our code."""
    from sphinx.events import EventManager
    from sphinx.registry import SphinxComponentRegistry

    load_extension = SphinxComponentRegistry.load_extension
    connect = EventManager.connect

    def timed_load(self: SphinxComponentRegistry, app: Any, extname: str) -> None:
        if not (extname == PACKAGE or extname.startswith(PACKAGE + ".")):
            load_extension(self, app, extname)
            return
        clock.depth += 1
        start = time.perf_counter()
        try:
            load_extension(self, app, extname)
        finally:
            clock.depth -= 1
            if clock.depth == 0:
                clock.load += time.perf_counter() - start

    def timed_connect(
        self: EventManager, name: str, callback: Callable[..., Any], priority: int
    ) -> int:
        if _is_ours(callback):
            callback = clock.wrap_listener(name, callback)
        return connect(self, name, callback, priority)

    SphinxComponentRegistry.load_extension = timed_load  # type: ignore[method-assign]
    EventManager.connect = timed_connect  # type: ignore[method-assign]


def env_share(pickle_path: Path, repeats: int = 5) -> float:
    """Seconds that unpickling the extension's domain data adds to loading
    the environment at *pickle_path* (best of *repeats*)."""
    data = pickle_path.read_bytes()
    env = pickle.loads(data)
    ours = [key for key in env.domaindata if key.startswith("jigger")]
    without = dict(env.domaindata)
    for key in ours:
        del without[key]
    env.domaindata = without
    data_without = pickle.dumps(env, pickle.HIGHEST_PROTOCOL)

    def best(blob: bytes) -> float:
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            pickle.loads(blob)
            times.append(time.perf_counter() - start)
        return min(times)

    return max(0.0, best(data) - best(data_without))


def main(argv: list[str]) -> int:
    from sphinx.cmd.build import build_main

    clock = Clock()
    install(clock)
    start = time.perf_counter()
    status = build_main(argv)
    total = time.perf_counter() - start
    doctrees = Path(argv[argv.index("-d") + 1])
    env_s = env_share(doctrees / "environment.pickle")
    own = clock.load + sum(clock.listeners.values()) + env_s
    print(
        json.dumps(
            {
                "status": status,
                "build_s": total,
                "own_s": own,
                "load_s": clock.load,
                "env_unpickle_s": env_s,
                "listeners_s": clock.listeners,
            }
        )
    )
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

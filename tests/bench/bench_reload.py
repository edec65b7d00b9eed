"""Live-reload benchmark: edit to visible, in a real browser, jigger-docs
against sphinx-autobuild, on a copy of this repository's book.

Run it with ``nox -s bench`` or directly::

    python tests/bench/bench_reload.py [--edits 5] [--json build/bench/reload.json]

Both servers build the same copy of ``docs/`` with the same configuration
(``-c conf``, so jigger_sphinx runs every example of a changed page) and the
same Sphinx options (``-W -n --keep-going``). For each server, headless
Chromium (Debian's ``/usr/bin/chromium``, driven by Playwright) opens the
foreword; then, once a second, a new sentence is appended to
``foreword.rst`` and the clock runs from just before the file is written until
the sentence is on the open page (looked for every 10 ms, through a reload
too). The table shows the median and the worst of ``--edits`` edits per
server, in seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import typing as t
import urllib.request
from collections.abc import Callable
from pathlib import Path

if t.TYPE_CHECKING:
    from playwright.sync_api import Page

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SPHINX_OPTS = ["-W", "-n", "--keep-going"]
#: True once the marker is on the page.
VISIBLE = "m => !!document.body && document.body.textContent.includes(m)"


def _copy_repo(dest: Path) -> Path:
    """docs/ copied (the benchmark edits it), the rest of the top level linked."""
    for entry in REPO.iterdir():
        if entry.name in {"docs", "build"} or entry.name.startswith("."):
            continue
        (dest / entry.name).symlink_to(entry)
    shutil.copytree(REPO / "docs", dest / "docs")
    return dest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_http(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as reply:
                if reply.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {timeout}s")
        time.sleep(0.2)


def _wait_visible(page: Page, marker: str, timeout: float) -> None:
    """Look for ``marker`` on the page every 10 ms, across reloads.

    Playwright's own waits back off to 500 ms between looks, which would
    swamp the figure; a look during a reload fails and is simply repeated.
    """
    from playwright.sync_api import Error

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if page.evaluate(VISIBLE, marker):
                return
        except Error:
            pass  # the page is between two documents
        time.sleep(0.01)
    raise TimeoutError(f"{marker!r} did not appear within {timeout}s")


def _measure(page_url: str, foreword: Path, edits: int, label: str) -> list[float]:
    from playwright.sync_api import sync_playwright

    times: list[float] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--no-first-run"],
            headless=True,
        )
        try:
            page = browser.new_page()
            page.goto(page_url)
            time.sleep(2)  # the page settles, the server's watch is set up
            for n in range(edits):
                marker = f"Benchmark sentence {label} number {n}"
                text = foreword.read_text(encoding="utf-8")
                start = time.perf_counter()
                foreword.write_text(f"{text.rstrip()}\n\n{marker}.\n", encoding="utf-8")
                _wait_visible(page, marker, 120)
                times.append(time.perf_counter() - start)
                print(f"  {label} edit {n + 1}: {times[-1]:.3f}s", flush=True)
                time.sleep(1)
        finally:
            browser.close()
    return times


def bench_jigger(root: Path, edits: int) -> list[float]:
    out = root / "jigger-html"
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jigger_sphinx.serve",
            str(root / "docs"),
            "--conf",
            str(root / "conf"),
            "--out",
            str(out),
            "--port",
            str(port),
        ],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_http(f"http://127.0.0.1:{port}/foreword.html", 600)
        return _measure(
            f"http://127.0.0.1:{port}/foreword.html",
            root / "docs" / "foreword.rst",
            edits,
            "jigger-docs",
        )
    finally:
        _stop(proc)


def bench_autobuild(root: Path, edits: int) -> list[float]:
    out = root / "autobuild-html"
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sphinx_autobuild",
            str(root / "docs"),
            str(out),
            "-c",
            str(root / "conf"),
            *SPHINX_OPTS,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--ignore",
            str(root / "jigger-html"),
        ],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_http(f"http://127.0.0.1:{port}/foreword.html", 600)
        return _measure(
            f"http://127.0.0.1:{port}/foreword.html",
            root / "docs" / "foreword.rst",
            edits,
            "sphinx-autobuild",
        )
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"bench_reload: {CHROMIUM} is missing (apt-get install chromium)")
        return 1
    import importlib.util

    for needed in ("playwright", "sphinx_autobuild"):
        if importlib.util.find_spec(needed) is None:
            print(f"bench_reload: {needed} is not installed")
            return 1
    results: dict[str, list[float]] = {}
    runs: list[tuple[str, Callable[[Path, int], list[float]]]] = [
        ("jigger-docs", bench_jigger),
        ("sphinx-autobuild", bench_autobuild),
    ]
    for name, run in runs:
        with tempfile.TemporaryDirectory(prefix="bench-reload-") as tmp:
            print(f"{name}: building the book, then {args.edits} edits", flush=True)
            results[name] = run(_copy_repo(Path(tmp)), args.edits)
    print()
    print("Edit to visible in Chromium (foreword.rst, one sentence appended)")
    print(f"{'server':<18} {'median s':>9} {'worst s':>9}")
    for name, times in results.items():
        print(f"{name:<18} {statistics.median(times):>9.3f} {max(times):>9.3f}")
    ratio = statistics.median(results["sphinx-autobuild"]) / statistics.median(
        results["jigger-docs"]
    )
    print(f"sphinx-autobuild / jigger-docs (medians): {ratio:.2f}x")
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {"edits": args.edits, "seconds": results, "python": sys.version},
                indent=2,
            ),
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    os.environ.setdefault("NO_COLOR", "1")
    sys.exit(main())

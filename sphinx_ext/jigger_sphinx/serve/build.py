"""Building: run Sphinx with every check, publish clean builds, keep a status.

:class:`BookBuilder` builds into a *staging* folder beside the served one
(keeping Sphinx's doctrees there, so every rebuild is incremental and
jigger_sphinx decides which examples to run again) and copies only a clean
build into the served folder: after a failure the last good build stays
online.

Each build runs in a fresh process, so autodoc and the examples see the code
as it is on disk now. Starting Python and importing Sphinx costs most of a
second, so on POSIX a *warm* process (``_warm.py``) imports Sphinx, docutils
and MyST once and forks a child per build; the fork starts with those
libraries loaded and with none of the project's code, which the child
imports afresh. Where ``fork`` does not exist, each build is a new
``python -m sphinx``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import typing as t
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "MAX_ERROR_LINES",
    "BookBuilder",
    "BuildError",
    "BuildResult",
    "BuildStatus",
    "sync_tree",
]

#: At most this many warning lines go into the status (and the banner).
MAX_ERROR_LINES = 400

_WARM_SCRIPT = Path(__file__).with_name("_warm.py")
#: How Sphinx renders a ``:ref:`` or ``:doc:`` it could not resolve.
_UNRESOLVED = b'class="xref std std-'
#: Sources that become a page of their own.
_PAGE_SUFFIXES = frozenset({".rst", ".md", ".txt"})

Echo = Callable[[str], None]


def _quiet(message: str) -> None:
    """An echo that prints nothing."""


class BuildError(ValueError):
    """The folders given to :class:`BookBuilder` cannot make a build; the
    message says which and why."""


@dataclass(frozen=True)
class BuildResult:
    """The outcome of one build.

    :param ok: the build finished with no warning and was published.
    :param returncode: the exit status of ``sphinx-build``.
    :param errors: the warning and error lines, as Sphinx printed them.
    :param summary: jigger_sphinx's ``jigger-sphinx: N examples ...`` line,
        or ``""`` when the build did not get that far.
    :param seconds: how long the build took.
    """

    ok: bool
    returncode: int
    errors: tuple[str, ...]
    summary: str
    seconds: float


class BuildStatus:
    """What the served pages poll: the id of the published build, whether a
    build is running, and the outcome of the last one. Thread-safe.

    The id changes each time a build is published; it starts with a token of
    this process, so a page left open across a server restart reloads too.
    :meth:`wait_for_change` lets a page wait for the next change instead of
    asking again and again.

    >>> from jigger_sphinx.serve import BuildResult, BuildStatus
    >>> status = BuildStatus()
    >>> first = status.build_id
    >>> status.finish(BuildResult(True, 0, (), "", 0.1), published=True)
    >>> status.build_id != first, status.as_dict()["ok"]
    (True, True)
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._token = f"{os.getpid():x}-{time.time_ns():x}"
        self._published = 0
        self._building = False
        self._last: BuildResult | None = None
        self._closed = False

    @property
    def build_id(self) -> str:
        """The id of the build being served."""
        with self._changed:
            return f"{self._token}-{self._published}"

    @property
    def last(self) -> BuildResult | None:
        """The result of the last finished build, if any."""
        with self._changed:
            return self._last

    def begin(self) -> None:
        """Mark a build as running."""
        with self._changed:
            self._building = True
            self._changed.notify_all()

    def finish(self, result: BuildResult, *, published: bool) -> None:
        """Record ``result``; a new build id when it was ``published``."""
        with self._changed:
            self._building = False
            self._last = result
            if published:
                self._published += 1
            self._changed.notify_all()

    def publish(self) -> None:
        """A new build id now, while the build goes on (the page that changed
        is already in the served folder)."""
        with self._changed:
            self._published += 1
            self._changed.notify_all()

    def close(self) -> None:
        """Answer every waiting page now, and every later one at once (the
        server is stopping)."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def wait_for_change(self, build: str, ok: bool | None, timeout: float) -> bool:
        """Wait until the status differs from what a page saw (its ``build``
        id and whether the last build was ``ok``), at most ``timeout``
        seconds; return whether it does."""

        def differs() -> bool:
            if self._closed:
                return True
            last_ok = None if self._last is None else self._last.ok
            current = f"{self._token}-{self._published}"
            return current != build or (last_ok is not None and last_ok != ok)

        with self._changed:
            return self._changed.wait_for(differs, timeout)

    def as_dict(self) -> dict[str, t.Any]:
        """The JSON document served at ``/_jigger/status``."""
        with self._changed:
            last = self._last
            return {
                "build": f"{self._token}-{self._published}",
                "building": self._building,
                "ok": None if last is None else last.ok,
                "errors": [] if last is None else list(last.errors),
                "summary": "" if last is None else last.summary,
            }


def _copy_file(source: Path, target: Path) -> bool:
    """Copy ``source`` over ``target`` unless they are the same; a request
    never sees half a file (write beside, then rename). Same size and mtime
    count as the same; so do the same bytes (Sphinx writes some pages, such
    as ``search.html``, again at every build), and then only the mtime is
    brought along."""
    s = source.stat()
    try:
        d = target.stat()
    except FileNotFoundError:
        pass
    else:
        if (s.st_size, s.st_mtime_ns) == (d.st_size, d.st_mtime_ns):
            return False
        if s.st_size == d.st_size and source.read_bytes() == target.read_bytes():
            os.utime(target, ns=(s.st_atime_ns, s.st_mtime_ns))
            return False
    partial = target.with_name(f".{target.name}.jigger-partial")
    shutil.copy2(source, partial)
    os.replace(partial, target)
    return True


def sync_tree(src: Path, dst: Path, changed_paths: list[Path] | None = None) -> int:
    """Make ``dst`` a copy of ``src`` and return how many files changed.

    Files whose size and modification time already match are left alone;
    every other file is written beside its target and renamed over it, so a
    request never sees half a file. Files of ``dst`` that ``src`` no longer
    has are removed. Names starting with a dot (``.doctrees``,
    ``.buildinfo``) are neither copied nor removed. The relative paths of
    the files written or removed are added to ``changed_paths``, if given.
    """
    changed = 0
    dst.mkdir(parents=True, exist_ok=True)
    wanted: set[Path] = set()
    for folder, dirnames, filenames in os.walk(src):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        rel = Path(folder).relative_to(src)
        (dst / rel).mkdir(parents=True, exist_ok=True)
        for name in filenames:
            if name.startswith("."):
                continue
            wanted.add(rel / name)
            if _copy_file(Path(folder, name), dst / rel / name):
                changed += 1
                if changed_paths is not None:
                    changed_paths.append(rel / name)
    for folder, _dirnames, filenames in os.walk(dst, topdown=False):
        rel = Path(folder).relative_to(dst)
        if any(part.startswith(".") for part in rel.parts):
            continue
        for name in filenames:
            if not name.startswith(".") and rel / name not in wanted:
                Path(folder, name).unlink()
                changed += 1
                if changed_paths is not None:
                    changed_paths.append(rel / name)
        if rel.parts and not (src / rel).is_dir():
            with contextlib.suppress(OSError):  # something hidden is in there
                Path(folder).rmdir()
    return changed


def check_folders(source: Path, conf: Path, out: Path) -> None:
    """Refuse folders that cannot make a build, or that a build would harm.

    The output folder may be inside the sources (``docs/_build/html`` of a
    ``sphinx-quickstart`` project), but it must not be the sources, nor hold
    them: publishing removes from it what the build did not write.

    :raises BuildError: with the folder and the reason.
    """
    if not (source / "index.rst").exists() and not any(source.glob("index.*")):
        raise BuildError(f"{source}: no index page in the source folder.")
    if not (conf / "conf.py").is_file():
        raise BuildError(f"{conf}: no conf.py in the configuration folder.")
    for inner in (source, conf):
        if out == inner or out in inner.parents:
            raise BuildError(
                f"the output folder {out} would hold the sources in {inner}; "
                "choose a build folder of its own."
            )


class _WarmProcess:
    """A process that has imported Sphinx and forks one child per build."""

    def __init__(self, conf: Path, cache: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-u", str(_WARM_SCRIPT), str(conf), str(cache)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
            env=_build_env(),
        )
        self.child: int | None = None

    def alive(self) -> bool:
        return self.proc.poll() is None

    def run(self, argv: list[str], out: Path, err: Path) -> int:
        """Run one build; its output goes to the files ``out`` and ``err``."""
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        request = {"argv": argv, "stdout": str(out), "stderr": str(err)}
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        code = -1
        for line in self.proc.stdout:
            message = json.loads(line)
            if "pid" in message:
                self.child = int(message["pid"])
            elif "returncode" in message:
                code = int(message["returncode"])
                break
        self.child = None
        return code

    def stop(self) -> None:
        child = self.child
        if child is not None:
            with contextlib.suppress(OSError):
                os.kill(child, signal.SIGTERM)
        if self.proc.stdin is not None:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def _build_env() -> dict[str, str]:
    env = dict(os.environ, NO_COLOR="1", PYTHONUNBUFFERED="1")
    env.pop("FORCE_COLOR", None)
    return env


class BookBuilder:
    """Builds a Sphinx project with every check and publishes clean builds.

    :param source: the folder of the sources (``docs``).
    :param conf: the folder of ``conf.py`` (``conf``, or ``docs`` itself).
    :param out: the folder that is served (``build/html``).
    :param staging: where Sphinx builds, with its doctrees (default: a
        hidden folder beside ``out``); it is kept between builds so that
        rebuilds are incremental.
    :param status: where results are recorded for the served pages.
    :param echo: prints progress and errors (default: nothing).
    :param builder: the Sphinx builder name.
    :param warm: keep Sphinx loaded in a process forked for each build
        (POSIX); ``False`` starts ``python -m sphinx`` every time.
    :raises BuildError: when the folders cannot make a build.
    """

    def __init__(
        self,
        source: Path,
        conf: Path,
        out: Path,
        *,
        staging: Path | None = None,
        status: BuildStatus | None = None,
        echo: Echo = _quiet,
        builder: str = "html",
        warm: bool = True,
    ) -> None:
        self.source = source.resolve()
        self.conf = conf.resolve()
        self.out = out.resolve()
        self.staging = (
            staging.resolve()
            if staging is not None
            else self.out.with_name(f".{self.out.name}-staging")
        )
        self.status = status if status is not None else BuildStatus()
        self.echo = echo
        self.builder = builder
        self.warm = warm and hasattr(os, "fork")
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[str] | None = None
        self._warm: _WarmProcess | None = None
        self._cancelled = False
        self._started = False
        self._early: list[Path] = []
        #: The pages (relative to ``out``) that the last build published
        #: early, as soon as Sphinx had written them.
        self.early_pages: tuple[Path, ...] = ()
        check_folders(self.source, self.conf, self.out)

    def sphinx_args(self) -> list[str]:
        """The ``sphinx-build`` arguments of one build."""
        return [
            "-b",
            self.builder,
            "-W",
            "-n",
            "--keep-going",
            "-c",
            str(self.conf),
            "-d",
            str(self.staging / ".doctrees"),
            str(self.source),
            str(self.staging),
        ]

    def command(self) -> list[str]:
        """The ``sphinx-build`` command line of one build."""
        return [sys.executable, "-m", "sphinx", *self.sphinx_args()]

    def start(self) -> None:
        """Start the warm process (the live server does, after the first
        build), so that Sphinx is loaded before the first change; until then
        each build is a ``python -m sphinx`` of its own."""
        with self._lock:
            self._started = True
            self._warm_process()

    def _warm_process(self) -> _WarmProcess | None:
        if not (self.warm and self._started) or self._cancelled:
            return None
        if self._warm is None or not self._warm.alive():
            try:
                self._warm = _WarmProcess(self.conf, self.staging / ".jigger-templates")
            except OSError:
                self.warm = False
                return None
        return self._warm

    def _run(self) -> tuple[int, str, str]:
        """One Sphinx run: its exit status, stdout and stderr."""
        warm = self._warm_process()
        if warm is not None:
            out = self.staging / ".jigger-build.out"
            err = self.staging / ".jigger-build.err"
            try:
                code = warm.run(self.sphinx_args(), out, err)
            except (OSError, ValueError):
                code = -1
            if code != -1 or self._cancelled:
                return (
                    code,
                    out.read_text(encoding="utf-8", errors="replace"),
                    err.read_text(encoding="utf-8", errors="replace"),
                )
            # The warm process died: fall back to a process of its own.
            self.warm = False
        proc = subprocess.Popen(
            self.command(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            env=_build_env(),
        )
        self._proc = proc
        stdout, stderr = proc.communicate()
        self._proc = None
        return proc.returncode, stdout, stderr

    def pages_of(self, changed: Iterable[str]) -> list[Path]:
        """The HTML files (relative to the output folder) that the changed
        source files become."""
        pages = []
        for name in changed:
            path = Path(name)
            if path.suffix not in _PAGE_SUFFIXES:
                continue
            try:
                relative = path.resolve().relative_to(self.source)
            except ValueError:
                continue
            pages.append(relative.with_suffix(".html"))
        return pages

    def _publish_early(
        self, pages: list[Path], since: float, done: threading.Event
    ) -> None:
        """While a build runs, copy each page in ``pages`` into the served
        folder as soon as Sphinx has written it, as long as the build has
        reported no warning so far and the page has no unresolved reference,
        and announce it (open pages show it)."""
        err = self.staging / ".jigger-build.err"
        waiting = set(pages)
        while waiting and not done.wait(0.01):
            for page in sorted(waiting):
                staged = self.staging / page
                try:
                    if staged.stat().st_mtime < since or err.stat().st_size:
                        continue
                    data = staged.read_bytes()
                    if b"</html>" not in data[-16:]:
                        continue  # still being written
                    if _UNRESOLVED in data:
                        # A reference Sphinx could not resolve: the warning
                        # may come later (jigger_sphinx reports them all at
                        # the end), so this page waits for the whole build.
                        waiting.discard(page)
                        continue
                    target = self.out / page
                    if not target.parent.is_dir():
                        continue  # a new page: it waits for the whole build
                    _copy_file(staged, target)
                except OSError:
                    continue
                waiting.discard(page)
                self._early.append(page)
                self.status.publish()

    def build(self, changed: Iterable[str] = ()) -> BuildResult:
        """Build once; on success, copy the result into the served folder.

        :param changed: the source files whose change started this build;
            with the warm process, the pages they make are published as
            soon as they are written (if no warning came before them), and
            the rest when the build succeeds.
        """
        with self._lock:
            self.status.begin()
            start = time.monotonic()
            self.staging.mkdir(parents=True, exist_ok=True)
            self._early = []
            done = threading.Event()
            pages = self.pages_of(changed) if self._warm_process() else []
            early = None
            if pages and (self.out / "index.html").exists():
                early = threading.Thread(
                    target=self._publish_early,
                    args=(pages, time.time() - 0.001, done),
                    name="jigger-docs-early",
                    daemon=True,
                )
                early.start()
            try:
                returncode, stdout, stderr = self._run()
            except OSError as e:
                done.set()
                result = BuildResult(False, -1, (f"cannot run Sphinx: {e}",), "", 0.0)
                self.status.finish(result, published=False)
                self._report(result)
                return result
            done.set()
            if early is not None:
                early.join()
            seconds = time.monotonic() - start
            summary = ""
            for line in stdout.splitlines():
                if line.startswith("jigger-sphinx:"):
                    summary = line.strip()
            errors = [line for line in stderr.splitlines() if line.strip()]
            if returncode != 0 and not errors:
                tail = [line for line in stdout.splitlines() if line.strip()]
                errors = tail[-20:] or [f"sphinx-build exited with {returncode}"]
            if self._cancelled:
                errors = ["the build was stopped", *errors]
            if len(errors) > MAX_ERROR_LINES:
                more = len(errors) - MAX_ERROR_LINES
                errors = [*errors[:MAX_ERROR_LINES], f"... and {more} more lines"]
            ok = returncode == 0 and not self._cancelled
            # A failed build replaces nothing good: with no earlier good build
            # (a first build that fails) there is nothing to keep, and the
            # reader is better served by the pages and the banner than by 404s.
            first = not (self.out / "index.html").exists()
            publish = ok or (first and not self._cancelled and self.staging.is_dir())
            self.early_pages = tuple(self._early)
            written: list[Path] = []
            if publish:
                sync_tree(self.staging, self.out, written)
            # Pages that were published early were reloaded then; a new build
            # id now only if the rest of the build changed a page too.
            new_pages = [p for p in written if p.suffix == ".html"]
            announce = publish and (not self._early or bool(new_pages))
            result = BuildResult(ok, returncode, tuple(errors), summary, seconds)
            self.status.finish(result, published=announce)
            self._report(result)
            return result

    def cancel(self) -> None:
        """Stop a build that is running, and the warm process (when the
        server stops)."""
        self._cancelled = True
        warm, self._warm = self._warm, None
        if warm is not None:
            warm.stop()
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()

    def _report(self, result: BuildResult) -> None:
        for line in result.errors:
            self.echo(line)
        if result.summary:
            self.echo(result.summary)
        if result.ok:
            self.echo(f"jigger-docs: build succeeded in {result.seconds:.1f}s")
        else:
            self.echo(
                f"jigger-docs: build FAILED in {result.seconds:.1f}s "
                f"({len(result.errors)} lines above)"
            )

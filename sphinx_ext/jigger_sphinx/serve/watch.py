"""Watching: which files make a rebuild, and noticing when they change.

:class:`SourceWatcher` listens to the operating system's file events through
`watchfiles <https://watchfiles.helpmanual.io/>`_ (inotify, FSEvents,
ReadDirectoryChangesW), so a save is seen within milliseconds and an idle
server reads no file at all. Where events do not work (some network mounts
and containers) ``force_polling=True`` makes it poll instead.
"""

from __future__ import annotations

import ast
import os
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

__all__ = ["SourceWatcher", "read_watch_paths"]

_IGNORED_DIRS = frozenset({"__pycache__", "node_modules"})
_POLL_DELAY_MS = 200
_IGNORED_SUFFIXES = (".pyc", ".pyo", ".swp", ".swx", "~", ".tmp")


def read_watch_paths(conf_dir: Path) -> list[Path]:
    """The ``jigger_watch`` paths of ``conf_dir/conf.py``, made absolute.

    The file is parsed, not run: the value must be a literal list of
    strings (anything else is ignored), relative to the configuration folder
    as jigger_sphinx reads it.

    >>> import tempfile
    >>> from pathlib import Path
    >>> from jigger_sphinx.serve import read_watch_paths
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = Path(d, "conf.py").write_text('jigger_watch = ["../src"]')
    ...     [p.name for p in read_watch_paths(Path(d))]
    ['src']
    """
    conf_py = conf_dir / "conf.py"
    try:
        tree = ast.parse(conf_py.read_text(encoding="utf-8"), str(conf_py))
    except (OSError, SyntaxError, ValueError):
        return []
    value: object = None
    for node in tree.body:
        target: ast.expr | None = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, expr = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, expr = node.target, node.value
        if isinstance(target, ast.Name) and target.id == "jigger_watch":
            try:
                value = ast.literal_eval(expr)
            except ValueError:
                value = None
    if not isinstance(value, list | tuple):
        return []
    return [
        Path(os.path.normpath(conf_dir.resolve() / entry))
        for entry in value
        if isinstance(entry, str)
    ]


class SourceWatcher:
    """Reports changed, new and removed files under some paths.

    Hidden names (``.git``, ``.doctrees``, an editor's ``.page.rst.swp``),
    ``__pycache__``, compiled and backup files, and everything under the
    ``ignore`` folders are left out.

    :param paths: files or folders to watch (missing ones are skipped).
    :param ignore: folders whose files never count (the build folders).
    :param quiet_ms: milliseconds without a further event after which a
        batch of changes is reported: an editor or a checkout writes several
        files in a row, and they make one build.
    :param force_polling: poll instead of using file events (``None``:
        watchfiles decides, for example from ``WATCHFILES_FORCE_POLLING``).
    """

    def __init__(
        self,
        paths: Iterable[Path],
        ignore: Iterable[Path] = (),
        *,
        quiet_ms: int = 50,
        force_polling: bool | None = None,
    ) -> None:
        self.paths = [p.resolve() for p in paths]
        self.ignore = [p.resolve() for p in ignore]
        self.quiet_ms = quiet_ms
        self.force_polling = force_polling

    def wanted(self, path: str) -> bool:
        """Whether a change to ``path`` counts."""
        p = Path(path)
        if any(p == root or root in p.parents for root in self.ignore):
            return False
        roots = [r for r in self.paths if p == r or r in p.parents]
        if not roots:
            return False
        inner = p.relative_to(max(roots, key=lambda r: len(r.parts))).parts
        if any(part.startswith(".") or part in _IGNORED_DIRS for part in inner):
            return False
        return not p.name.endswith(_IGNORED_SUFFIXES)

    def changes(
        self, stop: threading.Event, ready: threading.Event | None = None
    ) -> Iterator[list[str]]:
        """Yield the sorted paths of each batch of changes until ``stop`` is
        set (within a fraction of a second).

        :param ready: set once the watch has begun: a change made after that
            is reported.
        """
        import watchfiles

        existing = [p for p in self.paths if p.exists()]
        if not existing:
            if ready is not None:
                ready.set()
            stop.wait()
            return
        # A polling watcher takes its first look a poll interval after it
        # starts; a change before that would be part of its starting point.
        polling = self.force_polling or (
            self.force_polling is None
            and os.environ.get("WATCHFILES_FORCE_POLLING", "").lower()
            not in ("", "0", "false", "no")
        )
        ready_at = time.monotonic() + (3 * _POLL_DELAY_MS / 1000 if polling else 0)
        for batch in watchfiles.watch(
            *existing,
            watch_filter=lambda _change, path: self.wanted(path),
            debounce=1600,
            step=self.quiet_ms,
            stop_event=stop,
            rust_timeout=200,
            yield_on_timeout=True,
            raise_interrupt=False,
            force_polling=self.force_polling,
            poll_delay_ms=_POLL_DELAY_MS,
        ):
            if ready is not None and time.monotonic() >= ready_at:
                ready.set()  # a batch (maybe empty) after that: it watches
            if stop.is_set():
                return
            if batch:
                yield sorted({path for _change, path in batch})

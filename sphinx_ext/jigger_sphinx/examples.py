"""Run each document's examples while Sphinx reads it, and remember the results.

The flow, per build:

``env-get-outdated``
    check what each stored document's examples depended on: the file of every
    module they had loaded (as the worker reported it), the interpreter, the
    examples' ``sys.path`` (and its directories, after a failed import), the
    files under each ``jigger_watch`` path, and the installed version of the
    distributions they import. A document whose stored examples depended on
    something that changed is read again, so its examples run again.
``env-before-read-docs``
    note which documents this build reads.
    Start the worker process, so that it boots while the first documents
    are read.
``doctree-read``
    collect the document's examples (:mod:`jigger_sphinx.collect`), compute
    their cache key, and either reuse the stored outcomes (the key did not
    change) or hand them to the worker of this process's
    :class:`~jigger_sphinx.runner.Runner`. The worker runs them while Sphinx
    reads the next documents; their outcomes are collected when the
    worker's queue is full (eight documents) or the reading is over (in a
    forked parallel reader, while Sphinx pickles the reader's environment
    to send it back: see :class:`_Settle`).
    Every failure becomes a warning at ``path/file.rst:LINE`` naming what
    went wrong, with the detail on the following lines.
``env-updated``
    the last documents' outcomes are collected and stored. Documents Sphinx
    did not read again keep their stored outcomes: their failures are
    reported again, so a rebuild never hides a failure.
``build-finished``
    stop the runner's worker processes.

What a document depends on, besides what the worker reports: a watched path
counts for a document when the examples (or ``jigger_setup``) import a module
named like the path (the directory's name, or the file's name without
``.py``); a watched path that is not a Python module or package (data files)
counts for every document with examples.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import multiprocessing.util
import os
import re
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from sphinx.util import logging

from jigger_sphinx.config import (
    check_flags,
    doctest_blocks_group,
    doctest_flags,
    doctest_loaded,
)
from jigger_sphinx.domain import DocResult, get_domain
from jigger_sphinx.model import Example, Outcome

# The collector and the runner (with the parser behind it) are imported when
# a document is read: an unchanged rebuild reads none and does without them.

if TYPE_CHECKING:
    from docutils import nodes
    from sphinx.application import Sphinx
    from sphinx.config import Config
    from sphinx.environment import BuildEnvironment

    from jigger_sphinx.runner import PendingDocument, Runner

__all__ = [
    "ExamplesSession",
    "cache_key",
    "doctest_settings",
    "document_cleanup",
    "document_setup",
    "imported_names",
    "report_failures",
    "report_problems",
    "run_document",
    "runner_options",
    "runs_examples",
    "setup",
    "submit_document",
]

logger = logging.getLogger(__name__)

_IMPORT_LINE = re.compile(
    r"^[ \t]*(?:>>>|\.\.\.)?[ \t]*(?:from[ \t]+([A-Za-z_]\w*)|import[ \t]+([^#\n;]+))",
    re.MULTILINE,
)
_SKIP_DIRS = frozenset(
    {"__pycache__", ".git", ".hg", ".svn", ".mypy_cache", ".tox", ".nox"}
)


def imported_names(source: str) -> set[str]:
    """The top-level module names a piece of code imports.

    >>> sorted(imported_names(">>> import os.path, json as j\\nfrom jigger import x"))
    ['jigger', 'json', 'os']
    """
    names: set[str] = set()
    for match in _IMPORT_LINE.finditer(source):
        if match.group(1):
            names.add(match.group(1))
            continue
        for part in match.group(2).split(","):
            words = part.split()
            if words:
                top = words[0].split(".")[0]
                if top.isidentifier():
                    names.add(top)
    return names


def document_setup(app: Sphinx) -> str:
    """The setup code every namespace of a document runs first:
    ``jigger_setup`` and, when ``sphinx.ext.doctest`` is loaded, its
    ``doctest_global_setup``."""
    return _setup_code(app.config)


def _setup_code(config: Config) -> str:
    parts = [config.jigger_setup]
    if doctest_loaded(config):
        parts.append(getattr(config, "doctest_global_setup", "") or "")
    return "\n".join(part for part in parts if part)


def doctest_settings(config: Config) -> str:
    """The ``sphinx.ext.doctest`` settings the examples depend on, as one
    string. That extension registers them without asking Sphinx to read the
    documents again when they change, so the checker compares them itself
    (``env-get-outdated``)."""
    if not doctest_loaded(config):
        return ""
    return repr(
        (
            document_cleanup(config),
            str(getattr(config, "doctest_global_setup", "") or ""),
            doctest_flags(config),
            doctest_blocks_group(config),
            tuple(map(str, getattr(config, "doctest_path", ()) or ())),
        )
    )


def document_cleanup(config: Config) -> str:
    """The code every namespace of a document runs last: when
    ``sphinx.ext.doctest`` is loaded, its ``doctest_global_cleanup``."""
    if not doctest_loaded(config):
        return ""
    return str(getattr(config, "doctest_global_cleanup", "") or "")


def runs_examples(app: Sphinx) -> bool:
    """Whether this build runs the examples: ``jigger_run_examples`` is on
    and the builder is one of ``jigger_example_builders``."""
    builder = getattr(app, "builder", None)
    name = getattr(builder, "name", "")
    return bool(app.config.jigger_run_examples) and (
        name in app.config.jigger_example_builders
    )


def runner_options(config: Config) -> dict[str, Any]:
    """The :class:`Runner` keyword arguments for ``config``. The examples'
    ``sys.path`` starts with ``sphinx.ext.doctest``'s ``doctest_path``
    (when that extension is loaded), then this process's ``sys.path``."""
    extra: list[str] = []
    if doctest_loaded(config):
        extra = [str(entry) for entry in getattr(config, "doctest_path", ()) or ()]
    return {
        "timeout": float(config.jigger_example_timeout),
        "max_output": int(config.jigger_max_output),
        "sys_path": extra + [entry for entry in sys.path if entry],
        "memory_limit": int(config.jigger_example_memory),
        "fork": bool(config.jigger_example_fork),
        # the warm worker imports what every document's setup imports, once
        "preload": sorted(imported_names(_setup_code(config))),
    }


def run_document(
    runner: Runner, examples: Sequence[Example], *, setup: str, config: Config
) -> list[Outcome]:
    """Run one document's examples as the Sphinx build does."""
    return submit_document(runner, examples, setup=setup, config=config).outcomes()


def submit_document(
    runner: Runner, examples: Sequence[Example], *, setup: str, config: Config
) -> PendingDocument:
    """Start one document's examples as the Sphinx build does; the outcomes
    are collected later (see :meth:`Runner.submit_document`)."""
    return runner.submit_document(
        examples,
        setup=setup,
        cleanup=document_cleanup(config),
        app_name=config.jigger_app_name,
        default_options=check_flags(
            "jigger_doctest_flags", config.jigger_doctest_flags
        ),
        doctest_flags=doctest_flags(config),
    )


def cache_key(
    examples: Sequence[Example],
    *,
    setup: str,
    config: Config,
    deps: Iterable[tuple[str, str]],
) -> str:
    """A hash of everything a document's outcomes depend on."""
    digest = hashlib.sha256()
    for part in (
        repr(tuple(examples)),
        setup,
        config.jigger_app_name,
        repr(tuple(config.jigger_doctest_flags)),
        repr(doctest_flags(config)),
        document_cleanup(config),
        repr(float(config.jigger_example_timeout)),
        repr(int(config.jigger_max_output)),
        repr(tuple(deps)),
    ):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


def report_failures(result: DocResult) -> None:
    """One warning per failed example: ``path:LINE: summary`` then detail."""
    for example, outcome in result.failures():
        message = outcome.summary or f"example {outcome.status}"
        if outcome.detail.strip():
            message += "\n" + outcome.detail.rstrip()
        logger.warning(
            message,
            location=f"{example.path}:{outcome.lineno or example.lineno}",
            type="jigger",
            subtype="example",
        )


def report_problems(problems: Iterable[tuple[str, int, str]]) -> None:
    """One error per marker mistake, at its file and line. They fail the
    build (see :mod:`jigger_sphinx.summary`) and are reported again by every
    build until fixed."""
    for path, lineno, message in problems:
        logger.error(
            message, location=f"{path}:{lineno}", type="jigger", subtype="marker"
        )


def _module_name(path: str) -> str | None:
    """The import name a watched path provides, if it is Python code."""
    base = os.path.basename(os.path.normpath(path))
    if os.path.isdir(path):
        name = base
    elif base.endswith(".py"):
        name = base[:-3]
    else:
        return None
    return name if name.isidentifier() else None


def _fingerprint(path: str) -> str:
    """A hash of the contents of a file or of every file under a directory."""
    digest = hashlib.sha256()
    if os.path.isfile(path):
        with open(path, "rb") as fh:
            digest.update(fh.read())
        return digest.hexdigest()
    if not os.path.isdir(path):
        return "missing"
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        for name in sorted(files):
            if name.endswith((".pyc", ".pyo")):
                continue
            full = os.path.join(root, name)
            digest.update(os.path.relpath(full, path).encode("utf-8", "surrogatepass"))
            digest.update(b"\0")
            try:
                with open(full, "rb") as fh:
                    digest.update(fh.read())
            except OSError:
                digest.update(b"<unreadable>")
            digest.update(b"\0")
    return digest.hexdigest()


#: The interpreter the examples run on: the standard library's key.
_INTERPRETER = f"{os.path.realpath(sys.executable)} {sys.version}"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _launcher_dir() -> str | None:
    """The ``sys.path`` entry Python added for how this process was started:
    the script's directory (``sphinx-build``'s ``bin/``), or the working
    directory for ``python -m`` and ``-c``."""
    argv = list(getattr(sys, "orig_argv", ()))
    # the interpreter's own options: what comes before the program's argv
    own = argv[: max(len(argv) - len(sys.argv) + 1, 0)]
    if "-m" in own or "-c" in own:
        return os.path.abspath(os.getcwd())
    script = sys.argv[0] if sys.argv else ""
    if script and os.path.isfile(script):
        return os.path.dirname(os.path.abspath(script))
    return None


def _stat(path: str) -> str | None:
    """A file's modification time and size (``None``: gone)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return f"{st.st_mtime_ns}:{st.st_size}"


class _InFlight(NamedTuple):
    """A document whose examples the worker has, and what its result needs."""

    docname: str
    key: str
    examples: tuple[Example, ...]
    deps: tuple[tuple[str, str], ...]
    pending: PendingDocument


class _Settle:
    """The results of a forked reader's documents that are still with its
    worker when Sphinx pickles the reader's environment: pickling waits for
    them and stores them (warnings included, collected by Sphinx with the
    reader's other log records), and the object pickles as a plain
    ``{docname: DocResult}`` dict of them."""

    def __init__(self, session: ExamplesSession, env: BuildEnvironment) -> None:
        self._session = session
        self._env = env

    def __reduce__(
        self,
    ) -> tuple[type[dict[str, DocResult]], tuple[dict[str, DocResult]]]:
        return dict, (self._session._store_finished(self._env, wait=True),)


class ExamplesSession:
    """The example checker's state for one Sphinx application.

    It lives only in the listeners connected by :func:`setup`; per-document
    results go to the ``jigger`` domain. The runner belongs to the process
    that made it: a forked parallel reader makes its own, queues its
    documents to it as the serial build does, and stops it when that
    process exits.
    """

    def __init__(self) -> None:
        self._runner: Runner | None = None
        self._runner_pid = 0
        self._finalizer: multiprocessing.util.Finalize | None = None
        self._inherited: list[Runner] = []  # a parent process's runner: not ours
        self._watch: dict[str, tuple[str | None, str]] | None = None
        self._versions: dict[str, str | None] = {}
        # per build: file fingerprints, the examples' sys.path and its
        # directories' fingerprint
        self._stats: dict[str, str | None] = {}
        self._sys_path = ""
        self._dirs = ""
        self._path_dirs: tuple[str, ...] = ()
        # The process whose documents are in ``_in_flight``: the build's,
        # or a forked parallel reader's once it handed one over.
        self._serial_pid = os.getpid()
        # Documents handed to the worker whose results are not stored yet.
        self._in_flight: list[_InFlight] = []

    # -- the code the examples run against ----------------------------------

    def refresh(self, app: Sphinx) -> None:
        """Fingerprint the watched paths (once per build)."""
        watch: dict[str, tuple[str | None, str]] = {}
        for entry in app.config.jigger_watch:
            path = os.path.normpath(os.path.join(app.confdir, entry))
            if not os.path.exists(path):
                logger.warning(
                    "jigger_watch: %s does not exist (%s)",
                    entry,
                    path,
                    type="jigger",
                    subtype="config",
                )
            watch[entry] = (_module_name(path), _fingerprint(path))
        self._watch = watch
        self._versions = {}
        self._stats = {}
        # duplicates change no import (conf.py run twice in one process);
        # the directory of the script that started the build (sphinx-build's
        # bin/) is no reason to run everything again when another starts it
        entries = list(
            dict.fromkeys(
                os.path.abspath(p) for p in runner_options(app.config)["sys_path"]
            )
        )
        self._path_dirs = tuple(os.path.join(p, "") for p in entries)
        launcher = _launcher_dir()
        entries = [p for p in entries if p != launcher]
        self._sys_path = _digest(repr(entries))
        self._dirs = _digest(repr([(p, _stat(p)) for p in entries]))

    def _dist_version(self, name: str) -> str | None:
        if name in sys.stdlib_module_names or name in sys.builtin_module_names:
            return None
        if name not in self._versions:
            version = None
            for candidate in dict.fromkeys((name, name.replace("_", "-"))):
                try:
                    version = importlib.metadata.version(candidate)
                    break
                except (importlib.metadata.PackageNotFoundError, ValueError):
                    continue
            self._versions[name] = version
        return self._versions[name]

    def current(self, app: Sphinx, dep: str) -> str | None:
        """The fingerprint ``dep`` has now (``None``: gone)."""
        if self._watch is None:
            self.refresh(app)
        assert self._watch is not None
        kind, _, name = dep.partition(":")
        if kind == "file":
            return self._stat_cached(name)
        if kind == "watch":
            found = self._watch.get(name)
            return found[1] if found else None
        if kind == "dist":
            return self._dist_version(name)
        if kind == "python":
            return _INTERPRETER
        if kind == "syspath":
            return self._sys_path
        if kind == "dirs":
            return self._dirs
        if kind == "shadow":
            if dep not in self._stats:
                from jigger_sphinx._protocol import shadow_state

                directory, _, module = name.rpartition(os.sep)
                self._stats[dep] = shadow_state(directory, module)
            return self._stats[dep]
        return None  # "rerun:": never current

    def all_current(self, app: Sphinx, deps: Iterable[tuple[str, str]]) -> bool:
        """Whether nothing in ``deps`` has changed."""
        return all(self.current(app, dep) == fp for dep, fp in deps)

    def deps_for(
        self, app: Sphinx, examples: Sequence[Example], setup: str
    ) -> tuple[tuple[str, str], ...]:
        """What ``examples`` depend on, with current fingerprints."""
        if self._watch is None:
            self.refresh(app)
        assert self._watch is not None
        names = imported_names(setup)
        for example in examples:
            names |= imported_names(example.source)
        deps: list[tuple[str, str]] = []
        for entry, (module, fingerprint) in self._watch.items():
            if module is None or module in names:
                deps.append((f"watch:{entry}", fingerprint))
        for name in sorted(names):
            version = self._dist_version(name)
            if version is not None:
                deps.append((f"dist:{name}", version))
        deps.append(("python:", _INTERPRETER))
        deps.append(("syspath:", self._sys_path))
        return tuple(deps)

    def run_deps(
        self, static: tuple[tuple[str, str], ...], pending: PendingDocument
    ) -> tuple[tuple[str, str], ...]:
        """``static`` and what the worker saw the examples use: the file of
        every module they had loaded (not the standard library's, nor one
        the examples wrote and removed), what the ``sys.path`` directories
        before each top-level module's own held under its name, and when an
        import found nothing, the ``sys.path`` directories and each package
        directory a submodule was looked for in. A run that did not finish
        (a timeout, a crash) depends on the modules loaded before it stopped
        and on the ``sys.path`` directories."""
        reported = pending.deps
        found: dict[str, str] = {}
        searched = reported.get("searched", ()) if reported else ()
        for path, mtime, size in (*pending.modules, *searched):
            if self._stat_cached(path) is None and not path.startswith(self._path_dirs):
                # gone by the time the document ended, and from no directory
                # of the configured sys.path: a module the examples wrote and
                # removed themselves (a temporary directory), nothing a
                # later build could depend on. (A project module that went
                # away stays in the key: the document runs again.)
                continue
            found[sys.intern(f"file:{path}")] = sys.intern(f"{mtime}:{size}")
        if reported is None or reported.get("missing"):
            found["dirs:"] = self._dirs
        if reported is not None and not reported.get("searched_all", True):
            found["rerun:"] = "too many package directories to watch"
        for directory, module, state in reported.get("shadows", ()) if reported else ():
            if self._stat_cached(directory) is None and not os.path.join(
                directory, ""
            ).startswith(self._path_dirs):
                continue  # a directory the examples made and removed
            found[sys.intern(f"shadow:{os.path.join(directory, module)}")] = state
        return (*static, *found.items())

    def _stat_cached(self, path: str) -> str | None:
        """``_stat(path)``, once per build."""
        if path not in self._stats:
            self._stats[path] = _stat(path)
        return self._stats[path]

    # -- the runner -----------------------------------------------------------

    def runner(self, config: Config) -> Runner:
        """This process's runner, made on first use."""
        pid = os.getpid()
        if self._runner is None or self._runner_pid != pid:
            if self._runner is not None:
                # inherited through fork: the parent owns its workers
                self._inherited.append(self._runner)
            from jigger_sphinx.runner import Runner

            runner = Runner(**runner_options(config))
            self._runner, self._runner_pid = runner, pid
            # stops the workers when this process exits, also in a forked
            # parallel reader (multiprocessing runs these finalizers there)
            self._finalizer = multiprocessing.util.Finalize(
                runner, runner.close, exitpriority=10
            )
        return self._runner

    def close(self) -> None:
        """Stop this process's runner, if it made one."""
        if self._finalizer is not None and self._runner_pid == os.getpid():
            self._finalizer()
        self._finalizer = None
        self._runner = None

    # -- event listeners --------------------------------------------------------

    def on_env_get_outdated(
        self,
        app: Sphinx,
        env: BuildEnvironment,
        added: set[str],
        changed: set[str],
        removed: set[str],
    ) -> list[str]:
        self.refresh(app)
        outdated = []
        run = runs_examples(app)
        domain = get_domain(env)
        settings = doctest_settings(app.config)
        if domain.data.get("doctest_settings", settings) != settings:
            # which blocks are examples, and how they run, may have changed
            outdated = sorted(domain.results)
        domain.data["doctest_settings"] = settings
        for docname, result in domain.results.items():
            if not self.all_current(app, result.deps) or (
                # read by a build that did not run its examples
                run and result.example_count and not result.outcome_count
            ):
                outdated.append(docname)
        return outdated

    def on_env_before_read_docs(
        self, app: Sphinx, env: BuildEnvironment, docnames: list[str]
    ) -> None:
        domain = get_domain(env)
        domain.start_build(docnames)
        self._serial_pid = os.getpid()
        self._in_flight = []

        def may_have_examples(docname: str) -> bool:
            known = domain.stale.get(docname) or domain.results.get(docname)
            return known is None or known.example_count > 0

        if (
            runs_examples(app)
            and app.parallel <= 1
            and any(map(may_have_examples, docnames))
        ):
            # Start the worker now: it boots on another core while Sphinx
            # reads the first documents. (Pages known to have no examples
            # start none; one that gained some starts it when it is read.)
            self.runner(app.config).start()

    def on_doctree_read(self, app: Sphinx, doctree: nodes.document) -> None:
        env = app.env
        docname = env.docname
        domain = get_domain(env)
        from jigger_sphinx.collect import collect_examples

        collected = collect_examples(
            doctree,
            kinds=app.config.jigger_example_kinds,
            doctest_blocks=doctest_blocks_group(app.config),
        )
        domain.note_unchecked(docname, collected.unchecked)
        problems = tuple((p.path, p.lineno, p.message) for p in collected.problems)
        domain.note_problems(docname, problems)
        report_problems(problems)
        examples = collected.examples
        if not examples:
            domain.store(docname, DocResult(key="", examples=()), executed=False)
            return
        setup = document_setup(app)
        deps = self.deps_for(app, examples, setup)
        key = cache_key(examples, setup=setup, config=app.config, deps=deps)
        run = runs_examples(app)
        stale = domain.stale.get(docname)
        executed = False
        if (
            stale is not None
            and stale.key == key
            and (stale.outcome_count or not run)
            and self.all_current(app, stale.deps)
        ):
            result = stale
        elif run:
            if os.getpid() != self._serial_pid:
                self._become_reader(env)
            pending = submit_document(
                self.runner(app.config), examples, setup=setup, config=app.config
            )
            # The worker runs this document while Sphinx reads the next one;
            # the results are stored as they come in.
            self._in_flight.append(
                _InFlight(docname, key, tuple(examples), deps, pending)
            )
            self._store_finished(env)
            return
        else:
            result = DocResult(key, examples, (), deps)
        domain.store(docname, result, executed=executed)
        report_failures(result)

    def _store_finished(
        self, env: BuildEnvironment, *, wait: bool = False
    ) -> dict[str, DocResult]:
        """Store the results of the documents whose outcomes are in (all of
        them with ``wait``), in the order they were read; returns them."""
        domain = get_domain(env)
        stored: dict[str, DocResult] = {}
        while self._in_flight:
            doc = self._in_flight[0]
            if not (wait or doc.pending.done):
                break
            del self._in_flight[0]
            outcomes = tuple(doc.pending.outcomes())
            deps = self.run_deps(doc.deps, doc.pending)
            result = DocResult(doc.key, doc.examples, outcomes, deps)
            domain.store(doc.docname, result, executed=True)
            stored[doc.docname] = domain.results[doc.docname]
            report_failures(result)
        return stored

    def _become_reader(self, env: BuildEnvironment) -> None:
        """Set this forked parallel reader up to queue its documents too.

        Sphinx gives a reader no event when its share of the documents is
        read: it pickles the environment and sends it back to the main
        process. The domain's data holds a :class:`_Settle` from here on,
        which stores the documents still with the worker at that moment,
        while the environment is being pickled, and travels as their
        results (see :meth:`JiggerDomain.merge_domaindata`).
        """
        self._serial_pid = os.getpid()
        self._in_flight = []  # a copy of the main process's: not ours
        get_domain(env).data["late"] = _Settle(self, env)

    def on_env_updated(self, app: Sphinx, env: BuildEnvironment) -> None:
        domain = get_domain(env)
        self._store_finished(env, wait=True)
        domain.forget_stale()
        for docname in sorted(domain.results):
            if docname not in domain.read_this_build:
                report_problems(domain.problems.get(docname, ()))
                report_failures(domain.results[docname])

    def on_build_finished(self, app: Sphinx, exception: BaseException | None) -> None:
        self.close()
        self._watch = None


def setup(app: Sphinx) -> ExamplesSession:
    """Connect the example checker to ``app``'s events."""
    session = ExamplesSession()
    app.connect("env-get-outdated", session.on_env_get_outdated)
    app.connect("env-before-read-docs", session.on_env_before_read_docs)
    app.connect("doctree-read", session.on_doctree_read)
    # before other listeners (priority 500): they may read the stored results
    app.connect("env-updated", session.on_env_updated, priority=400)
    app.connect("build-finished", session.on_build_finished)
    return session

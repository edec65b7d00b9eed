"""The warm build process of the docs server (run as a script, never imported).

It imports Sphinx, docutils and MyST-Parser once, then reads one JSON request
a line from stdin: ``{"argv": [...], "stdout": path, "stderr": path}``. For
each it forks a child that runs ``sphinx-build argv`` with its output in the
two files, and answers ``{"pid": N}`` when the child starts and
``{"returncode": N}`` when it ends. It exits when stdin closes.

It is started as a script (``python _warm.py CONF_DIR CACHE_DIR``), not as
a module of ``jigger_sphinx``, so that it imports neither jigger nor
jigger_sphinx nor the project's ``conf.py``: every child imports those
afresh, and sees the code as it is on disk at that build.

Before the first request it warms up further, with nothing of the project:

* it builds a two-page scratch project with the installed extensions and
  theme that the project's ``conf.py`` names (read with :mod:`ast`, never
  run; an extension or theme that lives in the project's own folders, or
  outside the installed packages, is left out), so the modules Sphinx loads
  lazily are loaded and the regular expressions it compiles are cached;
* Sphinx's template environment gets a Jinja2 bytecode cache in
  ``CACHE_DIR``, so a child does not compile the theme's templates again
  (the cache checks each template's source, so an edited template is
  compiled anew); with ``PYTHONDONTWRITEBYTECODE`` set, Python's own
  bytecode goes there too (``sys.pycache_prefix``), never into the sources.
"""

from __future__ import annotations

import ast
import atexit
import contextlib
import importlib
import importlib.util
import io
import json
import os
import sys
import sysconfig
import tempfile
import traceback

# Where ``python -m sphinx`` would look first: the current folder, not the
# folder of this script.
if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(
    os.path.abspath(__file__)
):
    sys.path[0] = os.getcwd()

_PRELOAD = (
    "docutils.nodes",
    "docutils.parsers.rst",
    "docutils.parsers.rst.directives",
    "sphinx.application",
    "sphinx.cmd.build",
    "sphinx.builders.html",
    "sphinx.environment",
    "sphinx.domains.python",
    "sphinx.domains.std",
    "sphinx.ext.autodoc",
    "sphinx.highlighting",
    "sphinx.search",
    "sphinx.writers.html5",
    "pygments.lexers.python",
    "pygments.formatters.html",
    "myst_parser",
    "myst_parser.parsers.sphinx_",
    "alabaster",
)


def _preload() -> None:
    for name in _PRELOAD:
        with contextlib.suppress(Exception):
            importlib.import_module(name)


def _conf_values(conf_dir: str) -> dict[str, object]:
    """The literal ``extensions`` and ``html_theme`` of ``conf.py``."""
    values: dict[str, object] = {}
    try:
        path = os.path.join(conf_dir, "conf.py")
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), path)
    except (OSError, SyntaxError, ValueError):
        return values
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id in (
                "extensions",
                "html_theme",
            ):
                with contextlib.suppress(ValueError):
                    values[target.id] = ast.literal_eval(node.value)
    return values


def _installed(module: str, project_dirs: list[str]) -> bool:
    """Whether ``module`` is an installed package (site-packages or the
    standard library) and not part of the project being documented."""
    try:
        spec = importlib.util.find_spec(module.split(".")[0])
    except (ImportError, ValueError):
        return False
    origin = getattr(spec, "origin", None)
    if not origin:
        return False
    origin = os.path.realpath(origin)
    if any(origin.startswith(d + os.sep) for d in project_dirs):
        return False
    roots = {
        os.path.realpath(sysconfig.get_paths()[key])
        for key in ("purelib", "platlib", "stdlib")
    }
    return any(origin.startswith(root + os.sep) for root in roots)


def _warm_up(conf_dir: str) -> None:
    """Build a scratch project with the installed extensions and theme."""
    values = _conf_values(conf_dir)
    project = [os.path.realpath(os.path.dirname(os.path.abspath(conf_dir)))]
    named = values.get("extensions")
    extensions = [
        name
        for name in (named if isinstance(named, list | tuple) else [])
        if isinstance(name, str) and _installed(name, project)
    ]
    theme = values.get("html_theme")
    lines = [f"extensions = {extensions!r}", "project = 'warm-up'"]
    if isinstance(theme, str) and _installed(theme, project):
        lines.append(f"html_theme = {theme!r}")
    with tempfile.TemporaryDirectory(prefix="jigger-docs-warm-") as tmp:
        src = os.path.join(tmp, "src")
        os.mkdir(src)
        with open(os.path.join(src, "conf.py"), "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        with open(os.path.join(src, "index.rst"), "w", encoding="utf-8") as f:
            f.write(
                "Warm up\n=======\n\n.. toctree::\n\n   page\n\n"
                "Some *text* with ``code`` and a :ref:`label <page>`.\n\n"
                ".. code-block:: python\n\n   print('hi')\n\n"
                ">>> 1 + 1\n2\n"
            )
        with open(os.path.join(src, "page.rst"), "w", encoding="utf-8") as f:
            f.write(".. _page:\n\nPage\n====\n\n* one\n* two\n")
        from sphinx.cmd.build import build_main

        quiet = io.StringIO()
        with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
            build_main(["-q", "-b", "html", src, os.path.join(tmp, "out")])


def _cache_templates(cache_dir: str) -> None:
    """Give every Sphinx template environment a Jinja2 bytecode cache."""
    import jinja2
    from sphinx.jinja2glue import BuiltinTemplateLoader

    os.makedirs(cache_dir, exist_ok=True)
    original = BuiltinTemplateLoader.init

    def init(self: BuiltinTemplateLoader, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        self.environment.bytecode_cache = jinja2.FileSystemBytecodeCache(cache_dir)

    BuiltinTemplateLoader.init = init  # type: ignore[method-assign]


def _child(request: dict[str, object]) -> int:
    """In the forked child: run one build with its output in the files."""
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    for fd, key in ((1, "stdout"), (2, "stderr")):
        target = os.open(str(request[key]), os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(target, fd)
        os.close(target)
    try:
        from sphinx.cmd.build import build_main

        argv = request["argv"]
        assert isinstance(argv, list)
        return build_main([str(arg) for arg in argv])
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else 1
    except BaseException:
        traceback.print_exc()
        return 1


def main() -> None:
    if sys.dont_write_bytecode and len(sys.argv) >= 3:
        # PYTHONDONTWRITEBYTECODE keeps .pyc files out of the source tree;
        # they go to the cache folder instead, so a child does not compile the
        # project's modules from source at every build.
        sys.pycache_prefix = os.path.join(sys.argv[2], "pycache")
        sys.dont_write_bytecode = False
    _preload()
    if len(sys.argv) >= 3:
        with contextlib.suppress(Exception):
            _cache_templates(sys.argv[2])
        with contextlib.suppress(Exception):
            _warm_up(sys.argv[1])
    reply = sys.stdout
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        reply.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child
            code = 1
            try:
                code = _child(request)
            finally:
                with contextlib.suppress(Exception):
                    atexit._run_exitfuncs()
                with contextlib.suppress(Exception):
                    sys.stdout.flush()
                    sys.stderr.flush()
                os._exit(code)
        reply.write(json.dumps({"pid": pid}) + "\n")
        reply.flush()
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        reply.write(json.dumps({"returncode": code}) + "\n")
        reply.flush()


if __name__ == "__main__":
    main()

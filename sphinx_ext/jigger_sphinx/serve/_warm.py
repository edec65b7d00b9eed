"""The warm build process of the docs server (run as a script, never imported).

It imports Sphinx, docutils and MyST-Parser once, then reads one JSON request
a line from stdin: ``{"argv": [...], "stdout": path, "stderr": path}``. For
each it forks a child that runs ``sphinx-build argv`` with its output in the
two files, and answers ``{"pid": N}`` when the child starts and
``{"returncode": N}`` when it ends. It exits when stdin closes.

It is started as a script (``python _warm.py``), not as a module of
``jigger_sphinx``, so that it imports neither jigger nor jigger_sphinx nor
the project's ``conf.py``: every child imports those afresh, and sees the
code as it is on disk at that build.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import json
import os
import sys
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
    _preload()
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

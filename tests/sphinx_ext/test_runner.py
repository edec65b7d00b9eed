"""Running documents' examples in the worker subprocess."""

from __future__ import annotations

import contextlib
import doctest
import importlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from jigger_sphinx.model import Example, ExampleKind, Outcome
from jigger_sphinx.runner import Runner

DOC = "docs/guide.rst"


def ex(kind: ExampleKind, source: str, lineno: int = 10, **kw: object) -> Example:
    return Example(kind, source, DOC, lineno, **kw)  # type: ignore[arg-type]


def pycon(source: str, lineno: int = 10, **kw: object) -> Example:
    return ex("pycon", source, lineno, **kw)


@pytest.fixture(scope="module")
def runner() -> Iterator[Runner]:
    with Runner(timeout=5) as r:
        yield r


def run1(runner: Runner, example: Example, **kw: object) -> Outcome:
    (outcome,) = runner.run_document([example], **kw)  # type: ignore[arg-type]
    return outcome


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


# -- pycon ---------------------------------------------------------------------


def test_passing_transcript(runner: Runner) -> None:
    source = ">>> x = [1, 2]\n>>> for i in x:\n...     print(i)\n1\n2\n>>> len(x)\n2\n"
    outcome = run1(runner, pycon(source, lineno=12))
    assert (outcome.status, outcome.lineno, outcome.summary) == ("passed", 12, "")
    assert outcome.duration >= 0


def test_failing_statement_reports_its_own_line_and_a_diff(runner: Runner) -> None:
    source = ">>> x = 3\n>>> x\n3\n>>> x + 1\n3\n"
    outcome = run1(runner, pycon(source, lineno=20))
    assert outcome.status == "failed"
    assert outcome.lineno == 23
    assert outcome.summary == "expected '3', got '4'"
    assert "--- expected\n+++ got\n" in outcome.detail
    assert "\n-3\n+4" in outcome.detail


def test_every_failure_in_a_block_is_named(runner: Runner) -> None:
    source = ">>> 1\n2\n>>> undefined_name\n>>> 5\n5\n"
    outcome = run1(runner, pycon(source, lineno=1))
    assert outcome.lineno == 1
    assert (
        outcome.summary == "expected '2', got '1' (and 1 more failures in this block)"
    )
    assert "line 3: NameError: name 'undefined_name' is not defined" in outcome.detail


def test_unexpected_exception_traceback_points_at_the_document(runner: Runner) -> None:
    source = ">>> def f():\n...     return 1 / 0\n>>> f()\n"
    outcome = run1(runner, pycon(source, lineno=30))
    assert (outcome.status, outcome.lineno) == ("failed", 32)
    assert outcome.summary == "ZeroDivisionError: division by zero"
    assert f'File "{DOC}", line 32, in <module>\n    f()' in outcome.detail
    assert f'File "{DOC}", line 31, in f\n    return 1 / 0' in outcome.detail
    assert "_worker.py" not in outcome.detail


def test_syntax_error_names_the_line(runner: Runner) -> None:
    outcome = run1(runner, pycon(">>> 1\n1\n>>> def (:\n", lineno=5))
    assert (outcome.status, outcome.lineno) == ("failed", 7)
    assert outcome.summary.startswith("SyntaxError: ")
    assert f'File "{DOC}", line 7' in outcome.detail


def test_blankline_and_prose_after_output(runner: Runner) -> None:
    source = ">>> print('a\\n\\nb')\na\n<BLANKLINE>\nb\n\nProse.\n"
    assert run1(runner, pycon(source)).status == "passed"


@pytest.mark.parametrize(
    ("source", "options"),
    [
        (">>> print(list(range(20)))\n[0, 1, ..., 19]\n", (("ELLIPSIS", True),)),
        (">>> print('a  b\\nc')\na b c\n", (("NORMALIZE_WHITESPACE", True),)),
        (
            ">>> raise ValueError('got 4')\nTraceback (most recent call last):\n"
            "builtins.ValueError: other detail\n",
            (("IGNORE_EXCEPTION_DETAIL", True),),
        ),
        (">>> 1\n<BLANKLINE>\n", (("SKIP", True),)),
    ],
)
def test_flags_per_block_and_by_default(
    runner: Runner, source: str, options: tuple[tuple[str, bool], ...]
) -> None:
    assert run1(runner, pycon(source)).status == "failed" or options[0][0] == "SKIP"
    assert run1(runner, pycon(source, options=options)).status in ("passed", "skipped")
    by_default = run1(runner, pycon(source), default_options=options)
    assert by_default.status in ("passed", "skipped")


def test_inline_directive_and_turning_a_default_off(runner: Runner) -> None:
    inline = pycon(">>> print('abcdef')  # doctest: +ELLIPSIS\na...f\n")
    assert run1(runner, inline).status == "passed"
    off = pycon(">>> print('abcdef')\na...f\n", options=(("ELLIPSIS", False),))
    assert run1(runner, off, default_options=[("ELLIPSIS", True)]).status == "failed"
    skipped_stmt = pycon(">>> 1/0  # doctest: +SKIP\n>>> 2\n2\n")
    assert run1(runner, skipped_stmt).status == "passed"


def test_unknown_option_names(runner: Runner) -> None:
    outcome = run1(runner, pycon(">>> 1\n1\n", options=(("ELIPSIS", True),)))
    assert outcome.status == "failed"
    # one parser (jigger_sphinx._protocol) names the known options everywhere
    assert outcome.summary.startswith("unknown doctest option 'ELIPSIS' (known: ")
    assert "ELLIPSIS" in outcome.summary
    with pytest.raises(ValueError, match="unknown doctest option 'FOO'"):
        runner.run_document([pycon(">>> 1\n1\n")], default_options=[("FOO", True)])


def test_expected_exceptions(runner: Runner) -> None:
    tb = "Traceback (most recent call last):\n  ...\n"
    good = pycon(">>> {}['k']\n" + tb + "KeyError: 'k'\n")
    wrong = pycon(">>> {}['k']\n" + tb + "KeyError: 'other'\n", lineno=40)
    missing = pycon(">>> 1\n" + tb + "KeyError: 'k'\n")
    outcomes = runner.run_document([good, wrong, missing])
    assert [o.status for o in outcomes] == ["passed", "failed", "failed"]
    assert outcomes[1].summary == "expected KeyError: 'other', got KeyError: 'k'"
    assert outcomes[1].lineno == 40
    assert outcomes[2].summary == (
        "expected KeyError: 'k', but no exception was raised"
    )


def test_pycon_parse_error_is_a_failure_at_its_line(runner: Runner) -> None:
    outcome = run1(runner, pycon(">>> 1\n1\n>>>2\n", lineno=50))
    assert (outcome.status, outcome.lineno) == ("failed", 52)
    assert outcome.summary.startswith("pycon example: ")


# -- code blocks and setup --------------------------------------------------


def test_code_with_expected_output(runner: Runner) -> None:
    good = ex("code", "for i in range(3):\n    print(i)\n", want="0\n1\n2\n")
    bad = ex("code", "print('hello')\n", lineno=60, want="goodbye\n")
    no_want = ex("code", "print('anything')\n")
    outcomes = runner.run_document([good, bad, no_want])
    assert [o.status for o in outcomes] == ["passed", "failed", "passed"]
    assert (outcomes[1].lineno, outcomes[1].summary) == (
        60,
        "expected 'goodbye', got 'hello'",
    )
    assert "-goodbye\n+hello" in outcomes[1].detail


def test_code_want_with_traceback_and_flags(runner: Runner) -> None:
    want = "start\nTraceback (most recent call last):\n  ...\nValueError: no\n"
    good = ex("code", "print('start')\nraise ValueError('no')\n", want=want)
    ellipsis = ex(
        "code", "print('a long line')\n", want="a ...\n", options=(("ELLIPSIS", True),)
    )
    outcomes = runner.run_document([good, ellipsis])
    assert [o.status for o in outcomes] == ["passed", "passed"]


def test_code_exception_names_the_block_line(runner: Runner) -> None:
    outcome = run1(runner, ex("code", "a = 1\nb = a + c\n", lineno=70))
    assert (outcome.status, outcome.lineno) == ("failed", 70)
    assert outcome.summary == "NameError: name 'c' is not defined"
    assert f'File "{DOC}", line 71, in <module>\n    b = a + c' in outcome.detail


def test_setup_examples_and_setup_code(runner: Runner) -> None:
    examples = [
        ex("setup", "import math\nfactor = 2\n"),
        ex("setup", "print('ignored output')\nraise RuntimeError('boom')\n", 20),
        pycon(">>> factor * math.pi > 6 and from_setup\nTrue\n", 30),
    ]
    outcomes = runner.run_document(examples, setup="from_setup = True")
    assert [o.status for o in outcomes] == ["passed", "failed", "passed"]
    assert outcomes[1].summary == "RuntimeError: boom"


def test_failing_setup_code(runner: Runner) -> None:
    outcomes = runner.run_document(
        [pycon(">>> 1\n1\n", 5), pycon(">>> 2\n2\n", 9)], setup="import no_such_mod_x"
    )
    assert [o.status for o in outcomes] == ["failed", "not-run"]
    assert outcomes[0].summary == (
        "setup code failed: ModuleNotFoundError: No module named 'no_such_mod_x'"
    )
    assert outcomes[1].summary == "not run: the document's setup code failed"


# -- skip, skip-if, xfail ---------------------------------------------------


def test_skip_skip_if_and_xfail(runner: Runner) -> None:
    examples = [
        pycon(">>> flag = True\n"),
        pycon(">>> 1/0\n", skip="needs a network"),
        pycon(">>> 1/0\n", skip_if="flag"),
        pycon(">>> ran = True\n", skip_if="not flag"),
        pycon(">>> ran\nTrue\n"),
        pycon(">>> 1\n2\n", xfail="known bug"),
        pycon(">>> 1\n1\n", xfail="fixed since"),
        pycon(">>> 1\n1\n", skip_if="undefined_thing"),
    ]
    outcomes = runner.run_document(examples)
    assert [o.status for o in outcomes] == [
        "passed",
        "skipped",
        "skipped",
        "passed",
        "passed",
        "xfailed",
        "xpassed",
        "failed",
    ]
    assert outcomes[1].summary == "needs a network"
    assert outcomes[2].summary == "skip-if 'flag' is true"
    assert outcomes[5].summary == "expected '2', got '1'"
    assert outcomes[6].summary == "expected to fail (fixed since), but passed"
    assert outcomes[6].is_failure
    assert outcomes[7].summary == (
        "skip-if expression 'undefined_thing' raised "
        "NameError: name 'undefined_thing' is not defined"
    )


# -- what the reader's code must not do to the build -------------------------


@pytest.mark.parametrize(
    ("code", "summary"),
    [
        ("import sys; sys.exit(3)", "SystemExit with exit code 3"),
        ("import sys; sys.exit()", "SystemExit with exit code 0"),
        ("raise SystemExit('bye')", "SystemExit with message 'bye'"),
        ("raise KeyboardInterrupt", "KeyboardInterrupt raised"),
        ("raise GeneratorExit", "GeneratorExit raised"),
    ],
)
def test_base_exceptions_are_failures(runner: Runner, code: str, summary: str) -> None:
    pid = runner.worker_pid
    outcomes = runner.run_document([pycon(f">>> {code}\n"), pycon(">>> 1\n1\n")])
    assert [(o.status, o.summary) for o in outcomes] == [
        ("failed", summary),
        ("passed", ""),
    ]
    if pid is not None:
        assert runner.worker_pid == pid


def test_expected_system_exit_passes(runner: Runner) -> None:
    source = (
        ">>> import sys; sys.exit(3)\nTraceback (most recent call last):\n"
        "SystemExit: 3\n"
    )
    assert run1(runner, pycon(source)).status == "passed"


def test_worker_death_is_a_failure_naming_the_exit_code() -> None:
    with Runner(timeout=5) as runner:
        runner.start()
        first_pid = runner.worker_pid
        examples = [
            pycon(">>> 1\n1\n", 3),
            pycon(">>> import os\n>>> os._exit(7)\n", 5),
            pycon(">>> 2\n2\n", 9),
        ]
        outcomes = runner.run_document(examples)
        assert [o.status for o in outcomes] == ["passed", "failed", "not-run"]
        assert outcomes[1].lineno == 6
        assert outcomes[1].summary == "the worker process exited with code 7"
        assert outcomes[2].summary == (
            "not run: the worker process died during an earlier example (line 6)"
        )
        # The document ran in a child of the warm worker: the warm worker
        # lives on and serves the next document.
        assert first_pid is not None
        if hasattr(os, "fork"):
            assert alive(first_pid)
        assert run1(runner, pycon(">>> 3\n3\n")).status == "passed"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_segfault_names_the_signal(runner: Runner) -> None:
    source = ">>> import ctypes\n>>> ctypes.string_at(0)\n"
    outcome = run1(runner, pycon(source, lineno=80))
    assert outcome.status == "failed"
    assert outcome.summary == (
        "the worker process was killed by SIGSEGV (exit code -11)"
    )
    assert outcome.lineno == 81
    assert f'File "{DOC}", line 81 in <module>' in outcome.detail


def test_timeout_stops_the_example_and_the_rest_is_not_run() -> None:
    with Runner(timeout=1) as runner:
        runner.start()
        first_pid = runner.worker_pid
        examples = [
            pycon(">>> 1\n1\n", 3),
            pycon(">>> x = 0\n>>> while True:\n...     x += 1\n", 5),
            pycon(">>> 2\n2\n", 9),
        ]
        outcomes = runner.run_document(examples)
        assert [o.status for o in outcomes] == ["passed", "failed", "not-run"]
        assert (outcomes[1].lineno, outcomes[1].summary) == (6, "timed out after 1s")
        # Where the loop was when it was stopped (faulthandler's dump).
        assert re.search(f'File "{DOC}", line [67] in <module>', outcomes[1].detail)
        assert outcomes[2].summary == (
            "not run: an earlier example in this document timed out (line 6)"
        )
        # The stuck worker is gone and replaced.
        assert first_pid is not None
        assert not alive(first_pid)
        assert run1(runner, pycon(">>> 3\n3\n")).status == "passed"
        assert runner.worker_pid not in (None, first_pid)


def test_timeout_in_setup_code() -> None:
    with Runner(timeout=0.5) as runner:
        outcomes = runner.run_document(
            [pycon(">>> 1\n1\n", 3), pycon(">>> 2\n2\n", 5)],
            setup="import time\nwhile True: time.sleep(0.01)",
        )
    assert [(o.status, o.summary) for o in outcomes] == [
        ("failed", "setup code timed out after 0.5s"),
        ("not-run", "not run: an earlier example in this document timed out (line 3)"),
    ]


def test_output_flood_is_capped() -> None:
    with Runner(timeout=5, max_output=1000) as runner:
        outcomes = runner.run_document(
            [
                pycon(">>> while True:\n...     print('spam' * 100)\n", 3),
                ex("code", "import sys\nsys.stderr.write('e' * 2000)\n", 7),
                pycon(">>> 'x' * 5000\n", 11),
                pycon(">>> print('still fine')\nstill fine\n", 13),
            ]
        )
    assert [o.status for o in outcomes] == ["failed", "failed", "failed", "passed"]
    assert {o.summary for o in outcomes[:3]} == {
        "output flood: more than 1000 characters written"
    }


# -- http ------------------------------------------------------------------------

APP = """\
import json

def app(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/hello":
        body = ("Hello " + environ.get("QUERY_STRING", "")).encode()
        start_response("200 OK", [("Content-Type", "text/plain"), ("X-Id", "7")])
        return [body]
    if path == "/json":
        size = int(environ.get("CONTENT_LENGTH") or 0)
        got = json.loads(environ["wsgi.input"].read(size) or b"null")
        body = json.dumps({"got": got, "host": environ["HTTP_HOST"]}).encode()
        start_response("201 Created", [("Content-Type", "application/json")])
        return [body]
    if path == "/crash":
        raise RuntimeError("the app broke")
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"nope"]
"""


def http(source: str, lineno: int = 50) -> Example:
    return ex("http", source, lineno)


def test_http_examples_against_an_app_defined_earlier(runner: Runner) -> None:
    examples = [
        ex("code", APP, 1),
        http(
            "GET /hello?name=x HTTP/1.1\n\nHTTP/1.1 200 OK\nX-Id: 7\n\nHello name=x\n"
        ),
        http(
            "POST /json HTTP/1.1\nHost: api.test\nContent-Type: application/json\n\n"
            '{"a": [1, 2]}\n\nHTTP/1.1 201 CREATED\n'
            "Content-Type: application/...\n\n"
            '{"host": "api.test",\n "got": {"a": [1, 2]}}\n'
        ),
        http("GET /hello\n\nHTTP/1.1 200\n\nHel...\n"),
        http("GET /missing HTTP/1.1\n\nHTTP/1.1 404 NOT FOUND\n"),
    ]
    outcomes = runner.run_document(examples)
    assert [(o.status, o.summary) for o in outcomes] == [("passed", "")] * 5


def test_http_mismatches_name_the_first_difference(runner: Runner) -> None:
    examples = [
        ex("code", APP, 1),
        http("GET /missing\n\nHTTP/1.1 200 OK\n", 10),
        http("GET /hello\n\nHTTP/1.1 200 OK\nX-Id: 8\n", 20),
        http("GET /hello\n\nHTTP/1.1 200 OK\nX-Other: 1\n", 30),
        http("GET /hello?a\n\nHTTP/1.1 200 OK\n\nHello b\n", 40),
        http('POST /json\n\n{"a": 1}\n\nHTTP/1.1 201\n\n{"got": {"a": 2}}\n', 50),
        http("GET /crash\n\nHTTP/1.1 200 OK\n", 60),
        http("GET /hello\nHTTP/1.1 200 OK\n  bad header\n", 70),
    ]
    outcomes = runner.run_document(examples)
    assert [o.status for o in outcomes] == ["passed"] + ["failed"] * 7
    assert [o.summary for o in outcomes[1:]] == [
        "expected status 200 OK, got 404 Not Found",
        "header X-Id: expected '8', got '7'",
        "header X-Other: expected '1', got no such header",
        "body: expected 'Hello b', got 'Hello a'",
        'body: expected JSON \'{"got": {"a": 2}}\', got \'{"got": {"a": 1}, '
        '"host": "localhost"}\'',
        "RuntimeError: the app broke",
        "http example: response header line must look like 'Name: value', "
        "got '  bad header'",
    ]
    assert [o.lineno for o in outcomes[1:]] == [10, 20, 30, 40, 50, 60, 72]
    assert "HTTP/1.1 404 Not Found\nContent-Type: text/plain" in outcomes[1].detail
    assert "-Hello b\n+Hello a" in outcomes[4].detail


def test_http_without_an_app(runner: Runner) -> None:
    outcomes = runner.run_document(
        [http("GET /\n\nHTTP/1.1 200 OK\n"), http("GET /\n\nHTTP/1.1 200 OK\n")],
        app_name="api",
    )
    assert outcomes[0].summary == (
        "http example: no WSGI app named 'api' in this document's namespace; "
        "define one in an earlier example or set jigger_app_name"
    )
    not_callable = runner.run_document(
        [ex("code", "app = 3\n"), http("GET /\n\nHTTP/1.1 200 OK\n")]
    )
    assert not_callable[1].summary == (
        "http example: 'app' in this document's namespace is not a WSGI app "
        "(it is a int)"
    )


# -- namespaces, working directory, worker reuse ------------------------------


def test_state_is_shared_within_a_document_only(runner: Runner) -> None:
    first = runner.run_document(
        [pycon(">>> secret = 41\n"), pycon(">>> secret + 1\n42\n")]
    )
    assert [o.status for o in first] == ["passed", "passed"]
    second = run1(runner, pycon(">>> secret\n"))
    assert second.summary == "NameError: name 'secret' is not defined"


def test_namespace_is_a_main_module(runner: Runner) -> None:
    source = (
        ">>> __name__\n'__main__'\n"
        ">>> from dataclasses import dataclass\n"
        ">>> @dataclass\n... class Point:\n...     x: int\n"
        ">>> import pickle\n>>> pickle.loads(pickle.dumps(Point(1)))\nPoint(x=1)\n"
    )
    assert run1(runner, pycon(source)).status == "passed"


def test_future_import_carries_over_within_the_document(runner: Runner) -> None:
    source = (
        ">>> from __future__ import annotations\n"
        ">>> def f(x: undefined_type) -> None: pass\n"
        ">>> f.__annotations__['x']\n'undefined_type'\n"
    )
    assert run1(runner, pycon(source)).status == "passed"
    # ... and not into the next document.
    plain = run1(runner, pycon(">>> def f(x: undefined_type) -> None: pass\n"))
    assert plain.summary == "NameError: name 'undefined_type' is not defined"


def test_examples_run_in_a_temporary_directory_that_is_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    here = os.getcwd()
    source = (
        ">>> import os\n>>> where = os.getcwd()\n"
        ">>> with open('written.txt', 'w') as f: _ = f.write('x')\n"
        ">>> os.mkdir('sub'); os.chmod('sub', 0)\n"
        ">>> sorted(os.listdir())\n['sub', 'written.txt']\n"
    )
    with Runner() as runner:
        first, second = runner.run_document(
            [pycon(source), pycon(">>> print(where)\nnowhere\n")]
        )
        assert (first.status, second.status) == ("passed", "failed")
        (where,) = [
            line[1:]
            for line in second.detail.splitlines()
            if line.startswith("+") and not line.startswith("+++")
        ]
        assert where.startswith(str(tmp_path / "jigger-example-"))
        # Nothing is left after the document; the next one starts empty.
        assert os.listdir(where) == []
        empty = run1(runner, pycon(">>> import os\n>>> os.listdir()\n[]\n"))
        assert empty.status == "passed"
    # The directory goes with the worker.
    assert list(tmp_path.iterdir()) == []
    assert not os.path.exists(os.path.join(here, "written.txt"))
    assert os.getcwd() == here


def test_timeout_removes_the_killed_workers_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with Runner(timeout=0.5) as runner:
        source = ">>> open('f', 'w').close()\n>>> while True: pass\n"
        assert run1(runner, pycon(source)).status == "failed"
        # Only the replacement worker's (empty) directory is there.
        (left,) = tmp_path.iterdir()
        assert list(left.iterdir()) == []
    assert list(tmp_path.iterdir()) == []


def test_worker_is_reused_across_documents(runner: Runner) -> None:
    run1(runner, pycon(">>> 1\n1\n"))
    pid = runner.worker_pid
    assert pid is not None
    # Each document runs in a fresh child of the same warm worker.
    source = f">>> import os\n>>> (os.getppid(), os.getpid() != {pid})\n({pid}, True)\n"
    assert run1(runner, pycon(source)).status == "passed"
    assert run1(runner, pycon(source)).status == "passed"
    assert runner.worker_pid == pid


def test_sys_path_and_env_reach_the_worker_only(tmp_path: Path) -> None:
    (tmp_path / "docmod_xyz.py").write_text("VALUE = 5\n")
    before = list(sys.path)
    with Runner(sys_path=[str(tmp_path)], env={"JIGGER_TEST_VAR": "on"}) as runner:
        outcome = run1(
            runner,
            pycon(
                ">>> import docmod_xyz, os\n>>> docmod_xyz.VALUE\n5\n"
                ">>> os.environ['JIGGER_TEST_VAR']\n'on'\n"
            ),
        )
    assert outcome.status == "passed", outcome
    assert sys.path == before
    assert "JIGGER_TEST_VAR" not in os.environ


def test_a_changed_module_is_imported_afresh(tmp_path: Path) -> None:
    module = tmp_path / "fresh_mod_xyz.py"
    module.write_text("VALUE = 1\n")
    check = pycon(">>> import fresh_mod_xyz\n>>> fresh_mod_xyz.VALUE\n1\n")
    with Runner(sys_path=[str(tmp_path)]) as runner:
        assert run1(runner, check).status == "passed"
        module.write_text("VALUE = 2\n")
        outcome = run1(runner, check)
        assert outcome.summary == "expected '1', got '2'"


def test_a_changed_preloaded_module_gets_a_fresh_worker(tmp_path: Path) -> None:
    module = tmp_path / "watched_mod_xyz.py"
    module.write_text("VALUE = 1\n")
    check = pycon(">>> import watched_mod_xyz\n>>> watched_mod_xyz.VALUE\n1\n")
    with Runner(sys_path=[str(tmp_path)], preload=["watched_mod_xyz"]) as runner:
        assert run1(runner, check).status == "passed"
        pid = runner.worker_pid
        assert run1(runner, check).status == "passed"
        assert runner.worker_pid == pid  # unchanged code: same worker
        module.write_text("VALUE = 2\n")
        stat = module.stat()
        os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
        outcome = run1(runner, check)
        assert outcome.summary == "expected '1', got '2'"
        assert runner.worker_pid != pid


def test_env_and_sys_path_changes_do_not_leak_between_documents(
    runner: Runner,
) -> None:
    run1(
        runner,
        pycon(
            ">>> import os, sys\n>>> os.environ['LEAK'] = '1'\n"
            ">>> sys.path.insert(0, '/leak')\n"
        ),
    )
    outcome = run1(
        runner,
        pycon(
            ">>> import os, sys\n>>> 'LEAK' in os.environ, '/leak' in sys.path\n"
            "(False, False)\n"
        ),
    )
    assert outcome.status == "passed"


def test_binary_writes_to_stdout_are_captured(runner: Runner) -> None:
    source = ">>> import sys\n>>> _ = sys.stdout.buffer.write('é\\n'.encode())\né\n"
    assert run1(runner, pycon(source)).status == "passed"


def test_stderr_is_captured_and_shown_with_a_failure(runner: Runner) -> None:
    source = ">>> import sys\n>>> print('warn', file=sys.stderr); 1\n2\n"
    outcome = run1(runner, pycon(source))
    assert outcome.summary == "expected '2', got '1'"
    assert "captured stderr:\nwarn" in outcome.detail


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="POSIX timers")
def test_an_interrupted_run_leaves_the_runner_usable() -> None:
    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        with Runner(timeout=5) as runner:
            runner.start()
            pid = runner.worker_pid
            assert pid is not None
            signal.setitimer(signal.ITIMER_REAL, 0.3)
            with pytest.raises(KeyboardInterrupt):
                runner.run_document(
                    [pycon(">>> import time; time.sleep(3)\n"), pycon(">>> 1\n1\n")]
                )
            assert not alive(pid)
            outcome = run1(runner, pycon(">>> 'fresh'\n'fresh'\n"))
            assert (outcome.status, outcome.summary) == ("passed", "")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX fork")
def test_a_forked_child_uses_its_own_worker() -> None:
    with Runner(timeout=5) as runner:
        run1(runner, pycon(">>> 1\n1\n"))
        parent_worker = runner.worker_pid
        read_end, write_end = os.pipe()
        with warnings.catch_warnings():
            # Python 3.12+ warns that forking a threaded process may deadlock;
            # Sphinx's parallel build forks all the same, which is the point.
            warnings.simplefilter("ignore", DeprecationWarning)
            child = os.fork()
        if child == 0:  # pragma: no cover - runs in the child
            try:
                outcome = run1(runner, pycon(">>> import os\n>>> os.getppid()\n0\n"))
                got = outcome.detail.splitlines()[-1].lstrip("+")
                report = f"{outcome.status} {runner.worker_pid} {got}"
                os.write(write_end, report.encode())
                runner.close()
            finally:
                os._exit(0)
        os.close(write_end)
        with os.fdopen(read_end) as pipe:
            report = pipe.read()
        os.waitpid(child, 0)
        status, child_worker, examples_parent = report.split()
        assert status == "failed"  # the expected output was 0 on purpose
        assert int(child_worker) != parent_worker
        # the example ran in a child of the forked process's own worker
        assert int(examples_parent) == int(child_worker)
        # The parent's worker is untouched and still serves.
        assert runner.worker_pid == parent_worker
        assert run1(runner, pycon(">>> 2\n2\n")).status == "passed"


def test_a_worker_that_cannot_start_is_reported(tmp_path: Path) -> None:
    (tmp_path / "sitecustomize.py").write_text("import os\nos._exit(5)\n")
    with Runner(env={"PYTHONPATH": str(tmp_path)}) as runner:
        outcomes = runner.run_document([pycon(">>> 1\n1\n", 3), pycon(">>> 2\n", 5)])
    assert [(o.status, o.lineno) for o in outcomes] == [("failed", 3), ("failed", 5)]
    assert outcomes[0].summary == "the examples worker did not start (exit code 5)"


def test_no_examples_starts_no_worker() -> None:
    runner = Runner()
    assert runner.run_document([]) == []
    assert runner.worker_pid is None


def test_close_leaves_no_process_and_runner_can_restart() -> None:
    runner = Runner()
    with runner:
        run1(runner, pycon(">>> 1\n1\n"))
        pid = runner.worker_pid
        assert pid is not None
        assert alive(pid)
    assert runner.worker_pid is None
    assert not alive(pid)
    assert run1(runner, pycon(">>> 1\n1\n")).status == "passed"
    second = runner.worker_pid
    runner.restart()
    assert runner.worker_pid not in (None, second)
    runner.close()
    assert second is not None
    assert not alive(second)


def test_bad_runner_arguments() -> None:
    with pytest.raises(ValueError, match="timeout must be a positive number"):
        Runner(timeout=0)
    with pytest.raises(ValueError, match="max_output must be at least 1"):
        Runner(max_output=0)


@pytest.mark.parametrize(
    "name", ["model", "parse", "engine_check", "runner", "_protocol", "_worker"]
)
def test_the_engines_own_docstring_examples_pass(runner: Runner, name: str) -> None:
    module = importlib.import_module(f"jigger_sphinx.{name}")
    path = module.__file__
    assert path is not None
    examples = [
        Example("pycon", t.docstring or "", path, t.lineno + t.examples[0].lineno + 1)
        for t in doctest.DocTestFinder().find(module)
        if t.examples and t.lineno is not None
    ]
    assert examples
    setup = (
        f"import jigger_sphinx.{name} as _m\n"
        "globals().update({k: v for k, v in vars(_m).items() if k[:2] != '__'})\n"
    )
    outcomes = runner.run_document(examples, setup=setup)
    failures = [o for o in outcomes if o.status != "passed"]
    assert failures == []


# -- handing a document over and collecting it later ---------------------------


def test_submit_returns_while_the_worker_runs_the_document(tmp_path: Path) -> None:
    # The example waits for a file the test writes only after submit_document
    # returned: a submit that waited for the outcomes would time the example
    # out instead.
    flag = tmp_path / "go"
    wait = (
        f">>> import os, time\n>>> while not os.path.exists({str(flag)!r}):"
        "\n...     time.sleep(0.01)\n>>> 'went'\n'went'\n"
    )
    with Runner(timeout=10) as runner:
        pending = runner.submit_document([pycon(wait, lineno=4)])
        assert not pending.done
        flag.write_text("")
        (outcome,) = pending.outcomes()
    assert (outcome.status, outcome.lineno) == ("passed", 4), outcome.detail
    assert pending.done


def test_collecting_late_does_not_time_fast_examples_out() -> None:
    # Three examples of 0.4 s each, 1 s allowed for each, collected after
    # 2 s: each is timed from when the one before it was reported.
    step = ">>> import time; time.sleep(0.4)\n"
    with Runner(timeout=1) as runner:
        pending = runner.submit_document([pycon(step, lineno=n) for n in (1, 2, 3)])
        time.sleep(2)
        outcomes = pending.outcomes()
    assert [o.status for o in outcomes] == ["passed"] * 3, [o.summary for o in outcomes]


def test_a_hanging_example_collected_late_is_still_timed_out() -> None:
    hang = ">>> import time\n>>> time.sleep(60)\n"
    with Runner(timeout=1) as runner:
        pending = runner.submit_document([pycon(hang, lineno=7), pycon(">>> 1\n1\n")])
        time.sleep(1.5)
        outcomes = pending.outcomes()
        # the worker was replaced and runs the next document
        assert run1(runner, pycon(">>> 2 + 2\n4\n")).status == "passed"
    assert (outcomes[0].status, outcomes[0].lineno) == ("failed", 8)
    assert outcomes[0].summary == "timed out after 1s"
    assert outcomes[1].status == "not-run"


def test_documents_wait_in_the_workers_queue_up_to_max_in_flight() -> None:
    with Runner(timeout=5, max_in_flight=2) as runner:
        first = runner.submit_document([pycon(">>> 'first'\n'first'\n")])
        second = runner.submit_document([pycon(">>> 'second'\n'wrong'\n")])
        # both handed over, nothing collected yet: the caller did not wait
        assert not first.done
        assert not second.done
        third = runner.submit_document([pycon(">>> 'third'\n'third'\n")])
        # a third one first collects the oldest
        assert first.done
        assert not second.done
        assert [o.status for o in third.outcomes()] == ["passed"]
        assert second.done  # collected on the way, in order
        assert [o.status for o in first.outcomes()] == ["passed"]
        assert [o.status for o in second.outcomes()] == ["failed"]
        # outcomes() may be asked again and gives the same answer
        assert [o.status for o in second.outcomes()] == ["failed"]


def test_one_document_in_flight_collects_the_previous_one_first() -> None:
    with Runner(timeout=5, max_in_flight=1) as runner:
        first = runner.submit_document([pycon(">>> 1\n1\n")])
        runner.submit_document([pycon(">>> 2\n2\n")])
        assert first.done


@pytest.mark.parametrize(
    "trouble",
    [
        pytest.param(">>> import time; time.sleep(30)\n", id="timeout"),
        pytest.param(">>> import os; os._exit(3)\n", id="exit"),
        pytest.param(
            ">>> import os, time; os.kill(os.getppid(), 9); time.sleep(5)\n",
            id="worker",
        ),
    ],
)
def test_documents_queued_behind_a_failing_one_run_as_if_alone(trouble: str) -> None:
    # The worker that had the later documents is killed (timeout), keeps
    # going (the child exits) or dies: each later document still runs
    # once, in order, with its own stderr and an empty working directory.
    later = (
        ">>> import os, sys\n"
        ">>> sorted(os.listdir())\n[]\n"
        ">>> _ = open('mine.txt', 'w').write('x')\n"
        ">>> print('stderr of {n}', file=sys.stderr)\n"
        ">>> {n} / 0\n"
    )
    with Runner(timeout=1, max_in_flight=4) as runner:
        bad = runner.submit_document([pycon(trouble, 3), pycon(">>> 1\n1\n", 4)])
        queued = [
            runner.submit_document([pycon(later.format(n=n), 20 + n)]) for n in range(3)
        ]
        assert [o.status for o in bad.outcomes()] == ["failed", "not-run"]
        for n, pending in enumerate(queued):
            (outcome,) = pending.outcomes()
            assert outcome.status == "failed"
            assert outcome.summary == "ZeroDivisionError: division by zero"
            assert outcome.lineno == 25 + n  # the ">>> n / 0" line


def test_a_crash_is_placed_at_its_own_line_though_the_worker_went_on() -> None:
    dies = ">>> x = 1\n>>> import os\n>>> os._exit(4)\n"
    later = ">>> y = 2\n>>> z = 3\n>>> w = 4\n>>> v = 5\n"
    with Runner(timeout=5, max_in_flight=4) as runner:
        first = runner.submit_document([pycon(dies, 30)])
        second = runner.submit_document([pycon(later, 50)])
        time.sleep(1)  # the worker has run both; the runner collects now
        (crashed,) = first.outcomes()
        assert [o.status for o in second.outcomes()] == ["passed"]
    assert crashed.summary == "the worker process exited with code 4"
    assert crashed.lineno == 32  # not where the second document got to


def test_a_queued_documents_crash_names_its_own_stderr_only() -> None:
    with Runner(timeout=5, max_in_flight=4) as runner:
        first = runner.submit_document(
            [pycon(">>> import os; _ = os.write(2, b'from the first')\n")]
        )
        second = runner.submit_document(
            [
                pycon(
                    ">>> import os, sys\n"
                    ">>> _ = os.write(2, b'from the second')\n"
                    ">>> os._exit(5)\n"
                )
            ]
        )
        assert [o.status for o in first.outcomes()] == ["passed"]
        (crashed,) = second.outcomes()
    assert crashed.status == "failed"
    assert crashed.summary == "the worker process exited with code 5"
    assert "from the second" in crashed.detail
    assert "from the first" not in crashed.detail


def test_closing_with_a_document_in_flight_reports_it_not_run() -> None:
    runner = Runner(timeout=5)
    pending = runner.submit_document([pycon(">>> import time; time.sleep(30)\n")])
    runner.close()
    (outcome,) = pending.outcomes()
    assert outcome.status == "not-run"
    assert "runner was closed" in outcome.summary


def test_a_worker_waiting_on_a_full_pipe_is_not_timed_out() -> None:
    # The first example's failure report is larger than a pipe holds, so the
    # worker waits to write it until the outcomes are collected; the next
    # example must not be blamed for that wait.
    bigs = [
        pycon(">>> print('x' * 300_000)\nnot this\n", lineno=3 + n) for n in range(4)
    ]
    quick = pycon(">>> 40 + 2\n42\n", lineno=9)
    with Runner(timeout=1) as runner:
        pending = runner.submit_document([*bigs, quick])
        time.sleep(2)
        *firsts, second = pending.outcomes()
    assert {o.status for o in firsts} == {"failed"}
    # each report is bounded, yet together more than a pipe's 64 KiB
    assert sum(len(o.detail) for o in firsts) > 100_000
    assert all(len(o.detail) < 50_000 for o in firsts)
    assert (second.status, second.lineno) == ("passed", 9), second.summary


# -- fresh state per document, hostile examples, limits ---------------------------

LEAKS = [
    # (what one document does, what the next checks, its expected output)
    (
        ">>> import decimal\n>>> decimal.getcontext().prec = 3\n",
        ">>> import decimal\n>>> decimal.Decimal(1) / 3\n"
        "Decimal('0.3333333333333333333333333333')\n",
    ),
    (
        ">>> import logging\n>>> logging.basicConfig(level=logging.DEBUG)\n",
        ">>> import logging\n>>> logging.getLogger().level\n30\n",
    ),
    (
        ">>> import os\n>>> os.chdir('/')\n",
        ">>> import os\n>>> os.getcwd() == '/'\nFalse\n",
    ),
    (
        ">>> import os\n>>> os.umask(0o077) >= 0\nTrue\n",
        ">>> import os\n>>> old = os.umask(0o022); os.umask(old) == 0o077\nFalse\n",
    ),
    (
        ">>> import sys\n>>> sys.setrecursionlimit(60)\n",
        ">>> import sys\n>>> sys.getrecursionlimit() > 60\nTrue\n",
    ),
    (
        ">>> import builtins\n>>> builtins.len = lambda x: 0\n",
        ">>> len('abc')\n3\n",
    ),
    (
        ">>> import sys, types\n>>> sys.modules['json'] = types.ModuleType('json')\n",
        ">>> import json\n>>> json.dumps(1)\n'1'\n",
    ),
    (
        ">>> import os, time\n>>> os.environ['TZ'] = 'XYZ+05:37'\n>>> time.tzset()\n",
        ">>> import time\n>>> time.tzname[0] == 'XYZ'\nFalse\n",
    ),
    (
        ">>> import contextvars\n>>> import decimal\n"
        ">>> decimal.setcontext(decimal.Context(prec=2))\n",
        ">>> import decimal\n>>> decimal.getcontext().prec\n28\n",
    ),
]


@pytest.mark.parametrize(("first", "second"), LEAKS)
def test_no_process_state_reaches_the_next_document(
    runner: Runner, first: str, second: str
) -> None:
    run1(runner, pycon(first))  # may break its own document: not the next one
    outcome = run1(runner, pycon(second))
    assert outcome.status == "passed", outcome


@pytest.fixture(scope="module")
def unforked() -> Iterator[Runner]:
    with Runner(timeout=5, fork=False) as r:
        yield r


@pytest.mark.parametrize(("first", "second"), LEAKS)
def test_no_process_state_reaches_the_next_document_without_fork(
    unforked: Runner, first: str, second: str
) -> None:
    run1(unforked, pycon(first))
    outcome = run1(unforked, pycon(second))
    assert outcome.status == "passed", outcome


def test_without_fork_each_document_runs_in_a_worker_of_its_own(
    unforked: Runner, tmp_path: Path
) -> None:
    pids = tmp_path / "pids"
    source = (
        ">>> import os\n"
        f">>> with open({str(pids)!r}, 'a') as f:\n"
        "...     _ = f.write(f'{os.getpid()} {os.getppid()}\\n')\n"
    )
    for _ in range(3):
        assert run1(unforked, pycon(source)).status == "passed"
    rows = [line.split() for line in pids.read_text().splitlines()]
    # each in a direct child of this process (a worker), never the same one
    assert [parent for _, parent in rows] == [str(os.getpid())] * 3
    assert len({pid for pid, _ in rows}) == 3
    # and the next worker is already starting while the caller works
    assert str(unforked.worker_pid) not in {pid for pid, _ in rows}


def test_without_fork_a_dying_example_and_a_timeout_are_reported() -> None:
    with Runner(timeout=1, fork=False) as runner:
        died = runner.run_document(
            [pycon(">>> import os\n>>> os._exit(9)\n"), pycon(">>> 1\n1\n", 20)]
        )
        assert [o.status for o in died] == ["failed", "not-run"]
        assert died[0].summary == "the worker process exited with code 9"
        slow = run1(runner, pycon(">>> import time\n>>> time.sleep(5)\n"))
        assert slow.summary == "timed out after 1s"
        assert run1(runner, pycon(">>> 2 * 21\n42\n")).status == "passed"


@pytest.mark.skipif(not hasattr(signal, "alarm"), reason="POSIX signals")
def test_an_alarm_set_by_an_example_does_not_reach_the_next_document(
    runner: Runner,
) -> None:
    assert run1(runner, pycon(">>> import signal\n>>> signal.alarm(1)\n0\n")).status
    time.sleep(1.2)
    assert run1(runner, pycon(">>> 1\n1\n")).status == "passed"


def test_a_thread_that_prints_later_is_not_blamed_on_the_next_document(
    runner: Runner,
) -> None:
    source = (
        ">>> import threading, time\n"
        ">>> t = threading.Thread(target=lambda: (time.sleep(0.3), print('late')))\n"
        ">>> t.start()\n"
    )
    assert run1(runner, pycon(source)).status == "passed"
    outcome = run1(runner, pycon(">>> import time; time.sleep(0.6)\n"))
    assert outcome.status == "passed", outcome


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX fork")
def test_fork_in_an_example_does_not_confuse_the_results(runner: Runner) -> None:
    examples = [
        pycon(">>> import os\n>>> pid = os.fork()\n", 3),
        pycon(">>> 1 + 1\n2\n", 6),
        pycon(">>> 2 + 2\n4\n", 9),
    ]
    for _ in range(2):
        outcomes = runner.run_document(examples)
        assert [(o.status, o.lineno) for o in outcomes] == [
            ("passed", 3),
            ("passed", 6),
            ("passed", 9),
        ]
    assert run1(runner, pycon(">>> 5\n5\n")).status == "passed"


FORGE = """\
>>> import os, pickle, struct, time, json
>>> for fd in range(3, 64):
...     for payload in (
...         pickle.dumps(("result", 1, "passed", 9, "", "", 0.0)),
...         json.dumps({"type": "result", "index": 1, "status": "passed",
...                     "lineno": 9, "summary": "", "detail": "",
...                     "duration": 0.0}).encode(),
...     ):
...         frame = struct.pack("<Qd", len(payload), time.monotonic()) + payload
...         try:
...             os.write(fd, frame)
...         except OSError:
...             pass
"""


def test_results_cannot_be_forged_from_an_example() -> None:
    with Runner(timeout=5) as runner:
        outcomes = runner.run_document(
            [pycon(FORGE, 3), pycon(">>> 1/0\n", 9), pycon(">>> 3\n3\n", 12)]
        )
        statuses = [o.status for o in outcomes]
        assert statuses[1] != "passed", outcomes
        assert "passed" not in statuses[1:] or statuses == [
            "passed",
            "failed",
            "passed",
        ]
        # and the runner serves the next document
        assert run1(runner, pycon(">>> 4\n4\n")).status == "passed"


def test_huge_failure_details_are_bounded(runner: Runner) -> None:
    outcome = run1(runner, pycon(">>> raise ValueError('x' * 20_000_000)\n"))
    assert outcome.status == "failed"
    assert len(outcome.summary) < 5_000
    assert len(outcome.detail) < 50_000
    assert "more characters not shown" in outcome.detail


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_AS")
def test_a_memory_hog_is_stopped_at_the_limit() -> None:
    hog = pycon(">>> x = bytearray(600 * 1024 * 1024)\n", 3)
    with Runner(timeout=10, memory_limit=256 * 1024 * 1024) as runner:
        outcomes = runner.run_document(
            [pycon(">>> 1\n1\n", 1), hog, pycon(">>> 2\n2\n", 6)]
        )
        assert [o.status for o in outcomes] == ["passed", "failed", "not-run"]
        assert outcomes[1].summary.startswith("memory limit of 256 MiB reached")
        assert "reached the memory limit (line 3)" in outcomes[2].summary
        # the next document has its memory again
        assert run1(runner, pycon(">>> len(bytearray(10**6))\n1000000\n")).status == (
            "passed"
        )


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="POSIX processes")
@pytest.mark.parametrize("which", ["runner", "unforked"])
def test_processes_an_example_leaves_behind_end_with_its_document(
    which: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    # forked (the worker ends the child's group) and without fork (the
    # worker ends its own group)
    runs: Runner = request.getfixturevalue(which)
    pidfile = tmp_path / "pid"
    source = (
        ">>> import subprocess, sys\n"
        ">>> cmd = [sys.executable, '-c', 'import time; time.sleep(60)']\n"
        ">>> p = subprocess.Popen(cmd)\n"
        f">>> _ = open({str(pidfile)!r}, 'w').write(str(p.pid))\n"
    )
    assert run1(runs, pycon(source)).status == "passed"
    assert _left_running([int(pidfile.read_text())], 5) == []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX processes")
def test_a_timeout_leaves_no_process_behind(tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    source = (
        ">>> import subprocess, sys, time\n"
        ">>> cmd = [sys.executable, '-c', 'import time; time.sleep(60)']\n"
        ">>> p = subprocess.Popen(cmd)\n"
        f">>> _ = open({str(pidfile)!r}, 'w').write(str(p.pid))\n"
        ">>> time.sleep(30)\n"
    )
    with Runner(timeout=1) as runner:
        runner.start()
        warm = runner.worker_pid
        outcome = run1(runner, pycon(source))
        assert outcome.summary == "timed out after 1s"
    pid = int(pidfile.read_text())
    time.sleep(0.3)
    assert warm is not None
    for gone in (pid, warm):
        assert not alive(gone) or _zombie(gone)


_HOLDER = """
import sys, time
from jigger_sphinx.model import Example
from jigger_sphinx.runner import Runner
runner = Runner(timeout=60)
runner.start()
print(runner.worker_pid, flush=True)
runner.submit_document([Example("pycon", sys.argv[1], "doc.rst", 1)])
time.sleep(60)
"""


def _stuck_source(pidfile: Path) -> str:
    """A transcript that starts a process, writes its own pid and that
    process's to ``pidfile``, then sleeps for a minute."""
    return (
        ">>> import os, subprocess, sys, time\n"
        ">>> cmd = [sys.executable, '-c', 'import time; time.sleep(60)']\n"
        ">>> p = subprocess.Popen(cmd)\n"
        f">>> _ = open({str(pidfile)!r}, 'w').write(f'{{os.getpid()}} {{p.pid}}')\n"
        ">>> time.sleep(60)\n"
    )


def _started(pidfile: Path) -> list[int]:
    """The two pids ``_stuck_source`` writes, once it has written them."""
    deadline = time.monotonic() + 30
    while not pidfile.exists() or len(pidfile.read_text().split()) < 2:
        assert time.monotonic() < deadline, "the document did not start"
        time.sleep(0.05)
    return [int(p) for p in pidfile.read_text().split()]


def _stuck_document(tmp_path: Path) -> tuple[subprocess.Popen[str], int, list[int]]:
    """A process holding a runner whose document is stuck in a sleep, having
    started a process of its own: (that process, the worker's pid, [the
    document's pid, the started process's pid])."""
    source = _stuck_source(tmp_path / "pids")
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, source], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None
    worker = int(holder.stdout.readline())
    return holder, worker, _started(tmp_path / "pids")


def _left_running(pids: list[int], seconds: float) -> list[int]:
    """The pids still running (not zombies) after up to ``seconds``; they
    are killed then, so a failing test leaves nothing to the rest."""
    deadline = time.monotonic() + seconds
    while True:
        left = [p for p in pids if alive(p) and not _zombie(p)]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return left


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX processes")
def test_a_killed_runner_process_leaves_no_process_behind(tmp_path: Path) -> None:
    # sphinx-build killed (SIGKILL: no clean-up of its own) mid-example
    holder, worker, pids = _stuck_document(tmp_path)
    holder.kill()
    holder.communicate()
    assert _left_running([worker, *pids], 5) == []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX processes")
def test_a_killed_worker_is_reported_and_leaves_no_process_behind(
    tmp_path: Path,
) -> None:
    with Runner(timeout=60) as runner:
        runner.start()
        worker = runner.worker_pid
        assert worker is not None
        pending = runner.submit_document([pycon(_stuck_source(tmp_path / "pids"))])
        pids = _started(tmp_path / "pids")
        os.kill(worker, signal.SIGKILL)
        (outcome,) = pending.outcomes()
        assert outcome.status == "failed"
        assert "SIGKILL" in outcome.summary
        assert _left_running(pids, 5) == []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX processes")
def test_a_worker_killed_after_the_last_result_keeps_the_results(
    runner: Runner,
) -> None:
    # The document's process kills the warm worker on its way out: every
    # example has reported, the end of the document never comes.
    source = (
        ">>> import os, signal\n"
        ">>> real_exit = os._exit\n"
        ">>> def exit_after_killing_worker(code):\n"
        "...     os.kill(os.getppid(), signal.SIGKILL)\n"
        "...     real_exit(code)\n"
        ">>> os._exit = exit_after_killing_worker\n"
    )
    first = runner.worker_pid
    outcomes = runner.run_document([pycon(source), pycon(">>> 1 + 1\n2\n", 20)])
    assert [o.status for o in outcomes] == ["passed", "passed"]
    assert run1(runner, pycon(">>> 2 + 2\n4\n")).status == "passed"
    assert runner.worker_pid != first


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's prctl")
def test_nothing_is_left_when_runner_and_worker_are_killed_together(
    tmp_path: Path,
) -> None:
    # kill -9 of both at once: the document dies with the worker, and the
    # worker's guard ends what the document started
    holder, worker, pids = _stuck_document(tmp_path)
    os.kill(worker, signal.SIGKILL)
    holder.kill()
    holder.communicate()
    assert _left_running([worker, *pids], 5) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's prctl")
@pytest.mark.parametrize("how", ["closed", "killed"])
def test_the_workers_guard_ends_with_the_worker(how: str) -> None:
    runner = Runner(timeout=10)
    try:
        assert run1(runner, pycon(">>> 1 + 1\n2\n")).status == "passed"
        worker = runner.worker_pid
        assert worker is not None
        children = Path(f"/proc/{worker}/task/{worker}/children").read_text().split()
        assert len(children) == 1  # between documents: the guard only
        (guard,) = map(int, children)
        if how == "killed":
            os.kill(worker, signal.SIGKILL)  # no document runs: nothing to end
        else:
            runner.close()
        assert _left_running([guard], 5) == []
    finally:
        runner.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's prctl")
def test_a_queued_document_the_runner_never_heard_of_ends_with_its_worker(
    tmp_path: Path,
) -> None:
    # The second document starts a process and hangs on the worker that the
    # first one's forged results get replaced; the runner has not read its
    # messages yet, so only the worker's guard knows its process group.
    pidfile = tmp_path / "pids"
    forge = (
        ">>> import os, struct, time\n"
        ">>> for fd in range(3, 64):\n"
        "...     try:\n"
        "...         head = struct.pack('<16sId', bytes(16), 2, 0.0)\n"
        "...         _ = os.write(fd, head + b'{}')\n"
        "...     except OSError:\n"
        "...         pass\n"
    )
    hang = (
        ">>> import subprocess, sys, time\n"
        ">>> sleep = [sys.executable, '-c', 'import time; time.sleep(60)']\n"
        ">>> p = subprocess.Popen(sleep)\n"
        f">>> _ = open({str(pidfile)!r}, 'a').write(f'{{p.pid}}\\n')\n"
        ">>> time.sleep(60)\n"
    )
    with Runner(timeout=1, max_in_flight=4) as runner:
        first = runner.submit_document([pycon(forge)])
        second = runner.submit_document([pycon(hang)])
        deadline = time.monotonic() + 10
        while not pidfile.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pidfile.exists(), "the second document did not start"
        assert first.outcomes()[0].summary.startswith("the example wrote into")
        # it runs again on the next worker, and times out there
        assert second.outcomes()[0].summary == "timed out after 1s"
    pids = [int(p) for p in pidfile.read_text().split()]
    assert len(pids) == 2
    assert _left_running(pids, 5) == []


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] == "Z"
    except OSError:
        return False


def test_what_a_document_imported_is_reported(runner: Runner, tmp_path: Path) -> None:
    (tmp_path / "dep_mod_xyz.py").write_text("VALUE = 1\n")
    with Runner(sys_path=[str(tmp_path)]) as own:
        pending = own.submit_document(
            [
                pycon(">>> import dep_mod_xyz, json\n>>> import not_there_xyz\n"),
                # a module the examples write into their working directory is
                # gone by the next build: not something to key the cache on
                pycon(
                    ">>> _ = open('made_here_xyz.py', 'w').write('X = 1')\n"
                    ">>> import made_here_xyz\n",
                    20,
                ),
            ]
        )
        pending.outcomes()
    assert pending.deps is not None
    paths = [entry[0] for entry in pending.modules]
    assert str(tmp_path / "dep_mod_xyz.py") in paths
    # the standard library is keyed by the interpreter, not file by file
    assert not any(p.endswith(os.sep + "json" + os.sep + "__init__.py") for p in paths)
    assert "not_there_xyz" in pending.deps["missing"]
    assert not any(p.endswith("made_here_xyz.py") for p in paths)


def test_a_huge_http_body_is_a_bounded_failure_not_a_timeout() -> None:
    app = (
        "def app(environ, start_response):\n"
        "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
        "    return [('line of a huge body\\n' * 1_000_000).encode()]\n"
    )
    with Runner(timeout=10) as runner:
        outcomes = runner.run_document(
            [ex("code", app, 1), http("GET /\n\nHTTP/1.1 200 OK\n\nsmall\n", 5)]
        )
    outcome = outcomes[1]
    assert outcome.status == "failed"
    assert outcome.summary.startswith("body: expected 'small'")
    assert len(outcome.detail) < 50_000

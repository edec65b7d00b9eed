"""Run Flask's and its extensions' own test suites on Flask and on jigger.

``nox -s extensions`` runs this script. For each project below it
downloads the source distribution from PyPI at the pinned version (the
installed package must be that version too), runs the project's own
``tests/`` with pytest twice, once as it is (on Flask) and once with
``import flask`` aliased to jigger (:mod:`jigger.compat`), and prints a
table of both results and of every test whose outcome differs::

    python tests/extensions/run_suites.py [--only flask-login,flask] [--workdir DIR]

It exits with status 1 when a test that passes on Flask does not pass on
jigger, unless that test is listed in :data:`KNOWN_DIFFERENCES` (for
Flask's own suite: behaviour jigger changes on purpose, each with its
reason, also listed in the book's page on Flask compatibility).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tarfile
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
#: Runs pytest with the alias installed before anything imports Flask.
SHIM = HERE / "pytest_on_jigger.py"


@dataclass(frozen=True)
class Suite:
    """One project whose test suite is run."""

    #: The name on PyPI, and the table's first column.
    name: str
    version: str
    #: pytest arguments after the test path: what the project's own CI
    #: leaves out (backends that need a running server).
    extra_args: tuple[str, ...] = ()


SUITES = (
    Suite("Flask-Login", "0.6.3"),
    Suite("Flask-WTF", "1.3.0"),
    Suite("Flask-Cors", "6.0.5"),
    # The memcached and redis backends need running servers.
    Suite(
        "Flask-Caching",
        "2.5.1",
        ("-k", "not memcache and not redis and not Memcache and not Redis"),
    ),
    Suite("Flask-SQLAlchemy", "3.1.1"),
    Suite("Flask", "3.1.3"),
)

_WORDING = "jigger's error message is its own and says what to do; same exception"
_FLASK_NAME = "jigger names itself where Flask names Flask"

#: Tests of Flask's own suite that pass on Flask and, on purpose, not on
#: jigger: node id -> why. The book's page on Flask compatibility
#: (docs/flaskcompat.md) lists the same.
KNOWN_DIFFERENCES: dict[str, str] = {
    "tests.test_appctx::test_app_ctx_globals_methods": (
        f"{_FLASK_NAME}: repr(g) is <jigger.g of 'app'>"
    ),
    "tests.test_basic::test_jsonify_args_and_kwargs_check": _WORDING,
    "tests.test_basic::test_no_setup_after_first_request": _WORDING,
    "tests.test_basic::test_response_type_errors": _WORDING,
    "tests.test_user_error_handler::test_error_handler_no_match": _WORDING,
    "tests.test_testing::test_session_transaction_needs_cookies": _WORDING,
    "tests.test_testing::test_session_transactions_no_null_sessions": _WORDING,
    "tests.test_json::test_bad_request_debug_message[True]": (
        "jigger names why the body is not JSON in its own words, in and out"
        " of debug mode"
    ),
    "tests.test_templating::test_template_loader_debugging": (
        "EXPLAIN_TEMPLATE_LOADING logs jigger's own explanation (formatted"
        " lazily, with jigger's wording and no link to Flask's docs)"
    ),
    "tests.test_basic::test_static_route_with_host_matching": (
        "a static_host without host_matching (or the reverse) raises"
        " ValueError, not AssertionError: jigger never validates arguments"
        " with assert"
    ),
    "tests.test_basic::test_session_accessed": (
        "a request that never touches the session never opens it (speed),"
        " so the private request_ctx._session is None after it"
    ),
    "tests.test_blueprints::test_endpoint_decorator": (
        "bp.endpoint('x') names the blueprint's endpoint 'bp.x', like"
        " bp.add_url_rule(endpoint='x'); Flask registers a bare 'x', so the"
        " two cannot be used together there"
    ),
    "tests.test_basic::test_server_name_subdomain": (
        "the test silences a Werkzeug warning only when it is attributed to"
        " the module 'flask.app'; under the alias it comes from 'jigger.app'"
    ),
    "tests.test_basic::test_subdomain_matching_other_name[True]": (
        "the test silences a Werkzeug warning only when it is attributed to"
        " the module 'flask.app'; under the alias it comes from 'jigger.app'"
    ),
    "tests.test_cli::test_get_version": (
        f"{_FLASK_NAME}: '--version' prints jigger's version"
    ),
    "tests.test_cli::test_help_echo_loading_error": (
        f"{_FLASK_NAME}: the message names JIGGER_APP (FLASK_APP is read too)"
    ),
    "tests.test_cli::test_no_command_echo_loading_error": (
        f"{_FLASK_NAME}: the message names JIGGER_APP (FLASK_APP is read too)"
    ),
    "tests.test_config::test_from_prefixed_env": (
        "from_prefixed_env() reads JIGGER_* by default; prefix='FLASK' reads"
        " Flask's variables"
    ),
    "tests.test_config::test_from_prefixed_env_nested": (
        "from_prefixed_env() reads JIGGER_* by default; prefix='FLASK' reads"
        " Flask's variables"
    ),
}


@dataclass
class Outcome:
    """What one pytest run reported, per test."""

    by_test: dict[str, str] = field(default_factory=dict)
    #: The run's last line, or why there is no report.
    summary: str = ""

    def count(self, kind: str) -> int:
        return sum(1 for outcome in self.by_test.values() if outcome == kind)

    def cell(self) -> str:
        if not self.by_test:
            return self.summary or "no tests ran"
        kinds = ("passed", "failed", "error", "skipped")
        parts = [f"{self.count(k)} {k}" for k in kinds if self.count(k)]
        return ", ".join(parts)


def fetch(suite: Suite, workdir: Path) -> Path:
    """Download and unpack the suite's sdist; return the unpacked folder."""
    downloads = workdir / "sdists"
    downloads.mkdir(parents=True, exist_ok=True)
    spec = f"{suite.name}=={suite.version}"
    matches = _sdists(downloads, suite)
    if not matches:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--no-binary",
                ":all:",
                spec,
                "-d",
                str(downloads),
            ],
            check=True,
        )
        matches = _sdists(downloads, suite)
    if len(matches) != 1:
        raise SystemExit(f"expected one sdist for {spec} in {downloads}: {matches}")
    target = workdir / "src"
    with tarfile.open(matches[0]) as archive:
        top = archive.getnames()[0].split("/")[0]
        if not (target / top).is_dir():
            archive.extractall(target, filter="data")
    return target / top


def _sdists(folder: Path, suite: Suite) -> list[Path]:
    wanted = suite.name.lower().replace("-", "_")
    return [
        path
        for path in folder.glob("*.tar.gz")
        if path.name.lower().replace("-", "_") == f"{wanted}_{suite.version}.tar.gz"
    ]


def run(suite: Suite, project: Path, on_jigger: bool) -> Outcome:
    """Run the suite's tests in its own folder with its own pytest settings."""
    with tempfile.TemporaryDirectory(prefix="jigger-suite-") as tmp:
        report = Path(tmp) / "report.xml"
        entry = [str(SHIM)] if on_jigger else ["-m", "pytest"]
        command = [
            sys.executable,
            *entry,
            "tests",
            "-q",
            # Flask-Caching's tests use pytest's cache; keep it out of the
            # unpacked sdist.
            "-o",
            f"cache_dir={Path(tmp) / 'pytest-cache'}",
            f"--junitxml={report}",
            # pytest-asyncio (Flask-Caching's async tests) warns without it,
            # and the suites turn warnings into errors.
            "-o",
            "asyncio_default_fixture_loop_scope=function",
            *suite.extra_args,
        ]
        done = subprocess.run(command, cwd=project, capture_output=True, text=True)
        lines = done.stdout.strip().splitlines()
        outcome = Outcome(summary=lines[-1] if lines else done.stderr.strip()[-300:])
        if report.exists():
            outcome.by_test = _read_junit(report)
        return outcome


def _read_junit(report: Path) -> dict[str, str]:
    results: dict[str, str] = {}
    for case in ET.parse(report).iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        kinds = {child.tag for child in case}
        if "error" in kinds:
            results[name] = "error"
        elif "failure" in kinds:
            results[name] = "failed"
        elif "skipped" in kinds:
            results[name] = "skipped"
        else:
            results[name] = "passed"
    return results


def compare(suite: Suite, flask: Outcome, jigger: Outcome) -> list[str]:
    """Tests that pass on Flask and not on jigger, or the other way round."""
    lines = []
    for name in sorted(set(flask.by_test) | set(jigger.by_test)):
        before = flask.by_test.get(name, "absent")
        after = jigger.by_test.get(name, "absent")
        if before == after:
            continue
        reason = KNOWN_DIFFERENCES.get(name)
        note = f" (on purpose: {reason})" if reason else ""
        lines.append(f"  {suite.name}: {name}: Flask {before}, jigger {after}{note}")
    return lines


def unexplained(flask: Outcome, jigger: Outcome) -> list[str]:
    return [
        name
        for name, result in flask.by_test.items()
        if result == "passed"
        and jigger.by_test.get(name) != "passed"
        and name not in KNOWN_DIFFERENCES
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only", help="comma-separated names from the table (case-insensitive)"
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=ROOT / "build" / "extensions",
        help="where sdists are downloaded and unpacked",
    )
    args = parser.parse_args(argv)
    suites = SUITES
    if args.only:
        wanted = {name.strip().lower() for name in args.only.split(",")}
        suites = tuple(s for s in SUITES if s.name.lower() in wanted)
        if not suites:
            parser.error(f"--only matched none of {[s.name for s in SUITES]}")
    rows = []
    differences: list[str] = []
    failing = 0
    for suite in suites:
        project = fetch(suite, args.workdir)
        print(f"running {suite.name} {suite.version} on Flask and on jigger ...")
        flask = run(suite, project, on_jigger=False)
        jigger = run(suite, project, on_jigger=True)
        missing = unexplained(flask, jigger)
        failing += len(missing)
        differing = compare(suite, flask, jigger)
        if not differing:
            same = "yes"
        elif not missing:
            same = f"all but {len(differing)} on purpose"
        else:
            same = f"no: {len(missing)} unexplained"
        rows.append(
            f"| {suite.name} | {suite.version} | {flask.cell()} | {jigger.cell()}"
            f" | {jigger.count('passed')}/{len(jigger.by_test)} | {same} |"
        )
        differences += differing
    print()
    print("| suite | version | on Flask | on jigger | jigger passed/total | same |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))
    if differences:
        print("\nOutcomes that differ:")
        print("\n".join(differences))
    if failing:
        print(f"\n{failing} test(s) pass on Flask and not on jigger, unexplained.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

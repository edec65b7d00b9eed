"""Tests for jigger.logging: ``app.logger`` and its default handler."""

from __future__ import annotations

import io
import logging
import subprocess
import sys
import textwrap
import typing as t
import uuid

import pytest

from jigger import Jigger, current_app, request
from jigger.logging import default_handler, has_level_handler, wsgi_errors_stream


@pytest.fixture(autouse=True)
def _no_debug_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JIGGER_DEBUG", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)


@pytest.fixture
def make_app() -> t.Iterator[t.Callable[..., Jigger]]:
    """Apps with unique names whose loggers do not propagate to the root
    logger (which pytest configures), i.e. loggers nobody has set up yet.
    Their handlers and levels are reset afterwards."""
    names: list[str] = []

    def make(propagate: bool = False, debug: bool = False) -> Jigger:
        name = f"logapp_{uuid.uuid4().hex[:8]}"
        names.append(name)
        logging.getLogger(name).propagate = propagate
        app = Jigger(name)
        app.debug = debug
        return app

    yield make
    for name in names:
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.setLevel(logging.NOTSET)
        logger.propagate = True


def test_logger_is_named_after_the_app(make_app: t.Callable[..., Jigger]) -> None:
    app = make_app()
    assert app.logger is logging.getLogger(app.name)
    assert app.logger is app.logger  # created once


def test_default_handler_when_nothing_is_configured(
    make_app: t.Callable[..., Jigger],
) -> None:
    app = make_app()
    assert app.logger.handlers == [default_handler]


def test_no_default_handler_when_the_logger_has_one(
    make_app: t.Callable[..., Jigger],
) -> None:
    app = make_app()
    mine = logging.StreamHandler(io.StringIO())
    logging.getLogger(app.name).addHandler(mine)
    assert app.logger.handlers == [mine]


def test_no_default_handler_when_an_ancestor_has_one(
    make_app: t.Callable[..., Jigger],
) -> None:
    # Under pytest the root logger has pytest's capture handler: configured.
    app = make_app(propagate=True)
    assert default_handler not in app.logger.handlers


def test_a_handler_above_the_logger_level_does_not_count(
    make_app: t.Callable[..., Jigger],
) -> None:
    app = make_app()
    logger = logging.getLogger(app.name)
    logger.setLevel(logging.INFO)
    errors_only = logging.StreamHandler(io.StringIO())
    errors_only.setLevel(logging.ERROR)
    logger.addHandler(errors_only)
    assert not has_level_handler(logger)
    assert app.logger.handlers == [errors_only, default_handler]


def test_debug_mode_sets_debug_level(make_app: t.Callable[..., Jigger]) -> None:
    app = make_app(debug=True)
    assert app.logger.level == logging.DEBUG
    assert app.logger.isEnabledFor(logging.DEBUG)


def test_debug_mode_keeps_a_configured_level(
    make_app: t.Callable[..., Jigger],
) -> None:
    app = make_app(debug=True)
    logging.getLogger(app.name).setLevel(logging.ERROR)
    assert app.logger.level == logging.ERROR


def test_debug_flag_from_environment_sets_debug_level(
    monkeypatch: pytest.MonkeyPatch, make_app: t.Callable[..., Jigger]
) -> None:
    monkeypatch.setenv("JIGGER_DEBUG", "1")
    app = make_app(debug=True)
    assert app.logger.getEffectiveLevel() == logging.DEBUG


def test_no_level_set_outside_debug_mode(make_app: t.Callable[..., Jigger]) -> None:
    app = make_app()
    assert app.logger.level == logging.NOTSET


def test_default_handler_writes_to_wsgi_errors_during_a_request(
    make_app: t.Callable[..., Jigger],
) -> None:
    app = make_app(debug=True)

    @app.get("/")
    def index() -> str:
        current_app.logger.debug("handling %s", request.path)
        app.logger.warning("disk almost full")
        return "ok"

    errors = io.StringIO()
    rv = app.test_client().get("/", errors_stream=errors)
    assert rv.text == "ok"
    lines = errors.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].endswith("DEBUG in test_logging: handling /")
    assert lines[1].endswith("WARNING in test_logging: disk almost full")
    assert lines[0].startswith("[")  # a timestamp


def test_each_request_logs_to_its_own_error_stream(
    make_app: t.Callable[..., Jigger],
) -> None:
    app = make_app()

    @app.get("/<word>")
    def say(word: str) -> str:
        app.logger.warning(word)
        return word

    first, second = io.StringIO(), io.StringIO()
    client = app.test_client()
    client.get("/one", errors_stream=first)
    client.get("/two", errors_stream=second)
    assert "WARNING in test_logging: one" in first.getvalue()
    assert "two" not in first.getvalue()
    assert "WARNING in test_logging: two" in second.getvalue()
    assert "one" not in second.getvalue()


def test_unhandled_error_is_logged_to_wsgi_errors(
    make_app: t.Callable[..., Jigger],
) -> None:
    app = make_app()

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("kaput")

    errors = io.StringIO()
    rv = app.test_client().get("/boom", errors_stream=errors)
    assert rv.status_code == 500
    text = errors.getvalue()
    assert "ERROR in app: Exception on /boom [GET]" in text
    assert "Traceback (most recent call last)" in text
    assert "RuntimeError: kaput" in text
    assert "kaput" not in rv.text


def test_wsgi_errors_stream_outside_a_request_is_stderr(
    make_app: t.Callable[..., Jigger], capsys: pytest.CaptureFixture[str]
) -> None:
    assert wsgi_errors_stream._get_current_object() is sys.stderr
    app = make_app()
    with app.app_context():
        app.logger.warning("from a job")
    assert "WARNING in test_logging: from a job" in capsys.readouterr().err


def test_a_fresh_process_logs_without_any_setup() -> None:
    """What a user sees in a new interpreter that configured no logging."""
    script = textwrap.dedent(
        """
        import io
        from jigger import Jigger
        from jigger.logging import default_handler

        app = Jigger("fresh")
        assert app.logger.handlers == [default_handler], app.logger.handlers

        @app.get("/")
        def index():
            app.logger.error("in the request")
            return "ok"

        errors = io.StringIO()
        app.test_client().get("/", errors_stream=errors)
        print("captured:", errors.getvalue().strip())
        app.logger.error("outside any request")
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PATH": "", "PYTHONWARNINGS": "error"},
    )
    assert proc.returncode == 0, proc.stderr
    assert "ERROR in <string>: in the request" in proc.stdout
    assert "in the request" not in proc.stderr
    assert "ERROR in <string>: outside any request" in proc.stderr

"""Tests for jigger.compat: ``import flask`` answered by jigger, on request.

The test process may have imported the real Flask already (the porting
tests compare both), so each test here runs with Flask's modules taken out
of ``sys.modules`` (the ``no_flask_imported`` fixture) and put back
afterwards.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import typing as t

import pytest

import jigger
import jigger.globals
from jigger.compat import (
    FLASK_VERSION,
    flask_alias,
    install_flask_alias,
    uninstall_flask_alias,
)


def _flask_entries() -> dict[str, t.Any]:
    return {
        name: module
        for name, module in sys.modules.items()
        if name == "flask" or name.startswith("flask.")
    }


pytestmark = pytest.mark.usefixtures("no_flask_imported")


def test_nothing_is_aliased_by_default() -> None:
    import jigger.compat  # noqa: F401

    assert "flask" not in sys.modules
    # In a fresh process too: importing jigger never installs the alias.
    code = "import jigger, jigger.compat, sys; print('flask' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_flask_and_its_modules_are_jiggers() -> None:
    install_flask_alias()
    try:
        import flask
        import flask.globals
        import flask.json.provider
        import flask.sansio.app
        import flask.sansio.blueprints
        import flask.sansio.scaffold
        from flask import Flask, request
        from flask.globals import _cv_app, _cv_request, app_ctx, request_ctx

        assert flask.Flask is Flask is jigger.Jigger
        assert flask.__version__ == FLASK_VERSION == "3.1.3"
        assert flask.__name__ == "flask"
        assert flask.json is jigger.json
        assert request is jigger.request
        assert flask.globals is jigger.globals
        assert flask.json.provider is sys.modules["jigger.json.provider"]
        assert flask.sansio.app is sys.modules["jigger.sansio.app"]
        assert flask.sansio.blueprints is sys.modules["jigger.sansio.blueprints"]
        assert flask.sansio.scaffold is sys.modules["jigger.sansio.scaffold"]
        assert (_cv_app, _cv_request) == (
            jigger.globals._cv_app,
            jigger.globals._cv_request,
        )
        assert app_ctx is jigger.globals.app_ctx
        assert request_ctx is jigger.globals.request_ctx
    finally:
        uninstall_flask_alias()
    assert "flask" not in sys.modules
    assert not _flask_entries()


def test_the_flask_package_reads_and_writes_through_to_jigger() -> None:
    with flask_alias():
        import flask

        namespace: dict[str, t.Any] = {}
        exec("from flask import *", namespace)
        assert namespace["render_template"] is jigger.render_template
        assert "get_template_attribute" in dir(flask)
        flask.added_by_a_test = 1  # type: ignore[attr-defined]
        try:
            assert jigger.added_by_a_test == 1  # type: ignore[attr-defined]
        finally:
            del flask.added_by_a_test  # type: ignore[attr-defined]
        assert not hasattr(jigger, "added_by_a_test")
        assert jigger.__version__ != flask.__version__


def test_install_twice_is_harmless() -> None:
    install_flask_alias()
    try:
        first = _flask_entries()
        install_flask_alias()
        assert _flask_entries() == first
    finally:
        uninstall_flask_alias()
    uninstall_flask_alias()  # nothing left to remove
    assert not _flask_entries()


def test_refused_when_the_real_flask_is_imported() -> None:
    import flask  # the real one: the fixture removed any alias

    assert flask.Flask is not jigger.Jigger
    with pytest.raises(RuntimeError, match=r"real Flask is already imported") as e:
        install_flask_alias()
    assert "'flask' from " in str(e.value)
    assert "before anything imports flask" in str(e.value)
    assert sys.modules["flask"] is flask  # left as it was


def test_uninstall_leaves_the_real_flask_alone() -> None:
    import flask

    uninstall_flask_alias()
    assert sys.modules["flask"] is flask


def test_the_with_block_removes_only_what_it_installed() -> None:
    with flask_alias():
        assert sys.modules["flask"].Jigger is jigger.Jigger
    assert "flask" not in sys.modules
    install_flask_alias()
    try:
        with flask_alias():
            pass
        assert sys.modules["flask"].Jigger is jigger.Jigger  # installed before
    finally:
        uninstall_flask_alias()


FLASK_CODE = textwrap.dedent(
    """
    from flask import Flask, g, request
    from flask.globals import _cv_request, app_ctx

    app = Flask(__name__)
    seen = []

    @app.before_request
    def remember():
        g.ctx_id = id(app_ctx._get_current_object())

    @app.teardown_appcontext
    def check(exc):
        seen.append(g.ctx_id == id(app_ctx._get_current_object()))
        seen.append(_cv_request.get(None) is None)

    @app.route("/hi/<name>")
    def hi(name):
        return f"hi {name} from {request.path}"
    """
)


def test_flask_code_runs_unchanged() -> None:
    namespace: dict[str, t.Any] = {"__name__": "flask_written_app"}
    with flask_alias():
        exec(compile(FLASK_CODE, "flask_written_app.py", "exec"), namespace)
    app = namespace["app"]
    assert isinstance(app, jigger.Jigger)
    assert app.test_client().get("/hi/ada").text == "hi ada from /hi/ada"
    assert namespace["seen"] == [True, True]

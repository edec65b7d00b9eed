"""Tests for jigger.debughelpers: the errors debug mode raises to explain
a form that was sent the wrong way."""

from __future__ import annotations

import pytest
from werkzeug.exceptions import BadRequestKeyError
from werkzeug.routing import RequestRedirect

from jigger import Jigger, request
from jigger.debughelpers import DebugFilesKeyError, FormDataRoutingRedirect


@pytest.fixture
def app(app: Jigger) -> Jigger:
    """The shared app, with the routes these tests send forms to."""

    @app.post("/upload")
    def upload() -> str:
        return request.files["photo"].filename or ""

    @app.route("/user/", methods=["GET", "POST"])
    def user() -> str:
        return request.form["status"]

    return app


def test_file_field_sent_without_multipart_is_explained(app: Jigger) -> None:
    app.debug = True
    client = app.test_client()
    with pytest.raises(DebugFilesKeyError) as caught:
        client.post("/upload", data={"photo": "cat.png"})
    text = str(caught.value)
    assert "no file contents were transmitted" in text
    assert "This was submitted: 'cat.png'" in text
    assert 'enctype="multipart/form-data"' in text
    assert isinstance(caught.value, KeyError)


def test_outside_debug_mode_it_is_a_plain_400(app: Jigger) -> None:
    app.testing = False
    response = app.test_client().post("/upload", data={"photo": "cat.png"})
    assert response.status_code == 400


def test_a_missing_form_field_is_not_mistaken_for_a_file(app: Jigger) -> None:
    app.debug = True

    @app.post("/field")
    def field() -> str:
        return request.form["absent"]

    with pytest.raises(BadRequestKeyError) as caught:
        app.test_client().post("/field", data={"other": "x"})
    assert not isinstance(caught.value, DebugFilesKeyError)


def test_form_posted_to_a_url_that_redirects_with_301(
    app: Jigger, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.debug = True
    client = app.test_client()
    # The default 308 keeps the form: nothing to explain.
    response = client.post("/user", data={"status": "ok"}, follow_redirects=True)
    assert response.text == "ok"
    monkeypatch.setattr(RequestRedirect, "code", 301)
    with pytest.raises(FormDataRoutingRedirect) as caught:
        client.post("/user", data={"status": "lost"})
    assert "canonical URL 'http://localhost/user/'" in str(caught.value)
    # GET is redirected as usual, and outside debug mode so is POST.
    assert client.get("/user").status_code == 301
    app.debug = False
    assert client.post("/user", data={"status": "x"}).status_code == 301

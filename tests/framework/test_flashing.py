"""Message flashing: flash in one request, show in the next, once."""

from __future__ import annotations

import typing as t

import pytest
from markupsafe import Markup

import jigger
from jigger import Jigger, flash, get_flashed_messages, redirect, session, url_for


@pytest.fixture
def app(app: Jigger) -> Jigger:
    """The shared app, with views that flash and show messages."""

    @app.post("/save")
    def save() -> t.Any:
        flash("Saved.")
        flash("Disk almost full.", "warning")
        flash("Could not notify.", "error")
        return redirect(url_for("show"))

    @app.get("/show")
    def show() -> dict[str, t.Any]:
        return {"messages": get_flashed_messages()}

    @app.get("/categories")
    def categories() -> dict[str, t.Any]:
        return {"messages": get_flashed_messages(with_categories=True)}

    @app.get("/problems")
    def problems() -> dict[str, t.Any]:
        return {
            "pairs": get_flashed_messages(
                with_categories=True, category_filter=["warning", "error"]
            ),
            "errors": get_flashed_messages(category_filter=("error",)),
            "all": get_flashed_messages(),
        }

    return app


def test_messages_survive_a_redirect_and_are_consumed_once(app: Jigger) -> None:
    client = app.test_client()
    rv = client.post("/save", follow_redirects=True)
    assert rv.request.path == "/show"
    assert rv.json == {"messages": ["Saved.", "Disk almost full.", "Could not notify."]}
    assert client.get("/show").json == {"messages": []}


def test_with_categories(app: Jigger) -> None:
    client = app.test_client()
    client.post("/save")
    assert client.get("/categories").json == {
        "messages": [
            ["message", "Saved."],
            ["warning", "Disk almost full."],
            ["error", "Could not notify."],
        ]
    }


def test_category_filter_and_repeated_calls_in_one_request(app: Jigger) -> None:
    client = app.test_client()
    client.post("/save")
    assert client.get("/problems").json == {
        "pairs": [["warning", "Disk almost full."], ["error", "Could not notify."]],
        "errors": ["Could not notify."],
        # filtering did not drop the others: the request still sees them all
        "all": ["Saved.", "Disk almost full.", "Could not notify."],
    }
    # and all of them were consumed, the filtered-out ones too
    assert client.get("/categories").json == {"messages": []}


def test_flashed_messages_accumulate_until_shown(app: Jigger) -> None:
    client = app.test_client()
    client.post("/save")
    client.post("/save")
    assert len(t.cast(dict[str, list[str]], client.get("/show").json)["messages"]) == 6


def test_flash_and_show_in_the_same_request(app: Jigger) -> None:
    @app.get("/same")
    def same() -> dict[str, t.Any]:
        flash("now")
        first = get_flashed_messages()
        flash("later")  # after the first read: kept for the next request
        return {"first": first, "again": get_flashed_messages()}

    client = app.test_client()
    assert client.get("/same").json == {"first": ["now"], "again": ["now"]}
    assert client.get("/show").json == {"messages": ["later"]}


def test_reading_nothing_does_not_write_the_session(app: Jigger) -> None:
    rv = app.test_client().get("/show")
    assert rv.json == {"messages": []}
    assert rv.headers.getlist("Set-Cookie") == []


def test_flashes_live_in_the_session(app: Jigger) -> None:
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_flashes"] = [("info", "Set up by the test.")]
    assert client.get("/categories").json == {
        "messages": [["info", "Set up by the test."]]
    }
    client.post("/save")
    with client.session_transaction() as sess:
        assert [category for category, _ in sess["_flashes"]] == [
            "message",
            "warning",
            "error",
        ]


def test_flash_keeps_other_session_values(app: Jigger) -> None:
    @app.post("/login")
    def login() -> str:
        session["user"] = "ada"
        flash("Welcome")
        return "ok"

    @app.get("/user")
    def user() -> str:
        return f"{session.get('user')} {get_flashed_messages()}"

    client = app.test_client()
    client.post("/login")
    assert client.get("/user").text == "ada ['Welcome']"
    assert client.get("/user").text == "ada []"


def test_messages_in_templates_escape_text_not_markup(app: Jigger) -> None:
    render = jigger.render_template_string

    @app.post("/rich")
    def rich() -> str:
        flash("<script>x</script>")
        flash(Markup("<b>bold</b>"), "info")
        return "ok"

    @app.get("/page")
    def page() -> str:
        return t.cast(
            str,
            render(
                "{% for c, m in get_flashed_messages(with_categories=true) %}"
                "<li class={{ c }}>{{ m }}</li>{% endfor %}"
            ),
        )

    client = app.test_client()
    client.post("/rich")
    assert client.get("/page").text == (
        "<li class=message>&lt;script&gt;x&lt;/script&gt;</li>"
        "<li class=info><b>bold</b></li>"
    )


def test_flash_without_secret_key_says_how_to_set_one(app: Jigger) -> None:
    app.secret_key = None
    client = app.test_client()
    assert client.get("/show").json == {"messages": []}
    with pytest.raises(RuntimeError, match=r"SECRET_KEY"):
        client.post("/save")


def test_flash_outside_a_request(app: Jigger) -> None:
    with pytest.raises(RuntimeError, match="request"):
        flash("nobody sees this")
    with app.app_context(), pytest.raises(RuntimeError, match="request"):
        get_flashed_messages()

"""Posts: the front page, and writing, editing and deleting your own."""

from __future__ import annotations

import typing as t

import pytest
from blog.db import get_db
from werkzeug.test import TestResponse

from jigger import Jigger
from jigger.testing import FlaskClient

LogIn = t.Callable[..., TestResponse]  # the log_in fixture of conftest.py


def count_posts(app: Jigger) -> int:
    with app.app_context():
        count: int = get_db().execute("SELECT COUNT(*) FROM posts").fetchone()[0]
    return count


def test_front_page_for_a_visitor(client: FlaskClient) -> None:
    page = client.get("/").text
    assert "Notes on the engine" in page
    assert "by ada on 2025-12-10" in page
    assert "Log in" in page
    assert "/posts/1/edit" not in page


def test_front_page_for_the_author(client: FlaskClient, log_in: LogIn) -> None:
    log_in("ada")
    page = client.get("/").text
    assert "Log out" in page
    assert 'href="/posts/1/edit"' in page


def test_front_page_for_another_user(client: FlaskClient, log_in: LogIn) -> None:
    log_in("grace")
    assert 'href="/posts/1/edit"' not in client.get("/").text


def test_front_page_escapes_what_users_write(
    client: FlaskClient, log_in: LogIn
) -> None:
    log_in()
    client.post("/posts/new", data={"title": "<script>x</script>", "body": "a & b"})
    page = client.get("/").text
    assert "&lt;script&gt;x&lt;/script&gt;" in page
    assert "a &amp; b" in page


def test_front_page_in_pages(app: Jigger, client: FlaskClient) -> None:
    app.config["POSTS_PER_PAGE"] = 2
    with app.app_context():
        db = get_db()
        with db:
            for n in range(1, 4):
                db.execute(
                    "INSERT INTO posts (author_id, title, created_at) VALUES (2, ?, ?)",
                    (f"Post {n}", f"2026-01-0{n} 12:00:00"),
                )
    first = client.get("/").text
    assert "Post 3" in first
    assert "Post 2" in first
    assert "Post 1" not in first
    assert 'href="/?page=2"' in first
    assert "Newer" not in first
    second = client.get("/?page=2").text
    assert "Post 1" in second
    assert "Notes on the engine" in second
    assert 'href="/?page=1"' in second
    assert "Older" not in second


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/posts/new"),
        ("POST", "/posts/new"),
        ("GET", "/posts/1/edit"),
        ("POST", "/posts/1/edit"),
        ("POST", "/posts/1/delete"),
    ],
)
def test_writing_needs_a_login(client: FlaskClient, method: str, path: str) -> None:
    response = client.open(path, method=method)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")


def test_create(app: Jigger, client: FlaskClient, log_in: LogIn) -> None:
    log_in("grace")
    assert client.get("/posts/new").status_code == 200
    response = client.post(
        "/posts/new",
        data={"title": "  First bug  ", "body": "A moth, in relay 70."},
        follow_redirects=True,
    )
    assert response.request.path == "/"
    assert "Published &#39;First bug&#39;." in response.text
    with app.app_context():
        post = get_db().execute("SELECT * FROM posts WHERE id = 2").fetchone()
    assert (post["author_id"], post["title"]) == (2, "First bug")
    assert post["updated_at"] is None


@pytest.mark.parametrize(
    ("title", "message"),
    [("", "A post needs a title."), ("x" * 201, "under 200 characters")],
)
def test_create_refuses_a_bad_title(
    app: Jigger, client: FlaskClient, log_in: LogIn, title: str, message: str
) -> None:
    log_in()
    response = client.post("/posts/new", data={"title": title, "body": "kept"})
    assert response.status_code == 200
    assert message in response.text
    assert ">kept</textarea>" in response.text
    assert count_posts(app) == 1


def test_update(app: Jigger, client: FlaskClient, log_in: LogIn) -> None:
    log_in()
    form = client.get("/posts/1/edit").text
    assert 'value="Notes on the engine"' in form
    client.post("/posts/1/edit", data={"title": "Notes, revised", "body": "New."})
    with app.app_context():
        post = get_db().execute("SELECT * FROM posts WHERE id = 1").fetchone()
    assert (post["title"], post["body"]) == ("Notes, revised", "New.")
    assert post["updated_at"] is not None
    assert "(edited)" in client.get("/").text


def test_update_refuses_an_empty_title(
    app: Jigger, client: FlaskClient, log_in: LogIn
) -> None:
    log_in()
    response = client.post("/posts/1/edit", data={"title": " ", "body": "x"})
    assert "A post needs a title." in response.text
    with app.app_context():
        title = get_db().execute("SELECT title FROM posts").fetchone()[0]
    assert title == "Notes on the engine"


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/posts/1/edit"), ("POST", "/posts/1/edit"), ("POST", "/posts/1/delete")],
)
def test_only_the_author_may_change_a_post(
    app: Jigger, client: FlaskClient, log_in: LogIn, method: str, path: str
) -> None:
    log_in("grace")
    response = client.open(path, method=method, data={"title": "mine now"})
    assert response.status_code == 403
    assert "Only the author of a post may change it." in response.text
    with app.app_context():
        title = get_db().execute("SELECT title FROM posts").fetchone()[0]
    assert title == "Notes on the engine"


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/posts/7/edit"), ("POST", "/posts/7/delete")]
)
def test_a_missing_post_is_404(
    client: FlaskClient, log_in: LogIn, method: str, path: str
) -> None:
    log_in()
    response = client.open(path, method=method)
    assert response.status_code == 404
    assert "There is no post number 7." in response.text


def test_delete(app: Jigger, client: FlaskClient, log_in: LogIn) -> None:
    log_in()
    response = client.post("/posts/1/delete", follow_redirects=True)
    assert "Deleted &#39;Notes on the engine&#39;." in response.text
    assert count_posts(app) == 0
    assert "Nothing written yet." in response.text


def test_delete_is_not_a_get(client: FlaskClient, log_in: LogIn) -> None:
    log_in()
    assert client.get("/posts/1/delete").status_code == 405

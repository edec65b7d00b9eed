"""Posts: the front page, and writing, editing and deleting your own posts.

These views are written in jigger's explicit style: a view that declares a
parameter annotated with :class:`jigger.Request` receives the request as an
argument instead of reading the ``request`` global. Both styles can live in
one application; :mod:`blog.auth` uses the global.
"""

from __future__ import annotations

import sqlite3
import typing as t

from jigger import (
    Blueprint,
    Request,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    url_for,
)

from .auth import login_required
from .db import get_db

bp = Blueprint("posts", __name__)


@bp.get("/")
def index(req: Request) -> str:
    """The newest posts first, a page at a time (``?page=2``)."""
    per_page: int = current_app.config["POSTS_PER_PAGE"]
    page = max(req.args.get("page", 1, type=int) or 1, 1)
    rows = (
        get_db()
        .execute(
            "SELECT p.id, p.title, p.body, p.created_at, p.updated_at,"
            " p.author_id, u.username AS author"
            " FROM posts p JOIN users u ON u.id = p.author_id"
            " ORDER BY p.created_at DESC, p.id DESC LIMIT ? OFFSET ?",
            # one row more than a page tells whether an older page exists
            (per_page + 1, (page - 1) * per_page),
        )
        .fetchall()
    )
    return render_template(
        "posts/index.html",
        posts=rows[:per_page],
        page=page,
        has_older=len(rows) > per_page,
    )


def get_post(post_id: int, *, check_author: bool = True) -> sqlite3.Row:
    """The post ``post_id`` with its author's name.

    Stops the request with 404 if there is no such post, and with 403 if
    ``check_author`` is true and the logged-in user did not write it.
    """
    post: sqlite3.Row | None = (
        get_db()
        .execute(
            "SELECT p.*, u.username AS author"
            " FROM posts p JOIN users u ON u.id = p.author_id WHERE p.id = ?",
            (post_id,),
        )
        .fetchone()
    )
    if post is None:
        abort(404, f"There is no post number {post_id}.")
    if check_author and post["author_id"] != g.user["id"]:
        abort(403, "Only the author of a post may change it.")
    return post


def read_post_form(req: Request) -> tuple[str, str, str | None]:
    """The title and body sent, and what is wrong with them (or ``None``)."""
    title = req.form.get("title", "").strip()
    body = req.form.get("body", "").strip()
    if not title:
        return title, body, "A post needs a title."
    if len(title) > 200:
        return title, body, "Keep the title under 200 characters."
    return title, body, None


@bp.route("/posts/new", methods=["GET", "POST"])
@login_required
def create(req: Request) -> t.Any:
    """Write a new post."""
    if req.method == "POST":
        title, body, problem = read_post_form(req)
        if problem is None:
            db = get_db()
            with db:
                db.execute(
                    "INSERT INTO posts (author_id, title, body) VALUES (?, ?, ?)",
                    (g.user["id"], title, body),
                )
            flash(f"Published {title!r}.", "ok")
            return redirect(url_for("posts.index"))
        flash(problem, "error")
    return render_template("posts/create.html")


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def update(req: Request, post_id: int) -> t.Any:
    """Change the title or body of one of your posts."""
    post = get_post(post_id)
    if req.method == "POST":
        title, body, problem = read_post_form(req)
        if problem is None:
            db = get_db()
            with db:
                db.execute(
                    "UPDATE posts SET title = ?, body = ?,"
                    " updated_at = CURRENT_TIMESTAMP WHERE id = ?",
                    (title, body, post_id),
                )
            flash(f"Saved {title!r}.", "ok")
            return redirect(url_for("posts.index"))
        flash(problem, "error")
    return render_template("posts/update.html", post=post)


@bp.post("/posts/<int:post_id>/delete")
@login_required
def delete(post_id: int) -> t.Any:
    """Delete one of your posts (a POST from the edit page's button)."""
    post = get_post(post_id)
    db = get_db()
    with db:
        db.execute("DELETE FROM posts WHERE id = ?", (post_id,))
    flash(f"Deleted {post['title']!r}.", "ok")
    return redirect(url_for("posts.index"))

"""Accounts: register, log in, log out, and who is asking.

The session holds one thing, the logged-in user's id. Before every request
:func:`load_logged_in_user` turns it into ``g.user`` (a row of the ``users``
table, or ``None``), and :func:`login_required` guards the views that need
someone logged in.
"""

from __future__ import annotations

import functools
import re
import sqlite3
import typing as t
from urllib.parse import urlsplit

from werkzeug.security import check_password_hash, generate_password_hash

from jigger import (
    Blueprint,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from .db import get_db

bp = Blueprint("auth", __name__, url_prefix="/auth")

USERNAME = re.compile(r"[A-Za-z0-9_]{3,30}")
MIN_PASSWORD_LENGTH = 8

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def check_new_account(username: str, password: str) -> list[str]:
    """What is wrong with a registration form; an empty list when nothing is."""
    problems = []
    if not USERNAME.fullmatch(username):
        problems.append("A username has 3 to 30 letters, digits or underscores.")
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")
    return problems


@bp.route("/register", methods=["GET", "POST"])
def register() -> t.Any:
    """Show the registration form; on a valid POST create the account."""
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        problems = check_new_account(username, password)
        if not problems:
            db = get_db()
            try:
                with db:  # one transaction: committed, or rolled back on error
                    db.execute(
                        "INSERT INTO users (username, password_hash) VALUES (?, ?)",
                        (username, generate_password_hash(password)),
                    )
            except sqlite3.IntegrityError:
                problems.append(f"The name {username!r} is taken; try another.")
            else:
                flash(f"Welcome aboard, {username}! Log in to start writing.", "ok")
                return redirect(url_for("auth.login"))
        for problem in problems:
            flash(problem, "error")
    return render_template("auth/register.html")


def is_local_path(target: str) -> bool:
    """Whether ``target`` is a path on this site, safe to redirect to.

    >>> is_local_path("/posts/new"), is_local_path("https://evil.test/")
    (True, False)
    >>> is_local_path("//evil.test/"), is_local_path("/\\\\evil.test")
    (False, False)
    """
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


@bp.route("/login", methods=["GET", "POST"])
def login() -> t.Any:
    """Show the login form; on a good POST remember the user in the session."""
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        user = (
            get_db()
            .execute("SELECT * FROM users WHERE username = ?", (username,))
            .fetchone()
        )
        # One message for both mistakes: do not tell a stranger which
        # usernames exist.
        if user is None or not check_password_hash(user["password_hash"], password):
            flash("That username and password do not match.", "error")
        else:
            # a fresh session on login: nothing from before survives
            session.clear()
            session["user_id"] = user["id"]
            target = request.form.get("next", "")
            if not is_local_path(target):
                target = url_for("posts.index")
            return redirect(target)
    return render_template("auth/login.html")


@bp.post("/logout")
def logout() -> t.Any:
    """Forget the user. A POST, so that a link elsewhere cannot log you out."""
    session.clear()
    flash("You are logged out. See you soon.", "ok")
    return redirect(url_for("posts.index"))


@bp.before_app_request
def load_logged_in_user() -> None:
    """Put the logged-in user's row, or ``None``, on ``g.user``."""
    user_id = session.get("user_id")
    g.user = (
        None
        if user_id is None
        else get_db().execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
    )


def login_required(view: F) -> F:
    """Send visitors who are not logged in to the login page, and back after."""

    @functools.wraps(view)
    def wrapped(*args: t.Any, **kwargs: t.Any) -> t.Any:
        if g.user is None:
            return redirect(url_for("auth.login", next=request.path))
        return view(*args, **kwargs)

    return t.cast(F, wrapped)

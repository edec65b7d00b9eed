"""A blueprint with its own templates and static files."""

from __future__ import annotations

from jigger import Blueprint, render_template

admin = Blueprint(
    "admin", __name__, template_folder="templates", static_folder="static"
)


@admin.get("/")
def home() -> str:
    return render_template("admin/home.html")


@admin.get("/shadowed")
def shadowed() -> str:
    return render_template("shadowed.html")

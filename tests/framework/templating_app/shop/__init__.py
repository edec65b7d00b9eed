"""A second blueprint with templates, registered after ``admin``."""

from __future__ import annotations

from jigger import Blueprint, render_template

shop = Blueprint("shop", __name__, template_folder="templates")


@shop.get("/both")
def both() -> str:
    return render_template("in_both_blueprints.html")

"""create_app: one fresh, configured application per call."""

from __future__ import annotations

from pathlib import Path

import pytest
from blog import create_app

from jigger import Jigger


def test_test_config_is_used_as_given(tmp_path: Path) -> None:
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "x.sqlite")})
    assert app.testing
    assert app.config["DATABASE"] == str(tmp_path / "x.sqlite")


def test_each_call_builds_a_new_app(tmp_path: Path) -> None:
    config = {"DATABASE": str(tmp_path / "x.sqlite")}
    first, second = create_app(config), create_app(config)
    assert first is not second
    assert not first.testing


def test_without_test_config_the_instance_folder_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Point the instance folder somewhere we own, then check that it is
    # created, that config.py in it is read, and that the database lives there.
    instance = tmp_path / "instance"
    monkeypatch.setattr(Jigger, "auto_find_instance_path", lambda self: str(instance))
    app = create_app()
    assert instance.is_dir()
    assert app.config["SECRET_KEY"] == "dev"
    assert app.config["DATABASE"] == str(instance / "blog.sqlite")

    (instance / "config.py").write_text("SECRET_KEY = 'from the instance'\n")
    assert create_app().config["SECRET_KEY"] == "from the instance"


def test_routes_of_both_blueprints_are_registered(tmp_path: Path) -> None:
    app = create_app({"DATABASE": str(tmp_path / "x.sqlite")})
    rules = {rule.endpoint: rule.rule for rule in app.url_map.iter_rules()}
    assert rules["posts.index"] == "/"
    assert rules["auth.login"] == "/auth/login"
    assert rules["posts.update"] == "/posts/<int:post_id>/edit"

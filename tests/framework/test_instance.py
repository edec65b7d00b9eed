"""Tests for the instance folder (``instance_path``,
``instance_relative_config``, ``open_instance_resource``) and for
``open_resource``."""

from __future__ import annotations

import os
import sys
import typing as t
from pathlib import Path

import pytest

from jigger import Jigger


@pytest.fixture
def importable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> t.Iterator[t.Callable[[Path, str], None]]:
    """Write a module or package under a folder and make it importable;
    forgotten again after the test."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)

    def make(folder: Path, name: str) -> None:
        if name.endswith("/"):
            package = folder / name.rstrip("/")
            package.mkdir(parents=True)
            (package / "__init__.py").write_text("")
        else:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{name}.py").write_text("")
        if str(folder) not in sys.path:
            sys.path.insert(0, str(folder))

    yield make
    for name in set(sys.modules) - before:
        if name.startswith("tmpinst_"):
            del sys.modules[name]


def test_instance_folder_beside_a_module(
    tmp_path: Path, importable: t.Callable[[Path, str], None]
) -> None:
    importable(tmp_path / "project", "tmpinst_module")
    app = Jigger("tmpinst_module")
    assert app.instance_path == str(tmp_path / "project" / "instance")


def test_instance_folder_beside_a_package(
    tmp_path: Path, importable: t.Callable[[Path, str], None]
) -> None:
    importable(tmp_path / "project", "tmpinst_pkg/")
    app = Jigger("tmpinst_pkg")
    # Beside the package folder, not inside it.
    assert app.instance_path == str(tmp_path / "project" / "instance")


def test_instance_folder_of_a_submodule_is_beside_the_top_package(
    tmp_path: Path, importable: t.Callable[[Path, str], None]
) -> None:
    importable(tmp_path / "project", "tmpinst_top/")
    (tmp_path / "project" / "tmpinst_top" / "views.py").write_text("")
    app = Jigger("tmpinst_top.views")
    assert app.instance_path == str(tmp_path / "project" / "instance")


@pytest.mark.parametrize("layout", ["tmpinst_site_pkg/", "tmpinst_site_mod"])
@pytest.mark.parametrize("site", ["site-packages", "dist-packages"])
def test_instance_folder_of_an_installed_app(
    layout: str,
    site: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    importable: t.Callable[[Path, str], None],
) -> None:
    prefix = tmp_path / "prefix"
    monkeypatch.setattr(sys, "prefix", str(prefix))
    monkeypatch.setattr(sys, "base_prefix", str(prefix))
    importable(prefix / "lib" / "python3.11" / site, layout)
    name = layout.rstrip("/")
    app = Jigger(name)
    assert app.instance_path == str(prefix / "var" / f"{name}-instance")


def test_installed_under_another_prefix_is_not_treated_as_installed(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    importable: t.Callable[[Path, str], None],
) -> None:
    monkeypatch.setattr(sys, "prefix", str(tmp_path / "venv"))
    monkeypatch.setattr(sys, "base_prefix", str(tmp_path / "venv"))
    folder = tmp_path / "elsewhere" / "site-packages"
    importable(folder, "tmpinst_other")
    assert Jigger("tmpinst_other").instance_path == str(folder / "instance")


def test_anything_inside_sys_prefix_counts_as_installed(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    importable: t.Callable[[Path, str], None],
) -> None:
    """A package on a path inside the environment's prefix, not only in its
    site-packages, is installed there (as Flask decides)."""
    prefix = tmp_path / "env"
    monkeypatch.setattr(sys, "prefix", str(prefix))
    importable(prefix / "path", "tmpinst_in_prefix/")
    app = Jigger("tmpinst_in_prefix")
    assert app.instance_path == str(prefix / "var" / "tmpinst_in_prefix-instance")


def test_instance_folder_of_a_namespace_package_part(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each part of a namespace package gets the instance folder beside
    its own project, not beside the first part found."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    for project in ("one", "two"):
        part = tmp_path / project / "tmpinst_ns" / f"part_{project}"
        part.mkdir(parents=True)
        (part / "__init__.py").write_text("")
        sys.path.insert(0, str(tmp_path / project))
    try:
        app = Jigger("tmpinst_ns.part_two")
        assert app.instance_path == str(tmp_path / "two" / "instance")
        app = Jigger("tmpinst_ns.part_one")
        assert app.instance_path == str(tmp_path / "one" / "instance")
    finally:
        for name in [n for n in sys.modules if n.startswith("tmpinst_ns")]:
            del sys.modules[name]


def test_explicit_instance_path(tmp_path: Path) -> None:
    app = Jigger("t", instance_path=str(tmp_path / "inst"))
    assert app.instance_path == str(tmp_path / "inst")


def test_relative_instance_path_is_refused() -> None:
    with pytest.raises(ValueError, match="instance_path must be absolute"):
        Jigger("t", instance_path="instance")


def test_instance_folder_is_not_created() -> None:
    app = Jigger("tmpinst_not_created", root_path="/nonexistent/project")
    assert not os.path.exists(app.instance_path)


def test_instance_relative_config(tmp_path: Path) -> None:
    (tmp_path / "inst").mkdir()
    (tmp_path / "inst" / "settings.cfg").write_text("SECRET_KEY = 'from instance'\n")
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "settings.cfg").write_text("SECRET_KEY = 'from root'\n")

    app = Jigger(
        "t",
        root_path=str(tmp_path / "root"),
        instance_path=str(tmp_path / "inst"),
        instance_relative_config=True,
    )
    assert app.config.from_pyfile("settings.cfg") is True
    assert app.config["SECRET_KEY"] == "from instance"

    default = Jigger(
        "t", root_path=str(tmp_path / "root"), instance_path=str(tmp_path / "inst")
    )
    default.config.from_pyfile("settings.cfg")
    assert default.config["SECRET_KEY"] == "from root"


def test_instance_relative_config_missing_file(tmp_path: Path) -> None:
    app = Jigger("t", instance_path=str(tmp_path), instance_relative_config=True)
    assert app.config.from_pyfile("absent.cfg", silent=True) is False
    with pytest.raises(OSError, match="absent.cfg"):
        app.config.from_pyfile("absent.cfg")


def test_open_instance_resource_writes_and_reads(tmp_path: Path) -> None:
    app = Jigger("t", instance_path=str(tmp_path))
    with app.open_instance_resource("notes.txt", "w") as f:
        f.write("première ligne\n")
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "première ligne\n"
    with app.open_instance_resource("notes.txt", "r") as f:
        assert f.read() == "première ligne\n"
    with app.open_instance_resource("notes.txt") as f:  # binary by default
        assert f.read() == "première ligne\n".encode()
    with app.open_instance_resource("notes.txt", "a") as f:
        f.write("second\n")
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8").endswith("second\n")


def test_open_instance_resource_encoding(tmp_path: Path) -> None:
    app = Jigger("t", instance_path=str(tmp_path))
    (tmp_path / "latin.txt").write_bytes("café".encode("latin-1"))
    with app.open_instance_resource("latin.txt", "r", encoding="latin-1") as f:
        assert f.read() == "café"


def test_open_instance_resource_missing_file(tmp_path: Path) -> None:
    app = Jigger("t", instance_path=str(tmp_path))
    with pytest.raises(FileNotFoundError):
        app.open_instance_resource("absent.txt")


def test_open_resource_reads_relative_to_root(tmp_path: Path) -> None:
    (tmp_path / "schema.sql").write_text("CREATE TABLE post (id INTEGER);\n")
    app = Jigger("t", root_path=str(tmp_path))
    with app.open_resource("schema.sql") as f:
        assert f.read() == b"CREATE TABLE post (id INTEGER);\n"
    with app.open_resource("schema.sql", "r") as f:
        assert f.read().startswith("CREATE TABLE")


@pytest.mark.parametrize("mode", ["w", "wb", "a", "r+", "x"])
def test_open_resource_refuses_writing(tmp_path: Path, mode: str) -> None:
    (tmp_path / "schema.sql").write_text("keep me")
    app = Jigger("t", root_path=str(tmp_path))
    with pytest.raises(ValueError) as info:
        app.open_resource("schema.sql", mode)
    assert "reading only" in str(info.value)
    assert repr(mode) in str(info.value)
    assert (tmp_path / "schema.sql").read_text() == "keep me"


def test_blueprint_open_resource(tmp_path: Path) -> None:
    from jigger import Blueprint

    (tmp_path / "data.txt").write_text("bp data")
    bp = Blueprint("bp", __name__, root_path=str(tmp_path))
    with bp.open_resource("data.txt", "rt") as f:
        assert f.read() == "bp data"

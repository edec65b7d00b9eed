"""Tests for jigger.config: Config loaders and ConfigAttribute."""

from __future__ import annotations

import json
import os
import sys
import textwrap
import tomllib
import traceback
import typing as t
from datetime import timedelta
from pathlib import Path

import pytest
from werkzeug.utils import ImportStringError

from jigger import Jigger
from jigger.config import Config, ConfigAttribute


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# -- construction and repr ---------------------------------------------------


def test_config_is_a_dict_with_defaults(tmp_path: Path) -> None:
    config = Config(tmp_path, {"DEBUG": False})
    assert isinstance(config, dict)
    assert config == {"DEBUG": False}
    assert config.root_path == tmp_path


def test_defaults_are_copied_not_shared(tmp_path: Path) -> None:
    defaults = {"A": 1}
    config = Config(tmp_path, defaults)
    config["B"] = 2
    assert defaults == {"A": 1}


def test_repr_names_class_and_content() -> None:
    config = Config(".", {"A": 1})
    assert repr(config) == "<Config {'A': 1}>"

    class MyConfig(Config):
        pass

    assert repr(MyConfig(".")) == "<MyConfig {}>"


# -- from_pyfile -------------------------------------------------------------


def test_from_pyfile_loads_only_uppercase(tmp_path: Path) -> None:
    write(
        tmp_path / "settings.py",
        """
        import os
        SECRET_KEY = "s3cret"
        DEBUG = True
        lower = "ignored"
        Mixed = "ignored"
        PORT = 4000 + 1
        """,
    )
    config = Config(tmp_path)
    assert config.from_pyfile("settings.py") is True
    assert config == {"SECRET_KEY": "s3cret", "DEBUG": True, "PORT": 4001}


def test_from_pyfile_file_knows_its_own_path(tmp_path: Path) -> None:
    write(tmp_path / "settings.py", "HERE = __file__\n")
    config = Config(tmp_path)
    config.from_pyfile("settings.py")
    assert config["HERE"] == os.path.join(tmp_path, "settings.py")


def test_from_pyfile_accepts_absolute_path(tmp_path: Path) -> None:
    path = write(tmp_path / "abs.py", "X = 1\n")
    config = Config("/nonexistent-root")
    assert config.from_pyfile(path) is True
    assert config["X"] == 1


def test_from_pyfile_missing_names_full_path_and_reason(tmp_path: Path) -> None:
    config = Config(tmp_path)
    with pytest.raises(FileNotFoundError) as info:
        config.from_pyfile("missing.py")
    message = str(info.value)
    assert os.path.join(tmp_path, "missing.py") in message
    assert "Unable to load configuration file (No such file or directory)" in message


def test_from_pyfile_missing_silent_returns_false(tmp_path: Path) -> None:
    config = Config(tmp_path, {"A": 1})
    assert config.from_pyfile("missing.py", silent=True) is False
    assert config.from_pyfile(".", silent=True) is False  # a directory
    assert config == {"A": 1}


def test_from_pyfile_directory_is_an_error_unless_silent(tmp_path: Path) -> None:
    config = Config(tmp_path)
    with pytest.raises(IsADirectoryError, match="Unable to load configuration"):
        config.from_pyfile(".")


def test_from_pyfile_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    write(tmp_path / "broken.py", "A = 1\nB = (\nC = 3 +\n")
    config = Config(tmp_path)
    with pytest.raises(SyntaxError) as info:
        config.from_pyfile("broken.py")
    assert info.value.filename == os.path.join(tmp_path, "broken.py")
    assert info.value.lineno == 2
    shown = "".join(traceback.format_exception_only(info.value))
    assert f'File "{os.path.join(tmp_path, "broken.py")}", line 2' in shown
    assert config == {}, "nothing is loaded from a file that does not compile"


def test_from_pyfile_runtime_error_traceback_points_into_file(tmp_path: Path) -> None:
    write(tmp_path / "raises.py", "A = 1\nB = 1 / 0\n")
    config = Config(tmp_path)
    with pytest.raises(ZeroDivisionError) as info:
        config.from_pyfile("raises.py")
    last = info.traceback[-1]
    assert str(last.path) == os.path.join(tmp_path, "raises.py")
    assert last.lineno + 1 == 2  # pytest's lineno is 0-based


# -- from_envvar -------------------------------------------------------------


def test_from_envvar_loads_named_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "env.py", "FROM_ENV = 'yes'\n")
    monkeypatch.setenv("JIGGER_TEST_SETTINGS", str(path))
    config = Config("/elsewhere")
    assert config.from_envvar("JIGGER_TEST_SETTINGS") is True
    assert config["FROM_ENV"] == "yes"


def test_from_envvar_unset_raises_with_variable_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("JIGGER_TEST_SETTINGS", raising=False)
    config = Config(".")
    with pytest.raises(RuntimeError, match="'JIGGER_TEST_SETTINGS' is not set"):
        config.from_envvar("JIGGER_TEST_SETTINGS")
    assert config.from_envvar("JIGGER_TEST_SETTINGS", silent=True) is False


def test_from_envvar_missing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JIGGER_TEST_SETTINGS", str(tmp_path / "gone.py"))
    config = Config(".")
    with pytest.raises(FileNotFoundError, match=r"gone\.py"):
        config.from_envvar("JIGGER_TEST_SETTINGS")
    assert config.from_envvar("JIGGER_TEST_SETTINGS", silent=True) is False


# -- from_prefixed_env -------------------------------------------------------


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.startswith(("JIGGER_", "FLASK_", "MYAPP_")):
            monkeypatch.delenv(name)
    return monkeypatch


def test_from_prefixed_env_parses_json_values(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("JIGGER_STRING", "plain text")
    clean_env.setenv("JIGGER_INT", "42")
    clean_env.setenv("JIGGER_FLOAT", "1.5")
    clean_env.setenv("JIGGER_BOOL", "true")
    clean_env.setenv("JIGGER_LIST", "[1, 2]")
    clean_env.setenv("JIGGER_DICT", '{"k": "v"}')
    clean_env.setenv("JIGGER_NULL", "null")
    clean_env.setenv("JIGGER_QUOTED", '"42"')
    clean_env.setenv("OTHER_IGNORED", "1")
    clean_env.setenv("JIGGERNOUNDERSCORE", "1")
    config = Config(".")
    assert config.from_prefixed_env() is True
    assert config == {
        "STRING": "plain text",
        "INT": 42,
        "FLOAT": 1.5,
        "BOOL": True,
        "LIST": [1, 2],
        "DICT": {"k": "v"},
        "NULL": None,
        "QUOTED": "42",
    }


def test_from_prefixed_env_custom_prefix_and_loads(
    clean_env: pytest.MonkeyPatch,
) -> None:
    clean_env.setenv("MYAPP_NAME", "x")
    clean_env.setenv("JIGGER_NAME", "y")
    config = Config(".")
    config.from_prefixed_env("MYAPP", loads=str.upper)
    assert config == {"NAME": "X"}


def test_from_prefixed_env_reads_flask_variables(
    clean_env: pytest.MonkeyPatch,
) -> None:
    clean_env.setenv("FLASK_SECRET_KEY", "from-flask")
    config = Config(".")
    config.from_prefixed_env(prefix="FLASK")
    assert config["SECRET_KEY"] == "from-flask"


def test_from_prefixed_env_nested_keys(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("JIGGER_DB__HOST", "localhost")
    clean_env.setenv("JIGGER_DB__PORT", "5432")
    clean_env.setenv("JIGGER_CACHE__REDIS__URL", "redis://")
    config = Config(".", {"DB": {"NAME": "app", "PORT": 1}})
    config.from_prefixed_env()
    assert config == {
        "DB": {"NAME": "app", "HOST": "localhost", "PORT": 5432},
        "CACHE": {"REDIS": {"URL": "redis://"}},
    }


def test_from_prefixed_env_nested_into_non_dict_names_variable(
    clean_env: pytest.MonkeyPatch,
) -> None:
    clean_env.setenv("JIGGER_DB__HOST", "localhost")
    config = Config(".", {"DB": "sqlite://"})
    with pytest.raises(TypeError, match=r"'JIGGER_DB__HOST'.*'DB'.*str"):
        config.from_prefixed_env()


def test_from_prefixed_env_loader_errors_keep_raw_string(
    clean_env: pytest.MonkeyPatch,
) -> None:
    def picky(value: str) -> object:
        raise ValueError(value)

    clean_env.setenv("JIGGER_X", "raw")
    config = Config(".")
    config.from_prefixed_env(loads=picky)
    assert config == {"X": "raw"}


# -- from_object -------------------------------------------------------------


class BaseSettings:
    DEBUG = False
    DATABASE = "sqlite://"
    helper = "ignored"


class DevSettings(BaseSettings):
    DEBUG = True


def test_from_object_class_inheritance() -> None:
    config = Config(".")
    config.from_object(DevSettings)
    assert config == {"DEBUG": True, "DATABASE": "sqlite://"}


def test_from_object_instance() -> None:
    class Settings:
        def __init__(self) -> None:
            self.TOKEN = "abc"

    config = Config(".")
    config.from_object(Settings())
    assert config == {"TOKEN": "abc"}


def test_from_object_import_string(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "jigger_cfg_mod.py", "NAME = 'module'\nclass Prod:\n    X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "jigger_cfg_mod", raising=False)
    config = Config(".")
    config.from_object("jigger_cfg_mod")
    config.from_object("jigger_cfg_mod:Prod")
    assert config == {"NAME": "module", "X": 1}
    config.from_object(f"{__name__}.DevSettings")
    assert config["DEBUG"] is True


def test_from_object_bad_import_string_says_what_failed() -> None:
    config = Config(".")
    with pytest.raises(ImportStringError, match="no_such_module_for_jigger"):
        config.from_object("no_such_module_for_jigger.settings")


# -- from_file ---------------------------------------------------------------


def test_from_file_json(tmp_path: Path) -> None:
    write(tmp_path / "c.json", '{"SECRET_KEY": "k", "lower": 1, "N": [1, 2]}')
    config = Config(tmp_path)
    assert config.from_file("c.json", load=json.load) is True
    assert config == {"SECRET_KEY": "k", "N": [1, 2]}


def test_from_file_toml_binary(tmp_path: Path) -> None:
    write(tmp_path / "c.toml", 'TITLE = "café"\n[DB]\nHOST = "h"\n')
    config = Config(tmp_path)
    assert config.from_file("c.toml", load=tomllib.load, text=False) is True
    assert config == {"TITLE": "café", "DB": {"HOST": "h"}}


def test_from_file_text_mode_hands_text(tmp_path: Path) -> None:
    write(tmp_path / "c.txt", "ignored")
    seen: list[object] = []

    def load(fp: t.IO[t.Any]) -> dict[str, t.Any]:
        seen.append(fp.read())
        return {"OK": True}

    Config(tmp_path).from_file("c.txt", load=load)
    Config(tmp_path).from_file("c.txt", load=load, text=False)
    assert seen == ["ignored", b"ignored"]


def test_from_file_missing(tmp_path: Path) -> None:
    config = Config(tmp_path)
    with pytest.raises(FileNotFoundError) as info:
        config.from_file("nope.json", load=json.load)
    assert os.path.join(tmp_path, "nope.json") in str(info.value)
    assert "Unable to load configuration file" in str(info.value)
    assert config.from_file("nope.json", load=json.load, silent=True) is False


def test_from_file_bad_content_propagates_loader_error(tmp_path: Path) -> None:
    write(tmp_path / "bad.json", '{"A": ')
    with pytest.raises(json.JSONDecodeError):
        Config(tmp_path).from_file("bad.json", load=json.load)


# -- from_mapping ------------------------------------------------------------


def test_from_mapping_mapping_and_kwargs() -> None:
    config = Config(".")
    assert config.from_mapping({"A": 1, "b": 2, "C": 3}, C=4, D=5, e=6) is True
    assert config == {"A": 1, "C": 4, "D": 5}


def test_from_mapping_takes_key_value_pairs_too() -> None:
    # As dict() and Flask do; Flask's own suite passes a list of pairs.
    config = Config(".")
    pairs: t.Any = [("SECRET_KEY", "config"), ("skip", 1)]
    assert config.from_mapping(pairs, DEBUG=True) is True
    assert config == {"SECRET_KEY": "config", "DEBUG": True}


def test_from_mapping_nothing() -> None:
    config = Config(".", {"A": 1})
    assert config.from_mapping() is True
    assert config == {"A": 1}


# -- get_namespace -----------------------------------------------------------


def test_get_namespace_variants() -> None:
    config = Config(".")
    config.from_mapping(
        IMAGE_STORE_TYPE="fs", IMAGE_STORE_PATH="/img", IMAGE_SIZE=10, OTHER=1
    )
    assert config.get_namespace("IMAGE_STORE_") == {"type": "fs", "path": "/img"}
    assert config.get_namespace("IMAGE_STORE_", lowercase=False) == {
        "TYPE": "fs",
        "PATH": "/img",
    }
    assert config.get_namespace("IMAGE_STORE_", trim_namespace=False) == {
        "image_store_type": "fs",
        "image_store_path": "/img",
    }
    assert config.get_namespace("MISSING_") == {}


def test_get_namespace_returns_a_copy() -> None:
    config = Config(".", {"X_A": 1})
    config.get_namespace("X_")["a"] = 2
    assert config == {"X_A": 1}


# -- ConfigAttribute ---------------------------------------------------------


class App:
    testing = ConfigAttribute[bool]("TESTING")
    lifetime = ConfigAttribute[timedelta](
        "LIFETIME",
        get_converter=lambda v: v if isinstance(v, timedelta) else timedelta(seconds=v),
    )

    def __init__(self) -> None:
        self.config = Config(".", {"TESTING": False, "LIFETIME": 60})


def test_config_attribute_reads_and_writes_config() -> None:
    app = App()
    t.assert_type(app.testing, bool)  # checked by mypy on this file
    t.assert_type(App.testing, ConfigAttribute[bool])
    assert app.testing is False
    app.testing = True
    assert app.config["TESTING"] is True
    app.config["TESTING"] = False
    assert app.testing is False


def test_config_attribute_converter_applies_on_read() -> None:
    app = App()
    t.assert_type(app.lifetime, timedelta)
    assert app.lifetime == timedelta(seconds=60)
    app.lifetime = 5
    assert app.config["LIFETIME"] == 5, "the raw value is stored"
    assert app.lifetime == timedelta(seconds=5)


def test_config_attribute_on_class_is_descriptor() -> None:
    attribute = App.testing
    assert isinstance(attribute, ConfigAttribute)
    assert attribute.__name__ == "TESTING"
    assert repr(attribute) == "<ConfigAttribute 'TESTING'>"


def test_config_attribute_missing_key_is_key_error() -> None:
    app = App()
    del app.config["TESTING"]
    with pytest.raises(KeyError, match="TESTING"):
        _ = app.testing


# -- on a real application ---------------------------------------------------


def test_app_config_reads_files_relative_to_app_root(tmp_path: Path) -> None:
    write(tmp_path / "settings.py", "SECRET_KEY = 'from-file'\n")
    app = Jigger("config_app", root_path=str(tmp_path))
    assert isinstance(app.config, Config)
    assert app.config.from_pyfile("settings.py") is True
    assert app.secret_key == "from-file"


def test_app_instance_relative_config(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    write(instance / "local.py", "GREETING = 'hello from instance'\n")
    app = Jigger(
        "config_app",
        root_path=str(tmp_path),
        instance_path=str(instance),
        instance_relative_config=True,
    )
    app.config.from_pyfile("local.py")
    assert app.config["GREETING"] == "hello from instance"


def test_app_config_attributes(clean_env: pytest.MonkeyPatch) -> None:
    app = Jigger("config_app")
    t.assert_type(app.testing, bool)
    assert app.testing is False
    clean_env.setenv("JIGGER_TESTING", "true")
    clean_env.setenv("JIGGER_PERMANENT_SESSION_LIFETIME", "3600")
    app.config.from_prefixed_env()
    assert app.testing is True
    assert app.permanent_session_lifetime == timedelta(hours=1)

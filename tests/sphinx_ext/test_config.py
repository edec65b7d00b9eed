"""The jigger_* configuration values are checked when the config is read."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sphinx.errors import ConfigError
from sphinx.testing.util import SphinxTestApp


def _make(
    make_app: Callable[..., SphinxTestApp], srcdir: Path, **overrides: Any
) -> SphinxTestApp:
    return make_app(
        "jigger-check",
        srcdir=srcdir,
        builddir=srcdir.parent / "_build",
        confoverrides=overrides,
    )


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("jigger_example_timeout", 0, "a number of seconds greater than 0"),
        ("jigger_example_timeout", [10], "a number of seconds greater than 0"),
        ("jigger_setup", 3, "a string"),
        ("jigger_watch", 5, "a list of strings"),
        ("jigger_watch", ["ok", 2], "item 2 is not one"),
        ("jigger_app_name", "my app", "a Python identifier"),
        ("jigger_doctest_flags", ["ELIPSIS"], "'ELIPSIS' is not one of"),
        ("jigger_max_output", -1, "a whole number greater than 0"),
        ("jigger_example_memory", -1, "a whole number greater than 0"),
        ("jigger_example_memory", True, "a whole number greater than 0"),
        ("jigger_fail_on_error", 2, "True or False"),
        ("jigger_run_examples", 1, "True or False"),
        ("jigger_example_fork", 3, "True or False"),
    ],
)
def test_bad_value_is_named_with_what_was_expected(
    make_app: Callable[..., SphinxTestApp],
    copy_root: Callable[[str], Path],
    name: str,
    value: object,
    expected: str,
) -> None:
    srcdir = copy_root("ex-incremental")
    with pytest.raises(ConfigError) as excinfo:
        _make(make_app, srcdir, **{name: value})
    message = str(excinfo.value)
    assert message.startswith(f"{name} = {value!r}")
    assert expected in message


def test_setup_code_must_compile(
    make_app: Callable[..., SphinxTestApp], copy_root: Callable[[str], Path]
) -> None:
    with pytest.raises(ConfigError, match="jigger_setup is not valid Python"):
        _make(make_app, copy_root("ex-incremental"), jigger_setup="import (")


def test_good_values_are_normalised(
    make_app: Callable[..., SphinxTestApp], copy_root: Callable[[str], Path]
) -> None:
    app = _make(
        make_app,
        copy_root("ex-incremental"),
        jigger_example_timeout=2,
        jigger_doctest_flags=["+ELLIPSIS"],
    )
    assert app.config.jigger_example_timeout == 2.0
    assert isinstance(app.config.jigger_example_timeout, float)
    assert app.config.jigger_app_name == "app"
    assert app.config.jigger_example_memory == 2 * 1024**3


def test_a_memory_limit_of_zero_means_none(
    make_app: Callable[..., SphinxTestApp], copy_root: Callable[[str], Path]
) -> None:
    app = _make(make_app, copy_root("ex-incremental"), jigger_example_memory=0)
    assert app.config.jigger_example_memory == 0


def test_missing_watched_path_is_a_warning(
    make_app: Callable[..., SphinxTestApp],
    copy_root: Callable[[str], Path],
    warnings_of: Callable[[str, Path], list[tuple[str, str]]],
) -> None:
    app = _make(make_app, copy_root("ex-incremental"), jigger_watch=["nope.py"])
    app.build()
    found = warnings_of(app.warning.getvalue(), app.srcdir)
    assert found == []  # a config problem has no file:line
    assert "jigger_watch: nope.py does not exist" in app.warning.getvalue()

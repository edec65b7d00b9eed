"""The ``jigger_*`` configuration values of the examples checker.

Every value is registered with a type and checked when the configuration is
read (event ``config-inited``); a wrong value stops the build with a message
that names the value, what it holds and what was expected.

============================= ============ ========= ===================================
name                          type         default   meaning
============================= ============ ========= ===================================
``jigger_example_timeout``    float        ``10``    seconds one example may run
``jigger_setup``              str          ``""``    code run first in every namespace
``jigger_watch``              list of str  ``[]``    paths (relative to the conf dir) of
                                                     data files the examples read
                                                     (Python code is tracked by itself)
``jigger_example_memory``     int          2 GiB     bytes of address space a
                                                     document's process may use
                                                     (``0``: no limit)
``jigger_example_fork``       bool         ``True``  fork each document's process from a
                                                     warm worker (``False``: start a
                                                     fresh interpreter per document)
``jigger_app_name``           str          ``app``   the name of the WSGI app that
                                                     ``http`` blocks are sent to
``jigger_doctest_flags``      list of str  ``[]``    doctest flags for every example of
                                                     the document's own namespace, e.g.
                                                     ``["ELLIPSIS"]``
``jigger_max_output``         int          10**6     characters of output an example may
                                                     print before it fails
``jigger_fail_on_error``      bool         ``True``  a failed example makes the build's
                                                     exit status non-zero (``False``:
                                                     only warn)
``jigger_run_examples``       bool         ``True``  ``False`` collects examples without
                                                     running them
``jigger_example_kinds``      list of str  (auto)    which kinds of block run, out of
                                                     :data:`EXAMPLE_KINDS`
``jigger_example_builders``   list of str  (html)    the builders whose builds run the
                                                     examples
============================= ============ ========= ===================================

**What runs by default.** In a project that loads ``sphinx.ext.doctest``,
``jigger_example_kinds`` defaults to ``["doctest"]``: the HTML build runs what
``sphinx-build -b doctest`` runs, with that extension's groups, flags and
global setup, and nothing else; the summary line counts the other blocks it
left unchecked and names this setting. In a project without it, every kind
runs (the project added ``jigger_sphinx`` to have its examples checked).
``jigger_example_builders`` defaults to the HTML builders and
``jigger-check``: ``latex``, ``text``, ``linkcheck`` or ``doctest`` builds do
not run the examples.

>>> check_float("jigger_example_timeout", 2)
2.0
>>> check_flags("jigger_doctest_flags", ["ELLIPSIS", "+NORMALIZE_WHITESPACE"])
(('ELLIPSIS', True), ('NORMALIZE_WHITESPACE', True))
"""

from __future__ import annotations

import doctest
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from sphinx.errors import ConfigError

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.config import Config

__all__ = [
    "DEFAULT_BUILDERS",
    "DOCTEST_DEFAULT_FLAGS",
    "EXAMPLE_KINDS",
    "check_bool",
    "check_flags",
    "check_float",
    "check_int",
    "check_str",
    "check_str_list",
    "doctest_blocks_group",
    "doctest_flags",
    "doctest_loaded",
    "parse_flag",
    "setup",
    "validate_config",
]


EXAMPLE_KINDS = ("doctest", "pycon", "python", "http")
"""The kinds of block ``jigger_example_kinds`` switches on:

``doctest``
    ``sphinx.ext.doctest``'s directives, and reST doctest blocks when its
    ``doctest_test_doctest_blocks`` names a group;
``pycon``
    ``pycon`` blocks, ``python`` blocks that start with ``>>>``, and reST
    doctest blocks when ``sphinx.ext.doctest`` does not run them;
``python``
    ``python`` blocks (with a following ``output`` block, its output);
``http``
    ``http`` blocks.
"""
DEFAULT_BUILDERS = ("html", "dirhtml", "singlehtml", "jigger-check")
"""The builders whose builds run the examples unless
``jigger_example_builders`` says otherwise."""

DOCTEST_DEFAULT_FLAGS = (
    doctest.ELLIPSIS | doctest.IGNORE_EXCEPTION_DETAIL | doctest.DONT_ACCEPT_TRUE_FOR_1
)
"""``sphinx.ext.doctest``'s default for ``doctest_default_flags``."""


def doctest_loaded(config: Config) -> bool:
    """Whether the project loads ``sphinx.ext.doctest``."""
    return "sphinx.ext.doctest" in config.extensions


def doctest_flags(config: Config) -> int:
    """The option flags of ``sphinx.ext.doctest`` blocks: the project's
    ``doctest_default_flags``, else that extension's default."""
    value = getattr(config, "doctest_default_flags", DOCTEST_DEFAULT_FLAGS)
    return value if isinstance(value, int) else DOCTEST_DEFAULT_FLAGS


def doctest_blocks_group(config: Config) -> str | None:
    """The group ``sphinx.ext.doctest`` puts reST doctest blocks in
    (``doctest_test_doctest_blocks``); ``None`` when it does not run them."""
    if not doctest_loaded(config):
        return None
    value = getattr(config, "doctest_test_doctest_blocks", "default")
    return value if isinstance(value, str) and value else None


def _bad(name: str, value: object, expected: str) -> ConfigError:
    return ConfigError(
        f"{name} = {value!r} ({type(value).__name__}) is not valid: expected {expected}"
    )


def check_float(name: str, value: object, *, positive: bool = True) -> float:
    """Return ``value`` as a float or raise :class:`~sphinx.errors.ConfigError`.

    >>> check_float("jigger_example_timeout", 0)
    Traceback (most recent call last):
    ...
    sphinx.errors.ConfigError: jigger_example_timeout = 0 (int) is not valid: \
expected a number of seconds greater than 0
    """
    expected = "a number of seconds greater than 0" if positive else "a number"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(name, value, expected)
    number = float(value)
    if math.isnan(number) or (positive and number <= 0):
        raise _bad(name, value, expected)
    return number


def check_int(name: str, value: object) -> int:
    """Return ``value`` if it is a positive int, else raise ``ConfigError``."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise _bad(name, value, "a whole number greater than 0")
    return value


def check_str(name: str, value: object, *, identifier: bool = False) -> str:
    """Return ``value`` if it is a str (a Python identifier when asked)."""
    if not isinstance(value, str):
        raise _bad(name, value, "a string")
    if identifier and not value.isidentifier():
        raise _bad(name, value, "a Python identifier, such as 'app'")
    return value


def check_bool(name: str, value: object) -> bool:
    """Return ``value`` if it is ``True`` or ``False``."""
    if not isinstance(value, bool):
        raise _bad(name, value, "True or False")
    return value


def check_str_list(name: str, value: object) -> tuple[str, ...]:
    """Return ``value`` as a tuple if it is a list or tuple of strings."""
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise _bad(name, value, "a list of strings")
    for item in value:
        if not isinstance(item, str):
            raise _bad(name, value, f"a list of strings (item {item!r} is not one)")
    return tuple(value)


def parse_flag(word: str) -> tuple[str, bool] | None:
    """Parse one doctest option word (``+ELLIPSIS``, ``-ELLIPSIS`` or
    ``ELLIPSIS``); ``None`` when the name is not a doctest flag.

    >>> parse_flag("-IGNORE_EXCEPTION_DETAIL")
    ('IGNORE_EXCEPTION_DETAIL', False)
    >>> parse_flag("+NOPE") is None
    True
    """
    enabled = True
    name = word
    if word[:1] in "+-" and word:
        enabled = word[0] == "+"
        name = word[1:]
    if name not in doctest.OPTIONFLAGS_BY_NAME:
        return None
    return (name, enabled)


def check_flags(name: str, value: object) -> tuple[tuple[str, bool], ...]:
    """Return doctest flag names as ``(name, enabled)`` pairs."""
    words = check_str_list(name, value)
    flags = []
    for word in words:
        flag = parse_flag(word)
        if flag is None:
            known = ", ".join(sorted(doctest.OPTIONFLAGS_BY_NAME))
            raise _bad(
                name, value, f"doctest flag names ({word!r} is not one of {known})"
            )
        flags.append(flag)
    return tuple(flags)


def validate_config(app: Sphinx, config: Config) -> None:
    """Check every ``jigger_*`` example value (connected to ``config-inited``)."""
    config.jigger_example_timeout = check_float(
        "jigger_example_timeout", config.jigger_example_timeout
    )
    check_str("jigger_setup", config.jigger_setup)
    if config.jigger_setup:
        try:
            compile(config.jigger_setup, "<jigger_setup>", "exec")
        except SyntaxError as exc:
            raise ConfigError(
                f"jigger_setup is not valid Python: {exc.msg} (line {exc.lineno})"
            ) from None
    config.jigger_watch = list(check_str_list("jigger_watch", config.jigger_watch))
    check_str("jigger_app_name", config.jigger_app_name, identifier=True)
    check_flags("jigger_doctest_flags", config.jigger_doctest_flags)
    check_int("jigger_max_output", config.jigger_max_output)
    memory = config.jigger_example_memory
    if memory != 0:
        check_int("jigger_example_memory", memory)
    check_bool("jigger_example_fork", config.jigger_example_fork)
    check_bool("jigger_fail_on_error", config.jigger_fail_on_error)
    check_bool("jigger_run_examples", config.jigger_run_examples)
    kinds = config.jigger_example_kinds
    if kinds is None:
        kinds = ["doctest"] if doctest_loaded(config) else list(EXAMPLE_KINDS)
    for kind in check_str_list("jigger_example_kinds", kinds):
        if kind not in EXAMPLE_KINDS:
            raise _bad(
                "jigger_example_kinds",
                kinds,
                f"a list out of {', '.join(map(repr, EXAMPLE_KINDS))} "
                f"({kind!r} is not one)",
            )
    config.jigger_example_kinds = list(kinds)
    config.jigger_example_builders = list(
        check_str_list("jigger_example_builders", config.jigger_example_builders)
    )


def setup(app: Sphinx) -> None:
    """Register the example checker's config values and their validation."""
    # (name, default, what a change re-reads, types)
    values: list[tuple[str, Any, Literal["", "env"], tuple[type, ...]]] = [
        ("jigger_example_timeout", 10.0, "env", (float, int)),
        ("jigger_setup", "", "env", (str,)),
        ("jigger_watch", [], "env", (list, tuple)),
        ("jigger_app_name", "app", "env", (str,)),
        ("jigger_doctest_flags", [], "env", (list, tuple)),
        ("jigger_max_output", 1_000_000, "env", (int,)),
        ("jigger_example_memory", 2 * 1024**3, "env", (int,)),
        # how a document's process starts: the same state either way
        ("jigger_example_fork", True, "", (bool,)),
        ("jigger_fail_on_error", True, "", (bool,)),
        ("jigger_run_examples", True, "env", (bool,)),
        ("jigger_example_kinds", None, "env", (list, tuple, type(None))),
        ("jigger_example_builders", list(DEFAULT_BUILDERS), "", (list, tuple)),
    ]
    for name, default, rebuild, types in values:
        app.add_config_value(name, default, rebuild, types)
    # validate early (priority < 500) so later listeners see checked values
    app.connect("config-inited", validate_config, priority=400)

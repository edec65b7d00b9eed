"""Finding the application the command line works on.

``--app`` names a module or file and, optionally, what in it is the app
(the forms are listed in :mod:`jigger.cli`).

Design: every way of finding an app ends in one of two steps, "take this
object" or "call this factory"; the factory call (:func:`_call_factory`)
is written once and tells a factory that wants other arguments (a usage
error, reported with what to write) from a factory that failed inside
(the user's bug, re-raised as it is).
"""

from __future__ import annotations

import ast
import inspect
import os
import sys
import traceback
import typing as t
from types import ModuleType

import click

from ..app import Jigger

#: The names a factory function is looked for under.
FACTORY_NAMES = ("create_app", "make_app")
#: The names an application object is looked for under.
APP_NAMES = ("app", "application")

_HOW_TO_NAME = (
    "Name the app with '--app module:name' (an app object) or"
    " '--app \"module:create_app()\"' (a factory), or set JIGGER_APP."
)


class NoAppException(click.UsageError):
    """The application could not be found or loaded; the message says what
    was tried and what to write instead."""


def _error_is_from_the_call(func: t.Callable[..., t.Any], error: BaseException) -> bool:
    """Whether ``error`` was raised by the call of ``func`` itself (wrong
    arguments) rather than by code running inside ``func``: in the latter
    case ``func``'s own frame is in the traceback."""
    own_code = getattr(func, "__code__", None)
    return all(
        step.tb_frame.f_code is not own_code
        for step in _traceback_steps(error.__traceback__)
    )


def _traceback_steps(tb: t.Any) -> t.Iterator[t.Any]:
    while tb is not None:
        yield tb
        tb = tb.tb_next


def _call_factory(
    factory: t.Callable[..., t.Any],
    args: t.Sequence[t.Any],
    kwargs: t.Mapping[str, t.Any],
    explain: t.Callable[[TypeError], str],
) -> t.Any:
    """Call ``factory``; a :exc:`TypeError` from the call itself becomes a
    :exc:`NoAppException` with the message ``explain(error)``."""
    try:
        return factory(*args, **kwargs)
    except TypeError as e:
        if _error_is_from_the_call(factory, e):
            raise NoAppException(explain(e)) from e
        raise


def _app_names(module: ModuleType) -> list[str]:
    return [name for name, v in vars(module).items() if isinstance(v, Jigger)]


def find_best_app(module: ModuleType) -> Jigger:
    """Find the application in ``module``: an attribute named ``app`` or
    ``application``, else the module's only :class:`~jigger.Jigger`
    instance, else the result of calling ``create_app()`` or
    ``make_app()`` without arguments.

    :raises NoAppException: none was found, several were, or the factory
        needs arguments.
    """
    where = module.__name__
    attributes = [getattr(module, n, None) for n in APP_NAMES]
    named = [v for v in attributes if isinstance(v, Jigger)]
    if named:
        return named[0]

    instances = _app_names(module)
    if len(instances) > 1:
        choices = " or ".join(f"'--app {where}:{n}'" for n in instances)
        raise NoAppException(
            f"Module {where!r} holds {len(instances)} applications"
            f" ({', '.join(instances)}) and none is called 'app'; say which one"
            f" with {choices}."
        )
    if instances:
        return t.cast(Jigger, getattr(module, instances[0]))

    factories = [
        n for n in FACTORY_NAMES if inspect.isfunction(getattr(module, n, None))
    ]
    if not factories:
        raise NoAppException(
            f"Module {where!r} has no jigger application: looked for"
            f" an attribute {' or '.join(map(repr, APP_NAMES))}, a Jigger instance"
            f" and a factory {' or '.join(map(repr, FACTORY_NAMES))}. {_HOW_TO_NAME}"
        )
    name = factories[0]
    made = _call_factory(
        getattr(module, name),
        (),
        {},
        lambda e: (
            f"Found the factory {name!r} in module {where!r}, but"
            f" calling it without arguments failed ({e}). Give its"
            f" arguments as literals: '--app"
            f' "{where}:{name}(...)"\'.'
        ),
    )
    if not isinstance(made, Jigger):
        raise NoAppException(
            f"The factory {where}:{name}() returned"
            f" {type(made).__name__!r}, not a jigger application."
        )
    return made


def _literal(node: ast.expr, app_name: str) -> t.Any:
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise NoAppException(
            f"The arguments in {app_name!r} are not all literal values."
            " Only strings, numbers, tuples, lists, dicts, booleans and"
            " None can be given on the command line."
        ) from None


def _parse_app_string(app_name: str) -> tuple[str, list[t.Any], dict[str, t.Any]]:
    """Split ``"name"`` or ``"name(args)"`` into the name and the literal
    arguments."""
    try:
        expr = ast.parse(app_name.strip(), mode="eval").body
    except SyntaxError:
        raise NoAppException(
            f"Could not read {app_name!r} as an attribute name or a function"
            " call. Write '--app module:app' or '--app \"module:create_app()\"'"
            " (arguments must be literals, such as 'create_app(\"dev\", debug=True)')."
        ) from None

    if isinstance(expr, ast.Name):
        return expr.id, [], {}
    if not (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name)):
        raise NoAppException(
            f"{app_name!r} is neither an attribute name nor a call of one."
            " Write '--app module:app' or '--app \"module:create_app()\"'."
        )
    positional = [_literal(node, app_name) for node in expr.args]
    named = {
        keyword.arg: _literal(keyword.value, app_name)
        for keyword in expr.keywords
        if keyword.arg is not None
    }
    if len(named) < len(expr.keywords):
        raise NoAppException(
            f"'**' is not supported in {app_name!r}; write the keyword arguments out."
        )
    return expr.func.id, positional, named


def find_app_by_string(module: ModuleType, app_name: str) -> Jigger:
    """Find the application named by ``app_name`` in ``module``: an
    attribute (``"app"``) or a call of one with literal arguments
    (``"create_app('dev')"``). An attribute that is a function is called
    without arguments.

    :raises NoAppException: with what went wrong and what to write.
    """
    name, args, kwargs = _parse_app_string(app_name)
    where = module.__name__
    if not hasattr(module, name):
        found = _app_names(module) + [
            f"{n}()" for n in FACTORY_NAMES if inspect.isfunction(vars(module).get(n))
        ]
        hint = (
            f" It has: {', '.join(found)}."
            if found
            else " It has no Jigger instance and no create_app/make_app factory."
        )
        raise NoAppException(f"Module {where!r} has no attribute {name!r}.{hint}")

    target = getattr(module, name)
    if inspect.isfunction(target):
        result = _call_factory(
            target,
            args,
            kwargs,
            lambda e: (
                f"Calling {where}:{name} with the arguments in"
                f" {app_name!r} failed ({e}). Give the arguments it needs, for"
                f" example '--app \"{where}:{name}(...)\"'."
            ),
        )
    elif args or kwargs:
        raise NoAppException(
            f"{where}:{name} is not a function, so it cannot be called as {app_name!r}."
        )
    else:
        result = target

    if not isinstance(result, Jigger):
        raise NoAppException(
            f"{where}:{app_name} gave {type(result).__name__!r}, not a jigger"
            f" application. {_HOW_TO_NAME}"
        )
    return result


def prepare_import(path: str) -> str:
    """Turn ``path`` (a module name or a file or package path) into a
    module name, and put the folder it is imported from first on
    :data:`sys.path`. Folders with an ``__init__.py`` become packages:
    ``src/shop/views.py`` gives ``shop.views`` with ``src`` on the path.
    """
    full = os.path.realpath(path)
    if full.endswith(".py"):
        full = full[: -len(".py")]
    if os.path.basename(full) == "__init__":
        full = os.path.dirname(full)

    # Climb while the folder above is a package; the first folder that is
    # not one is where the import starts.
    folder, dotted = os.path.split(full)
    while os.path.exists(os.path.join(folder, "__init__.py")):
        folder, package = os.path.split(folder)
        dotted = f"{package}.{dotted}"

    if sys.path[0] != folder:
        sys.path.insert(0, folder)
    return dotted


def _is_missing(module_name: str, error: ImportError) -> bool:
    """Whether ``error`` says ``module_name`` (or a package above it) does
    not exist, as opposed to an import failing inside the module."""
    if not isinstance(error, ModuleNotFoundError) or error.name is None:
        return False
    return module_name == error.name or module_name.startswith(f"{error.name}.")


@t.overload
def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: t.Literal[True] = True
) -> Jigger: ...
@t.overload
def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: t.Literal[False]
) -> Jigger | None: ...
def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: bool = True
) -> Jigger | None:
    """Import ``module_name`` and find the application in it, by
    ``app_name`` (see :func:`find_app_by_string`) or, when that is ``None``,
    with :func:`find_best_app`.

    :param raise_if_not_found: when ``False``, a module that does not exist
        gives ``None`` instead of :exc:`NoAppException`.
    """
    try:
        __import__(module_name)
    except ImportError as e:
        if not _is_missing(module_name, e):
            raise NoAppException(
                f"Importing {module_name!r} raised an ImportError inside the"
                f" module (the module itself was found):\n\n"
                f"{traceback.format_exc()}"
            ) from None
        if not raise_if_not_found:
            return None
        raise NoAppException(
            f"Could not import {module_name!r}: there is no module or file of"
            f" that name in {sys.path[0]!r} or on sys.path. Give '--app' a"
            " module name ('--app hello'), a file ('--app src/hello.py') or"
            " 'module:name', and run the command from the project's folder."
        ) from None

    module = sys.modules[module_name]
    if app_name is None:
        return find_best_app(module)
    return find_app_by_string(module, app_name)

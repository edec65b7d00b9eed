"""Template filters, tests and globals registered on an application.

A seam of :class:`jigger.sansio.app.App`, kept apart to keep that module
short. What is registered is kept in a list until the Jinja environment
exists, so that registering does not create it (nor import Jinja2); once it
exists, each registration also goes straight into it.
"""

from __future__ import annotations

import typing as t

from .. import typing as ft
from .scaffold import (
    T_template_filter,
    T_template_global,
    T_template_test,
    jinja_registration,
    setupmethod,
)


class TemplateRegistration:
    """The ``template_filter``, ``template_test`` and ``template_global``
    decorators and their ``add_*`` methods, mixed into the app."""

    # (kind, name, function), replayed onto the environment when it is made.
    _jinja_additions: list[tuple[str, str, t.Callable[..., t.Any]]]

    # Each decorator works bare (@app.template_filter), called
    # (@app.template_filter()) and named (@app.template_filter("x")); the
    # blueprints' app_template_* share the same helper (jinja_registration).

    def _add_jinja(
        self, kind: str, f: t.Callable[..., t.Any], name: str | None
    ) -> None:
        key = name or f.__name__
        self._jinja_additions.append((kind, key, f))
        if "jinja_env" in vars(self):
            getattr(self.jinja_env, kind)[key] = f  # type: ignore[attr-defined]

    @t.overload
    def template_filter(self, name: T_template_filter) -> T_template_filter: ...
    @t.overload
    def template_filter(
        self, name: str | None = None
    ) -> t.Callable[[T_template_filter], T_template_filter]: ...
    @setupmethod
    def template_filter(self, name: t.Any = None) -> t.Any:
        """Register the decorated function as a template filter, under
        ``name`` or the function's name.

        >>> from jigger import Jigger, render_template_string
        >>> app = Jigger("t")
        >>> @app.template_filter("shout")
        ... def shout(s: str) -> str:
        ...     return s.upper() + "!"
        >>> with app.app_context():
        ...     render_template_string("{{ 'hi' | shout }}")
        'HI!'
        """
        return jinja_registration(self.add_template_filter, name)

    @setupmethod
    def add_template_filter(
        self, f: ft.TemplateFilterCallable, name: str | None = None
    ) -> None:
        """Register ``f`` as a template filter; see :meth:`template_filter`."""
        self._add_jinja("filters", f, name)

    @t.overload
    def template_test(self, name: T_template_test) -> T_template_test: ...
    @t.overload
    def template_test(
        self, name: str | None = None
    ) -> t.Callable[[T_template_test], T_template_test]: ...
    @setupmethod
    def template_test(self, name: t.Any = None) -> t.Any:
        """Register the decorated function as a template test
        (``{% if n is prime %}``), under ``name`` or the function's name."""
        return jinja_registration(self.add_template_test, name)

    @setupmethod
    def add_template_test(
        self, f: ft.TemplateTestCallable, name: str | None = None
    ) -> None:
        """Register ``f`` as a template test; see :meth:`template_test`."""
        self._add_jinja("tests", f, name)

    @t.overload
    def template_global(self, name: T_template_global) -> T_template_global: ...
    @t.overload
    def template_global(
        self, name: str | None = None
    ) -> t.Callable[[T_template_global], T_template_global]: ...
    @setupmethod
    def template_global(self, name: t.Any = None) -> t.Any:
        """Make the decorated function available in every template, under
        ``name`` or the function's name."""
        return jinja_registration(self.add_template_global, name)

    @setupmethod
    def add_template_global(
        self, f: ft.TemplateGlobalCallable, name: str | None = None
    ) -> None:
        """Register ``f`` as a template global; see :meth:`template_global`."""
        self._add_jinja("globals", f, name)

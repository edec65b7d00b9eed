"""Templates: the Jinja2 environment of an application and the functions
that render with it.

Templates are found by convention: the ``templates/`` folder beside the
application's module or package, then the ``templates/`` folders of the
registered blueprints, in registration order. Every template sees
``url_for``, ``get_flashed_messages``, ``config``, ``request``, ``session``
and ``g``, plus what the context processors return.

This module imports Jinja2, so ``import jigger`` does not: the four render
functions are exported from :mod:`jigger` on first use, and an application
creates its environment the first time a template is rendered.

>>> from jigger import Jigger, render_template_string
>>> app = Jigger("greeter")
>>> with app.app_context():
...     render_template_string("Hello {{ name }}!", name="<Ada>")
'Hello &lt;Ada&gt;!'
"""

from __future__ import annotations

import typing as t

from jinja2 import BaseLoader, Template, TemplateNotFound
from jinja2 import Environment as BaseEnvironment

from .globals import _cv_ctx, current_app
from .helpers import stream_with_context
from .signals import before_render_template, template_rendered

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import Jigger
    from .sansio.app import App
    from .sansio.scaffold import Scaffold

__all__ = [
    "DispatchingJinjaLoader",
    "Environment",
    "render_template",
    "render_template_string",
    "stream_template",
    "stream_template_string",
]


class Environment(BaseEnvironment):
    """A :class:`jinja2.Environment` that knows its application; unless a
    ``loader`` is given, it loads templates with the app's
    :meth:`~jigger.Jigger.create_global_jinja_loader`.

    :param app: the application.
    :param options: any :class:`jinja2.Environment` option.
    """

    def __init__(self, app: App, **options: t.Any) -> None:
        if "loader" not in options:
            options["loader"] = app.create_global_jinja_loader()  # type: ignore[attr-defined]
        super().__init__(**options)
        #: The application this environment belongs to.
        self.app = app


class DispatchingJinjaLoader(BaseLoader):
    """Look a template up in the application's template folder first, then
    in each registered blueprint's, in registration order; the first match
    wins.

    With ``EXPLAIN_TEMPLATE_LOADING`` set, every lookup is logged through
    ``app.logger``: each place searched and whether it had the template.
    """

    def __init__(self, app: App) -> None:
        self.app = app

    def _iter_loaders(self) -> t.Iterator[tuple[Scaffold, BaseLoader]]:
        app = self.app
        loader = app.jinja_loader
        if loader is not None:
            yield app, loader
        seen: set[int] = set()
        for blueprint in app.iter_blueprints():
            if id(blueprint) in seen:
                continue
            seen.add(id(blueprint))
            loader = blueprint.jinja_loader
            if loader is not None:
                yield blueprint, loader

    def get_source(
        self, environment: BaseEnvironment, template: str
    ) -> tuple[str, str | None, t.Callable[[], bool] | None]:
        if self.app.config["EXPLAIN_TEMPLATE_LOADING"]:
            return self._get_source_explained(environment, template)
        for _owner, loader in self._iter_loaders():
            try:
                return loader.get_source(environment, template)
            except TemplateNotFound:
                continue
        raise TemplateNotFound(template, self._not_found_message(template))

    def _get_source_explained(
        self, environment: BaseEnvironment, template: str
    ) -> tuple[str, str | None, t.Callable[[], bool] | None]:
        lines: list[str] = []
        found: tuple[str, str | None, t.Callable[[], bool] | None] | None = None
        for n, (owner, loader) in enumerate(self._iter_loaders(), 1):
            where = _describe(owner, loader)
            try:
                source = loader.get_source(environment, template)
            except TemplateNotFound:
                lines.append(f"  {n}. {where}: no match")
                continue
            lines.append(f"  {n}. {where}: found at {source[1]!r}")
            if found is None:
                found = source
            # Keep looking, so the log shows templates that are shadowed.
        if not lines:
            lines.append(
                "  (nothing: neither the app nor a blueprint has a template_folder)"
            )
        logger = self.app.logger
        if found is not None:
            logger.info("Locating template %r:\n%s", template, "\n".join(lines))
            if sum("found at" in line for line in lines) > 1:
                logger.info(
                    "Template %r exists in several places; the first one is used.",
                    template,
                )
            return found
        logger.warning(
            "Locating template %r: not found. Searched:\n%s", template, "\n".join(lines)
        )
        raise TemplateNotFound(template, self._not_found_message(template))

    def _not_found_message(self, template: str) -> str:
        places = [_describe(owner, loader) for owner, loader in self._iter_loaders()]
        if not places:
            return (
                f"Template {template!r} not found: {self.app.name!r} has no"
                " template folder and no registered blueprint has one."
            )
        return (
            f"Template {template!r} not found. Searched, in order: "
            + "; ".join(places)
            + ". Set EXPLAIN_TEMPLATE_LOADING = True to log every lookup."
        )

    def list_templates(self) -> list[str]:
        names: set[str] = set()
        for _owner, loader in self._iter_loaders():
            names.update(loader.list_templates())
        return sorted(names)


def _describe(owner: Scaffold, loader: BaseLoader) -> str:
    from .sansio.app import App

    kind = "application" if isinstance(owner, App) else "blueprint"
    folders = getattr(loader, "searchpath", None)
    if folders:
        return f"{kind} {owner.name!r} folder {', '.join(map(repr, folders))}"
    return f"{kind} {owner.name!r} loader {loader!r}"


def _current_app() -> Jigger:
    return current_app._get_current_object()  # type: ignore[attr-defined,no-any-return]


def _render(app: Jigger, template: Template, context: dict[str, t.Any]) -> str:
    app.update_template_context(context)
    if before_render_template.receivers:
        before_render_template.send(
            app, _async_wrapper=app.ensure_sync, template=template, context=context
        )
    rv = template.render(context)
    if template_rendered.receivers:
        template_rendered.send(
            app, _async_wrapper=app.ensure_sync, template=template, context=context
        )
    return rv


def _stream(
    app: Jigger, template: Template, context: dict[str, t.Any]
) -> t.Iterator[str]:
    app.update_template_context(context)
    if before_render_template.receivers:
        before_render_template.send(
            app, _async_wrapper=app.ensure_sync, template=template, context=context
        )

    def generate() -> t.Iterator[str]:
        yield from template.generate(context)
        if template_rendered.receivers:
            template_rendered.send(
                app, _async_wrapper=app.ensure_sync, template=template, context=context
            )

    rv = generate()
    ctx = _cv_ctx.get(None)
    if ctx is not None and ctx.request is not None:
        rv = stream_with_context(rv)
    return rv


def render_template(
    template_name_or_list: str | Template | list[str | Template],
    **context: t.Any,
) -> str:
    """Render a template from the template folders with ``context``.

    :param template_name_or_list: a template name, a :class:`jinja2.Template`,
        or a list of them: the first that exists is rendered.
    :param context: the template's variables; they win over what the context
        processors return.

    Needs an application context (a request, or ``with app.app_context():``).
    """
    app = _current_app()
    template = app.jinja_env.get_or_select_template(template_name_or_list)
    return _render(app, template, context)


def render_template_string(source: str, **context: t.Any) -> str:
    """Render a template given as a string, with the same globals and
    context processors as :func:`render_template`. Autoescaping is on.

    :param source: the template's source.
    :param context: the template's variables.
    """
    app = _current_app()
    template = app.jinja_env.from_string(source)
    return _render(app, template, context)


def stream_template(
    template_name_or_list: str | Template | list[str | Template],
    **context: t.Any,
) -> t.Iterator[str]:
    """Like :func:`render_template`, but return an iterator of chunks, to
    return from a view as a streamed response. In a request, the request
    context stays available while the template renders (see
    :func:`~jigger.stream_with_context`)."""
    app = _current_app()
    template = app.jinja_env.get_or_select_template(template_name_or_list)
    return _stream(app, template, context)


def stream_template_string(source: str, **context: t.Any) -> t.Iterator[str]:
    """Like :func:`render_template_string`, streamed; see
    :func:`stream_template`."""
    app = _current_app()
    template = app.jinja_env.from_string(source)
    return _stream(app, template, context)

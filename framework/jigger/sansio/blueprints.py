"""Blueprints: a group of views, hooks and handlers registered on an app.

A blueprint records what it is made of; :meth:`Blueprint.register` replays
the records onto an application, under the blueprint's name (endpoints become
``"name.view"``) and URL prefix. One blueprint can be registered several
times under different names, and blueprints can be nested.

Nesting joins three things the same way (see :func:`nest`): the dotted
names, the URL prefixes and the subdomains. The registration of a nested
blueprint and the setup state of every registration both use that helper.
"""

from __future__ import annotations

import os
import typing as t
from collections import defaultdict

from .. import typing as ft
from .scaffold import (
    HOOK_KINDS,
    F,
    Scaffold,
    T_after_request,
    T_before_request,
    T_error_handler,
    T_teardown,
    T_template_context_processor,
    T_template_filter,
    T_template_global,
    T_template_test,
    T_url_defaults,
    T_url_value_preprocessor,
    _endpoint_from_view_func,
    jinja_registration,
    setupmethod,
)

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import App

#: The default of ``Blueprint(cli_group=...)``: a group named after the
#: blueprint (``None`` would put the commands in the app's own group).
_GROUP_NAMED_AFTER_BLUEPRINT: t.Any = object()

DeferredSetupFunction = t.Callable[["BlueprintSetupState"], None]


def _join_url(outer: str, inner: str) -> str:
    return f"{outer.rstrip('/')}/{inner.lstrip('/')}"


def _join_host(outer: str, inner: str) -> str:
    return f"{inner}.{outer}"


def _join_name(outer: str, inner: str) -> str:
    return f"{outer}.{inner}" if outer else inner


#: How each part of a registration is joined with its parent's:
#: ``(outer, inner) -> joined``.
JOINERS: dict[str, t.Callable[[str, str], str]] = {
    "url_prefix": _join_url,
    "subdomain": _join_host,
    "name": _join_name,
}


def nest(what: str, outer: str | None, inner: str | None) -> str | None:
    """Join a nested registration's ``what`` (``"url_prefix"``,
    ``"subdomain"`` or ``"name"``) with its parent's; either side may be
    missing (``None``), and then the other is the result.

    >>> from jigger.sansio.blueprints import nest
    >>> nest("url_prefix", "/shop/", "/cart")
    '/shop/cart'
    >>> nest("subdomain", "eu", "api"), nest("name", "shop", "cart")
    ('api.eu', 'shop.cart')
    >>> nest("url_prefix", None, "/cart"), nest("subdomain", "eu", None)
    ('/cart', 'eu')
    """
    if outer is None:
        return inner
    if inner is None:
        return outer
    return JOINERS[what](outer, inner)


def _given(options: t.Mapping[str, t.Any], key: str, fallback: t.Any) -> t.Any:
    """``options[key]`` unless missing or ``None``, else ``fallback``."""
    value = options.get(key)
    return fallback if value is None else value


class BlueprintSetupState:
    """What one registration of a blueprint on an app knows: the app, the
    options given to ``register_blueprint``, and the resulting name, URL
    prefix, subdomain and URL defaults. Deferred setup functions receive it.
    """

    def __init__(
        self,
        blueprint: Blueprint,
        app: App,
        options: dict[str, t.Any],
        first_registration: bool,
    ) -> None:
        #: Whether this is the blueprint's first registration on the app;
        #: ``record_once`` callbacks run only then.
        self.first_registration = first_registration
        self.blueprint = blueprint
        self.options = options
        self.app = app
        #: The subdomain and URL prefix of this registration: the options'
        #: (already joined with the parents' for a nested blueprint), else
        #: the blueprint's own.
        self.subdomain: str | None = _given(options, "subdomain", blueprint.subdomain)
        self.url_prefix: str | None = _given(
            options, "url_prefix", blueprint.url_prefix
        )
        self.name: str = options.get("name", blueprint.name)
        #: The dotted name of the blueprints this one is nested in.
        self.name_prefix: str = options.get("name_prefix", "")
        self.url_defaults: dict[str, t.Any] = {
            **blueprint.url_values_defaults,
            **dict(options.get("url_defaults", ())),
        }

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: ft.RouteCallable | None = None,
        **options: t.Any,
    ) -> None:
        """Add a rule to the app with this registration's prefix, subdomain,
        defaults and endpoint name."""
        full_rule = nest("url_prefix", self.url_prefix, rule or None) or rule
        options.setdefault("subdomain", self.subdomain)
        if endpoint is None:
            endpoint = _endpoint_from_view_func(view_func)
        defaults = {**self.url_defaults, **options.pop("defaults", {})}
        qualified = _join_name(_join_name(self.name_prefix, self.name), endpoint)
        self.app.add_url_rule(
            full_rule, qualified, view_func, defaults=defaults, **options
        )


class Blueprint(Scaffold):
    """A reusable part of an application.

    :param name: the blueprint's name, the prefix of its endpoints.
    :param import_name: the blueprint's module, usually ``__name__``.
    :param static_folder: a folder of static files served under
        ``static_url_path`` (relative to ``root_path``).
    :param static_url_path: the URL of the static files (default
        ``/<static folder name>`` under ``url_prefix``).
    :param template_folder: a template folder, searched after the app's.
    :param url_prefix: prepended to every rule.
    :param subdomain: the subdomain the rules match.
    :param url_defaults: defaults for the view arguments of every rule.
    :param root_path: the folder the paths are relative to.
    :param cli_group: the name of the CLI group of its commands, ``None`` to
        add them to the app's group directly.
    """

    _got_registered_once = False

    def __init__(
        self,
        name: str,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        url_prefix: str | None = None,
        subdomain: str | None = None,
        url_defaults: dict[str, t.Any] | None = None,
        root_path: str | None = None,
        cli_group: str | None = _GROUP_NAMED_AFTER_BLUEPRINT,
    ) -> None:
        if not name or "." in name:
            raise ValueError(
                f"The blueprint name {name!r} is empty or contains a dot; dots"
                " separate nested blueprints in endpoint names. Give it a"
                " non-empty name without dots."
            )
        super().__init__(
            import_name,
            root_path=root_path,
            template_folder=template_folder,
            static_folder=static_folder,
            static_url_path=static_url_path,
        )
        self.name = name
        self.url_prefix = url_prefix
        self.subdomain = subdomain
        self.url_values_defaults: dict[str, t.Any] = url_defaults or {}
        self.cli_group = cli_group
        #: What :meth:`register` replays on an app, in order.
        self.deferred_functions: list[DeferredSetupFunction] = []
        #: The blueprints nested in this one, with their options.
        self._blueprints: list[tuple[Blueprint, dict[str, t.Any]]] = []

    def _check_setup_finished(self, f_name: str) -> None:
        if self._got_registered_once:
            raise AssertionError(
                f"'{f_name}' was called on the blueprint {self.name!r} after it"
                " was registered on an app, so the app would not see the change."
                " Set the blueprint up completely before calling"
                " app.register_blueprint()."
            )

    @setupmethod
    def record(self, func: DeferredSetupFunction) -> None:
        """Call ``func(state)`` each time the blueprint is registered."""
        self.deferred_functions.append(func)

    @setupmethod
    def record_once(self, func: DeferredSetupFunction) -> None:
        """Call ``func(state)`` on the blueprint's first registration on an
        app only."""
        self.record(lambda state: func(state) if state.first_registration else None)

    def make_setup_state(
        self, app: App, options: dict[str, t.Any], first_registration: bool = False
    ) -> BlueprintSetupState:
        """Create the state passed to the deferred setup functions."""
        return BlueprintSetupState(self, app, options, first_registration)

    @setupmethod
    def register_blueprint(self, blueprint: Blueprint, **options: t.Any) -> None:
        """Nest ``blueprint`` in this one: its endpoints become
        ``"outer.inner.view"`` and its URL prefix is appended to this one's."""
        if blueprint is self:
            raise ValueError("A blueprint cannot be registered on itself.")
        self._blueprints.append((blueprint, options))

    def register(self, app: App, options: dict[str, t.Any]) -> None:
        """Register the blueprint on ``app``; called by
        :meth:`jigger.Jigger.register_blueprint`.

        :param options: ``name``, ``url_prefix``, ``subdomain``,
            ``url_defaults``, and any option the deferred functions read.
        """
        name = _join_name(
            options.get("name_prefix", ""), options.get("name", self.name)
        )
        taken_by = app.blueprints.get(name)
        if taken_by is not None:
            which = "this" if taken_by is self else "another"
            raise ValueError(
                f"The name {name!r} is already taken by {which} blueprint on"
                f" {app.name!r}. To register a blueprint more than once, give"
                " each registration its own name: app.register_blueprint(bp,"
                " name='other_name')."
            )
        first_time = all(bp is not self for bp in app.blueprints.values())
        app.blueprints[name] = self
        self._got_registered_once = True
        state = self.make_setup_state(app, options, first_time)

        if self.has_static_folder:
            state.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                view_func=self.send_static_file,  # type: ignore[attr-defined]
                endpoint="static",
            )
        # The name was free (checked above), so this registration always
        # brings the hooks and handlers in under it.
        self._merge_blueprint_funcs(app, name)
        for deferred in self.deferred_functions:
            deferred(state)
        self._register_cli(app, options, name)

        for child, child_options in self._blueprints:
            nested = dict(child_options, name_prefix=name)
            for what, own in (
                ("url_prefix", child.url_prefix),
                ("subdomain", child.subdomain),
            ):
                joined = nest(
                    what, getattr(state, what), _given(child_options, what, own)
                )
                if joined is not None:
                    nested[what] = joined
            child.register(app, nested)

    def _register_cli(self, app: App, options: dict[str, t.Any], name: str) -> None:
        """Add the blueprint's CLI commands to the app (see :mod:`jigger.cli`):
        as a group named ``cli_group`` (by default the blueprint's name), or
        straight into the app's group when ``cli_group`` is ``None``."""
        commands = self.__dict__.get("cli")
        if commands is None or not commands.commands:
            return
        group = options.get("cli_group", self.cli_group)
        if group is None:
            app.cli.commands.update(commands.commands)
            return
        commands.name = group if isinstance(group, str) else self.name
        app.cli.add_command(commands)

    def _merge_blueprint_funcs(self, app: App, name: str) -> None:
        """Copy the blueprint's views, hooks and error handlers onto
        ``app`` under the registration's ``name``: the blueprint's own
        (key ``None``) become ``name``'s, a nested one's ``name.nested``'s."""
        for key, by_code in self.error_handler_spec.items():
            app.error_handler_spec[nest("name", name, key)] = defaultdict(
                dict, {code: dict(handlers) for code, handlers in by_code.items()}
            )
        for endpoint, view in self.view_functions.items():
            # Through app.endpoint, which works out the view's explicit-style
            # plan against the app's own request and app classes.
            app.endpoint(_join_name(name, endpoint))(view)
        for kind in HOOK_KINDS.values():
            target = getattr(app, kind.registry)
            for key, funcs in getattr(self, kind.registry).items():
                target[nest("name", name, key)].extend(funcs)

    def _add_rule(
        self,
        rule: str,
        endpoint: str | None,
        view_func: ft.RouteCallable | None,
        provide_automatic_options: bool | None,
        options: dict[str, t.Any],
    ) -> None:
        # Recorded, and added to the app (with the blueprint's prefix and
        # name) on each registration.
        for what, value in (
            ("endpoint", endpoint),
            ("view function name", getattr(view_func, "__name__", None)),
        ):
            if value and "." in value:
                raise ValueError(
                    f"The {what} {value!r} contains a dot; the blueprint adds its"
                    " own name before it, with a dot. Pass endpoint= with a name"
                    " without dots."
                )
        options["provide_automatic_options"] = provide_automatic_options
        self.record(
            lambda state: state.add_url_rule(rule, endpoint, view_func, **options)
        )

    # -- what a blueprint registers on the whole app --------------------------

    def _add_app_hook(self, name: str, f: F) -> F:
        kind = HOOK_KINDS[name]
        hook = self._prepare_hook(kind, f, kind.app_wide)
        self.record_once(
            lambda state: getattr(state.app, kind.registry)[None].append(hook)
        )
        return f

    @setupmethod
    def before_app_request(self, f: T_before_request) -> T_before_request:
        """Like :meth:`before_request`, for every request of the app."""
        return self._add_app_hook("before_request", f)

    @setupmethod
    def after_app_request(self, f: T_after_request) -> T_after_request:
        """Like :meth:`after_request`, for every request of the app."""
        return self._add_app_hook("after_request", f)

    @setupmethod
    def teardown_app_request(self, f: T_teardown) -> T_teardown:
        """Like :meth:`teardown_request`, for every request of the app."""
        return self._add_app_hook("teardown_request", f)

    @setupmethod
    def app_context_processor(
        self, f: T_template_context_processor
    ) -> T_template_context_processor:
        """Like :meth:`context_processor`, for every template of the app."""
        return self._add_app_hook("context_processor", f)

    @setupmethod
    def app_url_value_preprocessor(
        self, f: T_url_value_preprocessor
    ) -> T_url_value_preprocessor:
        """Like :meth:`url_value_preprocessor`, for every request of the app."""
        return self._add_app_hook("url_value_preprocessor", f)

    @setupmethod
    def app_url_defaults(self, f: T_url_defaults) -> T_url_defaults:
        """Like :meth:`url_defaults`, for every URL built in the app."""
        return self._add_app_hook("url_defaults", f)

    @setupmethod
    def app_errorhandler(
        self, code: type[Exception] | int
    ) -> t.Callable[[T_error_handler], T_error_handler]:
        """Like :meth:`errorhandler`, for errors anywhere in the app."""

        def register(handler: T_error_handler) -> T_error_handler:
            self.record_once(
                lambda state: state.app.register_error_handler(code, handler)
            )
            return handler

        return register

    # -- template filters, tests and globals for the whole app ----------------
    # The decorators work bare (@bp.app_template_filter), called
    # (@bp.app_template_filter()) and named (@bp.app_template_filter("x")),
    # like the app's own (see jinja_registration).

    def _add_app_jinja(
        self, kind: str, f: t.Callable[..., t.Any], name: str | None
    ) -> None:
        self.record_once(
            lambda state: getattr(state.app, f"add_template_{kind}")(f, name=name)
        )

    @t.overload
    def app_template_filter(self, name: T_template_filter) -> T_template_filter: ...
    @t.overload
    def app_template_filter(
        self, name: str | None = None
    ) -> t.Callable[[T_template_filter], T_template_filter]: ...
    @setupmethod
    def app_template_filter(self, name: t.Any = None) -> t.Any:
        """Register a template filter for the whole app."""
        return jinja_registration(self.add_app_template_filter, name)

    @setupmethod
    def add_app_template_filter(
        self, f: ft.TemplateFilterCallable, name: str | None = None
    ) -> None:
        """Register ``f`` as a template filter for the whole app."""
        self._add_app_jinja("filter", f, name)

    @t.overload
    def app_template_test(self, name: T_template_test) -> T_template_test: ...
    @t.overload
    def app_template_test(
        self, name: str | None = None
    ) -> t.Callable[[T_template_test], T_template_test]: ...
    @setupmethod
    def app_template_test(self, name: t.Any = None) -> t.Any:
        """Register a template test for the whole app."""
        return jinja_registration(self.add_app_template_test, name)

    @setupmethod
    def add_app_template_test(
        self, f: ft.TemplateTestCallable, name: str | None = None
    ) -> None:
        """Register ``f`` as a template test for the whole app."""
        self._add_app_jinja("test", f, name)

    @t.overload
    def app_template_global(self, name: T_template_global) -> T_template_global: ...
    @t.overload
    def app_template_global(
        self, name: str | None = None
    ) -> t.Callable[[T_template_global], T_template_global]: ...
    @setupmethod
    def app_template_global(self, name: t.Any = None) -> t.Any:
        """Register a template global for the whole app."""
        return jinja_registration(self.add_app_template_global, name)

    @setupmethod
    def add_app_template_global(
        self, f: ft.TemplateGlobalCallable, name: str | None = None
    ) -> None:
        """Register ``f`` as a template global for the whole app."""
        self._add_app_jinja("global", f, name)

"""The application's registration side: configuration, the URL map, hooks,
error handler lookup. Nothing here depends on WSGI."""

from __future__ import annotations

import logging
import os
import sys
import typing as t
import weakref
from datetime import timedelta
from functools import cached_property

from werkzeug.exceptions import Aborter, BadRequest, BadRequestKeyError
from werkzeug.routing import BuildError, Map, Rule
from werkzeug.sansio.request import Request as _RequestBase
from werkzeug.utils import redirect as _wz_redirect

from .. import typing as ft
from ..config import Config, ConfigAttribute
from ..ctx import _AppCtxGlobals
from ..helpers import get_debug_flag
from ..json.provider import DefaultJSONProvider, JSONProvider
from ..logging import create_logger
from ..routing import FastRouter
from .explicit import InjectionPlan, injection_plan
from .jinja import TemplateRegistration
from .scaffold import (
    F,
    Scaffold,
    T_teardown,
    _endpoint_from_view_func,
    _find_package_path,
    setupmethod,
)

if t.TYPE_CHECKING:  # pragma: no cover
    from werkzeug.wrappers import Response as BaseResponse

    from ..templating import Environment
    from .blueprints import Blueprint

T_shell_context_processor = t.TypeVar(
    "T_shell_context_processor", bound=ft.ShellContextProcessorCallable
)

_T = t.TypeVar("_T")

#: What :attr:`App._view_calls` holds per endpoint.
#: The view; the view given the request and app it asks for (the view
#: itself when it asks for neither); that made synchronous, once the first
#: request needs it.
ViewCall = tuple[
    "ft.RouteCallable", "t.Callable[..., t.Any]", "t.Callable[..., t.Any] | None"
]

#: The file name endings that turn autoescaping on.
_AUTOESCAPE_SUFFIXES = (".html", ".htm", ".xml", ".xhtml", ".svg")


class _DefaultJinjaEnvironment:
    """The default of :attr:`App.jinja_environment`: it imports
    :mod:`jigger.templating` (and so Jinja2) only when it is read."""

    def __get__(self, obj: object, owner: type | None = None) -> type[Environment]:
        from ..templating import Environment

        return Environment


def _rule_methods(
    view_func: t.Callable[..., t.Any] | None,
    methods: t.Iterable[str] | None,
    automatic: bool | None,
    automatic_by_default: bool,
) -> tuple[set[str], bool]:
    """The methods a new rule accepts, and whether ``OPTIONS`` is answered
    automatically for it. What the arguments leave open is taken from the
    view (``methods``, ``required_methods`` and
    ``provide_automatic_options`` attributes, as class-based views set
    them), then from ``PROVIDE_AUTOMATIC_OPTIONS``."""
    if methods is None:
        methods = getattr(view_func, "methods", None) or ("GET",)
    if isinstance(methods, str):
        raise TypeError(
            "'methods' must be a list of method names, such as"
            f" methods=[{methods!r}], not the string {methods!r}."
        )
    accepted = {m.upper() for m in methods}
    if automatic is None:
        automatic = getattr(view_func, "provide_automatic_options", None)
    if automatic is None:
        automatic = automatic_by_default and "OPTIONS" not in accepted
        if automatic:
            accepted.add("OPTIONS")
    accepted.update(getattr(view_func, "required_methods", ()))
    return accepted, automatic


def _make_timedelta(value: timedelta | int) -> timedelta:
    if isinstance(value, timedelta):
        return value
    return timedelta(seconds=value)


#: Flask 3.1's configuration keys with their defaults.
DEFAULT_CONFIG: dict[str, t.Any] = {
    "DEBUG": None,
    "TESTING": False,
    "PROPAGATE_EXCEPTIONS": None,
    "SECRET_KEY": None,
    "SECRET_KEY_FALLBACKS": None,
    "PERMANENT_SESSION_LIFETIME": timedelta(days=31),
    "USE_X_SENDFILE": False,
    "TRUSTED_HOSTS": None,
    "SERVER_NAME": None,
    "APPLICATION_ROOT": "/",
    "SESSION_COOKIE_NAME": "session",
    "SESSION_COOKIE_DOMAIN": None,
    "SESSION_COOKIE_PATH": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SECURE": False,
    "SESSION_COOKIE_PARTITIONED": False,
    "SESSION_COOKIE_SAMESITE": None,
    "SESSION_REFRESH_EACH_REQUEST": True,
    "MAX_CONTENT_LENGTH": None,
    "MAX_FORM_MEMORY_SIZE": 500_000,
    "MAX_FORM_PARTS": 1_000,
    "SEND_FILE_MAX_AGE_DEFAULT": None,
    "TRAP_BAD_REQUEST_ERRORS": None,
    "TRAP_HTTP_EXCEPTIONS": False,
    "EXPLAIN_TEMPLATE_LOADING": False,
    "PREFERRED_URL_SCHEME": "http",
    "TEMPLATES_AUTO_RELOAD": None,
    "MAX_COOKIE_SIZE": 4093,
    "PROVIDE_AUTOMATIC_OPTIONS": True,
}


class App(TemplateRegistration, Scaffold):
    """The registration half of :class:`jigger.Jigger`; see there."""

    #: The class of :attr:`aborter`, used by :func:`jigger.abort`.
    aborter_class = Aborter
    #: The class of :data:`jigger.g`.
    app_ctx_globals_class = _AppCtxGlobals
    #: The class of :attr:`config`.
    config_class = Config
    #: The class of :attr:`json`.
    json_provider_class: type[JSONProvider] = DefaultJSONProvider
    #: The class of the rules :meth:`add_url_rule` creates.
    url_rule_class = Rule
    #: The class of :attr:`url_map`.
    url_map_class = Map
    #: The defaults of :attr:`config`.
    default_config = DEFAULT_CONFIG
    #: Options for the Jinja2 environment (``autoescape``, ``trim_blocks``,
    #: ``extensions`` ...); change them before the first template renders.
    jinja_options: dict[str, t.Any] = {}
    if t.TYPE_CHECKING:
        #: The class of :attr:`jinja_env`, a :class:`jigger.templating.Environment`.
        jinja_environment: type[Environment]
    else:
        jinja_environment = _DefaultJinjaEnvironment()

    testing = ConfigAttribute[bool]("TESTING")
    secret_key = ConfigAttribute["str | bytes | None"]("SECRET_KEY")
    permanent_session_lifetime = ConfigAttribute[timedelta](
        "PERMANENT_SESSION_LIFETIME", get_converter=_make_timedelta
    )

    def __init__(
        self,
        import_name: str,
        static_url_path: str | None = None,
        static_folder: str | os.PathLike[str] | None = "static",
        static_host: str | None = None,
        host_matching: bool = False,
        subdomain_matching: bool = False,
        template_folder: str | os.PathLike[str] | None = "templates",
        instance_path: str | None = None,
        instance_relative_config: bool = False,
        root_path: str | None = None,
    ) -> None:
        super().__init__(
            import_name,
            root_path=root_path,
            template_folder=template_folder,
            static_folder=static_folder,
            static_url_path=static_url_path,
        )
        if instance_path is not None and not os.path.isabs(instance_path):
            raise ValueError(
                f"instance_path must be absolute, got {instance_path!r}: pass"
                " a full path, such as os.path.abspath(...) of it."
            )
        #: The folder for files that belong to this deployment, not to the
        #: code (configuration with secrets, a SQLite database).
        self.instance_path = instance_path or self.auto_find_instance_path()
        #: The configuration, a :class:`~jigger.config.Config`.
        self.config = self.make_config(instance_relative_config)
        #: The :class:`~werkzeug.routing.Map` of all URL rules.
        self.url_map = self.url_map_class(host_matching=host_matching)
        self.subdomain_matching = subdomain_matching
        #: Registered blueprints by name.
        self.blueprints: dict[str, Blueprint] = {}
        #: A place for extensions to keep their state, by extension name.
        self.extensions: dict[str, t.Any] = {}
        #: The JSON provider: ``app.json.sort_keys = False`` and friends.
        self.json: JSONProvider = self.json_provider_class(self)  # type: ignore[arg-type]
        #: Raises the HTTP errors of :func:`jigger.abort`.
        self.aborter = self.make_aborter()
        self.teardown_appcontext_funcs: list[ft.TeardownCallable] = []
        self.shell_context_processors: list[ft.ShellContextProcessorCallable] = []
        #: Called with ``(error, endpoint, values)`` when ``url_for`` fails;
        #: the first non-``None`` result is used as the URL.
        self.url_build_error_handlers: list[
            t.Callable[[Exception, str, dict[str, t.Any]], str]
        ] = []
        # (kind, name, function) of filters, tests and globals, kept until the
        # Jinja environment is created (adding one must not create it).
        self._jinja_additions: list[tuple[str, str, t.Callable[..., t.Any]]] = []
        self._got_first_request = False
        #: The fast lane of URL matching (jigger.routing), built from the
        #: finished URL map when the first request is served.
        self._fast_router: FastRouter | None = None
        #: The one cache of the explicit style, endpoint -> ViewCall: the
        #: view, planned once at registration (see _set_view).
        self._view_calls: dict[str, ViewCall] = {}

        if self.has_static_folder:
            if bool(static_host) != host_matching:
                raise ValueError(
                    "static_host goes with host_matching=True, and"
                    " host_matching=True needs static_host for the static route."
                )
            # Through a weak reference: a bound method in view_functions
            # would make a cycle, and CPython could free the app only in a
            # garbage collection run instead of when its last user lets go.
            app_ref = weakref.ref(self)

            def static(filename: str) -> t.Any:
                return app_ref().send_static_file(filename)  # type: ignore[union-attr]

            self.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                endpoint="static",
                host=static_host,
                view_func=static,
            )

    # -- identity and settings --------------------------------------------

    @cached_property
    def name(self) -> str:  # type: ignore[override]
        """The app's name: the import name, or the script's file name when
        the app lives in the ``__main__`` module."""
        if self.import_name == "__main__":
            fn = getattr(sys.modules["__main__"], "__file__", None)
            if fn is None:
                return "__main__"
            return str(os.path.splitext(os.path.basename(fn))[0])
        return self.import_name

    @cached_property
    def logger(self) -> logging.Logger:
        """A :class:`logging.Logger` named after the app. A handler is added
        only when logging is not configured for it; in debug mode its level
        is ``DEBUG``."""
        return create_logger(self)

    @property
    def debug(self) -> bool:
        """Debug mode (``DEBUG``): tracebacks in the browser with the
        development server, exceptions propagated, pretty JSON."""
        return bool(self.config["DEBUG"])

    @debug.setter
    def debug(self, value: bool) -> None:
        self.config["DEBUG"] = value
        if self.config["TEMPLATES_AUTO_RELOAD"] is None and "jinja_env" in vars(self):
            self.jinja_env.auto_reload = self.templates_auto_reload  # type: ignore[attr-defined]

    @property
    def templates_auto_reload(self) -> bool:
        """Whether templates are reloaded when their file changes
        (``TEMPLATES_AUTO_RELOAD``; when that is ``None``, in debug mode)."""
        value = self.config["TEMPLATES_AUTO_RELOAD"]
        return self.debug if value is None else bool(value)

    @templates_auto_reload.setter
    def templates_auto_reload(self, value: bool) -> None:
        self.config["TEMPLATES_AUTO_RELOAD"] = value
        if "jinja_env" in vars(self):
            self.jinja_env.auto_reload = bool(value)  # type: ignore[attr-defined]

    def select_jinja_autoescape(self, filename: str | None) -> bool:
        """Whether autoescaping is on for the template ``filename``: for
        ``.html``, ``.htm``, ``.xml``, ``.xhtml`` and ``.svg`` files, and for
        templates given as strings (``filename`` is ``None``).

        >>> from jigger import Jigger
        >>> app = Jigger("t")
        >>> app.select_jinja_autoescape("page.html")
        True
        >>> app.select_jinja_autoescape("mail.txt")
        False
        """
        if filename is None:
            return True
        return filename.lower().endswith(_AUTOESCAPE_SUFFIXES)

    def make_config(self, instance_relative: bool = False) -> Config:
        """Create :attr:`config` with the defaults and ``DEBUG`` from the
        environment."""
        root_path = self.instance_path if instance_relative else self.root_path
        defaults = dict(self.default_config)
        defaults["DEBUG"] = get_debug_flag()
        return self.config_class(root_path, defaults)

    def make_aborter(self) -> Aborter:
        """Create :attr:`aborter`."""
        return self.aborter_class()

    def auto_find_instance_path(self) -> str:
        """``instance/`` beside the app's package or module, or
        ``<prefix>/var/<name>-instance`` when the app is installed: inside
        ``sys.prefix`` (a virtual environment, or the system's Python), or
        in a ``site-packages`` folder of the running Python's prefixes."""
        package_path = _find_package_path(self.import_name)
        prefix = os.path.abspath(sys.prefix)
        if os.path.commonpath([prefix, package_path]) == prefix:
            return os.path.join(prefix, "var", f"{self.name}-instance")
        for prefix in {sys.prefix, sys.base_prefix}:
            site = os.path.join(prefix, "lib")
            if os.path.commonpath([site, package_path]) == site and (
                "site-packages" in package_path or "dist-packages" in package_path
            ):
                return os.path.join(prefix, "var", f"{self.name}-instance")
        return os.path.join(package_path, "instance")

    def _check_setup_finished(self, f_name: str) -> None:
        if self._got_first_request:
            raise AssertionError(
                f"'{f_name}' was called on {self.name!r} after it handled its"
                " first request, so the change could apply to some requests and"
                " not others. Do all setup (routes, hooks, error handlers,"
                " blueprints) before serving, for example in an app factory"
                " ('def create_app(): ...') or at import time of the app module."
            )

    # -- routes ----------------------------------------------------------

    def _add_rule(
        self,
        rule: str,
        endpoint: str | None,
        view_func: ft.RouteCallable | None,
        provide_automatic_options: bool | None,
        options: dict[str, t.Any],
    ) -> None:
        if endpoint is None:
            endpoint = _endpoint_from_view_func(view_func)
        methods, automatic = _rule_methods(
            view_func,
            options.pop("methods", None),
            provide_automatic_options,
            self.config["PROVIDE_AUTOMATIC_OPTIONS"],
        )
        new_rule = self.url_rule_class(
            rule, endpoint=endpoint, methods=methods, **options
        )
        new_rule.provide_automatic_options = automatic  # type: ignore[attr-defined]
        self.url_map.add(new_rule)
        if view_func is None:
            return
        taken_by = self.view_functions.get(endpoint)
        if taken_by is not None and taken_by != view_func:
            raise AssertionError(
                f"The endpoint {endpoint!r} already belongs to {taken_by!r}; a"
                f" second view {view_func!r} cannot take it over. Give the"
                " new rule its own endpoint=... or rename the function."
            )
        self._set_view(endpoint, view_func)

    def _set_view(self, endpoint: str, view: t.Callable[..., t.Any]) -> None:
        """Make ``view`` the view of ``endpoint``. Its explicit-style plan
        is worked out here, once (a mixed annotation is refused now, not on
        the first request), and kept in the one cache :meth:`_view_call`
        completes."""
        prepared = self._explicit(view, "view")
        self.view_functions[endpoint] = view
        self._view_calls[endpoint] = (view, prepared, None)

    def _injection_plan(
        self, func: t.Callable[..., t.Any], where: str = "view"
    ) -> InjectionPlan:
        """Which parameters of ``func`` ask for the request (an instance of
        :attr:`request_class`) or this app; worked out once, when the
        function is registered (see :mod:`jigger.sansio.explicit`)."""
        request_cls = getattr(self, "request_class", _RequestBase)
        return injection_plan(
            func,
            lambda cls: issubclass(cls, _RequestBase) and issubclass(request_cls, cls),
            {
                cls.__name__
                for cls in request_cls.__mro__
                if issubclass(cls, _RequestBase)
            },
            lambda cls: issubclass(cls, App) and isinstance(self, cls),
            {cls.__name__ for cls in type(self).__mro__[:-1]},
            where,
        )

    @setupmethod
    def endpoint(self, endpoint: str) -> t.Callable[[F], F]:
        """Register the decorated function as the view of ``endpoint``, for
        rules added without a view. Like :meth:`add_url_rule`, it works out
        here whether the view takes the request or the app as a parameter."""

        def register(view: F) -> F:
            self._set_view(endpoint, view)
            return view

        return register

    @setupmethod
    def register_blueprint(self, blueprint: Blueprint, **options: t.Any) -> None:
        """Register ``blueprint``'s views, hooks and handlers on the app.

        :param options: ``url_prefix``, ``subdomain``, ``url_defaults``, and
            ``name`` to register the same blueprint again under another name.
        """
        blueprint.register(self, options)

    def iter_blueprints(self) -> t.ValuesView[Blueprint]:
        """The registered blueprints, in registration order."""
        return self.blueprints.values()

    @setupmethod
    def teardown_appcontext(self, f: T_teardown) -> T_teardown:
        """Run ``f(error)`` when the application context ends: after each
        request, and at the end of ``with app.app_context():``. Every callback
        runs even if an earlier one raises."""
        self.teardown_appcontext_funcs.append(
            self._no_request(f, "teardown_appcontext")
        )
        return f

    @setupmethod
    def shell_context_processor(
        self, f: T_shell_context_processor
    ) -> T_shell_context_processor:
        """Register a function whose dict is added to ``jigger shell``."""
        self.shell_context_processors.append(f)
        return f

    def make_shell_context(self) -> dict[str, t.Any]:
        """The names ``jigger shell`` starts with: ``app``, ``g``, and what
        the ``shell_context_processor`` functions return."""
        from ..globals import g

        rv: dict[str, t.Any] = {"app": self, "g": g}
        for processor in self.shell_context_processors:
            rv.update(processor())
        return rv

    # -- errors ----------------------------------------------------------

    def _find_error_handler(
        self, e: Exception, blueprints: list[str]
    ) -> ft.ErrorHandlerCallable | None:
        """The handler for ``e``. Handlers registered for the status code
        win over those for a class; within each, the request's blueprints
        (innermost first) win over the app; then the most specific class
        along ``e``'s MRO."""
        spec = self.error_handler_spec
        # Most apps register no handler at all, or only app-wide ones: look
        # up only the scopes that have some (``.get``, so that a lookup adds
        # no empty entries to the defaultdicts).
        scopes = [spec[n] for n in (*blueprints, None) if spec.get(n)]
        if not scopes:
            return None
        exc_class, code = self._get_exc_class_and_code(type(e))
        for c in (None,) if code is None else (code, None):
            for by_code in scopes:
                by_class = by_code.get(c)
                if by_class:
                    for k in exc_class.__mro__:
                        if k in by_class:
                            return by_class[k]
        return None

    def trap_http_exception(self, e: Exception) -> bool:
        """Whether an HTTP exception should propagate like any other error
        instead of becoming its error response: always with
        ``TRAP_HTTP_EXCEPTIONS``; for bad requests with
        ``TRAP_BAD_REQUEST_ERRORS`` (when that is ``None``, only a missing
        form key, and only in debug mode)."""
        if self.config["TRAP_HTTP_EXCEPTIONS"]:
            return True
        trap_bad_requests = self.config["TRAP_BAD_REQUEST_ERRORS"]
        if trap_bad_requests is None:
            return self.debug and isinstance(e, BadRequestKeyError)
        return bool(trap_bad_requests) and isinstance(e, BadRequest)

    def should_ignore_error(self, error: BaseException | None) -> bool:
        """Return ``True`` to hide ``error`` from the teardown callbacks."""
        return False

    def _propagate_exceptions(self) -> bool:
        value = self.config["PROPAGATE_EXCEPTIONS"]
        if value is not None:
            return bool(value)
        return self.testing or self.debug

    # -- URLs ------------------------------------------------------------

    def inject_url_defaults(self, endpoint: str, values: dict[str, t.Any]) -> None:
        """Let the ``url_defaults`` callbacks of the app (and of the
        endpoint's blueprints) add values before a URL is built."""
        if self.url_default_functions:
            # The blueprints an endpoint belongs to, innermost first, as
            # request.blueprints lists them: "a.b.view" -> ["a.b", "a"].
            dotted = endpoint.rpartition(".")[0]
            blueprints = []
            while dotted:
                blueprints.append(dotted)
                dotted = dotted.rpartition(".")[0]
            for func in self._in_scope(self.url_default_functions, blueprints):
                func(endpoint, values)

    @staticmethod
    def _in_scope(
        registry: t.Mapping[str | None, list[_T]],
        blueprints: t.Sequence[str],
        innermost_first: bool = False,
    ) -> t.Iterator[_T]:
        """The functions of a hook registry that apply to a request (or
        endpoint) of ``blueprints`` (innermost first, as
        :attr:`jigger.Request.blueprints` lists them): the app's, then each
        blueprint's from the outermost in; or, with ``innermost_first``
        (``after_request``, ``teardown_request``), the reverse, each list
        last registered first. The one walk every hook dispatch uses."""
        if innermost_first:
            for name in (*blueprints, None):
                yield from reversed(registry.get(name, ()))
        else:
            for name in (None, *reversed(blueprints)):
                yield from registry.get(name, ())

    def handle_url_build_error(
        self, error: BuildError, endpoint: str, values: dict[str, t.Any]
    ) -> str:
        """Ask :attr:`url_build_error_handlers` for a URL; re-raise the
        :class:`~werkzeug.routing.BuildError` when none gives one."""
        for handler in self.url_build_error_handlers:
            try:
                url = handler(error, endpoint, values)
            except BuildError as raised:
                error = raised  # the next handler sees the newest error
                continue
            if url is not None:
                return url
        if error is sys.exc_info()[1]:
            raise  # the original, with its traceback
        raise error

    def redirect(self, location: str, code: int = 302) -> BaseResponse:
        """A redirect response built with :attr:`response_class`."""
        return _wz_redirect(location, code=code, Response=self.response_class)  # type: ignore[attr-defined]

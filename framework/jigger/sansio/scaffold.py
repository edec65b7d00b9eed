"""The registration methods shared by applications and blueprints."""

from __future__ import annotations

import importlib.util
import os
import pathlib
import sys
import typing as t
from collections import defaultdict
from functools import cached_property, update_wrapper

from werkzeug.exceptions import HTTPException, NotFound, default_exceptions
from werkzeug.sansio.request import Request as _RequestBase

from .. import typing as ft
from ..helpers import get_root_path
from .explicit import InjectionPlan, injection_plan, refuse_request, with_injection

if t.TYPE_CHECKING:  # pragma: no cover
    from jinja2 import FileSystemLoader

    from ..cli import AppGroup

F = t.TypeVar("F", bound=t.Callable[..., t.Any])
T_route = t.TypeVar("T_route", bound=ft.RouteCallable)
T_error_handler = t.TypeVar("T_error_handler", bound=ft.ErrorHandlerCallable)
# One type variable per hook kind (extensions import them from here too).
T_before_request = t.TypeVar("T_before_request", bound=ft.BeforeRequestCallable)
T_after_request = t.TypeVar("T_after_request", bound=ft.AfterRequestCallable[t.Any])
T_teardown = t.TypeVar("T_teardown", bound=ft.TeardownCallable)
T_template_context_processor = t.TypeVar(
    "T_template_context_processor", bound=ft.TemplateContextProcessorCallable
)
T_url_value_preprocessor = t.TypeVar(
    "T_url_value_preprocessor", bound=ft.URLValuePreprocessorCallable
)
T_url_defaults = t.TypeVar("T_url_defaults", bound=ft.URLDefaultCallable)
T_jinja = t.TypeVar("T_jinja", bound=t.Callable[..., t.Any])
T_template_filter = t.TypeVar("T_template_filter", bound=ft.TemplateFilterCallable)
T_template_global = t.TypeVar("T_template_global", bound=ft.TemplateGlobalCallable)
T_template_test = t.TypeVar("T_template_test", bound=ft.TemplateTestCallable)

_sentinel: t.Any = object()


def setupmethod(f: F) -> F:
    """Mark a registration method: calling it after the object has started
    serving requests raises an error that says what to do instead."""
    method_name = f.__name__

    def guarded(self: Scaffold, *args: t.Any, **kwargs: t.Any) -> t.Any:
        self._check_setup_finished(method_name)
        return f(self, *args, **kwargs)

    return t.cast(F, update_wrapper(guarded, f))


class HookKind(t.NamedTuple):
    """One kind of request hook, as the table :data:`HOOK_KINDS` lists it."""

    #: The decorator on apps and blueprints, e.g. ``"before_request"``.
    decorator: str
    #: The registry attribute: blueprint name (``None``: the app) -> list.
    registry: str
    #: The blueprint decorator that registers on the whole app.
    app_wide: str
    #: Whether the hook always runs during a request, so that it may take
    #: the request as a parameter (the explicit style).
    in_request: bool


#: Every kind of request hook. The registries of :class:`Scaffold`, the
#: decorators, the app-wide blueprint variants and the merge of a
#: blueprint into an app are all driven by this one table.
HOOK_KINDS: dict[str, HookKind] = {
    kind.decorator: kind
    for kind in (
        HookKind("before_request", "before_request_funcs", "before_app_request", True),
        HookKind("after_request", "after_request_funcs", "after_app_request", True),
        HookKind(
            "teardown_request", "teardown_request_funcs", "teardown_app_request", True
        ),
        HookKind(
            "url_value_preprocessor",
            "url_value_preprocessors",
            "app_url_value_preprocessor",
            True,
        ),
        HookKind(
            "context_processor",
            "template_context_processors",
            "app_context_processor",
            False,
        ),
        HookKind("url_defaults", "url_default_functions", "app_url_defaults", False),
    )
}


def jinja_registration(
    add: t.Callable[[t.Callable[..., t.Any], str | None], None],
    name: t.Any,
) -> t.Any:
    """The shared body of ``template_filter``, ``app_template_test`` and the
    other Jinja decorators: ``@deco``, ``@deco()`` and ``@deco("name")``
    all work. ``add(func, name)`` does the registering."""
    if callable(name):
        add(name, None)
        return name

    def decorator(func: T_jinja) -> T_jinja:
        add(func, name)
        return func

    return decorator


ErrorHandlerSpec = dict[
    ft.AppOrBlueprintKey,
    dict[int | None, dict[type[BaseException], ft.ErrorHandlerCallable]],
]


class Scaffold:
    """What an application and a blueprint have in common: view functions,
    request hooks, error handlers, URL callbacks, and the folders for
    static files and templates. The hook dictionaries are keyed by the name
    of the blueprint that registered them, ``None`` for the application.

    :param import_name: the name of the module or package the object belongs
        to, usually ``__name__``; folders are found relative to it.
    :param static_folder: the folder of static files, relative to
        ``root_path``.
    :param static_url_path: the URL prefix of static files.
    :param template_folder: the folder of templates, relative to
        ``root_path``.
    :param root_path: the folder everything is relative to; found from
        ``import_name`` when not given.
    """

    name: str
    _static_folder: str | None = None
    _static_url_path: str | None = None

    # The hook registries (see HOOK_KINDS): blueprint name or None -> list.
    before_request_funcs: dict[ft.AppOrBlueprintKey, list[ft.BeforeRequestCallable]]
    after_request_funcs: dict[
        ft.AppOrBlueprintKey, list[ft.AfterRequestCallable[t.Any]]
    ]
    teardown_request_funcs: dict[ft.AppOrBlueprintKey, list[ft.TeardownCallable]]
    url_value_preprocessors: dict[
        ft.AppOrBlueprintKey, list[ft.URLValuePreprocessorCallable]
    ]
    template_context_processors: dict[
        ft.AppOrBlueprintKey, list[ft.TemplateContextProcessorCallable]
    ]
    url_default_functions: dict[ft.AppOrBlueprintKey, list[ft.URLDefaultCallable]]

    def __init__(
        self,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        root_path: str | None = None,
    ) -> None:
        self.import_name = import_name
        self.static_folder = static_folder
        self.static_url_path = static_url_path
        self.template_folder = template_folder
        self.root_path = get_root_path(import_name) if root_path is None else root_path
        #: Endpoint name -> view function.
        self.view_functions: dict[str, ft.RouteCallable] = {}
        #: Blueprint name (``None``: the app) -> status code (``None``: by
        #: class only) -> exception class -> handler.
        self.error_handler_spec: ErrorHandlerSpec = defaultdict(
            lambda: defaultdict(dict)
        )
        for kind in HOOK_KINDS.values():
            setattr(self, kind.registry, defaultdict(list))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"

    def _check_setup_finished(self, f_name: str) -> None:
        raise NotImplementedError

    # -- the explicit style ------------------------------------------------

    def _injection_plan(
        self, func: t.Callable[..., t.Any], where: str = "view"
    ) -> InjectionPlan:
        """Which parameters of ``func`` ask for the request or the app (see
        :mod:`jigger.sansio.explicit`). A blueprint does not know its app
        yet: any request class or app class counts."""
        from .app import App

        return injection_plan(
            func,
            lambda cls: issubclass(cls, _RequestBase),
            {"Request"},
            lambda cls: issubclass(cls, App),
            {"App", "Jigger", "Flask"},
            where,
        )

    def _explicit(self, func: F, where: str) -> F:
        """``func``, or a wrapper that passes it the request and the app in
        the parameters annotated for them; decided once, here."""
        plan = self._injection_plan(func, where)
        return with_injection(func, plan) if plan else func

    def _no_request(self, func: F, where: str) -> F:
        """``func``, refused if it asks for the request: ``where`` functions
        also run outside requests. The app is passed if asked for."""
        plan = self._injection_plan(func, where)
        refuse_request(func, plan, where)
        return with_injection(func, plan) if plan else func

    # -- folders ---------------------------------------------------------

    @property
    def static_folder(self) -> str | None:
        """The absolute path of the static folder, or ``None``. Set it to a
        path relative to :attr:`root_path` (trailing slashes are dropped)."""
        folder = self._static_folder
        return None if folder is None else os.path.join(self.root_path, folder)

    @static_folder.setter
    def static_folder(self, value: str | os.PathLike[str] | None) -> None:
        self._static_folder = None if value is None else os.fspath(value).rstrip("\\/")

    @property
    def has_static_folder(self) -> bool:
        """Whether a static folder is set (it need not exist yet)."""
        return self.static_folder is not None

    def _static_file_or_404(self, filename: str) -> str:
        """The static folder, after checking that ``filename`` (already
        refused by Werkzeug's safe join if it climbs out with ``..``) does
        not lead outside it through a symbolic link: a link inside the
        static folder that resolves elsewhere answers ``404 Not Found``."""
        folder = t.cast(str, self.static_folder)
        try:
            real_folder = os.path.realpath(folder)
            real_file = os.path.realpath(os.path.join(folder, filename))
            inside = os.path.commonpath([real_folder, real_file]) == real_folder
        except (ValueError, OSError):
            inside = False
        if not inside:
            raise NotFound()
        return folder

    @cached_property
    def cli(self) -> AppGroup:
        """The click group of this object's commands (``@app.cli.command()``),
        named after it. click is imported the first time this is read, so
        creating an app does not import it."""
        from ..cli import AppGroup

        return AppGroup(name=self.name)

    @cached_property
    def jinja_loader(self) -> FileSystemLoader | None:
        """The loader of :attr:`template_folder` (relative to
        :attr:`root_path`), or ``None`` without a template folder. Jinja2 is
        imported the first time this is read, not before."""
        if self.template_folder is None:
            return None
        from jinja2 import FileSystemLoader

        return FileSystemLoader(os.path.join(self.root_path, self.template_folder))

    @property
    def static_url_path(self) -> str | None:
        """The URL prefix of static files: by default ``/`` plus the static
        folder's name."""
        folder = self.static_folder
        if self._static_url_path is None and folder is not None:
            return ("/" + os.path.basename(folder)).rstrip("/")
        return self._static_url_path

    @static_url_path.setter
    def static_url_path(self, value: str | None) -> None:
        self._static_url_path = None if value is None else value.rstrip("/")

    def open_resource(
        self, resource: str, mode: str = "rb", encoding: str | None = "utf-8"
    ) -> t.IO[t.AnyStr]:
        """Open ``resource``, a path relative to :attr:`root_path`, for
        reading (``"r"``, ``"rt"`` or ``"rb"``)."""
        if mode not in {"r", "rt", "rb"}:
            raise ValueError(
                f"open_resource opens files for reading only (mode 'r', 'rt' or"
                f" 'rb'), not {mode!r}."
            )
        path = os.path.join(self.root_path, resource)
        if mode == "rb":
            return open(path, mode)
        return open(path, mode, encoding=encoding)

    # -- routes ----------------------------------------------------------

    def _method_route(
        self, method: str, rule: str, options: dict[str, t.Any]
    ) -> t.Callable[[T_route], T_route]:
        if "methods" in options:
            raise TypeError(
                f"'{method.lower()}' already sets the method; use 'route' to"
                " give several methods."
            )
        return self.route(rule, methods=[method], **options)

    @setupmethod
    def get(self, rule: str, **options: t.Any) -> t.Callable[[T_route], T_route]:
        """``route(rule, methods=["GET"], **options)``."""
        return self._method_route("GET", rule, options)

    @setupmethod
    def post(self, rule: str, **options: t.Any) -> t.Callable[[T_route], T_route]:
        """``route(rule, methods=["POST"], **options)``."""
        return self._method_route("POST", rule, options)

    @setupmethod
    def put(self, rule: str, **options: t.Any) -> t.Callable[[T_route], T_route]:
        """``route(rule, methods=["PUT"], **options)``."""
        return self._method_route("PUT", rule, options)

    @setupmethod
    def delete(self, rule: str, **options: t.Any) -> t.Callable[[T_route], T_route]:
        """``route(rule, methods=["DELETE"], **options)``."""
        return self._method_route("DELETE", rule, options)

    @setupmethod
    def patch(self, rule: str, **options: t.Any) -> t.Callable[[T_route], T_route]:
        """``route(rule, methods=["PATCH"], **options)``."""
        return self._method_route("PATCH", rule, options)

    @setupmethod
    def route(self, rule: str, **options: t.Any) -> t.Callable[[T_route], T_route]:
        """Register the decorated function as the view for ``rule``; a
        decorator over :meth:`add_url_rule`.

        :param rule: the URL rule, with ``<converter:name>`` variables.
        :param options: ``endpoint``, ``methods`` and any
            :class:`~werkzeug.routing.Rule` option.
        """

        def register(view: T_route) -> T_route:
            name = options.pop("endpoint", None)
            self.add_url_rule(rule, name, view, **options)
            return view

        return register

    @setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: ft.RouteCallable | None = None,
        provide_automatic_options: bool | None = None,
        **options: t.Any,
    ) -> None:
        """Connect the URL ``rule`` to ``endpoint`` and its view function.

        :param rule: the rule, for example ``"/user/<int:id>"``.
        :param endpoint: the name for ``url_for``; the function's name by
            default.
        :param view_func: the view; may be added later with
            :meth:`endpoint`.
        :param provide_automatic_options: answer ``OPTIONS`` automatically
            (default: unless ``OPTIONS`` is listed, or the view says so).
        :param options: ``methods`` (default ``["GET"]``; ``HEAD`` comes with
            ``GET``), and any :class:`~werkzeug.routing.Rule` option such as
            ``defaults``, ``strict_slashes``, ``subdomain``, ``host``.

        A view with a parameter annotated with :class:`jigger.Request` (or
        this app's class) receives the request (or the app) as that argument.

        On a blueprint the rule is recorded, and added to the app with the
        blueprint's URL prefix, subdomain and name when it is registered.
        """
        self._add_rule(rule, endpoint, view_func, provide_automatic_options, options)

    def _add_rule(
        self,
        rule: str,
        endpoint: str | None,
        view_func: ft.RouteCallable | None,
        provide_automatic_options: bool | None,
        options: dict[str, t.Any],
    ) -> None:
        """What :meth:`add_url_rule` does on an app or a blueprint."""
        raise NotImplementedError

    @setupmethod
    def endpoint(self, endpoint: str) -> t.Callable[[F], F]:
        """Register the decorated function as the view of ``endpoint``, for
        rules added without a view."""

        def decorator(f: F) -> F:
            self._injection_plan(f)  # refuses a mixed annotation now
            self.view_functions[endpoint] = f
            return f

        return decorator

    # -- hooks: one table (HOOK_KINDS), one registration path -------------

    def _prepare_hook(self, kind: HookKind, f: F, where: str) -> F:
        """``f`` as it is stored: wrapped to receive the request or the app
        when it asks for them, refused if it asks for the request where
        there may be none."""
        if kind.in_request:
            return self._explicit(f, where)
        return self._no_request(f, where)

    def _add_hook(self, name: str, f: F) -> F:
        kind = HOOK_KINDS[name]
        registry = getattr(self, kind.registry)
        registry[None].append(self._prepare_hook(kind, f, name))
        return f

    @setupmethod
    def before_request(self, f: T_before_request) -> T_before_request:
        """Run ``f()`` before each view; a non-``None`` return value is used
        as the response and the view is skipped."""
        return self._add_hook("before_request", f)

    @setupmethod
    def after_request(self, f: T_after_request) -> T_after_request:
        """Run ``f(response)`` after each view; it returns the response to
        send (the same object or a new one). Hooks run in reverse order of
        registration, and not when an exception went unhandled."""
        return self._add_hook("after_request", f)

    @setupmethod
    def teardown_request(self, f: T_teardown) -> T_teardown:
        """Run ``f(error)`` when the request context is popped, after the
        response is made, whether or not an error happened. Every teardown
        callback runs even if an earlier one raises."""
        return self._add_hook("teardown_request", f)

    @setupmethod
    def context_processor(
        self, f: T_template_context_processor
    ) -> T_template_context_processor:
        """Register a function whose returned dict is added to every
        template's context."""
        return self._add_hook("context_processor", f)

    @setupmethod
    def url_value_preprocessor(
        self, f: T_url_value_preprocessor
    ) -> T_url_value_preprocessor:
        """Run ``f(endpoint, view_args)`` before the ``before_request`` hooks;
        it may pop values from ``view_args`` (for example into ``g``)."""
        return self._add_hook("url_value_preprocessor", f)

    @setupmethod
    def url_defaults(self, f: T_url_defaults) -> T_url_defaults:
        """Run ``f(endpoint, values)`` when building a URL; it may add
        values in place."""
        return self._add_hook("url_defaults", f)

    # -- errors ----------------------------------------------------------

    @setupmethod
    def errorhandler(
        self, code_or_exception: type[Exception] | int
    ) -> t.Callable[[T_error_handler], T_error_handler]:
        """Register the decorated function for an HTTP status code or an
        exception class; see :meth:`register_error_handler`."""

        def register(handler: T_error_handler) -> T_error_handler:
            self.register_error_handler(code_or_exception, handler)
            return handler

        return register

    @setupmethod
    def register_error_handler(
        self, code_or_exception: type[Exception] | int, f: ft.ErrorHandlerCallable
    ) -> None:
        """Handle errors of a status code (``404``) or an exception class
        with ``f(error)``, which returns a response value. For a class, the
        handler of the most specific registered base class wins."""
        exc_class, code = self._get_exc_class_and_code(code_or_exception)
        self.error_handler_spec[None][code][exc_class] = self._explicit(
            f, "error handler"
        )

    @staticmethod
    def _get_exc_class_and_code(
        exc_class_or_code: type[Exception] | int,
    ) -> tuple[type[Exception], int | None]:
        """The exception class and status code (``None`` for an exception
        that is not an HTTP error) a handler is registered under."""
        if isinstance(exc_class_or_code, int):
            found = default_exceptions.get(exc_class_or_code)
            if found is None:
                raise ValueError(
                    f"{exc_class_or_code} is not an HTTP error code Werkzeug knows."
                    " Subclass werkzeug.exceptions.HTTPException with that 'code'"
                    " and register the handler for the subclass instead."
                )
            return found, found.code
        if isinstance(exc_class_or_code, BaseException):
            raise TypeError(
                f"{exc_class_or_code!r} is an exception instance; register the"
                " handler for its class instead."
            )
        if isinstance(exc_class_or_code, type) and issubclass(
            exc_class_or_code, Exception
        ):
            code = getattr(exc_class_or_code, "code", None)
            http = issubclass(exc_class_or_code, HTTPException)
            return exc_class_or_code, code if http else None
        raise ValueError(
            f"{exc_class_or_code!r} is neither an HTTP status code nor a subclass"
            " of Exception; error handlers need one of the two."
        )


def _endpoint_from_view_func(view_func: ft.RouteCallable | None) -> str:
    """The default endpoint of a rule: its view function's name."""
    if view_func is not None:
        return view_func.__name__
    raise TypeError(
        "add_url_rule needs an endpoint name when no view function is given."
    )


def _find_package_path(import_name: str) -> str:
    """The folder that contains the top-level package of ``import_name``.

    For a namespace package, whose parts may lie in several folders, it is
    the folder that holds the part ``import_name`` comes from.
    """
    root_mod_name = import_name.partition(".")[0]
    portions = _namespace_portions(root_mod_name)
    if portions:
        origin = _origin_of(import_name)
        for portion in portions:
            if origin is not None and _is_inside(origin, portion):
                return os.path.dirname(portion)
        return os.path.dirname(portions[0])
    root = pathlib.Path(get_root_path(root_mod_name))
    # A package's folder lies inside its install prefix; a module's folder is it.
    return os.fspath(root.parent if (root / "__init__.py").exists() else root)


def _namespace_portions(name: str) -> list[str]:
    """The folders of the namespace package ``name``; empty for anything
    else (a regular package, a module, or a name that cannot be found)."""
    module = sys.modules.get(name)
    spec = getattr(module, "__spec__", None) if module is not None else None
    if spec is None:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            return []
    if spec is None or spec.origin not in (None, "namespace"):
        return []
    return [os.path.abspath(p) for p in spec.submodule_search_locations or ()]


def _origin_of(name: str) -> str | None:
    module = sys.modules.get(name)
    path = getattr(module, "__file__", None)
    if path is None:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            return None
        path = spec.origin if spec is not None else None
    return os.path.abspath(path) if path else None


def _is_inside(path: str, folder: str) -> bool:
    return os.path.commonpath([path, folder]) == folder

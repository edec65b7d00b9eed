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
T_after_request = t.TypeVar("T_after_request", bound=ft.AfterRequestCallable[t.Any])
T_before_request = t.TypeVar("T_before_request", bound=ft.BeforeRequestCallable)
T_error_handler = t.TypeVar("T_error_handler", bound=ft.ErrorHandlerCallable)
T_teardown = t.TypeVar("T_teardown", bound=ft.TeardownCallable)
T_template_context_processor = t.TypeVar(
    "T_template_context_processor", bound=ft.TemplateContextProcessorCallable
)
T_url_defaults = t.TypeVar("T_url_defaults", bound=ft.URLDefaultCallable)
T_url_value_preprocessor = t.TypeVar(
    "T_url_value_preprocessor", bound=ft.URLValuePreprocessorCallable
)
T_route = t.TypeVar("T_route", bound=ft.RouteCallable)

_sentinel: t.Any = object()


def setupmethod(f: F) -> F:
    """Mark a registration method: calling it after the object has started
    serving requests raises an error that says what to do instead."""
    f_name = f.__name__

    def wrapper_func(self: Scaffold, *args: t.Any, **kwargs: t.Any) -> t.Any:
        self._check_setup_finished(f_name)
        return f(self, *args, **kwargs)

    return t.cast(F, update_wrapper(wrapper_func, f))


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
        if root_path is None:
            root_path = get_root_path(self.import_name)
        self.root_path = root_path

        #: Endpoint name -> view function.
        self.view_functions: dict[str, ft.RouteCallable] = {}
        #: Blueprint name (``None``: the app) -> status code (``None``: by
        #: class only) -> exception class -> handler.
        self.error_handler_spec: ErrorHandlerSpec = defaultdict(
            lambda: defaultdict(dict)
        )
        self.before_request_funcs: dict[
            ft.AppOrBlueprintKey, list[ft.BeforeRequestCallable]
        ] = defaultdict(list)
        self.after_request_funcs: dict[
            ft.AppOrBlueprintKey, list[ft.AfterRequestCallable[t.Any]]
        ] = defaultdict(list)
        self.teardown_request_funcs: dict[
            ft.AppOrBlueprintKey, list[ft.TeardownCallable]
        ] = defaultdict(list)
        self.template_context_processors: dict[
            ft.AppOrBlueprintKey, list[ft.TemplateContextProcessorCallable]
        ] = defaultdict(list)
        self.url_value_preprocessors: dict[
            ft.AppOrBlueprintKey, list[ft.URLValuePreprocessorCallable]
        ] = defaultdict(list)
        self.url_default_functions: dict[
            ft.AppOrBlueprintKey, list[ft.URLDefaultCallable]
        ] = defaultdict(list)

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
        """The absolute path of the static folder, or ``None``."""
        if self._static_folder is not None:
            return os.path.join(self.root_path, self._static_folder)
        return None

    @static_folder.setter
    def static_folder(self, value: str | os.PathLike[str] | None) -> None:
        if value is not None:
            value = os.fspath(value).rstrip(r"\/")
        self._static_folder = value

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
        if self._static_url_path is not None:
            return self._static_url_path
        if self.static_folder is not None:
            basename = os.path.basename(self.static_folder)
            return f"/{basename}".rstrip("/")
        return None

    @static_url_path.setter
    def static_url_path(self, value: str | None) -> None:
        if value is not None:
            value = value.rstrip("/")
        self._static_url_path = value

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

        def decorator(f: T_route) -> T_route:
            endpoint = options.pop("endpoint", None)
            self.add_url_rule(rule, endpoint, f, **options)
            return f

        return decorator

    @setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: ft.RouteCallable | None = None,
        provide_automatic_options: bool | None = None,
        **options: t.Any,
    ) -> None:
        """Register a URL rule (see :meth:`jigger.Jigger.add_url_rule`)."""
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

    # -- hooks -----------------------------------------------------------

    @setupmethod
    def before_request(self, f: T_before_request) -> T_before_request:
        """Run ``f()`` before each view; a non-``None`` return value is used
        as the response and the view is skipped."""
        self.before_request_funcs[None].append(self._explicit(f, "before_request"))
        return f

    @setupmethod
    def after_request(self, f: T_after_request) -> T_after_request:
        """Run ``f(response)`` after each view; it returns the response to
        send (the same object or a new one). Hooks run in reverse order of
        registration, and not when an exception went unhandled."""
        self.after_request_funcs[None].append(self._explicit(f, "after_request"))
        return f

    @setupmethod
    def teardown_request(self, f: T_teardown) -> T_teardown:
        """Run ``f(error)`` when the request context is popped, after the
        response is made, whether or not an error happened. Every teardown
        callback runs even if an earlier one raises."""
        self.teardown_request_funcs[None].append(self._explicit(f, "teardown_request"))
        return f

    @setupmethod
    def context_processor(
        self, f: T_template_context_processor
    ) -> T_template_context_processor:
        """Register a function whose returned dict is added to every
        template's context."""
        self.template_context_processors[None].append(
            self._no_request(f, "context_processor")
        )
        return f

    @setupmethod
    def url_value_preprocessor(
        self, f: T_url_value_preprocessor
    ) -> T_url_value_preprocessor:
        """Run ``f(endpoint, view_args)`` before the ``before_request`` hooks;
        it may pop values from ``view_args`` (for example into ``g``)."""
        self.url_value_preprocessors[None].append(
            self._explicit(f, "url_value_preprocessor")
        )
        return f

    @setupmethod
    def url_defaults(self, f: T_url_defaults) -> T_url_defaults:
        """Run ``f(endpoint, values)`` when building a URL; it may add
        values in place."""
        self.url_default_functions[None].append(self._no_request(f, "url_defaults"))
        return f

    # -- errors ----------------------------------------------------------

    @setupmethod
    def errorhandler(
        self, code_or_exception: type[Exception] | int
    ) -> t.Callable[[T_error_handler], T_error_handler]:
        """Register the decorated function for an HTTP status code or an
        exception class; see :meth:`register_error_handler`."""

        def decorator(f: T_error_handler) -> T_error_handler:
            self.register_error_handler(code_or_exception, f)
            return f

        return decorator

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
        if isinstance(exc_class_or_code, int):
            try:
                exc_class: type[Exception] = default_exceptions[exc_class_or_code]
            except KeyError:
                raise ValueError(
                    f"{exc_class_or_code} is not an HTTP error code Werkzeug knows."
                    " Subclass werkzeug.exceptions.HTTPException with that 'code'"
                    " and register the handler for the subclass instead."
                ) from None
        else:
            exc_class = exc_class_or_code

        if isinstance(exc_class, Exception):
            raise TypeError(
                f"{exc_class!r} is an exception instance; register the handler"
                " for its class instead."
            )
        if not isinstance(exc_class, type) or not issubclass(exc_class, Exception):
            raise ValueError(
                f"{exc_class!r} is neither an HTTP status code nor a subclass of"
                " Exception; error handlers need one of the two."
            )
        if issubclass(exc_class, HTTPException):
            return exc_class, exc_class.code
        return exc_class, None


def _endpoint_from_view_func(view_func: ft.RouteCallable | None) -> str:
    if view_func is None:
        raise TypeError(
            "add_url_rule needs an endpoint name when no view function is given."
        )
    return view_func.__name__


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

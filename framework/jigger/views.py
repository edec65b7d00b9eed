"""Class-based views: :class:`View` and :class:`MethodView`.

A class groups the code of one endpoint, shares it through inheritance, and
takes constructor arguments per registration. :meth:`View.as_view` turns the
class into the view function that :meth:`~jigger.Jigger.add_url_rule` takes.

>>> from jigger import Jigger
>>> from jigger.views import MethodView
>>> class Counter(MethodView):
...     def __init__(self, start: int) -> None:
...         self.start = start
...     def get(self) -> str:
...         return f"count from {self.start}"
...     def post(self) -> tuple[str, int]:
...         return "created", 201
>>> app = Jigger("views")
>>> app.add_url_rule("/count", view_func=Counter.as_view("count", 10))
>>> client = app.test_client()
>>> client.get("/count").text, client.post("/count").status_code
('count from 10', 201)
>>> sorted(Counter.methods)
['GET', 'POST']
"""

from __future__ import annotations

import contextlib
import inspect
import typing as t
import weakref

from . import typing as ft
from .globals import _cv_ctx, current_app, request

__all__ = ["MethodView", "View"]

#: The HTTP methods :class:`MethodView` looks for as lowercase handlers.
http_method_funcs = frozenset(
    ["get", "post", "head", "options", "delete", "put", "trace", "patch"]
)


class View:
    """Subclass it and implement :meth:`dispatch_request`; register the
    function returned by :meth:`as_view`.

    >>> from jigger import Jigger
    >>> class Hello(View):
    ...     def __init__(self, greeting: str = "Hello") -> None:
    ...         self.greeting = greeting
    ...     def dispatch_request(self, name: str) -> str:
    ...         return f"{self.greeting}, {name}!"
    >>> app = Jigger("hello")
    >>> app.add_url_rule("/hi/<name>", view_func=Hello.as_view("hi", "Hi"))
    >>> app.test_client().get("/hi/Ada").text
    'Hi, Ada!'
    """

    #: The methods the view accepts; ``None`` means the rule's default
    #: (``GET``, with ``HEAD`` and ``OPTIONS``).
    methods: t.ClassVar[t.Collection[str] | None] = None

    #: Whether ``OPTIONS`` is answered automatically; ``None`` leaves it to
    #: the app (``PROVIDE_AUTOMATIC_OPTIONS``).
    provide_automatic_options: t.ClassVar[bool | None] = None

    #: Decorators applied, in order, to the function :meth:`as_view`
    #: makes; the last one is the outermost. Use this rather than decorating
    #: the result, so that the class stays reachable as ``view_class``.
    decorators: t.ClassVar[list[t.Callable[..., t.Any]]] = []

    #: Create a new instance for every request (the default: attributes set
    #: while handling one request cannot leak into the next). Set it to
    #: ``False`` to create one instance in :meth:`as_view` and reuse it,
    #: which is faster but means ``self`` must not hold per-request state.
    init_every_request: t.ClassVar[bool] = True

    def dispatch_request(self, **kwargs: t.Any) -> ft.ResponseReturnValue:
        """Handle the request; receives the URL's variables as keyword
        arguments and returns what a view function returns."""
        raise NotImplementedError(
            f"{type(self).__qualname__} must implement dispatch_request()"
            " (or derive from MethodView and define get(), post(), ...)."
        )

    @classmethod
    def as_view(
        cls, name: str, *class_args: t.Any, **class_kwargs: t.Any
    ) -> ft.RouteCallable:
        """Make the view function for this class.

        :param name: the function's ``__name__``, the default endpoint.
        :param class_args: positional arguments for the class's constructor.
        :param class_kwargs: keyword arguments for the class's constructor.

        The function has the attributes ``view_class``, ``methods``,
        ``provide_automatic_options``, ``init_every_request`` and (before
        :attr:`decorators` wrap it) those are copied onto the outermost
        wrapper too, so :meth:`~jigger.Jigger.add_url_rule` sees them.
        """
        if not isinstance(name, str):
            raise TypeError(
                f"as_view() takes the endpoint name as its first argument, a"
                f" string, not {type(name).__name__!r}: {cls.__name__}.as_view("
                f"'{cls.__name__.lower()}')."
            )
        shared = None if cls.init_every_request else cls(*class_args, **class_kwargs)

        def view(**kwargs: t.Any) -> ft.ResponseReturnValue:
            # A fresh instance per request unless the class shares one; made
            # from view.view_class, so that reassigning it takes effect.
            handler = shared
            if handler is None:
                handler = view.view_class(*class_args, **class_kwargs)  # type: ignore[attr-defined]
            return current_app.ensure_sync(handler.dispatch_request)(**kwargs)  # type: ignore[no-any-return]

        signature = _explicit_signature(cls)
        if signature is not None:
            view.__signature__ = signature  # type: ignore[attr-defined]

        func: t.Any = view
        if cls.decorators:
            func.__name__ = name
            func.__module__ = cls.__module__
            for decorator in cls.decorators:
                func = decorator(func)

        # Set on the outermost function, which is what the app registers.
        func.view_class = cls
        func.__name__ = name
        func.__doc__ = cls.__doc__
        func.__module__ = cls.__module__
        func.methods = cls.methods
        func.provide_automatic_options = cls.provide_automatic_options
        func.init_every_request = cls.init_every_request
        if func is not view:
            view.view_class = cls  # type: ignore[attr-defined]
        return t.cast(ft.RouteCallable, func)


class MethodView(View):
    """Dispatch each request to the method named after the HTTP method:
    ``get``, ``post``, ``put``, ``delete``, ``patch``, ... (``HEAD`` uses
    ``get`` when there is no ``head``). :attr:`methods` is worked out from
    the handlers the class and its bases define.

    >>> from jigger import Jigger
    >>> class Item(MethodView):
    ...     def get(self, item_id: int) -> str:
    ...         return f"item {item_id}"
    ...     async def delete(self, item_id: int) -> tuple[str, int]:
    ...         return "", 204
    >>> app = Jigger("items")
    >>> app.add_url_rule("/items/<int:item_id>", view_func=Item.as_view("item"))
    >>> client = app.test_client()
    >>> client.get("/items/3").text, client.delete("/items/3").status_code
    ('item 3', 204)
    >>> client.put("/items/3").status_code
    405
    """

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        super().__init_subclass__(**kwargs)
        if "methods" in cls.__dict__:
            return  # set explicitly by the class
        found: set[str] = set()
        for base in cls.__mro__:
            # A base's explicit list counts, as do the handlers it defines.
            base_methods = base.__dict__.get("methods")
            if base is not cls and base_methods:
                found.update(m.upper() for m in base_methods)
        for key in http_method_funcs:
            if callable(getattr(cls, key, None)):
                found.add(key.upper())
        if found:
            cls.methods = frozenset(found)

    def dispatch_request(self, **kwargs: t.Any) -> ft.ResponseReturnValue:
        method = request.method.lower()
        handler = getattr(self, method, None)
        if handler is None and method == "head":
            handler = getattr(self, "get", None)
        if handler is None:
            # Only reachable when 'methods' lists a method without a handler.
            raise AssertionError(
                f"{type(self).__qualname__} has no handler for"
                f" {request.method}: define a '{method}' method or remove"
                f" {request.method!r} from its 'methods'."
            )
        wanted = _accepted_names(handler)
        if wanted is not None and not wanted.issuperset(kwargs):
            # The request or the app, injected because another handler of
            # this class asks for it (see _explicit_signature): drop it for
            # the handlers that do not. URL variables are never dropped.
            ctx = _cv_ctx.get()
            injected = (ctx.request, ctx.app)
            kwargs = {
                k: v
                for k, v in kwargs.items()
                if k in wanted or not any(v is obj for obj in injected)
            }
        return current_app.ensure_sync(handler)(**kwargs)  # type: ignore[no-any-return]


# -- the explicit style (a parameter annotated as the request or the app) ---


def _handlers(cls: type[View]) -> list[t.Callable[..., t.Any]]:
    if issubclass(cls, MethodView):
        return [
            getattr(cls, name)
            for name in sorted(http_method_funcs)
            if callable(getattr(cls, name, None))
        ]
    return [cls.dispatch_request]


def _explicit_signature(cls: type[View]) -> inspect.Signature | None:
    """A signature for the generated view function that lists the
    handlers' parameters, so that the app's injection of the request or the
    app (see :meth:`jigger.Jigger.add_url_rule`) also works for classes.

    ``None`` when no handler takes more than ``**kwargs``: the function then
    keeps its plain ``(**kwargs)`` signature.
    """
    params: dict[str, inspect.Parameter] = {}
    for func in _handlers(cls):
        try:
            sig = inspect.signature(func)
        except (TypeError, ValueError):
            continue
        for i, param in enumerate(sig.parameters.values()):
            if i == 0 and param.name == "self":
                continue
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                continue
            if param.annotation is param.empty or param.name in params:
                continue
            params[param.name] = param.replace(
                kind=param.KEYWORD_ONLY, default=param.empty
            )
    if not params:
        return None
    var_kw = inspect.Parameter("kwargs", inspect.Parameter.VAR_KEYWORD)
    return inspect.Signature([*params.values(), var_kw])


#: handler function -> the keyword names it accepts (see _accepted_names);
#: worked out on a handler's first request, not on every one.
_ACCEPTED: weakref.WeakKeyDictionary[t.Callable[..., t.Any], frozenset[str] | None] = (
    weakref.WeakKeyDictionary()
)


def _accepted_names(func: t.Callable[..., t.Any]) -> frozenset[str] | None:
    """The keyword names ``func`` (a handler, bound or not) accepts, or
    ``None`` if it takes ``**kwargs`` (or its signature cannot be read).
    Cached per function."""
    key = getattr(func, "__func__", func)
    try:
        return _ACCEPTED[key]
    except (KeyError, TypeError):  # TypeError: cannot be weakly referenced
        pass
    names = _read_accepted_names(func)
    with contextlib.suppress(TypeError):
        _ACCEPTED[key] = names
    return names


def _read_accepted_names(func: t.Callable[..., t.Any]) -> frozenset[str] | None:
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return None
    names: set[str] = set()
    for param in sig.parameters.values():
        if param.kind is param.VAR_KEYWORD:
            return None
        if param.kind is not param.POSITIONAL_ONLY:
            names.add(param.name)
    return frozenset(names)

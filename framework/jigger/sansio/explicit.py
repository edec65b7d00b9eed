"""The explicit style: which parameters of a function ask for the request or
the application, worked out once, when the function is registered.

A parameter annotated with the request class (``req: Request``, also
``Request | None``) receives the request; one annotated with the
application class receives the app. Views, request hooks, error handlers
and URL value preprocessors may use it. A function registered where no
request exists (``teardown_appcontext``, ``url_defaults``, context
processors) is refused when it asks for the request, at registration.
"""

from __future__ import annotations

import inspect
import types
import typing as t

#: What an injection plan hands a function: the parameter name, and whether
#: it gets the request (``True``) or the application (``False``).
InjectionPlan = tuple[tuple[str, bool], ...]

F = t.TypeVar("F", bound=t.Callable[..., t.Any])

_UNION_TYPES: tuple[object, ...] = (t.Union, types.UnionType)


def _without_none(ann: t.Any) -> tuple[t.Any, bool]:
    """``ann`` with ``| None`` (or ``Optional[...]``) taken off, and whether
    it was a union with something else than ``None`` left over."""
    if t.get_origin(ann) in _UNION_TYPES:
        rest = [arg for arg in t.get_args(ann) if arg is not type(None)]
        if len(rest) == 1:
            return rest[0], False
        return ann, True
    if isinstance(ann, str):
        text = ann.strip()
        if text.startswith(("Optional[", "t.Optional[", "typing.Optional[")):
            text = text[text.index("[") + 1 : -1]
        parts = [p.strip() for p in text.split("|") if p.strip() != "None"]
        if len(parts) == 1:
            return parts[0], False
        return ann, len(parts) > 1
    return ann, False


def injection_plan(
    func: t.Callable[..., t.Any],
    is_request_class: t.Callable[[type], bool],
    request_names: t.Collection[str],
    is_app_class: t.Callable[[type], bool],
    app_names: t.Collection[str],
    where: str,
) -> InjectionPlan:
    """Which parameters of ``func`` ask for the request or the app.

    :param is_request_class: whether an annotation's class is one the
        owner's requests are instances of.
    :param request_names: the names a request parameter may be annotated
        with as a string that cannot be resolved.
    :param is_app_class: the same for the app.
    :param app_names: the same for the app.
    :param where: how the function is registered, for error messages.
    :raises TypeError: when a parameter's annotation names the request or
        app class in a union with another type: the function would be
        called without it on every request.
    """
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return ()
    try:
        hints = t.get_type_hints(inspect.unwrap(func))
    except Exception:
        hints = {}
    plan: list[tuple[str, bool]] = []
    for name, param in sig.parameters.items():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        raw = hints.get(name, param.annotation)
        if raw is param.empty:
            continue
        ann, mixed = _without_none(raw)
        wants: bool | None = None
        if isinstance(ann, str):
            tail = ann.rpartition(".")[2]
            if tail in request_names:
                wants = True
            elif tail in app_names:
                wants = False
        elif isinstance(ann, type):
            if is_request_class(ann):
                wants = True
            elif is_app_class(ann):
                wants = False
        if mixed and _names_any(
            raw,
            {*request_names, *app_names},
            lambda cls: is_request_class(cls) or is_app_class(cls),
        ):
            raise TypeError(
                f"Parameter {name!r} of {where} {_describe(func)} is annotated"
                f" {raw!r}: jigger passes the request (or the app) only to a"
                " parameter annotated with its class alone, or with '| None'."
                " Annotate it with the class alone, or leave the class out."
            )
        if wants is not None:
            plan.append((name, wants))
    return tuple(plan)


def _names_any(
    ann: t.Any, names: set[str], is_injectable: t.Callable[[type], bool]
) -> bool:
    """Whether the union ``ann`` has the request or app class among its
    members (by name, for an annotation that is still a string)."""
    if isinstance(ann, str):
        words = {
            w.strip("[] ").rpartition(".")[2]
            for w in ann.replace(",", "|").replace("[", "|").split("|")
        }
        return bool(words & names)
    return any(isinstance(arg, type) and is_injectable(arg) for arg in t.get_args(ann))


def _describe(func: t.Callable[..., t.Any]) -> str:
    code = getattr(inspect.unwrap(func), "__code__", None)
    name = getattr(func, "__qualname__", repr(func))
    if code is None:
        return repr(name)
    return f"{name!r} ({code.co_filename}:{code.co_firstlineno})"


def refuse_request(
    func: t.Callable[..., t.Any],
    plan: InjectionPlan,
    where: str,
) -> None:
    """Raise a clear error when ``func`` asks for the request where there is
    none to give it."""
    for name, wants_request in plan:
        if wants_request:
            raise TypeError(
                f"Parameter {name!r} of {_describe(func)} asks for the request,"
                f" but {where} functions also run when there is no request, so"
                " jigger cannot pass it. Use 'jigger.request' inside (check"
                " 'jigger.has_request_context()' first) or remove the parameter."
            )


def with_injection(func: F, plan: InjectionPlan) -> F:
    """Wrap ``func`` so that each call gets the current request and app in
    the parameters ``plan`` names: the one call helper of the explicit
    style, for views, class-based views, hooks and error handlers alike.

    The other arguments are passed as the framework passes them: keyword
    arguments (a view's URL variables) as they are, positional ones (a
    hook's response or error) matched by name to the remaining parameters
    in order, so that they never collide with the injected ones."""
    from ..globals import _cv_ctx

    params = inspect.signature(func).parameters.values()
    injected = {name for name, _ in plan}
    by_position = [
        p.name
        for p in params
        if p.name not in injected
        and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    can_name = all(p.kind is not p.POSITIONAL_ONLY for p in params)

    def arguments(
        args: tuple[t.Any, ...], kwargs: dict[str, t.Any]
    ) -> tuple[tuple[t.Any, ...], dict[str, t.Any]]:
        ctx = _cv_ctx.get()
        for name, wants_request in plan:
            kwargs[name] = ctx.request if wants_request else ctx.app
        if args and can_name and len(args) <= len(by_position):
            kwargs.update(zip(by_position, args, strict=False))
            return (), kwargs
        return args, kwargs

    if inspect.iscoroutinefunction(func):

        async def call_async(*args: t.Any, **kwargs: t.Any) -> t.Any:
            pos, named = arguments(args, kwargs)
            return await func(*pos, **named)

        wrapper: t.Callable[..., t.Any] = call_async
    else:

        def call(*args: t.Any, **kwargs: t.Any) -> t.Any:
            pos, named = arguments(args, kwargs)
            return func(*pos, **named)

        wrapper = call
    wrapper.__wrapped__ = func  # type: ignore[attr-defined]
    for attr in ("__module__", "__name__", "__qualname__", "__doc__"):
        setattr(wrapper, attr, getattr(func, attr, None))
    return t.cast(F, wrapper)

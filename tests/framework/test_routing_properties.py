"""Differential property tests for jigger.routing: the fast lane, Werkzeug's
matcher and Flask's app must give the same answer for random rule sets and
random paths, on the first request and on every later one.

The fast lane may step aside (``None``); whenever it answers, the answer must
be Werkzeug's. At the level of an app, jigger and Flask must agree on status,
endpoint, arguments, redirect target and ``Allow`` header.

The examples are bounded by the hypothesis profile chosen in
``tests/conftest.py`` (``JIGGER_HYPOTHESIS=dev`` runs thousands).
"""

from __future__ import annotations

import dataclasses
import re
import typing as t

import flask
from hypothesis import example, given
from hypothesis import strategies as st
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import BaseConverter, Map, RequestRedirect, Rule

import jigger
from jigger.routing import FastRouter


class Upper(BaseConverter):
    """A converter the fast lane cannot vouch for: it always steps aside."""

    def to_python(self, value: str) -> str:
        return value.upper()


CONVERTERS = {"upper": Upper}

#: Variable syntax -> values a path may put in its place (some match, some
#: do not).
_VARIABLES = [
    "",
    "string(length=2):",
    "int:",
    "int(signed=True):",
    "int(max=5):",
    "float:",
    "float(signed=True):",
    "path:",
    "uuid:",
    "any(a, bb):",
    "upper:",
]
_STATIC = ["a", "bb", "item", "x.json", "A"]
_VALUES = [
    "7",
    "007",
    "-3",
    "9",
    "1.5",
    "-2.5",
    "a",
    "bb",
    "A",
    "item",
    "x.json",
    "a/b",
    "a/",
    "12345678-1234-5678-1234-567812345678",
    "7\n",
    "\n",
    "é",
    "a%2Fb",
    " ",
]
METHODS = ["GET", "POST", "PUT", "HEAD", "OPTIONS"]


@dataclasses.dataclass
class RuleSpec:
    text: str
    endpoint: str
    methods: tuple[str, ...] | None
    strict_slashes: bool | None
    defaults: dict[str, t.Any] | None = None
    subdomain: str | None = None
    host: str | None = None
    redirect_to: str | None = None

    def options(self) -> dict[str, t.Any]:
        """Keyword arguments for both ``Rule`` and ``add_url_rule``."""
        options: dict[str, t.Any] = {}
        if self.methods is not None:
            options["methods"] = list(self.methods)
        for name in ("strict_slashes", "defaults", "subdomain", "host"):
            value = getattr(self, name)
            if value is not None:
                options[name] = value
        if self.redirect_to is not None:
            options["redirect_to"] = self.redirect_to
        return options


@st.composite
def rule_texts(draw: st.DrawFn) -> str:
    names = iter("pqrs")
    parts = []
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["static", "static", "variable", "mixed"]))
        if kind == "static":
            parts.append(draw(st.sampled_from(_STATIC)))
            continue
        variable = f"<{draw(st.sampled_from(_VARIABLES))}{next(names)}>"
        if kind == "mixed":
            variable = f"{draw(st.sampled_from(['', 'v']))}{variable}.json"
        parts.append(variable)
    text = "/" + "/".join(parts)
    if parts and draw(st.booleans()):
        text += "/"
    if draw(st.integers(0, 9)) == 0:
        text = text.replace("/", "//", 1)  # Werkzeug merges these slashes
    return text


@st.composite
def rule_sets(draw: st.DrawFn, hosts: bool = False) -> list[RuleSpec]:
    specs: list[RuleSpec] = []
    for i in range(draw(st.integers(1, 6))):
        text = draw(rule_texts())
        spec = RuleSpec(
            text=text,
            endpoint=f"e{i}",
            methods=draw(
                st.one_of(
                    st.just(("GET",)),
                    st.lists(
                        st.sampled_from(["GET", "POST", "PUT"]),
                        min_size=1,
                        max_size=3,
                        unique=True,
                    ).map(tuple),
                )
            ),
            strict_slashes=draw(st.sampled_from([None, None, False])),
        )
        extra = draw(
            st.sampled_from(["", "", "", "", "defaults", "subdomain", "redirect"])
        )
        if hosts:
            spec.host = draw(st.sampled_from(["localhost", "other.test"]))
        elif extra == "subdomain":
            spec.subdomain = "api"
        if extra == "defaults" and "<" not in text:
            # A rule giving the defaults of another rule of the same
            # endpoint: Werkzeug redirects from that rule to this one.
            spec.defaults = {"n": 1}
            specs.append(spec)
            spec = dataclasses.replace(
                spec, text=text.rstrip("/") + "/<int:n>", defaults=None
            )
        elif extra == "redirect":
            spec.redirect_to = "/moved"
        specs.append(spec)
    return specs


@st.composite
def paths_for(draw: st.DrawFn, specs: list[RuleSpec]) -> str:
    """A path made from one of the rules (with values that may or may not
    match), mutated a little; or a short random path."""
    if draw(st.integers(0, 4)) == 0:
        tail = draw(st.text(alphabet="ab/.7-\n%é", max_size=8))
        return "/" + tail
    spec = draw(st.sampled_from(specs))
    text = re.sub("/{2,}", "/", spec.text) if draw(st.booleans()) else spec.text
    while "<" in text:
        start, end = text.index("<"), text.index(">")
        text = text[:start] + draw(st.sampled_from(_VALUES)) + text[end + 1 :]
    mutation = draw(st.sampled_from(["", "", "", "slash", "newline", "double"]))
    if mutation == "slash":
        text = text[:-1] if text.endswith("/") and text != "/" else text + "/"
    elif mutation == "newline":
        text += "\n"
    elif mutation == "double":
        text = "/" + text
    return text


def _werkzeug_answer(adapter_map: Map, path: str, method: str) -> object:
    adapter = adapter_map.bind("localhost", subdomain="", path_info=path)
    try:
        return adapter.match(method=method, return_rule=True)
    except RequestRedirect as e:
        return ("redirect", e.new_url)
    except HTTPException as e:
        return type(e)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[RuleSpec], list[str]]:
    specs = draw(rule_sets())
    paths = draw(st.lists(paths_for(specs), min_size=1, max_size=8))
    return specs, paths


def _map(specs: list[RuleSpec], **options: t.Any) -> Map:
    return Map(
        [Rule(s.text, endpoint=s.endpoint, **s.options()) for s in specs],
        converters=CONVERTERS,
        **options,
    )


#: Map-wide settings a rule set is tried under.
_MAP_OPTIONS: list[dict[str, t.Any]] = [
    {},
    {},
    {"strict_slashes": False},
    {"merge_slashes": False},
    {"redirect_defaults": False},
]


@given(scenarios(), st.sampled_from(_MAP_OPTIONS))
@example(
    (
        [
            RuleSpec("/user/<int:p>/", "e0", ("GET",), None),
            RuleSpec("/user/<q>", "e1", ("GET",), None),
        ],
        ["/user/5", "/user/5/", "/user/x"],
    ),
    {},
)
@example(
    (
        [
            RuleSpec("/about/", "e0", ("GET",), False),
            RuleSpec("/<p>", "e1", ("GET",), None),
        ],
        ["/about", "/about/", "/other"],
    ),
    {},
)
@example(([RuleSpec("/item/<int:p>", "e0", ("GET",), None)], ["/item/7\n"]), {})
def test_fast_lane_answers_only_what_werkzeug_answers(
    scenario: tuple[list[RuleSpec], list[str]], map_options: dict[str, t.Any]
) -> None:
    specs, paths = scenario
    url_map = _map(specs, **map_options)
    router = FastRouter.build(url_map)
    assert router is not None
    for path in paths:
        for method in METHODS:
            expected = _werkzeug_answer(url_map, path, method)
            hit = router.match(path, method)
            if hit is not None:
                assert isinstance(expected, tuple), (path, method, expected)
                assert expected[0] is hit[0], (path, method, expected)
                assert expected[1] == hit[1], (path, method, expected)
            if router.surely_missing(path):
                assert expected is NotFound, (path, method, expected)


@given(rule_sets(hosts=True))
def test_host_matching_maps_are_left_to_werkzeug(specs: list[RuleSpec]) -> None:
    assert FastRouter.build(_map(specs, host_matching=True)) is None


# -- jigger's app against Flask's, request after request ------------------------


def _view(endpoint: str) -> t.Callable[..., str]:
    def view(**kwargs: t.Any) -> str:
        return f"{endpoint} {sorted((k, repr(v)) for k, v in kwargs.items())}"

    return view


def _app(cls: type[t.Any], specs: list[RuleSpec], mode: str) -> tuple[t.Any, list[str]]:
    """An app of ``cls`` with ``specs``; also the base URLs to ask."""
    options: dict[str, t.Any] = {}
    bases = ["http://localhost/"]
    if mode == "hosts":
        options = {"host_matching": True, "static_host": "localhost"}
        bases.append("http://other.test/")
    elif mode == "subdomains":
        options = {"subdomain_matching": True}
        bases.append("http://api.localhost/")
    app = cls("routing_properties", **options)
    if mode in ("subdomains", "server name"):
        app.config["SERVER_NAME"] = "localhost"
    if mode == "not strict":
        app.url_map.strict_slashes = False
    elif mode == "no merging":
        app.url_map.merge_slashes = False
    app.url_map.converters.update(CONVERTERS)
    views: dict[str, t.Callable[..., str]] = {}
    for spec in specs:
        view = views.setdefault(spec.endpoint, _view(spec.endpoint))
        app.add_url_rule(spec.text, spec.endpoint, view, **spec.options())
    return app, bases


def _answers(app: t.Any, bases: list[str], paths: list[str]) -> list[tuple[t.Any, ...]]:
    client = app.test_client()
    answers: list[tuple[t.Any, ...]] = []
    for _ in range(2):  # the first pass starts with the app's first request
        for base in bases:
            for path in paths:
                # PATH_INFO as a server sets it (the test client would take a
                # path starting with "//" for a host).
                wsgi_path = path.encode().decode("latin-1")
                for method in METHODS:
                    r = client.open(
                        "/",
                        method=method,
                        base_url=base,
                        environ_overrides={"PATH_INFO": wsgi_path},
                    )
                    body = r.get_data(as_text=True) if r.status_code == 200 else ""
                    answers.append(
                        (
                            base,
                            path,
                            method,
                            r.status_code,
                            r.headers.get("Location"),
                            sorted(r.headers.get("Allow", "").split(", ")),
                            body,
                        )
                    )
    return answers


@st.composite
def app_scenarios(draw: st.DrawFn) -> tuple[str, list[RuleSpec], list[str]]:
    mode = draw(
        st.sampled_from(
            [
                "plain",
                "plain",
                "plain",
                "server name",
                "not strict",
                "no merging",
                "subdomains",
                "hosts",
            ]
        )
    )
    specs = draw(rule_sets(hosts=mode == "hosts"))
    paths = draw(st.lists(paths_for(specs), min_size=1, max_size=5))
    return mode, specs, paths


@given(app_scenarios())
def test_jigger_answers_as_flask_does_on_every_request(
    scenario: tuple[str, list[RuleSpec], list[str]],
) -> None:
    mode, specs, paths = scenario
    flask_app, bases = _app(flask.Flask, specs, mode)
    jigger_app, _ = _app(jigger.Jigger, specs, mode)
    expected = _answers(flask_app, bases, paths)
    assert _answers(jigger_app, bases, paths) == expected

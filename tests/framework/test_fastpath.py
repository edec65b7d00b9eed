"""The fast paths' guards (jigger._fastpath): the one override check, and the
Werkzeug range whose private fields they read."""

from __future__ import annotations

import importlib.metadata
import pathlib
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Response as WerkzeugResponse

from jigger import Jigger
from jigger._fastpath import WERKZEUG_TESTED, keeps_base

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_pyproject_pins_werkzeug_to_the_tested_range() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    (werkzeug,) = [
        Requirement(dep)
        for dep in project["dependencies"]
        if Requirement(dep).name == "werkzeug"
    ]
    assert werkzeug.specifier == SpecifierSet(WERKZEUG_TESTED)
    installed = importlib.metadata.version("werkzeug")
    assert installed in werkzeug.specifier, (
        f"Werkzeug {installed} is outside {WERKZEUG_TESTED}: check the private"
        " fields below still mean the same, then widen the pin and the constant."
    )


def test_the_private_werkzeug_fields_the_fast_paths_read() -> None:
    # jigger.routing reads a bound rule's converters by variable name.
    url_map = Map([Rule("/item/<int:n>", endpoint="item")])
    rule = next(url_map.iter_rules())
    converters = rule._converters
    assert set(converters) == {"n"}
    assert converters["n"].to_python("3") == 3
    # jigger.wrappers reads a response's body list and its close callbacks.
    response = WerkzeugResponse("hi")
    assert response.response == [b"hi"]
    assert response._on_close == []
    response.call_on_close(lambda: None)
    assert len(response._on_close) == 1


def test_keeps_base_follows_the_mro() -> None:
    class Base:
        def a(self) -> None: ...

        def b(self) -> None: ...

        name = "base"

    class Middle(Base):
        def b(self) -> None: ...

    class Leaf(Middle):
        pass

    assert keeps_base(Base, Base, "a", "b", "name")
    assert keeps_base(Leaf, Base, "a", "name")
    assert not keeps_base(Leaf, Base, "b")
    assert not keeps_base(Leaf, Base, "a", "b")

    class Renamed(Base):
        name = "other"

    assert not keeps_base(Renamed, Base, "name")


@pytest.mark.parametrize("override", ["app_context", "do_teardown_appcontext", None])
def test_an_app_class_overriding_its_context_methods_pushes_a_real_context(
    override: str | None,
) -> None:
    namespace: dict[str, object] = {}
    if override is not None:
        namespace[override] = lambda self, *a, **k: getattr(Jigger, override)(
            self, *a, **k
        )
    cls: type[Jigger] = type("Custom", (Jigger,), namespace)
    assert cls._request_ctx_stands_in is (override is None)

"""The design page's module map names every module of both packages, and
nothing that is not one."""

from __future__ import annotations

import re

from .conftest import REPO

MAP_LINE = re.compile(r"^\* ``(?P<module>jigger(?:_sphinx)?(?:\.[\w]+)*)``: \S", re.M)


def _modules() -> set[str]:
    found = set()
    for root in ("framework", "sphinx_ext"):
        for package in ("jigger", "jigger_sphinx"):
            base = REPO / root / package
            if not base.is_dir():
                continue
            for path in base.rglob("*.py"):
                parts = list(path.relative_to(REPO / root).with_suffix("").parts)
                if parts[-1] == "__init__":
                    parts.pop()
                found.add(".".join(parts))
    return found


def test_every_module_has_its_line_in_the_module_map() -> None:
    page = (REPO / "docs" / "design.rst").read_text(encoding="utf-8")
    named = [m.group("module") for m in MAP_LINE.finditer(page)]
    modules = _modules()
    assert len(modules) > 40
    missing = sorted(modules - set(named))
    assert not missing, f"docs/design.rst's module map lacks: {', '.join(missing)}"
    unknown = sorted(set(named) - modules)
    assert not unknown, f"docs/design.rst names modules that do not exist: {unknown}"
    assert len(named) == len(set(named)), "a module has two lines"

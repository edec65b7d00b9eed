"""Sphinx configuration of the jigger book: ``sphinx-build -c conf docs build/html``."""

from __future__ import annotations

import builtins
import importlib
import sys
import typing as t
from pathlib import Path

import jigger

# The tutorial's Python sessions are started in examples/blog, where ``import
# blog`` finds the package in the current folder. The build runs from
# anywhere, with jigger installed normally or from this checkout, so it puts
# that folder on the import path for the examples (they run with the build's
# sys.path); the pages show only what a reader types.
_BLOG = Path(__file__).resolve().parents[1] / "examples" / "blog"
if str(_BLOG) not in sys.path:
    sys.path.insert(0, str(_BLOG))

if t.TYPE_CHECKING:
    from docutils import nodes
    from sphinx.addnodes import pending_xref
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment

project = "jigger"
author = "The jigger developers"
copyright = "2026, the jigger developers"
# The version is typed once, in framework/jigger/__init__.py.
release = jigger.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.graphviz",
    "jigger_sphinx",
]

# The design page's diagrams are drawn at build time by Graphviz's ``dot``
# (Debian: apt-get install graphviz; nox -s docs and .ci/run install it).
graphviz_output_format = "svg"

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns: list[str] = []

# -- Cross references ----------------------------------------------------
# Every reference must resolve (-n). The book builds offline, so there is no
# intersphinx: names of the standard library, Werkzeug, Jinja2, click, Sphinx,
# docutils, pytest and the other libraries underneath have no inventory and
# are accepted as they are. Everything of jigger and jigger_sphinx is
# documented on the API page and must resolve.
nitpicky = True
_THIRD_PARTY = (
    "werkzeug",
    "jinja2",
    "markupsafe",
    "itsdangerous",
    "click",
    "blinker",
    "asgiref",
    "dotenv",
    "sphinx",
    "docutils",
    "nodes",
    "addnodes",
    "pytest",
    "_pytest",
    "packaging",
    "_typeshed",
    "t",
    "cabc",
    "te",
)
_STDLIB = sorted(sys.stdlib_module_names)
nitpick_ignore_regex = [
    (r"py:.*", rf"({'|'.join(_THIRD_PARTY)})(\..*)?"),
    (r"py:.*", rf"({'|'.join(_STDLIB)})(\..*)?"),
]
# Builtins (``str``, ``exec``, ``RuntimeError`` ...) and the names that the
# code imports only for type checking from the libraries above, which is why
# they appear unqualified in signatures.
nitpick_ignore = [
    (f"py:{role}", name)
    for name in dir(builtins)
    if not name.startswith("_")
    for role in ("class", "func", "exc", "data", "obj", "meth")
]
nitpick_ignore += [
    ("py:class", name)
    for name in (
        # the WSGI contract (_typeshed.wsgi)
        "WSGIEnvironment",
        "WSGIApplication",
        "StartResponse",
        # werkzeug, jinja2, click
        "HTTPException",
        "BaseResponse",
        "Headers",
        "Rule",
        "MapAdapter",
        "FileStorage",
        "Template",
        "BaseLoader",
        "FileSystemLoader",
        # sphinx, docutils, pytest
        "Sphinx",
        "BuildEnvironment",
        "ExtensionMetadata",
        "Builder",
        "Config",
        "SphinxPostTransform",
        "TerminalRepr",
        "ExceptionInfo",
        "TracebackType",
        "PathLike",
        # click's Context and the type variables of its pass decorators
        "Context",
        "P",
        "R",
    )
]

# -- autodoc: the API page (docs/api.rst) -----------------------------------
# Signatures show the type hints; members in the order of the source, which
# is the order the modules explain them in.
autodoc_typehints = "signature"
autodoc_typehints_format = "short"
autodoc_member_order = "bysource"
autodoc_preserve_defaults = True
# A method that overrides Werkzeug's, Sphinx's or pytest's without a docstring
# of its own would show theirs: their prose, their version notes, their
# references. Show only what this project wrote.
autodoc_inherit_docstrings = False

myst_enable_extensions = ["colon_fence", "deflist"]

# Alabaster, the theme of the Pallets projects (Flask, Werkzeug, Jinja, click)
# whose API jigger follows, so their readers are at home; kept plain and styled
# in conf/_static/custom.css (code blocks scroll, prev/next bars).
html_theme = "alabaster"
html_title = f"jigger {release}"
html_static_path = ["_static"]
html_theme_options = {
    "description": "A micro web framework whose docs are checked against it.",
    "show_relbars": True,  # previous / next links above and below each page
    "show_powered_by": False,
    "page_width": "1040px",
    "sidebar_width": "240px",
    "fixed_sidebar": False,
    "font_size": "16px",
    "link": "#1f5f8b",
    "link_hover": "#0b3c5d",
    "pre_bg": "#f6f8fa",
    "code_bg": "#eef1f4",
}
html_sidebars = {
    "**": ["about.html", "searchfield.html", "navigation.html", "relations.html"]
}

# jigger_sphinx: every example runs against the live code; every kind of
# block is checked, each page that has examples ends with what they were
# checked against, and the changelog must name the release.
jigger_example_kinds = ["doctest", "pycon", "python", "http"]
jigger_checked_footer = True
jigger_changelog = "changelog"
jigger_example_timeout = 10
jigger_watch = [
    "../framework/jigger",
    "../sphinx_ext/jigger_sphinx",
    "../examples/blog/blog",
]


# -- Short names -----------------------------------------------------------
# Each object is documented once, where it lives (jigger.app.Jigger,
# jigger.globals.request). The short names a reader imports (jigger.Jigger,
# jigger.request, jigger.Jigger.route) and the names a module uses in its
# annotations (``ft.ResponseReturnValue``, ``Outcome``) are the same objects:
# a reference to one of them is sent to the entry of that object. A name that
# turns out to be a type variable, a private helper type, or an object of
# another library is shown as plain text: there is no page to link it to.

_PACKAGES = ("jigger", "jigger_sphinx")
_Found = tuple[list[object], dict[int, list[str]]]
_cache: dict[int, _Found] = {}
# values that many names may hold (None, 0, "", ()) say nothing about which
# entry a name belongs to
_SHARED_VALUES = (type(None), bool, int, float, str, bytes, tuple, frozenset)


def _documented_objects(env: BuildEnvironment) -> _Found:
    """Map id(object) to the names it is documented under, for this build."""
    keep: list[object] = []  # holds the objects so that their ids stay unique
    found: dict[int, list[str]] = {}
    for name, _disp, objtype, _doc, _anchor, _prio in env.domains["py"].get_objects():
        if objtype == "module" or not name.startswith(_PACKAGES):
            continue
        chain = _lookup(name.split("."), None)
        if (
            chain is not None
            and len(chain) == name.count(".") + 1
            and not isinstance(chain[-1], _SHARED_VALUES)
        ):
            keep.append(chain[-1])
            found.setdefault(id(chain[-1]), []).append(name)
    return keep, found


def _lookup(parts: list[str], modname: str | None) -> list[object] | None:
    """The objects along a dotted name: absolute, or as seen from module
    ``modname``, or from any module of the two packages."""
    first: object
    if parts[0] in _PACKAGES:
        first = importlib.import_module(parts[0])
    else:
        if not modname or modname not in sys.modules:
            return None
        package = modname.split(".")[0]
        homes = [modname, *sorted(m for m in sys.modules if m.split(".")[0] == package)]
        for home in homes:
            if home and hasattr(sys.modules[home], parts[0]):
                first = getattr(sys.modules[home], parts[0])
                break
        else:
            return None
    chain = [first]
    for part in parts[1:]:
        try:
            chain.append(getattr(chain[-1], part))
        except Exception:  # a proxy outside a context, a name not loaded yet
            if not isinstance(chain[-1], type(sys)):
                break
            try:
                chain.append(importlib.import_module(f"{chain[-1].__name__}.{part}"))
            except ImportError:
                break
    return chain


def _plain_text(obj: object) -> bool:
    """Whether ``obj`` has no page: a type variable, a private helper type,
    or an object of another library."""
    if isinstance(obj, (t.TypeVar, t.ParamSpec)):
        return True
    module = getattr(obj, "__module__", None)
    name = getattr(obj, "__qualname__", getattr(obj, "__name__", ""))
    if not isinstance(module, str) or not isinstance(name, str):
        return False
    if not module.startswith(_PACKAGES):
        return True
    # private helpers, and the WSGI-free base classes (jigger.sansio), whose
    # members are documented on their public subclasses
    return name.startswith("_") or module.startswith("jigger.sansio.")


def _resolve_short_name(
    app: Sphinx, env: BuildEnvironment, node: pending_xref, contnode: nodes.TextElement
) -> nodes.Element | None:
    if node.get("refdomain") != "py":
        return None
    target: str = node["reftarget"]
    parts = target.lstrip("~.").split(".")
    modname = node.get("py:module")
    chain = _lookup(parts, modname)
    if chain is None and node.get("py:class"):
        parts = [*node["py:class"].split("."), *parts]
        chain = _lookup(parts, modname)
    if not chain:
        return None
    if id(env) not in _cache:
        _cache.clear()
        _cache[id(env)] = _documented_objects(env)
    documented = _cache[id(env)][1]
    domain = env.domains["py"]
    for depth in range(len(chain), 0, -1):
        here = chain[depth - 1]
        # an attribute named on a class may be documented on a base class
        owners = (
            here.__mro__ if isinstance(here, type) and depth < len(parts) else [here]
        )
        names = [n for owner in owners for n in documented.get(id(owner), ())]
        for name in names:
            full = ".".join([name, *parts[depth:]])
            if full == target:
                continue
            found = domain.resolve_xref(
                env, node["refdoc"], app.builder, node["reftype"], full, node, contnode
            )
            if found is None and node["reftype"] != "obj":
                found = domain.resolve_xref(
                    env, node["refdoc"], app.builder, "obj", full, node, contnode
                )
            if found is not None:
                return found
    if len(chain) == len(parts) and _plain_text(chain[-1]):
        return contnode
    return None


def _forget(app: Sphinx, env: BuildEnvironment) -> None:
    _cache.clear()


def setup(app: Sphinx) -> None:
    app.connect("missing-reference", _resolve_short_name)
    app.connect("env-updated", _forget)

"""Sphinx configuration of the jigger book: ``sphinx-build -c conf docs build/html``."""

from __future__ import annotations

import jigger

project = "jigger"
author = "The jigger developers"
copyright = "2026, the jigger developers"
# The version is typed once, in framework/jigger/__init__.py.
release = jigger.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "jigger_sphinx",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns: list[str] = []
nitpicky = True
# Werkzeug's and the standard library's types have no inventory offline.
nitpick_ignore_regex = [
    (r"py:.*", r"(werkzeug|_typeshed|jinja2|click|t|typing|collections)\..*"),
]

myst_enable_extensions = ["colon_fence"]

html_theme = "alabaster"
html_title = f"jigger {release}"

# jigger_sphinx: every example runs against the live code.
jigger_example_timeout = 10
jigger_watch = ["../framework/jigger", "../sphinx_ext/jigger_sphinx"]

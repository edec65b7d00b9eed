"""A small book for the server tests: reST and MyST pages, references, examples."""

from __future__ import annotations

project = "tinybook"
author = "The jigger developers"
extensions = ["myst_parser", "jigger_sphinx"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
html_theme = "alabaster"
nitpicky = True
jigger_example_timeout = 10

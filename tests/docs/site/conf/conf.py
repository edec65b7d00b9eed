"""A small book for the server tests: reST and MyST pages, references, examples."""

from __future__ import annotations

from pathlib import Path

project = "tinybook"
author = "The jigger developers"
extensions = ["myst_parser", "jigger_sphinx"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
html_theme = "alabaster"
nitpicky = True
jigger_example_timeout = 10
# Relative to this folder, like the real book's ../framework/jigger: a change
# there re-runs the examples that import tinycode.
jigger_watch = ["../code/tinycode.py"]
_code = str(Path(__file__).resolve().parent.parent / "code")
jigger_setup = f"import sys; sys.path.insert(0, {_code!r})"

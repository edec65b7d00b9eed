"""jigger_sphinx: a Sphinx extension that checks references and runs examples."""

from __future__ import annotations

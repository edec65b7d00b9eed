"""``python -m jigger_sphinx.serve``: the same as the ``jigger-docs`` command."""

from __future__ import annotations

from .cli import main

if __name__ == "__main__":  # pragma: no cover
    main(prog_name="jigger-docs")

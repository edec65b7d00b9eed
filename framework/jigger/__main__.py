"""``python -m jigger``: the same as the ``jigger`` command."""

from __future__ import annotations

from .cli import main

main()

"""``python -m jigger.cli``: the same as the ``jigger`` command."""

from . import main

main()

"""The only app in the module, under a name the CLI does not guess."""

from __future__ import annotations

from jigger import Jigger

web = Jigger("only_one")

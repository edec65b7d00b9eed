"""A module that ends with app.run(), as tutorials do: under 'jigger run' or
any other jigger command the call must do nothing."""

from __future__ import annotations

from jigger import Jigger

app = Jigger(__name__)

app.run(port=1)

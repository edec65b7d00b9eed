"""``python pytest_on_jigger.py ARGS``: pytest, with ``import flask``
answering jigger (see :mod:`jigger.compat`).

The alias is installed before pytest starts, so that the suite's
``conftest.py`` files and test modules import jigger wherever they say
``flask``.
"""

from __future__ import annotations

import sys

from jigger.compat import install_flask_alias

install_flask_alias()

import pytest  # noqa: E402  (after the alias, on purpose)

if __name__ == "__main__":
    sys.exit(pytest.main(sys.argv[1:]))

"""Two apps and no 'app': the CLI must ask which one."""

from __future__ import annotations

from jigger import Jigger

api = Jigger("two_api")
admin = Jigger("two_admin")

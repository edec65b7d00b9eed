"""The app is called 'application'; another object is called 'app'."""

from __future__ import annotations

from jigger import Jigger

app = "not an application"
application = Jigger("named_application")

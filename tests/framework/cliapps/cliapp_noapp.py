"""A module without any application."""

from __future__ import annotations

VALUE = 1

"""A module that exists but fails to import one of its own dependencies."""

from __future__ import annotations

import cliapp_dependency_that_is_not_installed  # type: ignore[import-not-found]  # noqa: F401

"""Shared fixtures for the jigger_sphinx tests (sphinx.testing roots)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def rootdir() -> Path:
    """Directory holding the ``test-<name>`` Sphinx projects used by the tests."""
    return Path(__file__).parent / "roots"

"""Fixtures shared by the whole test suite."""

from __future__ import annotations

import typing as t

import pytest


@pytest.fixture(autouse=True)
def _no_context_left_pushed() -> t.Iterator[None]:
    """Fail any test that leaves an application or request context pushed."""
    from jigger.globals import _cv_ctx

    before = _cv_ctx.get(None)
    yield
    after = _cv_ctx.get(None)
    if after is before:
        return
    # Pop what was left, so that one leaky test does not fail the next ones.
    while (ctx := _cv_ctx.get(None)) is not None and ctx is not before:
        if not ctx._tokens:
            break
        token = ctx._tokens.pop()
        try:
            _cv_ctx.reset(token[0] if isinstance(token, tuple) else token)
        except ValueError:
            break
    pytest.fail(f"The test left a context pushed: {after!r}")

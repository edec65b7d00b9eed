"""Fixtures shared by the whole test suite."""

from __future__ import annotations

import os
import typing as t

import pytest
from hypothesis import HealthCheck, settings

# Property tests (hypothesis): a fixed, bounded profile for CI and everyday
# runs; JIGGER_HYPOTHESIS=dev explores thousands of new examples per test.
# The autouse fixture below runs once per test, not per example, which is
# what it should do: it checks for contexts left over by the whole test.
settings.register_profile(
    "ci",
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "dev",
    max_examples=3000,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("JIGGER_HYPOTHESIS", "ci"))


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

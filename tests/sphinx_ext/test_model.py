"""The engine's data: Example and Outcome."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from jigger_sphinx.model import Example, Outcome


def test_example_defaults_and_value_semantics() -> None:
    ex = Example(kind="pycon", source=">>> 1\n1\n", path="a.rst", lineno=4)
    assert (ex.want, ex.options, ex.skip, ex.skip_if, ex.xfail) == (
        None,
        (),
        None,
        None,
        None,
    )
    same = Example("pycon", ">>> 1\n1\n", "a.rst", 4)
    assert ex == same
    assert hash(ex) == hash(same)
    assert pickle.loads(pickle.dumps(ex)) == ex
    with pytest.raises(dataclasses.FrozenInstanceError):
        ex.lineno = 5  # type: ignore[misc]


def test_outcome_failure_statuses() -> None:
    statuses = ["passed", "failed", "skipped", "xfailed", "xpassed", "not-run"]
    failing = [s for s in statuses if Outcome(s, 1).is_failure]  # type: ignore[arg-type]
    assert failing == ["failed", "xpassed"]
    outcome = Outcome("failed", 3, "NameError: name 'x' is not defined", "tb", 0.5)
    assert pickle.loads(pickle.dumps(outcome)) == outcome

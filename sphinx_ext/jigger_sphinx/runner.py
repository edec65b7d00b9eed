"""Run a document's examples in worker subprocesses (stub; being written)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import TracebackType

from jigger_sphinx.model import Example, Outcome

__all__ = ["Runner"]


class Runner:
    """Runs documents' examples in worker subprocesses; one instance per process."""

    def __init__(
        self,
        *,
        timeout: float = 10.0,
        max_output: int = 1_000_000,
        sys_path: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.timeout = timeout
        self.max_output = max_output
        self.sys_path = tuple(sys_path)
        self.env = dict(env) if env is not None else None

    def run_document(
        self,
        examples: Sequence[Example],
        *,
        setup: str = "",
        app_name: str = "app",
        default_options: Sequence[tuple[str, bool]] = (),
    ) -> list[Outcome]:
        """Run ``examples`` in order in a fresh namespace; one outcome each."""
        return [
            Outcome(status="not-run", lineno=ex.lineno, summary="not run: stub")
            for ex in examples
        ]

    def close(self) -> None:
        """Stop the worker processes."""

    def __enter__(self) -> Runner:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

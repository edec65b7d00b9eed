"""``sphinx-build -b jigger-check``: run the examples and check references only.

The builder reads the project as any build does (so the examples run, or come
from the cache, while documents are read), resolves the documents read in this
build (which is where references are checked) and writes nothing. It ends with
the same summary line as every build, and exits with status 1 when an example
failed or a reference is broken.

.. code-block:: console

   $ sphinx-build -b jigger-check docs build/check
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sphinx.builders import Builder

if TYPE_CHECKING:
    from collections.abc import Set

    from docutils import nodes

__all__ = ["JiggerCheckBuilder"]


class JiggerCheckBuilder(Builder):
    """Reads, runs the examples, resolves references; writes no files."""

    name = "jigger-check"
    format = ""
    epilog = "Examples and references checked; no files were written."
    allow_parallel = True

    def init(self) -> None:
        """Nothing to prepare."""

    def get_outdated_docs(self) -> Set[str]:
        """Only what Sphinx reads again is resolved (and so checked) again."""
        return set()

    def get_target_uri(self, docname: str, typ: str | None = None) -> str:
        """Links go nowhere: nothing is written."""
        return ""

    def prepare_writing(self, docnames: Set[str]) -> None:
        """Nothing to prepare."""

    def write_doc(self, docname: str, doctree: nodes.document) -> None:
        """The doctree is already resolved (references checked); write nothing."""

    def finish(self) -> None:
        """Nothing to finish."""

"""pytest plugin: ``pytest --jigger-docs DIR`` runs a Sphinx project's examples."""

from __future__ import annotations

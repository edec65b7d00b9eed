"""jigger_sphinx: a Sphinx extension that checks references and runs examples.

Add it to a project's ``conf.py``::

    extensions = ["myst_parser", "jigger_sphinx"]
    jigger_example_timeout = 10
    jigger_setup = "import jigger"
    jigger_watch = ["../framework/jigger"]

It registers the ``jigger_*`` configuration values (:mod:`.config`), runs every
document's examples while it is read (:mod:`.examples`, results kept in the
``jigger`` domain of :mod:`.domain`), checks references and versions
(:mod:`.references`, :mod:`.versions`), adds the ``jigger-check`` builder
(:mod:`.builder`) and prints one summary line per build (:mod:`.summary`).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _dist_version
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata

__all__ = ["__version__", "setup"]

try:
    # One distribution, one version: the version of the installed "jigger"
    # distribution, which hatchling reads from framework/jigger/__init__.py.
    __version__ = _dist_version("jigger")
except PackageNotFoundError:  # pragma: no cover - running from an uninstalled tree
    __version__ = "0+unknown"
# bump when the pickled environment data of this extension changes shape
ENV_VERSION = 3  # 3: Example.group, unchecked blocks per document


def setup(app: Sphinx) -> ExtensionMetadata:
    """Register everything jigger_sphinx does with ``app``."""
    from jigger_sphinx import builder, config, domain, examples, highlight, summary

    config.setup(app)
    app.add_domain(domain.JiggerDomain)
    examples.setup(app)
    app.add_builder(builder.JiggerCheckBuilder)
    summary.setup(app)
    # Through Sphinx, so that a project that also lists one of these
    # extensions on its own does not register it twice.
    highlight.setup(app)
    app.setup_extension("jigger_sphinx.references")
    app.setup_extension("jigger_sphinx.versions")
    return {
        "version": __version__,
        "env_version": ENV_VERSION,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }

project = "refs-good"
extensions = ["myst_parser", "jigger_sphinx.references"]
exclude_patterns = ["_build"]


def _resolve_external(app, env, node, contnode):
    # stands in for intersphinx: resolves one label the project does not define
    from docutils import nodes

    if node.get("reftype") == "ref" and node.get("reftarget") == "external-label":
        reference = nodes.reference("", "", internal=False, refuri="https://example.org/")
        reference += contnode
        return reference
    return None


def setup(app):
    app.connect("missing-reference", _resolve_external)

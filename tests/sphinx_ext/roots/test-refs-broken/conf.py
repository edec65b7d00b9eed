project = "refs-broken"
extensions = ["myst_parser", "jigger_sphinx.references"]
exclude_patterns = ["_build"]

project = "refs-incremental"
extensions = ["myst_parser", "jigger_sphinx.references"]
exclude_patterns = ["_build"]

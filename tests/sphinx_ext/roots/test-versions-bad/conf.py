project = "tinypkg"
release = "0.1.0.dev0"
extensions = ["myst_parser", "jigger_sphinx.versions"]
exclude_patterns = ["_build"]

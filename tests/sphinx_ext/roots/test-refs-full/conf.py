project = "refs-full"
release = "1.0"
extensions = ["myst_parser", "jigger_sphinx"]
exclude_patterns = ["_build"]

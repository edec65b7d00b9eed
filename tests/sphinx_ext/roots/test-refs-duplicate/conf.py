project = "refs-duplicate"
extensions = ["jigger_sphinx.references"]
exclude_patterns = ["_build"]

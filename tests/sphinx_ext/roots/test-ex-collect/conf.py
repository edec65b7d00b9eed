extensions = ["myst_parser", "sphinx.ext.doctest", "jigger_sphinx"]
jigger_run_examples = False
exclude_patterns = ["parts"]
jigger_example_kinds = ["doctest", "pycon", "python", "http"]

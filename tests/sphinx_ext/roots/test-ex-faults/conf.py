extensions = ["myst_parser", "jigger_sphinx"]
jigger_example_timeout = 1
jigger_max_output = 10000

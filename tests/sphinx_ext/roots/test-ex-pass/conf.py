extensions = ["myst_parser", "jigger_sphinx"]
jigger_setup = "import math"
jigger_example_timeout = 10

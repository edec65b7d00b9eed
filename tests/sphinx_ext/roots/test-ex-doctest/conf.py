import os

# A project that uses sphinx.ext.doctest and adds jigger_sphinx, nothing else.
extensions = ["sphinx.ext.doctest", "jigger_sphinx"]
doctest_global_setup = "import fractions\nhalf = fractions.Fraction(1, 2)"
doctest_global_cleanup = "del half"
# a folder only sphinx.ext.doctest's doctest_path puts on the examples' path
doctest_path = [os.path.join(os.path.dirname(os.path.abspath(__file__)), "_lib")]
exclude_patterns = ["_lib"]

# Docstring examples pulled in by autodoc, checked as sphinx.ext.doctest
# checks them; the documented module sits beside this file.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
extensions = ["sphinx.ext.autodoc", "sphinx.ext.doctest", "jigger_sphinx"]
doctest_global_setup = "from tally import Counter, double, halve"

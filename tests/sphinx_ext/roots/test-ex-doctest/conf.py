# A project that uses sphinx.ext.doctest and adds jigger_sphinx, nothing else.
extensions = ["sphinx.ext.doctest", "jigger_sphinx"]
doctest_global_setup = "import fractions\nhalf = fractions.Fraction(1, 2)"
doctest_global_cleanup = "del half"

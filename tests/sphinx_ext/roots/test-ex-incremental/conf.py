import os

extensions = ["jigger_sphinx"]
_here = os.path.dirname(os.path.abspath(__file__))
# the examples import shapes.py from this directory
jigger_setup = f"import sys\nsys.path.insert(0, {_here!r})"
jigger_watch = ["shapes.py"]

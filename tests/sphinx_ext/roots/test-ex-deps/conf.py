import os
import sys

extensions = ["jigger_sphinx"]
# The examples import their modules from lib/; no jigger_watch: the checker
# notes by itself which module each document's examples loaded.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

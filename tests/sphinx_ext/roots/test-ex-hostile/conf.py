import os

extensions = ["jigger_sphinx"]
jigger_example_timeout = 2
jigger_example_memory = 512 * 1024 * 1024
# the examples note the processes they start here, for the test to check
_pids = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pids.txt")
jigger_setup = f"PIDS = {_pids!r}"

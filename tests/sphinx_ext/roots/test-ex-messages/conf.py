extensions = ["jigger_sphinx"]

project = "tinypkg"
release = "0.1.0.dev0"
extensions = ["myst_parser", "jigger_sphinx.versions"]
exclude_patterns = ["_build"]
# the site changes are opt-in: this project turns them on
jigger_changelog = "changelog"
jigger_checked_footer = True

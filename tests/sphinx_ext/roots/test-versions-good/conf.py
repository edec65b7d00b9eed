import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "_code"))

from jigger_sphinx.versions import release_from

project = "tinypkg"
release = release_from("tinypkg")
extensions = ["myst_parser", "jigger_sphinx.versions"]
exclude_patterns = ["_build", "_code"]
templates_path = ["_templates"]
# the site changes are opt-in: this project turns them on
jigger_changelog = "changelog"
jigger_checked_footer = True

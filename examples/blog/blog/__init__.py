"""A small blog written with jigger: accounts, posts, and nothing else.

The package is the application. :func:`create_app` builds a fresh
application each time it is called, so the development server, the
``jigger`` command and every test get their own.
"""

from __future__ import annotations

import os
import typing as t

from jigger import Jigger


def create_app(test_config: t.Mapping[str, t.Any] | None = None) -> Jigger:
    """Build and configure the blog application.

    Without ``test_config`` the settings come from ``config.py`` in the
    instance folder (created if missing); with it, only from the mapping, so a
    test never reads the developer's own secrets or database.
    """
    app = Jigger(__name__, instance_relative_config=True)
    app.config.from_mapping(
        # "dev" is fine on your laptop and nowhere else: the instance
        # config.py of a real deployment replaces it.
        SECRET_KEY="dev",
        DATABASE=os.path.join(app.instance_path, "blog.sqlite"),
        POSTS_PER_PAGE=20,
    )

    if test_config is None:
        os.makedirs(app.instance_path, exist_ok=True)
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)

    from . import auth, db, posts

    db.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(posts.bp)

    return app

"""Blueprints, with static file serving on top of the registration logic of
:mod:`jigger.sansio.blueprints`.

>>> from jigger import Blueprint, Jigger, url_for
>>> shop = Blueprint("shop", __name__, url_prefix="/shop")
>>> @shop.get("/item/<int:n>")
... def item(n: int) -> str:
...     return url_for(".item", n=n + 1)
>>> app = Jigger("store")
>>> app.register_blueprint(shop)
>>> app.test_client().get("/shop/item/1").text
'/shop/item/2'
"""

from __future__ import annotations

import typing as t

from .globals import current_app
from .helpers import _max_age_seconds, send_from_directory
from .sansio.blueprints import Blueprint as SansioBlueprint
from .sansio.blueprints import BlueprintSetupState as BlueprintSetupState

if t.TYPE_CHECKING:  # pragma: no cover
    from .wrappers import Response


class Blueprint(SansioBlueprint):
    """A group of routes, hooks, error handlers, templates and static files
    registered on an app with :meth:`jigger.Jigger.register_blueprint`; see
    :class:`jigger.sansio.blueprints.Blueprint` for the arguments."""

    def get_send_file_max_age(self, filename: str | None) -> int | None:
        """The ``max-age`` for the blueprint's static files, from the app's
        ``SEND_FILE_MAX_AGE_DEFAULT``."""
        return _max_age_seconds(current_app.config["SEND_FILE_MAX_AGE_DEFAULT"])

    def send_static_file(self, filename: str) -> Response:
        """The view of the blueprint's ``static`` endpoint."""
        if not self.has_static_folder:
            raise RuntimeError(
                f"The blueprint {self.name!r} has no static folder; pass"
                " static_folder= to serve static files."
            )
        return send_from_directory(
            self._static_file_or_404(filename),
            filename,
            max_age=self.get_send_file_max_age(filename),
        )

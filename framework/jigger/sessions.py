"""Sessions: a dict per client, kept in a signed cookie by default.

The default :class:`SecureCookieSessionInterface` signs the session with the
app's ``SECRET_KEY`` through itsdangerous, so a client can read its session
but cannot change it. ``SECRET_KEY_FALLBACKS`` lists older keys that are
still accepted, which lets you rotate the key without logging everybody out.
Set :attr:`jigger.Jigger.session_interface` to keep sessions elsewhere.

>>> s = SecureCookieSession({"user": "ada"})
>>> s.modified, s["user"], s.accessed
(False, 'ada', True)
"""

from __future__ import annotations

import collections.abc as cabc
import hashlib
import typing as t
from datetime import UTC, datetime

from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.datastructures import CallbackDict

from .json.tag import TaggedJSONSerializer

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import Jigger
    from .wrappers import Request, Response


class SessionMixin(cabc.MutableMapping[str, t.Any]):
    """What every session object offers beyond a mutable mapping."""

    @property
    def permanent(self) -> bool:
        """Whether the cookie outlives the browser session (it then expires
        after ``PERMANENT_SESSION_LIFETIME``)."""
        return bool(self.get("_permanent", False))

    @permanent.setter
    def permanent(self, value: bool) -> None:
        self["_permanent"] = bool(value)

    #: Whether the session was just created. The default interface does not
    #: track this and leaves it ``False``.
    new = False
    #: Whether the session changed during the request and must be saved.
    #: Changes inside a mutable value are not seen: set this yourself then.
    modified = True
    #: Whether the request read or wrote the session; the response then
    #: varies by cookie (``Vary: Cookie``).
    accessed = True


class SecureCookieSession(CallbackDict[str, t.Any], SessionMixin):
    """The session class of :class:`SecureCookieSessionInterface`: a dict
    that records reads (:attr:`accessed`) and writes (:attr:`modified`)."""

    modified = False
    accessed = False

    def __init__(
        self,
        initial: cabc.Mapping[str, t.Any]
        | cabc.Iterable[tuple[str, t.Any]]
        | None = None,
    ) -> None:
        def on_update(self: SecureCookieSession) -> None:
            self.modified = True
            self.accessed = True

        super().__init__(initial, on_update)

    def __getitem__(self, key: str) -> t.Any:
        self.accessed = True
        return super().__getitem__(key)

    def get(self, key: str, default: t.Any = None) -> t.Any:
        self.accessed = True
        return super().get(key, default)

    def setdefault(self, key: str, default: t.Any = None) -> t.Any:
        self.accessed = True
        return super().setdefault(key, default)


class NullSession(SecureCookieSession):
    """The session an app without ``SECRET_KEY`` gets: reading works and
    finds nothing; writing raises an error that says how to set a key."""

    def _fail(self, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        raise RuntimeError(
            "The session is unavailable because the application has no secret"
            " key. Set one before the first request, for example"
            " app.config['SECRET_KEY'] = '<a long random string>' (generate it"
            " with: python -c 'import secrets; print(secrets.token_hex())'), or"
            " export JIGGER_SECRET_KEY and call app.config.from_prefixed_env()."
        )

    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = _fail
    del _fail


class SessionInterface:
    """How sessions are loaded from a request and saved into a response.

    Subclass it and set :attr:`jigger.Jigger.session_interface` to keep
    sessions in a database or cache. Implement :meth:`open_session` and
    :meth:`save_session`; the ``get_cookie_*`` helpers read the
    ``SESSION_COOKIE_*`` settings.
    """

    #: The session class used when :meth:`open_session` returns ``None``.
    null_session_class: type[SessionMixin] = NullSession
    #: Whether the interface pickles sessions (informational).
    pickle_based = False

    def make_null_session(self, app: Jigger) -> SessionMixin:
        """The stand-in session used when a real one cannot be opened."""
        return self.null_session_class()

    def is_null_session(self, obj: object) -> bool:
        """Whether ``obj`` is the stand-in session (it is never saved)."""
        return isinstance(obj, self.null_session_class)

    def get_cookie_name(self, app: Jigger) -> str:
        return app.config["SESSION_COOKIE_NAME"]  # type: ignore[no-any-return]

    def get_cookie_domain(self, app: Jigger) -> str | None:
        return app.config["SESSION_COOKIE_DOMAIN"]  # type: ignore[no-any-return]

    def get_cookie_path(self, app: Jigger) -> str:
        return app.config["SESSION_COOKIE_PATH"] or app.config["APPLICATION_ROOT"]  # type: ignore[no-any-return]

    def get_cookie_httponly(self, app: Jigger) -> bool:
        return app.config["SESSION_COOKIE_HTTPONLY"]  # type: ignore[no-any-return]

    def get_cookie_secure(self, app: Jigger) -> bool:
        return app.config["SESSION_COOKIE_SECURE"]  # type: ignore[no-any-return]

    def get_cookie_samesite(self, app: Jigger) -> str | None:
        return app.config["SESSION_COOKIE_SAMESITE"]  # type: ignore[no-any-return]

    def get_cookie_partitioned(self, app: Jigger) -> bool:
        return app.config["SESSION_COOKIE_PARTITIONED"]  # type: ignore[no-any-return]

    def get_expiration_time(
        self, app: Jigger, session: SessionMixin
    ) -> datetime | None:
        """When the cookie expires: ``None`` (end of browser session) unless
        the session is permanent."""
        if session.permanent:
            return datetime.now(UTC) + app.permanent_session_lifetime
        return None

    def should_set_cookie(self, app: Jigger, session: SessionMixin) -> bool:
        """Whether to send the cookie: when the session changed, or when it is
        permanent and ``SESSION_REFRESH_EACH_REQUEST`` is on."""
        return session.modified or (
            session.permanent and bool(app.config["SESSION_REFRESH_EACH_REQUEST"])
        )

    def open_session(self, app: Jigger, request: Request) -> SessionMixin | None:
        """Load the session for ``request``; ``None`` means "use a null
        session"."""
        raise NotImplementedError

    def save_session(
        self, app: Jigger, session: SessionMixin, response: Response
    ) -> None:
        """Store ``session`` (for example as a cookie on ``response``)."""
        raise NotImplementedError


class SecureCookieSessionInterface(SessionInterface):
    """Sessions in a cookie signed with itsdangerous (the default)."""

    #: Mixed into the key so that session signatures differ from other
    #: signatures made with the same ``SECRET_KEY``.
    salt = "cookie-session"
    #: The hash used for the signature.
    digest_method = staticmethod(hashlib.sha1)
    #: How itsdangerous derives the signing key.
    key_derivation = "hmac"
    #: Turns the session into a string and back; handles tuples, bytes,
    #: Markup, UUID and datetimes beyond plain JSON.
    serializer = TaggedJSONSerializer()
    session_class = SecureCookieSession

    def get_signing_serializer(self, app: Jigger) -> URLSafeTimedSerializer | None:
        """The itsdangerous serializer, or ``None`` without ``SECRET_KEY``."""
        if not app.secret_key:
            return None
        fallbacks = app.config["SECRET_KEY_FALLBACKS"] or ()
        if isinstance(fallbacks, (str, bytes)):
            # One old key written without the list: list("old") would make
            # single-character keys that verify nothing.
            fallbacks = (fallbacks,)
        # Every key verifies; the last one, the current key, signs.
        keys: list[str | bytes] = [*fallbacks, app.secret_key]
        signing: dict[str, t.Any] = {
            "key_derivation": self.key_derivation,
            "digest_method": self.digest_method,
        }
        return URLSafeTimedSerializer(
            keys,  # type: ignore[arg-type]
            salt=self.salt,
            serializer=self.serializer,
            signer_kwargs=signing,
        )

    def open_session(self, app: Jigger, request: Request) -> SecureCookieSession | None:
        s = self.get_signing_serializer(app)
        if s is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data = s.loads(value, max_age=max_age)
        except (BadData, ValueError, TypeError, KeyError):
            # Tampered, truncated, expired or signed with an unknown key: the
            # client simply starts with an empty session.
            return self.session_class()
        if not isinstance(data, dict):
            return self.session_class()
        return self.session_class(data)

    def _cookie_attributes(self, app: Jigger) -> dict[str, t.Any]:
        """The cookie's attributes from the config, as keyword arguments of
        both ``set_cookie`` and ``delete_cookie``: a deletion has to name
        the same domain and path to reach the cookie."""
        return {
            "domain": self.get_cookie_domain(app),
            "path": self.get_cookie_path(app),
            "secure": self.get_cookie_secure(app),
            "partitioned": self.get_cookie_partitioned(app),
            "samesite": self.get_cookie_samesite(app),
            "httponly": self.get_cookie_httponly(app),
        }

    def save_session(
        self, app: Jigger, session: SessionMixin, response: Response
    ) -> None:
        # A page that read the session differs by the cookie, even when
        # nothing is sent back.
        if session.accessed:
            response.vary.add("Cookie")
        emptied = not session
        if emptied and not session.modified:
            return  # no session, and none to delete
        if not emptied and not self.should_set_cookie(app, session):
            return
        name = self.get_cookie_name(app)
        attributes = self._cookie_attributes(app)
        if emptied:
            response.delete_cookie(name, **attributes)
        else:
            signer = self.get_signing_serializer(app)
            assert signer is not None  # open_session returned a real session
            expires = self.get_expiration_time(app, session)
            value = signer.dumps(dict(session))
            response.set_cookie(name, value, expires=expires, **attributes)
        response.vary.add("Cookie")

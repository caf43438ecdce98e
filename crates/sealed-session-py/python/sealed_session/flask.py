"""A Flask session interface: the session in an encrypted envelope v1 cookie.

The one-line switch::

    from sealed_session.flask import SealedSessionInterface

    app.config["SEALED_SESSION_KEYS_FILE"] = "/etc/myapp/session-keys"  # chmod 600
    app.session_interface = SealedSessionInterface()

Handlers keep using :data:`flask.session` as before: the same dict, the same
``modified``/``accessed``/``permanent`` semantics and the same values (Flask's
tagged JSON: bytes, tuples, UUIDs, datetimes, Markup, nested dicts). What
changes is the cookie: encrypted and authenticated (AES-256-EAX), bound to
its name, with a key id for rotation, an idle timeout
(``PERMANENT_SESSION_LIFETIME``) and an absolute one
(``SEALED_SESSION_ABSOLUTE_LIFETIME``, 7 days by default), both checked on
the server.

Configuration (Flask's keys are honoured; the ``SEALED_SESSION_*`` keys are
this package's):

========================================  ==========================================
``SEALED_SESSION_KEYS``                   keyring text (``"<kid> <key>"`` lines), or
                                          a :class:`~sealed_session.Keyring`
``SEALED_SESSION_KEYS_FILE``              a key file in that format (mode 0600)
``SEALED_SESSION_COOKIE_NAME``            the cookie's name; see below
``SESSION_COOKIE_NAME``                   honoured when not Flask's default
                                          ``"session"``
``SESSION_COOKIE_DOMAIN/PATH/HTTPONLY``   as in Flask (``PATH`` falls back to
``SESSION_COOKIE_SAMESITE/PARTITIONED``   ``APPLICATION_ROOT``; ``SAMESITE`` unset
                                          means ``Lax``)
``SESSION_COOKIE_SECURE``                 honoured for names without a ``__Host-``
                                          or ``__Secure-`` prefix (those are always
                                          ``Secure``: browsers require it)
``PERMANENT_SESSION_LIFETIME``            the idle timeout, and a permanent
                                          session's ``Max-Age`` (capped by the
                                          absolute timeout)
``SEALED_SESSION_ABSOLUTE_LIFETIME``      the absolute timeout (default 7 days)
``SESSION_REFRESH_EACH_REQUEST``          as in Flask: ``True`` seals a permanent
                                          session again on every request, ``False``
                                          only when changed; a browser-session one
                                          only when changed
``SEALED_SESSION_REFRESH_AFTER``          instead: any session is sealed again once
                                          its cookie is this old (timedelta or s)
``SEALED_SESSION_MIGRATE_FROM``           ``"flask"`` and/or ``"encrypted_session"``
``SEALED_SESSION_MIGRATE_SINCE/UNTIL``    the migration's start and end date
                                          (timezone-aware datetimes)
``SEALED_SESSION_MIGRATE_KEY``            the EncryptedSession key (32 bytes)
``SEALED_SESSION_MIGRATE_COOKIE_NAME``    where the old cookies are (``"session"``)
========================================  ==========================================

**The cookie's name.** Flask's default name is ``session``, which any
sibling subdomain can overwrite. This interface uses ``__Host-session``
unless the app names the cookie (``SEALED_SESSION_COOKIE_NAME``, the
``cookie_name`` argument, or a ``SESSION_COOKIE_NAME`` other than Flask's
default): browsers accept a ``__Host-`` cookie only over HTTPS, with
``Path=/`` and no ``Domain``, so nobody else can plant or overwrite it. To
share the session with a Rust service, give both sides the same name (say
``SEALED_SESSION_COOKIE_NAME = "session"``) and the same keyring.
"""

from __future__ import annotations

import datetime
from typing import Any, Iterable, Mapping, Sequence, Union

from flask import Flask
from flask.sessions import SecureCookieSession, SessionInterface, SessionMixin
from flask.wrappers import Request, Response

from ._sealed_session import Keyring, Legacy, ManualClock, Session, SessionCodec
from .errors import ConfigurationError, SealedSessionError

__all__ = [
    "DEFAULT_COOKIE_NAME",
    "DEFAULT_ABSOLUTE_LIFETIME",
    "SealedFlaskSession",
    "SealedSessionInterface",
    "SealedSession",
]

#: The cookie's name unless the app names it.
DEFAULT_COOKIE_NAME = "__Host-session"
#: Flask's default ``SESSION_COOKIE_NAME``, which this interface does not
#: take as the app naming its cookie.
FLASK_DEFAULT_COOKIE_NAME = "session"
#: The absolute timeout unless ``SEALED_SESSION_ABSOLUTE_LIFETIME`` says
#: otherwise.
DEFAULT_ABSOLUTE_LIFETIME = datetime.timedelta(days=7)

Duration = Union[datetime.timedelta, int]

# Rust builder settings, as the Flask config keys that set them.
_SETTING_KEYS = {
    "cookie_name": "SESSION_COOKIE_NAME",
    "path": "SESSION_COOKIE_PATH",
    "domain": "SESSION_COOKIE_DOMAIN",
    "secure": "SESSION_COOKIE_SECURE",
    "same_site": "SESSION_COOKIE_SAMESITE",
    "partitioned": "SESSION_COOKIE_PARTITIONED",
    "idle_timeout": "PERMANENT_SESSION_LIFETIME",
    "absolute_timeout": "SEALED_SESSION_ABSOLUTE_LIFETIME",
    "refresh": "SEALED_SESSION_REFRESH_AFTER",
    "legacy": "SEALED_SESSION_MIGRATE_FROM",
}


class SealedFlaskSession(SecureCookieSession):
    """Flask's session dict, with Flask's ``modified``/``accessed``/
    ``permanent`` semantics, tied to the sealed session it was opened from
    (its id, creation time and key) for the whole request."""

    def __init__(self, initial: Mapping[str, Any] | None = None, sealed: Session | None = None) -> None:
        super().__init__(initial)
        #: The sealed session underneath.
        self.sealed: Session = sealed if sealed is not None else Session()
        #: ``True`` when no cookie opened (a new session).
        self.new = self.sealed.created_at is None
        self._regenerate = False

    @property
    def id(self) -> str | None:
        """The session's id (22 characters), ``None`` until first sealed."""
        return self.sealed.id

    @property
    def rejected(self) -> Exception | None:
        """Why the request's session cookie did not open, for logging."""
        return self.sealed.rejected

    def regenerate(self) -> None:
        """Gives the session a new identity at the end of the request,
        keeping its data: call it at login, against session fixation."""
        self._regenerate = True
        self.modified = True


class SealedSessionInterface(SessionInterface):
    """``app.session_interface = SealedSessionInterface()``.

    Every argument is optional and wins over the app's config: ``keyring``
    (else ``SEALED_SESSION_KEYS``/``SEALED_SESSION_KEYS_FILE``),
    ``cookie_name``, ``absolute_lifetime``, ``legacy`` (a list of
    :class:`~sealed_session.Legacy`, added to what ``SEALED_SESSION_MIGRATE_*``
    configures) and ``clock`` (a :class:`~sealed_session.ManualClock`, for
    tests).

    The codec is built, and the configuration checked, when the app first
    opens a session (or by :meth:`SealedSession.init_app`): change the config
    before that. A refused configuration raises
    :class:`~sealed_session.ConfigurationError` naming the config key.
    """

    session_class = SealedFlaskSession

    def __init__(
        self,
        keyring: Keyring | None = None,
        *,
        cookie_name: str | None = None,
        absolute_lifetime: Duration | None = None,
        legacy: Sequence[Legacy] = (),
        clock: ManualClock | None = None,
    ) -> None:
        self.keyring = keyring
        self.cookie_name = cookie_name
        self.absolute_lifetime = absolute_lifetime
        self.legacy = list(legacy)
        self.clock = clock

    # --- Flask's SessionInterface -----------------------------------------------

    def get_cookie_name(self, app: Flask) -> str:
        """The session cookie's name: see the module docs."""
        if self.cookie_name is not None:
            return self.cookie_name
        configured = app.config.get("SEALED_SESSION_COOKIE_NAME")
        if configured:
            return str(configured)
        name = app.config.get("SESSION_COOKIE_NAME")
        if name and name != FLASK_DEFAULT_COOKIE_NAME:
            return str(name)
        return DEFAULT_COOKIE_NAME

    def get_cookie_secure(self, app: Flask) -> bool:
        """``Secure``: always for a ``__Host-``/``__Secure-`` name, else
        ``SESSION_COOKIE_SECURE``."""
        name = self.get_cookie_name(app).lower()
        if name.startswith(("__host-", "__secure-")):
            return True
        return bool(app.config["SESSION_COOKIE_SECURE"])

    def open_session(self, app: Flask, request: Request) -> SealedFlaskSession:
        codec = self.codecs(app)[0]
        sealed = codec.load(request.environ.get("HTTP_COOKIE"))
        rejected = sealed.rejected
        if rejected is not None:
            app.logger.debug("session cookie rejected: %s", rejected)
        try:
            data = sealed.to_dict()
        except SealedSessionError as error:
            # Authentic, but a tagged value does not decode (a writer that
            # got Flask's tags wrong): a new session, and the cookie deleted.
            app.logger.debug("session cookie rejected: %s", error)
            sealed.clear()
            data = {}
        return self.session_class(data, sealed)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        permanent, browser = self.codecs(app)
        if not isinstance(session, SealedFlaskSession):
            # Another interface's session (an app that swapped interfaces
            # mid-request): start a sealed one from its data.
            data = dict(session)
            session = self.session_class(None, None)
            session.update(data)
        sealed = session.sealed
        if session.modified:
            if session:
                sealed.replace(session, default=_json_default(app))
            else:
                sealed.clear()
        if session._regenerate:
            sealed.regenerate()
        # The two codecs differ only in when they seal an unchanged session
        # again: Flask refreshes permanent sessions only.
        saved = (permanent if sealed.permanent else browser).save(sealed)
        if session.accessed or saved.session_cookie is not None:
            response.vary.add("Cookie")
        for header in saved.headers:
            response.headers.add("Set-Cookie", header)

    # --- The codec ----------------------------------------------------------------

    def codec(self, app: Flask) -> SessionCodec:
        """The app's codec (the one of permanent sessions), built from its
        config the first time."""
        return self.codecs(app)[0]

    def codecs(self, app: Flask) -> tuple[SessionCodec, SessionCodec]:
        """The app's codecs for permanent and for browser-session sessions,
        built from its config the first time: they differ only in when an
        unchanged session is sealed again (``refresh``)."""
        built = app.extensions.get("sealed_session")
        if built is not None and built[0] is self:
            return built[1], built[2]
        permanent = self.build_codec(app, permanent=True)
        browser = self.build_codec(app, permanent=False)
        app.extensions["sealed_session"] = (self, permanent, browser)
        return permanent, browser

    def build_codec(self, app: Flask, permanent: bool = True) -> SessionCodec:
        """A new codec from the app's config (see the module docs), for
        permanent sessions or the others."""
        config = app.config
        absolute = _seconds(
            self.absolute_lifetime
            if self.absolute_lifetime is not None
            else config.get("SEALED_SESSION_ABSOLUTE_LIFETIME", DEFAULT_ABSOLUTE_LIFETIME),
            "SEALED_SESSION_ABSOLUTE_LIFETIME",
        )
        # A session cannot outlive the absolute timeout, so an idle timeout
        # longer than it (Flask's default lifetime is 31 days) is that long.
        idle = min(_seconds(app.permanent_session_lifetime, "PERMANENT_SESSION_LIFETIME"), absolute)
        refresh_after = config.get("SEALED_SESSION_REFRESH_AFTER")
        if refresh_after is not None:
            refresh: Any = refresh_after
        elif permanent and config.get("SESSION_REFRESH_EACH_REQUEST", True):
            refresh = "each_request"
        else:
            refresh = "never"
        same_site = config.get("SESSION_COOKIE_SAMESITE") or "Lax"
        try:
            return SessionCodec(
                self._keyring(app),
                cookie_name=self.get_cookie_name(app),
                path=self.get_cookie_path(app) or "/",
                domain=self.get_cookie_domain(app),
                secure=self.get_cookie_secure(app),
                http_only=bool(self.get_cookie_httponly(app)),
                same_site=str(same_site),
                partitioned=bool(config.get("SESSION_COOKIE_PARTITIONED", False)),
                idle_timeout=idle,
                absolute_timeout=absolute,
                refresh=refresh,
                legacy=self.legacy + _configured_legacy(app),
                clock=self.clock,
            )
        except ConfigurationError as error:
            key = _SETTING_KEYS.get(error.setting, error.setting)
            raise ConfigurationError(f"{key}: {error}", setting=key) from None

    def _keyring(self, app: Flask) -> Keyring:
        if self.keyring is not None:
            return self.keyring
        keys = app.config.get("SEALED_SESSION_KEYS")
        if isinstance(keys, Keyring):
            return keys
        if isinstance(keys, str) and keys.strip():
            return Keyring.from_text(keys)
        if keys is not None and not isinstance(keys, str):
            raise ConfigurationError(
                f"SEALED_SESSION_KEYS: expected keyring text or a Keyring, not {type(keys).__name__}",
                setting="SEALED_SESSION_KEYS",
            )
        path = app.config.get("SEALED_SESSION_KEYS_FILE")
        if path:
            return Keyring.from_file(path)
        raise ConfigurationError(
            "no keys: set SEALED_SESSION_KEYS_FILE (a key file, mode 0600) or SEALED_SESSION_KEYS "
            "(keyring text, for example Keyring.from_env()), or pass keyring=; "
            "make a key with sealed_session.generate_keyring_text()",
            setting="SEALED_SESSION_KEYS",
        )


class SealedSession:
    """The extension form: ``SealedSession(app)`` or ``init_app(app)``
    installs a :class:`SealedSessionInterface` (built with the same
    arguments) and checks the configuration at once."""

    def __init__(self, app: Flask | None = None, **options: Any) -> None:
        self.interface = SealedSessionInterface(**options)
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        app.session_interface = self.interface
        self.interface.codec(app)


def _seconds(value: Any, key: str) -> int:
    if isinstance(value, datetime.timedelta):
        return int(value.total_seconds())
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ConfigurationError(f"{key}: expected a timedelta or seconds, not {type(value).__name__}", setting=key)


def _json_default(app: Flask) -> Any:
    """Flask's JSON fallback for other types (dates, Decimal, dataclasses),
    as Flask's own session serializer applies it."""
    return getattr(app.json, "default", None)


def _configured_legacy(app: Flask) -> list[Legacy]:
    """The legacy sources ``SEALED_SESSION_MIGRATE_*`` configures."""
    config = app.config
    sources = config.get("SEALED_SESSION_MIGRATE_FROM")
    if not sources:
        return []
    if isinstance(sources, str):
        sources = [sources]
    since = config.get("SEALED_SESSION_MIGRATE_SINCE")
    until = config.get("SEALED_SESSION_MIGRATE_UNTIL")
    for key, value in (("SEALED_SESSION_MIGRATE_SINCE", since), ("SEALED_SESSION_MIGRATE_UNTIL", until)):
        if value is None:
            raise ConfigurationError(
                f"{key}: required with SEALED_SESSION_MIGRATE_FROM (legacy cookies carry no time, "
                "so their acceptance needs a start and an end date)",
                setting=key,
            )
    name = config.get("SEALED_SESSION_MIGRATE_COOKIE_NAME") or FLASK_DEFAULT_COOKIE_NAME
    path = app.config["SESSION_COOKIE_PATH"] or app.config["APPLICATION_ROOT"] or "/"
    domain = app.config.get("SESSION_COOKIE_DOMAIN")
    legacy = []
    for source in _names(sources):
        if source == "flask":
            secret = config.get("SECRET_KEY")
            if not secret:
                raise ConfigurationError(
                    "SECRET_KEY: migrating Flask's cookies needs the key that signed them",
                    setting="SECRET_KEY",
                )
            fallbacks = config.get("SECRET_KEY_FALLBACKS") or []
            if isinstance(fallbacks, (str, bytes)):
                raise ConfigurationError(
                    "SECRET_KEY_FALLBACKS: a list of keys, not a single string (Flask would "
                    'use each character as a key): write SECRET_KEY_FALLBACKS = ["..."]',
                    setting="SECRET_KEY_FALLBACKS",
                )
            legacy.append(
                Legacy.flask_signed(
                    secret,
                    fallbacks=list(fallbacks),
                    max_age=app.permanent_session_lifetime,
                    since=since,
                    until=until,
                    cookie_name=name,
                    path=path,
                    domain=domain,
                )
            )
        elif source == "encrypted_session":
            key = config.get("SEALED_SESSION_MIGRATE_KEY")
            if key is None:
                raise ConfigurationError(
                    "SEALED_SESSION_MIGRATE_KEY: the EncryptedSession key (32 bytes) is needed",
                    setting="SEALED_SESSION_MIGRATE_KEY",
                )
            legacy.append(
                Legacy.encrypted_session(key, since=since, until=until, cookie_name=name, path=path, domain=domain)
            )
        else:
            raise ConfigurationError(
                f'SEALED_SESSION_MIGRATE_FROM: unknown format {source!r}: "flask" or "encrypted_session"',
                setting="SEALED_SESSION_MIGRATE_FROM",
            )
    return legacy


def _names(sources: Iterable[Any]) -> list[str]:
    return [str(source) for source in sources]

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
(``SEALED_SESSION_IDLE_TIMEOUT``, 24 hours by default) and an absolute one
(``SEALED_SESSION_ABSOLUTE_TIMEOUT``, 7 days by default), both checked on
the server. The defaults are the Rust crate's own, so a Rust service and this
interface that share a session agree on them unless one side changes them.

**What goes on the response** is decided in Rust, by the one lifecycle every
stack of this project follows (:meth:`~sealed_session.SessionCodec.finish`):
one codec per app, asked once per response. One deliberate difference from
Flask's own interface: **on a 5xx response the session is not saved** (no
``Set-Cookie`` at all: no new value, no refresh, no deletion), so a request
that failed commits nothing and the browser keeps the cookie it had. A 4xx
still saves (a failed login form keeps its flashed message). ``Vary: Cookie``
is added whenever the session was read or written, or a cookie is sent,
whatever the status. A session too large for a cookie turns the response into
an empty 500 (:meth:`SealedSessionInterface.save_error_response`).

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
``SEALED_SESSION_IDLE_TIMEOUT``           the idle timeout (default 24 hours, the
                                          Rust crate's ``idle_timeout``), and a
                                          permanent session's ``Max-Age`` (capped
                                          by what is left of the absolute timeout)
``SEALED_SESSION_ABSOLUTE_TIMEOUT``       the absolute timeout (default 7 days, the
                                          Rust crate's ``absolute_timeout``)
``SESSION_REFRESH_EACH_REQUEST``          as in Flask: ``True`` seals a permanent
                                          session again on every request, ``False``
                                          only when changed; a browser-session one
                                          only when changed (its idle timeout then
                                          counts from its last change)
``SEALED_SESSION_REFRESH_AFTER``          instead: any session is sealed again once
                                          its cookie is this old (timedelta or s),
                                          the Rust crate's ``Refresh::After``
``SEALED_SESSION_MIGRATE_FROM``           ``"flask"`` and/or ``"encrypted_session"``
``SEALED_SESSION_MIGRATE_SINCE/UNTIL``    the migration's start and end date
                                          (timezone-aware datetimes)
``SEALED_SESSION_MIGRATE_KEY``            the EncryptedSession key (32 bytes)
``SEALED_SESSION_MIGRATE_COOKIE_NAME``    where the old cookies are (``"session"``)
``SEALED_SESSION_REVOCATIONS``            a :class:`~sealed_session.MemoryRevocations`
                                          or :class:`~sealed_session.RedisRevocations`
                                          (logout and sign-out-everywhere, below)
``SEALED_SESSION_REDIS_URL``              instead: the Redis the fleet shares its
                                          revocations through (``redis://...``)
``SEALED_SESSION_REDIS_PREFIX``           its key prefix (``"sealed-session"``, the
                                          Rust services' default)
``SEALED_SESSION_REDIS_OUTAGE_WINDOW``    how long to serve from memory while Redis is
                                          unreachable, then fail closed (30 s)
``SEALED_SESSION_KEYS_RELOAD``            ``True``: reload ``SEALED_SESSION_KEYS_FILE``
                                          when it changes (below)
``SEALED_SESSION_KEYS_RELOAD_INTERVAL``   how often it is checked (1 s)
``SEALED_SESSION_KEYS_RELOAD_ON_SIGHUP``  ``True``: and on ``SIGHUP`` (it replaces the
                                          signal's default action in the process)
========================================  ==========================================

``PERMANENT_SESSION_LIFETIME`` does not set a timeout here (it still bounds
the age of Flask's own cookies while they are migrated): an app that changed
it from Flask's default is refused until it sets ``SEALED_SESSION_IDLE_TIMEOUT``,
so that no timeout changes silently.

**The cookie's name.** Flask's default name is ``session``, which any
sibling subdomain can overwrite, or plant beside the real one. This interface
uses ``__Host-session`` unless the app names the cookie
(``SEALED_SESSION_COOKIE_NAME``, the ``cookie_name`` argument, or a
``SESSION_COOKIE_NAME`` other than Flask's default): browsers accept a
``__Host-`` cookie only over HTTPS, with ``Path=/`` and no ``Domain``, so
nobody else can plant or overwrite it. To share the session with a Rust
service, give both sides the same name, ``__Host-session`` (the default on
both sides), the same keyring and the same timeouts. An unprefixed name
(``session``) lets anyone who controls a sibling subdomain, or a page of the
host over plain HTTP, set a cookie of that name that the browser sends along
with the real one: with a session of their own (authentic, sealed by your
service for the attacker's account), they can log the victim into the
attacker's account (login CSRF), or make the victim's requests carry no
session.

**Logout that holds** (REVOCATION.md). Deleting the cookie does not stop a
copy of it. With a revocation list (``SEALED_SESSION_REDIS_URL`` for a fleet,
shared with the Rust services; ``SEALED_SESSION_REVOCATIONS`` for a
:class:`~sealed_session.MemoryRevocations` in one process), name the user at
login and revoke at logout::

    # login
    session.regenerate()
    session.set_subject(user.id)       # for sign-out-everywhere
    # logout: every copy refused, everywhere; the cookie deleted
    session.revoke()
    # sign-out-everywhere: every older session of the user, then this one
    session.revoke_subject()
    session.revoke()

A revoked session is treated like an expired one: the request gets a new,
empty session and the response deletes the cookie; the reason is logged
(logger ``sealed_session.revocation``). The check is a lookup in memory (the
Redis list is mirrored and followed through pub/sub), never a network round
trip. When Redis has been unreachable for longer than the outage window,
sessions with an id are refused (fail closed) until it is back:
:meth:`SealedSessionInterface.revocation_health` says so, for a readiness
probe. A revoke Redis does not take raises
:class:`~sealed_session.RevocationNotSharedError` (the cookie is deleted
regardless, and this instance refuses the session).

**Reloading the keys** without a restart: ``SEALED_SESSION_KEYS_RELOAD =
True`` watches ``SEALED_SESSION_KEYS_FILE`` (a
:class:`~sealed_session.KeyFileWatcher`). A changed file is loaded and the
codec rebuilt from it; each request uses one codec from start to end. A new
file that does not load, or that its group or others may read, keeps the
keys in force, and why is logged (logger ``sealed_session.reload``).
"""

from __future__ import annotations

import datetime
import logging
import os
import threading
from typing import Any, Iterable, Mapping, Sequence, Union

from flask import Flask
from flask.sessions import SecureCookieSession, SessionInterface, SessionMixin
from flask.wrappers import Request, Response

from . import _sealed_session
from ._revocable import RevocableSession
from ._sealed_session import (
    Finished,
    KeyFileWatcher,
    Keyring,
    Legacy,
    ManualClock,
    MemoryRevocations,
    RedisRevocations,
    RevocationHealth,
    Session,
    SessionCodec,
)
from .errors import ConfigurationError, SealedSessionError

__all__ = [
    "DEFAULT_COOKIE_NAME",
    "DEFAULT_IDLE_TIMEOUT",
    "DEFAULT_ABSOLUTE_TIMEOUT",
    "SealedFlaskSession",
    "SealedSessionInterface",
    "SealedSession",
]

#: The cookie's name unless the app names it: the Rust crate's default.
DEFAULT_COOKIE_NAME: str = _sealed_session.DEFAULT_COOKIE_NAME
#: Flask's default ``SESSION_COOKIE_NAME``, which this interface does not
#: take as the app naming its cookie.
FLASK_DEFAULT_COOKIE_NAME = "session"
#: The idle timeout unless ``SEALED_SESSION_IDLE_TIMEOUT`` says otherwise:
#: the Rust crate's default.
DEFAULT_IDLE_TIMEOUT = datetime.timedelta(seconds=_sealed_session.DEFAULT_IDLE_TIMEOUT)
#: The absolute timeout unless ``SEALED_SESSION_ABSOLUTE_TIMEOUT`` says
#: otherwise: the Rust crate's default.
DEFAULT_ABSOLUTE_TIMEOUT = datetime.timedelta(seconds=_sealed_session.DEFAULT_ABSOLUTE_TIMEOUT)
#: Flask's default ``PERMANENT_SESSION_LIFETIME``; another value is refused
#: unless ``SEALED_SESSION_IDLE_TIMEOUT`` is set (see the module docs).
FLASK_DEFAULT_LIFETIME = datetime.timedelta(days=31)
#: Config keys of earlier versions, refused with the key that replaced them
#: (a setting that is silently ignored could lengthen a timeout).
_RENAMED_KEYS = {"SEALED_SESSION_ABSOLUTE_LIFETIME": "SEALED_SESSION_ABSOLUTE_TIMEOUT"}

Duration = Union[datetime.timedelta, int]
Revocations = Union[MemoryRevocations, RedisRevocations]

_log = logging.getLogger("sealed_session.flask")

# Rust builder settings, as the Flask config keys that set them.
_SETTING_KEYS = {
    "cookie_name": "SESSION_COOKIE_NAME",
    "path": "SESSION_COOKIE_PATH",
    "domain": "SESSION_COOKIE_DOMAIN",
    "secure": "SESSION_COOKIE_SECURE",
    "same_site": "SESSION_COOKIE_SAMESITE",
    "partitioned": "SESSION_COOKIE_PARTITIONED",
    "idle_timeout": "SEALED_SESSION_IDLE_TIMEOUT",
    "absolute_timeout": "SEALED_SESSION_ABSOLUTE_TIMEOUT",
    "refresh": "SEALED_SESSION_REFRESH_AFTER",
    "legacy": "SEALED_SESSION_MIGRATE_FROM",
}


class SealedFlaskSession(RevocableSession, SecureCookieSession):
    """Flask's session dict, with Flask's ``modified``/``accessed``/
    ``permanent`` semantics, tied to the sealed session it was opened from
    (its id, creation time and key) for the whole request; with
    :meth:`set_subject`, :meth:`revoke` (logout) and :meth:`revoke_subject`
    (sign-out-everywhere)."""

    def __init__(self, initial: Mapping[str, Any] | None = None, sealed: Session | None = None) -> None:
        super().__init__(initial)
        #: The sealed session underneath.
        self.sealed: Session = sealed if sealed is not None else Session()
        #: ``True`` when no cookie opened (a new session).
        self.new = self.sealed.created_at is None
        self._regenerate = False
        #: The codec that opened it: the request's, kept to its end (a key
        #: reload in between does not change it).
        self._codec: SessionCodec | None = None

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
        keeping its data (and its subject): call it at login, against
        session fixation."""
        self._regenerate = True
        self.modified = True

    def _mark_changed(self) -> None:
        self.modified = True


class SealedSessionInterface(SessionInterface):
    """``app.session_interface = SealedSessionInterface()``.

    Every argument is optional and wins over the app's config: ``keyring``
    (else ``SEALED_SESSION_KEYS``/``SEALED_SESSION_KEYS_FILE``),
    ``cookie_name``, ``idle_timeout`` and ``absolute_timeout`` (timedeltas or
    seconds), ``legacy`` (a list of :class:`~sealed_session.Legacy`, added to
    what ``SEALED_SESSION_MIGRATE_*`` configures), ``revocations`` (else
    ``SEALED_SESSION_REVOCATIONS``/``SEALED_SESSION_REDIS_URL``),
    ``reload_keys`` (else ``SEALED_SESSION_KEYS_RELOAD``) and ``clock`` (a
    :class:`~sealed_session.ManualClock`, for tests).

    The app's one codec is built, and the configuration checked, when the
    app first opens a session (or by :meth:`SealedSession.init_app`): change
    the config before that. A refused configuration raises
    :class:`~sealed_session.ConfigurationError` naming the config key.

    The response is decided by :meth:`~sealed_session.SessionCodec.finish`
    from the response's status: on a 5xx the session is **not** saved (Flask
    saves it; see the module docs).
    """

    session_class = SealedFlaskSession

    def __init__(
        self,
        keyring: Keyring | None = None,
        *,
        cookie_name: str | None = None,
        idle_timeout: Duration | None = None,
        absolute_timeout: Duration | None = None,
        legacy: Sequence[Legacy] = (),
        revocations: Revocations | None = None,
        reload_keys: bool | None = None,
        clock: ManualClock | None = None,
    ) -> None:
        self.keyring = keyring
        self.cookie_name = cookie_name
        self.idle_timeout = idle_timeout
        self.absolute_timeout = absolute_timeout
        self.legacy = list(legacy)
        self.revocations = revocations
        self.reload_keys = reload_keys
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
        codec = self.codec(app)
        sealed = codec.load(request.environ.get("HTTP_COOKIE"))
        rejected = sealed.rejected
        if rejected is not None:
            # A revoked session's reason is logged by the Rust crate
            # (logger ``sealed_session.revocation``).
            app.logger.debug("session cookie rejected: %s", rejected)
        try:
            data = sealed.to_dict()
        except SealedSessionError as error:
            # Authentic, but a tagged value does not decode (a writer that
            # got Flask's tags wrong): a new session, and the cookie deleted.
            app.logger.debug("session cookie rejected: %s", error)
            sealed.clear()
            data = {}
        session = self.session_class(data, sealed)
        session._codec = codec
        return session

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        # The codec that opened the session: one keyring for the whole
        # request, even when the key file is reloaded meanwhile.
        codec = getattr(session, "_codec", None) or self.codec(app)
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
        finished = codec.finish(sealed, response.status_code, accessed=session.accessed)
        if finished.save_error is not None:
            self.save_error_response(app, finished.save_error, response)
        for header in finished.set_cookies:
            response.headers.add("Set-Cookie", header)
        if finished.needs_vary(response.headers.getlist("Vary")):
            response.vary.add(Finished.VARY_TOKEN)

    def save_error_response(self, app: Flask, error: SealedSessionError, response: Response) -> None:
        """Turns ``response`` into the answer to a session that could not be
        saved (``error``, a :class:`~sealed_session.CookieTooLargeError`):
        logs it, and makes the response an empty 500 (its headers dropped;
        ``Vary: Cookie`` is added after). Override it for another answer; it
        must not add a ``Set-Cookie``."""
        app.logger.error("session not saved: %s", error)
        response.headers.clear()
        response.status_code = 500
        response.set_data(b"")

    # --- The codec ----------------------------------------------------------------

    def codec(self, app: Flask) -> SessionCodec:
        """The app's codec, built from its config the first time, and again
        after the key file was reloaded (``SEALED_SESSION_KEYS_RELOAD``)."""
        state = app.extensions.get("sealed_session")
        if not isinstance(state, _AppState) or state.interface is not self or state.pid != os.getpid():
            with _STATE_LOCK:
                state = app.extensions.get("sealed_session")
                if not isinstance(state, _AppState) or state.interface is not self or state.pid != os.getpid():
                    # First use, or a process forked from the one that
                    # started (a pre-forking server that loaded the app
                    # first): the Redis follower and the key file watcher
                    # are threads, which a fork does not copy.
                    state = self._start(app)
                    app.extensions["sealed_session"] = state
        watcher = state.watcher
        if watcher is not None and watcher.generation != state.generation:
            with state.lock:
                generation, keyring = watcher.current()
                if generation != state.generation:
                    try:
                        state.codec = self.build_codec(app, keyring=keyring, revocations=state.revocations)
                    except SealedSessionError as error:
                        # The keyring loaded but the codec refused it: the
                        # codec in force stays, and this is not retried.
                        _log.error("keeping the current keys: the reloaded keyring was refused: %s", error)
                    state.generation = generation
        return state.codec

    def revocation_list(self, app: Flask) -> Revocations | None:
        """The app's revocation list, or ``None`` without one."""
        self.codec(app)
        return app.extensions["sealed_session"].revocations

    def revocation_health(self, app: Flask) -> RevocationHealth | None:
        """The state of the app's Redis link (a
        :class:`~sealed_session.RevocationHealth`: false while it fails
        closed), for a health or readiness check; ``None`` without a Redis
        list."""
        revocations = self.revocation_list(app)
        return revocations.health if isinstance(revocations, RedisRevocations) else None

    def key_watcher(self, app: Flask) -> KeyFileWatcher | None:
        """The :class:`~sealed_session.KeyFileWatcher` of the app's key
        file (``SEALED_SESSION_KEYS_RELOAD``), or ``None``: its
        ``last_error`` says why a new file was not loaded."""
        self.codec(app)
        return app.extensions["sealed_session"].watcher

    def _start(self, app: Flask) -> _AppState:
        """The app's state: its revocation list, its key file watcher and
        its first codec."""
        config = app.config
        revocations = self._revocations(app)
        reload_keys = self.reload_keys if self.reload_keys is not None else config.get("SEALED_SESSION_KEYS_RELOAD", False)
        watcher = None
        keyring = None
        if reload_keys:
            path = config.get("SEALED_SESSION_KEYS_FILE")
            if self.keyring is not None or config.get("SEALED_SESSION_KEYS") or not path:
                raise ConfigurationError(
                    "SEALED_SESSION_KEYS_RELOAD: reloading needs the keys in a file "
                    "(SEALED_SESSION_KEYS_FILE), and no SEALED_SESSION_KEYS or keyring=",
                    setting="SEALED_SESSION_KEYS_RELOAD",
                )
            interval = config.get("SEALED_SESSION_KEYS_RELOAD_INTERVAL", 1)
            if isinstance(interval, datetime.timedelta):
                interval = interval.total_seconds()
            watcher = KeyFileWatcher(
                path,
                poll_interval=interval,
                on_sighup=bool(config.get("SEALED_SESSION_KEYS_RELOAD_ON_SIGHUP", False)),
            )
            generation, keyring = watcher.current()
        else:
            generation = 0
        codec = self.build_codec(app, keyring=keyring, revocations=revocations)
        return _AppState(self, codec, revocations, watcher, generation)

    def _revocations(self, app: Flask) -> Revocations | None:
        if self.revocations is not None:
            return self.revocations
        config = app.config
        configured = config.get("SEALED_SESSION_REVOCATIONS")
        url = config.get("SEALED_SESSION_REDIS_URL")
        if configured is not None and url:
            raise ConfigurationError(
                "SEALED_SESSION_REDIS_URL: set it or SEALED_SESSION_REVOCATIONS, not both",
                setting="SEALED_SESSION_REDIS_URL",
            )
        if configured is not None:
            if not isinstance(configured, (MemoryRevocations, RedisRevocations)):
                raise ConfigurationError(
                    "SEALED_SESSION_REVOCATIONS: expected a MemoryRevocations or a RedisRevocations, "
                    f"not {type(configured).__name__}",
                    setting="SEALED_SESSION_REVOCATIONS",
                )
            return configured
        if not url:
            return None
        window = config.get("SEALED_SESSION_REDIS_OUTAGE_WINDOW")
        try:
            return RedisRevocations(
                str(url),
                prefix=config.get("SEALED_SESSION_REDIS_PREFIX"),
                outage_window=window,
            )
        except ConfigurationError as error:
            key = {
                "url": "SEALED_SESSION_REDIS_URL",
                "prefix": "SEALED_SESSION_REDIS_PREFIX",
                "outage_window": "SEALED_SESSION_REDIS_OUTAGE_WINDOW",
            }.get(error.setting, error.setting)
            raise ConfigurationError(f"{key}: {error}", setting=key) from None
        except (TypeError, ValueError) as error:
            raise ConfigurationError(
                f"SEALED_SESSION_REDIS_OUTAGE_WINDOW: {error}", setting="SEALED_SESSION_REDIS_OUTAGE_WINDOW"
            ) from None

    def build_codec(
        self,
        app: Flask,
        *,
        keyring: Keyring | None = None,
        revocations: Revocations | None = None,
    ) -> SessionCodec:
        """A new codec from the app's config (see the module docs), with
        ``keyring`` (else the configured one) and ``revocations``."""
        config = app.config
        for old, new in _RENAMED_KEYS.items():
            if old in config:
                raise ConfigurationError(f"{old}: renamed to {new}", setting=old)
        idle = self._timeout(app, self.idle_timeout, "SEALED_SESSION_IDLE_TIMEOUT", DEFAULT_IDLE_TIMEOUT)
        absolute = self._timeout(
            app, self.absolute_timeout, "SEALED_SESSION_ABSOLUTE_TIMEOUT", DEFAULT_ABSOLUTE_TIMEOUT
        )
        if (
            self.idle_timeout is None
            and "SEALED_SESSION_IDLE_TIMEOUT" not in config
            and app.permanent_session_lifetime != FLASK_DEFAULT_LIFETIME
        ):
            raise ConfigurationError(
                "PERMANENT_SESSION_LIFETIME: it does not set the idle timeout here; set "
                "SEALED_SESSION_IDLE_TIMEOUT (the Rust side's idle_timeout: the same value on every "
                "service that shares the session)",
                setting="PERMANENT_SESSION_LIFETIME",
            )
        refresh_after = config.get("SEALED_SESSION_REFRESH_AFTER")
        if refresh_after is not None:
            refresh: Any = refresh_after
        elif config.get("SESSION_REFRESH_EACH_REQUEST", True):
            refresh = "each_request_if_permanent"
        else:
            refresh = "never"
        same_site = config.get("SESSION_COOKIE_SAMESITE") or "Lax"
        try:
            return SessionCodec(
                keyring if keyring is not None else self._keyring(app),
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
                revocations=revocations,
            )
        except ConfigurationError as error:
            key = _SETTING_KEYS.get(error.setting, error.setting)
            raise ConfigurationError(f"{key}: {error}", setting=key) from None

    def _timeout(self, app: Flask, argument: Duration | None, key: str, default: datetime.timedelta) -> int:
        value = argument if argument is not None else app.config.get(key, default)
        return _seconds(value, key)

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
            "make a key file with `python -m sealed_session keygen --out FILE`",
            setting="SEALED_SESSION_KEYS",
        )


_STATE_LOCK = threading.Lock()


class _AppState:
    """What an app's interface keeps in ``app.extensions["sealed_session"]``."""

    def __init__(
        self,
        interface: SealedSessionInterface,
        codec: SessionCodec,
        revocations: Revocations | None,
        watcher: KeyFileWatcher | None,
        generation: int,
    ) -> None:
        self.interface = interface
        #: The process it was started in.
        self.pid = os.getpid()
        self.codec = codec
        self.revocations = revocations
        self.watcher = watcher
        #: The watcher's generation the codec was built from.
        self.generation = generation
        self.lock = threading.Lock()


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

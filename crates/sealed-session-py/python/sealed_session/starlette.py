"""An ASGI session middleware for Starlette and FastAPI: the session in an
encrypted envelope v1 cookie.

It drops in for ``starlette.middleware.sessions.SessionMiddleware``::

    from sealed_session.starlette import SealedSessionMiddleware

    # SEALED_SESSION_KEYS_FILE=/etc/myapp/session-keys (chmod 600) in the environment
    app.add_middleware(SealedSessionMiddleware)

Handlers keep using ``request.session`` as before: a dict, exactly as
Starlette's (its own ``Session`` class, with ``accessed``/``modified``), that
holds JSON values (and, beyond Starlette, bytes, tuples, UUIDs and datetimes,
in Flask's tagged JSON, so a Flask app and a Rust service read the same
session). What changes is the cookie: encrypted and authenticated
(AES-256-EAX), bound to its name, with a key id for rotation, an idle timeout
and an absolute one, both checked on the server, under keys that are not the
app's ``secret_key``.

**Keys** come from ``keyring=`` (a :class:`~sealed_session.Keyring`), else
the environment, in the formats the Flask interface reads:
``SEALED_SESSION_KEYS`` (keyring text, ``"<kid> <key>"`` lines), else
``SEALED_SESSION_KEYS_FILE`` (a key file in that format, mode 0600). Make one
with ``python -m sealed_session keygen``.

**Settings.** Starlette's own, with safer defaults, plus the timeouts:

======================  ============================================================
``session_cookie``      the cookie's name; default ``__Host-session`` (Starlette:
                        ``session``), which browsers accept only over HTTPS, with
                        ``Path=/`` and no ``Domain``: no sibling subdomain can plant
                        or overwrite it
``max_age``             ``None`` (default): a browser-session cookie (no
                        ``Max-Age``), idle timeout ``idle_timeout``; seconds: the
                        cookie's ``Max-Age`` and the idle timeout (as Starlette's
                        ``max_age`` bounds the signature's age)
``path``, ``domain``    as in Starlette (a ``__Host-`` name takes neither)
``same_site``           ``"lax"`` (default), ``"strict"`` or ``"none"``
``https_only``          ``True`` by default (Starlette: ``False``): the ``Secure``
                        attribute, always on for ``__Host-``/``__Secure-`` names
``partitioned``         as in Starlette
``idle_timeout``        seconds or timedelta; default 24 hours (the Rust crate's)
``absolute_timeout``    seconds or timedelta; default 7 days (the Rust crate's)
``refresh``             when an unchanged session is sealed again: seconds (or a
                        timedelta) since its cookie was sealed, ``"each_request"``
                        or ``"never"``; default the Rust crate's (60 s)
``starlette_migration`` migrating the cookies of Starlette's ``SessionMiddleware``,
                        see below
``legacy``              more :class:`~sealed_session.Legacy` sources
``revocations``         a :class:`~sealed_session.MemoryRevocations` or
                        :class:`~sealed_session.RedisRevocations`: logout
                        (``request.session.revoke()``) and sign-out-everywhere
                        (``revoke_subject()``) that hold against copied cookies,
                        as the Flask interface does
======================  ============================================================

**What goes on the response** is decided in Rust, by the one lifecycle every
stack of this project follows (:meth:`~sealed_session.SessionCodec.finish`),
from the status of ``http.response.start``: a 1xx-4xx response saves (set
when changed, due a refresh or migrated; delete when emptied or when the
request's cookie did not open); **a 5xx response sends no** ``Set-Cookie``
**at all** (a failed request commits nothing; Starlette's middleware saves
on a 5xx), nor does a handler exception that reaches Starlette's
``ServerErrorMiddleware`` (its 500 never passes through this middleware);
``Vary: Cookie`` is added whenever the session was read or written, or a
cookie is sent. A session too large for a cookie (over 4096 bytes) turns the
response into an empty 500 (:meth:`SealedSessionMiddleware.save_error_response`).

**WebSocket** scopes get the session too (``websocket.session``), read from
the handshake's cookie; but a WebSocket handshake cannot set a cookie, so
changes made there are dropped, never saved: change the session over HTTP.

**Migration from** ``SessionMiddleware``: pass its settings, with the dates
between which its cookies are still accepted::

    app.add_middleware(
        SealedSessionMiddleware,
        starlette_migration={
            "secret_key": os.environ["OLD_SECRET_KEY"],   # SessionMiddleware's secret_key
            "since": datetime(2026, 1, 5, tzinfo=timezone.utc),  # when this went live
            "until": datetime(2026, 2, 5, tzinfo=timezone.utc),  # then they are refused
            # "session_cookie": "session", "max_age": 14 * 24 * 3600,
            # "path": "/", "domain": None: as SessionMiddleware had them
        },
    )

Its cookies are verified exactly as itsdangerous' ``TimestampSigner`` (which
Starlette uses) verifies them, within ``max_age``, by the Rust crate
(``Legacy::starlette_signed``); each is answered with an encrypted cookie,
and the old one deleted. A migrated session counts as created at ``since``,
so the absolute timeout ends every old cookie ``absolute_timeout`` after the
migration started, however often it is replayed.
"""

from __future__ import annotations

import datetime
import os
from typing import Any, Awaitable, Callable, Mapping, MutableMapping, Sequence, Union

from starlette.datastructures import MutableHeaders
from starlette.middleware.sessions import Session as StarletteSession

from . import _sealed_session
from ._revocable import RevocableSession
from ._sealed_session import (
    Finished,
    Keyring,
    Legacy,
    ManualClock,
    MemoryRevocations,
    RedisRevocations,
    Session,
    SessionCodec,
)
from .errors import ConfigurationError, SealedSessionError

__all__ = ["DEFAULT_COOKIE_NAME", "SealedSessionMiddleware", "SealedStarletteSession"]

#: The cookie's name unless ``session_cookie`` says otherwise: the Rust
#: crate's default.
DEFAULT_COOKIE_NAME: str = _sealed_session.DEFAULT_COOKIE_NAME
#: Starlette's ``SessionMiddleware`` defaults, for ``starlette_migration``.
STARLETTE_COOKIE_NAME = "session"
STARLETTE_MAX_AGE = 14 * 24 * 60 * 60

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Duration = Union[datetime.timedelta, int]

_MIGRATION_KEYS = {"secret_key", "since", "until", "session_cookie", "max_age", "path", "domain"}


class SealedStarletteSession(RevocableSession, StarletteSession):
    """Starlette's session dict (``accessed``/``modified`` as Starlette
    tracks them), tied to the sealed session it was opened from; with
    :meth:`set_subject`, :meth:`revoke` (logout) and :meth:`revoke_subject`
    (sign-out-everywhere), which may wait for Redis (up to its
    ``io_timeout``): in an async handler, run them in a thread
    (``await anyio.to_thread.run_sync(request.session.revoke)``)."""

    def __init__(self, initial: Mapping[str, Any] | None = None, sealed: Session | None = None) -> None:
        super().__init__(initial or {})
        #: The sealed session underneath.
        self.sealed: Session = sealed if sealed is not None else Session()
        self._regenerate = False
        self._codec: SessionCodec | None = None

    def _mark_changed(self) -> None:
        self.mark_modified()

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
        self.mark_modified()


class SealedSessionMiddleware:
    """``app.add_middleware(SealedSessionMiddleware, ...)``: see the module
    docs for the settings. The codec is built, and every setting checked,
    here: a refused one raises :class:`~sealed_session.ConfigurationError`
    naming it."""

    def __init__(
        self,
        app: ASGIApp,
        keyring: Keyring | None = None,
        *,
        session_cookie: str = DEFAULT_COOKIE_NAME,
        max_age: int | None = None,
        path: str = "/",
        same_site: str = "lax",
        https_only: bool = True,
        domain: str | None = None,
        partitioned: bool = False,
        idle_timeout: Duration | None = None,
        absolute_timeout: Duration | None = None,
        refresh: Union[str, Duration, None] = None,
        starlette_migration: Mapping[str, Any] | None = None,
        legacy: Sequence[Legacy] = (),
        clock: ManualClock | None = None,
        revocations: MemoryRevocations | RedisRevocations | None = None,
        secret_key: Any = None,
    ) -> None:
        if secret_key is not None:
            raise ConfigurationError(
                "secret_key: this middleware seals with a keyring (SEALED_SESSION_KEYS_FILE or "
                "SEALED_SESSION_KEYS, or keyring=), not SessionMiddleware's secret_key; to keep "
                "accepting the cookies it signed, pass it as starlette_migration={'secret_key': ...}",
                setting="secret_key",
            )
        self.app = app
        if max_age is not None:
            if idle_timeout is not None:
                raise ConfigurationError(
                    "max_age and idle_timeout: set one (max_age is the idle timeout, and the cookie's Max-Age)",
                    setting="max_age",
                )
            idle_timeout = max_age
        #: Whether sessions get a ``Max-Age`` (``max_age`` was given).
        self.permanent = max_age is not None
        sources = list(legacy)
        if starlette_migration is not None:
            sources.append(_starlette_legacy(starlette_migration))
        secure = https_only or session_cookie.lower().startswith(("__host-", "__secure-"))
        options: dict[str, Any] = {
            "cookie_name": session_cookie,
            "path": path,
            "domain": domain,
            "secure": secure,
            "http_only": True,
            "same_site": same_site,
            "partitioned": partitioned,
            "legacy": sources,
            "clock": clock,
            "revocations": revocations,
        }
        for name, value in (
            ("idle_timeout", idle_timeout),
            ("absolute_timeout", absolute_timeout),
            ("refresh", refresh),
        ):
            if value is not None:
                options[name] = value
        try:
            #: The one codec of this middleware.
            self.codec = SessionCodec(keyring if keyring is not None else _keyring_from_env(), **options)
        except ConfigurationError as error:
            setting = {"cookie_name": "session_cookie", "idle_timeout": "max_age" if self.permanent else "idle_timeout"}.get(
                error.setting, error.setting
            )
            raise ConfigurationError(f"{setting}: {error}", setting=setting) from None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        session = self.open(scope)
        scope["session"] = session
        if scope["type"] == "websocket":
            # A WebSocket handshake cannot set a cookie: read-only.
            await self.app(scope, receive, send)
            return

        replaced = False

        async def send_wrapper(message: Message) -> None:
            nonlocal replaced
            if message["type"] == "http.response.start":
                finished = self.finish(session, message["status"])
                if finished.save_error is not None:
                    replaced = True
                    message = self.save_error_response(finished.save_error, message)
                headers = MutableHeaders(scope=message)
                for header in finished.set_cookies:
                    headers.append("set-cookie", header)
                if finished.needs_vary(headers.getlist("vary")):
                    headers.add_vary_header(Finished.VARY_TOKEN)
            elif replaced and message["type"] == "http.response.body":
                # The app's body is dropped; the empty one ends the response.
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        await self.app(scope, receive, send_wrapper)

    def open(self, scope: Scope) -> SealedStarletteSession:
        """The request's session, from its ``Cookie`` headers."""
        cookies = [value.decode("latin-1") for name, value in scope.get("headers", ()) if name == b"cookie"]
        sealed = self.codec.load(cookies or None)
        try:
            data = sealed.to_dict()
        except SealedSessionError:
            # Authentic, but a tagged value does not decode (a writer that
            # got Flask's tags wrong): a new session, and the cookie deleted.
            sealed.clear()
            data = {}
        session = SealedStarletteSession(data, sealed)
        session._codec = self.codec
        return session

    def finish(self, session: SealedStarletteSession, status: int) -> Finished:
        """What the response with ``status`` carries for ``session``."""
        sealed = session.sealed
        if session.modified:
            if session:
                sealed.replace(session)
            else:
                sealed.clear()
        if session._regenerate:
            sealed.regenerate()
        if self.permanent and len(sealed) and (session.modified or sealed.reseal_advised):
            sealed.permanent = True
        return self.codec.finish(sealed, status, accessed=session.accessed)

    def save_error_response(self, error: SealedSessionError, message: Message) -> Message:
        """The ``http.response.start`` message that replaces ``message`` when
        the session could not be saved (``error``, a
        :class:`~sealed_session.CookieTooLargeError`): an empty 500 without
        the app's headers (``Vary: Cookie`` is added after). Override it for
        another status or headers; it must not add a ``Set-Cookie``, and
        the body stays empty."""
        return {"type": "http.response.start", "status": 500, "headers": [(b"content-length", b"0")]}


def _keyring_from_env() -> Keyring:
    text = os.environ.get("SEALED_SESSION_KEYS")
    if text is not None and text.strip():
        return Keyring.from_text(text)
    path = os.environ.get("SEALED_SESSION_KEYS_FILE")
    if path:
        return Keyring.from_file(path)
    raise ConfigurationError(
        "no keys: set SEALED_SESSION_KEYS_FILE (a key file, mode 0600) or SEALED_SESSION_KEYS "
        "(keyring text) in the environment, or pass keyring=; make a key with "
        "python -m sealed_session keygen",
        setting="SEALED_SESSION_KEYS",
    )


def _starlette_legacy(options: Mapping[str, Any]) -> Legacy:
    unknown = set(options) - _MIGRATION_KEYS
    if unknown:
        raise ConfigurationError(
            f"starlette_migration: unknown keys {sorted(unknown)}; expected {sorted(_MIGRATION_KEYS)}",
            setting="starlette_migration",
        )
    for required in ("secret_key", "since", "until"):
        if options.get(required) is None:
            raise ConfigurationError(
                f"starlette_migration: {required!r} is required (the old cookies carry no end, "
                "so their acceptance needs the key that signed them, a start and an end date)",
                setting="starlette_migration",
            )
    try:
        return Legacy.starlette_signed(
            str(options["secret_key"]),
            since=options["since"],
            until=options["until"],
            max_age=options.get("max_age", STARLETTE_MAX_AGE),
            cookie_name=options.get("session_cookie", STARLETTE_COOKIE_NAME),
            path=options.get("path", "/"),
            domain=options.get("domain"),
        )
    except (TypeError, ValueError) as error:
        raise ConfigurationError(f"starlette_migration: {error}", setting="starlette_migration") from None

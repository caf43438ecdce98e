"""Encrypted session cookies for Python and Flask, over the sealed-session
Rust crates.

- :class:`Codec`: bytes in, cookie text out (envelope v1, AES-256-EAX), bound
  to a context, with an idle timeout (24 hours unless ``max_age`` says
  otherwise).
- :class:`SessionCodec`: JSON sessions (Flask's tagged JSON) in cookies: the
  ``Cookie`` header in, a :class:`Session` out; at the end,
  :meth:`SessionCodec.finish` decides the response (:class:`Finished`: the
  ``Set-Cookie`` values and ``Vary: Cookie``) exactly as every Rust stack
  does; idle and absolute timeouts, key rotation, and the legacy formats
  (:class:`Legacy`) until an end date.
- :class:`Keyring`: the keys, from the keyring text format
  (``SEALED_SESSION_KEYS``, a key file).
- :class:`MemoryRevocations`, :class:`RedisRevocations`: logout and
  sign-out-everywhere that hold against copied cookies
  (``SessionCodec(revocations=...)``, :meth:`SessionCodec.revoke`), one
  process or a fleet (Redis, as the Rust services share it: REVOCATION.md).
- :class:`KeyFileWatcher`: a key file reloaded when it changes.
- :mod:`sealed_session.flask`: ``app.session_interface =
  SealedSessionInterface()``.
- :mod:`sealed_session.errors`: one exception class per reason, all
  :class:`SealedSessionError`.
- ``python -m sealed_session keygen``: a new key as keyring text.
"""

from __future__ import annotations

from . import errors
from ._sealed_session import (
    DEFAULT_ABSOLUTE_TIMEOUT,
    DEFAULT_COOKIE_NAME,
    DEFAULT_IDLE_TIMEOUT,
    KEYS_ENV,
    MAX_COOKIE_LEN,
    MAX_DEPTH,
    MAX_SUBJECT_LEN,
    Codec,
    Finished,
    KeyFileWatcher,
    Keyring,
    Legacy,
    ManualClock,
    MemoryRevocations,
    RedisRevocations,
    RevocationHealth,
    Saved,
    Session,
    SessionCodec,
    __version__,
    dumps,
    generate_keyring_text,
    loads,
)
from .errors import (
    AmbiguousSessionError,
    ConfigurationError,
    ContextTooLongError,
    CookieTooLargeError,
    ExpiredError,
    InvalidBytesError,
    InvalidJsonError,
    InvalidSessionError,
    IssuedInFutureError,
    KeyringError,
    LegacyNoLongerAcceptedError,
    LifetimeExceededError,
    MalformedError,
    NotAuthenticError,
    RandomError,
    RevocationNotSharedError,
    RevocationUnavailableError,
    RevokedError,
    SealedSessionError,
    TooDeepError,
    TooLargeError,
    UnknownKeyIdError,
    UnknownVersionError,
)

__all__ = [
    "DEFAULT_ABSOLUTE_TIMEOUT",
    "DEFAULT_COOKIE_NAME",
    "DEFAULT_IDLE_TIMEOUT",
    "KEYS_ENV",
    "MAX_COOKIE_LEN",
    "MAX_DEPTH",
    "MAX_SUBJECT_LEN",
    "Codec",
    "Finished",
    "KeyFileWatcher",
    "Keyring",
    "Legacy",
    "ManualClock",
    "MemoryRevocations",
    "RedisRevocations",
    "RevocationHealth",
    "Saved",
    "Session",
    "SessionCodec",
    "__version__",
    "dumps",
    "errors",
    "generate_keyring_text",
    "loads",
    "AmbiguousSessionError",
    "ConfigurationError",
    "ContextTooLongError",
    "CookieTooLargeError",
    "ExpiredError",
    "InvalidBytesError",
    "InvalidJsonError",
    "InvalidSessionError",
    "IssuedInFutureError",
    "KeyringError",
    "LegacyNoLongerAcceptedError",
    "LifetimeExceededError",
    "MalformedError",
    "NotAuthenticError",
    "RandomError",
    "RevocationNotSharedError",
    "RevocationUnavailableError",
    "RevokedError",
    "SealedSessionError",
    "TooDeepError",
    "TooLargeError",
    "UnknownKeyIdError",
    "UnknownVersionError",
]

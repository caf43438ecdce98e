"""Encrypted session cookies for Python and Flask, over the sealed-session
Rust crates.

- :class:`Codec`: bytes in, cookie text out (envelope v1, AES-256-EAX), bound
  to a context, with an idle timeout.
- :class:`SessionCodec`: JSON sessions (Flask's tagged JSON) in cookies: the
  ``Cookie`` header in, a :class:`Session` out; the ``Set-Cookie`` headers
  decided at the end; idle and absolute timeouts, key rotation, and the
  legacy formats (:class:`Legacy`) until an end date.
- :class:`Keyring`: the keys, from the keyring text format
  (``SEALED_SESSION_KEYS``, a key file).
- :mod:`sealed_session.flask`: ``app.session_interface =
  SealedSessionInterface()``.
- :mod:`sealed_session.errors`: one exception class per reason, all
  :class:`SealedSessionError`.
"""

from __future__ import annotations

from . import errors
from ._sealed_session import (
    KEYS_ENV,
    MAX_DEPTH,
    Codec,
    Keyring,
    Legacy,
    ManualClock,
    Saved,
    Session,
    SessionCodec,
    __version__,
    dumps,
    generate_keyring_text,
    loads,
)
from .errors import (
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
    SealedSessionError,
    TooDeepError,
    TooLargeError,
    UnknownKeyIdError,
    UnknownVersionError,
)

__all__ = [
    "KEYS_ENV",
    "MAX_DEPTH",
    "Codec",
    "Keyring",
    "Legacy",
    "ManualClock",
    "Saved",
    "Session",
    "SessionCodec",
    "__version__",
    "dumps",
    "errors",
    "generate_keyring_text",
    "loads",
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
    "SealedSessionError",
    "TooDeepError",
    "TooLargeError",
    "UnknownKeyIdError",
    "UnknownVersionError",
]

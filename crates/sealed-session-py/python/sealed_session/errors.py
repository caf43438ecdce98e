"""The exceptions of sealed_session: one base class, one subclass per reason.

Every rejection of a cookie is a :class:`SealedSessionError`; catch that to
handle them all, or a subclass for one reason. ``str(error)`` and
``error.reason`` are short, stable, lower-case texts that never contain
session data or key material, so they are safe to log. Anything about
authenticity (a wrong key, a wrong cookie name or context, a changed byte) is
the single, opaque :class:`NotAuthenticError`.
"""

from __future__ import annotations

__all__ = [
    "SealedSessionError",
    "MalformedError",
    "UnknownVersionError",
    "UnknownKeyIdError",
    "NotAuthenticError",
    "ExpiredError",
    "IssuedInFutureError",
    "TooLargeError",
    "LifetimeExceededError",
    "LegacyNoLongerAcceptedError",
    "AmbiguousSessionError",
    "RevokedError",
    "RevocationUnavailableError",
    "InvalidSessionError",
    "InvalidJsonError",
    "TooDeepError",
    "InvalidBytesError",
    "CookieTooLargeError",
    "ContextTooLongError",
    "RandomError",
    "KeyringError",
    "ConfigurationError",
    "RevocationNotSharedError",
]


class SealedSessionError(Exception):
    """Base class of every error this package raises about a cookie, a
    session, a keyring or a configuration."""

    #: The short, stable description, safe to show to anyone.
    reason: str = "sealed session error"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message if message is not None else self.reason)


# --- A cookie did not open ----------------------------------------------------


class MalformedError(SealedSessionError, ValueError):
    """The value is not a well-formed cookie: wrong alphabet, length or
    shape, or an authentic payload that does not decode."""

    reason = "malformed"


class UnknownVersionError(SealedSessionError, ValueError):
    """The cookie names an envelope version this package does not know."""

    reason = "unknown version"


class UnknownKeyIdError(SealedSessionError, ValueError):
    """The cookie's key id is not in the keyring (a retired key)."""

    reason = "unknown key id"


class NotAuthenticError(SealedSessionError, ValueError):
    """The cookie is not authentic: wrong key, wrong cookie name or context,
    or any changed byte. Deliberately says nothing more."""

    reason = "not authentic"


class ExpiredError(SealedSessionError, ValueError):
    """The cookie is authentic but older than the idle timeout (``max_age``)."""

    reason = "expired"


class IssuedInFutureError(SealedSessionError, ValueError):
    """The cookie is authentic but issued further in the future than the
    allowed clock skew."""

    reason = "issued in the future"


class TooLargeError(SealedSessionError, ValueError):
    """The input exceeds a bound: the cookie text, or the plaintext to seal
    or that a cookie inflates to."""

    reason = "too large"


class LifetimeExceededError(SealedSessionError, ValueError):
    """The session is older than the absolute timeout, however often it was
    refreshed."""

    reason = "session lifetime exceeded"


class LegacyNoLongerAcceptedError(SealedSessionError, ValueError):
    """A cookie of a legacy format (Flask's own, or EncryptedSession's) came
    after the end date of its acceptance."""

    reason = "legacy cookie no longer accepted"


class AmbiguousSessionError(SealedSessionError, ValueError):
    """Several cookies under the session's name opened with different
    session ids (or too many came): one of them may have been planted beside
    the user's own, to log them into another account. None is used and none
    is deleted: the request gets a new, empty session."""

    reason = "several authentic session cookies disagree"


class RevokedError(SealedSessionError, ValueError):
    """The session was revoked: logged out (its id) or signed out everywhere
    (its subject, before it was created). Treated as an expired session: the
    request gets a new one, and the response deletes the cookie."""

    reason = "session revoked"


class RevocationUnavailableError(SealedSessionError, ValueError):
    """The revocation list cannot vouch for itself (never loaded from Redis,
    or Redis unreachable for longer than the outage window): sessions that
    could have been revoked are refused (fail closed)."""

    reason = "revocation list unavailable"


class InvalidSessionError(SealedSessionError, ValueError):
    """An authentic plaintext, or a value handed in, is not a session."""

    reason = "authentic plaintext is not a session"


class InvalidJsonError(InvalidSessionError):
    """The session is not a UTF-8 JSON object (includes ``NaN``, infinities,
    lone surrogates, trailing data), or a tagged value does not decode."""

    reason = "session is not a JSON object"


class TooDeepError(InvalidSessionError):
    """The session nests lists and dicts deeper than 100 levels (or holds a
    reference cycle)."""

    reason = "session nests too deep"


class InvalidBytesError(InvalidSessionError):
    """A tagged byte string, ``{" b": ...}``, is malformed."""

    reason = "malformed tagged bytes"


# --- Sealing -----------------------------------------------------------------


class CookieTooLargeError(SealedSessionError, ValueError):
    """The cookie would be larger than browsers keep: its name and value
    together over 4096 bytes. Nothing is truncated."""

    reason = "cookie too large"


class ContextTooLongError(SealedSessionError, ValueError):
    """The context is too long."""

    reason = "context too long"


class RandomError(SealedSessionError, OSError):
    """The operating system's random number generator failed."""

    reason = "OS random number generator failed"


# --- Keys and configuration --------------------------------------------------


class KeyringError(SealedSessionError, ValueError):
    """A keyring could not be loaded or built: the message names the file or
    variable and the line, never the key text."""

    reason = "invalid keyring"


class ConfigurationError(SealedSessionError, ValueError):
    """A configuration was refused. :attr:`setting` names the setting at
    fault (the keyword argument or Flask config key)."""

    reason = "invalid configuration"

    def __init__(self, message: str | None = None, setting: str = "") -> None:
        super().__init__(message)
        #: The setting at fault.
        self.setting = setting


# --- Revocation ---------------------------------------------------------------


class RevocationNotSharedError(SealedSessionError, OSError):
    """A revocation was not stored in the shared list (Redis did not take
    it): other instances may keep honouring the session until Redis is back
    (this instance refuses it at once, and writes the entry back on
    reconnect). The cookie should still be deleted."""

    reason = "revocation not shared"

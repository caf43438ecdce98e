"""The revocation methods the Flask and Starlette sessions share (one body,
not twins): naming the subject at login, logout, sign-out-everywhere."""

from __future__ import annotations

from ._sealed_session import Session, SessionCodec
from .errors import ConfigurationError


class RevocableSession:
    """Mixed into a framework's session dict that holds ``sealed`` (the
    :class:`~sealed_session.Session` underneath) and ``_codec`` (the codec
    that opened it, kept for the whole request), and defines ``clear()``
    (the dict's) and ``_mark_changed()``; it comes first in the bases, and
    defines neither itself."""

    sealed: Session
    _codec: SessionCodec | None

    @property
    def subject(self) -> str | None:
        """Who the session belongs to (:meth:`set_subject`), or ``None``."""
        return self.sealed.subject

    def set_subject(self, subject: str) -> None:
        """Names who the session belongs to (the user id, 1 to 255 bytes of
        UTF-8), sealed in its cookie: at login, so that
        :meth:`revoke_subject` (sign-out-everywhere) reaches it. Kept by
        ``regenerate()``. Raises ``ValueError`` for an empty or too long
        subject."""
        self.sealed.set_subject(subject)
        self._mark_changed()  # type: ignore[attr-defined]

    def revoke(self) -> None:
        """Logout that holds: revokes this session in the app's revocation
        list (every copy of its cookie, taken before or after, is refused by
        every instance that shares the list) and empties it, so that the
        response deletes the cookie.

        Raises :class:`~sealed_session.RevocationNotSharedError` when Redis
        did not take the revocation (other instances may honour the session
        until Redis is back; this one refuses it at once and writes it back
        on reconnect), and :class:`~sealed_session.ConfigurationError`
        without a revocation list. The session is emptied in every case.
        It may wait for Redis (up to its ``io_timeout``, 1 s by default)."""
        try:
            self._require_codec().revoke(self.sealed)
        finally:
            self.clear()  # type: ignore[attr-defined]
            self._mark_changed()  # type: ignore[attr-defined]

    def revoke_subject(self, subject: str | None = None) -> None:
        """Sign-out-everywhere: revokes every session of ``subject`` (this
        session's own when omitted) created before now (in whole seconds: a
        session created in the same second is spared, REVOCATION.md §1), on
        every instance that shares the list. This session is one of them:
        call :meth:`revoke` too to log out here, or ``regenerate()`` to stay
        logged in here under a new session.

        Raises as :meth:`revoke` does, and ``ValueError`` when there is no
        subject."""
        subject = subject if subject is not None else self.sealed.subject
        if subject is None:
            raise ValueError("no subject: name it at login with set_subject(), or pass one")
        self._require_codec().revoke_subject(subject)

    def _require_codec(self) -> SessionCodec:
        if self._codec is None:
            raise ConfigurationError(
                "this session was not opened by the sealed_session interface or middleware",
                setting="revocations",
            )
        return self._codec

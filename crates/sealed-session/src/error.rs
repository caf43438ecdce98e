//! The error type of the session layer.

use core::fmt;

use sealed_session_core::{Error, ErrorKind};

/// Why a session operation failed.
///
/// Errors never contain session data or key material, so they are safe to
/// log. Anything about authenticity is the core's single opaque
/// [`ErrorKind::Unauthentic`], inside [`SessionError::Cookie`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionError {
    /// The cookie did not open or seal: the core error's kind says why
    /// (`Unauthentic`, `Expired`, `Malformed`, `TooLarge`, ...).
    Cookie(Error),
    /// The authentic plaintext is not a UTF-8 JSON object (includes `NaN`
    /// and `Infinity`, lone surrogates, and trailing data).
    InvalidJson,
    /// The session nests arrays and objects deeper than
    /// [`MAX_DEPTH`](crate::MAX_DEPTH).
    TooDeep,
    /// An object tagged `"__type__": "bytes"` is not exactly
    /// `{"__type__": "bytes", "b": "<padded standard base64>"}`.
    InvalidBytes,
    /// The stored value does not deserialize as the requested type.
    WrongType,
    /// The value does not serialize as JSON (for example a map whose keys are
    /// not strings).
    Unserializable,
    /// The cookie (`name=value`) would exceed
    /// [`MAX_COOKIE_LEN`](crate::MAX_COOKIE_LEN) bytes. Nothing is truncated.
    CookieTooLarge,
    /// A cookie name, path or domain has characters a `Set-Cookie` header
    /// cannot carry, or the attributes break a cookie-prefix rule
    /// (`__Host-`, `__Secure-`) or `SameSite=None` without `Secure`.
    InvalidCookieAttribute,
    /// A Python (legacy) cookie was sealed or opened, but the codec has no
    /// legacy key.
    NoLegacyKey,
    /// The operating system's random number generator failed.
    Random,
}

impl SessionError {
    /// The core error kind, when this is a [`SessionError::Cookie`].
    #[must_use]
    pub const fn cookie_kind(&self) -> Option<ErrorKind> {
        match self {
            Self::Cookie(error) => Some(error.kind()),
            _ => None,
        }
    }

    /// A short, stable, lower-case description, safe to show to anyone.
    #[must_use]
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Cookie(error) => error.kind().as_str(),
            Self::InvalidJson => "session is not a JSON object",
            Self::TooDeep => "session nests too deep",
            Self::InvalidBytes => "malformed tagged bytes",
            Self::WrongType => "session value has another type",
            Self::Unserializable => "value does not serialize as JSON",
            Self::CookieTooLarge => "cookie too large",
            Self::InvalidCookieAttribute => "invalid cookie attribute",
            Self::NoLegacyKey => "no legacy key",
            Self::Random => "OS random number generator failed",
        }
    }
}

impl From<Error> for SessionError {
    fn from(error: Error) -> Self {
        Self::Cookie(error)
    }
}

impl From<ErrorKind> for SessionError {
    fn from(kind: ErrorKind) -> Self {
        Self::Cookie(Error::new(kind))
    }
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::error::Error for SessionError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Cookie(error) => Some(error),
            _ => None,
        }
    }
}

//! The errors of the session layer: per-request [`SessionError`]s and the
//! [`ConfigError`] a builder returns once, at start-up.

use core::fmt;

use sealed_session_core::{Error, ErrorKind};

/// A `match` on `$value` whose every arm gives the variant's own name
/// (`stringify!`), so a name cannot drift from its variant; exhaustive like
/// any `match`, so a new variant must be listed.
macro_rules! variant_names {
    ($value:expr; $($variant:ident $(($($field:tt)*))?),+ $(,)?) => {
        match $value {
            $(Self::$variant $(($($field)*))? => stringify!($variant),)+
        }
    };
}

/// Why a session operation failed, or why a cookie was rejected.
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
    /// The session is older than the absolute timeout: it was created
    /// longer ago than
    /// [`SessionCodecBuilder::absolute_timeout`](crate::SessionCodecBuilder::absolute_timeout),
    /// however often it was refreshed since.
    LifetimeExceeded,
    /// A cookie in a legacy format was presented after the end date of its
    /// acceptance ([`Legacy::until`](crate::Legacy::until)).
    LegacyNoLongerAccepted,
    /// The authentic plaintext is not a session: its metadata prefix is
    /// malformed (see the crate docs, "Where the session's data lives").
    InvalidSession,
    /// The authentic plaintext's body is not a UTF-8 JSON object (includes
    /// `NaN` and `Infinity`, lone surrogates, and trailing data).
    InvalidJson,
    /// The session nests arrays and objects deeper than
    /// [`Session::MAX_DEPTH`](crate::Session::MAX_DEPTH).
    TooDeep,
    /// A tagged byte string, `{" b": "<padded standard base64>"}` (or the
    /// Python format's `{"__type__": "bytes", "b": …}`), is malformed.
    InvalidBytes,
    /// The stored value does not deserialize as the requested type
    /// (including a number that does not fit it, such as `1e400` as an
    /// `f64`).
    WrongType,
    /// The value does not serialize as JSON (for example a map whose keys are
    /// not strings, or a float that is NaN or infinite), or a typed session
    /// does not serialize as postcard.
    Unserializable,
    /// The key is reserved: `_permanent` is Flask's permanent flag, set with
    /// [`Session::set_permanent`](crate::Session::set_permanent).
    ReservedKey,
    /// The cookie would be larger than browsers keep: its name and value
    /// together over [`MAX_COOKIE_LEN`](crate::cookie::MAX_COOKIE_LEN) bytes.
    /// Nothing is truncated.
    CookieTooLarge,
    /// The operating system's random number generator failed.
    Random,
    /// Several session cookies of the same name opened, with different
    /// session ids, or more than
    /// [`SessionCodec::MAX_CANDIDATES`](crate::SessionCodec::MAX_CANDIDATES)
    /// came: one of them may have been planted (by a sibling subdomain, or
    /// under a longer `Path`) to log the user into another account or out
    /// of their own. None is used and none is deleted; see
    /// [`SessionCodec::load`](crate::SessionCodec::load).
    AmbiguousSession,
    /// The session was revoked (a logout, or its subject signed out
    /// everywhere): see [`SessionCodec::revoke`](crate::SessionCodec::revoke).
    Revoked,
    /// The revocation list cannot vouch for the session (its store has
    /// been unreachable for longer than allowed): refused, failing closed.
    RevocationUnavailable,
}

impl SessionError {
    /// The core error kind, when this is a [`SessionError::Cookie`].
    ///
    /// ```
    /// use sealed_session::{ErrorKind, SessionError};
    ///
    /// assert_eq!(SessionError::from(ErrorKind::Expired).cookie_kind(), Some(ErrorKind::Expired));
    /// assert_eq!(SessionError::InvalidJson.cookie_kind(), None);
    /// ```
    #[must_use]
    pub const fn cookie_kind(&self) -> Option<ErrorKind> {
        match self {
            Self::Cookie(error) => Some(error.kind()),
            _ => None,
        }
    }

    /// A short, stable, lower-case description, safe to show to anyone.
    ///
    /// ```
    /// use sealed_session::{ErrorKind, SessionError};
    ///
    /// assert_eq!(SessionError::from(ErrorKind::Unauthentic).as_str(), "not authentic");
    /// assert_eq!(SessionError::LifetimeExceeded.as_str(), "session lifetime exceeded");
    /// ```
    #[must_use]
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Cookie(error) => error.kind().as_str(),
            Self::LifetimeExceeded => "session lifetime exceeded",
            Self::LegacyNoLongerAccepted => "legacy cookie no longer accepted",
            Self::InvalidSession => "authentic plaintext is not a session",
            Self::InvalidJson => "session is not a JSON object",
            Self::TooDeep => "session nests too deep",
            Self::InvalidBytes => "malformed tagged bytes",
            Self::WrongType => "session value has another type",
            Self::Unserializable => "value does not serialize",
            Self::ReservedKey => "reserved session key",
            Self::CookieTooLarge => "cookie too large",
            Self::Random => "OS random number generator failed",
            Self::AmbiguousSession => "several authentic session cookies disagree",
            Self::Revoked => "session revoked",
            Self::RevocationUnavailable => "revocation list unavailable",
        }
    }
    /// The variant's name as written in Rust (`"LifetimeExceeded"`, and
    /// `"Cookie"` for every [`SessionError::Cookie`]: its
    /// [`ErrorKind::name`] says more), as `Debug` prints it for the
    /// variants without fields: a stable identifier for logs, metrics and
    /// other languages' error names, without the formatting machinery.
    ///
    /// ```
    /// use sealed_session::{ErrorKind, SessionError};
    ///
    /// assert_eq!(SessionError::LifetimeExceeded.name(), "LifetimeExceeded");
    /// assert_eq!(SessionError::from(ErrorKind::Expired).name(), "Cookie");
    /// ```
    #[must_use]
    pub const fn name(&self) -> &'static str {
        variant_names!(self;
            Cookie(_),
            LifetimeExceeded,
            LegacyNoLongerAccepted,
            InvalidSession,
            InvalidJson,
            TooDeep,
            InvalidBytes,
            WrongType,
            Unserializable,
            ReservedKey,
            CookieTooLarge,
            Random,
            AmbiguousSession,
            Revoked,
            RevocationUnavailable,
        )
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

/// A configuration the
/// [`SessionCodecBuilder`](crate::SessionCodecBuilder) refuses: the setting
/// at fault and why. Returned once, by `build()`; a codec that was built
/// never fails for configuration reasons afterwards.
///
/// ```
/// use std::time::Duration;
/// use sealed_session::{Key, Keyring, SessionCodec};
///
/// let error = SessionCodec::builder(Keyring::new(1, &Key::from_bytes([1; 32])))
///     .domain("example.com")
///     .build()
///     .unwrap_err();
/// assert_eq!(error.setting(), "domain");
/// assert_eq!(
///     error.to_string(),
///     "invalid setting `domain`: a `__Host-` cookie (the default name `__Host-session`) \
///      must not have a Domain; choose another cookie name, such as `__Secure-session`"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    setting: &'static str,
    reason: String,
}

impl ConfigError {
    pub(crate) fn new(setting: &'static str, reason: impl Into<String>) -> Self {
        Self {
            setting,
            reason: reason.into(),
        }
    }

    /// The name of the builder method whose value is at fault.
    #[must_use]
    pub const fn setting(&self) -> &'static str {
        self.setting
    }

    /// Why it is refused.
    #[must_use]
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid setting `{}`: {}", self.setting, self.reason)
    }
}

impl core::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    /// `name()` (the variant's identifier, by construction) is what the
    /// derived `Debug` prints, for every kind and variant there is today.
    #[test]
    fn names_are_the_debug_names() {
        let kinds = [
            ErrorKind::Malformed,
            ErrorKind::UnknownVersion,
            ErrorKind::UnknownKeyId,
            ErrorKind::Unauthentic,
            ErrorKind::Expired,
            ErrorKind::IssuedInFuture,
            ErrorKind::TooLarge,
            ErrorKind::BufferTooSmall,
            ErrorKind::ContextTooLong,
            ErrorKind::InvalidKey,
            ErrorKind::KeyringFull,
            ErrorKind::DuplicateKeyId,
        ];
        for kind in kinds {
            assert_eq!(kind.name(), format!("{kind:?}"));
            let error = SessionError::from(kind);
            assert_eq!(error.name(), "Cookie");
            assert!(format!("{error:?}").starts_with("Cookie("));
        }
        let variants = [
            SessionError::LifetimeExceeded,
            SessionError::LegacyNoLongerAccepted,
            SessionError::InvalidSession,
            SessionError::InvalidJson,
            SessionError::TooDeep,
            SessionError::InvalidBytes,
            SessionError::WrongType,
            SessionError::Unserializable,
            SessionError::ReservedKey,
            SessionError::CookieTooLarge,
            SessionError::Random,
            SessionError::AmbiguousSession,
            SessionError::Revoked,
            SessionError::RevocationUnavailable,
        ];
        for variant in variants {
            assert_eq!(variant.name(), format!("{variant:?}"));
        }
    }
}

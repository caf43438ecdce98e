//! The one error type of the crate.

use core::fmt;

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

/// Why a seal, an open or a key operation failed.
///
/// Everything that depends on a secret (a wrong key, a tampered byte, a
/// wrong context, a bad tag) is the single kind [`ErrorKind::Unauthentic`],
/// so an error can never tell an attacker *which* check failed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
}

/// The kinds of [`Error`]. New kinds may be added in minor releases.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The text is not a well-formed cookie: bad alphabet, padding,
    /// non-canonical encoding, wrong length or shape, a reserved flag bit set,
    /// or an authentic payload that does not decompress or decode.
    Malformed,
    /// The first byte names an envelope version this crate does not know.
    UnknownVersion,
    /// The key id in the header is not in the keyring.
    UnknownKeyId,
    /// The cookie is not authentic: wrong key, wrong context, or any
    /// modified byte. Deliberately says nothing more.
    Unauthentic,
    /// The cookie is authentic but older than the allowed maximum age.
    Expired,
    /// The cookie is authentic but issued further in the future than the
    /// allowed clock skew.
    IssuedInFuture,
    /// The input or the plaintext exceeds a configured bound (cookie text
    /// length, or the largest plaintext `open` accepts after decompression).
    TooLarge,
    /// The caller's output buffer is too small; size it with the `*_len`
    /// helpers.
    BufferTooSmall,
    /// The context (associated data) is longer than
    /// [`MAX_CONTEXT_LEN`](crate::MAX_CONTEXT_LEN) bytes.
    ContextTooLong,
    /// Key text has the wrong length or alphabet.
    InvalidKey,
    /// The keyring holds [`Keyring::CAPACITY`](crate::Keyring::CAPACITY)
    /// keys already.
    KeyringFull,
    /// The keyring already holds a key with this id.
    DuplicateKeyId,
}

impl Error {
    /// An error of the given kind.
    #[must_use]
    pub const fn new(kind: ErrorKind) -> Self {
        Self { kind }
    }

    /// What went wrong.
    #[must_use]
    pub const fn kind(self) -> ErrorKind {
        self.kind
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Self::new(kind)
    }
}

impl ErrorKind {
    /// A short, stable, lower-case description, safe to show to anyone.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::UnknownVersion => "unknown version",
            Self::UnknownKeyId => "unknown key id",
            Self::Unauthentic => "not authentic",
            Self::Expired => "expired",
            Self::IssuedInFuture => "issued in the future",
            Self::TooLarge => "too large",
            Self::BufferTooSmall => "buffer too small",
            Self::ContextTooLong => "context too long",
            Self::InvalidKey => "invalid key",
            Self::KeyringFull => "keyring full",
            Self::DuplicateKeyId => "duplicate key id",
        }
    }
    /// The kind's name as written in Rust (`"Unauthentic"`), as `Debug`
    /// prints it: a stable identifier for logs, metrics and other
    /// languages' error names (the npm package's `SessionError.kind`),
    /// without the formatting machinery.
    ///
    /// ```
    /// use sealed_session_core::ErrorKind;
    ///
    /// assert_eq!(ErrorKind::IssuedInFuture.name(), "IssuedInFuture");
    /// ```
    #[must_use]
    pub const fn name(self) -> &'static str {
        variant_names!(self;
            Malformed,
            UnknownVersion,
            UnknownKeyId,
            Unauthentic,
            Expired,
            IssuedInFuture,
            TooLarge,
            BufferTooSmall,
            ContextTooLong,
            InvalidKey,
            KeyringFull,
            DuplicateKeyId,
        )
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Error").field(&self.kind).finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.as_str())
    }
}

impl core::error::Error for Error {}

/// Shorthand used inside the crate.
pub(crate) const fn err<T>(kind: ErrorKind) -> Result<T, Error> {
    Err(Error::new(kind))
}

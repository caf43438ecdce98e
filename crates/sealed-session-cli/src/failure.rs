//! Why a command failed, and the exit code that says so.

use core::fmt;

use sealed_session::SessionError;
use sealed_session_core::ErrorKind;

/// Exit code of a rejected cookie.
pub(crate) const EXIT_REJECTED: u8 = 1;
/// Exit code of a usage, input/output, JSON or key-file error.
pub(crate) const EXIT_ERROR: u8 = 2;

/// The public reasons a cookie is rejected for, as `--help` lists them.
pub(crate) const PUBLIC_REASONS: [&str; 8] = [
    "malformed",
    "unknown version",
    "unknown key id",
    "expired",
    "issued in the future",
    "too large",
    "not authentic",
    LIFETIME_EXCEEDED,
];

/// The rejection of a session older than the absolute timeout (FORMAT.md
/// §12.1): authentic, but created too long ago.
pub(crate) const LIFETIME_EXCEEDED: &str = "lifetime exceeded";

/// A failed command. Nothing in it is secret: key-file errors name a line,
/// never its text, and a rejection names only a public reason. Arguments
/// quoted in messages still pass through [`crate::withhold::scrub`] before
/// they are printed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The cookie was rejected (exit 1), for this public reason.
    Rejected(&'static str),
    /// The command line is wrong (exit 2); the command name points to its help.
    Usage {
        /// The command whose `--help` to suggest, if any.
        command: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// Input/output, JSON or key-file error (exit 2).
    Input(String),
}

impl Failure {
    /// A usage error of `command`.
    pub(crate) fn usage(command: &str, message: impl Into<String>) -> Self {
        Self::Usage {
            command: Some(command.to_owned()),
            message: message.into(),
        }
    }

    /// An input/output, JSON or key-file error.
    pub(crate) fn input(message: impl Into<String>) -> Self {
        Self::Input(message.into())
    }

    /// The rejection of a cookie that a codec refused with `kind`.
    pub(crate) fn rejected(kind: ErrorKind) -> Self {
        Self::Rejected(public_reason(kind))
    }

    /// An authentic cookie (or Python cookie) whose plaintext is not a JSON
    /// session: not a rejection, since the cookie is genuine, but nothing
    /// this tool can show (exit 2).
    pub(crate) fn not_a_session(error: SessionError) -> Self {
        let what = match error {
            SessionError::InvalidSession => {
                "its plaintext is not a session (neither a JSON object nor session metadata)"
            }
            SessionError::TooDeep => "its JSON nests deeper than 100 levels",
            SessionError::InvalidBytes => "its JSON holds a malformed tagged byte string",
            _ => "its plaintext is not a JSON object",
        };
        Self::Input(format!("the cookie is authentic, but {what}"))
    }

    /// The process exit code.
    pub(crate) const fn exit_code(&self) -> u8 {
        match self {
            Self::Rejected(_) => EXIT_REJECTED,
            Self::Usage { .. } | Self::Input(_) => EXIT_ERROR,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rejected(reason) => write!(f, "sealed-session: cookie rejected: {reason}"),
            Self::Usage {
                command: Some(command),
                message,
            } => write!(
                f,
                "sealed-session {command}: {message}\n\
                 Run `sealed-session {command} --help` for usage."
            ),
            Self::Usage {
                command: None,
                message,
            } => write!(
                f,
                "sealed-session: {message}\nRun `sealed-session --help` for usage."
            ),
            Self::Input(message) => write!(f, "sealed-session: error: {message}"),
        }
    }
}

/// The reason a rejected cookie is reported with: what its public shape
/// showed, or the single opaque "not authentic". Kinds that no cookie can
/// cause are reported as "not authentic", which says nothing.
pub(crate) const fn public_reason(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Malformed => PUBLIC_REASONS[0],
        ErrorKind::UnknownVersion => PUBLIC_REASONS[1],
        ErrorKind::UnknownKeyId => PUBLIC_REASONS[2],
        ErrorKind::Expired => PUBLIC_REASONS[3],
        ErrorKind::IssuedInFuture => PUBLIC_REASONS[4],
        ErrorKind::TooLarge => PUBLIC_REASONS[5],
        _ => PUBLIC_REASONS[6],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_maps_to_a_public_reason() {
        let cases = [
            (ErrorKind::Malformed, "malformed"),
            (ErrorKind::UnknownVersion, "unknown version"),
            (ErrorKind::UnknownKeyId, "unknown key id"),
            (ErrorKind::Unauthentic, "not authentic"),
            (ErrorKind::Expired, "expired"),
            (ErrorKind::IssuedInFuture, "issued in the future"),
            (ErrorKind::TooLarge, "too large"),
            (ErrorKind::BufferTooSmall, "not authentic"),
            (ErrorKind::ContextTooLong, "not authentic"),
            (ErrorKind::InvalidKey, "not authentic"),
        ];
        for (kind, reason) in cases {
            assert_eq!(public_reason(kind), reason, "{kind:?}");
            assert_eq!(Failure::rejected(kind).exit_code(), 1);
        }
        assert_eq!(Failure::input("x").exit_code(), 2);
        assert_eq!(Failure::usage("seal", "x").exit_code(), 2);
        assert_eq!(
            Failure::not_a_session(SessionError::InvalidJson).exit_code(),
            2
        );
    }
}

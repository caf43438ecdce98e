//! Rust errors as the Python exceptions of `sealed_session.errors`.
//!
//! The exception classes are written in Python (so they carry docstrings, a
//! `reason` and, for configuration errors, a `setting`); they are bound here
//! with `pyo3::import_exception!`, as pyca's crates bind theirs: a type
//! per class, imported once on first use, never a class looked up by a
//! string at run time. Each error is raised with the Rust error's stable
//! text.

use pyo3::PyErr;
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use sealed_session::{ErrorKind, KeyTextError, SessionError};

/// The classes of `sealed_session.errors`, one Rust type each.
pub(crate) mod classes {
    #![allow(missing_docs, unreachable_pub)]

    pyo3::import_exception!(sealed_session.errors, SealedSessionError);
    pyo3::import_exception!(sealed_session.errors, MalformedError);
    pyo3::import_exception!(sealed_session.errors, UnknownVersionError);
    pyo3::import_exception!(sealed_session.errors, UnknownKeyIdError);
    pyo3::import_exception!(sealed_session.errors, NotAuthenticError);
    pyo3::import_exception!(sealed_session.errors, ExpiredError);
    pyo3::import_exception!(sealed_session.errors, IssuedInFutureError);
    pyo3::import_exception!(sealed_session.errors, TooLargeError);
    pyo3::import_exception!(sealed_session.errors, LifetimeExceededError);
    pyo3::import_exception!(sealed_session.errors, LegacyNoLongerAcceptedError);
    pyo3::import_exception!(sealed_session.errors, AmbiguousSessionError);
    pyo3::import_exception!(sealed_session.errors, InvalidSessionError);
    pyo3::import_exception!(sealed_session.errors, InvalidJsonError);
    pyo3::import_exception!(sealed_session.errors, TooDeepError);
    pyo3::import_exception!(sealed_session.errors, InvalidBytesError);
    pyo3::import_exception!(sealed_session.errors, CookieTooLargeError);
    pyo3::import_exception!(sealed_session.errors, ContextTooLongError);
    pyo3::import_exception!(sealed_session.errors, RandomError);
    pyo3::import_exception!(sealed_session.errors, KeyringError);
    pyo3::import_exception!(sealed_session.errors, ConfigurationError);
    pyo3::import_exception!(sealed_session.errors, RevokedError);
    pyo3::import_exception!(sealed_session.errors, RevocationUnavailableError);
    pyo3::import_exception!(sealed_session.errors, RevocationNotSharedError);
}

use classes::{
    AmbiguousSessionError, ConfigurationError, ContextTooLongError, CookieTooLargeError,
    ExpiredError, InvalidBytesError, InvalidJsonError, InvalidSessionError, IssuedInFutureError,
    KeyringError as PyKeyringError, LegacyNoLongerAcceptedError, LifetimeExceededError,
    MalformedError, NotAuthenticError, RandomError, RevocationUnavailableError, RevokedError,
    SealedSessionError, TooDeepError, TooLargeError, UnknownKeyIdError, UnknownVersionError,
};

/// The exception for a session error: one class per reason, with the
/// error's stable text as message.
pub(crate) fn session_error(error: SessionError) -> PyErr {
    let message = error.as_str();
    match error {
        SessionError::Cookie(error) => core_error(error.kind()),
        SessionError::LifetimeExceeded => LifetimeExceededError::new_err(message),
        SessionError::LegacyNoLongerAccepted => LegacyNoLongerAcceptedError::new_err(message),
        SessionError::InvalidSession => InvalidSessionError::new_err(message),
        SessionError::InvalidJson => InvalidJsonError::new_err(message),
        SessionError::TooDeep => TooDeepError::new_err(message),
        SessionError::InvalidBytes => InvalidBytesError::new_err(message),
        SessionError::CookieTooLarge => CookieTooLargeError::new_err(message),
        SessionError::Random => RandomError::new_err(message),
        SessionError::AmbiguousSession => AmbiguousSessionError::new_err(message),
        SessionError::Revoked => RevokedError::new_err(message),
        SessionError::RevocationUnavailable => RevocationUnavailableError::new_err(message),
        // Values handed in from Python are serialized by this module, and
        // `_permanent` is taken out before Rust sees it: these mean a bug
        // here, not bad input.
        SessionError::WrongType | SessionError::Unserializable | SessionError::ReservedKey => {
            PyTypeError::new_err(message)
        }
        _ => SealedSessionError::new_err(message),
    }
}

/// The exception for a core error kind.
pub(crate) fn core_error(kind: ErrorKind) -> PyErr {
    let message = kind.as_str();
    match kind {
        ErrorKind::Malformed => MalformedError::new_err(message),
        ErrorKind::UnknownVersion => UnknownVersionError::new_err(message),
        ErrorKind::UnknownKeyId => UnknownKeyIdError::new_err(message),
        ErrorKind::Unauthentic => NotAuthenticError::new_err(message),
        ErrorKind::Expired => ExpiredError::new_err(message),
        ErrorKind::IssuedInFuture => IssuedInFutureError::new_err(message),
        ErrorKind::TooLarge => TooLargeError::new_err(message),
        ErrorKind::ContextTooLong => ContextTooLongError::new_err(message),
        ErrorKind::InvalidKey | ErrorKind::KeyringFull | ErrorKind::DuplicateKeyId => {
            PyKeyringError::new_err(message)
        }
        // The allocating APIs used here size their own buffers.
        ErrorKind::BufferTooSmall => PyRuntimeError::new_err("internal error: buffer too small"),
        _ => SealedSessionError::new_err(message),
    }
}

/// An `InvalidJsonError` saying why.
pub(crate) fn invalid_json(why: &str) -> PyErr {
    InvalidJsonError::new_err(format!("session is not a JSON object: {why}"))
}

/// A `TooDeepError`.
pub(crate) fn too_deep() -> PyErr {
    TooDeepError::new_err(format!(
        "session nests too deep (more than {} levels, or a reference cycle)",
        sealed_session::Session::MAX_DEPTH
    ))
}

/// An `InvalidBytesError`.
pub(crate) fn invalid_bytes() -> PyErr {
    InvalidBytesError::new_err(SessionError::InvalidBytes.as_str())
}

/// A `KeyringError` with `message` (which must hold no key text).
pub(crate) fn keyring(message: String) -> PyErr {
    PyKeyringError::new_err(message)
}

/// A `ConfigurationError` for `setting`.
pub(crate) fn configuration(setting: &str, message: &str) -> PyErr {
    ConfigurationError::new_err((message.to_owned(), setting.to_owned()))
}

/// Keyring text that did not parse.
pub(crate) fn key_text_error(error: &KeyTextError) -> PyErr {
    keyring(format!("keyring text: {error}"))
}

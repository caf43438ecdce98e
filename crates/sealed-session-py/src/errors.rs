//! Rust errors as the Python exceptions of `sealed_session.errors`.
//!
//! The exception classes are written in Python (so they carry docstrings, a
//! `reason` and, for configuration errors, a `setting`); this module looks
//! them up once and raises them with the Rust error's stable text.

use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyModule;
use sealed_session::{ErrorKind, KeyTextError, KeyringError, SessionError};

/// The Python module holding the exception classes.
const ERRORS_MODULE: &str = "sealed_session.errors";

static MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

/// An exception of class `class` (a name in `sealed_session.errors`) with
/// `message`.
pub(crate) fn raise(py: Python<'_>, class: &str, message: &str) -> PyErr {
    let module = match MODULE.get_or_try_init(py, || {
        PyModule::import(py, ERRORS_MODULE).map(Bound::unbind)
    }) {
        Ok(module) => module.bind(py),
        Err(error) => return error,
    };
    match module
        .getattr(class)
        .and_then(|class| class.call1((message,)))
    {
        Ok(instance) => PyErr::from_value(instance),
        Err(error) => error,
    }
}

/// The exception for a session error: one class per reason, with the
/// error's stable text as message.
pub(crate) fn session_error(py: Python<'_>, error: SessionError) -> PyErr {
    let class = match error {
        SessionError::Cookie(error) => return core_error(py, error.kind()),
        SessionError::LifetimeExceeded => "LifetimeExceededError",
        SessionError::LegacyNoLongerAccepted => "LegacyNoLongerAcceptedError",
        SessionError::InvalidSession => "InvalidSessionError",
        SessionError::InvalidJson => "InvalidJsonError",
        SessionError::TooDeep => "TooDeepError",
        SessionError::InvalidBytes => "InvalidBytesError",
        SessionError::CookieTooLarge => "CookieTooLargeError",
        SessionError::Random => "RandomError",
        // Values handed in from Python are serialized by this module, and
        // `_permanent` is taken out before Rust sees it: these mean a bug
        // here, not bad input.
        SessionError::WrongType | SessionError::Unserializable | SessionError::ReservedKey => {
            return PyTypeError::new_err(error.as_str());
        }
        _ => "SealedSessionError",
    };
    raise(py, class, error.as_str())
}

/// The exception for a core error kind.
pub(crate) fn core_error(py: Python<'_>, kind: ErrorKind) -> PyErr {
    let class = match kind {
        ErrorKind::Malformed => "MalformedError",
        ErrorKind::UnknownVersion => "UnknownVersionError",
        ErrorKind::UnknownKeyId => "UnknownKeyIdError",
        ErrorKind::Unauthentic => "NotAuthenticError",
        ErrorKind::Expired => "ExpiredError",
        ErrorKind::IssuedInFuture => "IssuedInFutureError",
        ErrorKind::TooLarge => "TooLargeError",
        ErrorKind::ContextTooLong => "ContextTooLongError",
        ErrorKind::InvalidKey | ErrorKind::KeyringFull | ErrorKind::DuplicateKeyId => {
            "KeyringError"
        }
        ErrorKind::BufferTooSmall => {
            // The allocating APIs used here size their own buffers.
            return PyRuntimeError::new_err("internal error: buffer too small");
        }
        _ => "SealedSessionError",
    };
    raise(py, class, kind.as_str())
}

/// A `ConfigurationError` for `setting`.
pub(crate) fn configuration(py: Python<'_>, setting: &str, message: &str) -> PyErr {
    let module = match MODULE.get_or_try_init(py, || {
        PyModule::import(py, ERRORS_MODULE).map(Bound::unbind)
    }) {
        Ok(module) => module.bind(py),
        Err(error) => return error,
    };
    match module
        .getattr("ConfigurationError")
        .and_then(|class| class.call1((message, setting)))
    {
        Ok(instance) => PyErr::from_value(instance),
        Err(error) => error,
    }
}

/// A keyring that did not load; the message names the source and the
/// line, never key text.
pub(crate) fn keyring_error(py: Python<'_>, error: &KeyringError) -> PyErr {
    raise(py, "KeyringError", &error.to_string())
}

/// Keyring text that did not parse.
pub(crate) fn key_text_error(py: Python<'_>, error: &KeyTextError) -> PyErr {
    raise(py, "KeyringError", &format!("keyring text: {error}"))
}

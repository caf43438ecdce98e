//! `Keyring`: the keys, from the keyring text format.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyString;
use sealed_session::{Clock, Key, KeySource, KeyringError, looks_like_key};
use zeroize::Zeroizing;

use crate::{args, errors};

/// One primary key that seals and up to three older keys that only open,
/// each under a key id from 0 to 255.
///
/// Built from the keyring text format of the command line and the Rust
/// crates: one ``<kid> <key>`` per line, the first key line sealing, keys as
/// 64 hex digits or 43 characters of base64url, ``#`` comments. Errors name
/// the line, never its text. ``repr()`` shows the key ids only.
#[pyclass(module = "sealed_session", frozen, skip_from_py_object)]
pub(crate) struct Keyring {
    pub(crate) inner: sealed_session::Keyring,
}

#[pymethods]
impl Keyring {
    /// A keyring of one key: ``key`` (32 bytes, or key text) under ``key_id``.
    #[new]
    #[pyo3(signature = (key, key_id = 1))]
    fn new(key: &Bound<'_, PyAny>, key_id: u8) -> PyResult<Self> {
        let key = args::key(key, "key")?;
        Ok(Self {
            inner: sealed_session::Keyring::new(key_id, &key),
        })
    }

    /// Parses keyring text.
    #[staticmethod]
    fn from_text(text: &Bound<'_, PyString>) -> PyResult<Self> {
        let text = text
            .to_cow()
            .map_err(|_| errors::keyring("keyring text: not UTF-8".to_owned()))?;
        sealed_session::Keyring::from_text(&text)
            .map(|inner| Self { inner })
            .map_err(|error| errors::key_text_error(&error))
    }

    /// Reads keyring text from the environment variable ``var``
    /// (``SEALED_SESSION_KEYS`` by default). A name that holds a key-shaped
    /// run (a key pasted where the name belongs) is withheld from errors.
    #[staticmethod]
    #[pyo3(signature = (var = KeySource::TEXT_ENV))]
    fn from_env(var: &str) -> PyResult<Self> {
        sealed_session::keyring_from_env(var)
            .map(|inner| Self { inner })
            .map_err(|error| loading_error(&error, var, "the environment variable"))
    }

    /// Reads keyring text from a file that only its owner can access (on
    /// Unix, mode 0600: ``chmod 600``); ``any_permissions=True`` skips that
    /// check (for volumes where permissions mean nothing, never to silence
    /// it).
    ///
    /// Errors name the file, unless its path holds key-shaped text (a run
    /// of base64 or hex characters at least 40 long, whatever surrounds
    /// it: a key pasted where the path belongs, ``<key>.txt``, or one a
    /// few characters short): then the path is withheld, so that no key
    /// reaches a log.
    #[staticmethod]
    #[pyo3(signature = (path, *, any_permissions = false))]
    fn from_file(path: PathBuf, any_permissions: bool) -> PyResult<Self> {
        let loaded = if any_permissions {
            sealed_session::keyring_from_file_any_permissions(&path)
        } else {
            sealed_session::keyring_from_file(&path)
        };
        loaded
            .map(|inner| Self { inner })
            .map_err(|error| loading_error(&error, &path.to_string_lossy(), "the key file"))
    }

    /// Reads the keyring a service is given in its environment: the
    /// keyring text in ``SEALED_SESSION_KEYS`` or, when that is unset or
    /// blank, the key file named by ``SEALED_SESSION_KEYS_FILE``, checked
    /// as ``from_file`` checks it (only its owner may access it). The same
    /// two names, with the same precedence, as the command line and the
    /// Rust crates.
    #[staticmethod]
    fn from_environment() -> PyResult<Self> {
        sealed_session::keyring_from_environment()
            .map(|inner| Self { inner })
            .map_err(|error| loading_error(&error, "", "the key file"))
    }

    /// The id of the first key line: the key that seals in a keyring
    /// without times. With ``activates=`` or ``retires=`` times, the key
    /// that seals is :meth:`primary_id_at`.
    #[getter]
    fn primary_id(&self) -> u8 {
        self.inner.primary_id()
    }

    /// The id of the key that seals at ``now`` (Unix seconds; the system
    /// clock's time when omitted): of the keys whose times let them seal
    /// then, the one activated last (a key without ``activates=`` counts as
    /// activated first), the first in keyring order on a tie.
    #[pyo3(signature = (now = None))]
    fn primary_id_at(&self, now: Option<u64>) -> u8 {
        self.inner
            .primary_id_at(now.unwrap_or_else(|| sealed_session::SystemClock.now()))
    }

    /// The ids of all keys, the primary first.
    #[getter]
    fn ids(&self) -> Vec<u32> {
        // `Vec<u8>` would become `bytes`: a list of ints.
        self.inner.ids().map(u32::from).collect()
    }

    fn __repr__(&self) -> String {
        format!("Keyring(ids={:?})", self.ids())
    }
}

/// A new random key as keyring text: ``"<key_id> <43 characters>\n"``, to
/// write to a key file (``chmod 600``) or ``SEALED_SESSION_KEYS``.
#[pyfunction]
#[pyo3(signature = (key_id = 1))]
pub(crate) fn generate_keyring_text(key_id: u8) -> PyResult<String> {
    let key: Key = sealed_session::generate_key().map_err(errors::session_error)?;
    let text: Zeroizing<String> = key.to_base64url_string();
    Ok(format!("{key_id} {}\n", text.as_str()))
}

/// The exception for a keyring that did not load from `source` (a path or
/// a variable's name, which the message names). When `source`, or the
/// message the Rust crate made, holds key-shaped text (as the Rust
/// crate's `looks_like_key` judges it: one rule for every package), the
/// message is rebuilt around `withheld` (what the source is) instead: a key
/// pasted where a path or name belongs never reaches a log, whatever
/// surrounds it.
pub(crate) fn loading_error(error: &KeyringError, source: &str, withheld: &str) -> PyErr {
    let message = error.to_string();
    if !looks_like_key(source) && !looks_like_key(&message) {
        return errors::keyring(message);
    }
    let shown = format!("{withheld} (name withheld: it holds key-shaped text)");
    errors::keyring(match error {
        KeyringError::EnvMissing { .. } => format!("no keys: {shown} is not set"),
        KeyringError::Io { kind, .. } => format!("cannot read {shown}: {}", io_reason(*kind)),
        KeyringError::Permissions { mode, .. } => format!(
            "{shown} is accessible to its group or others (mode {mode:04o}); \
             make it private with `chmod 600`"
        ),
        KeyringError::NotUtf8 { line, .. } => format!("{shown}, line {line}: not UTF-8 text"),
        KeyringError::Text { error, .. } => match error.line() {
            Some(_) => format!("{shown}, {error}"),
            None => format!("{shown}: {error}"),
        },
        _ => format!("cannot load keys from {shown}"),
    })
}

/// A short reason for an I/O error, as the Rust crate words it.
fn io_reason(kind: std::io::ErrorKind) -> String {
    match kind {
        std::io::ErrorKind::NotFound => "no such file".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        kind => kind.to_string(),
    }
}

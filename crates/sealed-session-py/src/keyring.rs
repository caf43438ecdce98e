//! `Keyring`: the keys, from the keyring text format.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyString;
use sealed_session::{KEYS_ENV, Key};
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
    fn from_text(py: Python<'_>, text: &Bound<'_, PyString>) -> PyResult<Self> {
        let text = text
            .to_cow()
            .map_err(|_| errors::raise(py, "KeyringError", "keyring text: not UTF-8"))?;
        sealed_session::Keyring::from_text(&text)
            .map(|inner| Self { inner })
            .map_err(|error| errors::key_text_error(py, &error))
    }

    /// Reads keyring text from the environment variable ``var``.
    #[staticmethod]
    #[pyo3(signature = (var = KEYS_ENV))]
    fn from_env(py: Python<'_>, var: &str) -> PyResult<Self> {
        sealed_session::keyring_from_env(var)
            .map(|inner| Self { inner })
            .map_err(|error| errors::keyring_error(py, &error))
    }

    /// Reads keyring text from a file that only its owner can access (on
    /// Unix, mode 0600: ``chmod 600``); ``any_permissions=True`` skips that
    /// check (for volumes where permissions mean nothing, never to silence
    /// it).
    #[staticmethod]
    #[pyo3(signature = (path, *, any_permissions = false))]
    fn from_file(py: Python<'_>, path: PathBuf, any_permissions: bool) -> PyResult<Self> {
        let loaded = if any_permissions {
            sealed_session::keyring_from_file_any_permissions(&path)
        } else {
            sealed_session::keyring_from_file(&path)
        };
        loaded
            .map(|inner| Self { inner })
            .map_err(|error| errors::keyring_error(py, &error))
    }

    /// The id of the key that seals.
    #[getter]
    fn primary_id(&self) -> u8 {
        self.inner.primary_id()
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
pub(crate) fn generate_keyring_text(py: Python<'_>, key_id: u8) -> PyResult<String> {
    let key: Key =
        sealed_session::generate_key().map_err(|error| errors::session_error(py, error))?;
    let text: Zeroizing<String> = key.to_base64url_string();
    Ok(format!("{key_id} {}\n", text.as_str()))
}

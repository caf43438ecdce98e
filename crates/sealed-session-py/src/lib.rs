//! `_sealed_session`, the extension module of the `sealed_session` Python
//! package: a thin PyO3 layer over the `sealed-session` crates. The Python
//! package (`python/sealed_session/`) re-exports it, adds the exception
//! classes and the Flask session interface, and ships the type stubs.
//!
//! No `unsafe` is written here (the crate forbids it); PyO3's macros
//! generate the FFI glue. A Rust panic becomes a Python exception
//! (`pyo3_runtime.PanicException`) at worst; the release profile unwinds.
#![forbid(unsafe_code)]

mod args;
mod clock;
mod codec;
mod errors;
mod keyring;
mod logging;
mod reload;
mod revocation;
mod session;
mod tagged_json;
mod threaded;

use pyo3::prelude::*;

/// Serializes ``obj`` as Flask's tagged JSON, compact: what Flask's
/// ``TaggedJSONSerializer`` writes, in Rust. ``default`` is called for
/// objects of other types, as in ``json.dumps``.
#[pyfunction]
#[pyo3(signature = (obj, *, default = None))]
fn dumps(obj: &Bound<'_, PyAny>, default: Option<&Bound<'_, PyAny>>) -> PyResult<String> {
    tagged_json::dumps(obj, default)
}

/// Parses Flask's tagged JSON (str or bytes) into Python objects, untagging
/// as Flask does.
#[pyfunction]
fn loads<'py>(py: Python<'py>, text: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let text = args::text(text, "text")?.ok_or_else(|| errors::invalid_json("not UTF-8"))?;
    tagged_json::loads(py, &text)
}

/// Panics, to prove that a Rust panic reaches Python as an exception and
/// leaves the interpreter running. Debug builds only: release wheels do not
/// have it.
#[cfg(debug_assertions)]
#[pyfunction]
fn _panic_for_tests(message: &Bound<'_, pyo3::types::PyString>) -> PyResult<()> {
    panic!("{}", message.to_cow()?);
}

/// The compiled part of ``sealed_session``: the Rust codec, sessions,
/// keyrings and Flask's tagged JSON. Import ``sealed_session`` instead.
///
/// Its constants are the Rust crates' own, never restated here.
#[pymodule]
mod _sealed_session {
    use pyo3::prelude::*;
    use sealed_session::SessionCodecBuilder;

    #[pymodule_export]
    use super::{dumps, loads};

    #[cfg(debug_assertions)]
    #[pymodule_export]
    use super::_panic_for_tests;

    #[pymodule_export]
    use crate::clock::ManualClock;
    #[pymodule_export]
    use crate::codec::Codec;
    #[pymodule_export]
    use crate::keyring::{Keyring, generate_keyring_text};
    #[pymodule_export]
    use crate::reload::KeyFileWatcher;
    #[pymodule_export]
    use crate::revocation::{MemoryRevocations, RedisRevocations, RevocationHealth};
    #[pymodule_export]
    use crate::session::{Finished, Legacy, Saved, Session, SessionCodec};

    /// The package version (the crate's).
    #[allow(non_upper_case_globals)]
    #[pymodule_export]
    const __version__: &str = env!("CARGO_PKG_VERSION");

    /// Whether this is a debug build (it then has ``_panic_for_tests``).
    #[pymodule_export]
    const DEBUG_BUILD: bool = cfg!(debug_assertions);

    /// The environment variable keyring text is read from by default.
    #[pymodule_export]
    const KEYS_ENV: &str = sealed_session::KeySource::TEXT_ENV;

    /// How deep a session's values may nest (the outermost object is 1).
    #[pymodule_export]
    const MAX_DEPTH: usize = sealed_session::Session::MAX_DEPTH;

    /// The longest cookie (name and value) a browser keeps, in bytes.
    #[pymodule_export]
    const MAX_COOKIE_LEN: usize = sealed_session::cookie::MAX_COOKIE_LEN;

    /// The default idle timeout of a session codec, in seconds.
    #[pymodule_export]
    const DEFAULT_IDLE_TIMEOUT: u64 = <SessionCodecBuilder>::DEFAULT_IDLE_TIMEOUT.as_secs();

    /// The default absolute timeout of a session codec, in seconds.
    #[pymodule_export]
    const DEFAULT_ABSOLUTE_TIMEOUT: u64 = <SessionCodecBuilder>::DEFAULT_ABSOLUTE_TIMEOUT.as_secs();

    /// The longest subject (:meth:`Session.set_subject`), in bytes.
    #[pymodule_export]
    const MAX_SUBJECT_LEN: usize = sealed_session::revocation::MAX_SUBJECT_LEN;

    /// The constants that are no Rust `const`: the default cookie name, as
    /// a codec built with the defaults has it. And the Rust crates' log
    /// lines, handed to Python's `logging` (`src/logging.rs`).
    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        crate::logging::install();
        let keyring = sealed_session::Keyring::new(0, &sealed_session::Key::from_bytes([0; 32]));
        let defaults = sealed_session::SessionCodec::builder(keyring)
            .build()
            .map_err(|error| crate::errors::configuration(error.setting(), &error.to_string()))?;
        m.add("DEFAULT_COOKIE_NAME", defaults.cookie_name())?;
        Ok(())
    }
}

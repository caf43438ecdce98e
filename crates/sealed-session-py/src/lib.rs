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
mod session;
mod tagged_json;

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
    let text = args::text(text, "text")?.ok_or_else(|| {
        errors::raise(
            py,
            "InvalidJsonError",
            "session is not a JSON object: not UTF-8",
        )
    })?;
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

#[pymodule]
fn _sealed_session(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("DEBUG_BUILD", cfg!(debug_assertions))?;
    m.add("KEYS_ENV", sealed_session::KEYS_ENV)?;
    m.add("MAX_DEPTH", tagged_json::MAX_DEPTH)?;
    m.add_class::<keyring::Keyring>()?;
    m.add_class::<clock::ManualClock>()?;
    m.add_class::<codec::Codec>()?;
    m.add_class::<session::Session>()?;
    m.add_class::<session::SessionCodec>()?;
    m.add_class::<session::Legacy>()?;
    m.add_class::<session::Saved>()?;
    m.add_function(wrap_pyfunction!(keyring::generate_keyring_text, m)?)?;
    m.add_function(wrap_pyfunction!(dumps, m)?)?;
    m.add_function(wrap_pyfunction!(loads, m)?)?;
    #[cfg(debug_assertions)]
    m.add_function(wrap_pyfunction!(_panic_for_tests, m)?)?;
    Ok(())
}

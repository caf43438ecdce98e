//! Helpers shared by the integration tests.

use std::path::PathBuf;

/// Path of a file under `tests/data/`.
pub(crate) fn data_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name)
}

/// Reads and parses a JSON file under `tests/data/`.
pub(crate) fn read_json(name: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(data_path(name)).expect("read test data");
    serde_json::from_str(&text).expect("parse test data")
}

/// Decodes hex test data.
pub(crate) fn hex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex length");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// The Python interpreter with the pinned packages: `SEALED_SESSION_PYTHON`,
/// else `target/venv`, else that venv created once (see
/// `sealed_session_python_support`). Panics with instructions when Python
/// is missing: interop is never skipped.
pub(crate) fn python() -> PathBuf {
    sealed_session_python_support::python()
}

/// Path of a script under `tests/python/`.
pub(crate) fn python_script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("python")
        .join(name)
}

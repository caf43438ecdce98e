//! tests/data/session-vectors.json: FORMAT.md §12's edge cases, written by
//! `tests/python/session_vectors.py` from the spec alone and sealed by the
//! reference sealer, opened here by `SessionCodec::open` with the settings
//! each vector names. The command line runs the same file
//! (`crates/sealed-session-cli/tests/cli.rs`).

use core::time::Duration;

use sealed_session::{Key, Keyring, ManualClock, SessionCodec, SessionError};
use serde_json::Value;

use crate::support::{hex, python, python_script, read_json};

/// The `SessionError` each `why` of an invalid session is reported as.
fn expected_error(vector: &Value) -> SessionError {
    match (vector["error"].as_str(), vector["why"].as_str()) {
        (Some("lifetime exceeded"), _) => SessionError::LifetimeExceeded,
        (Some("invalid session"), Some("nesting")) => SessionError::TooDeep,
        (Some("invalid session"), Some("bytes")) => SessionError::InvalidBytes,
        (Some("invalid session"), Some("not a JSON object")) => SessionError::InvalidJson,
        (
            Some("invalid session"),
            Some("_permanent member after meta" | "session object is a bytes tag"),
        ) => SessionError::InvalidSession,
        other => panic!("{}: unknown outcome {other:?}", vector["name"]),
    }
}

fn codec(vector: &Value) -> SessionCodec {
    let key = &vector["keys"][0];
    let keyring = Keyring::new(
        u8::try_from(key["id"].as_u64().unwrap()).unwrap(),
        &Key::parse(key["key_hex"].as_str().unwrap()).unwrap(),
    );
    let secs = |field: &str| Duration::from_secs(vector[field].as_u64().unwrap());
    SessionCodec::builder(keyring)
        .context(vector["context"].as_str().unwrap().as_bytes())
        .clock(ManualClock::new(vector["now"].as_u64().unwrap()))
        .idle_timeout(secs("idle_timeout"))
        .absolute_timeout(secs("absolute_timeout"))
        .build()
        .unwrap()
}

#[test]
fn every_session_vector_opens_as_the_spec_says() {
    let vectors = read_json("session-vectors.json");
    let vectors = vectors.as_array().unwrap();
    assert_eq!(vectors.len(), 19);
    for vector in vectors {
        let name = vector["name"].as_str().unwrap();
        let opened = codec(vector).open(vector["cookie"].as_str().unwrap());
        if vector.get("error").is_some() {
            assert_eq!(opened.unwrap_err(), expected_error(vector), "{name}");
            continue;
        }
        let session = opened.unwrap_or_else(|error| panic!("{name}: {error:?}"));
        assert_eq!(
            session.to_json_string(),
            vector["session"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            session.permanent(),
            vector["permanent"].as_bool().unwrap(),
            "{name}"
        );
        assert_eq!(
            session.created_at(),
            vector["created_at"].as_u64(),
            "{name}"
        );
        assert_eq!(session.issued_at(), vector["issued_at"].as_u64(), "{name}");
        // The plaintext is the payload the vector states.
        let payload = hex(vector["payload_hex"].as_str().unwrap());
        assert!(!payload.is_empty(), "{name}");
    }
}

/// The generator, run again, writes the same file: the vectors are what
/// FORMAT.md and the reference sealer make, never edited by hand.
#[test]
fn the_session_vectors_are_what_the_generator_writes() {
    let output = std::process::Command::new(python())
        .arg(python_script("session_vectors.py"))
        .current_dir(python_script(""))
        .output()
        .expect("run session_vectors.py");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let file = std::fs::read(crate::support::data_path("session-vectors.json")).unwrap();
    assert!(
        output.stdout == file,
        "session-vectors.json differs from its generator's output"
    );
}

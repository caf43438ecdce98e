//! tests/data/keyring-text-vectors.json: keyring text (FORMAT.md §7.2) and
//! what a reader makes of it: the key ids in order, or the first bad line
//! and why. Separators, surrounding whitespace, line ends, key forms.

use sealed_session_core::{KeyTextReason, Keyring};

use crate::support::read_json;

/// The vector file's name for each reason.
fn reason_name(reason: KeyTextReason) -> &'static str {
    match reason {
        KeyTextReason::Shape => "shape",
        KeyTextReason::KeyId => "key id",
        KeyTextReason::Key => "key",
        KeyTextReason::DuplicateKeyId { .. } => "duplicate key id",
        KeyTextReason::TooManyKeys => "too many keys",
        KeyTextReason::NoKeys => "no keys",
        _ => "other",
    }
}

#[test]
fn every_keyring_text_vector_reads_as_the_spec_says() {
    let vectors = read_json("keyring-text-vectors.json");
    let vectors = vectors.as_array().unwrap();
    assert_eq!(vectors.len(), 17);
    for vector in vectors {
        let name = vector["name"].as_str().unwrap();
        let parsed = Keyring::from_text(vector["text"].as_str().unwrap());
        match vector.get("ids") {
            Some(ids) => {
                let ids: Vec<u64> = ids
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|id| id.as_u64().unwrap())
                    .collect();
                let keyring = parsed.unwrap_or_else(|error| panic!("{name}: {error}"));
                let got: Vec<u64> = keyring.ids().map(u64::from).collect();
                assert_eq!(got, ids, "{name}");
            }
            None => {
                let error = parsed.err().unwrap_or_else(|| panic!("{name}: parsed"));
                assert_eq!(reason_name(error.reason()), vector["reason"], "{name}");
                let line = vector["error_line"]
                    .as_u64()
                    .map(|line| usize::try_from(line).unwrap());
                assert_eq!(error.line(), line, "{name}");
                if let KeyTextReason::DuplicateKeyId { first_line } = error.reason() {
                    assert_eq!(
                        Some(first_line as u64),
                        vector["first_line"].as_u64(),
                        "{name}"
                    );
                }
            }
        }
    }
}

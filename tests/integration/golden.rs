//! Golden vectors: tests/data/v1-vectors.json pins exact cookie texts for
//! fixed keys, nonces, times and contexts, and (the vectors with an
//! `error`) key holders' cookies that an opener must reject with exactly
//! that error. They were produced once by the independent Python
//! implementation in tests/python/v1_reference.py and are never regenerated
//! by a test: a mismatch means the format changed. FORMAT.md, "Test
//! vectors", describes the file.

use sealed_session_core::{Codec, Compression, ErrorKind, FixedNonce, Key, Keyring, Options};
use serde_json::Value;

use crate::support::{data_path, hex, python, python_script, read_json};

fn ring(v: &Value, primary: Option<u8>) -> Keyring {
    let keys: Vec<(u8, Key)> = v["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            let id = u8::try_from(k["id"].as_u64().unwrap()).unwrap();
            (id, Key::parse(k["key_hex"].as_str().unwrap()).unwrap())
        })
        .collect();
    let primary = primary.unwrap_or(keys[0].0);
    let (_, pk) = keys.iter().find(|(id, _)| *id == primary).unwrap();
    let mut ring = Keyring::new(primary, pk);
    for (id, key) in &keys {
        if *id != primary {
            ring.add(*id, key).unwrap();
        }
    }
    ring
}

/// The positive vectors: cookies that open.
fn vectors() -> Vec<Value> {
    all_vectors()
        .into_iter()
        .filter(|v| v.get("error").is_none())
        .collect()
}

fn all_vectors() -> Vec<Value> {
    read_json("v1-vectors.json").as_array().unwrap().clone()
}

#[test]
fn every_golden_cookie_opens_to_its_plaintext() {
    let vectors = vectors();
    assert_eq!(vectors.len(), 8);
    for v in &vectors {
        let name = v["name"].as_str().unwrap();
        let ring = ring(v, None);
        let primary = ring.primary_id();
        let codec = Codec::new(ring, Options::new());
        let issued_at = v["issued_at"].as_u64().unwrap();
        let context = v["context"].as_str().unwrap().as_bytes();
        let cookie = v["cookie"].as_str().unwrap();
        let opened = codec.open_to_vec(cookie, context, issued_at).unwrap();
        assert_eq!(
            opened.plaintext,
            hex(v["plaintext_hex"].as_str().unwrap()),
            "{name}"
        );
        assert_eq!(
            u64::from(opened.key_id),
            v["key_id"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(opened.issued_at, issued_at, "{name}");
        assert_eq!(
            opened.compressed,
            v["compressed"].as_bool().unwrap(),
            "{name}"
        );
        assert_eq!(opened.reseal_advised, opened.key_id != primary, "{name}");

        // The buffer API agrees.
        let mut buf = vec![0u8; codec.open_len(cookie.len())];
        let by_buf = codec.open(cookie, context, issued_at, &mut buf).unwrap();
        assert_eq!(by_buf.plaintext, &opened.plaintext[..], "{name}");
    }
}

#[test]
fn golden_cookies_are_reproduced_exactly() {
    let mut exact = 0;
    for v in vectors().iter().filter(|v| v["exact_seal"] == true) {
        let name = v["name"].as_str().unwrap();
        let key_id = u8::try_from(v["key_id"].as_u64().unwrap()).unwrap();
        let codec = Codec::new(
            ring(v, Some(key_id)),
            Options::new().with_compression(Compression::Never),
        );
        let nonce: [u8; 16] = hex(v["nonce_hex"].as_str().unwrap()).try_into().unwrap();
        let plaintext = hex(v["plaintext_hex"].as_str().unwrap());
        let context = v["context"].as_str().unwrap().as_bytes();
        let now = v["issued_at"].as_u64().unwrap();
        let text = codec
            .seal_to_string(&plaintext, context, now, &mut FixedNonce(nonce))
            .unwrap();
        assert_eq!(text, v["cookie"].as_str().unwrap(), "{name}");
        let mut out = vec![0u8; Codec::seal_len(plaintext.len())];
        let by_buf = codec
            .seal(&plaintext, context, now, &mut FixedNonce(nonce), &mut out)
            .unwrap();
        assert_eq!(by_buf, text, "{name}");
        exact += 1;
    }
    assert_eq!(exact, 6);
}

/// Every negative vector is rejected with exactly its error, by both open
/// APIs, under the bound it states (else the default); one that states a
/// bound opens under the default.
#[test]
fn every_negative_vector_is_rejected_with_its_error() {
    let negative: Vec<Value> = all_vectors()
        .into_iter()
        .filter(|v| v.get("error").is_some())
        .collect();
    let names: Vec<&str> = negative
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "reserved-flag-bit",
            "unknown-version-2",
            "non-canonical-base64",
            "trailing-data-after-deflate",
            "inflate-one-byte-past-the-bound",
        ]
    );
    for v in &negative {
        let name = v["name"].as_str().unwrap();
        let mut options = Options::new();
        if let Some(bound) = v.get("max_plaintext_len") {
            options =
                options.with_max_plaintext_len(usize::try_from(bound.as_u64().unwrap()).unwrap());
        }
        let codec = Codec::new(ring(v, None), options);
        let now = v["issued_at"].as_u64().unwrap();
        let context = v["context"].as_str().unwrap().as_bytes();
        let cookie = v["cookie"].as_str().unwrap();
        let expected = v["error"].as_str().unwrap();
        let by_vec = codec.open_to_vec(cookie, context, now).unwrap_err();
        assert_eq!(by_vec.kind().as_str(), expected, "{name}");
        let mut buf = vec![0u8; codec.open_len(cookie.len())];
        let by_buf = codec.open(cookie, context, now, &mut buf).unwrap_err();
        assert_eq!(by_buf, by_vec, "{name}");
        if v.get("max_plaintext_len").is_some() {
            let roomy = Codec::new(ring(v, None), Options::new());
            let opened = roomy.open_to_vec(cookie, context, now).unwrap();
            assert_eq!(
                opened.plaintext,
                hex(v["plaintext_hex"].as_str().unwrap()),
                "{name}"
            );
        }
    }
}

/// The envelope's size: 43 bytes of header, nonce and tag around the
/// ciphertext, in unpadded base64url. For a 64-byte plaintext the cookie is
/// 143 characters: 79 more than the plaintext, 57 more than the plaintext in
/// base64url alone.
#[test]
fn overhead_for_a_64_byte_plaintext() {
    assert_eq!(sealed_session_core::OVERHEAD, 43);
    assert_eq!(Codec::seal_len(64), 143);
    let v = vectors()
        .into_iter()
        .find(|v| v["name"] == "plain-64-bytes")
        .unwrap();
    assert_eq!(v["cookie"].as_str().unwrap().len(), 143);
}

/// The independent Python implementation re-derives every vector from the
/// file on each run: it opens the positive ones, re-seals the exact ones,
/// and rejects each negative one with its error.
#[test]
fn python_reference_verifies_the_vector_file() {
    let out = std::process::Command::new(python())
        .arg(python_script("v1_reference.py"))
        .arg("verify")
        .arg(data_path("v1-vectors.json"))
        .output()
        .expect("run python");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.trim(), "13 passed, 0 failed");
}

/// tests/data/v1-whitespace-vectors.json (FORMAT.md §4): whitespace around
/// or inside a cookie value is malformed to an opener, which never trims;
/// the reference implementation agrees. Kept apart from v1-vectors.json,
/// whose counts other packages' tests pin.
#[test]
fn whitespace_vectors_are_malformed_here_and_in_the_reference() {
    let vectors = read_json("v1-whitespace-vectors.json");
    let vectors = vectors.as_array().unwrap();
    assert_eq!(vectors.len(), 2);
    for v in vectors {
        let codec = Codec::new(ring(v, None), Options::new());
        let now = v["issued_at"].as_u64().unwrap();
        let context = v["context"].as_str().unwrap().as_bytes();
        let cookie = v["cookie"].as_str().unwrap();
        assert_eq!(v["error"], "malformed");
        assert_eq!(
            codec.open_to_vec(cookie, context, now).unwrap_err().kind(),
            ErrorKind::Malformed,
            "{}",
            v["name"]
        );
        // Trimmed, as a transport may, it is the golden cookie again.
        let opened = codec
            .open_to_vec(
                &cookie.split_ascii_whitespace().collect::<String>(),
                context,
                now,
            )
            .unwrap();
        assert_eq!(opened.plaintext, hex(v["plaintext_hex"].as_str().unwrap()));
    }
    let out = std::process::Command::new(python())
        .arg(python_script("v1_reference.py"))
        .arg("verify")
        .arg(data_path("v1-whitespace-vectors.json"))
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "2 passed, 0 failed"
    );
}

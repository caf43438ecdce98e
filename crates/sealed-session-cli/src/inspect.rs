//! `inspect`: what anyone can learn from a cookie without a key.

use base64ct::{Base64, Encoding};
use sealed_session_core::Header;
use serde_json::{Map, Value, json};

use crate::flask;

/// Length in bytes of a legacy cookie's tag and of its nonce.
const LEGACY_PART_LEN: usize = 16;

/// Describes `text` (already trimmed) as one JSON object whose first key is
/// `"format"`: `"v1"`, `"legacy"`, `"flask-signed"` or `"unknown"`.
///
/// `length` is the cookie text's length in characters (all cookie formats
/// are ASCII, so this is also its length in bytes).
pub(crate) fn inspect(text: &str) -> Value {
    let length = text.chars().count();
    if let Ok(peeked) = Header::peek(text) {
        let header = peeked.header;
        return json!({
            "format": "v1",
            "version": header.version,
            "key_id": header.key_id,
            "issued_at": header.issued_at,
            "compressed": header.compressed,
            "length": length,
        });
    }
    if let Some(compressed) = legacy_shape(text) {
        return json!({
            "format": "legacy",
            "compressed": compressed,
            "length": length,
        });
    }
    if let Some(payload) = flask::read_payload(text) {
        let mut object = Map::new();
        object.insert("format".to_owned(), Value::from("flask-signed"));
        object.insert("readable".to_owned(), Value::Bool(true));
        object.insert("payload".to_owned(), payload);
        return Value::Object(object);
    }
    unknown()
}

/// The description of a cookie of no known format.
pub(crate) fn unknown() -> Value {
    json!({ "format": "unknown" })
}

/// `Some(compressed)` when `text` has the shape of a Python EncryptedSession
/// cookie: a `u` or `z` flag, then ciphertext, tag and nonce in padded
/// standard base64, the tag and nonce 16 bytes each.
fn legacy_shape(text: &str) -> Option<bool> {
    let mut parts = text.split('.');
    let (Some(flag), Some(ciphertext), Some(tag), Some(nonce), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let compressed = match flag {
        "u" => false,
        "z" => true,
        _ => return None,
    };
    Base64::decode_vec(ciphertext).ok()?;
    let mut buf = [0u8; LEGACY_PART_LEN];
    for part in [tag, nonce] {
        if Base64::decode(part, &mut buf).ok()?.len() != LEGACY_PART_LEN {
            return None;
        }
    }
    Some(compressed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_header_in_order() {
        // From the core README: key id 1, issued 1_700_000_000.
        let cookie = "AQABAAAAAGVT8QAHBwcHBwcHBwcHBwcHBwcHsZQb45fVJnYJqi7WY4Y1E_b3opjp7BcOlV2t";
        assert_eq!(
            inspect(cookie).to_string(),
            r#"{"format":"v1","version":1,"key_id":1,"issued_at":1700000000,"compressed":false,"length":72}"#
        );
    }

    #[test]
    fn legacy_known_answer() {
        let cookie = "u.D7DycromYEhiSEIUsA4=.xcLffjV72Pk9kZ/Hsu0L2Q==.AAECAwQFBgcICQoLDA0ODw==";
        assert_eq!(
            inspect(cookie).to_string(),
            r#"{"format":"legacy","compressed":false,"length":72}"#
        );
        assert_eq!(legacy_shape(&cookie.replacen('u', "z", 1)), Some(true));
        assert_eq!(legacy_shape(&cookie.replacen('u', "x", 1)), None);
        assert_eq!(legacy_shape(&cookie.replace("==.AAEC", "=.AAEC")), None);
    }

    #[test]
    fn flask_payload_is_json() {
        let cookie = "eyJhbnN3ZXIiOjQyfQ.ZVPxAA.jwYkhqVtSghO2KIrpLsSspm0zAM";
        assert_eq!(
            inspect(cookie).to_string(),
            r#"{"format":"flask-signed","readable":true,"payload":{"answer":42}}"#
        );
    }

    #[test]
    fn garbage_is_unknown() {
        for text in [
            "",
            "hello world",
            "AQ",
            "AgABAAAAAGVT8QAHBwcHBwcHBwcHBwcHBwcHsZQb45fVJnYJqi7WY4Y1E_b3opjp7BcOlV2t",
        ] {
            assert_eq!(
                inspect(text).to_string(),
                r#"{"format":"unknown"}"#,
                "{text:?}"
            );
        }
    }
}

//! `inspect`: what anyone can learn from a cookie without a key.

use sealed_session_core::{Header, legacy};

use crate::flask;

/// Describes `text` (already trimmed) as one line of compact JSON, an
/// object whose first key is `"format"`: `"v1"`, `"legacy"`,
/// `"flask-signed"` or `"unknown"`.
///
/// `length` is the cookie text's length in characters (all cookie formats
/// are ASCII, so this is also its length in bytes).
pub(crate) fn inspect(text: &str) -> String {
    let length = text.chars().count();
    if let Ok(peeked) = Header::peek(text) {
        let header = peeked.header;
        return format!(
            r#"{{"format":"v1","version":{},"key_id":{},"issued_at":{},"compressed":{},"length":{length}}}"#,
            header.version, header.key_id, header.issued_at, header.compressed,
        );
    }
    if let Ok(peeked) = legacy::peek(text) {
        return format!(
            r#"{{"format":"legacy","compressed":{},"length":{length}}}"#,
            peeked.compressed
        );
    }
    if let Some(payload) = flask::read_payload(text) {
        return format!(r#"{{"format":"flask-signed","readable":true,"payload":{payload}}}"#);
    }
    unknown()
}

/// The description of a cookie of no known format.
pub(crate) fn unknown() -> String {
    r#"{"format":"unknown"}"#.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sealed_session_core::ErrorKind;

    #[test]
    fn v1_header_in_order() {
        // From the core README: key id 1, issued 1_700_000_000.
        let cookie = "AQABAAAAAGVT8QAHBwcHBwcHBwcHBwcHBwcHsZQb45fVJnYJqi7WY4Y1E_b3opjp7BcOlV2t";
        assert_eq!(
            inspect(cookie),
            r#"{"format":"v1","version":1,"key_id":1,"issued_at":1700000000,"compressed":false,"length":72}"#
        );
    }

    #[test]
    fn legacy_known_answer() {
        let cookie = "u.D7DycromYEhiSEIUsA4=.xcLffjV72Pk9kZ/Hsu0L2Q==.AAECAwQFBgcICQoLDA0ODw==";
        assert_eq!(
            inspect(cookie),
            r#"{"format":"legacy","compressed":false,"length":72}"#
        );
        assert_eq!(
            legacy::peek(&cookie.replacen('u', "z", 1)).map(|p| p.compressed),
            Ok(true)
        );
        assert_eq!(
            legacy::peek(&cookie.replacen('u', "x", 1)).map_err(|e| e.kind()),
            Err(ErrorKind::Malformed)
        );
        assert_eq!(
            legacy::peek(&cookie.replace("==.AAEC", "=.AAEC")).map_err(|e| e.kind()),
            Err(ErrorKind::Malformed)
        );
    }

    #[test]
    fn flask_payload_is_json() {
        let cookie = "eyJhbnN3ZXIiOjQyfQ.ZVPxAA.jwYkhqVtSghO2KIrpLsSspm0zAM";
        assert_eq!(
            inspect(cookie),
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
            assert_eq!(inspect(text), r#"{"format":"unknown"}"#, "{text:?}");
        }
    }
}

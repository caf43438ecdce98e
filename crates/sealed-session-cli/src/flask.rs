//! Flask's default session cookie: signed with itsdangerous, not encrypted.
//!
//! The value is `<payload>.<timestamp>.<signature>`, each part base64url
//! without padding. The payload is the session as compact JSON, zlib-wrapped
//! and prefixed with `.` when that is shorter. The signature is
//! HMAC-SHA1 over `<payload>.<timestamp>`, with the key
//! HMAC-SHA1(secret, "cookie-session"). Anyone can read the payload: only
//! changing it needs the secret.

use base64ct::{Base64UrlUnpadded, Encoding};
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

/// The salt Flask's `SecureCookieSessionInterface` signs with.
const SALT: &[u8] = b"cookie-session";
/// Decoded payloads larger than this are not shown (browsers keep 4 KiB).
const MAX_PAYLOAD_LEN: usize = 64 * 1024;

/// Signs `json` (a compact JSON object) as Flask's default session cookie
/// would at `timestamp`, with the real itsdangerous construction. The payload
/// is never compressed: Flask compresses only when that saves space, which
/// short sessions like the demo's never do. (`None` only if the HMAC
/// implementation refused a key, which HMAC never does.)
pub(crate) fn sign(secret: &[u8], json: &[u8], timestamp: u64) -> Option<String> {
    let mut text = Base64UrlUnpadded::encode_string(json);
    text.push('.');
    let time = timestamp.to_be_bytes();
    let first = time.iter().position(|&b| b != 0).unwrap_or(time.len());
    text.push_str(&Base64UrlUnpadded::encode_string(&time[first..]));
    let signature = hmac_sha1(&hmac_sha1(secret, SALT)?, text.as_bytes())?;
    text.push('.');
    text.push_str(&Base64UrlUnpadded::encode_string(&signature));
    Some(text)
}

/// Reads the payload of a Flask-signed cookie without any key, as compact
/// JSON in its own order: the session Flask would load, read by the
/// `sealed-session` crate's JSON session parser (for a duplicate key the
/// last value wins, at the first key's position, as in Python's
/// `json.loads`). `None` when `text` does not have that shape or the
/// payload is not a JSON session.
pub(crate) fn read_payload(text: &str) -> Option<String> {
    let (compressed, rest) = match text.strip_prefix('.') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let mut parts = rest.split('.');
    let (Some(payload), Some(timestamp), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let timestamp = Base64UrlUnpadded::decode_vec(timestamp).ok()?;
    let signature = Base64UrlUnpadded::decode_vec(signature).ok()?;
    // A Unix time of at most 8 bytes; a MAC of at least 128 bits.
    if timestamp.is_empty() || timestamp.len() > 8 || signature.len() < 16 {
        return None;
    }
    if payload.len() > MAX_PAYLOAD_LEN {
        return None;
    }
    let mut json = Base64UrlUnpadded::decode_vec(payload).ok()?;
    if compressed {
        json =
            miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(&json, MAX_PAYLOAD_LEN).ok()?;
    }
    let session = sealed_session::Session::from_json(&json).ok()?;
    Some(session.to_json_string())
}

/// HMAC-SHA1 of `message` under `key`.
fn hmac_sha1(key: &[u8], message: &[u8]) -> Option<[u8; 20]> {
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(key).ok()?;
    mac.update(message);
    Some(mac.finalize().into_bytes().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Printed by the real Flask (tests/python/flask_signed.py):
    /// `echo '{"answer": 42}' | python flask_signed.py --secret demo-secret --timestamp 1700000000`
    const FLASK_COOKIE: &str = "eyJhbnN3ZXIiOjQyfQ.ZVPxAA.jwYkhqVtSghO2KIrpLsSspm0zAM";

    #[test]
    fn sign_matches_real_flask() {
        assert_eq!(
            sign(b"demo-secret", br#"{"answer":42}"#, 1_700_000_000).unwrap(),
            FLASK_COOKIE
        );
    }

    #[test]
    fn reads_what_it_signs() {
        let cookie = sign(b"k", br#"{"a":[1,2]}"#, 5).unwrap();
        assert_eq!(read_payload(&cookie).as_deref(), Some(r#"{"a":[1,2]}"#));
    }

    #[test]
    fn reads_a_compressed_payload() {
        let json = format!(r#"{{"pad":"{}"}}"#, "x".repeat(300));
        let packed = miniz_oxide::deflate::compress_to_vec_zlib(json.as_bytes(), 6);
        let cookie = format!(
            ".{}.ZVPxAA.{}",
            Base64UrlUnpadded::encode_string(&packed),
            "A".repeat(27)
        );
        assert_eq!(read_payload(&cookie), Some(json));
    }

    #[test]
    fn other_shapes_are_not_flask() {
        for text in [
            "",
            "a.b",
            "a.b.c.d",
            "e30.ZVPxAA.short",
            "bm90IGpzb24.ZVPxAA.AAAAAAAAAAAAAAAAAAAAAAAAAAA",
        ] {
            assert_eq!(read_payload(text), None, "{text:?}");
        }
    }
}

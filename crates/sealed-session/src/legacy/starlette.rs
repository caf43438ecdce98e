//! Reading Starlette's session cookie: verification only.
//!
//! Starlette's (and so FastAPI's) `SessionMiddleware` stores the session in
//! a cookie that is signed with itsdangerous, not encrypted.
//! [`StarletteVerifier`] checks such a cookie exactly as Starlette 1.x and
//! itsdangerous 2.2 check it, so a Rust service (or the migration path of
//! the Python package's ASGI middleware) can take over a Starlette app's
//! sessions without logging anyone out. It never writes Starlette cookies:
//! new sessions are sealed.
//!
//! # The format
//!
//! The cookie value is `<payload>.<timestamp>.<signature>`, split at its
//! last two dots:
//!
//! - `payload` is the session as `json.dumps` writes it (`", "` and `": "`
//!   separators, non-ASCII escaped) in **standard** base64 with padding
//!   (`b64encode`), never compressed;
//! - `timestamp` is the signing time in seconds since the Unix epoch, as a
//!   big-endian integer with its leading zero bytes removed, base64url
//!   without padding (as in Flask's cookie);
//! - `signature` is `HMAC-SHA1(key, "<payload>.<timestamp>")`, base64url
//!   without padding (27 characters), where `key` is
//!   `SHA-1("itsdangerous.Signer" || "signer" || secret_key)`:
//!   `itsdangerous.TimestampSigner(str(secret_key))` with its defaults
//!   (salt `itsdangerous.Signer`, key derivation `django-concat`), the
//!   secret key as UTF-8.
//!
//! The cookie is refused when its age, `now - timestamp`, is over `max_age`
//! (the middleware's `max_age`, 14 days by default) or below zero; an age
//! of exactly `max_age` is still valid. (Starlette checks no age at all when
//! its `max_age` is `None`; here there is always one.)
//!
//! # Stricter than Starlette, on purpose
//!
//! Python's base64 decoders are lenient (unused low bits of the last
//! character, characters outside the alphabet); this module accepts only
//! the canonical form Starlette writes, so no cookie has a second
//! spelling. A payload Starlette cannot decode (not base64, not JSON, not
//! an object) makes Starlette fail the request with a 500; here it is
//! [`ErrorKind::Malformed`] (base64) or left to the JSON parse of the
//! session layer, which refuses it. Values over
//! [`StarletteVerifier::MAX_VALUE_LEN`] bytes are refused (Starlette writes
//! them; browsers drop them), and so is an empty secret key.
//!
//! # Example
//!
//! ```
//! use sealed_session::starlette::StarletteVerifier;
//!
//! // Set by Starlette 1.10's SessionMiddleware with secret_key =
//! // "starlette-secret-key" at 1_700_000_000 for
//! // `request.session.update({"user_id": 42, "name": "alice"})`.
//! let cookie = "eyJ1c2VyX2lkIjogNDIsICJuYW1lIjogImFsaWNlIn0=.ZVPxAA.vALEwFK2s4ghnBGplZ8dGuF5Bl4";
//!
//! let verifier = StarletteVerifier::new(b"starlette-secret-key")?;
//! let max_age = 14 * 24 * 3600; // SessionMiddleware's default max_age
//! let payload = verifier.verify(cookie, 1_700_000_060, max_age)?;
//! assert_eq!(payload.json(), br#"{"user_id": 42, "name": "alice"}"#);
//! assert_eq!(payload.signed_at(), 1_700_000_000);
//! # Ok::<(), sealed_session::Error>(())
//! ```

// This module parses untrusted input: no panics, no unchecked arithmetic.
#![deny(
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::panic_in_result_fn,
    clippy::unwrap_used,
    clippy::expect_used
)]

use core::fmt;

use base64ct::{Base64, Encoding};
use hmac::KeyInit;
use sealed_session_core::{Error, ErrorKind};
use sha1::{Digest, Sha1};
use zeroize::{Zeroize, Zeroizing};

pub use super::flask::SignedPayload;
use super::flask::{HmacSha1, SIGNATURE_TEXT_LEN, authenticate, check_timestamp, is_base64url};

/// Verifies the cookie of Starlette's `SessionMiddleware` under its
/// `secret_key`.
///
/// Holds only the HMAC state keyed with the derived key (two SHA-1 states,
/// which wipe themselves on drop with the `zeroize` features of `sha1` and
/// `hmac`); `Debug` shows no key.
#[derive(Clone)]
pub struct StarletteVerifier {
    /// One key: Starlette has no fallback keys.
    key: [HmacSha1; 1],
}

impl StarletteVerifier {
    /// The longest cookie value [`verify`](Self::verify) reads, in bytes:
    /// browsers keep at most 4096 bytes of name and value. The JSON it
    /// returns is shorter still (three bytes for four characters).
    pub const MAX_VALUE_LEN: usize = 4096;

    /// itsdangerous's default salt, which Starlette keeps.
    const SALT: &'static [u8] = b"itsdangerous.Signer";

    /// A verifier for cookies signed under Starlette's `secret_key` (a
    /// Python `str`, as its UTF-8 bytes: Starlette signs with
    /// `str(secret_key)`).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidKey`] if `secret_key` is empty: a cookie under
    /// the empty key is one anyone can make.
    pub fn new(secret_key: &[u8]) -> Result<Self, Error> {
        if secret_key.is_empty() {
            return Err(Error::new(ErrorKind::InvalidKey));
        }
        // itsdangerous's "django-concat" derivation.
        let mut derived = sha1::digest::Output::<Sha1>::default();
        Sha1::new()
            .chain_update(Self::SALT)
            .chain_update(b"signer")
            .chain_update(secret_key)
            .finalize_into(&mut derived);
        let key = HmacSha1::new_from_slice(&derived);
        derived.as_mut_slice().zeroize();
        Ok(Self {
            key: [key.map_err(|_| Error::new(ErrorKind::InvalidKey))?],
        })
    }

    /// Verifies a Starlette session cookie value (without the `session=`)
    /// at `now` (seconds since the Unix epoch), accepting an age of at most
    /// `max_age` seconds, and returns its JSON and signing time.
    ///
    /// The checks run in itsdangerous's order, with the signature first:
    /// nothing of the payload is decoded before the signature verifies, and
    /// the age is checked before the payload is decoded.
    ///
    /// # Errors
    /// - [`ErrorKind::TooLarge`] if `value` is longer than
    ///   [`MAX_VALUE_LEN`](Self::MAX_VALUE_LEN) (checked before any other
    ///   work);
    /// - [`ErrorKind::Malformed`] if `value` is not three dot-separated
    ///   parts (standard base64, then base64url, then a 27-character
    ///   base64url signature), or, once authentic, its timestamp is not
    ///   base64url of at most 8 bytes or its payload not canonical padded
    ///   standard base64;
    /// - [`ErrorKind::Unauthentic`] if the signature is not the one the key
    ///   gives: wrong key, any changed character;
    /// - [`ErrorKind::IssuedInFuture`] if the authentic timestamp is after
    ///   `now`;
    /// - [`ErrorKind::Expired`] if it is more than `max_age` seconds before
    ///   `now`.
    pub fn verify(&self, value: &str, now: u64, max_age: u64) -> Result<SignedPayload, Error> {
        if value.len() > Self::MAX_VALUE_LEN {
            return Err(Error::new(ErrorKind::TooLarge));
        }
        let (signed, signature) = value.rsplit_once('.').ok_or(ErrorKind::Malformed)?;
        let (payload, timestamp) = signed.rsplit_once('.').ok_or(ErrorKind::Malformed)?;
        let standard = |b: u8| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=';
        if signature.len() != SIGNATURE_TEXT_LEN
            || !payload.bytes().all(standard)
            || !timestamp.bytes().chain(signature.bytes()).all(is_base64url)
        {
            return Err(Error::new(ErrorKind::Malformed));
        }

        authenticate(&self.key, signed.as_bytes(), signature.as_bytes())?;
        let signed_at = check_timestamp(timestamp, now, max_age)?;

        // Base64 never decodes to more bytes than it has characters.
        let mut json = Zeroizing::new(vec![0u8; payload.len()]);
        let len = Base64::decode(payload, &mut json)
            .map_err(|_| Error::new(ErrorKind::Malformed))?
            .len();
        json.truncate(len);
        Ok(SignedPayload { json, signed_at })
    }
}

impl fmt::Debug for StarletteVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StarletteVerifier").finish_non_exhaustive()
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    /// Set by Starlette 1.10 (tests/python/starlette_cookies.py, `plain`).
    const PLAIN: &str =
        "eyJ1c2VyX2lkIjogNDIsICJuYW1lIjogImFsaWNlIn0=.ZVPxAA.vALEwFK2s4ghnBGplZ8dGuF5Bl4";
    const SECRET: &[u8] = b"starlette-secret-key";
    const T0: u64 = 1_700_000_000;
    const MAX_AGE: u64 = 14 * 24 * 3600;

    fn kind(value: &str) -> ErrorKind {
        StarletteVerifier::new(SECRET)
            .unwrap()
            .verify(value, T0 + 60, MAX_AGE)
            .unwrap_err()
            .kind()
    }

    #[test]
    fn opens_a_real_starlette_cookie() {
        let verifier = StarletteVerifier::new(SECRET).unwrap();
        let payload = verifier.verify(PLAIN, T0 + 60, MAX_AGE).unwrap();
        assert_eq!(payload.json(), br#"{"user_id": 42, "name": "alice"}"#);
        assert_eq!(payload.signed_at(), T0);
        assert_eq!(
            format!("{payload:?}"),
            "SignedPayload { json_len: 32, signed_at: 1700000000, .. }"
        );
        assert_eq!(format!("{verifier:?}"), "StarletteVerifier { .. }");
    }

    #[test]
    fn bad_shapes_are_malformed() {
        for value in [
            "",
            ".",
            "..",
            "a.b",
            &PLAIN[..PLAIN.len() - 1],
            &format!("{PLAIN}A"),
            &PLAIN.replacen('e', "é", 1),
            &PLAIN.replacen('e', "-", 1),
            &PLAIN.replacen(".ZVPxAA", ".ZVPx+A", 1),
            &format!("{PLAIN}="),
            "\u{0}.\u{0}.\u{0}",
        ] {
            assert_eq!(kind(value), ErrorKind::Malformed, "{value:?}");
        }
    }

    #[test]
    fn changes_and_keys() {
        for value in [
            PLAIN.replacen("eyJ1", "eyJB", 1),
            PLAIN.replacen(".ZVPxAA.", ".ZVPxAB.", 1),
            PLAIN.replacen(".vAL", ".BAL", 1),
        ] {
            assert_eq!(kind(&value), ErrorKind::Unauthentic, "{value:?}");
        }
        let wrong = StarletteVerifier::new(b"another-secret").unwrap();
        let err = wrong.verify(PLAIN, T0, MAX_AGE).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unauthentic);
        assert_eq!(
            StarletteVerifier::new(b"").unwrap_err().kind(),
            ErrorKind::InvalidKey
        );
    }

    #[test]
    fn too_large_before_any_work() {
        let huge = "!".repeat(StarletteVerifier::MAX_VALUE_LEN + 1);
        assert_eq!(kind(&huge), ErrorKind::TooLarge);
        let at_limit = "!".repeat(StarletteVerifier::MAX_VALUE_LEN);
        assert_eq!(kind(&at_limit), ErrorKind::Malformed);
    }

    #[test]
    fn age_boundaries_follow_itsdangerous() {
        let v = StarletteVerifier::new(SECRET).unwrap();
        assert!(v.verify(PLAIN, T0, 0).is_ok());
        assert!(v.verify(PLAIN, T0 + MAX_AGE, MAX_AGE).is_ok());
        let late = v.verify(PLAIN, T0 + MAX_AGE + 1, MAX_AGE).unwrap_err();
        assert_eq!(late.kind(), ErrorKind::Expired);
        let early = v.verify(PLAIN, T0 - 1, MAX_AGE).unwrap_err();
        assert_eq!(early.kind(), ErrorKind::IssuedInFuture);
        assert!(v.verify(PLAIN, u64::MAX, u64::MAX).is_ok());
    }
}

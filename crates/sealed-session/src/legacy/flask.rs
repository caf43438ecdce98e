//! Reading Flask's default session cookie: verification only.
//!
//! A Flask app that keeps the default `SecureCookieSessionInterface` stores
//! its session in a cookie that is signed with itsdangerous, not encrypted.
//! [`FlaskVerifier`] checks such a cookie exactly as Flask 3.1 and
//! itsdangerous 2.2 check it, so a Rust service (or the migration path of
//! the Python package) can take over a Flask app's sessions without logging
//! anyone out. It never writes Flask cookies: new sessions are sealed.
//!
//! # The format
//!
//! The cookie value is `<payload>.<timestamp>.<signature>`, split at its
//! last two dots (the payload itself may start with one):
//!
//! - `payload` is the session as compact JSON in base64url without padding,
//!   or `.` followed by the same for the zlib-compressed JSON (Flask
//!   compresses when that saves more than one byte);
//! - `timestamp` is the signing time in seconds since the Unix epoch, as a
//!   big-endian integer with its leading zero bytes removed (so time 0 is
//!   the empty string), base64url without padding;
//! - `signature` is `HMAC-SHA1(key, "<payload>.<timestamp>")`, base64url
//!   without padding (27 characters), where `key` is
//!   `HMAC-SHA1(SECRET_KEY, "cookie-session")` (itsdangerous's `"hmac"` key
//!   derivation with Flask's salt; `SECRET_KEY` as UTF-8 when it is a `str`).
//!
//! The cookie opens under `SECRET_KEY` or any entry of
//! `SECRET_KEY_FALLBACKS` (Flask 3.1.0 signed with the last fallback; 3.1.1
//! and later sign with `SECRET_KEY`; both open here). It is refused when
//! its age, `now - timestamp`, is over `max_age` (Flask passes
//! `int(PERMANENT_SESSION_LIFETIME.total_seconds())`, for permanent and
//! non-permanent sessions alike) or below zero. An age of exactly `max_age`
//! is still valid.
//!
//! # The JSON
//!
//! The payload is Flask's tagged JSON (`flask.json.tag`): bytes are
//! `{" b": "<standard base64>"}`, tuples `{" t": [...]}`, UUIDs
//! `{" u": "<hex>"}`, datetimes `{" d": "<HTTP date>"}`, Markup
//! `{" m": "<html>"}`, and a one-key dict whose key is a tag is escaped as
//! `{" di": {"<key>__": ...}}`. [`FlaskVerifier::verify`] returns the JSON
//! bytes exactly as signed, tags and all: tagged JSON is the session
//! layer's own convention, and parsing is its job. A payload Flask cannot
//! decode as a JSON object (not UTF-8, not JSON, an array) makes Flask
//! fail the request; the caller must refuse it when its parse fails.
//!
//! # Stricter than itsdangerous, on purpose
//!
//! Python's base64 decoder skips characters outside the alphabet, accepts
//! `+` and `/` for `-` and `_`, ignores the unused low bits of the last
//! character and everything after a `=`, and `zlib.decompress` ignores
//! bytes after the end of the stream. So itsdangerous accepts, for
//! instance, a real cookie with `=AAAA` appended, or with the unused bits
//! of the signature's last character set. Flask never writes such values;
//! this module accepts only the canonical form Flask writes (any other
//! spelling of a signature is [`ErrorKind::Unauthentic`], any other
//! spelling of an authentic timestamp or payload [`ErrorKind::Malformed`]),
//! so no cookie has a second spelling. It also refuses, where Flask
//! accepts: values over [`FlaskVerifier::MAX_VALUE_LEN`] bytes (browsers
//! drop them), payloads that inflate past the JSON bound (a signed zlib
//! bomb opens as a 1 MiB session in Flask), and empty secret keys.
//!
//! # Example
//!
//! ```
//! use sealed_session::flask::FlaskVerifier;
//!
//! // Set by Flask 3.1.3 with SECRET_KEY = "flask-secret-key" at
//! // 1_700_000_000 for `session["user_id"] = 42; session["name"] = "alice"`.
//! let cookie = "eyJuYW1lIjoiYWxpY2UiLCJ1c2VyX2lkIjo0Mn0.ZVPxAA.foMl2JBijlnMXZcmO-9UntPZxy8";
//!
//! let verifier = FlaskVerifier::new(b"flask-secret-key")?.with_fallback(b"older-secret")?;
//! let max_age = 31 * 24 * 3600; // Flask's default PERMANENT_SESSION_LIFETIME
//! let payload = verifier.verify(cookie, 1_700_000_060, max_age)?;
//! assert_eq!(payload.json(), br#"{"name":"alice","user_id":42}"#);
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

use base64ct::{Base64UrlUnpadded, Encoding};
use hmac::{Hmac, KeyInit, Mac};
use miniz_oxide::inflate::TINFLStatus;
use miniz_oxide::inflate::core::{DecompressorOxide, decompress, inflate_flags};
use sealed_session_core::{Error, ErrorKind};
use sha1::Sha1;
use subtle::{Choice, ConstantTimeEq};
use zeroize::Zeroizing;

pub(super) type HmacSha1 = Hmac<Sha1>;

/// Verifies Flask's default session cookie under `SECRET_KEY` and up to
/// [`MAX_FALLBACKS`](Self::MAX_FALLBACKS) entries of
/// `SECRET_KEY_FALLBACKS`.
///
/// Holds only the HMAC states keyed with the derived keys (two SHA-1 states
/// each, which wipe themselves on drop with the `zeroize` features of
/// `sha1` and `hmac`); `Debug` shows how many keys, never a key.
#[derive(Clone)]
pub struct FlaskVerifier {
    /// `SECRET_KEY` first, then the fallbacks in the order given. All are
    /// tried on every cookie, so the order changes nothing.
    keys: Vec<HmacSha1>,
    max_json_len: usize,
}

/// The authentic content of a signed session cookie: Flask's (from
/// [`FlaskVerifier`]) or, with feature `starlette`, Starlette's (from
/// `StarletteVerifier`).
///
/// `Debug` shows the JSON's length and the signing time, never the JSON.
pub struct SignedPayload {
    pub(super) json: Zeroizing<Vec<u8>>,
    pub(super) signed_at: u64,
}

impl FlaskVerifier {
    /// The longest cookie value [`verify`](Self::verify) reads, in bytes:
    /// browsers keep at most 4096 bytes of name and value.
    pub const MAX_VALUE_LEN: usize = 4096;

    /// The largest JSON payload [`verify`](Self::verify) returns unless
    /// [`with_max_json_len`](Self::with_max_json_len) says otherwise, in
    /// bytes, after decompression.
    pub const DEFAULT_MAX_JSON_LEN: usize = 64 * 1024;

    /// The most fallback keys a verifier holds. Every key costs one HMAC
    /// per cookie, tried whether or not an earlier one matched.
    pub const MAX_FALLBACKS: usize = 8;

    /// A verifier for cookies signed under Flask's `SECRET_KEY` (a Python
    /// `str` key as its UTF-8 bytes).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidKey`] if `secret_key` is empty: Flask offers no
    /// session without a secret key, and a cookie under the empty key is one
    /// anyone can make.
    pub fn new(secret_key: &[u8]) -> Result<Self, Error> {
        Ok(Self {
            keys: vec![derive_key(secret_key)?],
            max_json_len: Self::DEFAULT_MAX_JSON_LEN,
        })
    }

    /// Also accepts cookies signed under `secret_key`, an entry of Flask's
    /// `SECRET_KEY_FALLBACKS`. Call once per entry, in any order.
    ///
    /// # Errors
    /// - [`ErrorKind::InvalidKey`] if `secret_key` is empty (Flask would
    ///   accept cookies anyone can sign);
    /// - [`ErrorKind::KeyringFull`] if the verifier already holds
    ///   [`MAX_FALLBACKS`](Self::MAX_FALLBACKS) fallbacks.
    pub fn with_fallback(mut self, secret_key: &[u8]) -> Result<Self, Error> {
        if self.fallback_count() >= Self::MAX_FALLBACKS {
            return Err(Error::new(ErrorKind::KeyringFull));
        }
        self.keys.push(derive_key(secret_key)?);
        Ok(self)
    }

    /// Sets the largest JSON payload, in bytes after decompression, that
    /// [`verify`](Self::verify) returns (default
    /// [`DEFAULT_MAX_JSON_LEN`](Self::DEFAULT_MAX_JSON_LEN)). Inflation
    /// stops as soon as it would pass this bound.
    #[must_use]
    pub const fn with_max_json_len(mut self, max_json_len: usize) -> Self {
        self.max_json_len = max_json_len;
        self
    }

    /// The largest JSON payload [`verify`](Self::verify) returns, in bytes.
    #[must_use]
    pub const fn max_json_len(&self) -> usize {
        self.max_json_len
    }

    /// How many fallback keys the verifier holds.
    #[must_use]
    pub const fn fallback_count(&self) -> usize {
        self.keys.len().saturating_sub(1)
    }

    /// Verifies a Flask session cookie value (without the `session=`) at
    /// `now` (seconds since the Unix epoch), accepting an age of at most
    /// `max_age` seconds, and returns its JSON and signing time.
    ///
    /// The checks run in itsdangerous's order, with the signature first:
    /// nothing of the payload is decoded or inflated before the signature
    /// verifies under one of the keys, and the age is checked before the
    /// payload is decoded.
    ///
    /// # Errors
    /// - [`ErrorKind::TooLarge`] if `value` is longer than
    ///   [`MAX_VALUE_LEN`](Self::MAX_VALUE_LEN) (checked before any other
    ///   work), or the authentic JSON is longer than
    ///   [`max_json_len`](Self::max_json_len) (inflation stops there);
    /// - [`ErrorKind::Malformed`] if `value` is not three dot-separated
    ///   parts of the base64url alphabet with a 27-character signature, or,
    ///   once authentic, its timestamp is not base64url of at most 8 bytes
    ///   or its payload not base64url of a complete zlib stream (when
    ///   compressed) with nothing after it;
    /// - [`ErrorKind::Unauthentic`] if the signature is not the one any
    ///   configured key gives: wrong key, any changed character;
    /// - [`ErrorKind::IssuedInFuture`] if the authentic timestamp is after
    ///   `now`;
    /// - [`ErrorKind::Expired`] if it is more than `max_age` seconds before
    ///   `now`.
    pub fn verify(&self, value: &str, now: u64, max_age: u64) -> Result<SignedPayload, Error> {
        if value.len() > Self::MAX_VALUE_LEN {
            return Err(Error::new(ErrorKind::TooLarge));
        }
        if !value.bytes().all(|b| b == b'.' || is_base64url(b)) {
            return Err(Error::new(ErrorKind::Malformed));
        }
        let (signed, signature) = value.rsplit_once('.').ok_or(ErrorKind::Malformed)?;
        let (payload, timestamp) = signed.rsplit_once('.').ok_or(ErrorKind::Malformed)?;
        if signature.len() != SIGNATURE_TEXT_LEN {
            return Err(Error::new(ErrorKind::Malformed));
        }

        authenticate(&self.keys, signed.as_bytes(), signature.as_bytes())?;
        let signed_at = check_timestamp(timestamp, now, max_age)?;

        let json = decode_payload(payload, self.max_json_len)?;
        Ok(SignedPayload { json, signed_at })
    }
}

impl fmt::Debug for FlaskVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlaskVerifier")
            .field("fallbacks", &self.fallback_count())
            .field("max_json_len", &self.max_json_len)
            .finish_non_exhaustive()
    }
}

impl SignedPayload {
    /// The session's JSON exactly as the framework signed it (Flask's
    /// decompressed, tagged JSON; Starlette's `json.dumps`), normally an
    /// object, not checked here.
    #[must_use]
    pub fn json(&self) -> &[u8] {
        &self.json
    }

    /// The JSON, taken out; it is wiped when dropped.
    #[must_use]
    pub fn into_json(self) -> Zeroizing<Vec<u8>> {
        self.json
    }

    /// When the framework signed the cookie, in seconds since the Unix
    /// epoch: when the session was last saved, not when it began.
    #[must_use]
    pub const fn signed_at(&self) -> u64 {
        self.signed_at
    }
}

impl fmt::Debug for SignedPayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedPayload")
            .field("json_len", &self.json.len())
            .field("signed_at", &self.signed_at)
            .finish_non_exhaustive()
    }
}

/// Checks `signature` (27 characters of base64url) against the
/// HMAC-SHA1 of `signed` under every key, in constant time and without
/// stopping at a match: itsdangerous's `Signer.verify_signature`, for
/// Flask's and Starlette's keys alike.
pub(super) fn authenticate(
    keys: &[HmacSha1],
    signed: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    let mut given = Zeroizing::new([0u8; SIGNATURE_LEN]);
    // base64ct refuses the other spellings Python's decoder accepts
    // (unused bits set): not the signature of anything.
    match Base64UrlUnpadded::decode(signature, &mut *given) {
        Ok(decoded) if decoded.len() == SIGNATURE_LEN => {}
        _ => return Err(Error::new(ErrorKind::Unauthentic)),
    }
    let mut matched = Choice::from(0);
    for key in keys {
        let mut mac = key.clone();
        mac.update(signed);
        let expected = mac.finalize();
        matched |= expected.as_bytes().as_slice().ct_eq(given.as_slice());
    }
    if bool::from(matched) {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::Unauthentic))
    }
}

/// The authentic timestamp's time, checked as itsdangerous's
/// `TimestampSigner.unsign(max_age=...)` checks it: after `now` is
/// [`ErrorKind::IssuedInFuture`], an age over `max_age` is
/// [`ErrorKind::Expired`] (an age of exactly `max_age` is valid).
pub(super) fn check_timestamp(text: &str, now: u64, max_age: u64) -> Result<u64, Error> {
    let signed_at = decode_timestamp(text)?;
    if signed_at > now {
        return Err(Error::new(ErrorKind::IssuedInFuture));
    }
    // `signed_at <= now`, so this cannot wrap.
    if now.saturating_sub(signed_at) > max_age {
        return Err(Error::new(ErrorKind::Expired));
    }
    Ok(signed_at)
}

/// Flask's `SecureCookieSessionInterface.salt`.
const SALT: &[u8] = b"cookie-session";
/// An HMAC-SHA1 tag, and its base64url text without padding.
const SIGNATURE_LEN: usize = 20;
pub(super) const SIGNATURE_TEXT_LEN: usize = 27;
/// The most bytes a timestamp may have (itsdangerous unpacks it as `>Q`).
const TIMESTAMP_LEN: usize = 8;

/// The keyed HMAC state for `HMAC-SHA1(secret_key, "cookie-session")`.
fn derive_key(secret_key: &[u8]) -> Result<HmacSha1, Error> {
    if secret_key.is_empty() {
        return Err(Error::new(ErrorKind::InvalidKey));
    }
    let mut mac = HmacSha1::new_from_slice(secret_key).map_err(|_| ErrorKind::InvalidKey)?;
    mac.update(SALT);
    // `CtOutput` wipes the derived key when dropped.
    let derived = mac.finalize();
    HmacSha1::new_from_slice(derived.as_bytes()).map_err(|_| Error::new(ErrorKind::InvalidKey))
}

pub(super) const fn is_base64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// The timestamp: base64url of a big-endian integer of at most 8 bytes.
/// Leading zero bytes (which Flask strips) are accepted, as itsdangerous
/// accepts them; the empty text is time 0.
fn decode_timestamp(text: &str) -> Result<u64, Error> {
    let mut bytes = [0u8; TIMESTAMP_LEN];
    let decoded = Base64UrlUnpadded::decode(text, &mut bytes)
        .map_err(|_| Error::new(ErrorKind::Malformed))?;
    Ok(decoded.iter().fold(0u64, |n, &b| (n << 8) | u64::from(b)))
}

/// The payload's JSON: base64url, zlib-inflated when it starts with `.`,
/// at most `limit` bytes.
fn decode_payload(text: &str, limit: usize) -> Result<Zeroizing<Vec<u8>>, Error> {
    let (compressed, text) = match text.strip_prefix('.') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    // Base64 never decodes to more bytes than it has characters.
    let mut decoded = Zeroizing::new(vec![0u8; text.len()]);
    let len = Base64UrlUnpadded::decode(text, &mut decoded)
        .map_err(|_| Error::new(ErrorKind::Malformed))?
        .len();
    decoded.truncate(len);
    if compressed {
        return inflate_zlib(&decoded, limit);
    }
    if decoded.len() > limit {
        return Err(Error::new(ErrorKind::TooLarge));
    }
    Ok(decoded)
}

/// Inflates one complete zlib stream (RFC 1950, Adler-32 checked) into at
/// most `limit` bytes. Every buffer that held output is wiped.
///
/// - [`ErrorKind::TooLarge`] once the output would pass `limit`;
/// - [`ErrorKind::Malformed`] for a bad header or checksum, a corrupt or
///   truncated stream, or bytes after its end.
fn inflate_zlib(input: &[u8], limit: usize) -> Result<Zeroizing<Vec<u8>>, Error> {
    const FLAGS: u32 = inflate_flags::TINFL_FLAG_PARSE_ZLIB_HEADER
        | inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
    // One byte of headroom tells "exactly at the limit" from "over it".
    let cap = limit.saturating_add(1);
    let first = input.len().saturating_mul(4).max(64).min(cap);
    let mut out = Zeroizing::new(vec![0u8; first]);
    let mut state = Box::new(DecompressorOxide::new());
    let (mut read, mut written) = (0usize, 0usize);
    loop {
        let rest = input.get(read..).unwrap_or_default();
        let (status, consumed, produced) = decompress(&mut state, rest, &mut out, written, FLAGS);
        read = read.saturating_add(consumed);
        written = written.saturating_add(produced);
        match status {
            TINFLStatus::HasMoreOutput if out.len() < cap => {
                // Grow by copying into a new buffer, so the old one is
                // wiped instead of left behind by a reallocation.
                let mut grown = Zeroizing::new(vec![0u8; out.len().saturating_mul(2).min(cap)]);
                grown
                    .get_mut(..out.len())
                    .ok_or(ErrorKind::Malformed)?
                    .copy_from_slice(&out);
                out = grown;
            }
            TINFLStatus::HasMoreOutput => return Err(Error::new(ErrorKind::TooLarge)),
            TINFLStatus::Done if read != input.len() => {
                return Err(Error::new(ErrorKind::Malformed));
            }
            TINFLStatus::Done if written > limit => return Err(Error::new(ErrorKind::TooLarge)),
            TINFLStatus::Done => {
                out.truncate(written);
                return Ok(out);
            }
            _ => return Err(Error::new(ErrorKind::Malformed)),
        }
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    /// Set by Flask 3.1.3 (tests/flask_cookies.py, case `plain`).
    const PLAIN: &str =
        "eyJuYW1lIjoiYWxpY2UiLCJ1c2VyX2lkIjo0Mn0.ZVPxAA.foMl2JBijlnMXZcmO-9UntPZxy8";
    const SECRET: &[u8] = b"flask-secret-key";
    const T0: u64 = 1_700_000_000;
    const MONTH: u64 = 31 * 24 * 3600;

    fn verifier() -> FlaskVerifier {
        FlaskVerifier::new(SECRET).unwrap()
    }

    fn kind(value: &str) -> ErrorKind {
        verifier().verify(value, T0 + 60, MONTH).unwrap_err().kind()
    }

    #[test]
    fn opens_a_real_flask_cookie() {
        let payload = verifier().verify(PLAIN, T0 + 60, MONTH).unwrap();
        assert_eq!(payload.json(), br#"{"name":"alice","user_id":42}"#);
        assert_eq!(payload.signed_at(), T0);
        assert_eq!(
            &**payload.into_json(),
            br#"{"name":"alice","user_id":42}"#.as_slice()
        );
    }

    #[test]
    fn bad_shapes_are_malformed() {
        for value in [
            "",
            ".",
            "..",
            "abc",
            "a.b",
            "eyJuYW1lIjoiYWxpY2UiLCJ1c2VyX2lkIjo0Mn0.foMl2JBijlnMXZcmO-9UntPZxy8",
            // Signature of 26 and 28 characters.
            &PLAIN[..PLAIN.len() - 1],
            &format!("{PLAIN}A"),
            // Outside the alphabet: non-ASCII, padding, standard alphabet, space.
            &PLAIN.replacen('e', "é", 1),
            &format!("{PLAIN}="),
            &PLAIN.replacen('-', "+", 1),
            &PLAIN.replacen('e', " ", 1),
            "\u{0}.\u{0}.\u{0}",
        ] {
            assert_eq!(kind(value), ErrorKind::Malformed, "{value:?}");
        }
    }

    #[test]
    fn too_large_before_any_work() {
        let huge = "!".repeat(FlaskVerifier::MAX_VALUE_LEN + 1);
        assert_eq!(kind(&huge), ErrorKind::TooLarge);
        let at_limit = "!".repeat(FlaskVerifier::MAX_VALUE_LEN);
        assert_eq!(kind(&at_limit), ErrorKind::Malformed);
        // A well-shaped value of exactly the limit is read (and is forged).
        let padded = format!(
            "{}.ZVPxAA.{}",
            "e".repeat(FlaskVerifier::MAX_VALUE_LEN - 35),
            "A".repeat(27)
        );
        assert_eq!(padded.len(), FlaskVerifier::MAX_VALUE_LEN);
        assert_eq!(kind(&padded), ErrorKind::Unauthentic);
        assert_eq!(kind(&format!("e{padded}")), ErrorKind::TooLarge);
    }

    #[test]
    fn every_change_is_unauthentic() {
        // Payload, timestamp, first signature character, and the unused
        // low bits of the last one (which Python's decoder ignores).
        let payload = PLAIN.replacen("eyJ", "fyJ", 1);
        let timestamp = PLAIN.replacen(".ZVPxAA.", ".ZVPxAB.", 1);
        let signature = PLAIN.replacen(".foM", ".AoM", 1);
        let unused_bits = format!("{}9", &PLAIN[..PLAIN.len() - 1]);
        assert!(PLAIN.ends_with('8'));
        for value in [payload, timestamp, signature, unused_bits] {
            assert_eq!(kind(&value), ErrorKind::Unauthentic, "{value:?}");
        }
        let wrong = FlaskVerifier::new(b"another-secret").unwrap();
        assert_eq!(
            wrong.verify(PLAIN, T0 + 60, MONTH).unwrap_err().kind(),
            ErrorKind::Unauthentic
        );
    }

    #[test]
    fn age_boundaries_follow_itsdangerous() {
        let v = verifier();
        assert!(v.verify(PLAIN, T0, 0).is_ok());
        assert!(v.verify(PLAIN, T0 + MONTH, MONTH).is_ok());
        let late = v.verify(PLAIN, T0 + MONTH + 1, MONTH).unwrap_err();
        assert_eq!(late.kind(), ErrorKind::Expired);
        let early = v.verify(PLAIN, T0 - 1, MONTH).unwrap_err();
        assert_eq!(early.kind(), ErrorKind::IssuedInFuture);
        assert!(v.verify(PLAIN, u64::MAX, u64::MAX).is_ok());
        let never = v.verify(PLAIN, u64::MAX, 0).unwrap_err();
        assert_eq!(never.kind(), ErrorKind::Expired);
    }

    #[test]
    fn json_bound_is_exact() {
        let len = br#"{"name":"alice","user_id":42}"#.len();
        let v = verifier().with_max_json_len(len);
        assert_eq!(v.verify(PLAIN, T0, MONTH).unwrap().json().len(), len);
        let v = v.with_max_json_len(len - 1);
        assert_eq!(
            v.verify(PLAIN, T0, MONTH).unwrap_err().kind(),
            ErrorKind::TooLarge
        );
    }

    #[test]
    fn keys() {
        assert_eq!(
            FlaskVerifier::new(b"").unwrap_err().kind(),
            ErrorKind::InvalidKey
        );
        assert_eq!(
            verifier().with_fallback(b"").unwrap_err().kind(),
            ErrorKind::InvalidKey
        );
        let mut v = FlaskVerifier::new(b"new").unwrap();
        for i in 0..FlaskVerifier::MAX_FALLBACKS {
            v = v.with_fallback(format!("old-{i}").as_bytes()).unwrap();
        }
        assert_eq!(v.fallback_count(), FlaskVerifier::MAX_FALLBACKS);
        assert_eq!(
            v.clone().with_fallback(SECRET).unwrap_err().kind(),
            ErrorKind::KeyringFull
        );
        // The cookie's key as a fallback, among others, opens it.
        let v = FlaskVerifier::new(b"new")
            .unwrap()
            .with_fallback(b"a")
            .unwrap()
            .with_fallback(SECRET)
            .unwrap()
            .with_fallback(b"b")
            .unwrap();
        assert!(v.verify(PLAIN, T0, MONTH).is_ok());
    }

    #[test]
    fn debug_shows_no_secret() {
        let v = verifier().with_fallback(b"hunter2").unwrap();
        assert_eq!(
            format!("{v:?}"),
            "FlaskVerifier { fallbacks: 1, max_json_len: 65536, .. }"
        );
        let payload = v.verify(PLAIN, T0, MONTH).unwrap();
        assert_eq!(
            format!("{payload:?}"),
            "SignedPayload { json_len: 29, signed_at: 1700000000, .. }"
        );
    }

    /// `Hmac<Sha1>` does not declare `ZeroizeOnDrop`, but each of its
    /// parts (two SHA-1 states and a block buffer) does, with the `zeroize`
    /// features of `sha1` and `hmac`; `CtOutput` holds the derived key.
    #[test]
    fn keyed_states_wipe_themselves() {
        fn zeroize_on_drop<T: zeroize::ZeroizeOnDrop>() {}
        zeroize_on_drop::<sha1::block_api::Sha1Core>();
        zeroize_on_drop::<hmac::digest::block_api::Buffer<hmac::block_api::HmacCore<Sha1>>>();
        zeroize_on_drop::<hmac::digest::CtOutput<HmacSha1>>();
    }

    #[test]
    fn timestamps() {
        assert_eq!(decode_timestamp(""), Ok(0));
        assert_eq!(decode_timestamp("ZVPxAA"), Ok(T0));
        assert_eq!(decode_timestamp("AGVT8QA"), Ok(T0));
        assert_eq!(decode_timestamp("__________8"), Ok(u64::MAX));
        for bad in ["Z", "ZVPxAB", "AAAAAAAAAAAA", "ZVPxAA==", "ZVPx+A"] {
            assert_eq!(
                decode_timestamp(bad),
                Err(Error::new(ErrorKind::Malformed)),
                "{bad}"
            );
        }
    }

    #[test]
    fn inflation_is_bounded_and_exact() {
        let data: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
        let packed = miniz_oxide::deflate::compress_to_vec_zlib(&data, 6);
        for limit in [0, 1, 63, 64, 65, 4096, 65_535] {
            assert_eq!(
                inflate_zlib(&packed, limit).unwrap_err().kind(),
                ErrorKind::TooLarge,
                "{limit}"
            );
        }
        for limit in [70_000, 70_001, usize::MAX] {
            assert_eq!(&**inflate_zlib(&packed, limit).unwrap(), data.as_slice());
        }
        let empty = miniz_oxide::deflate::compress_to_vec_zlib(b"", 6);
        assert!(inflate_zlib(&empty, 0).unwrap().is_empty());

        let mut bad_sum = packed.clone();
        *bad_sum.last_mut().unwrap() ^= 1;
        let mut trailing = packed.clone();
        trailing.push(0);
        let raw = miniz_oxide::deflate::compress_to_vec(&data, 6);
        for bad in [
            &[][..],
            &packed[..packed.len() - 1],
            &bad_sum,
            &trailing,
            &raw,
            b"not zlib",
        ] {
            assert_eq!(
                inflate_zlib(bad, usize::MAX).unwrap_err().kind(),
                ErrorKind::Malformed
            );
        }
    }
}

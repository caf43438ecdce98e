//! The Python EncryptedSession cookie: `u|z.<ct>.<tag>.<nonce>`.
//!
//! Each part is standard, padded base64. The cipher is AES-256-EAX with a
//! 16-byte nonce and tag and **no associated data**; the plaintext is JSON,
//! zlib-wrapped under flag `z` (the Python package compresses JSON over 1024
//! bytes; this writer only when [`Options::compression`] says so, which is
//! off by default: compression leaks through the cookie's length).
//!
//! The `u`/`z` flag sits outside the tag, so it cannot be trusted: an
//! authentic cookie with a flipped flag either fails to inflate (a clean
//! [`ErrorKind::Malformed`]) or yields compressed bytes that the JSON layer
//! rejects. Inflation is bounded by [`Options::max_plaintext_len`], as in
//! envelope v1. The format carries no version, key id, time or context:
//! prefer envelope v1 and use this only to share or migrate sessions.
//!
//! [`Options::max_plaintext_len`]: crate::Options::max_plaintext_len
//! [`Options::compression`]: crate::Options::compression

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use base64ct::{Base64, Encoding};
use zeroize::Zeroizing;

use crate::compress::{self, Wrapping};
use crate::eax::{ExpandedKey, TAG_LEN};
use crate::envelope::NONCE_LEN;
use crate::error::{Error, ErrorKind, err};
use crate::{Compression, Key, NonceSource, Options};

/// Seals and opens cookies in the Python EncryptedSession format.
#[derive(Clone)]
pub struct LegacyCodec {
    key: ExpandedKey,
    options: Options,
}

impl LegacyCodec {
    /// A codec with `key`. Of `options`, it uses `compression` (with
    /// [`Compression::Above`], zlib above the threshold, kept even when it
    /// does not shorten the JSON, as the Python package does; the default
    /// [`Compression::Never`] writes every cookie as `u`, which the package
    /// reads as well), `max_plaintext_len` and `max_text_len`; legacy
    /// cookies carry no time.
    #[must_use]
    pub fn new(key: &Key, options: Options) -> Self {
        Self {
            key: ExpandedKey::new(key.as_bytes()),
            options,
        }
    }

    /// The same codec with other `options` (compression, bounds); the key
    /// stays.
    ///
    /// ```
    /// use sealed_session_core::legacy::LegacyCodec;
    /// use sealed_session_core::{Compression, FixedNonce, Key, Options};
    ///
    /// let codec = LegacyCodec::new(&Key::from_bytes([1; 32]), Options::new());
    /// let json = format!(r#"{{"a": "{}"}}"#, "x".repeat(2000));
    /// assert!(codec.seal_to_string(json.as_bytes(), &mut FixedNonce([0; 16]))?.starts_with("u."));
    /// let python = codec.with_options(Options::new().with_compression(Compression::Above(1024)));
    /// assert!(python.seal_to_string(json.as_bytes(), &mut FixedNonce([0; 16]))?.starts_with("z."));
    /// # Ok::<(), sealed_session_core::Error>(())
    /// ```
    #[must_use]
    pub fn with_options(self, options: Options) -> Self {
        Self { options, ..self }
    }

    /// Seals `json` (the session, already serialized) as the Python package
    /// would.
    ///
    /// # Errors
    /// [`ErrorKind::TooLarge`] when `json` exceeds
    /// [`Options::max_plaintext_len`] or the cookie would exceed
    /// [`Options::max_text_len`].
    pub fn seal_to_string<N: NonceSource + ?Sized>(
        &self,
        json: &[u8],
        nonce: &mut N,
    ) -> Result<String, Error> {
        if json.len() > self.options.max_plaintext_len() {
            return err(ErrorKind::TooLarge);
        }
        let (flag, mut body) = match self.options.compression() {
            Compression::Above(threshold) if json.len() > threshold => {
                ('z', compress::deflate(json, Wrapping::Zlib)?)
            }
            _ => ('u', json.to_vec()),
        };
        let mut fresh = [0u8; NONCE_LEN];
        nonce.fill_nonce(&mut fresh);
        let tag = self.key.encrypt(&fresh, &[], &mut body);
        let len = 2
            + Base64::encoded_len(&body)
            + 1
            + Base64::encoded_len(&tag)
            + 1
            + Base64::encoded_len(&fresh);
        if len > self.options.max_text_len() {
            return err(ErrorKind::TooLarge);
        }
        let mut text = String::with_capacity(len);
        text.push(flag);
        text.push('.');
        text.push_str(&Base64::encode_string(&body));
        text.push('.');
        text.push_str(&Base64::encode_string(&tag));
        text.push('.');
        text.push_str(&Base64::encode_string(&fresh));
        Ok(text)
    }

    /// Opens a Python EncryptedSession cookie and returns the JSON bytes.
    /// An authentic cookie that is rejected (too large, or a `z` body that
    /// does not inflate) leaves no plaintext behind: every buffer that held
    /// it is wiped before it is freed.
    ///
    /// # Errors
    /// - [`ErrorKind::TooLarge`]: text over [`Options::max_text_len`] or
    ///   plaintext over [`Options::max_plaintext_len`];
    /// - [`ErrorKind::Malformed`]: not four `.`-separated parts, a flag other
    ///   than `u`/`z`, non-canonical base64, a nonce or tag that is not 16
    ///   bytes, or (after authentication) a zlib stream that does not inflate;
    /// - [`ErrorKind::Unauthentic`]: wrong key or any change to the
    ///   ciphertext, tag or nonce.
    pub fn open_to_vec(&self, text: &str) -> Result<Vec<u8>, Error> {
        if text.len() > self.options.max_text_len() {
            return err(ErrorKind::TooLarge);
        }
        let parts = Parts::parse(text)?;
        // Plaintext once the tag verifies: wiped on drop unless returned.
        let mut body = Zeroizing::new(Base64::decode_vec(parts.ciphertext).map_err(malformed)?);
        let (compressed, tag_bytes, nonce_bytes) = (parts.compressed, parts.tag, parts.nonce);
        self.key
            .decrypt(&nonce_bytes, &[], &mut body, &tag_bytes)
            .map_err(|()| Error::new(ErrorKind::Unauthentic))?;
        let limit = self.options.max_plaintext_len();
        if compressed {
            return compress::inflate_to_vec(&body, limit, Wrapping::Zlib);
        }
        if body.len() > limit {
            return err(ErrorKind::TooLarge);
        }
        Ok(core::mem::take(&mut *body))
    }
}

impl fmt::Debug for LegacyCodec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LegacyCodec")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// What a legacy cookie says about itself without a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct LegacyPeeked {
    /// The `z` flag. Not authenticated: only the key holder can tell whether
    /// it is true.
    pub compressed: bool,
    /// Length of the ciphertext in bytes.
    pub ciphertext_len: usize,
}

/// Reads the public shape of a Python EncryptedSession cookie without a key:
/// four `.`-separated parts, a `u`/`z` flag, strict padded base64, a 16-byte
/// tag and nonce. Nothing is authenticated.
///
/// # Errors
/// [`ErrorKind::Malformed`] for anything else.
pub fn peek(text: &str) -> Result<LegacyPeeked, Error> {
    let parts = Parts::parse(text)?;
    let ciphertext_len = Base64::decode_vec(parts.ciphertext)
        .map_err(malformed)?
        .len();
    Ok(LegacyPeeked {
        compressed: parts.compressed,
        ciphertext_len,
    })
}

/// A legacy cookie split into its parts; the ciphertext still encoded.
struct Parts<'a> {
    compressed: bool,
    ciphertext: &'a str,
    tag: [u8; TAG_LEN],
    nonce: [u8; NONCE_LEN],
}

impl<'a> Parts<'a> {
    fn parse(text: &'a str) -> Result<Self, Error> {
        let mut parts = text.split('.');
        let (Some(flag), Some(ciphertext), Some(tag), Some(nonce), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return err(ErrorKind::Malformed);
        };
        let compressed = match flag {
            "u" => false,
            "z" => true,
            _ => return err(ErrorKind::Malformed),
        };
        let mut parsed = Self {
            compressed,
            ciphertext,
            tag: [0; TAG_LEN],
            nonce: [0; NONCE_LEN],
        };
        decode_exact(tag, &mut parsed.tag)?;
        decode_exact(nonce, &mut parsed.nonce)?;
        Ok(parsed)
    }
}

fn decode_exact<const N: usize>(text: &str, out: &mut [u8; N]) -> Result<(), Error> {
    match Base64::decode(text, out) {
        Ok(decoded) if decoded.len() == N => Ok(()),
        _ => err(ErrorKind::Malformed),
    }
}

fn malformed(_: base64ct::Error) -> Error {
    Error::new(ErrorKind::Malformed)
}

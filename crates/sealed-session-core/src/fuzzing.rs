//! Hooks into the crate's internals for the fuzz entry points and tests of
//! `sealed-session-tests` (feature `fuzzing`). Not public API: hidden, and
//! free to change in any release. The entry points, their input reader,
//! the invariants and the oracles live in that crate (`tests/fuzzing/`).

use alloc::string::String;
use alloc::vec::Vec;

use crate::compress::{self, Wrapping};
use crate::{Codec, Error, ErrorKind, Header, NonceSource, VERSION};

/// Tag length of the EAX layer.
pub const TAG_LEN: usize = crate::eax::TAG_LEN;

/// The crate's own EAX: encrypts `msg` in place and returns the tag.
#[must_use]
pub fn eax_encrypt(key: &[u8; 32], nonce: &[u8], aad: &[u8], msg: &mut [u8]) -> [u8; TAG_LEN] {
    crate::eax::CipherKey::new(key).encrypt(nonce, &[aad], msg)
}

/// The crate's own EAX: verifies `tag` and decrypts `msg` in place.
///
/// # Errors
/// `Err(())` when the tag does not verify; `msg` is then unchanged.
#[allow(clippy::result_unit_err)]
pub fn eax_decrypt(
    key: &[u8; 32],
    nonce: &[u8],
    aad: &[u8],
    msg: &mut [u8],
    tag: &[u8; TAG_LEN],
) -> Result<(), ()> {
    crate::eax::CipherKey::new(key).decrypt(nonce, &[aad], msg, tag)
}

/// The bounded inflater behind `open`, raw DEFLATE or (`zlib`) RFC 1950.
///
/// # Errors
/// `TooLarge`, `BufferTooSmall` or `Malformed`, as `open` reports them.
pub fn inflate_into(
    input: &[u8],
    out: &mut [u8],
    limit: usize,
    zlib: bool,
) -> Result<usize, Error> {
    compress::inflate_into(input, out, limit, wrapping(zlib))
}

/// The growing inflater behind `open_to_vec`.
///
/// # Errors
/// `TooLarge` or `Malformed`.
pub fn inflate_to_vec(input: &[u8], limit: usize, zlib: bool) -> Result<Vec<u8>, Error> {
    compress::inflate_to_vec(input, limit, wrapping(zlib))
}

/// The crate's encoder, raw or (`zlib`) wrapped; empty for an input it
/// does not take (over 2 GiB), which no stream is.
#[must_use]
pub fn deflate(input: &[u8], zlib: bool) -> Vec<u8> {
    compress::deflate(input, wrapping(zlib)).unwrap_or_default()
}

const fn wrapping(zlib: bool) -> Wrapping {
    if zlib { Wrapping::Zlib } else { Wrapping::Raw }
}

/// Seals `body` as given (never compressed) under `codec`'s primary key,
/// with `version` and `flags` written as given: a key holder's cookie
/// around anything (a broken stream behind the compressed flag, a reserved
/// bit, another version, a body over the plaintext bound). Only
/// `max_text_len` applies.
///
/// # Errors
/// `TooLarge` over `max_text_len`, `ContextTooLong`.
pub fn seal_raw<N: NonceSource + ?Sized>(
    codec: &Codec,
    version: u8,
    flags: u8,
    body: &[u8],
    context: &[u8],
    now: u64,
    nonce: &mut N,
) -> Result<String, Error> {
    let header = Header {
        version: VERSION,
        compressed: false,
        key_id: codec.keyring().primary_id_at(now),
        issued_at: now,
    };
    let mut header = header.to_bytes();
    header[..2].copy_from_slice(&[version, flags]);
    let mut out = alloc::vec![0u8; Codec::seal_len(body.len())];
    let start = Header::LEN + crate::NONCE_LEN;
    out[start..start + body.len()].copy_from_slice(body);
    let len = codec.seal_with_header(header, body.len(), context, nonce, &mut out)?;
    out.truncate(len);
    String::from_utf8(out).map_err(|_| Error::new(ErrorKind::Malformed))
}

/// [`seal_raw`] with version 1 and the compressed flag alone.
///
/// # Errors
/// As [`seal_raw`].
pub fn seal_raw_with_flags<N: NonceSource + ?Sized>(
    codec: &Codec,
    body: &[u8],
    compressed: bool,
    context: &[u8],
    now: u64,
    nonce: &mut N,
) -> Result<String, Error> {
    seal_raw(
        codec,
        VERSION,
        u8::from(compressed),
        body,
        context,
        now,
        nonce,
    )
}

/// Seals `body` as given (never compressed, no length checked) in the
/// legacy format under `key`, with `flag` as the first part (`"u"`, `"z"`
/// or anything else): `flag.<ct>.<tag>.<nonce>` in padded standard base64.
#[cfg(feature = "legacy")]
#[must_use]
pub fn legacy_seal_raw<N: NonceSource + ?Sized>(
    key: &crate::Key,
    flag: &str,
    body: &[u8],
    nonce: &mut N,
) -> String {
    use base64ct::{Base64, Encoding};
    let mut ct = body.to_vec();
    let mut fresh = [0u8; crate::NONCE_LEN];
    nonce.fill_nonce(&mut fresh);
    let tag = eax_encrypt(key.as_bytes(), &fresh, &[], &mut ct);
    let mut text = String::from(flag);
    for part in [&ct[..], &tag[..], &fresh[..]] {
        text.push('.');
        text.push_str(&Base64::encode_string(part));
    }
    text
}

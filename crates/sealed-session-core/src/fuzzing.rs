//! Entry points shared by the fuzz targets in `fuzz/` and the regression
//! tests in `tests/integration/regressions.rs`. Not a stable API: hidden from
//! the docs and free to change in any release.
//!
//! Each fuzz entry point (`open_v1`, `open_legacy`, `roundtrip`, `inflate`,
//! `eax_differential`, `authentic_garbage`) takes the fuzzer's raw bytes,
//! reads its parameters from the front with a small [`Input`] reader whose
//! layout each function documents, and returns `Err(Violation)` when an
//! invariant does not hold. The fuzz targets panic on a violation; the
//! regression tests assert `Ok`. Any panic inside the crate is a bug as well.
//!
//! The helpers below them (`seal_raw_with_flags`, `legacy_seal_raw`,
//! `inflate_*`, `deflate`) let tests build what only a key holder could:
//! authentic cookies around arbitrary bytes.

#[cfg(feature = "alloc")]
use alloc::{string::String, vec, vec::Vec};
use core::fmt;

#[cfg(feature = "alloc")]
use crate::codec::Codec;
use crate::compress::{self, Wrapping};
#[cfg(feature = "alloc")]
use crate::{Compression, Error, ErrorKind, FixedNonce, Header, NonceSource, Options};
#[cfg(feature = "alloc")]
use crate::{Key, Keyring};

/// Tag length of the EAX layer.
pub const TAG_LEN: usize = crate::eax::TAG_LEN;

/// The crate's own EAX layer, exposed for the Wycheproof and differential
/// tests: encrypts `msg` in place and returns the tag.
#[must_use]
pub fn eax_encrypt(key: &[u8; 32], nonce: &[u8], aad: &[u8], msg: &mut [u8]) -> [u8; 16] {
    crate::eax::CipherKey::new(key).encrypt(nonce, &[aad], msg)
}

/// The crate's own EAX layer: verifies and decrypts `msg` in place.
///
/// # Errors
/// `Err(())` when the tag does not verify; `msg` is then unchanged.
#[allow(clippy::result_unit_err)]
pub fn eax_decrypt(
    key: &[u8; 32],
    nonce: &[u8],
    aad: &[u8],
    msg: &mut [u8],
    tag: &[u8; 16],
) -> Result<(), ()> {
    crate::eax::CipherKey::new(key).decrypt(nonce, &[aad], msg, tag)
}

/// The bounded inflater behind `open`: inflates all of `input` into `out`,
/// writing at most `limit` bytes. `zlib` selects RFC 1950 (legacy cookies)
/// over raw RFC 1951 (envelope v1).
///
/// # Errors
/// [`ErrorKind::TooLarge`](crate::ErrorKind::TooLarge) past `limit`,
/// [`ErrorKind::BufferTooSmall`](crate::ErrorKind::BufferTooSmall) when `out`
/// is shorter than `limit` and too short,
/// [`ErrorKind::Malformed`](crate::ErrorKind::Malformed) for a corrupt,
/// truncated or trailing stream.
pub fn inflate_into(
    input: &[u8],
    out: &mut [u8],
    limit: usize,
    zlib: bool,
) -> Result<usize, crate::Error> {
    compress::inflate_into(input, out, limit, wrapping(zlib))
}

/// The growing inflater behind `open_to_vec`; see [`inflate_into`].
///
/// # Errors
/// As [`inflate_into`], without `BufferTooSmall`.
#[cfg(feature = "alloc")]
pub fn inflate_to_vec(input: &[u8], limit: usize, zlib: bool) -> Result<Vec<u8>, Error> {
    compress::inflate_to_vec(input, limit, wrapping(zlib))
}

/// Compresses `input` as `seal` does (raw DEFLATE), or as the legacy format
/// does (`zlib`).
#[cfg(feature = "alloc")]
#[must_use]
pub fn deflate(input: &[u8], zlib: bool) -> Vec<u8> {
    compress::deflate(input, wrapping(zlib)).unwrap_or_default()
}

const fn wrapping(zlib: bool) -> Wrapping {
    if zlib { Wrapping::Zlib } else { Wrapping::Raw }
}

/// Seals `body` exactly as given, with the header's compressed flag set to
/// `compressed`, under `codec`'s primary key: a forger holding the key. The
/// body is never compressed, and [`Options::max_plaintext_len`] is not
/// checked, so authentic cookies can carry bytes `seal` would never write
/// (a broken DEFLATE stream behind the compressed flag, or a plaintext over
/// the opener's bound).
///
/// # Errors
/// As [`Codec::seal`] (`TooLarge` over [`Options::max_text_len`],
/// `ContextTooLong`).
#[cfg(feature = "alloc")]
pub fn seal_raw_with_flags<N: NonceSource + ?Sized>(
    codec: &Codec,
    body: &[u8],
    compressed: bool,
    context: &[u8],
    now: u64,
    nonce: &mut N,
) -> Result<String, Error> {
    let start = crate::OVERHEAD - TAG_LEN;
    let mut out = vec![0u8; Codec::seal_len(body.len())];
    let region = out
        .get_mut(start..start + body.len())
        .ok_or(Error::new(ErrorKind::BufferTooSmall))?;
    region.copy_from_slice(body);
    let len = codec.seal_in_place(body.len(), compressed, context, now, nonce, &mut out)?;
    out.truncate(len);
    String::from_utf8(out).map_err(|_| Error::new(ErrorKind::Malformed))
}

/// Seals `body` as-is in the legacy format under `key`, with `flag` as the
/// first part (`"u"`, `"z"`, or anything else, for bad-input tests):
/// `flag.<ct>.<tag>.<nonce>` in padded standard base64. Never compresses
/// and checks no length.
#[cfg(feature = "legacy")]
#[must_use]
pub fn legacy_seal_raw<N: NonceSource + ?Sized>(
    key: &Key,
    flag: &str,
    body: &[u8],
    nonce: &mut N,
) -> String {
    use base64ct::{Base64, Encoding};
    let mut ct = body.to_vec();
    let mut fresh = [0u8; crate::NONCE_LEN];
    nonce.fill_nonce(&mut fresh);
    let tag = crate::eax::CipherKey::new(key.as_bytes()).encrypt(&fresh, &[], &mut ct);
    let mut text = String::from(flag);
    for part in [&ct[..], &tag[..], &fresh[..]] {
        text.push('.');
        text.push_str(&Base64::encode_string(part));
    }
    text
}

/// A broken invariant found by a fuzz entry point: a bug in the crate (or
/// in the invariant).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Violation(pub &'static str);

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invariant violated: {}", self.0)
    }
}

/// `Err(Violation(what))` unless `holds`.
///
/// # Errors
/// When `holds` is false.
pub const fn ensure(holds: bool, what: &'static str) -> Result<(), Violation> {
    if holds { Ok(()) } else { Err(Violation(what)) }
}

/// Reads fuzz parameters from the front of the input. Past the end it reads
/// zeros, so every input is valid.
#[derive(Clone, Copy, Debug)]
pub struct Input<'a>(pub &'a [u8]);

impl<'a> Input<'a> {
    /// The next byte.
    pub fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    /// The next `N` bytes.
    pub fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        for b in &mut out {
            *b = self.byte();
        }
        out
    }

    /// The next two bytes, big-endian.
    pub fn u16(&mut self) -> u16 {
        u16::from_be_bytes(self.array())
    }

    /// The next eight bytes, big-endian.
    pub fn u64(&mut self) -> u64 {
        u64::from_be_bytes(self.array())
    }

    /// The next `n` bytes, or fewer at the end.
    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let (head, tail) = self.0.split_at(n.min(self.0.len()));
        self.0 = tail;
        head
    }

    /// Everything not read yet.
    #[must_use]
    pub const fn rest(self) -> &'a [u8] {
        self.0
    }
}

/// Key 1 of the fuzz keyring: bytes `00..1f`, the golden vectors' key 1 and
/// the Python interop key.
pub const KEY_1: [u8; 32] = iota(0);
/// Key 2 of the fuzz keyring: bytes `20..3f`, the golden vectors' key 2.
pub const KEY_2: [u8; 32] = iota(32);
/// A key in no fuzz keyring.
pub const KEY_OTHER: [u8; 32] = [0xee; 32];

const fn iota(start: u8) -> [u8; 32] {
    let mut key = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        key[i] = start + i as u8;
        i += 1;
    }
    key
}

/// The contexts the entry points choose from with two bits of a selector
/// byte: those of the golden vectors, and Flask's cookie name.
pub const CONTEXTS: [&[u8]; 4] = [
    b"session",
    b"",
    "s\u{e9}ssion-\u{2603}".as_bytes(),
    b"flask-session",
];

/// The time at which the entry points open: after every golden vector.
pub const NOW: u64 = 1_800_000_000;

/// The fuzz keyring: key 1 (primary, id 1) and key 2 (id 2).
#[cfg(feature = "alloc")]
#[must_use]
pub fn keyring() -> Keyring {
    let mut ring = Keyring::new(1, &Key::from_bytes(KEY_1));
    // A fresh ring has room and no id 2, so this cannot fail.
    let _ = ring.add(2, &Key::from_bytes(KEY_2));
    ring
}

/// Opens arbitrary text with the fuzz keyring.
///
/// Layout: one selector byte (bits 0-1: the context from [`CONTEXTS`]; bit
/// 2: a one-day `max_age`), then the text (invalid UTF-8 is replaced).
///
/// Invariants: `open` and `open_to_vec` agree; `Header::peek` agrees with
/// `open` on the public shape; a cookie that opens, sealed again, opens to
/// the same plaintext.
///
/// # Errors
/// The invariant that failed.
#[cfg(feature = "alloc")]
pub fn open_v1(data: &[u8]) -> Result<(), Violation> {
    let mut input = Input(data);
    let selector = input.byte();
    let context = CONTEXTS[usize::from(selector & 3)];
    let max_age = (selector & 4 != 0).then_some(86_400);
    let text = String::from_utf8_lossy(input.rest());
    let codec = Codec::new(keyring(), Options::new().with_max_age(max_age));

    let by_vec = codec.open_to_vec(&text, context, NOW);
    let mut buf = vec![0u8; codec.open_len(text.len())];
    let by_buf = codec
        .open(&text, context, NOW, &mut buf)
        .map(|opened| opened.map(<[u8]>::to_vec));
    ensure(by_vec == by_buf, "open_v1: open and open_to_vec disagree")?;

    if text.len() <= codec.options().max_text_len() {
        check_peek(&codec, &text, &by_vec)?;
    } else {
        ensure(
            kind(&by_vec) == Some(ErrorKind::TooLarge),
            "open_v1: over-long text is not TooLarge",
        )?;
    }

    let Ok(opened) = by_vec else {
        return Ok(());
    };
    ensure(
        opened.plaintext.len() <= codec.options().max_plaintext_len(),
        "open_v1: plaintext over the bound",
    )?;
    let resealed = codec.seal_to_string(
        &opened.plaintext,
        context,
        opened.issued_at,
        &mut FixedNonce([0x5a; 16]),
    );
    match resealed {
        Ok(text) => ensure(
            codec
                .open_to_vec(&text, context, NOW)
                .map(|again| again.plaintext)
                == Ok(opened.plaintext),
            "open_v1: resealed cookie opens to another plaintext",
        ),
        // Our compressor may do worse than the sealer's.
        Err(e) => ensure(
            e.kind() == ErrorKind::TooLarge && opened.compressed,
            "open_v1: reseal failed",
        ),
    }
}

/// `Header::peek` against `open` on the same text.
#[cfg(feature = "alloc")]
fn check_peek(
    codec: &Codec,
    text: &str,
    opened: &Result<crate::Opened<Vec<u8>>, Error>,
) -> Result<(), Violation> {
    let peeked = match Header::peek(text) {
        Err(e) => {
            return ensure(
                kind(opened) == Some(e.kind()),
                "open_v1: peek and open reject differently",
            );
        }
        Ok(peeked) => peeked,
    };
    let header = peeked.header;
    if !codec.keyring().contains(header.key_id) {
        return ensure(
            kind(opened) == Some(ErrorKind::UnknownKeyId),
            "open_v1: unknown key id not reported",
        );
    }
    match opened {
        Ok(opened) => ensure(
            opened.key_id == header.key_id
                && opened.issued_at == header.issued_at
                && opened.compressed == header.compressed,
            "open_v1: peek and open read different headers",
        ),
        Err(e) => ensure(
            match e.kind() {
                // Only an authentic compressed body can be malformed now.
                ErrorKind::Malformed => header.compressed,
                ErrorKind::Unauthentic
                | ErrorKind::Expired
                | ErrorKind::IssuedInFuture
                | ErrorKind::TooLarge => true,
                _ => false,
            },
            "open_v1: peek accepts what open rejects as malformed",
        ),
    }
}

#[cfg(feature = "alloc")]
fn kind<T>(result: &Result<T, Error>) -> Option<ErrorKind> {
    result.as_ref().err().map(|e| e.kind())
}

/// Opens arbitrary text as a legacy cookie under [`KEY_1`] with the default
/// options.
///
/// Layout: the whole input is the text (invalid UTF-8 is replaced).
///
/// Invariants: a cookie that opens has a plaintext within the bound, and
/// sealed again opens to the same bytes.
///
/// # Errors
/// The invariant that failed.
#[cfg(feature = "legacy")]
pub fn open_legacy(data: &[u8]) -> Result<(), Violation> {
    let text = String::from_utf8_lossy(data);
    let codec = crate::legacy::LegacyCodec::new(&Key::from_bytes(KEY_1), Options::new());
    let Ok(json) = codec.open_to_vec(&text) else {
        return Ok(());
    };
    ensure(
        json.len() <= Options::new().max_plaintext_len(),
        "open_legacy: plaintext over the bound",
    )?;
    match codec.seal_to_string(&json, &mut FixedNonce([0x5a; 16])) {
        Ok(text) => ensure(
            codec.open_to_vec(&text) == Ok(json),
            "open_legacy: resealed cookie opens to another plaintext",
        ),
        // Compression may do worse than the sealer's.
        Err(e) => ensure(
            e.kind() == ErrorKind::TooLarge,
            "open_legacy: reseal failed",
        ),
    }
}

/// Seals arbitrary plaintext under arbitrary options and context, and opens
/// it again, in envelope v1 and in the legacy format.
///
/// Layout: flags byte (bit 0: never compress), compression threshold (u16),
/// `max_plaintext_len / 4` (u16), `max_text_len` (u16), context length
/// (byte) and context, issue time (u64), nonce (16 bytes), then the
/// plaintext.
///
/// Invariants: `seal` fails with `TooLarge` exactly when the plaintext or
/// the text would exceed its bound; otherwise `open(seal(x)) == x` through
/// both open APIs, the text is within `max_text_len`, it is compressed only
/// above the threshold, the buffer `seal` writes the same text when nothing
/// is compressed, and another context is `Unauthentic`.
///
/// # Errors
/// The invariant that failed.
#[cfg(feature = "alloc")]
pub fn roundtrip(data: &[u8]) -> Result<(), Violation> {
    let mut input = Input(data);
    let flags = input.byte();
    let threshold = usize::from(input.u16());
    let compression = if flags & 1 == 0 {
        Compression::Above(threshold)
    } else {
        Compression::Never
    };
    let options = Options::new()
        .with_compression(compression)
        .with_max_plaintext_len(usize::from(input.u16()) * 4)
        .with_max_text_len(usize::from(input.u16()));
    let context_len = usize::from(input.byte());
    let context = input.bytes(context_len);
    let now = input.u64();
    let nonce = input.array::<16>();
    let plaintext = input.rest();
    let codec = Codec::new(keyring(), options);

    // What seal must do: the body it encrypts, and whether it fits.
    let packed = match compression {
        Compression::Above(threshold) if plaintext.len() > threshold => {
            Some(deflate(plaintext, false))
                .filter(|packed| !packed.is_empty())
                .filter(|packed| packed.len() < plaintext.len())
        }
        _ => None,
    };
    let body_len = packed.as_ref().map_or(plaintext.len(), Vec::len);
    let fits = plaintext.len() <= options.max_plaintext_len()
        && Codec::seal_len(body_len) <= options.max_text_len();

    let sealed = codec.seal_to_string(plaintext, context, now, &mut FixedNonce(nonce));
    let text = match sealed {
        Err(e) => {
            return ensure(
                e.kind() == ErrorKind::TooLarge && !fits,
                "roundtrip: seal failed on a plaintext that fits",
            );
        }
        Ok(text) => text,
    };
    ensure(
        fits,
        "roundtrip: seal accepted a plaintext that does not fit",
    )?;
    ensure(
        text.len() <= options.max_text_len() && text.len() == Codec::seal_len(body_len),
        "roundtrip: text length",
    )?;

    let opened = codec
        .open_to_vec(&text, context, now)
        .map_err(|_| Violation("roundtrip: a sealed cookie does not open"))?;
    ensure(
        opened.plaintext == plaintext
            && opened.issued_at == now
            && opened.key_id == 1
            && !opened.reseal_advised
            && opened.compressed == packed.is_some(),
        "roundtrip: open(seal(x)) != x",
    )?;
    let mut buf = vec![0u8; codec.open_len(text.len())];
    let by_buf = codec.open(&text, context, now, &mut buf);
    ensure(
        by_buf.map(|o| o.plaintext == plaintext) == Ok(true),
        "roundtrip: buffer open differs",
    )?;
    if packed.is_none() {
        let mut out = vec![0u8; Codec::seal_len(plaintext.len())];
        let by_buf = codec.seal(plaintext, context, now, &mut FixedNonce(nonce), &mut out);
        ensure(by_buf == Ok(&text), "roundtrip: buffer seal differs")?;
    }
    let mut other = context.to_vec();
    other.push(0);
    ensure(
        kind(&codec.open_to_vec(&text, &other, now)) == Some(ErrorKind::Unauthentic),
        "roundtrip: another context opens",
    )?;
    roundtrip_legacy(plaintext, options, nonce)
}

/// The legacy half of [`roundtrip`].
#[cfg(feature = "alloc")]
fn roundtrip_legacy(plaintext: &[u8], options: Options, nonce: [u8; 16]) -> Result<(), Violation> {
    #[cfg(feature = "legacy")]
    {
        let codec = crate::legacy::LegacyCodec::new(&Key::from_bytes(KEY_2), options);
        match codec.seal_to_string(plaintext, &mut FixedNonce(nonce)) {
            Ok(text) => {
                ensure(
                    text.len() <= options.max_text_len(),
                    "roundtrip: legacy text too long",
                )?;
                ensure(
                    codec.open_to_vec(&text).as_deref() == Ok(plaintext),
                    "roundtrip: legacy open(seal(x)) != x",
                )
            }
            Err(e) => ensure(
                e.kind() == ErrorKind::TooLarge,
                "roundtrip: legacy seal failed otherwise than TooLarge",
            ),
        }
    }
    #[cfg(not(feature = "legacy"))]
    {
        let _ = (plaintext, options, nonce);
        Ok(())
    }
}

/// Inflates arbitrary bytes through the bounded inflater.
///
/// Layout: flags byte (bit 0: zlib, else raw DEFLATE), limit (u16), then the
/// stream.
///
/// Invariants: output never exceeds the limit, and the growing vector stays
/// within twice the limit (plus 64 bytes); `inflate_to_vec` and
/// `inflate_into` agree (given the same byte of headroom; with a buffer of
/// exactly the limit, a stream running past it may be `TooLarge` before it
/// is found `Malformed`); a buffer shorter than the limit gives the same
/// bytes or `BufferTooSmall`; what inflates, `miniz_oxide`'s own
/// `decompress_to_vec*_with_limit` inflates to the same bytes.
///
/// # Errors
/// The invariant that failed.
#[cfg(feature = "alloc")]
pub fn inflate(data: &[u8]) -> Result<(), Violation> {
    let mut input = Input(data);
    let zlib = input.byte() & 1 != 0;
    let limit = usize::from(input.u16());
    let stream = input.rest();

    let by_vec = inflate_to_vec(stream, limit, zlib);
    if let Ok(out) = &by_vec {
        ensure(out.len() <= limit, "inflate: output over the limit")?;
        ensure(
            out.capacity() <= 2 * (limit + 1) + 64,
            "inflate: vector grew past twice the limit",
        )?;
    }
    ensure(
        kind(&by_vec) != Some(ErrorKind::BufferTooSmall),
        "inflate: inflate_to_vec says BufferTooSmall",
    )?;

    // With a byte of headroom past the limit, as `inflate_to_vec` has: the same.
    let mut roomy = vec![0u8; limit + 1];
    let into_roomy = inflate_into(stream, &mut roomy, limit, zlib).map(|n| roomy[..n].to_vec());
    ensure(
        into_roomy == by_vec,
        "inflate: inflate_into and inflate_to_vec disagree",
    )?;

    // Exactly the limit: the same, except that a stream which goes on past
    // the limit is too large before it can be found malformed.
    let mut exact = vec![0u8; limit];
    let into_exact = inflate_into(stream, &mut exact, limit, zlib);
    let agrees = match (&by_vec, into_exact) {
        (Ok(out), Ok(n)) => exact[..n] == out[..],
        (Err(a), Err(b)) => a == &b || b.kind() == ErrorKind::TooLarge,
        _ => false,
    };
    ensure(
        agrees,
        "inflate: a buffer of exactly the limit changes the result",
    )?;

    // Shorter than the limit: the same bytes, or too small.
    let short_len = limit / 2;
    if short_len < limit {
        let mut short = vec![0u8; short_len];
        let into_short = inflate_into(stream, &mut short, limit, zlib);
        let agrees = match (&by_vec, into_short) {
            (Ok(out), Ok(n)) => out.len() <= short_len && short[..n] == out[..],
            (Ok(out), Err(e)) => out.len() > short_len && e.kind() == ErrorKind::BufferTooSmall,
            (Err(_), Ok(_)) => false,
            (Err(a), Err(b)) => a == &b || b.kind() == ErrorKind::BufferTooSmall,
        };
        ensure(agrees, "inflate: a short buffer changes the result")?;
    }

    if let Ok(out) = by_vec {
        let oracle = if zlib {
            miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(stream, limit)
        } else {
            miniz_oxide::inflate::decompress_to_vec_with_limit(stream, limit)
        };
        ensure(
            oracle.ok() == Some(out),
            "inflate: miniz_oxide inflates otherwise",
        )?;
    }
    Ok(())
}

/// Our EAX against the `eax` crate.
///
/// Layout: key (32 bytes), nonce (16 bytes), AAD length (byte) and AAD, a
/// tamper position (u16), then the message.
///
/// Invariants: same ciphertext and tag; both open their own output; after one
/// bit of the nonce, AAD, ciphertext or tag is flipped, both refuse, and ours
/// leaves the buffer unchanged.
///
/// # Errors
/// The invariant that failed.
#[cfg(feature = "alloc")]
pub fn eax_differential(data: &[u8]) -> Result<(), Violation> {
    use eax::aead::{AeadInOut, KeyInit};
    type Oracle = eax::Eax<aes::Aes256>;

    let mut input = Input(data);
    let key = input.array::<32>();
    let nonce = input.array::<16>();
    let aad_len = usize::from(input.byte());
    let aad = input.bytes(aad_len).to_vec();
    let tamper = usize::from(input.u16());
    let msg = input.rest();

    let mut ours = msg.to_vec();
    let tag = eax_encrypt(&key, &nonce, &aad, &mut ours);
    let oracle = Oracle::new(&key.into());
    let mut theirs = msg.to_vec();
    let their_tag = oracle
        .encrypt_inout_detached(&nonce.into(), &aad, theirs.as_mut_slice().into())
        .map_err(|_| Violation("eax_differential: the eax crate refuses to encrypt"))?;
    ensure(
        ours == theirs && tag[..] == their_tag[..],
        "eax_differential: ciphertext or tag differs",
    )?;

    let mut opened = ours.clone();
    ensure(
        eax_decrypt(&key, &nonce, &aad, &mut opened, &tag) == Ok(()) && opened == msg,
        "eax_differential: ours does not open its own output",
    )?;
    let mut opened = theirs.clone();
    ensure(
        oracle
            .decrypt_inout_detached(
                &nonce.into(),
                &aad,
                opened.as_mut_slice().into(),
                &their_tag,
            )
            .is_ok()
            && opened == msg,
        "eax_differential: the eax crate does not open its output",
    )?;

    // Flip one bit of nonce || aad || ciphertext || tag.
    let (mut nonce, mut aad, mut ct, mut tag) = (nonce, aad, ours, tag);
    let bits = 8 * (nonce.len() + aad.len() + ct.len() + tag.len());
    let mut bit = tamper % bits;
    for part in [&mut nonce[..], &mut aad[..], &mut ct[..], &mut tag[..]] {
        if bit < 8 * part.len() {
            part[bit / 8] ^= 1 << (bit % 8);
            break;
        }
        bit -= 8 * part.len();
    }
    let mut ours = ct.clone();
    ensure(
        eax_decrypt(&key, &nonce, &aad, &mut ours, &tag) == Err(()) && ours == ct,
        "eax_differential: ours opens a tampered message or changes the buffer",
    )?;
    let mut theirs = ct.clone();
    ensure(
        oracle
            .decrypt_inout_detached(
                &nonce.into(),
                &aad,
                theirs.as_mut_slice().into(),
                &tag.into(),
            )
            .is_err(),
        "eax_differential: the eax crate opens a tampered message",
    )
}

/// What [`authentic_garbage`] sealed, for the `sealed-session` layer to
/// open again.
#[cfg(feature = "alloc")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Garbage<'a> {
    /// The arbitrary body.
    pub body: &'a [u8],
    /// Whether the v1 header says compressed.
    pub compressed: bool,
    /// The legacy flag: `"z"` or `"u"`.
    pub legacy_flag: &'static str,
    /// The plaintext bound of the opener.
    pub max_plaintext_len: usize,
}

#[cfg(feature = "alloc")]
impl<'a> Garbage<'a> {
    /// Reads the parameters of [`authentic_garbage`] from its input.
    ///
    /// Layout: flags byte (bit 0: v1 compressed flag; bit 1: legacy flag
    /// `z`), `max_plaintext_len` (u16, 0 meaning the default 64 KiB), then
    /// the body.
    #[must_use]
    pub fn read(data: &'a [u8]) -> Self {
        let mut input = Input(data);
        let flags = input.byte();
        let limit = usize::from(input.u16());
        Self {
            compressed: flags & 1 != 0,
            legacy_flag: if flags & 2 != 0 { "z" } else { "u" },
            max_plaintext_len: if limit == 0 {
                Options::new().max_plaintext_len()
            } else {
                limit
            },
            body: input.rest(),
        }
    }
}

/// Arbitrary bytes sealed with a valid key, with and without the compressed
/// flag, in envelope v1 and in the legacy format, then opened by the core.
/// (The `authentic_garbage` fuzz target opens them through `sealed-session`
/// too.)
///
/// Layout: see [`Garbage::read`].
///
/// Invariants: an uncompressed body opens to itself or, over the bound, is
/// `TooLarge`; a compressed one opens within the bound or is `Malformed` or
/// `TooLarge`; both open APIs agree; the same holds for legacy `u` and `z`.
///
/// # Errors
/// The invariant that failed.
#[cfg(feature = "alloc")]
pub fn authentic_garbage(data: &[u8]) -> Result<(), Violation> {
    let garbage = Garbage::read(data);
    let limit = garbage.max_plaintext_len;
    let sealer = Codec::new(keyring(), Options::new().with_max_text_len(usize::MAX));
    let text = seal_raw_with_flags(
        &sealer,
        garbage.body,
        garbage.compressed,
        b"session",
        NOW,
        &mut FixedNonce([3; 16]),
    )
    .map_err(|_| Violation("authentic_garbage: raw seal failed"))?;
    let opener = Codec::new(
        keyring(),
        Options::new()
            .with_max_plaintext_len(limit)
            .with_max_text_len(usize::MAX),
    );
    let by_vec = opener.open_to_vec(&text, b"session", NOW);
    let mut buf = vec![0u8; opener.open_len(text.len())];
    let by_buf = opener
        .open(&text, b"session", NOW, &mut buf)
        .map(|o| o.map(<[u8]>::to_vec));
    ensure(by_vec == by_buf, "authentic_garbage: open APIs disagree")?;
    let plain = by_vec.map(|o| o.plaintext);
    check_garbage(garbage.compressed, garbage.body, limit, &plain)?;

    #[cfg(feature = "legacy")]
    {
        let key = Key::from_bytes(KEY_1);
        let text = legacy_seal_raw(
            &key,
            garbage.legacy_flag,
            garbage.body,
            &mut FixedNonce([4; 16]),
        );
        let codec = crate::legacy::LegacyCodec::new(
            &key,
            Options::new()
                .with_max_plaintext_len(limit)
                .with_max_text_len(usize::MAX),
        );
        let plain = codec.open_to_vec(&text);
        check_garbage(garbage.legacy_flag == "z", garbage.body, limit, &plain)?;
    }
    Ok(())
}

#[cfg(feature = "alloc")]
fn check_garbage(
    compressed: bool,
    body: &[u8],
    limit: usize,
    opened: &Result<Vec<u8>, Error>,
) -> Result<(), Violation> {
    let holds = match (compressed, opened) {
        (false, Ok(plain)) => plain == body && body.len() <= limit,
        (false, Err(e)) => e.kind() == ErrorKind::TooLarge && body.len() > limit,
        (true, Ok(plain)) => plain.len() <= limit,
        (true, Err(e)) => matches!(e.kind(), ErrorKind::Malformed | ErrorKind::TooLarge),
    };
    ensure(holds, "authentic_garbage: not a clean result")
}

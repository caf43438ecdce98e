//! `sealed-session-core` as a `wasm32-unknown-unknown` module, for the Node
//! tests in `tests/node/`. A test harness, not a binding to ship: it keeps
//! key bytes in a shared buffer and does no zeroizing.
//!
//! # The module's interface
//!
//! Plain C-ABI exports, no imports, no JavaScript glue. Data goes through one
//! exchange buffer of [`BUFFER_LEN`] bytes at `sealed_session_buffer_ptr()` in
//! the module's exported `memory`: the caller writes a request there, calls
//! an operation, and reads the answer from the start of the same buffer.
//!
//! | export | arguments | returns |
//! | --- | --- | --- |
//! | `sealed_session_buffer_ptr` | | address of the buffer |
//! | `sealed_session_buffer_len` | | [`BUFFER_LEN`] |
//! | `sealed_session_seal` | `key_count, context_len, plaintext_len, now: i64` | cookie length, or `-code` |
//! | `sealed_session_open` | `key_count, context_len, text_len, now: i64` | plaintext length, or `-code` |
//! | `sealed_session_error_text` | `code` | length of [`ErrorKind::as_str`], 0 for an unknown code |
//!
//! Requests start with a keyring of `key_count` entries of [`RING_ENTRY_LEN`]
//! bytes (key id, then the 32 key bytes; the first entry is the primary key):
//! - seal: ring, nonce (16 bytes), context, plaintext. The answer is the
//!   cookie text.
//! - open: ring, context, cookie text. The answer is [`OPENED_HEADER_LEN`]
//!   bytes (key id, flags: bit 0 compressed and bit 1 reseal advised, issue
//!   time as u64 big-endian), then the plaintext.
//!
//! Error codes are [`error_code`]: one positive number per [`ErrorKind`], so
//! "not authentic" (4) is told apart from every other failure. A request that
//! does not fit the buffer is [`ErrorKind::BufferTooSmall`], a ring with no
//! key [`ErrorKind::InvalidKey`], one with too many keys
//! [`ErrorKind::KeyringFull`], one with a repeated id
//! [`ErrorKind::DuplicateKeyId`], cookie text that is not UTF-8
//! [`ErrorKind::Malformed`].
//!
//! # Why this crate is not `forbid(unsafe_code)`
//!
//! A wasm export needs a symbol name, and the only ways to give one,
//! `#[unsafe(no_mangle)]` and `#[unsafe(export_name)]`, are unsafe code
//! under the `unsafe_code` lint, which `forbid` does not let any item
//! re-allow. So this crate alone uses `deny(unsafe_code)` and allows it on
//! the five export shims, each a one-line call into safe code. Their names
//! carry a `sealed_session_` prefix so they cannot clash with a C symbol
//! such as `open` on a native build. The unit test
//! `unsafe_code_is_only_the_export_attributes` fails if anything else
//! unsafe appears.
#![cfg_attr(target_arch = "wasm32", no_std)]
#![deny(unsafe_code)]

use core::sync::atomic::{AtomicU8, Ordering};

use sealed_session_core::{
    Codec, Error, ErrorKind, FixedNonce, KEY_LEN, Key, Keyring, NONCE_LEN, Opened, Options,
};

/// Size of the exchange buffer, in bytes.
pub const BUFFER_LEN: usize = 16 * 1024;

/// Bytes of one keyring entry in a request: the key id, then the key.
pub const RING_ENTRY_LEN: usize = 1 + KEY_LEN;

/// Bytes written before an opened plaintext: key id, flags, issue time.
pub const OPENED_HEADER_LEN: usize = 10;

/// The largest plaintext the harness seals or opens: what fits in the buffer
/// after the opened header.
pub const MAX_PLAINTEXT_LEN: usize = BUFFER_LEN - OPENED_HEADER_LEN;

/// Every [`ErrorKind`], in error-code order: the kind at index `i` has code
/// `i + 1`.
pub const ERROR_KINDS: [ErrorKind; 12] = [
    ErrorKind::Malformed,
    ErrorKind::UnknownVersion,
    ErrorKind::UnknownKeyId,
    ErrorKind::Unauthentic,
    ErrorKind::Expired,
    ErrorKind::IssuedInFuture,
    ErrorKind::TooLarge,
    ErrorKind::BufferTooSmall,
    ErrorKind::ContextTooLong,
    ErrorKind::InvalidKey,
    ErrorKind::KeyringFull,
    ErrorKind::DuplicateKeyId,
];

/// Code for an [`ErrorKind`] this harness does not know yet (the enum is
/// `#[non_exhaustive]`).
pub const UNKNOWN_ERROR_CODE: i32 = 99;

/// The options of every codec the harness builds, here and in the native
/// tool: the defaults, with plaintexts bounded by [`MAX_PLAINTEXT_LEN`].
#[must_use]
pub const fn options() -> Options {
    Options::new().with_max_plaintext_len(MAX_PLAINTEXT_LEN)
}

/// The positive error code of `kind`: its position in [`ERROR_KINDS`] plus
/// one, or [`UNKNOWN_ERROR_CODE`].
#[must_use]
pub fn error_code(kind: ErrorKind) -> i32 {
    (1..)
        .zip(ERROR_KINDS)
        .find_map(|(code, known)| (known == kind).then_some(code))
        .unwrap_or(UNKNOWN_ERROR_CODE)
}

/// The [`ErrorKind`] with this code, if any.
#[must_use]
pub fn error_kind(code: i32) -> Option<ErrorKind> {
    let index = usize::try_from(code.checked_sub(1)?).ok()?;
    ERROR_KINDS.get(index).copied()
}

/// Seals the request in `request` (ring, nonce, context, plaintext) into
/// `out` and returns the cookie text.
///
/// # Errors
/// [`ErrorKind::BufferTooSmall`] when the lengths run past `request`, the
/// ring's errors (see the crate docs), and those of [`Codec::seal`].
pub fn seal_request<'o>(
    request: &[u8],
    key_count: usize,
    context_len: usize,
    plaintext_len: usize,
    now: u64,
    out: &'o mut [u8],
) -> Result<&'o str, Error> {
    let mut reader = Reader(request);
    let ring = keyring(reader.take(ring_len(key_count)?)?)?;
    let mut nonce = FixedNonce([0; NONCE_LEN]);
    nonce.0.copy_from_slice(reader.take(NONCE_LEN)?);
    let context = reader.take(context_len)?;
    let plaintext = reader.take(plaintext_len)?;
    Codec::new(ring, options()).seal(plaintext, context, now, &mut nonce, out)
}

/// Opens the request in `request` (ring, context, cookie text) into `buf`
/// and returns the plaintext with what the header said.
///
/// # Errors
/// [`ErrorKind::BufferTooSmall`] when the lengths run past `request`, the
/// ring's errors (see the crate docs), [`ErrorKind::Malformed`] for text that
/// is not UTF-8, and those of [`Codec::open`].
pub fn open_request<'b>(
    request: &[u8],
    key_count: usize,
    context_len: usize,
    text_len: usize,
    now: u64,
    buf: &'b mut [u8],
) -> Result<Opened<&'b [u8]>, Error> {
    let mut reader = Reader(request);
    let ring = keyring(reader.take(ring_len(key_count)?)?)?;
    let context = reader.take(context_len)?;
    let text = core::str::from_utf8(reader.take(text_len)?)
        .map_err(|_| Error::new(ErrorKind::Malformed))?;
    Codec::new(ring, options()).open(text, context, now, buf)
}

/// The exchange buffer. Atomics give it interior mutability, so the host
/// may write it between calls without any unsafe code here; the module is
/// single-threaded, so every access is a plain load or store.
static BUFFER: [AtomicU8; BUFFER_LEN] = [const { AtomicU8::new(0) }; BUFFER_LEN];

/// Address of the exchange buffer in the module's memory.
#[must_use]
pub fn buffer_ptr() -> usize {
    BUFFER.as_ptr().addr()
}

/// Seals the request in the exchange buffer and writes the cookie text at
/// its start. Returns the text length, or minus the error code.
#[must_use]
pub fn seal_in_buffer(key_count: usize, context_len: usize, plaintext_len: usize, now: u64) -> i32 {
    let mut request = [0u8; BUFFER_LEN];
    read_buffer(&mut request);
    let mut out = [0u8; BUFFER_LEN];
    let result = seal_request(
        &request,
        key_count,
        context_len,
        plaintext_len,
        now,
        &mut out,
    );
    match result {
        Ok(text) => answer(&[text.as_bytes()]),
        Err(error) => -error_code(error.kind()),
    }
}

/// Opens the request in the exchange buffer and writes the opened header and
/// plaintext at its start. Returns the plaintext length, or minus the error
/// code.
#[must_use]
pub fn open_in_buffer(key_count: usize, context_len: usize, text_len: usize, now: u64) -> i32 {
    let mut request = [0u8; BUFFER_LEN];
    read_buffer(&mut request);
    let mut buf = [0u8; 2 * BUFFER_LEN];
    match open_request(&request, key_count, context_len, text_len, now, &mut buf) {
        Ok(opened) => {
            let flags = u8::from(opened.compressed) | (u8::from(opened.reseal_advised) << 1);
            let issued_at = opened.issued_at.to_be_bytes();
            let len = answer(&[&[opened.key_id, flags], &issued_at, opened.plaintext]);
            if len < 0 {
                len
            } else {
                len - OPENED_HEADER_LEN as i32
            }
        }
        Err(error) => -error_code(error.kind()),
    }
}

/// Writes the text of the error with this code at the start of the exchange
/// buffer and returns its length; 0 for an unknown code.
#[must_use]
pub fn error_text_in_buffer(code: i32) -> i32 {
    match error_kind(code) {
        Some(kind) => answer(&[kind.as_str().as_bytes()]),
        None => 0,
    }
}

/// The C-ABI exports of the wasm module: one-line shims over the safe
/// functions above. The only unsafe code in the crate; see the crate docs.
pub mod exports {
    /// [`buffer_ptr`](crate::buffer_ptr).
    #[allow(unsafe_code)] // A wasm export needs `no_mangle`: see the crate docs.
    #[unsafe(no_mangle)]
    pub extern "C" fn sealed_session_buffer_ptr() -> usize {
        crate::buffer_ptr()
    }

    /// [`BUFFER_LEN`](crate::BUFFER_LEN).
    #[allow(unsafe_code)] // A wasm export needs `no_mangle`: see the crate docs.
    #[unsafe(no_mangle)]
    pub extern "C" fn sealed_session_buffer_len() -> usize {
        crate::BUFFER_LEN
    }

    /// [`seal_in_buffer`](crate::seal_in_buffer).
    #[allow(unsafe_code)] // A wasm export needs `no_mangle`: see the crate docs.
    #[unsafe(no_mangle)]
    pub extern "C" fn sealed_session_seal(
        key_count: usize,
        context_len: usize,
        plaintext_len: usize,
        now: u64,
    ) -> i32 {
        crate::seal_in_buffer(key_count, context_len, plaintext_len, now)
    }

    /// [`open_in_buffer`](crate::open_in_buffer).
    #[allow(unsafe_code)] // A wasm export needs `no_mangle`: see the crate docs.
    #[unsafe(no_mangle)]
    pub extern "C" fn sealed_session_open(
        key_count: usize,
        context_len: usize,
        text_len: usize,
        now: u64,
    ) -> i32 {
        crate::open_in_buffer(key_count, context_len, text_len, now)
    }

    /// [`error_text_in_buffer`](crate::error_text_in_buffer).
    #[allow(unsafe_code)] // A wasm export needs `no_mangle`: see the crate docs.
    #[unsafe(no_mangle)]
    pub extern "C" fn sealed_session_error_text(code: i32) -> i32 {
        crate::error_text_in_buffer(code)
    }
}

/// A wasm module without std needs a panic handler; nothing here is
/// expected to panic, and a trap is the most a harness can report.
#[cfg(all(target_arch = "wasm32", not(test)))]
#[panic_handler]
fn on_panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

/// Reads requests field by field.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    /// The next `len` bytes.
    fn take(&mut self, len: usize) -> Result<&'a [u8], Error> {
        if len > self.0.len() {
            return Err(Error::new(ErrorKind::BufferTooSmall));
        }
        let (field, rest) = self.0.split_at(len);
        self.0 = rest;
        Ok(field)
    }
}

/// Bytes of a ring of `key_count` entries.
fn ring_len(key_count: usize) -> Result<usize, Error> {
    key_count
        .checked_mul(RING_ENTRY_LEN)
        .ok_or(Error::new(ErrorKind::BufferTooSmall))
}

/// The keyring of a request's ring entries; the first is the primary.
fn keyring(entries: &[u8]) -> Result<Keyring, Error> {
    let mut entries = entries.chunks_exact(RING_ENTRY_LEN);
    let (primary_id, primary) = entries
        .next()
        .ok_or(Error::new(ErrorKind::InvalidKey))
        .and_then(entry)?;
    let mut ring = Keyring::new(primary_id, &primary);
    for bytes in entries {
        let (id, key) = entry(bytes)?;
        ring.add(id, &key)?;
    }
    Ok(ring)
}

/// One ring entry: key id and key.
fn entry(bytes: &[u8]) -> Result<(u8, Key), Error> {
    let (id, key) = bytes
        .split_first()
        .ok_or(Error::new(ErrorKind::InvalidKey))?;
    Ok((*id, Key::try_from(key)?))
}

/// Copies the exchange buffer into `request`.
fn read_buffer(request: &mut [u8; BUFFER_LEN]) {
    for (byte, cell) in request.iter_mut().zip(&BUFFER) {
        *byte = cell.load(Ordering::Relaxed);
    }
}

/// Writes `parts` one after another at the start of the exchange buffer and
/// returns their total length, or minus the code of
/// [`ErrorKind::BufferTooSmall`] when they do not fit.
fn answer(parts: &[&[u8]]) -> i32 {
    let len: usize = parts.iter().map(|part| part.len()).sum();
    if len > BUFFER_LEN {
        return -error_code(ErrorKind::BufferTooSmall);
    }
    let bytes = parts.iter().flat_map(|part| part.iter());
    for (cell, byte) in BUFFER.iter().zip(bytes) {
        cell.store(*byte, Ordering::Relaxed);
    }
    i32::try_from(len).unwrap_or(-error_code(ErrorKind::BufferTooSmall))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
        25, 26, 27, 28, 29, 30, 31,
    ];
    /// The first golden vector of tests/data/v1-vectors.json.
    const COOKIE: &str = "AQABAAAAAGVT8QAHBwcHBwcHBwcHBwcHBwcHsZQb45fVJnYJqi7WY4Y1E_b3opjp7BcOlV2t";
    const NOW: u64 = 1_700_000_000;

    fn request(ring: &[(u8, [u8; 32])], parts: &[&[u8]]) -> Vec<u8> {
        let mut bytes = Vec::new();
        for (id, key) in ring {
            bytes.push(*id);
            bytes.extend_from_slice(key);
        }
        for part in parts {
            bytes.extend_from_slice(part);
        }
        bytes
    }

    fn write_buffer(bytes: &[u8]) {
        for (cell, byte) in BUFFER.iter().zip(bytes) {
            cell.store(*byte, Ordering::Relaxed);
        }
    }

    fn buffer_prefix(len: usize) -> Vec<u8> {
        BUFFER[..len]
            .iter()
            .map(|cell| cell.load(Ordering::Relaxed))
            .collect()
    }

    #[test]
    fn error_codes_are_one_to_one_with_error_kinds() {
        for (index, kind) in ERROR_KINDS.iter().enumerate() {
            let code = error_code(*kind);
            assert_eq!(code, i32::try_from(index).unwrap() + 1);
            assert_eq!(error_kind(code), Some(*kind));
        }
        assert_eq!(error_code(ErrorKind::Unauthentic), 4);
        assert_eq!(error_kind(0), None);
        assert_eq!(error_kind(13), None);
        assert_eq!(error_kind(-4), None);
        assert_eq!(error_kind(UNKNOWN_ERROR_CODE), None);
    }

    #[test]
    fn seal_request_reproduces_the_first_golden_vector() {
        let request = request(&[(1, KEY)], &[&[7; 16], b"session", br#"{"user":42}"#]);
        let mut out = [0u8; 256];
        let cookie = seal_request(&request, 1, 7, 11, NOW, &mut out).unwrap();
        assert_eq!(cookie, COOKIE);
    }

    #[test]
    fn open_request_reads_the_ring_context_and_text() {
        let older = [0x20; 32];
        let request = request(&[(2, older), (1, KEY)], &[b"session", COOKIE.as_bytes()]);
        let mut buf = [0u8; 256];
        let opened = open_request(&request, 2, 7, COOKIE.len(), NOW, &mut buf).unwrap();
        assert_eq!(opened.plaintext, br#"{"user":42}"#);
        assert_eq!((opened.key_id, opened.issued_at), (1, NOW));
        assert!(opened.reseal_advised);
        assert!(!opened.compressed);
    }

    #[test]
    fn bad_requests_are_typed_errors() {
        let mut buf = [0u8; 256];
        let kind = |result: Result<Opened<&[u8]>, Error>| result.unwrap_err().kind();
        let good = request(&[(1, KEY)], &[b"session", COOKIE.as_bytes()]);
        let len = COOKIE.len();
        // Lengths past the end of the request.
        assert_eq!(
            kind(open_request(&good, 1, 7, len + 1, NOW, &mut buf)),
            ErrorKind::BufferTooSmall
        );
        assert_eq!(
            kind(open_request(&good, usize::MAX, 7, len, NOW, &mut buf)),
            ErrorKind::BufferTooSmall
        );
        // No key, a repeated id, more keys than a ring holds.
        assert_eq!(
            kind(open_request(&good, 0, 7, len, NOW, &mut buf)),
            ErrorKind::InvalidKey
        );
        let twice = request(&[(1, KEY), (1, KEY)], &[b"session", COOKIE.as_bytes()]);
        assert_eq!(
            kind(open_request(&twice, 2, 7, len, NOW, &mut buf)),
            ErrorKind::DuplicateKeyId
        );
        let five: Vec<(u8, [u8; 32])> = (1..=5).map(|id| (id, KEY)).collect();
        let crowded = request(&five, &[b"session", COOKIE.as_bytes()]);
        assert_eq!(
            kind(open_request(&crowded, 5, 7, len, NOW, &mut buf)),
            ErrorKind::KeyringFull
        );
        // Cookie text that is not UTF-8.
        let binary = request(&[(1, KEY)], &[b"session", &[0xff; 4]]);
        assert_eq!(
            kind(open_request(&binary, 1, 7, 4, NOW, &mut buf)),
            ErrorKind::Malformed
        );
        // Another context: not authentic.
        let other = request(&[(1, KEY)], &[b"other", COOKIE.as_bytes()]);
        assert_eq!(
            kind(open_request(&other, 1, 5, len, NOW, &mut buf)),
            ErrorKind::Unauthentic
        );
    }

    /// The only test that touches the shared buffer, so tests running in
    /// parallel cannot interfere.
    #[test]
    fn the_exports_round_trip_through_the_buffer() {
        assert_eq!(exports::sealed_session_buffer_len(), BUFFER_LEN);
        assert_eq!(exports::sealed_session_buffer_ptr(), buffer_ptr());

        write_buffer(&request(
            &[(1, KEY)],
            &[&[7; 16], b"session", br#"{"user":42}"#],
        ));
        let len = exports::sealed_session_seal(1, 7, 11, NOW);
        assert_eq!(len, 72);
        assert_eq!(buffer_prefix(72), COOKIE.as_bytes());

        write_buffer(&request(&[(1, KEY)], &[b"session", COOKIE.as_bytes()]));
        assert_eq!(exports::sealed_session_open(1, 7, 72, NOW), 11);
        let mut expected = vec![1, 0];
        expected.extend_from_slice(&NOW.to_be_bytes());
        expected.extend_from_slice(br#"{"user":42}"#);
        assert_eq!(buffer_prefix(21), expected);

        let mut tampered = COOKIE.as_bytes().to_vec();
        tampered[40] = if tampered[40] == b'A' { b'B' } else { b'A' };
        write_buffer(&request(&[(1, KEY)], &[b"session", &tampered]));
        assert_eq!(exports::sealed_session_open(1, 7, 72, NOW), -4);

        assert_eq!(exports::sealed_session_error_text(4), 13);
        assert_eq!(buffer_prefix(13), b"not authentic");
        assert_eq!(exports::sealed_session_error_text(0), 0);
    }

    #[test]
    fn unsafe_code_is_only_the_export_attributes() {
        let source = include_str!("lib.rs");
        let code = source.split("#[cfg(test)]\nmod tests").next().unwrap();
        let word = ["un", "safe"].concat();
        let deny = format!("#![deny({word}_code)]");
        let allow = format!("#[allow({word}_code)] //");
        let attribute = format!("#[{word}(no_mangle)]");
        let lines: Vec<&str> = code.lines().map(str::trim).collect();
        let mut exports = 0;
        for (index, line) in lines.iter().enumerate() {
            if !line.contains(word.as_str()) || line.starts_with("//") {
                continue;
            }
            if *line == deny {
                assert_eq!(index, lines.iter().position(|l| *l == deny).unwrap());
            } else if line.starts_with(&allow) {
                assert_eq!(lines[index + 1], attribute, "line {}", index + 1);
            } else if *line == attribute {
                assert!(lines[index - 1].starts_with(&allow), "line {}", index + 1);
                assert!(
                    lines[index + 1].starts_with("pub extern \"C\" fn sealed_session_"),
                    "line {}",
                    index + 1
                );
                exports += 1;
            } else {
                panic!("{word} code outside the export shims, line {}", index + 1);
            }
        }
        assert_eq!(exports, 5);
    }
}

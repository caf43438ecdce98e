//! The round trip, the same on a microcontroller and on the host: seal and
//! open with fixed buffers on the stack, reject a tampered cookie, and open a
//! compressed golden cookie. No allocator anywhere.

use core::fmt::{self, Write};

use sealed_session_core::{Codec, Error, ErrorKind, FixedNonce, Key, Keyring, OVERHEAD, Options};

/// The example's key. On a device, provision a real one (for example from
/// protected flash) and keep it out of the firmware image.
const KEY: [u8; 32] = [
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
];
/// The cookie's name, bound to it as context.
const CONTEXT: &[u8] = b"session";
/// The time, in Unix seconds: from an RTC on a device.
const NOW: u64 = 1_700_000_000;
/// A fixed nonce keeps the printed transcript reproducible. On a device,
/// pass a hardware RNG that implements `rand_core::CryptoRng` instead: a
/// nonce must never repeat under one key.
const NONCE: [u8; 16] = [0x24; 16];
/// What the example seals.
const PLAINTEXT: &[u8] = br#"{"user":42,"device":"thumbv7em"}"#;

/// The cookie text: exactly [`Codec::seal_len`] bytes.
pub(crate) const TEXT_LEN: usize = Codec::seal_len(PLAINTEXT.len());
/// Opening an uncompressed cookie needs room for its decoded envelope only.
pub(crate) const OPEN_LEN: usize = OVERHEAD + PLAINTEXT.len();

/// Golden vector `compressed-with-context` of `tests/data/v1-vectors.json`:
/// sealed by the allocating API, which compressed it; the no-alloc `open`
/// inflates it into the spare part of its buffer.
pub(crate) const GOLDEN_COOKIE: &str = "AQEBAAAAAGVT8QAFBQUFBQUFBQUFBQUFBQUFDzwBtcQNa5JVhpBRCOo4ROoNZprqzOcZhuhEdhrcoJHPQDX5h1dOw5_7nZFd_UJxVlfvjBEkIDR36kuR9TTA-vK1EophsaJP3iFc0PWqJ1taKycZaMwM5uTt0qcAqNNn-FQ2swumneh5tkKkWwyMlbSnobMhbGk0GcEVRGa8e1XOvitDiAR8-9bsqDnXa2sx5B9TFm3bhVHOrQnQfzWtgYXwbgRT7x02Zy-01HGgi7zBCVJiAJuaEKUdy267jnmWXfnL_SFrsNkKUYaXTQPWL6-qIk3U-I7m5GEGfVfUmy_WxJP1BXJMU1nL7PKpKp4";
/// Its plaintext's length.
pub(crate) const GOLDEN_PLAINTEXT_LEN: usize = 2031;
/// Room for the decoded envelope plus the inflated plaintext.
pub(crate) const GOLDEN_OPEN_LEN: usize = GOLDEN_COOKIE.len() * 3 / 4 + GOLDEN_PLAINTEXT_LEN;
/// The largest plaintext `open` accepts: a decompression bound sized for
/// this device's buffers, not the 64 KiB default.
const MAX_PLAINTEXT_LEN: usize = 2048;

/// All the example's buffers together, in bytes.
pub(crate) const BUFFERS_LEN: usize = TEXT_LEN + OPEN_LEN + GOLDEN_OPEN_LEN;

/// Why the example stopped.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The codec refused something it should accept.
    Codec(Error),
    /// The codec accepted or returned something it should not have.
    Unexpected(&'static str),
    /// Writing the transcript failed.
    Output,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Self::Codec(error)
    }
}

impl From<fmt::Error> for Failure {
    fn from(_: fmt::Error) -> Self {
        Self::Output
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Codec(error) => write!(f, "codec error: {error}"),
            Self::Unexpected(what) => write!(f, "unexpected: {what}"),
            Self::Output => f.write_str("cannot write the transcript"),
        }
    }
}

/// Runs the round trip and writes its transcript to `out`.
pub(crate) fn run(out: &mut impl Write) -> Result<(), Failure> {
    let options = Options::new().with_max_plaintext_len(MAX_PLAINTEXT_LEN);
    let codec = Codec::new(Keyring::new(1, &Key::from_bytes(KEY)), options);

    let mut text_buf = [0u8; TEXT_LEN];
    let cookie = codec.seal(
        PLAINTEXT,
        CONTEXT,
        NOW,
        &mut FixedNonce(NONCE),
        &mut text_buf,
    )?;
    writeln!(out, "sealed {} bytes: {cookie}", PLAINTEXT.len())?;

    let mut open_buf = [0u8; OPEN_LEN];
    let opened = codec.open(cookie, CONTEXT, NOW + 60, &mut open_buf)?;
    if opened.plaintext != PLAINTEXT {
        return Err(Failure::Unexpected("another plaintext"));
    }
    let plaintext = core::str::from_utf8(opened.plaintext).map_err(|_| Failure::Output)?;
    writeln!(
        out,
        "opened: {plaintext} (key {}, issued at {})",
        opened.key_id, opened.issued_at
    )?;

    // Change one character of the ciphertext, in place.
    let at = 40;
    text_buf[at] = if text_buf[at] == b'A' { b'B' } else { b'A' };
    let tampered = core::str::from_utf8(&text_buf).map_err(|_| Failure::Output)?;
    match codec.open(tampered, CONTEXT, NOW, &mut open_buf) {
        Err(error) if error.kind() == ErrorKind::Unauthentic => {
            writeln!(out, "tampered: {error}")?;
        }
        Err(error) => return Err(Failure::Codec(error)),
        Ok(_) => return Err(Failure::Unexpected("a tampered cookie opened")),
    }

    let mut golden_buf = [0u8; GOLDEN_OPEN_LEN];
    let golden = codec.open(GOLDEN_COOKIE, CONTEXT, NOW, &mut golden_buf)?;
    writeln!(
        out,
        "golden compressed-with-context: {} bytes, compressed {}, fnv-1a {:08x}",
        golden.plaintext.len(),
        golden.compressed,
        fnv1a(golden.plaintext)
    )?;

    writeln!(out, "buffers on the stack: {BUFFERS_LEN} bytes")?;
    Ok(())
}

/// 32-bit FNV-1a: a short fingerprint of a plaintext too long to print.
pub(crate) fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5, |hash, byte| {
        (hash ^ u32::from(*byte)).wrapping_mul(0x0100_0193)
    })
}

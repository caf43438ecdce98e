//! Authentic cookies around arbitrary bytes, opened by the core: the core
//! half of `authentic_garbage` (`session.rs` has the session half).

use sealed_session_core::legacy::LegacyCodec;
use sealed_session_core::{Codec, Error, ErrorKind, FixedNonce, Key, Options};

use super::{Input, KEY_1, NOW, Violation, ensure, keyring, legacy_seal_raw, seal_raw_with_flags};

/// What [`authentic_garbage`] sealed, for the `sealed-session` layer to
/// open again.
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

    let key = Key::from_bytes(KEY_1);
    let text = legacy_seal_raw(
        &key,
        garbage.legacy_flag,
        garbage.body,
        &mut FixedNonce([4; 16]),
    );
    let codec = LegacyCodec::new(
        &key,
        Options::new()
            .with_max_plaintext_len(limit)
            .with_max_text_len(usize::MAX),
    );
    let plain = codec.open_to_vec(&text);
    check_garbage(garbage.legacy_flag == "z", garbage.body, limit, &plain)
}

/// The results an authentic cookie around `body` may have.
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

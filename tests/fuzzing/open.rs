//! Opening arbitrary text: `open_v1` and `open_legacy`.

use sealed_session_core::legacy::LegacyCodec;
use sealed_session_core::{Codec, Error, ErrorKind, FixedNonce, Header, Key, Opened, Options};

use super::{CONTEXTS, Input, KEY_1, NOW, Violation, ensure, keyring, kind};

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
        // Uncompressed, a plaintext that a compressed cookie held may not
        // fit in the text limit.
        Err(e) => ensure(
            e.kind() == ErrorKind::TooLarge && opened.compressed,
            "open_v1: reseal failed",
        ),
    }
}

/// `Header::peek` against `open` on the same text.
fn check_peek(
    codec: &Codec,
    text: &str,
    opened: &Result<Opened<Vec<u8>>, Error>,
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
pub fn open_legacy(data: &[u8]) -> Result<(), Violation> {
    let text = String::from_utf8_lossy(data);
    let codec = LegacyCodec::new(&Key::from_bytes(KEY_1), Options::new());
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
        // Uncompressed, a plaintext that a `z` cookie held may not fit in
        // the text limit.
        Err(e) => ensure(
            e.kind() == ErrorKind::TooLarge,
            "open_legacy: reseal failed",
        ),
    }
}

//! Sealing and opening again: `roundtrip`.

use sealed_session_core::__private::deflate;
use sealed_session_core::legacy::LegacyCodec;
use sealed_session_core::{Codec, Compression, ErrorKind, FixedNonce, Key, Options};

use super::{Input, KEY_2, Violation, ensure, keyring, kind};

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
            // (An empty stream is the encoder refusing an input over 2 GiB.)
            Some(deflate(plaintext, false))
                .filter(|packed| !packed.is_empty() && packed.len() < plaintext.len())
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
fn roundtrip_legacy(plaintext: &[u8], options: Options, nonce: [u8; 16]) -> Result<(), Violation> {
    let codec = LegacyCodec::new(&Key::from_bytes(KEY_2), options);
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

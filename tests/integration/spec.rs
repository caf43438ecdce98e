//! FORMAT.md and the code agree: the opening steps of §6 where the spec
//! names an error (unknown version, reserved flags, which error wins inside
//! step 8), the text limit, and the whitespace rule of §4. The cookies here
//! are a key holder's: correctly tagged, so that only the step under test
//! can reject them.

use sealed_session_core::{
    Codec, ErrorKind, FixedNonce, Header, Key, Keyring, OVERHEAD, Opened, Options, VERSION,
};
use sealed_session_tests::fuzzing::{seal_raw, seal_raw_with_flags};

const CONTEXT: &[u8] = b"session";
const NOW: u64 = 1_700_000_000;

fn codec(options: Options) -> Codec {
    Codec::new(Keyring::new(1, &Key::from_bytes([0x42; 32])), options)
}

/// Opens `text` through both open APIs, which must agree, and returns the
/// error kind or the plaintext.
fn open(codec: &Codec, text: &str) -> Result<Vec<u8>, ErrorKind> {
    let by_vec = codec.open_to_vec(text, CONTEXT, NOW);
    let mut buf = vec![0u8; codec.open_len(text.len())];
    let by_buf = codec
        .open(text, CONTEXT, NOW, &mut buf)
        .map(|opened| opened.map(<[u8]>::to_vec));
    assert_eq!(by_vec, by_buf, "open and open_to_vec disagree on {text}");
    by_vec
        .map(|opened: Opened<Vec<u8>>| opened.plaintext)
        .map_err(|e| e.kind())
}

/// §6 step 3: a version other than 0x01 is **unknown version**, even on an
/// envelope whose tag verifies (the version byte is under the tag).
#[test]
fn a_correctly_tagged_envelope_of_another_version_is_an_unknown_version() {
    let codec = codec(Options::new());
    let nonce = &mut FixedNonce([7; 16]);
    let control = seal_raw(&codec, VERSION, 0, b"{}", CONTEXT, NOW, nonce).unwrap();
    assert_eq!(open(&codec, &control), Ok(b"{}".to_vec()));
    for version in [0x00, 0x02, 0xff] {
        let text = seal_raw(&codec, version, 0, b"{}", CONTEXT, NOW, nonce).unwrap();
        assert_eq!(
            open(&codec, &text),
            Err(ErrorKind::UnknownVersion),
            "version {version:#04x}"
        );
        assert_eq!(
            Header::peek(&text).unwrap_err().kind(),
            ErrorKind::UnknownVersion,
            "version {version:#04x}"
        );
    }
    // Step 3 comes before step 4: an unknown version shorter than an
    // envelope is still an unknown version.
    assert_eq!(open(&codec, "AgAB"), Err(ErrorKind::UnknownVersion));
    assert_eq!(open(&codec, ""), Err(ErrorKind::Malformed));
}

/// §6 step 4: a reserved flag bit is **malformed**, tag or not.
#[test]
fn a_correctly_tagged_envelope_with_a_reserved_flag_bit_is_malformed() {
    let codec = codec(Options::new());
    for bit in 1..8 {
        let flags = 1u8 << bit;
        let text = seal_raw(
            &codec,
            VERSION,
            flags,
            b"{}",
            CONTEXT,
            NOW,
            &mut FixedNonce([7; 16]),
        )
        .unwrap();
        assert_eq!(
            open(&codec, &text),
            Err(ErrorKind::Malformed),
            "flags {flags:#010b}"
        );
    }
}

/// A non-final stored DEFLATE block holding `data`.
fn stored(data: &[u8]) -> Vec<u8> {
    let len = u16::try_from(data.len()).unwrap();
    let mut block = vec![0x00];
    block.extend_from_slice(&len.to_le_bytes());
    block.extend_from_slice(&(!len).to_le_bytes());
    block.extend_from_slice(data);
    block
}

/// The final, empty stored block that ends a stream.
const END: [u8; 5] = [0x01, 0x00, 0x00, 0xff, 0xff];

/// §6 step 8: inflation runs in stream order, and whichever comes first
/// decides. More than B bytes out before the stream ends or fails is **too
/// large**; a stream that fails (corrupt, truncated) or has bytes after its
/// end while at most B bytes came out is **malformed**.
#[test]
fn inside_step_8_the_first_thing_the_stream_shows_decides() {
    const B: usize = 1000;
    let codec = codec(Options::new().with_max_plaintext_len(B));
    let outcome = |stream: &[u8]| {
        let text =
            seal_raw_with_flags(&codec, stream, true, CONTEXT, NOW, &mut FixedNonce([9; 16]))
                .unwrap();
        open(&codec, &text).map(|plain| plain.len())
    };
    let data: Vec<u8> = (0..2 * B).map(|i| (i * 7 % 251) as u8).collect();

    // Whole streams: exactly B opens, B + 1 is too large.
    assert_eq!(outcome(&[stored(&data[..B]), END.to_vec()].concat()), Ok(B));
    assert_eq!(
        outcome(&[stored(&data[..=B]), END.to_vec()].concat()),
        Err(ErrorKind::TooLarge)
    );

    // One block that declares 2B bytes, cut off: after B + 1 bytes it is
    // too large; before B bytes, malformed.
    let long = stored(&data);
    assert_eq!(outcome(&long[..5 + B + 1]), Err(ErrorKind::TooLarge));
    assert_eq!(outcome(&long[..5 + B + 500]), Err(ErrorKind::TooLarge));
    assert_eq!(outcome(&long[..5 + B - 1]), Err(ErrorKind::Malformed));
    assert_eq!(outcome(&long[..5 + B]), Err(ErrorKind::Malformed));

    // Past B, then a truncated block header: too large. Short of B, then the
    // same: malformed.
    let cut_header = [0x01, 0x05];
    assert_eq!(
        outcome(&[stored(&data[..=B]), cut_header.to_vec()].concat()),
        Err(ErrorKind::TooLarge)
    );
    assert_eq!(
        outcome(&[stored(&data[..B - 1]), cut_header.to_vec()].concat()),
        Err(ErrorKind::Malformed)
    );

    // Past B, then a corrupt block (reserved type 11): too large. At B,
    // then the same: malformed.
    let corrupt = [0x07];
    assert_eq!(
        outcome(&[stored(&data[..=B]), corrupt.to_vec()].concat()),
        Err(ErrorKind::TooLarge)
    );
    assert_eq!(
        outcome(&[stored(&data[..B]), corrupt.to_vec()].concat()),
        Err(ErrorKind::Malformed)
    );

    // Trailing bytes after the end: malformed at B, too large past it.
    assert_eq!(
        outcome(&[stored(&data[..B]), END.to_vec(), vec![0]].concat()),
        Err(ErrorKind::Malformed)
    );
    assert_eq!(
        outcome(&[stored(&data[..=B]), END.to_vec(), vec![0]].concat()),
        Err(ErrorKind::TooLarge)
    );
}

/// §6 step 1: `max_text_len` counts the cookie value alone, in bytes
/// (base64url is ASCII, so bytes are characters), default 4096.
#[test]
fn the_text_limit_counts_the_value_alone_default_4096() {
    let codec = codec(Options::new());
    assert_eq!(codec.options().max_text_len(), 4096);
    // An envelope of 3072 bytes is exactly 4096 characters.
    let plaintext = vec![b'x'; 3072 - OVERHEAD];
    assert_eq!(Codec::seal_len(plaintext.len()), 4096);
    let text = codec
        .seal_to_string(&plaintext, CONTEXT, NOW, &mut FixedNonce([1; 16]))
        .unwrap();
    assert_eq!(text.len(), 4096);
    assert_eq!(open(&codec, &text), Ok(plaintext.clone()));
    // One plaintext byte more is 4098 characters: refused on both sides.
    assert_eq!(
        codec
            .seal_to_string(
                &[b'x'; 3072 - OVERHEAD + 1],
                CONTEXT,
                NOW,
                &mut FixedNonce([1; 16])
            )
            .unwrap_err()
            .kind(),
        ErrorKind::TooLarge
    );
    let longer = seal_raw_with_flags(
        &Codec::new(
            Keyring::new(1, &Key::from_bytes([0x42; 32])),
            Options::new().with_max_text_len(usize::MAX),
        ),
        &[b'x'; 3072 - OVERHEAD + 1],
        false,
        CONTEXT,
        NOW,
        &mut FixedNonce([1; 16]),
    )
    .unwrap();
    assert_eq!(longer.len(), 4098);
    assert_eq!(open(&codec, &longer), Err(ErrorKind::TooLarge));
    // Step 1 looks at the length only: 4097 characters of anything.
    assert_eq!(open(&codec, &"!".repeat(4097)), Err(ErrorKind::TooLarge));
    assert_eq!(open(&codec, &"!".repeat(4096)), Err(ErrorKind::Malformed));
}

/// §4: the value is exactly the base64url text; an opener does not trim
/// it, so whitespace anywhere in or around it is malformed.
#[test]
fn openers_do_not_trim_whitespace() {
    let codec = codec(Options::new());
    let text = codec
        .seal_to_string(b"{}", CONTEXT, NOW, &mut FixedNonce([3; 16]))
        .unwrap();
    assert_eq!(open(&codec, &text), Ok(b"{}".to_vec()));
    let (head, tail) = text.split_at(20);
    for ws in [" ", "\t", "\n", "\r\n", "\u{a0}"] {
        for variant in [
            format!("{ws}{text}"),
            format!("{text}{ws}"),
            format!("{head}{ws}{tail}"),
        ] {
            assert_eq!(
                open(&codec, &variant),
                Err(ErrorKind::Malformed),
                "{variant:?}"
            );
            assert_eq!(
                Header::peek(&variant).unwrap_err().kind(),
                ErrorKind::Malformed,
                "{variant:?}"
            );
        }
    }
}

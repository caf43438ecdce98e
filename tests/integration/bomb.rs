//! Decompression bombs: authentic cookies whose compressed plaintext inflates
//! past the bound are rejected as too large. (Memory use is measured in the
//! `allocations` test binary.)

use sealed_session_core::{Codec, Compression, ErrorKind, FixedNonce, Key, Keyring, Options};

/// Seals `inflated_len` zeros compressed, as a forger with the key could, by
/// going through the public API with compression turned on (it is off by
/// default): a payload that we know deflates.
fn bomb_cookie(inflated_len: usize, options: Options) -> (Codec, String) {
    let options = options.with_compression(Compression::Above(1024));
    let codec = Codec::new(Keyring::new(1, &Key::from_bytes([5; 32])), options);
    let text = codec
        .seal_to_string(
            &vec![0u8; inflated_len],
            b"session",
            1,
            &mut FixedNonce([1; 16]),
        )
        .unwrap();
    (codec, text)
}

#[test]
fn a_4_kib_cookie_that_inflates_to_megabytes_is_too_large() {
    // Deflate tops out near 1032:1, so under 4 KiB of cookie the most a bomb
    // holds is about 3 MB. Seal it with a permissive plaintext bound, open it
    // with the default 64 KiB one.
    let big = Options::new().with_max_plaintext_len(3_000_000);
    let (_, text) = bomb_cookie(3_000_000, big);
    assert!(text.len() < 4096, "{}", text.len());
    let strict = Codec::new(Keyring::new(1, &Key::from_bytes([5; 32])), Options::new());
    let err = strict.open_to_vec(&text, b"session", 1).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooLarge);
    let mut buf = vec![0u8; strict.open_len(text.len())];
    let err = strict.open(&text, b"session", 1, &mut buf).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooLarge);
}

#[test]
fn a_100_mb_bomb_is_too_large() {
    let big = Options::new()
        .with_max_plaintext_len(100_000_000)
        .with_max_text_len(1 << 20);
    let (_, text) = bomb_cookie(100_000_000, big);
    let strict = Codec::new(
        Keyring::new(1, &Key::from_bytes([5; 32])),
        Options::new().with_max_text_len(1 << 20),
    );
    assert_eq!(
        strict.open_to_vec(&text, b"session", 1).unwrap_err().kind(),
        ErrorKind::TooLarge
    );
}

#[test]
fn plaintext_exactly_at_the_bound_opens_and_one_more_byte_does_not() {
    for len in [1025usize, 4000, 65_536] {
        let at = Options::new().with_max_plaintext_len(len);
        let (codec, text) = bomb_cookie(len, at);
        assert!(codec.open_to_vec(&text, b"session", 1).unwrap().compressed);
        assert_eq!(
            codec
                .open_to_vec(&text, b"session", 1)
                .unwrap()
                .plaintext
                .len(),
            len
        );
        let under = Codec::new(
            Keyring::new(1, &Key::from_bytes([5; 32])),
            at.with_max_plaintext_len(len - 1),
        );
        assert_eq!(
            under.open_to_vec(&text, b"session", 1).unwrap_err().kind(),
            ErrorKind::TooLarge
        );
    }
}

//! Property tests: round trips, tampering, context binding, exact expiry
//! boundaries, and our EAX against the `eax` crate.

use aes::Aes256;
use base64ct::{Base64UrlUnpadded, Encoding};
use eax::aead::{AeadInOut, KeyInit};
use eax::{Eax, Nonce};
use proptest::prelude::*;
use sealed_session_core::__private::{eax_decrypt, eax_encrypt};
use sealed_session_core::{
    Codec, Compression, ErrorKind, FixedNonce, Header, Key, Keyring, OVERHEAD, Options,
};

const CTX: &[u8] = b"session";
const NOW: u64 = 1_700_000_000;

fn codec(options: Options) -> Codec {
    let ring = Keyring::new(2, &Key::from_bytes([2; 32]))
        .with_key(1, &Key::from_bytes([1; 32]))
        .unwrap();
    Codec::new(ring, options)
}

fn compression() -> impl Strategy<Value = Compression> {
    prop_oneof![
        Just(Compression::Never),
        (0usize..2048).prop_map(Compression::Above),
    ]
}

/// Payloads that compress well, badly, and not at all.
fn payload() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..2500),
        (any::<u8>(), 0usize..2500).prop_map(|(b, n)| vec![b; n]),
        (0usize..60).prop_map(|n| br#"{"user":42,"role":"admin","items":[1,2,3]}"#.repeat(n)),
    ]
}

fn seal(c: &Codec, pt: &[u8], ctx: &[u8], now: u64, nonce: [u8; 16]) -> String {
    c.seal_to_string(pt, ctx, now, &mut FixedNonce(nonce))
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn seal_then_open_round_trips(
        pt in payload(),
        ctx in proptest::collection::vec(any::<u8>(), 0..40),
        comp in compression(),
        now in any::<u64>(),
        nonce in any::<[u8; 16]>(),
    ) {
        let c = codec(Options::new().with_compression(comp).with_max_text_len(usize::MAX));
        let text = seal(&c, &pt, &ctx, now, nonce);
        let opened = c.open_to_vec(&text, &ctx, now).unwrap();
        prop_assert_eq!(&opened.plaintext, &pt);
        prop_assert_eq!(opened.issued_at, now);
        prop_assert_eq!(opened.key_id, 2);
        prop_assert!(!opened.reseal_advised);
        let should_try = matches!(comp, Compression::Above(t) if pt.len() > t);
        prop_assert!(opened.compressed <= should_try);
        if opened.compressed {
            prop_assert!(text.len() < Codec::seal_len(pt.len()));
        } else {
            // Buffer API gives the same text and plaintext.
            prop_assert_eq!(text.len(), Codec::seal_len(pt.len()));
            let mut out = vec![0u8; Codec::seal_len(pt.len())];
            let by_buf = c.seal(&pt, &ctx, now, &mut FixedNonce(nonce), &mut out).unwrap();
            prop_assert_eq!(by_buf, text.as_str());
        }
        let mut buf = vec![0u8; c.open_len(text.len())];
        let by_buf = c.open(&text, &ctx, now, &mut buf).unwrap();
        prop_assert_eq!(by_buf.plaintext, &pt[..]);
    }

    #[test]
    fn any_single_bit_flip_is_rejected(
        pt in proptest::collection::vec(any::<u8>(), 0..200),
        nonce in any::<[u8; 16]>(),
        bit in any::<prop::sample::Index>(),
    ) {
        let c = codec(Options::new());
        let text = seal(&c, &pt, CTX, NOW, nonce);
        let mut bin = Base64UrlUnpadded::decode_vec(&text).unwrap();
        let i = bit.index(bin.len() * 8);
        bin[i / 8] ^= 1 << (i % 8);
        let tampered = Base64UrlUnpadded::encode_string(&bin);
        let kind = c.open_to_vec(&tampered, CTX, NOW).unwrap_err().kind();
        let expected = match i / 8 {
            0 => ErrorKind::UnknownVersion,
            1 if i % 8 != 0 => ErrorKind::Malformed,
            // Key id 2 with one bit flipped: 3, 0, 6, ... or 1, the older key
            // (present in the ring, so the tag fails).
            2 if bin[2] != 1 => ErrorKind::UnknownKeyId,
            _ => ErrorKind::Unauthentic,
        };
        prop_assert_eq!(kind, expected);
    }

    #[test]
    fn any_changed_character_truncation_or_extension_is_rejected(
        pt in proptest::collection::vec(any::<u8>(), 0..200),
        nonce in any::<[u8; 16]>(),
        at in any::<prop::sample::Index>(),
        ch in prop::sample::select(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=. ".to_vec()),
    ) {
        let c = codec(Options::new());
        let text = seal(&c, &pt, CTX, NOW, nonce);
        let i = at.index(text.len());
        let mut changed = text.clone().into_bytes();
        if changed[i] != ch {
            changed[i] = ch;
            let changed = String::from_utf8(changed).unwrap();
            prop_assert!(c.open_to_vec(&changed, CTX, NOW).is_err());
        }
        prop_assert!(c.open_to_vec(&text[..i], CTX, NOW).is_err());
        let longer = format!("{text}{}", char::from(ch));
        prop_assert!(c.open_to_vec(&longer, CTX, NOW).is_err());
    }

    #[test]
    fn a_wrong_context_is_unauthentic(
        pt in proptest::collection::vec(any::<u8>(), 0..100),
        ctx in proptest::collection::vec(any::<u8>(), 0..20),
        other in proptest::collection::vec(any::<u8>(), 0..20),
    ) {
        prop_assume!(ctx != other);
        let c = codec(Options::new());
        let text = seal(&c, &pt, &ctx, NOW, [9; 16]);
        prop_assert_eq!(c.open_to_vec(&text, &other, NOW).unwrap_err().kind(), ErrorKind::Unauthentic);
    }

    #[test]
    fn expiry_and_skew_boundaries_are_exact(
        issued in 0u64..(u64::MAX / 4),
        max_age in 0u64..(u64::MAX / 4),
        skew in 0u64..100_000,
    ) {
        let c = codec(Options::new().with_max_age(Some(max_age)).with_clock_skew(skew));
        let text = seal(&c, b"{}", CTX, issued, [1; 16]);
        prop_assert!(c.open_to_vec(&text, CTX, issued + max_age).is_ok());
        prop_assert_eq!(
            c.open_to_vec(&text, CTX, issued + max_age + 1).unwrap_err().kind(),
            ErrorKind::Expired
        );
        if issued >= skew {
            prop_assert!(c.open_to_vec(&text, CTX, issued - skew).is_ok());
        }
        if issued > skew {
            prop_assert_eq!(
                c.open_to_vec(&text, CTX, issued - skew - 1).unwrap_err().kind(),
                ErrorKind::IssuedInFuture
            );
        }
    }

    #[test]
    fn our_eax_matches_the_eax_crate(
        key in any::<[u8; 32]>(),
        nonce in any::<[u8; 16]>(),
        aad in proptest::collection::vec(any::<u8>(), 0..300),
        msg in proptest::collection::vec(any::<u8>(), 0..2200),
    ) {
        let oracle = Eax::<Aes256>::new(&key.into());
        let mut expect = msg.clone();
        let tag = oracle
            .encrypt_inout_detached(&Nonce::from(nonce), &aad, expect.as_mut_slice().into())
            .unwrap();
        let mut ours = msg.clone();
        let our_tag = eax_encrypt(&key, &nonce, &aad, &mut ours);
        prop_assert_eq!(&ours, &expect);
        prop_assert_eq!(&our_tag[..], &tag[..]);
        prop_assert_eq!(eax_decrypt(&key, &nonce, &aad, &mut ours, &our_tag), Ok(()));
        prop_assert_eq!(ours, msg);
    }
}

#[test]
fn header_peek_reads_without_a_key() {
    let c = codec(Options::new());
    let text = seal(&c, b"0123456789", CTX, NOW, [4; 16]);
    let peeked = Header::peek(&text).unwrap();
    assert_eq!(peeked.header.key_id, 2);
    assert_eq!(peeked.header.issued_at, NOW);
    assert!(!peeked.header.compressed);
    assert_eq!(peeked.ciphertext_len, 10);
    assert_eq!(
        Header::peek(&text[1..]).unwrap_err().kind(),
        ErrorKind::Malformed
    );
    assert_eq!(OVERHEAD, 43);
}

#[test]
fn an_older_key_opens_and_advises_a_reseal_and_removal_ends_it() {
    let old = Codec::new(Keyring::new(1, &Key::from_bytes([1; 32])), Options::new());
    let text = seal(&old, b"{}", CTX, NOW, [0; 16]);
    let mut current = codec(Options::new());
    let opened = current.open_to_vec(&text, CTX, NOW).unwrap();
    assert_eq!((opened.key_id, opened.reseal_advised), (1, true));
    let mut ring = current.keyring().clone();
    assert!(ring.remove(1));
    current = Codec::new(ring, Options::new());
    assert_eq!(
        current.open_to_vec(&text, CTX, NOW).unwrap_err().kind(),
        ErrorKind::UnknownKeyId
    );
    let other = Codec::new(Keyring::new(1, &Key::from_bytes([7; 32])), Options::new());
    assert_eq!(
        other.open_to_vec(&text, CTX, NOW).unwrap_err().kind(),
        ErrorKind::Unauthentic
    );
}

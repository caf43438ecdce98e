//! The bad-input matrix: one table of inputs that must be refused (and the
//! boundaries that must not be), each with the exact error. Core rows assert
//! the core's `ErrorKind`; session rows assert the `sealed-session` error
//! (its cookie errors are compared by their core kind). Authentic but broken
//! plaintexts are made with the core's hidden forger helpers
//! (`__private::seal_raw_with_flags`, `legacy_seal_raw`).

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use alloc::sync::Arc;
use core::time::Duration;
use std::time::UNIX_EPOCH;

use base64ct::{Base64, Base64UrlUnpadded, Encoding};
use sealed_session::{
    FixedRandom, Legacy, ManualClock, SealFormat, Session, SessionCodec, SessionCodecBuilder,
    SessionError,
};
use sealed_session_core::__private::{deflate, legacy_seal_raw, seal_raw_with_flags};
use sealed_session_core::legacy::LegacyCodec;
use sealed_session_core::{
    Codec, Compression, ErrorKind, FixedNonce, Header, Key, Keyring, Options,
};

use crate::support::{hex, read_json};

const NOW: u64 = 1_700_000_000;
const MAX_AGE: u64 = 3600;
const CONTEXT: &[u8] = b"session";
const KEY_1: [u8; 32] = [1; 32];
const KEY_3: [u8; 32] = [3; 32];
/// The legacy key: `bytes(range(32))`, as in tests/python.
const LEGACY_KEY: [u8; 32] = {
    let mut key = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        key[i] = i as u8;
        i += 1;
    }
    key
};
/// `{"answer": 42}` sealed by tests/python/encrypted_session.py with
/// `LEGACY_KEY` and nonce `bytes(range(16))`.
const KAT_LEGACY: &str = "u.D7DycromYEhiSEIUsA4=.xcLffjV72Pk9kZ/Hsu0L2Q==.AAECAwQFBgcICQoLDA0ODw==";
/// The plaintext of the authentic v1 cookie every mutation starts from.
const PLAIN: &[u8] = br#"{"user":42}"#;

/// What an operation came to: `Ok`, or the error that the row asserts.
type Outcome = Result<(), Fail>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fail {
    /// A core error, or a `SessionError::Cookie` carrying it.
    Core(ErrorKind),
    /// Any other `SessionError`.
    Session(SessionError),
}

use Fail::{Core, Session as Std};
use sealed_session_core::ErrorKind::{
    Expired, IssuedInFuture, Malformed, TooLarge, Unauthentic, UnknownKeyId, UnknownVersion,
};

fn core_err(e: sealed_session_core::Error) -> Fail {
    Core(e.kind())
}

fn session_err(e: SessionError) -> Fail {
    e.cookie_kind().map_or(Std(e), Core)
}

/// Keys 1 (primary) and 3: flipping one bit of key id 1 gives 3, a key in
/// the ring that did not seal the cookie.
fn ring() -> Keyring {
    Keyring::new(1, &Key::from_bytes(KEY_1))
        .with_key(3, &Key::from_bytes(KEY_3))
        .unwrap()
}

fn options() -> Options {
    Options::new().with_max_age(Some(MAX_AGE))
}

fn codec() -> Codec {
    Codec::new(ring(), options())
}

fn sealed_with(codec: &Codec, plain: &[u8], context: &[u8], now: u64) -> String {
    codec
        .seal_to_string(plain, context, now, &mut FixedNonce([7; 16]))
        .unwrap()
}

/// The authentic cookie: `PLAIN` under key 1, context `session`, at `NOW`.
fn good() -> String {
    sealed_with(&codec(), PLAIN, CONTEXT, NOW)
}

/// Opens with both core APIs (which must agree) and `Header::peek`-free.
fn open_with(codec: &Codec, text: &str, context: &[u8], now: u64) -> Outcome {
    let by_vec = codec.open_to_vec(text, context, now);
    let mut buf = vec![0u8; codec.open_len(text.len())];
    let by_buf = codec.open(text, context, now, &mut buf);
    assert_eq!(
        by_vec
            .as_ref()
            .map(|o| o.plaintext.as_slice())
            .map_err(|e| e.kind()),
        by_buf.map(|o| o.plaintext).map_err(|e| e.kind()),
        "open and open_to_vec disagree on {text:?}"
    );
    by_vec.map(drop).map_err(core_err)
}

fn open(text: &str) -> Outcome {
    open_with(&codec(), text, CONTEXT, NOW)
}

fn envelope(text: &str) -> Vec<u8> {
    Base64UrlUnpadded::decode_vec(text).unwrap()
}

fn text(envelope: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(envelope)
}

fn open_envelope(envelope: &[u8]) -> Outcome {
    open(&text(envelope))
}

fn legacy() -> LegacyCodec {
    LegacyCodec::new(&Key::from_bytes(LEGACY_KEY), Options::new())
}

fn open_legacy_with(codec: &LegacyCodec, text: &str) -> Outcome {
    codec.open_to_vec(text).map(drop).map_err(core_err)
}

fn open_legacy(text: &str) -> Outcome {
    open_legacy_with(&legacy(), text)
}

fn legacy_raw(flag: &str, body: &[u8]) -> String {
    legacy_seal_raw(
        &Key::from_bytes(LEGACY_KEY),
        flag,
        body,
        &mut FixedNonce([9; 16]),
    )
}

/// The session codec: the same ring, cookie name (and context) `session`,
/// the legacy key accepted under that name (from a day before `NOW` to a
/// day after), the clock at `clock`, fixed randomness.
fn session_builder(clock: &Arc<ManualClock>) -> SessionCodecBuilder {
    SessionCodec::builder(ring())
        .cookie_name("session")
        .accept_legacy(
            Legacy::encrypted_session(&Key::from_bytes(LEGACY_KEY))
                .since(UNIX_EPOCH + Duration::from_secs(NOW - 86_400))
                .until(UNIX_EPOCH + Duration::from_secs(NOW + 86_400)),
        )
        .clock(Arc::clone(clock))
        .random(FixedRandom::new([1]))
}

fn session_codec() -> SessionCodec {
    session_builder(&Arc::new(ManualClock::new(NOW)))
        .build()
        .unwrap()
}

fn open_session(text: &str) -> Outcome {
    session_codec().open(text).map(drop).map_err(session_err)
}

/// An authentic v1 cookie around `body` exactly, with the given flag.
fn raw_v1(body: &[u8], compressed: bool) -> String {
    let sealer = Codec::new(ring(), Options::new().with_max_text_len(usize::MAX));
    seal_raw_with_flags(
        &sealer,
        body,
        compressed,
        CONTEXT,
        NOW,
        &mut FixedNonce([5; 16]),
    )
    .unwrap()
}

/// An authentic session cookie whose plaintext is `json`, deflated so that
/// even large plaintexts fit in a cookie.
fn session_v1(json: &[u8]) -> Outcome {
    open_session(&raw_v1(&deflate(json, false), true))
}

fn flip(envelope: &[u8], byte: usize, bit: u8) -> Vec<u8> {
    let mut out = envelope.to_vec();
    out[byte] ^= 1 << bit;
    out
}

/// Sets the unused low bits of the last character (a non-canonical text).
fn non_canonical(text: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let unused = match text.len() % 4 {
        2 => 4,
        3 => 2,
        _ => panic!(
            "a canonical text of length {} has no unused bits",
            text.len()
        ),
    };
    let last = *text.as_bytes().last().unwrap();
    let index = ALPHABET.iter().position(|&c| c == last).unwrap();
    let changed = ALPHABET[index | ((1 << unused) - 1)];
    assert_ne!(changed, last);
    format!("{}{}", &text[..text.len() - 1], changed as char)
}

fn legacy_parts(text: &str) -> (String, Vec<u8>, Vec<u8>, Vec<u8>) {
    let parts: Vec<&str> = text.split('.').collect();
    assert_eq!(parts.len(), 4);
    let decode = |p: &str| Base64::decode_vec(p).unwrap();
    (
        parts[0].to_owned(),
        decode(parts[1]),
        decode(parts[2]),
        decode(parts[3]),
    )
}

struct Table {
    rows: Vec<(String, Outcome, Outcome)>,
}

impl Table {
    fn row(&mut self, name: impl Into<String>, got: Outcome, want: Outcome) {
        self.rows.push((name.into(), got, want));
    }
}

#[test]
fn every_bad_input_gets_its_exact_error() {
    let mut t = Table { rows: Vec::new() };
    let good = good();
    let env = envelope(&good);
    assert_eq!(open(&good), Ok(()));
    assert_eq!(open_legacy(KAT_LEGACY), Ok(()));

    shape_rows(&mut t, &good);
    length_rows(&mut t, &good);
    alphabet_rows(&mut t, &good);
    header_rows(&mut t, &env);
    tamper_rows(&mut t, &env);
    key_and_context_rows(&mut t, &good, &env);
    compression_rows(&mut t);
    json_rows(&mut t);
    time_rows(&mut t);
    seal_size_rows(&mut t);

    let failures: Vec<String> = t
        .rows
        .iter()
        .filter(|(_, got, want)| got != want)
        .map(|(name, got, want)| format!("{name}: got {got:?}, want {want:?}"))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        t.rows.len(),
        failures.join("\n")
    );
    assert_eq!(t.rows.len(), 750);
}

/// Empty, whitespace, separators, and legacy part counts other than 4.
fn shape_rows(t: &mut Table, good: &str) {
    for s in ["", " ", "\t", "\n", "   ", "||", "..", "|", "."] {
        t.row(format!("v1 {s:?}"), open(s), Err(Core(Malformed)));
        t.row(
            format!("legacy {s:?}"),
            open_legacy(s),
            Err(Core(Malformed)),
        );
        t.row(
            format!("session {s:?}"),
            open_session(s),
            Err(Core(Malformed)),
        );
    }
    let parts: Vec<&str> = KAT_LEGACY.split('.').collect();
    for count in [1, 2, 3, 5, 6] {
        let mut p: Vec<&str> = parts.iter().copied().cycle().take(count).collect();
        if count > 4 {
            p[4..].fill("AAAAAAAAAAAAAAAAAAAAAA==");
        }
        let s = p.join(".");
        t.row(
            format!("legacy with {count} parts"),
            open_legacy(&s),
            Err(Core(Malformed)),
        );
    }
    t.row(
        "legacy with a trailing dot",
        open_legacy(&format!("{KAT_LEGACY}.")),
        Err(Core(Malformed)),
    );
    t.row(
        "legacy with an empty part",
        open_legacy(&KAT_LEGACY.replacen(".", "..", 1)),
        Err(Core(Malformed)),
    );
    // A v1 cookie is not a legacy one, nor the reverse.
    t.row("v1 text to legacy", open_legacy(good), Err(Core(Malformed)));
    t.row("legacy text to v1", open(KAT_LEGACY), Err(Core(Malformed)));
}

/// Over 4096 characters: too large, before any base64 work (even text that
/// is not base64 at all).
fn length_rows(t: &mut Table, good: &str) {
    for (name, s) in [
        ("4097 x A", "A".repeat(4097)),
        ("4097 x !", "!".repeat(4097)),
        ("4097 spaces", " ".repeat(4097)),
        (
            "authentic + padding to 4097",
            format!("{good}{}", "A".repeat(4097 - good.len())),
        ),
        ("1 MB of A", "A".repeat(1 << 20)),
    ] {
        t.row(format!("v1 {name}"), open(&s), Err(Core(TooLarge)));
        t.row(
            format!("legacy {name}"),
            open_legacy(&s),
            Err(Core(TooLarge)),
        );
        t.row(
            format!("session {name}"),
            open_session(&s),
            Err(Core(TooLarge)),
        );
    }
    // 4096 characters are read (and found malformed).
    t.row("v1 4096 x !", open(&"!".repeat(4096)), Err(Core(Malformed)));
    t.row(
        "legacy 4096 x !",
        open_legacy(&"!".repeat(4096)),
        Err(Core(Malformed)),
    );
    let dots = format!("u.{}", "A".repeat(4094));
    t.row(
        "legacy 4096 bad shape",
        open_legacy(&dots),
        Err(Core(Malformed)),
    );
    // The session layer counts the name too, as browsers do: name and
    // value at most 4096 bytes, so 4089 characters under `session`.
    t.row(
        "session 4090 x A",
        open_session(&"A".repeat(4090)),
        Err(Core(TooLarge)),
    );
    t.row(
        "session 4089 x A (read: a length of 1 mod 4)",
        open_session(&"A".repeat(4089)),
        Err(Core(Malformed)),
    );
    t.row(
        "session 4088 x A (zero bytes: version 0)",
        open_session(&"A".repeat(4088)),
        Err(Core(UnknownVersion)),
    );
}

/// Characters outside the alphabet, the other alphabet, padding,
/// non-canonical trailing bits, embedded spaces and line breaks.
fn alphabet_rows(t: &mut Table, good: &str) {
    // A 12-byte plaintext: 55 bytes of envelope, 74 characters, 4 unused bits.
    let odd = sealed_with(&codec(), br#"{"user":421}"#, CONTEXT, NOW);
    t.row("74-character cookie (control)", open(&odd), Ok(()));
    let mid = good.len() / 2;
    let insert = |c: &str| format!("{}{c}{}", &good[..mid], &good[mid..]);
    for (name, s) in [
        ("a `*` inside", insert("*")),
        ("a `.` inside", insert(".")),
        ("a `=` inside", insert("=")),
        ("a `+` inside", insert("+")),
        ("a `/` inside", insert("/")),
        ("a space inside", insert(" ")),
        ("a tab inside", insert("\t")),
        ("a newline inside", insert("\n")),
        ("a CR LF inside", insert("\r\n")),
        ("a NUL inside", insert("\0")),
        ("a non-ASCII letter inside", insert("\u{e9}")),
        ("a leading space", format!(" {good}")),
        ("a trailing space", format!("{good} ")),
        ("a trailing newline", format!("{good}\n")),
        ("a trailing CR LF", format!("{good}\r\n")),
        ("one = of padding", format!("{good}=")),
        ("two = of padding", format!("{good}==")),
        ("non-canonical trailing bits", non_canonical(&odd)),
        ("a length of 1 mod 4", format!("{good}A")),
    ] {
        t.row(format!("v1 {name}"), open(&s), Err(Core(Malformed)));
        t.row(format!("peek {name}"), peek(&s), Err(Core(Malformed)));
    }
    // The standard alphabet: the same envelope in `+/`.
    let dashed = (0u8..=255)
        .map(|i| {
            codec()
                .seal_to_string(PLAIN, CONTEXT, NOW, &mut FixedNonce([i; 16]))
                .unwrap()
        })
        .find(|s| s.contains('-') && s.contains('_'))
        .unwrap();
    t.row("v1 with `-` and `_` (control)", open(&dashed), Ok(()));
    let standard = dashed.replace('-', "+").replace('_', "/");
    t.row(
        "v1 in the `+/` alphabet",
        open(&standard),
        Err(Core(Malformed)),
    );
    let padded = Base64::encode_string(&envelope(&odd));
    assert!(padded.ends_with("=="));
    t.row(
        "v1 as padded standard base64",
        open(&padded),
        Err(Core(Malformed)),
    );

    // Legacy: padded standard base64 in every part.
    let (flag, ct, tag, nonce) = legacy_parts(KAT_LEGACY);
    let join = |parts: [&str; 3]| format!("{flag}.{}.{}.{}", parts[0], parts[1], parts[2]);
    let b64 = |b: &[u8]| Base64::encode_string(b);
    let url = |b: &[u8]| Base64UrlUnpadded::encode_string(b);
    let (c, g, n) = (b64(&ct), b64(&tag), b64(&nonce));
    for (name, s) in [
        ("unpadded ciphertext", join([&url(&ct), &g, &n])),
        ("unpadded tag", join([&c, &url(&tag), &n])),
        ("unpadded nonce", join([&c, &g, &url(&nonce)])),
        ("a space in the tag", join([&c, &format!(" {g}"), &n])),
        ("a newline at the end", format!("{KAT_LEGACY}\n")),
        (
            "a `*` in the ciphertext",
            join([&format!("*{}", &c[1..]), &g, &n]),
        ),
        ("a 15-byte nonce", join([&c, &g, &b64(&nonce[..15])])),
        (
            "a 17-byte tag",
            join([&c, &b64(&[&tag[..], &[0]].concat()), &n]),
        ),
    ] {
        t.row(
            format!("legacy {name}"),
            open_legacy(&s),
            Err(Core(Malformed)),
        );
    }
    // Non-canonical padding bits in the legacy ciphertext (14 bytes, `==`).
    let bits = non_canonical_padded(&c);
    t.row(
        "legacy non-canonical trailing bits",
        open_legacy(&join([&bits, &g, &n])),
        Err(Core(Malformed)),
    );
    // The url-safe alphabet in a legacy cookie whose parts need `+` or `/`.
    let needs = (0u8..=255)
        .map(|i| legacy_raw("u", &[i; 12]))
        .find(|s| s.contains('+') && s.contains('/'))
        .unwrap();
    t.row("legacy authentic (control)", open_legacy(&needs), Ok(()));
    t.row(
        "legacy in the `-_` alphabet",
        open_legacy(&needs.replace('+', "-").replace('/', "_")),
        Err(Core(Malformed)),
    );
}

fn peek(text: &str) -> Outcome {
    Header::peek(text).map(drop).map_err(core_err)
}

/// `c` is padded base64 ending in `=`: set the unused bits of the last
/// character before the padding.
fn non_canonical_padded(c: &str) -> String {
    let trimmed = c.trim_end_matches('=');
    let padding = c.len() - trimmed.len();
    let changed = non_canonical(trimmed);
    format!("{changed}{}", "=".repeat(padding))
}

/// Version, reserved flags, and envelopes shorter than the overhead.
fn header_rows(t: &mut Table, env: &[u8]) {
    for version in [0u8, 2, 0x7f, 0x81, 0xff] {
        let mut e = env.to_vec();
        e[0] = version;
        t.row(
            format!("version byte {version:#04x}"),
            open_envelope(&e),
            Err(Core(UnknownVersion)),
        );
    }
    for bit in 1..8 {
        let mut e = env.to_vec();
        e[1] |= 1 << bit;
        t.row(
            format!("reserved flag bit {bit}"),
            open_envelope(&e),
            Err(Core(Malformed)),
        );
    }
    for flag in ["x", "U", "Z", "zz", "", " u", "0"] {
        let (_, ct, tag, nonce) = legacy_parts(KAT_LEGACY);
        let s = format!(
            "{flag}.{}.{}.{}",
            Base64::encode_string(&ct),
            Base64::encode_string(&tag),
            Base64::encode_string(&nonce)
        );
        t.row(
            format!("legacy prefix {flag:?}"),
            open_legacy(&s),
            Err(Core(Malformed)),
        );
    }
    for len in [1usize, 2, 11, 27, 42] {
        t.row(
            format!("a {len}-byte envelope"),
            open_envelope(&env[..len]),
            Err(Core(Malformed)),
        );
    }
    t.row(
        "a 42-byte envelope of version 2",
        open_envelope(&[&[2u8][..], &env[1..42]].concat()),
        Err(Core(UnknownVersion)),
    );
    t.row(
        "legacy with an empty ciphertext and tag",
        open_legacy("u...AAECAwQFBgcICQoLDA0ODw=="),
        Err(Core(Malformed)),
    );
}

/// Every bit of the envelope flipped, truncations, and the Wycheproof
/// ModifiedTag cases applied to the tag.
fn tamper_rows(t: &mut Table, env: &[u8]) {
    let part = |byte: usize| match byte {
        0 => "version",
        1 => "flags",
        2 => "key id",
        3..=10 => "issued-at",
        11..=26 => "nonce",
        _ if byte >= env.len() - 16 => "tag",
        _ => "ciphertext",
    };
    for byte in 0..env.len() {
        for bit in 0..8u8 {
            let want = match (byte, bit) {
                (0, _) => Err(Core(UnknownVersion)),
                (1, 0) => Err(Core(Unauthentic)),
                (1, _) => Err(Core(Malformed)),
                // Key id 1 ^ 2 = 3 is in the ring: the wrong key.
                (2, 1) => Err(Core(Unauthentic)),
                (2, _) => Err(Core(UnknownKeyId)),
                _ => Err(Core(Unauthentic)),
            };
            t.row(
                format!("flip bit {bit} of byte {byte} ({})", part(byte)),
                open_envelope(&flip(env, byte, bit)),
                want,
            );
        }
    }
    // Truncated: any shorter envelope of at least 43 bytes is not authentic.
    for cut in 1..=(env.len() - 43) {
        t.row(
            format!("envelope cut by {cut} bytes"),
            open_envelope(&env[..env.len() - cut]),
            Err(Core(Unauthentic)),
        );
    }
    t.row(
        "ciphertext byte removed",
        open_envelope(&[&env[..27], &env[28..]].concat()),
        Err(Core(Unauthentic)),
    );
    t.row(
        "a byte appended",
        open_envelope(&[env, &[0u8][..]].concat()),
        Err(Core(Unauthentic)),
    );

    let tag_at = env.len() - 16;
    let mut cases = 0;
    for (delta, absolute, comment) in modified_tag_cases() {
        let mut e = env.to_vec();
        for (i, b) in e[tag_at..].iter_mut().enumerate() {
            *b = if absolute { delta[i] } else { *b ^ delta[i] };
        }
        t.row(
            format!("Wycheproof ModifiedTag: {comment}"),
            open_envelope(&e),
            Err(Core(Unauthentic)),
        );
        cases += 1;
    }
    assert_eq!(cases, 27);

    // Legacy: flip one bit in each part.
    let (flag, ct, tag, nonce) = legacy_parts(KAT_LEGACY);
    for (name, which) in [("ciphertext", 0), ("tag", 1), ("nonce", 2)] {
        let mut parts = [ct.clone(), tag.clone(), nonce.clone()];
        parts[which][0] ^= 0x80;
        let s = format!(
            "{flag}.{}.{}.{}",
            Base64::encode_string(&parts[0]),
            Base64::encode_string(&parts[1]),
            Base64::encode_string(&parts[2])
        );
        t.row(
            format!("legacy {name} bit flipped"),
            open_legacy(&s),
            Err(Core(Unauthentic)),
        );
    }
    let s = format!(
        "{flag}.{}.{}.{}",
        Base64::encode_string(&ct[..ct.len() - 1]),
        Base64::encode_string(&tag),
        Base64::encode_string(&nonce)
    );
    t.row(
        "legacy ciphertext truncated",
        open_legacy(&s),
        Err(Core(Unauthentic)),
    );
}

/// The 27 Wycheproof ModifiedTag cases (256-bit key, 128-bit IV) as a change
/// to apply to a valid tag: an XOR delta against the case's true tag, or, for
/// the all-zero and all-one tags, the absolute value.
fn modified_tag_cases() -> Vec<([u8; 16], bool, String)> {
    use sealed_session_core::__private::eax_encrypt;
    let file = read_json("aes_eax_test.json");
    let mut out = Vec::new();
    for group in file["testGroups"].as_array().unwrap() {
        if group["keySize"] != 256 || group["ivSize"] != 128 {
            continue;
        }
        for case in group["tests"].as_array().unwrap() {
            let flags = case["flags"].as_array().unwrap();
            if !flags.iter().any(|f| f == "ModifiedTag") {
                continue;
            }
            let h = |k: &str| hex(case[k].as_str().unwrap());
            let key: [u8; 32] = h("key").try_into().unwrap();
            let mut msg = h("msg");
            let true_tag = eax_encrypt(&key, &h("iv"), &h("aad"), &mut msg);
            let tag: [u8; 16] = h("tag").try_into().unwrap();
            let comment = case["comment"].as_str().unwrap().to_owned();
            let absolute = tag == [0; 16] || tag == [0xff; 16];
            let delta = if absolute {
                tag
            } else {
                core::array::from_fn(|i| tag[i] ^ true_tag[i])
            };
            out.push((delta, absolute, comment));
        }
    }
    out
}

/// Wrong key, removed key, unknown key id, wrong context, and the two
/// formats wrapped in each other.
fn key_and_context_rows(t: &mut Table, good: &str, env: &[u8]) {
    let other = Codec::new(Keyring::new(1, &Key::from_bytes([0xee; 32])), options());
    t.row(
        "wrong key under the same id",
        open_with(&other, good, CONTEXT, NOW),
        Err(Core(Unauthentic)),
    );
    let by_3 = Codec::new(Keyring::new(3, &Key::from_bytes(KEY_3)), options());
    let sealed_by_3 = sealed_with(&by_3, PLAIN, CONTEXT, NOW);
    t.row("sealed by key 3 (control)", open(&sealed_by_3), Ok(()));
    let mut removed = ring();
    assert!(removed.remove(3));
    t.row(
        "key 3 removed from the ring",
        open_with(&Codec::new(removed, options()), &sealed_by_3, CONTEXT, NOW),
        Err(Core(UnknownKeyId)),
    );
    let by_9 = Codec::new(Keyring::new(9, &Key::from_bytes(KEY_1)), options());
    t.row(
        "unknown key id 9",
        open(&sealed_with(&by_9, PLAIN, CONTEXT, NOW)),
        Err(Core(UnknownKeyId)),
    );
    t.row(
        "legacy wrong key",
        open_legacy_with(
            &LegacyCodec::new(&Key::from_bytes([0xee; 32]), Options::new()),
            KAT_LEGACY,
        ),
        Err(Core(Unauthentic)),
    );

    for context in [&b"other"[..], b"", b"session ", b"Session", b"sessio"] {
        t.row(
            format!("context {:?}", String::from_utf8_lossy(context)),
            open_with(&codec(), good, context, NOW),
            Err(Core(Unauthentic)),
        );
    }
    let value = session_codec().seal(&session_with_user()).unwrap();
    t.row("session cookie (control)", open_session(&value), Ok(()));
    let renamed = session_builder(&Arc::new(ManualClock::new(NOW)))
        .cookie_name("other")
        .build()
        .unwrap();
    t.row(
        "session cookie under another name",
        renamed.open(&value).map(drop).map_err(session_err),
        Err(Core(Unauthentic)),
    );

    // v1 (nonce, ciphertext, tag) re-wrapped as legacy, under the same key.
    let v1_under_legacy_key = {
        let c = Codec::new(Keyring::new(1, &Key::from_bytes(LEGACY_KEY)), options());
        envelope(&sealed_with(&c, PLAIN, b"", NOW))
    };
    let n = v1_under_legacy_key.len();
    let (nonce, ct, tag) = (
        &v1_under_legacy_key[11..27],
        &v1_under_legacy_key[27..n - 16],
        &v1_under_legacy_key[n - 16..],
    );
    let rewrapped = format!(
        "u.{}.{}.{}",
        Base64::encode_string(ct),
        Base64::encode_string(tag),
        Base64::encode_string(nonce)
    );
    t.row(
        "v1 re-wrapped as legacy",
        open_legacy(&rewrapped),
        Err(Core(Unauthentic)),
    );
    t.row(
        "v1 re-wrapped as legacy, session",
        open_session(&rewrapped),
        Err(Core(Unauthentic)),
    );
    // Legacy (nonce, ciphertext, tag) re-wrapped as v1 under the same key.
    let (_, ct, tag, nonce) = legacy_parts(KAT_LEGACY);
    let mut e = env[..11].to_vec();
    e.extend_from_slice(&nonce);
    e.extend_from_slice(&ct);
    e.extend_from_slice(&tag);
    let legacy_keyed = Codec::new(Keyring::new(1, &Key::from_bytes(LEGACY_KEY)), options());
    for context in [&b""[..], CONTEXT] {
        t.row(
            format!(
                "legacy re-wrapped as v1, context {:?}",
                String::from_utf8_lossy(context)
            ),
            open_with(&legacy_keyed, &text(&e), context, NOW),
            Err(Core(Unauthentic)),
        );
    }
}

fn session_with_user() -> Session {
    let mut session = Session::new();
    session.insert("user", 42).unwrap();
    session
}

/// Legacy u/z swapped, authentic broken DEFLATE and zlib, trailing bytes,
/// and the plaintext bound exactly and one byte over.
fn compression_rows(t: &mut Table) {
    let json = br#"{"cart":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20],"user":"ann"}"#;
    let z = legacy_raw("z", &deflate(json, true));
    let u = legacy_raw("u", json);
    t.row("legacy z (control)", open_legacy(&z), Ok(()));
    t.row("legacy u (control)", open_legacy(&u), Ok(()));
    t.row(
        "legacy u flipped to z",
        open_legacy(&format!("z{}", &u[1..])),
        Err(Core(Malformed)),
    );
    t.row(
        "legacy u flipped to z, session",
        open_session(&format!("z{}", &u[1..])),
        Err(Core(Malformed)),
    );
    t.row(
        "Python's cookie flipped to z",
        open_legacy(&format!("z{}", &KAT_LEGACY[1..])),
        Err(Core(Malformed)),
    );
    // z flipped to u: the core returns the zlib bytes, which no session is.
    t.row(
        "legacy z flipped to u, session",
        open_session(&format!("u{}", &z[1..])),
        Err(Std(SessionError::InvalidJson)),
    );

    let raw = deflate(json, false);
    let zlib = deflate(json, true);
    let mut bad_checksum = zlib.clone();
    *bad_checksum.last_mut().unwrap() ^= 1;
    let v1_cases: [(&str, Vec<u8>); 7] = [
        ("not DEFLATE", b"not deflate at all".to_vec()),
        ("reserved block type", vec![0x07, 0, 0, 0]),
        ("empty stream", Vec::new()),
        ("truncated", raw[..raw.len() / 2].to_vec()),
        ("last byte missing", raw[..raw.len() - 1].to_vec()),
        ("zlib-wrapped", zlib.clone()),
        (
            "stored block with bad NLEN",
            vec![0x01, 0x05, 0x00, 0x00, 0x00, b'h', b'e', b'l', b'l', b'o'],
        ),
    ];
    for (name, body) in v1_cases {
        t.row(
            format!("v1 authentic, {name}"),
            open(&raw_v1(&body, true)),
            Err(Core(Malformed)),
        );
    }
    let mut trailing = raw.clone();
    trailing.push(0);
    t.row(
        "v1 authentic, DEFLATE (control)",
        open(&raw_v1(&raw, true)),
        Ok(()),
    );
    t.row(
        "v1 authentic, trailing byte after DEFLATE",
        open(&raw_v1(&trailing, true)),
        Err(Core(Malformed)),
    );
    let doubled = [&raw[..], &raw[..]].concat();
    t.row(
        "v1 authentic, two DEFLATE streams",
        open(&raw_v1(&doubled, true)),
        Err(Core(Malformed)),
    );

    let legacy_cases: [(&str, Vec<u8>); 8] = [
        (
            "bad zlib header",
            [&[0x78u8, 0x00][..], &zlib[2..]].concat(),
        ),
        (
            "bad zlib method",
            [&[0x79u8, 0x9c][..], &zlib[2..]].concat(),
        ),
        ("raw DEFLATE", raw.clone()),
        ("truncated", zlib[..zlib.len() / 2].to_vec()),
        ("checksum missing", zlib[..zlib.len() - 4].to_vec()),
        ("bad checksum", bad_checksum),
        ("trailing byte", [&zlib[..], &[0u8][..]].concat()),
        ("empty", Vec::new()),
    ];
    for (name, body) in legacy_cases {
        t.row(
            format!("legacy z authentic, {name}"),
            open_legacy(&legacy_raw("z", &body)),
            Err(Core(Malformed)),
        );
    }

    // The bound: exactly B bytes open, B + 1 are too large, compressed or not.
    for bound in [100usize, 1024, 65_536] {
        let at = vec![b'a'; bound];
        let over = vec![b'a'; bound + 1];
        let opener = Codec::new(
            ring(),
            options()
                .with_max_plaintext_len(bound)
                .with_max_text_len(usize::MAX),
        );
        let open_at_bound = |s: &str| open_with(&opener, s, CONTEXT, NOW);
        t.row(
            format!("v1 inflates to {bound} = B"),
            open_at_bound(&raw_v1(&deflate(&at, false), true)),
            Ok(()),
        );
        t.row(
            format!("v1 inflates to {} = B + 1", bound + 1),
            open_at_bound(&raw_v1(&deflate(&over, false), true)),
            Err(Core(TooLarge)),
        );
        t.row(
            format!("v1 plain {bound} = B"),
            open_at_bound(&raw_v1(&at, false)),
            Ok(()),
        );
        t.row(
            format!("v1 plain {} = B + 1", bound + 1),
            open_at_bound(&raw_v1(&over, false)),
            Err(Core(TooLarge)),
        );
        let legacy_opener = LegacyCodec::new(
            &Key::from_bytes(LEGACY_KEY),
            Options::new()
                .with_max_plaintext_len(bound)
                .with_max_text_len(usize::MAX),
        );
        let open_legacy_at_bound = |s: &str| open_legacy_with(&legacy_opener, s);
        t.row(
            format!("legacy z inflates to {bound} = B"),
            open_legacy_at_bound(&legacy_raw("z", &deflate(&at, true))),
            Ok(()),
        );
        t.row(
            format!("legacy z inflates to {} = B + 1", bound + 1),
            open_legacy_at_bound(&legacy_raw("z", &deflate(&over, true))),
            Err(Core(TooLarge)),
        );
        t.row(
            format!("legacy u {bound} = B"),
            open_legacy_at_bound(&legacy_raw("u", &at)),
            Ok(()),
        );
        t.row(
            format!("legacy u {} = B + 1", bound + 1),
            open_legacy_at_bound(&legacy_raw("u", &over)),
            Err(Core(TooLarge)),
        );
    }
}

/// Authentic plaintexts that are not sessions.
fn json_rows(t: &mut Table) {
    let deep = |n: usize| {
        let mut s = b"{\"a\":".to_vec();
        s.extend(core::iter::repeat_n(b'[', n));
        s.extend(core::iter::repeat_n(b']', n));
        s.push(b'}');
        s
    };
    let invalid_json = Err(Std(SessionError::InvalidJson));
    let too_deep = Err(Std(SessionError::TooDeep));
    let invalid_bytes = Err(Std(SessionError::InvalidBytes));
    // A v1 plaintext is the session's metadata (first byte 0x00) and its
    // JSON, or a bare JSON object (first byte `{` or whitespace): anything
    // else is not a session at all. The legacy format carries bare JSON,
    // which must be an object.
    let not_a_session = Err(Std(SessionError::InvalidSession));
    let beyond_f64 = format!(r#"{{"a":1{}}}"#, "0".repeat(400));
    let cases: Vec<(&str, Vec<u8>, Outcome, Outcome)> = vec![
        (
            "a session (control)",
            br#"{"user":42}"#.to_vec(),
            Ok(()),
            Ok(()),
        ),
        (
            "not UTF-8",
            b"{\"a\":\"\xff\"}".to_vec(),
            invalid_json,
            invalid_json,
        ),
        (
            "a lone surrogate",
            br#"{"a":"\ud800"}"#.to_vec(),
            invalid_json,
            invalid_json,
        ),
        ("not JSON", b"user=42".to_vec(), not_a_session, invalid_json),
        ("empty", Vec::new(), not_a_session, invalid_json),
        (
            "trailing data",
            br#"{"a":1} x"#.to_vec(),
            invalid_json,
            invalid_json,
        ),
        ("NaN", br#"{"a":NaN}"#.to_vec(), invalid_json, invalid_json),
        (
            "Infinity",
            br#"{"a":[Infinity]}"#.to_vec(),
            invalid_json,
            invalid_json,
        ),
        (
            "a float beyond f64 (kept as text)",
            br#"{"a":1e999999}"#.to_vec(),
            Ok(()),
            Ok(()),
        ),
        (
            "an integer beyond f64 (Python's 10**400, kept as text)",
            beyond_f64.into_bytes(),
            Ok(()),
            Ok(()),
        ),
        ("an array", b"[1,2]".to_vec(), not_a_session, invalid_json),
        (
            "a string",
            br#""user""#.to_vec(),
            not_a_session,
            invalid_json,
        ),
        ("a number", b"42".to_vec(), not_a_session, invalid_json),
        ("null", b"null".to_vec(), not_a_session, invalid_json),
        ("nested 99 deep (100 levels)", deep(99), Ok(()), Ok(())),
        (
            "nested 100 deep (101 levels)",
            deep(100),
            too_deep,
            too_deep,
        ),
        ("nested 10,000 deep", deep(10_000), too_deep, too_deep),
        // Flask's tagged bytes, the convention of v1 cookies (and of
        // Python cookies once read).
        (
            "Flask bytes, not base64",
            br#"{"t":{" b":"*"}}"#.to_vec(),
            invalid_bytes,
            invalid_bytes,
        ),
        (
            "Flask bytes, unpadded",
            br#"{"t":{" b":"AA"}}"#.to_vec(),
            invalid_bytes,
            invalid_bytes,
        ),
        (
            "Flask bytes, url-safe",
            br#"{"t":{" b":"-_8="}}"#.to_vec(),
            invalid_bytes,
            invalid_bytes,
        ),
        (
            "Flask bytes, a number",
            br#"{"t":{" b":1}}"#.to_vec(),
            invalid_bytes,
            invalid_bytes,
        ),
        (
            "Flask bytes, deep inside",
            br#"{"t":[[{" b":"A"}]]}"#.to_vec(),
            invalid_bytes,
            invalid_bytes,
        ),
        (
            "Flask bytes, well formed",
            br#"{"t":{" b":"AA=="}}"#.to_vec(),
            Ok(()),
            Ok(()),
        ),
        (
            "Flask bytes beside another key: no tag (as in Flask)",
            br#"{"t":{" b":"*","c":1}}"#.to_vec(),
            Ok(()),
            Ok(()),
        ),
        // The Python package's bytes: a tag in its cookies only; in v1,
        // plain data. (Malformed ones whose `b` is there: see
        // `malformed_python_bytes_in_a_legacy_cookie_are_refused`.)
        (
            "Python bytes, `b` missing",
            br#"{"t":{"__type__":"bytes"}}"#.to_vec(),
            Ok(()),
            invalid_bytes,
        ),
        (
            "Python bytes, an extra key",
            br#"{"t":{"__type__":"bytes","b":"AA==","c":1}}"#.to_vec(),
            Ok(()),
            invalid_bytes,
        ),
        (
            "Python bytes, well formed",
            br#"{"t":{"__type__":"bytes","b":"AA=="}}"#.to_vec(),
            Ok(()),
            Ok(()),
        ),
    ];
    for (name, json, v1, legacy) in cases {
        t.row(format!("session v1 {name}"), session_v1(&json), v1);
        if json.len() < 1000 {
            t.row(
                format!("session legacy {name}"),
                open_session(&legacy_raw("u", &json)),
                legacy,
            );
        }
    }
    // Duplicate keys are not an error: the last value wins, as in Python's
    // `json.loads` (the std crate's documented choice).
    let text = raw_v1(br#"{"a":1,"b":2,"a":3}"#, false);
    let session = session_codec().open(&text).unwrap();
    t.row(
        "session duplicate keys: last wins",
        if session.get::<u32>("a") == Ok(Some(3)) && session.len() == 2 {
            Ok(())
        } else {
            Err(Std(SessionError::InvalidJson))
        },
        Ok(()),
    );
}

/// A Python cookie whose bytes tag is malformed (its `b` present but not
/// padded standard base64) is refused, as the pre-builder codec refused it.
/// Today it opens: the tag becomes a malformed Flask tag `{" b": …}` that
/// no v1 cookie may carry, so `get_bytes` fails and the migrated v1 cookie
/// no longer opens (the user is logged out one request later).
#[test]
fn malformed_python_bytes_in_a_legacy_cookie_are_refused() {
    let codec = session_codec();
    for json in [
        &br#"{"t":{"__type__":"bytes","b":"*"}}"#[..],
        br#"{"t":{"__type__":"bytes","b":"AA"}}"#,
        br#"{"t":{"__type__":"bytes","b":"-_8="}}"#,
        br#"{"t":{"__type__":"bytes","b":1}}"#,
        br#"{"t":[[{"__type__":"bytes","b":"A"}]]}"#,
    ] {
        let cookie = legacy_raw("u", json);
        let name = String::from_utf8_lossy(json);
        assert_eq!(
            codec.open(&cookie).map(drop),
            Err(SessionError::InvalidBytes),
            "{name}"
        );
        // And what happens while it is not: a v1 cookie that cannot open.
        if let Ok(migrated) = codec.migrate(&cookie) {
            assert_eq!(
                codec.open(&migrated).map(drop),
                Err(SessionError::InvalidBytes),
                "{name}"
            );
        }
    }
}

/// Expired and issued in the future, at the boundaries.
fn time_rows(t: &mut Table) {
    let at = |issued: u64| sealed_with(&codec(), PLAIN, CONTEXT, issued);
    t.row("exactly max_age old", open(&at(NOW - MAX_AGE)), Ok(()));
    t.row(
        "max_age + 1 old",
        open(&at(NOW - MAX_AGE - 1)),
        Err(Core(Expired)),
    );
    t.row("issued at 0", open(&at(0)), Err(Core(Expired)));
    t.row("exactly the skew ahead", open(&at(NOW + 60)), Ok(()));
    t.row(
        "the skew + 1 ahead",
        open(&at(NOW + 61)),
        Err(Core(IssuedInFuture)),
    );
    t.row(
        "issued at u64::MAX",
        open(&at(u64::MAX)),
        Err(Core(IssuedInFuture)),
    );
    t.row(
        "expired and tampered: tag first",
        open_envelope(&flip(&envelope(&at(0)), 30, 0)),
        Err(Core(Unauthentic)),
    );
    let clock = Arc::new(ManualClock::new(NOW));
    let session = session_builder(&clock)
        .idle_timeout(Duration::from_secs(MAX_AGE))
        .build()
        .unwrap();
    let sealed = |issued| {
        clock.set(issued);
        let value = session.seal(&session_with_user()).unwrap();
        clock.set(NOW);
        value
    };
    let open_at_now = |value: &str| session.open(value).map(drop).map_err(session_err);
    t.row(
        "session exactly the idle timeout old",
        open_at_now(&sealed(NOW - MAX_AGE)),
        Ok(()),
    );
    t.row(
        "session idle timeout + 1 old",
        open_at_now(&sealed(NOW - MAX_AGE - 1)),
        Err(Core(Expired)),
    );
    t.row(
        "session the skew + 1 ahead",
        open_at_now(&sealed(NOW + 61)),
        Err(Core(IssuedInFuture)),
    );
    // The absolute timeout (7 days by default) counts from the creation
    // time in the metadata, however recently the cookie was issued.
    let created = |at: u64| {
        let mut plain = vec![0u8, 0];
        plain.extend_from_slice(&at.to_be_bytes());
        plain.extend_from_slice(PLAIN);
        raw_v1(&plain, false)
    };
    let week = 7 * 24 * 3600;
    t.row(
        "session created exactly the absolute timeout ago",
        open_at_now(&created(NOW - week)),
        Ok(()),
    );
    t.row(
        "session created the absolute timeout + 1 ago",
        open_at_now(&created(NOW - week - 1)),
        Err(Std(SessionError::LifetimeExceeded)),
    );
    t.row(
        "session created at 0",
        open_at_now(&created(0)),
        Err(Std(SessionError::LifetimeExceeded)),
    );
}

/// Sealing what would not fit in 4096 bytes fails; nothing is truncated.
fn seal_size_rows(t: &mut Table) {
    // Incompressible bytes (xorshift), and their base64 in a session: the
    // JSON deflates to no less than 3/4 of its length, over 4096.
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let random: Vec<u8> = (0..4000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let mut session = Session::new();
    session
        .insert("noise", Base64::encode_string(&random))
        .unwrap();
    t.row(
        "seal a session over 4096 bytes",
        session_codec()
            .seal(&session)
            .map(drop)
            .map_err(session_err),
        Err(Std(SessionError::CookieTooLarge)),
    );
    t.row(
        "seal a legacy session over 4096 bytes",
        session_builder(&Arc::new(ManualClock::new(NOW)))
            .seal_format(SealFormat::Legacy)
            .build()
            .unwrap()
            .seal(&session)
            .map(drop)
            .map_err(session_err),
        Err(Std(SessionError::CookieTooLarge)),
    );
    let plain = &random[..];
    let core = Codec::new(ring(), options());
    t.row(
        "core seal_to_string over 4096",
        core.seal_to_string(plain, CONTEXT, NOW, &mut FixedNonce([1; 16]))
            .map(drop)
            .map_err(core_err),
        Err(Core(TooLarge)),
    );
    let mut out = vec![0u8; Codec::seal_len(plain.len())];
    t.row(
        "core seal into a roomy buffer over 4096",
        core.seal(plain, CONTEXT, NOW, &mut FixedNonce([1; 16]), &mut out)
            .map(drop)
            .map_err(core_err),
        Err(Core(TooLarge)),
    );
    t.row(
        "legacy seal over 4096",
        LegacyCodec::new(
            &Key::from_bytes(LEGACY_KEY),
            Options::new().with_compression(Compression::Never),
        )
        .seal_to_string(plain, &mut FixedNonce([1; 16]))
        .map(drop)
        .map_err(core_err),
        Err(Core(TooLarge)),
    );
    // The largest plaintext that fits: 3029 bytes make a 4096-character cookie.
    let fits = &plain[..3029];
    let never = Codec::new(ring(), options().with_compression(Compression::Never));
    let sealed = never.seal_to_string(fits, CONTEXT, NOW, &mut FixedNonce([1; 16]));
    t.row(
        "core seal of 3029 bytes fits",
        sealed
            .as_ref()
            .map(|s| assert_eq!(s.len(), 4096))
            .map_err(|e| core_err(*e)),
        Ok(()),
    );
    t.row(
        "core seal of 3030 bytes does not",
        never
            .seal_to_string(&plain[..3030], CONTEXT, NOW, &mut FixedNonce([1; 16]))
            .map(drop)
            .map_err(core_err),
        Err(Core(TooLarge)),
    );
}

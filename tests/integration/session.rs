//! The std layer: session bookkeeping, the codec's cookie decisions, JSON
//! strictness after authentication, size limits, legacy migration and the
//! cookie headers.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64ct::Encoding as _;
use sealed_session::core::FixedNonce;
use sealed_session::{
    Codec, Compression, CookieOutcome, DEFAULT_LIFETIME, ErrorKind, Key, Keyring, MAX_COOKIE_LEN,
    Options, SameSite, SealFormat, Session, SessionCodec, SessionError, Value, cookie_value,
};

const NOW: u64 = 1_700_000_000;
const KAT_KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
/// `{"answer": 42}` sealed by tests/python/encrypted_session.py with key
/// `bytes(range(32))` and nonce `bytes(range(16))`.
const KAT_LEGACY: &str = "u.D7DycromYEhiSEIUsA4=.xcLffjV72Pk9kZ/Hsu0L2Q==.AAECAwQFBgcICQoLDA0ODw==";

fn key(byte: u8) -> Key {
    Key::from_bytes([byte; 32])
}

fn new_codec() -> SessionCodec {
    SessionCodec::new(Keyring::new(1, &key(1)), Options::new())
}

fn legacy_codec() -> SessionCodec {
    new_codec().with_legacy_key(&Key::parse(KAT_KEY).unwrap())
}

fn counting_nonce(start: u8) -> FixedNonce {
    FixedNonce(core::array::from_fn(|i| start.wrapping_add(i as u8)))
}

fn sealed(codec: &SessionCodec, session: &Session) -> String {
    codec.seal_at(session, NOW, &mut counting_nonce(0)).unwrap()
}

fn session_with(pairs: &[(&str, Value)]) -> Session {
    let mut session = Session::new();
    for (key, value) in pairs {
        session.insert(key, value).unwrap();
    }
    session
}

/// Seals an arbitrary plaintext under the same key and context as
/// `new_codec()`, to feed authentic but invalid sessions to `open`.
fn authentic(plaintext: &[u8]) -> String {
    Codec::new(Keyring::new(1, &key(1)), Options::new())
        .seal_to_string(plaintext, b"session", NOW, &mut counting_nonce(0))
        .unwrap()
}

fn header_value(set_cookie: &str) -> &str {
    let pair = set_cookie.split(';').next().unwrap();
    pair.split_once('=').unwrap().1
}

#[test]
fn reads_set_accessed_and_changes_set_modified() {
    let mut session = session_with(&[("a", 1.into())]);
    let session_opened = legacy_codec()
        .open_at(&sealed(&new_codec(), &session), NOW)
        .unwrap();
    assert!(!session_opened.accessed() && !session_opened.modified());

    // Every read marks accessed only.
    let reads: [&dyn Fn(&Session); 9] = [
        &|s| {
            let _ = s.get::<u32>("a");
        },
        &|s| {
            let _ = s.get_value("a");
        },
        &|s| {
            let _ = s.get_bytes("a");
        },
        &|s| {
            let _ = s.contains_key("zzz");
        },
        &|s| {
            let _ = s.len();
        },
        &|s| {
            let _ = s.is_empty();
        },
        &|s| {
            let _ = s.iter().count();
        },
        &|s| {
            let _ = s.keys().count();
        },
        &|s| {
            let _ = s.permanent();
        },
    ];
    for read in reads {
        let fresh = session_opened.clone();
        let untouched = fresh.clone();
        assert!(!untouched.accessed());
        read(&fresh);
        assert!(fresh.accessed() && !fresh.modified());
    }

    // No-op changes do not modify.
    let mut probe = session_opened.clone();
    assert_eq!(probe.remove("missing"), None);
    probe.set_permanent(false);
    assert!(probe.accessed() && !probe.modified());

    // Changes mark both.
    session.remove("a");
    assert!(session.modified() && session.accessed());
    let mut probe = session_opened.clone();
    probe.set_permanent(true);
    assert!(probe.modified() && probe.permanent());
    assert_eq!(probe.get_value("_permanent"), Some(&Value::Bool(true)));
    let mut probe = session_opened.clone();
    probe.insert_bytes("b", b"x");
    assert!(probe.modified());
}

#[test]
fn insertion_order_typed_values_and_wrong_types() {
    let mut session = Session::new();
    session.insert("z", "last?").unwrap();
    session.insert("a", vec![1u8, 2]).unwrap();
    session.insert("m", u128::MAX).unwrap();
    assert_eq!(session.insert("z", 5).unwrap(), Some(Value::from("last?")));
    assert_eq!(session.keys().collect::<Vec<_>>(), ["z", "a", "m"]);
    assert_eq!(
        session.to_json_vec().unwrap(),
        br#"{"z":5,"a":[1,2],"m":340282366920938463463374607431768211455}"#
    );
    assert_eq!(session.get::<u128>("m").unwrap(), Some(u128::MAX));
    assert_eq!(session.get::<String>("z"), Err(SessionError::WrongType));
    assert_eq!(session.get_bytes("a"), Err(SessionError::WrongType));
    assert_eq!(session.get::<u8>("m"), Err(SessionError::WrongType));

    let mut keys = std::collections::HashMap::new();
    keys.insert(vec![1u8], 2u8);
    assert_eq!(
        session.insert("bad", keys),
        Err(SessionError::Unserializable)
    );
    // Rejected inserts leave the session as it was.
    let deep: Value =
        serde_json::from_str(&format!("{}{}", "[".repeat(100), "]".repeat(100))).unwrap();
    assert_eq!(session.insert("deep", &deep), Err(SessionError::TooDeep));
    let ok: Value = serde_json::from_str(&format!("{}{}", "[".repeat(99), "]".repeat(99))).unwrap();
    session.insert("ok", &ok).unwrap();
    let forged = serde_json::json!({"__type__": "bytes", "b": "not base64!"});
    assert_eq!(
        session.insert("x", &forged),
        Err(SessionError::InvalidBytes)
    );
    assert_eq!(session.keys().collect::<Vec<_>>(), ["z", "a", "m", "ok"]);
}

#[test]
fn untouched_session_needs_no_set_cookie() {
    let codec = new_codec();
    let value = sealed(&codec, &session_with(&[("user", 7.into())]));
    let session = codec.open_at(&value, NOW).unwrap();
    assert_eq!(
        codec
            .save_at(&session, NOW, &mut counting_nonce(1))
            .unwrap(),
        CookieOutcome::Unchanged
    );
    // Reading still needs no Set-Cookie, but the caller adds Vary: Cookie.
    assert_eq!(session.get::<u32>("user").unwrap(), Some(7));
    assert!(session.accessed());
    assert_eq!(
        codec
            .save_at(&session, NOW, &mut counting_nonce(1))
            .unwrap(),
        CookieOutcome::Unchanged
    );
    assert_eq!(
        codec
            .save_at(&Session::new(), NOW, &mut counting_nonce(1))
            .unwrap(),
        CookieOutcome::Unchanged
    );
}

#[test]
fn permanent_sessions_get_max_age_and_are_refreshed() {
    let codec = new_codec().with_lifetime(3600);
    let mut session = session_with(&[("cart", 1.into())]);
    let outcome = codec
        .save_at(&session, NOW, &mut counting_nonce(1))
        .unwrap();
    let CookieOutcome::Set(header) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(
        header,
        format!(
            "session={}; HttpOnly; Secure; SameSite=Lax; Path=/",
            codec
                .seal_at(&session, NOW, &mut counting_nonce(1))
                .unwrap()
        )
    );

    session.set_permanent(true);
    let outcome = codec
        .save_at(&session, NOW, &mut counting_nonce(1))
        .unwrap();
    let CookieOutcome::Set(header) = outcome else {
        panic!("{outcome:?}")
    };
    assert!(header.ends_with("; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=3600"));

    // An unmodified permanent session is re-issued (sliding expiry)...
    let opened = codec.open_at(header_value(&header), NOW + 10).unwrap();
    assert!(opened.permanent() && !opened.modified());
    let CookieOutcome::Set(refreshed) = codec
        .save_at(&opened, NOW + 10, &mut counting_nonce(2))
        .unwrap()
    else {
        panic!("not refreshed")
    };
    let reopened = codec.open_at(header_value(&refreshed), NOW + 10).unwrap();
    assert_eq!(reopened.issued_at(), Some(NOW + 10));
    // ...unless refreshing is off.
    let no_refresh = codec.clone().with_refresh_each_request(false);
    assert_eq!(
        no_refresh
            .save_at(&opened, NOW, &mut counting_nonce(2))
            .unwrap(),
        CookieOutcome::Unchanged
    );
}

#[test]
fn clear_deletes_the_cookie() {
    let codec = new_codec()
        .with_domain("example.com")
        .unwrap()
        .with_path("/app")
        .unwrap();
    let value = sealed(&codec, &session_with(&[("user", 7.into())]));
    let mut session = codec.open_at(&value, NOW).unwrap();
    session.clear();
    assert!(session.modified() && session.is_empty());
    assert_eq!(
        codec
            .save_at(&session, NOW, &mut counting_nonce(1))
            .unwrap(),
        CookieOutcome::Delete(
            "session=; HttpOnly; Secure; SameSite=Lax; Path=/app; Domain=example.com; \
             Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
                .to_owned()
        )
    );
    // Clearing a new, empty session changes nothing.
    let mut fresh = Session::new();
    fresh.clear();
    assert!(!fresh.modified());
    assert_eq!(codec.save(&fresh).unwrap(), CookieOutcome::Unchanged);
}

#[test]
fn regenerate_gives_a_fresh_unrelated_identity() {
    let codec = new_codec();
    let mut session = Session::new();
    session.regenerate().unwrap();
    session.insert("visits", 3).unwrap();
    let before_value = codec.seal(&session).unwrap();
    let before = codec.open(&before_value).unwrap();
    let old_id = before.id().unwrap().to_owned();

    // Login: same data, new identity.
    let mut after = before.clone();
    after.regenerate().unwrap();
    assert!(after.modified());
    let new_id = after.id().unwrap().to_owned();
    assert_ne!(new_id, old_id);
    assert_eq!(new_id.len(), 22);
    assert_eq!(after.get::<u32>("visits").unwrap(), Some(3));
    let CookieOutcome::Set(header) = codec.save(&after).unwrap() else {
        panic!("not saved")
    };
    let after_value = header_value(&header);
    assert_ne!(after_value, before_value);
    // Nothing after the public header (key id, time) is shared: the nonce
    // and the ciphertext differ in every 16-byte block.
    let decode = |text: &str| base64ct::Base64UrlUnpadded::decode_vec(text).unwrap();
    let (old_bin, new_bin) = (decode(&before_value), decode(after_value));
    assert_eq!(old_bin.len(), new_bin.len());
    for (old_block, new_block) in old_bin[11..].chunks(16).zip(new_bin[11..].chunks(16)) {
        assert_ne!(old_block, new_block);
    }
    let reopened = codec.open(after_value).unwrap();
    assert_eq!(reopened.id(), Some(new_id.as_str()));
    // Many regenerations never repeat an identity.
    let mut ids = std::collections::HashSet::new();
    for _ in 0..1000 {
        after.regenerate().unwrap();
        assert!(ids.insert(after.id().unwrap().to_owned()));
    }
    assert!(!ids.contains(&old_id));
}

#[test]
fn strict_open_errors_and_lenient_open_replaces() {
    let codec = new_codec();
    let value = sealed(&codec, &session_with(&[("a", 1.into())]));
    let mut tampered = value.clone().into_bytes();
    let last = tampered.len() - 1;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    assert_eq!(
        codec.open_at(&tampered, NOW).unwrap_err().cookie_kind(),
        Some(ErrorKind::Unauthentic)
    );
    let replaced = codec.open_or_new_at(Some(&tampered), NOW);
    assert!(replaced.is_empty() && replaced.modified());
    assert!(matches!(
        codec.save(&replaced).unwrap(),
        CookieOutcome::Delete(_)
    ));
    assert!(!codec.open_or_new_at(None, NOW).modified());
    let good = codec.open_or_new_at(Some(&value), NOW);
    assert_eq!(good.get::<u8>("a").unwrap(), Some(1));
    assert!(!good.modified());

    // Another cookie name is another context.
    let renamed = codec.clone().with_cookie_name("id").unwrap();
    assert_eq!(
        renamed.open_at(&value, NOW).unwrap_err().cookie_kind(),
        Some(ErrorKind::Unauthentic)
    );
    // An explicit context replaces the name.
    let a = codec.clone().with_context(b"app-1");
    let b = renamed.with_context(b"app-1");
    let shared = sealed(&a, &session_with(&[("a", 1.into())]));
    assert!(b.open_at(&shared, NOW).is_ok());
    assert_eq!(
        codec.open_at(&shared, NOW).unwrap_err().cookie_kind(),
        Some(ErrorKind::Unauthentic)
    );
}

#[test]
fn lifetime_is_the_default_maximum_age() {
    let codec = new_codec();
    let value = sealed(&codec, &session_with(&[("a", 1.into())]));
    assert!(codec.open_at(&value, NOW + DEFAULT_LIFETIME).is_ok());
    assert_eq!(
        codec
            .open_at(&value, NOW + DEFAULT_LIFETIME + 1)
            .unwrap_err()
            .cookie_kind(),
        Some(ErrorKind::Expired)
    );
    let short = codec.clone().with_lifetime(60);
    assert_eq!(
        short.open_at(&value, NOW + 61).unwrap_err().cookie_kind(),
        Some(ErrorKind::Expired)
    );
    // An explicit Options::max_age wins over the lifetime.
    let explicit = SessionCodec::new(
        Keyring::new(1, &key(1)),
        Options::new().with_max_age(Some(10)),
    )
    .with_lifetime(3600);
    assert!(explicit.open_at(&value, NOW + 10).is_ok());
    assert_eq!(
        explicit
            .open_at(&value, NOW + 11)
            .unwrap_err()
            .cookie_kind(),
        Some(ErrorKind::Expired)
    );
    assert_eq!(
        codec.open_at(&value, NOW - 61).unwrap_err().cookie_kind(),
        Some(ErrorKind::IssuedInFuture)
    );
}

#[test]
fn key_rotation_reseals_on_save() {
    let old = new_codec();
    let value = sealed(&old, &session_with(&[("a", 1.into())]));
    let rotated = SessionCodec::new(
        Keyring::new(2, &key(2)).with_key(1, &key(1)).unwrap(),
        Options::new(),
    );
    let session = rotated.open_at(&value, NOW).unwrap();
    assert!(session.reseal_advised() && !session.modified());
    let CookieOutcome::Set(header) = rotated
        .save_at(&session, NOW, &mut counting_nonce(3))
        .unwrap()
    else {
        panic!("not resealed")
    };
    let resealed = rotated.open_at(header_value(&header), NOW).unwrap();
    assert!(!resealed.reseal_advised());
    assert_eq!(
        old.open_at(header_value(&header), NOW)
            .unwrap_err()
            .cookie_kind(),
        Some(ErrorKind::UnknownKeyId)
    );
}

#[test]
fn authentic_plaintexts_must_be_valid_sessions() {
    let codec = new_codec();
    let deep = format!("{{\"a\":{}{}}}", "[".repeat(9_999), "]".repeat(9_999));
    let deep_compressed = codec
        .core()
        .seal_to_string(deep.as_bytes(), b"session", NOW, &mut counting_nonce(0))
        .unwrap();
    assert!(deep_compressed.len() < 200);
    let cases: Vec<(String, Result<&str, SessionError>)> = vec![
        (authentic(br#"{"a":1,"b":2,"a":3}"#), Ok(r#"{"a":3,"b":2}"#)),
        (authentic(br#"{}"#), Ok("{}")),
        (authentic(b"  {\"a\" : [ ] }\n"), Ok(r#"{"a":[]}"#)),
        (authentic(b"[1]"), Err(SessionError::InvalidJson)),
        (authentic(b"null"), Err(SessionError::InvalidJson)),
        (authentic(b""), Err(SessionError::InvalidJson)),
        (authentic(b"{\"a\":NaN}"), Err(SessionError::InvalidJson)),
        (
            authentic(b"{\"a\":-Infinity}"),
            Err(SessionError::InvalidJson),
        ),
        (
            authentic(b"{\"a\":\"\xc3\"}"),
            Err(SessionError::InvalidJson),
        ),
        (authentic(b"{\"a\":1}x"), Err(SessionError::InvalidJson)),
        (authentic(b"\xef\xbb\xbf{}"), Err(SessionError::InvalidJson)),
        (deep_compressed, Err(SessionError::TooDeep)),
        (
            authentic(br#"{"b":{"__type__":"bytes","b":"AA=="},"c":{"__type__":"bytes"}}"#),
            Err(SessionError::InvalidBytes),
        ),
        (
            authentic(br#"{"b":{"__type__":"bytes","b":7}}"#),
            Err(SessionError::InvalidBytes),
        ),
        (
            authentic(br#"{"b":{"__type__":"bytes","b":"AA=","x":1}}"#),
            Err(SessionError::InvalidBytes),
        ),
        (
            authentic(br#"{"b":{"__type__":"bytes","b":"AA=="}}"#),
            Ok(r#"{"b":{"__type__":"bytes","b":"AA=="}}"#),
        ),
    ];
    for (value, expected) in cases {
        let got = codec
            .open_at(&value, NOW)
            .map(|s| String::from_utf8(s.to_json_vec().unwrap()).unwrap());
        assert_eq!(got.as_deref().map_err(|e| *e), expected);
    }
}

#[test]
fn cookies_over_4096_bytes_are_refused_not_truncated() {
    // Uncompressed: cookie = "session=" + text_len(43 + json).
    let codec = SessionCodec::new(
        Keyring::new(1, &key(1)),
        Options::new().with_compression(Compression::Never),
    );
    let of_len = |n: usize| session_with(&[("k", "x".repeat(n).into())]);
    let fits = codec
        .seal_at(&of_len(3015), NOW, &mut counting_nonce(0))
        .unwrap();
    assert_eq!("session=".len() + fits.len(), MAX_COOKIE_LEN);
    assert_eq!(
        codec.seal_at(&of_len(3016), NOW, &mut counting_nonce(0)),
        Err(SessionError::CookieTooLarge)
    );
    assert_eq!(
        codec.save_at(&of_len(3016), NOW, &mut counting_nonce(0)),
        Err(SessionError::CookieTooLarge)
    );
    // A longer name leaves less room for the value.
    let long_name = codec.clone().with_cookie_name("session_x").unwrap();
    assert_eq!(
        long_name.seal_at(&of_len(3014), NOW, &mut counting_nonce(0)),
        Err(SessionError::CookieTooLarge)
    );
    // The header check refuses too, and open refuses before any work.
    assert_eq!(
        long_name.set_cookie_header(&fits, false),
        Err(SessionError::CookieTooLarge)
    );
    assert_eq!(
        long_name.open_at(&fits, NOW).unwrap_err().cookie_kind(),
        Some(ErrorKind::TooLarge)
    );
    // Over Options::max_plaintext_len is the core's TooLarge.
    let small = SessionCodec::new(
        Keyring::new(1, &key(1)),
        Options::new().with_max_plaintext_len(16),
    );
    assert_eq!(
        small
            .seal_at(&of_len(9), NOW, &mut counting_nonce(0))
            .unwrap_err()
            .cookie_kind(),
        Some(ErrorKind::TooLarge)
    );
    // Compressible sessions far over 4 KiB of JSON still fit.
    let big = new_codec()
        .seal_at(&of_len(20_000), NOW, &mut counting_nonce(0))
        .unwrap();
    assert!(big.len() < 200);
}

#[test]
fn legacy_open_seal_and_migrate() {
    let codec = legacy_codec();
    // v1-then-legacy opener.
    let session = codec.open_at(KAT_LEGACY, NOW).unwrap();
    assert_eq!(session.get::<u32>("answer").unwrap(), Some(42));
    assert!(session.reseal_advised());
    assert_eq!(session.issued_at(), None);
    let v1 = sealed(&codec, &session);
    assert!(!codec.open_at(&v1, NOW).unwrap().reseal_advised());

    // Sealing back reproduces Python's cookie byte for byte.
    let again = codec
        .seal_legacy_with(&session, &mut counting_nonce(0))
        .unwrap();
    assert_eq!(again, KAT_LEGACY);

    // Migration keeps the values exactly, including numbers Rust could not
    // hold in a u64 or f64.
    let mut rich = Session::from_json(
        br#"{"big": 123456789012345678901234567890, "f": 0.1, "e": 1e+100, "s": "Zo\u00eb",
            "b": {"__type__": "bytes", "b": "AAEC"}}"#,
    )
    .unwrap();
    rich.set_permanent(true);
    let legacy_value = codec
        .seal_legacy_with(&rich, &mut counting_nonce(5))
        .unwrap();
    let migrated = codec
        .migrate_at(&legacy_value, NOW, &mut counting_nonce(6))
        .unwrap();
    let opened = codec.open_at(&migrated, NOW).unwrap();
    assert_eq!(opened.as_map(), rich.as_map());
    assert_eq!(opened.issued_at(), Some(NOW));
    assert!(opened.permanent());
    assert_eq!(
        opened.to_json_vec().unwrap(),
        r#"{"big":123456789012345678901234567890,"f":0.1,"e":1e+100,"s":"Zoë","b":{"__type__":"bytes","b":"AAEC"},"_permanent":true}"#.as_bytes()
    );
    // A migrated cookie is bound to the cookie name like any v1 cookie.
    assert_eq!(
        codec
            .clone()
            .with_cookie_name("other")
            .unwrap()
            .open_at(&migrated, NOW)
            .unwrap_err()
            .cookie_kind(),
        Some(ErrorKind::Unauthentic)
    );
    // migrate() refuses a v1 cookie (that is no legacy cookie).
    assert_eq!(
        codec.migrate(&v1).unwrap_err().cookie_kind(),
        Some(ErrorKind::Malformed)
    );

    // Without a legacy key the legacy cookie is just malformed.
    assert_eq!(
        new_codec()
            .open_at(KAT_LEGACY, NOW)
            .unwrap_err()
            .cookie_kind(),
        Some(ErrorKind::Malformed)
    );
    assert_eq!(
        new_codec().open_legacy(KAT_LEGACY).unwrap_err(),
        SessionError::NoLegacyKey
    );
    assert_eq!(
        new_codec().seal_legacy(&session).unwrap_err(),
        SessionError::NoLegacyKey
    );
    // Under another legacy key: not authentic.
    assert_eq!(
        new_codec()
            .with_legacy_key(&key(3))
            .open_at(KAT_LEGACY, NOW)
            .unwrap_err()
            .cookie_kind(),
        Some(ErrorKind::Unauthentic)
    );
}

#[test]
fn legacy_flag_flips_are_clean_errors() {
    let codec = legacy_codec();
    let small = codec
        .seal_legacy_with(&session_with(&[("a", 1.into())]), &mut counting_nonce(0))
        .unwrap();
    let large = codec
        .seal_legacy_with(
            &session_with(&[("a", "x".repeat(2000).into())]),
            &mut counting_nonce(0),
        )
        .unwrap();
    assert!(small.starts_with("u.") && large.starts_with("z."));
    let flip = |value: &str, to: &str| format!("{to}{}", &value[1..]);
    assert_eq!(
        codec
            .open_at(&flip(&small, "z"), NOW)
            .unwrap_err()
            .cookie_kind(),
        Some(ErrorKind::Malformed)
    );
    assert_eq!(
        codec.open_at(&flip(&large, "u"), NOW).unwrap_err(),
        SessionError::InvalidJson
    );
}

#[test]
fn legacy_output_mode_for_mixed_deployments() {
    let codec = legacy_codec().with_seal_format(SealFormat::Legacy);
    let session = session_with(&[("answer", 42.into())]);
    assert_eq!(
        codec
            .seal_at(&session, NOW, &mut counting_nonce(0))
            .unwrap(),
        KAT_LEGACY
    );
    // A legacy cookie needs no re-seal here; a v1 cookie does.
    assert!(!codec.open_at(KAT_LEGACY, NOW).unwrap().reseal_advised());
    let v1 = sealed(&legacy_codec(), &session);
    let from_v1 = codec.open_at(&v1, NOW).unwrap();
    assert!(from_v1.reseal_advised());
    let CookieOutcome::Set(header) = codec
        .save_at(&from_v1, NOW, &mut counting_nonce(0))
        .unwrap()
    else {
        panic!("not resealed")
    };
    assert!(header.starts_with("session=u."));
    assert!(
        new_codec()
            .with_seal_format(SealFormat::Legacy)
            .seal(&session)
            .unwrap_err()
            == SessionError::NoLegacyKey
    );
}

#[test]
fn request_cookies_and_attributes() {
    let codec = new_codec();
    let value = sealed(&codec, &session_with(&[("a", 1.into())]));
    for header in [
        format!("session={value}"),
        format!("a=b; session={value}; c=d"),
        format!("a=b;session=\"{value}\""),
        format!(" \ta=b ;\t session \t= {value} \t"),
    ] {
        assert_eq!(codec.cookie_value(&header), Some(value.as_str()));
        assert_eq!(cookie_value(&header, "session"), Some(value.as_str()));
    }
    assert_eq!(codec.cookie_value("sessionx=1; xsession=2"), None);

    for bad in ["", "a b", "a;b", "a=b", "ö"] {
        assert_eq!(
            codec.clone().with_cookie_name(bad).unwrap_err(),
            SessionError::InvalidCookieAttribute
        );
    }
    assert!(codec.clone().with_path("no-slash").is_err());
    assert!(codec.clone().with_domain("a b").is_err());
    let insecure_none = codec
        .clone()
        .with_same_site(SameSite::None)
        .with_secure(false);
    assert_eq!(
        insecure_none.save(&session_with(&[("a", 1.into())])),
        Err(SessionError::InvalidCookieAttribute)
    );
    let dev = codec
        .clone()
        .with_secure(false)
        .with_http_only(false)
        .with_same_site(SameSite::Strict);
    assert_eq!(
        dev.set_cookie_header("v", false).unwrap(),
        "session=v; SameSite=Strict; Path=/"
    );
    let host = codec.with_cookie_name("__Host-s").unwrap();
    assert!(host.clone().set_cookie_header("v", false).is_ok());
    assert_eq!(
        host.with_domain("example.com")
            .unwrap()
            .set_cookie_header("v", false),
        Err(SessionError::InvalidCookieAttribute)
    );
}

#[test]
fn http_types() {
    use sealed_session::http::{HeaderMap, HeaderValue, header};
    let codec = new_codec();
    let session = session_with(&[("a", 1.into())]);
    let outcome = codec
        .save_at(&session, NOW, &mut counting_nonce(0))
        .unwrap();
    let header_value = outcome.header_value().unwrap().unwrap();
    assert_eq!(
        header_value.to_str().unwrap(),
        outcome.set_cookie().unwrap()
    );
    assert_eq!(CookieOutcome::Unchanged.header_value().unwrap(), None);

    let value = sealed(&codec, &session);
    let mut headers = HeaderMap::new();
    headers.append(header::COOKIE, HeaderValue::from_static("theme=dark"));
    headers.append(header::COOKIE, HeaderValue::from_bytes(b"x=\xff").unwrap());
    headers.append(
        header::COOKIE,
        HeaderValue::from_str(&format!("session={value}")).unwrap(),
    );
    assert_eq!(codec.cookie_value_in(&headers), Some(value.as_str()));
    assert_eq!(codec.cookie_value_in(&HeaderMap::new()), None);
}

#[test]
fn os_nonces_make_every_cookie_different() {
    let codec = new_codec();
    let session = session_with(&[("a", 1.into())]);
    let mut seen = std::collections::HashSet::new();
    for _ in 0..2000 {
        assert!(seen.insert(codec.seal(&session).unwrap()));
    }
}

#[test]
fn codec_is_shareable_and_session_is_sendable() {
    fn shareable<T: Send + Sync + Clone + 'static>() {}
    fn sendable<T: Send + Clone + 'static>() {}
    shareable::<SessionCodec>();
    shareable::<SessionError>();
    sendable::<Session>();
    // The v1 error survives when a legacy key is configured.
    let codec = legacy_codec();
    assert_eq!(
        codec
            .open_at(
                "AgABAAAAAGVT8QAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                NOW
            )
            .unwrap_err()
            .cookie_kind(),
        Some(ErrorKind::UnknownVersion)
    );
}

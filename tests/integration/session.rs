//! The std layer: session bookkeeping, the codec's cookie decisions, JSON
//! strictness after authentication, size limits, legacy migration and the
//! cookie headers.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use alloc::sync::Arc;
use core::time::Duration;
use std::time::{SystemTime, UNIX_EPOCH};

use base64ct::Encoding as _;
use sealed_session::cookie::{MAX_COOKIE_LEN, cookie_values};
use sealed_session::{
    Compression, CookieOutcome, ErrorKind, FixedRandom, Key, Keyring, Legacy, ManualClock,
    OsRandom, RawValue, Refresh, SameSite, SealFormat, Session, SessionCodec, SessionCodecBuilder,
    SessionError, SessionHandle, TypedSession,
};
use sealed_session_core::{Codec, FixedNonce, Options};

const NOW: u64 = 1_700_000_000;
const KAT_KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
/// `{"answer": 42}` sealed by tests/python/encrypted_session.py with key
/// `bytes(range(32))` and nonce `bytes(range(16))`.
const KAT_LEGACY: &str = "u.D7DycromYEhiSEIUsA4=.xcLffjV72Pk9kZ/Hsu0L2Q==.AAECAwQFBgcICQoLDA0ODw==";
/// The default cookie name (issue 10: `__Host-`).
const NAME: &str = "__Host-session";

fn key(byte: u8) -> Key {
    Key::from_bytes([byte; 32])
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(NOW))
}

/// Bytes 0, 1, …, 15, repeated: every id and nonce drawn from it.
fn counting() -> FixedRandom {
    FixedRandom::new((0..16).collect::<Vec<u8>>())
}

/// A codec under key 1 with the defaults, the clock at `clock`, and
/// deterministic randomness.
fn builder(clock: &Arc<ManualClock>) -> SessionCodecBuilder {
    SessionCodec::builder(Keyring::new(1, &key(1)))
        .clock(Arc::clone(clock))
        .random(counting())
}

fn new_codec() -> SessionCodec {
    builder(&clock()).build().unwrap()
}

/// The codec of a service sharing the cookie `session` with the Python
/// app: its cookies accepted from a day before `NOW` to a day after.
fn legacy_builder(clock: &Arc<ManualClock>) -> SessionCodecBuilder {
    builder(clock).cookie_name("session").accept_legacy(
        Legacy::encrypted_session(&Key::parse(KAT_KEY).unwrap())
            .since(at(NOW - 86_400))
            .until(at(NOW + 86_400)),
    )
}

fn legacy_codec() -> SessionCodec {
    legacy_builder(&clock()).build().unwrap()
}

fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

fn session_with(pairs: &[(&str, &str)]) -> Session {
    let mut session = Session::new();
    for (key, json) in pairs {
        session
            .insert_raw(key, RawValue::from_string((*json).to_owned()).unwrap())
            .unwrap();
    }
    session
}

/// Seals an arbitrary plaintext under the same key and context as
/// `new_codec()`, to feed authentic but invalid sessions to `open`.
fn authentic(plaintext: &[u8]) -> String {
    Codec::new(Keyring::new(1, &key(1)), Options::new())
        .seal_to_string(plaintext, NAME.as_bytes(), NOW, &mut FixedNonce([7; 16]))
        .unwrap()
}

/// The cookie value of a `Set-Cookie` header.
fn value_of(set_cookie: &str) -> &str {
    let pair = set_cookie.split(';').next().unwrap();
    pair.split_once('=').unwrap().1
}

/// The `Cookie` request header a browser sends back for a `Set-Cookie`.
fn cookie_header(set_cookie: &str) -> &str {
    set_cookie.split(';').next().unwrap()
}

fn set_cookie(outcome: CookieOutcome) -> String {
    match outcome {
        CookieOutcome::Set(header) => header,
        other => panic!("not set: {other:?}"),
    }
}

#[test]
fn reads_set_accessed_and_changes_set_modified() {
    let codec = new_codec();
    let mut session = session_with(&[("a", "1")]);
    let opened = codec.open(&codec.seal(&session).unwrap()).unwrap();
    assert!(!opened.accessed() && !opened.modified());

    // Every read marks accessed only.
    let reads: [&dyn Fn(&Session); 10] = [
        &|s| {
            let _ = s.get::<u32>("a");
        },
        &|s| {
            let _ = s.get_raw("a");
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
        &|s| {
            let _ = s.id();
        },
    ];
    for (i, read) in reads.iter().enumerate() {
        let fresh = opened.clone();
        assert!(!fresh.accessed(), "read {i}");
        read(&fresh);
        assert!(fresh.accessed() && !fresh.modified(), "read {i}");
    }
    // Through a handle, the same.
    let handle = SessionHandle::new(opened.clone());
    assert!(!handle.accessed());
    assert_eq!(handle.get::<u32>("a").unwrap(), Some(1));
    assert!(handle.accessed() && !handle.modified());
    // Neither the JSON views nor the bookkeeping getters count as reads.
    let quiet = opened.clone();
    let _ = (quiet.to_json_string(), quiet.to_flask_json());
    let _ = (
        quiet.issued_at(),
        quiet.created_at(),
        quiet.reseal_advised(),
    );
    assert!(!quiet.accessed());

    // No-op changes do not modify.
    let mut probe = opened.clone();
    assert!(probe.remove("missing").is_none());
    probe.set_permanent(false);
    assert!(probe.accessed() && !probe.modified());

    // Changes mark both.
    assert_eq!(session.remove("a").unwrap().get(), "1");
    assert!(session.modified() && session.accessed());
    let mut probe = opened.clone();
    probe.set_permanent(true);
    assert!(probe.modified() && probe.permanent());
    // The flag is metadata, not a key; Flask's view carries it.
    assert!(!probe.contains_key("_permanent"));
    assert_eq!(probe.to_json_string(), r#"{"a":1}"#);
    assert_eq!(probe.to_flask_json(), r#"{"a":1,"_permanent":true}"#);
    let mut probe = opened.clone();
    probe.insert_bytes("b", b"x").unwrap();
    assert!(probe.modified());
    let mut probe = opened;
    probe.regenerate();
    assert!(probe.modified() && probe.id().is_none());
}

#[test]
fn insertion_order_typed_values_and_wrong_types() {
    let mut session = Session::new();
    session.insert("z", "last?").unwrap();
    session.insert("a", vec![1u8, 2]).unwrap();
    session.insert("m", u128::MAX).unwrap();
    assert_eq!(session.insert("z", 5).unwrap().unwrap().get(), r#""last?""#);
    assert_eq!(session.keys().collect::<Vec<_>>(), ["z", "a", "m"]);
    assert_eq!(
        session.to_json_string(),
        r#"{"z":5,"a":[1,2],"m":340282366920938463463374607431768211455}"#
    );
    assert_eq!(session.get::<u128>("m").unwrap(), Some(u128::MAX));
    assert_eq!(session.get::<String>("z"), Err(SessionError::WrongType));
    assert_eq!(session.get_bytes("a"), Err(SessionError::WrongType));
    assert_eq!(session.get::<u8>("m"), Err(SessionError::WrongType));
    assert_eq!(session.get::<u8>("none"), Ok(None));

    let mut keys = std::collections::HashMap::new();
    keys.insert(vec![1u8], 2u8);
    assert_eq!(
        session.insert("bad", keys).unwrap_err(),
        SessionError::Unserializable
    );
    assert_eq!(
        session.insert("_permanent", true).unwrap_err(),
        SessionError::ReservedKey
    );
    // Rejected inserts leave the session as it was. The session object is
    // level 1: a value may nest 99 more levels.
    let nested = |n: usize| RawValue::from_string("[".repeat(n) + &"]".repeat(n)).unwrap();
    assert_eq!(
        session.insert_raw("deep", nested(100)).unwrap_err(),
        SessionError::TooDeep
    );
    session.insert_raw("ok", nested(99)).unwrap();
    let forged = RawValue::from_string(r#"{" b":"not base64!"}"#.to_owned()).unwrap();
    assert_eq!(
        session.insert_raw("x", forged).unwrap_err(),
        SessionError::InvalidBytes
    );
    // A number of any size is kept as its text; reading it as a type it
    // does not fit is the error.
    let huge = RawValue::from_string("1e400".to_owned()).unwrap();
    session.insert_raw("huge", huge).unwrap();
    assert_eq!(
        session.get::<f64>("huge").unwrap_err(),
        SessionError::WrongType
    );
    assert_eq!(session.get_raw("huge").unwrap().get(), "1e400");
    assert_eq!(
        session.keys().collect::<Vec<_>>(),
        ["z", "a", "m", "ok", "huge"]
    );
}

#[test]
fn untouched_session_needs_no_set_cookie() {
    let codec = new_codec();
    let value = codec.seal(&session_with(&[("user", "7")])).unwrap();
    let session = codec.open(&value).unwrap();
    let saved = codec.save(&session).unwrap();
    assert_eq!(saved.session_cookie, CookieOutcome::Unchanged);
    assert_eq!(saved.legacy_cookie, None);
    assert_eq!(saved.headers().count(), 0);
    // Reading still needs no Set-Cookie, but the caller adds Vary: Cookie.
    assert_eq!(session.get::<u32>("user").unwrap(), Some(7));
    assert!(session.accessed());
    assert_eq!(
        codec.save(&session).unwrap().session_cookie,
        CookieOutcome::Unchanged
    );
    assert_eq!(
        codec.save(&Session::new()).unwrap().session_cookie,
        CookieOutcome::Unchanged
    );
}

#[test]
fn permanent_sessions_get_max_age_and_are_refreshed() {
    let clock = clock();
    let codec = builder(&clock)
        .idle_timeout(Duration::from_secs(3600))
        .build()
        .unwrap();
    let mut session = session_with(&[("cart", "1")]);
    let header = set_cookie(codec.save(&session).unwrap().session_cookie);
    // Deterministic randomness: the same id and nonce as a seal of its own.
    assert_eq!(
        header,
        format!(
            "__Host-session={}; HttpOnly; Secure; SameSite=Lax; Path=/",
            codec.seal(&session).unwrap()
        )
    );

    session.set_permanent(true);
    let header = set_cookie(codec.save(&session).unwrap().session_cookie);
    assert!(header.ends_with("; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=3600"));

    // An unmodified session is sealed again once its cookie is a minute old
    // (the default refresh), keeping its creation time.
    clock.set(NOW + 59);
    let opened = codec.open(value_of(&header)).unwrap();
    assert!(opened.permanent() && !opened.modified());
    assert_eq!(
        codec.save(&opened).unwrap().session_cookie,
        CookieOutcome::Unchanged
    );
    clock.set(NOW + 60);
    let refreshed = set_cookie(codec.save(&opened).unwrap().session_cookie);
    let reopened = codec.open(value_of(&refreshed)).unwrap();
    assert_eq!(reopened.issued_at(), Some(NOW + 60));
    assert_eq!(reopened.created_at(), Some(NOW));
    assert!(refreshed.ends_with("; Max-Age=3600"));

    // On every request, or never.
    let each = builder(&clock)
        .idle_timeout(Duration::from_secs(3600))
        .refresh(Refresh::EachRequest)
        .build()
        .unwrap();
    clock.set(NOW + 61);
    let opened = each.open(value_of(&refreshed)).unwrap();
    assert!(matches!(
        each.save(&opened).unwrap().session_cookie,
        CookieOutcome::Set(_)
    ));
    let never = builder(&clock)
        .idle_timeout(Duration::from_secs(3600))
        .refresh(Refresh::Never)
        .build()
        .unwrap();
    clock.set(NOW + 3000);
    let opened = never.open(value_of(&refreshed)).unwrap();
    assert_eq!(
        never.save(&opened).unwrap().session_cookie,
        CookieOutcome::Unchanged
    );
    // A refresh interval the idle timeout would cut short is refused.
    let error = builder(&clock)
        .idle_timeout(Duration::from_secs(60))
        .refresh(Refresh::After(Duration::from_secs(60)))
        .build()
        .unwrap_err();
    assert_eq!(error.setting(), "refresh");
}

#[test]
fn clear_deletes_the_cookie() {
    let codec = builder(&clock())
        .cookie_name("session")
        .domain("example.com")
        .path("/app")
        .build()
        .unwrap();
    let value = codec.seal(&session_with(&[("user", "7")])).unwrap();
    let mut session = codec.open(&value).unwrap();
    session.set_permanent(true);
    session.clear();
    assert!(session.modified() && session.is_empty() && !session.permanent());
    assert_eq!(session.id(), None);
    assert_eq!(
        codec.save(&session).unwrap().session_cookie,
        CookieOutcome::Delete(
            "session=; HttpOnly; Secure; SameSite=Lax; Path=/app; Domain=example.com; \
             Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
                .to_owned()
        )
    );
    // Filled again after the logout, it is a new session: a new id.
    session.insert("user", 8).unwrap();
    let again = codec
        .open(value_of(&set_cookie(
            codec.save(&session).unwrap().session_cookie,
        )))
        .unwrap();
    assert_eq!(again.get::<u32>("user").unwrap(), Some(8));
    assert!(again.id().is_some());
}

/// Clearing a new, empty session (no cookie came with the request) changes
/// nothing, so nothing is sent: what the pre-builder codec did.
#[test]
fn clearing_a_new_empty_session_sends_nothing() {
    let codec = new_codec();
    let mut fresh = Session::new();
    fresh.clear();
    assert!(!fresh.modified());
    assert_eq!(
        codec.save(&fresh).unwrap().session_cookie,
        CookieOutcome::Unchanged
    );
}

#[test]
fn regenerate_gives_a_fresh_unrelated_identity() {
    let clock = clock();
    let codec = builder(&clock).random(OsRandom).build().unwrap();
    let mut session = Session::new();
    session.insert("visits", 3).unwrap();
    let before_value = codec.seal(&session).unwrap();
    let before = codec.open(&before_value).unwrap();
    let old_id = before.id().unwrap();
    assert_eq!(old_id.to_string().len(), 22);
    assert_eq!(before.created_at(), Some(NOW));

    // Login, an hour later: same data, new identity, new creation time.
    clock.set(NOW + 3600);
    let mut after = before.clone();
    after.regenerate();
    assert!(after.modified());
    assert_eq!(after.id(), None);
    assert_eq!(after.get::<u32>("visits").unwrap(), Some(3));
    let header = set_cookie(codec.save(&after).unwrap().session_cookie);
    let after_value = value_of(&header);
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
    let new_id = reopened.id().unwrap();
    assert_ne!(new_id, old_id);
    assert_eq!(reopened.created_at(), Some(NOW + 3600));
    assert_eq!(reopened.get::<u32>("visits").unwrap(), Some(3));
    // Many regenerations never repeat an identity.
    let mut ids = std::collections::HashSet::new();
    let mut current = reopened;
    for _ in 0..1000 {
        current.regenerate();
        current = codec.open(&codec.seal(&current).unwrap()).unwrap();
        assert!(ids.insert(current.id().unwrap()));
    }
    assert!(!ids.contains(&old_id) && !ids.contains(&new_id));
}

#[test]
fn strict_open_errors_and_load_replaces() {
    let codec = new_codec();
    let value = codec.seal(&session_with(&[("a", "1")])).unwrap();
    // One character of the ciphertext changed (not the last one, whose
    // unused bits would make it malformed instead).
    let mut tampered = value.clone().into_bytes();
    let at = 60;
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    assert_eq!(
        codec.open(&tampered).unwrap_err().cookie_kind(),
        Some(ErrorKind::Unauthentic)
    );
    // load: a fresh session, the reason, and a deletion of the bad cookie.
    let loaded = codec.load([format!("{NAME}={tampered}").as_str()]);
    assert!(loaded.session.is_empty() && !loaded.session.modified());
    assert_eq!(loaded.rejected, Some(ErrorKind::Unauthentic.into()));
    assert_eq!(
        codec.save(&loaded.session).unwrap().session_cookie,
        CookieOutcome::Delete(codec.delete_cookie_header())
    );
    // Filled by the handler instead, it replaces the bad cookie.
    let mut filled = loaded.session;
    filled.insert("fresh", true).unwrap();
    assert!(matches!(
        codec.save(&filled).unwrap().session_cookie,
        CookieOutcome::Set(_)
    ));
    // No cookie: nothing rejected, nothing to delete.
    let none = codec.load(["theme=dark"]);
    assert_eq!(none.rejected, None);
    assert_eq!(
        codec.save(&none.session).unwrap().session_cookie,
        CookieOutcome::Unchanged
    );
    let good = codec.load([format!("{NAME}={value}").as_str()]);
    assert_eq!(good.rejected, None);
    assert_eq!(good.session.get::<u8>("a").unwrap(), Some(1));
    assert!(!good.session.modified());

    // Another cookie name is another context.
    let renamed = builder(&clock()).cookie_name("id").build().unwrap();
    assert_eq!(
        renamed.open(&value).unwrap_err().cookie_kind(),
        Some(ErrorKind::Unauthentic)
    );
    // An explicit context replaces the name.
    let a = builder(&clock()).context("app-1").build().unwrap();
    let b = builder(&clock())
        .cookie_name("id")
        .context("app-1")
        .build()
        .unwrap();
    let shared = a.seal(&session_with(&[("a", "1")])).unwrap();
    assert_eq!(b.open(&shared).unwrap().get::<u8>("a").unwrap(), Some(1));
    assert_eq!(
        codec.open(&shared).unwrap_err().cookie_kind(),
        Some(ErrorKind::Unauthentic)
    );
}

#[test]
fn the_idle_timeout_is_the_maximum_age_and_the_cookie_max_age() {
    let clock = clock();
    let codec = builder(&clock).build().unwrap();
    assert_eq!(codec.idle_timeout(), Duration::from_secs(24 * 3600));
    assert_eq!(codec.absolute_timeout(), Duration::from_secs(7 * 24 * 3600));
    // One setting drives the server's check and the cookie's Max-Age.
    assert_eq!(codec.core().options().max_age(), Some(24 * 3600));
    let value = codec.seal(&session_with(&[("a", "1")])).unwrap();
    clock.set(NOW + 86_400);
    assert!(codec.open(&value).is_ok());
    clock.set(NOW + 86_401);
    assert_eq!(
        codec.open(&value).unwrap_err().cookie_kind(),
        Some(ErrorKind::Expired)
    );
    let short = builder(&clock)
        .idle_timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    assert_eq!(short.core().options().max_age(), Some(60));
    clock.set(NOW + 60);
    assert!(short.open(&value).is_ok());
    clock.set(NOW + 61);
    assert_eq!(
        short.open(&value).unwrap_err().cookie_kind(),
        Some(ErrorKind::Expired)
    );
    let mut permanent = session_with(&[("a", "1")]);
    permanent.set_permanent(true);
    assert!(set_cookie(short.save(&permanent).unwrap().session_cookie).ends_with("; Max-Age=60"));
    // The clock skew (60 s by default) bounds how far in the future a
    // cookie may have been issued.
    clock.set(NOW - 60);
    assert!(codec.open(&value).is_ok());
    clock.set(NOW - 61);
    assert_eq!(
        codec.open(&value).unwrap_err().cookie_kind(),
        Some(ErrorKind::IssuedInFuture)
    );
    // An idle timeout longer than the absolute timeout is refused.
    let error = builder(&clock)
        .idle_timeout(Duration::from_secs(8 * 24 * 3600))
        .build()
        .unwrap_err();
    assert_eq!(error.setting(), "idle_timeout");
}

#[test]
fn key_rotation_reseals_on_save() {
    let old = new_codec();
    let value = old.seal(&session_with(&[("a", "1")])).unwrap();
    let rotated = SessionCodec::builder(Keyring::new(2, &key(2)).with_key(1, &key(1)).unwrap())
        .clock(clock())
        .build()
        .unwrap();
    let session = rotated.open(&value).unwrap();
    assert!(session.reseal_advised() && !session.modified());
    let header = set_cookie(rotated.save(&session).unwrap().session_cookie);
    let resealed = rotated.open(value_of(&header)).unwrap();
    assert!(!resealed.reseal_advised());
    // The same session: id and creation kept.
    assert_eq!(resealed.id(), session.id());
    assert_eq!(resealed.created_at(), Some(NOW));
    assert_eq!(
        old.open(value_of(&header)).unwrap_err().cookie_kind(),
        Some(ErrorKind::UnknownKeyId)
    );
}

#[test]
fn authentic_plaintexts_must_be_valid_sessions() {
    let codec = new_codec();
    let deep = format!("{{\"a\":{}{}}}", "[".repeat(9_999), "]".repeat(9_999));
    let deep_compressed = Codec::new(
        Keyring::new(1, &key(1)),
        Options::new().with_compression(Compression::Above(0)),
    )
    .seal_to_string(
        deep.as_bytes(),
        NAME.as_bytes(),
        NOW,
        &mut FixedNonce([7; 16]),
    )
    .unwrap();
    assert!(deep_compressed.len() < 200);
    // The metadata prefix: 0x00, flags (bit 0 permanent, bit 1 id), the
    // creation time (u64 big-endian), the id when flagged.
    let meta = |flags: u8, json: &[u8]| {
        let mut plain = vec![0, flags];
        plain.extend_from_slice(&NOW.to_be_bytes());
        if flags & 2 != 0 {
            plain.extend_from_slice(&[0xaa; 16]);
        }
        plain.extend_from_slice(json);
        plain
    };
    let cases: Vec<(&str, String, Result<&str, SessionError>)> = vec![
        (
            "duplicate keys: the last wins",
            authentic(br#"{"a":1,"b":2,"a":3}"#),
            Ok(r#"{"a":3,"b":2}"#),
        ),
        ("empty object", authentic(br"{}"), Ok("{}")),
        (
            "whitespace: around members dropped, inside values kept",
            authentic(b"  {\"a\" : [ ] }\n"),
            Ok(r#"{"a":[ ]}"#),
        ),
        (
            "a bare object's _permanent is the flag",
            authentic(br#"{"a":1,"_permanent":true}"#),
            Ok(r#"{"a":1}"#),
        ),
        (
            "metadata, no id",
            authentic(&meta(0, br#"{"a":1}"#)),
            Ok(r#"{"a":1}"#),
        ),
        (
            "metadata, id and permanent",
            authentic(&meta(3, br#"{"a":1}"#)),
            Ok(r#"{"a":1}"#),
        ),
        (
            "metadata, trailing padding",
            authentic(&meta(0, b"{\"a\":1}      ")),
            Ok(r#"{"a":1}"#),
        ),
        (
            "metadata, a reserved flag",
            authentic(&meta(4, br#"{"a":1}"#)),
            Err(SessionError::InvalidSession),
        ),
        (
            "metadata, cut short",
            authentic(&meta(2, b"")[..20]),
            Err(SessionError::InvalidSession),
        ),
        (
            "metadata, no body",
            authentic(&meta(0, b"")),
            Err(SessionError::InvalidJson),
        ),
        (
            "an array",
            authentic(b"[1]"),
            Err(SessionError::InvalidSession),
        ),
        (
            "null",
            authentic(b"null"),
            Err(SessionError::InvalidSession),
        ),
        ("empty", authentic(b""), Err(SessionError::InvalidSession)),
        (
            "a byte-order mark",
            authentic(b"\xef\xbb\xbf{}"),
            Err(SessionError::InvalidSession),
        ),
        (
            "NaN",
            authentic(b"{\"a\":NaN}"),
            Err(SessionError::InvalidJson),
        ),
        (
            "-Infinity",
            authentic(b"{\"a\":-Infinity}"),
            Err(SessionError::InvalidJson),
        ),
        (
            "beyond f64: kept as text, an error only when read as a float",
            authentic(b"{\"a\":[1e999999]}"),
            Ok(r#"{"a":[1e999999]}"#),
        ),
        (
            "not UTF-8",
            authentic(b"{\"a\":\"\xc3\"}"),
            Err(SessionError::InvalidJson),
        ),
        (
            "trailing data",
            authentic(b"{\"a\":1}x"),
            Err(SessionError::InvalidJson),
        ),
        ("10,000 deep", deep_compressed, Err(SessionError::TooDeep)),
        (
            "tagged bytes, bad padding",
            authentic(br#"{"b":{" b":"AA=="},"c":{" b":"AA="}}"#),
            Err(SessionError::InvalidBytes),
        ),
        (
            "tagged bytes, a number",
            authentic(br#"{"b":{" b":7}}"#),
            Err(SessionError::InvalidBytes),
        ),
        (
            "tagged bytes, deep inside",
            authentic(br#"{"b":[[{" b":"*"}]]}"#),
            Err(SessionError::InvalidBytes),
        ),
        (
            "tagged bytes, well formed",
            authentic(br#"{"b":{" b":"AA=="}}"#),
            Ok(r#"{"b":{" b":"AA=="}}"#),
        ),
        (
            "two members: not a tag (as in Flask)",
            authentic(br#"{"b":{" b":"*","x":1}}"#),
            Ok(r#"{"b":{" b":"*","x":1}}"#),
        ),
        (
            "the Python format's tag means nothing in v1",
            authentic(br#"{"b":{"__type__":"bytes","b":"*"}}"#),
            Ok(r#"{"b":{"__type__":"bytes","b":"*"}}"#),
        ),
    ];
    for (name, value, expected) in cases {
        let got = codec.open(&value).map(|s| s.to_json_string());
        assert_eq!(got.as_deref().map_err(|e| *e), expected, "{name}");
    }
}

#[test]
fn cookies_over_4096_bytes_are_refused_not_truncated() {
    // Uncompressed (the default): the value is the base64url text of 43
    // bytes of envelope, 26 of metadata and the JSON `{"k":"…"}` (8 + n
    // bytes). Under the 14-character name, 4082 characters (3061 bytes)
    // are the most: n = 3061 - 43 - 26 - 8 = 2984.
    let codec = new_codec();
    let of_len = |n: usize| {
        let mut session = Session::new();
        session.insert("k", "x".repeat(n)).unwrap();
        session
    };
    let fits = codec.seal(&of_len(2984)).unwrap();
    assert_eq!(fits.len(), 4082);
    assert_eq!(NAME.len() + fits.len(), MAX_COOKIE_LEN);
    assert_eq!(codec.seal(&of_len(2985)), Err(SessionError::CookieTooLarge));
    assert_eq!(codec.save(&of_len(2985)), Err(SessionError::CookieTooLarge));
    // A longer name leaves less room for the value...
    let long_name = builder(&clock())
        .cookie_name("__Host-session-x")
        .build()
        .unwrap();
    assert_eq!(long_name.seal(&of_len(2983)).unwrap().len(), 4080);
    assert_eq!(
        long_name.seal(&of_len(2984)),
        Err(SessionError::CookieTooLarge)
    );
    // ...and open refuses a value too long for its name before any work.
    assert_eq!(
        long_name.open(&fits).unwrap_err().cookie_kind(),
        Some(ErrorKind::TooLarge)
    );
    // Over max_plaintext_len is the core's TooLarge.
    let small = builder(&clock()).max_plaintext_len(16).build().unwrap();
    assert_eq!(
        small.seal(&of_len(9)).unwrap_err().cookie_kind(),
        Some(ErrorKind::TooLarge)
    );
    // Compressible sessions far over 4 KiB fit only with compression,
    // which is off by default (issue 10: it leaks through the length).
    let compressing = builder(&clock())
        .compression(Compression::Above(1024))
        .build()
        .unwrap();
    let big = compressing.seal(&of_len(20_000)).unwrap();
    assert!(big.len() < 200 && big.starts_with("AQEB"), "{big}");
    assert_eq!(
        compressing.open(&big).unwrap().get::<String>("k").unwrap(),
        Some("x".repeat(20_000))
    );
    assert_eq!(
        codec.seal(&of_len(20_000)),
        Err(SessionError::CookieTooLarge)
    );
}

#[test]
fn legacy_open_seal_and_migrate() {
    let codec = legacy_codec();
    // v1-then-legacy opener, under the cookie name the source is bound to.
    let session = codec.open(KAT_LEGACY).unwrap();
    assert_eq!(session.get::<u32>("answer").unwrap(), Some(42));
    assert!(session.reseal_advised());
    assert_eq!(session.issued_at(), None);
    assert_eq!(session.created_at(), Some(NOW - 86_400));
    let v1 = codec.seal(&session).unwrap();
    let reopened = codec.open(&v1).unwrap();
    assert!(!reopened.reseal_advised());
    assert_eq!(reopened.created_at(), Some(NOW - 86_400));

    // Sealing back reproduces Python's cookie byte for byte.
    let writer = legacy_builder(&clock())
        .seal_format(SealFormat::Legacy)
        .build()
        .unwrap();
    assert_eq!(writer.seal(&session).unwrap(), KAT_LEGACY);

    // Migration keeps the values exactly, including numbers Rust could not
    // hold in a u64 or f64.
    let mut rich = Session::from_python_json(
        br#"{"big": 123456789012345678901234567890, "f": 0.1, "e": 1e+100, "s": "Zo\u00eb",
            "b": {"__type__": "bytes", "b": "AAEC"}}"#,
    )
    .unwrap();
    rich.set_permanent(true);
    let legacy_value = writer.seal(&rich).unwrap();
    let migrated = codec.migrate(&legacy_value).unwrap();
    let opened = codec.open(&migrated).unwrap();
    assert_eq!(opened.issued_at(), Some(NOW));
    assert!(opened.permanent());
    assert_eq!(
        opened.to_json_string(),
        r#"{"big":123456789012345678901234567890,"f":0.1,"e":1e+100,"s":"Zoë","b":{" b":"AAEC"}}"#
    );
    assert_eq!(
        opened.to_python_json().unwrap(),
        r#"{"big": 123456789012345678901234567890, "f": 0.1, "e": 1e+100, "s": "Zo\u00eb", "b": {"__type__": "bytes", "b": "AAEC"}, "_permanent": true}"#
    );
    assert_eq!(opened.get_bytes("b").unwrap(), Some(vec![0, 1, 2]));
    // A migrated cookie is bound to the cookie name like any v1 cookie.
    let other = legacy_builder(&clock())
        .cookie_name("other")
        .build()
        .unwrap();
    assert_eq!(
        other.open(&migrated).unwrap_err().cookie_kind(),
        Some(ErrorKind::Unauthentic)
    );
    // migrate() refuses a v1 cookie (that is no legacy cookie).
    assert_eq!(
        codec.migrate(&v1).unwrap_err().cookie_kind(),
        Some(ErrorKind::Malformed)
    );

    // Without a legacy source the legacy cookie is just malformed.
    let plain = builder(&clock()).cookie_name("session").build().unwrap();
    assert_eq!(
        plain.open(KAT_LEGACY).unwrap_err().cookie_kind(),
        Some(ErrorKind::Malformed)
    );
    assert_eq!(
        plain.open_legacy(KAT_LEGACY).unwrap_err().cookie_kind(),
        Some(ErrorKind::Malformed)
    );
    // Writing the legacy format needs its key: refused when built.
    let error = builder(&clock())
        .seal_format(SealFormat::Legacy)
        .build()
        .unwrap_err();
    assert_eq!(error.setting(), "seal_format");
    // Under another legacy key: not authentic.
    let wrong_key = builder(&clock())
        .cookie_name("session")
        .accept_legacy(
            Legacy::encrypted_session(&key(3))
                .since(at(NOW - 1))
                .until(at(NOW + 1)),
        )
        .build()
        .unwrap();
    assert_eq!(
        wrong_key.open(KAT_LEGACY).unwrap_err().cookie_kind(),
        Some(ErrorKind::Unauthentic)
    );
}

#[test]
fn legacy_acceptance_needs_both_dates() {
    let legacy = || Legacy::encrypted_session(&Key::parse(KAT_KEY).unwrap());
    for (what, source) in [
        ("no dates", legacy()),
        ("no end", legacy().since(at(NOW))),
        ("no start", legacy().until(at(NOW))),
        ("end before start", legacy().since(at(NOW)).until(at(NOW))),
        (
            "bad cookie name",
            legacy()
                .cookie_name("a b")
                .since(at(NOW))
                .until(at(NOW + 1)),
        ),
    ] {
        let error = builder(&clock()).accept_legacy(source).build().unwrap_err();
        assert_eq!(error.setting(), "accept_legacy", "{what}");
    }
    let error = builder(&clock())
        .accept_legacy(legacy().since(at(NOW)).until(at(NOW + 1)))
        .accept_legacy(legacy().since(at(NOW)).until(at(NOW + 1)))
        .build()
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid setting `accept_legacy`: two legacy sources read the cookie `session`"
    );
}

#[test]
fn legacy_flag_flips_are_clean_errors() {
    let writer = legacy_builder(&clock())
        .seal_format(SealFormat::Legacy)
        .compression(Compression::Above(1024))
        .build()
        .unwrap();
    let small = writer.seal(&session_with(&[("a", "1")])).unwrap();
    let mut large = Session::new();
    large.insert("a", "x".repeat(2000)).unwrap();
    let large = writer.seal(&large).unwrap();
    assert!(small.starts_with("u.") && large.starts_with("z."));
    let codec = legacy_codec();
    let flip = |value: &str, to: &str| format!("{to}{}", &value[1..]);
    assert_eq!(
        codec.open(&flip(&small, "z")).unwrap_err().cookie_kind(),
        Some(ErrorKind::Malformed)
    );
    assert_eq!(
        codec.open(&flip(&large, "u")).unwrap_err(),
        SessionError::InvalidJson
    );
}

#[test]
fn legacy_output_mode_for_mixed_deployments() {
    let clock = clock();
    let codec = legacy_builder(&clock)
        .seal_format(SealFormat::Legacy)
        .build()
        .unwrap();
    let session = session_with(&[("answer", "42")]);
    assert_eq!(codec.seal(&session).unwrap(), KAT_LEGACY);
    // A legacy cookie needs no re-seal here; a v1 cookie does.
    let legacy = codec.open(KAT_LEGACY).unwrap();
    assert!(!legacy.reseal_advised());
    assert_eq!(legacy.created_at(), None);
    let v1 = legacy_codec().seal(&session).unwrap();
    let from_v1 = codec.open(&v1).unwrap();
    assert!(from_v1.reseal_advised());
    let header = set_cookie(codec.save(&from_v1).unwrap().session_cookie);
    assert_eq!(
        header,
        format!("session={KAT_LEGACY}; HttpOnly; Secure; SameSite=Lax; Path=/")
    );
    // Such a service's cookies still stop opening at the end date.
    clock.set(NOW + 86_400);
    assert_eq!(
        codec.open(KAT_LEGACY).unwrap_err(),
        SessionError::LegacyNoLongerAccepted
    );
}

#[test]
fn request_cookies_and_attributes() {
    let codec = new_codec();
    let value = codec.seal(&session_with(&[("a", "1")])).unwrap();
    for header in [
        format!("{NAME}={value}"),
        format!("a=b; {NAME}={value}; c=d"),
        format!("a=b;{NAME}=\"{value}\""),
        format!(" \ta=b ;\t {NAME} \t= {value} \t"),
    ] {
        assert_eq!(
            cookie_values([header.as_str()], NAME).collect::<Vec<_>>(),
            [value.as_str()],
            "{header:?}"
        );
        let loaded = codec.load([header.as_str()]);
        assert_eq!(loaded.rejected, None, "{header:?}");
        assert_eq!(
            loaded.session.get::<u8>("a").unwrap(),
            Some(1),
            "{header:?}"
        );
    }
    let near_misses = format!("{NAME}x={value}; x{NAME}={value}; __host-session={value}");
    assert_eq!(cookie_values([near_misses.as_str()], NAME).count(), 0);
    assert!(codec.load([near_misses.as_str()]).session.is_empty());

    for bad in ["", "a b", "a;b", "a=b", "ö"] {
        let error = builder(&clock()).cookie_name(bad).build().unwrap_err();
        assert_eq!(error.setting(), "cookie_name", "{bad:?}");
    }
    let error = builder(&clock())
        .cookie_name("s")
        .path("no-slash")
        .build()
        .unwrap_err();
    assert_eq!(error.setting(), "path");
    let error = builder(&clock())
        .cookie_name("s")
        .domain("a b")
        .build()
        .unwrap_err();
    assert_eq!(error.setting(), "domain");
    let error = builder(&clock())
        .cookie_name("s")
        .same_site(SameSite::None)
        .secure(false)
        .build()
        .unwrap_err();
    assert_eq!(error.setting(), "same_site");
    let dev = builder(&clock())
        .cookie_name("session")
        .secure(false)
        .http_only(false)
        .same_site(SameSite::Strict)
        .build()
        .unwrap();
    let session = session_with(&[("a", "1")]);
    assert_eq!(
        set_cookie(dev.save(&session).unwrap().session_cookie),
        format!(
            "session={}; SameSite=Strict; Path=/",
            dev.seal(&session).unwrap()
        )
    );
    let error = builder(&clock())
        .cookie_name("__Host-s")
        .domain("example.com")
        .build()
        .unwrap_err();
    assert_eq!(error.setting(), "domain");
    let error = builder(&clock()).secure(false).build().unwrap_err();
    assert_eq!(error.setting(), "secure");
}

#[test]
fn http_types() {
    use sealed_session::http::{HeaderMap, HeaderValue, header};
    let codec = new_codec();
    let session = session_with(&[("a", "1")]);
    let saved = codec.save(&session).unwrap();
    let values: Vec<HeaderValue> = saved.header_values().collect();
    assert_eq!(values.len(), 1);
    assert_eq!(
        values[0].to_str().unwrap(),
        saved.session_cookie.set_cookie().unwrap()
    );
    let untouched = codec.save(&Session::new()).unwrap();
    assert_eq!(untouched.header_values().count(), 0);

    let value = codec.seal(&session).unwrap();
    let mut headers = HeaderMap::new();
    headers.append(header::COOKIE, HeaderValue::from_static("theme=dark"));
    headers.append(header::COOKIE, HeaderValue::from_bytes(b"x=\xff").unwrap());
    headers.append(
        header::COOKIE,
        HeaderValue::from_str(&format!("{NAME}={value}")).unwrap(),
    );
    let loaded = codec.load(headers.get_all(header::COOKIE));
    assert_eq!(loaded.rejected, None);
    assert_eq!(loaded.session.get::<u8>("a").unwrap(), Some(1));
    let empty = codec.load(HeaderMap::new().get_all(header::COOKIE));
    assert!(empty.session.is_empty() && empty.rejected.is_none());
}

#[test]
fn os_randomness_makes_every_cookie_different() {
    let codec = builder(&clock()).random(OsRandom).build().unwrap();
    let session = session_with(&[("a", "1")]);
    let mut seen = std::collections::HashSet::new();
    for _ in 0..2000 {
        assert!(seen.insert(codec.seal(&session).unwrap()));
    }
}

#[test]
fn typed_sessions_round_trip_and_refuse_json_cookies() {
    #[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
    struct Cart {
        user: u64,
        items: Vec<u32>,
    }
    let codec = new_codec();
    let mut session = codec.load_as::<TypedSession<Cart>, _, str>([]).session;
    session.set(Cart {
        user: 7,
        items: vec![1, 300],
    });
    let header = set_cookie(codec.save(&session).unwrap().session_cookie);
    let loaded = codec.load_as::<TypedSession<Cart>, _, _>([cookie_header(&header)]);
    assert_eq!(loaded.rejected, None);
    assert_eq!(
        loaded.session.get(),
        Some(&Cart {
            user: 7,
            items: vec![1, 300]
        })
    );
    assert_eq!(loaded.session.created_at(), Some(NOW));
    // Postcard: metadata (26 bytes), then 7, 2, 1, 300 (two bytes).
    let opened = codec
        .core()
        .open_to_vec(value_of(&header), NAME.as_bytes(), NOW);
    assert_eq!(opened.unwrap().plaintext[26..], [7, 2, 1, 0xac, 0x02]);
    // A JSON session's cookie is not a typed session, and the reverse.
    let json = codec.seal(&session_with(&[("user", "7")])).unwrap();
    assert_eq!(
        codec.open_as::<TypedSession<Cart>>(&json).unwrap_err(),
        SessionError::InvalidSession
    );
    assert_eq!(
        codec.open(value_of(&header)).unwrap_err(),
        SessionError::InvalidJson
    );
    let typed_from_json =
        codec.load_as::<TypedSession<Cart>, _, _>([format!("{NAME}={json}").as_str()]);
    assert!(typed_from_json.session.get().is_none());
    assert_eq!(typed_from_json.rejected, Some(SessionError::InvalidSession));
    // Cleared: deleted.
    let mut cleared = loaded.session;
    cleared.clear();
    assert_eq!(
        codec.save(&cleared).unwrap().session_cookie,
        CookieOutcome::Delete(codec.delete_cookie_header())
    );
    let _: TypedSession<Cart> = cleared;
}

#[test]
fn codec_is_shareable_and_sessions_are_sendable() {
    fn shareable<T: Send + Sync + Clone + 'static>() {}
    shareable::<SessionCodec>();
    shareable::<SessionError>();
    shareable::<Session>();
    shareable::<SessionHandle>();
    // The v1 error survives when a legacy source is configured.
    let codec = legacy_codec();
    assert_eq!(
        codec
            .open("AgABAAAAAGVT8QAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
            .unwrap_err()
            .cookie_kind(),
        Some(ErrorKind::UnknownVersion)
    );
}

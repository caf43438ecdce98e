//! Real Starlette's verdicts against ours, case by case, and the migration
//! of Starlette's cookies to envelope v1.
//!
//! `tests/python/starlette_cookies.py` makes every cookie with Starlette
//! 1.10's `SessionMiddleware` and itsdangerous 2.2 (a real app and
//! Starlette's test client, or the middleware's own signer for payloads it
//! never writes) and records what Starlette does with it at a frozen clock.
//! `tests/data/starlette_cookies.json` is its output, committed;
//! [`live_starlette_agrees`] runs the script again and fails if Python or
//! Starlette is missing.
//!
//! Each case says what Starlette does (checked against the recorded facts,
//! so a Starlette upgrade that changes a verdict fails here) and what the
//! verifier must do. "Accepts" on the Rust side means `verify` returns the
//! JSON and it parses as a JSON object, the same object Starlette decoded.

use core::time::Duration;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use sealed_session::ErrorKind::{self, Expired, IssuedInFuture, Malformed, TooLarge, Unauthentic};
use sealed_session::starlette::StarletteVerifier;
use sealed_session::{Key, Keyring, Legacy, ManualClock, Outcome, SessionCodec, SessionError};
use serde_json::{Map, Value};

/// What Starlette does with the cookie.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Starlette {
    /// `unsign` returns the payload and the request sees the session.
    Accepts,
    /// `unsign` raises this `BadSignature` subclass; the request sees an
    /// empty session.
    Rejects(&'static str),
    /// `unsign` accepts, then decoding fails inside the middleware: 500.
    Fails,
}

/// What the verifier does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rust {
    /// Verified, and the JSON is an object.
    Ok,
    /// Verified, but the JSON is no object (the session layer refuses it).
    NotAnObject,
    Err(ErrorKind),
}

use Starlette::{Accepts, Fails, Rejects};

struct Case {
    name: &'static str,
    starlette: Starlette,
    rust: Rust,
    /// Why Starlette and the verifier disagree on acceptance.
    deviation: Option<&'static str>,
}

const fn agree(name: &'static str, starlette: Starlette, rust: Rust) -> Case {
    Case {
        name,
        starlette,
        rust,
        deviation: None,
    }
}

const fn differ(name: &'static str, starlette: Starlette, rust: Rust, why: &'static str) -> Case {
    Case {
        name,
        starlette,
        rust,
        deviation: Some(why),
    }
}

const BAD_TIME: Starlette = Rejects("BadTimeSignature");
const BAD_SIGNATURE: Starlette = Rejects("BadSignature");
const EXPIRED: Starlette = Rejects("SignatureExpired");

const CASES: &[Case] = &[
    // Sessions Starlette writes.
    agree("plain", Accepts, Rust::Ok),
    agree("padding_one", Accepts, Rust::Ok),
    agree("padding_two", Accepts, Rust::Ok),
    agree("padding_none", Accepts, Rust::Ok),
    agree("unicode", Accepts, Rust::Ok),
    agree("nested", Accepts, Rust::Ok),
    agree("oauth_state", Accepts, Rust::Ok),
    agree("large", Accepts, Rust::Ok),
    differ(
        "oversize",
        Accepts,
        Rust::Err(TooLarge),
        "over 4096 bytes: Starlette writes it, browsers drop the cookie",
    ),
    agree("unicode_secret_key", Accepts, Rust::Ok),
    // Time.
    agree("same_second", Accepts, Rust::Ok),
    agree("at_max_age", Accepts, Rust::Ok),
    agree("expired_by_one", EXPIRED, Rust::Err(Expired)),
    agree("future_by_one", EXPIRED, Rust::Err(IssuedInFuture)),
    agree("far_future", EXPIRED, Rust::Err(IssuedInFuture)),
    agree("max_age_hour_at_limit", Accepts, Rust::Ok),
    agree("max_age_hour_expired", EXPIRED, Rust::Err(Expired)),
    agree("timestamp_zero", Accepts, Rust::Ok),
    // Keys.
    agree("wrong_key", BAD_TIME, Rust::Err(Unauthentic)),
    agree("key_one_character_longer", BAD_TIME, Rust::Err(Unauthentic)),
    // Tampering with a real cookie.
    agree("tampered_payload", BAD_TIME, Rust::Err(Unauthentic)),
    agree("tampered_timestamp", BAD_TIME, Rust::Err(Unauthentic)),
    agree("tampered_signature", BAD_TIME, Rust::Err(Unauthentic)),
    agree("signature_truncated", BAD_TIME, Rust::Err(Malformed)),
    agree("signature_dropped", BAD_SIGNATURE, Rust::Err(Malformed)),
    agree("timestamp_dropped", BAD_SIGNATURE, Rust::Err(Malformed)),
    agree("extra_segment", BAD_TIME, Rust::Err(Malformed)),
    agree("payload_swapped", BAD_TIME, Rust::Err(Unauthentic)),
    // Payloads the middleware never writes, signed with its own signer.
    agree("signed_not_base64", Fails, Rust::Err(Malformed)),
    agree("signed_not_json", Fails, Rust::NotAnObject),
    agree("signed_json_array", Fails, Rust::NotAnObject),
    agree("signed_empty_payload", Fails, Rust::NotAnObject),
    differ(
        "signed_nan",
        Accepts,
        Rust::NotAnObject,
        "Python's JSON has NaN; a JSON parser refuses it",
    ),
    agree("signed_payload_unpadded", Fails, Rust::Err(Malformed)),
];

/// The committed output of `tests/python/starlette_cookies.py`.
const SNAPSHOT: &str = include_str!("../data/starlette_cookies.json");

#[test]
fn recorded_starlette_agrees() {
    check(&parse(SNAPSHOT));
}

/// Runs the script with a real Starlette: `SEALED_SESSION_PYTHON`, else
/// the project's venv. Never skipped: a missing Python fails the test.
#[test]
fn live_starlette_agrees() {
    let python = crate::support::python();
    let script = crate::support::python_script("starlette_cookies.py");
    let output = Command::new(&python).arg(&script).output().unwrap_or_else(|e| {
        panic!(
            "cannot run {} ({e}): set SEALED_SESSION_PYTHON to a Python with starlette 1.10 and itsdangerous 2.2",
            python.display()
        )
    });
    assert!(
        output.status.success(),
        "{} {} failed: {}\n{}",
        python.display(),
        script.display(),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let live = parse(core::str::from_utf8(&output.stdout).unwrap());
    check(&live);
    // The script is deterministic: the very document committed.
    assert_eq!(live, parse(SNAPSHOT));
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn cases(doc: &Value) -> &Vec<Value> {
    doc["cases"].as_array().unwrap()
}

fn check(doc: &Value) {
    assert!(doc["starlette"].as_str().unwrap().starts_with("1."));
    assert!(doc["itsdangerous"].as_str().unwrap().starts_with("2.2."));
    let recorded: Vec<&str> = cases(doc)
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = CASES.iter().map(|c| c.name).collect();
    assert_eq!(recorded, expected, "the script's cases and this table");
    for (record, case) in cases(doc).iter().zip(CASES) {
        check_case(record, case);
    }
}

fn starlette_verdict(record: &Value) -> Starlette {
    let unsign = &record["unsign"];
    let app = &record["app"];
    if unsign["ok"] == false {
        assert_eq!(app["status"], 200);
        assert_eq!(
            app["session"], "{}",
            "a rejected cookie opens a new session"
        );
        return Rejects(leak(unsign["error"].as_str().unwrap()));
    }
    match app["status"].as_u64().unwrap() {
        200 => Accepts,
        500 => Fails,
        other => panic!("status {other}"),
    }
}

fn check_case(record: &Value, case: &Case) {
    let name = case.name;
    let starlette = starlette_verdict(record);
    assert_eq!(starlette, case.starlette, "{name}: Starlette's verdict");

    let value = record["value"].as_str().unwrap();
    let now = record["now"].as_u64().unwrap();
    let max_age = record["max_age"].as_u64().unwrap();
    let secret = record["secret_key"].as_str().unwrap();
    let verifier = StarletteVerifier::new(secret.as_bytes()).unwrap();
    let result = verifier.verify(value, now, max_age);
    let rust = match &result {
        Result::Ok(payload) => {
            assert_eq!(
                payload.signed_at(),
                record["unsign"]["signed_at"].as_u64().unwrap(),
                "{name}"
            );
            match serde_json::from_slice::<Map<String, Value>>(payload.json()) {
                Result::Ok(object) => {
                    // The very session Starlette decoded.
                    let text = record["app"]["session"].as_str().unwrap();
                    assert_eq!(Value::Object(object), parse(text), "{name}");
                    Rust::Ok
                }
                Result::Err(_) => Rust::NotAnObject,
            }
        }
        Result::Err(error) => Rust::Err(error.kind()),
    };
    assert_eq!(rust, case.rust, "{name}: the verifier's verdict");
    let (ours, theirs) = (rust == Rust::Ok, starlette == Accepts);
    match case.deviation {
        None => assert_eq!(ours, theirs, "{name}: acceptance"),
        Some(why) => assert_ne!(ours, theirs, "{name}: declared deviation ({why})"),
    }
}

fn leak(text: &str) -> &'static str {
    Box::leak(text.to_owned().into_boxed_str())
}

// --- The migration, through the codec -----------------------------------------

const T0: u64 = 1_700_000_000;
const SECRET: &[u8] = b"starlette-secret-key";
const MAX_AGE: Duration = Duration::from_secs(14 * 24 * 3600);
/// `{"user_id": 42, "name": "alice"}`, set by Starlette at `T0`.
const PLAIN: &str =
    "eyJ1c2VyX2lkIjogNDIsICJuYW1lIjogImFsaWNlIn0=.ZVPxAA.vALEwFK2s4ghnBGplZ8dGuF5Bl4";

fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

/// Migration from `T0 - 3600` until `T0 + 30 days`, absolute timeout a
/// week, the clock at `now`.
fn codec(now: u64) -> SessionCodec {
    SessionCodec::builder(Keyring::new(1, &Key::from_bytes([5; 32])))
        .clock(ManualClock::new(now))
        .absolute_timeout(Duration::from_secs(7 * 86_400))
        .accept_legacy(
            Legacy::starlette_signed(SECRET, MAX_AGE)
                .since(at(T0 - 3600))
                .until(at(T0 + 30 * 86_400)),
        )
        .build()
        .unwrap()
}

fn rejected_kind(codec: &SessionCodec, header: &str) -> SessionError {
    let loaded = codec.load([header]);
    assert!(loaded.session.is_empty());
    loaded.rejected.unwrap()
}

#[test]
fn migrates_a_real_starlette_cookie() {
    let codec = codec(T0 + 60);
    let loaded = codec.load([format!("session={PLAIN}").as_str()]);
    assert!(loaded.rejected.is_none());
    let session = loaded.session;
    assert_eq!(session.get::<u64>("user_id").unwrap(), Some(42));
    assert_eq!(
        session.get::<String>("name").unwrap().as_deref(),
        Some("alice")
    );
    // Created when the migration started, not when Starlette signed it.
    assert_eq!(session.created_at(), Some(T0 - 3600));
    assert!(session.reseal_advised());

    // Untouched by the handler, it is still answered with a v1 cookie, and
    // Starlette's cookie is deleted.
    let finished = codec.finish(&session, Outcome::Status(200));
    assert_eq!(finished.set_cookies.len(), 2, "{:?}", finished.set_cookies);
    let v1 = &finished.set_cookies[0];
    assert!(v1.starts_with("__Host-session=AQAB"), "{v1}");
    assert_eq!(
        finished.set_cookies[1],
        "session=; Path=/; Secure; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
    );
    let value = v1.split(';').next().unwrap();
    let reopened = codec.load([value]).session;
    assert_eq!(
        reopened.to_json_string(),
        r#"{"user_id":42,"name":"alice"}"#
    );
    assert_eq!(reopened.created_at(), Some(T0 - 3600));

    // A failed request commits nothing, not even the migration.
    let failed = codec.finish(&session, Outcome::Status(500));
    assert!(failed.set_cookies.is_empty());
}

#[test]
fn migration_refuses_what_starlette_refuses_and_more() {
    let header = format!("session={PLAIN}");
    // Expired by Starlette's max_age, and signed in the future.
    let late = T0 + MAX_AGE.as_secs() + 1;
    assert_eq!(
        rejected_kind(&codec(late), &header).cookie_kind(),
        Some(Expired)
    );
    assert_eq!(
        rejected_kind(&codec(T0 - 1), &header).cookie_kind(),
        Some(IssuedInFuture)
    );
    // Tampered, and under another key.
    let tampered = header.replacen("eyJ1", "eyJB", 1);
    assert_eq!(
        rejected_kind(&codec(T0), &tampered).cookie_kind(),
        Some(Unauthentic)
    );
    let other = SessionCodec::builder(Keyring::new(1, &Key::from_bytes([5; 32])))
        .clock(ManualClock::new(T0))
        .accept_legacy(
            Legacy::starlette_signed(b"another-secret", MAX_AGE)
                .since(at(T0 - 3600))
                .until(at(T0 + 86_400)),
        )
        .build()
        .unwrap();
    assert_eq!(
        rejected_kind(&other, &header).cookie_kind(),
        Some(Unauthentic)
    );
    // The absolute timeout counts from the migration's start: a cookie that
    // Starlette still accepts is refused a week after `since`.
    let week = codec(T0 - 3600 + 7 * 86_400 + 1);
    let fresh = StarletteVerifier::new(SECRET).unwrap();
    assert!(
        fresh
            .verify(PLAIN, T0 + 7 * 86_400, MAX_AGE.as_secs())
            .is_ok()
    );
    assert!(matches!(
        rejected_kind(&week, &header),
        SessionError::LifetimeExceeded
    ));
    // From the end date on, not even opened.
    let ended = SessionCodec::builder(Keyring::new(1, &Key::from_bytes([5; 32])))
        .clock(ManualClock::new(T0 + 60))
        .accept_legacy(
            Legacy::starlette_signed(SECRET, MAX_AGE)
                .since(at(T0 - 3600))
                .until(at(T0 + 60)),
        )
        .build()
        .unwrap();
    assert!(matches!(
        rejected_kind(&ended, &header),
        SessionError::LegacyNoLongerAccepted
    ));
    // Under any other cookie name, not even looked at.
    let elsewhere = codec(T0 + 60).load([format!("starlette={PLAIN}").as_str()]);
    assert!(elsewhere.rejected.is_none());
    assert!(elsewhere.session.is_empty());
}

#[test]
fn starlette_configuration_is_checked() {
    let builder = || SessionCodec::builder(Keyring::new(1, &Key::from_bytes([5; 32])));
    let empty = builder()
        .accept_legacy(
            Legacy::starlette_signed(b"", MAX_AGE)
                .since(at(T0))
                .until(at(T0 + 1)),
        )
        .build()
        .unwrap_err();
    assert_eq!(empty.setting(), "accept_legacy");
    assert!(
        empty.to_string().contains("empty Starlette secret key"),
        "{empty}"
    );
    let fallback = builder()
        .accept_legacy(
            Legacy::starlette_signed(SECRET, MAX_AGE)
                .fallback(b"old")
                .since(at(T0))
                .until(at(T0 + 1)),
        )
        .build()
        .unwrap_err();
    assert!(fallback.to_string().contains("flask_signed"), "{fallback}");
    let undated = builder()
        .accept_legacy(Legacy::starlette_signed(SECRET, MAX_AGE).since(at(T0)))
        .build()
        .unwrap_err();
    assert!(undated.to_string().contains("until"), "{undated}");
}

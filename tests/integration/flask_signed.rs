//! Real Flask's verdicts against ours, case by case.
//!
//! `tests/python/flask_cookies.py` makes every cookie with Flask 3.1.3 and
//! itsdangerous 2.2.0 (a real app and its test client, or Flask's own signer
//! for shapes Flask never writes) and records what Flask does with it at a
//! frozen clock. `tests/data/flask_cookies.json` is its output, committed;
//! [`live_flask_agrees`] runs the script again and fails if Python or Flask
//! is missing.
//!
//! Each case below says what Flask does (checked against the recorded
//! facts, so a Flask upgrade that changes a verdict fails here) and what the
//! verifier must do. "Accepts" on the Rust side means `verify` returns the
//! JSON and it parses as a JSON object (what the session layer does next).
//! Where the two differ on purpose, the case says why.

use std::process::Command;

use base64ct::{Base64, Encoding};
use sealed_session::ErrorKind::{
    self, Expired, InvalidKey, IssuedInFuture, Malformed, TooLarge, Unauthentic,
};
use sealed_session::flask::FlaskVerifier;
use serde_json::{Map, Value};
use sha1::{Digest, Sha1};

/// What Flask does with the cookie.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flask {
    /// `loads` returns the session and `open_session` uses it.
    Accepts,
    /// `loads` raises this `BadSignature` subclass; `open_session` starts
    /// a new, empty session.
    Rejects(&'static str),
    /// Opening the session raises this exception: the request fails (500).
    Raises(&'static str),
}

/// What the verifier does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rust {
    Ok,
    Err(ErrorKind),
    /// The keys Flask was configured with are refused by the constructor.
    Config(ErrorKind),
}

use Flask::{Accepts, Raises, Rejects};
use Rust::{Config, Err, Ok};

struct Case {
    name: &'static str,
    flask: Flask,
    rust: Rust,
    /// Why Flask and the verifier disagree on acceptance; `None` where they
    /// must agree.
    deviation: Option<&'static str>,
}

const fn agree(name: &'static str, flask: Flask, rust: Rust) -> Case {
    Case {
        name,
        flask,
        rust,
        deviation: None,
    }
}

const fn differ(name: &'static str, flask: Flask, rust: Rust, why: &'static str) -> Case {
    Case {
        name,
        flask,
        rust,
        deviation: Some(why),
    }
}

const BAD_TIME: Flask = Rejects("BadTimeSignature");
const BAD_SIGNATURE: Flask = Rejects("BadSignature");
const EXPIRED: Flask = Rejects("SignatureExpired");
const BAD_PAYLOAD: Flask = Raises("BadPayload");
const NON_CANONICAL: &str =
    "a second spelling of a real cookie: Python's base64 decoder is lenient";

const CASES: &[Case] = &[
    // Sessions Flask writes.
    agree("plain", Accepts, Ok),
    agree("permanent", Accepts, Ok),
    agree("unicode", Accepts, Ok),
    agree("tag_bytes", Accepts, Ok),
    agree("tag_tuple", Accepts, Ok),
    agree("tag_uuid", Accepts, Ok),
    agree("tag_datetime", Accepts, Ok),
    agree("tag_markup", Accepts, Ok),
    agree("tag_nested", Accepts, Ok),
    agree("tag_di", Accepts, Ok),
    agree("tag_all", Accepts, Ok),
    agree("numbers", Accepts, Ok),
    differ(
        "nan",
        Accepts,
        Ok,
        "Flask writes NaN and Infinity into its JSON; the verifier returns them, a JSON parser refuses them",
    ),
    agree("compressed", Accepts, Ok),
    differ(
        "oversize",
        Accepts,
        Err(TooLarge),
        "over 4096 bytes: werkzeug only warns, browsers drop the cookie",
    ),
    // Keys.
    agree("bytes_secret_key", Accepts, Ok),
    agree("unicode_secret_key", Accepts, Ok),
    agree("current_key_with_fallbacks", Accepts, Ok),
    agree("fallback_last", Accepts, Ok),
    agree("fallback_first", Accepts, Ok),
    agree("unconfigured_key", BAD_TIME, Err(Unauthentic)),
    agree("wrong_key", BAD_TIME, Err(Unauthentic)),
    differ(
        "empty_fallback_forgery",
        Accepts,
        Config(InvalidKey),
        "an empty fallback key lets anyone sign; the verifier refuses the key",
    ),
    // Time.
    agree("same_second", Accepts, Ok),
    agree("at_max_age", Accepts, Ok),
    agree("expired_by_one", EXPIRED, Err(Expired)),
    agree("permanent_expired_by_one", EXPIRED, Err(Expired)),
    agree("future_by_one", EXPIRED, Err(IssuedInFuture)),
    agree("far_future", EXPIRED, Err(IssuedInFuture)),
    agree(
        "future_past_year_9999",
        Raises("ValueError"),
        Err(IssuedInFuture),
    ),
    agree("lifetime_hour_at_limit", Accepts, Ok),
    agree("lifetime_hour_expired", EXPIRED, Err(Expired)),
    agree("lifetime_zero_same_second", Accepts, Ok),
    agree("lifetime_zero_next_second", EXPIRED, Err(Expired)),
    agree("timestamp_zero", Accepts, Ok),
    // Tampering with a real cookie.
    agree("tampered_payload", BAD_TIME, Err(Unauthentic)),
    agree("tampered_timestamp", BAD_TIME, Err(Unauthentic)),
    agree("tampered_signature", BAD_TIME, Err(Unauthentic)),
    differ(
        "signature_unused_bits_set",
        Accepts,
        Err(Unauthentic),
        NON_CANONICAL,
    ),
    differ(
        "signature_trailing_text",
        Accepts,
        Err(Malformed),
        NON_CANONICAL,
    ),
    agree("signature_truncated", BAD_TIME, Err(Malformed)),
    agree("signature_dropped", BAD_SIGNATURE, Err(Malformed)),
    agree("timestamp_dropped", BAD_SIGNATURE, Err(Malformed)),
    agree("extra_segment", BAD_TIME, Err(Unauthentic)),
    differ(
        "signature_standard_alphabet",
        Accepts,
        Err(Malformed),
        NON_CANONICAL,
    ),
    agree("compression_flag_removed", BAD_TIME, Err(Unauthentic)),
    agree("compression_flag_added", BAD_TIME, Err(Unauthentic)),
    // Payloads Flask never writes, signed with Flask's own signer.
    differ(
        "signed_bomb_1mib",
        Accepts,
        Err(TooLarge),
        "Flask inflates without a bound",
    ),
    agree("signed_inflates_to_64kib", Accepts, Ok),
    differ(
        "signed_inflates_past_64kib",
        Accepts,
        Err(TooLarge),
        "one byte over the verifier's default JSON bound",
    ),
    agree("signed_not_zlib", BAD_PAYLOAD, Err(Malformed)),
    agree("signed_truncated_zlib", BAD_PAYLOAD, Err(Malformed)),
    differ(
        "signed_zlib_trailing_bytes",
        Accepts,
        Err(Malformed),
        "zlib.decompress ignores bytes after the stream",
    ),
    agree("signed_zlib_bad_checksum", BAD_PAYLOAD, Err(Malformed)),
    agree("signed_empty_zlib_payload", BAD_PAYLOAD, Err(Malformed)),
    agree("signed_empty_payload", BAD_PAYLOAD, Ok),
    agree("signed_not_json", BAD_PAYLOAD, Ok),
    agree("signed_not_utf8", BAD_PAYLOAD, Ok),
    agree("signed_json_array", Raises("TypeError"), Ok),
    agree("signed_json_object_empty", Accepts, Ok),
    agree("signed_expired_not_json", EXPIRED, Err(Expired)),
    differ(
        "signed_payload_padded",
        Accepts,
        Err(Malformed),
        NON_CANONICAL,
    ),
    differ(
        "signed_payload_standard_alphabet",
        Accepts,
        Err(Malformed),
        NON_CANONICAL,
    ),
    differ(
        "signed_payload_inner_dot",
        Accepts,
        Err(Malformed),
        NON_CANONICAL,
    ),
    agree("signed_timestamp_leading_zero", Accepts, Ok),
    agree("signed_timestamp_eight_bytes", Accepts, Ok),
    agree("signed_timestamp_nine_bytes", BAD_TIME, Err(Malformed)),
    differ(
        "signed_timestamp_padded",
        Accepts,
        Err(Malformed),
        NON_CANONICAL,
    ),
    agree("signed_timestamp_not_base64", BAD_TIME, Err(Malformed)),
    agree("signed_without_timestamp", BAD_TIME, Err(Malformed)),
];

/// The committed output of `tests/python/flask_cookies.py`.
const SNAPSHOT: &str = include_str!("../data/flask_cookies.json");

#[test]
fn recorded_flask_agrees() {
    check(&parse(SNAPSHOT));
}

/// Runs the script with a real Flask: `SEALED_SESSION_PYTHON`, else the
/// project's venv. Never skipped: a missing Python fails the test.
#[test]
fn live_flask_agrees() {
    let python = crate::support::python();
    let script = crate::support::python_script("flask_cookies.py");
    let output = Command::new(&python).arg(&script).output().unwrap_or_else(|e| {
        panic!(
            "cannot run {} ({e}): set SEALED_SESSION_PYTHON to a Python with flask 3.1 and itsdangerous 2.2",
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
    // Same cases and same Flask verdicts as recorded.
    let verdicts = |doc: &Value| -> Vec<(String, Flask)> {
        cases(doc)
            .iter()
            .map(|c| (c["name"].as_str().unwrap().to_owned(), flask_verdict(c)))
            .collect()
    };
    assert_eq!(verdicts(&live), verdicts(&parse(SNAPSHOT)));
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn cases(doc: &Value) -> &Vec<Value> {
    doc["cases"].as_array().unwrap()
}

fn check(doc: &Value) {
    assert!(doc["flask"].as_str().unwrap().starts_with("3.1."));
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

fn check_case(record: &Value, case: &Case) {
    let name = case.name;
    let flask = flask_verdict(record);
    assert_eq!(flask, case.flask, "{name}: Flask's verdict");
    assert_eq!(
        record["cookie_header_intact"], true,
        "{name}: werkzeug's cookie parser changed the value"
    );

    let value = record["value"].as_str().unwrap();
    let now = record["now"].as_u64().unwrap();
    let max_age = record["max_age"].as_u64().unwrap();
    let verifier = match verifier(record) {
        Result::Ok(verifier) => verifier,
        Result::Err(kind) => {
            assert_eq!(Config(kind), case.rust, "{name}");
            assert!(case.deviation.is_some(), "{name}");
            return;
        }
    };
    let result = verifier.verify(value, now, max_age);
    let rust = match &result {
        Result::Ok(_) => Ok,
        Result::Err(e) => Err(e.kind()),
    };
    assert_eq!(rust, case.rust, "{name}: the verifier's verdict");

    let mut rust_accepts = false;
    if let Result::Ok(payload) = &result {
        let json = payload.json();
        // The bytes itsdangerous handed to Flask's JSON decoder.
        let raw = &record["raw"];
        assert_eq!(json.len() as u64, raw["len"].as_u64().unwrap(), "{name}");
        assert_eq!(sha1_hex(json), raw["sha1"].as_str().unwrap(), "{name}");
        if let Some(bytes) = raw["bytes"].as_str() {
            assert_eq!(json, Base64::decode_vec(bytes).unwrap(), "{name}");
        }
        if record["loads"]["ok"] == true {
            let signed_at = record["loads"]["signed_at"].as_u64().unwrap();
            assert_eq!(payload.signed_at(), signed_at, "{name}");
        }
        // The JSON bound is exact, on the inflated length too.
        let len = json.len();
        let bounded = verifier.clone().with_max_json_len(len);
        assert_eq!(bounded.verify(value, now, max_age).unwrap().json(), json);
        if let Some(less) = len.checked_sub(1) {
            let tight = verifier.clone().with_max_json_len(less);
            let err = tight.verify(value, now, max_age).unwrap_err();
            assert_eq!(err.kind(), TooLarge, "{name}");
        }

        if let Result::Ok(parsed) = serde_json::from_slice::<Map<String, Value>>(json) {
            rust_accepts = true;
            if flask == Accepts {
                same_session(
                    name,
                    json,
                    &Value::Object(parsed),
                    &record["loads"]["session"],
                );
                same_session(
                    name,
                    json,
                    &Value::Object(parse_object(json)),
                    &record["open_session"]["session"],
                );
            }
        }
    }

    let flask_accepts = flask == Accepts;
    match case.deviation {
        None => assert_eq!(rust_accepts, flask_accepts, "{name}: acceptance"),
        Some(why) => assert_ne!(
            rust_accepts, flask_accepts,
            "{name}: declared deviation ({why})"
        ),
    }
}

fn parse_object(json: &[u8]) -> Map<String, Value> {
    serde_json::from_slice(json).unwrap()
}

/// Flask's decoded session, re-encoded by Flask's tagged-JSON serializer,
/// is the JSON the verifier returned: same values, same tags.
fn same_session(name: &str, json: &[u8], parsed: &Value, flask: &Value) {
    if let Some(text) = flask["text"].as_str() {
        assert_eq!(parsed, &parse(text), "{name}: the session Flask decoded");
    } else {
        assert_eq!(json.len() as u64, flask["len"].as_u64().unwrap(), "{name}");
        assert_eq!(sha1_hex(json), flask["sha1"].as_str().unwrap(), "{name}");
    }
}

fn flask_verdict(record: &Value) -> Flask {
    let loads = &record["loads"];
    let open = &record["open_session"];
    if loads["ok"] == true {
        return match open["exception"].as_str() {
            Some(exception) => Raises(leak(exception)),
            None => {
                assert_eq!(open["session"], loads["session"]);
                Accepts
            }
        };
    }
    if let Some(error) = loads["error"].as_str() {
        assert_eq!(
            open["session"]["text"], "{}",
            "a rejected cookie opens a new session"
        );
        return Rejects(leak(error));
    }
    let exception = loads["exception"].as_str().unwrap();
    assert_eq!(open["exception"], exception);
    Raises(leak(exception))
}

fn leak(text: &str) -> &'static str {
    Box::leak(text.to_owned().into_boxed_str())
}

fn verifier(record: &Value) -> Result<FlaskVerifier, ErrorKind> {
    let key = |v: &Value| Base64::decode_vec(v.as_str().unwrap()).unwrap();
    let mut verifier = FlaskVerifier::new(&key(&record["secret_key"])).map_err(|e| e.kind())?;
    for fallback in record["fallbacks"].as_array().unwrap() {
        verifier = verifier
            .with_fallback(&key(fallback))
            .map_err(|e| e.kind())?;
    }
    Result::Ok(verifier)
}

fn sha1_hex(data: &[u8]) -> String {
    Sha1::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// No input panics, and no change to a real Flask cookie is accepted.
mod no_panic {
    use std::sync::LazyLock;

    use proptest::prelude::*;
    use sealed_session::ErrorKind::{self, Malformed, TooLarge, Unauthentic};
    use sealed_session::flask::FlaskVerifier;
    use serde_json::Value;

    const SECRET: &[u8] = b"flask-secret-key";
    const NOW: u64 = 1_700_000_060;
    const MAX_AGE: u64 = 31 * 24 * 3600;

    fn verifier() -> FlaskVerifier {
        FlaskVerifier::new(SECRET)
            .unwrap()
            .with_fallback(b"old-key")
            .unwrap()
    }

    /// Cookies the real Flask set under `SECRET` that open at `NOW`
    /// (tests/data/flask_cookies.json): plain, compressed, every tag.
    fn flask_cookies() -> &'static [String] {
        static COOKIES: LazyLock<Vec<String>> = LazyLock::new(load_flask_cookies);
        &COOKIES
    }

    fn load_flask_cookies() -> Vec<String> {
        let doc: Value = serde_json::from_str(include_str!("../data/flask_cookies.json")).unwrap();
        let verifier = verifier();
        let cookies: Vec<String> = doc["cases"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["how"] == "flask" && c["now"] == NOW)
            .map(|c| c["value"].as_str().unwrap().to_owned())
            .filter(|v| verifier.verify(v, NOW, MAX_AGE).is_ok())
            .collect();
        assert!(cookies.len() > 10, "{}", cookies.len());
        assert!(cookies.iter().any(|c| c.starts_with('.')));
        cookies
    }

    fn kind(value: &str) -> Option<ErrorKind> {
        verifier()
            .verify(value, NOW, MAX_AGE)
            .err()
            .map(|e| e.kind())
    }

    /// Characters that matter to the parser, and a few that must never pass.
    const EDITS: &[char] = &['.', 'A', 'a', '0', '-', '_', '=', '+', '/', ' ', 'é', '\0'];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        #[test]
        fn any_text_is_refused(text in any::<String>()) {
            prop_assert!(matches!(kind(&text), Some(Malformed | TooLarge | Unauthentic)));
        }

        #[test]
        fn cookie_shaped_text_is_refused(text in "[A-Za-z0-9_.-]{0,200}") {
            prop_assert!(matches!(kind(&text), Some(Malformed | Unauthentic)));
        }

        #[test]
        fn length_bound_is_exact(seed in "[A-Za-z0-9_.-]{1,40}", len in 4090usize..4101) {
            let text: String = seed.chars().cycle().take(len).collect();
            let got = kind(&text);
            if text.len() > FlaskVerifier::MAX_VALUE_LEN {
                prop_assert_eq!(got, Some(TooLarge));
            } else {
                prop_assert!(matches!(got, Some(Malformed | Unauthentic)));
            }
        }

        #[test]
        fn changed_cookies_are_refused(
            which in any::<prop::sample::Index>(),
            at in any::<prop::sample::Index>(),
            edit in 0usize..3,
            with in prop::sample::select(EDITS),
        ) {
            let cookies = flask_cookies();
            let original = which.get(cookies);
            let chars: Vec<char> = original.chars().collect();
            let i = at.index(chars.len() + 1);
            let mut changed = chars.clone();
            match edit {
                0 if i < chars.len() => changed[i] = with,
                1 if i < chars.len() => { changed.remove(i); }
                _ => changed.insert(i, with),
            }
            let changed: String = changed.into_iter().collect();
            let result = verifier().verify(&changed, NOW, MAX_AGE);
            if changed == *original {
                prop_assert!(result.is_ok());
            } else {
                let got = result.err().map(|e| e.kind());
                prop_assert!(matches!(got, Some(Malformed | Unauthentic)), "{:?}: {:?}", changed, got);
            }
        }

        #[test]
        fn any_clock_and_bound(now in any::<u64>(), max_age in any::<u64>(), limit in any::<usize>()) {
            let verifier = verifier().with_max_json_len(limit);
            for cookie in flask_cookies() {
                let _ = verifier.verify(cookie, now, max_age);
            }
        }
    }
}

//! Interop with the Python EncryptedSession stack (tests/python), both ways:
//! Python seals and Rust opens, Rust seals (legacy) and Python opens, every
//! one-character change to a Python cookie, and `u`/`z` flips on both
//! sides. Python runs once per direction, over a JSON batch.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use core::time::Duration;
use std::io::Write as _;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use base64ct::Encoding as _;
use sealed_session::{
    Bytes, Compression, ErrorKind, FixedRandom, Key, Keyring, Legacy, ManualClock, OsRandom,
    RawValue, SealFormat, SecureRandom, Session, SessionCodec, SessionCodecBuilder, SessionError,
};
use serde::Serialize;
use serde_json::Value;

use crate::support::{python, python_script};

const KEY_HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const NOW: u64 = 1_700_000_000;

/// A session written as CPython's `json.dumps` writes it (numbers in
/// `repr` form), so that the expected values compare exactly, and the flag
/// the package must choose for it.
struct Case {
    name: &'static str,
    json: String,
    flag: char,
}

/// `{"pad": "xxx…"}` whose Python JSON is exactly `len` bytes.
fn padded(len: usize) -> String {
    format!(
        r#"{{"pad": "{}"}}"#,
        "x".repeat(len - r#"{"pad": ""}"#.len())
    )
}

fn cases() -> Vec<Case> {
    let all_bytes = base64ct::Base64::encode_string(&(0..=255u8).collect::<Vec<_>>());
    let blob = base64ct::Base64::encode_string(&(0..=255u8).cycle().take(2048).collect::<Vec<_>>());
    let case = |name, json: &str, flag| Case {
        name,
        json: json.to_owned(),
        flag,
    };
    vec![
        case("tiny", r#"{"answer": 42}"#, 'u'),
        case("empty", "{}", 'u'),
        Case {
            name: "len1023",
            json: padded(1023),
            flag: 'u',
        },
        Case {
            name: "len1024",
            json: padded(1024),
            flag: 'u',
        },
        Case {
            name: "len1025",
            json: padded(1025),
            flag: 'z',
        },
        case(
            "unicode",
            r#"{"name": "Zo\u00eb \u2603 \u65e5\u672c \ud83d\ude00", "k\u00e9y": "\u0000\t\"\\\u007f\u2028/"}"#,
            'u',
        ),
        case(
            "nested",
            r#"{"a": {"b": [1, {"c": null}, true, false]}, "l": [[], {}], "deep": [[[[[["x"]]]]]], "other_tag": {"b": 1, "__type__": "date"}}"#,
            'u',
        ),
        Case {
            name: "bytes",
            json: format!(
                r#"{{"bin": {{"__type__": "bytes", "b": "{all_bytes}"}}, "e": {{"__type__": "bytes", "b": ""}}, "in": [{{"__type__": "bytes", "b": "AP8="}}]}}"#
            ),
            flag: 'u',
        },
        case(
            "numbers",
            r#"{"big": 123456789012345678901234567890, "neg": -1180591620717411303424, "u64max": 18446744073709551615, "over": 18446744073709551616, "f": 0.1, "one": 1.0, "negzero": -0.0, "e100": 1e+100, "small": 1.5e-07, "pi": 3.141592653589793}"#,
            'u',
        ),
        Case {
            name: "big-bytes",
            json: format!(r#"{{"blob": {{"__type__": "bytes", "b": "{blob}"}}}}"#),
            flag: 'z',
        },
        Case {
            name: "text",
            json: format!(
                r#"{{"text": "{}", "_permanent": true}}"#,
                "lorem ipsum dolor sit amet ".repeat(150)
            ),
            flag: 'z',
        },
    ]
}

fn nonce_of(index: usize) -> [u8; 16] {
    core::array::from_fn(|i| (index * 16 + i) as u8)
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The JSON text as a raw value: sent to Python as it is, digit for digit
/// (a `serde_json::Value` would turn `123456789012345678901234567890` into
/// a float).
fn raw(json: &str) -> Box<RawValue> {
    RawValue::from_string(json.to_owned()).unwrap()
}

/// JSON text parsed for a structural comparison (numbers as `f64`: exact
/// digits are compared as text elsewhere).
fn parsed(json: &str) -> Value {
    serde_json::from_str(json).unwrap()
}

/// When the migration from the Python cookies started, a day before `NOW`.
fn since() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW - 86_400)
}

/// The codec of a service that shares the cookie `session` with the Python
/// app: v1 under its own key, the Python cookies accepted until a day after
/// `NOW`, the clock at `NOW`, nonces and ids from `random`.
fn codec_with(random: impl SecureRandom, format: SealFormat) -> SessionCodec {
    codec_builder(random, format).build().unwrap()
}

fn codec_builder(random: impl SecureRandom, format: SealFormat) -> SessionCodecBuilder {
    // Writing Python's format, this codec opts into Python's own
    // compression rule (zlib above 1024 bytes), so that its cookies can be
    // compared with Python's byte for byte; the default is never.
    let compression = match format {
        SealFormat::Legacy => Compression::Above(1024),
        _ => Compression::Never,
    };
    SessionCodec::builder(Keyring::new(1, &Key::from_bytes([0x55; 32])))
        .compression(compression)
        .cookie_name("session")
        .accept_legacy(
            Legacy::encrypted_session(&Key::parse(KEY_HEX).unwrap())
                .cookie_name("session")
                .since(since())
                .until(UNIX_EPOCH + Duration::from_secs(NOW + 86_400)),
        )
        .seal_format(format)
        .clock(ManualClock::new(NOW))
        .random(random)
}

fn codec() -> SessionCodec {
    codec_with(OsRandom, SealFormat::V1)
}

/// A codec writing the Python format with `nonce` as its only randomness:
/// the nonce Python used, to compare cookies byte for byte.
fn legacy_writer(nonce: [u8; 16]) -> SessionCodec {
    codec_with(FixedRandom::new(nonce), SealFormat::Legacy)
}

/// Runs `encrypted_session.py <command>` once over a JSON batch.
fn run_python(command: &str, input: &impl Serialize) -> Vec<Value> {
    let mut child = Command::new(python())
        .arg(python_script("encrypted_session.py"))
        .args([command, "--key-hex", KEY_HEX])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn python");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(serde_json::to_string(input).unwrap().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{command}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// One cookie sealed by Python.
struct PythonSealed {
    case: Case,
    cookie: String,
    json_len: u64,
}

/// One `batch-seal` request: the session as raw JSON text.
#[derive(Serialize)]
struct SealRequest<'a> {
    name: &'a str,
    session: &'a RawValue,
    nonce_hex: String,
}

/// Every case sealed by Python with nonce `nonce_of(index)`, once per test
/// binary.
fn python_sealed() -> &'static [PythonSealed] {
    static SEALED: OnceLock<Vec<PythonSealed>> = OnceLock::new();
    SEALED.get_or_init(|| {
        let cases = cases();
        let sessions: Vec<Box<RawValue>> = cases.iter().map(|case| raw(&case.json)).collect();
        let input: Vec<SealRequest<'_>> = cases
            .iter()
            .zip(&sessions)
            .enumerate()
            .map(|(i, (case, session))| SealRequest {
                name: case.name,
                session,
                nonce_hex: to_hex(&nonce_of(i)),
            })
            .collect();
        let output = run_python("batch-seal", &input);
        assert_eq!(output.len(), cases.len());
        cases
            .into_iter()
            .zip(output)
            .map(|(case, out)| {
                assert_eq!(out["name"], case.name);
                PythonSealed {
                    cookie: out["cookie"].as_str().unwrap().to_owned(),
                    json_len: out["json_len"].as_u64().unwrap(),
                    case,
                }
            })
            .collect()
    })
}

fn python_cookie(name: &str) -> &'static str {
    &python_sealed()
        .iter()
        .find(|s| s.case.name == name)
        .unwrap()
        .cookie
}

#[test]
fn python_seals_rust_opens() {
    let codec = codec();
    let compressing = codec_builder(OsRandom, SealFormat::V1)
        .compression(Compression::Above(1024))
        .build()
        .unwrap();
    let mut too_large = Vec::new();
    for (i, sealed) in python_sealed().iter().enumerate() {
        let case = &sealed.case;
        let name = case.name;
        // The flag Python chose, and the JSON length it was chosen on.
        assert_eq!(sealed.cookie.chars().next(), Some(case.flag), "{name}");
        assert_eq!(sealed.json_len, case.json.len() as u64, "{name}");

        // Both openers: legacy only, and v1-then-legacy under the name the
        // legacy source is bound to. Rust writes back exactly the JSON
        // Python sealed: every value kept, digit for digit.
        let session = codec.open_legacy(&sealed.cookie).unwrap();
        assert_eq!(session.to_python_json().unwrap(), case.json, "{name}");
        let strict = codec.open(&sealed.cookie).unwrap();
        assert_eq!(strict.to_python_json().unwrap(), case.json, "{name}");
        assert_eq!(strict.to_json_string(), session.to_json_string(), "{name}");
        assert!(session.reseal_advised(), "{name}");
        assert_eq!(session.issued_at(), None, "{name}");

        // Rust writes the same JSON, so it chooses the same flag, and with
        // Python's nonce an uncompressed cookie is byte for byte Python's.
        let again = legacy_writer(nonce_of(i)).seal(&session).unwrap();
        assert_eq!(again.chars().next(), Some(case.flag), "{name}");
        if case.flag == 'u' {
            assert_eq!(again, sealed.cookie, "{name}");
        }

        // Migration keeps every value, and the migration's start as the
        // session's creation. Without compression (the default) a v1 cookie
        // holds at most 3023 bytes of plaintext under the name `session`
        // (4096 - 7 characters of text, 3066 bytes of envelope, 43 of
        // overhead): the metadata (26 bytes) and the compact JSON. A larger
        // Python session needs a codec that compresses to migrate.
        let plaintext_len = 26 + session.to_json_string().len();
        let fits = plaintext_len <= 3023;
        let migrated = if fits {
            codec.migrate(&sealed.cookie).unwrap()
        } else {
            too_large.push(name);
            assert_eq!(
                codec.migrate(&sealed.cookie),
                Err(SessionError::CookieTooLarge),
                "{name}"
            );
            compressing.migrate(&sealed.cookie).unwrap()
        };
        // Version 1, the compressed flag only where compression was needed,
        // key 1.
        let header = if fits { "AQAB" } else { "AQEB" };
        assert!(migrated.starts_with(header), "{name}: {migrated}");
        let reopened = codec.open(&migrated).unwrap();
        assert_eq!(reopened.to_python_json().unwrap(), case.json, "{name}");
        assert_eq!(
            reopened.to_json_string(),
            session.to_json_string(),
            "{name}"
        );
        assert_eq!(reopened.permanent(), session.permanent(), "{name}");
        assert_eq!(reopened.issued_at(), Some(NOW), "{name}");
        assert_eq!(reopened.created_at(), Some(NOW - 86_400), "{name}");
        assert!(!reopened.reseal_advised(), "{name}");
    }
    assert_eq!(too_large, ["text"]);

    // Exact values.
    let by_name = |name: &str| codec.open_legacy(python_cookie(name)).unwrap();
    let numbers = by_name("numbers");
    let text = |key: &str| numbers.get_raw(key).unwrap().get().to_owned();
    assert_eq!(text("big"), "123456789012345678901234567890");
    assert_eq!(text("neg"), "-1180591620717411303424");
    assert_eq!(text("over"), "18446744073709551616");
    assert_eq!(text("e100"), "1e+100");
    assert_eq!(text("small"), "1.5e-07");
    assert_eq!(text("one"), "1.0");
    assert_eq!(text("negzero"), "-0.0");
    assert_eq!(numbers.get::<u64>("u64max").unwrap(), Some(u64::MAX));
    assert_eq!(numbers.get::<u128>("over").unwrap(), Some(1u128 << 64));
    assert_eq!(numbers.get::<i128>("neg").unwrap(), Some(-(1i128 << 70)));
    assert_eq!(numbers.get::<u64>("over"), Err(SessionError::WrongType));
    assert_eq!(numbers.get::<f64>("f").unwrap(), Some(0.1));
    assert_eq!(numbers.get::<f64>("one").unwrap(), Some(1.0));
    assert_eq!(numbers.get::<f64>("e100").unwrap(), Some(1e100));
    assert_eq!(numbers.get::<f64>("small").unwrap(), Some(1.5e-7));
    assert_eq!(
        numbers.get::<f64>("pi").unwrap(),
        Some(core::f64::consts::PI)
    );
    let negzero = numbers.get::<f64>("negzero").unwrap().unwrap();
    assert!(negzero == 0.0 && negzero.is_sign_negative());

    let bytes = by_name("bytes");
    assert_eq!(
        bytes.get_bytes("bin").unwrap().unwrap(),
        (0..=255u8).collect::<Vec<_>>()
    );
    assert_eq!(bytes.get_bytes("e").unwrap().unwrap(), b"");
    assert_eq!(
        bytes.get::<Vec<Bytes>>("in").unwrap().unwrap(),
        [Bytes(vec![0, 0xff])]
    );
    // In Rust, Python's bytes are Flask's tagged bytes.
    assert_eq!(bytes.get_raw("in").unwrap().get(), r#"[{" b":"AP8="}]"#);
    let blob = by_name("big-bytes").get_bytes("blob").unwrap().unwrap();
    assert_eq!(blob, (0..=255u8).cycle().take(2048).collect::<Vec<_>>());

    let unicode = by_name("unicode");
    assert_eq!(
        unicode.get::<String>("name").unwrap().unwrap(),
        "Zoë ☃ 日本 😀"
    );
    assert_eq!(
        unicode.get::<String>("kéy").unwrap().unwrap(),
        "\0\t\"\\\u{7f}\u{2028}/"
    );
    let nested = by_name("nested");
    assert_eq!(
        nested.get_raw("other_tag").unwrap().get(),
        r#"{"b":1,"__type__":"date"}"#
    );
    let text_case = by_name("text");
    assert!(text_case.permanent());
    assert!(!text_case.contains_key("_permanent"));
    assert!(by_name("empty").is_empty());
}

#[test]
fn rust_seals_python_opens() {
    let mut expected = Vec::new();
    let mut input = Vec::new();
    for (i, case) in cases().into_iter().enumerate() {
        let session = Session::from_python_json(case.json.as_bytes()).unwrap();
        let cookie = legacy_writer(nonce_of(i)).seal(&session).unwrap();
        input.push(serde_json::json!({"name": case.name, "cookie": cookie}));
        expected.push((case, session));
    }
    // A session built with the Rust API, not from JSON text.
    let mut api = Session::new();
    api.insert("user_id", 42).unwrap();
    api.insert("name", "Zoë").unwrap();
    api.insert("huge", u128::MAX).unwrap();
    api.insert("ratio", 0.25).unwrap();
    api.insert_bytes("token", &[0, 1, 2, 0xfe, 0xff]).unwrap();
    api.insert("roles", ["admin", "dev"]).unwrap();
    api.set_permanent(true);
    let api_json = api.to_python_json().unwrap();
    assert_eq!(
        api_json,
        r#"{"user_id": 42, "name": "Zo\u00eb", "huge": 340282366920938463463374607431768211455, "ratio": 0.25, "token": {"__type__": "bytes", "b": "AAEC/v8="}, "roles": ["admin", "dev"], "_permanent": true}"#
    );
    let api_cookie = codec_with(OsRandom, SealFormat::Legacy).seal(&api).unwrap();
    input.push(serde_json::json!({"name": "rust-api", "cookie": api_cookie}));
    expected.push((
        Case {
            name: "rust-api",
            json: api_json,
            flag: 'u',
        },
        api,
    ));

    let output = run_python("batch-open-raw", &input);
    assert_eq!(output.len(), expected.len());
    for ((case, session), out) in expected.iter().zip(&output) {
        let name = case.name;
        assert_eq!(out["name"], name);
        assert_eq!(out["ok"], true, "{name}: {out}");
        assert_eq!(out["flag"], case.flag.to_string(), "{name}");
        // What Rust encrypted is exactly what Python would have written.
        assert_eq!(out["plaintext"], case.json.as_str(), "{name}");
        assert_eq!(out["python_json"], case.json.as_str(), "{name}");
        // And Python's values, re-encoded by Python, are the same values.
        assert_eq!(
            out["session"],
            parsed(&session.to_python_json().unwrap()),
            "{name}"
        );
    }
}

/// Every cookie-text character the substitution tries: the base64 alphabet,
/// the separators, and a few that are in none of them.
const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=.-_!~ ";

#[test]
fn every_single_character_change_to_a_python_cookie_is_rejected() {
    let codec = codec();
    let mut tried = 0usize;
    for name in ["tiny", "len1025"] {
        let cookie = python_cookie(name);
        let original: Vec<char> = cookie.chars().collect();
        assert!(codec.open(cookie).is_ok());
        for position in 0..original.len() {
            for substitute in ALPHABET.chars().filter(|c| *c != original[position]) {
                let mut changed = original.clone();
                changed[position] = substitute;
                let changed: String = changed.into_iter().collect();
                let error = codec.open(&changed).unwrap_err();
                let flag_flip = position == 0 && matches!(substitute, 'u' | 'z');
                let expected_kinds: &[SessionError] = match (flag_flip, name) {
                    (true, "tiny") => &[ErrorKind::Malformed.into()],
                    (true, _) => &[SessionError::InvalidJson],
                    (false, _) => &[ErrorKind::Malformed.into(), ErrorKind::Unauthentic.into()],
                };
                assert!(
                    expected_kinds.contains(&error),
                    "{name} at {position} -> {substitute:?}: {error:?}"
                );
                tried += 1;
            }
        }
    }
    let lengths: usize = ["tiny", "len1025"]
        .iter()
        .map(|name| python_cookie(name).len())
        .sum();
    assert_eq!(tried, lengths * (ALPHABET.chars().count() - 1));
}

#[test]
fn flag_flips_are_rejected_by_both_sides() {
    let codec = codec();
    let flip = |cookie: &str| {
        let flipped = if cookie.starts_with('u') { 'z' } else { 'u' };
        format!("{flipped}{}", &cookie[1..])
    };
    let python_u = python_cookie("tiny");
    let python_z = python_cookie("len1025");
    let rust_u = legacy_writer([1; 16])
        .seal(&Session::from_json(br#"{"a": 1}"#).unwrap())
        .unwrap();
    let rust_z = legacy_writer([2; 16])
        .seal(&Session::from_json(padded(2000).as_bytes()).unwrap())
        .unwrap();
    assert!(rust_u.starts_with('u') && rust_z.starts_with('z'));

    let cookies = [
        ("python-u", python_u),
        ("python-z", python_z),
        ("rust-u", rust_u.as_str()),
        ("rust-z", rust_z.as_str()),
    ];
    // Authentic as sealed, on both sides...
    let mut input = Vec::new();
    for (name, cookie) in cookies {
        assert!(codec.open_legacy(cookie).is_ok(), "{name}");
        input.push(serde_json::json!({"name": format!("{name}"), "cookie": cookie}));
        input.push(serde_json::json!({"name": format!("{name}-flipped"), "cookie": flip(cookie)}));
    }
    let output = run_python("batch-open", &input);
    assert_eq!(output.len(), 8);
    for (pair, (name, cookie)) in output.chunks(2).zip(cookies) {
        assert_eq!(pair[0]["name"], name);
        assert_eq!(pair[0]["ok"], true, "{name}");
        // ...and flipped, rejected by Python with the exception of its zlib
        // or UTF-8 layer, and by Rust with a typed error.
        assert_eq!(pair[1]["ok"], false, "{name}");
        let (python_error, rust_error) = if cookie.starts_with('u') {
            ("zlib.error", SessionError::from(ErrorKind::Malformed))
        } else {
            ("UnicodeDecodeError", SessionError::InvalidJson)
        };
        assert_eq!(pair[1]["error"], python_error, "{name}");
        assert_eq!(
            codec.open_legacy(&flip(cookie)).unwrap_err(),
            rust_error,
            "{name}"
        );
        assert_eq!(codec.open(&flip(cookie)).unwrap_err(), rust_error, "{name}");
    }
}

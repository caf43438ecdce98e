//! The `sealed-session` binary, run from outside as scripts run it: every
//! command, every exit code, keys from a file and from the environment,
//! nothing on stdout on failure, and interop with the Python reference
//! (`tests/python`) both ways.

use core::sync::atomic::{AtomicUsize, Ordering};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

/// `bytes(range(32))`: the Python reference's known-answer key.
const KEY_A_HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
/// The same key as unpadded base64url.
const KEY_A_B64: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
/// A second key, `[0x42; 32]`.
const KEY_B_HEX: &str = "4242424242424242424242424242424242424242424242424242424242424242";
/// The Python reference's known answer: `{"answer": 42}` under key A, nonce
/// `bytes(range(16))`.
const PY_KNOWN_COOKIE: &str =
    "u.D7DycromYEhiSEIUsA4=.xcLffjV72Pk9kZ/Hsu0L2Q==.AAECAwQFBgcICQoLDA0ODw==";
/// The core README's cookie: `{"user":42}`, key 000102…1f as kid 1,
/// context `session`, issued 1_700_000_000, nonce `[7; 16]`.
const CORE_README_COOKIE: &str =
    "AQABAAAAAGVT8QAHBwcHBwcHBwcHBwcHBwcHsZQb45fVJnYJqi7WY4Y1E_b3opjp7BcOlV2t";
const T: u64 = 1_700_000_000;

/// What a run of the binary printed and returned.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// Asserts success and returns stdout.
    #[track_caller]
    fn ok(&self) -> &str {
        assert_eq!(self.code, 0, "stderr: {}", self.stderr);
        assert_eq!(self.stderr, "");
        &self.stdout
    }

    /// Asserts a failure with `code` and exactly `stderr` (without the final
    /// newline), and that nothing reached stdout.
    #[track_caller]
    fn fails(&self, code: i32, stderr: &str) {
        assert_eq!(self.code, code, "stderr: {}", self.stderr);
        assert_eq!(self.stdout, "", "stdout must be empty on failure");
        assert_eq!(self.stderr.strip_suffix('\n'), Some(stderr));
    }

    /// Asserts a rejection (exit 1) for `reason`.
    #[track_caller]
    fn rejected(&self, reason: &str) {
        self.fails(1, &format!("sealed-session: cookie rejected: {reason}"));
    }
}

/// Runs the binary with `args` and `stdin`; `keys_env` sets
/// `SEALED_SESSION_KEYS`, which is otherwise removed.
fn run_with(args: &[&str], stdin: &[u8], keys_env: Option<&str>) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sealed-session"));
    command
        .args(args)
        .env_remove("SEALED_SESSION_KEYS")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(keys) = keys_env {
        command.env("SEALED_SESSION_KEYS", keys);
    }
    let mut child = command.spawn().expect("spawn sealed-session");
    // A command may exit before reading stdin (a usage error): ignore EPIPE.
    let _ = child.stdin.take().expect("stdin").write_all(stdin);
    let output = child.wait_with_output().expect("wait for sealed-session");
    Run {
        code: output.status.code().expect("exit code"),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

fn run(args: &[&str], stdin: &str) -> Run {
    run_with(args, stdin.as_bytes(), None)
}

/// Writes `contents` to a fresh file under the test's temporary directory.
fn temp_file(contents: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let path =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-{}-{n}.keys", std::process::id()));
    std::fs::write(&path, contents).expect("write temp file");
    path
}

/// A key file holding `contents`, as a `String` path for the command line.
fn key_file(contents: &str) -> String {
    temp_file(contents).to_str().expect("UTF-8 path").to_owned()
}

/// The Python with the reference's packages: `cargo xtask ci` sets
/// `SEALED_SESSION_PYTHON`. Interop is never skipped.
fn python() -> PathBuf {
    match std::env::var_os("SEALED_SESSION_PYTHON") {
        Some(path) => PathBuf::from(path),
        None => panic!(
            "SEALED_SESSION_PYTHON is not set: run `cargo xtask ci`, or point it at a Python \
             with tests/python/requirements.txt installed"
        ),
    }
}

/// Runs `tests/python/<script> <args>` with `stdin`; returns stdout, trimmed.
fn python_script(script: &str, args: &[&str], stdin: &str) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/python");
    let mut child = Command::new(python())
        .arg(dir.join(script))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn python");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write to python");
    let output = child.wait_with_output().expect("wait for python");
    assert!(
        output.status.success(),
        "{script} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("python stdout is UTF-8")
        .trim()
        .to_owned()
}

fn inspect(cookie: &str) -> Value {
    serde_json::from_str(run(&["inspect"], cookie).ok()).expect("inspect prints JSON")
}

fn seal(keys: &str, extra: &[&str], session: &str) -> String {
    let mut args = vec!["seal", "--keys", keys];
    args.extend_from_slice(extra);
    let out = run(&args, session);
    let cookie = out.ok();
    assert!(cookie.ends_with('\n') && !cookie.trim_end().contains('\n'));
    cookie.trim_end().to_owned()
}

// ---------------------------------------------------------------- help ---

#[test]
fn help_on_every_command() {
    let main = run(&["--help"], "");
    assert!(main.ok().starts_with(
        "sealed-session: encrypted, authenticated session cookies from the command line\n"
    ));
    assert_eq!(run(&["help"], "").ok(), main.stdout);
    assert_eq!(run(&["-h"], "").ok(), main.stdout);
    let first_lines = [
        (
            "keygen",
            "Print one new keyring line, `<kid> <key>`, with a 256-bit key from the",
        ),
        (
            "seal",
            "Seal a JSON object read on stdin into a cookie value, printed on stdout with a",
        ),
        (
            "open",
            "Open a cookie value read on stdin (surrounding whitespace ignored) and print",
        ),
        (
            "inspect",
            "Show what anyone can learn from a cookie value read on stdin, without a key:",
        ),
        (
            "migrate",
            "Re-seal a Python EncryptedSession cookie read on stdin as an envelope v1",
        ),
        (
            "demo",
            "A self-contained walk-through, with a throwaway key and no files: a \"guess",
        ),
    ];
    for (command, first_line) in first_lines {
        assert!(
            main.stdout.contains(&format!("\n  {command} ")),
            "{command} listed"
        );
        let help = run(&[command, "--help"], "");
        assert_eq!(help.ok().lines().next(), Some(first_line), "{command}");
        assert!(
            help.stdout
                .contains(&format!("Usage: sealed-session {command}"))
        );
        assert_eq!(run(&[command, "-h"], "").ok(), help.stdout, "{command} -h");
        // --help wins over anything else on the line.
        assert_eq!(run(&[command, "--bogus", "--help"], "").ok(), help.stdout);
    }
}

#[test]
fn version() {
    assert_eq!(run(&["--version"], "").ok(), "sealed-session 0.1.0\n");
}

// ---------------------------------------------------------- usage: 2 ---

#[test]
fn usage_errors_exit_2_with_nothing_on_stdout() {
    let keyring = format!("1 {KEY_A_HEX}\n");
    run(&[], "").fails(
        2,
        "sealed-session: missing command\nRun `sealed-session --help` for usage.",
    );
    run(&["frobnicate"], "").fails(
        2,
        "sealed-session: unknown command `frobnicate`\nRun `sealed-session --help` for usage.",
    );
    let cases: &[(&[&str], &str, &str)] = &[
        (&["seal", "--bogus"], "seal", "unknown option `--bogus`"),
        (&["seal", "--keys"], "seal", "`--keys` needs a value"),
        (
            &["seal", "--compress", "maybe"],
            "seal",
            "`--compress` must be `auto` or `never`",
        ),
        (
            &["seal", "--now", "yesterday"],
            "seal",
            "`--now` must be a non-negative decimal integer",
        ),
        (
            &["seal", "--now", "-5"],
            "seal",
            "`--now` must be a non-negative decimal integer",
        ),
        (&["seal", "--legacy=1"], "seal", "`--legacy` takes no value"),
        (
            &["seal", "session.json"],
            "seal",
            "unexpected argument `session.json` (input comes on stdin)",
        ),
        (
            &["seal", "--legacy", "--context", "x"],
            "seal",
            "`--context` cannot be used with `--legacy`: Python cookies carry no context and no time",
        ),
        (
            &["seal", "--legacy", "--now", "5"],
            "seal",
            "`--now` cannot be used with `--legacy`: Python cookies carry no context and no time",
        ),
        (
            &["open", "--legacy", "--max-age", "5"],
            "open",
            "`--max-age` cannot be used with `--legacy`: Python cookies carry no context and no time",
        ),
        (
            &["open", "--max-age", "1h"],
            "open",
            "`--max-age` must be a non-negative decimal integer",
        ),
        (
            &["open", "--now", "1", "--now", "2"],
            "open",
            "`--now` is given more than once",
        ),
        (
            &["inspect", "--keys", "k"],
            "inspect",
            "unknown option `--keys`",
        ),
        (&["migrate"], "migrate", "`--legacy-keys FILE` is required"),
        (
            &["keygen", "--kid", "256"],
            "keygen",
            "`--kid` must be a decimal from 0 to 255",
        ),
        (
            &["keygen", "--kid", "x"],
            "keygen",
            "`--kid` must be a decimal from 0 to 255",
        ),
        (&["demo", "--fast"], "demo", "unknown option `--fast`"),
    ];
    for (args, command, message) in cases {
        // Usage is checked before the keys are looked for.
        run_with(args, b"{}", Some(&keyring)).fails(
            2,
            &format!(
                "sealed-session {command}: {message}\n\
                 Run `sealed-session {command} --help` for usage."
            ),
        );
    }
}

// -------------------------------------------------------------- keygen ---

#[test]
fn keygen_prints_a_usable_keyring_line() {
    let out = run(&["keygen"], "");
    let line = out.ok().strip_suffix('\n').expect("one line");
    let (kid, key) = line.split_once(' ').expect("`<kid> <key>`");
    assert_eq!(kid, "1");
    assert_eq!(key.len(), 43);
    assert!(
        key.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    assert_ne!(
        run(&["keygen"], "").ok(),
        out.stdout,
        "fresh randomness each time"
    );

    let line7 = run(&["keygen", "--kid", "7"], "").ok().to_owned();
    assert!(line7.starts_with("7 ") && line7.len() == 2 + 43 + 1);
    assert!(run(&["keygen", "--kid=0"], "").ok().starts_with("0 "));
    assert!(
        run(&["keygen", "--kid", "255"], "")
            .ok()
            .starts_with("255 ")
    );

    // The line is a key file as it stands.
    let keys = key_file(&line7);
    let cookie = seal(&keys, &[], r#"{"a":1}"#);
    assert_eq!(inspect(&cookie)["key_id"], 7);
    assert_eq!(run(&["open", "--keys", &keys], &cookie).ok(), "{\"a\":1}\n");
}

// ------------------------------------------------------- seal and open ---

#[test]
fn seal_then_open_with_a_key_file() {
    let keys = key_file(&format!("# test key\n\n1 {KEY_A_HEX}\n"));
    let session = r#"{"user": "zoë", "n": [1, 2.5, true, null], "blob": {"__type__": "bytes", "b": "3q2+7w=="}}"#;
    let cookie = seal(&keys, &["--now", "1700000000"], session);
    assert_eq!(
        inspect(&cookie),
        json!({"format": "v1", "version": 1, "key_id": 1, "issued_at": T,
               "compressed": false, "length": cookie.len()})
    );
    let opened = run(&["open", "--keys", &keys, "--now", "1700000000"], &cookie);
    assert_eq!(
        opened.ok(),
        "{\"user\":\"zoë\",\"n\":[1,2.5,true,null],\"blob\":{\"__type__\":\"bytes\",\"b\":\"3q2+7w==\"}}\n"
    );
    // Every seal draws a fresh nonce.
    assert_ne!(seal(&keys, &["--now", "1700000000"], session), cookie);
}

#[test]
fn keys_from_the_environment() {
    let keyring = format!("1 {KEY_A_B64}\n");
    let out = run_with(
        &["seal", "--now", "1700000000"],
        br#"{"a":1}"#,
        Some(&keyring),
    );
    let cookie = out.ok().trim_end().to_owned();
    let opened = run_with(
        &["open", "--now", "1700000000"],
        cookie.as_bytes(),
        Some(&keyring),
    );
    assert_eq!(opened.ok(), "{\"a\":1}\n");
    // The same key in hex, from a file, opens it too.
    let keys = key_file(&format!("1 {KEY_A_HEX}"));
    assert_eq!(run(&["open", "--keys", &keys], &cookie).ok(), "{\"a\":1}\n");
    // --keys wins over the environment, which is then not even parsed.
    let opened = run_with(
        &["open", "--keys", &keys],
        cookie.as_bytes(),
        Some("garbage"),
    );
    assert_eq!(opened.ok(), "{\"a\":1}\n");
    // An environment keyring with errors names the variable and the line.
    run_with(&["open"], cookie.as_bytes(), Some("# c\n1 nope")).fails(
        2,
        "sealed-session: error: SEALED_SESSION_KEYS, line 2: \
         the key must be 43 base64url characters or 64 hex digits",
    );
}

#[test]
fn the_known_core_cookie_opens_with_its_context() {
    let keys = key_file(&format!("1 {KEY_A_HEX}\n"));
    let args = [
        "open",
        "--keys",
        &keys,
        "--context",
        "session",
        "--now",
        "1700000000",
    ];
    assert_eq!(run(&args, CORE_README_COOKIE).ok(), "{\"user\":42}\n");
    // Surrounding whitespace is ignored.
    assert_eq!(
        run(&args, &format!("  \n{CORE_README_COOKIE}\r\n\n")).ok(),
        "{\"user\":42}\n"
    );
}

#[test]
fn context_binds_the_cookie() {
    let keys = key_file(&format!("1 {KEY_A_HEX}\n"));
    let cookie = seal(&keys, &["--context", "session"], r#"{"a":1}"#);
    assert_eq!(
        run(&["open", "--keys", &keys, "--context", "session"], &cookie).ok(),
        "{\"a\":1}\n"
    );
    run(&["open", "--keys", &keys, "--context", "other"], &cookie).rejected("not authentic");
    run(&["open", "--keys", &keys], &cookie).rejected("not authentic");
    // The default context is the empty string.
    let plain = seal(&keys, &[], r#"{"a":1}"#);
    assert_eq!(
        run(&["open", "--keys", &keys, "--context="], &plain).ok(),
        "{\"a\":1}\n"
    );
}

#[test]
fn compression_auto_and_never() {
    let keys = key_file(&format!("1 {KEY_A_HEX}\n"));
    let session = format!(r#"{{"pad":"{}"}}"#, "ab".repeat(600));
    let auto = seal(&keys, &["--compress", "auto"], &session);
    let default = seal(&keys, &[], &session);
    let never = seal(&keys, &["--compress", "never"], &session);
    assert_eq!(inspect(&auto)["compressed"], true);
    assert_eq!(inspect(&default)["compressed"], true);
    assert_eq!(inspect(&never)["compressed"], false);
    assert!(auto.len() < 200 && never.len() > 1600);
    for cookie in [&auto, &never] {
        assert_eq!(
            run(&["open", "--keys", &keys], cookie).ok(),
            format!("{session}\n")
        );
    }
    // Not above 1024 bytes: not compressed, even with auto.
    let small = format!(r#"{{"pad":"{}"}}"#, "a".repeat(1014));
    assert_eq!(small.len(), 1024);
    assert_eq!(inspect(&seal(&keys, &[], &small))["compressed"], false);
}

#[test]
fn expiry_and_the_future() {
    let keys = key_file(&format!("1 {KEY_A_HEX}\n"));
    let cookie = seal(&keys, &["--now", "1000000"], r#"{"a":1}"#);
    let open = |extra: &[&str]| {
        let mut args = vec!["open", "--keys", keys.as_str()];
        args.extend_from_slice(extra);
        run(&args, &cookie)
    };
    assert_eq!(
        open(&["--now", "1003600", "--max-age", "3600"]).ok(),
        "{\"a\":1}\n"
    );
    open(&["--now", "1003601", "--max-age", "3600"]).rejected("expired");
    // No --max-age: no age limit at all.
    assert_eq!(open(&["--now", "18446744073709551615"]).ok(), "{\"a\":1}\n");
    // Up to 60 seconds of clock skew, then "issued in the future".
    assert_eq!(open(&["--now", "999940"]).ok(), "{\"a\":1}\n");
    open(&["--now", "999939"]).rejected("issued in the future");
}

#[test]
fn key_rotation() {
    let old = format!("1 {KEY_A_HEX}\n");
    let new_line = format!("2 {KEY_B_HEX}\n");
    let before = key_file(&old);
    let during = key_file(&format!("{new_line}{old}"));
    let after = key_file(&new_line);
    let old_cookie = seal(&before, &[], r#"{"a":1}"#);
    // New key first, old below: old cookies still open, new ones use kid 2.
    assert_eq!(
        run(&["open", "--keys", &during], &old_cookie).ok(),
        "{\"a\":1}\n"
    );
    let new_cookie = seal(&during, &[], r#"{"a":1}"#);
    assert_eq!(inspect(&new_cookie)["key_id"], 2);
    assert_eq!(
        run(&["open", "--keys", &after], &new_cookie).ok(),
        "{\"a\":1}\n"
    );
    // Old line removed: old cookies no longer open.
    run(&["open", "--keys", &after], &old_cookie).rejected("unknown key id");
    run(&["open", "--keys", &before], &new_cookie).rejected("unknown key id");
}

#[test]
fn rejections_exit_1_with_the_public_reason_only() {
    let keys = key_file(&format!("1 {KEY_A_HEX}\n"));
    let cookie = seal(&keys, &[], r#"{"secret":"s3cr3t"}"#);
    // One character changed in the middle.
    let mid = cookie.len() / 2;
    let flipped = if &cookie[mid..=mid] == "A" { "B" } else { "A" };
    let tampered = format!("{}{flipped}{}", &cookie[..mid], &cookie[mid + 1..]);
    run(&["open", "--keys", &keys], &tampered).rejected("not authentic");
    // Another key with the same id.
    let other = key_file(&format!("1 {KEY_B_HEX}\n"));
    run(&["open", "--keys", &other], &cookie).rejected("not authentic");
    // Shape errors are public. A truncation to a length of 1 mod 4 is never
    // base64; other truncations may decode and then fail the tag.
    let mut cut = cookie.len() - 1;
    while cut % 4 != 1 {
        cut -= 1;
    }
    for malformed in ["", "hello world", "AQAB", "u.bad.cookie.x", &cookie[..cut]] {
        run(&["open", "--keys", &keys], malformed).rejected("malformed");
    }
    // Unknown envelope version: first byte 0x02.
    run(&["open", "--keys", &keys], &format!("Ag{}", &cookie[2..])).rejected("malformed");
    run(&["open", "--keys", &keys], &"A".repeat(5000)).rejected("too large");
    // Not UTF-8.
    run_with(&["open", "--keys", &keys], b"AQAB\xff", None).rejected("malformed");
}

#[test]
fn an_authentic_cookie_that_is_not_a_session_is_malformed() {
    // Sealed by the core directly: the JSON array `[1]`, not an object
    // (key A, kid 1, context "", issued 1_700_000_000, nonce [0; 16]).
    use sealed_session_core::{Codec, FixedNonce, Key, Keyring, Options};
    let key = Key::parse(KEY_A_HEX).unwrap();
    let codec = Codec::new(Keyring::new(1, &key), Options::new());
    let cookie = codec
        .seal_to_string(b"[1]", b"", T, &mut FixedNonce([0; 16]))
        .unwrap();
    let keys = key_file(&format!("1 {KEY_A_HEX}\n"));
    run(&["open", "--keys", &keys, "--now", "1700000000"], &cookie).rejected("malformed");
}

#[test]
fn seal_input_errors_exit_2() {
    let keys = key_file(&format!("1 {KEY_A_HEX}\n"));
    let seal_with = |stdin: &str| run(&["seal", "--keys", &keys], stdin);
    seal_with("[1]").fails(2, "sealed-session: error: stdin is not a JSON object");
    seal_with("").fails(
        2,
        "sealed-session: error: stdin is not JSON: EOF while parsing a value at line 1 column 0",
    );
    seal_with("{\"a\": NaN}").fails(
        2,
        "sealed-session: error: stdin is not JSON: expected value at line 1 column 7",
    );
    seal_with(r#"{"b": {"__type__": "bytes", "b": "not base64!"}}"#).fails(
        2,
        r#"sealed-session: error: stdin has a malformed bytes value: it must be exactly {"__type__":"bytes","b":"<padded base64>"}"#,
    );
    let deep = format!("{{\"a\":{}{}}}", "[".repeat(100), "]".repeat(100));
    seal_with(&deep).fails(
        2,
        "sealed-session: error: stdin nests arrays and objects deeper than 100 levels",
    );
    let huge = format!(r#"{{"a":"{}"}}"#, "x".repeat(70_000));
    run(&["seal", "--keys", &keys, "--compress", "never"], &huge).fails(
        2,
        "sealed-session: error: the session is too large to seal: a cookie holds at most 4096 characters",
    );
    run_with(&["seal", "--keys", &keys], b"{\"a\":\"\xff\"}", None).fails(
        2,
        "sealed-session: error: stdin is not JSON: invalid unicode code point at line 1 column 7",
    );
}

// ------------------------------------------------------------ key files ---

#[test]
fn key_file_errors_name_the_line_and_never_the_key() {
    let secret = "s3cr3tS3CR3Ts3cr3tS3CR3Ts3cr3tS3CR3Ts3cr3t";
    let cases = [
        (
            format!("1 {KEY_A_HEX}\n256 {KEY_B_HEX}\n"),
            "line 2: the key id must be a decimal from 0 to 255",
        ),
        (
            format!("{secret} 1\n"),
            "line 1: the key id must be a decimal from 0 to 255",
        ),
        (
            format!("x{KEY_A_HEX} 1\n"),
            "line 1: the key id must be a decimal from 0 to 255",
        ),
        (
            format!("# c\n\n1 {secret}X\n"),
            "line 3: the key must be 43 base64url characters or 64 hex digits",
        ),
        (
            format!("1 {}\n", &KEY_A_HEX[1..]),
            "line 1: the key must be 43 base64url characters or 64 hex digits",
        ),
        (
            format!("1 {KEY_A_HEX} {secret}\n"),
            "line 1: expected `<kid> <key>`",
        ),
        (format!("{secret}\n"), "line 1: expected `<kid> <key>`"),
        (
            format!("1 {KEY_A_HEX}\n1 {KEY_B_HEX}\n"),
            "line 2: key id 1 is already used on line 1",
        ),
        (
            format!("1 {KEY_A_HEX}\n2 {KEY_A_HEX}\n3 {KEY_A_HEX}\n4 {KEY_A_HEX}\n5 {KEY_A_HEX}\n"),
            "line 5: too many keys (a keyring holds at most 4)",
        ),
    ];
    for (contents, message) in cases {
        let path = key_file(&contents);
        for command in ["seal", "open"] {
            let out = run(&[command, "--keys", &path], "{}");
            out.fails(
                2,
                &format!("sealed-session: error: key file {path}, {message}"),
            );
            assert!(!out.stderr.contains("s3cr3t") && !out.stderr.contains(&KEY_A_HEX[1..]));
        }
        let out = run_with(&["open"], b"x", Some(&contents));
        out.fails(
            2,
            &format!("sealed-session: error: SEALED_SESSION_KEYS, {message}"),
        );
    }
    let empty = key_file("# nothing here\n\n");
    run(&["seal", "--keys", &empty], "{}").fails(
        2,
        &format!(
            "sealed-session: error: key file {empty}: no keys (expected lines of `<kid> <key>`)"
        ),
    );
    run(&["seal"], "{}").fails(
        2,
        "sealed-session: error: no keys: pass --keys FILE or set SEALED_SESSION_KEYS",
    );
    run(&["seal", "--keys", "/nonexistent/keys"], "{}").fails(
        2,
        "sealed-session: error: cannot read key file /nonexistent/keys: no such file",
    );
    let not_utf8 = temp_file("");
    std::fs::write(&not_utf8, b"# ok\n1 \xff\xfe\n").unwrap();
    let not_utf8 = not_utf8.to_str().unwrap();
    run(&["seal", "--keys", not_utf8], "{}").fails(
        2,
        &format!("sealed-session: error: key file {not_utf8}, line 2: not UTF-8 text"),
    );
}

#[test]
fn legacy_mode_uses_the_first_key_and_ignores_its_kid() {
    let keys = key_file(&format!("200 {KEY_A_HEX}\n1 {KEY_B_HEX}\n"));
    assert_eq!(
        run(&["open", "--legacy", "--keys", &keys], PY_KNOWN_COOKIE).ok(),
        "{\"answer\":42}\n"
    );
    let second_first = key_file(&format!("1 {KEY_B_HEX}\n200 {KEY_A_HEX}\n"));
    run(
        &["open", "--legacy", "--keys", &second_first],
        PY_KNOWN_COOKIE,
    )
    .rejected("not authentic");
    // A v1 cookie is no legacy cookie, and a legacy cookie no v1 one.
    let v1 = seal(&keys, &[], "{}");
    run(&["open", "--legacy", "--keys", &keys], &v1).rejected("malformed");
    run(&["open", "--keys", &keys], PY_KNOWN_COOKIE).rejected("malformed");
}

// ------------------------------------------------------------- inspect ---

#[test]
fn inspect_v1_and_legacy_exactly() {
    assert_eq!(
        run(&["inspect"], CORE_README_COOKIE).ok(),
        "{\"format\":\"v1\",\"version\":1,\"key_id\":1,\"issued_at\":1700000000,\"compressed\":false,\"length\":72}\n"
    );
    assert_eq!(
        run(&["inspect"], &format!("\n {PY_KNOWN_COOKIE} \n")).ok(),
        "{\"format\":\"legacy\",\"compressed\":false,\"length\":72}\n"
    );
}

#[test]
fn inspect_reads_real_flask_cookies() {
    let session = r#"{"user": "zoë", "blob": {"__type__": "bytes", "b": "3q2+7w=="}, "n": [1, 2]}"#;
    let cookie = python_script(
        "flask_signed.py",
        &[
            "--secret",
            "not-a-secret-to-readers",
            "--timestamp",
            "1700000000",
        ],
        session,
    );
    assert!(
        cookie.contains(".ZVPxAA."),
        "timestamp 1700000000: {cookie}"
    );
    // Flask tags bytes its own way, `{" b": ...}`; shown as it is.
    assert_eq!(
        run(&["inspect"], &cookie).ok(),
        "{\"format\":\"flask-signed\",\"readable\":true,\"payload\":{\"user\":\"zoë\",\"blob\":{\" b\":\"3q2+7w==\"},\"n\":[1,2]}}\n"
    );
    // A large session: Flask zlib-compresses it and prefixes a `.`.
    let big = format!(r#"{{"pad": "{}"}}"#, "ab".repeat(700));
    let cookie = python_script("flask_signed.py", &["--secret", "s"], &big);
    assert!(cookie.starts_with('.'));
    assert_eq!(
        inspect(&cookie),
        json!({"format": "flask-signed", "readable": true, "payload": {"pad": "ab".repeat(700)}})
    );
}

#[test]
fn inspect_of_anything_else_is_unknown_and_succeeds() {
    for garbage in ["", "hello", "a.b.c", "u.x.y.z", "AQ", "Ag", "=====", "😀"] {
        assert_eq!(
            run(&["inspect"], garbage).ok(),
            "{\"format\":\"unknown\"}\n",
            "{garbage:?}"
        );
    }
    assert_eq!(
        run_with(&["inspect"], b"\xff\xfe", None).ok(),
        "{\"format\":\"unknown\"}\n"
    );
}

// ------------------------------------------------- legacy interop ---

#[test]
fn legacy_seal_opens_in_python() {
    let keys = key_file(&format!("9 {KEY_A_HEX}\n"));
    let session = r#"{"user": "zoë", "n": [1, 2.5, true, null], "blob": {"__type__": "bytes", "b": "3q2+7w=="}}"#;
    let cookie = seal(&keys, &["--legacy"], session);
    assert!(cookie.starts_with("u."));
    assert_eq!(
        inspect(&cookie),
        json!({"format": "legacy", "compressed": false, "length": cookie.len()})
    );
    assert_eq!(
        python_script(
            "encrypted_session.py",
            &["open", "--key-hex", KEY_A_HEX],
            &cookie
        ),
        r#"{"user":"zo\u00eb","n":[1,2.5,true,null],"blob":{"__type__":"bytes","b":"3q2+7w=="}}"#
    );
    // Above 1024 bytes of Python JSON: zlib with auto, not with never.
    let big = format!(r#"{{"pad": "{}"}}"#, "ab".repeat(600));
    let auto = seal(&keys, &["--legacy"], &big);
    let never = seal(&keys, &["--legacy", "--compress", "never"], &big);
    assert!(auto.starts_with("z.") && never.starts_with("u."));
    for cookie in [&auto, &never] {
        assert_eq!(
            python_script(
                "encrypted_session.py",
                &["open", "--key-hex", KEY_A_HEX],
                cookie
            ),
            format!(r#"{{"pad":"{}"}}"#, "ab".repeat(600))
        );
    }
}

#[test]
fn python_cookies_open_in_the_cli() {
    let keys = key_file(&format!("1 {KEY_A_HEX}\n"));
    let known = python_script(
        "encrypted_session.py",
        &[
            "seal",
            "--key-hex",
            KEY_A_HEX,
            "--nonce-hex",
            "000102030405060708090a0b0c0d0e0f",
        ],
        r#"{"answer": 42}"#,
    );
    assert_eq!(known, PY_KNOWN_COOKIE);
    let session = r#"{"user": "zoë", "blob": {"__type__": "bytes", "b": "AAEC"}, "pad": "ab"}"#;
    let cookie = python_script(
        "encrypted_session.py",
        &["seal", "--key-hex", KEY_A_HEX],
        session,
    );
    assert_eq!(
        run(&["open", "--legacy", "--keys", &keys], &cookie).ok(),
        "{\"user\":\"zoë\",\"blob\":{\"__type__\":\"bytes\",\"b\":\"AAEC\"},\"pad\":\"ab\"}\n"
    );
    // zlib-compressed by Python.
    let big = format!(r#"{{"pad": "{}"}}"#, "xy".repeat(800));
    let cookie = python_script(
        "encrypted_session.py",
        &["seal", "--key-hex", KEY_A_HEX],
        &big,
    );
    assert!(cookie.starts_with("z."));
    assert_eq!(inspect(&cookie)["compressed"], true);
    assert_eq!(
        run(&["open", "--legacy", "--keys", &keys], &cookie).ok(),
        format!("{{\"pad\":\"{}\"}}\n", "xy".repeat(800))
    );
}

#[test]
fn migrate_a_python_cookie_to_v1() {
    let legacy_keys = key_file(&format!("0 {KEY_A_HEX}\n"));
    let keys = format!("3 {KEY_B_HEX}\n1 {KEY_A_HEX}\n");
    let keys_path = key_file(&keys);
    let session = r#"{"user_id": 42, "blob": {"__type__": "bytes", "b": "3q2+7w=="}}"#;
    let py_cookie = python_script(
        "encrypted_session.py",
        &["seal", "--key-hex", KEY_A_HEX],
        session,
    );
    let args = [
        "migrate",
        "--legacy-keys",
        &legacy_keys,
        "--keys",
        &keys_path,
        "--context",
        "session",
        "--now",
        "1700000000",
    ];
    let migrated = run(&args, &format!("{py_cookie}\n"));
    let v1 = migrated.ok().trim_end();
    assert_eq!(
        inspect(v1),
        json!({"format": "v1", "version": 1, "key_id": 3, "issued_at": T,
               "compressed": false, "length": v1.len()})
    );
    let opened = run(
        &[
            "open",
            "--keys",
            &keys_path,
            "--context",
            "session",
            "--now",
            "1700000000",
        ],
        v1,
    );
    assert_eq!(
        opened.ok(),
        "{\"user_id\":42,\"blob\":{\"__type__\":\"bytes\",\"b\":\"3q2+7w==\"}}\n"
    );
    // Keys from the environment; the known Python answer.
    let migrated = run_with(
        &["migrate", "--legacy-keys", &legacy_keys],
        PY_KNOWN_COOKIE.as_bytes(),
        Some(&keys),
    );
    let v1 = migrated.ok().trim_end().to_owned();
    assert_eq!(
        run(&["open", "--keys", &keys_path], &v1).ok(),
        "{\"answer\":42}\n"
    );
    // A Python cookie that does not open is a rejection, as in `open`.
    let wrong = key_file(&format!("0 {KEY_B_HEX}\n"));
    run(
        &["migrate", "--legacy-keys", &wrong, "--keys", &keys_path],
        PY_KNOWN_COOKIE,
    )
    .rejected("not authentic");
    run(
        &[
            "migrate",
            "--legacy-keys",
            &legacy_keys,
            "--keys",
            &keys_path,
        ],
        "nonsense",
    )
    .rejected("malformed");
    // Legacy key file errors name the file.
    let bad = key_file("0 short\n");
    run(
        &["migrate", "--legacy-keys", &bad, "--keys", &keys_path],
        PY_KNOWN_COOKIE,
    )
    .fails(
        2,
        &format!(
            "sealed-session: error: key file {bad}, line 1: \
             the key must be 43 base64url characters or 64 hex digits"
        ),
    );
}

// ---------------------------------------------------------------- demo ---

#[test]
fn demo_walks_through_and_its_cookies_are_real() {
    let out = run(&["demo"], "");
    let text = out.ok();
    let headings = [
        "1. A throwaway key",
        "2. A \"guess the number\" session, holding the answer",
        "3. Signed only: Flask's default session cookie (itsdangerous, HMAC-SHA1)",
        "4. Sealed: AES-256-EAX in envelope v1, bound to the cookie name \"session\"",
        "5. Opened with the key",
        "6. One character changed",
        "7. Sizes",
    ];
    for heading in headings {
        assert!(text.contains(&format!("\n{heading}")), "{heading}");
    }
    let cookies: Vec<&str> = text
        .lines()
        .filter_map(|line| line.trim().strip_prefix("session="))
        .collect();
    let [signed, sealed, tampered] = cookies[..] else {
        panic!("three cookies expected in:\n{text}")
    };
    let session: Value = serde_json::from_str(
        text.lines()
            .skip_while(|line| !line.starts_with("2. "))
            .nth(1)
            .expect("session line")
            .trim(),
    )
    .expect("session JSON");
    let answer = session["answer"].as_u64().expect("answer");
    assert!((1..=100).contains(&answer));
    // The signed cookie gives the answer away to anyone.
    let seen = inspect(signed);
    assert_eq!(
        seen,
        json!({"format": "flask-signed", "readable": true, "payload": session})
    );
    assert!(text.contains(&format!("The answer leaks: {answer}.")));
    // The sealed one shows only its header.
    let peeked = inspect(sealed);
    assert_eq!(peeked["format"], "v1");
    assert_eq!(peeked["key_id"], 1);
    assert_eq!(peeked["length"], sealed.len());
    assert_eq!(tampered.len(), sealed.len());
    assert_eq!(
        sealed
            .chars()
            .zip(tampered.chars())
            .filter(|(a, b)| a != b)
            .count(),
        1
    );
    assert!(text.contains("Rejected: not authentic."));
    assert!(text.contains(&format!(
        "sealed cookie         {:>4} characters",
        sealed.len()
    )));
    assert!(text.contains(&format!(
        "Flask signed cookie   {:>4} characters",
        signed.len()
    )));
}

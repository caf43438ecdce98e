//! The `sealed-session` binary, run from outside as scripts run it: every
//! command, every exit code, keys from a file and from the environment,
//! nothing on stdout on failure, no key text in any message, key-file
//! permissions, and interop with the Python reference (`tests/python`) and
//! the `sealed-session` library both ways.

use core::sync::atomic::{AtomicUsize, Ordering};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sealed_session_python_support::python;
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

/// `migrate --since` for a run at the system clock's time: now, so that
/// the absolute timeout of a migration (7 days by default) is far.
static SINCE_NOW: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
        .to_string()
});

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
/// `SEALED_SESSION_KEYS`, which is otherwise removed (as is
/// `SEALED_SESSION_KEYS_FILE`).
fn run_with(args: &[&str], stdin: &[u8], keys_env: Option<&str>) -> Run {
    match keys_env {
        Some(keys) => run_env(args, stdin, &[("SEALED_SESSION_KEYS", keys)]),
        None => run_env(args, stdin, &[]),
    }
}

/// Runs the binary with `args`, `stdin` and the environment variables
/// `env`; `SEALED_SESSION_KEYS` and `SEALED_SESSION_KEYS_FILE` are
/// removed unless given.
fn run_env(args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sealed-session"));
    command
        .args(args)
        .env_remove("SEALED_SESSION_KEYS")
        .env_remove("SEALED_SESSION_KEYS_FILE")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
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

/// [`run_with`] text on stdin and no `SEALED_SESSION_KEYS`.
fn run(args: &[&str], stdin: &str) -> Run {
    run_with(args, stdin.as_bytes(), None)
}

/// A path for a new file under the test's temporary directory, unique in
/// this run.
fn temp_path(suffix: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-{}-{n}{suffix}", std::process::id()))
}

/// Writes `contents` to a fresh file with permission bits `mode` (on Unix;
/// elsewhere the default).
fn temp_file_with_mode(contents: &[u8], mode: u32) -> PathBuf {
    let path = temp_path(".keys");
    std::fs::write(&path, contents).expect("write temp file");
    set_mode(&path, mode);
    path
}

/// Writes `contents` to a fresh file only its owner can read (mode 0600),
/// as a key file must be.
fn temp_file(contents: &str) -> PathBuf {
    temp_file_with_mode(contents.as_bytes(), 0o600)
}

/// A key file holding `contents`, as a `String` path for the command line.
fn key_file(contents: &str) -> String {
    temp_file(contents).to_str().expect("UTF-8 path").to_owned()
}

/// Sets `path`'s permission bits (Unix only).
#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// Permission bits are a Unix matter.
#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) {}

/// `path`'s permission bits.
#[cfg(unix)]
fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).expect("stat").permissions().mode() & 0o7777
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

/// What `inspect` says of `cookie`, parsed.
fn inspect(cookie: &str) -> Value {
    serde_json::from_str(run(&["inspect"], cookie).ok()).expect("inspect prints JSON")
}

/// Seals `session` with the key file `keys` and `extra` options; asserts one
/// line of output and returns the cookie value.
fn seal(keys: &str, extra: &[&str], session: &str) -> String {
    let mut args = vec!["seal", "--keys", keys];
    args.extend_from_slice(extra);
    let out = run(&args, session);
    let cookie = out.ok();
    assert!(cookie.ends_with('\n') && !cookie.trim_end().contains('\n'));
    cookie.trim_end().to_owned()
}

// ---------------------------------------------------------------- help ---

/// `--help`, `-h` and `help COMMAND` on every command print the same text on stdout, exit 0.
#[test]
fn help_on_every_command() {
    let main = run(&["--help"], "");
    assert!(main.ok().starts_with(
        "sealed-session: encrypted, authenticated session cookies from the command line\n\n\
         Usage: sealed-session <COMMAND> [OPTIONS] < input > output\n"
    ));
    assert_eq!(run(&["help"], "").ok(), main.stdout);
    assert_eq!(run(&["-h"], "").ok(), main.stdout);
    // The exit status paragraph names every public reason.
    assert!(main.stdout.contains(
        "Exit status: 0 success; 1 the cookie was rejected, and stderr gives only the\n\
         public reason (malformed, unknown version, unknown key id, expired, issued in\n\
         the future, too large, not authentic, or lifetime exceeded); 2 a usage,\n\
         input/output, JSON or key-file error, or an authentic cookie that holds no\n\
         JSON session. On failure nothing is written to stdout.\n"
    ));
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
                .contains(&format!("\nUsage: sealed-session {command}"))
        );
        assert_eq!(run(&[command, "-h"], "").ok(), help.stdout, "{command} -h");
        assert_eq!(
            run(&["help", command], "").ok(),
            help.stdout,
            "help {command}"
        );
        // --help wins over anything else on the line.
        assert_eq!(run(&[command, "--bogus", "--help"], "").ok(), help.stdout);
    }
    // The commands that read key files document the override and its risk.
    for command in ["seal", "open", "migrate"] {
        assert!(
            run(&[command, "--help"], "").ok().contains(
                "      --allow-insecure-key-file\n          use key files that their group or \
                 others can read or write. Risk:\n          whoever can read one holds the key \
                 to every session, and whoever\n          can write one can choose the key. \
                 Without this option such a file\n          is refused; fix it with `chmod 600 \
                 FILE` instead\n"
            ),
            "{command}"
        );
    }
    // The length side channel of compression, in seal's help.
    assert!(run(&["seal", "--help"], "").ok().contains(
        "never: no compression (default); auto: compress JSON over 1024\n          bytes when \
         that is shorter. Compression makes the cookie's length\n          depend on its \
         content, so an attacker who can put text into the\n          session and see cookie \
         lengths can recover a secret stored next to\n          it (CRIME/BREACH)\n"
    ));
}

/// `open --help`, exactly: the binding interface and every public reason.
#[test]
fn open_help_exactly() {
    assert_eq!(
        run(&["open", "--help"], "").ok(),
        r#"Open a cookie value read on stdin (surrounding whitespace ignored) and print
its JSON object, compact, on stdout. Byte values are shown as
{"__type__":"bytes","b":"<base64>"}. Cookies sealed by `seal` and by the
library's SessionCodec both open (the library binds the cookie's name: pass
it as the context, by default `--context __Host-session`). The session's
absolute timeout is checked as the library checks it (FORMAT.md §12.1): a
session created more than --absolute-timeout seconds ago is rejected; its
creation time is the library's session metadata or, for a bare JSON object
(as `seal` writes), the cookie's issue time. The metadata is not shown.

Usage: sealed-session open [--keys FILE] [--context TEXT] [--max-age SECS]
                           [--absolute-timeout SECS] [--now UNIX] [--legacy]
                           [--allow-insecure-key-file]

Options:
      --keys <FILE>
          keyring text (default: $SEALED_SESSION_KEYS, else the file
          $SEALED_SESSION_KEYS_FILE); any of its keys opens

      --context <TEXT>
          the context the cookie was sealed with (default: empty)

      --max-age <SECS>
          reject cookies issued more than SECS seconds before now (default: no
          age limit)

      --absolute-timeout <SECS>
          reject sessions created more than SECS seconds before now (default
          604800, 7 days: the library's default absolute timeout)

      --now <UNIX>
          the current time in Unix seconds (default: the system clock); a
          cookie issued more than 60 s after it is rejected

      --legacy
          a Python EncryptedSession cookie, opened with the first key (its kid
          is ignored). It carries no context and no time, so --context,
          --max-age, --absolute-timeout and --now are usage errors with --legacy

      --allow-insecure-key-file
          use key files that their group or others can read or write. Risk:
          whoever can read one holds the key to every session, and whoever
          can write one can choose the key. Without this option such a file
          is refused; fix it with `chmod 600 FILE` instead

  -h, --help
          print this help

A rejected cookie exits with status 1, and stderr gives only the public
reason: malformed, unknown version, unknown key id, expired, issued in the
future, too large (a value over 4096 bytes), not authentic, or lifetime
exceeded (older than the absolute timeout). An authentic cookie that holds no
JSON object exits with status 2.
"#
    );
}

/// `--version` and `-V`.
#[test]
fn version() {
    assert_eq!(run(&["--version"], "").ok(), "sealed-session 0.1.0\n");
    assert_eq!(run(&["-V"], "").ok(), "sealed-session 0.1.0\n");
}

// ---------------------------------------------------------- usage: 2 ---

/// Every kind of usage error: exit 2, the exact message, nothing on stdout.
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
    run(&["help", "frobnicate"], "").fails(
        2,
        "sealed-session: unknown command `frobnicate`\nRun `sealed-session --help` for usage.",
    );
    run(&["--bogus"], "").fails(
        2,
        "sealed-session: unknown option `--bogus`\nRun `sealed-session --help` for usage.",
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
        (&["keygen", "--out"], "keygen", "`--out` needs a value"),
        (
            &["open", "--max-age", "18446744073709551616"],
            "open",
            "`--max-age` is too large (at most 18446744073709551615)",
        ),
        (
            &["open", "--legacy", "--now", "5"],
            "open",
            "`--now` cannot be used with `--legacy`: Python cookies carry no context and no time",
        ),
        (
            &["open", "--legacy=yes"],
            "open",
            "`--legacy` takes no value",
        ),
        (
            &["seal", "--allow-insecure-key-file=1"],
            "seal",
            "`--allow-insecure-key-file` takes no value",
        ),
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

// ------------------------------------------------- key text never echoed ---

/// What a message shows instead of an argument that looks like a key.
const WITHHELD: &str = "<withheld: looks like a key>";
/// The line added when an argument looks like a key.
const KEYS_HINT: &str = "Keys never go on the command line: use --keys FILE, \
     SEALED_SESSION_KEYS or SEALED_SESSION_KEYS_FILE.";

/// Asserts that none of `secrets` reached stdout or stderr.
#[track_caller]
fn assert_no_secret(out: &Run, secrets: &[&str]) {
    for secret in secrets {
        assert!(
            !out.stdout.contains(secret) && !out.stderr.contains(secret),
            "{secret} leaked: {out:?}"
        );
    }
}

/// `--keys "1 <key>"` and the like: the key text is in no message.
#[test]
fn a_key_pasted_where_a_path_belongs_is_never_echoed() {
    let cases: &[(&[&str], &str)] = &[
        (&["open", "--keys"], &format!("1 {KEY_A_B64}")),
        (&["seal", "--keys"], KEY_A_HEX),
        (&["open", "--legacy", "--keys"], &format!("7\t{KEY_A_HEX}")),
        (
            &["migrate", "--since", SINCE_NOW.as_str(), "--legacy-keys"],
            &format!("0 {KEY_A_B64}"),
        ),
    ];
    for (args, pasted) in cases {
        let mut args = args.to_vec();
        args.push(pasted);
        let out = run(&args, "{}");
        out.fails(
            2,
            &format!(
                "sealed-session: error: cannot read key file (path withheld: it looks like key \
                 text): no such file\n{KEYS_HINT}"
            ),
        );
        assert_no_secret(&out, &[KEY_A_B64, KEY_A_HEX]);
    }
    // The `--keys=` form, and a key with a character missing: a mistyped
    // key is no less secret.
    let near = &KEY_A_B64[1..];
    for arg in [format!("--keys=1 {KEY_A_B64}"), format!("--keys=1 {near}")] {
        let out = run(&["open", &arg], "x");
        assert!(
            out.stderr
                .starts_with("sealed-session: error: cannot read key file ")
        );
        assert!(
            out.stderr
                .ends_with(&format!(": no such file\n{KEYS_HINT}\n"))
        );
        assert_eq!(out.code, 2);
        assert_no_secret(&out, &[KEY_A_B64, near]);
    }
    let out = run(&["open", "--keys", &format!("1 {near}")], "x");
    out.fails(
        2,
        &format!(
            "sealed-session: error: cannot read key file (path withheld: it looks like key \
             text): no such file\n{KEYS_HINT}"
        ),
    );
    assert_no_secret(&out, &[near]);
}

/// A key inside a file name (`--keys <key>.txt`, `<key>.bak`), or written
/// in standard base64 (with `+` and `/`, padded): withheld wherever it is,
/// with whatever surrounds it (issue 18 item 5).
#[test]
fn a_key_inside_a_file_name_or_in_standard_base64_is_never_echoed() {
    // 32 random bytes in standard base64, padded: `+` and `/` split it
    // into pieces shorter than a key.
    let standard = "AzTyPZ7ROEE/gnKMIPK+xXYpo5jmZHHv/KErmwhmZKw=";
    let standard_runs = [
        &standard[..43],
        "AzTyPZ7ROEE",
        "gnKMIPK",
        "xXYpo5jmZHHv",
        "KErmwhmZKw",
    ];
    let no_such = |shown: &str| {
        format!("sealed-session: error: cannot read key file {shown}: no such file\n{KEYS_HINT}")
    };
    let withheld_path = "(path withheld: it looks like key text)";
    for path in [
        format!("{KEY_A_B64}.txt"),
        format!("{KEY_A_B64}.bak"),
        format!("/etc/app/{KEY_A_HEX}.bak"),
        format!("{}.txt", &KEY_A_B64[2..]),
        format!("/srv/{}", &standard[..42]),
    ] {
        for command in ["open", "seal"] {
            let out = run(&[command, "--keys", &path], "{}");
            out.fails(2, &no_such(withheld_path));
            assert_no_secret(
                &out,
                &[KEY_A_B64, KEY_A_HEX, &KEY_A_B64[2..], &standard[..42]],
            );
        }
        let out = run(
            &[
                "migrate",
                "--since",
                SINCE_NOW.as_str(),
                &format!("--legacy-keys={path}"),
            ],
            "x",
        );
        out.fails(2, &no_such(withheld_path));
    }
    let out = run(&["open", "--keys", standard], "x");
    out.fails(2, &no_such(withheld_path));
    assert_no_secret(&out, &standard_runs);
    // As a stray argument, clap quotes it; the message withholds it.
    for arg in [format!("{KEY_A_B64}.bak"), standard.to_owned()] {
        let out = run(&["open", &arg], "x");
        out.fails(
            2,
            &format!(
                "sealed-session open: unexpected argument `{WITHHELD}` (input comes on \
                 stdin)\nRun `sealed-session open --help` for usage.\n{KEYS_HINT}"
            ),
        );
        assert_no_secret(&out, &[KEY_A_B64, standard_runs[0], standard_runs[3]]);
    }
}

/// A key given as an argument (`open 3 <key>`, the key alone): withheld.
#[test]
fn a_stray_key_argument_is_never_echoed() {
    let usage = |command: &str, message: &str| {
        format!(
            "sealed-session {command}: {message}\nRun `sealed-session {command} --help` for \
             usage.\n{KEYS_HINT}"
        )
    };
    // `open 3 <key>`: a keyring line split by the shell. The kid is not
    // secret; the key never shows.
    let out = run(&["open", "3", KEY_A_B64], "x");
    out.fails(
        2,
        &usage("open", "unexpected argument `3` (input comes on stdin)"),
    );
    assert_no_secret(&out, &[KEY_A_B64]);
    // The key alone, after a command, in hex, or quoted with its kid.
    for key in [KEY_A_B64, KEY_A_HEX, &format!("3 {KEY_A_B64}")] {
        for command in ["open", "seal", "inspect", "migrate", "keygen", "demo"] {
            let out = run(&[command, key], "x");
            out.fails(
                2,
                &usage(
                    command,
                    &format!("unexpected argument `{WITHHELD}` (input comes on stdin)"),
                ),
            );
            assert_no_secret(&out, &[KEY_A_B64, KEY_A_HEX]);
        }
    }
    // The key where the command belongs.
    let out = run(&[KEY_A_B64], "x");
    out.fails(
        2,
        &format!(
            "sealed-session: unknown command `{WITHHELD}`\nRun `sealed-session --help` for \
             usage.\n{KEYS_HINT}"
        ),
    );
    assert_no_secret(&out, &[KEY_A_B64]);
    // As an unknown option's value (clap names the option alone), or a
    // value clap refuses.
    let out = run(&["open", &format!("--key={KEY_A_B64}")], "x");
    out.fails(2, &usage("open", "unknown option `--key`"));
    assert_no_secret(&out, &[KEY_A_B64]);
    let out = run(&["seal", "--now", KEY_A_HEX], "{}");
    out.fails(
        2,
        &usage("seal", "`--now` must be a non-negative decimal integer"),
    );
    assert_no_secret(&out, &[KEY_A_HEX]);
    let out = run(&["help", KEY_A_B64], "");
    out.fails(
        2,
        &format!(
            "sealed-session: unknown command `{WITHHELD}`\nRun `sealed-session --help` for \
             usage.\n{KEYS_HINT}"
        ),
    );
    assert_no_secret(&out, &[KEY_A_B64]);
}

// ----------------------------------------------- key file permissions ---

/// A key file with any group or other permission bit is refused, with the
/// `chmod` that fixes it, unless `--allow-insecure-key-file`.
#[cfg(unix)]
#[test]
fn key_files_others_can_access_are_refused_with_the_fix() {
    let keyring = format!("1 {KEY_A_HEX}\n");
    let good = key_file(&keyring);
    let cookie = seal(&good, &["--now", "1700000000"], r#"{"a":1}"#);
    let legacy_cookie = PY_KNOWN_COOKIE;
    for mode in [0o644, 0o640, 0o604, 0o620, 0o602, 0o666, 0o700] {
        let path = temp_file_with_mode(keyring.as_bytes(), mode);
        let path = path.to_str().expect("UTF-8 path");
        let refused = |out: Run| {
            if mode & 0o077 == 0 {
                assert_eq!(out.code, 0, "{mode:o}: {out:?}");
                return;
            }
            out.fails(
                2,
                &format!(
                    "sealed-session: error: key file {path} is accessible to its group or others \
                     (mode {mode:04o}); make it private with `chmod 600 {path}`, or pass \
                     --allow-insecure-key-file to use it anyway"
                ),
            );
        };
        refused(run(
            &["open", "--keys", path, "--now", "1700000000"],
            &cookie,
        ));
        refused(run(&["seal", "--keys", path], "{}"));
        refused(run(&["open", "--legacy", "--keys", path], legacy_cookie));
        refused(run(&["seal", "--legacy", "--keys", path], "{}"));
        refused(run(
            &[
                "migrate",
                "--since",
                SINCE_NOW.as_str(),
                "--legacy-keys",
                path,
                "--keys",
                &good,
            ],
            legacy_cookie,
        ));
        refused(run(
            &[
                "migrate",
                "--since",
                SINCE_NOW.as_str(),
                "--legacy-keys",
                &good,
                "--keys",
                path,
            ],
            legacy_cookie,
        ));
        // The override, named and documented, lets it through.
        let allow = "--allow-insecure-key-file";
        assert_eq!(
            run(
                &["open", "--keys", path, "--now", "1700000000", allow],
                &cookie
            )
            .ok(),
            "{\"a\":1}\n"
        );
        assert_eq!(
            run(&["open", "--legacy", "--keys", path, allow], legacy_cookie).ok(),
            "{\"answer\":42}\n"
        );
        assert!(
            run(&["seal", "--keys", path, allow], "{}")
                .ok()
                .starts_with("AQAB")
        );
        assert!(
            run(
                &[
                    "migrate",
                    "--since",
                    SINCE_NOW.as_str(),
                    "--legacy-keys",
                    path,
                    "--keys",
                    path,
                    allow
                ],
                legacy_cookie
            )
            .ok()
            .starts_with("AQAB")
        );
    }
    // A path that needs quoting is quoted in the fix.
    let spaced = temp_path(" my keys");
    std::fs::write(&spaced, &keyring).unwrap();
    set_mode(&spaced, 0o644);
    let spaced = spaced.to_str().unwrap();
    run(&["open", "--keys", spaced], &cookie).fails(
        2,
        &format!(
            "sealed-session: error: key file {spaced} is accessible to its group or others \
             (mode 0644); make it private with `chmod 600 '{spaced}'`, or pass \
             --allow-insecure-key-file to use it anyway"
        ),
    );
}

/// `keygen --out` writes a 0600 file, prints nothing, and never replaces a file.
#[test]
fn keygen_out_creates_a_private_file_and_never_overwrites() {
    let path = temp_path(".keys");
    let path_text = path.to_str().expect("UTF-8 path");
    // Nothing on stdout: the key goes to the file only.
    let out = run(&["keygen", "--kid", "9", "--out", path_text], "");
    assert_eq!(out.ok(), "");
    let line = std::fs::read_to_string(&path).unwrap();
    let key = line
        .strip_prefix("9 ")
        .and_then(|rest| rest.strip_suffix('\n'))
        .expect("`9 <key>` and a newline");
    assert_eq!(key.len(), 43);
    #[cfg(unix)]
    assert_eq!(mode_of(&path), 0o600);
    // The file is a key file as it stands, with no override.
    let cookie = seal(path_text, &[], r#"{"a":1}"#);
    assert_eq!(inspect(&cookie)["key_id"], 9);
    // A second keygen refuses to replace it, and leaves it as it was.
    let again = run(&["keygen", "--out", path_text], "");
    again.fails(
        2,
        &format!(
            "sealed-session: error: key file {path_text} already exists; keygen --out never \
             overwrites a file (choose a new name)"
        ),
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), line);
    assert_no_secret(&again, &[key]);
    // A file that is not a key file is not replaced either.
    let other = temp_file("not a key file\n");
    let other = other.to_str().unwrap();
    assert_eq!(run(&["keygen", "--out", other], "").code, 2);
    assert_eq!(std::fs::read_to_string(other).unwrap(), "not a key file\n");
    // A directory that does not exist.
    run(&["keygen", "--out", "/nonexistent/dir/keys"], "").fails(
        2,
        "sealed-session: error: cannot create key file /nonexistent/dir/keys: no such file or \
         directory",
    );
}

/// Under the common umask 022, a shell redirect makes a world-readable key
/// file (which the other commands then refuse), while `--out` does not.
#[cfg(unix)]
#[test]
fn keygen_out_is_private_whatever_the_umask() {
    let bin = env!("CARGO_BIN_EXE_sealed-session");
    for umask in ["022", "000", "002"] {
        let out_path = temp_path(".keys");
        let redirected = temp_path(".keys");
        let status = Command::new("sh")
            .arg("-c")
            .arg(r#"umask "$1" && "$2" keygen --out "$3" && "$2" keygen > "$4""#)
            .arg("sh")
            .args([umask, bin])
            .arg(&out_path)
            .arg(&redirected)
            .status()
            .expect("run sh");
        assert!(status.success());
        assert_eq!(mode_of(&out_path), 0o600, "umask {umask}");
        let redirected_mode = mode_of(&redirected);
        assert_ne!(redirected_mode & 0o077, 0, "umask {umask}");
        let redirected = redirected.to_str().unwrap();
        let out = run(&["seal", "--keys", redirected], "{}");
        assert_eq!(out.code, 2, "{out:?}");
        assert!(out.stderr.contains(&format!("`chmod 600 {redirected}`")));
    }
}

// -------------------------------------------------------------- keygen ---

/// `keygen` prints a fresh `<kid> <key>` line that works as a key file.
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

/// A session with every JSON type and bytes survives `seal` then `open`.
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

/// Keys from `SEALED_SESSION_KEYS`; `--keys` wins over it.
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
    assert_eq!(
        run(&["open", "--keys", &keys, "--now", "1700000000"], &cookie).ok(),
        "{\"a\":1}\n"
    );
    // --keys wins over the environment, which is then not even parsed.
    let opened = run_with(
        &["open", "--keys", &keys, "--now", "1700000000"],
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

/// Without `--keys`, the keyring comes from `SEALED_SESSION_KEYS` (text)
/// or, when that is unset or blank, from the key file named by
/// `SEALED_SESSION_KEYS_FILE`: the names and precedence of the
/// `sealed-session` crate's `keyring_from_environment` and of the Flask
/// config (issue 18 item 16).
#[test]
fn keys_from_the_environment_text_or_file() {
    let file = key_file(&format!("1 {KEY_A_HEX}\n"));
    let cookie = seal(&file, &["--now", "1700000000"], r#"{"a":1}"#);
    let opened = run_env(
        &["open", "--now", "1700000000"],
        cookie.as_bytes(),
        &[("SEALED_SESSION_KEYS_FILE", &file)],
    );
    assert_eq!(opened.ok(), "{\"a\":1}\n");
    // The legacy format takes the file's first key the same way.
    let legacy = run_env(
        &["seal", "--legacy"],
        br#"{"b":2}"#,
        &[("SEALED_SESSION_KEYS_FILE", &file)],
    );
    let legacy = legacy.ok().trim_end().to_owned();
    assert_eq!(
        run(&["open", "--legacy", "--keys", &file], &legacy).ok(),
        "{\"b\":2}\n"
    );
    // Text wins over the file; blank text does not count.
    let other = format!("1 {KEY_B_HEX}\n");
    run_env(
        &["open", "--now", "1700000000"],
        cookie.as_bytes(),
        &[
            ("SEALED_SESSION_KEYS", &other),
            ("SEALED_SESSION_KEYS_FILE", &file),
        ],
    )
    .rejected("not authentic");
    let opened = run_env(
        &["open", "--now", "1700000000"],
        cookie.as_bytes(),
        &[
            ("SEALED_SESSION_KEYS", " \n"),
            ("SEALED_SESSION_KEYS_FILE", &file),
        ],
    );
    assert_eq!(opened.ok(), "{\"a\":1}\n");
    // The file is permission-checked like `--keys`.
    #[cfg(unix)]
    {
        let shared = temp_file_with_mode(format!("1 {KEY_A_HEX}\n").as_bytes(), 0o644);
        let shared = shared.to_str().expect("UTF-8 path");
        run_env(
            &["open"],
            cookie.as_bytes(),
            &[("SEALED_SESSION_KEYS_FILE", shared)],
        )
        .fails(
            2,
            &format!(
                "sealed-session: error: key file {shared} is accessible to its group or others \
                 (mode 0644); make it private with `chmod 600 {shared}`"
            ),
        );
    }
}

/// The core README's cookie opens, whitespace around it ignored.
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
    // As a transport (FORMAT.md §4), exactly space, tab, LF, FF and CR
    // around the value: a vertical tab or a no-break space stays, and so
    // does whitespace inside (issue 18 item 12).
    assert_eq!(
        run(&args, &format!("\t\x0c {CORE_README_COOKIE}\x0c\r\n")).ok(),
        "{\"user\":42}\n"
    );
    for text in [
        format!("\x0b{CORE_README_COOKIE}"),
        format!("{CORE_README_COOKIE}\u{a0}"),
        format!(
            "{} {}",
            &CORE_README_COOKIE[..10],
            &CORE_README_COOKIE[10..]
        ),
    ] {
        run(&args, &text).rejected("malformed");
    }
}

/// A cookie opens only with the context it was sealed with.
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

/// Compression only with `--compress auto`, and only above 1024 bytes.
#[test]
fn compression_auto_and_never() {
    let keys = key_file(&format!("1 {KEY_A_HEX}\n"));
    let session = format!(r#"{{"pad":"{}"}}"#, "ab".repeat(600));
    let auto = seal(&keys, &["--compress", "auto"], &session);
    let default = seal(&keys, &[], &session);
    let never = seal(&keys, &["--compress", "never"], &session);
    assert_eq!(inspect(&auto)["compressed"], true);
    // Compression is an explicit opt-in: the length of a default cookie
    // says nothing about how repetitive the session is.
    assert_eq!(inspect(&default)["compressed"], false);
    assert_eq!(inspect(&never)["compressed"], false);
    assert_eq!(default.len(), never.len());
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
    assert_eq!(
        inspect(&seal(&keys, &["--compress", "auto"], &small))["compressed"],
        false
    );
}

/// `--max-age`, no age limit without it, and the 60 s clock skew.
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
    // No --max-age: no idle limit; the absolute timeout still applies (7
    // days by default, counted for a bare JSON object from its issue time:
    // FORMAT.md §12.1; issue 18 item 11).
    assert_eq!(open(&["--now", "1604800"]).ok(), "{\"a\":1}\n");
    open(&["--now", "1604801"]).rejected("lifetime exceeded");
    open(&["--now", "1003601", "--absolute-timeout", "3600"]).rejected("lifetime exceeded");
    assert_eq!(
        open(&[
            "--now",
            "18446744073709551615",
            "--absolute-timeout",
            "18446744073709551615"
        ])
        .ok(),
        "{\"a\":1}\n"
    );
    // Up to 60 seconds of clock skew, then "issued in the future".
    assert_eq!(open(&["--now", "999940"]).ok(), "{\"a\":1}\n");
    open(&["--now", "999939"]).rejected("issued in the future");
}

/// Old cookies open after a rotation, and stop once their key is removed.
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

/// Rejections: exit 1 and the public reason, for every reason a cookie can cause.
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
    // Unknown envelope versions (first byte 0x02, 0x00, 0xFF): their own
    // reason, not "malformed" (FORMAT.md, opening step 3).
    for version in ["Ag", "AA", "_w"] {
        run(
            &["open", "--keys", &keys],
            &format!("{version}{}", &cookie[2..]),
        )
        .rejected("unknown version");
    }
    run(&["open", "--keys", &keys], &"A".repeat(5000)).rejected("too large");
    // Not UTF-8.
    run_with(&["open", "--keys", &keys], b"AQAB\xff", None).rejected("malformed");
}

/// An authentic plaintext that is no JSON session: exit 2, a clear message.
#[test]
fn an_authentic_cookie_that_is_not_a_session_exits_2() {
    // Sealed by the core directly with key A, kid 1, context "", issued
    // 1_700_000_000: plaintexts that authenticate but are no JSON session.
    use sealed_session_core::legacy::LegacyCodec;
    use sealed_session_core::{Codec, FixedNonce, Key, Keyring, Options};
    let key = Key::parse(KEY_A_HEX).unwrap();
    let codec = Codec::new(Keyring::new(1, &key), Options::new());
    let keys = key_file(&format!("1 {KEY_A_HEX}\n"));
    let cases: [(&[u8], &str); 5] = [
        (
            b"[1]",
            "its plaintext is not a session (neither a JSON object nor session metadata)",
        ),
        (b"{\"a\":", "its plaintext is not a JSON object"),
        (
            b"\x07postcard",
            "its plaintext is not a session (neither a JSON object nor session metadata)",
        ),
        // The library's metadata prefix with a reserved flag bit set.
        (
            b"\x00\xff\x00\x00\x00\x00\x65\x53\xf1\x00{}",
            "its plaintext is not a session (neither a JSON object nor session metadata)",
        ),
        (
            br#"{"b":{" b":"not base64!"}}"#,
            "its JSON holds a malformed tagged byte string",
        ),
    ];
    for (plaintext, what) in cases {
        let cookie = codec
            .seal_to_string(plaintext, b"", T, &mut FixedNonce([0; 16]))
            .unwrap();
        run(&["open", "--keys", &keys, "--now", "1700000000"], &cookie).fails(
            2,
            &format!("sealed-session: error: the cookie is authentic, but {what}"),
        );
    }
    // A Python cookie whose JSON is an array.
    let legacy = LegacyCodec::new(&key, Options::new())
        .seal_to_string(b"[1, 2]", &mut FixedNonce([0; 16]))
        .unwrap();
    run(&["open", "--legacy", "--keys", &keys], &legacy).fails(
        2,
        "sealed-session: error: the cookie is authentic, but its plaintext is not a JSON object",
    );
    run(
        &[
            "migrate",
            "--since",
            SINCE_NOW.as_str(),
            "--legacy-keys",
            &keys,
            "--keys",
            &keys,
        ],
        &legacy,
    )
    .fails(
        2,
        "sealed-session: error: the cookie is authentic, but its plaintext is not a JSON object",
    );
}

/// A bytes tag with invalid base64 is an invalid session, also when it is
/// the session object itself (`{" b":"!!"}`, which opened before); a valid
/// one there is no session either: Flask would load bytes (FORMAT.md
/// §12.2; issue 18 item 9). `seal` refuses both alike.
#[test]
fn a_session_that_is_a_bytes_tag_is_refused() {
    use sealed_session_core::{Codec, FixedNonce, Key, Keyring, Options};
    let key = Key::parse(KEY_A_HEX).unwrap();
    let codec = Codec::new(Keyring::new(1, &key), Options::new());
    let keys = key_file(&format!("1 {KEY_A_HEX}\n"));
    for (plaintext, what) in [
        (
            &br#"{" b":"!!"}"#[..],
            "its JSON holds a malformed tagged byte string",
        ),
        (
            br#"{" b":"AAF="}"#,
            "its JSON holds a malformed tagged byte string",
        ),
        (
            br#"{" b":"AAE="}"#,
            "its plaintext is not a session (neither a JSON object nor session metadata)",
        ),
    ] {
        let cookie = codec
            .seal_to_string(plaintext, b"", T, &mut FixedNonce([0; 16]))
            .unwrap();
        run(&["open", "--keys", &keys, "--now", "1700000000"], &cookie).fails(
            2,
            &format!("sealed-session: error: the cookie is authentic, but {what}"),
        );
    }
    run(&["seal", "--keys", &keys], r#"{"__type__":"bytes","b":"!!"}"#).fails(
        2,
        r#"sealed-session: error: stdin has a malformed bytes value: it must be exactly {"__type__":"bytes","b":"<padded base64>"}"#,
    );
    run(
        &["seal", "--keys", &keys],
        r#"{"__type__":"bytes","b":"AAE="}"#,
    )
    .fails(
        2,
        "sealed-session: error: authentic plaintext is not a session",
    );
}

// -------------------------------------------------- the text limit ---

/// FORMAT.md's limit counts the value alone: 4096 bytes open, 4097 do not.
/// Whitespace around the value is the transport's, not the value's.
#[test]
fn a_4096_character_value_opens_and_4097_is_too_large() {
    let keys = key_file(&format!("1 {KEY_A_HEX}\n"));
    // 4096 base64url characters are 3072 bytes: 43 of envelope, 3029 of
    // JSON.
    let session = format!(r#"{{"a":"{}"}}"#, "x".repeat(3021));
    assert_eq!(session.len(), 3029);
    let cookie = seal(&keys, &["--now", "1700000000"], &session);
    assert_eq!(cookie.len(), 4096);
    let open = |text: &str| run(&["open", "--keys", &keys, "--now", "1700000000"], text);
    assert_eq!(open(&cookie).ok(), format!("{session}\n"));
    assert_eq!(
        open(&format!(" \t\r\n{cookie}\r\n\n  ")).ok(),
        format!("{session}\n")
    );
    open(&format!("{cookie}A")).rejected("too large");
    // One byte more of JSON would make a 4098-character value.
    let longer = format!(r#"{{"a":"{}"}}"#, "x".repeat(3022));
    run(&["seal", "--keys", &keys], &longer).fails(
        2,
        "sealed-session: error: the session is too large to seal: a cookie value holds at most \
         4096 characters",
    );
}

// -------------------------------------------- the library's cookies ---

/// Cookies of the library's `SessionCodec` (metadata, padding, Flask's
/// tagged JSON, bound to the cookie name) open in the command line, and
/// the command line's cookies open in the library.
#[test]
fn library_cookies_open_in_the_cli_and_back() {
    use sealed_session::{FixedRandom, Key, Keyring, ManualClock, Session, SessionCodec};
    let key = Key::parse(KEY_A_HEX).unwrap();
    let keys = key_file(&format!("1 {KEY_A_HEX}\n"));
    let builder = || {
        SessionCodec::builder(Keyring::new(1, &key))
            .clock(ManualClock::new(T))
            .random(FixedRandom::new([9]))
    };
    let mut session = Session::new();
    session.insert("user", "zoë").unwrap();
    session.insert("n", [1, 2]).unwrap();
    session
        .insert_bytes("token", &[0xde, 0xad, 0xbe, 0xef])
        .unwrap();
    session.set_permanent(true);
    let expected = "{\"user\":\"zoë\",\"n\":[1,2],\"token\":{\"__type__\":\"bytes\",\"b\":\"3q2+7w==\"},\"_permanent\":true}\n";
    for codec in [
        builder().build().unwrap(),
        builder().pad_to_multiple_of(64).build().unwrap(),
    ] {
        let value = codec.seal(&session).unwrap();
        assert_eq!(codec.cookie_name(), "__Host-session");
        let args = [
            "open",
            "--keys",
            &keys,
            "--context",
            "__Host-session",
            "--now",
            "1700000000",
        ];
        assert_eq!(run(&args, &value).ok(), expected);
        // The library binds the cookie's name: without it, not authentic.
        run(&["open", "--keys", &keys, "--now", "1700000000"], &value).rejected("not authentic");
    }
    // Back: what `seal` writes, the library reads.
    let input =
        r#"{"user": "zoë", "token": {"__type__": "bytes", "b": "3q2+7w=="}, "_permanent": true}"#;
    let value = seal(
        &keys,
        &["--context", "__Host-session", "--now", "1700000000"],
        input,
    );
    let opened = builder().build().unwrap().open(&value).unwrap();
    assert_eq!(
        opened.get::<String>("user").unwrap().as_deref(),
        Some("zoë")
    );
    assert_eq!(
        opened.get_bytes("token").unwrap(),
        Some(vec![0xde, 0xad, 0xbe, 0xef])
    );
    assert!(opened.permanent());
    assert_eq!(opened.issued_at(), Some(T));
    assert_eq!(
        opened.to_json_string(),
        r#"{"user":"zoë","token":{" b":"3q2+7w=="}}"#
    );
}

/// Byte values survive `seal | open` exactly, in the Python package's
/// convention on both ends.
#[test]
fn seal_then_open_round_trips_byte_values() {
    let keys = key_file(&format!("1 {KEY_A_HEX}\n"));
    let input = "{\"k\":{\"__type__\":\"bytes\",\"b\":\"\"},\"l\":[{\"__type__\":\"bytes\",\"b\":\"AA==\"}],\"m\":{\"inner\":{\"__type__\":\"bytes\",\"b\":\"3q2+7w==\"}},\"_permanent\":true}";
    let cookie = seal(&keys, &[], input);
    assert_eq!(
        run(&["open", "--keys", &keys], &cookie).ok(),
        format!("{input}\n")
    );
}

/// Input `seal` cannot seal: exit 2, and where the JSON is wrong.
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
    for bad in [
        r#"{"b": {"__type__": "bytes", "b": "not base64!"}}"#,
        r#"{"b": [{"__type__": "bytes", "b": 5}]}"#,
        r#"{"b": {"__type__": "bytes", "c": "AA=="}}"#,
        r#"{"b": {"__type__": "bytes", "b": "AA==", "x": 1}}"#,
    ] {
        seal_with(bad).fails(
            2,
            r#"sealed-session: error: stdin has a malformed bytes value: it must be exactly {"__type__":"bytes","b":"<padded base64>"}"#,
        );
        run(&["seal", "--legacy", "--keys", &keys], bad).fails(
            2,
            r#"sealed-session: error: stdin has a malformed bytes value: it must be exactly {"__type__":"bytes","b":"<padded base64>"}"#,
        );
    }
    let deep = format!("{{\"a\":{}{}}}", "[".repeat(100), "]".repeat(100));
    seal_with(&deep).fails(
        2,
        "sealed-session: error: stdin nests arrays and objects deeper than 100 levels",
    );
    let huge = format!(r#"{{"a":"{}"}}"#, "x".repeat(70_000));
    run(&["seal", "--keys", &keys, "--compress", "never"], &huge).fails(
        2,
        "sealed-session: error: the session is too large to seal: a cookie value holds at most 4096 characters",
    );
    run_with(&["seal", "--keys", &keys], b"{\"a\":\"\xff\"}", None).fails(
        2,
        "sealed-session: error: stdin is not JSON: invalid unicode code point at line 1 column 7",
    );
}

// ------------------------------------------------------------ key files ---

/// Key-file errors name the file and line, never the text.
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
            "line 2: this key id is already used on line 1",
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
        "sealed-session: error: no keys: pass --keys FILE, or set SEALED_SESSION_KEYS \
         (keyring text) or SEALED_SESSION_KEYS_FILE (a key file)",
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

/// `--legacy` uses the first key whatever its kid; formats do not mix.
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

/// `inspect` of v1 and legacy cookies, exactly.
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

/// `inspect` reads cookies the real Flask signed, compressed or not.
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
    // Flask tags bytes its own way, `{" b": ...}`, and escapes non-ASCII
    // text (`\u00eb`); both shown as Flask wrote them.
    assert_eq!(
        run(&["inspect"], &cookie).ok(),
        "{\"format\":\"flask-signed\",\"readable\":true,\"payload\":{\"user\":\"zo\\u00eb\",\"blob\":{\" b\":\"3q2+7w==\"},\"n\":[1,2]}}\n"
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

/// `inspect` of anything else: `{"format":"unknown"}`, exit 0.
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

/// `seal --legacy` cookies open in the Python reference.
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
    // Above 1024 bytes of Python JSON: zlib with auto (the Python package's
    // rule), not by default or with never.
    let big = format!(r#"{{"pad": "{}"}}"#, "ab".repeat(600));
    let auto = seal(&keys, &["--legacy", "--compress", "auto"], &big);
    let default = seal(&keys, &["--legacy"], &big);
    let never = seal(&keys, &["--legacy", "--compress", "never"], &big);
    assert!(auto.starts_with("z.") && default.starts_with("u.") && never.starts_with("u."));
    for cookie in [&auto, &default, &never] {
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

/// Cookies of the Python reference open with `open --legacy`.
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

/// `migrate` re-seals a Python cookie as v1; its failures exit as `open`'s do.
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
        "--since",
        SINCE_NOW.as_str(),
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
        &[
            "migrate",
            "--since",
            SINCE_NOW.as_str(),
            "--legacy-keys",
            &legacy_keys,
        ],
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
        &[
            "migrate",
            "--since",
            SINCE_NOW.as_str(),
            "--legacy-keys",
            &wrong,
            "--keys",
            &keys_path,
        ],
        PY_KNOWN_COOKIE,
    )
    .rejected("not authentic");
    run(
        &[
            "migrate",
            "--since",
            SINCE_NOW.as_str(),
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
        &[
            "migrate",
            "--since",
            SINCE_NOW.as_str(),
            "--legacy-keys",
            &bad,
            "--keys",
            &keys_path,
        ],
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

/// `migrate` follows FORMAT.md §12.3 as the library's own migration does:
/// the new cookie holds the session payload (metadata first), `_permanent`
/// is the permanent flag and no member, and the session's creation time is
/// `--since`, so the absolute timeout retires migrated cookies on time
/// (issue 18 item 10).
#[test]
fn migrate_writes_the_session_payload_created_at_since() {
    use sealed_session::{Key, Keyring, ManualClock, SessionCodec, SessionError};
    use sealed_session_core::legacy::LegacyCodec;
    use sealed_session_core::{FixedNonce, Options};
    const SINCE: u64 = 1_700_000_000;
    const NOW: u64 = SINCE + 3_600;
    const WEEK: u64 = 7 * 86_400;
    let legacy_key = Key::parse(KEY_A_HEX).unwrap();
    let legacy_keys = key_file(&format!("0 {KEY_A_HEX}\n"));
    let keys = key_file(&format!("3 {KEY_B_HEX}\n"));
    let python = LegacyCodec::new(&legacy_key, Options::new())
        .seal_to_string(
            br#"{"user_id": 7, "_permanent": true, "k": {"__type__": "bytes", "b": "AAE="}}"#,
            &mut FixedNonce([1; 16]),
        )
        .unwrap();
    let migrate = |now: u64, extra: &[&str]| {
        let (since, now) = (SINCE.to_string(), now.to_string());
        let mut args = vec![
            "migrate",
            "--legacy-keys",
            &legacy_keys,
            "--keys",
            &keys,
            "--context",
            "__Host-session",
            "--since",
            &since,
            "--now",
            &now,
        ];
        args.extend_from_slice(extra);
        run(&args, &python)
    };
    let migrated = migrate(NOW, &[]);
    let cookie = migrated.ok().trim_end().to_owned();
    assert_eq!(inspect(&cookie)["issued_at"], NOW);

    // The library opens it as its own: created at --since, permanent by
    // its flag, `_permanent` no member.
    let library = |now: u64| {
        SessionCodec::builder(Keyring::new(3, &Key::parse(KEY_B_HEX).unwrap()))
            .clock(ManualClock::new(now))
            // Idle as long as the absolute timeout: only the latter can
            // retire the cookie below.
            .idle_timeout(core::time::Duration::from_secs(WEEK))
            .build()
            .unwrap()
    };
    let session = library(NOW).open(&cookie).unwrap();
    assert_eq!(session.created_at(), Some(SINCE));
    assert_eq!(session.issued_at(), Some(NOW));
    assert!(session.permanent());
    assert_eq!(
        session.to_json_string(),
        r#"{"user_id":7,"k":{" b":"AAE="}}"#
    );
    assert!(session.id().is_some());
    // The absolute timeout counts from --since, in the library and in
    // `open`, however recently the cookie was issued.
    let late = SINCE + WEEK + 1;
    assert_eq!(
        library(late).open(&cookie).unwrap_err(),
        SessionError::LifetimeExceeded
    );
    let keys_arg = ["open", "--keys", &keys, "--context", "__Host-session"];
    let open_at = |now: u64| {
        let now = now.to_string();
        let mut args = keys_arg.to_vec();
        args.extend(["--now", &now, "--max-age", "999999999"]);
        run(&args, &cookie)
    };
    assert_eq!(
        open_at(SINCE + WEEK).ok(),
        r#"{"user_id":7,"k":{"__type__":"bytes","b":"AAE="},"_permanent":true}"#.to_owned() + "\n"
    );
    open_at(late).rejected("lifetime exceeded");
    // Migrating itself past --since plus the absolute timeout is refused.
    migrate(late, &[]).rejected("lifetime exceeded");
    migrate(SINCE + 61, &["--absolute-timeout", "60"]).rejected("lifetime exceeded");
    assert!(migrate(SINCE + 60, &["--absolute-timeout", "60"]).code == 0);
}

/// tests/data/session-vectors.json (FORMAT.md §12's edge cases, written
/// from the spec and sealed by the reference sealer): `open` accepts and
/// refuses exactly what the library does. Its output is the session in the
/// Python package's conventions: bytes as `__type__`, the permanent flag as
/// `_permanent` (issue 18 items 9 to 12).
#[test]
fn open_agrees_with_the_session_vectors() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/session-vectors.json");
    let vectors: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for vector in vectors.as_array().unwrap() {
        let name = vector["name"].as_str().unwrap();
        let key = &vector["keys"][0];
        let keys = key_file(&format!(
            "{} {}\n",
            key["id"],
            key["key_hex"].as_str().unwrap()
        ));
        let field = |name: &str| vector[name].as_u64().unwrap().to_string();
        let (now, idle, absolute) = (
            field("now"),
            field("idle_timeout"),
            field("absolute_timeout"),
        );
        let out = run(
            &[
                "open",
                "--keys",
                &keys,
                "--context",
                vector["context"].as_str().unwrap(),
                "--now",
                &now,
                "--max-age",
                &idle,
                "--absolute-timeout",
                &absolute,
            ],
            vector["cookie"].as_str().unwrap(),
        );
        match vector["error"].as_str() {
            Some("lifetime exceeded") => out.rejected("lifetime exceeded"),
            Some("invalid session") => {
                assert_eq!(out.code, 2, "{name}: {out:?}");
                assert!(
                    out.stderr
                        .starts_with("sealed-session: error: the cookie is authentic, but "),
                    "{name}: {out:?}"
                );
            }
            Some(other) => panic!("{name}: unknown error {other}"),
            None => {
                let mut expected: Value =
                    serde_json::from_str(vector["session"].as_str().unwrap()).unwrap();
                if let Some(blob) = expected.get_mut("k") {
                    *blob = json!({"__type__": "bytes", "b": blob[" b"]});
                }
                if vector["permanent"] == true {
                    expected["_permanent"] = json!(true);
                }
                let got: Value = serde_json::from_str(out.ok()).unwrap();
                assert_eq!(got, expected, "{name}");
            }
        }
    }
}

// ---------------------------------------------------------------- demo ---

/// The demo's steps, and its cookies are what it says.
#[test]
fn demo_walks_through_and_its_cookies_are_real() {
    let out = run(&["demo"], "");
    let text = out.ok();
    let headings = [
        "1. A throwaway key",
        "2. A \"guess the number\" session, holding the answer",
        "3. Signed only: Flask's default session cookie (itsdangerous, HMAC-SHA1)",
        "4. Sealed: AES-256-EAX in envelope v1, by the library's SessionCodec\n   \
         With its defaults: bound to the cookie name \"__Host-session\", and not compressed\n",
        "5. Opened with the key",
        "6. One character changed",
        "7. Sizes",
    ];
    for heading in headings {
        assert!(text.contains(&format!("\n{heading}")), "{heading}");
    }
    // Flask's cookie under Flask's name, the library's under its default.
    let cookies = |name: &str| -> Vec<&str> {
        text.lines()
            .filter_map(|line| line.trim().strip_prefix(name))
            .collect()
    };
    let [signed] = cookies("session=")[..] else {
        panic!("one Flask cookie expected in:\n{text}")
    };
    let [sealed, tampered] = cookies("__Host-session=")[..] else {
        panic!("two sealed cookies expected in:\n{text}")
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
        "sealed cookie         {:>4} characters  (secret and tamper-proof)\n",
        sealed.len()
    )));
    // The size is what the demo says it is made of: the JSON, 26 bytes of
    // session metadata, 43 of envelope, in base64url.
    let json_len = session.to_string().len();
    assert_eq!(sealed.len(), ((json_len + 26 + 43) * 4).div_ceil(3));
    assert!(text.contains(&format!("session JSON          {json_len:>4} bytes\n")));
    // Nothing claims compression, and the cookie is not compressed.
    assert_eq!(peeked["compressed"], false);
    assert!(!text.contains("compressed:") && !text.contains("compresses"));
    assert!(text.contains(&format!(
        "Flask signed cookie   {:>4} characters",
        signed.len()
    )));
}

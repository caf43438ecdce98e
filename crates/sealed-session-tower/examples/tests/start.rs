//! The examples refuse to start without keys, and `--demo` says that anyone
//! can forge sessions: the built binaries, run as a user runs them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

const KEYS: &str =
    "1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";

/// The example `name` with none of the key variables set.
fn example(name: &str) -> Command {
    let path = match name {
        "axum_app" => env!("CARGO_BIN_EXE_axum_app"),
        "axum_flask_shared" => env!("CARGO_BIN_EXE_axum_flask_shared"),
        _ => unreachable!(),
    };
    let mut command = Command::new(path);
    command
        .env_remove("SEALED_SESSION_KEYS")
        .env_remove("SEALED_SESSION_KEYS_FILE")
        .env_remove("PORT")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Starts `command`, waits for its "listening on" line, stops it; returns
/// that line and what it wrote to stderr.
fn starts(mut command: Command) -> (String, String) {
    let mut child = command.spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    (line, stderr)
}

#[test]
fn without_keys_the_examples_refuse_to_start() {
    for name in ["axum_app", "axum_flask_shared"] {
        let output = example(name).output().unwrap();
        assert_eq!(output.status.code(), Some(1), "{name}");
        assert!(output.stdout.is_empty(), "{name} listened");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(
            stderr.starts_with(
                "error: no keys: set SEALED_SESSION_KEYS (the keyring text) or \
                 SEALED_SESSION_KEYS_FILE (a key file, chmod 600)"
            ),
            "{name}: {stderr}"
        );
        assert!(stderr.contains("run it with --demo"), "{name}: {stderr}");
    }
}

#[test]
fn demo_mode_starts_and_says_anyone_can_forge_sessions() {
    let mut command = example("axum_app");
    command.arg("--demo");
    let (line, stderr) = starts(command);
    assert!(line.starts_with("listening on http://127.0.0.1:"), "{line}");
    assert!(stderr.starts_with("DEMO MODE: "), "{stderr}");
    assert!(stderr.contains("ANYONE CAN FORGE SESSIONS"), "{stderr}");
}

#[test]
fn with_keys_no_demo_warning() {
    let mut command = example("axum_app");
    command.env("SEALED_SESSION_KEYS", KEYS);
    let (line, stderr) = starts(command);
    assert!(line.starts_with("listening on http://127.0.0.1:"), "{line}");
    assert_eq!(stderr, "");

    // A key file, through SEALED_SESSION_KEYS_FILE, with --demo given too:
    // real keys win, and nothing says demo.
    let dir = std::env::temp_dir().join(format!("sealed-session-examples-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("keys.txt");
    std::fs::write(&file, KEYS).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let mut command = example("axum_flask_shared");
    command.env("SEALED_SESSION_KEYS_FILE", &file).arg("--demo");
    let (line, stderr) = starts(command);
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(line.starts_with("listening on http://127.0.0.1:"), "{line}");
    assert_eq!(stderr, "");
}

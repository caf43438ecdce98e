//! The examples refuse to start without keys, and `--demo` says that anyone
//! can forge sessions: the built binaries, run as a user runs them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

const KEYS: &str = "1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";

/// The example `name` with none of the key variables set.
fn example(name: &str) -> Command {
    let path = match name {
        "axum_app" => env!("CARGO_BIN_EXE_axum_app"),
        "axum_flask_shared" => env!("CARGO_BIN_EXE_axum_flask_shared"),
        #[cfg(feature = "axum-login")]
        "axum_login" => env!("CARGO_BIN_EXE_axum_login"),
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
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (line, stderr)
}

#[test]
fn without_keys_the_examples_refuse_to_start() {
    let names: &[&str] = if cfg!(feature = "axum-login") {
        &["axum_app", "axum_flask_shared", "axum_login"]
    } else {
        &["axum_app", "axum_flask_shared"]
    };
    for &name in names {
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

/// The axum-login example as a user runs it: log in as alice, `/me`, log
/// out; the page outside `AuthManager` carries no `Vary: Cookie`.
#[cfg(feature = "axum-login")]
#[tokio::test]
async fn the_axum_login_example_logs_in_and_out() {
    let mut command = example("axum_login");
    command.env("SEALED_SESSION_KEYS", KEYS);
    let mut child = command.spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();
    let client = reqwest::Client::new();
    let result = async move {
        let index = client.get(format!("{base}/")).send().await.unwrap();
        assert_eq!(index.status(), 200);
        assert!(index.headers().get("vary").is_none());

        let bad = client
            .post(format!("{base}/login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("user=alice&password=nope")
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), 401);
        assert!(bad.headers().get("set-cookie").is_none());

        let login = client
            .post(format!("{base}/login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("user=alice&password=wonderland")
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 200);
        let set_cookie = login.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(set_cookie.starts_with("__Host-session="), "{set_cookie}");
        assert_eq!(login.text().await.unwrap(), "welcome alice\n");
        let cookie = set_cookie.split(';').next().unwrap().to_owned();

        let me = client
            .get(format!("{base}/me"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(me.headers()["vary"], "Cookie");
        assert_eq!(me.text().await.unwrap(), "alice (7)\n");

        let logout = client
            .post(format!("{base}/logout"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(logout.status(), 200);
        assert_eq!(
            logout.headers()["set-cookie"],
            "__Host-session=; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=0; \
             Expires=Thu, 01 Jan 1970 00:00:00 GMT"
        );
    };
    // Stop the server whatever the outcome.
    let outcome = tokio::spawn(result).await;
    child.kill().unwrap();
    child.wait().unwrap();
    outcome.unwrap();
}

/// The fleet flags: `--keys FILE` (a key file others may read stops
/// start-up, and says why), `--port`, `--fail-closed-after` only with
/// `--redis`, and the other examples refuse them.
#[cfg(unix)]
#[test]
fn the_fleet_flags_are_checked_at_start() {
    use std::os::unix::fs::PermissionsExt as _;

    let dir =
        std::env::temp_dir().join(format!("sealed-session-fleet-flags-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("keys.txt");
    std::fs::write(&file, KEYS).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let output = example("axum_app")
        .arg("--keys")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains("(mode 0644)"), "{stderr}");

    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut command = example("axum_app");
    command
        .arg("--keys")
        .arg(&file)
        .args(["--port", &port.to_string()]);
    let (line, stderr) = starts(command);
    assert_eq!(line.trim(), format!("listening on http://127.0.0.1:{port}"));
    assert_eq!(stderr, "");

    for (name, args, error) in [
        (
            "axum_app",
            &["--fail-closed-after", "5"][..],
            "error: --fail-closed-after needs --redis; usage: ",
        ),
        (
            "axum_app",
            &["--redis"][..],
            "error: --redis needs a value; usage: ",
        ),
        (
            "axum_app",
            &[
                "--redis",
                "redis://127.0.0.1:1/",
                "--fail-closed-after",
                "soon",
            ][..],
            "error: not a number of seconds: soon",
        ),
        (
            "axum_flask_shared",
            &["--redis", "redis://127.0.0.1:1/"][..],
            "error: only axum_app takes --keys, --redis and --fail-closed-after",
        ),
    ] {
        let output = example(name).args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(1), "{name} {args:?}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.starts_with(error), "{name} {args:?}: {stderr}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `axum_app --keys FILE` watches the file: a replacement others may read
/// is not loaded, and stderr says why (the running keys stay); a good one
/// is loaded, and stderr says so.
#[cfg(unix)]
#[test]
fn a_replaced_key_file_is_reloaded_or_refused_with_the_reason_on_stderr() {
    use std::os::unix::fs::PermissionsExt as _;

    let dir =
        std::env::temp_dir().join(format!("sealed-session-reload-log-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("keys.txt");
    let replace = |text: &str, mode: u32| {
        let temp = file.with_extension("tmp");
        std::fs::write(&temp, text).unwrap();
        std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(mode)).unwrap();
        std::fs::rename(&temp, &file).unwrap();
    };
    replace(KEYS, 0o600);
    let log = dir.join("stderr.txt");
    let mut child = example("axum_app")
        .arg("--keys")
        .arg(&file)
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("listening on http://127.0.0.1:"), "{line}");
    // Waits (bounded: the watcher polls every second) for `text` on stderr.
    let stderr_says = |text: &str| {
        let deadline = std::time::Instant::now() + core::time::Duration::from_secs(20);
        loop {
            let stderr = std::fs::read_to_string(&log).unwrap();
            if stderr.contains(text) || std::time::Instant::now() > deadline {
                return stderr;
            }
            std::thread::sleep(core::time::Duration::from_millis(50));
        }
    };

    replace("2 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n", 0o644);
    let stderr = stderr_says("keeping the current keyring");
    assert!(
        stderr.contains("WARN sealed_session::reload: keeping the current keyring: ")
            && stderr.contains("(mode 0644)"),
        "{stderr}"
    );
    replace("2 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n", 0o600);
    let stderr = stderr_says("keyring reloaded");
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        stderr.contains(&format!(
            "INFO sealed_session::reload: keyring reloaded from {}",
            file.display()
        )),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

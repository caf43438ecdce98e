//! The Python virtual environment the interop tests run against.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::workspace::Workspace;

/// Installed when `tests/python/requirements.txt` does not exist (yet).
const DEFAULT_REQUIREMENTS: &str = "pycryptodome\n";

/// Makes sure `<root>/target/venv` exists and holds the packages in
/// `<root>/tests/python/requirements.txt` (or just `pycryptodome` when that
/// file is missing), and returns the path of the venv's `python`.
///
/// A stamp file in the venv keeps the requirements last installed; pip runs
/// only when they differ, so repeated CI runs stay offline and fast.
///
/// # Errors
///
/// When `python3 -m venv`, reading the requirements or `pip install` fails.
pub(crate) fn ensure_python_venv(ws: &Workspace) -> Result<PathBuf, String> {
    let venv = ws.root.join("target").join("venv");
    let python = venv_python(&venv);
    if !python.exists() {
        let mut create = Command::new("python3");
        create
            .arg("-m")
            .arg("venv")
            .arg(&venv)
            .current_dir(&ws.root);
        ws.run(&mut create)?;
    }

    let requirements_file = ws
        .root
        .join("tests")
        .join("python")
        .join("requirements.txt");
    let requirements = if requirements_file.exists() {
        fs::read_to_string(&requirements_file)
            .map_err(|e| format!("cannot read {}: {e}", requirements_file.display()))?
    } else {
        DEFAULT_REQUIREMENTS.to_owned()
    };
    let stamp = venv.join("xtask-requirements.txt");
    if fs::read_to_string(&stamp).is_ok_and(|installed| installed == requirements) {
        return Ok(python);
    }

    let mut install = Command::new(&python);
    install
        .args(["-m", "pip", "install", "--disable-pip-version-check", "-q"])
        .current_dir(&ws.root);
    if requirements_file.exists() {
        install.arg("-r").arg(&requirements_file);
    } else {
        install.args(DEFAULT_REQUIREMENTS.split_whitespace());
    }
    ws.run(&mut install)?;
    fs::write(&stamp, &requirements)
        .map_err(|e| format!("cannot write {}: {e}", stamp.display()))?;
    Ok(python)
}

/// The interpreter inside the venv at `venv`.
fn venv_python(venv: &Path) -> PathBuf {
    if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    }
}

/// The Python package (`crates/sealed-session-py`): its own CI script
/// builds the wheel with maturin, installs it into the venv and runs pytest
/// over it, once, with the two opt-in suites selected too:
/// - the cross-service test against the axum example
///   (`sealed-session-tower-examples`' `axum_flask_shared`), sharing one keyring
///   file: Flask logs in and Rust reads and changes the session, the
///   reverse, and one idle timeout for both;
/// - the lifecycle's conformance table (`tests/conformance`), whose runner
///   checks the Flask interface as it checks the Rust stacks;
/// - revocation across languages (`test_redis_revocation.py`): each test
///   starts its own redis-server (Debian's, installed here when missing)
///   and runs the Rust peer (`tests/revocation-peer`) beside Flask.
///
/// # Errors
///
/// When the venv, the example's, the runner's or the peer's build, the
/// redis-server install, the wheel or pytest fails.
pub(crate) fn python_package(ws: &Workspace) -> Result<(), String> {
    let python = ensure_python_venv(ws)?;
    let redis_server = crate::fleet::redis_server()?;
    ws.run_cargo(&[
        "build",
        "-p",
        "sealed-session-revocation-peer",
        "--bin",
        "revocation-peer",
    ])?;
    let peer = ws.root.join("target/debug/revocation-peer");
    ws.run_cargo(&[
        "build",
        "-p",
        "sealed-session-tower-examples",
        "--bin",
        "axum_flask_shared",
    ])?;
    ws.run_cargo(&[
        "build",
        "-p",
        "sealed-session-conformance",
        "--bin",
        "conformance",
    ])?;
    let runner = ws.root.join("target/debug/conformance");
    let keys = ws.root.join("target").join("cross-service-keys.txt");
    write_private_keyring(&keys)?;
    let example = ws.root.join("target/debug/axum_flask_shared");
    let mut server = Command::new(&example)
        .env("SEALED_SESSION_KEYS_FILE", &keys)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", example.display()))?;
    let result = (|| {
        let stdout = server.stdout.take().ok_or("the example has no stdout")?;
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line)
            .map_err(|e| format!("cannot read the example's address: {e}"))?;
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .ok_or_else(|| format!("the example printed {line:?}, not its address"))?
            .to_owned();
        let mut package = Command::new("bash");
        package
            .arg(ws.root.join("crates/sealed-session-py/ci.sh"))
            // An empty marker expression selects every test, the opt-in
            // `cross_service` and `conformance` ones included: one wheel
            // build, one pytest run.
            .args(["--", "-m", ""])
            .env("SEALED_SESSION_PYTHON", &python)
            .env("SEALED_SESSION_RUST_URL", &url)
            .env("SEALED_SESSION_KEYS_FILE", &keys)
            .env("SEALED_SESSION_CONFORMANCE", &runner)
            .env("SEALED_SESSION_REVOCATION_PEER", &peer)
            .env("REDIS_SERVER", redis_server)
            .current_dir(&ws.root);
        ws.run(&mut package)
    })();
    let _ = server.kill();
    let _ = server.wait();
    result
}

/// A keyring of one fresh key (from `/dev/urandom`) in `path`, mode 0600.
fn write_private_keyring(path: &Path) -> Result<(), String> {
    use std::io::{Read as _, Write as _};
    let mut key = [0u8; 32];
    fs::File::open("/dev/urandom")
        .and_then(|mut random| random.read_exact(&mut key))
        .map_err(|e| format!("cannot read /dev/urandom: {e}"))?;
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    let _ = fs::remove_file(path);
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    writeln!(file, "1 {hex}").map_err(|e| format!("cannot write {}: {e}", path.display()))
}

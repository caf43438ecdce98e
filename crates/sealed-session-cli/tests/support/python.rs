//! The Python interpreter that interop tests run, found the same way by
//! every test binary in the workspace, so that plain `cargo test` works on
//! a fresh clone with no environment set:
//!
//! 1. `SEALED_SESSION_PYTHON`, when it is set;
//! 2. else the venv at `<workspace root>/target/venv`, when it holds the
//!    packages of `tests/python/requirements.txt` (it keeps the stamp file
//!    `cargo xtask ci` keeps: the requirements last installed);
//! 3. else that venv is created with `python3 -m venv` and
//!    `pip install -r tests/python/requirements.txt`, once: test binaries
//!    running in parallel wait on an exclusive lock on `target/venv.lock`
//!    (an OS file lock, released even if its holder dies), for at most
//!    fifteen minutes.
//!
//! A missing `python3`, or a venv that cannot be made, fails the test
//! loudly: tests that need Python are never skipped.
//!
//! Nothing here is specific to one crate: the workspace root is found from
//! the manifest directory of whichever test crate includes this file.

use core::time::Duration;
use std::fs::{self, File, TryLockError};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::Instant;

/// The environment variable that names the Python to use.
pub(crate) const PYTHON_ENV: &str = "SEALED_SESSION_PYTHON";

/// The file in the venv that records the requirements installed (the name
/// `cargo xtask` uses, so both agree on when pip must run).
const STAMP: &str = "xtask-requirements.txt";

/// How long a test binary waits for another one to finish the venv.
const LOCK_WAIT: Duration = Duration::from_secs(15 * 60);

/// The Python to run interop scripts with; see the module docs. Found (or
/// made) once per test binary.
///
/// # Panics
/// When `python3` is missing or the venv cannot be made.
pub(crate) fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(find_or_create)
}

/// The workspace's root directory: the nearest ancestor of this crate's
/// manifest directory whose `Cargo.toml` declares `[workspace]`.
///
/// # Panics
/// When there is none.
pub(crate) fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .ancestors()
        .find(|dir| {
            fs::read_to_string(dir.join("Cargo.toml"))
                .is_ok_and(|manifest| manifest.lines().any(|line| line.trim() == "[workspace]"))
        })
        .unwrap_or_else(|| panic!("no workspace above {}", manifest_dir.display()))
        .to_path_buf()
}

/// The steps of [`python`], uncached.
fn find_or_create() -> PathBuf {
    if let Some(path) = std::env::var_os(PYTHON_ENV) {
        return PathBuf::from(path);
    }
    let root = workspace_root();
    let target = root.join("target");
    let venv = target.join("venv");
    let python = venv_python(&venv);
    let requirements_file = root.join("tests").join("python").join("requirements.txt");
    let requirements = fs::read_to_string(&requirements_file)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", requirements_file.display()));
    if is_ready(&venv, &requirements) {
        return python;
    }
    fs::create_dir_all(&target)
        .unwrap_or_else(|error| panic!("cannot create {}: {error}", target.display()));
    let _lock = lock(&target.join("venv.lock"));
    // Another test binary may have made it while this one waited.
    if is_ready(&venv, &requirements) {
        return python;
    }
    if !python.exists() {
        let mut create = Command::new("python3");
        create.args(["-m", "venv"]).arg(&venv);
        run(&mut create, "python3 -m venv");
    }
    let mut install = Command::new(&python);
    install
        .args([
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "-q",
            "-r",
        ])
        .arg(&requirements_file);
    run(&mut install, "pip install -r tests/python/requirements.txt");
    let stamp = venv.join(STAMP);
    fs::write(&stamp, &requirements)
        .unwrap_or_else(|error| panic!("cannot write {}: {error}", stamp.display()));
    python
}

/// Whether the venv has its interpreter and the current requirements.
fn is_ready(venv: &Path, requirements: &str) -> bool {
    venv_python(venv).exists()
        && fs::read_to_string(venv.join(STAMP)).is_ok_and(|installed| installed == requirements)
}

/// Takes the exclusive lock on `path` (creating the file), waiting at most
/// [`LOCK_WAIT`]. The lock lasts as long as the returned file is open.
fn lock(path: &Path) -> File {
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .unwrap_or_else(|error| panic!("cannot open {}: {error}", path.display()));
    let start = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return file,
            Err(TryLockError::WouldBlock) if start.elapsed() < LOCK_WAIT => {
                std::thread::sleep(Duration::from_millis(250));
            }
            Err(TryLockError::WouldBlock) => panic!(
                "waited {} s for {} held by another test making the Python venv",
                LOCK_WAIT.as_secs(),
                path.display()
            ),
            Err(TryLockError::Error(error)) => {
                panic!("cannot lock {}: {error}", path.display())
            }
        }
    }
}

/// Runs `command`, panicking with its output when it cannot start or fails.
fn run(command: &mut Command, what: &str) -> Output {
    let output = command.output().unwrap_or_else(|error| {
        if error.kind() == std::io::ErrorKind::NotFound {
            panic!(
                "{what}: {error}. Python 3 (with venv and pip) is needed for the interop \
                 tests: install python3, or set {PYTHON_ENV} to a Python that has \
                 tests/python/requirements.txt installed"
            )
        }
        panic!("{what}: {error}")
    });
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The interpreter inside the venv at `venv`.
fn venv_python(venv: &Path) -> PathBuf {
    if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    }
}

//! The one way every test of the workspace finds the Python interpreter
//! that runs the interop scripts of `tests/python/` (pycryptodome, Flask,
//! itsdangerous, pinned in `tests/python/requirements.txt`).
//!
//! [`python`] returns, in this order:
//! 1. `SEALED_SESSION_PYTHON`, when it is set (what `cargo xtask ci` does);
//! 2. `<workspace>/target/venv/bin/python`, when that venv exists and its
//!    stamp (`target/venv/xtask-requirements.txt`, the requirements text it
//!    was last installed from, as `cargo xtask` writes it) matches
//!    `tests/python/requirements.txt`;
//! 3. otherwise that venv, created or refreshed here (`python3 -m venv`,
//!    `pip install -r tests/python/requirements.txt`, then the stamp),
//!    once: parallel tests and test binaries wait on the lock file
//!    `target/venv.lock`.
//!
//! So plain `cargo test` passes on a fresh clone with no environment set.
//! When Python itself is missing it panics with instructions: interop
//! tests are never skipped.

use core::time::Duration;
use std::ffi::{OsStr, OsString};
use std::fs::{self, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Instant, SystemTime};

/// The environment variable that names the interpreter to use.
pub const PYTHON_ENV: &str = "SEALED_SESSION_PYTHON";

/// How long [`python`] waits for another process that holds the lock
/// (creating the venv takes well under a minute with a package cache).
pub const LOCK_WAIT: Duration = Duration::from_secs(5 * 60);

/// A lock file older than this is left over from a process that died while
/// creating the venv: it is removed and the venv created again.
pub const STALE_LOCK: Duration = Duration::from_secs(10 * 60);

/// The Python interpreter with the interop packages; see the crate docs.
/// Found (and if need be installed) once per process.
///
/// # Panics
/// When `python3` is missing or cannot create the venv, when `pip install`
/// fails, or after [`LOCK_WAIT`] for another process holding the lock: each
/// time with a message that says what to do.
#[must_use]
pub fn python() -> PathBuf {
    static FOUND: OnceLock<PathBuf> = OnceLock::new();
    FOUND
        .get_or_init(|| choose(std::env::var_os(PYTHON_ENV), &workspace_root()))
        .clone()
}

/// The workspace's root directory (two levels above this crate).
#[must_use]
pub fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .ancestors()
        .nth(2)
        .unwrap_or(manifest_dir)
        .to_path_buf()
}

/// The variable's interpreter when it is set, else the venv under `root`.
fn choose(from_env: Option<OsString>, root: &Path) -> PathBuf {
    match from_env {
        Some(python) if !python.is_empty() => PathBuf::from(python),
        _ => Venv::under(root).ensure(OsStr::new("python3")),
    }
}

/// The venv of a workspace, and how patiently to wait for its lock.
struct Venv {
    dir: PathBuf,
    python: PathBuf,
    stamp: PathBuf,
    requirements: PathBuf,
    lock: PathBuf,
    lock_wait: Duration,
    stale_after: Duration,
}

/// Whether the lock was taken, or the venv became ready while waiting.
enum Locked {
    Held(LockFile),
    ReadyMeanwhile,
}

/// The lock file, removed when dropped (on a panic too).
struct LockFile(PathBuf);

impl Drop for LockFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

impl Venv {
    fn under(root: &Path) -> Self {
        let target = root.join("target");
        let dir = target.join("venv");
        let python = if cfg!(windows) {
            dir.join("Scripts").join("python.exe")
        } else {
            dir.join("bin").join("python")
        };
        Self {
            stamp: dir.join("xtask-requirements.txt"),
            requirements: root.join("tests").join("python").join("requirements.txt"),
            lock: target.join("venv.lock"),
            python,
            dir,
            lock_wait: LOCK_WAIT,
            stale_after: STALE_LOCK,
        }
    }

    /// The venv's interpreter, after creating or refreshing the venv with
    /// `base_python` if its stamp does not match the requirements.
    fn ensure(&self, base_python: &OsStr) -> PathBuf {
        let requirements = fs::read_to_string(&self.requirements).unwrap_or_else(|error| {
            panic!(
                "cannot read {}: {error}; the interop tests need it",
                self.requirements.display()
            )
        });
        if self.is_ready(&requirements) {
            return self.python.clone();
        }
        if let Some(target) = self.lock.parent() {
            fs::create_dir_all(target)
                .unwrap_or_else(|error| panic!("cannot create {}: {error}", target.display()));
        }
        let _lock = match self.lock(&requirements) {
            Locked::ReadyMeanwhile => return self.python.clone(),
            Locked::Held(lock) => lock,
        };
        // Another process may have finished between the check and the lock.
        if self.is_ready(&requirements) {
            return self.python.clone();
        }
        if !self.python.exists() {
            let mut create = Command::new(base_python);
            create.arg("-m").arg("venv").arg(&self.dir);
            self.run(&mut create, base_python);
        }
        let mut install = Command::new(&self.python);
        install
            .args(["-m", "pip", "install", "--disable-pip-version-check", "-q"])
            .arg("-r")
            .arg(&self.requirements);
        self.run(&mut install, base_python);
        fs::write(&self.stamp, &requirements)
            .unwrap_or_else(|error| panic!("cannot write {}: {error}", self.stamp.display()));
        self.python.clone()
    }

    /// The interpreter exists and was installed from these requirements.
    fn is_ready(&self, requirements: &str) -> bool {
        self.python.exists()
            && fs::read_to_string(&self.stamp).is_ok_and(|installed| installed == requirements)
    }

    /// Takes the lock file, waiting for another holder (at most
    /// `lock_wait`) and taking over one older than `stale_after`.
    fn lock(&self, requirements: &str) -> Locked {
        let start = Instant::now();
        loop {
            match OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&self.lock)
            {
                Ok(mut file) => {
                    // Who holds it, for whoever finds it left behind.
                    let _ = writeln!(file, "{}", std::process::id());
                    return Locked::Held(LockFile(self.lock.clone()));
                }
                Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {}
                Err(error) => panic!("cannot create {}: {error}", self.lock.display()),
            }
            if self.is_ready(requirements) {
                return Locked::ReadyMeanwhile;
            }
            if self.lock_is_stale() {
                // Left by a process that died: take it over. (Two waiters
                // that both see it stale both remove it; create_new above
                // still lets only one of them hold it.)
                let _ = fs::remove_file(&self.lock);
                continue;
            }
            assert!(
                start.elapsed() < self.lock_wait,
                "waited {} s for {} (another test process is creating the Python venv at {}); \
                 if no test is running, remove the lock file and run the tests again",
                self.lock_wait.as_secs(),
                self.lock.display(),
                self.dir.display()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn lock_is_stale(&self) -> bool {
        fs::metadata(&self.lock)
            .and_then(|metadata| metadata.modified())
            .is_ok_and(|modified| {
                SystemTime::now()
                    .duration_since(modified)
                    .is_ok_and(|age| age > self.stale_after)
            })
    }

    /// Runs a setup step, or panics saying what failed and what to do.
    fn run(&self, command: &mut Command, base_python: &OsStr) {
        let shown = format!("{command:?}");
        let output = command.output().unwrap_or_else(|error| {
            panic!(
                "cannot run {shown} to create the Python venv at {venv}: {error}. \
                 The interop tests need Python 3 (with its venv module) to install the \
                 packages of {requirements}: install it so that `{base}` runs, or set \
                 {PYTHON_ENV} to an interpreter that has those packages. \
                 These tests are never skipped.",
                venv = self.dir.display(),
                requirements = self.requirements.display(),
                base = base_python.to_string_lossy(),
            )
        });
        assert!(
            output.status.success(),
            "{shown} failed ({status}) while creating the Python venv at {venv}:\n{stderr}\n\
             (Debian and Ubuntu need the python3-venv package; pip needs to reach PyPI \
             once. Remove {venv} to start over, or set {PYTHON_ENV}.)",
            status = output.status,
            venv = self.dir.display(),
            stderr = String::from_utf8_lossy(&output.stderr).trim_end(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch workspace root with a requirements file, removed on drop.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str, requirements: &str) -> Self {
            let root = std::env::temp_dir().join(format!(
                "sealed-session-python-support-{}-{name}",
                std::process::id()
            ));
            let _ = fs::remove_dir_all(&root);
            fs::create_dir_all(root.join("tests").join("python")).unwrap();
            fs::create_dir_all(root.join("target")).unwrap();
            fs::write(
                root.join("tests").join("python").join("requirements.txt"),
                requirements,
            )
            .unwrap();
            Self(root)
        }

        fn venv(&self) -> Venv {
            let mut venv = Venv::under(&self.0);
            venv.lock_wait = Duration::from_secs(20);
            venv
        }

        /// A venv that looks installed from `stamp` (its interpreter is an
        /// empty file: nothing may run it).
        fn fake_venv(&self, stamp: &str) {
            let venv = self.venv();
            fs::create_dir_all(venv.python.parent().unwrap()).unwrap();
            fs::write(&venv.python, "").unwrap();
            fs::write(&venv.stamp, stamp).unwrap();
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    const NO_PYTHON: &str = "sealed-session-test-no-such-python3";

    fn panic_message(payload: &(dyn core::any::Any + Send)) -> String {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default()
    }

    #[test]
    fn the_variable_wins_and_nothing_is_installed() {
        let scratch = Scratch::new("env", "pip\n");
        assert_eq!(
            choose(Some(OsString::from("/opt/py/bin/python3")), &scratch.0),
            PathBuf::from("/opt/py/bin/python3")
        );
        assert!(!scratch.venv().dir.exists());
        assert!(!scratch.venv().lock.exists());
    }

    #[test]
    fn a_venv_with_a_matching_stamp_is_used_as_it_is() {
        let scratch = Scratch::new("ready", "flask==3.1.3\n");
        scratch.fake_venv("flask==3.1.3\n");
        // The base interpreter does not exist: it must not be needed.
        assert_eq!(
            scratch.venv().ensure(OsStr::new(NO_PYTHON)),
            scratch.venv().python
        );
        assert!(!scratch.venv().lock.exists());
    }

    #[test]
    fn a_stale_stamp_means_reinstalling_and_a_missing_python_fails_loudly() {
        let scratch = Scratch::new("missing", "flask==3.1.3\n");
        // Installed from older requirements: must be refreshed, and the
        // refresh needs pip from the venv's interpreter (an empty file here)
        // or, with no venv at all, the base interpreter.
        scratch.fake_venv("flask==3.0.0\n");
        fs::remove_file(scratch.venv().python).unwrap();
        let venv = scratch.venv();
        let panic = std::panic::catch_unwind(|| venv.ensure(OsStr::new(NO_PYTHON))).unwrap_err();
        let message = panic_message(&*panic);
        assert!(message.starts_with("cannot run "), "{message}");
        assert!(message.contains(NO_PYTHON), "{message}");
        assert!(message.contains("never skipped"), "{message}");
        assert!(message.contains(PYTHON_ENV), "{message}");
        // The lock was released by the panic.
        assert!(!scratch.venv().lock.exists());
    }

    #[test]
    fn a_stale_lock_is_taken_over() {
        let scratch = Scratch::new("stale", "pip\n");
        let venv = scratch.venv();
        fs::write(&venv.lock, "4242\n").unwrap();
        let eleven_minutes_ago = SystemTime::now() - Duration::from_secs(11 * 60);
        fs::File::options()
            .write(true)
            .open(&venv.lock)
            .unwrap()
            .set_modified(eleven_minutes_ago)
            .unwrap();
        let started = Instant::now();
        let panic = std::panic::catch_unwind(|| venv.ensure(OsStr::new(NO_PYTHON))).unwrap_err();
        // It got past the lock at once (no waiting for the dead holder), to
        // the missing interpreter, and removed the lock it took.
        assert!(panic_message(&*panic).starts_with("cannot run "));
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(!scratch.venv().lock.exists());
    }

    #[test]
    fn a_held_lock_is_waited_for_until_the_venv_is_ready() {
        let scratch = Scratch::new("held", "pip\n");
        let venv = scratch.venv();
        fs::write(&venv.lock, "4242\n").unwrap();
        let root = scratch.0.clone();
        let other = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(600));
            // The other process finishes: interpreter, stamp.
            let venv = Venv::under(&root);
            fs::create_dir_all(venv.python.parent().unwrap()).unwrap();
            fs::write(&venv.python, "").unwrap();
            fs::write(&venv.stamp, "pip\n").unwrap();
        });
        let started = Instant::now();
        assert_eq!(venv.ensure(OsStr::new(NO_PYTHON)), venv.python);
        assert!(started.elapsed() >= Duration::from_millis(600));
        other.join().unwrap();
        // Not ours: left alone.
        assert!(venv.lock.exists());
    }

    #[test]
    fn a_lock_held_too_long_is_a_clear_failure() {
        let scratch = Scratch::new("timeout", "pip\n");
        let mut venv = scratch.venv();
        venv.lock_wait = Duration::from_millis(500);
        fs::write(&venv.lock, "4242\n").unwrap();
        let panic = std::panic::catch_unwind(|| venv.ensure(OsStr::new(NO_PYTHON))).unwrap_err();
        let message = panic_message(&*panic);
        assert!(message.starts_with("waited 0 s for "), "{message}");
        assert!(message.contains("remove the lock file"), "{message}");
        assert!(venv.lock.exists());
    }

    /// Creates a real venv (`python3 -m venv`, then pip with a requirement
    /// that is already satisfied, so no network is needed) from two
    /// threads at once: one creates it, the other waits and reuses it.
    #[test]
    fn creates_the_venv_once_for_parallel_callers() {
        let scratch = Scratch::new("create", "pip\n");
        let callers: Vec<_> = (0..2)
            .map(|_| {
                let root = scratch.0.clone();
                std::thread::spawn(move || {
                    let mut venv = Venv::under(&root);
                    venv.lock_wait = Duration::from_secs(120);
                    venv.ensure(OsStr::new("python3"))
                })
            })
            .collect();
        let found: Vec<PathBuf> = callers.into_iter().map(|c| c.join().unwrap()).collect();
        let venv = scratch.venv();
        assert_eq!(found, [venv.python.clone(), venv.python.clone()]);
        assert_eq!(fs::read_to_string(&venv.stamp).unwrap(), "pip\n");
        assert!(!venv.lock.exists());
        let version = Command::new(&venv.python)
            .args(["-c", "import sys; print(sys.prefix)"])
            .output()
            .unwrap();
        assert!(version.status.success());
        assert_eq!(
            Path::new(String::from_utf8(version.stdout).unwrap().trim()),
            venv.dir
        );
    }
}

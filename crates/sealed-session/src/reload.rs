//! Reloading the keyring without a restart: [`Reloading`] holds a value
//! built from the key file (a [`SessionCodec`](crate::SessionCodec), or
//! anything else made from a [`Keyring`]) and swaps it atomically when the
//! file changes or, if asked, on `SIGHUP`.
//!
//! # Choices
//! - **The swap** is an [`arc_swap::ArcSwap`]: a request loads the current
//!   value with one atomic read and keeps it (an `Arc`) until it is done, so
//!   no request ever sees half a keyring, and readers never wait for a
//!   writer (a `RwLock` would make every request contend on one cache line
//!   and stall behind a reload). It is the crate rustls users reach for to
//!   swap certificates the same way, and it has no dependencies.
//! - **Polling, not inotify.** The watcher `stat`s the file every
//!   [`ReloadOptions::poll_interval`] (1 s by default) and reloads when its
//!   device, inode, length, modification or change time differ. A Kubernetes
//!   secret volume updates a file by swapping a symlink to a new directory,
//!   which a watch on the file's inode never reports; editors and
//!   `sealed-session rotate` replace the file by renaming a new one over it;
//!   network file systems send no events at all. A `stat` a second costs
//!   nothing, works for all of them, and needs no dependency (`notify` would
//!   bring a thread and platform back-ends of its own).
//! - **`SIGHUP`** (Unix, opt-in with [`ReloadOptions::on_sighup`]) goes
//!   through `signal-hook`, which works without an async runtime (the
//!   std crate has none). Installing the handler replaces the default action
//!   of `SIGHUP` (terminate) for the whole process, which is why it is not
//!   the default.
//! - **A bad new file keeps the old keyring**: one that does not parse, that
//!   leaves a moment with no sealing key, that its group or others may
//!   access, or that the build function refuses. Why is logged (target
//!   `sealed_session::reload`, through the `log` facade, never with key
//!   material) and kept in [`Reloading::status`], for a health check.

use alloc::sync::Arc;
use core::fmt;
use core::time::Duration;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Mutex, PoisonError};
use std::thread::JoinHandle;

use arc_swap::ArcSwap;
use sealed_session_core::Keyring;

use crate::keys::{KeyringError, keyring_from_file};

/// Settings of a [`Reloading`] value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReloadOptions {
    /// How often the key file is checked for a change; 1 s by default.
    pub poll_interval: Duration,
    /// Reload on `SIGHUP` as well (Unix; ignored elsewhere). Off by
    /// default: it replaces the signal's default action (terminate) in the
    /// whole process.
    pub on_sighup: bool,
}

impl Default for ReloadOptions {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(1),
            on_sighup: false,
        }
    }
}

impl ReloadOptions {
    /// The defaults: poll every second, no `SIGHUP`.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`ReloadOptions::poll_interval`] (at least 10 ms).
    #[must_use]
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval.max(Duration::from_millis(10));
        self
    }

    /// Sets [`ReloadOptions::on_sighup`].
    #[must_use]
    pub const fn on_sighup(mut self, on: bool) -> Self {
        self.on_sighup = on;
        self
    }
}

/// Why a reload kept the old value.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReloadError {
    /// The key file could not be loaded (unreadable, loosely permissioned,
    /// or not valid keyring text).
    Keyring(KeyringError),
    /// The build function refused the keyring; its message.
    Build(String),
}

impl fmt::Display for ReloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Keyring(error) => fmt::Display::fmt(error, f),
            Self::Build(message) => write!(f, "the new keyring was refused: {message}"),
        }
    }
}

impl core::error::Error for ReloadError {}

/// What the last reloads did, for logs and health checks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReloadStatus {
    /// How many times a new value was swapped in since the start.
    pub reloads: u64,
    /// Why the key file as it is now was not loaded, if it was not: the
    /// running value is then still the last good one.
    pub last_error: Option<ReloadError>,
}

/// The key file's identity and version, as `stat` shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    dev: u64,
    ino: u64,
    len: u64,
    modified: Option<std::time::SystemTime>,
    changed: (i64, i64),
}

impl Stamp {
    fn of(path: &Path) -> Option<Self> {
        let meta = std::fs::metadata(path).ok()?;
        #[cfg(unix)]
        let (dev, ino, changed) = {
            use std::os::unix::fs::MetadataExt;
            (meta.dev(), meta.ino(), (meta.ctime(), meta.ctime_nsec()))
        };
        #[cfg(not(unix))]
        let (dev, ino, changed) = (0, 0, (0, 0));
        Some(Self {
            dev,
            ino,
            len: meta.len(),
            modified: meta.modified().ok(),
            changed,
        })
    }
}

type Build<T> = dyn Fn(Keyring) -> Result<T, String> + Send + Sync;

struct Shared<T> {
    current: ArcSwap<T>,
    path: PathBuf,
    build: Box<Build<T>>,
    status: Mutex<ReloadStatus>,
    /// Serialises reloads (the watcher and [`Reloading::reload_now`]).
    reloading: Mutex<Option<Stamp>>,
}

impl<T> Shared<T> {
    /// Loads the file and swaps the new value in; on an error keeps the old
    /// one, logs why (once per version of the file) and records it.
    fn reload(&self, force: bool) -> Result<bool, ReloadError> {
        let mut seen = self
            .reloading
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let stamp = Stamp::of(&self.path);
        if !force && stamp.is_some() && stamp == *seen {
            return Ok(false);
        }
        let first_report = stamp != *seen;
        *seen = stamp;
        drop(seen);
        let result = keyring_from_file(&self.path)
            .map_err(ReloadError::Keyring)
            .and_then(|keyring| (self.build)(keyring).map_err(ReloadError::Build));
        let mut status = self.status.lock().unwrap_or_else(PoisonError::into_inner);
        match result {
            Ok(value) => {
                self.current.store(Arc::new(value));
                status.reloads += 1;
                status.last_error = None;
                log::info!(
                    target: "sealed_session::reload",
                    "keyring reloaded from {}",
                    self.path.display()
                );
                Ok(true)
            }
            Err(error) => {
                if first_report || force {
                    log::warn!(
                        target: "sealed_session::reload",
                        "keeping the current keyring: {error}"
                    );
                }
                status.last_error = Some(error.clone());
                Err(error)
            }
        }
    }
}

/// A value built from a key file and rebuilt, then swapped atomically,
/// whenever the file changes (and on `SIGHUP` if asked). See the
/// [module docs](self) for the choices.
///
/// A request calls [`Reloading::current`] once and uses what it got to the
/// end: a reload in between does not change it. The watcher thread stops
/// when the last `Reloading` handle (clones share one) is dropped.
///
/// ```
/// use std::time::Duration;
/// use sealed_session::{ReloadOptions, Reloading, SessionCodec};
///
/// # let dir = std::env::temp_dir().join(format!("reload-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// # let path = dir.join("keys");
/// # std::fs::write(&path, "1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n")?;
/// # #[cfg(unix)] {
/// # use std::os::unix::fs::PermissionsExt;
/// # std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?; }
/// let codec = Reloading::watch(&path, ReloadOptions::new(), |keyring| {
///     SessionCodec::builder(keyring).build().map_err(|error| error.to_string())
/// })?;
/// // Per request:
/// let current = codec.current();
/// let loaded = current.load(["session=none"]);
/// # let _ = loaded;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Reloading<T> {
    shared: Arc<Shared<T>>,
    _watcher: Arc<Watcher>,
}

impl<T> Clone for Reloading<T> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
            _watcher: Arc::clone(&self._watcher),
        }
    }
}

impl<T> fmt::Debug for Reloading<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reloading")
            .field("path", &self.shared.path)
            .field("status", &self.status())
            .finish_non_exhaustive()
    }
}

/// The watcher thread; stopped and joined on drop.
struct Watcher {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    #[cfg(unix)]
    sighup: Option<signal_hook::SigId>,
}

impl Drop for Watcher {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(id) = self.sighup.take() {
            signal_hook::low_level::unregister(id);
        }
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl<T: Send + Sync + 'static> Reloading<T> {
    /// Loads the key file (with the permission check of
    /// [`keyring_from_file`]), builds the first value with `build`, and
    /// starts a thread that reloads when the file changes.
    ///
    /// # Errors
    /// Why the first load failed: nothing to fall back on yet.
    pub fn watch<E: fmt::Display>(
        path: impl AsRef<Path>,
        options: ReloadOptions,
        build: impl Fn(Keyring) -> Result<T, E> + Send + Sync + 'static,
    ) -> Result<Self, ReloadError> {
        let path = path.as_ref().to_path_buf();
        let stamp = Stamp::of(&path);
        let build: Box<Build<T>> =
            Box::new(move |keyring| build(keyring).map_err(|error| error.to_string()));
        let first = keyring_from_file(&path)
            .map_err(ReloadError::Keyring)
            .and_then(|keyring| build(keyring).map_err(ReloadError::Build))?;
        let shared = Arc::new(Shared {
            current: ArcSwap::from_pointee(first),
            path,
            build,
            status: Mutex::new(ReloadStatus::default()),
            reloading: Mutex::new(stamp),
        });
        let hup = Arc::new(core::sync::atomic::AtomicBool::new(false));
        #[cfg(unix)]
        let sighup = if options.on_sighup {
            Some(
                signal_hook::flag::register(signal_hook::consts::SIGHUP, Arc::clone(&hup))
                    .map_err(|error| {
                        ReloadError::Build(format!("cannot handle SIGHUP: {error}"))
                    })?,
            )
        } else {
            None
        };
        let (stop, stopped) = mpsc::channel::<()>();
        let weak = Arc::downgrade(&shared);
        let tick = options.poll_interval.min(Duration::from_millis(100));
        let thread = std::thread::Builder::new()
            .name("sealed-session-reload".to_owned())
            .spawn(move || {
                let mut waited = Duration::ZERO;
                loop {
                    match stopped.recv_timeout(tick) {
                        Err(RecvTimeoutError::Timeout) => {}
                        _ => return,
                    }
                    waited += tick;
                    let Some(shared) = weak.upgrade() else {
                        return;
                    };
                    if hup.swap(false, core::sync::atomic::Ordering::Relaxed) {
                        log::info!(target: "sealed_session::reload", "SIGHUP: reloading the keyring");
                        let _ = shared.reload(true);
                    } else if waited >= options.poll_interval {
                        waited = Duration::ZERO;
                        let _ = shared.reload(false);
                    }
                }
            })
            .map_err(|error| ReloadError::Build(format!("cannot start the watcher: {error}")))?;
        Ok(Self {
            shared,
            _watcher: Arc::new(Watcher {
                stop: Some(stop),
                thread: Some(thread),
                #[cfg(unix)]
                sighup,
            }),
        })
    }
}

impl<T> Reloading<T> {
    /// The current value: one atomic load. Keep it for the whole request.
    #[must_use]
    pub fn current(&self) -> Arc<T> {
        self.shared.current.load_full()
    }

    /// Reloads the key file now, whether or not it changed.
    ///
    /// # Errors
    /// Why the file was not loaded; the current value stays.
    pub fn reload_now(&self) -> Result<(), ReloadError> {
        self.shared.reload(true).map(|_| ())
    }

    /// What the reloads did so far.
    #[must_use]
    pub fn status(&self) -> ReloadStatus {
        self.shared
            .status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The key file watched.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.shared.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    const K1: &str = "1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";
    const K2: &str = "2 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n";

    fn dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "sealed-session-reload-{}-{name}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// Writes `text` with `mode` next to `path` and renames it over `path`,
    /// as `sealed-session rotate` and secret volumes do.
    fn replace(path: &Path, text: &str, mode: u32) {
        let temp = path.with_extension("tmp");
        std::fs::write(&temp, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        let _ = mode;
        std::fs::rename(&temp, path).unwrap();
    }

    /// Waits (bounded) until `done` holds; not a timing assertion, only an
    /// upper bound so a broken watcher fails instead of hanging.
    fn wait_for(mut done: impl FnMut() -> bool) -> bool {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if done() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    fn ids(keyring: &Keyring) -> Vec<u8> {
        keyring.ids().collect()
    }

    #[test]
    fn a_changed_file_is_swapped_in_and_a_bad_one_keeps_the_old_keyring() {
        let path = dir("swap").join("keys");
        replace(&path, K1, 0o600);
        let options = ReloadOptions::new().poll_interval(Duration::from_millis(20));
        let ring = Reloading::watch(&path, options, Ok::<_, String>).unwrap();
        let before = ring.current();
        assert_eq!(ids(&before), [1]);

        replace(&path, &format!("{K2}{K1}"), 0o600);
        assert!(wait_for(|| ids(&ring.current()) == [2, 1]));
        // A value taken before the swap is unchanged.
        assert_eq!(ids(&before), [1]);
        assert_eq!(ring.status().reloads, 1);

        // Not keyring text: kept, and why is recorded.
        replace(&path, "2 not-a-key\n", 0o600);
        assert!(wait_for(|| ring.status().last_error.is_some()));
        assert_eq!(ids(&ring.current()), [2, 1]);
        assert_eq!(
            ring.status().last_error.unwrap().to_string(),
            format!(
                "key file {}, line 1: the key must be 43 base64url characters or 64 hex digits",
                path.display()
            )
        );

        // A file its group may read: kept, even though its text is good.
        #[cfg(unix)]
        {
            replace(&path, K2, 0o640);
            assert!(wait_for(|| matches!(
                ring.status().last_error,
                Some(ReloadError::Keyring(KeyringError::Permissions {
                    mode: 0o640,
                    ..
                }))
            )));
            assert_eq!(ids(&ring.current()), [2, 1]);
        }

        // A keyring with a gap: kept.
        replace(
            &path,
            "2 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8 activates=2030-01-01T00:00:00Z\n",
            0o600,
        );
        assert!(wait_for(|| matches!(
            ring.status().last_error,
            Some(ReloadError::Keyring(KeyringError::Text { .. }))
        )));
        assert_eq!(ids(&ring.current()), [2, 1]);

        // A good file again: swapped in, the error cleared.
        replace(&path, K2, 0o600);
        assert!(wait_for(|| ids(&ring.current()) == [2]));
        assert_eq!(ring.status().last_error, None);
        assert_eq!(ring.status().reloads, 2);
    }

    #[test]
    fn the_build_function_can_refuse() {
        let path = dir("build").join("keys");
        replace(&path, K1, 0o600);
        let ring = Reloading::watch(&path, ReloadOptions::new(), |keyring: Keyring| {
            if keyring.contains(1) {
                Ok(keyring)
            } else {
                Err("key 1 must stay")
            }
        })
        .unwrap();
        replace(&path, K2, 0o600);
        assert_eq!(
            ring.reload_now(),
            Err(ReloadError::Build("key 1 must stay".to_owned()))
        );
        assert_eq!(ids(&ring.current()), [1]);
    }

    #[test]
    fn the_first_load_must_succeed() {
        let path = dir("first").join("missing");
        let error = Reloading::watch(&path, ReloadOptions::new(), Ok::<_, String>).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("cannot read key file {}: no such file", path.display())
        );
    }

    /// `SIGHUP` reloads even when the poll interval has not come round.
    #[cfg(unix)]
    #[test]
    fn sighup_reloads() {
        let path = dir("hup").join("keys");
        replace(&path, K1, 0o600);
        let options = ReloadOptions::new()
            .poll_interval(Duration::from_secs(3600))
            .on_sighup(true);
        let ring = Reloading::watch(&path, options, Ok::<_, String>).unwrap();
        replace(&path, K2, 0o600);
        signal_hook::low_level::raise(signal_hook::consts::SIGHUP).unwrap();
        assert!(wait_for(|| ids(&ring.current()) == [2]));
    }

    /// The watcher thread ends with the last handle.
    #[test]
    fn dropping_the_last_handle_stops_the_watcher() {
        let path = dir("drop").join("keys");
        replace(&path, K1, 0o600);
        let ring = Reloading::watch(&path, ReloadOptions::new(), Ok::<_, String>).unwrap();
        let clone = ring.clone();
        drop(ring);
        assert_eq!(ids(&clone.current()), [1]);
        let weak = Arc::downgrade(&clone.shared);
        drop(clone);
        assert!(weak.upgrade().is_none());
    }
}

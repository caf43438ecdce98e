//! `KeyFileWatcher`: the key file reloaded without a restart, over the std
//! crate's `Reloading` (the same rules as the Rust services: a changed file
//! is polled for, `SIGHUP` on request, an atomic swap, and a bad or loosely
//! permissioned new file keeps the old keyring, with a log line).

use core::sync::atomic::{AtomicU64, Ordering};
use std::path::PathBuf;
use std::sync::Arc;

use pyo3::prelude::*;
use sealed_session::{ReloadError, ReloadOptions, Reloading, looks_like_key};

use crate::keyring::{Keyring, loading_error};
use crate::revocation::fine_duration;
use crate::threaded::Threaded;

/// One load of the key file: its keyring and its number (1 for the first).
struct Generation {
    number: u64,
    keyring: sealed_session::Keyring,
}

/// A key file that is reloaded when it changes: polled every
/// ``poll_interval`` (seconds or a timedelta, 1 s by default; its device,
/// inode, size and times), and on ``SIGHUP`` when ``on_sighup=True`` (Unix;
/// that replaces the signal's default action, terminate, in the whole
/// process, which is why it is opt-in).
///
/// The file is checked as :meth:`Keyring.from_file` checks it (only its
/// owner may access it). A new version that does not load (bad text, a
/// gap with no sealing key, group- or world-accessible) keeps the keyring
/// that runs, and why is logged once (Python logger
/// ``sealed_session.reload``) and kept in :attr:`last_error`.
///
/// :meth:`current` gives the keyring and its :attr:`generation` together,
/// from one atomic read: a request that takes them once never sees half of
/// a reload. The first load must succeed: it raises
/// :class:`KeyringError` otherwise. The watcher thread stops when the
/// object is garbage-collected.
#[pyclass(module = "sealed_session", frozen, skip_from_py_object)]
pub(crate) struct KeyFileWatcher {
    /// Dropped with the interpreter released (the last handle joins the
    /// watcher thread), and never in a forked child.
    inner: Threaded<Reloading<Generation>>,
}

#[pymethods]
impl KeyFileWatcher {
    #[new]
    #[pyo3(signature = (path, *, poll_interval = None, on_sighup = false))]
    fn new(
        py: Python<'_>,
        path: PathBuf,
        poll_interval: Option<&Bound<'_, PyAny>>,
        on_sighup: bool,
    ) -> PyResult<Self> {
        let mut options = ReloadOptions::new().on_sighup(on_sighup);
        if let Some(interval) = poll_interval {
            options = options.poll_interval(fine_duration(interval, "poll_interval")?);
        }
        let counter = Arc::new(AtomicU64::new(0));
        let shown = path.to_string_lossy().into_owned();
        py.detach(|| {
            Reloading::watch(&path, options, move |keyring| {
                Ok::<_, core::convert::Infallible>(Generation {
                    number: counter.fetch_add(1, Ordering::Relaxed) + 1,
                    keyring,
                })
            })
        })
        .map(|inner| Self {
            inner: Threaded::new(inner),
        })
        .map_err(|error| match error {
            ReloadError::Keyring(error) => loading_error(&error, &shown, "the key file"),
            other => crate::errors::keyring(other.to_string()),
        })
    }

    /// ``(generation, keyring)``: the keyring in force and the number of
    /// the load it came from (1 for the first, one more for each reload),
    /// read together.
    fn current(&self) -> (u64, Keyring) {
        let current = self.inner.current();
        (
            current.number,
            Keyring {
                inner: current.keyring.clone(),
            },
        )
    }

    /// The number of the load in force: compare it with the one a value
    /// was built from to know that it is stale (one atomic read).
    #[getter]
    fn generation(&self) -> u64 {
        self.inner.current().number
    }

    /// Reloads the file now, whether or not it changed. Raises
    /// :class:`KeyringError` when it does not load (the keyring in force
    /// stays).
    fn reload_now(&self, py: Python<'_>) -> PyResult<()> {
        // Detached: the watcher thread may hold the same lock and log.
        py.detach(|| self.inner.reload_now())
            .map_err(|error| crate::errors::keyring(shown_error(&error)))
    }

    /// How many times a new keyring was swapped in.
    #[getter]
    fn reloads(&self, py: Python<'_>) -> u64 {
        py.detach(|| self.inner.status().reloads)
    }

    /// Why the file as it is now was not loaded (the keyring in force is
    /// then the last good one), or ``None``.
    #[getter]
    fn last_error(&self, py: Python<'_>) -> Option<String> {
        py.detach(|| self.inner.status().last_error)
            .map(|error| shown_error(&error))
    }

    /// The key file watched.
    #[getter]
    fn path(&self) -> PathBuf {
        self.inner.path().to_path_buf()
    }

    fn __repr__(&self) -> String {
        format!("KeyFileWatcher(generation={})", self.generation())
    }
}

/// A reload error's text, withheld when it holds key-shaped text (a key
/// pasted where the path belongs).
fn shown_error(error: &ReloadError) -> String {
    let text = error.to_string();
    if looks_like_key(&text) {
        "the key file did not load (its name is withheld: it holds key-shaped text)".to_owned()
    } else {
        text
    }
}

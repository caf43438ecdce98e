//! `Threaded<T>`: a value that owns a background thread (the Redis
//! follower, the key file watcher), made safe to hold from Python.
//!
//! - **Dropped with the interpreter released.** Dropping the last handle
//!   joins the thread, which may be waiting to attach to the interpreter
//!   to log a line (`src/logging.rs`): joining it while attached would wait
//!   forever.
//! - **Fork-aware.** A process forked from the one that made the value (a
//!   pre-forking server that loads the app first, such as gunicorn with
//!   `--preload`) has a copy of the value but not its thread: a revocation
//!   list copied that way would never hear of another logout. In the child
//!   a revocation list fails closed (every check says unavailable, each
//!   revoke fails, and why is logged once), and the value is never dropped
//!   (joining a thread of another process would never return): it is
//!   leaked. Make these values in each worker (the Flask interface does it
//!   for its own: it starts again in a child).

use core::sync::atomic::{AtomicBool, Ordering};

use pyo3::prelude::*;
use sealed_session::revocation::{RevocationError, SessionFacts};
use sealed_session::{Revocations, SessionId, Verdict};

/// See the module docs.
pub(crate) struct Threaded<T: Send> {
    value: Option<T>,
    /// The process that made it.
    pid: u32,
    /// A forked child logged its refusal.
    warned: AtomicBool,
}

impl<T: Send> Threaded<T> {
    pub(crate) fn new(value: T) -> Self {
        Self {
            value: Some(value),
            pid: std::process::id(),
            warned: AtomicBool::new(false),
        }
    }

    /// Another handle on the same value (a clone of it), belonging to the
    /// process that made this one.
    pub(crate) fn share(&self) -> Self
    where
        T: Clone,
    {
        Self {
            value: Some((**self).clone()),
            pid: self.pid,
            warned: AtomicBool::new(false),
        }
    }

    /// Whether this process is not the one that made the value (a fork).
    pub(crate) fn forked(&self) -> bool {
        std::process::id() != self.pid
    }

    fn refuse_in_fork(&self) {
        if !self.warned.swap(true, Ordering::Relaxed) {
            log::error!(
                target: "sealed_session::revocation",
                "this process was forked from the one that connected to Redis: its revocation \
                 list gets no updates here, so authenticated sessions are refused; create the \
                 RedisRevocations in each worker, after the fork"
            );
        }
    }
}

impl<T: Send> core::ops::Deref for Threaded<T> {
    type Target = T;

    fn deref(&self) -> &T {
        match &self.value {
            Some(value) => value,
            // Taken only in `drop`.
            None => unreachable!("a Threaded value is used after its drop"),
        }
    }
}

impl<T: Send> Drop for Threaded<T> {
    fn drop(&mut self) {
        let Some(value) = self.value.take() else {
            return;
        };
        if self.forked() {
            core::mem::forget(value);
            return;
        }
        let _ = Python::try_attach(move |py| py.detach(move || drop(value)));
    }
}

impl<T: Revocations> Revocations for Threaded<T> {
    fn check(&self, session: SessionFacts<'_>, now: u64) -> Verdict {
        if self.forked() {
            self.refuse_in_fork();
            return Verdict::Unavailable;
        }
        (**self).check(session, now)
    }

    fn revoke_session(&self, id: &SessionId, expires_at: u64) -> Result<(), RevocationError> {
        if self.forked() {
            self.refuse_in_fork();
            return Err(forked());
        }
        (**self).revoke_session(id, expires_at)
    }

    fn revoke_subject(
        &self,
        subject: &str,
        before: u64,
        expires_at: u64,
    ) -> Result<(), RevocationError> {
        if self.forked() {
            self.refuse_in_fork();
            return Err(forked());
        }
        (**self).revoke_subject(subject, before, expires_at)
    }
}

fn forked() -> RevocationError {
    RevocationError::Unavailable(
        "this process was forked from the one that connected to Redis".to_owned(),
    )
}

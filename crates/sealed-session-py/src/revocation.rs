//! Revocation lists for a codec (REVOCATION.md): `MemoryRevocations` for
//! one process, `RedisRevocations` for a fleet. Both are the Rust crates'
//! own types: the Redis one is `sealed-session-redis` itself (the same key
//! names, values and channel, the in-memory mirror fed by pub/sub, the
//! fail-closed window and the write-back as every Rust service), so a
//! logout in Python is honoured by a Rust service and the reverse.
//!
//! The check on each request is the codec's (inside `SessionCodec.load`):
//! a local lookup, no network round trip, no Python code. A revoke may wait
//! for Redis (up to the I/O timeout); it releases the GIL meanwhile.

use std::sync::Arc;

use core::time::Duration;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDelta, PyFloat, PyInt};
use sealed_session::revocation::RevocationError;
use sealed_session::{Revocations, SessionId};
use sealed_session_redis::RedisOptions;

use crate::threaded::Threaded;
use crate::{args, errors};

/// A revocation list held in this process: for one instance (several
/// processes behind one load balancer each have their own, so use
/// :class:`RedisRevocations` there). Give it to a codec
/// (``revocations=``).
#[pyclass(module = "sealed_session", frozen, skip_from_py_object)]
pub(crate) struct MemoryRevocations {
    inner: Arc<sealed_session::MemoryRevocations>,
}

#[pymethods]
impl MemoryRevocations {
    #[new]
    fn new() -> Self {
        Self {
            inner: Arc::new(sealed_session::MemoryRevocations::new()),
        }
    }

    /// How many entries are held (expired ones not yet swept out included).
    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __repr__(&self) -> String {
        format!("MemoryRevocations(len={})", self.inner.len())
    }
}

/// A revocation list shared by a fleet through Redis, held in memory by
/// each instance: loaded at start, followed through pub/sub (channel
/// ``<prefix>:revocations``), so the check on each request is a local
/// lookup. The Rust crate ``sealed-session-redis`` itself, behind this
/// class: REVOCATION.md specifies its keys, values and channel.
///
/// ``url`` is a Redis URL (``redis://127.0.0.1:6379/0``); ``prefix``
/// starts every key (1 to 64 of ``A-Z a-z 0-9 - _ .``; the same on every
/// instance); ``outage_window`` is how long the mirror keeps serving while
/// Redis is unreachable (30 s by default), after which authenticated
/// sessions are refused (fail closed); ``io_timeout`` bounds connecting and
/// each command (1 s). Durations are seconds or timedeltas.
///
/// It returns at once and connects in a thread of its own: until the first
/// load, sessions with an id are refused (:meth:`wait_synced` waits for
/// it). :attr:`health` says whether it fails closed, for a readiness probe.
/// Log lines (Redis down, back, failing closed) go to the Python logger
/// ``sealed_session.revocation``.
#[pyclass(module = "sealed_session", frozen, skip_from_py_object)]
pub(crate) struct RedisRevocations {
    /// Dropped with the interpreter released (the last handle joins the
    /// follower thread); in a forked child it fails closed (`threaded.rs`).
    inner: Threaded<sealed_session_redis::RedisRevocations>,
}

#[pymethods]
impl RedisRevocations {
    #[new]
    #[pyo3(signature = (url, *, prefix = None, outage_window = None, io_timeout = None))]
    fn new(
        url: &str,
        prefix: Option<String>,
        outage_window: Option<&Bound<'_, PyAny>>,
        io_timeout: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let mut options = RedisOptions::new();
        if let Some(prefix) = prefix {
            options = options.prefix(prefix);
        }
        if let Some(window) = outage_window {
            options = options.outage_window(fine_duration(window, "outage_window")?);
        }
        if let Some(timeout) = io_timeout {
            let timeout = fine_duration(timeout, "io_timeout")?;
            if timeout.is_zero() {
                return Err(errors::configuration(
                    "io_timeout",
                    "invalid setting `io_timeout`: it must be more than zero",
                ));
            }
            options = options.io_timeout(timeout);
        }
        let inner =
            sealed_session_redis::RedisRevocations::connect(url, options).map_err(|error| {
                match error {
                    sealed_session_redis::ConfigError::Prefix => {
                        errors::configuration("prefix", &error.to_string())
                    }
                    _ => errors::configuration("url", &error.to_string()),
                }
            })?;
        Ok(Self {
            inner: Threaded::new(inner),
        })
    }

    /// Waits up to ``timeout`` (seconds or a timedelta) for the first load
    /// from Redis; returns whether it happened. Releases the GIL.
    fn wait_synced(&self, py: Python<'_>, timeout: &Bound<'_, PyAny>) -> PyResult<bool> {
        let timeout = fine_duration(timeout, "timeout")?;
        Ok(py.detach(|| self.inner.wait_synced(timeout)))
    }

    /// The link's state now: a :class:`RevocationHealth`.
    #[getter]
    fn health(&self) -> RevocationHealth {
        let health = self.inner.health();
        // In a forked process the follower is not running here.
        let forked = self.inner.forked();
        RevocationHealth {
            synced: health.synced,
            connected: health.connected && !forked,
            down_for: health.down_for.map(|down| down.as_secs_f64()),
            failing_closed: health.failing_closed || forked,
        }
    }

    /// The Redis key a session id (22 characters of base64url, as
    /// :attr:`Session.id` gives it) is stored under.
    fn session_key(&self, id: &str) -> PyResult<String> {
        Ok(self.inner.session_key(&session_id(id)?))
    }

    /// The Redis key a subject is stored under.
    fn subject_key(&self, subject: &str) -> String {
        self.inner.subject_key(subject)
    }

    /// How many entries the mirror holds.
    fn __len__(&self) -> usize {
        self.inner.mirror().len()
    }

    fn __repr__(&self) -> String {
        let health = self.inner.health();
        format!(
            "RedisRevocations(synced={}, connected={}, failing_closed={})",
            py_bool(health.synced),
            py_bool(health.connected),
            py_bool(health.failing_closed)
        )
    }
}

/// The state of a :class:`RedisRevocations` link, for a health or
/// readiness check: serve traffic while ``failing_closed`` is false.
#[pyclass(module = "sealed_session", frozen, skip_from_py_object, get_all)]
pub(crate) struct RevocationHealth {
    /// The list has been loaded from Redis at least once.
    synced: bool,
    /// The follower is connected and subscribed now.
    connected: bool,
    /// How long Redis has been unreachable, in seconds (since the start
    /// when it never was reached); ``None`` while connected.
    down_for: Option<f64>,
    /// Sessions with an id are refused: never loaded, or Redis down for
    /// longer than the outage window.
    failing_closed: bool,
}

#[pymethods]
impl RevocationHealth {
    fn __bool__(&self) -> bool {
        !self.failing_closed
    }

    fn __repr__(&self) -> String {
        format!(
            "RevocationHealth(synced={}, connected={}, down_for={}, failing_closed={})",
            py_bool(self.synced),
            py_bool(self.connected),
            self.down_for
                .map_or_else(|| "None".to_owned(), |down| format!("{down:.3}")),
            py_bool(self.failing_closed)
        )
    }
}

fn py_bool(value: bool) -> &'static str {
    if value { "True" } else { "False" }
}

/// The list a codec's ``revocations=`` names.
pub(crate) fn list_of(obj: &Bound<'_, PyAny>) -> PyResult<Arc<dyn Revocations>> {
    if let Ok(memory) = obj.cast::<MemoryRevocations>() {
        let list: Arc<sealed_session::MemoryRevocations> = Arc::clone(&memory.get().inner);
        return Ok(list);
    }
    if let Ok(redis) = obj.cast::<RedisRevocations>() {
        return Ok(Arc::new(redis.get().inner.share()));
    }
    Err(PyTypeError::new_err(format!(
        "revocations must be a MemoryRevocations or a RedisRevocations, not {}",
        args::type_name(obj)
    )))
}

/// Logout: revokes `session` through `codec`'s list, the GIL released (a
/// Redis round trip).
pub(crate) fn revoke(
    py: Python<'_>,
    codec: &sealed_session::SessionCodec,
    session: &sealed_session::Session,
) -> PyResult<()> {
    let session = session.clone();
    py.detach(|| codec.revoke(&session))
        .map_err(|error| revocation_error(&error))
}

/// Sign-out-everywhere: revokes every session of `subject` created before
/// now, the GIL released.
pub(crate) fn revoke_subject(
    py: Python<'_>,
    codec: &sealed_session::SessionCodec,
    subject: &str,
) -> PyResult<()> {
    py.detach(|| codec.revoke_subject(subject))
        .map_err(|error| revocation_error(&error))
}

/// The Python exception for a revocation error.
pub(crate) fn revocation_error(error: &RevocationError) -> PyErr {
    match error {
        RevocationError::Unavailable(_) => {
            errors::classes::RevocationNotSharedError::new_err(error.to_string())
        }
        RevocationError::Subject => PyValueError::new_err(error.to_string()),
        RevocationError::NotConfigured => errors::configuration(
            "revocations",
            "no revocation list is configured: give the codec revocations= \
             (a MemoryRevocations or a RedisRevocations)",
        ),
        _ => errors::classes::SealedSessionError::new_err(error.to_string()),
    }
}

/// A session id from its 22 characters of base64url.
fn session_id(text: &str) -> PyResult<SessionId> {
    use base64ct::{Base64UrlUnpadded, Encoding};
    let mut bytes = [0u8; SessionId::LEN];
    match Base64UrlUnpadded::decode(text, &mut bytes) {
        Ok(decoded) if decoded.len() == SessionId::LEN => Ok(SessionId::from_bytes(bytes)),
        _ => Err(PyValueError::new_err(
            "a session id is 22 characters of base64url (16 bytes)",
        )),
    }
}

/// A duration to the millisecond: seconds (an int or a float) or a
/// `datetime.timedelta`, not negative, at most a year (a bound on the waits
/// and windows it sets, not on timeouts of sessions).
pub(crate) fn fine_duration(obj: &Bound<'_, PyAny>, setting: &str) -> PyResult<Duration> {
    const YEAR: f64 = 365.0 * 24.0 * 3600.0;
    let seconds: f64 = if obj.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!(
            "{setting}: expected seconds (int or float) or a datetime.timedelta, not bool"
        )));
    } else if obj.is_instance_of::<PyDelta>() {
        obj.call_method0("total_seconds")?.extract()?
    } else if obj.is_instance_of::<PyInt>() || obj.is_instance_of::<PyFloat>() {
        obj.extract()?
    } else {
        return Err(PyTypeError::new_err(format!(
            "{setting}: expected seconds (int or float) or a datetime.timedelta, not {}",
            args::type_name(obj)
        )));
    };
    if !(0.0..=YEAR).contains(&seconds) {
        return Err(PyValueError::new_err(format!(
            "{setting}: must be 0 to one year, in seconds"
        )));
    }
    Ok(Duration::from_millis((seconds * 1000.0).round() as u64))
}

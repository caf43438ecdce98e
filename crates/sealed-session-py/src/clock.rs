//! `ManualClock`: a clock that tests move.

use std::sync::Arc;

use pyo3::prelude::*;
use sealed_session::Clock;

/// A clock that stands still until it is moved, for tests: give it to a
/// codec (``clock=``) and move it with :meth:`set` and :meth:`advance`.
/// Unix seconds.
#[pyclass(module = "sealed_session", frozen, skip_from_py_object)]
pub(crate) struct ManualClock {
    pub(crate) inner: Arc<sealed_session::ManualClock>,
}

#[pymethods]
impl ManualClock {
    #[new]
    fn new(now: u64) -> Self {
        Self {
            inner: Arc::new(sealed_session::ManualClock::new(now)),
        }
    }

    /// The time shown, in Unix seconds.
    #[getter]
    fn now(&self) -> u64 {
        self.inner.now()
    }

    /// Sets the time.
    fn set(&self, now: u64) {
        self.inner.set(now);
    }

    /// Moves the time forward by ``seconds``.
    fn advance(&self, seconds: u64) {
        self.inner.advance(seconds);
    }

    fn __repr__(&self) -> String {
        format!("ManualClock({})", self.inner.now())
    }
}

/// The time source of a codec: the system clock, or a manual one.
#[derive(Clone, Debug)]
pub(crate) enum TimeSource {
    System,
    Manual(Arc<sealed_session::ManualClock>),
}

impl TimeSource {
    pub(crate) fn from_arg(clock: Option<&Bound<'_, ManualClock>>) -> Self {
        clock.map_or(Self::System, |clock| {
            Self::Manual(Arc::clone(&clock.get().inner))
        })
    }

    pub(crate) fn now(&self) -> u64 {
        match self {
            Self::System => sealed_session::SystemClock.now(),
            Self::Manual(clock) => clock.now(),
        }
    }
}

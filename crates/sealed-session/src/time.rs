//! Where a codec gets the time: the system clock, or a clock the tests move.

use alloc::sync::Arc;
use core::fmt;
use core::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The time source of a [`SessionCodec`](crate::SessionCodec), given once
/// to its builder (as rustls's `TimeProvider`): every seal stamps its
/// cookie with [`Clock::now`], and every open measures ages against it.
///
/// [`SystemClock`] is the default; [`ManualClock`] is for tests.
pub trait Clock: fmt::Debug + Send + Sync + 'static {
    /// The current time in Unix seconds.
    fn now(&self) -> u64;
}

/// The operating system's wall clock. A clock set before 1970 reads as 0.
///
/// ```
/// use sealed_session::{Clock, SystemClock};
///
/// assert!(SystemClock.now() > 1_700_000_000);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs())
    }
}

/// A clock that stands still until it is moved: for tests. Share it through
/// an `Arc` to move a codec's time after building the codec.
///
/// ```
/// use std::sync::Arc;
/// use sealed_session::{Clock, ManualClock};
///
/// let clock = Arc::new(ManualClock::new(1_700_000_000));
/// let handle = Arc::clone(&clock); // give this one to the builder
/// clock.advance(3600);
/// assert_eq!(handle.now(), 1_700_003_600);
/// clock.set(5);
/// assert_eq!(handle.now(), 5);
/// ```
#[derive(Debug, Default)]
pub struct ManualClock(AtomicU64);

impl ManualClock {
    /// A clock showing `now` (Unix seconds).
    #[must_use]
    pub const fn new(now: u64) -> Self {
        Self(AtomicU64::new(now))
    }

    /// Sets the time.
    pub fn set(&self, now: u64) {
        self.0.store(now, Ordering::SeqCst);
    }

    /// Moves the time forward by `seconds` (saturating).
    pub fn advance(&self, seconds: u64) {
        let _ = self
            .0
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |now| {
                Some(now.saturating_add(seconds))
            });
    }
}

impl Clock for ManualClock {
    fn now(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now(&self) -> u64 {
        (**self).now()
    }
}

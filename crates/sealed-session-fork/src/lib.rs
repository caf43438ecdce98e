#![doc = include_str!("../README.md")]
#![no_std]

#[cfg(unix)]
mod unix {
    use core::sync::atomic::{AtomicU8, AtomicU64, Ordering};

    /// Forks seen since the handler was registered.
    static GENERATION: AtomicU64 = AtomicU64::new(0);

    /// 0: not tried yet; 1: registering; 2: registered; 3: failed.
    static STATE: AtomicU8 = AtomicU8::new(0);

    const REGISTERED: u8 = 2;
    const FAILED: u8 = 3;

    /// Runs in the child after every `fork()` through the C library.
    extern "C" fn child() {
        GENERATION.fetch_add(1, Ordering::AcqRel);
    }

    pub(crate) fn generation() -> Option<u64> {
        loop {
            match STATE.load(Ordering::Acquire) {
                REGISTERED => return Some(GENERATION.load(Ordering::Acquire)),
                FAILED => return None,
                0 => {
                    if STATE
                        .compare_exchange(0, 1, Ordering::AcqRel, Ordering::Acquire)
                        .is_ok()
                    {
                        #[allow(unsafe_code)]
                        // SAFETY: `pthread_atfork` has no precondition on its
                        // arguments; `child` is an `extern "C" fn()` with
                        // static lifetime that only performs one atomic
                        // addition, which is async-signal-safe as a fork
                        // child handler must be.
                        let rc = unsafe { libc::pthread_atfork(None, None, Some(child)) };
                        let state = if rc == 0 { REGISTERED } else { FAILED };
                        STATE.store(state, Ordering::Release);
                    }
                }
                // Another thread is registering: it takes one call.
                _ => core::hint::spin_loop(),
            }
        }
    }
}

/// How many times this process's lineage has been forked since the first
/// call (through the C library's `fork()`): a value that changes in a child
/// created by `fork()`, and never otherwise. `None` where it cannot be
/// known (no `pthread_atfork` on this platform, or its registration
/// failed): check the process id instead.
///
/// The first call registers a `pthread_atfork` child handler, once per
/// process; later calls are two atomic loads.
#[must_use]
pub fn generation() -> Option<u64> {
    #[cfg(unix)]
    return unix::generation();
    #[cfg(not(unix))]
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn stable_without_a_fork() {
        let first = super::generation();
        assert_eq!(super::generation(), first);
        #[cfg(unix)]
        assert!(first.is_some());
    }
}

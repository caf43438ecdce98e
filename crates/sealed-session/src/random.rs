//! Where a codec gets nonces and session ids: a fork-safe generator seeded
//! from the operating system, or fixed bytes for tests.

use alloc::sync::Arc;
use core::cell::RefCell;
use core::fmt;

use chacha20::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use sealed_session_core::Key;
use zeroize::Zeroize;

use crate::error::SessionError;

/// The randomness of a [`SessionCodec`](crate::SessionCodec), given once to
/// its builder (as rustls's `SecureRandom`): 16-byte nonces for every seal
/// and 16-byte session ids. It must be a cryptographically secure
/// generator whose output never repeats, across threads and across
/// `fork()`.
///
/// [`OsRandom`] is the default; [`FixedRandom`] is for test vectors only.
pub trait SecureRandom: fmt::Debug + Send + Sync + 'static {
    /// Fills `dest` with fresh random bytes.
    ///
    /// # Errors
    /// [`SessionError::Random`] when the source fails.
    fn fill(&self, dest: &mut [u8]) -> Result<(), SessionError>;
}

impl<R: SecureRandom + ?Sized> SecureRandom for Arc<R> {
    fn fill(&self, dest: &mut [u8]) -> Result<(), SessionError> {
        (**self).fill(dest)
    }
}

/// How many bytes a thread's generator produces before it reseeds.
const RESEED_BYTES: usize = OsRandom::RESEED_BYTES;

/// Fork-safe randomness from the operating system: a per-thread ChaCha20
/// generator seeded from `getrandom`, reseeded after every
/// [`OsRandom::RESEED_BYTES`] bytes and **whenever the process has forked**.
///
/// # Fork safety
///
/// A child created by `fork()` (without `exec`) inherits its parent's
/// memory, this generator's state included. Before every draw, `OsRandom`
/// compares the process's fork generation (a counter that a
/// `pthread_atfork` child handler increments, from the
/// `sealed-session-fork` crate) with the one its state was seeded in, and
/// reseeds from the operating system when they differ; parent and child
/// therefore never draw the same nonce or session id, and nobody has to
/// call anything after a fork. Where no handler can be registered (no
/// `pthread_atfork`), it compares the process id instead, as BoringSSL
/// falls back to. A fork that bypasses the C library (a raw `clone`
/// system call) runs no handler; the forks of Rust's standard library,
/// `nix`, `libc` and Python's `os.fork()` all go through it.
///
/// The counter is the one piece of process-wide state of these crates: a
/// handler registered once, on the first draw, that only counts forks.
///
/// # Cost
///
/// The fork check is two atomic loads per draw. It used to be a `getpid`
/// system call per draw. In the quiet run of `benches/RESULTS.md`
/// (2026-12-07), a draw takes 20.7 ns, where it took 156 ns with the
/// `getpid` check (the system call alone: 190 ns) and one `getrandom`
/// call takes 355 ns; the same generator without any check, 17.0 ns.
///
/// ```
/// use sealed_session::{OsRandom, SecureRandom};
///
/// let (mut a, mut b) = ([0u8; 16], [0u8; 16]);
/// OsRandom.fill(&mut a)?;
/// OsRandom.fill(&mut b)?;
/// assert_ne!(a, b);
/// # Ok::<(), sealed_session::SessionError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OsRandom;

impl OsRandom {
    /// How many bytes a thread's generator produces before it reseeds from
    /// the operating system: 256 nonces of 16 bytes.
    pub const RESEED_BYTES: usize = 4096;
}

/// A thread's generator, the process it was seeded in, and how many bytes
/// it may still produce before a reseed.
struct Generator {
    rng: ChaCha20Rng,
    origin: Origin,
    budget: usize,
}

/// Which process a generator was seeded in: its fork generation, or its
/// process id where generations are not counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    Generation(u64),
    Pid(u32),
}

impl Origin {
    fn now() -> Self {
        match sealed_session_fork::generation() {
            Some(generation) => Self::Generation(generation),
            None => Self::Pid(std::process::id()),
        }
    }
}

thread_local! {
    static GENERATOR: RefCell<Option<Generator>> = const { RefCell::new(None) };
}

impl SecureRandom for OsRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), SessionError> {
        let origin = Origin::now();
        let drawn = GENERATOR.try_with(|cell| -> Result<(), SessionError> {
            let mut slot = cell.try_borrow_mut().map_err(|_| SessionError::Random)?;
            let fresh = match slot.as_ref() {
                Some(generator) => generator.origin != origin || generator.budget < dest.len(),
                None => true,
            };
            if fresh {
                *slot = Some(Generator {
                    rng: seeded()?,
                    origin,
                    budget: RESEED_BYTES,
                });
            }
            let generator = slot.as_mut().ok_or(SessionError::Random)?;
            if dest.len() > RESEED_BYTES {
                // Larger than a whole budget: straight from the OS.
                return getrandom::fill(dest).map_err(|_| SessionError::Random);
            }
            generator.budget -= dest.len();
            generator.rng.fill_bytes(dest);
            Ok(())
        });
        match drawn {
            Ok(result) => result,
            // During thread teardown the generator is gone: the OS directly.
            Err(_) => getrandom::fill(dest).map_err(|_| SessionError::Random),
        }
    }
}

/// A ChaCha20 generator seeded with 32 bytes from the operating system.
fn seeded() -> Result<ChaCha20Rng, SessionError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|_| SessionError::Random)?;
    let rng = ChaCha20Rng::from_seed(seed);
    seed.zeroize();
    Ok(rng)
}

/// The same bytes every time, repeated to fill each request: **for test
/// vectors only**. Every seal under it reuses one nonce, which reveals the
/// XOR of the plaintexts to anyone holding two cookies.
///
/// ```
/// use sealed_session::{FixedRandom, SecureRandom};
///
/// let mut out = [0u8; 4];
/// FixedRandom::new([9, 8]).fill(&mut out)?;
/// assert_eq!(out, [9, 8, 9, 8]);
/// # Ok::<(), sealed_session::SessionError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixedRandom(Vec<u8>);

impl FixedRandom {
    /// Fills with `bytes`, repeated (zeros when `bytes` is empty).
    #[must_use]
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into())
    }
}

impl SecureRandom for FixedRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), SessionError> {
        if self.0.is_empty() {
            dest.fill(0);
        } else {
            for (out, byte) in dest.iter_mut().zip(self.0.iter().cycle()) {
                *out = *byte;
            }
        }
        Ok(())
    }
}

/// A new 32-byte key from [`OsRandom`], written straight into the key.
///
/// ```
/// let a = sealed_session::generate_key()?;
/// let b = sealed_session::generate_key()?;
/// assert_ne!(a, b);
/// # Ok::<(), sealed_session::SessionError>(())
/// ```
///
/// # Errors
/// [`SessionError::Random`] when the operating system's generator fails.
pub fn generate_key() -> Result<Key, SessionError> {
    Key::try_fill_with(|bytes| getrandom::fill(bytes).map_err(|_| SessionError::Random))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> Option<(Origin, usize)> {
        GENERATOR.with(|cell| cell.borrow().as_ref().map(|g| (g.origin, g.budget)))
    }

    #[test]
    fn draws_are_fresh_and_budgeted() {
        let (mut a, mut b) = ([0u8; 16], [0u8; 16]);
        OsRandom.fill(&mut a).unwrap();
        let after_first = state().unwrap();
        OsRandom.fill(&mut b).unwrap();
        assert_ne!(a, b);
        assert!(after_first.0 == Origin::now());
        assert!(matches!(after_first.0, Origin::Generation(_)));
        assert_eq!(state().unwrap().1, after_first.1 - 16);
    }

    #[test]
    fn reseeds_when_the_budget_is_spent() {
        let mut nonce = [0u8; 16];
        OsRandom.fill(&mut nonce).unwrap();
        while state().unwrap().1 >= 16 {
            OsRandom.fill(&mut nonce).unwrap();
        }
        OsRandom.fill(&mut nonce).unwrap();
        assert_eq!(state().unwrap().1, RESEED_BYTES - 16);
    }

    #[test]
    fn reseeds_when_the_fork_generation_changes() {
        let mut nonce = [0u8; 16];
        OsRandom.fill(&mut nonce).unwrap();
        // Pretend the state was inherited from another process: the next
        // draw must not continue its stream.
        let (seed, position) = GENERATOR.with(|cell| {
            let mut slot = cell.borrow_mut();
            let generator = slot.as_mut().unwrap();
            generator.origin = match generator.origin {
                Origin::Generation(generation) => Origin::Generation(generation.wrapping_add(1)),
                Origin::Pid(pid) => Origin::Pid(pid.wrapping_add(1)),
            };
            (generator.rng.get_seed(), generator.rng.get_word_pos())
        });
        OsRandom.fill(&mut nonce).unwrap();
        let mut copy = ChaCha20Rng::from_seed(seed);
        copy.set_word_pos(position);
        let mut would_have = [0u8; 16];
        copy.fill_bytes(&mut would_have);
        assert_ne!(nonce, would_have);
        let (origin, budget) = state().unwrap();
        assert!(origin == Origin::now());
        assert_eq!(budget, RESEED_BYTES - 16);
    }

    #[test]
    fn large_requests_come_from_the_os() {
        let mut big = vec![0u8; RESEED_BYTES + 1];
        OsRandom.fill(&mut big).unwrap();
        assert!(big.iter().any(|&b| b != 0));
    }
}

//! Nonces from an OS-seeded user-space CSPRNG, and the system clock.

use core::cell::Cell;
use core::convert::Infallible;
use core::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use chacha20::ChaCha20Rng;
use rand_core::{Rng, SeedableRng, TryCryptoRng, TryRng};
use zeroize::Zeroize;

use crate::error::SessionError;

/// How many bytes a generator produces before it reseeds from the operating
/// system: 256 nonces of 16 bytes.
pub const RESEED_BYTES: usize = 4096;

/// A ChaCha20 generator and how many bytes it may still produce before a
/// reseed.
struct Generator {
    rng: ChaCha20Rng,
    budget: usize,
}

thread_local! {
    /// This thread's generator, parked here between uses.
    static PARKED: Cell<Option<Box<Generator>>> = const { Cell::new(None) };
}

/// The nonce source of a seal: this thread's ChaCha20 CSPRNG, seeded from
/// the operating system (`getrandom`) on first use and reseeded after every
/// [`RESEED_BYTES`] bytes of output.
///
/// A seal costs a few nanoseconds of user-space ChaCha20 instead of a system
/// call. `OsNonce` implements [`rand_core::CryptoRng`], so it is also a
/// [`NonceSource`](crate::NonceSource) and can generate keys.
///
/// # Fork safety
///
/// A process that calls `fork()` (without `exec`) copies this thread's
/// generator into the child, and both would draw the same nonces until
/// their next reseed, at most [`RESEED_BYTES`] bytes (256 seals) later. A
/// repeated nonce under the same key reveals the XOR of the two plaintexts.
/// Rust's `std::process::Command` always `exec`s and is safe. If you fork by
/// hand, call [`OsNonce::reseed`] in the child before it seals, as the first
/// thing it does.
///
/// ```
/// use sealed_session::{Key, OsNonce};
///
/// let mut rng = OsNonce::new()?;
/// let key = Key::generate(&mut rng);
/// let mut a = [0u8; 16];
/// let mut b = [0u8; 16];
/// rand_core::Rng::fill_bytes(&mut rng, &mut a);
/// rand_core::Rng::fill_bytes(&mut rng, &mut b);
/// assert_ne!(a, b);
/// # let _ = key;
/// # Ok::<(), sealed_session::SessionError>(())
/// ```
pub struct OsNonce {
    /// Always `Some` until drop, which parks it again.
    generator: Option<Box<Generator>>,
}

impl OsNonce {
    /// Takes this thread's generator, seeding it from the operating system if
    /// the thread has none yet. The generator returns to the thread when the
    /// `OsNonce` is dropped.
    ///
    /// ```
    /// use sealed_session::{NonceSource, OsNonce};
    ///
    /// let mut nonce = [0u8; 16];
    /// OsNonce::new()?.fill_nonce(&mut nonce);
    /// assert_ne!(nonce, [0; 16]);
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    ///
    /// # Errors
    /// [`SessionError::Random`] if the operating system's random number
    /// generator fails while seeding.
    pub fn new() -> Result<Self, SessionError> {
        let parked = PARKED.try_with(Cell::take).ok().flatten();
        let generator = match parked {
            Some(generator) => generator,
            None => Box::new(Generator {
                rng: seeded()?,
                budget: RESEED_BYTES,
            }),
        };
        Ok(Self {
            generator: Some(generator),
        })
    }

    /// Replaces the generator's state with a fresh seed from the operating
    /// system. Call it in a child process after a bare `fork()`.
    ///
    /// ```
    /// use sealed_session::OsNonce;
    ///
    /// // In a child process after a bare fork():
    /// let mut rng = OsNonce::new()?;
    /// rng.reseed()?;
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    ///
    /// # Errors
    /// [`SessionError::Random`] if the operating system's generator fails;
    /// the old state is then kept.
    pub fn reseed(&mut self) -> Result<(), SessionError> {
        let rng = seeded()?;
        if let Some(generator) = self.generator.as_mut() {
            generator.rng = rng;
            generator.budget = RESEED_BYTES;
        }
        Ok(())
    }
}

impl Drop for OsNonce {
    fn drop(&mut self) {
        if let Some(generator) = self.generator.take() {
            // During thread teardown the slot may be gone: the generator is
            // then simply dropped (ChaCha20Rng wipes itself).
            let _ = PARKED.try_with(|slot| slot.set(Some(generator)));
        }
    }
}

impl fmt::Debug for OsNonce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OsNonce").finish_non_exhaustive()
    }
}

impl TryRng for OsNonce {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut bytes = [0u8; 4];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u32::from_le_bytes(bytes))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut bytes = [0u8; 8];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u64::from_le_bytes(bytes))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        if let Some(generator) = self.generator.as_mut() {
            if generator.budget < dst.len() {
                // A failed reseed keeps the current (still secure) stream and
                // is retried on the next call.
                if let Ok(rng) = seeded() {
                    generator.rng = rng;
                    generator.budget = RESEED_BYTES;
                }
            }
            generator.budget = generator.budget.saturating_sub(dst.len());
            generator.rng.fill_bytes(dst);
        }
        Ok(())
    }
}

impl TryCryptoRng for OsNonce {}

/// A ChaCha20 generator seeded with 32 bytes from the operating system.
fn seeded() -> Result<ChaCha20Rng, SessionError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|_| SessionError::Random)?;
    let rng = ChaCha20Rng::from_seed(seed);
    seed.zeroize();
    Ok(rng)
}

/// The current time in Unix seconds, from the system clock. A clock set
/// before 1970 reads as 0.
///
/// ```
/// assert!(sealed_session::now() > 1_700_000_000);
/// ```
#[must_use]
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parked_generator_is_reused_and_continues_its_stream() {
        let mut first = [0u8; 16];
        let mut second = [0u8; 16];
        OsNonce::new().unwrap().fill_bytes(&mut first);
        OsNonce::new().unwrap().fill_bytes(&mut second);
        assert_ne!(first, second);
        let parked = PARKED.with(Cell::take).unwrap();
        assert_eq!(parked.budget, RESEED_BYTES - 32);
        PARKED.with(|slot| slot.set(Some(parked)));
    }

    #[test]
    fn reseeds_when_the_budget_is_spent() {
        let mut rng = OsNonce::new().unwrap();
        let mut nonce = [0u8; 16];
        for _ in 0..RESEED_BYTES / 16 {
            rng.fill_bytes(&mut nonce);
        }
        assert_eq!(rng.generator.as_ref().unwrap().budget, 0);
        rng.fill_bytes(&mut nonce);
        assert_eq!(rng.generator.as_ref().unwrap().budget, RESEED_BYTES - 16);
    }

    #[test]
    fn nested_handles_get_independent_generators() {
        let mut outer = OsNonce::new().unwrap();
        let mut inner = OsNonce::new().unwrap();
        let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
        outer.fill_bytes(&mut a);
        inner.fill_bytes(&mut b);
        assert_ne!(a, b);
    }

    #[test]
    fn reseed_changes_the_stream() {
        let mut rng = OsNonce::new().unwrap();
        let before = rng.generator.as_ref().unwrap().rng.get_seed();
        rng.reseed().unwrap();
        assert_ne!(rng.generator.as_ref().unwrap().rng.get_seed(), before);
    }

    #[test]
    fn clock_is_after_2023() {
        assert!(now() > 1_700_000_000);
    }
}

//! The JavaScript runtime's randomness and clock, given to the std
//! builder's `.random(..)` and `.clock(..)`: `crypto.getRandomValues` and
//! `Date.now()`, which every runtime the package targets (workerd, Node,
//! Deno, Bun, browsers) has as globals.

use std::sync::Mutex;

use sealed_session::{Clock, SecureRandom, SessionError};
use wasm_bindgen::prelude::*;
use zeroize::Zeroize as _;

#[wasm_bindgen]
extern "C" {
    /// Web Crypto's CSPRNG; throws for more than 65536 bytes.
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues, catch)]
    fn get_random_values(dest: &mut [u8]) -> Result<JsValue, JsValue>;

    /// Milliseconds since the Unix epoch.
    #[wasm_bindgen(js_namespace = Date, js_name = now)]
    fn date_now() -> f64;
}

/// The most `crypto.getRandomValues` fills in one call.
const MAX_FILL: usize = 65536;

/// Bytes drawn from `crypto.getRandomValues` at once, handed out in
/// order: one call per 64 nonces rather than one per seal (a call costs
/// several microseconds in Node, a third of a small seal).
const POOL_LEN: usize = 1024;

/// Randomness from `crypto.getRandomValues`. A JavaScript isolate is one
/// thread and `fork()` does not exist there, so no reseeding logic is
/// needed: every nonce and session id is Web Crypto output, taken from a
/// pool of [`POOL_LEN`] bytes of it. Each byte is handed out once and
/// overwritten with zero as it is taken, so the pool only ever holds bytes
/// not yet used. Not `Clone`: a copy would hand out the same bytes twice.
#[derive(Debug)]
pub(crate) struct WebCryptoRandom {
    pool: Mutex<Pool>,
}

/// The pool: `bytes[used..]` are fresh, `bytes[..used]` are zero.
struct Pool {
    bytes: [u8; POOL_LEN],
    used: usize,
}

impl core::fmt::Debug for Pool {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Never the bytes: they are future nonces and session ids.
        f.debug_struct("Pool")
            .field("left", &(POOL_LEN - self.used))
            .finish_non_exhaustive()
    }
}

impl WebCryptoRandom {
    /// An empty pool, filled at the first draw.
    pub(crate) fn new() -> Self {
        Self {
            pool: Mutex::new(Pool {
                bytes: [0; POOL_LEN],
                used: POOL_LEN,
            }),
        }
    }
}

impl SecureRandom for WebCryptoRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), SessionError> {
        if dest.len() > POOL_LEN / 4 {
            // Large draws (none in the codec) go straight to Web Crypto.
            for chunk in dest.chunks_mut(MAX_FILL) {
                get_random_values(chunk).map_err(|_| SessionError::Random)?;
            }
            return Ok(());
        }
        // One thread: the lock is never contended, and a panic while it is
        // held (there is none to have) aborts the module anyway.
        let mut pool = self.pool.lock().map_err(|_| SessionError::Random)?;
        pool.draw(dest, |bytes| {
            get_random_values(bytes)
                .map(drop)
                .map_err(|_| SessionError::Random)
        })
    }
}

impl Pool {
    /// Fills `dest` (at most [`POOL_LEN`] bytes) from the pool, refilling
    /// the whole pool with `refill` first when too few fresh bytes are left
    /// (those are wiped, never used).
    fn draw(
        &mut self,
        dest: &mut [u8],
        refill: impl FnOnce(&mut [u8]) -> Result<(), SessionError>,
    ) -> Result<(), SessionError> {
        if POOL_LEN - self.used < dest.len() {
            self.bytes.zeroize();
            self.used = POOL_LEN;
            refill(&mut self.bytes)?;
            self.used = 0;
        }
        let start = self.used;
        let fresh = &mut self.bytes[start..start + dest.len()];
        dest.copy_from_slice(fresh);
        fresh.zeroize();
        self.used += dest.len();
        Ok(())
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

/// The clock of `Date.now()`, in whole seconds (0 before 1970).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct DateNowClock;

impl Clock for DateNowClock {
    fn now(&self) -> u64 {
        let seconds = (date_now() / 1000.0).floor();
        if seconds.is_finite() && seconds > 0.0 {
            // In range: Date.now() is at most 8.64e15 ms.
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "finite, positive and below 2^53"
            )]
            let whole = seconds as u64;
            whole
        } else {
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A refill that writes 1, 2, 3... (wrapping), and counts its calls.
    fn counting(calls: &mut u8) -> impl FnOnce(&mut [u8]) -> Result<(), SessionError> + '_ {
        move |bytes: &mut [u8]| {
            *calls += 1;
            for (i, b) in bytes.iter_mut().enumerate() {
                *b = (i % 251) as u8 + *calls;
            }
            Ok(())
        }
    }

    #[test]
    fn the_pool_hands_out_each_byte_once_and_wipes_it() {
        let mut pool = Pool {
            bytes: [0; POOL_LEN],
            used: POOL_LEN,
        };
        let mut calls = 0;
        let mut first = [0u8; 16];
        pool.draw(&mut first, counting(&mut calls)).unwrap();
        assert_eq!(calls, 1);
        assert_eq!(first, core::array::from_fn(|i| i as u8 + 1));
        assert_eq!(pool.bytes[..16], [0; 16]);
        let mut second = [0u8; 16];
        pool.draw(&mut second, counting(&mut calls)).unwrap();
        assert_eq!(calls, 1, "no refill while the pool has bytes left");
        assert_eq!(second, core::array::from_fn(|i| i as u8 + 17));
        assert_eq!(pool.used, 32);
        assert!(pool.bytes[32..].iter().all(|&b| b != 0));
    }

    #[test]
    fn a_draw_larger_than_what_is_left_refills_the_whole_pool() {
        let mut pool = Pool {
            bytes: [0; POOL_LEN],
            used: POOL_LEN - 10,
        };
        let mut calls = 0;
        let mut dest = [0u8; 16];
        pool.draw(&mut dest, counting(&mut calls)).unwrap();
        assert_eq!(calls, 1);
        assert_eq!(dest, core::array::from_fn(|i| i as u8 + 1));
        assert_eq!(pool.used, 16);
    }

    #[test]
    fn a_failed_refill_hands_out_nothing_and_wipes_what_was_left() {
        let mut pool = Pool {
            bytes: [7; POOL_LEN],
            used: POOL_LEN - 10,
        };
        let mut dest = [0u8; 16];
        let failed = pool.draw(&mut dest, |_| Err(SessionError::Random));
        assert!(matches!(failed, Err(SessionError::Random)));
        assert_eq!(dest, [0; 16]);
        assert_eq!(pool.used, POOL_LEN, "the 10 bytes left are not used later");
        assert!(pool.bytes.iter().all(|&b| b == 0));
    }
}

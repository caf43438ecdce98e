//! The JavaScript runtime's randomness and clock, given to the std
//! builder's `.random(..)` and `.clock(..)`: `crypto.getRandomValues` and
//! `Date.now()`, which every runtime the package targets (workerd, Node,
//! Deno, Bun, browsers) has as globals.

use sealed_session::{Clock, SecureRandom, SessionError};
use wasm_bindgen::prelude::*;

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

/// Randomness from `crypto.getRandomValues`. A JavaScript isolate is one
/// thread and `fork()` does not exist there, so no reseeding logic is
/// needed: every nonce and session id comes straight from Web Crypto.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct WebCryptoRandom;

impl SecureRandom for WebCryptoRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), SessionError> {
        for chunk in dest.chunks_mut(MAX_FILL) {
            get_random_values(chunk).map_err(|_| SessionError::Random)?;
        }
        Ok(())
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

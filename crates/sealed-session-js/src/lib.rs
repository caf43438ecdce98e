//! The WebAssembly core of the `sealed-session` npm package (`js/` in the
//! repository): the std crate's [`SessionCodec`] and [`Session`] exported
//! with wasm-bindgen. The package's TypeScript wraps these exports in its
//! JavaScript API (tagged JSON values, typed errors, middleware); nothing
//! here is meant to be called directly.
//!
//! - randomness is `crypto.getRandomValues` and the clock `Date.now()`,
//!   given to the std builder's `.random(..)` and `.clock(..)`;
//! - options arrive as one JSON object with the builder's setting names in
//!   camelCase, and go through the same `build()` checks;
//! - the lifecycle's rule (what a response carries) lives in one function,
//!   `lifecycle::finish`, which is the std crate's `SessionCodec::finish`;
//! - errors are thrown as JavaScript `Error`s named `ConfigError` (with
//!   `setting` and `reason`) or `SessionError` (with `kind`, the Rust
//!   variant's name: `CookieTooLarge`, or the core `ErrorKind` for a cookie
//!   that did not open: `Unauthentic`, `Expired`...); the package turns them
//!   into its own classes.
//!
//! Build: `cargo build -p sealed-session-js --target wasm32-unknown-unknown
//! --profile wasm`, with the standard library built from source and the
//! size flags of `crates/xtask/src/js.rs` (which runs it all), then
//! `wasm-bindgen --target web` and `wasm-opt -Oz`. The plain build works
//! too, into a larger module.

// `deny`, not `forbid`: the `#[wasm_bindgen]` expansions are unsafe glue
// (see Cargo.toml); this crate's own code has no `unsafe`.
#![deny(unsafe_code)]

mod lifecycle;
mod options;
mod runtime;

use sealed_session::{Keyring, Session, SessionCodec, SessionError};
use sealed_session_core::{Codec as CoreCodec, FixedNonce, Options};
use serde_json::value::RawValue;
use wasm_bindgen::prelude::*;

use crate::options::Refused;
use crate::runtime::{DateNowClock, WebCryptoRandom};

/// A JavaScript `Error` with this `name`, `message` and extra properties.
fn js_error(name: &str, message: &str, fields: &[(&str, &str)]) -> JsValue {
    let error = js_sys::Error::new(message);
    error.set_name(name);
    for (key, value) in fields {
        // Setting a property on a fresh Error object cannot fail.
        let _ = js_sys::Reflect::set(&error, &JsValue::from_str(key), &JsValue::from_str(value));
    }
    error.into()
}

/// The name of a [`SessionError`] as the package reports it: the variant,
/// or for a cookie that did not open, the core [`ErrorKind`]'s. From the
/// `name()`s, not `Debug`: the module is built with `-Zfmt-debug=none`
/// (see `crates/xtask/src/js.rs`), where `Debug` prints nothing.
///
/// [`ErrorKind`]: sealed_session_core::ErrorKind
fn kind_name(error: &SessionError) -> &'static str {
    match error.cookie_kind() {
        Some(kind) => kind.name(),
        None => error.name(),
    }
}

/// A `SessionError` for JavaScript.
fn session_error(error: &SessionError) -> JsValue {
    js_error(
        "SessionError",
        error.as_str(),
        &[("kind", kind_name(error))],
    )
}

/// A `ConfigError` for JavaScript.
fn config_error(refused: &Refused) -> JsValue {
    let message = format!("invalid setting `{}`: {}", refused.setting, refused.reason);
    js_error(
        "ConfigError",
        &message,
        &[("setting", &refused.setting), ("reason", &refused.reason)],
    )
}

/// A whole number of seconds from JavaScript, or a `RangeError`.
fn whole_seconds(name: &str, value: f64) -> Result<u64, JsValue> {
    // 2^53: the largest integer a double holds exactly.
    if value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= 9_007_199_254_740_992.0
    {
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "checked: a whole number in 0..=2^53"
        )]
        let whole = value as u64;
        Ok(whole)
    } else {
        Err(js_error(
            "RangeError",
            &format!("{name}: expected whole seconds"),
            &[],
        ))
    }
}

/// A codec: the keyring and every option, built once.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Codec {
    inner: SessionCodec,
}

#[wasm_bindgen]
impl Codec {
    /// Builds a codec from keyring text and the options' JSON.
    ///
    /// # Errors
    /// A `ConfigError` naming the option at fault (`keyring` for the text).
    #[wasm_bindgen(constructor)]
    pub fn new(keyring_text: &str, options_json: &str) -> Result<Self, JsValue> {
        options::build(
            keyring_text,
            options_json,
            WebCryptoRandom::new(),
            DateNowClock,
        )
        .map(|inner| Self { inner })
        .map_err(|refused| config_error(&refused))
    }

    /// The session cookie's name.
    #[wasm_bindgen(getter, js_name = cookieName)]
    #[must_use]
    pub fn cookie_name(&self) -> String {
        self.inner.cookie_name().to_owned()
    }

    /// The idle timeout in seconds.
    #[wasm_bindgen(getter, js_name = idleTimeout)]
    #[must_use]
    pub fn idle_timeout(&self) -> f64 {
        self.inner.idle_timeout().as_secs_f64()
    }

    /// Reads the session from a request's `Cookie` header (several joined
    /// with `; `, or none); never fails: a cookie that does not open gives
    /// an empty session whose `rejected` says why.
    #[must_use]
    pub fn load(&self, cookie_header: Option<String>) -> RawSession {
        let loaded = self.inner.load(cookie_header.as_deref());
        RawSession {
            inner: loaded.session,
            rejected: loaded.rejected,
        }
    }

    /// Opens one cookie value into a session.
    ///
    /// # Errors
    /// A `SessionError`: the cookie does not open, or its content is not a
    /// session.
    pub fn open(&self, value: &str) -> Result<RawSession, JsValue> {
        self.inner
            .open(value)
            .map(|inner| RawSession {
                inner,
                rejected: None,
            })
            .map_err(|e| session_error(&e))
    }

    /// Seals a session into a cookie value (not a `Set-Cookie` header).
    ///
    /// # Errors
    /// A `SessionError` (`CookieTooLarge`, `Random`).
    pub fn seal(&self, session: &RawSession) -> Result<String, JsValue> {
        self.inner
            .seal(&session.inner)
            .map_err(|e| session_error(&e))
    }

    /// The lifecycle: what the response carries for `session`, given the
    /// handler's `status` (`undefined` when the handler threw).
    #[must_use]
    pub fn finish(&self, session: &RawSession, status: Option<u16>) -> Finished {
        let finished = lifecycle::finish(&self.inner, &session.inner, status);
        Finished {
            set_cookies: finished.set_cookies,
            vary_cookie: finished.vary_cookie,
            save_error: finished.save_error,
        }
    }

    /// The `Set-Cookie` value that deletes the session cookie.
    #[wasm_bindgen(js_name = deleteCookieHeader)]
    #[must_use]
    pub fn delete_cookie_header(&self) -> String {
        self.inner.delete_cookie_header()
    }
}

/// A session: its members as JSON text, and what happened to it.
#[wasm_bindgen]
#[derive(Debug)]
pub struct RawSession {
    inner: Session,
    rejected: Option<SessionError>,
}

#[wasm_bindgen]
impl RawSession {
    /// A new, empty session.
    #[wasm_bindgen(constructor)]
    #[must_use]
    pub fn new() -> Self {
        Self {
            inner: Session::new(),
            rejected: None,
        }
    }

    /// The JSON text of the value under `key`.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<String> {
        self.inner.get_raw(key).map(|raw| raw.get().to_owned())
    }

    /// Stores JSON text under `key`.
    ///
    /// # Errors
    /// A `SessionError`: `InvalidJson`, `TooDeep`, `InvalidBytes`,
    /// `ReservedKey`.
    pub fn set(&mut self, key: &str, json: String) -> Result<(), JsValue> {
        let raw =
            RawValue::from_string(json).map_err(|_| session_error(&SessionError::InvalidJson))?;
        self.inner
            .insert_raw(key, raw)
            .map(drop)
            .map_err(|e| session_error(&e))
    }

    /// Removes `key`; whether it was there.
    pub fn delete(&mut self, key: &str) -> bool {
        self.inner.remove(key).is_some()
    }

    /// Whether `key` is there.
    #[must_use]
    pub fn has(&self, key: &str) -> bool {
        self.inner.contains_key(key)
    }

    /// The keys, in order.
    #[must_use]
    pub fn keys(&self) -> Vec<String> {
        self.inner.keys().map(str::to_owned).collect()
    }

    /// Removes every member (logout): the response deletes the cookie.
    pub fn clear(&mut self) {
        self.inner.clear();
    }

    /// A new identity at the next save, keeping the data (login).
    pub fn regenerate(&mut self) {
        self.inner.regenerate();
    }

    /// The session id (22 base64url characters), once sealed.
    #[wasm_bindgen(getter)]
    #[must_use]
    pub fn id(&self) -> Option<String> {
        self.inner.id().map(|id| id.to_string())
    }

    /// When the session was created or last regenerated (Unix seconds).
    #[wasm_bindgen(getter, js_name = createdAt)]
    #[must_use]
    pub fn created_at(&self) -> Option<f64> {
        #[expect(clippy::cast_precision_loss, reason = "Unix seconds are below 2^53")]
        self.inner.created_at().map(|t| t as f64)
    }

    /// When its cookie was sealed (Unix seconds).
    #[wasm_bindgen(getter, js_name = issuedAt)]
    #[must_use]
    pub fn issued_at(&self) -> Option<f64> {
        #[expect(clippy::cast_precision_loss, reason = "Unix seconds are below 2^53")]
        self.inner.issued_at().map(|t| t as f64)
    }

    /// Whether the session changed.
    #[wasm_bindgen(getter)]
    #[must_use]
    pub fn modified(&self) -> bool {
        self.inner.modified()
    }

    /// Whether the session was read or written.
    #[wasm_bindgen(getter)]
    #[must_use]
    pub fn accessed(&self) -> bool {
        self.inner.accessed()
    }

    /// Whether the cookie outlives the browser session (`Max-Age`).
    #[wasm_bindgen(getter)]
    #[must_use]
    pub fn permanent(&self) -> bool {
        self.inner.permanent()
    }

    /// Sets [`RawSession::permanent`].
    #[wasm_bindgen(setter)]
    pub fn set_permanent(&mut self, permanent: bool) {
        self.inner.set_permanent(permanent);
    }

    /// Why the request's cookie was rejected: a `SessionError` kind name.
    #[wasm_bindgen(getter)]
    #[must_use]
    pub fn rejected(&self) -> Option<String> {
        self.rejected.as_ref().map(|e| kind_name(e).to_owned())
    }

    /// The members as one compact JSON object (Flask's tagged JSON).
    #[wasm_bindgen(js_name = toJsonText)]
    #[must_use]
    pub fn to_json_text(&self) -> String {
        self.inner.to_json_string()
    }
}

impl Default for RawSession {
    fn default() -> Self {
        Self::new()
    }
}

/// What a response carries for the session (see `lifecycle::finish`).
#[wasm_bindgen]
#[derive(Debug)]
pub struct Finished {
    set_cookies: Vec<String>,
    vary_cookie: bool,
    save_error: Option<SessionError>,
}

#[wasm_bindgen]
impl Finished {
    /// `Set-Cookie` values to append, in order.
    #[wasm_bindgen(getter, js_name = setCookies)]
    #[must_use]
    pub fn set_cookies(&self) -> Vec<String> {
        self.set_cookies.clone()
    }

    /// Whether to add `Cookie` to `Vary`.
    #[wasm_bindgen(getter, js_name = varyCookie)]
    #[must_use]
    pub fn vary_cookie(&self) -> bool {
        self.vary_cookie
    }

    /// The session could not be saved: its `SessionError` kind name.
    #[wasm_bindgen(getter, js_name = saveError)]
    #[must_use]
    pub fn save_error(&self) -> Option<String> {
        self.save_error.as_ref().map(|e| kind_name(e).to_owned())
    }
}

/// An opened envelope (FORMAT.md): the plaintext and its header.
#[wasm_bindgen]
#[derive(Debug)]
pub struct OpenedEnvelope {
    plaintext: Vec<u8>,
    key_id: u8,
    issued_at: u64,
    compressed: bool,
}

#[wasm_bindgen]
impl OpenedEnvelope {
    /// The plaintext.
    #[wasm_bindgen(getter)]
    #[must_use]
    pub fn plaintext(&self) -> Vec<u8> {
        self.plaintext.clone()
    }

    /// The id of the key that opened it.
    #[wasm_bindgen(getter, js_name = keyId)]
    #[must_use]
    pub fn key_id(&self) -> u8 {
        self.key_id
    }

    /// When it was sealed (Unix seconds).
    #[wasm_bindgen(getter, js_name = issuedAt)]
    #[must_use]
    pub fn issued_at(&self) -> f64 {
        #[expect(clippy::cast_precision_loss, reason = "Unix seconds are below 2^53")]
        let seconds = self.issued_at as f64;
        seconds
    }

    /// Whether the plaintext was compressed.
    #[wasm_bindgen(getter)]
    #[must_use]
    pub fn compressed(&self) -> bool {
        self.compressed
    }
}

/// A core codec over keyring text, with the default options but these.
fn core_codec(keyring_text: &str, max_plaintext_len: Option<u32>) -> Result<CoreCodec, JsValue> {
    let keyring = Keyring::from_text(keyring_text).map_err(|e| {
        config_error(&Refused {
            setting: "keyring".into(),
            reason: e.to_string(),
        })
    })?;
    let mut options = Options::new().with_max_age(None);
    if let Some(len) = max_plaintext_len {
        options = options.with_max_plaintext_len(len as usize);
    }
    Ok(CoreCodec::new(keyring, options))
}

/// Opens an envelope v1 cookie value (FORMAT.md) bound to `context`, as of
/// `now` (Unix seconds), without a maximum age: the format's own test, for
/// the golden vectors and other implementations.
///
/// # Errors
/// A `SessionError` whose `kind` is the core `ErrorKind` (`Unauthentic`...).
#[wasm_bindgen(js_name = openEnvelope)]
pub fn open_envelope(
    keyring_text: &str,
    value: &str,
    context: &[u8],
    now: f64,
    max_plaintext_len: Option<u32>,
) -> Result<OpenedEnvelope, JsValue> {
    let codec = core_codec(keyring_text, max_plaintext_len)?;
    let opened = codec
        .open_to_vec(value, context, whole_seconds("now", now)?)
        .map_err(|e| session_error(&SessionError::from(e)))?;
    Ok(OpenedEnvelope {
        plaintext: opened.plaintext,
        key_id: opened.key_id,
        issued_at: opened.issued_at,
        compressed: opened.compressed,
    })
}

/// Seals `plaintext` (uncompressed) with the primary key and the given
/// 16-byte nonce: **for test vectors only** (a nonce used twice under one
/// key reveals the XOR of the two plaintexts).
///
/// # Errors
/// A `RangeError` for a nonce that is not 16 bytes; a `SessionError`
/// (`TooLarge`, `ContextTooLong`).
#[wasm_bindgen(js_name = sealEnvelopeWithNonce)]
pub fn seal_envelope_with_nonce(
    keyring_text: &str,
    plaintext: &[u8],
    context: &[u8],
    issued_at: f64,
    nonce: &[u8],
) -> Result<String, JsValue> {
    let codec = core_codec(keyring_text, None)?;
    let nonce: [u8; 16] = nonce
        .try_into()
        .map_err(|_| js_error("RangeError", "nonce: expected 16 bytes", &[]))?;
    codec
        .seal_to_string(
            plaintext,
            context,
            whole_seconds("issuedAt", issued_at)?,
            &mut FixedNonce(nonce),
        )
        .map_err(|e| session_error(&SessionError::from(e)))
}

/// The floor of `js/bench/bench.mjs`: the envelope alone, sealed `times`
/// times inside WebAssembly with the primary key (AES-256-EAX and base64,
/// as [`seal_envelope_with_nonce`] does, without the session, the JSON and
/// the copies across the boundary). Returns
/// the cookie text's length; the text itself never leaves, so the fixed
/// nonce it uses twice reveals nothing. For the benchmark only.
///
/// # Errors
/// A `ConfigError` for the keyring; a `SessionError` (`TooLarge`).
#[doc(hidden)]
#[wasm_bindgen(js_name = benchSealEnvelope)]
pub fn bench_seal_envelope(
    keyring_text: &str,
    plaintext: &[u8],
    context: &[u8],
    times: u32,
) -> Result<usize, JsValue> {
    let codec = core_codec(keyring_text, None)?;
    let mut len = 0;
    for _ in 0..times {
        len = codec
            .seal_to_string(plaintext, context, 0, &mut FixedNonce([0; 16]))
            .map_err(|e| session_error(&SessionError::from(e)))?
            .len();
    }
    Ok(len)
}

/// The other floor of `js/bench/bench.mjs`: the envelope `value` opened
/// `times` times as of `now` inside WebAssembly, as [`open_envelope`] does (see
/// [`bench_seal_envelope`]). Returns the plaintext's length. For the
/// benchmark only.
///
/// # Errors
/// A `ConfigError` for the keyring; a `SessionError` (`Unauthentic`...).
#[doc(hidden)]
#[wasm_bindgen(js_name = benchOpenEnvelope)]
pub fn bench_open_envelope(
    keyring_text: &str,
    value: &str,
    context: &[u8],
    now: f64,
    times: u32,
) -> Result<usize, JsValue> {
    let codec = core_codec(keyring_text, None)?;
    let now = whole_seconds("now", now)?;
    let mut len = 0;
    for _ in 0..times {
        len = codec
            .open_to_vec(value, context, now)
            .map_err(|e| session_error(&SessionError::from(e)))?
            .plaintext
            .len();
    }
    Ok(len)
}

#[cfg(test)]
mod tests {
    /// The crate's only unsafe code is what `#[wasm_bindgen]` expands to.
    #[test]
    fn no_unsafe_code_of_our_own() {
        for source in [
            include_str!("lib.rs"),
            include_str!("options.rs"),
            include_str!("lifecycle.rs"),
            include_str!("runtime.rs"),
        ] {
            for needle in [" {", " fn", " impl", "("] {
                let code = format!("{}{needle}", "unsafe");
                assert!(!source.contains(&code), "`{code}` in a source file");
            }
        }
    }
}

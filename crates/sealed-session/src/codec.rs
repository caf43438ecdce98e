//! The session codec: sessions to cookies and back, for a whole request.
//!
//! - `builder`: the configuration, checked once;
//! - `open`: the request side, sessions from `Cookie` headers;
//! - `seal`: sealing, and the request lifecycle (`finish`);
//! - `response`: the types that say what a response carries.

mod builder;
mod open;
mod response;
mod revoke;
mod seal;

use alloc::sync::Arc;
use core::fmt;
use core::time::Duration;

use sealed_session_core::{Codec, Keyring};

pub use crate::legacy::Legacy;
use crate::legacy::LegacySource;
pub use builder::{Refresh, SealFormat, SessionCodecBuilder};
pub use response::{CookieOutcome, Finished, Outcome, Saved};

use crate::cookie::Attributes;
use crate::error::SessionError;
use crate::random::SecureRandom;
use crate::session::{Limit, Session};
use crate::time::Clock;
#[cfg(doc)]
use crate::typed::TypedSession;

/// Turns sessions into cookies and back, for a whole request: reads the
/// session from the `Cookie` headers ([`SessionCodec::load`]) and decides
/// the response's `Set-Cookie` headers ([`SessionCodec::save`]). Build it
/// once at start-up with [`SessionCodec::builder`]; it is cheap to clone
/// (one `Arc`) and `Send + Sync`.
///
/// ```
/// use std::time::Duration;
/// use sealed_session::{CookieOutcome, Key, Keyring, SessionCodec};
///
/// let key = Key::parse("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")?;
/// let codec = SessionCodec::builder(Keyring::new(1, &key))
///     .idle_timeout(Duration::from_secs(3600)) // an hour without a request ends it
///     .absolute_timeout(Duration::from_secs(8 * 3600)) // and eight hours after login
///     .build()?;
///
/// // A request without a session cookie: a new, empty session.
/// let mut session = codec.load(["theme=dark"]).session;
/// session.insert("user_id", 42)?;
/// let CookieOutcome::Set(set_cookie) = codec.save(&session)?.session_cookie else { unreachable!() };
/// assert!(set_cookie.starts_with("__Host-session=AQAB"));
/// assert!(set_cookie.ends_with("; HttpOnly; Secure; SameSite=Lax; Path=/"));
///
/// // The next request sends it back.
/// let value = set_cookie.split(';').next().unwrap();
/// let loaded = codec.load([format!("theme=dark; {value}")].iter());
/// assert_eq!(loaded.session.get::<u32>("user_id")?, Some(42));
/// assert_eq!(codec.save(&loaded.session)?.session_cookie, CookieOutcome::Unchanged);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct SessionCodec {
    inner: Arc<Inner>,
}

/// A built codec's configuration.
pub(crate) struct Inner {
    codec: Codec,
    attributes: Attributes,
    context: Vec<u8>,
    idle: u64,
    absolute: u64,
    refresh: Refresh,
    padding: usize,
    /// What fits in one cookie, handed to every loaded session.
    limit: Limit,
    seal_format: SealFormat,
    legacy: Vec<LegacySource>,
    clock: Arc<dyn Clock>,
    random: Arc<dyn SecureRandom>,
    /// Checked on every open (REVOCATION.md); see `codec/revoke.rs`.
    revocations: Option<Arc<dyn crate::revocation::Revocations>>,
}

impl fmt::Debug for SessionCodec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("SessionCodec")
            .field("keyring", inner.codec.keyring())
            .field("cookie_name", &inner.attributes.name)
            .field("idle_timeout", &inner.idle)
            .field("absolute_timeout", &inner.absolute)
            .field("refresh", &inner.refresh)
            .field("seal_format", &inner.seal_format)
            .field("legacy", &inner.legacy)
            .finish_non_exhaustive()
    }
}

/// A session read from a request, and why a cookie was rejected if one was.
///
/// When the request carried no cookie that opened, `session` is a new,
/// empty session; if a cookie was presented and rejected, saving that
/// session deletes it (unless the handler fills the session). `rejected`
/// is for logging: the reason of the last cookie value that did not open.
/// With several values under the session's name (a cookie planted by a
/// sibling subdomain, say), the session comes from the one that opened,
/// and `rejected` still tells about the others.
#[derive(Debug)]
#[non_exhaustive]
pub struct Loaded<S = Session> {
    /// The session to hand to the handler.
    pub session: S,
    /// Why a cookie value was rejected, if one was.
    pub rejected: Option<SessionError>,
}

impl SessionCodec {
    /// How many values under the session cookie's name (and under each
    /// legacy source's name) one request may present to
    /// [`SessionCodec::load`]; with more, none is tried and none deleted.
    /// Same-name cookies come from different paths and domains, rarely
    /// more than two; the cap bounds what a request can make the server
    /// decrypt (100 values of 4 KiB cost 3.6 ms, 4 cost 0.15 ms).
    pub const MAX_CANDIDATES: usize = 4;

    /// A builder for a codec sealing with `keyring`'s primary key, with
    /// the secure defaults listed on [`SessionCodecBuilder`].
    ///
    /// ```
    /// use sealed_session::{Key, Keyring, SessionCodec};
    ///
    /// let codec = SessionCodec::builder(Keyring::new(1, &Key::from_bytes([1; 32]))).build()?;
    /// assert_eq!(codec.cookie_name(), "__Host-session");
    /// # Ok::<(), sealed_session::ConfigError>(())
    /// ```
    pub fn builder(keyring: Keyring) -> SessionCodecBuilder {
        SessionCodecBuilder::new(keyring)
    }

    /// The session cookie's name.
    #[must_use]
    pub fn cookie_name(&self) -> &str {
        &self.inner.attributes.name
    }

    /// The idle timeout (whole seconds).
    #[must_use]
    pub fn idle_timeout(&self) -> Duration {
        Duration::from_secs(self.inner.idle)
    }

    /// The absolute timeout (whole seconds).
    #[must_use]
    pub fn absolute_timeout(&self) -> Duration {
        Duration::from_secs(self.inner.absolute)
    }

    /// The core codec underneath: the keyring and the options in force
    /// (`max_age` is the idle timeout, `max_text_len` what the cookie name
    /// leaves of 4096 bytes).
    #[must_use]
    pub fn core(&self) -> &Codec {
        &self.inner.codec
    }
}

//! Building a [`SessionCodec`]: every setting, with secure defaults, checked
//! once by [`SessionCodecBuilder::build`].

use alloc::sync::Arc;
use core::fmt;
use core::marker::PhantomData;
use core::time::Duration;

use sealed_session_core::{Codec, Compression, Keyring, Options};

use super::{Inner, SessionCodec};
use crate::cookie::{Attributes, MAX_COOKIE_LEN, SameSite};
use crate::error::ConfigError;
use crate::legacy::{Legacy, LegacySource};
use crate::random::{OsRandom, SecureRandom};
use crate::revocation::Revocations;
use crate::session::Limit;
use crate::time::{Clock, SystemClock};

const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);
const DEFAULT_ABSOLUTE_TIMEOUT: Duration = Duration::from_secs(7 * 24 * 60 * 60);
const DEFAULT_REFRESH: Refresh = Refresh::After(Duration::from_secs(60));

/// When an unchanged session's cookie is sealed again with a new issue
/// time, which is what keeps an active user's session inside the idle
/// timeout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Refresh {
    /// On every response (that does not fail: see
    /// [`SessionCodec::finish`]).
    EachRequest,
    /// On every response for a permanent session (one whose cookie has a
    /// `Max-Age`); any other session is sealed again only when it changes,
    /// so its idle timeout counts from its last change. Flask's
    /// `SESSION_REFRESH_EACH_REQUEST` (on by default), which refreshes
    /// permanent sessions only: what the Flask interface uses.
    EachRequestIfPermanent,
    /// When the cookie is at least this old: bounds the extra `Set-Cookie`
    /// headers of a busy session to one per interval. The idle timeout then
    /// counts from the last request, give or take the interval.
    After(Duration),
    /// Never: the idle timeout counts from the last change of the session.
    Never,
}

/// The format [`SessionCodec::seal`] and [`SessionCodec::save`] write for
/// JSON sessions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SealFormat {
    /// Envelope v1: key id, issue time, expiry, bound to the cookie name.
    #[default]
    V1,
    /// The Python EncryptedSession format, for while a Flask app that uses
    /// that package must still read the cookies this service writes.
    ///
    /// **Risk**: that format carries no time, no key id and no name binding.
    /// Its cookies have no server-side expiry at all (neither the idle nor
    /// the absolute timeout can be checked: only the browser's `Max-Age`
    /// ends them, and a captured cookie replays for as long as the key is
    /// accepted), they cannot be rotated to another key, and its
    /// compression flag is outside the tag. Needs
    /// [`Legacy::encrypted_session`] in the builder.
    Legacy,
}

/// Configures a [`SessionCodec`]; start with [`SessionCodec::builder`].
///
/// Every default is the secure choice:
///
/// | setting | default |
/// |---|---|
/// | [`cookie_name`](Self::cookie_name) | `__Host-session`: the browser then refuses it from a sibling subdomain or over plain HTTP |
/// | [`secure`](Self::secure), [`http_only`](Self::http_only) | on |
/// | [`same_site`](Self::same_site) | `Lax` |
/// | [`path`](Self::path), [`domain`](Self::domain) | `/`, none (a host-only cookie) |
/// | [`idle_timeout`](Self::idle_timeout) | 24 hours ([`Self::DEFAULT_IDLE_TIMEOUT`]) |
/// | [`absolute_timeout`](Self::absolute_timeout) | 7 days ([`Self::DEFAULT_ABSOLUTE_TIMEOUT`]) |
/// | [`refresh`](Self::refresh) | after a minute ([`Self::DEFAULT_REFRESH`]) |
/// | [`compression`](Self::compression) | never |
/// | [`pad_to_multiple_of`](Self::pad_to_multiple_of) | no padding |
/// | [`clock`](Self::clock), [`random`](Self::random) | the system clock, fork-safe OS randomness |
///
/// [`build`](Self::build) checks the whole configuration once and names the
/// setting at fault; a codec that was built never fails for configuration
/// reasons afterwards.
///
/// ```
/// use std::time::Duration;
/// use sealed_session::{Key, Keyring, SameSite, SessionCodec};
///
/// let keyring = Keyring::new(1, &Key::from_bytes([1; 32]));
/// let codec = SessionCodec::builder(keyring)
///     .idle_timeout(Duration::from_secs(3600))
///     .same_site(SameSite::Strict)
///     .build()?;
/// assert_eq!(codec.cookie_name(), "__Host-session");
/// # Ok::<(), sealed_session::ConfigError>(())
/// ```
///
/// # One builder for every integration
///
/// The builder is generic over what it builds: a [`SessionCodec`] by
/// default, or anything made from one (`T: From<SessionCodec>`), so that
/// the framework crates (the tower layer, the actix-web middleware…) hand
/// out this same builder, with these same setting names, instead of
/// copies of it.
///
/// ```
/// use sealed_session::{Key, Keyring, SessionCodec, SessionCodecBuilder};
///
/// /// A framework's middleware, configured by the std builder.
/// struct Middleware { codec: SessionCodec }
///
/// impl From<SessionCodec> for Middleware {
///     fn from(codec: SessionCodec) -> Self { Self { codec } }
/// }
///
/// let middleware: Middleware = SessionCodecBuilder::new(Keyring::new(1, &Key::from_bytes([1; 32])))
///     .cookie_name("__Host-app")
///     .build()?;
/// assert_eq!(middleware.codec.cookie_name(), "__Host-app");
/// # Ok::<(), sealed_session::ConfigError>(())
/// ```
#[must_use = "a builder does nothing until `build` is called"]
pub struct SessionCodecBuilder<T = SessionCodec> {
    keyring: Keyring,
    attributes: Attributes,
    context: Option<Vec<u8>>,
    idle: Duration,
    absolute: Duration,
    refresh: Option<Refresh>,
    compression: Compression,
    padding: usize,
    max_plaintext_len: usize,
    clock_skew: Duration,
    legacy: Vec<Legacy>,
    seal_format: SealFormat,
    clock: Arc<dyn Clock>,
    random: Arc<dyn SecureRandom>,
    revocations: Option<Arc<dyn Revocations>>,
    output: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for SessionCodecBuilder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionCodecBuilder")
            .field("keyring", &self.keyring)
            .field("cookie_name", &self.attributes.name)
            .field("idle", &self.idle)
            .field("absolute", &self.absolute)
            .finish_non_exhaustive()
    }
}

impl SessionCodecBuilder {
    /// The default idle timeout: a session unused for a day is over.
    pub const DEFAULT_IDLE_TIMEOUT: Duration = DEFAULT_IDLE_TIMEOUT;
    /// The default absolute timeout: a session is over a week after it was
    /// created (or regenerated, at login), however often it was used.
    pub const DEFAULT_ABSOLUTE_TIMEOUT: Duration = DEFAULT_ABSOLUTE_TIMEOUT;
    /// The default [`Refresh`]: an unchanged session is sealed again once
    /// its cookie is a minute old.
    pub const DEFAULT_REFRESH: Refresh = DEFAULT_REFRESH;
}

impl<T: From<SessionCodec>> SessionCodecBuilder<T> {
    /// A builder with the defaults above, for a codec sealing with
    /// `keyring`'s primary key; [`SessionCodec::builder`] is the same for
    /// `T` = [`SessionCodec`].
    pub fn new(keyring: Keyring) -> Self {
        Self {
            keyring,
            attributes: Attributes::new(),
            context: None,
            idle: DEFAULT_IDLE_TIMEOUT,
            absolute: DEFAULT_ABSOLUTE_TIMEOUT,
            refresh: None,
            compression: Compression::Never,
            padding: 0,
            max_plaintext_len: Options::new().max_plaintext_len(),
            clock_skew: Duration::from_secs(Options::new().clock_skew()),
            legacy: Vec::new(),
            seal_format: SealFormat::V1,
            clock: Arc::new(SystemClock),
            random: Arc::new(OsRandom),
            revocations: None,
            output: PhantomData,
        }
    }

    /// The cookie's name; also the context the cookie is bound to, unless
    /// [`context`](Self::context) says otherwise. Default `__Host-session`.
    ///
    /// A `__Host-` name (any case) makes browsers refuse the cookie unless it
    /// is `Secure`, has `Path=/` and no `Domain`, which stops a sibling
    /// subdomain or a plain-HTTP page from planting or overwriting it. Flask
    /// apps sharing the session set Flask's name, `session`, on both sides.
    pub fn cookie_name(mut self, name: impl Into<String>) -> Self {
        self.attributes.name = name.into();
        self
    }

    /// Binds cookies to `context` instead of the cookie's name: a cookie
    /// opens only under the same context. Useful to share one cookie name
    /// between services that must not read each other's sessions
    /// (different contexts), or to keep sessions valid across a rename.
    pub fn context(mut self, context: impl Into<Vec<u8>>) -> Self {
        self.context = Some(context.into());
        self
    }

    /// The `Path` attribute. Default `/`. At most 1024 bytes.
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.attributes.path = path.into();
        self
    }

    /// The `Domain` attribute. Default none: the cookie goes back to this
    /// host only. Setting one shares the cookie with every subdomain, and
    /// every subdomain can then plant cookies under its name: only with a
    /// name without the `__Host-` prefix, and only when you trust them all.
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.attributes.domain = Some(domain.into());
        self
    }

    /// The `Secure` attribute. Default on. Off only for local development
    /// over plain HTTP (and then with a name without a `__Host-` or
    /// `__Secure-` prefix): without it the cookie travels in clear text.
    pub fn secure(mut self, secure: bool) -> Self {
        self.attributes.secure = secure;
        self
    }

    /// The `HttpOnly` attribute. Default on: scripts in the page cannot
    /// read the cookie.
    pub fn http_only(mut self, http_only: bool) -> Self {
        self.attributes.http_only = http_only;
        self
    }

    /// The `SameSite` attribute. Default [`SameSite::Lax`].
    pub fn same_site(mut self, same_site: SameSite) -> Self {
        self.attributes.same_site = same_site;
        self
    }

    /// The `Partitioned` attribute (CHIPS), for a session inside a
    /// third-party frame. Default off. Needs `Secure`.
    pub fn partitioned(mut self, partitioned: bool) -> Self {
        self.attributes.partitioned = partitioned;
        self
    }

    /// How long a session may go unused: a cookie sealed longer ago is
    /// rejected as `Expired`, and a permanent session's cookie gets this
    /// `Max-Age`. One setting for both, so the browser and the server agree.
    /// Default 24 hours. Whole seconds; at least one second, at most the
    /// absolute timeout.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle = timeout;
        self
    }

    /// How long a session may live at all, counted from its creation (or
    /// its last [`Session::regenerate`](crate::Session::regenerate), at
    /// login), however often it was refreshed: a stolen cookie that is used
    /// every hour still dies at this age. Default 7 days.
    pub fn absolute_timeout(mut self, timeout: Duration) -> Self {
        self.absolute = timeout;
        self
    }

    /// When an unchanged session is sealed again; see [`Refresh`]. Default
    /// [`Self::DEFAULT_REFRESH`] (or half the idle timeout, when that is
    /// shorter).
    pub fn refresh(mut self, refresh: Refresh) -> Self {
        self.refresh = Some(refresh);
        self
    }

    /// Whether to compress plaintexts. Default [`Compression::Never`].
    ///
    /// **Risk**: with compression, a cookie's length depends on how much of
    /// its content repeats. A session holding a secret (a CSRF token, an
    /// id) together with anything an attacker can influence (a search term,
    /// a "last viewed" list) then leaks the secret to anyone who can watch
    /// the lengths of the cookies set for it and make the victim's browser
    /// send requests: guessing one character at a time and keeping the
    /// guess that made the cookie shorter recovers a 128-bit token in a few
    /// thousand requests (the CRIME and BREACH attacks). Turn it on only
    /// for sessions that never hold a secret next to attacker-chosen data.
    pub fn compression(mut self, compression: Compression) -> Self {
        self.compression = compression;
        self
    }

    /// Pads every JSON session's plaintext with spaces (which JSON ignores)
    /// up to a multiple of `block` bytes, so that small differences in the
    /// session's content do not show in the cookie's length: within one
    /// block, every session has the same length. Costs up to `block - 1`
    /// bytes of plaintext per cookie (4/3 as many characters). Default 0,
    /// no padding. Not with compression (spaces compress away).
    pub fn pad_to_multiple_of(mut self, block: usize) -> Self {
        self.padding = block;
        self
    }

    /// The largest plaintext a cookie may carry, after decompression.
    /// Default 64 KiB (no cookie comes near: they are at most 4096 bytes).
    pub fn max_plaintext_len(mut self, len: usize) -> Self {
        self.max_plaintext_len = len;
        self
    }

    /// How far in the future a cookie's issue time may lie before it is
    /// rejected: the clock difference tolerated between servers. Default 60
    /// seconds.
    pub fn clock_skew(mut self, skew: Duration) -> Self {
        self.clock_skew = skew;
        self
    }

    /// Also accepts cookies of a legacy format (the Python EncryptedSession
    /// package's, or Flask's default signed cookie) under their own cookie
    /// name, until an end date, and answers with an envelope v1 cookie: the
    /// user stays logged in. See [`Legacy`].
    pub fn accept_legacy(mut self, legacy: Legacy) -> Self {
        self.legacy.push(legacy);
        self
    }

    /// The format written for JSON sessions; default [`SealFormat::V1`]. See
    /// [`SealFormat::Legacy`] for what the legacy format risks.
    pub fn seal_format(mut self, format: SealFormat) -> Self {
        self.seal_format = format;
        self
    }

    /// The time source. Default [`SystemClock`]; tests pass a
    /// [`ManualClock`](crate::ManualClock) in an `Arc`.
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The source of nonces and session ids. Default
    /// [`OsRandom`](crate::OsRandom), which is fork-safe.
    pub fn random(mut self, random: impl SecureRandom) -> Self {
        self.random = Arc::new(random);
        self
    }

    /// Checks every opened session against a revocation list: a session
    /// revoked by [`SessionCodec::revoke`] (logout) or
    /// [`SessionCodec::revoke_subject`] (sign-out-everywhere) is rejected
    /// like an expired one, with [`SessionError::Revoked`](crate::SessionError::Revoked);
    /// a list that cannot vouch for itself (Redis down past its window)
    /// fails closed. [`MemoryRevocations`](crate::MemoryRevocations) for one
    /// instance; `sealed-session-redis` for a fleet. Default: none.
    pub fn revocations(mut self, list: Arc<dyn Revocations>) -> Self {
        self.revocations = Some(list);
        self
    }

    /// Checks the configuration and builds the codec.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the setting at fault:
    /// - `cookie_name`: not an RFC 6265 token, or too long to leave room for
    ///   a value;
    /// - `path`: not starting with `/`, not visible ASCII, contains `;`, or
    ///   over 1024 bytes; not `/` for a `__Host-` name;
    /// - `domain`: not a host name, or over 1024 bytes; any domain for a
    ///   `__Host-` name;
    /// - `secure`: off for a `__Host-` or `__Secure-` name (any case);
    /// - `same_site`: `None` without `Secure`;
    /// - `partitioned`: without `Secure`;
    /// - `idle_timeout`: under one second, or longer than the absolute
    ///   timeout;
    /// - `absolute_timeout`: under one second;
    /// - `refresh`: an interval not shorter than the idle timeout (the
    ///   session would expire before it is refreshed);
    /// - `pad_to_multiple_of`: over 4096, or together with compression;
    /// - `max_plaintext_len`: zero;
    /// - `accept_legacy`: see [`Legacy`] (no end date, an end date before
    ///   the start, a bad cookie name, two sources under one name…);
    /// - `seal_format`: [`SealFormat::Legacy`] without an EncryptedSession
    ///   key.
    pub fn build(self) -> Result<T, ConfigError> {
        self.build_codec().map(T::from)
    }
}

impl<T> SessionCodecBuilder<T> {
    fn build_codec(self) -> Result<SessionCodec, ConfigError> {
        self.attributes
            .check()
            .map_err(|(setting, reason)| ConfigError::new(setting, reason))?;
        let idle = self.idle.as_secs();
        let absolute = self.absolute.as_secs();
        if absolute == 0 {
            return Err(ConfigError::new("absolute_timeout", "at least one second"));
        }
        if idle == 0 {
            return Err(ConfigError::new("idle_timeout", "at least one second"));
        }
        if idle > absolute {
            return Err(ConfigError::new(
                "idle_timeout",
                format!(
                    "{idle} s is longer than the absolute timeout ({absolute} s); \
                     raise `absolute_timeout` too"
                ),
            ));
        }
        let refresh = self.refresh.unwrap_or(match DEFAULT_REFRESH {
            Refresh::After(interval) if interval.as_secs() >= idle => {
                Refresh::After(Duration::from_secs(idle / 2))
            }
            default => default,
        });
        if let Refresh::After(interval) = refresh
            && interval.as_secs() >= idle
        {
            return Err(ConfigError::new(
                "refresh",
                format!(
                    "refreshing after {} s, a session would expire first (idle timeout \
                     {idle} s); use a shorter interval or Refresh::Never",
                    interval.as_secs()
                ),
            ));
        }
        if self.padding > MAX_COOKIE_LEN {
            return Err(ConfigError::new(
                "pad_to_multiple_of",
                "a block over 4096 bytes makes every cookie too large",
            ));
        }
        if self.padding > 1 && self.compression != Compression::Never {
            return Err(ConfigError::new(
                "pad_to_multiple_of",
                "padding is spaces, which compression removes: choose one",
            ));
        }
        if self.max_plaintext_len == 0 {
            return Err(ConfigError::new("max_plaintext_len", "at least one byte"));
        }
        let mut sources = Vec::with_capacity(self.legacy.len());
        for legacy in self.legacy {
            let source = legacy.check(self.attributes.secure, self.compression)?;
            if sources
                .iter()
                .any(|other: &LegacySource| other.cookie_name == source.cookie_name)
            {
                return Err(ConfigError::new(
                    "accept_legacy",
                    format!(
                        "two legacy sources read the cookie `{}`",
                        source.cookie_name
                    ),
                ));
            }
            sources.push(source);
        }
        if self.seal_format == SealFormat::Legacy
            && !sources.iter().any(LegacySource::is_encrypted_session)
        {
            return Err(ConfigError::new(
                "seal_format",
                "SealFormat::Legacy writes with the EncryptedSession key: add \
                 `accept_legacy(Legacy::encrypted_session(..))`",
            ));
        }
        // Name plus value at most 4096 bytes: the value's share.
        let max_text_len = MAX_COOKIE_LEN - self.attributes.name.len();
        let options = Options::new()
            .with_compression(self.compression)
            .with_max_plaintext_len(self.max_plaintext_len)
            .with_max_text_len(max_text_len)
            .with_max_age(Some(idle))
            .with_clock_skew(self.clock_skew.as_secs());
        // The largest payload whose cookie (name and value) fits.
        let mut max_payload = self.max_plaintext_len.min(max_text_len);
        while max_payload > 0 && Codec::seal_len(max_payload) > max_text_len {
            max_payload -= 1;
        }
        let context = self
            .context
            .unwrap_or_else(|| self.attributes.name.as_bytes().to_vec());
        Ok(SessionCodec {
            inner: Arc::new(Inner {
                codec: Codec::new(self.keyring, options),
                attributes: self.attributes,
                context,
                idle,
                absolute,
                refresh,
                padding: self.padding,
                limit: Limit {
                    max_payload,
                    padding: self.padding,
                },
                seal_format: self.seal_format,
                legacy: sources,
                clock: self.clock,
                random: self.random,
                revocations: self.revocations,
            }),
        })
    }
}

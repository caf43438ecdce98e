//! Legacy formats: reading the cookies of the Python EncryptedSession
//! package (and, with feature `flask`, Flask's default signed cookie; with
//! feature `starlette`, Starlette's `SessionMiddleware` cookie) until
//! an end date, migrating them to envelope v1, and writing the
//! EncryptedSession format for a Flask app that still needs it.

#[cfg(feature = "flask")]
pub mod flask;
#[cfg(feature = "starlette")]
pub mod starlette;

use core::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

#[cfg(feature = "legacy")]
use sealed_session_core::legacy::LegacyCodec;
#[cfg(feature = "legacy")]
use sealed_session_core::{Key, Options};
use zeroize::Zeroizing;

use crate::cookie::{check_domain, check_name, check_path};
use crate::error::{ConfigError, SessionError};
use crate::json;
use crate::session::{State, take_permanent};

/// A legacy cookie format to accept, under one cookie name, from a start
/// date until an end date: for migrating a Flask app's users to envelope v1
/// cookies without logging anyone out. Give it to
/// [`SessionCodecBuilder::accept_legacy`](crate::SessionCodecBuilder::accept_legacy).
///
/// Legacy cookies carry no time, so a captured one would replay forever.
/// Acceptance is therefore bounded twice:
/// - **until** an end date: from then on, such cookies are rejected
///   ([`SessionError::LegacyNoLongerAccepted`]), unopened;
/// - by the **absolute timeout**: a session migrated from a legacy cookie
///   counts as created when the migration started ([`Legacy::since`]),
///   never "now", so every captured legacy cookie dies at
///   `since + absolute timeout` at the latest, however often it is
///   replayed.
///
/// It is bound to **one cookie name** (Flask's default is `session`); a
/// legacy cookie under any other name is not even looked at. When that
/// name differs from the codec's own cookie name, the codec deletes the
/// legacy cookie once it has answered with a v1 cookie.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use sealed_session::{Key, Keyring, Legacy, SessionCodec};
///
/// let flask_key = Key::parse("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")?;
/// let started = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
/// let codec = SessionCodec::builder(Keyring::new(1, &Key::from_bytes([9; 32])))
///     .accept_legacy(
///         Legacy::encrypted_session(&flask_key)
///             .cookie_name("session")
///             .since(started)
///             .until(started + Duration::from_secs(30 * 24 * 3600)),
///     )
///     .build()?;
/// # let _ = codec;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Legacy {
    kind: Kind,
    /// `fallback` was called on a format without fallback keys.
    misused_fallback: bool,
    cookie_name: String,
    path: String,
    domain: Option<String>,
    since: Option<SystemTime>,
    until: Option<SystemTime>,
}

enum Kind {
    #[cfg(feature = "legacy")]
    EncryptedSession(Box<LegacyCodec>),
    #[cfg(feature = "flask")]
    FlaskSigned {
        /// A refused key is kept as its error, for `build()` to report.
        verifier: Result<crate::flask::FlaskVerifier, sealed_session_core::Error>,
        max_age: u64,
    },
    #[cfg(feature = "starlette")]
    StarletteSigned {
        /// A refused key is kept as its error, for `build()` to report.
        verifier: Result<starlette::StarletteVerifier, sealed_session_core::Error>,
        max_age: u64,
    },
}

impl fmt::Debug for Legacy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Legacy")
            .field("format", &self.kind.name())
            .field("cookie_name", &self.cookie_name)
            .field("since", &self.since)
            .field("until", &self.until)
            .finish_non_exhaustive()
    }
}

impl Kind {
    const fn name(&self) -> &'static str {
        match *self {
            #[cfg(feature = "legacy")]
            Self::EncryptedSession(_) => "EncryptedSession",
            #[cfg(feature = "flask")]
            Self::FlaskSigned { .. } => "Flask signed",
            #[cfg(feature = "starlette")]
            Self::StarletteSigned { .. } => "Starlette signed",
        }
    }
}

impl Legacy {
    /// Cookies of the Python EncryptedSession package (feature `legacy`, on
    /// by default)
    /// (`u|z.<ciphertext>.<tag>.<nonce>`), under its 32-byte `crypto_key`.
    /// Their JSON's byte strings (`{"__type__": "bytes", "b": …}`) become
    /// Flask's `{" b": …}`, the convention of this crate.
    ///
    /// Set [`cookie_name`](Self::cookie_name), [`since`](Self::since) and
    /// [`until`](Self::until).
    ///
    /// With [`SealFormat::Legacy`](crate::SealFormat::Legacy), this format
    /// is also written, compressed only as the builder's
    /// [`compression`](crate::SessionCodecBuilder::compression) says:
    /// never by default. The Python package itself compresses JSON over
    /// 1024 bytes; `.compression(Compression::Above(1024))` does the same,
    /// and the package reads both. **Risk** of that opt-in: the cookie's
    /// length then depends on how well the session compresses, and an
    /// attacker who can put chosen text into the session beside a secret
    /// and watch the cookie's length recovers the secret a character at a
    /// time (the test `length_oracle_the_legacy_format_leaks_as_the_python_package_does`
    /// does it).
    #[cfg(feature = "legacy")]
    pub fn encrypted_session(key: &Key) -> Self {
        Self::new(Kind::EncryptedSession(Box::new(LegacyCodec::new(
            key,
            Options::new(),
        ))))
    }

    /// Flask's default session cookie (`SecureCookieSessionInterface`:
    /// itsdangerous, HMAC-SHA1, signed but not encrypted), verified under
    /// `SECRET_KEY` (see [`FlaskVerifier`](crate::flask::FlaskVerifier))
    /// and, with [`fallback`](Self::fallback), each of
    /// `SECRET_KEY_FALLBACKS`. `max_age` is the app's
    /// `PERMANENT_SESSION_LIFETIME`: Flask rejects an older signature, and
    /// so does this. Feature `flask`. Such cookies are never written.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use sealed_session::{Key, Keyring, Legacy, ManualClock, SessionCodec};
    ///
    /// let started = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    /// let codec = SessionCodec::builder(Keyring::new(1, &Key::from_bytes([4; 32])))
    ///     .clock(ManualClock::new(1_700_000_060))
    ///     .accept_legacy(
    ///         Legacy::flask_signed(b"flask-secret-key", Duration::from_secs(31 * 86_400))
    ///             .fallback(b"older-secret")
    ///             .since(started)
    ///             .until(started + Duration::from_secs(31 * 86_400)),
    ///     )
    ///     .build()?;
    /// // Set by Flask 3.1.3 for `session["user_id"] = 42; session["name"] = "alice"`.
    /// let cookie = "session=eyJuYW1lIjoiYWxpY2UiLCJ1c2VyX2lkIjo0Mn0.ZVPxAA.foMl2JBijlnMXZcmO-9UntPZxy8";
    /// let session = codec.load([cookie]).session;
    /// assert_eq!(session.get::<u64>("user_id")?, Some(42));
    /// assert_eq!(session.get::<String>("name")?.as_deref(), Some("alice"));
    /// // Answered with a v1 cookie, and Flask's cookie deleted.
    /// let saved = codec.save(&session)?;
    /// assert!(saved.session_cookie.set_cookie().unwrap().starts_with("__Host-session=AQAB"));
    /// assert!(saved.legacy_cookie.unwrap().starts_with("session=; Path=/"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "flask")]
    pub fn flask_signed(secret_key: &[u8], max_age: core::time::Duration) -> Self {
        Self::new(Kind::FlaskSigned {
            verifier: crate::flask::FlaskVerifier::new(secret_key),
            max_age: max_age.as_secs(),
        })
    }

    /// The cookie of Starlette's (and FastAPI's) `SessionMiddleware`
    /// (itsdangerous' `TimestampSigner`, HMAC-SHA1, signed but not
    /// encrypted), verified under its `secret_key` (see
    /// [`StarletteVerifier`](crate::starlette::StarletteVerifier)).
    /// `max_age` is the middleware's `max_age` (14 days by default):
    /// Starlette rejects an older signature, and so does this. Starlette's
    /// cookie name is `session` too, the default of
    /// [`cookie_name`](Self::cookie_name). Feature `starlette`. Such
    /// cookies are never written.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use sealed_session::{Key, Keyring, Legacy, ManualClock, SessionCodec};
    ///
    /// let started = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    /// let codec = SessionCodec::builder(Keyring::new(1, &Key::from_bytes([4; 32])))
    ///     .clock(ManualClock::new(1_700_000_060))
    ///     .accept_legacy(
    ///         Legacy::starlette_signed(b"starlette-secret-key", Duration::from_secs(14 * 86_400))
    ///             .since(started)
    ///             .until(started + Duration::from_secs(14 * 86_400)),
    ///     )
    ///     .build()?;
    /// // Set by Starlette 1.10 for `request.session.update({"user_id": 42, "name": "alice"})`.
    /// let cookie = "session=eyJ1c2VyX2lkIjogNDIsICJuYW1lIjogImFsaWNlIn0=.ZVPxAA.vALEwFK2s4ghnBGplZ8dGuF5Bl4";
    /// let session = codec.load([cookie]).session;
    /// assert_eq!(session.get::<u64>("user_id")?, Some(42));
    /// assert_eq!(session.get::<String>("name")?.as_deref(), Some("alice"));
    /// // Answered with a v1 cookie, and Starlette's cookie deleted.
    /// let saved = codec.save(&session)?;
    /// assert!(saved.session_cookie.set_cookie().unwrap().starts_with("__Host-session=AQAB"));
    /// assert!(saved.legacy_cookie.unwrap().starts_with("session=; Path=/"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "starlette")]
    pub fn starlette_signed(secret_key: &[u8], max_age: core::time::Duration) -> Self {
        Self::new(Kind::StarletteSigned {
            verifier: starlette::StarletteVerifier::new(secret_key),
            max_age: max_age.as_secs(),
        })
    }

    /// Another secret key that may have signed a Flask cookie
    /// (`SECRET_KEY_FALLBACKS`), for [`Legacy::flask_signed`]. `build()`
    /// refuses it for any other legacy format, and refuses an empty key or
    /// more than [`FlaskVerifier::MAX_FALLBACKS`](crate::flask::FlaskVerifier::MAX_FALLBACKS).
    #[cfg(feature = "flask")]
    pub fn fallback(mut self, secret_key: &[u8]) -> Self {
        match &mut self.kind {
            Kind::FlaskSigned { verifier, .. } => {
                let taken = core::mem::replace(
                    verifier,
                    Err(sealed_session_core::Error::new(
                        sealed_session_core::ErrorKind::InvalidKey,
                    )),
                );
                *verifier = taken.and_then(|verifier| verifier.with_fallback(secret_key));
            }
            #[cfg(feature = "legacy")]
            Kind::EncryptedSession(_) => self.misused_fallback = true,
            #[cfg(feature = "starlette")]
            Kind::StarletteSigned { .. } => self.misused_fallback = true,
        }
        self
    }

    #[cfg_attr(not(any(feature = "legacy", feature = "flask")), allow(dead_code))]
    fn new(kind: Kind) -> Self {
        Self {
            kind,
            misused_fallback: false,
            cookie_name: "session".to_owned(),
            path: "/".to_owned(),
            domain: None,
            since: None,
            until: None,
        }
    }

    /// The one cookie name legacy cookies are read from. Default `session`,
    /// Flask's default `SESSION_COOKIE_NAME`.
    pub fn cookie_name(mut self, name: impl Into<String>) -> Self {
        self.cookie_name = name.into();
        self
    }

    /// The legacy cookie's `Path`, to delete it (Flask's
    /// `SESSION_COOKIE_PATH`). Default `/`.
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// The legacy cookie's `Domain`, to delete it (Flask's
    /// `SESSION_COOKIE_DOMAIN`). Default none.
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// When the migration started: the creation time of every session
    /// migrated from a legacy cookie, which the absolute timeout counts
    /// from. Required.
    pub fn since(mut self, started: SystemTime) -> Self {
        self.since = Some(started);
        self
    }

    /// The end date: legacy cookies are rejected from then on. Required.
    pub fn until(mut self, end: SystemTime) -> Self {
        self.until = Some(end);
        self
    }

    /// Checks the configuration; `secure` is the codec's own `Secure`
    /// attribute, which the deletion of the legacy cookie carries too.
    // Without either legacy feature, `Kind` has no variant: nothing after
    // its match is reachable, and no `Legacy` can exist.
    #[cfg_attr(
        not(any(feature = "legacy", feature = "flask")),
        allow(unreachable_code, clippy::needless_pass_by_value)
    )]
    #[cfg_attr(not(feature = "legacy"), allow(unused_variables))]
    pub(crate) fn check(
        self,
        secure: bool,
        compression: sealed_session_core::Compression,
    ) -> Result<LegacySource, ConfigError> {
        let bad = |why: &str| ConfigError::new("accept_legacy", why);
        if self.misused_fallback {
            return Err(bad("`fallback` keys are for `Legacy::flask_signed` only"));
        }
        let kind = match self.kind {
            #[cfg(feature = "flask")]
            Kind::FlaskSigned { verifier, max_age } => Kind::FlaskSigned {
                verifier: Ok(verifier.map_err(|error| {
                    bad(match error.kind() {
                        sealed_session_core::ErrorKind::KeyringFull => {
                            "more Flask fallback keys than FlaskVerifier::MAX_FALLBACKS"
                        }
                        _ => "an empty Flask secret key: anyone could sign with it",
                    })
                })?),
                max_age,
            },
            #[cfg(feature = "starlette")]
            Kind::StarletteSigned { verifier, max_age } => Kind::StarletteSigned {
                verifier: Ok(verifier.map_err(|_| {
                    bad("an empty Starlette secret key: anyone could sign with it")
                })?),
                max_age,
            },
            // The writer (SealFormat::Legacy) compresses as the builder
            // says; the reader accepts both flags whatever it says.
            #[cfg(feature = "legacy")]
            Kind::EncryptedSession(codec) => Kind::EncryptedSession(Box::new(
                codec.with_options(Options::new().with_compression(compression)),
            )),
        };
        check_legacy_attributes(&self.cookie_name, &self.path, self.domain.as_deref())?;
        let since = self.since.ok_or_else(|| {
            bad("set `since`: the start of the migration, which migrated sessions count as their creation")
        })?;
        let until = self.until.ok_or_else(|| {
            bad("set `until`: legacy cookies carry no time, so their acceptance must end")
        })?;
        let seconds = |time: SystemTime| {
            time.duration_since(UNIX_EPOCH)
                .map(|elapsed| elapsed.as_secs())
                .map_err(|_| bad("a date before 1970"))
        };
        let (since, until) = (seconds(since)?, seconds(until)?);
        if until <= since {
            return Err(bad("`until` must come after `since`"));
        }
        Ok(LegacySource {
            kind,
            cookie_name: self.cookie_name,
            path: self.path,
            domain: self.domain,
            secure,
            since,
            until,
        })
    }
}

/// A checked [`Legacy`], inside a built codec.
pub(crate) struct LegacySource {
    kind: Kind,
    pub(crate) cookie_name: String,
    path: String,
    domain: Option<String>,
    secure: bool,
    since: u64,
    pub(crate) until: u64,
}

impl fmt::Debug for LegacySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LegacySource")
            .field("format", &self.kind.name())
            .field("cookie_name", &self.cookie_name)
            .field("since", &self.since)
            .field("until", &self.until)
            .finish_non_exhaustive()
    }
}

impl LegacySource {
    pub(crate) const fn is_encrypted_session(&self) -> bool {
        #[cfg(feature = "legacy")]
        return matches!(self.kind, Kind::EncryptedSession(_));
        #[cfg(not(feature = "legacy"))]
        false
    }

    /// The EncryptedSession codec, for writing that format.
    #[cfg(feature = "legacy")]
    pub(crate) const fn encrypted_session(&self) -> Option<&LegacyCodec> {
        match &self.kind {
            Kind::EncryptedSession(codec) => Some(codec),
            #[cfg(feature = "flask")]
            Kind::FlaskSigned { .. } => None,
            #[cfg(feature = "starlette")]
            Kind::StarletteSigned { .. } => None,
        }
    }

    /// Opens a legacy cookie value at `now`: its members in this crate's
    /// JSON convention, and the state of a session migrated from it
    /// (`migrating`: the codec writes v1, so the session counts as created
    /// at the migration's start and is checked against `absolute`).
    #[cfg_attr(
        not(any(feature = "legacy", feature = "flask")),
        allow(unreachable_code, unused_variables)
    )]
    pub(crate) fn open(
        &self,
        value: &str,
        now: u64,
        migrating: bool,
        absolute: u64,
    ) -> Result<(json::Entries, State), SessionError> {
        // The browser's rule, before any work, as for envelope v1: a value
        // that with its name exceeds 4096 bytes was never a cookie (found
        // by the `authentic_garbage` fuzz target: `open` refused such a
        // value as too large, `open_legacy` decrypted it).
        if value.len().saturating_add(self.cookie_name.len()) > crate::cookie::MAX_COOKIE_LEN {
            return Err(SessionError::from(sealed_session_core::ErrorKind::TooLarge));
        }
        if now >= self.until {
            return Err(SessionError::LegacyNoLongerAccepted);
        }
        let (plaintext, from_python): (Zeroizing<Vec<u8>>, bool) = match self.kind {
            #[cfg(feature = "legacy")]
            Kind::EncryptedSession(ref codec) => (Zeroizing::new(codec.open_to_vec(value)?), true),
            #[cfg(feature = "flask")]
            Kind::FlaskSigned {
                ref verifier,
                max_age,
            } => {
                let verifier = verifier
                    .as_ref()
                    .map_err(|_| SessionError::from(sealed_session_core::ErrorKind::InvalidKey))?;
                let payload = verifier.verify(value, now, max_age)?;
                (payload.into_json(), false)
            }
            #[cfg(feature = "starlette")]
            Kind::StarletteSigned {
                ref verifier,
                max_age,
            } => {
                let verifier = verifier
                    .as_ref()
                    .map_err(|_| SessionError::from(sealed_session_core::ErrorKind::InvalidKey))?;
                let payload = verifier.verify(value, now, max_age)?;
                (payload.into_json(), false)
            }
        };
        // Authentic from here on: time, then parsing.
        if migrating && now.saturating_sub(self.since) > absolute {
            return Err(SessionError::LifetimeExceeded);
        }
        let mut entries = json::split(&plaintext)?;
        if from_python {
            json::from_python(&mut entries)?;
        }
        let permanent = take_permanent(&mut entries)?;
        let mut state = State::default();
        state.meta.permanent = permanent;
        if migrating {
            state.meta.created_at = Some(self.since);
        }
        state.reseal_advised = migrating;
        Ok((entries, state))
    }

    /// The `Set-Cookie` value that deletes the legacy cookie.
    pub(crate) fn delete_cookie(&self) -> String {
        let mut header = String::with_capacity(self.cookie_name.len() + 80);
        header.push_str(&self.cookie_name);
        header.push_str("=; Path=");
        header.push_str(&self.path);
        if let Some(domain) = &self.domain {
            header.push_str("; Domain=");
            header.push_str(domain);
        }
        if self.secure {
            header.push_str("; Secure");
        }
        header.push_str("; Max-Age=0; Expires=");
        header.push_str(crate::cookie::EXPIRED);
        header
    }
}

/// Checks a cookie name, path and domain given to a [`Legacy`] source.
fn check_legacy_attributes(
    name: &str,
    path: &str,
    domain: Option<&str>,
) -> Result<(), ConfigError> {
    let bad = |why: String| ConfigError::new("accept_legacy", why);
    check_name(name).map_err(|why| bad(format!("cookie name: {why}")))?;
    check_path(path).map_err(|why| bad(format!("path: {why}")))?;
    if let Some(domain) = domain {
        check_domain(domain).map_err(|why| bad(format!("domain: {why}")))?;
    }
    Ok(())
}

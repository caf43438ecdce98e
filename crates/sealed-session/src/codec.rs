//! The session codec: sessions to cookies and back, for a whole request.
//!
//! - [`builder`]: the configuration, checked once;
//! - [`legacy`]: the Python formats, accepted until an end date;
//! - [`response`]: what the response does with the cookie.

mod builder;
mod legacy;
mod response;

use alloc::sync::Arc;
use core::fmt;
use core::time::Duration;

use sealed_session_core::{Codec, ErrorKind, FixedNonce, Keyring};
use zeroize::Zeroizing;

pub use builder::{Refresh, SealFormat, SessionCodecBuilder};
pub use legacy::Legacy;
use legacy::LegacySource;
pub use response::{CookieOutcome, Finished, Outcome, Saved};

use crate::body::SessionBody;
use crate::cookie::{self, Attributes};
use crate::error::SessionError;
use crate::payload::{self, META_WITH_ID_LEN, Meta, SessionId};
use crate::random::SecureRandom;
use crate::session::{Session, State};
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
    seal_format: SealFormat,
    legacy: Vec<LegacySource>,
    clock: Arc<dyn Clock>,
    random: Arc<dyn SecureRandom>,
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

    /// Reads the session from a request's `Cookie` headers (HTTP/2 may send
    /// several; pass them all), never failing: see [`Loaded`]. For a
    /// [`TypedSession`], use [`SessionCodec::load_as`].
    ///
    /// The rule for several values under the session cookie's name
    /// (browsers send several when cookies with different paths or domains
    /// share a name, for example one planted by a sibling subdomain):
    /// - at most [`SessionCodec::MAX_CANDIDATES`] values are tried, which
    ///   bounds the work of a request; a request with more gets a new,
    ///   empty session, and nothing is deleted (one of them may be the
    ///   user's own), with `rejected` [`SessionError::AmbiguousSession`];
    /// - a value that fails never leads to a deletion while another one
    ///   opened;
    /// - when the values that open all carry the same session id, the most
    ///   recently sealed wins (a stale copy under another path);
    /// - when they carry **different** session ids, none wins: the request
    ///   gets a new, empty session, nothing is deleted, and `rejected` is
    ///   [`SessionError::AmbiguousSession`]. Otherwise an attacker who can
    ///   plant a cookie of their own beside the victim's (a sibling
    ///   subdomain, `Domain=`, a longer `Path`; impossible under the
    ///   default `__Host-` name) would log the victim into the attacker's
    ///   account.
    ///
    /// Then, if none opened, the legacy sources ([`Legacy`]) under their
    /// own names.
    ///
    /// ```
    /// use sealed_session::{ErrorKind, Key, Keyring, SessionCodec, SessionError};
    ///
    /// let codec = SessionCodec::builder(Keyring::new(1, &Key::from_bytes([2; 32]))).build()?;
    /// let loaded = codec.load(["__Host-session=AQABAAAAAGVT8QAJCQkJ; theme=dark"]);
    /// assert!(loaded.session.is_empty());
    /// assert_eq!(loaded.rejected, Some(SessionError::from(ErrorKind::Malformed)));
    /// // Saving the empty stand-in deletes the bad cookie.
    /// assert!(codec.save(&loaded.session)?.session_cookie.set_cookie().unwrap().contains("Max-Age=0"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn load<'h, I, H>(&self, cookie_headers: I) -> Loaded
    where
        I: IntoIterator<Item = &'h H>,
        H: AsRef<[u8]> + ?Sized + 'h,
    {
        self.load_as(cookie_headers)
    }

    /// [`SessionCodec::load`] for any kind of session ([`Session`] or
    /// [`TypedSession`]): the same rules, the same code. Legacy formats
    /// carry JSON, so a typed session never comes from one.
    ///
    /// ```
    /// use sealed_session::{Key, Keyring, SessionCodec, TypedSession};
    ///
    /// #[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
    /// struct Cart { items: Vec<u32> }
    ///
    /// let codec = SessionCodec::builder(Keyring::new(1, &Key::from_bytes([2; 32]))).build()?;
    /// let mut session = codec.load_as::<TypedSession<Cart>, _, str>([]).session;
    /// session.set(Cart { items: vec![7] });
    /// let value = codec.seal(&session)?;
    /// let cookie = format!("__Host-session={value}");
    /// let again = codec.load_as::<TypedSession<Cart>, _, _>([cookie.as_str()]).session;
    /// assert_eq!(again.get(), Some(&Cart { items: vec![7] }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn load_as<'h, S, I, H>(&self, cookie_headers: I) -> Loaded<S>
    where
        S: SessionBody,
        I: IntoIterator<Item = &'h H>,
        H: AsRef<[u8]> + ?Sized + 'h,
    {
        let headers: Vec<&[u8]> = cookie_headers.into_iter().map(AsRef::as_ref).collect();
        let now = self.inner.clock.now();
        let mut rejected = None;
        // One pass over the headers for the session's own name.
        let mut values: Vec<&str> =
            cookie::cookie_values(headers.iter().copied(), self.cookie_name())
                .take(Self::MAX_CANDIDATES + 1)
                .collect();
        // Values past the cap are neither tried nor deleted: one of them
        // may be the user's own.
        let mut ambiguous = values.len() > Self::MAX_CANDIDATES;
        values.truncate(Self::MAX_CANDIDATES);
        // A value under the session's own name was presented and failed.
        let mut own_rejected = false;
        let mut best: Option<S> = None;
        for &value in &values {
            match self.open_v1::<S>(value, now) {
                Ok(session) => match &best {
                    None => best = Some(session),
                    Some(held) if held.state().meta.id != session.state().meta.id => {
                        ambiguous = true;
                    }
                    Some(held) => {
                        if session.state().issued_at > held.state().issued_at {
                            best = Some(session);
                        }
                    }
                },
                Err(error) => {
                    own_rejected = true;
                    rejected = Some(error);
                }
            }
        }
        if ambiguous {
            best = None;
            rejected = Some(SessionError::AmbiguousSession);
        }
        let migrating = self.inner.seal_format == SealFormat::V1;
        let mut legacy_cookie = None;
        for (index, source) in self.inner.legacy.iter().enumerate() {
            let shares_name = source.cookie_name == self.inner.attributes.name;
            for value in cookie::cookie_values(headers.iter().copied(), &source.cookie_name)
                .take(Self::MAX_CANDIDATES)
            {
                if !shares_name {
                    legacy_cookie = Some(index);
                }
                // v1 values were tried above; legacy values have dots.
                if ambiguous || best.is_some() || (shares_name && !value.contains('.')) {
                    continue;
                }
                let opened = source
                    .open(value, now, migrating, self.inner.absolute)
                    .map(|(entries, state)| S::from_legacy(Session::from_parts(entries, state)));
                match opened {
                    Ok(Some(session)) => best = Some(session),
                    // A kind that legacy formats cannot carry.
                    Ok(None) => {}
                    Err(error) => {
                        own_rejected |= shares_name;
                        rejected = Some(error);
                    }
                }
            }
        }
        let mut session = best.unwrap_or_else(|| {
            let mut state = State::default();
            // A fresh session that stands in for a rejected cookie deletes
            // it when saved empty; one that stands in for two authentic
            // sessions deletes neither (the victim's is one of them).
            state.replaces_rejected = !ambiguous && own_rejected;
            S::empty(state)
        });
        if migrating {
            session.state_mut().legacy_cookie = legacy_cookie;
        }
        Loaded { session, rejected }
    }

    /// Opens one cookie value strictly: envelope v1, then (for a value with
    /// the `.` separators of the legacy formats) a [`Legacy`] source bound
    /// to this codec's own cookie name.
    ///
    /// Checks run in this order: length, shape, key id, **authenticity**,
    /// the idle timeout and clock skew, the absolute timeout, and only then
    /// the plaintext: its metadata and its JSON, which must be an object
    /// as [`Session::from_json`] describes.
    ///
    /// ```
    /// use sealed_session::{ErrorKind, Key, Keyring, Session, SessionCodec};
    ///
    /// let old = Key::from_bytes([1; 32]);
    /// let new = Key::from_bytes([2; 32]);
    /// let before = SessionCodec::builder(Keyring::new(1, &old)).build()?;
    /// let mut session = Session::new();
    /// session.insert("a", 1)?;
    /// let value = before.seal(&session)?;
    ///
    /// // After a key rotation the old cookie still opens, and asks to be re-sealed.
    /// let after = SessionCodec::builder(Keyring::new(2, &new).with_key(1, &old)?).build()?;
    /// assert!(after.open(&value)?.reseal_advised());
    ///
    /// // Another cookie name: not authentic.
    /// let other = SessionCodec::builder(Keyring::new(1, &old)).cookie_name("__Host-other").build()?;
    /// assert_eq!(other.open(&value).unwrap_err().cookie_kind(), Some(ErrorKind::Unauthentic));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// - [`SessionError::Cookie`] with the core's kind: `Unauthentic`,
    ///   `Expired` (the idle timeout), `IssuedInFuture`, `Malformed`,
    ///   `UnknownVersion`, `UnknownKeyId`, or `TooLarge` (a name and value
    ///   over 4096 bytes);
    /// - [`SessionError::LifetimeExceeded`]: past the absolute timeout;
    /// - [`SessionError::LegacyNoLongerAccepted`];
    /// - [`SessionError::InvalidSession`], [`SessionError::InvalidJson`],
    ///   [`SessionError::TooDeep`], [`SessionError::InvalidBytes`]: an
    ///   authentic plaintext that is not a session.
    pub fn open(&self, value: &str) -> Result<Session, SessionError> {
        self.open_as(value)
    }

    /// [`SessionCodec::open`] for any kind of session. A typed session
    /// must be exactly one postcard value of type `T` after the metadata,
    /// else [`SessionError::InvalidSession`]; legacy formats carry JSON
    /// only.
    ///
    /// ```
    /// use sealed_session::{Key, Keyring, SessionCodec, SessionError, TypedSession};
    ///
    /// let codec = SessionCodec::builder(Keyring::new(1, &Key::from_bytes([4; 32]))).build()?;
    /// let mut session = TypedSession::new();
    /// session.set(7u64);
    /// let value = codec.seal(&session)?;
    /// assert_eq!(codec.open_as::<TypedSession<u64>>(&value)?.get(), Some(&7));
    /// // The same bytes are no JSON session.
    /// assert_eq!(codec.open(&value).unwrap_err(), SessionError::InvalidJson);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`SessionCodec::open`].
    pub fn open_as<S: SessionBody>(&self, value: &str) -> Result<S, SessionError> {
        let now = self.inner.clock.now();
        match self.open_v1::<S>(value, now) {
            Err(error)
                if error.cookie_kind() == Some(ErrorKind::Malformed) && value.contains('.') =>
            {
                let source = self
                    .inner
                    .legacy
                    .iter()
                    .find(|source| source.cookie_name == self.inner.attributes.name);
                match source {
                    Some(source) => S::from_legacy(self.open_with(source, value, now)?)
                        .ok_or(SessionError::InvalidSession),
                    None => Err(error),
                }
            }
            opened => opened,
        }
    }

    /// Opens a cookie value of a legacy format (tried against each
    /// [`Legacy`] source, whatever its cookie name): for a value the caller
    /// took from the legacy cookie itself.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use sealed_session::{Key, Keyring, Legacy, ManualClock, SessionCodec};
    ///
    /// let python_key = Key::parse("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")?;
    /// let start = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    /// let codec = SessionCodec::builder(Keyring::new(1, &Key::from_bytes([1; 32])))
    ///     .clock(ManualClock::new(1_800_000_100))
    ///     .accept_legacy(Legacy::encrypted_session(&python_key).since(start).until(start + Duration::from_secs(86_400)))
    ///     .build()?;
    /// let session = codec.open_legacy("u.D7DycromYEhiSEIUsA4=.xcLffjV72Pk9kZ/Hsu0L2Q==.AAECAwQFBgcICQoLDA0ODw==")?;
    /// assert_eq!(session.get::<u32>("answer")?, Some(42));
    /// assert!(session.reseal_advised());
    /// assert_eq!(session.created_at(), Some(1_800_000_000)); // the migration's start, not now
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`SessionError::LegacyNoLongerAccepted`] past the end date; a
    /// [`SessionError::Cookie`] of kind `Unauthentic`, `Malformed`,
    /// `TooLarge` (or, for Flask cookies, `Expired` and `IssuedInFuture`);
    /// [`SessionError::LifetimeExceeded`] past the migration's start plus
    /// the absolute timeout; [`SessionError::InvalidJson`],
    /// [`SessionError::TooDeep`], [`SessionError::InvalidBytes`]. Without
    /// any legacy source, `Malformed`.
    pub fn open_legacy(&self, value: &str) -> Result<Session, SessionError> {
        let now = self.inner.clock.now();
        let mut last = SessionError::from(ErrorKind::Malformed);
        for source in &self.inner.legacy {
            match self.open_with(source, value, now) {
                Ok(session) => return Ok(session),
                Err(error) => last = error,
            }
        }
        Err(last)
    }

    fn open_with(
        &self,
        source: &LegacySource,
        value: &str,
        now: u64,
    ) -> Result<Session, SessionError> {
        let migrating = self.inner.seal_format == SealFormat::V1;
        let (entries, state) = source.open(value, now, migrating, self.inner.absolute)?;
        Ok(Session::from_parts(entries, state))
    }

    /// Re-seals a legacy cookie as an envelope v1 cookie with the same
    /// values; the session counts as created when the migration started.
    ///
    /// # Errors
    /// As [`SessionCodec::open_legacy`], then as [`SessionCodec::seal`].
    pub fn migrate(&self, legacy_value: &str) -> Result<String, SessionError> {
        let session = self.open_legacy(legacy_value)?;
        let now = self.inner.clock.now();
        self.seal_v1(&session, now)
    }

    /// Seals `session` into a cookie value, in the [`SealFormat`] chosen.
    /// A new session (or one regenerated) gets a fresh id and its creation
    /// time here.
    ///
    /// ```
    /// use sealed_session::{FixedRandom, Key, Keyring, ManualClock, Session, SessionCodec};
    ///
    /// let codec = SessionCodec::builder(Keyring::new(1, &Key::from_bytes([0; 32])))
    ///     .clock(ManualClock::new(1_700_000_000))
    ///     .random(FixedRandom::new([9]))
    ///     .build()?;
    /// let mut session = Session::new();
    /// session.insert("a", 1)?;
    /// let value = codec.seal(&session)?;
    /// assert!(value.starts_with("AQABAAAAAGVT8QAJCQkJ")); // version 1, key 1, the time, the nonce
    /// let opened = codec.open(&value)?;
    /// assert_eq!(opened.get::<u8>("a")?, Some(1));
    /// assert_eq!(opened.issued_at(), Some(1_700_000_000));
    /// assert_eq!(opened.id().unwrap().to_string(), "CQkJCQkJCQkJCQkJCQkJCQ");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`SessionError::CookieTooLarge`] when the cookie's name and value
    /// would exceed [`MAX_COOKIE_LEN`](crate::cookie::MAX_COOKIE_LEN) bytes; a
    /// [`SessionError::Cookie`] of kind `TooLarge` when the plaintext
    /// exceeds the builder's `max_plaintext_len`; [`SessionError::Random`].
    pub fn seal<S: SessionBody>(&self, session: &S) -> Result<String, SessionError> {
        let now = self.inner.clock.now();
        self.seal_at(session, now)
    }

    fn seal_at<S: SessionBody>(&self, session: &S, now: u64) -> Result<String, SessionError> {
        match (self.inner.seal_format, session.as_json()) {
            (SealFormat::Legacy, Some(json)) => self.seal_legacy(json),
            _ => self.seal_v1(session, now),
        }
    }

    /// Seals `session`'s metadata and body as envelope v1 at `now`.
    fn seal_v1<S: SessionBody>(&self, session: &S, now: u64) -> Result<String, SessionError> {
        let state = session.state();
        let body = session.encode()?;
        let mut meta = state.meta;
        if meta.id.is_none() {
            let mut id = [0u8; SessionId::LEN];
            self.inner.random.fill(&mut id)?;
            meta.id = Some(SessionId::from_bytes(id));
        }
        let created_at = meta.created_at.unwrap_or(now);
        let padding = if body.paddable() {
            self.inner.padding
        } else {
            0
        };
        // Sized once: a vector that grows frees its old buffer unwiped.
        let bound = META_WITH_ID_LEN + body.len_bound() + padding;
        let mut payload = Zeroizing::new(Vec::with_capacity(bound));
        meta.write(created_at, &mut payload);
        body.write(&mut payload);
        payload::pad(&mut payload, padding);
        // The plaintext bound first, so that a `TooLarge` from the core
        // seal can only mean a cookie too long.
        if payload.len() > self.inner.codec.options().max_plaintext_len() {
            return Err(ErrorKind::TooLarge.into());
        }
        let mut nonce = [0u8; 16];
        self.inner.random.fill(&mut nonce)?;
        self.inner
            .codec
            .seal_to_string(&payload, &self.inner.context, now, &mut FixedNonce(nonce))
            .map_err(too_large)
    }

    #[cfg(not(feature = "legacy"))]
    fn seal_legacy(&self, _: &Session) -> Result<String, SessionError> {
        // `build()` refuses SealFormat::Legacy without an EncryptedSession
        // source, and there is none without the feature.
        Err(SessionError::Unserializable)
    }

    #[cfg(feature = "legacy")]
    fn seal_legacy(&self, session: &Session) -> Result<String, SessionError> {
        let codec = self
            .inner
            .legacy
            .iter()
            .find_map(LegacySource::encrypted_session)
            .ok_or(SessionError::Unserializable)?;
        let json = Zeroizing::new(session.to_python_json()?);
        if json.len() > self.inner.codec.options().max_plaintext_len() {
            return Err(ErrorKind::TooLarge.into());
        }
        let mut nonce = [0u8; 16];
        self.inner.random.fill(&mut nonce)?;
        let value = codec
            .seal_to_string(json.as_bytes(), &mut FixedNonce(nonce))
            .map_err(too_large)?;
        if !cookie::fits(self.cookie_name(), &value) {
            return Err(SessionError::CookieTooLarge);
        }
        Ok(value)
    }

    /// Opens an envelope v1 value into its authenticated plaintext and the
    /// state it says, checking both timeouts.
    fn open_payload(
        &self,
        value: &str,
        now: u64,
    ) -> Result<(Zeroizing<Vec<u8>>, usize, State), SessionError> {
        let opened = self
            .inner
            .codec
            .open_to_vec(value, &self.inner.context, now)?;
        let (issued_at, reseal_advised) = (opened.issued_at, opened.reseal_advised);
        let plaintext = Zeroizing::new(opened.plaintext);
        let (meta, body) = Meta::read(&plaintext)?;
        let offset = plaintext.len() - body.len();
        let created_at = meta.created_at.unwrap_or(issued_at);
        if now.saturating_sub(created_at) > self.inner.absolute {
            return Err(SessionError::LifetimeExceeded);
        }
        let meta = Meta {
            created_at: Some(created_at),
            ..meta
        };
        let reseal_advised = reseal_advised || self.inner.seal_format == SealFormat::Legacy;
        let state = State::opened(meta, issued_at, reseal_advised);
        Ok((plaintext, offset, state))
    }

    fn open_v1<S: SessionBody>(&self, value: &str, now: u64) -> Result<S, SessionError> {
        let (plaintext, offset, state) = self.open_payload(value, now)?;
        S::from_body(offset == 0, &plaintext[offset..], state)
    }

    /// Decides what the response does with the session cookie, and seals
    /// it when it must be set:
    /// - an empty session: deleted if it was emptied or replaced a cookie
    ///   that did not open, else left alone;
    /// - otherwise set if it was modified, a re-seal is advised (an older
    ///   key, a legacy format), or its [`Refresh`] is due; else left alone.
    ///
    /// A permanent session's cookie gets `Max-Age`: the idle timeout, or
    /// what is left of the absolute timeout if that is less. Others end
    /// with the browser session (and on the server at the idle timeout).
    /// A legacy cookie under another name that came with the request is
    /// deleted.
    ///
    /// ```
    /// use std::time::Duration;
    /// use sealed_session::{CookieOutcome, Key, Keyring, Session, SessionCodec};
    ///
    /// let codec = SessionCodec::builder(Keyring::new(1, &Key::from_bytes([5; 32])))
    ///     .idle_timeout(Duration::from_secs(3600))
    ///     .build()?;
    /// assert_eq!(codec.save(&Session::new())?.session_cookie, CookieOutcome::Unchanged);
    ///
    /// let mut session = Session::new();
    /// session.insert("cart", [3, 4])?;
    /// session.set_permanent(true);
    /// let saved = codec.save(&session)?;
    /// assert!(saved.session_cookie.set_cookie().unwrap().ends_with("; Path=/; Max-Age=3600"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`SessionCodec::seal`].
    pub fn save<S: SessionBody>(&self, session: &S) -> Result<Saved, SessionError> {
        let now = self.inner.clock.now();
        let state = session.state();
        let session_cookie = match self.decide(state, session.holds_nothing(), now) {
            Decision::Unchanged => CookieOutcome::Unchanged,
            Decision::Delete => CookieOutcome::Delete(self.delete_cookie_header()),
            Decision::Set => {
                let value = self.seal_at(session, now)?;
                CookieOutcome::Set(self.set_cookie_header(&value, state, now)?)
            }
        };
        Ok(self.saved(session_cookie, state))
    }

    /// **The request lifecycle**: what the response carries for the
    /// session, given how the handler ended. Every integration of this
    /// crate (the tower layer, the tower-sessions adapter, the actix-web
    /// middleware, the Flask interface) calls this and only translates
    /// types, so a cookie shared between them is treated alike everywhere.
    ///
    /// | handler ended with | `Set-Cookie` | `Vary: Cookie` |
    /// |---|---|---|
    /// | 1xx, 2xx, 3xx, 4xx | as [`SessionCodec::save`] decides: set when modified, re-sealed under an older key or a legacy format, or its [`Refresh`] is due; deleted when emptied, or when the request's cookie was rejected and the session stayed empty; a migrated legacy cookie deleted | when the session was read or written, or a cookie is set |
    /// | 5xx, or [`Outcome::Failed`] (a panic, an exception) | none: no set, no refresh, no deletion | when the session was read or written |
    /// | the session cannot be saved (too large) | none, and [`Finished::save_error`] is set: answer with the save-error response (an empty 500 by default) | yes |
    ///
    /// Why:
    /// - a 4xx still saves: a login form answered 400 keeps its flash
    ///   message, a 401 after a logout still deletes the cookie;
    /// - a failed request commits nothing, as a database transaction
    ///   rolls back: a handler that failed halfway must not leave half a
    ///   change in the cookie, and the browser keeps what it had (a
    ///   rejected cookie is deleted by the next response that succeeds).
    ///   Flask's own interface saves on a 5xx; the Flask interface of this
    ///   project deliberately does not, so that Flask and Rust services
    ///   sharing the cookie agree;
    /// - a `Set-Cookie` always comes with `Vary: Cookie`, a refresh of a
    ///   session the handler never read included, so that no shared cache
    ///   stores one user's cookie for others.
    ///
    /// ```
    /// use sealed_session::{Key, Keyring, Outcome, Session, SessionCodec};
    ///
    /// let codec = SessionCodec::builder(Keyring::new(1, &Key::from_bytes([6; 32]))).build()?;
    /// let mut session = Session::new();
    /// session.insert("user_id", 42)?;
    ///
    /// let ok = codec.finish(&session, Outcome::Status(200));
    /// assert_eq!(ok.set_cookies.len(), 1);
    /// assert!(ok.vary_cookie && ok.save_error.is_none());
    ///
    /// let failed = codec.finish(&session, Outcome::Status(500));
    /// assert!(failed.set_cookies.is_empty());
    /// assert!(failed.vary_cookie);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn finish<S: SessionBody>(&self, session: &S, outcome: Outcome) -> Finished {
        let accessed = session.state().accessed();
        if outcome.failed() {
            return Finished {
                set_cookies: Vec::new(),
                vary_cookie: accessed,
                save_error: None,
            };
        }
        match self.save(session) {
            Ok(saved) => {
                let set_cookies: Vec<String> = saved.headers().map(str::to_owned).collect();
                Finished {
                    vary_cookie: accessed || !set_cookies.is_empty(),
                    set_cookies,
                    save_error: None,
                }
            }
            Err(error) => Finished {
                set_cookies: Vec::new(),
                vary_cookie: true,
                save_error: Some(error),
            },
        }
    }

    /// The `Set-Cookie` header value that deletes the session cookie: empty
    /// value, the same attributes, `Max-Age=0` and an `Expires` in the past.
    ///
    /// ```
    /// use sealed_session::{Key, Keyring, SessionCodec};
    ///
    /// let codec = SessionCodec::builder(Keyring::new(1, &Key::from_bytes([0; 32]))).build()?;
    /// assert_eq!(
    ///     codec.delete_cookie_header(),
    ///     "__Host-session=; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
    /// );
    /// # Ok::<(), sealed_session::ConfigError>(())
    /// ```
    #[must_use]
    pub fn delete_cookie_header(&self) -> String {
        self.inner.attributes.delete_cookie()
    }

    fn set_cookie_header(
        &self,
        value: &str,
        state: &State,
        now: u64,
    ) -> Result<String, SessionError> {
        let inner = &self.inner;
        let max_age = state.meta.permanent.then(|| {
            let created = state.meta.created_at.unwrap_or(now);
            let left = created.saturating_add(inner.absolute).saturating_sub(now);
            inner.idle.min(left)
        });
        inner
            .attributes
            .set_cookie(value, max_age)
            .ok_or(SessionError::CookieTooLarge)
    }

    fn saved(&self, session_cookie: CookieOutcome, state: &State) -> Saved {
        let legacy_cookie = state
            .legacy_cookie
            .and_then(|index| self.inner.legacy.get(index))
            .map(LegacySource::delete_cookie);
        Saved {
            session_cookie,
            legacy_cookie,
        }
    }

    fn decide(&self, state: &State, empty: bool, now: u64) -> Decision {
        if empty {
            return if state.modified() || state.replaces_rejected {
                Decision::Delete
            } else {
                Decision::Unchanged
            };
        }
        let refresh = match self.inner.refresh {
            Refresh::EachRequest => true,
            Refresh::After(interval) => state
                .issued_at
                .is_some_and(|issued| now.saturating_sub(issued) >= interval.as_secs()),
            Refresh::Never => false,
        };
        if state.modified() || state.reseal_advised || refresh {
            Decision::Set
        } else {
            Decision::Unchanged
        }
    }
}

enum Decision {
    Unchanged,
    Set,
    Delete,
}

/// After the plaintext bound is checked, a `TooLarge` seal means the cookie
/// text would be too long.
fn too_large(error: sealed_session_core::Error) -> SessionError {
    if error.kind() == ErrorKind::TooLarge {
        SessionError::CookieTooLarge
    } else {
        SessionError::Cookie(error)
    }
}

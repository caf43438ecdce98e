//! The request side: sessions from `Cookie` headers and cookie values.

use sealed_session_core::ErrorKind;
use zeroize::Zeroizing;

use super::{Loaded, SealFormat, SessionCodec};
use crate::body::SessionBody;
use crate::cookie;
use crate::error::SessionError;
#[cfg(doc)]
use crate::legacy::Legacy;
use crate::legacy::LegacySource;
use crate::payload::Meta;
use crate::session::{Session, State};
#[cfg(doc)]
use crate::typed::TypedSession;

impl SessionCodec {
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
        // The headers are kept for a second pass only when legacy cookies
        // are read (a migration): otherwise nothing is allocated for them.
        let mut headers: Vec<&[u8]> = Vec::new();
        // One pass over the headers for the session's own name, up to one
        // value past the cap, on the stack.
        let mut found = [""; Self::MAX_CANDIDATES + 1];
        let count = if self.inner.legacy.is_empty() {
            let headers = cookie_headers.into_iter().map(AsRef::as_ref);
            cookie::values_into(headers, self.cookie_name(), &mut found)
        } else {
            headers = cookie_headers.into_iter().map(AsRef::as_ref).collect();
            cookie::values_into(headers.iter().copied(), self.cookie_name(), &mut found)
        };
        let now = self.inner.clock.now();
        let mut rejected = None;
        // Values past the cap are neither tried nor deleted: one of them
        // may be the user's own.
        let mut ambiguous = count > Self::MAX_CANDIDATES;
        let values = &found[..count.min(Self::MAX_CANDIDATES)];
        // A value under the session's own name was presented and failed.
        let mut own_rejected = false;
        let mut best: Option<S> = None;
        for &value in values {
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
        session.state_mut().limit = Some(self.inner.limit);
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
        self.check_revoked(&meta, created_at, now)?;
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
        S::from_body(plaintext, offset, state)
    }
}

//! The response side: sealing sessions, and what a response carries.

use sealed_session_core::{ErrorKind, FixedNonce};
use zeroize::Zeroizing;

use super::{CookieOutcome, Finished, Outcome, Refresh, Saved, SealFormat, SessionCodec};
use crate::body::SessionBody;
#[cfg(feature = "legacy")]
use crate::cookie;
use crate::error::SessionError;
use crate::legacy::LegacySource;
use crate::payload::{self, META_WITH_ID_LEN, SessionId};
use crate::session::{Session, State};

impl SessionCodec {
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
    pub(super) fn seal_v1<S: SessionBody>(
        &self,
        session: &S,
        now: u64,
    ) -> Result<String, SessionError> {
        let state = session.state();
        let body = session.encode()?;
        let mut meta = state.meta.clone();
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
            Refresh::EachRequestIfPermanent => state.meta.permanent,
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

//! The revocation hook (REVOCATION.md): every opened session is checked
//! against the codec's [`Revocations`], if one is set; a revoked session
//! is rejected like an expired one (the request gets a fresh session, and
//! saving it deletes the cookie), and the reason is logged. Logout and
//! sign-out-everywhere write to the list.

use super::SessionCodec;
use crate::body::SessionBody;
use crate::error::SessionError;
use crate::payload::Meta;
use crate::revocation::{RevocationError, SessionFacts, Verdict, check_subject};

impl SessionCodec {
    /// Rejects a session that the revocation list refuses: revoked
    /// ([`SessionError::Revoked`]), or the list unavailable
    /// ([`SessionError::RevocationUnavailable`], fail closed: every session
    /// that could have been revoked, that is every one with an id, starts
    /// over).
    pub(super) fn check_revoked(
        &self,
        meta: &Meta,
        created_at: u64,
        now: u64,
    ) -> Result<(), SessionError> {
        let Some(list) = &self.inner.revocations else {
            return Ok(());
        };
        let facts = SessionFacts {
            id: meta.id.as_ref(),
            subject: meta.subject.as_deref(),
            created_at,
        };
        match list.check(facts, now) {
            Verdict::Revoked(by) => {
                log::info!(target: "sealed_session::revocation", "session refused: {by}");
                Err(SessionError::Revoked)
            }
            Verdict::Unavailable if meta.id.is_some() => {
                log::warn!(
                    target: "sealed_session::revocation",
                    "session refused: the revocation list is unavailable (failing closed)"
                );
                Err(SessionError::RevocationUnavailable)
            }
            _ => Ok(()),
        }
    }

    /// Logout that holds on the server: revokes `session`'s id until its
    /// absolute deadline, so every copy of its cookie, including copies
    /// taken before now, is refused by every instance that shares the
    /// list. Clear the session as well, so that the response deletes the
    /// cookie in this browser.
    ///
    /// A session that was never sealed (no id yet) has nothing to revoke.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use sealed_session::{Key, Keyring, MemoryRevocations, SessionCodec, SessionError};
    ///
    /// let codec = SessionCodec::builder(Keyring::new(1, &Key::from_bytes([2; 32])))
    ///     .revocations(Arc::new(MemoryRevocations::new()))
    ///     .build()?;
    /// let mut session = codec.load::<_, str>([]).session;
    /// session.insert("user", 42)?;
    /// let cookie = format!("__Host-session={}", codec.seal(&session)?);
    /// let mut session = codec.load([cookie.as_str()]).session;
    /// codec.revoke(&session)?;
    /// session.clear();
    /// // The cookie captured before the logout is refused.
    /// let replayed = codec.load([cookie.as_str()]);
    /// assert!(replayed.session.is_empty());
    /// assert_eq!(replayed.rejected, Some(SessionError::Revoked));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`RevocationError::Unavailable`] when the list could not share it
    /// (this instance refuses the session regardless);
    /// [`RevocationError::NotConfigured`] without a list.
    pub fn revoke<S: SessionBody>(&self, session: &S) -> Result<(), RevocationError> {
        let list = self
            .inner
            .revocations
            .as_ref()
            .ok_or(RevocationError::NotConfigured)?;
        let meta = &session.state().meta;
        let Some(id) = meta.id.as_ref() else {
            return Ok(());
        };
        let now = self.inner.clock.now();
        let created_at = meta.created_at.unwrap_or(now);
        list.revoke_session(id, created_at.saturating_add(self.inner.absolute))
    }

    /// Sign-out-everywhere: revokes every session of `subject` created
    /// before now, until the longest they could live (now + the absolute
    /// timeout).
    ///
    /// # Errors
    /// [`RevocationError::Subject`] for an empty or too long subject;
    /// [`RevocationError::Unavailable`]; [`RevocationError::NotConfigured`].
    pub fn revoke_subject(&self, subject: &str) -> Result<(), RevocationError> {
        check_subject(subject)?;
        let list = self
            .inner
            .revocations
            .as_ref()
            .ok_or(RevocationError::NotConfigured)?;
        let now = self.inner.clock.now();
        list.revoke_subject(subject, now, now.saturating_add(self.inner.absolute))
    }
}

#[cfg(test)]
mod tests {
    use alloc::sync::Arc;

    use crate::revocation::{RevocationError, Revocations, SessionFacts, Verdict};
    use crate::{Key, Keyring, MemoryRevocations, Outcome, SessionCodec, SessionError, SessionId};

    fn codec(list: Arc<dyn Revocations>) -> SessionCodec {
        SessionCodec::builder(Keyring::new(1, &Key::from_bytes([2; 32])))
            .revocations(list)
            .build()
            .unwrap()
    }

    fn logged_in(codec: &SessionCodec) -> String {
        let mut session = codec.load::<_, str>([]).session;
        session.insert("user", 42).unwrap();
        format!("__Host-session={}", codec.seal(&session).unwrap())
    }

    /// The attack: a cookie copied before the logout is replayed after it.
    /// It is refused like an expired one: a fresh, empty session, and the
    /// response deletes the cookie. Another session is untouched.
    #[test]
    fn a_cookie_replayed_after_logout_gets_a_fresh_session_and_a_deletion() {
        let codec = codec(Arc::new(MemoryRevocations::new()));
        let cookie = logged_in(&codec);
        let other = logged_in(&codec);
        let mut session = codec.load([cookie.as_str()]).session;
        assert_eq!(session.get::<i64>("user").unwrap(), Some(42));
        codec.revoke(&session).unwrap();
        session.clear();
        let logout = codec.finish(&session, Outcome::Status(200));
        assert_eq!(logout.set_cookies.len(), 1);
        assert!(logout.set_cookies[0].contains("Max-Age=0"));

        let replayed = codec.load([cookie.as_str()]);
        assert_eq!(replayed.rejected, Some(SessionError::Revoked));
        assert!(replayed.session.is_empty());
        let answer = codec.finish(&replayed.session, Outcome::Status(200));
        assert_eq!(answer.set_cookies.len(), 1);
        assert!(
            answer.set_cookies[0].starts_with("__Host-session=;")
                && answer.set_cookies[0].contains("Max-Age=0"),
            "{:?}",
            answer.set_cookies
        );
        let untouched = codec.load([other.as_str()]);
        assert_eq!(untouched.rejected, None);
        assert_eq!(untouched.session.get::<i64>("user").unwrap(), Some(42));
    }

    /// A list that cannot vouch for itself.
    #[derive(Debug)]
    struct Down;

    impl Revocations for Down {
        fn check(&self, _: SessionFacts<'_>, _: u64) -> Verdict {
            Verdict::Unavailable
        }
        fn revoke_session(&self, _: &SessionId, _: u64) -> Result<(), RevocationError> {
            Err(RevocationError::Unavailable("down".to_owned()))
        }
        fn revoke_subject(&self, _: &str, _: u64, _: u64) -> Result<(), RevocationError> {
            Err(RevocationError::Unavailable("down".to_owned()))
        }
    }

    /// Fail closed: a returning session is refused while the list is
    /// unavailable; a new visitor still gets a session; a logout reports
    /// the failure to the caller.
    #[test]
    fn an_unavailable_list_fails_closed() {
        let open = codec(Arc::new(MemoryRevocations::new()));
        let cookie = logged_in(&open);
        let down = SessionCodec::builder(Keyring::new(1, &Key::from_bytes([2; 32])))
            .revocations(Arc::new(Down))
            .build()
            .unwrap();
        let loaded = down.load([cookie.as_str()]);
        assert_eq!(loaded.rejected, Some(SessionError::RevocationUnavailable));
        assert!(loaded.session.is_empty());
        let fresh = down.load::<_, str>([]);
        assert_eq!(fresh.rejected, None);
        let session = open.load([cookie.as_str()]).session;
        assert_eq!(
            down.revoke(&session),
            Err(RevocationError::Unavailable("down".to_owned()))
        );
        // Without a list, there is nothing to revoke with.
        let plain = SessionCodec::builder(Keyring::new(1, &Key::from_bytes([2; 32])))
            .build()
            .unwrap();
        assert_eq!(plain.revoke(&session), Err(RevocationError::NotConfigured));
    }

    /// Sign-out-everywhere: every session of the subject created before it
    /// is refused (two devices), a login after it is not, and neither is
    /// another user's session.
    #[test]
    fn sign_out_everywhere_refuses_every_older_session_of_the_subject() {
        let clock = Arc::new(crate::ManualClock::new(1_796_659_200));
        let codec = SessionCodec::builder(Keyring::new(1, &Key::from_bytes([2; 32])))
            .revocations(Arc::new(MemoryRevocations::new()))
            .clock(Arc::clone(&clock))
            .build()
            .unwrap();
        let login = |subject: &str| {
            let mut session = codec.load::<_, str>([]).session;
            session.regenerate();
            session.set_subject(subject).unwrap();
            format!("__Host-session={}", codec.seal(&session).unwrap())
        };
        let (laptop, phone, other) = (login("user-42"), login("user-42"), login("user-7"));
        let opened = codec.load([laptop.as_str()]).session;
        assert_eq!(opened.subject(), Some("user-42"));
        clock.advance(10);
        codec.revoke_subject("user-42").unwrap();
        for cookie in [&laptop, &phone] {
            let loaded = codec.load([cookie.as_str()]);
            assert_eq!(loaded.rejected, Some(SessionError::Revoked));
            assert!(loaded.session.is_empty() && loaded.session.subject().is_none());
        }
        assert_eq!(codec.load([other.as_str()]).rejected, None);
        clock.advance(1);
        let again = login("user-42");
        assert_eq!(codec.load([again.as_str()]).rejected, None);
        // Logout forgets the subject along with the rest.
        let mut session = codec.load([again.as_str()]).session;
        session.clear();
        assert_eq!(session.subject(), None);
    }

    /// A typed session names its subject as a JSON one does: it is sealed
    /// (postcard body, same metadata), and sign-out-everywhere refuses
    /// it; a typed session of another subject is untouched, and an
    /// invalid subject is refused before anything changes.
    #[test]
    fn a_typed_session_with_a_subject_is_signed_out_everywhere() {
        use crate::TypedSession;
        use crate::revocation::RevocationError;

        let clock = Arc::new(crate::ManualClock::new(1_796_659_200));
        let codec = SessionCodec::builder(Keyring::new(1, &Key::from_bytes([2; 32])))
            .revocations(Arc::new(MemoryRevocations::new()))
            .clock(Arc::clone(&clock))
            .build()
            .unwrap();
        let login = |subject: &str| {
            let mut session = codec.load_as::<TypedSession<u64>, _, str>([]).session;
            session.regenerate();
            session.set(7);
            session.set_subject(subject).unwrap();
            format!("__Host-session={}", codec.seal(&session).unwrap())
        };
        let (mine, other) = (login("user-42"), login("user-7"));
        let opened = codec.load_as::<TypedSession<u64>, _, _>([mine.as_str()]);
        assert_eq!(opened.rejected, None);
        assert_eq!(opened.session.subject(), Some("user-42"));
        assert_eq!(opened.session.get(), Some(&7));

        let mut session = opened.session;
        assert!(matches!(
            session.set_subject(""),
            Err(RevocationError::Subject)
        ));
        assert!(matches!(
            session.set_subject(&"x".repeat(256)),
            Err(RevocationError::Subject)
        ));
        assert_eq!(session.subject(), Some("user-42"));
        assert!(!session.modified());

        clock.advance(10);
        codec.revoke_subject("user-42").unwrap();
        let replayed = codec.load_as::<TypedSession<u64>, _, _>([mine.as_str()]);
        assert_eq!(replayed.rejected, Some(SessionError::Revoked));
        assert!(replayed.session.get().is_none() && replayed.session.subject().is_none());
        let untouched = codec.load_as::<TypedSession<u64>, _, _>([other.as_str()]);
        assert_eq!(untouched.rejected, None);
        assert_eq!(untouched.session.subject(), Some("user-7"));
    }
}

//! The one request lifecycle (LIFECYCLE.md): what a response carries for
//! the session, decided here and nowhere else in the package. The
//! middleware only applies it.

use sealed_session::{Finished, Outcome, Session, SessionCodec};

/// The lifecycle's rule, [`SessionCodec::finish`]. `status` is the
/// handler's HTTP status, or `None` when the handler threw and the
/// framework produced no response ([`Outcome::Failed`]):
/// - 1xx-4xx: the codec's save decision;
/// - 5xx and a throw: no `Set-Cookie` at all (a failed request commits
///   nothing, the browser keeps what it had);
/// - `Vary: Cookie` whenever the session was accessed or a `Set-Cookie` is
///   sent, whatever the status;
/// - a save error: no `Set-Cookie`, `save_error` set.
pub(crate) fn finish(codec: &SessionCodec, session: &Session, status: Option<u16>) -> Finished {
    codec.finish(session, status.map_or(Outcome::Failed, Outcome::Status))
}

#[cfg(test)]
mod tests {
    use sealed_session::{FixedRandom, ManualClock};

    use sealed_session::SessionError;

    use super::*;
    use crate::options::build;

    const KEYS: &str = "2 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";

    fn codec() -> SessionCodec {
        build(
            KEYS,
            "{}",
            FixedRandom::new([7]),
            ManualClock::new(1_800_000_000),
        )
        .unwrap()
    }

    #[test]
    fn a_write_is_saved_on_2xx_and_4xx_only() {
        let codec = codec();
        let mut session = codec.load(["a=b"]).session;
        session.insert("n", 1).unwrap();
        for status in [200, 302, 404] {
            let decision = finish(&codec, &session, Some(status));
            assert_eq!(decision.set_cookies.len(), 1, "{status}");
            assert!(decision.set_cookies[0].starts_with("__Host-session=AQAC"));
            assert!(decision.vary_cookie);
        }
        for status in [Some(500), Some(503), None] {
            let decision = finish(&codec, &session, status);
            assert!(decision.set_cookies.is_empty(), "{status:?}");
            assert!(decision.vary_cookie, "{status:?}");
            assert_eq!(decision.save_error, None, "{status:?}");
        }
    }

    #[test]
    fn untouched_sessions_send_nothing_and_no_vary() {
        let codec = codec();
        let session = codec.load(["a=b"]).session;
        let decision = finish(&codec, &session, Some(200));
        assert!(decision.set_cookies.is_empty());
        assert!(!decision.vary_cookie);
        assert_eq!(decision.save_error, None);
    }

    #[test]
    fn a_rejected_cookie_is_deleted_but_not_on_5xx() {
        let codec = codec();
        let session = codec.load(["__Host-session=AQACAAAAAGVT8QAJCQkJ"]).session;
        let decision = finish(&codec, &session, Some(200));
        assert_eq!(decision.set_cookies.len(), 1);
        assert!(decision.set_cookies[0].contains("Max-Age=0"));
        assert!(finish(&codec, &session, Some(500)).set_cookies.is_empty());
    }

    #[test]
    fn too_large_is_a_save_error_without_set_cookie() {
        let codec = codec();
        let mut session = codec.load(["a=b"]).session;
        session.insert("big", "x".repeat(5000)).unwrap();
        let decision = finish(&codec, &session, Some(200));
        assert_eq!(decision.save_error, Some(SessionError::CookieTooLarge));
        assert!(decision.set_cookies.is_empty());
        assert!(decision.vary_cookie);
    }
}

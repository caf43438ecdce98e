//! The request lifecycle, `SessionCodec::finish`, at the codec: the rule
//! every integration applies (its table is in the std crate's docs). The
//! same rows run over real HTTP against every stack in
//! `tests/conformance`.

use alloc::sync::Arc;

use sealed_session::{
    Clock, Finished, Key, Keyring, ManualClock, Outcome, Refresh, Session, SessionCodec,
    SessionError, TypedSession,
};

const T0: u64 = 1_800_000_000;
const DELETE: &str = "__Host-session=; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=0; \
                      Expires=Thu, 01 Jan 1970 00:00:00 GMT";

fn codec(clock: &Arc<ManualClock>) -> SessionCodec {
    SessionCodec::builder(Keyring::new(1, &Key::from_bytes([9; 32])))
        .clock(Arc::clone(clock))
        .refresh(Refresh::After(core::time::Duration::from_secs(60)))
        .build()
        .unwrap()
}

/// A cookie header holding a session with `n`, sealed at `at`.
fn cookie(codec: &SessionCodec, clock: &ManualClock, at: u64, n: u32) -> String {
    let now = clock.now();
    clock.set(at);
    let mut session = Session::new();
    session.insert("n", n).unwrap();
    let value = codec.seal(&session).unwrap();
    clock.set(now);
    format!("__Host-session={value}")
}

/// What `finish` said, in short: the Set-Cookie kinds and Vary.
fn shape(finished: &Finished) -> (Vec<&'static str>, bool, Option<SessionError>) {
    let kinds = finished
        .set_cookies
        .iter()
        .map(|header| if header == DELETE { "delete" } else { "set" })
        .collect();
    (kinds, finished.vary_cookie, finished.save_error)
}

const STATUSES: [u16; 8] = [100, 200, 204, 302, 400, 404, 500, 503];

#[test]
fn a_written_session_is_set_on_1xx_to_4xx_and_never_on_5xx_or_a_failure() {
    let clock = Arc::new(ManualClock::new(T0));
    let codec = codec(&clock);
    let mut session = Session::new();
    session.insert("n", 1).unwrap();
    for status in STATUSES {
        let expected = if status >= 500 { vec![] } else { vec!["set"] };
        assert_eq!(
            shape(&codec.finish(&session, Outcome::Status(status))),
            (expected, true, None),
            "{status}"
        );
    }
    assert_eq!(
        shape(&codec.finish(&session, Outcome::Failed)),
        (vec![], true, None)
    );
}

#[test]
fn an_untouched_session_sends_nothing_and_no_vary() {
    let clock = Arc::new(ManualClock::new(T0));
    let codec = codec(&clock);
    let header = cookie(&codec, &clock, T0 - 10, 5);
    let loaded = codec.load([header.as_str()]);
    for status in STATUSES {
        assert_eq!(
            shape(&codec.finish(&loaded.session, Outcome::Status(status))),
            (vec![], false, None)
        );
    }
    // Read only: Vary, no Set-Cookie.
    assert_eq!(loaded.session.get::<u32>("n").unwrap(), Some(5));
    assert_eq!(
        shape(&codec.finish(&loaded.session, Outcome::Status(200))),
        (vec![], true, None)
    );
}

/// Issue 18, item 3: a refresh of a session the handler never touched
/// still says `Vary: Cookie` (actix sent the cookie without it, which a
/// shared cache could hand to other users); and a 5xx refreshes nothing.
#[test]
fn a_refresh_always_comes_with_vary_and_never_on_5xx() {
    let clock = Arc::new(ManualClock::new(T0));
    let codec = codec(&clock);
    let header = cookie(&codec, &clock, T0 - 120, 5);
    let loaded = codec.load([header.as_str()]);
    assert!(!loaded.session.accessed());
    assert_eq!(
        shape(&codec.finish(&loaded.session, Outcome::Status(200))),
        (vec!["set"], true, None)
    );
    assert_eq!(
        shape(&codec.finish(&loaded.session, Outcome::Status(502))),
        (vec![], false, None)
    );
}

#[test]
fn a_rejected_cookie_is_deleted_on_4xx_but_not_on_5xx() {
    let clock = Arc::new(ManualClock::new(T0));
    let codec = codec(&clock);
    let expired = cookie(&codec, &clock, T0 - 2 * 86_400, 5);
    let loaded = codec.load([expired.as_str()]);
    assert!(loaded.rejected.is_some());
    assert_eq!(
        shape(&codec.finish(&loaded.session, Outcome::Status(401))),
        (vec!["delete"], true, None)
    );
    assert_eq!(
        shape(&codec.finish(&loaded.session, Outcome::Status(500))),
        (vec![], false, None)
    );
    assert_eq!(
        shape(&codec.finish(&loaded.session, Outcome::Failed)),
        (vec![], false, None)
    );
}

#[test]
fn a_purge_deletes_on_4xx_and_keeps_the_cookie_on_5xx() {
    let clock = Arc::new(ManualClock::new(T0));
    let codec = codec(&clock);
    let header = cookie(&codec, &clock, T0 - 10, 5);
    let mut session = codec.load([header.as_str()]).session;
    session.clear();
    assert_eq!(
        shape(&codec.finish(&session, Outcome::Status(303))),
        (vec!["delete"], true, None)
    );
    assert_eq!(
        shape(&codec.finish(&session, Outcome::Status(500))),
        (vec![], true, None)
    );
}

#[test]
fn a_session_too_large_is_a_save_error_with_vary_and_no_cookie() {
    let clock = Arc::new(ManualClock::new(T0));
    let codec = codec(&clock);
    let mut session = Session::new();
    session.insert("big", "x".repeat(5000)).unwrap();
    assert_eq!(
        shape(&codec.finish(&session, Outcome::Status(200))),
        (vec![], true, Some(SessionError::CookieTooLarge))
    );
    // On a 5xx nothing is sealed, so nothing can fail.
    assert_eq!(
        shape(&codec.finish(&session, Outcome::Status(500))),
        (vec![], true, None)
    );
}

/// The typed session goes through the very same code: the same rows.
#[test]
fn a_typed_session_answers_every_row_as_a_json_session() {
    let clock = Arc::new(ManualClock::new(T0));
    let codec = codec(&clock);
    let mut typed: TypedSession<u32> = TypedSession::new();
    typed.set(1);
    let mut json = Session::new();
    json.insert("n", 1).unwrap();
    for status in STATUSES {
        let outcome = Outcome::Status(status);
        assert_eq!(
            shape(&codec.finish(&typed, outcome)),
            shape(&codec.finish(&json, outcome))
        );
    }
    typed.clear();
    json.clear();
    assert_eq!(
        shape(&codec.finish(&typed, Outcome::Status(200))),
        shape(&codec.finish(&json, Outcome::Status(200)))
    );
    // A rejected cookie: both delete it.
    let loaded_json = codec.load(["__Host-session=garbage"]);
    let loaded_typed = codec.load_as::<TypedSession<u32>, _, _>(["__Host-session=garbage"]);
    assert_eq!(loaded_json.rejected, loaded_typed.rejected);
    assert_eq!(
        shape(&codec.finish(&loaded_typed.session, Outcome::Status(200))),
        (vec!["delete"], true, None)
    );
    assert_eq!(
        shape(&codec.finish(&loaded_json.session, Outcome::Status(200))),
        (vec!["delete"], true, None)
    );
}

/// Issue 18, item 14: a session near 4096 bytes used to turn every later
/// write into an empty 500. `remaining_bytes` is exact: filled to 0, the
/// cookie still fits (name and value within 4096 bytes); one byte more
/// does not, and `insert_within_limit` refuses it with a typed error,
/// leaving the session as it was.
#[test]
fn remaining_bytes_is_exact_at_the_cookie_limit() {
    let clock = Arc::new(ManualClock::new(T0));
    for padding in [0, 64] {
        let codec = SessionCodec::builder(Keyring::new(1, &Key::from_bytes([9; 32])))
            .clock(Arc::clone(&clock))
            .pad_to_multiple_of(padding)
            .build()
            .unwrap();
        let mut session = codec.load(["theme=dark"]).session;
        session.insert("user", 7).unwrap();
        let room = session.remaining_bytes().unwrap();
        // `,"fill":""` is 10 bytes before the string's own characters.
        let fill = "x".repeat(room - 10);
        session.insert_within_limit("fill", &fill).unwrap();
        assert_eq!(session.remaining_bytes(), Some(0), "padding {padding}");
        let value = codec.seal(&session).unwrap();
        assert!(
            value.len() + codec.cookie_name().len() <= 4096,
            "padding {padding}"
        );
        // One more byte: refused, and the session is unchanged.
        let before = session.to_json_string();
        let over = format!("{fill}x");
        assert_eq!(
            session.insert_within_limit("fill", &over).unwrap_err(),
            SessionError::CookieTooLarge
        );
        assert_eq!(session.to_json_string(), before);
        // The plain insert takes it, and the save fails as before.
        session.insert("fill", &over).unwrap();
        if padding == 0 {
            assert_eq!(session.remaining_bytes(), Some(0));
            assert_eq!(
                codec.seal(&session).unwrap_err(),
                SessionError::CookieTooLarge
            );
        }
    }
}

/// Flask's `SESSION_REFRESH_EACH_REQUEST`: a permanent session is sealed
/// again on every response, any other only when it changes.
#[test]
fn each_request_if_permanent_refreshes_permanent_sessions_only() {
    let clock = Arc::new(ManualClock::new(T0));
    let codec = SessionCodec::builder(Keyring::new(1, &Key::from_bytes([9; 32])))
        .clock(Arc::clone(&clock))
        .refresh(Refresh::EachRequestIfPermanent)
        .build()
        .unwrap();
    for (permanent, expected) in [(true, vec!["set"]), (false, vec![])] {
        let mut session = Session::new();
        session.insert("n", 1).unwrap();
        session.set_permanent(permanent);
        let value = codec.seal(&session).unwrap();
        let loaded = codec.load([format!("__Host-session={value}").as_str()]);
        let vary = !expected.is_empty();
        assert_eq!(
            shape(&codec.finish(&loaded.session, Outcome::Status(200))),
            (expected, vary, None),
            "permanent {permanent}"
        );
    }
}

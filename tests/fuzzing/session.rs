//! The session-layer half of the `authentic_garbage` target: arbitrary bytes
//! sealed with a valid key, opened through `SessionCodec` as envelope v1 and
//! as a legacy (Python) cookie.
//!
//! The one module of this crate that uses the `sealed-session` crate: keep
//! what depends on its API here.

use core::time::Duration;
use std::time::UNIX_EPOCH;

use sealed_session::{Legacy, ManualClock, Session, SessionCodec, SessionError};
use sealed_session_core::{Codec, ErrorKind, FixedNonce, Key, Options};

use super::{
    self as entry, Garbage, KEY_1, NOW, Violation, ensure, keyring, legacy_seal_raw,
    seal_raw_with_flags,
};

/// Seals the body of [`Garbage::read`] with a valid key, raw and with the
/// compressed flag as the input says, in envelope v1 and as a legacy cookie
/// with flag `u` or `z`; the core opens both (the core's
/// `authentic_garbage`), then `SessionCodec` does.
///
/// Invariants: only clean errors (the core's `Malformed` or `TooLarge`,
/// `InvalidSession`, `InvalidJson`, `TooDeep`, `InvalidBytes`,
/// `LifetimeExceeded` for metadata that says the session is old) or a valid
/// session, whose JSON writes and reads back to the same session.
///
/// # Errors
/// The invariant that failed.
pub fn authentic_garbage(data: &[u8]) -> Result<(), Violation> {
    entry::authentic_garbage(data)?;
    let garbage = Garbage::read(data);
    let started = UNIX_EPOCH + Duration::from_secs(NOW);
    let codec = SessionCodec::builder(keyring())
        .max_plaintext_len(garbage.max_plaintext_len)
        .clock(ManualClock::new(NOW))
        .accept_legacy(
            Legacy::encrypted_session(&Key::from_bytes(KEY_1))
                .cookie_name("__Host-session")
                .since(started)
                .until(started + Duration::from_secs(86_400)),
        )
        .build()
        .map_err(|_| Violation("authentic_garbage: the codec does not build"))?;

    let sealer = Codec::new(keyring(), Options::new().with_max_text_len(usize::MAX));
    let v1 = seal_raw_with_flags(
        &sealer,
        garbage.body,
        garbage.compressed,
        codec.cookie_name().as_bytes(),
        NOW,
        &mut FixedNonce([3; 16]),
    )
    .map_err(|_| Violation("authentic_garbage: raw seal failed"))?;
    check_session(codec.open(&v1))?;

    let legacy = legacy_seal_raw(
        &Key::from_bytes(KEY_1),
        garbage.legacy_flag,
        garbage.body,
        &mut FixedNonce([4; 16]),
    );
    let by_legacy = codec.open_legacy(&legacy);
    let by_open = codec.open(&legacy);
    ensure(
        by_legacy.as_ref().map(Session::to_flask_json)
            == by_open.as_ref().map(Session::to_flask_json),
        "authentic_garbage: open and open_legacy disagree on a legacy cookie",
    )?;
    check_session(by_legacy)
}

fn check_session(opened: Result<Session, SessionError>) -> Result<(), Violation> {
    let session = match opened {
        Ok(session) => session,
        Err(error) => {
            return ensure(
                match error {
                    SessionError::Cookie(e) => {
                        matches!(e.kind(), ErrorKind::Malformed | ErrorKind::TooLarge)
                    }
                    SessionError::InvalidSession
                    | SessionError::InvalidJson
                    | SessionError::TooDeep
                    | SessionError::InvalidBytes
                    | SessionError::LifetimeExceeded => true,
                    _ => false,
                },
                "authentic_garbage: not a clean error",
            );
        }
    };
    let unparsable = |_| Violation("authentic_garbage: serialized session does not parse");
    // Flask's convention: the same session back, byte for byte.
    let flask = session.to_flask_json();
    let again = Session::from_json(flask.as_bytes()).map_err(unparsable)?;
    ensure(
        again.to_flask_json() == flask,
        "authentic_garbage: session changes through its JSON",
    )?;
    // The Python format: its canonical text is stable. A plain object that
    // looks like a Python bytes tag but is not valid base64 cannot cross
    // into that format (Python would read it as bytes): the one refusal.
    let python = session
        .to_python_json()
        .map_err(|_| Violation("authentic_garbage: session does not serialize"))?;
    match Session::from_python_json(python.as_bytes()) {
        Ok(again) => ensure(
            again.to_python_json().ok().as_deref() == Some(python.as_str()),
            "authentic_garbage: session changes through its Python JSON",
        ),
        Err(SessionError::InvalidBytes) => ensure(
            python.contains("__type__"),
            "authentic_garbage: Python JSON refused without a bytes tag",
        ),
        Err(_) => Err(Violation("authentic_garbage: Python JSON does not parse")),
    }
}

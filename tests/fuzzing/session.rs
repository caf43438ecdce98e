//! The session-layer half of the `authentic_garbage` target: arbitrary bytes
//! sealed with a valid key, opened through `SessionCodec` as envelope v1 and
//! as a legacy (Python) cookie.
//!
//! The one module of this crate that uses the `sealed-session` crate: keep
//! what depends on its API here.

use sealed_session::{Session, SessionCodec, SessionError};
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
/// `InvalidJson`, `TooDeep`, `InvalidBytes`) or a valid session, whose JSON
/// parses back to the same map.
///
/// # Errors
/// The invariant that failed.
pub fn authentic_garbage(data: &[u8]) -> Result<(), Violation> {
    entry::authentic_garbage(data)?;
    let garbage = Garbage::read(data);
    let options = Options::new().with_max_plaintext_len(garbage.max_plaintext_len);
    let codec = SessionCodec::new(keyring(), options).with_legacy_key(&Key::from_bytes(KEY_1));

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
    check_session(codec.open_at(&v1, NOW))?;

    let legacy = legacy_seal_raw(
        &Key::from_bytes(KEY_1),
        garbage.legacy_flag,
        garbage.body,
        &mut FixedNonce([4; 16]),
    );
    let by_legacy = codec.open_legacy(&legacy);
    let by_open = codec.open_at(&legacy, NOW);
    ensure(
        by_legacy.as_ref().map(Session::as_map) == by_open.as_ref().map(Session::as_map),
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
                    SessionError::InvalidJson
                    | SessionError::TooDeep
                    | SessionError::InvalidBytes => true,
                    _ => false,
                },
                "authentic_garbage: not a clean error",
            );
        }
    };
    for json in [session.to_json_vec(), session.to_python_json_vec()] {
        let json = json.map_err(|_| Violation("authentic_garbage: session does not serialize"))?;
        let again = Session::from_json(&json)
            .map_err(|_| Violation("authentic_garbage: serialized session does not parse"))?;
        ensure(
            again.as_map() == session.as_map(),
            "authentic_garbage: session changes through its JSON",
        )?;
    }
    Ok(())
}

//! The `cookie_header` target: `Cookie` headers of arbitrary bytes, with
//! genuine session cookies spliced in, through `SessionCodec::load` and
//! `save`.
//!
//! Layout: a byte `n` (how many headers, 1 to 4), a byte of splice
//! instructions (bits 0-1: how many genuine cookies to splice, 0 to 3; bit
//! 2: splice them with the session's own name, else a near miss such as
//! `__host-session`), then the rest split into `n` headers at `0xff` bytes
//! (or evenly).
//!
//! Invariants: `load` never panics and never works past its input (at most
//! `SessionCodec::MAX_CANDIDATES` values under the name are tried); with
//! more values than that under the name, the session is empty, nothing is
//! deleted and `rejected` is `AmbiguousSession`. Otherwise, when a genuine
//! cookie is spliced under the session's name, the session opens with its
//! data (the newest, when several copies of the one session are), nothing
//! is deleted, and `rejected` is only ever a public reason; when none is,
//! the session is empty, and it is deleted on save exactly when a value
//! under the name was presented.

use alloc::sync::Arc;
use core::time::Duration;

use sealed_session::{
    CookieOutcome, FixedRandom, ManualClock, Session, SessionCodec, SessionError,
};

use super::{Input, NOW, Violation, ensure, keyring};

/// The name the codec reads, and a near miss that must never be read.
const NAME: &str = "__Host-session";
const NEAR_MISS: &str = "__host-session";

/// See the module documentation.
///
/// # Errors
/// The invariant that failed.
pub fn cookie_header(data: &[u8]) -> Result<(), Violation> {
    let mut input = Input(data);
    let headers_wanted = usize::from(input.byte() % 4) + 1;
    let splice = input.byte();
    let genuine_count = usize::from(splice & 0b11);
    let under_name = splice & 0b100 != 0;
    let rest = input.rest();

    let clock = Arc::new(ManualClock::new(NOW));
    let codec = SessionCodec::builder(keyring())
        .clock(Arc::clone(&clock))
        .random(FixedRandom::new([7]))
        .idle_timeout(Duration::from_secs(3600))
        .build()
        .map_err(|_| Violation("cookie_header: the codec does not build"))?;

    // Genuine cookies, sealed a second apart: the last is the newest. The
    // fixed randomness gives every one the same session id: copies of one
    // session, as a browser holds under two paths.
    let mut genuine = Vec::new();
    for i in 0..genuine_count {
        clock.set(NOW - 10 + i as u64);
        let mut session = Session::new();
        session
            .insert("n", i)
            .map_err(|_| Violation("cookie_header: insert"))?;
        let value = codec
            .seal(&session)
            .map_err(|_| Violation("cookie_header: seal"))?;
        genuine.push(value);
    }
    clock.set(NOW);

    // Split the fuzz bytes into headers and splice the genuine cookies in.
    let mut headers: Vec<Vec<u8>> = split_headers(rest, headers_wanted);
    let name = if under_name { NAME } else { NEAR_MISS };
    for (i, value) in genuine.iter().enumerate() {
        let header = &mut headers[i % headers_wanted];
        header.extend_from_slice(format!("; {name}={value}").as_bytes());
    }

    let loaded = codec.load(headers.iter().map(Vec::as_slice));
    let session = loaded.session;
    let saved = codec
        .save(&session)
        .map_err(|_| Violation("cookie_header: save failed"))?;
    if let Some(reason) = loaded.rejected {
        ensure(!reason.as_str().is_empty(), "cookie_header: empty reason")?;
    }
    let presented = headers
        .iter()
        .map(|header| sealed_session::cookie::cookie_values([header.as_slice()], NAME).count())
        .sum::<usize>();
    if presented > SessionCodec::MAX_CANDIDATES {
        ensure(session.is_empty(), "cookie_header: a session past the cap")?;
        ensure(
            loaded.rejected == Some(SessionError::AmbiguousSession),
            "cookie_header: past the cap without AmbiguousSession",
        )?;
        ensure(
            saved.session_cookie == CookieOutcome::Unchanged,
            "cookie_header: past the cap, something is set or deleted",
        )?;
    } else if under_name && genuine_count > 0 {
        // The fuzz bytes may hold other genuine-looking values, but none
        // authentic under this key: the newest spliced cookie wins.
        ensure(
            session.get::<usize>("n").ok().flatten() == Some(genuine_count - 1),
            "cookie_header: the newest genuine cookie did not win",
        )?;
        ensure(
            !matches!(saved.session_cookie, CookieOutcome::Delete(_)),
            "cookie_header: a good cookie would be deleted",
        )?;
    } else {
        ensure(session.is_empty(), "cookie_header: a session from nowhere")?;
        ensure(
            matches!(saved.session_cookie, CookieOutcome::Delete(_)) == (presented > 0),
            "cookie_header: deletion does not follow a presented cookie",
        )?;
    }
    Ok(())
}

/// `bytes` as `n` headers: at `0xff` bytes when there are enough, else in
/// even pieces.
fn split_headers(bytes: &[u8], n: usize) -> Vec<Vec<u8>> {
    let marks: Vec<&[u8]> = bytes.split(|&b| b == 0xff).collect();
    if marks.len() >= n {
        let mut headers: Vec<Vec<u8>> = marks[..n - 1].iter().map(|h| h.to_vec()).collect();
        headers.push(marks[n - 1..].join(&0xff));
        return headers;
    }
    let size = bytes.len().div_ceil(n).max(1);
    let mut headers: Vec<Vec<u8>> = bytes.chunks(size).map(<[u8]>::to_vec).collect();
    headers.resize(n, Vec::new());
    headers
}

//! The bounded inflater against `miniz_oxide`'s own: `inflate`.

use sealed_session_core::__private::{inflate_into, inflate_to_vec};
use sealed_session_core::ErrorKind;

use super::{Input, Violation, ensure, kind};

/// Inflates arbitrary bytes through the bounded inflater.
///
/// Layout: flags byte (bit 0: zlib, else raw DEFLATE), limit (u16), then the
/// stream.
///
/// Invariants: output never exceeds the limit, and the growing vector stays
/// within twice the limit (plus 64 bytes); `inflate_to_vec` and
/// `inflate_into` agree (given the same byte of headroom; with a buffer of
/// exactly the limit, a stream running past it may be `TooLarge` before it
/// is found `Malformed`); a buffer shorter than the limit gives the same
/// bytes or `BufferTooSmall`; what inflates, `miniz_oxide`'s own
/// `decompress_to_vec*_with_limit` inflates to the same bytes.
///
/// # Errors
/// The invariant that failed.
pub fn inflate(data: &[u8]) -> Result<(), Violation> {
    let mut input = Input(data);
    let zlib = input.byte() & 1 != 0;
    let limit = usize::from(input.u16());
    let stream = input.rest();

    let by_vec = inflate_to_vec(stream, limit, zlib);
    if let Ok(out) = &by_vec {
        ensure(out.len() <= limit, "inflate: output over the limit")?;
        ensure(
            out.capacity() <= 2 * (limit + 1) + 64,
            "inflate: vector grew past twice the limit",
        )?;
    }
    ensure(
        kind(&by_vec) != Some(ErrorKind::BufferTooSmall),
        "inflate: inflate_to_vec says BufferTooSmall",
    )?;

    // With a byte of headroom past the limit, as `inflate_to_vec` has: the same.
    let mut roomy = vec![0u8; limit + 1];
    let into_roomy = inflate_into(stream, &mut roomy, limit, zlib).map(|n| roomy[..n].to_vec());
    ensure(
        into_roomy == by_vec,
        "inflate: inflate_into and inflate_to_vec disagree",
    )?;

    // Exactly the limit: the same, except that a stream which goes on past
    // the limit is too large before it can be found malformed.
    let mut exact = vec![0u8; limit];
    let into_exact = inflate_into(stream, &mut exact, limit, zlib);
    let agrees = match (&by_vec, into_exact) {
        (Ok(out), Ok(n)) => exact[..n] == out[..],
        (Err(a), Err(b)) => a == &b || b.kind() == ErrorKind::TooLarge,
        _ => false,
    };
    ensure(
        agrees,
        "inflate: a buffer of exactly the limit changes the result",
    )?;

    // Shorter than the limit: the same bytes, or too small.
    let short_len = limit / 2;
    if short_len < limit {
        let mut short = vec![0u8; short_len];
        let into_short = inflate_into(stream, &mut short, limit, zlib);
        let agrees = match (&by_vec, into_short) {
            (Ok(out), Ok(n)) => out.len() <= short_len && short[..n] == out[..],
            (Ok(out), Err(e)) => out.len() > short_len && e.kind() == ErrorKind::BufferTooSmall,
            (Err(_), Ok(_)) => false,
            (Err(a), Err(b)) => a == &b || b.kind() == ErrorKind::BufferTooSmall,
        };
        ensure(agrees, "inflate: a short buffer changes the result")?;
    }

    if let Ok(out) = by_vec {
        let oracle = if zlib {
            miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(stream, limit)
        } else {
            miniz_oxide::inflate::decompress_to_vec_with_limit(stream, limit)
        };
        ensure(
            oracle.ok() == Some(out),
            "inflate: miniz_oxide inflates otherwise",
        )?;
    }
    Ok(())
}

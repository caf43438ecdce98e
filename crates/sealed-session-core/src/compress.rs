//! Bounded DEFLATE: inflation that never writes past a limit (works without
//! an allocator, with `miniz_oxide`'s inflater), and compression for seal
//! (needs `alloc`) with the crate's own encoder in [`encoder`].

#[cfg(feature = "alloc")]
mod encoder;

#[cfg(feature = "alloc")]
pub(crate) use encoder::deflate;
use miniz_oxide::inflate::TINFLStatus;
use miniz_oxide::inflate::core::{DecompressorOxide, decompress, inflate_flags};

use zeroize::Zeroize;

use crate::error::{Error, ErrorKind, err};

/// The DEFLATE stream wrapping in use.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Wrapping {
    /// Raw DEFLATE (RFC 1951), as envelope v1 uses: the AEAD tag already
    /// authenticates the bytes, so no checksum is carried.
    Raw,
    /// zlib (RFC 1950), as Python's `zlib.compress` writes it.
    #[cfg_attr(not(feature = "legacy"), allow(dead_code))]
    Zlib,
}

impl Wrapping {
    const fn flags(self) -> u32 {
        let base = inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
        match self {
            Self::Raw => base,
            Self::Zlib => base | inflate_flags::TINFL_FLAG_PARSE_ZLIB_HEADER,
        }
    }
}

/// Inflates all of `input` into `out`, writing at most `limit` bytes, and
/// returns the length written. On an error, what it wrote to `out` is
/// wiped.
///
/// The stream is inflated in order, and the first of these that happens
/// decides (FORMAT.md §6, step 8): more than `limit` bytes out is too large,
/// whatever follows; a stream that fails or ends otherwise is malformed.
///
/// # Errors
/// - [`ErrorKind::TooLarge`] if the stream puts out more than `limit` bytes
///   before it ends or fails;
/// - [`ErrorKind::BufferTooSmall`] if `out` is shorter than `limit` and the
///   stream does not fit in it;
/// - [`ErrorKind::Malformed`] for a corrupt, truncated or wrongly wrapped
///   stream, a bad zlib checksum, or bytes after the end of the stream.
pub(crate) fn inflate_into(
    input: &[u8],
    out: &mut [u8],
    limit: usize,
    wrapping: Wrapping,
) -> Result<usize, Error> {
    // One byte of headroom tells "exactly at the limit" from "over it".
    let room = out.len().min(limit.saturating_add(1));
    let mut state = DecompressorOxide::new();
    let (status, consumed, written) =
        decompress(&mut state, input, &mut out[..room], 0, wrapping.flags());
    let result = finish(status, consumed == input.len(), written, limit, out.len());
    if result.is_err() {
        out[..room].zeroize();
        reset(&mut state);
    }
    result
}

/// Inflates all of `input` into a vector that grows to at most `limit`
/// bytes (plus one, to tell "at the limit" from "over it"). Every buffer it
/// outgrows, and on an error the output so far, is wiped before it is
/// freed.
///
/// # Errors
/// As [`inflate_into`], without [`ErrorKind::BufferTooSmall`].
#[cfg(feature = "alloc")]
pub(crate) fn inflate_to_vec(
    input: &[u8],
    limit: usize,
    wrapping: Wrapping,
) -> Result<alloc::vec::Vec<u8>, Error> {
    use zeroize::Zeroizing;
    let cap = limit.saturating_add(1);
    // Not `clamp(64, cap)`: that panics when the limit is under 63.
    let first = input.len().saturating_mul(4).max(64).min(cap);
    let mut out = Zeroizing::new(alloc::vec![0u8; first]);
    let mut state = alloc::boxed::Box::new(DecompressorOxide::new());
    let (mut read, mut written) = (0usize, 0usize);
    let result = loop {
        let (status, consumed, produced) = decompress(
            &mut state,
            &input[read..],
            &mut out,
            written,
            wrapping.flags(),
        );
        read += consumed;
        written += produced;
        if status == TINFLStatus::HasMoreOutput && out.len() < cap {
            // A new buffer, not `resize`: a reallocation would free the old
            // one without wiping it. The output so far is the dictionary of
            // what follows, so it moves along. Four times the size, so that
            // few buffers are outgrown and wiped.
            let mut grown = Zeroizing::new(alloc::vec![0u8; out.len().saturating_mul(4).min(cap)]);
            grown[..written].copy_from_slice(&out[..written]);
            out = grown;
            continue;
        }
        break finish(status, read == input.len(), written, limit, usize::MAX);
    };
    let len = result.inspect_err(|_| reset(&mut state))?;
    // Past `len` the buffer holds only the zeros it was made with.
    let mut plain = core::mem::take(&mut *out);
    plain.truncate(len);
    Ok(plain)
}

/// The length, or the error, for how inflation stopped: with `status`,
/// `written` bytes out, and whether all input was used.
fn finish(
    status: TINFLStatus,
    all_input_used: bool,
    written: usize,
    limit: usize,
    out_len: usize,
) -> Result<usize, Error> {
    // Past the limit first: the stream was read in order, and whatever made
    // it stop (its end, a corrupt or missing part) lies after that point.
    if written > limit {
        return err(ErrorKind::TooLarge);
    }
    match status {
        TINFLStatus::Done if all_input_used => Ok(written),
        // Bytes after the end of the stream.
        TINFLStatus::Done => err(ErrorKind::Malformed),
        TINFLStatus::HasMoreOutput if out_len < limit => err(ErrorKind::BufferTooSmall),
        TINFLStatus::HasMoreOutput => err(ErrorKind::TooLarge),
        _ => err(ErrorKind::Malformed),
    }
}

/// Puts a fresh state over one that inflated a rejected stream (its tables
/// and bit buffer came from the plaintext's compressed form).
fn reset(state: &mut DecompressorOxide) {
    *state = DecompressorOxide::new();
    // The store must happen although nothing reads the state again.
    core::hint::black_box(state);
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn exactly_at_limit_is_accepted_and_one_over_is_not() {
        for wrapping in [Wrapping::Raw, Wrapping::Zlib] {
            let data = vec![b'a'; 1000];
            let packed = deflate(&data, wrapping).unwrap();
            assert_eq!(inflate_to_vec(&packed, 1000, wrapping).unwrap(), data);
            assert_eq!(
                inflate_to_vec(&packed, 999, wrapping).unwrap_err().kind(),
                ErrorKind::TooLarge
            );
            let mut out = vec![0u8; 1000];
            assert_eq!(inflate_into(&packed, &mut out, 1000, wrapping), Ok(1000));
            let mut big = vec![0u8; 5000];
            assert_eq!(
                inflate_into(&packed, &mut big, 999, wrapping)
                    .unwrap_err()
                    .kind(),
                ErrorKind::TooLarge
            );
            let mut small = vec![0u8; 500];
            assert_eq!(
                inflate_into(&packed, &mut small, 1000, wrapping)
                    .unwrap_err()
                    .kind(),
                ErrorKind::BufferTooSmall
            );
        }
    }

    #[test]
    fn trailing_bytes_truncation_and_checksum_are_malformed() {
        let data = b"hello hello hello hello".repeat(10);
        let mut raw = deflate(&data, Wrapping::Raw).unwrap();
        raw.push(0);
        assert_eq!(
            inflate_to_vec(&raw, 1 << 16, Wrapping::Raw)
                .unwrap_err()
                .kind(),
            ErrorKind::Malformed
        );
        raw.truncate(raw.len() - 3);
        assert_eq!(
            inflate_to_vec(&raw, 1 << 16, Wrapping::Raw)
                .unwrap_err()
                .kind(),
            ErrorKind::Malformed
        );
        let mut z = deflate(&data, Wrapping::Zlib).unwrap();
        let last = z.len() - 1;
        z[last] ^= 1;
        assert_eq!(
            inflate_to_vec(&z, 1 << 16, Wrapping::Zlib)
                .unwrap_err()
                .kind(),
            ErrorKind::Malformed
        );
        // A raw stream is not a zlib stream.
        let raw = deflate(&data, Wrapping::Raw).unwrap();
        assert_eq!(
            inflate_to_vec(&raw, 1 << 16, Wrapping::Zlib)
                .unwrap_err()
                .kind(),
            ErrorKind::Malformed
        );
    }
}

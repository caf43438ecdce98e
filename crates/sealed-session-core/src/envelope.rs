//! Envelope v1: the header, written and read by paired functions. FORMAT.md
//! at the repository root is the normative description.

use base64ct::Base64UrlUnpadded;

use crate::eax::TAG_LEN;
use crate::error::{Error, ErrorKind, err};

/// The envelope version this crate writes and reads.
pub const VERSION: u8 = 0x01;
/// Length of the random EAX nonce.
pub const NONCE_LEN: usize = 16;
/// Flag bit 0: the plaintext was DEFLATE-compressed before encryption.
pub(crate) const FLAG_COMPRESSED: u8 = 0b0000_0001;
/// Bytes of a v1 envelope that are not ciphertext: header, nonce and tag.
pub const OVERHEAD: usize = Header::LEN + NONCE_LEN + TAG_LEN;

/// The authenticated, public header of a v1 envelope: everything the cookie
/// says about itself before it is opened.
///
/// Anyone can read it with [`Header::peek`]; nothing in it is secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Header {
    /// Envelope version, [`VERSION`].
    pub version: u8,
    /// Whether the plaintext was compressed before encryption.
    pub compressed: bool,
    /// Id of the key that sealed the cookie.
    pub key_id: u8,
    /// When the cookie was sealed, in Unix seconds.
    pub issued_at: u64,
}

/// What [`Header::peek`] learns from a cookie without a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Peeked {
    /// The header.
    pub header: Header,
    /// Length of the ciphertext (the possibly compressed plaintext) in bytes.
    pub ciphertext_len: usize,
}

impl Header {
    /// Encoded length: version, flags, key id, issued-at (u64 big-endian).
    pub const LEN: usize = 11;

    /// Writes the header in its binary form.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; Self::LEN] {
        let mut out = [0u8; Self::LEN];
        out[0] = self.version;
        out[1] = if self.compressed { FLAG_COMPRESSED } else { 0 };
        out[2] = self.key_id;
        out[3..].copy_from_slice(&self.issued_at.to_be_bytes());
        out
    }

    /// Reads the header at the start of a decoded envelope of `bytes.len()`
    /// bytes, checking the version, the reserved flag bits and the minimum
    /// length.
    ///
    /// # Errors
    /// [`ErrorKind::UnknownVersion`] for a version other than [`VERSION`];
    /// [`ErrorKind::Malformed`] when a reserved flag bit is set or the input
    /// is shorter than [`OVERHEAD`].
    pub fn read(bytes: &[u8]) -> Result<Self, Error> {
        match bytes.first() {
            None => return err(ErrorKind::Malformed),
            Some(&VERSION) => {}
            Some(_) => return err(ErrorKind::UnknownVersion),
        }
        if bytes.len() < OVERHEAD {
            return err(ErrorKind::Malformed);
        }
        let flags = bytes[1];
        if flags & !FLAG_COMPRESSED != 0 {
            return err(ErrorKind::Malformed);
        }
        let mut issued_at = [0u8; 8];
        issued_at.copy_from_slice(&bytes[3..Self::LEN]);
        Ok(Self {
            version: VERSION,
            compressed: flags & FLAG_COMPRESSED != 0,
            key_id: bytes[2],
            issued_at: u64::from_be_bytes(issued_at),
        })
    }

    /// Reads the public header of a cookie without a key, after checking that
    /// the whole text is strict base64url. Nothing is authenticated: use it
    /// to inspect or route, never to trust.
    ///
    /// # Errors
    /// As [`Header::read`], plus [`ErrorKind::Malformed`] for text that is not
    /// canonical unpadded base64url.
    pub fn peek(text: &str) -> Result<Peeked, Error> {
        // The streaming decoder tolerates a trailing line break; §4 does not.
        if !text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return err(ErrorKind::Malformed);
        }
        let mut decoder =
            base64ct::Decoder::<Base64UrlUnpadded>::new(text.as_bytes()).map_err(malformed)?;
        let total = decoder.remaining_len();
        let mut start = [0u8; OVERHEAD];
        let take = total.min(OVERHEAD);
        decoder.decode(&mut start[..take]).map_err(malformed)?;
        // Validate the rest of the text without keeping it, before reading
        // the header: the same order as `open` (FORMAT.md §6, steps 2-4).
        let mut sink = [0u8; 48];
        while !decoder.is_finished() {
            let n = decoder.remaining_len().min(sink.len());
            decoder.decode(&mut sink[..n]).map_err(malformed)?;
        }
        let header = Self::read(&start[..take])?;
        Ok(Peeked {
            header,
            ciphertext_len: total - OVERHEAD,
        })
    }
}

fn malformed(_: base64ct::Error) -> Error {
    Error::new(ErrorKind::Malformed)
}

/// Length of the unpadded base64url text for `n` bytes.
pub(crate) const fn text_len(n: usize) -> usize {
    (n / 3) * 4
        + match n % 3 {
            0 => 0,
            1 => 2,
            _ => 3,
        }
}

/// Upper bound of the bytes that `text_len` characters of base64 decode to.
pub(crate) const fn decoded_len(text_len: usize) -> usize {
    (text_len / 4) * 3 + (text_len % 4) * 3 / 4
}

/// Decodes unpadded base64url `text` into the start of `out`, strictly
/// (canonical encodings only: no padding, no line breaks, zero unused
/// bits), and returns the decoded length, [`decoded_len`]`(text.len())`.
///
/// # Why not `base64ct` here
///
/// The cookie text is ciphertext, public by design: a decoder whose time
/// depends on the text leaks nothing, so the constant-time `base64ct`
/// (still used for keys) buys nothing here. `base64-simd` decodes the same
/// strict alphabet with SIMD where the CPU has it (the std crate turns on
/// its run-time detection) and a table-driven scalar loop elsewhere. On the
/// 1298-character cookie of the 930 B session in the quiet run of
/// `benches/RESULTS.md` (2026-12-07: "Open-time split" and the medians
/// table) it decodes in 0.17 µs, where this crate's chunked `base64ct`
/// decoder took 0.89 µs and one `base64ct` call on the whole text 2.60 µs.
/// The tests below hold it to
/// `base64ct`'s answers on every mutation of valid texts.
pub(crate) fn decode(text: &[u8], out: &mut [u8]) -> Result<usize, Error> {
    let len = decoded_len(text.len());
    let out = out
        .get_mut(..len)
        .ok_or(Error::new(ErrorKind::BufferTooSmall))?;
    if text.len() % 4 == 1 {
        return err(ErrorKind::Malformed);
    }
    match base64_simd::URL_SAFE_NO_PAD.decode(text, base64_simd::Out::from_slice(out)) {
        Ok(decoded) if decoded.len() == len => Ok(len),
        _ => err(ErrorKind::Malformed),
    }
}

/// Encodes `buf[..bin_len]` as unpadded base64url into the same buffer, in
/// place, and returns the text's length. `buf` must hold `text_len(bin_len)` bytes.
///
/// Chunks are encoded from the last to the first: chunk `i` reads
/// `[768i, 768i + 768)` and writes `[1024i, 1024i + 1024)`, which never
/// overlaps a chunk not yet read. From the fourth chunk on, a chunk's own
/// input and output do not overlap either, and it is encoded directly;
/// the first three go through a small copy, see [`encode_chunk`].
pub(crate) fn encode_in_place(buf: &mut [u8], bin_len: usize) -> Result<usize, Error> {
    const IN: usize = 48 * 16;
    const OUT: usize = 64 * 16;
    let total = text_len(bin_len);
    if buf.len() < total {
        return err(ErrorKind::BufferTooSmall);
    }
    let whole = bin_len / IN;
    encode_chunk(buf, whole * IN, bin_len % IN, whole * OUT)?;
    for i in (0..whole).rev() {
        encode_chunk(buf, i * IN, IN, i * OUT)?;
    }
    Ok(total)
}

/// The text that [`encode_in_place`] wrote: `buf[..len]`, checked once as
/// UTF-8 (base64 output is ASCII, so the check never fails).
pub(crate) fn encoded_text(buf: &[u8], len: usize) -> Result<&str, Error> {
    core::str::from_utf8(&buf[..len]).map_err(|_| Error::new(ErrorKind::Malformed))
}

/// Encodes `buf[read..read + len]` into `buf[write..write + text_len(len)]`,
/// for `write >= read` (`read` and `len` multiples of 3 unless this is the
/// end of the input). Where input and output overlap, it goes piece by
/// piece from the back through a copy: piece `p` writes from
/// `write + 256p >= read + 192p`, past every piece still to be read.
fn encode_chunk(buf: &mut [u8], read: usize, len: usize, write: usize) -> Result<(), Error> {
    const PIECE: usize = 48 * 4;
    if read + len <= write {
        let (input, output) = buf.split_at_mut(write);
        let output = output
            .get_mut(..text_len(len))
            .ok_or(Error::new(ErrorKind::BufferTooSmall))?;
        encode(&input[read..read + len], output);
        return Ok(());
    }
    let mut piece = [0u8; PIECE];
    for start in (0..len).step_by(PIECE).rev() {
        let n = (len - start).min(PIECE);
        piece[..n].copy_from_slice(&buf[read + start..read + start + n]);
        let at = write + start / 3 * 4;
        let output = buf
            .get_mut(at..at + text_len(n))
            .ok_or(Error::new(ErrorKind::BufferTooSmall))?;
        encode(&piece[..n], output);
    }
    Ok(())
}

/// Encodes `bin` into `output`, which holds exactly `text_len(bin.len())`
/// bytes: the fast encoder of the public cookie text (see [`decode`]).
fn encode(bin: &[u8], output: &mut [u8]) {
    let _ = base64_simd::URL_SAFE_NO_PAD.encode(bin, base64_simd::Out::from_slice(output));
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64ct::Encoding as _;

    #[test]
    fn header_round_trip() {
        let h = Header {
            version: VERSION,
            compressed: true,
            key_id: 7,
            issued_at: 0x0102_0304_0506_0708,
        };
        let bytes = h.to_bytes();
        assert_eq!(bytes, [1, 1, 7, 1, 2, 3, 4, 5, 6, 7, 8]);
        let mut env = [0u8; OVERHEAD];
        env[..Header::LEN].copy_from_slice(&bytes);
        assert_eq!(Header::read(&env), Ok(h));
    }

    #[test]
    fn header_rejections() {
        let mut env = [0u8; OVERHEAD];
        env[0] = 2;
        assert_eq!(
            Header::read(&env).unwrap_err().kind(),
            ErrorKind::UnknownVersion
        );
        env[0] = 1;
        env[1] = 0b10;
        assert_eq!(Header::read(&env).unwrap_err().kind(), ErrorKind::Malformed);
        env[1] = 0;
        assert_eq!(
            Header::read(&env[..OVERHEAD - 1]).unwrap_err().kind(),
            ErrorKind::Malformed
        );
        assert_eq!(Header::read(&[]).unwrap_err().kind(), ErrorKind::Malformed);
    }

    /// The chunked decoder against `base64ct` on whole texts: pseudo-random
    /// texts of every length up to 700 (past two chunks), valid and with one
    /// character replaced by each byte value at the start, in the middle
    /// of a chunk, at a chunk boundary and in the last four characters
    /// (where non-canonical tails live).
    #[test]
    fn chunked_decode_equals_whole_decode_and_rejects_the_same_texts() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut random = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut bin = [0u8; 525];
        let mut text = [0u8; 700];
        let (mut ours, mut theirs) = ([0u8; 525], [0u8; 525]);
        for len in 0..=text.len() {
            let n = decoded_len(len);
            bin.iter_mut().for_each(|b| *b = random() as u8);
            let valid = Base64UrlUnpadded::encode(&bin[..n], &mut text)
                .unwrap()
                .len();
            // Lengths 4k + 1 encode nothing: a random text of that length.
            if valid != len {
                text[..len]
                    .iter_mut()
                    .for_each(|c| *c = b"AQgw-_z9"[random() as usize % 8]);
            }
            let mut positions = [
                0,
                len / 2,
                255,
                256,
                len.saturating_sub(1),
                len.saturating_sub(2),
            ];
            positions
                .iter_mut()
                .for_each(|p| *p = (*p).min(len.saturating_sub(1)));
            for (round, position) in positions.into_iter().enumerate() {
                let mut mutated = text;
                if len > 0 && round > 0 {
                    mutated[position] = random() as u8;
                }
                let whole =
                    Base64UrlUnpadded::decode(&mutated[..len], &mut theirs).map(<[u8]>::len);
                let chunked = decode(&mutated[..len], &mut ours);
                match (whole, chunked) {
                    (Ok(a), Ok(b)) => {
                        assert_eq!(a, b, "len {len}");
                        assert_eq!(ours[..b], theirs[..a], "len {len}");
                    }
                    (Err(_), Err(e)) => assert_eq!(e.kind(), ErrorKind::Malformed),
                    (a, b) => panic!("len {len} at {position}: base64ct {a:?}, chunked {b:?}"),
                }
            }
        }
        // Every last character of a 258-character text (a chunk and two):
        // only the canonical ones (low 4 bits zero) decode.
        let mut text = [b'A'; 258];
        for last in 0..=255u8 {
            text[257] = last;
            let whole = Base64UrlUnpadded::decode(text, &mut theirs).is_ok();
            assert_eq!(decode(&text, &mut ours).is_ok(), whole, "last {last}");
        }
        assert_eq!(
            decode(&text[..8], &mut ours[..5]).unwrap_err().kind(),
            ErrorKind::BufferTooSmall
        );
    }

    #[test]
    fn in_place_encoding_matches_plain_encoding() {
        let mut src = [0u8; 4000];
        for (i, b) in src.iter_mut().enumerate() {
            *b = (i * 31 + 7) as u8;
        }
        let mut expect = [0u8; 5400];
        let mut buf = [0u8; 5400];
        // Every length past four 768-byte chunks: direct and copied chunks,
        // and every tail length.
        for n in 0..src.len() {
            let want = Base64UrlUnpadded::encode(&src[..n], &mut expect).unwrap();
            buf[..n].copy_from_slice(&src[..n]);
            let len = encode_in_place(&mut buf, n).unwrap();
            assert_eq!(&buf[..len], want.as_bytes(), "n = {n}");
            assert_eq!(text_len(n), want.len());
            assert!(decoded_len(want.len()) >= n);
        }
    }
}

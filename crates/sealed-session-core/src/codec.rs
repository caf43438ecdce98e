//! Seal and open: the two operations, over caller buffers and (with `alloc`)
//! over `String`/`Vec`.

use zeroize::Zeroize;

use crate::compress::{self, Wrapping};
use crate::eax::TAG_LEN;
use crate::envelope::{self, Header, NONCE_LEN, OVERHEAD, VERSION};
use crate::error::{Error, ErrorKind, err};
use crate::key::Keyring;

/// The largest context, in bytes, that can be bound to a cookie.
pub const MAX_CONTEXT_LEN: usize = u32::MAX as usize;

/// When `seal` compresses the plaintext. See [`Options::compression`] for
/// the length side channel that compression opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Compression {
    /// Never compress.
    Never,
    /// Compress plaintexts longer than this many bytes, and keep the result
    /// only when it is shorter. Only the allocating API compresses. The
    /// cookie's length then depends on the plaintext's content: see
    /// [`Options::compression`] before turning it on.
    Above(usize),
}

/// Limits and policies of a [`Codec`]. Start from [`Options::new`] (the
/// defaults) and adjust with the `with_*` methods; read them back with the
/// getters of the same name.
///
/// ```
/// use sealed_session_core::{Compression, Options};
///
/// let options = Options::new().with_max_age(Some(3600));
/// assert_eq!(options.max_age(), Some(3600));
/// assert_eq!(options.compression(), Compression::Never);
/// assert_eq!(options.max_text_len(), 4096);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Options {
    compression: Compression,
    max_plaintext_len: usize,
    max_text_len: usize,
    max_age: Option<u64>,
    clock_skew: u64,
}

impl Options {
    /// The defaults: no compression, plaintexts up to 64 KiB, cookie text up
    /// to 4096 bytes, no maximum age, 60 seconds of clock skew.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            compression: Compression::Never,
            max_plaintext_len: 64 * 1024,
            max_text_len: 4096,
            max_age: None,
            clock_skew: 60,
        }
    }

    /// When the allocating seal compresses. Default [`Compression::Never`].
    ///
    /// Compression makes the cookie's length depend on how repetitive the
    /// plaintext is. When a session holds a secret (a CSRF token, an
    /// identifier) together with anything an attacker can influence (a
    /// search term, a "last viewed" list), an attacker who sees only the
    /// lengths of the cookies the server sets can guess the secret a few
    /// characters at a time (the CRIME/BREACH attacks). Turn it on only
    /// for plaintexts that hold no secret next to attacker-chosen data.
    #[must_use]
    pub const fn compression(&self) -> Compression {
        self.compression
    }

    /// The largest plaintext `open` returns, after decompression: the
    /// decompression-bomb bound. `seal` refuses longer plaintexts. Default
    /// 64 KiB.
    #[must_use]
    pub const fn max_plaintext_len(&self) -> usize {
        self.max_plaintext_len
    }

    /// The longest cookie text, in bytes (the value alone, without a cookie
    /// name), accepted by `open` (checked before any other work) and
    /// produced by `seal`. Default 4096. Browsers keep a cookie whose name
    /// and value together take at most 4096 bytes; the `sealed-session`
    /// crate enforces that rule on top of this one.
    #[must_use]
    pub const fn max_text_len(&self) -> usize {
        self.max_text_len
    }

    /// Cookies older than this many seconds are [`ErrorKind::Expired`].
    /// Default: no limit.
    #[must_use]
    pub const fn max_age(&self) -> Option<u64> {
        self.max_age
    }

    /// How far in the future, in seconds, an issue time may lie before the
    /// cookie is [`ErrorKind::IssuedInFuture`]. Default 60.
    #[must_use]
    pub const fn clock_skew(&self) -> u64 {
        self.clock_skew
    }

    /// Sets [`Options::compression`]. See there what compression risks.
    #[must_use]
    pub const fn with_compression(mut self, compression: Compression) -> Self {
        self.compression = compression;
        self
    }

    /// Sets [`Options::max_plaintext_len`].
    #[must_use]
    pub const fn with_max_plaintext_len(mut self, len: usize) -> Self {
        self.max_plaintext_len = len;
        self
    }

    /// Sets [`Options::max_text_len`].
    #[must_use]
    pub const fn with_max_text_len(mut self, len: usize) -> Self {
        self.max_text_len = len;
        self
    }

    /// Sets [`Options::max_age`].
    #[must_use]
    pub const fn with_max_age(mut self, seconds: Option<u64>) -> Self {
        self.max_age = seconds;
        self
    }

    /// Sets [`Options::clock_skew`].
    #[must_use]
    pub const fn with_clock_skew(mut self, seconds: u64) -> Self {
        self.clock_skew = seconds;
        self
    }
}

impl Default for Options {
    fn default() -> Self {
        Self::new()
    }
}

/// Where a seal gets its 16-byte nonce: implement it over your platform's
/// cryptographically secure generator (a hardware RNG on a device, the OS
/// elsewhere; the `sealed-session` crate has a fork-safe one).
///
/// With feature `rand_core-0_10`, every `rand_core` 0.10 `CryptoRng` is a
/// `NonceSource`. [`FixedNonce`] supplies explicit bytes for test vectors.
pub trait NonceSource {
    /// Fills `nonce` with fresh bytes.
    fn fill_nonce(&mut self, nonce: &mut [u8; NONCE_LEN]);
}

#[cfg(feature = "rand_core-0_10")]
impl<R: rand_core::CryptoRng + ?Sized> NonceSource for R {
    fn fill_nonce(&mut self, nonce: &mut [u8; NONCE_LEN]) {
        self.fill_bytes(nonce);
    }
}

/// An explicit nonce, for test vectors only. Sealing twice with the same key
/// and nonce reveals the XOR of the two plaintexts: in production, pass a
/// CSPRNG.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixedNonce(pub [u8; NONCE_LEN]);

impl NonceSource for FixedNonce {
    fn fill_nonce(&mut self, nonce: &mut [u8; NONCE_LEN]) {
        *nonce = self.0;
    }
}

/// An opened cookie: the plaintext and what its authenticated header said.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Opened<P> {
    /// The plaintext (decompressed when it was compressed).
    pub plaintext: P,
    /// Id of the key that opened it.
    pub key_id: u8,
    /// When it was sealed, in Unix seconds.
    pub issued_at: u64,
    /// Whether the plaintext had been compressed.
    pub compressed: bool,
    /// The cookie opened under a key other than the primary: seal it again so
    /// the older key can be retired.
    pub reseal_advised: bool,
}

impl<P> Opened<P> {
    /// Replaces the plaintext, keeping the header information.
    pub fn map<Q>(self, f: impl FnOnce(P) -> Q) -> Opened<Q> {
        Opened {
            plaintext: f(self.plaintext),
            key_id: self.key_id,
            issued_at: self.issued_at,
            compressed: self.compressed,
            reseal_advised: self.reseal_advised,
        }
    }
}

/// Seals and opens cookies with one [`Keyring`] and one set of [`Options`].
/// Build it once; it is cheap to share.
#[derive(Clone, Debug)]
pub struct Codec {
    keyring: Keyring,
    options: Options,
}

impl Codec {
    /// A codec over `keyring` with `options`.
    #[must_use]
    pub const fn new(keyring: Keyring, options: Options) -> Self {
        Self { keyring, options }
    }

    /// The keyring.
    #[must_use]
    pub const fn keyring(&self) -> &Keyring {
        &self.keyring
    }

    /// The options.
    #[must_use]
    pub const fn options(&self) -> &Options {
        &self.options
    }

    /// The exact length of the cookie text [`Codec::seal`] writes for a
    /// plaintext of `plaintext_len` bytes: size `seal`'s buffer with it.
    #[must_use]
    pub const fn seal_len(plaintext_len: usize) -> usize {
        envelope::text_len(OVERHEAD.saturating_add(plaintext_len))
    }

    /// Buffer length that [`Codec::open`] needs for a cookie of `text_len`
    /// characters: room for the decoded envelope, plus
    /// [`Options::max_plaintext_len`] to inflate into in case the cookie is
    /// compressed. An uncompressed cookie needs only the first part.
    #[must_use]
    pub const fn open_len(&self, text_len: usize) -> usize {
        envelope::decoded_len(text_len).saturating_add(self.options.max_plaintext_len)
    }

    /// Seals `plaintext` into `out` and returns the cookie text, without
    /// allocating and without compressing.
    ///
    /// `context` (for example the cookie's name) is authenticated but not
    /// stored: `open` must be given the same bytes. `now` is the issue time in
    /// Unix seconds.
    ///
    /// # Errors
    /// - [`ErrorKind::TooLarge`] if the plaintext exceeds
    ///   [`Options::max_plaintext_len`] or the text would exceed
    ///   [`Options::max_text_len`];
    /// - [`ErrorKind::BufferTooSmall`] if `out` is shorter than
    ///   [`Codec::seal_len`];
    /// - [`ErrorKind::ContextTooLong`] if `context` exceeds
    ///   [`MAX_CONTEXT_LEN`].
    pub fn seal<'o, N: NonceSource + ?Sized>(
        &self,
        plaintext: &[u8],
        context: &[u8],
        now: u64,
        nonce: &mut N,
        out: &'o mut [u8],
    ) -> Result<&'o str, Error> {
        self.check_plaintext(plaintext.len())?;
        let region = out
            .get_mut(OVERHEAD - TAG_LEN..OVERHEAD - TAG_LEN + plaintext.len())
            .ok_or(Error::new(ErrorKind::BufferTooSmall))?;
        region.copy_from_slice(plaintext);
        let len = self.seal_in_place(plaintext.len(), false, context, now, nonce, out)?;
        envelope::encoded_text(out, len)
    }

    /// [`Codec::seal`] for a plaintext the caller already wrote at
    /// `out[27..27 + body_len]`, where the ciphertext goes.
    #[cfg(feature = "serde")]
    pub(crate) fn seal_body<'o, N: NonceSource + ?Sized>(
        &self,
        body_len: usize,
        context: &[u8],
        now: u64,
        nonce: &mut N,
        out: &'o mut [u8],
    ) -> Result<&'o str, Error> {
        self.check_plaintext(body_len)?;
        let len = self.seal_in_place(body_len, false, context, now, nonce, out)?;
        envelope::encoded_text(out, len)
    }

    /// Seals `plaintext`, compressing it as [`Options::compression`] says,
    /// and returns the cookie text.
    ///
    /// # Errors
    /// As [`Codec::seal`], without [`ErrorKind::BufferTooSmall`].
    #[cfg(feature = "alloc")]
    pub fn seal_to_string<N: NonceSource + ?Sized>(
        &self,
        plaintext: &[u8],
        context: &[u8],
        now: u64,
        nonce: &mut N,
    ) -> Result<alloc::string::String, Error> {
        self.check_plaintext(plaintext.len())?;
        let packed = match self.options.compression {
            Compression::Above(threshold) if plaintext.len() > threshold => {
                Some(compress::deflate(plaintext, Wrapping::Raw)?)
                    .filter(|packed| packed.len() < plaintext.len())
            }
            _ => None,
        };
        let body = packed.as_deref().unwrap_or(plaintext);
        let mut out = alloc::vec![0u8; Self::seal_len(body.len())];
        out[OVERHEAD - TAG_LEN..OVERHEAD - TAG_LEN + body.len()].copy_from_slice(body);
        let len =
            self.seal_in_place(body.len(), packed.is_some(), context, now, nonce, &mut out)?;
        out.truncate(len);
        // The buffer holds only base64url characters: one check, here.
        alloc::string::String::from_utf8(out).map_err(|_| Error::new(ErrorKind::Malformed))
    }

    /// Opens `text` into `buf` without allocating, and returns the plaintext
    /// (a slice of `buf`) with what the header said.
    ///
    /// Checks run in this order: text length, encoding and shape, version,
    /// key id, **authenticity**, then time, then decompression. Nothing is
    /// decompressed or parsed before the tag has verified. When an authentic
    /// cookie is rejected after that (expired, issued in the future, too
    /// large, or a compressed body that does not inflate), the plaintext
    /// decrypted into `buf`, and whatever was inflated of it, is wiped
    /// before the error returns.
    ///
    /// # Errors
    /// - [`ErrorKind::TooLarge`]: text over [`Options::max_text_len`], or a
    ///   plaintext over [`Options::max_plaintext_len`];
    /// - [`ErrorKind::Malformed`], [`ErrorKind::UnknownVersion`],
    ///   [`ErrorKind::UnknownKeyId`]: the public shape is wrong
    ///   ([`ErrorKind::UnknownKeyId`] also for a key retired at `now`, see
    ///   [`KeyTimes`](crate::KeyTimes));
    /// - [`ErrorKind::Unauthentic`]: wrong key or context, or any change;
    /// - [`ErrorKind::Expired`], [`ErrorKind::IssuedInFuture`];
    /// - [`ErrorKind::Malformed`] also for an authentic compressed body that
    ///   is not one whole raw DEFLATE stream;
    /// - [`ErrorKind::BufferTooSmall`]: `buf` is shorter than the decoded
    ///   envelope, or than a compressed cookie's plaintext
    ///   ([`Codec::open_len`] is always enough);
    /// - [`ErrorKind::ContextTooLong`].
    pub fn open<'b>(
        &self,
        text: &str,
        context: &[u8],
        now: u64,
        buf: &'b mut [u8],
    ) -> Result<Opened<&'b [u8]>, Error> {
        let (opened, body) = self.open_in_place(text, context, now, buf)?;
        let (envelope, spare) = buf.split_at_mut(body.end);
        let body = &mut envelope[body.start..];
        if !opened.compressed {
            let body: &'b [u8] = body;
            return Ok(opened.map(|()| body));
        }
        let limit = self.options.max_plaintext_len;
        // `inflate_into` wipes what it wrote when it fails; the compressed
        // plaintext is wiped here.
        let len = compress::inflate_into(body, spare, limit, Wrapping::Raw)
            .inspect_err(|_| body.zeroize())?;
        Ok(opened.map(|()| &spare[..len]))
    }

    /// Opens `text` and returns the plaintext as a vector.
    ///
    /// Until it returns, the plaintext only ever sits in buffers that are
    /// wiped before they are freed: the decoded envelope, and the growing
    /// output of inflation. The vector returned is yours to wipe (for
    /// example by holding it in `zeroize::Zeroizing`).
    ///
    /// # Errors
    /// As [`Codec::open`], without [`ErrorKind::BufferTooSmall`].
    #[cfg(feature = "alloc")]
    pub fn open_to_vec(
        &self,
        text: &str,
        context: &[u8],
        now: u64,
    ) -> Result<Opened<alloc::vec::Vec<u8>>, Error> {
        if text.len() > self.options.max_text_len {
            return err(ErrorKind::TooLarge);
        }
        let mut buf = zeroize::Zeroizing::new(alloc::vec![0u8; envelope::decoded_len(text.len())]);
        let (opened, body) = self.open_in_place(text, context, now, &mut buf)?;
        let plaintext = if opened.compressed {
            let limit = self.options.max_plaintext_len;
            compress::inflate_to_vec(&buf[body], limit, Wrapping::Raw)?
        } else {
            // The plaintext moves to the front of the buffer, which is
            // returned; the rest of it is wiped first.
            let len = body.len();
            buf.copy_within(body, 0);
            buf[len..].zeroize();
            buf.truncate(len);
            core::mem::take(&mut *buf)
        };
        Ok(opened.map(|()| plaintext))
    }

    fn check_plaintext(&self, len: usize) -> Result<(), Error> {
        if len > self.options.max_plaintext_len {
            return err(ErrorKind::TooLarge);
        }
        Ok(())
    }

    /// Seals the `body_len` bytes that sit at `out[27..]` (after header and
    /// nonce), writes header, nonce and tag around them, and encodes the
    /// whole envelope as text in place; returns the text length.
    pub(crate) fn seal_in_place<N: NonceSource + ?Sized>(
        &self,
        body_len: usize,
        compressed: bool,
        context: &[u8],
        now: u64,
        nonce: &mut N,
        out: &mut [u8],
    ) -> Result<usize, Error> {
        let header = Header {
            version: VERSION,
            compressed,
            key_id: self.keyring.primary_id_at(now),
            issued_at: now,
        };
        self.seal_with_header(header.to_bytes(), body_len, context, nonce, out)
    }

    /// [`Codec::seal_in_place`] with the header bytes given (the fuzzing
    /// hooks write any version and flags).
    pub(crate) fn seal_with_header<N: NonceSource + ?Sized>(
        &self,
        header: [u8; Header::LEN],
        body_len: usize,
        context: &[u8],
        nonce: &mut N,
        out: &mut [u8],
    ) -> Result<usize, Error> {
        let context_len = context_len(context)?;
        let bin_len = OVERHEAD + body_len;
        let text_len = envelope::text_len(bin_len);
        if text_len > self.options.max_text_len {
            return err(ErrorKind::TooLarge);
        }
        if out.len() < text_len {
            return err(ErrorKind::BufferTooSmall);
        }
        let (head, rest) = out.split_at_mut(Header::LEN);
        head.copy_from_slice(&header);
        let (nonce_bytes, rest) = rest.split_at_mut(NONCE_LEN);
        let mut fresh = [0u8; NONCE_LEN];
        nonce.fill_nonce(&mut fresh);
        nonce_bytes.copy_from_slice(&fresh);
        let (body, rest) = rest.split_at_mut(body_len);
        // The key the header names: `seal_in_place` chose it with
        // `primary_id_at`, and it is always present.
        let Some((key, _)) = self.keyring.get(header[2]) else {
            return err(ErrorKind::UnknownKeyId);
        };
        let tag = key.encrypt(&fresh, &[&header, &context_len, context], body);
        rest[..TAG_LEN].copy_from_slice(&tag);
        envelope::encode_in_place(out, bin_len)
    }

    /// Decodes and authenticates `text` into `buf`, checks the time, and
    /// returns the header facts and where the (possibly compressed) body is.
    fn open_in_place(
        &self,
        text: &str,
        context: &[u8],
        now: u64,
        buf: &mut [u8],
    ) -> Result<(Opened<()>, core::ops::Range<usize>), Error> {
        if text.len() > self.options.max_text_len {
            return err(ErrorKind::TooLarge);
        }
        let context_len = context_len(context)?;
        let room = envelope::decoded_len(text.len());
        let buf = buf
            .get_mut(..room)
            .ok_or(Error::new(ErrorKind::BufferTooSmall))?;
        let bin_len = envelope::decode(text.as_bytes(), buf)?;
        let bin = &mut buf[..bin_len];
        let header = Header::read(bin)?;
        let key = self
            .keyring
            .opener(header.key_id, now)
            .ok_or(Error::new(ErrorKind::UnknownKeyId))?;
        let (head, rest) = bin.split_at_mut(Header::LEN);
        let (nonce, rest) = rest.split_at_mut(NONCE_LEN);
        let (body, tag) = rest.split_at_mut(bin_len - OVERHEAD);
        let mut tag_bytes = [0u8; TAG_LEN];
        tag_bytes.copy_from_slice(tag);
        key.decrypt(nonce, &[head, &context_len, context], body, &tag_bytes)
            .map_err(|()| Error::new(ErrorKind::Unauthentic))?;

        // Authentic from here on: `body` is plaintext, wiped if rejected.
        let rejected = if header.issued_at > now.saturating_add(self.options.clock_skew) {
            Some(ErrorKind::IssuedInFuture)
        } else if self
            .options
            .max_age
            .is_some_and(|max_age| now.saturating_sub(header.issued_at) > max_age)
        {
            Some(ErrorKind::Expired)
        } else if !header.compressed && body.len() > self.options.max_plaintext_len {
            Some(ErrorKind::TooLarge)
        } else {
            None
        };
        if let Some(kind) = rejected {
            body.zeroize();
            return err(kind);
        }
        let start = Header::LEN + NONCE_LEN;
        let opened = Opened {
            plaintext: (),
            key_id: header.key_id,
            issued_at: header.issued_at,
            compressed: header.compressed,
            reseal_advised: header.key_id != self.keyring.primary_id_at(now),
        };
        Ok((opened, start..start + body.len()))
    }
}

/// The context's length prefix: u32 big-endian.
fn context_len(context: &[u8]) -> Result<[u8; 4], Error> {
    u32::try_from(context.len())
        .map(u32::to_be_bytes)
        .map_err(|_| Error::new(ErrorKind::ContextTooLong))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::Key;

    /// A session holding a secret: what must not stay behind.
    const PLAIN: &[u8] = br#"{"user":42,"csrf":"9c1e5b7a2f40d8e3"}"#;
    const CONTEXT: &[u8] = b"session";
    const ISSUED: u64 = 1_000_000;

    fn codec(options: Options) -> Codec {
        Codec::new(Keyring::new(1, &Key::from_bytes([9; 32])), options)
    }

    /// How many windows of 8 bytes of `PLAIN` occur in `buf`.
    fn plaintext_windows_in(buf: &[u8]) -> usize {
        PLAIN
            .windows(8)
            .filter(|needle| buf.windows(8).any(|w| w == *needle))
            .count()
    }

    /// Opens `cookie` into a fresh buffer with `opener` at `now`, and
    /// returns the error and how many plaintext windows the buffer holds.
    fn reject(opener: &Codec, cookie: &str, now: u64) -> (ErrorKind, usize) {
        let mut buf = [0xa5u8; 4096];
        let kind = opener
            .open(cookie, CONTEXT, now, &mut buf)
            .unwrap_err()
            .kind();
        (kind, plaintext_windows_in(&buf))
    }

    #[test]
    fn an_expired_or_future_or_oversized_authentic_cookie_leaves_no_plaintext_in_the_buffer() {
        let sealer = codec(Options::new().with_max_age(Some(60)));
        let mut out = [0u8; Codec::seal_len(PLAIN.len())];
        let cookie = sealer
            .seal(PLAIN, CONTEXT, ISSUED, &mut FixedNonce([1; 16]), &mut out)
            .unwrap();

        // Opened in time, the buffer holds the plaintext: the search finds it.
        let mut buf = [0xa5u8; 4096];
        let opened = sealer.open(cookie, CONTEXT, ISSUED + 60, &mut buf).unwrap();
        assert_eq!(opened.plaintext, PLAIN);
        assert_eq!(plaintext_windows_in(&buf), PLAIN.len() - 7);

        assert_eq!(
            reject(&sealer, cookie, ISSUED + 61),
            (ErrorKind::Expired, 0)
        );
        assert_eq!(
            reject(&sealer, cookie, ISSUED - 61),
            (ErrorKind::IssuedInFuture, 0)
        );
        let small = codec(Options::new().with_max_plaintext_len(PLAIN.len() - 1));
        assert_eq!(reject(&small, cookie, ISSUED), (ErrorKind::TooLarge, 0));
        // Not authentic: the buffer holds the ciphertext, never plaintext.
        let mut buf = [0xa5u8; 4096];
        let error = sealer.open(cookie, b"other", ISSUED, &mut buf).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Unauthentic);
        assert_eq!(plaintext_windows_in(&buf), 0);
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn a_compressed_cookie_rejected_while_inflating_leaves_no_plaintext_in_the_buffer() {
        use alloc::vec::Vec;

        let plain = PLAIN.repeat(100);
        let packing = codec(Options::new().with_compression(Compression::Above(0)));
        let cookie = packing
            .seal_to_string(&plain, CONTEXT, ISSUED, &mut FixedNonce([2; 16]))
            .unwrap();
        let mut buf = [0xa5u8; 4096];
        let opened = packing.open(&cookie, CONTEXT, ISSUED, &mut buf).unwrap();
        assert!(opened.compressed);
        assert_eq!(opened.plaintext, plain);
        assert_eq!(plaintext_windows_in(&buf), PLAIN.len() - 7);

        // Inflation stops one byte past the bound, with most of the
        // plaintext written.
        let bound = codec(Options::new().with_max_plaintext_len(plain.len() - 1));
        assert_eq!(reject(&bound, &cookie, ISSUED), (ErrorKind::TooLarge, 0));

        // A whole stream with a byte after it: all of it inflated, then
        // rejected.
        let mut body: Vec<u8> = compress::deflate(&plain, Wrapping::Raw).unwrap();
        body.push(0);
        let mut out = alloc::vec![0u8; Codec::seal_len(body.len())];
        out[Header::LEN + NONCE_LEN..][..body.len()].copy_from_slice(&body);
        let len = packing
            .seal_in_place(
                body.len(),
                true,
                CONTEXT,
                ISSUED,
                &mut FixedNonce([3; 16]),
                &mut out,
            )
            .unwrap();
        let trailing = core::str::from_utf8(&out[..len]).unwrap();
        assert_eq!(
            reject(&packing, trailing, ISSUED),
            (ErrorKind::Malformed, 0)
        );
    }
}

//! Typed helpers (feature `serde`): seal and open any serde value as
//! postcard, a compact binary, instead of JSON.

use serde::{Deserialize, Serialize};

use crate::codec::{Codec, NonceSource, Opened};
use crate::eax::TAG_LEN;
use crate::envelope::OVERHEAD;
use crate::error::{Error, ErrorKind};

impl Codec {
    /// Serializes `value` with postcard straight into `out` and seals it
    /// there, without allocating. Size `out` with
    /// [`Codec::seal_len`]`(serialized length)`.
    ///
    /// # Errors
    /// As [`Codec::seal`]; a value that does not fit in `out` or that postcard
    /// cannot serialize is [`ErrorKind::BufferTooSmall`].
    pub fn seal_value<'o, T: Serialize + ?Sized, N: NonceSource + ?Sized>(
        &self,
        value: &T,
        context: &[u8],
        now: u64,
        nonce: &mut N,
        out: &'o mut [u8],
    ) -> Result<&'o str, Error> {
        let start = OVERHEAD - TAG_LEN;
        let room = out
            .get_mut(start..)
            .ok_or(Error::new(ErrorKind::BufferTooSmall))?;
        let len = postcard::to_slice(value, room)
            .map_err(|_| Error::new(ErrorKind::BufferTooSmall))?
            .len();
        self.seal_body(len, context, now, nonce, out)
    }

    /// Serializes `value` with postcard and seals it, compressing as the
    /// options say.
    ///
    /// # Errors
    /// As [`Codec::seal_to_string`]; a value postcard cannot serialize is
    /// [`ErrorKind::Malformed`].
    #[cfg(feature = "alloc")]
    pub fn seal_value_to_string<T: Serialize + ?Sized, N: NonceSource + ?Sized>(
        &self,
        value: &T,
        context: &[u8],
        now: u64,
        nonce: &mut N,
    ) -> Result<alloc::string::String, Error> {
        let bytes = postcard::to_allocvec(value).map_err(|_| Error::new(ErrorKind::Malformed))?;
        self.seal_to_string(&bytes, context, now, nonce)
    }

    /// Opens `text` into `buf` and deserializes the plaintext with postcard.
    /// The value may borrow from `buf`.
    ///
    /// # Errors
    /// As [`Codec::open`]; an authentic plaintext that is not exactly one
    /// postcard value of type `T` is [`ErrorKind::Malformed`].
    pub fn open_value<'b, T: Deserialize<'b>>(
        &self,
        text: &str,
        context: &[u8],
        now: u64,
        buf: &'b mut [u8],
    ) -> Result<Opened<T>, Error> {
        let opened = self.open(text, context, now, buf)?;
        let value = from_postcard(opened.plaintext)?;
        Ok(opened.map(|_| value))
    }

    /// Opens `text` and deserializes an owned value with postcard.
    ///
    /// # Errors
    /// As [`Codec::open_value`], without [`ErrorKind::BufferTooSmall`].
    #[cfg(feature = "alloc")]
    pub fn open_value_to_owned<T: serde::de::DeserializeOwned>(
        &self,
        text: &str,
        context: &[u8],
        now: u64,
    ) -> Result<Opened<T>, Error> {
        let opened = self.open_to_vec(text, context, now)?;
        let value = from_postcard(&opened.plaintext)?;
        Ok(opened.map(|_| value))
    }
}

fn from_postcard<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, Error> {
    match postcard::take_from_bytes(bytes) {
        Ok((value, [])) => Ok(value),
        _ => Err(Error::new(ErrorKind::Malformed)),
    }
}

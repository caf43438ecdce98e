//! The session payload: what the std layer puts inside an envelope v1
//! cookie. FORMAT.md §12 is the normative description.
//!
//! ```text
//! payload = meta body [padding]
//! meta    = 0x00 flags created_at(u64 BE) [id(16)] [subject_len(1) subject]
//! flags   = bit 0: permanent, bit 1: id present, bit 2: subject present;
//!           bits 3-7 reserved (0)
//! body    = a JSON object (JSON sessions) or a postcard value (typed)
//! padding = spaces (JSON sessions only), up to a multiple of a block
//! ```
//!
//! A plaintext that starts with `{` or JSON whitespace instead of `0x00` is
//! a bare JSON object: a session without metadata, as other tools (the
//! command line's `seal`, other implementations) write it.

use core::fmt;

use base64ct::{Base64UrlUnpadded, Encoding};

use crate::error::SessionError;

/// The first byte of a payload with metadata.
const MARKER: u8 = 0x00;
const PERMANENT: u8 = 0b01;
const HAS_ID: u8 = 0b10;
const HAS_SUBJECT: u8 = 0b100;
/// Length of the metadata without and with an id.
pub(crate) const META_LEN: usize = 10;
pub(crate) const META_WITH_ID_LEN: usize = META_LEN + SessionId::LEN;

/// A session's identity: 16 random bytes, drawn when the session is first
/// sealed and again after [`Session::regenerate`](crate::Session::regenerate).
/// Displays as 22 characters of unpadded base64url.
///
/// It is not a secret of the cookie (anyone holding the cookie could use
/// it anyway), but it is unique: use it to bind CSRF tokens or to correlate
/// logs, never as a credential on its own.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionId([u8; 16]);

impl SessionId {
    /// Length of an id in bytes.
    pub const LEN: usize = 16;

    /// The id's bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// An id from its bytes.
    #[must_use]
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = [0u8; 22];
        f.write_str(Base64UrlUnpadded::encode(&self.0, &mut out).unwrap_or_default())
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionId({self})")
    }
}

/// What the payload says about the session besides its data.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Meta {
    /// When the session was created (Unix seconds); `None` until first
    /// sealed.
    pub(crate) created_at: Option<u64>,
    pub(crate) id: Option<SessionId>,
    pub(crate) permanent: bool,
    /// Who the session belongs to, named by the app at login (FORMAT.md
    /// §12, REVOCATION.md): 1 to 255 bytes of UTF-8.
    pub(crate) subject: Option<alloc::sync::Arc<str>>,
}

impl Meta {
    /// Writes the metadata (`created_at` must be set by then).
    pub(crate) fn write(&self, created_at: u64, out: &mut Vec<u8>) {
        let mut flags = 0;
        if self.permanent {
            flags |= PERMANENT;
        }
        if self.id.is_some() {
            flags |= HAS_ID;
        }
        if self.subject.is_some() {
            flags |= HAS_SUBJECT;
        }
        out.push(MARKER);
        out.push(flags);
        out.extend_from_slice(&created_at.to_be_bytes());
        if let Some(id) = &self.id {
            out.extend_from_slice(&id.0);
        }
        if let Some(subject) = &self.subject {
            // `set_subject` bounds it to 1..=255 bytes.
            out.push(u8::try_from(subject.len()).unwrap_or(u8::MAX));
            out.extend_from_slice(&subject.as_bytes()[..subject.len().min(255)]);
        }
    }

    /// Splits a payload into its metadata and body. A bare JSON object has
    /// no metadata (`created_at` then stays `None`).
    pub(crate) fn read(payload: &[u8]) -> Result<(Self, &[u8]), SessionError> {
        match payload.first() {
            Some(&MARKER) => {}
            Some(b'{' | b' ' | b'\t' | b'\n' | b'\r') => return Ok((Self::default(), payload)),
            _ => return Err(SessionError::InvalidSession),
        }
        let (Some(&flags), Some(created)) = (payload.get(1), payload.get(2..META_LEN)) else {
            return Err(SessionError::InvalidSession);
        };
        if flags & !(PERMANENT | HAS_ID | HAS_SUBJECT) != 0 {
            return Err(SessionError::InvalidSession);
        }
        let mut created_at = [0u8; 8];
        created_at.copy_from_slice(created);
        let mut meta = Self {
            created_at: Some(u64::from_be_bytes(created_at)),
            id: None,
            permanent: flags & PERMANENT != 0,
            subject: None,
        };
        let mut body = &payload[META_LEN..];
        if flags & HAS_ID != 0 {
            let id = body
                .get(..SessionId::LEN)
                .ok_or(SessionError::InvalidSession)?;
            let mut bytes = [0u8; SessionId::LEN];
            bytes.copy_from_slice(id);
            meta.id = Some(SessionId(bytes));
            body = &body[SessionId::LEN..];
        }
        if flags & HAS_SUBJECT != 0 {
            let (&len, rest) = body.split_first().ok_or(SessionError::InvalidSession)?;
            let bytes = rest
                .get(..usize::from(len))
                .filter(|bytes| !bytes.is_empty())
                .ok_or(SessionError::InvalidSession)?;
            let subject = core::str::from_utf8(bytes).map_err(|_| SessionError::InvalidSession)?;
            meta.subject = Some(subject.into());
            body = &rest[usize::from(len)..];
        }
        Ok((meta, body))
    }
}

/// Pads `payload` with spaces to the next multiple of `block` bytes.
pub(crate) fn pad(payload: &mut Vec<u8>, block: usize) {
    if block > 1 {
        let rem = payload.len() % block;
        if rem != 0 {
            payload.resize(payload.len() + (block - rem), b' ');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_layout() {
        let meta = Meta {
            created_at: Some(0x0102_0304_0506_0708),
            id: Some(SessionId([0xaa; 16])),
            permanent: true,
            subject: None,
        };
        let mut out = Vec::new();
        meta.write(0x0102_0304_0506_0708, &mut out);
        out.extend_from_slice(b"{}");
        assert_eq!(out.len(), META_WITH_ID_LEN + 2);
        assert_eq!(&out[..10], [0, 3, 1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(Meta::read(&out).unwrap(), (meta, &b"{}"[..]));

        // FORMAT.md §12: the subject after the id, its length first.
        let meta = Meta {
            created_at: Some(0x0102_0304_0506_0708),
            id: Some(SessionId([0xaa; 16])),
            permanent: false,
            subject: Some("user-42".into()),
        };
        let mut out = Vec::new();
        meta.write(0x0102_0304_0506_0708, &mut out);
        out.extend_from_slice(b"{}");
        let mut expected = vec![0, 6, 1, 2, 3, 4, 5, 6, 7, 8];
        expected.extend_from_slice(&[0xaa; 16]);
        expected.push(7);
        expected.extend_from_slice(b"user-42{}");
        assert_eq!(out, expected);
        assert_eq!(Meta::read(&out).unwrap(), (meta, &b"{}"[..]));

        let bare = Meta::read(b" {\"a\":1}").unwrap();
        assert_eq!(bare, (Meta::default(), &b" {\"a\":1}"[..]));
    }

    /// The example of FORMAT.md §12, byte for byte.
    #[test]
    fn subject_vector_of_format_md() {
        let meta = Meta {
            created_at: Some(1_796_659_200),
            id: Some(SessionId([0xaa; 16])),
            permanent: false,
            subject: Some("user-42".into()),
        };
        let mut out = Vec::new();
        meta.write(1_796_659_200, &mut out);
        out.extend_from_slice(b"{}");
        let hex: String = out.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            format!(
                "0006000000006b16d800{}07757365722d34327b7d",
                "aa".repeat(16)
            )
        );
    }

    #[test]
    fn malformed_metadata() {
        for bad in [
            &b""[..],
            b"[1]",
            b"\x01\x00",
            b"\x00",
            b"\x00\x00\x01\x02",
            b"\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00{}",
            b"\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00short",
            // Reserved bit 3; a subject of length 0, cut short, not UTF-8.
            b"\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00{}",
            b"\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00{}",
            b"\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x09abc",
            b"\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x01\xff{}",
        ] {
            assert_eq!(
                Meta::read(bad),
                Err(SessionError::InvalidSession),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn padding_rounds_up() {
        let mut payload = b"12345".to_vec();
        pad(&mut payload, 4);
        assert_eq!(payload, b"12345   ");
        pad(&mut payload, 4);
        assert_eq!(payload.len(), 8);
        pad(&mut payload, 1);
        assert_eq!(payload.len(), 8);
        assert_eq!(SessionId([0; 16]).to_string(), "AAAAAAAAAAAAAAAAAAAAAA");
    }
}

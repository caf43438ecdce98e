//! The keyring text format: one `<kid> <key>` per line, the first key line
//! the primary key. Shared by the `sealed-session` crate (files and the
//! `SEALED_SESSION_KEYS` environment variable) and the command line.
//!
//! Errors name the line, never its text: a mistyped line may well hold key
//! material.

use core::fmt;

use crate::key::{KEY_LEN, Key, Keyring};

/// Why keyring text did not parse: the line (1-based) and what is wrong
/// with it. Never contains any of the text.
///
/// ```
/// use sealed_session_core::{KeyTextError, Keyring};
///
/// let error = Keyring::from_text("1 not-a-key").unwrap_err();
/// assert_eq!(error.line(), Some(1));
/// assert_eq!(
///     error.to_string(),
///     "line 1: the key must be 43 base64url characters or 64 hex digits"
/// );
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeyTextError {
    line: usize,
    reason: KeyTextReason,
}

/// What is wrong with a line of keyring text; see [`KeyTextError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyTextReason {
    /// The line is not two fields, `<kid> <key>`.
    Shape,
    /// The key id is not a decimal from 0 to 255.
    KeyId,
    /// The key is not 43 characters of canonical unpadded base64url or 64
    /// hex digits.
    Key,
    /// The key id was already used, on this earlier line.
    DuplicateKeyId {
        /// The line where the id first appears.
        first_line: usize,
    },
    /// More keys than [`Keyring::CAPACITY`].
    TooManyKeys,
    /// The text holds no key line at all.
    NoKeys,
}

impl KeyTextError {
    /// The 1-based line at fault; `None` when the text holds no key.
    #[must_use]
    pub const fn line(&self) -> Option<usize> {
        match self.reason {
            KeyTextReason::NoKeys => None,
            _ => Some(self.line),
        }
    }

    /// What is wrong.
    #[must_use]
    pub const fn reason(&self) -> KeyTextReason {
        self.reason
    }
}

impl fmt::Display for KeyTextReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Shape => f.write_str("expected `<kid> <key>`"),
            Self::KeyId => f.write_str("the key id must be a decimal from 0 to 255"),
            Self::Key => f.write_str("the key must be 43 base64url characters or 64 hex digits"),
            Self::DuplicateKeyId { first_line } => {
                write!(f, "this key id is already used on line {first_line}")
            }
            Self::TooManyKeys => write!(
                f,
                "too many keys (a keyring holds at most {})",
                Keyring::CAPACITY
            ),
            Self::NoKeys => f.write_str("no keys (expected lines of `<kid> <key>`)"),
        }
    }
}

impl fmt::Display for KeyTextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line() {
            Some(line) => write!(f, "line {line}: {}", self.reason),
            None => fmt::Display::fmt(&self.reason, f),
        }
    }
}

impl core::error::Error for KeyTextError {}

impl Keyring {
    /// Parses keyring text: one key per line, `<kid> <key>`, the first key
    /// line the primary (sealing) key and the others keys that only open.
    ///
    /// - The kid is a decimal from 0 to 255 (one to three ASCII digits).
    /// - The key is 32 bytes as 43 characters of canonical unpadded
    ///   base64url, or as 64 hex digits in either case (see [`Key::parse`]).
    /// - Fields are separated by spaces or tabs; surrounding whitespace on a
    ///   line is ignored, and so are blank lines and lines starting with
    ///   `#`. Lines end with `\n` or `\r\n`.
    /// - Key ids are distinct, and there are at most [`Keyring::CAPACITY`]
    ///   keys.
    ///
    /// Each key is parsed in place and expanded into the keyring; with
    /// `alloc`, no copy of it is left behind except the caller's text, which
    /// the caller should wipe (for example by holding it in
    /// `zeroize::Zeroizing`). See [`Keyring`] on where the key material
    /// lives.
    ///
    /// ```
    /// use sealed_session_core::Keyring;
    ///
    /// let text = "# rotated 2026-11-30\n\
    ///             2 1PVkKtgFFSrYUaFZIVEdmYj3KEBT9D54ngcbObuyjaU\n\
    ///             1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";
    /// let keyring = Keyring::from_text(text)?;
    /// assert_eq!(keyring.primary_id(), 2);
    /// assert_eq!(keyring.ids().collect::<Vec<_>>(), [2, 1]);
    /// # Ok::<(), sealed_session_core::KeyTextError>(())
    /// ```
    ///
    /// # Errors
    /// A [`KeyTextError`] naming the first bad line and what is wrong with
    /// it, never its text.
    pub fn from_text(text: &str) -> Result<Self, KeyTextError> {
        let mut keyring: Option<Self> = None;
        let mut lines_of = [0usize; Self::CAPACITY];
        let mut count = 0;
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            let line = line.trim_ascii();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |reason| KeyTextError {
                line: number,
                reason,
            };
            let mut fields = line.split_ascii_whitespace();
            let (Some(kid), Some(key), None) = (fields.next(), fields.next(), fields.next()) else {
                return Err(bad(KeyTextReason::Shape));
            };
            let kid = parse_kid(kid).ok_or(bad(KeyTextReason::KeyId))?;
            // Parsed in place: the key is not moved, so no copy of it is
            // left behind; it is wiped when dropped at the end of the loop.
            let mut parsed = Key::from_bytes([0; KEY_LEN]);
            parsed
                .fill_from_text(key)
                .map_err(|_| bad(KeyTextReason::Key))?;
            let key = &parsed;
            match keyring.as_mut() {
                None => keyring = Some(Self::new(kid, key)),
                Some(ring) => {
                    if let Some(position) = ring.ids().position(|id| id == kid) {
                        let first_line = lines_of[position];
                        return Err(bad(KeyTextReason::DuplicateKeyId { first_line }));
                    }
                    ring.add(kid, key)
                        .map_err(|_| bad(KeyTextReason::TooManyKeys))?;
                }
            }
            lines_of[count] = number;
            count += 1;
        }
        keyring.ok_or(KeyTextError {
            line: 0,
            reason: KeyTextReason::NoKeys,
        })
    }
}

/// A key id: one to three ASCII digits, at most 255.
fn parse_kid(text: &str) -> Option<u8> {
    if text.is_empty() || text.len() > 3 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    const B64: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

    #[test]
    fn first_key_is_primary_and_comments_are_skipped() {
        let keyring = Keyring::from_text("# rotated\n\n  7 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\r\n3\t000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n").unwrap();
        assert_eq!(keyring.primary_id(), 7);
        let mut ids = [0u8; 2];
        for (slot, id) in ids.iter_mut().zip(keyring.ids()) {
            *slot = id;
        }
        assert_eq!(ids, [7, 3]);
    }

    /// FORMAT.md §7.2: a kid of up to three digits (`007` is 7), fields and
    /// lines trimmed of ASCII whitespace, a CR LF line end.
    #[test]
    fn kids_and_whitespace_as_specified() {
        let mut buf = [0u8; 200];
        let mut n = 0;
        for part in ["\x0c007\t ", B64, " \r\n  255 ", HEX] {
            buf[n..n + part.len()].copy_from_slice(part.as_bytes());
            n += part.len();
        }
        let keyring = Keyring::from_text(core::str::from_utf8(&buf[..n]).unwrap()).unwrap();
        assert_eq!(keyring.primary_id(), 7);
        assert!(keyring.contains(255));
    }

    fn reason_at(text: &str) -> (Option<usize>, KeyTextReason) {
        let error = Keyring::from_text(text).unwrap_err();
        (error.line(), error.reason())
    }

    #[test]
    fn bad_lines_name_the_line() {
        // Built in a fixed buffer: this test runs without an allocator too.
        fn join<'b>(buf: &'b mut [u8; 400], parts: &[&str]) -> &'b str {
            let mut n = 0;
            for part in parts {
                buf[n..n + part.len()].copy_from_slice(part.as_bytes());
                n += part.len();
            }
            core::str::from_utf8(&buf[..n]).unwrap()
        }
        let mut buf = [0u8; 400];
        let cases: [(&[&str], Option<usize>, KeyTextReason); 8] = [
            (&["1 ", HEX, "\n256 ", HEX], Some(2), KeyTextReason::KeyId),
            (&["-1 ", HEX], Some(1), KeyTextReason::KeyId),
            (&["\n\n1 ", B64, "0"], Some(3), KeyTextReason::Key),
            (&["1 ", HEX, " extra"], Some(1), KeyTextReason::Shape),
            (&[B64], Some(1), KeyTextReason::Shape),
            (
                &["1 ", HEX, "\n# c\n1 ", B64],
                Some(3),
                KeyTextReason::DuplicateKeyId { first_line: 1 },
            ),
            (&["# only a comment\n\n"], None, KeyTextReason::NoKeys),
            (
                &[
                    "1 ", HEX, "\n2 ", HEX, "\n3 ", HEX, "\n4 ", HEX, "\n5 ", HEX,
                ],
                Some(5),
                KeyTextReason::TooManyKeys,
            ),
        ];
        for (parts, line, reason) in cases {
            let got = reason_at(join(&mut buf, parts));
            assert_eq!(got, (line, reason));
        }
    }
}

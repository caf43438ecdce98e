//! Keyring text: one `<kid> <key>` per line, the first line the primary key.
//!
//! Errors name the source and the line number, never the line's text: a
//! mistyped line may well hold key material.

use std::ffi::OsString;
use std::path::Path;

use sealed_session_core::{Key, Keyring};
use zeroize::Zeroizing;

use crate::failure::Failure;

/// The environment variable that holds keyring text when `--keys` is absent.
pub(crate) const KEYS_ENV: &str = "SEALED_SESSION_KEYS";

/// The keys of a keyring text, in file order: the first is the primary.
/// Never empty and never longer than [`Keyring::CAPACITY`]; key ids are
/// distinct.
#[derive(Debug)]
pub(crate) struct KeyList {
    keys: Vec<(u8, Key)>,
}

impl KeyList {
    /// Parses keyring text read from `source` (a phrase such as
    /// `key file keys.txt`, used only in error messages).
    ///
    /// # Errors
    /// An input [`Failure`] naming the line of a bad key id, bad key text, a
    /// duplicate key id, a line that is not `<kid> <key>`, or a key past the
    /// keyring's capacity; or saying the text holds no key.
    pub(crate) fn parse(text: &str, source: &str) -> Result<Self, Failure> {
        let mut keys: Vec<(u8, Key, usize)> = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |what: &str| Failure::input(format!("{source}, line {number}: {what}"));
            let mut fields = line.split_ascii_whitespace();
            let (Some(kid), Some(key), None) = (fields.next(), fields.next(), fields.next()) else {
                return Err(bad("expected `<kid> <key>`"));
            };
            let kid =
                parse_kid(kid).ok_or_else(|| bad("the key id must be a decimal from 0 to 255"))?;
            let key = Key::parse(key)
                .map_err(|_| bad("the key must be 43 base64url characters or 64 hex digits"))?;
            if let Some((_, _, first)) = keys.iter().find(|(id, _, _)| *id == kid) {
                return Err(bad(&format!(
                    "key id {kid} is already used on line {first}"
                )));
            }
            if keys.len() == Keyring::CAPACITY {
                return Err(bad(&format!(
                    "too many keys (a keyring holds at most {})",
                    Keyring::CAPACITY
                )));
            }
            keys.push((kid, key, number));
        }
        if keys.is_empty() {
            return Err(Failure::input(format!(
                "{source}: no keys (expected lines of `<kid> <key>`)"
            )));
        }
        Ok(Self {
            keys: keys.into_iter().map(|(kid, key, _)| (kid, key)).collect(),
        })
    }

    /// Reads and parses keyring text from `path`, or, when `path` is `None`,
    /// from the environment variable [`KEYS_ENV`].
    ///
    /// # Errors
    /// An input [`Failure`] when the file cannot be read, the text is not
    /// UTF-8, neither source is given, or the text does not parse.
    pub(crate) fn load(path: Option<&str>, option: &str) -> Result<Self, Failure> {
        match path {
            Some(path) => {
                let source = format!("key file {path}");
                let bytes = Zeroizing::new(std::fs::read(Path::new(path)).map_err(|error| {
                    Failure::input(format!("cannot read {source}: {}", io_reason(&error)))
                })?);
                Self::parse(utf8(&bytes, &source)?, &source)
            }
            None => {
                let value = std::env::var_os(KEYS_ENV).ok_or_else(|| {
                    Failure::input(format!("no keys: pass {option} FILE or set {KEYS_ENV}"))
                })?;
                let bytes = Zeroizing::new(os_bytes(value));
                Self::parse(utf8(&bytes, KEYS_ENV)?, KEYS_ENV)
            }
        }
    }

    /// A keyring of one key.
    pub(crate) fn single(kid: u8, key: Key) -> Self {
        Self {
            keys: vec![(kid, key)],
        }
    }

    /// The primary key's id and key.
    pub(crate) fn primary(&self) -> (u8, &Key) {
        // `parse` never returns an empty list.
        let (kid, key) = &self.keys[0];
        (*kid, key)
    }

    /// All keys as a keyring, the first line's key sealing.
    pub(crate) fn keyring(&self) -> Keyring {
        let (kid, key) = self.primary();
        let mut keyring = Keyring::new(kid, key);
        for (kid, key) in &self.keys[1..] {
            // Ids are distinct and the count is within capacity: cannot fail.
            let _ = keyring.add(*kid, key);
        }
        keyring
    }
}

/// A key id: one to three ASCII digits, at most 255.
fn parse_kid(text: &str) -> Option<u8> {
    if text.is_empty() || text.len() > 3 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// The text of `bytes`, or an error naming the line of the first byte that
/// is not UTF-8.
fn utf8<'b>(bytes: &'b [u8], source: &str) -> Result<&'b str, Failure> {
    core::str::from_utf8(bytes).map_err(|error| {
        let before = &bytes[..error.valid_up_to()];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        Failure::input(format!("{source}, line {line}: not UTF-8 text"))
    })
}

#[cfg(unix)]
fn os_bytes(value: OsString) -> Vec<u8> {
    use std::os::unix::ffi::OsStringExt;
    value.into_vec()
}

#[cfg(not(unix))]
fn os_bytes(value: OsString) -> Vec<u8> {
    value.to_string_lossy().into_owned().into_bytes()
}

/// A short reason for an I/O error, without the OS's error number.
pub(crate) fn io_reason(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    const B64: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

    #[test]
    fn first_key_is_primary_and_comments_are_skipped() {
        let text = format!("# rotated 2024\n\n  7 {B64}\r\n3\t{HEX}\n");
        let list = KeyList::parse(&text, "test").unwrap();
        let (kid, key) = list.primary();
        assert_eq!(kid, 7);
        assert_eq!(*key, Key::parse(HEX).unwrap());
        let keyring = list.keyring();
        assert_eq!(keyring.ids().collect::<Vec<_>>(), [7, 3]);
    }

    #[test]
    fn bad_lines_name_the_line_and_never_the_text() {
        let secret = "s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t-x";
        let cases = [
            (
                format!("1 {HEX}\n256 {HEX}"),
                "t, line 2: the key id must be a decimal from 0 to 255",
            ),
            (
                format!("{secret} 1"),
                "t, line 1: the key id must be a decimal from 0 to 255",
            ),
            (
                format!("-1 {HEX}"),
                "t, line 1: the key id must be a decimal from 0 to 255",
            ),
            (
                format!("\n\n1 {secret}0"),
                "t, line 3: the key must be 43 base64url characters or 64 hex digits",
            ),
            (
                format!("1 {HEX} extra"),
                "t, line 1: expected `<kid> <key>`",
            ),
            (secret.to_owned(), "t, line 1: expected `<kid> <key>`"),
            (
                format!("1 {HEX}\n# c\n1 {B64}"),
                "t, line 3: key id 1 is already used on line 1",
            ),
            (
                "# only a comment\n\n".to_owned(),
                "t: no keys (expected lines of `<kid> <key>`)",
            ),
            (
                format!("1 {HEX}\n2 {HEX}\n3 {HEX}\n4 {HEX}\n5 {HEX}"),
                "t, line 5: too many keys (a keyring holds at most 4)",
            ),
        ];
        for (text, message) in cases {
            let failure = KeyList::parse(&text, "t").unwrap_err();
            assert_eq!(failure, Failure::input(message), "{text:?}");
            assert!(!failure.to_string().contains("s3cr3t"));
        }
    }

    #[test]
    fn non_utf8_names_the_line() {
        assert_eq!(
            utf8(b"# a\n1 \xff", "t").unwrap_err(),
            Failure::input("t, line 2: not UTF-8 text")
        );
    }
}

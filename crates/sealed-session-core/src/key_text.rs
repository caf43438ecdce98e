//! The keyring text format: one `<kid> <key> [activates=<time>]
//! [retires=<time>]` per line, the first key line the primary key (FORMAT.md
//! §7.2, §7.3). Shared by the `sealed-session` crate (files and the
//! `SEALED_SESSION_KEYS` environment variable) and the command line.
//!
//! Errors name the line, never its text: a mistyped line may well hold key
//! material.

use core::fmt;

use crate::key::{KEY_LEN, Key, KeyTimes, Keyring};

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
    /// The line is not `<kid> <key>` followed by optional `name=value` fields.
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
    /// A field after the key is not `activates=<time>` or
    /// `retires=<time>`, or one of them appears twice.
    Field,
    /// A time is not `YYYY-MM-DDTHH:MM:SSZ` (UTC, years 1970 to 9999).
    Time,
    /// The key retires at or before its activation: it would never seal.
    RetiresBeforeActivates,
    /// From this time (Unix seconds) on, no key would seal: every key is
    /// then not yet active or retired.
    NoSealingKey {
        /// The first such moment.
        at: u64,
    },
}

impl KeyTextError {
    /// The 1-based line at fault; `None` when the text holds no key.
    #[must_use]
    pub const fn line(&self) -> Option<usize> {
        match self.reason {
            KeyTextReason::NoKeys | KeyTextReason::NoSealingKey { .. } => None,
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
            Self::Field => f.write_str(
                "after the key, only `activates=<time>` and `retires=<time>`, each at most once",
            ),
            Self::Time => f.write_str("a time must be YYYY-MM-DDTHH:MM:SSZ (UTC)"),
            Self::RetiresBeforeActivates => {
                f.write_str("the key retires at or before its activation")
            }
            Self::NoSealingKey { at } => {
                f.write_str("no key seals from ")?;
                let mut buf = [0u8; TIME_LEN];
                f.write_str(format_time(*at, &mut buf))
            }
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
    /// - Optional fields after the key set its [`KeyTimes`] (FORMAT.md
    ///   §7.3): `activates=<time>` and `retires=<time>`, each at most once,
    ///   in either order, a time written `YYYY-MM-DDTHH:MM:SSZ` (UTC). The
    ///   key that seals is then [`Keyring::primary_id_at`]; text without
    ///   times parses as it always did. A keyring that would leave a moment
    ///   with no key to seal is refused
    ///   ([`KeyTextReason::NoSealingKey`]).
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
            let (Some(kid), Some(key)) = (fields.next(), fields.next()) else {
                return Err(bad(KeyTextReason::Shape));
            };
            let kid = parse_kid(kid).ok_or(bad(KeyTextReason::KeyId))?;
            let times = parse_times(fields).map_err(bad)?;
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
            if let Some(ring) = keyring.as_mut() {
                ring.set_times(kid, times);
            }
            lines_of[count] = number;
            count += 1;
        }
        let keyring = keyring.ok_or(KeyTextError {
            line: 0,
            reason: KeyTextReason::NoKeys,
        })?;
        if let Some(at) = keyring.first_gap() {
            return Err(KeyTextError {
                line: 0,
                reason: KeyTextReason::NoSealingKey { at },
            });
        }
        Ok(keyring)
    }
}

/// The optional fields after a key: `activates=<time>`, `retires=<time>`.
fn parse_times<'t>(fields: impl Iterator<Item = &'t str>) -> Result<KeyTimes, KeyTextReason> {
    let mut times = KeyTimes::ALWAYS;
    for field in fields {
        // A field without `=` is a line of another shape, as before times.
        let (name, value) = field.split_once('=').ok_or(KeyTextReason::Shape)?;
        let slot = match name {
            "activates" => &mut times.activates_at,
            "retires" => &mut times.retires_at,
            _ => return Err(KeyTextReason::Field),
        };
        if slot.is_some() {
            return Err(KeyTextReason::Field);
        }
        *slot = Some(parse_time(value).ok_or(KeyTextReason::Time)?);
    }
    if let (Some(activates_at), Some(retires_at)) = (times.activates_at, times.retires_at)
        && retires_at <= activates_at
    {
        return Err(KeyTextReason::RetiresBeforeActivates);
    }
    Ok(times)
}

/// Length of a time in keyring text: `YYYY-MM-DDTHH:MM:SSZ`.
const TIME_LEN: usize = KeyTimes::TIME_LEN;

impl KeyTimes {
    /// Length of a time in keyring text, `YYYY-MM-DDTHH:MM:SSZ`.
    pub const TIME_LEN: usize = 20;

    /// Parses a time as keyring text writes it (FORMAT.md §7.3):
    /// `YYYY-MM-DDTHH:MM:SSZ`, UTC, a real date from 1970 to 9999. Returns
    /// Unix seconds, or `None` for anything else.
    ///
    /// ```
    /// use sealed_session_core::KeyTimes;
    ///
    /// assert_eq!(KeyTimes::parse_time("2026-12-07T16:00:00Z"), Some(1_796_659_200));
    /// assert_eq!(KeyTimes::parse_time("2026-12-07T16:00:00+00:00"), None);
    /// let mut buf = [0u8; KeyTimes::TIME_LEN];
    /// assert_eq!(KeyTimes::write_time(1_796_659_200, &mut buf), "2026-12-07T16:00:00Z");
    /// ```
    #[must_use]
    pub fn parse_time(text: &str) -> Option<u64> {
        parse_time(text)
    }

    /// Writes Unix seconds as keyring text does, `YYYY-MM-DDTHH:MM:SSZ`;
    /// times after 9999 are written as its last second.
    pub fn write_time(at: u64, buf: &mut [u8; Self::TIME_LEN]) -> &str {
        format_time(at, buf)
    }
}

/// Parses `YYYY-MM-DDTHH:MM:SSZ` (UTC; a real calendar date, years 1970 to
/// 9999, no leap second) into Unix seconds.
fn parse_time(text: &str) -> Option<u64> {
    let b = text.as_bytes();
    if b.len() != TIME_LEN
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'Z'
    {
        return None;
    }
    let num = |range: core::ops::Range<usize>| -> Option<u64> {
        b[range].iter().try_fold(0u64, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u64::from(d - b'0'))
        })
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if year < 1970 || !(1..=12).contains(&month) || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if day == 0 || day > month_days[(month - 1) as usize] {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + hour * 3600 + minute * 60 + second)
}

/// Days from 1970-01-01 to a date on or after it (H. Hinnant's
/// `days_from_civil`).
const fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Writes Unix seconds as `YYYY-MM-DDTHH:MM:SSZ` (H. Hinnant's
/// `civil_from_days`); times past 9999 show as `9999-12-31T23:59:59Z`.
fn format_time(at: u64, buf: &mut [u8; TIME_LEN]) -> &str {
    let at = at.min(253_402_300_799);
    let (days, secs) = (at / 86_400, at % 86_400);
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    let mut put = |at: usize, width: usize, mut value: u64| {
        for i in (at..at + width).rev() {
            buf[i] = b'0' + (value % 10) as u8;
            value /= 10;
        }
    };
    put(0, 4, year);
    put(5, 2, month);
    put(8, 2, day);
    put(11, 2, secs / 3600);
    put(14, 2, secs / 60 % 60);
    put(17, 2, secs % 60);
    for (i, c) in [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'Z'),
    ] {
        buf[i] = c;
    }
    core::str::from_utf8(buf).unwrap_or_default()
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

    const K1: &str = "1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    const K3: &str = "3 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

    /// Times against Python's `calendar.timegm` (outside ground truth).
    #[test]
    fn times_parse_and_format_as_python_computes() {
        for (text, unix) in [
            ("1970-01-01T00:00:00Z", 0),
            ("2000-02-29T12:34:56Z", 951_827_696),
            ("2024-02-29T00:00:00Z", 1_709_164_800),
            ("2026-12-07T16:00:00Z", 1_796_659_200),
            ("2027-01-01T00:00:00Z", 1_798_761_600),
            ("9999-12-31T23:59:59Z", 253_402_300_799),
        ] {
            assert_eq!(parse_time(text), Some(unix), "{text}");
            let mut buf = [0u8; TIME_LEN];
            assert_eq!(format_time(unix, &mut buf), text);
        }
        for bad in [
            "2026-12-07T16:00:00",
            "2026-12-07 16:00:00Z",
            "2026-12-07T16:00:00+00:00",
            "2026-12-07t16:00:00Z",
            "1969-12-31T23:59:59Z",
            "2023-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-12-00T00:00:00Z",
            "2026-12-07T24:00:00Z",
            "2026-12-07T23:60:00Z",
            "2026-12-07T23:59:60Z",
            "+026-12-07T16:00:00Z",
            "1796659200",
            "",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    /// FORMAT.md §7.3 vector 1: a new key activating at a set time, the old
    /// one retiring a day later.
    #[test]
    fn activation_switches_the_primary_at_the_same_second() {
        let keyring = Keyring::from_text(
            "3 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8 activates=2026-12-07T16:00:00Z\n\
             1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f retires=2026-12-08T16:00:00Z\n",
        )
        .unwrap();
        let t = 1_796_659_200;
        assert_eq!(keyring.primary_id(), 3);
        assert_eq!(keyring.primary_id_at(0), 1);
        assert_eq!(keyring.primary_id_at(t - 1), 1);
        assert_eq!(keyring.primary_id_at(t), 3);
        assert_eq!(keyring.primary_id_at(u64::MAX), 3);
        assert_eq!(
            keyring.times(3),
            Some(KeyTimes {
                activates_at: Some(t),
                retires_at: None
            })
        );
        assert_eq!(
            keyring.times(1),
            Some(KeyTimes {
                activates_at: None,
                retires_at: Some(t + 86_400)
            })
        );
        assert_eq!(keyring.times(2), None);
        let key1 = keyring.times(1).unwrap();
        assert!(key1.opens_at(t + 86_399) && !key1.opens_at(t + 86_400));
        assert!(keyring.times(3).unwrap().opens_at(0));
    }

    /// Without times, the first key seals at every moment (backward
    /// compatible); with equal activation times the first line wins; the
    /// key activated last wins over an earlier line.
    #[test]
    fn primary_choice_rules() {
        let plain = Keyring::from_text("3 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f").unwrap();
        for now in [0, 1_796_659_200, u64::MAX] {
            assert_eq!(plain.primary_id_at(now), 3);
        }
        let tie = Keyring::from_text(
            "3 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8 activates=2026-12-07T16:00:00Z\n\
             1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f activates=2026-12-07T16:00:00Z\n\
             0 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
        )
        .unwrap();
        assert_eq!(tie.primary_id_at(1_796_659_199), 0);
        assert_eq!(tie.primary_id_at(1_796_659_200), 3);
        let later_line = Keyring::from_text(
            "1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n\
             3 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8 retires=2027-01-01T00:00:00Z activates=2026-12-07T16:00:00Z\n",
        )
        .unwrap();
        assert_eq!(later_line.primary_id_at(1_796_659_199), 1);
        assert_eq!(later_line.primary_id_at(1_796_659_200), 3);
        // Key 3 retires: key 1, without times, seals again.
        assert_eq!(later_line.primary_id_at(1_798_761_600), 1);
        assert!(!later_line.times(3).unwrap().opens_at(1_798_761_600));
    }

    #[test]
    fn bad_times_name_the_line_or_the_gap() {
        let mut buf = [0u8; 300];
        let mut line = |parts: &[&str]| {
            let mut n = 0;
            for part in parts {
                buf[n..n + part.len()].copy_from_slice(part.as_bytes());
                n += part.len();
            }
            let text = core::str::from_utf8(&buf[..n]).unwrap();
            let error = Keyring::from_text(text).unwrap_err();
            (error.line(), error.reason())
        };
        let cases: [(&[&str], Option<usize>, KeyTextReason); 9] = [
            (
                &[K1, "\n", K3, " activates=2026-12-07"],
                Some(2),
                KeyTextReason::Time,
            ),
            (
                &[K1, " expires=2026-12-07T16:00:00Z"],
                Some(1),
                KeyTextReason::Field,
            ),
            (&[K1, " activates"], Some(1), KeyTextReason::Shape),
            (
                &[K1, " =2027-01-01T00:00:00Z"],
                Some(1),
                KeyTextReason::Field,
            ),
            (
                &[
                    K1,
                    " retires=2027-01-01T00:00:00Z retires=2027-01-01T00:00:00Z",
                ],
                Some(1),
                KeyTextReason::Field,
            ),
            (
                &[
                    K1,
                    " activates=2027-01-01T00:00:00Z retires=2027-01-01T00:00:00Z",
                ],
                Some(1),
                KeyTextReason::RetiresBeforeActivates,
            ),
            // Before the only key activates, nothing seals: a gap from 0.
            (
                &[K1, " activates=2027-01-01T00:00:00Z"],
                None,
                KeyTextReason::NoSealingKey { at: 0 },
            ),
            // Every key retired: a gap from the last retirement.
            (
                &[K1, " retires=2027-01-01T00:00:00Z"],
                None,
                KeyTextReason::NoSealingKey { at: 1_798_761_600 },
            ),
            // The old key retires before the new one activates.
            (
                &[
                    K3,
                    " activates=2027-01-01T00:00:00Z\n",
                    K1,
                    " retires=2026-12-07T16:00:00Z",
                ],
                None,
                KeyTextReason::NoSealingKey { at: 1_796_659_200 },
            ),
        ];
        for (parts, at, reason) in cases {
            assert_eq!(line(parts), (at, reason));
        }
    }

    #[test]
    fn gap_message_names_the_time() {
        let mut out = [0u8; 80];
        let mut w = crate::key::tests::Writer(&mut out, 0);
        let error = KeyTextError {
            line: 0,
            reason: KeyTextReason::NoSealingKey { at: 1_796_659_200 },
        };
        core::fmt::write(&mut w, format_args!("{error}")).unwrap();
        let n = w.1;
        assert_eq!(&out[..n], b"no key seals from 2026-12-07T16:00:00Z");
    }

    /// `remove` keeps the keyring able to seal at every moment.
    #[test]
    fn remove_refuses_to_leave_a_gap() {
        let mut keyring = Keyring::from_text(
            "3 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8 activates=2026-12-07T16:00:00Z\n\
             1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
        )
        .unwrap();
        assert!(!keyring.remove(1));
        assert!(keyring.contains(1));
    }
}

//! Keys and the keyring.

use core::fmt;

use base64ct::{Base64UrlUnpadded, Encoding};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::eax::{CipherKey, ExpandedKey};
use crate::error::{Error, ErrorKind, err};

/// Length of a key in bytes (AES-256).
pub const KEY_LEN: usize = 32;

/// A 256-bit secret key.
///
/// Wiped on drop, compared in constant time, and never printed: `Debug`
/// shows `Key { .. }`. Text forms are base64url without padding
/// ([`KEY_BASE64_LEN`] characters) and hex ([`KEY_HEX_LEN`] digits).
///
/// A `Key` is a plain 32-byte value: every move copies it (out of the
/// `Result` a constructor returns, into a variable, into `drop`), and only
/// the copy that is finally dropped is wiped. Keep keys short-lived: build
/// the [`Keyring`] and let them go, or parse keyring text with
/// [`Keyring::from_text`], which parses each key in place and never moves
/// it.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Key([u8; KEY_LEN]);

/// Length of a key written as unpadded base64url.
pub const KEY_BASE64_LEN: usize = 43;
/// Length of a key written as hex.
pub const KEY_HEX_LEN: usize = 64;

impl Key {
    /// Wraps raw key bytes.
    #[must_use]
    pub const fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        Self(bytes)
    }

    /// Draws a fresh key from a cryptographically secure generator
    /// (feature `rand_core-0_10`).
    #[cfg(feature = "rand_core-0_10")]
    pub fn generate<R: rand_core::CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut key = Self([0; KEY_LEN]);
        rng.fill_bytes(&mut key.0);
        key
    }

    /// A key whose bytes `fill` writes in place, from a cryptographically
    /// secure source: the bytes never exist outside the key, so nothing is
    /// left to wipe. A failure of `fill` is returned, and the partly
    /// written key is wiped.
    ///
    /// ```
    /// use sealed_session_core::Key;
    ///
    /// // In real code, fill from the OS or a hardware generator.
    /// let key = Key::try_fill_with(|bytes| {
    ///     bytes.fill(7);
    ///     Ok::<(), ()>(())
    /// })?;
    /// assert_eq!(key, Key::from_bytes([7; 32]));
    /// # Ok::<(), ()>(())
    /// ```
    ///
    /// # Errors
    /// What `fill` returns.
    pub fn try_fill_with<E>(
        fill: impl FnOnce(&mut [u8; KEY_LEN]) -> Result<(), E>,
    ) -> Result<Self, E> {
        let mut key = Self([0; KEY_LEN]);
        fill(&mut key.0)?;
        Ok(key)
    }

    /// Parses a key from 43 characters of unpadded base64url or 64 hex digits
    /// (either case). Surrounding whitespace is not accepted.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidKey`] for any other length or alphabet, or a
    /// non-canonical base64url encoding.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let mut key = Self([0; KEY_LEN]);
        key.fill_from_text(text)?;
        Ok(key)
    }

    /// Parses 43 characters of unpadded base64url (strict: canonical only).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidKey`] on a wrong length or alphabet.
    pub fn from_base64url(text: &str) -> Result<Self, Error> {
        let mut key = Self([0; KEY_LEN]);
        key.fill_from_base64url(text)?;
        Ok(key)
    }

    /// Parses 64 hex digits, upper or lower case, in constant time
    /// (`base16ct`).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidKey`] on a wrong length or a non-hex digit.
    pub fn from_hex(text: &str) -> Result<Self, Error> {
        let mut key = Self([0; KEY_LEN]);
        key.fill_from_hex(text)?;
        Ok(key)
    }

    /// [`Key::parse`] into `self`, in place. On an error `self` is left
    /// all zeros or partly written: drop it (which wipes it).
    pub(crate) fn fill_from_text(&mut self, text: &str) -> Result<(), Error> {
        match text.len() {
            KEY_BASE64_LEN => self.fill_from_base64url(text),
            KEY_HEX_LEN => self.fill_from_hex(text),
            _ => err(ErrorKind::InvalidKey),
        }
    }

    fn fill_from_base64url(&mut self, text: &str) -> Result<(), Error> {
        match Base64UrlUnpadded::decode(text, &mut self.0) {
            Ok(decoded) if decoded.len() == KEY_LEN => Ok(()),
            _ => err(ErrorKind::InvalidKey),
        }
    }

    fn fill_from_hex(&mut self, text: &str) -> Result<(), Error> {
        if text.len() != KEY_HEX_LEN {
            return err(ErrorKind::InvalidKey);
        }
        match base16ct::mixed::decode(text, &mut self.0) {
            Ok(decoded) if decoded.len() == KEY_LEN => Ok(()),
            _ => err(ErrorKind::InvalidKey),
        }
    }

    /// Writes the key as 43 characters of unpadded base64url.
    pub fn encode_base64url<'o>(&self, out: &'o mut [u8; KEY_BASE64_LEN]) -> &'o str {
        // The output is exactly the encoded length, so encoding cannot fail.
        Base64UrlUnpadded::encode(&self.0, out).unwrap_or_default()
    }

    /// Writes the key as 64 lower-case hex digits, in constant time
    /// (`base16ct`).
    pub fn encode_hex<'o>(&self, out: &'o mut [u8; KEY_HEX_LEN]) -> &'o str {
        // The output is exactly the encoded length, so encoding cannot fail.
        base16ct::lower::encode_str(&self.0, out).unwrap_or_default()
    }

    /// The key as unpadded base64url, in a string wiped on drop.
    #[cfg(feature = "alloc")]
    #[must_use]
    pub fn to_base64url_string(&self) -> zeroize::Zeroizing<alloc::string::String> {
        let mut out = zeroize::Zeroizing::new([0u8; KEY_BASE64_LEN]);
        let text = alloc::string::String::from(self.encode_base64url(&mut out));
        zeroize::Zeroizing::new(text)
    }

    /// The key as lower-case hex, in a string wiped on drop.
    #[cfg(feature = "alloc")]
    #[must_use]
    pub fn to_hex_string(&self) -> zeroize::Zeroizing<alloc::string::String> {
        let mut out = zeroize::Zeroizing::new([0u8; KEY_HEX_LEN]);
        let text = alloc::string::String::from(self.encode_hex(&mut out));
        zeroize::Zeroizing::new(text)
    }

    /// The raw key bytes. Handle with care: this is the secret.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }
}

impl TryFrom<&[u8]> for Key {
    type Error = Error;

    /// Accepts exactly [`KEY_LEN`] bytes.
    fn try_from(bytes: &[u8]) -> Result<Self, Error> {
        let mut key = Self([0; KEY_LEN]);
        if bytes.len() != KEY_LEN {
            return err(ErrorKind::InvalidKey);
        }
        key.0.copy_from_slice(bytes);
        Ok(key)
    }
}

impl From<[u8; KEY_LEN]> for Key {
    fn from(bytes: [u8; KEY_LEN]) -> Self {
        Self(bytes)
    }
}

impl PartialEq for Key {
    /// Constant-time comparison.
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for Key {}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key").finish_non_exhaustive()
    }
}

/// One primary key that seals, and up to [`Keyring::CAPACITY`]` - 1` older
/// keys that only open, each addressed by a one-byte key id.
///
/// Each key is expanded once, when it is added (AES round keys and the EAX
/// per-key constants), and wiped when the keyring is dropped. When a cookie
/// opens under an older key, [`Opened::reseal_advised`](crate::Opened) is set
/// so the caller can re-seal it under the primary key (lazy rotation).
///
/// # Where the key material lives
/// With feature `alloc` (the default), each expanded key sits in a heap
/// allocation of its own, built there in place: moving a `Keyring` (or a
/// [`Codec`](crate::Codec) holding it) copies pointers, never key bytes,
/// and a clone builds its own allocations the same way. The stack
/// temporaries of the expansion (the `aes` crate returns round keys by
/// value) are wiped before `new`, `add` or `clone` return.
///
/// Without `alloc`, the keyring is inline (1.6 KB on x86-64, against 64
/// bytes with `alloc`): every move copies the expanded keys, and the copy
/// left behind is not wiped, nor is the stack below key expansion (that
/// would take a frame of several KiB, too much for small targets). Build it
/// where it will stay (a `static`, or the top of `main`) and lend it out by
/// reference.
///
/// What no keyring can wipe: the copies of round keys that each seal and
/// open leave on the stack (the `aes` crate's block functions spill them
/// from registers, and its AVX-512 backend keeps a table of broadcast
/// copies there), and any copy the operating system makes of the process
/// (swap, core dumps, hibernation). See the crate docs, "Key material in
/// memory".
///
/// # Times (key rollout)
/// Each key may carry [`KeyTimes`]: an activation time before which it
/// opens but does not seal, and a retirement time from which it neither
/// seals nor opens. The key that seals at `now` is
/// [`Keyring::primary_id_at`]: of the keys that seal at `now`, the one
/// activated last, the first in keyring order on a tie. A keyring without
/// times always seals with its first key. Every instance that holds the
/// same keyring text switches to a new key at the same second (as far as
/// their clocks agree), whatever the order in which they received it.
/// Times come from keyring text ([`Keyring::from_text`], FORMAT.md §7.3),
/// which refuses a keyring that would leave a moment with no key to seal.
#[derive(Clone)]
pub struct Keyring {
    primary_id: u8,
    primary: ExpandedKey,
    primary_times: KeyTimes,
    older: [Option<(u8, ExpandedKey, KeyTimes)>; Keyring::CAPACITY - 1],
}

/// When a key of a [`Keyring`] starts sealing and when it stops opening,
/// in Unix seconds. The default, [`KeyTimes::ALWAYS`], seals and opens at
/// any time.
///
/// ```
/// use sealed_session_core::KeyTimes;
///
/// let times = KeyTimes { activates_at: Some(100), retires_at: Some(200) };
/// assert!(!times.seals_at(99) && times.opens_at(99));
/// assert!(times.seals_at(100) && times.seals_at(199));
/// assert!(!times.seals_at(200) && !times.opens_at(200));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct KeyTimes {
    /// From this time on (inclusive) the key may seal; before it, it only
    /// opens. `None`: from the beginning.
    pub activates_at: Option<u64>,
    /// From this time on (inclusive) the key neither seals nor opens.
    /// `None`: never.
    pub retires_at: Option<u64>,
}

impl KeyTimes {
    /// No activation and no retirement time: the key seals and opens at any
    /// time.
    pub const ALWAYS: Self = Self {
        activates_at: None,
        retires_at: None,
    };

    /// Whether the key opens cookies at `now`: before its retirement.
    #[must_use]
    pub const fn opens_at(&self, now: u64) -> bool {
        match self.retires_at {
            Some(retires_at) => now < retires_at,
            None => true,
        }
    }

    /// Whether the key may seal at `now`: from its activation, before its
    /// retirement.
    #[must_use]
    pub const fn seals_at(&self, now: u64) -> bool {
        let active = match self.activates_at {
            Some(activates_at) => now >= activates_at,
            None => true,
        };
        active && self.opens_at(now)
    }
}

impl Keyring {
    /// How many keys a keyring holds, the primary included.
    pub const CAPACITY: usize = 4;

    /// A keyring whose primary (sealing) key is `key`, with id `id`.
    #[must_use]
    pub fn new(id: u8, key: &Key) -> Self {
        Self {
            primary_id: id,
            primary: ExpandedKey::new(&key.0),
            primary_times: KeyTimes::ALWAYS,
            older: [const { None }; Self::CAPACITY - 1],
        }
    }

    /// Adds an older key that opens cookies but never seals.
    ///
    /// # Errors
    /// [`ErrorKind::DuplicateKeyId`] if `id` is already present;
    /// [`ErrorKind::KeyringFull`] if the keyring holds [`Keyring::CAPACITY`]
    /// keys.
    pub fn with_key(mut self, id: u8, key: &Key) -> Result<Self, Error> {
        self.add(id, key)?;
        Ok(self)
    }

    /// Adds an older key that opens cookies but never seals.
    ///
    /// # Errors
    /// [`ErrorKind::DuplicateKeyId`] if `id` is already present;
    /// [`ErrorKind::KeyringFull`] if the keyring holds [`Keyring::CAPACITY`]
    /// keys.
    pub fn add(&mut self, id: u8, key: &Key) -> Result<(), Error> {
        if self.contains(id) {
            return err(ErrorKind::DuplicateKeyId);
        }
        match self.older.iter_mut().find(|e| e.is_none()) {
            Some(slot) => {
                *slot = Some((id, ExpandedKey::new(&key.0), KeyTimes::ALWAYS));
                Ok(())
            }
            None => err(ErrorKind::KeyringFull),
        }
    }

    /// Removes an older key, so cookies under it no longer open. The first
    /// key cannot be removed, nor a key whose removal would leave a moment
    /// when no key seals (see [`KeyTimes`]). Returns whether a key was
    /// removed.
    pub fn remove(&mut self, id: u8) -> bool {
        let Some(index) = self
            .older
            .iter()
            .position(|slot| matches!(slot, Some((kid, _, _)) if *kid == id))
        else {
            return false;
        };
        let removed = self.older[index].take();
        if self.first_gap().is_some() {
            self.older[index] = removed;
            return false;
        }
        true
    }

    /// The id of the first key: the key that seals in a keyring without
    /// times. With times, the key that seals is [`Keyring::primary_id_at`].
    #[must_use]
    pub const fn primary_id(&self) -> u8 {
        self.primary_id
    }

    /// The id of the key that seals at `now` (Unix seconds): of the keys
    /// whose [`KeyTimes`] seal at `now`, the one activated last (a key
    /// without an activation time counts as activated first), the first in
    /// keyring order on a tie.
    ///
    /// ```
    /// use sealed_session_core::Keyring;
    ///
    /// let keyring = Keyring::from_text(
    ///     "3 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8 activates=2026-12-07T16:00:00Z\n\
    ///      2 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
    /// )?;
    /// let at_four = 1_796_659_200; // 2026-12-07T16:00:00Z
    /// assert_eq!(keyring.primary_id_at(at_four - 1), 2);
    /// assert_eq!(keyring.primary_id_at(at_four), 3);
    /// # Ok::<(), sealed_session_core::KeyTextError>(())
    /// ```
    #[must_use]
    pub fn primary_id_at(&self, now: u64) -> u8 {
        let mut best: Option<(u8, Option<u64>)> = None;
        for (id, times) in self.entries() {
            if !times.seals_at(now) {
                continue;
            }
            // `None < Some(_)`: a key without an activation time loses to
            // any activated one; a tie keeps the earlier key.
            if best.is_none_or(|(_, activated)| times.activates_at > activated) {
                best = Some((id, times.activates_at));
            }
        }
        // Without a sealing key (impossible: `from_text` and `remove`
        // refuse such keyrings) the first key seals.
        best.map_or(self.primary_id, |(id, _)| id)
    }

    /// The times of the key with this id, if present.
    #[must_use]
    pub fn times(&self, id: u8) -> Option<KeyTimes> {
        self.entries()
            .find(|(kid, _)| *kid == id)
            .map(|(_, times)| times)
    }

    /// Sets the times of key `id` (which must be present). Used by the
    /// text parser, which then checks [`Keyring::first_gap`].
    pub(crate) fn set_times(&mut self, id: u8, times: KeyTimes) {
        if id == self.primary_id {
            self.primary_times = times;
        }
        for (kid, _, slot) in self.older.iter_mut().flatten() {
            if *kid == id {
                *slot = times;
            }
        }
    }

    /// The earliest moment at which no key seals, if any. Which keys seal
    /// changes only at an activation or a retirement time, so checking 0
    /// and those times covers every moment.
    pub(crate) fn first_gap(&self) -> Option<u64> {
        let mut gap: Option<u64> = None;
        let mut check = |at: u64| {
            if !self.entries().any(|(_, times)| times.seals_at(at)) {
                gap = Some(gap.map_or(at, |gap| gap.min(at)));
            }
        };
        check(0);
        for (_, times) in self.entries() {
            times.activates_at.map(&mut check);
            times.retires_at.map(&mut check);
        }
        gap
    }

    /// Every key's id and times, first key first.
    fn entries(&self) -> impl Iterator<Item = (u8, KeyTimes)> + '_ {
        core::iter::once((self.primary_id, self.primary_times)).chain(
            self.older
                .iter()
                .flatten()
                .map(|(id, _, times)| (*id, *times)),
        )
    }

    /// Whether a key with this id is present.
    #[must_use]
    pub fn contains(&self, id: u8) -> bool {
        self.get(id).is_some()
    }

    /// The ids of all keys, primary first.
    pub fn ids(&self) -> impl Iterator<Item = u8> + '_ {
        core::iter::once(self.primary_id).chain(self.older.iter().flatten().map(|(id, _, _)| *id))
    }

    /// The key with this id and its times.
    pub(crate) fn get(&self, id: u8) -> Option<(&CipherKey, KeyTimes)> {
        if id == self.primary_id {
            return Some((&self.primary, self.primary_times));
        }
        self.older
            .iter()
            .flatten()
            .find(|(kid, _, _)| *kid == id)
            .map(|(_, k, times)| (&**k, *times))
    }

    /// The key with this id if it opens at `now` (not retired).
    pub(crate) fn opener(&self, id: u8, now: u64) -> Option<&CipherKey> {
        self.get(id)
            .filter(|(_, times)| times.opens_at(now))
            .map(|(key, _)| key)
    }
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut ids = [0u8; Self::CAPACITY];
        let mut n = 0;
        for id in self.ids() {
            ids[n] = id;
            n += 1;
        }
        f.debug_struct("Keyring")
            .field("primary_id", &self.primary_id)
            .field("key_ids", &&ids[..n])
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_case() {
        let key = Key::from_bytes(core::array::from_fn(|i| (i * 7 + 3) as u8));
        let mut buf = [0u8; KEY_HEX_LEN];
        let hex = key.encode_hex(&mut buf);
        assert_eq!(
            hex,
            "030a11181f262d343b424950575e656c737a81888f969da4abb2b9c0c7ced5dc"
        );
        assert_eq!(Key::parse(hex).unwrap(), key);
        assert_eq!(Key::parse(&hex.to_uppercase()).unwrap(), key);
    }

    #[test]
    fn base64url_round_trip() {
        let key = Key::from_bytes([0xfb; KEY_LEN]);
        let mut buf = [0u8; KEY_BASE64_LEN];
        let text = key.encode_base64url(&mut buf);
        assert_eq!(text, "-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_s");
        assert_eq!(Key::parse(text).unwrap(), key);
    }

    #[test]
    fn bad_key_text_is_an_error() {
        for bad in [
            "",
            "00",
            "g".repeat(64).as_str(),
            "+".repeat(43).as_str(),
            // Non-canonical: last character carries bits that must be zero.
            "-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_t",
        ] {
            assert_eq!(Key::parse(bad).unwrap_err().kind(), ErrorKind::InvalidKey);
        }
    }

    /// FORMAT.md §7.1: exactly 43 canonical base64url characters or 64 hex
    /// digits in any case; no whitespace, padding or prefix.
    #[test]
    fn key_text_is_exactly_one_of_two_forms() {
        const HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
        const B64: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
        let key = Key::from_bytes(core::array::from_fn(|i| i as u8));
        assert_eq!(Key::parse(HEX), Ok(key.clone()));
        assert_eq!(Key::parse(B64), Ok(key.clone()));
        let mixed = "000102030405060708090A0B0C0D0E0F101112131415161718191a1b1c1d1e1f";
        assert_eq!(Key::parse(mixed), Ok(key));
        let mut buf = [0u8; 80];
        let mut bad = |parts: &[&str]| {
            let mut n = 0;
            for part in parts {
                buf[n..n + part.len()].copy_from_slice(part.as_bytes());
                n += part.len();
            }
            let text = core::str::from_utf8(&buf[..n]).unwrap();
            Key::parse(text).map(|_| ()).map_err(Error::kind)
        };
        for ws in [" ", "\t", "\n", "\r\n"] {
            assert_eq!(bad(&[ws, HEX]), Err(ErrorKind::InvalidKey));
            assert_eq!(bad(&[HEX, ws]), Err(ErrorKind::InvalidKey));
            assert_eq!(bad(&[B64, ws]), Err(ErrorKind::InvalidKey));
            assert_eq!(
                bad(&[&B64[..20], ws, &B64[20..]]),
                Err(ErrorKind::InvalidKey)
            );
        }
        assert_eq!(bad(&[B64, "="]), Err(ErrorKind::InvalidKey));
        assert_eq!(bad(&["0x", HEX]), Err(ErrorKind::InvalidKey));
        assert_eq!(bad(&["0x", &HEX[2..]]), Err(ErrorKind::InvalidKey));
    }

    #[test]
    fn debug_hides_the_key() {
        let key = Key::from_bytes([0x41; KEY_LEN]);
        let mut s = [0u8; 64];
        let mut w = Writer(&mut s, 0);
        core::fmt::write(&mut w, format_args!("{key:?}")).unwrap();
        let n = w.1;
        assert_eq!(&s[..n], b"Key { .. }");
    }

    pub(crate) struct Writer<'a>(pub(crate) &'a mut [u8], pub(crate) usize);
    impl core::fmt::Write for Writer<'_> {
        fn write_str(&mut self, s: &str) -> core::fmt::Result {
            let end = self.1 + s.len();
            self.0
                .get_mut(self.1..end)
                .ok_or(core::fmt::Error)?
                .copy_from_slice(s.as_bytes());
            self.1 = end;
            Ok(())
        }
    }

    #[test]
    fn keyring_rotation_bookkeeping() {
        let a = Key::from_bytes([1; 32]);
        let b = Key::from_bytes([2; 32]);
        let mut ring = Keyring::new(2, &b).with_key(1, &a).unwrap();
        assert_eq!(ring.primary_id(), 2);
        assert!(ring.contains(1));
        assert_eq!(
            ring.add(1, &a).unwrap_err().kind(),
            ErrorKind::DuplicateKeyId
        );
        assert!(!ring.remove(2));
        assert!(ring.remove(1));
        assert!(!ring.contains(1));
        ring.add(3, &a).unwrap();
        ring.add(4, &a).unwrap();
        ring.add(5, &a).unwrap();
        assert_eq!(ring.add(6, &a).unwrap_err().kind(), ErrorKind::KeyringFull);
    }

    /// A rolling deploy: instance `new` got a keyring where key 3 activates
    /// at `t`; instance `old` still has only key 1. Before `t` the new
    /// instance keeps sealing with key 1, so the old one opens everything
    /// it seals (0 refusals); the control, key 3 made primary at once, is
    /// refused by the old instance. After the retirement time a cookie under
    /// key 1 no longer opens.
    #[cfg(feature = "alloc")]
    #[test]
    fn rollout_with_an_activation_time_refuses_nothing() {
        use crate::{Codec, FixedNonce, Options};
        let t = 1_796_659_200;
        let old = Codec::new(
            Keyring::from_text(
                "1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
            )
            .unwrap(),
            Options::new(),
        );
        let new = Codec::new(
            Keyring::from_text(
                "3 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHiA activates=2026-12-07T16:00:00Z\n\
                 1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f retires=2026-12-08T16:00:00Z\n",
            )
            .unwrap(),
            Options::new(),
        );
        let control = Codec::new(
            Keyring::from_text(
                "3 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHiA\n\
                 1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
            )
            .unwrap(),
            Options::new(),
        );
        let mut nonce = FixedNonce([7; 16]);
        let before = new.seal_to_string(b"{}", b"", t - 1, &mut nonce).unwrap();
        let opened = old.open_to_vec(&before, b"", t - 1).unwrap();
        assert_eq!((opened.key_id, opened.reseal_advised), (1, false));
        // The new instance opens it too, and does not advise a re-seal yet.
        let opened = new.open_to_vec(&before, b"", t - 1).unwrap();
        assert_eq!((opened.key_id, opened.reseal_advised), (1, false));
        let control_cookie = control
            .seal_to_string(b"{}", b"", t - 1, &mut nonce)
            .unwrap();
        assert_eq!(
            old.open_to_vec(&control_cookie, b"", t - 1)
                .unwrap_err()
                .kind(),
            ErrorKind::UnknownKeyId
        );
        // At `t` key 3 seals; key 1's cookies open and are re-sealed.
        let after = new.seal_to_string(b"{}", b"", t, &mut nonce).unwrap();
        assert_eq!(new.open_to_vec(&after, b"", t).unwrap().key_id, 3);
        let opened = new.open_to_vec(&before, b"", t).unwrap();
        assert_eq!((opened.key_id, opened.reseal_advised), (1, true));
        // Key 1 retires a day after `t` (no idle timeout is set here).
        assert!(new.open_to_vec(&before, b"", t + 86_399).is_ok());
        assert_eq!(
            new.open_to_vec(&before, b"", t + 86_400)
                .unwrap_err()
                .kind(),
            ErrorKind::UnknownKeyId
        );
    }
}

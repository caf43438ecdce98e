//! Fuzz entry points, shared by the targets in `fuzz/` and the regression
//! tests in `integration/regressions.rs`.
//!
//! Each entry point ([`open_v1`], [`open_legacy`], [`roundtrip`],
//! [`inflate`], [`eax_differential`], [`authentic_garbage`],
//! [`session::authentic_garbage`] and [`cookie_header`]) takes the fuzzer's raw bytes, reads its
//! parameters from the front with the [`Input`] reader (each documents its
//! layout), and returns `Err(Violation)` when an invariant does not hold.
//! The fuzz targets panic on a violation; the regression tests assert `Ok`.
//! Any panic inside the codec is a bug as well.
//!
//! Only what needs the codec's internals comes from the core's hidden
//! `__private` hooks (feature `fuzzing`): its EAX, the bounded inflater,
//! the encoder, and the raw sealers re-exported here ([`seal_raw`],
//! [`seal_raw_with_flags`], [`legacy_seal_raw`]), which make what only a key
//! holder could: authentic cookies around arbitrary bytes.

use sealed_session_core::{Error, ErrorKind, Key, Keyring};

mod cookie_header;
mod differential;
mod garbage;
mod inflate;
mod open;
mod roundtrip;
pub mod session;

pub use cookie_header::cookie_header;
pub use differential::eax_differential;
pub use garbage::{Garbage, authentic_garbage};
pub use inflate::inflate;
pub use open::{open_legacy, open_v1};
pub use roundtrip::roundtrip;
pub use sealed_session_core::__private::{legacy_seal_raw, seal_raw, seal_raw_with_flags};

/// A broken invariant found by a fuzz entry point: a bug in the codec (or
/// in the invariant).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Violation(pub &'static str);

impl core::fmt::Display for Violation {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "invariant violated: {}", self.0)
    }
}

/// `Err(Violation(what))` unless `holds`.
///
/// # Errors
/// When `holds` is false.
pub const fn ensure(holds: bool, what: &'static str) -> Result<(), Violation> {
    if holds { Ok(()) } else { Err(Violation(what)) }
}

/// Reads fuzz parameters from the front of the input. Past the end it reads
/// zeros, so every input is valid.
#[derive(Clone, Copy, Debug)]
pub struct Input<'a>(pub &'a [u8]);

impl<'a> Input<'a> {
    /// The next byte.
    pub fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    /// The next `N` bytes.
    pub fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        for b in &mut out {
            *b = self.byte();
        }
        out
    }

    /// The next two bytes, big-endian.
    pub fn u16(&mut self) -> u16 {
        u16::from_be_bytes(self.array())
    }

    /// The next eight bytes, big-endian.
    pub fn u64(&mut self) -> u64 {
        u64::from_be_bytes(self.array())
    }

    /// The next `n` bytes, or fewer at the end.
    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let (head, tail) = self.0.split_at(n.min(self.0.len()));
        self.0 = tail;
        head
    }

    /// Everything not read yet.
    #[must_use]
    pub const fn rest(self) -> &'a [u8] {
        self.0
    }
}

/// Key 1 of the fuzz keyring: bytes `00..1f`, the golden vectors' key 1 and
/// the Python interop key.
pub const KEY_1: [u8; 32] = iota(0);
/// Key 2 of the fuzz keyring: bytes `20..3f`, the golden vectors' key 2.
pub const KEY_2: [u8; 32] = iota(32);
/// A key in no fuzz keyring.
pub const KEY_OTHER: [u8; 32] = [0xee; 32];

const fn iota(start: u8) -> [u8; 32] {
    let mut key = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        key[i] = start + i as u8;
        i += 1;
    }
    key
}

/// The contexts the entry points choose from with two bits of a selector
/// byte: those of the golden vectors, and Flask's cookie name.
pub const CONTEXTS: [&[u8]; 4] = [
    b"session",
    b"",
    "s\u{e9}ssion-\u{2603}".as_bytes(),
    b"flask-session",
];

/// The time at which the entry points open: after every golden vector.
pub const NOW: u64 = 1_800_000_000;

/// The fuzz keyring: key 1 (primary, id 1) and key 2 (id 2).
#[must_use]
pub fn keyring() -> Keyring {
    let mut ring = Keyring::new(1, &Key::from_bytes(KEY_1));
    // A fresh ring has room and no id 2, so this cannot fail.
    let _ = ring.add(2, &Key::from_bytes(KEY_2));
    ring
}

/// The error kind of a result, if it is an error.
fn kind<T>(result: &Result<T, Error>) -> Option<ErrorKind> {
    result.as_ref().err().map(|e| e.kind())
}

#![no_std]
#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;

mod codec;
mod compress;
mod eax;
mod envelope;
mod error;
mod key;
mod key_text;
#[cfg(feature = "legacy")]
pub mod legacy;
#[cfg(feature = "serde")]
mod typed;

pub use codec::{Codec, Compression, FixedNonce, MAX_CONTEXT_LEN, NonceSource, Opened, Options};
pub use envelope::{Header, NONCE_LEN, OVERHEAD, Peeked, VERSION};
pub use error::{Error, ErrorKind};
pub use key::{KEY_BASE64_LEN, KEY_HEX_LEN, KEY_LEN, Key, KeyTimes, Keyring};
pub use key_text::{KeyTextError, KeyTextReason};
/// `rand_core` 0.10, whose `CryptoRng` generators are nonce sources (feature
/// `rand_core-0_10`).
#[cfg(feature = "rand_core-0_10")]
pub use rand_core;

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
#[path = "fuzzing.rs"]
pub mod __private;

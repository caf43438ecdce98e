#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod codec;
mod cookie;
mod error;
mod json;
mod random;
mod session;

pub use codec::{CookieOutcome, DEFAULT_LIFETIME, SealFormat, SessionCodec};
pub use cookie::{EXPIRED, MAX_COOKIE_LEN, SameSite, cookie_value};
pub use error::SessionError;
#[cfg(feature = "http")]
pub use http;
pub use json::{BYTES_TAG, Bytes, MAX_DEPTH};
pub use random::{OsNonce, RESEED_BYTES, now};
pub use sealed_session_core as core;
pub use sealed_session_core::legacy::LegacyCodec;
pub use sealed_session_core::{
    Codec, Compression, Error, ErrorKind, FixedNonce, Header, Key, Keyring, NonceSource, Opened,
    Options,
};
pub use serde_json::{Map, Value};
pub use session::{PERMANENT_KEY, SESSION_ID_KEY, Session};

/// The repository README's examples, run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;

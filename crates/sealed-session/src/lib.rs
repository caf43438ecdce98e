#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate alloc;

mod body;
mod codec;
pub mod cookie;
mod error;
mod handle;
mod json;
mod keys;
mod legacy;
mod payload;
mod random;
pub mod reload;
pub mod revocation;
mod session;
mod time;
mod token;
mod typed;

pub use body::SessionBody;
pub use codec::{
    CookieOutcome, Finished, Legacy, Loaded, Outcome, Refresh, Saved, SealFormat, SessionCodec,
    SessionCodecBuilder,
};
pub use cookie::SameSite;
pub use error::{ConfigError, SessionError};
pub use handle::SessionHandle;
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub use http;
pub use json::Bytes;
pub use keys::{
    KeySource, KeyringError, key_like_runs, keyring_from_env, keyring_from_environment,
    keyring_from_file, keyring_from_file_any_permissions, looks_like_key,
};
#[cfg(feature = "flask")]
#[cfg_attr(docsrs, doc(cfg(feature = "flask")))]
pub use legacy::flask;
#[cfg(feature = "starlette")]
#[cfg_attr(docsrs, doc(cfg(feature = "starlette")))]
pub use legacy::starlette;
pub use payload::SessionId;
pub use random::{FixedRandom, OsRandom, SecureRandom, generate_key};
pub use reload::{ReloadError, ReloadOptions, ReloadStatus, Reloading};
pub use revocation::{MemoryRevocations, Revocations, Verdict};
pub use sealed_session_core::{
    Compression, Error, ErrorKind, Key, KeyTextError, KeyTextReason, Keyring,
};
pub use serde_json::value::RawValue;
pub use session::Session;
pub use time::{Clock, ManualClock, SystemClock};
pub use token::{random_token, tokens_match};
pub use typed::{TypedHandle, TypedSession};

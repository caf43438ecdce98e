#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate alloc;

mod layer;

#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
mod extract;

#[cfg(feature = "tower-sessions-0_14")]
#[cfg_attr(docsrs, doc(cfg(feature = "tower-sessions-0_14")))]
pub mod tower_sessions_0_14;

#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod __private;

#[cfg(feature = "axum")]
pub use extract::{Error, MissingSession, Session, TypedSession};
pub use layer::{
    DefaultOnSaveError, Json, OnSaveError, ResponseFuture, SessionKind, SessionLayer,
    SessionLayerBuilder, SessionService, Typed,
};
/// The std crate underneath: the codec, the session, keys, clocks.
pub use sealed_session;
pub use sealed_session::{
    ConfigError, KEYS_ENV, Key, Keyring, KeyringError, Legacy, ManualClock, Refresh, SameSite,
    SessionCodec, SessionError, SessionHandle, TypedHandle, keyring_from_env, keyring_from_file,
    random_token, tokens_match,
};

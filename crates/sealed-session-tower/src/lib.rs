#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate alloc;

mod future;
mod kind;
mod layer;
mod plain_http;
mod service;

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
pub use future::ResponseFuture;
pub use kind::{Json, SessionKind, Typed};
pub use layer::{DefaultOnSaveError, OnSaveError, SessionLayer};
/// The std crate underneath: the codec, the session, keys, clocks, and the
/// lifecycle every integration shares.
pub use sealed_session;
pub use sealed_session::{
    ConfigError, Keyring, SessionCodec, SessionCodecBuilder, SessionError, SessionHandle,
    TypedHandle,
};
pub use service::SessionService;

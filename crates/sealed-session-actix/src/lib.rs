#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate alloc;

mod error;
mod middleware;
mod session;
mod token;

pub use error::{HandlerError, MissingSessionMiddleware};
pub use middleware::{SessionMiddleware, SessionMiddlewareBuilder, SessionMiddlewareService};
pub use session::{Session, SessionExt};
pub use token::random_token;

/// The `sealed-session` crate underneath: keyring files
/// (`keyring_from_file`, `keyring_from_env`), clocks, the codec builder's
/// other settings.
pub use sealed_session;
pub use sealed_session::{
    ConfigError, KEYS_ENV, Key, Keyring, KeyringError, Legacy, ManualClock, Refresh, SameSite,
    SessionCodec, SessionError, SessionHandle, keyring_from_env, keyring_from_file, tokens_match,
};

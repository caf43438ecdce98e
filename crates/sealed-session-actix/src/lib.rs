#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate alloc;

mod error;
mod middleware;
mod session;
mod token;

pub use error::{HandlerError, MissingSession};
pub use middleware::{SessionMiddleware, SessionMiddlewareService};
pub use session::{Session, SessionExt};
pub use token::random_token;

/// The `sealed-session` crate underneath: keys (`Key`, `keyring_from_file`,
/// `keyring_from_env`), `SameSite`, `Refresh`, `Legacy`, clocks,
/// `tokens_match`.
pub use sealed_session;
pub use sealed_session::{
    ConfigError, Keyring, SessionCodec, SessionCodecBuilder, SessionError, SessionHandle,
};

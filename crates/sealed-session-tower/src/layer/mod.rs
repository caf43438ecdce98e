//! The session middleware: [`SessionLayer`], its service and response
//! future (`service.rs`), its builder, and the two kinds of session.

mod builder;
mod kind;
mod service;

pub use builder::SessionLayerBuilder;
pub use kind::{Json, SessionKind, Typed};
#[cfg(feature = "tower-sessions-0_14")]
pub(crate) use service::append_vary_cookie;
pub use service::{DefaultOnSaveError, OnSaveError, ResponseFuture, SessionLayer, SessionService};

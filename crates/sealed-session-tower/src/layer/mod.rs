//! The session middleware: [`SessionLayer`] opens the session cookie before
//! the inner service and writes `Set-Cookie` after it.
//!
//! Before the inner service runs, the layer reads every `Cookie` header of
//! the request ([`SessionCodec::load`]): the session that opens (the most
//! recently sealed, when several same-name cookies do), or a new empty one.
//! The shared handle goes into the request's extensions, where the axum
//! extractors ([`Session`](crate::Session),
//! [`TypedSession`](crate::TypedSession)) or any service find it.
//!
//! After the inner service, unless the response is a **5xx** (then nothing
//! is written: the session stays as the browser has it):
//! - `Set-Cookie` only when [`SessionCodec::save`] says so: the session
//!   changed, it opened under an older key (re-seal), or its refresh is due;
//! - a deletion cookie, with the same `Path`/`Domain`/`Secure`, when the
//!   session was cleared or the incoming cookie was rejected (tampered,
//!   expired, another key);
//! - `Vary: Cookie` (appended to an existing `Vary`) when the session was
//!   read, or a cookie is set;
//! - when the session cannot be sealed (a session too large for one
//!   cookie: name and value over 4096 bytes), the response is replaced by
//!   what [`OnSaveError`] says, an empty 500 by default, and the reason is
//!   logged with `tracing` at error level. Nothing is truncated and nothing
//!   is dropped silently.
//!
//! A rejected cookie is logged at debug level with its reason
//! ([`SessionError::as_str`]), never its value.
//!
//! # Panics in handlers
//!
//! A panic unwinds through the layer's future, which is dropped: nothing
//! is written. With tower-http's `CatchPanicLayer` **inside** the session
//! layer the client gets a 500 instead of a closed connection, and the
//! layer, seeing a 5xx, again writes nothing.
//!
//! # One cookie, no chunks
//!
//! Some libraries (Auth.js, ASP.NET, oauth2-proxy) split a large session
//! over `name.0`, `name.1`… This layer does not:
//! - browsers cap cookies per domain (Chromium keeps 180, and about 4 KB
//!   each), and every chunk rides on every request to the site;
//! - chunks are not written atomically: a response lost midway, or a
//!   browser evicting one chunk, leaves a set that must be detected and
//!   thrown away, and stale chunks linger when the session shrinks;
//! - a session that needs more than 4 KB usually holds data that belongs
//!   in a database, keyed by what the session holds.
//!
//! So the limit is one cookie, checked exactly as browsers count it (name
//! plus value, after sealing), and an oversized session is an error the
//! application sees.
//!
//! # Example
//!
//! ```
//! use std::time::Duration;
//! use http::{Request, Response};
//! use sealed_session_tower::{Key, Keyring, SessionHandle, SessionLayer};
//! use tower::{Service, ServiceBuilder, ServiceExt, service_fn};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let layer = SessionLayer::builder(Keyring::new(1, &Key::from_bytes([7; 32])))
//!     .with_idle_timeout(Duration::from_secs(3600))
//!     .build()?;
//! let mut service = ServiceBuilder::new().layer(layer).service(service_fn(
//!     |request: Request<String>| async move {
//!         let session = request.extensions().get::<SessionHandle>().unwrap();
//!         session.insert("user_id", 42)?;
//!         Ok::<_, sealed_session_tower::SessionError>(Response::new(String::new()))
//!     },
//! ));
//!
//! let response = service.ready().await?.call(Request::new(String::new())).await?;
//! let set_cookie = response.headers()["set-cookie"].to_str()?;
//! assert!(set_cookie.starts_with("__Host-session="));
//! assert_eq!(response.headers()["vary"], "cookie");
//! # Ok(())
//! # }
//! ```

mod builder;
mod kind;
mod service;

pub use builder::SessionLayerBuilder;
pub use kind::{Json, SessionKind, Typed};
#[cfg(feature = "tower-sessions-0_14")]
pub(crate) use service::append_vary_cookie;
pub use service::{DefaultOnSaveError, OnSaveError, ResponseFuture, SessionLayer, SessionService};

#[cfg(doc)]
use sealed_session::{SessionCodec, SessionError};

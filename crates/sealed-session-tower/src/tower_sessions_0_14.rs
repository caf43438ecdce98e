//! axum-login (and any code written for tower-sessions 0.14) on sealed
//! cookies: [`TowerSessionsLayer`] puts a [`tower_sessions_core::Session`]
//! into each request, backed by the sealed cookie instead of a store.
//!
//! Feature `tower-sessions-0_14`. The version is in the name because it
//! must be the one the rest of the application uses: axum-login 0.18 reads
//! `tower_sessions::Session` **0.14** from the request, and a `Session` of
//! another version is another type, which it would not find (it answers
//! every request with an empty 500). A compile-time test of this crate
//! checks that `axum_login::tower_sessions::Session` is [`Session`].
//!
//! # How it works
//!
//! For each request the layer opens the cookie with the
//! [`SessionCodec`] (keys, rotation, idle and absolute timeouts: as
//! [`SessionLayer`](crate::SessionLayer)), and gives the session a
//! [`SessionStore`] of its own that holds only that request's record. After
//! the handler it maps the record's data back onto the sealed session (a
//! flat JSON object, which Flask reads too) and lets the codec decide
//! `Set-Cookie`. No server keeps any state.
//!
//! - `cycle_id()` (axum-login's `login`) gives the session a new identity,
//!   as [`regenerate`](sealed_session::Session::regenerate); `flush()`
//!   (`logout`) deletes the cookie.
//! - Responses always carry `Vary: Cookie`: tower-sessions cannot tell the
//!   layer whether a handler read the session (axum-login reads it on
//!   every request anyway).
//! - A 5xx writes nothing; a session that cannot be saved (too large)
//!   becomes an empty 500, as in [`SessionLayer`](crate::SessionLayer).
//! - The key `_permanent` is reserved (Flask's permanent flag): a session
//!   holding it is not saved, and the request fails with a 500 and a logged
//!   [`SessionError::ReservedKey`].
//! - Values go through `serde_json::Value`: an integer beyond 64 bits
//!   written by another program becomes a float if the handler saves the
//!   session.
//! - [`Expiry`]: `None` or [`Expiry::OnSessionEnd`] make a cookie that ends
//!   with the browser session; any other value a permanent session, whose
//!   cookie lasts the idle timeout. How long a session lives is always the
//!   layer's idle and absolute timeouts, sealed in the cookie.
//! - A cookie cannot be revoked: after `cycle_id` or `flush` the old
//!   cookie still opens until its idle timeout. Fixation is still
//!   prevented (a planted cookie never carries the login).
//! - Concurrent requests of one browser each write their own cookie: the
//!   last response wins.
//!
//! # axum-login
//!
//! `AuthManagerLayer` cannot be used: it builds tower-sessions' own session
//! layer, which would replace this one. Wrap the routes in axum-login's
//! public `AuthManager` service directly, inside the session layer:
//!
//! ```ignore
//! use tower::layer::layer_fn;
//! use axum_login::AuthManager;
//!
//! let sessions = SessionLayer::builder(keyring).build_tower_sessions()?;
//! let app = Router::new()
//!     .route("/me", get(me))
//!     .layer(layer_fn(move |inner| AuthManager::new(inner, backend.clone(), "axum-login.data")))
//!     .layer(sessions);
//! ```
//!
//! The crate's `tests/axum_login.rs` runs exactly this: log in, restart
//! the server with no state, still logged in, log out.

use alloc::sync::Arc;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;
use http::header::{COOKIE, SET_COOKIE};
use http::{Request, Response};
use sealed_session::{Saved, SessionCodec, SessionError};
use serde_json::Value;
use time::OffsetDateTime;
use tower_layer::Layer;
use tower_service::Service;
use tower_sessions_core::session::{Id, Record};
use tower_sessions_core::session_store;

pub use tower_sessions_core::{self, Expiry, Session, SessionStore};

use crate::layer::{DefaultOnSaveError, OnSaveError, append_vary_cookie};

/// A tower layer that puts a [`tower_sessions_core::Session`] (0.14) into
/// each request, kept in the sealed cookie; see the [module docs](self).
/// Build it with
/// [`SessionLayerBuilder::build_tower_sessions`](crate::SessionLayerBuilder::build_tower_sessions)
/// or [`TowerSessionsLayer::new`].
///
/// ```
/// use sealed_session_tower::{Key, Keyring, SessionLayer};
///
/// let layer = SessionLayer::builder(Keyring::new(1, &Key::from_bytes([1; 32])))
///     .build_tower_sessions()?
///     .with_permanent(true);
/// # Ok::<(), sealed_session_tower::ConfigError>(())
/// ```
pub struct TowerSessionsLayer<H = DefaultOnSaveError> {
    codec: SessionCodec,
    permanent: bool,
    on_save_error: H,
}

impl TowerSessionsLayer {
    /// A layer over a codec built elsewhere.
    #[must_use]
    pub fn new(codec: SessionCodec) -> Self {
        Self {
            codec,
            permanent: false,
            on_save_error: DefaultOnSaveError,
        }
    }
}

impl<H> TowerSessionsLayer<H> {
    /// Whether new sessions are permanent: their cookie gets a `Max-Age`
    /// (the idle timeout) instead of ending with the browser session. A
    /// handler can still choose per session with `Session::set_expiry`.
    /// Default off.
    #[doc(alias = "with_expiry")]
    #[must_use]
    pub fn with_permanent(mut self, permanent: bool) -> Self {
        self.permanent = permanent;
        self
    }

    /// As [`SessionLayer::on_save_error`](crate::SessionLayer::on_save_error).
    pub fn on_save_error<H2>(self, handler: H2) -> TowerSessionsLayer<H2> {
        TowerSessionsLayer {
            codec: self.codec,
            permanent: self.permanent,
            on_save_error: handler,
        }
    }
}

impl<H: Clone> Clone for TowerSessionsLayer<H> {
    fn clone(&self) -> Self {
        Self {
            codec: self.codec.clone(),
            permanent: self.permanent,
            on_save_error: self.on_save_error.clone(),
        }
    }
}

impl<H> fmt::Debug for TowerSessionsLayer<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TowerSessionsLayer")
            .field("codec", &self.codec)
            .field("permanent", &self.permanent)
            .finish_non_exhaustive()
    }
}

impl<S, H: Clone> Layer<S> for TowerSessionsLayer<H> {
    type Service = TowerSessionsService<S, H>;

    fn layer(&self, inner: S) -> Self::Service {
        TowerSessionsService {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service [`TowerSessionsLayer`] wraps around `S`.
pub struct TowerSessionsService<S, H = DefaultOnSaveError> {
    inner: S,
    layer: TowerSessionsLayer<H>,
}

impl<S: Clone, H: Clone> Clone for TowerSessionsService<S, H> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            layer: self.layer.clone(),
        }
    }
}

impl<S: fmt::Debug, H> fmt::Debug for TowerSessionsService<S, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TowerSessionsService")
            .field("inner", &self.inner)
            .field("layer", &self.layer)
            .finish()
    }
}

/// The response future of [`TowerSessionsService`]: boxed, because saving
/// a tower-sessions `Session` is `async` (its methods are, although nothing
/// here waits).
pub type TowerSessionsFuture<R, E> = Pin<Box<dyn Future<Output = Result<R, E>> + Send>>;

impl<S, H, ReqBody, ResBody> Service<Request<ReqBody>> for TowerSessionsService<S, H>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Future: Send + 'static,
    S::Error: 'static,
    H: OnSaveError<ResBody> + Clone + Send + 'static,
    ResBody: Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = TowerSessionsFuture<Response<ResBody>, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let codec = self.layer.codec.clone();
        let loaded = codec.load(request.headers().get_all(COOKIE).iter());
        if let Some(error) = loaded.rejected {
            tracing::debug!(reason = error.as_str(), "session cookie rejected");
        }
        let mut sealed = loaded.session;
        let opened = match record_of(&sealed, &codec) {
            Ok(record) => record,
            Err(error) => {
                // Authentic, but not representable as serde_json values:
                // start over, and delete the cookie.
                tracing::debug!(reason = error.as_str(), "session cookie rejected");
                sealed.clear();
                None
            }
        };
        let id = opened.as_ref().map(|record| record.id);
        let permanent = self.layer.permanent || sealed.permanent();
        let expiry = permanent.then(|| Expiry::OnInactivity(seconds(codec.idle_timeout())));
        let store = Arc::new(RequestStore {
            opened,
            captured: Mutex::new(None),
            deleted: core::sync::atomic::AtomicBool::new(false),
        });
        let session = Session::new(id, Arc::clone(&store), expiry);
        request.extensions_mut().insert(session.clone());
        let future = self.inner.call(request);
        let on_save_error = self.layer.on_save_error.clone();
        Box::pin(async move {
            let mut response = future.await?;
            if response.status().is_server_error() {
                return Ok(response);
            }
            match finish(&codec, &mut sealed, &session, &store).await {
                Ok(saved) => {
                    let headers = response.headers_mut();
                    for value in saved.header_values() {
                        headers.append(SET_COOKIE, value);
                    }
                    append_vary_cookie(headers);
                    Ok(response)
                }
                Err(error) => {
                    tracing::error!(
                        reason = error.as_str(),
                        cookie = codec.cookie_name(),
                        "session not saved; answering with the save-error response"
                    );
                    Ok(on_save_error.response(error))
                }
            }
        })
    }
}

/// Carries the tower-sessions changes over to the sealed session, and asks
/// the codec what to send.
async fn finish(
    codec: &SessionCodec,
    sealed: &mut sealed_session::Session,
    session: &Session,
    store: &RequestStore,
) -> Result<Saved, SessionError> {
    if store.deleted.load(core::sync::atomic::Ordering::Acquire) {
        sealed.regenerate();
    }
    if session.is_modified() {
        session
            .save()
            .await
            .map_err(|_| SessionError::Unserializable)?;
        let captured = store
            .captured
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(record) = captured {
            if record
                .data
                .contains_key(sealed_session::Session::PERMANENT_KEY)
            {
                return Err(SessionError::ReservedKey);
            }
            let json =
                serde_json::to_vec(&record.data).map_err(|_| SessionError::Unserializable)?;
            sealed.replace_from_json(&json)?;
        }
    }
    let permanent = !matches!(session.expiry(), None | Some(Expiry::OnSessionEnd));
    sealed.set_permanent(permanent);
    codec.save(sealed)
}

/// The record of an opened session; `None` for a new one.
fn record_of(
    sealed: &sealed_session::Session,
    codec: &SessionCodec,
) -> Result<Option<Record>, SessionError> {
    let (Some(id), Some(issued_at)) = (sealed.id(), sealed.issued_at()) else {
        return Ok(None);
    };
    let mut data = HashMap::with_capacity(sealed.len());
    for (key, raw) in sealed.iter() {
        let value: Value =
            serde_json::from_str(raw.get()).map_err(|_| SessionError::InvalidJson)?;
        data.insert(key.to_owned(), value);
    }
    let idle_end = issued_at.saturating_add(codec.idle_timeout().as_secs());
    let absolute_end = sealed
        .created_at()
        .unwrap_or(issued_at)
        .saturating_add(codec.absolute_timeout().as_secs());
    let end = i64::try_from(idle_end.min(absolute_end)).unwrap_or(i64::MAX);
    let expiry_date =
        OffsetDateTime::from_unix_timestamp(end).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    Ok(Some(Record {
        // The same 16 bytes: both ids display as the same base64url text.
        id: Id(i128::from_le_bytes(*id.as_bytes())),
        data,
        expiry_date,
    }))
}

fn seconds(duration: Duration) -> time::Duration {
    time::Duration::seconds(i64::try_from(duration.as_secs()).unwrap_or(i64::MAX))
}

/// One request's store: `load` returns the record opened from the cookie,
/// `create` and `save` capture the record to seal, `delete` notes a new
/// identity or a logout.
struct RequestStore {
    opened: Option<Record>,
    captured: Mutex<Option<Record>>,
    deleted: core::sync::atomic::AtomicBool,
}

impl fmt::Debug for RequestStore {
    /// Never the data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestStore")
            .field("opened", &self.opened.is_some())
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl SessionStore for RequestStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // Ids live only in cookies: no collision to check.
        self.save(record).await
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        *self.captured.lock().unwrap_or_else(PoisonError::into_inner) = Some(record.clone());
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        Ok(self
            .opened
            .as_ref()
            .filter(|record| record.id == *id)
            .cloned())
    }

    async fn delete(&self, _id: &Id) -> session_store::Result<()> {
        self.deleted
            .store(true, core::sync::atomic::Ordering::Release);
        Ok(())
    }
}

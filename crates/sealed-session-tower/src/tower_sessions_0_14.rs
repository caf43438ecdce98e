//! axum-login (and any code written for tower-sessions 0.14) on sealed
//! cookies: [`TowerSessionsLayer`] puts a `tower_sessions_core::Session`
//! into each request, backed by the sealed cookie instead of a store.
//!
//! Feature `tower-sessions-0_14`. The version is in the name because it
//! must be the one the rest of the application uses: axum-login 0.18 reads
//! `tower_sessions::Session` **0.14** from the request, and a `Session` of
//! another version is another type, which it would not find (it answers
//! every request with an empty 500). A compile-time test of this crate
//! checks that `axum_login::tower_sessions::Session` is
//! `tower_sessions_core::Session`.
//!
//! # How it works
//!
//! For each request the layer opens the cookie with the [`SessionCodec`]
//! (keys, rotation, idle and absolute timeouts: as
//! [`SessionLayer`](crate::SessionLayer)), and gives the session a
//! `SessionStore` of its own that holds only that request's record. After
//! the handler it maps the record's data back onto the sealed session (a
//! flat JSON object, which Flask reads too) and asks
//! [`SessionCodec::finish`] what goes on the response, exactly as
//! [`SessionLayer`](crate::SessionLayer) does: the same `Set-Cookie`, the
//! same `Vary`, for every status. No server keeps any state.
//!
//! - `cycle_id()` (axum-login's `login`) gives the session a new identity,
//!   as [`regenerate`](sealed_session::Session::regenerate); `flush()`
//!   (`logout`) deletes the cookie.
//! - `Vary: Cookie` when the handler read or wrote the session: the store
//!   sees the first read, because tower-sessions loads a session lazily
//!   through its store. A session not sealed yet (new, or migrated from a
//!   legacy cookie) therefore carries a placeholder id from the start
//!   (`Session::id()` is `Some`); the cookie gets an id of its own when it
//!   is sealed.
//! - A 5xx writes no cookie; a session that cannot be saved (too large)
//!   becomes an empty 500, as in [`SessionLayer`](crate::SessionLayer).
//! - The key `_permanent` is reserved (Flask's permanent flag): a session
//!   holding it is not saved, and the request answers with the save-error
//!   response and a logged [`SessionError::ReservedKey`].
//! - Values go through `serde_json::Value`: an integer beyond 64 bits
//!   written by another program becomes a float if the handler saves the
//!   session.
//! - `Expiry`: `None` or `Expiry::OnSessionEnd` make a cookie that ends
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
//! public `AuthManager` service directly, inside the session layer; the
//! crate's README shows a whole app (login, logout, the error mapping), and
//! `tests/axum_login.rs` runs it over HTTP: log in, restart the server
//! with no state, still logged in, log out.

use alloc::sync::Arc;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicBool, Ordering};
use core::task::{Context, Poll};
use core::time::Duration;
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;
use http::header::COOKIE;
use http::{Request, Response};
use sealed_session::{Keyring, Outcome, SessionCodec, SessionCodecBuilder, SessionError};
use serde_json::Value;
use time::OffsetDateTime;
use tower_layer::Layer;
use tower_service::Service;
use tower_sessions_core::session::{Id, Record};
use tower_sessions_core::{Expiry, Session, SessionStore, session_store};

pub use tower_sessions_core;

use crate::future::apply;
use crate::layer::{DefaultOnSaveError, OnSaveError};
use crate::plain_http::PlainHttpCheck;

/// A tower layer that puts a [`tower_sessions_core::Session`] (0.14) into
/// each request, kept in the sealed cookie; see the [module docs](self).
///
/// ```
/// use sealed_session_tower::Keyring;
/// use sealed_session_tower::sealed_session::Key;
/// use sealed_session_tower::tower_sessions_0_14::TowerSessionsLayer;
///
/// let layer = TowerSessionsLayer::builder(Keyring::new(1, &Key::from_bytes([1; 32])))
///     .build()?
///     .with_permanent(true);
/// # Ok::<(), sealed_session_tower::ConfigError>(())
/// ```
pub struct TowerSessionsLayer<H = DefaultOnSaveError> {
    codec: SessionCodec,
    permanent: bool,
    on_save_error: H,
    plain_http: PlainHttpCheck,
}

impl TowerSessionsLayer {
    /// The std crate's [`SessionCodecBuilder`], building this layer: the
    /// same settings, names and defaults as
    /// [`SessionLayer::builder`](crate::SessionLayer::builder).
    pub fn builder(keyring: Keyring) -> SessionCodecBuilder<Self> {
        SessionCodecBuilder::new(keyring)
    }

    /// A layer over a codec built elsewhere. The same as
    /// `TowerSessionsLayer::from(codec)`.
    #[must_use]
    pub fn new(codec: SessionCodec) -> Self {
        Self::from(codec)
    }
}

impl From<SessionCodec> for TowerSessionsLayer {
    fn from(codec: SessionCodec) -> Self {
        let plain_http = PlainHttpCheck::for_codec(&codec);
        Self {
            codec,
            permanent: false,
            on_save_error: DefaultOnSaveError,
            plain_http,
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
            plain_http: self.plain_http,
        }
    }

    /// The codec: cookie name, timeouts, keys.
    #[must_use]
    pub fn codec(&self) -> &SessionCodec {
        &self.codec
    }
}

impl<H: Clone> Clone for TowerSessionsLayer<H> {
    fn clone(&self) -> Self {
        Self {
            codec: self.codec.clone(),
            permanent: self.permanent,
            on_save_error: self.on_save_error.clone(),
            plain_http: self.plain_http.clone(),
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

impl<S, H> TowerSessionsService<S, H> {
    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The inner service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// The inner service, by value.
    pub fn into_inner(self) -> S {
        self.inner
    }
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
        // Every read goes through a copy: the session itself is marked
        // accessed only when the handler reads it (through the store).
        let view = sealed.clone();
        let opened = match record_of(&view, &codec) {
            Ok(record) => record,
            Err(error) => {
                // Authentic, but not representable as serde_json values:
                // start over, and delete the cookie.
                tracing::debug!(reason = error.as_str(), "session cookie rejected");
                sealed.clear();
                empty_record(&codec)
            }
        };
        let permanent = self.layer.permanent || view.permanent();
        let expiry = permanent.then(|| Expiry::OnInactivity(seconds(codec.idle_timeout())));
        let id = opened.id;
        let store = Arc::new(RequestStore {
            opened,
            accessed: AtomicBool::new(false),
            captured: Mutex::new(None),
            deleted: AtomicBool::new(false),
        });
        let session = Session::new(Some(id), Arc::clone(&store), expiry);
        let plain_http = self.layer.plain_http.observe(&request);
        request.extensions_mut().insert(session.clone());
        let future = self.inner.call(request);
        let on_save_error = self.layer.on_save_error.clone();
        Box::pin(async move {
            let mut response = future.await?;
            let outcome = Outcome::Status(response.status().as_u16());
            let finished = match carry(&mut sealed, &session, &store, outcome).await {
                Ok(()) => codec.finish(&sealed, outcome),
                Err(error) => {
                    // The adapter's own save error (a reserved key, say):
                    // the save-error response, and nothing committed.
                    tracing::error!(
                        reason = error.as_str(),
                        cookie = codec.cookie_name(),
                        "session not saved; answering with the save-error response"
                    );
                    response = on_save_error.response(error);
                    codec.finish(&sealed, Outcome::Failed)
                }
            };
            Ok(apply(
                response,
                finished,
                &codec,
                &on_save_error,
                plain_http,
            ))
        })
    }
}

/// Carries what the handler did to the tower-sessions `Session` over to
/// the sealed session: that it was read, a new identity (`cycle_id`), new
/// data, the expiry. A failed request carries only the read.
async fn carry(
    sealed: &mut sealed_session::Session,
    session: &Session,
    store: &RequestStore,
    outcome: Outcome,
) -> Result<(), SessionError> {
    let modified = session.is_modified();
    if modified || store.accessed.load(Ordering::Acquire) {
        // Marks the sealed session accessed: the response varies.
        let _ = sealed.is_empty();
    }
    if outcome.failed() || !modified {
        return Ok(());
    }
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
        if record.data.is_empty() {
            // `flush` (logout), `clear`, or the last key removed: the std
            // session's own `clear`, which deletes a cookie that came with
            // the request and sends nothing for a session that never had
            // one.
            sealed.clear();
            return Ok(());
        }
        if record
            .data
            .contains_key(sealed_session::Session::PERMANENT_KEY)
        {
            return Err(SessionError::ReservedKey);
        }
        if store.deleted.load(Ordering::Acquire) {
            // `cycle_id` (axum-login's `login`): a new identity.
            sealed.regenerate();
        }
        let json = serde_json::to_vec(&record.data).map_err(|_| SessionError::Unserializable)?;
        sealed.replace_from_json(&json)?;
    }
    let permanent = !matches!(session.expiry(), None | Some(Expiry::OnSessionEnd));
    sealed.set_permanent(permanent);
    Ok(())
}

/// The record the handler sees: the session's data under its id. A session
/// not sealed yet (new, or migrated from a legacy cookie) gets a
/// placeholder id, never sealed: tower-sessions loads a session with an id
/// lazily, through the store, on its first read or write, and that is how
/// the store learns that the handler touched the session (for
/// `Vary: Cookie`).
fn record_of(
    sealed: &sealed_session::Session,
    codec: &SessionCodec,
) -> Result<Record, SessionError> {
    let mut record = empty_record(codec);
    for (key, raw) in sealed.iter() {
        let value: Value =
            serde_json::from_str(raw.get()).map_err(|_| SessionError::InvalidJson)?;
        record.data.insert(key.to_owned(), value);
    }
    if let (Some(id), Some(issued_at)) = (sealed.id(), sealed.issued_at()) {
        // The same 16 bytes: both ids display as the same base64url text.
        record.id = Id(i128::from_le_bytes(*id.as_bytes()));
        let idle_end = issued_at.saturating_add(codec.idle_timeout().as_secs());
        let absolute_end = sealed
            .created_at()
            .unwrap_or(issued_at)
            .saturating_add(codec.absolute_timeout().as_secs());
        record.expiry_date = date(idle_end.min(absolute_end));
    }
    Ok(record)
}

/// An empty record under a placeholder id, ending one idle timeout from now.
fn empty_record(codec: &SessionCodec) -> Record {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    Record {
        id: Id::default(),
        data: HashMap::new(),
        expiry_date: date(now.saturating_add(codec.idle_timeout().as_secs())),
    }
}

fn date(unix_seconds: u64) -> OffsetDateTime {
    let seconds = i64::try_from(unix_seconds).unwrap_or(i64::MAX);
    OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn seconds(duration: Duration) -> time::Duration {
    time::Duration::seconds(i64::try_from(duration.as_secs()).unwrap_or(i64::MAX))
}

/// One request's store: `load` returns the record opened from the cookie
/// (or the new session's empty one) and notes that the handler touched the
/// session, `create` and `save` capture the record to seal, `delete` notes
/// a new identity or a logout.
struct RequestStore {
    opened: Record,
    accessed: AtomicBool,
    captured: Mutex<Option<Record>>,
    deleted: AtomicBool,
}

impl fmt::Debug for RequestStore {
    /// Never the data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestStore").finish_non_exhaustive()
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
        self.accessed.store(true, Ordering::Release);
        Ok((self.opened.id == *id).then(|| self.opened.clone()))
    }

    async fn delete(&self, _id: &Id) -> session_store::Result<()> {
        self.deleted.store(true, Ordering::Release);
        Ok(())
    }
}

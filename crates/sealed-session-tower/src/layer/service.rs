//! The layer, its service and its response future.

use core::fmt;
use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;
use core::task::{Context, Poll, ready};

use http::header::{SET_COOKIE, VARY};
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode};
use pin_project_lite::pin_project;
use sealed_session::{SessionCodec, SessionError};
use tower_layer::Layer;
use tower_service::Service;

use super::builder::SessionLayerBuilder;
use super::kind::{Json, SessionKind, Typed};
use sealed_session::Keyring;

/// A tower layer that keeps the session in a sealed cookie: it opens the
/// session cookie before the inner service and writes `Set-Cookie` after
/// it. Configuration only (a [`SessionCodec`], one `Arc`, and what to
/// answer when a session cannot be saved), cheap to clone.
///
/// `K` is the kind of session, [`Json`] by default or [`Typed<T>`]; `H`
/// answers a session that cannot be saved ([`OnSaveError`]).
///
/// Before the inner service runs, the layer reads every `Cookie` header of
/// the request ([`SessionCodec::load`]): the session that opens (the most
/// recently sealed, when several same-name cookies do), or a new empty one.
/// The shared handle goes into the request's extensions, where the axum
/// extractors ([`Session`](crate::Session),
/// [`TypedSession`](crate::TypedSession)) or any service find it.
///
/// After the inner service, unless the response is a **5xx** (then nothing
/// is written: the session stays as the browser has it):
/// - `Set-Cookie` only when [`SessionCodec::save`] says so: the session
///   changed, it opened under an older key (re-seal), or its refresh is due;
/// - a deletion cookie, with the same `Path`/`Domain`/`Secure`, when the
///   session was cleared or the incoming cookie was rejected (tampered,
///   expired, another key);
/// - `Vary: Cookie` (appended to an existing `Vary`) when the session was
///   read, or a cookie is set;
/// - when the session cannot be sealed (a session too large for one
///   cookie: name and value over 4096 bytes), the response is replaced by
///   what [`OnSaveError`] says, an empty 500 by default, and the reason is
///   logged with `tracing` at error level. Nothing is truncated and nothing
///   is dropped silently.
///
/// A rejected cookie is logged at debug level with its reason
/// ([`SessionError::as_str`]), never its value.
///
/// # Panics in handlers
///
/// A panic unwinds through the layer's future, which is dropped: nothing
/// is written. With tower-http's `CatchPanicLayer` **inside** the session
/// layer the client gets a 500 instead of a closed connection, and the
/// layer, seeing a 5xx, again writes nothing.
///
/// # One cookie, no chunks
///
/// Some libraries (Auth.js, ASP.NET, oauth2-proxy) split a large session
/// over `name.0`, `name.1`… This layer does not:
/// - browsers cap cookies per domain (Chromium keeps 180, and about 4 KB
///   each), and every chunk rides on every request to the site;
/// - chunks are not written atomically: a response lost midway, or a
///   browser evicting one chunk, leaves a set that must be detected and
///   thrown away, and stale chunks linger when the session shrinks;
/// - a session that needs more than 4 KB usually holds data that belongs
///   in a database, keyed by what the session holds.
///
/// So the limit is one cookie, checked exactly as browsers count it (name
/// plus value, after sealing), and an oversized session is an error the
/// application sees.
///
/// # Example
///
/// ```
/// use std::time::Duration;
/// use http::{Request, Response};
/// use sealed_session_tower::{Key, Keyring, SessionHandle, SessionLayer};
/// use tower::{Service, ServiceBuilder, ServiceExt, service_fn};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let layer = SessionLayer::builder(Keyring::new(1, &Key::from_bytes([7; 32])))
///     .with_idle_timeout(Duration::from_secs(3600))
///     .build()?;
/// let mut service = ServiceBuilder::new().layer(layer).service(service_fn(
///     |request: Request<String>| async move {
///         let session = request.extensions().get::<SessionHandle>().unwrap();
///         session.insert("user_id", 42)?;
///         Ok::<_, sealed_session_tower::SessionError>(Response::new(String::new()))
///     },
/// ));
///
/// let response = service.ready().await?.call(Request::new(String::new())).await?;
/// let set_cookie = response.headers()["set-cookie"].to_str()?;
/// assert!(set_cookie.starts_with("__Host-session="));
/// assert_eq!(response.headers()["vary"], "cookie");
/// # Ok(())
/// # }
/// ```
pub struct SessionLayer<K = Json, H = DefaultOnSaveError> {
    codec: SessionCodec,
    on_save_error: H,
    kind: PhantomData<fn() -> K>,
}

impl SessionLayer {
    /// A builder with the secure defaults of
    /// [`SessionCodecBuilder`](sealed_session::SessionCodecBuilder):
    /// `__Host-session`, `Secure`, `HttpOnly`, `SameSite=Lax`, `Path=/`, idle
    /// timeout 24 hours, absolute timeout 7 days.
    ///
    /// ```
    /// use std::time::Duration;
    /// use sealed_session_tower::{Keyring, SessionLayer};
    ///
    /// let keyring = Keyring::from_text("1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n")?;
    /// let layer = SessionLayer::builder(keyring)
    ///     .with_idle_timeout(Duration::from_secs(3600))
    ///     .with_absolute_timeout(Duration::from_secs(8 * 3600))
    ///     .build()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn builder(keyring: Keyring) -> SessionLayerBuilder {
        SessionLayerBuilder::new(keyring)
    }

    /// A layer over a codec built elsewhere (and maybe shared with other
    /// code that seals or opens the same cookies).
    ///
    /// ```
    /// use sealed_session_tower::{Key, Keyring, SessionCodec, SessionLayer};
    ///
    /// let codec = SessionCodec::builder(Keyring::new(1, &Key::from_bytes([1; 32]))).build()?;
    /// let layer = SessionLayer::new(codec.clone());
    /// # Ok::<(), sealed_session_tower::ConfigError>(())
    /// ```
    #[must_use]
    pub fn new(codec: SessionCodec) -> Self {
        Self::with_kind(codec)
    }

    /// A layer over a codec built elsewhere, keeping a typed session (see
    /// [`Typed`]).
    ///
    /// ```
    /// use sealed_session_tower::{Key, Keyring, SessionCodec, SessionLayer};
    ///
    /// #[derive(serde::Serialize, serde::Deserialize, Clone)]
    /// struct Cart { items: Vec<u32> }
    ///
    /// let codec = SessionCodec::builder(Keyring::new(1, &Key::from_bytes([1; 32]))).build()?;
    /// let layer = SessionLayer::typed::<Cart>(codec);
    /// # Ok::<(), sealed_session_tower::ConfigError>(())
    /// ```
    #[must_use]
    pub fn typed<T>(codec: SessionCodec) -> SessionLayer<Typed<T>>
    where
        Typed<T>: SessionKind,
    {
        SessionLayer::with_kind(codec)
    }
}

impl<K: SessionKind> SessionLayer<K> {
    pub(crate) fn with_kind(codec: SessionCodec) -> Self {
        Self {
            codec,
            on_save_error: DefaultOnSaveError,
            kind: PhantomData,
        }
    }
}

impl<K, H> SessionLayer<K, H> {
    /// The codec: cookie name, timeouts, keys.
    ///
    /// ```
    /// use sealed_session_tower::{Key, Keyring, SessionLayer};
    ///
    /// let layer = SessionLayer::builder(Keyring::new(1, &Key::from_bytes([1; 32]))).build()?;
    /// assert_eq!(layer.codec().idle_timeout().as_secs(), 24 * 3600);
    /// # Ok::<(), sealed_session_tower::ConfigError>(())
    /// ```
    #[must_use]
    pub fn codec(&self) -> &SessionCodec {
        &self.codec
    }

    /// Answers a session that cannot be saved (too large for one cookie,
    /// most often) with `handler`'s response instead of an empty 500. The
    /// reason is logged either way. `handler` is any
    /// `Fn(SessionError) -> Response<B>` that is `Clone`, `B` the response
    /// body type of the inner service.
    ///
    /// ```
    /// use http::{Response, StatusCode};
    /// use sealed_session_tower::{Key, Keyring, SessionError, SessionLayer};
    ///
    /// let layer = SessionLayer::builder(Keyring::new(1, &Key::from_bytes([1; 32])))
    ///     .build()?
    ///     .on_save_error(|error: SessionError| {
    ///         let mut response = Response::new(format!("cannot keep your session: {error}"));
    ///         *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    ///         response
    ///     });
    /// # Ok::<(), sealed_session_tower::ConfigError>(())
    /// ```
    pub fn on_save_error<H2>(self, handler: H2) -> SessionLayer<K, H2> {
        SessionLayer {
            codec: self.codec,
            on_save_error: handler,
            kind: PhantomData,
        }
    }
}

impl<K, H: Clone> Clone for SessionLayer<K, H> {
    fn clone(&self) -> Self {
        Self {
            codec: self.codec.clone(),
            on_save_error: self.on_save_error.clone(),
            kind: PhantomData,
        }
    }
}

impl<K, H> fmt::Debug for SessionLayer<K, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionLayer")
            .field("codec", &self.codec)
            .finish_non_exhaustive()
    }
}

impl<S, K: SessionKind, H: Clone> Layer<S> for SessionLayer<K, H> {
    type Service = SessionService<S, K, H>;

    fn layer(&self, inner: S) -> Self::Service {
        SessionService {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service [`SessionLayer`] wraps around `S`: `poll_ready` is the inner
/// service's; `call` opens the session, then calls the inner service; see
/// [`SessionLayer`] for an example that drives it.
pub struct SessionService<S, K = Json, H = DefaultOnSaveError> {
    inner: S,
    layer: SessionLayer<K, H>,
}

impl<S: Clone, K, H: Clone> Clone for SessionService<S, K, H> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            layer: self.layer.clone(),
        }
    }
}

impl<S: fmt::Debug, K, H> fmt::Debug for SessionService<S, K, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionService")
            .field("inner", &self.inner)
            .field("layer", &self.layer)
            .finish()
    }
}

impl<S, K, H, ReqBody, ResBody> Service<Request<ReqBody>> for SessionService<S, K, H>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    K: SessionKind,
    H: OnSaveError<ResBody> + Clone,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, K, H>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    /// Opening the cookie is synchronous, so the inner service is called
    /// right here: the service that was polled ready is the one called,
    /// with no clone-and-swap and no `S: Clone` bound.
    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let codec = &self.layer.codec;
        let (handle, rejected) = K::load(codec, request.headers());
        if let Some(error) = rejected {
            tracing::debug!(reason = error.as_str(), "session cookie rejected");
        }
        request.extensions_mut().insert(handle.clone());
        ResponseFuture {
            inner: self.inner.call(request),
            codec: codec.clone(),
            handle,
            on_save_error: self.layer.on_save_error.clone(),
        }
    }
}

pin_project! {
    /// The response future of [`SessionService`]: the inner service's
    /// future, then the `Set-Cookie` and `Vary` headers.
    pub struct ResponseFuture<F, K: SessionKind, H> {
        #[pin]
        inner: F,
        codec: SessionCodec,
        handle: <K as super::kind::sealed::Kind>::Handle,
        on_save_error: H,
    }
}

impl<F, K: SessionKind, H> fmt::Debug for ResponseFuture<F, K, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl<F, K, H, B, E> Future for ResponseFuture<F, K, H>
where
    F: Future<Output = Result<Response<B>, E>>,
    K: SessionKind,
    H: OnSaveError<B>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let response = ready!(this.inner.poll(cx))?;
        Poll::Ready(Ok(finish::<K, H, B>(
            response,
            this.codec,
            this.handle,
            this.on_save_error,
        )))
    }
}

/// The response step: nothing on a 5xx, else the codec's decision.
fn finish<K: SessionKind, H: OnSaveError<B>, B>(
    mut response: Response<B>,
    codec: &SessionCodec,
    handle: &<K as super::kind::sealed::Kind>::Handle,
    on_save_error: &H,
) -> Response<B> {
    if response.status().is_server_error() {
        return response;
    }
    let (accessed, saved) = K::save(codec, handle);
    match saved {
        Ok(saved) => {
            let headers = response.headers_mut();
            let mut set = false;
            for value in saved.header_values() {
                headers.append(SET_COOKIE, value);
                set = true;
            }
            if accessed || set {
                append_vary_cookie(headers);
            }
            response
        }
        Err(error) => {
            tracing::error!(
                reason = error.as_str(),
                cookie = codec.cookie_name(),
                "session not saved; answering with the save-error response"
            );
            on_save_error.response(error)
        }
    }
}

/// Adds `Cookie` to `Vary`, unless a `Vary` already names it or says `*`.
pub(crate) fn append_vary_cookie(headers: &mut HeaderMap) {
    let covered = headers.get_all(VARY).iter().any(|value| {
        value.as_bytes().split(|&b| b == b',').any(|token| {
            let token = token.trim_ascii();
            token == b"*" || token.eq_ignore_ascii_case(b"cookie")
        })
    });
    if !covered {
        headers.append(VARY, HeaderValue::from_static("cookie"));
    }
}

/// What a [`SessionLayer`] answers when the session cannot be saved: most
/// often [`SessionError::CookieTooLarge`] (the sealed cookie's name and
/// value would exceed 4096 bytes, which browsers drop silently). The
/// handler's response replaces the inner service's.
///
/// Implemented by [`DefaultOnSaveError`] (an empty 500) and by every
/// `Fn(SessionError) -> Response<B>`; see
/// [`SessionLayer::on_save_error`].
///
/// ```
/// use http::{Response, StatusCode, header};
/// use sealed_session_tower::{OnSaveError, SessionError};
///
/// /// Sends the browser to a page that explains the limit.
/// #[derive(Clone)]
/// struct TooLargePage;
///
/// impl OnSaveError<String> for TooLargePage {
///     fn response(&self, _error: SessionError) -> Response<String> {
///         let mut response = Response::new(String::new());
///         *response.status_mut() = StatusCode::SEE_OTHER;
///         response.headers_mut().insert(header::LOCATION, "/too-much".parse().unwrap());
///         response
///     }
/// }
///
/// assert_eq!(TooLargePage.response(SessionError::CookieTooLarge).status(), 303);
/// ```
pub trait OnSaveError<B> {
    /// The response to send instead.
    fn response(&self, error: SessionError) -> Response<B>;
}

/// The default [`OnSaveError`]: `500 Internal Server Error` with an empty
/// body (for any body type with a `Default`).
///
/// ```
/// use http::StatusCode;
/// use sealed_session_tower::{DefaultOnSaveError, OnSaveError, SessionError};
///
/// let response: http::Response<String> = DefaultOnSaveError.response(SessionError::CookieTooLarge);
/// assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
/// assert!(response.body().is_empty());
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct DefaultOnSaveError;

impl<B: Default> OnSaveError<B> for DefaultOnSaveError {
    fn response(&self, _error: SessionError) -> Response<B> {
        let mut response = Response::new(B::default());
        *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        response
    }
}

impl<B, F> OnSaveError<B> for F
where
    F: Fn(SessionError) -> Response<B>,
{
    fn response(&self, error: SessionError) -> Response<B> {
        self(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vary(existing: &[&'static str]) -> Vec<String> {
        let mut headers = HeaderMap::new();
        for value in existing {
            headers.append(VARY, HeaderValue::from_static(value));
        }
        append_vary_cookie(&mut headers);
        headers
            .get_all(VARY)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn vary_is_appended_once() {
        assert_eq!(vary(&[]), ["cookie"]);
        assert_eq!(vary(&["accept-encoding"]), ["accept-encoding", "cookie"]);
        assert_eq!(vary(&["Accept, Cookie"]), ["Accept, Cookie"]);
        assert_eq!(vary(&["*"]), ["*"]);
        assert_eq!(vary(&["origin", " COOKIE "]), ["origin", " COOKIE "]);
    }
}

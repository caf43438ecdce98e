//! [`SessionService`]: what [`SessionLayer`] wraps around a service.

use core::fmt;
use core::task::{Context, Poll};

use http::header::COOKIE;
use http::{Request, Response};
use tower_service::Service;

use crate::future::ResponseFuture;
use crate::kind::{Json, SessionKind};
use crate::layer::{DefaultOnSaveError, OnSaveError, SessionLayer};

/// The service [`SessionLayer`] wraps around `S`: `poll_ready` is the inner
/// service's; `call` opens the session, puts its handle into the request's
/// extensions and calls the inner service; the [`ResponseFuture`] writes
/// the cookie. See [`SessionLayer`] for an example that drives it.
pub struct SessionService<S, K = Json, H = DefaultOnSaveError> {
    inner: S,
    layer: SessionLayer<K, H>,
}

impl<S, K, H> SessionService<S, K, H> {
    pub(crate) fn new(inner: S, layer: SessionLayer<K, H>) -> Self {
        Self { inner, layer }
    }

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
        // One codec for the whole request, even if the keys are reloaded
        // meanwhile.
        let codec = self.layer.codec();
        let (handle, rejected) = K::load(&codec, request.headers().get_all(COOKIE));
        if let Some(error) = rejected {
            tracing::debug!(reason = error.as_str(), "session cookie rejected");
        }
        let plain_http = self.layer.plain_http().observe(&request);
        request.extensions_mut().insert(handle.clone());
        // For logout: `SessionCodec::revoke` needs the codec's list.
        request.extensions_mut().insert(codec.clone());
        ResponseFuture::new(
            self.inner.call(request),
            codec,
            handle,
            self.layer.on_save_error_handler().clone(),
            plain_http,
        )
    }
}

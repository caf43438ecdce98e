//! [`ResponseFuture`]: the inner service's future, then what the std
//! crate's lifecycle ([`SessionCodec::finish`]) puts on the response.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, ready};

use http::header::{SET_COOKIE, VARY};
use http::{HeaderValue, Response};
use pin_project_lite::pin_project;
use sealed_session::{Finished, Outcome, SessionCodec};

use crate::kind::SessionKind;
use crate::kind::sealed::Kind;
use crate::layer::OnSaveError;
use crate::plain_http::PlainHttp;

pin_project! {
    /// The response future of [`SessionService`](crate::SessionService):
    /// the inner service's future, then the `Set-Cookie` and `Vary` headers
    /// that [`SessionCodec::finish`] decides for the response's status.
    pub struct ResponseFuture<F, K: SessionKind, H> {
        #[pin]
        inner: F,
        codec: SessionCodec,
        handle: <K as Kind>::Handle,
        on_save_error: H,
        plain_http: Option<PlainHttp>,
    }
}

impl<F, K: SessionKind, H> ResponseFuture<F, K, H> {
    pub(crate) fn new(
        inner: F,
        codec: SessionCodec,
        handle: <K as Kind>::Handle,
        on_save_error: H,
        plain_http: Option<PlainHttp>,
    ) -> Self {
        Self {
            inner,
            codec,
            handle,
            on_save_error,
            plain_http,
        }
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
        let outcome = Outcome::Status(response.status().as_u16());
        let finished = K::finish(this.codec, this.handle, outcome);
        Poll::Ready(Ok(apply(
            response,
            finished,
            this.codec,
            this.on_save_error,
            this.plain_http.take(),
        )))
    }
}

/// Puts what [`SessionCodec::finish`] decided on the response: the
/// save-error response instead of the handler's when the session could not
/// be saved, the `Set-Cookie` values in order, `Vary: Cookie` when needed.
/// Shared with the tower-sessions adapter, so both write the same headers.
pub(crate) fn apply<B, H: OnSaveError<B>>(
    mut response: Response<B>,
    finished: Finished,
    codec: &SessionCodec,
    on_save_error: &H,
    plain_http: Option<PlainHttp>,
) -> Response<B> {
    if let Some(error) = finished.save_error {
        tracing::error!(
            reason = error.as_str(),
            cookie = codec.cookie_name(),
            "session not saved; answering with the save-error response"
        );
        response = on_save_error.response(error);
    }
    let headers = response.headers_mut();
    for value in &finished.set_cookies {
        match HeaderValue::from_str(value) {
            Ok(value) => {
                headers.append(SET_COOKIE, value);
            }
            // The codec writes base64url values and attributes checked at
            // build time: unreachable, but never a panic.
            Err(_) => tracing::error!(
                cookie = codec.cookie_name(),
                "a Set-Cookie value that is no header value; not sent"
            ),
        }
    }
    if finished.needs_vary(headers.get_all(VARY).iter().map(HeaderValue::as_bytes)) {
        headers.append(VARY, HeaderValue::from_static(Finished::VARY_TOKEN));
    }
    if let Some(plain_http) = plain_http {
        plain_http.after(&finished.set_cookies);
    }
    response
}

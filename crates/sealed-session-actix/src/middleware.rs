//! The middleware: [`SessionMiddleware`] (configuration, `Transform`) and
//! the per-worker service that carries the session through each request.
//! What goes on the response is decided by the `sealed-session` crate
//! ([`SessionCodec::finish`]); this file only translates actix-web's types.

use alloc::rc::Rc;
use alloc::sync::Arc;
use core::fmt;
use core::future::{Ready, ready};
use core::pin::Pin;

use actix_web::body::EitherBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::{Error, HttpMessage as _, HttpRequest, HttpResponse, ResponseError};
use sealed_session::{
    Finished, Keyring, Outcome, Reloading, SessionCodec, SessionCodecBuilder, SessionError,
    SessionHandle,
};

use crate::session::{Session, Slot};

/// What the response becomes when the session cannot be saved: see
/// [`SessionMiddleware::error_handler`].
type ErrorHandler = Arc<dyn Fn(SessionError, &HttpRequest) -> HttpResponse + Send + Sync>;

/// actix-web middleware that keeps the session in an encrypted cookie.
///
/// Before the handler it reads the session from the request's `Cookie`
/// headers (a new, empty one when no cookie opens) and makes it available
/// to the [`Session`] extractor and [`SessionExt`](crate::SessionExt).
/// After the handler it hands the session and the response's status to
/// [`SessionCodec::finish`], the one rule every `sealed-session`
/// integration follows, and writes what it decides:
///
/// | the response | what the middleware adds |
/// |---|---|
/// | 1xx to 4xx, and the session changed, was opened under an older key, or its refresh is due | `Set-Cookie` with the session sealed anew |
/// | 1xx to 4xx, and the session was cleared ([`Session::purge`]), or the cookie that came in did not open (tampered, expired, another key) and the session stayed empty | a `Set-Cookie` that deletes the cookie, with the same attributes |
/// | 5xx, including a handler's or an inner middleware's `Err` that renders as one | **no `Set-Cookie`**: a failed request commits nothing, the browser keeps what it had |
/// | the session was read or written, or a `Set-Cookie` goes out | `Vary: Cookie`, whatever the status |
/// | the session no longer fits one cookie (name and value over 4096 bytes, measured after encryption) | the response is **replaced** by an empty 500, or by what [`error_handler`](SessionMiddleware::error_handler) returns; no cookie; `Vary: Cookie` |
/// | the handler panicked | actix-web drops the connection, nothing is written; with a panic-catching middleware wrapped *inside* this one (actix-web-lab's `CatchPanic`), an empty 500 with `Vary: Cookie` and no cookie |
///
/// It is `Clone + Send + Sync`: build it once, before the server starts
/// (so a configuration error stops start-up), and give each worker a
/// clone. A clone shares the codec and its keys (one `Arc`).
///
/// The codec that opened the request's session is in the request's
/// extensions too: a logout handler takes it with
/// `web::ReqData<SessionCodec>` to call [`SessionCodec::revoke`] or
/// [`SessionCodec::revoke_subject`]. With [`SessionMiddleware::reloading`]
/// the codec is rebuilt when the key file changes (see there).
///
/// The settings are the `sealed-session` builder's, under its names
/// ([`SessionMiddleware::builder`]); for actix-session's names, see the
/// crate's README ("Coming from actix-session").
///
/// ```
/// use std::time::Duration;
/// use actix_web::{App, HttpResponse, web};
/// use sealed_session_actix::{Keyring, Session, SessionMiddleware};
/// use sealed_session_actix::sealed_session::Key;
///
/// async fn counter(session: Session) -> actix_web::Result<HttpResponse> {
///     let count = session.get::<u64>("count")?.unwrap_or(0) + 1;
///     session.insert("count", count)?;
///     Ok(HttpResponse::Ok().body(count.to_string()))
/// }
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let keyring = Keyring::new(1, &Key::from_bytes([7; 32])); // keep real keys out of the source
/// let sessions = SessionMiddleware::builder(keyring)
///     .idle_timeout(Duration::from_secs(3600))
///     .build()?;
/// // In `HttpServer::new(move || ...)`, once per worker:
/// let app = App::new()
///     .wrap(sessions.clone())
///     .route("/counter", web::post().to(counter));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SessionMiddleware {
    codec: Codecs,
    error_handler: Option<ErrorHandler>,
}

/// A fixed codec, or one swapped when the key file changes.
#[derive(Clone)]
enum Codecs {
    Fixed(SessionCodec),
    Reloading(Reloading<SessionCodec>),
}

impl Codecs {
    /// The codec in force now.
    fn current(&self) -> SessionCodec {
        match self {
            Self::Fixed(codec) => codec.clone(),
            Self::Reloading(codec) => SessionCodec::clone(&codec.current()),
        }
    }
}

impl fmt::Debug for Codecs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Fixed(codec) => fmt::Debug::fmt(codec, f),
            Self::Reloading(codec) => fmt::Debug::fmt(codec, f),
        }
    }
}

impl SessionMiddleware {
    /// The `sealed-session` builder, building a middleware: every setting
    /// under the same name as in the std and tower crates, with the secure
    /// defaults (cookie `__Host-session`, `Secure`, `HttpOnly`,
    /// `SameSite=Lax`, `Path=/`, no `Domain`, idle timeout 24 hours,
    /// absolute timeout 7 days). `build` checks the whole configuration
    /// once, before the server starts.
    ///
    /// actix-session's names: `cookie_name` is the same; `cookie_secure`,
    /// `cookie_http_only`, `cookie_same_site`, `cookie_path` and
    /// `cookie_domain` are `secure`, `http_only`, `same_site`, `path` and
    /// `domain`; `session_lifecycle` (`state_ttl`, `session_ttl`) is
    /// `idle_timeout` (and `absolute_timeout`); `TtlExtensionPolicy` is
    /// `refresh`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use sealed_session_actix::{Keyring, SessionMiddleware};
    /// use sealed_session_actix::sealed_session::{Key, SameSite};
    ///
    /// let sessions = SessionMiddleware::builder(Keyring::new(1, &Key::from_bytes([7; 32])))
    ///     .cookie_name("__Host-app")
    ///     .same_site(SameSite::Strict)
    ///     .idle_timeout(Duration::from_secs(30 * 60))
    ///     .absolute_timeout(Duration::from_secs(12 * 3600))
    ///     .build()?;
    /// assert_eq!(sessions.codec().cookie_name(), "__Host-app");
    ///
    /// // Every mistake is found once, at start-up, and names its setting.
    /// let error = SessionMiddleware::builder(Keyring::new(1, &Key::from_bytes([7; 32])))
    ///     .secure(false)
    ///     .build()
    ///     .unwrap_err();
    /// assert_eq!(error.setting(), "secure");
    /// # Ok::<(), sealed_session_actix::ConfigError>(())
    /// ```
    #[doc(alias = "SessionMiddlewareBuilder")]
    #[doc(
        alias = "cookie_secure",
        alias = "cookie_http_only",
        alias = "cookie_same_site"
    )]
    #[doc(
        alias = "cookie_path",
        alias = "cookie_domain",
        alias = "session_lifecycle"
    )]
    #[doc(
        alias = "session_ttl",
        alias = "state_ttl",
        alias = "TtlExtensionPolicy"
    )]
    pub fn builder(keyring: Keyring) -> SessionCodecBuilder<Self> {
        SessionCodecBuilder::new(keyring)
    }

    /// A middleware over a codec built elsewhere (and maybe shared with
    /// other code that seals or opens the same cookies). The same as
    /// `SessionMiddleware::from(codec)`.
    ///
    /// ```
    /// use sealed_session_actix::{Keyring, SessionCodec, SessionMiddleware};
    /// use sealed_session_actix::sealed_session::Key;
    ///
    /// let codec = SessionCodec::builder(Keyring::new(1, &Key::from_bytes([7; 32])))
    ///     .pad_to_multiple_of(64)
    ///     .build()?;
    /// let sessions = SessionMiddleware::new(codec);
    /// assert_eq!(sessions.codec().cookie_name(), "__Host-session");
    /// # Ok::<(), sealed_session_actix::ConfigError>(())
    /// ```
    #[must_use]
    pub fn new(codec: SessionCodec) -> Self {
        Self::from(codec)
    }

    /// A middleware over a codec rebuilt from the key file whenever the
    /// file changes, and on `SIGHUP` if its [`ReloadOptions`] say so (see
    /// [`Reloading`]). The swap is atomic: each request takes the codec in
    /// force when it starts and keeps it to the end. A new file that does
    /// not load (bad text, a moment with no sealing key, permissions wider
    /// than `0600`) keeps the running codec, and why is logged (target
    /// `sealed_session::reload`) and kept in [`Reloading::status`]. The
    /// same as `SessionMiddleware::from(reloading)`.
    ///
    /// Build the revocation list, if any, once, outside the build
    /// function, and hand each rebuilt codec the same `Arc`, so that a
    /// reload keeps the revocations.
    ///
    /// [`ReloadOptions`]: sealed_session::ReloadOptions
    ///
    /// ```
    /// use std::sync::Arc;
    /// use sealed_session_actix::{SessionCodec, SessionMiddleware};
    /// use sealed_session_actix::sealed_session::{MemoryRevocations, ReloadOptions, Reloading};
    ///
    /// # let dir = std::env::temp_dir().join(format!("actix-reload-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// # let path = dir.join("keys");
    /// # std::fs::write(&path, "1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n")?;
    /// # #[cfg(unix)] {
    /// # use std::os::unix::fs::PermissionsExt;
    /// # std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?; }
    /// let revocations = Arc::new(MemoryRevocations::new());
    /// let codec = Reloading::watch(&path, ReloadOptions::new(), move |keyring| {
    ///     SessionCodec::builder(keyring).revocations(revocations.clone()).build()
    /// })?;
    /// let sessions = SessionMiddleware::reloading(codec);
    /// assert_eq!(sessions.codec().cookie_name(), "__Host-session");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn reloading(codec: Reloading<SessionCodec>) -> Self {
        Self::from(codec)
    }

    /// The codec in force now: the keyring, the cookie's name and the
    /// timeouts (with [`SessionMiddleware::reloading`], the one built from
    /// the key file as last loaded).
    ///
    /// ```
    /// use std::time::Duration;
    /// use sealed_session_actix::{Keyring, SessionMiddleware};
    /// use sealed_session_actix::sealed_session::Key;
    ///
    /// let sessions = SessionMiddleware::builder(Keyring::new(1, &Key::from_bytes([7; 32])))
    ///     .build()?;
    /// assert_eq!(sessions.codec().idle_timeout(), Duration::from_secs(24 * 3600));
    /// # Ok::<(), sealed_session_actix::ConfigError>(())
    /// ```
    #[must_use]
    pub fn codec(&self) -> SessionCodec {
        self.codec.current()
    }

    /// Sets what the response becomes when the session cannot be saved (it
    /// no longer fits one cookie: [`SessionError::CookieTooLarge`]; or the
    /// operating system's random generator failed). The handler's response
    /// is replaced, so nothing it set goes out, and no cookie is set;
    /// `Vary: Cookie` is still added. Default: an empty `500 Internal
    /// Server Error`. The error is logged at `error` level either way.
    ///
    /// ```
    /// use actix_web::HttpResponse;
    /// use sealed_session_actix::{Keyring, SessionError, SessionMiddleware};
    /// use sealed_session_actix::sealed_session::Key;
    ///
    /// let sessions = SessionMiddleware::builder(Keyring::new(1, &Key::from_bytes([7; 32])))
    ///     .build()?
    ///     .error_handler(|error, _request| match error {
    ///         SessionError::CookieTooLarge => HttpResponse::PayloadTooLarge().body("your cart is full"),
    ///         _ => HttpResponse::InternalServerError().finish(),
    ///     });
    /// # Ok::<(), sealed_session_actix::ConfigError>(())
    /// ```
    #[must_use]
    pub fn error_handler<F>(mut self, handler: F) -> Self
    where
        F: Fn(SessionError, &HttpRequest) -> HttpResponse + Send + Sync + 'static,
    {
        self.error_handler = Some(Arc::new(handler));
        self
    }
}

impl From<SessionCodec> for SessionMiddleware {
    /// A middleware over `codec`, answering a session that cannot be saved
    /// with an empty 500.
    fn from(codec: SessionCodec) -> Self {
        Self {
            codec: Codecs::Fixed(codec),
            error_handler: None,
        }
    }
}

impl From<Reloading<SessionCodec>> for SessionMiddleware {
    /// See [`SessionMiddleware::reloading`].
    fn from(codec: Reloading<SessionCodec>) -> Self {
        Self {
            codec: Codecs::Reloading(codec),
            error_handler: None,
        }
    }
}

impl fmt::Debug for SessionMiddleware {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionMiddleware")
            .field("codec", &self.codec)
            .field("error_handler", &self.error_handler.is_some())
            .finish()
    }
}

impl<S, B> Transform<S, ServiceRequest> for SessionMiddleware
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = SessionMiddlewareService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(SessionMiddlewareService {
            service,
            config: Rc::new(Config {
                codec: self.codec.clone(),
                error_handler: self.error_handler.clone(),
            }),
        }))
    }
}

/// The service [`SessionMiddleware`] wraps around the next one, once per
/// worker; actix-web creates it, applications never name it.
pub struct SessionMiddlewareService<S> {
    service: S,
    config: Rc<Config>,
}

/// A worker's copy of the configuration.
struct Config {
    codec: Codecs,
    error_handler: Option<ErrorHandler>,
}

impl<S> fmt::Debug for SessionMiddlewareService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionMiddlewareService")
            .field("codec", &self.config.codec)
            .finish_non_exhaustive()
    }
}

/// The response future: not `Send`, as every actix-web middleware's.
type ResponseFuture<B> =
    Pin<Box<dyn Future<Output = Result<ServiceResponse<EitherBody<B>>, Error>>>>;

impl<S, B> Service<ServiceRequest> for SessionMiddlewareService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = ResponseFuture<B>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        // One codec for the whole request, even if the keys are reloaded
        // meanwhile. Loading is synchronous, so the inner service is
        // called right here: no `Rc<S>` to keep it alive across an
        // `.await`.
        let codec = self.config.codec.current();
        let loaded = codec.load(req.headers().get_all(header::COOKIE));
        if let Some(error) = &loaded.rejected {
            log::debug!(
                "sealed-session: a `{}` cookie value did not open ({error})",
                codec.cookie_name()
            );
        }
        let handle = SessionHandle::new(loaded.session);
        req.extensions_mut()
            .insert(Slot(Session::from(handle.clone())));
        // For logout: `SessionCodec::revoke` needs the codec's list.
        req.extensions_mut().insert(codec.clone());
        let response = self.service.call(req);
        let config = Rc::clone(&self.config);
        // A panic unwinds through this future, which is then dropped and
        // writes nothing; a panic-catching middleware inside this one turns
        // it into an `Err` (below) or a 500 first.
        Box::pin(async move {
            match response.await {
                Ok(response) => Ok(respond(response, &handle, &codec, &config)),
                Err(error) => Err(respond_to_error(error, &handle, &codec)),
            }
        })
    }
}

/// What the codec decides for `status`, under one lock, released before any
/// user code (the error handler) runs, since that may read the session.
fn decide(handle: &SessionHandle, codec: &SessionCodec, status: u16) -> Finished {
    codec.finish(&*handle.lock(), Outcome::Status(status))
}

/// The response side: `Set-Cookie` as decided, or the whole response
/// replaced when the session cannot be saved; then `Vary`.
fn respond<B>(
    response: ServiceResponse<B>,
    handle: &SessionHandle,
    codec: &SessionCodec,
    config: &Config,
) -> ServiceResponse<EitherBody<B>> {
    let finished = decide(handle, codec, response.status().as_u16());
    write(response, &finished, config)
}

/// An `Err` from an inner middleware (a handler's errors arrive as
/// responses; a panic-catching middleware's do not): passed through
/// untouched when the session adds nothing to it, else wrapped so that it
/// renders, as actix-web renders it, with the session's headers added.
/// The request is gone with the error, so a session that cannot be saved
/// here gets the default save-error response (an empty 500), not the
/// [`error_handler`](SessionMiddleware::error_handler)'s.
fn respond_to_error(error: Error, handle: &SessionHandle, codec: &SessionCodec) -> Error {
    let status = error.as_response_error().status_code().as_u16();
    let finished = decide(handle, codec, status);
    if finished.set_cookies.is_empty() && !finished.vary_cookie && finished.save_error.is_none() {
        return error;
    }
    if let Some(save_error) = finished.save_error {
        log_save_error(save_error);
    }
    Error::from(WithSession { error, finished })
}

/// An inner middleware's error and what the session adds to its response.
struct WithSession {
    error: Error,
    finished: Finished,
}

impl fmt::Debug for WithSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.error, f)
    }
}

impl fmt::Display for WithSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl ResponseError for WithSession {
    fn status_code(&self) -> StatusCode {
        match self.finished.save_error {
            Some(_) => StatusCode::INTERNAL_SERVER_ERROR,
            None => self.error.as_response_error().status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = match self.finished.save_error {
            Some(_) => HttpResponse::InternalServerError().finish(),
            None => self.error.error_response(),
        };
        add_headers(response.headers_mut(), &self.finished);
        response
    }
}

/// Writes `finished` onto `response`.
fn write<B>(
    response: ServiceResponse<B>,
    finished: &Finished,
    config: &Config,
) -> ServiceResponse<EitherBody<B>> {
    let mut response = match finished.save_error {
        None => response.map_into_left_body(),
        Some(error) => {
            log_save_error(error);
            let replacement = match &config.error_handler {
                Some(handler) => handler(error, response.request()),
                None => HttpResponse::InternalServerError().finish(),
            };
            response
                .into_response(replacement)
                .map_into_right_body::<B>()
        }
    };
    add_headers(response.headers_mut(), finished);
    response
}

/// Appends `finished`'s `Set-Cookie` values (none when the session could
/// not be saved), then `Vary: Cookie` if needed.
fn add_headers(headers: &mut HeaderMap, finished: &Finished) {
    // A codec's headers are always valid header values (a checked name,
    // base64url, validated attributes).
    for value in &finished.set_cookies {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.append(header::SET_COOKIE, value);
        }
    }
    if finished.needs_vary(headers.get_all(header::VARY).map(HeaderValue::as_bytes)) {
        headers.append(header::VARY, HeaderValue::from_static(Finished::VARY_TOKEN));
    }
}

fn log_save_error(error: SessionError) {
    log::error!(
        "sealed-session: the session could not be saved ({error}); \
         the response is replaced and no cookie is set"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn middleware_is_send_sync_clone() {
        fn assert_traits<T: Send + Sync + Clone + 'static>() {}
        assert_traits::<SessionMiddleware>();
    }
}

//! The middleware: [`SessionMiddleware`] (configuration, `Transform`), its
//! builder, and the per-worker service that does the work around each
//! request.

use alloc::rc::Rc;
use alloc::sync::Arc;
use core::fmt;
use core::future::{Ready, ready};
use core::pin::Pin;
use core::time::Duration;

use actix_web::body::EitherBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::{Error, HttpMessage as _, HttpRequest, HttpResponse};
use sealed_session::{
    Clock, ConfigError, Keyring, Legacy, Refresh, SameSite, SessionCodec, SessionCodecBuilder,
    SessionError, SessionHandle,
};

use crate::session::{Session, Slot};

/// What the response becomes when the session cannot be saved: see
/// [`SessionMiddlewareBuilder::error_handler`].
type ErrorHandler = Arc<dyn Fn(SessionError, &HttpRequest) -> HttpResponse + Send + Sync>;

/// actix-web middleware that keeps the session in an encrypted cookie.
///
/// Before the handler it reads the session from the request's `Cookie`
/// headers (a new, empty one when no cookie opens) and makes it available
/// to the [`Session`] extractor and [`SessionExt`](crate::SessionExt).
/// After the handler it decides the response's cookie:
///
/// | the response | what the middleware adds |
/// |---|---|
/// | the session changed, was opened under an older key, or its refresh is due | `Set-Cookie` with the session sealed anew |
/// | the session was cleared ([`Session::purge`]), or the cookie that came in did not open (tampered, expired, another key) | a `Set-Cookie` that deletes the cookie, with the same attributes |
/// | otherwise | no `Set-Cookie` |
/// | the handler read or wrote the session | `Vary: Cookie` (appended; whatever the status) |
/// | a 5xx status (including a handler's `Err` that renders as one) | **no `Set-Cookie`**: a failed request leaves the cookie as it was |
/// | the handler panicked | nothing: actix drops the request, the browser keeps its cookie |
/// | the session no longer fits one cookie (name and value over 4096 bytes, measured after encryption) | the response is **replaced** by an empty 500, or by what [`error_handler`](SessionMiddlewareBuilder::error_handler) returns; no cookie |
///
/// It is `Clone + Send + Sync`: build it once, before the server starts
/// (so a configuration error stops start-up), and give each worker a
/// clone. A clone shares the codec and its keys (one `Arc`).
///
/// ```
/// use std::time::Duration;
/// use actix_web::{App, HttpResponse, web};
/// use sealed_session_actix::{Keyring, Key, Session, SessionMiddleware};
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
    codec: SessionCodec,
    error_handler: Option<ErrorHandler>,
}

impl SessionMiddleware {
    /// A middleware over a codec built with [`SessionCodec::builder`]:
    /// every setting of the `sealed-session` builder is available there
    /// (`context`, `compression`, `pad_to_multiple_of`, `seal_format`…),
    /// where [`SessionMiddleware::builder`] offers the common ones under
    /// actix-session's names.
    ///
    /// ```
    /// use sealed_session_actix::{Key, Keyring, SessionCodec, SessionMiddleware};
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
        Self {
            codec,
            error_handler: None,
        }
    }

    /// A builder sealing with `keyring`'s primary key, with the secure
    /// defaults of [`SessionCodecBuilder`]: cookie `__Host-session`,
    /// `Secure`, `HttpOnly`, `SameSite=Lax`, `Path=/`, no `Domain`, idle
    /// timeout 24 hours, absolute timeout 7 days.
    ///
    /// ```
    /// use sealed_session_actix::{Key, Keyring, SameSite, SessionMiddleware};
    ///
    /// let sessions = SessionMiddleware::builder(Keyring::new(1, &Key::from_bytes([7; 32])))
    ///     .cookie_same_site(SameSite::Strict)
    ///     .build()?;
    /// # Ok::<(), sealed_session_actix::ConfigError>(())
    /// ```
    pub fn builder(keyring: Keyring) -> SessionMiddlewareBuilder {
        SessionMiddlewareBuilder {
            codec: SessionCodec::builder(keyring),
            domain: None,
            error_handler: None,
        }
    }

    /// The codec: the keyring, the cookie's name and the timeouts in force.
    ///
    /// ```
    /// use std::time::Duration;
    /// use sealed_session_actix::{Key, Keyring, SessionMiddleware};
    ///
    /// let sessions = SessionMiddleware::builder(Keyring::new(1, &Key::from_bytes([7; 32])))
    ///     .build()?;
    /// assert_eq!(sessions.codec().idle_timeout(), Duration::from_secs(24 * 3600));
    /// # Ok::<(), sealed_session_actix::ConfigError>(())
    /// ```
    #[must_use]
    pub fn codec(&self) -> &SessionCodec {
        &self.codec
    }

    /// Sets what the response becomes when the session cannot be saved;
    /// see [`SessionMiddlewareBuilder::error_handler`]. For a middleware
    /// made with [`SessionMiddleware::new`].
    ///
    /// ```
    /// use actix_web::HttpResponse;
    /// use sealed_session_actix::{Key, Keyring, SessionCodec, SessionMiddleware};
    ///
    /// let codec = SessionCodec::builder(Keyring::new(1, &Key::from_bytes([7; 32]))).build()?;
    /// let sessions = SessionMiddleware::new(codec)
    ///     .error_handler(|_error, _request| HttpResponse::PayloadTooLarge().body("session too large"));
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

impl fmt::Debug for SessionMiddleware {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionMiddleware")
            .field("codec", &self.codec)
            .field("error_handler", &self.error_handler.is_some())
            .finish()
    }
}

/// Configures a [`SessionMiddleware`] with actix-session's names; start
/// with [`SessionMiddleware::builder`]. [`build`](Self::build) checks the
/// whole configuration once, before the server starts.
///
/// ```
/// use std::time::Duration;
/// use sealed_session_actix::{Key, Keyring, SameSite, SessionMiddleware};
///
/// let sessions = SessionMiddleware::builder(Keyring::new(1, &Key::from_bytes([7; 32])))
///     .cookie_name("__Host-app")
///     .cookie_same_site(SameSite::Strict)
///     .idle_timeout(Duration::from_secs(30 * 60))
///     .absolute_timeout(Duration::from_secs(12 * 3600))
///     .build()?;
/// assert_eq!(sessions.codec().cookie_name(), "__Host-app");
/// # Ok::<(), sealed_session_actix::ConfigError>(())
/// ```
#[must_use = "a builder does nothing until `build` is called"]
pub struct SessionMiddlewareBuilder {
    codec: SessionCodecBuilder,
    domain: Option<String>,
    error_handler: Option<ErrorHandler>,
}

impl SessionMiddlewareBuilder {
    /// The cookie's name, also the context the cookie is sealed to (a value
    /// does not open under another name). Default `__Host-session`: the
    /// browser then refuses it over plain HTTP, with a `Domain`, or from a
    /// sibling subdomain. See [`SessionCodecBuilder::cookie_name`].
    ///
    /// ```
    /// use sealed_session_actix::{Key, Keyring, SessionMiddleware};
    ///
    /// let builder = SessionMiddleware::builder(Keyring::new(1, &Key::from_bytes([7; 32])));
    /// let sessions = builder.cookie_name("__Host-app").build()?;
    /// assert_eq!(sessions.codec().cookie_name(), "__Host-app");
    /// # Ok::<(), sealed_session_actix::ConfigError>(())
    /// ```
    pub fn cookie_name(mut self, name: impl Into<String>) -> Self {
        self.codec = self.codec.cookie_name(name);
        self
    }

    /// The `Secure` attribute. Default on. Off only for local development
    /// over plain HTTP, with a name without the `__Host-` prefix.
    ///
    /// ```
    /// use sealed_session_actix::{Key, Keyring, SessionMiddleware};
    ///
    /// let builder = SessionMiddleware::builder(Keyring::new(1, &Key::from_bytes([7; 32])));
    /// // Plain HTTP in development: no `__Host-` prefix then.
    /// let sessions = builder.cookie_name("dev-session").cookie_secure(false).build()?;
    /// # let _ = sessions;
    /// # Ok::<(), sealed_session_actix::ConfigError>(())
    /// ```
    pub fn cookie_secure(mut self, secure: bool) -> Self {
        self.codec = self.codec.secure(secure);
        self
    }

    /// The `HttpOnly` attribute. Default on: the page's scripts cannot
    /// read the cookie.
    ///
    /// ```
    /// use sealed_session_actix::{Key, Keyring, SessionMiddleware};
    ///
    /// let builder = SessionMiddleware::builder(Keyring::new(1, &Key::from_bytes([7; 32])));
    /// // Only when the page's own scripts must read the cookie (they then
    /// // see a sealed value, but so does any injected script).
    /// let sessions = builder.cookie_http_only(false).build()?;
    /// # let _ = sessions;
    /// # Ok::<(), sealed_session_actix::ConfigError>(())
    /// ```
    pub fn cookie_http_only(mut self, http_only: bool) -> Self {
        self.codec = self.codec.http_only(http_only);
        self
    }

    /// The `SameSite` attribute. Default [`SameSite::Lax`].
    ///
    /// ```
    /// use sealed_session_actix::{Key, Keyring, SessionMiddleware};
    ///
    /// let builder = SessionMiddleware::builder(Keyring::new(1, &Key::from_bytes([7; 32])));
    /// use sealed_session_actix::SameSite;
    ///
    /// let sessions = builder.cookie_same_site(SameSite::Strict).build()?;
    /// # let _ = sessions;
    /// # Ok::<(), sealed_session_actix::ConfigError>(())
    /// ```
    pub fn cookie_same_site(mut self, same_site: SameSite) -> Self {
        self.codec = self.codec.same_site(same_site);
        self
    }

    /// The `Path` attribute. Default `/` (the only path a `__Host-` cookie
    /// may have).
    ///
    /// ```
    /// use sealed_session_actix::{Key, Keyring, SessionMiddleware};
    ///
    /// let builder = SessionMiddleware::builder(Keyring::new(1, &Key::from_bytes([7; 32])));
    /// let error = builder.cookie_path("/app").build().unwrap_err();
    /// assert_eq!(error.setting(), "path"); // a `__Host-` cookie has Path=/
    /// # let builder = SessionMiddleware::builder(Keyring::new(1, &Key::from_bytes([7; 32])));
    /// let sessions = builder.cookie_name("__Secure-app").cookie_path("/app").build()?;
    /// # let _ = sessions;
    /// # Ok::<(), sealed_session_actix::ConfigError>(())
    /// ```
    pub fn cookie_path(mut self, path: impl Into<String>) -> Self {
        self.codec = self.codec.path(path);
        self
    }

    /// The `Domain` attribute, as in actix-session: `None` (the default)
    /// for a host-only cookie, `Some(domain)` to share the cookie with
    /// every subdomain, which lets each of them plant cookies under its
    /// name too. Not with a `__Host-` name.
    ///
    /// ```
    /// use sealed_session_actix::{Key, Keyring, SessionMiddleware};
    ///
    /// let builder = SessionMiddleware::builder(Keyring::new(1, &Key::from_bytes([7; 32])));
    /// let sessions = builder
    ///     .cookie_name("__Secure-session") // `__Host-` forbids a Domain
    ///     .cookie_domain(Some("example.com".to_owned()))
    ///     .build()?;
    /// # let _ = sessions;
    /// # Ok::<(), sealed_session_actix::ConfigError>(())
    /// ```
    pub fn cookie_domain(mut self, domain: impl Into<Option<String>>) -> Self {
        self.domain = domain.into();
        self
    }

    /// How long a session may go unused: a cookie sealed longer ago is
    /// rejected (and deleted), and a permanent session's cookie gets this
    /// `Max-Age`. Default 24 hours. actix-session's `session_ttl` and
    /// `state_ttl`; here the limit is sealed inside the cookie and checked
    /// by the server, not only by the browser.
    ///
    /// ```
    /// use sealed_session_actix::{Key, Keyring, SessionMiddleware};
    ///
    /// let builder = SessionMiddleware::builder(Keyring::new(1, &Key::from_bytes([7; 32])));
    /// use std::time::Duration;
    ///
    /// let sessions = builder.idle_timeout(Duration::from_secs(30 * 60)).build()?;
    /// assert_eq!(sessions.codec().idle_timeout(), Duration::from_secs(1800));
    /// # Ok::<(), sealed_session_actix::ConfigError>(())
    /// ```
    #[doc(alias = "session_ttl", alias = "state_ttl", alias = "max_age")]
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.codec = self.codec.idle_timeout(timeout);
        self
    }

    /// How long a session may live at all, counted from its creation (or
    /// its last [`Session::regenerate`], at login), however often it is
    /// used: a stolen cookie replayed every minute still dies. Default 7
    /// days.
    ///
    /// ```
    /// use sealed_session_actix::{Key, Keyring, SessionMiddleware};
    ///
    /// let builder = SessionMiddleware::builder(Keyring::new(1, &Key::from_bytes([7; 32])));
    /// use std::time::Duration;
    ///
    /// let too_short = SessionMiddleware::builder(Keyring::new(1, &Key::from_bytes([7; 32])))
    ///     .absolute_timeout(Duration::from_secs(12 * 3600));
    /// // Longer than the idle timeout's default of 24 hours: refused.
    /// assert_eq!(too_short.build().unwrap_err().setting(), "idle_timeout");
    ///
    /// let sessions = builder
    ///     .idle_timeout(Duration::from_secs(3600))
    ///     .absolute_timeout(Duration::from_secs(12 * 3600))
    ///     .build()?;
    /// assert_eq!(sessions.codec().absolute_timeout(), Duration::from_secs(43_200));
    /// # Ok::<(), sealed_session_actix::ConfigError>(())
    /// ```
    #[doc(alias = "session_lifecycle", alias = "lifetime")]
    pub fn absolute_timeout(mut self, timeout: Duration) -> Self {
        self.codec = self.codec.absolute_timeout(timeout);
        self
    }

    /// When an unchanged session's cookie is sealed again, to keep an
    /// active user inside the idle timeout. Default: once the cookie is a
    /// minute old. See [`Refresh`].
    ///
    /// ```
    /// use sealed_session_actix::{Key, Keyring, SessionMiddleware};
    ///
    /// let builder = SessionMiddleware::builder(Keyring::new(1, &Key::from_bytes([7; 32])));
    /// use sealed_session_actix::Refresh;
    ///
    /// let sessions = builder.refresh(Refresh::EachRequest).build()?;
    /// # let _ = sessions;
    /// # Ok::<(), sealed_session_actix::ConfigError>(())
    /// ```
    #[doc(alias = "session_ttl_extension_policy", alias = "TtlExtensionPolicy")]
    pub fn refresh(mut self, refresh: Refresh) -> Self {
        self.codec = self.codec.refresh(refresh);
        self
    }

    /// Also accepts cookies of a legacy format (a Flask app's) until an
    /// end date, answering with this crate's cookie; see [`Legacy`].
    ///
    /// ```
    /// use sealed_session_actix::{Key, Keyring, SessionMiddleware};
    ///
    /// let builder = SessionMiddleware::builder(Keyring::new(1, &Key::from_bytes([7; 32])));
    /// use std::time::{Duration, SystemTime};
    /// use sealed_session_actix::Legacy;
    ///
    /// let python_key = Key::from_bytes([5; 32]); // the Flask app's EncryptedSession key
    /// let start = SystemTime::now();
    /// let sessions = builder
    ///     .accept_legacy(
    ///         Legacy::encrypted_session(&python_key)
    ///             .cookie_name("session")
    ///             .since(start)
    ///             .until(start + Duration::from_secs(30 * 86_400)),
    ///     )
    ///     .build()?;
    /// # let _ = sessions;
    /// # Ok::<(), sealed_session_actix::ConfigError>(())
    /// ```
    pub fn accept_legacy(mut self, legacy: Legacy) -> Self {
        self.codec = self.codec.accept_legacy(legacy);
        self
    }

    /// The time source. Default the system clock; tests pass an
    /// `Arc<`[`ManualClock`](sealed_session::ManualClock)`>` they move.
    ///
    /// ```
    /// use sealed_session_actix::{Key, Keyring, SessionMiddleware};
    ///
    /// let builder = SessionMiddleware::builder(Keyring::new(1, &Key::from_bytes([7; 32])));
    /// use std::sync::Arc;
    /// use sealed_session_actix::sealed_session::ManualClock;
    ///
    /// let clock = Arc::new(ManualClock::new(1_800_000_000));
    /// let sessions = builder.clock(Arc::clone(&clock)).build()?;
    /// clock.advance(3600); // the middleware's time moves with it
    /// # let _ = sessions;
    /// # Ok::<(), sealed_session_actix::ConfigError>(())
    /// ```
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.codec = self.codec.clock(clock);
        self
    }

    /// What the response becomes when the session cannot be saved (it no
    /// longer fits one cookie: [`SessionError::CookieTooLarge`]; or the
    /// operating system's random generator failed). The handler's response
    /// is replaced, so nothing it set goes out, and no cookie is set.
    /// Default: an empty `500 Internal Server Error`. The error is logged
    /// at `error` level either way.
    ///
    /// ```
    /// use actix_web::HttpResponse;
    /// use sealed_session_actix::{Key, Keyring, SessionError, SessionMiddleware};
    ///
    /// let sessions = SessionMiddleware::builder(Keyring::new(1, &Key::from_bytes([7; 32])))
    ///     .error_handler(|error, _request| match error {
    ///         SessionError::CookieTooLarge => HttpResponse::PayloadTooLarge().body("your cart is full"),
    ///         _ => HttpResponse::InternalServerError().finish(),
    ///     })
    ///     .build()?;
    /// # Ok::<(), sealed_session_actix::ConfigError>(())
    /// ```
    pub fn error_handler<F>(mut self, handler: F) -> Self
    where
        F: Fn(SessionError, &HttpRequest) -> HttpResponse + Send + Sync + 'static,
    {
        self.error_handler = Some(Arc::new(handler));
        self
    }

    /// Checks the configuration and builds the middleware.
    ///
    /// ```
    /// use sealed_session_actix::{Key, Keyring, SessionMiddleware};
    ///
    /// let error = SessionMiddleware::builder(Keyring::new(1, &Key::from_bytes([7; 32])))
    ///     .cookie_secure(false)
    ///     .build()
    ///     .unwrap_err();
    /// assert_eq!(error.setting(), "secure");
    /// ```
    ///
    /// # Errors
    /// A [`ConfigError`] naming the `sealed-session` setting at fault, as
    /// [`SessionCodecBuilder::build`] lists them: for example `secure` off
    /// or a `domain` with a `__Host-` name, `same_site` `None` without
    /// `Secure`, an idle timeout longer than the absolute one.
    pub fn build(self) -> Result<SessionMiddleware, ConfigError> {
        let mut codec = self.codec;
        if let Some(domain) = self.domain {
            codec = codec.domain(domain);
        }
        Ok(SessionMiddleware {
            codec: codec.build()?,
            error_handler: self.error_handler,
        })
    }
}

impl fmt::Debug for SessionMiddlewareBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionMiddlewareBuilder")
            .field("codec", &self.codec)
            .field("domain", &self.domain)
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
    codec: SessionCodec,
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
        // Loading is synchronous, so the inner service is called right
        // here: no `Rc<S>` to keep it alive across an `.await`.
        let loaded = self
            .config
            .codec
            .load(req.headers().get_all(header::COOKIE));
        if let Some(error) = &loaded.rejected {
            log::debug!(
                "sealed-session: a `{}` cookie value did not open ({error})",
                self.config.codec.cookie_name()
            );
        }
        let handle = SessionHandle::new(loaded.session);
        req.extensions_mut()
            .insert(Slot(Session::from(handle.clone())));
        let response = self.service.call(req);
        let config = Rc::clone(&self.config);
        // An `Err` from the inner service (another middleware's; a
        // handler's errors arrive as responses) passes through untouched,
        // and so does a panic: this future is then dropped, writing nothing.
        Box::pin(async move { Ok(finish(response.await?, &handle, &config)) })
    }
}

/// The response side: the cookie the codec decides (none on a 5xx; the
/// whole response replaced when the session cannot be saved), then `Vary`.
fn finish<B>(
    mut res: ServiceResponse<B>,
    handle: &SessionHandle,
    config: &Config,
) -> ServiceResponse<EitherBody<B>> {
    // One lock for both; released before any user code (the error handler)
    // runs, since that may read the session again.
    let (accessed, saved) = {
        let session = handle.lock();
        let accessed = session.accessed();
        if res.status().is_server_error() {
            (accessed, None)
        } else {
            (accessed, Some(config.codec.save(&*session)))
        }
    };
    let mut res = match saved {
        None => res.map_into_left_body(),
        Some(Ok(saved)) => {
            let headers = res.headers_mut();
            // A codec's headers are always valid header values (a checked
            // name, base64url, validated attributes).
            for value in saved
                .headers()
                .filter_map(|h| HeaderValue::from_str(h).ok())
            {
                headers.append(header::SET_COOKIE, value);
            }
            res.map_into_left_body()
        }
        Some(Err(error)) => {
            log::error!(
                "sealed-session: the session could not be saved ({error}); \
                 the response is replaced and no cookie is set"
            );
            let response = match &config.error_handler {
                Some(handler) => handler(error, res.request()),
                None => HttpResponse::InternalServerError().finish(),
            };
            res.into_response(response).map_into_right_body::<B>()
        }
    };
    if accessed {
        add_vary_cookie(res.headers_mut());
    }
    res
}

/// Appends `Vary: Cookie`, unless a `Vary` header already names `Cookie` or
/// is `*`.
fn add_vary_cookie(headers: &mut HeaderMap) {
    let present = headers.get_all(header::VARY).any(|value| {
        value.to_str().is_ok_and(|value| {
            value
                .split(',')
                .map(str::trim)
                .any(|field| field == "*" || field.eq_ignore_ascii_case("cookie"))
        })
    });
    if !present {
        headers.append(header::VARY, HeaderValue::from_static("Cookie"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vary_after(existing: &[&'static str]) -> Vec<String> {
        let mut headers = HeaderMap::new();
        for value in existing {
            headers.append(header::VARY, HeaderValue::from_static(value));
        }
        add_vary_cookie(&mut headers);
        headers
            .get_all(header::VARY)
            .map(|value| value.to_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn vary_cookie_is_added_once() {
        assert_eq!(vary_after(&[]), ["Cookie"]);
        assert_eq!(
            vary_after(&["Accept-Encoding"]),
            ["Accept-Encoding", "Cookie"]
        );
        assert_eq!(vary_after(&["Origin, COOKIE"]), ["Origin, COOKIE"]);
        assert_eq!(vary_after(&["Origin", " cookie "]), ["Origin", " cookie "]);
        assert_eq!(vary_after(&["*"]), ["*"]);
        assert_eq!(vary_after(&["Cookies"]), ["Cookies", "Cookie"]);
    }

    #[test]
    fn middleware_is_send_sync_clone() {
        fn assert_traits<T: Send + Sync + Clone + 'static>() {}
        assert_traits::<SessionMiddleware>();
    }
}

//! [`SessionLayer`]: the configuration (a codec and what to answer when a
//! session cannot be saved), and [`OnSaveError`].

use core::fmt;
use core::marker::PhantomData;

use http::{Response, StatusCode};
use sealed_session::{Keyring, Reloading, SessionCodec, SessionCodecBuilder, SessionError};
use tower_layer::Layer;

use crate::kind::{Json, SessionKind, Typed};
use crate::plain_http::PlainHttpCheck;
use crate::service::SessionService;

/// A tower layer that keeps the session in a sealed cookie: it opens the
/// session cookie before the inner service and writes `Set-Cookie` after
/// it. Configuration only (a [`SessionCodec`], one `Arc`, and what to
/// answer when a session cannot be saved), cheap to clone.
///
/// `K` is the kind of session, [`Json`] by default or [`Typed<T>`]; `H`
/// answers a session that cannot be saved ([`OnSaveError`]).
///
/// Before the inner service runs, the layer reads every `Cookie` header of
/// the request ([`SessionCodec::load`], whose docs give the rule for
/// several cookies of the same name) and puts the session's handle into the
/// request's extensions, where the axum extractors
/// ([`Session`](crate::Session), [`TypedSession`](crate::TypedSession)) or
/// any service find it.
///
/// After the inner service, the layer hands the response's status to
/// [`SessionCodec::finish`], which decides for every stack alike (the
/// tower-sessions adapter, the actix middleware and the Flask interface
/// ask it too), and writes what it says:
/// - `Set-Cookie`: the sealed session when it changed, opened under an
///   older key or is due for a refresh; a deletion when it was purged or
///   the request's cookie was rejected; **nothing on a 5xx**, so a failed
///   request commits nothing and the browser keeps what it had;
/// - `Vary: Cookie` (appended to the response's own `Vary`) when the
///   session was read or written, or a cookie is set, whatever the status;
/// - when the session cannot be sealed (a session too large for one
///   cookie: name and value over 4096 bytes), the response is replaced by
///   what [`OnSaveError`] says, an empty 500 by default, with `Vary: Cookie`
///   and no `Set-Cookie`, and the reason is logged with `tracing` at error
///   level. Nothing is truncated and nothing is dropped silently.
///
/// A rejected cookie is logged at debug level with its reason
/// ([`SessionError::as_str`]), never its value.
///
/// The codec that opened the request's session is in the request's
/// extensions too (a [`SessionCodec`], one `Arc`): a logout handler takes it
/// (in axum, `Extension<SessionCodec>`) to call [`SessionCodec::revoke`] or
/// [`SessionCodec::revoke_subject`].
///
/// # Reloading the keys
///
/// [`SessionLayer::reloading`] builds the layer over a
/// [`Reloading<SessionCodec>`](Reloading): the codec is rebuilt from the key
/// file when the file changes (and on `SIGHUP` if asked) and swapped in
/// atomically; each request takes the codec in force when it starts and
/// keeps it to the end. A new file that does not load (bad text, a gap with
/// no sealing key, permissions wider than `0600`) keeps the running codec,
/// and why is logged (target `sealed_session::reload`).
///
/// # Panics in handlers
///
/// A panic unwinds through the layer's future, which is dropped: nothing
/// is written. With tower-http's `CatchPanicLayer` **inside** the session
/// layer the client gets a 500 instead of a closed connection, and the
/// layer, seeing a 5xx, again writes no cookie.
///
/// # Plain HTTP
///
/// Browsers keep a `Secure` cookie (and so the default `__Host-session`)
/// over plain `http://` only on `localhost` and loopback addresses. Served
/// over plain HTTP under any other name (a LAN address, a Docker service
/// name, `*.test`), the cookie is dropped by the browser without a word,
/// and every request is anonymous. The layer logs one warning, at the first
/// such request it sees (a `Secure` cookie set in answer to a request whose
/// `Host` is not local and that did not come over HTTPS): serve over
/// HTTPS, or use `localhost`.
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
/// use sealed_session_tower::{Keyring, SessionError, SessionHandle, SessionLayer};
/// use sealed_session_tower::sealed_session::Key;
/// use tower::{Service, ServiceBuilder, ServiceExt, service_fn};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let layer = SessionLayer::builder(Keyring::new(1, &Key::from_bytes([7; 32])))
///     .idle_timeout(Duration::from_secs(3600))
///     .build()?;
/// let mut service = ServiceBuilder::new().layer(layer).service(service_fn(
///     |request: Request<String>| async move {
///         let session = request.extensions().get::<SessionHandle>().unwrap();
///         session.insert("user_id", 42)?;
///         Ok::<_, SessionError>(Response::new(String::new()))
///     },
/// ));
///
/// let response = service.ready().await?.call(Request::new(String::new())).await?;
/// let set_cookie = response.headers()["set-cookie"].to_str()?;
/// assert!(set_cookie.starts_with("__Host-session="));
/// assert_eq!(response.headers()["vary"], "Cookie");
/// # Ok(())
/// # }
/// ```
pub struct SessionLayer<K = Json, H = DefaultOnSaveError> {
    codec: Codecs,
    on_save_error: H,
    plain_http: PlainHttpCheck,
    kind: PhantomData<fn() -> K>,
}

impl SessionLayer {
    /// The std crate's [`SessionCodecBuilder`], building a layer: the same
    /// settings under the same names in every crate of the workspace, with
    /// the secure defaults (`__Host-session`, `Secure`, `HttpOnly`,
    /// `SameSite=Lax`, `Path=/`, idle timeout 24 hours, absolute timeout 7
    /// days). Every setting is checked once, in `build`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use sealed_session_tower::{Keyring, SessionLayer};
    /// use sealed_session_tower::sealed_session::{Key, SameSite};
    ///
    /// let keyring = Keyring::new(2, &Key::from_bytes([2; 32])).with_key(1, &Key::from_bytes([1; 32]))?;
    /// let layer = SessionLayer::builder(keyring)
    ///     .cookie_name("__Host-app")
    ///     .same_site(SameSite::Strict)
    ///     .idle_timeout(Duration::from_secs(30 * 60))
    ///     .absolute_timeout(Duration::from_secs(12 * 3600))
    ///     .build()?;
    /// assert_eq!(layer.codec().cookie_name(), "__Host-app");
    ///
    /// // Every mistake is found once, at start-up, and names its setting.
    /// let error = SessionLayer::builder(Keyring::new(1, &Key::from_bytes([1; 32])))
    ///     .secure(false)
    ///     .build()
    ///     .unwrap_err();
    /// assert_eq!(error.setting(), "secure");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn builder(keyring: Keyring) -> SessionCodecBuilder<Self> {
        SessionCodecBuilder::new(keyring)
    }

    /// A layer over a codec built elsewhere (and maybe shared with other
    /// code that seals or opens the same cookies). The same as
    /// `SessionLayer::from(codec)`.
    ///
    /// ```
    /// use sealed_session_tower::{Keyring, SessionCodec, SessionLayer};
    /// use sealed_session_tower::sealed_session::Key;
    ///
    /// let codec = SessionCodec::builder(Keyring::new(1, &Key::from_bytes([1; 32]))).build()?;
    /// let layer = SessionLayer::new(codec.clone());
    /// # Ok::<(), sealed_session_tower::ConfigError>(())
    /// ```
    #[must_use]
    pub fn new(codec: SessionCodec) -> Self {
        Self::from(codec)
    }

    /// A layer over a codec rebuilt from the key file whenever the file
    /// changes (see [`Reloading`]; "Reloading the keys" above). The same as
    /// `SessionLayer::from(reloading)`; for a typed session,
    /// `SessionLayer::<Typed<T>>::from(reloading)`.
    ///
    /// Build the codec's revocation list, if any, once, outside the build
    /// function, and hand each rebuilt codec the same `Arc`, so that a
    /// reload keeps the revocations.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use sealed_session_tower::{SessionCodec, SessionLayer};
    /// use sealed_session_tower::sealed_session::{MemoryRevocations, ReloadOptions, Reloading};
    ///
    /// # let dir = std::env::temp_dir().join(format!("tower-reload-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// # let path = dir.join("keys");
    /// # std::fs::write(&path, "1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n")?;
    /// # #[cfg(unix)] {
    /// # use std::os::unix::fs::PermissionsExt;
    /// # std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?; }
    /// let revocations = Arc::new(MemoryRevocations::new());
    /// let codec = Reloading::watch(&path, ReloadOptions::new().on_sighup(true), move |keyring| {
    ///     SessionCodec::builder(keyring).revocations(revocations.clone()).build()
    /// })?;
    /// let layer = SessionLayer::reloading(codec);
    /// assert_eq!(layer.codec().cookie_name(), "__Host-session");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn reloading(codec: Reloading<SessionCodec>) -> Self {
        Self::from(codec)
    }

    /// [`SessionLayer::builder`] for a layer keeping one value of type `T`
    /// (sealed as postcard), for the [`TypedSession<T>`](crate::TypedSession)
    /// extractor.
    ///
    /// ```
    /// use sealed_session_tower::{Keyring, SessionLayer};
    /// use sealed_session_tower::sealed_session::Key;
    ///
    /// #[derive(serde::Serialize, serde::Deserialize, Clone)]
    /// struct Cart { items: Vec<u32> }
    ///
    /// let layer = SessionLayer::typed_builder::<Cart>(Keyring::new(1, &Key::from_bytes([1; 32])))
    ///     .build()?;
    /// # Ok::<(), sealed_session_tower::ConfigError>(())
    /// ```
    pub fn typed_builder<T>(keyring: Keyring) -> SessionCodecBuilder<SessionLayer<Typed<T>>>
    where
        Typed<T>: SessionKind,
    {
        SessionCodecBuilder::new(keyring)
    }

    /// A layer over a codec built elsewhere, keeping a typed session (see
    /// [`Typed`]).
    ///
    /// ```
    /// use sealed_session_tower::{Keyring, SessionCodec, SessionLayer};
    /// use sealed_session_tower::sealed_session::Key;
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
        SessionLayer::from(codec)
    }
}

impl<K: SessionKind> From<SessionCodec> for SessionLayer<K> {
    fn from(codec: SessionCodec) -> Self {
        Self::over(Codecs::Fixed(codec))
    }
}

impl<K: SessionKind> From<Reloading<SessionCodec>> for SessionLayer<K> {
    fn from(codec: Reloading<SessionCodec>) -> Self {
        Self::over(Codecs::Reloading(codec))
    }
}

impl<K: SessionKind> SessionLayer<K> {
    fn over(codec: Codecs) -> Self {
        // The cookie's attributes come from the application's build
        // function, which a reload calls again with new keys only.
        let plain_http = PlainHttpCheck::for_codec(&codec.current());
        Self {
            codec,
            on_save_error: DefaultOnSaveError,
            plain_http,
            kind: PhantomData,
        }
    }
}

/// A fixed codec, or one swapped when the key file changes.
#[derive(Clone)]
enum Codecs {
    Fixed(SessionCodec),
    Reloading(Reloading<SessionCodec>),
}

impl Codecs {
    /// The codec in force now (one `Arc` clone, plus one atomic load when
    /// reloading).
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

impl<K, H> SessionLayer<K, H> {
    /// The codec in force now: cookie name, timeouts, keys (with
    /// [`SessionLayer::reloading`], the one built from the key file as it
    /// was last loaded).
    ///
    /// ```
    /// use sealed_session_tower::{Keyring, SessionLayer};
    /// use sealed_session_tower::sealed_session::Key;
    ///
    /// let layer = SessionLayer::builder(Keyring::new(1, &Key::from_bytes([1; 32]))).build()?;
    /// assert_eq!(layer.codec().idle_timeout().as_secs(), 24 * 3600);
    /// # Ok::<(), sealed_session_tower::ConfigError>(())
    /// ```
    #[must_use]
    pub fn codec(&self) -> SessionCodec {
        self.codec.current()
    }

    /// Answers a session that cannot be saved (too large for one cookie,
    /// most often) with `handler`'s response instead of an empty 500. The
    /// reason is logged either way. `handler` is any
    /// `Fn(SessionError) -> Response<B>` that is `Clone`, `B` the response
    /// body type of the inner service.
    ///
    /// ```
    /// use http::{Response, StatusCode};
    /// use sealed_session_tower::{Keyring, SessionError, SessionLayer};
    /// use sealed_session_tower::sealed_session::Key;
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
            plain_http: self.plain_http,
            kind: PhantomData,
        }
    }

    pub(crate) fn on_save_error_handler(&self) -> &H {
        &self.on_save_error
    }

    pub(crate) fn plain_http(&self) -> &PlainHttpCheck {
        &self.plain_http
    }
}

impl<K, H: Clone> Clone for SessionLayer<K, H> {
    fn clone(&self) -> Self {
        Self {
            codec: self.codec.clone(),
            on_save_error: self.on_save_error.clone(),
            plain_http: self.plain_http.clone(),
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
        SessionService::new(inner, self.clone())
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

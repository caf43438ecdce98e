//! The axum extractors, their rejection, and [`Error`] as a response.

use core::fmt;
use core::ops::Deref;

use axum_core::extract::{FromRequestParts, OptionalFromRequestParts};
use axum_core::response::{IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;
use sealed_session::{SessionError, SessionHandle, TypedHandle};

/// The request's JSON session, as an axum extractor: a [`SessionHandle`]
/// (through `Deref`: `get`, `insert`, `remove`, `clear`, `regenerate`,
/// `set_permanent`, `with`…) that the [`SessionLayer`](crate::SessionLayer)
/// reads back after the handler.
///
/// Every method takes the session's lock for one step only, so the
/// extractor can be held across `.await`. Extracting it without the layer
/// fails with [`MissingSession`] (a 500 that says so); `Option<Session>`
/// gives `None` instead.
///
/// ```
/// use sealed_session_tower::sealed_session::random_token;
/// use sealed_session_tower::{Error, Session};
///
/// async fn login(session: Session) -> Result<String, Error> {
///     session.regenerate(); // a new session id at login: no fixation
///     session.insert("user_id", 42)?;
///     let csrf = random_token()?;
///     session.insert("csrf", &csrf)?;
///     Ok(csrf)
/// }
///
/// async fn logout(session: Session) -> &'static str {
///     session.purge(); // the response deletes the cookie
///     "bye"
/// }
/// ```
#[derive(Clone, Debug)]
pub struct Session(SessionHandle);

impl Session {
    /// Gives the session a new identity, keeping its data: call it at login
    /// (or any gain of privilege), so that a session planted or seen before
    /// is not the one that is logged in. The absolute timeout restarts. See
    /// [`sealed_session::Session::regenerate`].
    ///
    /// ```
    /// # use sealed_session_tower::Session;
    /// # fn demo(session: Session) -> Result<(), sealed_session_tower::SessionError> {
    /// session.insert("user_id", 7)?;
    /// session.regenerate();
    /// assert!(session.id().is_none()); // a new id is drawn when it is sealed
    /// # Ok(()) }
    /// ```
    #[doc(alias = "cycle_id", alias = "renew")]
    pub fn regenerate(&self) {
        self.0.regenerate();
    }

    /// Empties the session and forgets its identity: the response deletes
    /// the cookie. For logout. The same as [`SessionHandle::clear`].
    ///
    /// ```
    /// # use sealed_session_tower::Session;
    /// # fn demo(session: Session) {
    /// session.purge();
    /// assert!(session.is_empty());
    /// # }
    /// ```
    #[doc(alias = "flush", alias = "logout")]
    pub fn purge(&self) {
        self.0.clear();
    }

    /// The handle.
    #[must_use]
    pub fn handle(&self) -> &SessionHandle {
        &self.0
    }

    /// The handle, by value.
    #[must_use]
    pub fn into_handle(self) -> SessionHandle {
        self.0
    }
}

impl Deref for Session {
    type Target = SessionHandle;

    fn deref(&self) -> &SessionHandle {
        &self.0
    }
}

impl From<SessionHandle> for Session {
    fn from(handle: SessionHandle) -> Self {
        Self(handle)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Session {
    type Rejection = MissingSession;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, MissingSession> {
        parts
            .extensions
            .get::<SessionHandle>()
            .cloned()
            .map(Self)
            .ok_or(MissingSession::JSON)
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for Session {
    type Rejection = core::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<SessionHandle>().cloned().map(Self))
    }
}

/// The request's typed session (one value of type `T`, see
/// [`Typed`](crate::Typed)), as an axum extractor: a [`TypedHandle<T>`]
/// through `Deref` (`get`, `set`, `update`, `clear`, `regenerate`…). Needs
/// a layer built with
/// [`SessionLayer::typed_builder::<T>`](crate::SessionLayer::typed_builder),
/// for the same `T`.
///
/// ```
/// use sealed_session_tower::TypedSession;
///
/// #[derive(serde::Serialize, serde::Deserialize, Clone, Default)]
/// struct Cart { items: Vec<u32> }
///
/// async fn add(cart: TypedSession<Cart>) -> String {
///     let count = cart.update(|cart| {
///         let cart = cart.get_or_insert_with(Cart::default);
///         cart.items.push(7);
///         cart.items.len()
///     });
///     format!("{count} items")
/// }
/// ```
pub struct TypedSession<T>(TypedHandle<T>);

impl<T> TypedSession<T> {
    /// See [`Session::regenerate`].
    #[doc(alias = "cycle_id", alias = "renew")]
    pub fn regenerate(&self) {
        self.0.regenerate();
    }

    /// Removes the value and forgets the session's identity: the response
    /// deletes the cookie. For logout.
    #[doc(alias = "flush", alias = "logout")]
    pub fn purge(&self) -> Option<T> {
        self.0.clear()
    }

    /// The handle.
    #[must_use]
    pub fn handle(&self) -> &TypedHandle<T> {
        &self.0
    }
}

impl<T> Clone for TypedSession<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<T> fmt::Debug for TypedSession<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TypedSession").field(&self.0).finish()
    }
}

impl<T> Deref for TypedSession<T> {
    type Target = TypedHandle<T>;

    fn deref(&self) -> &TypedHandle<T> {
        &self.0
    }
}

impl<S, T> FromRequestParts<S> for TypedSession<T>
where
    S: Send + Sync,
    T: Send + 'static,
{
    type Rejection = MissingSession;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, MissingSession> {
        parts
            .extensions
            .get::<TypedHandle<T>>()
            .cloned()
            .map(Self)
            .ok_or(MissingSession {
                wanted: core::any::type_name::<T>(),
            })
    }
}

/// The rejection of [`Session`] and [`TypedSession`] when the request has
/// no session of that kind: the layer is not installed around the route
/// (or is of another kind). A 500, with a body that says so.
///
/// ```
/// use axum_core::response::IntoResponse;
/// use sealed_session_tower::MissingSession;
///
/// # fn demo(rejection: MissingSession) {
/// let response = rejection.into_response();
/// assert_eq!(response.status(), 500);
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MissingSession {
    /// `""` for a JSON session, else the typed session's type name.
    wanted: &'static str,
}

impl MissingSession {
    const JSON: Self = Self { wanted: "" };
}

impl fmt::Display for MissingSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.wanted.is_empty() {
            f.write_str(
                "no session in this request: is the layer installed? \
                 Add `.layer(SessionLayer::builder(keyring).build()?)` around this route",
            )
        } else {
            write!(
                f,
                "no typed session of type `{}` in this request: is the layer installed? \
                 Add `.layer(SessionLayer::typed_builder::<{}>(keyring).build()?)` around this route",
                self.wanted, self.wanted
            )
        }
    }
}

impl core::error::Error for MissingSession {}

impl IntoResponse for MissingSession {
    fn into_response(self) -> Response {
        tracing::error!("{self}");
        (StatusCode::INTERNAL_SERVER_ERROR, self.to_string()).into_response()
    }
}

/// A [`SessionError`] as an axum response, so handlers can use `?` on
/// session operations: `500 Internal Server Error` with the error's short
/// public description ([`SessionError::as_str`], which never holds session
/// data), logged at error level.
///
/// ```
/// use axum_core::response::IntoResponse;
/// use sealed_session_tower::{Error, Session};
///
/// async fn handler(session: Session) -> Result<String, Error> {
///     let visits: u64 = session.get("visits")?.unwrap_or(0);
///     session.insert("visits", visits + 1)?;
///     Ok(format!("visit {}", visits + 1))
/// }
///
/// let response = Error::from(sealed_session_tower::SessionError::WrongType).into_response();
/// assert_eq!(response.status(), 500);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Error(SessionError);

impl Error {
    /// The session error.
    #[must_use]
    pub const fn session_error(&self) -> SessionError {
        self.0
    }
}

impl From<SessionError> for Error {
    fn from(error: SessionError) -> Self {
        Self(error)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "session error: {}", self.0)
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        Some(&self.0)
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        tracing::error!(reason = self.0.as_str(), "session error in a handler");
        (StatusCode::INTERNAL_SERVER_ERROR, self.to_string()).into_response()
    }
}

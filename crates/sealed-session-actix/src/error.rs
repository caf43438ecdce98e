//! The errors a handler can meet, as actix-web errors: each implements
//! `ResponseError`, so `?` works in a handler returning `actix_web::Result`.

use core::fmt;

use actix_web::ResponseError;
use actix_web::http::StatusCode;
use sealed_session::SessionError;

/// The [`Session`](crate::Session) extractor (or [`SessionExt`](crate::SessionExt))
/// was used on a request that no [`SessionMiddleware`](crate::SessionMiddleware)
/// wraps: a setup mistake, which fails loudly rather than handing out an
/// empty session whose changes would be lost. The tower crate's rejection
/// for the same mistake has the same name.
///
/// As a response: `500 Internal Server Error`, with the message below as a
/// plain-text body.
///
/// ```
/// use actix_web::ResponseError as _;
/// use sealed_session_actix::MissingSession;
///
/// assert_eq!(
///     MissingSession.to_string(),
///     "no session in this request: is the middleware installed? \
///      Add `.wrap(SessionMiddleware::builder(keyring).build()?)` around this route"
/// );
/// assert_eq!(MissingSession.status_code(), 500);
/// ```
#[doc(alias = "MissingSessionMiddleware")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MissingSession;

impl fmt::Display for MissingSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "no session in this request: is the middleware installed? \
             Add `.wrap(SessionMiddleware::builder(keyring).build()?)` around this route",
        )
    }
}

impl core::error::Error for MissingSession {}

impl ResponseError for MissingSession {
    fn status_code(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }
}

/// A [`SessionError`] met in a handler, as an actix-web error: a value
/// that did not read or write ([`Session::get`](crate::Session::get),
/// [`Session::insert`](crate::Session::insert) and the like), or a
/// [`random_token`](crate::random_token) the operating system could not
/// provide. As a response: `500 Internal Server Error`, with the error's
/// short description, which never contains session data.
///
/// ```
/// use actix_web::ResponseError as _;
/// use sealed_session_actix::{Session, SessionError, SessionHandle};
///
/// let session = Session::from(SessionHandle::default());
/// session.insert("user_id", "ann")?;
/// let error = session.get::<u64>("user_id").unwrap_err();
/// assert_eq!(error.kind(), SessionError::WrongType);
/// assert_eq!(error.to_string(), "session value has another type");
/// assert_eq!(error.status_code(), 500);
/// # Ok::<(), sealed_session_actix::HandlerError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HandlerError(SessionError);

impl HandlerError {
    /// The underlying error.
    ///
    /// ```
    /// use sealed_session_actix::{SessionError, HandlerError};
    ///
    /// let error = HandlerError::from(SessionError::ReservedKey);
    /// assert_eq!(error.kind(), SessionError::ReservedKey);
    /// ```
    #[must_use]
    pub const fn kind(&self) -> SessionError {
        self.0
    }
}

impl From<SessionError> for HandlerError {
    fn from(error: SessionError) -> Self {
        Self(error)
    }
}

impl From<HandlerError> for SessionError {
    fn from(error: HandlerError) -> Self {
        error.0
    }
}

impl fmt::Display for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl core::error::Error for HandlerError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        Some(&self.0)
    }
}

impl ResponseError for HandlerError {
    fn status_code(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }
}

//! The session handed to handlers: the [`Session`] extractor, and
//! [`SessionExt`] for code that holds a request.

use core::future::{Ready, ready};

use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::guard::GuardContext;
use actix_web::{FromRequest, HttpMessage as _, HttpRequest};
use sealed_session::{RawValue, SessionHandle, SessionId};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{HandlerError, MissingSession};

/// The request's session, as a handler argument. The middleware
/// ([`SessionMiddleware`](crate::SessionMiddleware)) reads it from the cookie
/// before the handler runs and writes it back afterwards; the handler
/// reads and changes it in between. Values are JSON (Flask's tagged JSON,
/// so a Flask app can share them).
///
/// It is a [`SessionHandle`] (one `Arc<Mutex<..>>`, the same type the
/// tower layer hands out), cheap to clone; every method locks for one step
/// only, so holding it across `.await` is fine. Extracting it fails, with a
/// 500 saying so, when the middleware is not installed
/// ([`MissingSession`]).
///
/// ```
/// use actix_web::{HttpResponse, Result};
/// use sealed_session_actix::{Session, random_token};
///
/// async fn login(session: Session) -> Result<HttpResponse> {
///     // ...after checking the credentials:
///     session.regenerate(); // a new session id: no session fixation
///     session.insert("user_id", 42)?;
///     session.insert("csrf", random_token()?)?;
///     Ok(HttpResponse::Ok().finish())
/// }
///
/// async fn logout(session: Session) -> HttpResponse {
///     session.purge(); // the cookie is deleted
///     HttpResponse::Ok().finish()
/// }
/// ```
#[derive(Clone, Debug)]
pub struct Session(SessionHandle);

impl Session {
    /// The value stored under `key`, deserialized; `None` when absent.
    ///
    /// ```
    /// use sealed_session_actix::{Session, SessionHandle};
    ///
    /// let session = Session::from(SessionHandle::default());
    /// session.insert("count", 3)?;
    /// assert_eq!(session.get::<u32>("count")?, Some(3));
    /// assert_eq!(session.get::<u32>("missing")?, None);
    /// # Ok::<(), sealed_session_actix::HandlerError>(())
    /// ```
    ///
    /// # Errors
    /// [`HandlerError`] of kind
    /// [`WrongType`](sealed_session::SessionError::WrongType) when the
    /// stored value does not deserialize as `T` (a 500 when returned from a
    /// handler).
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, HandlerError> {
        Ok(self.0.get(key)?)
    }

    /// The JSON text stored under `key`, unparsed.
    ///
    /// ```
    /// use sealed_session_actix::{Session, SessionHandle};
    ///
    /// let session = Session::from(SessionHandle::default());
    /// session.insert("cart", [1, 2])?;
    /// assert_eq!(session.get_raw("cart").unwrap().get(), "[1,2]");
    /// # Ok::<(), sealed_session_actix::HandlerError>(())
    /// ```
    #[must_use]
    pub fn get_raw(&self, key: &str) -> Option<Box<RawValue>> {
        self.0.get_raw(key)
    }

    /// Stores `value` under `key` as JSON, replacing (and returning) what
    /// was there.
    ///
    /// ```
    /// use sealed_session_actix::{Session, SessionHandle};
    ///
    /// let session = Session::from(SessionHandle::default());
    /// session.insert("user_id", 42)?;
    /// let before = session.insert("user_id", 43)?;
    /// assert_eq!(before.unwrap().get(), "42");
    /// # Ok::<(), sealed_session_actix::HandlerError>(())
    /// ```
    ///
    /// # Errors
    /// [`HandlerError`] of kind
    /// [`Unserializable`](sealed_session::SessionError::Unserializable) (a
    /// map with non-string keys, a NaN) or
    /// [`ReservedKey`](sealed_session::SessionError::ReservedKey)
    /// (`_permanent`: use [`Session::set_permanent`]).
    pub fn insert<T: Serialize>(
        &self,
        key: &str,
        value: T,
    ) -> Result<Option<Box<RawValue>>, HandlerError> {
        Ok(self.0.insert(key, value)?)
    }

    /// The byte string stored under `key` (Flask's `{" b": "<base64>"}`).
    ///
    /// ```
    /// use sealed_session_actix::{Session, SessionHandle};
    ///
    /// let session = Session::from(SessionHandle::default());
    /// session.insert_bytes("nonce", b"\x00\x01")?;
    /// assert_eq!(session.get_bytes("nonce")?.unwrap(), [0, 1]);
    /// # Ok::<(), sealed_session_actix::HandlerError>(())
    /// ```
    ///
    /// # Errors
    /// [`HandlerError`] of kind
    /// [`WrongType`](sealed_session::SessionError::WrongType) or
    /// [`InvalidBytes`](sealed_session::SessionError::InvalidBytes) when the
    /// value is not a tagged byte string.
    pub fn get_bytes(&self, key: &str) -> Result<Option<Vec<u8>>, HandlerError> {
        Ok(self.0.get_bytes(key)?)
    }

    /// Stores a byte string under `key`, as Flask tags it.
    ///
    /// ```
    /// use sealed_session_actix::{Session, SessionHandle};
    ///
    /// let session = Session::from(SessionHandle::default());
    /// session.insert_bytes("nonce", &[9, 9])?;
    /// assert_eq!(session.get_raw("nonce").unwrap().get(), r#"{" b":"CQk="}"#);
    /// # Ok::<(), sealed_session_actix::HandlerError>(())
    /// ```
    ///
    /// # Errors
    /// [`HandlerError`] of kind
    /// [`ReservedKey`](sealed_session::SessionError::ReservedKey) for
    /// `_permanent`.
    pub fn insert_bytes(
        &self,
        key: &str,
        bytes: &[u8],
    ) -> Result<Option<Box<RawValue>>, HandlerError> {
        Ok(self.0.insert_bytes(key, bytes)?)
    }

    /// Removes `key`, returning its JSON text.
    ///
    /// ```
    /// use sealed_session_actix::{Session, SessionHandle};
    ///
    /// let session = Session::from(SessionHandle::default());
    /// session.insert("flash", "saved")?;
    /// assert_eq!(session.remove("flash").unwrap().get(), r#""saved""#);
    /// assert!(session.remove("flash").is_none());
    /// # Ok::<(), sealed_session_actix::HandlerError>(())
    /// ```
    pub fn remove(&self, key: &str) -> Option<Box<RawValue>> {
        self.0.remove(key)
    }

    /// Whether `key` is present.
    ///
    /// ```
    /// use sealed_session_actix::{Session, SessionHandle};
    ///
    /// let session = Session::from(SessionHandle::default());
    /// assert!(!session.contains_key("user_id"));
    /// ```
    #[must_use]
    pub fn contains_key(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    /// How many keys the session holds.
    ///
    /// ```
    /// use sealed_session_actix::{Session, SessionHandle};
    ///
    /// let session = Session::from(SessionHandle::default());
    /// session.insert("a", 1)?;
    /// assert_eq!(session.len(), 1);
    /// # Ok::<(), sealed_session_actix::HandlerError>(())
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the session holds no key (a new session, or a purged one).
    ///
    /// ```
    /// use sealed_session_actix::{Session, SessionHandle};
    ///
    /// assert!(Session::from(SessionHandle::default()).is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The keys, in order.
    ///
    /// ```
    /// use sealed_session_actix::{Session, SessionHandle};
    ///
    /// let session = Session::from(SessionHandle::default());
    /// session.insert("b", 1)?;
    /// session.insert("a", 2)?;
    /// assert_eq!(session.keys(), ["b", "a"]);
    /// # Ok::<(), sealed_session_actix::HandlerError>(())
    /// ```
    #[must_use]
    pub fn keys(&self) -> Vec<String> {
        self.0.keys()
    }

    /// Ends the session, for logout: every key is removed, and the response
    /// deletes the cookie (unless the handler stores something again).
    /// actix-session's `purge`; the same as [`Session::clear`].
    ///
    /// ```
    /// use sealed_session_actix::{Session, SessionHandle};
    ///
    /// let session = Session::from(SessionHandle::default());
    /// session.insert("user_id", 42)?;
    /// session.purge();
    /// assert!(session.is_empty());
    /// # Ok::<(), sealed_session_actix::HandlerError>(())
    /// ```
    #[doc(alias = "flush", alias = "delete")]
    pub fn purge(&self) {
        self.0.clear();
    }

    /// Removes every key; an empty session's cookie is deleted. With a
    /// cookie session there is no difference between clearing and purging:
    /// this is [`Session::purge`].
    ///
    /// ```
    /// use sealed_session_actix::{Session, SessionHandle};
    ///
    /// let session = Session::from(SessionHandle::default());
    /// session.insert("a", 1)?;
    /// session.clear();
    /// assert!(session.is_empty() && session.modified());
    /// # Ok::<(), sealed_session_actix::HandlerError>(())
    /// ```
    pub fn clear(&self) {
        self.0.clear();
    }

    /// Gives the session a new identity, keeping its data: the response
    /// seals it with a new session id and a new creation time (the absolute
    /// timeout starts again). Call it at login, and whenever the user gains
    /// privileges, so that a session an attacker planted or saw earlier is
    /// not the one that gets logged in. actix-session's `renew`.
    ///
    /// ```
    /// use sealed_session_actix::{Session, SessionHandle};
    ///
    /// let session = Session::from(SessionHandle::default());
    /// session.regenerate();
    /// assert!(session.modified() && session.id().is_none());
    /// ```
    #[doc(alias = "renew", alias = "cycle_id")]
    pub fn regenerate(&self) {
        self.0.regenerate();
    }

    /// Whether the cookie outlives the browser session: a permanent
    /// session's cookie carries `Max-Age` (the idle timeout, or what is left
    /// of the absolute one).
    ///
    /// ```
    /// use sealed_session_actix::{Session, SessionHandle};
    ///
    /// assert!(!Session::from(SessionHandle::default()).permanent());
    /// ```
    #[must_use]
    pub fn permanent(&self) -> bool {
        self.0.permanent()
    }

    /// Makes the cookie outlive the browser session, or not; actix-session
    /// chooses this for every session with `PersistentSession`, here each
    /// session chooses (typically at login).
    ///
    /// ```
    /// use sealed_session_actix::{Session, SessionHandle};
    ///
    /// let session = Session::from(SessionHandle::default());
    /// session.set_permanent(true);
    /// assert!(session.permanent());
    /// ```
    #[doc(alias = "PersistentSession")]
    pub fn set_permanent(&self, permanent: bool) {
        self.0.set_permanent(permanent);
    }

    /// The session's id: `None` until the session is first sealed, and
    /// after [`Session::regenerate`] or [`Session::purge`] until it is
    /// sealed again.
    ///
    /// ```
    /// use sealed_session_actix::{Session, SessionHandle};
    ///
    /// assert_eq!(Session::from(SessionHandle::default()).id(), None);
    /// ```
    #[must_use]
    pub fn id(&self) -> Option<SessionId> {
        self.0.id()
    }

    /// Whether the session changed during this request.
    ///
    /// ```
    /// use sealed_session_actix::{Session, SessionHandle};
    ///
    /// let session = Session::from(SessionHandle::default());
    /// assert!(!session.modified());
    /// session.insert("a", 1)?;
    /// assert!(session.modified());
    /// # Ok::<(), sealed_session_actix::HandlerError>(())
    /// ```
    #[must_use]
    pub fn modified(&self) -> bool {
        self.0.modified()
    }

    /// Runs `f` on the session under one lock: for a read and a write that
    /// must not interleave with another task holding the same session.
    ///
    /// ```
    /// use sealed_session_actix::{Session, SessionHandle, HandlerError};
    ///
    /// let session = Session::from(SessionHandle::default());
    /// let count = session
    ///     .with(|s| {
    ///         let count = s.get::<u64>("count")?.unwrap_or(0) + 1;
    ///         s.insert("count", count).map(|_| count)
    ///     })
    ///     .map_err(HandlerError::from)?;
    /// assert_eq!(count, 1);
    /// # Ok::<(), HandlerError>(())
    /// ```
    pub fn with<R>(&self, f: impl FnOnce(&mut sealed_session::Session) -> R) -> R {
        self.0.with(f)
    }

    /// The shared handle underneath, as the other integrations hand it out.
    ///
    /// ```
    /// use sealed_session_actix::{Session, SessionHandle};
    ///
    /// let handle = SessionHandle::default();
    /// let session = Session::from(handle.clone());
    /// session.insert("a", 1)?;
    /// assert_eq!(handle.get::<u8>("a")?, Some(1));
    /// assert!(session.handle().modified());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn handle(&self) -> &SessionHandle {
        &self.0
    }
}

impl From<SessionHandle> for Session {
    /// A session over `handle`: for calling handlers directly in unit tests.
    fn from(handle: SessionHandle) -> Self {
        Self(handle)
    }
}

impl From<Session> for SessionHandle {
    fn from(session: Session) -> Self {
        session.0
    }
}

/// The request's session from anything that carries the request: handlers
/// that take the [`HttpRequest`], other middleware (`ServiceRequest`,
/// `ServiceResponse`), guards (`GuardContext`).
///
/// ```
/// use actix_web::{HttpRequest, HttpResponse, Result};
/// use sealed_session_actix::SessionExt as _;
///
/// async fn whoami(request: HttpRequest) -> Result<HttpResponse> {
///     let user_id: Option<u64> = request.session()?.get("user_id")?;
///     Ok(HttpResponse::Ok().body(format!("{user_id:?}")))
/// }
/// ```
pub trait SessionExt {
    /// The session the middleware read for this request.
    ///
    /// ```
    /// use actix_web::test::TestRequest;
    /// use sealed_session_actix::{MissingSession, SessionExt as _};
    ///
    /// // A request no middleware has seen:
    /// let request = TestRequest::default().to_http_request();
    /// assert_eq!(request.session().unwrap_err(), MissingSession);
    /// ```
    ///
    /// # Errors
    /// [`MissingSession`] when no
    /// [`SessionMiddleware`](crate::SessionMiddleware) wraps the route; as
    /// a handler's error it answers 500 and says so.
    #[doc(alias = "get_session")]
    fn session(&self) -> Result<Session, MissingSession>;
}

impl SessionExt for HttpRequest {
    fn session(&self) -> Result<Session, MissingSession> {
        slot(&self.extensions())
    }
}

impl SessionExt for ServiceRequest {
    fn session(&self) -> Result<Session, MissingSession> {
        slot(&self.extensions())
    }
}

impl<B> SessionExt for ServiceResponse<B> {
    fn session(&self) -> Result<Session, MissingSession> {
        self.request().session()
    }
}

impl SessionExt for GuardContext<'_> {
    fn session(&self) -> Result<Session, MissingSession> {
        slot(&self.req_data())
    }
}

impl FromRequest for Session {
    type Error = MissingSession;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(req.session())
    }
}

/// Where the middleware puts the session in the request's extensions: a
/// type of this crate, so no other code's value can stand in for it.
pub(crate) struct Slot(pub(crate) Session);

fn slot(extensions: &actix_web::dev::Extensions) -> Result<Session, MissingSession> {
    extensions
        .get::<Slot>()
        .map(|slot| slot.0.clone())
        .ok_or(MissingSession)
}

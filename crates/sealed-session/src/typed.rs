//! Typed sessions: the user's own struct, sealed as postcard, with the
//! same expiry, rotation and cookie handling as JSON sessions.

use alloc::sync::Arc;
use core::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::payload::SessionId;
use crate::session::State;

/// A session holding one value of the user's own type, sealed as postcard
/// (a compact binary) instead of JSON: smaller cookies and no JSON parsing,
/// for services that do not share the session with Python.
///
/// Read and write it through the same codec calls as a JSON session:
/// [`SessionCodec::load_as`](crate::SessionCodec::load_as),
/// [`SessionCodec::save`](crate::SessionCodec::save) and
/// [`SessionCodec::finish`](crate::SessionCodec::finish) (or
/// `open_as`/`seal`). Its metadata (id, creation time, permanent
/// flag) and its bookkeeping are those of a JSON
/// [`Session`](crate::Session). Changing the type's fields changes what
/// old cookies decode to: an old cookie that no longer decodes is rejected
/// as [`SessionError::InvalidSession`](crate::SessionError::InvalidSession)
/// and replaced by an empty session, so version your type with care.
///
/// The value is not wiped on drop (this type cannot know what `T` holds);
/// wrap secrets in `zeroize::Zeroizing` inside `T` if that matters.
///
/// ```
/// use sealed_session::TypedSession;
///
/// #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
/// struct Login { user_id: u64, csrf: [u8; 16] }
///
/// let mut session: TypedSession<Login> = TypedSession::new();
/// assert!(session.get().is_none());
/// session.set(Login { user_id: 7, csrf: [1; 16] });
/// assert_eq!(session.get().map(|login| login.user_id), Some(7));
/// assert!(session.modified());
/// ```
pub struct TypedSession<T> {
    value: Option<T>,
    pub(crate) state: State,
}

impl<T> Default for TypedSession<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Clone> Clone for TypedSession<T> {
    fn clone(&self) -> Self {
        Self {
            value: self.value.clone(),
            state: self.state.clone(),
        }
    }
}

impl<T> TypedSession<T> {
    /// An empty, unmodified session.
    #[must_use]
    pub fn new() -> Self {
        Self {
            value: None,
            state: State::default(),
        }
    }

    pub(crate) fn from_parts(value: Option<T>, state: State) -> Self {
        Self { value, state }
    }

    /// The value, for the codec, without marking the session accessed.
    pub(crate) const fn value(&self) -> Option<&T> {
        self.value.as_ref()
    }

    /// The value, if any. Marks the session accessed.
    #[must_use]
    pub fn get(&self) -> Option<&T> {
        self.state.touch();
        self.value.as_ref()
    }

    /// The value, to change it in place. Marks the session modified.
    pub fn get_mut(&mut self) -> Option<&mut T> {
        self.state.change();
        self.value.as_mut()
    }

    /// Stores `value` and returns the previous one. Marks the session
    /// modified.
    pub fn set(&mut self, value: T) -> Option<T> {
        self.state.change();
        self.value.replace(value)
    }

    /// Removes the value and forgets the session's identity, as
    /// [`Session::clear`](crate::Session::clear): saving then deletes the
    /// cookie. For logout.
    pub fn clear(&mut self) -> Option<T> {
        self.state.clear(self.value.is_some());
        self.value.take()
    }

    /// See [`Session::regenerate`](crate::Session::regenerate).
    pub fn regenerate(&mut self) {
        self.state.renew();
    }

    /// See [`Session::modified`](crate::Session::modified).
    #[must_use]
    pub fn modified(&self) -> bool {
        self.state.modified()
    }

    /// See [`Session::accessed`](crate::Session::accessed).
    #[must_use]
    pub fn accessed(&self) -> bool {
        self.state.accessed()
    }

    /// See [`Session::permanent`](crate::Session::permanent).
    #[must_use]
    pub fn permanent(&self) -> bool {
        self.state.permanent()
    }

    /// See [`Session::set_permanent`](crate::Session::set_permanent).
    pub fn set_permanent(&mut self, permanent: bool) {
        self.state.set_permanent(permanent);
    }

    /// See [`Session::id`](crate::Session::id).
    #[must_use]
    pub fn id(&self) -> Option<SessionId> {
        self.state.id()
    }

    /// Names who the session belongs to (the user id), at login, as
    /// [`Session::set_subject`](crate::Session::set_subject): sealed in the
    /// session's metadata, so that
    /// [`SessionCodec::revoke_subject`](crate::SessionCodec::revoke_subject)
    /// (sign-out-everywhere) reaches this session too. Kept by
    /// [`TypedSession::regenerate`], forgotten by [`TypedSession::clear`].
    ///
    /// ```
    /// let mut session: sealed_session::TypedSession<u64> = sealed_session::TypedSession::new();
    /// session.regenerate();
    /// session.set(42);
    /// session.set_subject("user-42")?;
    /// assert_eq!(session.subject(), Some("user-42"));
    /// # Ok::<(), sealed_session::revocation::RevocationError>(())
    /// ```
    ///
    /// # Errors
    /// [`RevocationError::Subject`](crate::revocation::RevocationError::Subject)
    /// for an empty subject or one over 255 bytes.
    pub fn set_subject(&mut self, subject: &str) -> Result<(), crate::revocation::RevocationError> {
        self.state.set_subject(subject)
    }

    /// See [`Session::subject`](crate::Session::subject).
    #[must_use]
    pub fn subject(&self) -> Option<&str> {
        self.state.meta.subject.as_deref()
    }

    /// See [`Session::issued_at`](crate::Session::issued_at).
    #[must_use]
    pub const fn issued_at(&self) -> Option<u64> {
        self.state.issued_at
    }

    /// See [`Session::created_at`](crate::Session::created_at).
    #[must_use]
    pub const fn created_at(&self) -> Option<u64> {
        self.state.meta.created_at
    }

    /// See [`Session::reseal_advised`](crate::Session::reseal_advised).
    #[must_use]
    pub const fn reseal_advised(&self) -> bool {
        self.state.reseal_advised
    }
}

impl<T> fmt::Debug for TypedSession<T> {
    /// Whether there is a value, never the value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TypedSession")
            .field("has_value", &self.value.is_some())
            .field("id", &self.state.meta.id)
            .field("permanent", &self.state.meta.permanent)
            .field("modified", &self.state.modified())
            .finish_non_exhaustive()
    }
}

/// A [`TypedSession`] shared between a request's middleware and its
/// handler, as [`SessionHandle`](crate::SessionHandle) is for JSON
/// sessions: `Send + Sync + Clone` (for `T: Send`), and no lock is held
/// outside one method call.
///
/// ```
/// use sealed_session::{TypedHandle, TypedSession};
///
/// let handle = TypedHandle::new(TypedSession::<u32>::new());
/// handle.set(1);
/// handle.update(|count| *count.get_or_insert(0) += 1);
/// assert_eq!(handle.get(), Some(2));
/// ```
pub struct TypedHandle<T>(Arc<Mutex<TypedSession<T>>>);

impl<T> Clone for TypedHandle<T> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<T> TypedHandle<T> {
    /// A handle over `session`.
    #[must_use]
    pub fn new(session: TypedSession<T>) -> Self {
        Self(Arc::new(Mutex::new(session)))
    }

    /// Runs `f` on the session under one lock and returns what it returns:
    /// reads without `T: Clone`, or several changes at once.
    ///
    /// ```
    /// use sealed_session::{TypedHandle, TypedSession};
    ///
    /// let handle = TypedHandle::new(TypedSession::<Vec<u32>>::new());
    /// handle.set(vec![1, 2, 3]);
    /// assert_eq!(handle.with(|session| session.get().map(Vec::len)), Some(3));
    /// ```
    pub fn with<R>(&self, f: impl FnOnce(&mut TypedSession<T>) -> R) -> R {
        f(&mut self.lock())
    }

    /// A copy of the value.
    #[must_use]
    pub fn get(&self) -> Option<T>
    where
        T: Clone,
    {
        self.lock().get().cloned()
    }

    /// Stores `value`; returns the previous one.
    pub fn set(&self, value: T) -> Option<T> {
        self.lock().set(value)
    }

    /// Changes the value in place (`None` when there is none yet) under
    /// one lock; marks the session modified.
    pub fn update<R>(&self, f: impl FnOnce(&mut Option<T>) -> R) -> R {
        let mut session = self.lock();
        session.state.change();
        f(&mut session.value)
    }

    /// See [`TypedSession::clear`]: for logout.
    pub fn clear(&self) -> Option<T> {
        self.lock().clear()
    }

    /// See [`TypedSession::regenerate`]: for login.
    pub fn regenerate(&self) {
        self.lock().regenerate();
    }

    /// See [`TypedSession::set_permanent`].
    pub fn set_permanent(&self, permanent: bool) {
        self.lock().set_permanent(permanent);
    }

    /// See [`TypedSession::id`].
    #[must_use]
    pub fn id(&self) -> Option<SessionId> {
        self.lock().id()
    }

    /// The session, locked, for the middleware's response step.
    pub fn lock(&self) -> MutexGuard<'_, TypedSession<T>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T> fmt::Debug for TypedHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TypedHandle").field(&*self.lock()).finish()
    }
}

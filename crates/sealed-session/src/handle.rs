//! The shared session handle that web integrations give to handlers.

use alloc::sync::Arc;
use core::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::error::SessionError;
use crate::payload::SessionId;
use crate::session::Session;

/// A [`Session`] shared between a request's middleware and its handler:
/// `Send + Sync + Clone`, cheap to clone (one `Arc`), and safe to hold
/// across `.await`, because no lock is ever held outside one method call.
///
/// Every method locks, does its work and unlocks. To do several things
/// under one lock, use [`SessionHandle::with`]; the closure cannot
/// `.await`, so the lock cannot be held across one. The middleware keeps a
/// clone, and after the handler returns it reads the session back to decide
/// the response's `Set-Cookie`.
///
/// ```
/// use sealed_session::{Session, SessionHandle};
///
/// let handle = SessionHandle::new(Session::new());
/// let for_handler = handle.clone();
/// std::thread::spawn(move || for_handler.insert("user_id", 42)).join().unwrap()?;
/// assert_eq!(handle.get::<u64>("user_id")?, Some(42));
/// assert!(handle.modified());
/// # Ok::<(), sealed_session::SessionError>(())
/// ```
#[derive(Clone, Default)]
pub struct SessionHandle(Arc<Mutex<Session>>);

impl SessionHandle {
    /// A handle over `session`.
    #[must_use]
    pub fn new(session: Session) -> Self {
        Self(Arc::new(Mutex::new(session)))
    }

    /// Runs `f` on the session under one lock and returns what it returns.
    ///
    /// ```
    /// use sealed_session::{Session, SessionHandle};
    ///
    /// let handle = SessionHandle::new(Session::new());
    /// let count = handle.with(|session| {
    ///     let count = session.get::<u64>("count")?.unwrap_or(0) + 1;
    ///     session.insert("count", count)?;
    ///     Ok::<_, sealed_session::SessionError>(count)
    /// })?;
    /// assert_eq!(count, 1);
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    pub fn with<R>(&self, f: impl FnOnce(&mut Session) -> R) -> R {
        f(&mut self.lock())
    }

    /// A copy of the session as it is now.
    #[must_use]
    pub fn snapshot(&self) -> Session {
        self.lock().clone()
    }

    /// See [`Session::get`].
    ///
    /// # Errors
    /// As [`Session::get`].
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, SessionError> {
        self.lock().get(key)
    }

    /// See [`Session::get_raw`]; returns a copy of the JSON text.
    #[must_use]
    pub fn get_raw(&self, key: &str) -> Option<Box<RawValue>> {
        self.lock().get_raw(key).map(ToOwned::to_owned)
    }

    /// See [`Session::get_bytes`].
    ///
    /// # Errors
    /// As [`Session::get_bytes`].
    pub fn get_bytes(&self, key: &str) -> Result<Option<Vec<u8>>, SessionError> {
        self.lock().get_bytes(key)
    }

    /// See [`Session::insert`].
    ///
    /// # Errors
    /// As [`Session::insert`].
    pub fn insert<T: Serialize>(
        &self,
        key: &str,
        value: T,
    ) -> Result<Option<Box<RawValue>>, SessionError> {
        // Serialize before locking: user code runs outside the lock.
        let value =
            serde_json::value::to_raw_value(&value).map_err(|_| SessionError::Unserializable)?;
        self.lock().insert_raw(key, value)
    }

    /// See [`Session::remaining_bytes`]: the headroom before a write.
    #[must_use]
    pub fn remaining_bytes(&self) -> Option<usize> {
        self.lock().remaining_bytes()
    }

    /// See [`Session::insert_within_limit`]: an insert refused with
    /// [`SessionError::CookieTooLarge`] when the session would no longer
    /// fit in one cookie.
    ///
    /// # Errors
    /// As [`Session::insert_within_limit`].
    pub fn insert_within_limit<T: Serialize>(
        &self,
        key: &str,
        value: T,
    ) -> Result<Option<Box<RawValue>>, SessionError> {
        // Serialize before locking: user code runs outside the lock.
        let value =
            serde_json::value::to_raw_value(&value).map_err(|_| SessionError::Unserializable)?;
        self.lock().insert_within_limit(key, value)
    }

    /// See [`Session::insert_bytes`].
    ///
    /// # Errors
    /// As [`Session::insert_bytes`].
    pub fn insert_bytes(
        &self,
        key: &str,
        bytes: &[u8],
    ) -> Result<Option<Box<RawValue>>, SessionError> {
        self.lock().insert_bytes(key, bytes)
    }

    /// See [`Session::remove`].
    pub fn remove(&self, key: &str) -> Option<Box<RawValue>> {
        self.lock().remove(key)
    }

    /// See [`Session::contains_key`].
    #[must_use]
    pub fn contains_key(&self, key: &str) -> bool {
        self.lock().contains_key(key)
    }

    /// See [`Session::len`].
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// See [`Session::is_empty`].
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// The keys, in order (a copy). See [`Session::keys`].
    #[must_use]
    pub fn keys(&self) -> Vec<String> {
        self.lock().keys().map(str::to_owned).collect()
    }

    /// See [`Session::clear`]: for logout.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// See [`Session::regenerate`]: for login.
    pub fn regenerate(&self) {
        self.lock().regenerate();
    }

    /// See [`Session::permanent`].
    #[must_use]
    pub fn permanent(&self) -> bool {
        self.lock().permanent()
    }

    /// See [`Session::set_permanent`].
    pub fn set_permanent(&self, permanent: bool) {
        self.lock().set_permanent(permanent);
    }

    /// See [`Session::id`].
    #[must_use]
    pub fn id(&self) -> Option<SessionId> {
        self.lock().id()
    }

    /// See [`Session::modified`].
    #[must_use]
    pub fn modified(&self) -> bool {
        self.lock().modified()
    }

    /// See [`Session::accessed`].
    #[must_use]
    pub fn accessed(&self) -> bool {
        self.lock().accessed()
    }

    /// The session, locked, for the middleware's response step. A panic
    /// in a handler while it held the lock (only possible inside
    /// [`SessionHandle::with`]) does not poison the session for the
    /// response: the data is still consistent, every method being a single
    /// step.
    pub fn lock(&self) -> MutexGuard<'_, Session> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for SessionHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SessionHandle").field(&*self.lock()).finish()
    }
}

impl From<Session> for SessionHandle {
    fn from(session: Session) -> Self {
        Self::new(session)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_traits<T: Send + Sync + Clone + 'static>() {}

    #[test]
    fn handle_is_send_sync_clone() {
        assert_traits::<SessionHandle>();
    }

    #[test]
    fn clones_share_one_session() {
        let a = SessionHandle::new(Session::new());
        let b = a.clone();
        a.insert("x", 1).unwrap();
        assert_eq!(b.get::<u8>("x").unwrap(), Some(1));
        b.clear();
        assert!(a.is_empty() && a.modified());
    }

    #[test]
    fn a_panic_inside_with_does_not_lose_the_session() {
        let handle = SessionHandle::new(Session::new());
        handle.insert("kept", true).unwrap();
        let clone = handle.clone();
        let result = std::thread::spawn(move || clone.with(|_| panic!("handler bug"))).join();
        assert!(result.is_err());
        assert_eq!(handle.get::<bool>("kept").unwrap(), Some(true));
    }
}

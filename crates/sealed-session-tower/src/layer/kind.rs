//! What kind of session a layer keeps: a JSON map ([`Json`]) or one value
//! of the application's own type ([`Typed`]).

use core::fmt;
use core::marker::PhantomData;

use http::HeaderMap;
use http::header::COOKIE;
use sealed_session::{Saved, SessionCodec, SessionError, SessionHandle, TypedHandle};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The kind of session a [`SessionLayer`](crate::SessionLayer) keeps:
/// [`Json`] (the default) or [`Typed<T>`]. Sealed: the two are all there is.
pub trait SessionKind: sealed::Kind {}

/// The default kind: a JSON map (Flask's tagged JSON), read and written
/// through a [`SessionHandle`], in axum through the
/// [`Session`](crate::Session) extractor. Shares sessions with Flask.
///
/// A marker type, never constructed.
#[derive(Debug)]
pub enum Json {}

/// One value of the application's own type `T`, sealed as postcard: a
/// [`TypedHandle<T>`] in the request, in axum the
/// [`TypedSession<T>`](crate::TypedSession) extractor. Built by
/// [`SessionLayerBuilder::build_typed`](crate::SessionLayerBuilder::build_typed).
///
/// A marker type, never constructed.
pub struct Typed<T>(PhantomData<fn() -> T>, Never);

/// Keeps [`Typed`] from being constructed.
enum Never {}

impl<T> fmt::Debug for Typed<T> {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {}
    }
}

impl SessionKind for Json {}
impl<T> SessionKind for Typed<T> where T: Serialize + DeserializeOwned + Send + 'static {}

pub(crate) mod sealed {
    use super::{HeaderMap, Saved, SessionCodec, SessionError};

    /// The two steps of a request, for one kind of session.
    pub trait Kind: 'static {
        /// What goes into the request's extensions.
        type Handle: Clone + Send + Sync + 'static;

        /// Opens the session from the request's `Cookie` headers.
        fn load(codec: &SessionCodec, headers: &HeaderMap) -> (Self::Handle, Option<SessionError>);

        /// Whether the session was read, and what to send.
        fn save(codec: &SessionCodec, handle: &Self::Handle)
        -> (bool, Result<Saved, SessionError>);
    }
}

impl sealed::Kind for Json {
    type Handle = SessionHandle;

    fn load(codec: &SessionCodec, headers: &HeaderMap) -> (SessionHandle, Option<SessionError>) {
        let loaded = codec.load(headers.get_all(COOKIE).iter());
        (SessionHandle::new(loaded.session), loaded.rejected)
    }

    fn save(codec: &SessionCodec, handle: &SessionHandle) -> (bool, Result<Saved, SessionError>) {
        let session = handle.lock();
        (session.accessed(), codec.save(&*session))
    }
}

impl<T> sealed::Kind for Typed<T>
where
    T: Serialize + DeserializeOwned + Send + 'static,
{
    type Handle = TypedHandle<T>;

    fn load(codec: &SessionCodec, headers: &HeaderMap) -> (TypedHandle<T>, Option<SessionError>) {
        let loaded =
            codec.load_as::<sealed_session::TypedSession<T>, _, _>(headers.get_all(COOKIE).iter());
        (TypedHandle::new(loaded.session), loaded.rejected)
    }

    fn save(codec: &SessionCodec, handle: &TypedHandle<T>) -> (bool, Result<Saved, SessionError>) {
        let session = handle.lock();
        (session.accessed(), codec.save(&*session))
    }
}

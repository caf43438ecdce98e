//! What kind of session a layer keeps: a JSON map ([`Json`]) or one value
//! of the application's own type ([`Typed`]).

use core::fmt;
use core::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The kind of session a [`SessionLayer`](crate::SessionLayer) keeps:
/// [`Json`] (the default) or [`Typed<T>`]. Sealed: the two are all there is.
pub trait SessionKind: sealed::Kind {}

/// The default kind: a JSON map (Flask's tagged JSON), read and written
/// through a [`SessionHandle`](crate::SessionHandle), in axum through the
/// [`Session`](crate::Session) extractor. Shares sessions with Flask.
///
/// A marker type, never constructed.
#[derive(Debug)]
pub enum Json {}

/// One value of the application's own type `T`, sealed as postcard: a
/// [`TypedHandle<T>`](crate::TypedHandle) in the request, in axum the
/// [`TypedSession<T>`](crate::TypedSession) extractor. Built by
/// [`SessionLayer::typed_builder`](crate::SessionLayer::typed_builder).
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
    use http::HeaderValue;
    use http::header::GetAll;
    use sealed_session::{
        Finished, Outcome, Session, SessionCodec, SessionError, SessionHandle, TypedHandle,
        TypedSession,
    };
    use serde::Serialize;
    use serde::de::DeserializeOwned;

    /// The handle a kind of session puts into the request's extensions,
    /// over the std crate's one lifecycle.
    pub trait Kind: 'static {
        /// What goes into the request's extensions.
        type Handle: Clone + Send + Sync + 'static;

        /// Opens the session from the request's `Cookie` headers.
        fn load(
            codec: &SessionCodec,
            cookies: GetAll<'_, HeaderValue>,
        ) -> (Self::Handle, Option<SessionError>);

        /// What the response carries ([`SessionCodec::finish`]).
        fn finish(codec: &SessionCodec, handle: &Self::Handle, outcome: Outcome) -> Finished;
    }

    impl Kind for super::Json {
        type Handle = SessionHandle;

        fn load(
            codec: &SessionCodec,
            cookies: GetAll<'_, HeaderValue>,
        ) -> (SessionHandle, Option<SessionError>) {
            let loaded = codec.load_as::<Session, _, _>(cookies.iter());
            (SessionHandle::new(loaded.session), loaded.rejected)
        }

        fn finish(codec: &SessionCodec, handle: &SessionHandle, outcome: Outcome) -> Finished {
            codec.finish(&*handle.lock(), outcome)
        }
    }

    impl<T> Kind for super::Typed<T>
    where
        T: Serialize + DeserializeOwned + Send + 'static,
    {
        type Handle = TypedHandle<T>;

        fn load(
            codec: &SessionCodec,
            cookies: GetAll<'_, HeaderValue>,
        ) -> (TypedHandle<T>, Option<SessionError>) {
            let loaded = codec.load_as::<TypedSession<T>, _, _>(cookies.iter());
            (TypedHandle::new(loaded.session), loaded.rejected)
        }

        fn finish(codec: &SessionCodec, handle: &TypedHandle<T>, outcome: Outcome) -> Finished {
            codec.finish(&*handle.lock(), outcome)
        }
    }
}

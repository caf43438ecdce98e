//! [`SessionBody`]: what the codec loads, opens, seals and saves, so that
//! each of those exists once for the JSON [`Session`] and the
//! [`TypedSession`] alike.

use serde::Serialize;
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use crate::error::SessionError;
use crate::session::{Session, State, body_members};
use crate::typed::TypedSession;

/// A kind of session the [`SessionCodec`](crate::SessionCodec) carries in
/// a cookie: the JSON [`Session`] (Flask's tagged JSON, shared with Python)
/// or a [`TypedSession<T>`] (one value of the application's own type, as
/// postcard). Sealed: these two are all there is.
///
/// Every rule of the codec (which cookie wins, the timeouts, when to set,
/// refresh, re-seal or delete) is written once over this trait, so the two
/// kinds cannot answer the same request differently.
///
/// ```
/// use sealed_session::{Key, Keyring, Session, SessionCodec, TypedSession};
///
/// let codec = SessionCodec::builder(Keyring::new(1, &Key::from_bytes([3; 32]))).build()?;
/// let json: Session = codec.load_as::<Session, _, str>([]).session;
/// let typed = codec.load_as::<TypedSession<u32>, _, str>([]).session;
/// assert!(json.is_empty() && typed.get().is_none());
/// # Ok::<(), sealed_session::ConfigError>(())
/// ```
pub trait SessionBody: sealed::Body {}

impl SessionBody for Session {}
impl<T: Serialize + DeserializeOwned> SessionBody for TypedSession<T> {}

/// The body of a session as it goes into a payload after the metadata.
pub(crate) enum Encoded<'a> {
    /// A JSON session, written straight into the payload.
    Json(&'a Session),
    /// A typed session's postcard bytes.
    Bytes(Zeroizing<Vec<u8>>),
}

impl Encoded<'_> {
    /// An upper bound of what [`Encoded::write`] appends.
    pub(crate) fn len_bound(&self) -> usize {
        match self {
            Self::Json(session) => session.json_len_bound(),
            Self::Bytes(bytes) => bytes.len(),
        }
    }

    /// Appends the body to `out`.
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        match self {
            Self::Json(session) => session.write_json(out),
            Self::Bytes(bytes) => out.extend_from_slice(bytes),
        }
    }

    /// Whether padding may follow (spaces after JSON; never after postcard).
    pub(crate) const fn paddable(&self) -> bool {
        matches!(self, Self::Json(_))
    }
}

// The trait is public only so that `SessionBody` can name it; its items
// use crate-private types on purpose, so no one outside can implement or
// call it.
#[allow(private_interfaces)]
pub(crate) mod sealed {
    use super::{Encoded, Session, SessionError, State, Zeroizing};

    /// The codec's view of a session kind. Not public API.
    pub trait Body: Sized {
        /// The bookkeeping every kind carries.
        fn state(&self) -> &State;
        /// The same, to change.
        fn state_mut(&mut self) -> &mut State;
        /// A session with no data and this state.
        fn empty(state: State) -> Self;
        /// Whether the session holds no data (saving it may delete).
        fn holds_nothing(&self) -> bool;
        /// The session from an authentic payload, whose body starts at
        /// `offset`: 0 when the payload had no metadata prefix (a bare
        /// JSON object). The plaintext may become the session's storage.
        ///
        /// # Errors
        /// When the body is not a session of this kind.
        fn from_body(
            plaintext: Zeroizing<Vec<u8>>,
            offset: usize,
            state: State,
        ) -> Result<Self, SessionError>;
        /// The JSON session a legacy cookie opened to, as this kind;
        /// `None` for kinds that legacy formats cannot carry.
        fn from_legacy(session: Session) -> Option<Self>;
        /// The JSON session, for writers of the legacy format.
        fn as_json(&self) -> Option<&Session>;
        /// The body to seal.
        ///
        /// # Errors
        /// [`SessionError::Unserializable`].
        fn encode(&self) -> Result<Encoded<'_>, SessionError>;
    }
}

#[allow(private_interfaces)]
impl sealed::Body for Session {
    fn state(&self) -> &State {
        &self.state
    }

    fn state_mut(&mut self) -> &mut State {
        &mut self.state
    }

    fn empty(state: State) -> Self {
        let mut session = Self::new();
        session.state = state;
        session
    }

    fn holds_nothing(&self) -> bool {
        Session::holds_nothing(self)
    }

    fn from_body(
        plaintext: Zeroizing<Vec<u8>>,
        offset: usize,
        mut state: State,
    ) -> Result<Self, SessionError> {
        let (members, permanent) = body_members(plaintext, offset)?;
        state.meta.permanent |= permanent;
        Ok(Self::from_members_parsed(members, state))
    }

    fn from_legacy(session: Session) -> Option<Self> {
        Some(session)
    }

    fn as_json(&self) -> Option<&Session> {
        Some(self)
    }

    fn encode(&self) -> Result<Encoded<'_>, SessionError> {
        Ok(Encoded::Json(self))
    }
}

#[allow(private_interfaces)]
impl<T: Serialize + DeserializeOwned> sealed::Body for TypedSession<T> {
    fn state(&self) -> &State {
        &self.state
    }

    fn state_mut(&mut self) -> &mut State {
        &mut self.state
    }

    fn empty(state: State) -> Self {
        Self::from_parts(None, state)
    }

    fn holds_nothing(&self) -> bool {
        self.value().is_none()
    }

    fn from_body(
        plaintext: Zeroizing<Vec<u8>>,
        offset: usize,
        state: State,
    ) -> Result<Self, SessionError> {
        let body = &plaintext[offset..];
        if offset == 0 {
            // A bare JSON object is not a typed session.
            return Err(SessionError::InvalidSession);
        }
        match postcard::take_from_bytes::<T>(body) {
            Ok((value, [])) => Ok(Self::from_parts(Some(value), state)),
            _ => Err(SessionError::InvalidSession),
        }
    }

    fn from_legacy(_: Session) -> Option<Self> {
        None
    }

    fn as_json(&self) -> Option<&Session> {
        None
    }

    fn encode(&self) -> Result<Encoded<'_>, SessionError> {
        let bytes = match self.value() {
            Some(value) => {
                postcard::to_allocvec(value).map_err(|_| SessionError::Unserializable)?
            }
            None => Vec::new(),
        };
        Ok(Encoded::Bytes(Zeroizing::new(bytes)))
    }
}

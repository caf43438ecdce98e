//! The session value: a JSON object kept as raw member texts, with Flask's
//! bookkeeping.

use core::fmt;
use core::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use zeroize::{Zeroize, Zeroizing};

use crate::error::SessionError;
use crate::json::{self, Entries, Members, Style, float_guard};
use crate::payload::{Meta, SessionId};

/// See [`Session::PERMANENT_KEY`].
pub(crate) const PERMANENT_KEY: &str = "_permanent";

/// What every kind of session carries besides its data: where it came
/// from, its metadata, and the flags that decide the response.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) meta: Meta,
    /// The cookie's issue time, when it came from an envelope v1 cookie.
    pub(crate) issued_at: Option<u64>,
    /// Opened under an older key, or from a legacy format: seal it again.
    pub(crate) reseal_advised: bool,
    /// Stands in for a cookie that did not open: saving it empty deletes
    /// that cookie.
    pub(crate) replaces_rejected: bool,
    /// A legacy cookie under another name came with the request (opened or
    /// not): saving deletes it.
    pub(crate) legacy_cookie: Option<usize>,
    /// The largest payload the codec that loaded the session can seal
    /// into one cookie, and its padding block; `None` for a session that
    /// no codec loaded.
    pub(crate) limit: Option<Limit>,
    modified: AtomicBool,
    accessed: AtomicBool,
}

impl Clone for State {
    fn clone(&self) -> Self {
        Self {
            meta: self.meta.clone(),
            issued_at: self.issued_at,
            reseal_advised: self.reseal_advised,
            replaces_rejected: self.replaces_rejected,
            legacy_cookie: self.legacy_cookie,
            limit: self.limit,
            modified: AtomicBool::new(self.modified()),
            accessed: AtomicBool::new(self.accessed()),
        }
    }
}

/// What fits in one cookie, for [`Session::remaining_bytes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Limit {
    /// The largest payload (metadata, body, padding) whose cookie fits.
    pub(crate) max_payload: usize,
    /// The padding block (0 or 1: none).
    pub(crate) padding: usize,
}

impl State {
    pub(crate) fn modified(&self) -> bool {
        self.modified.load(Ordering::Relaxed)
    }

    pub(crate) fn accessed(&self) -> bool {
        self.accessed.load(Ordering::Relaxed)
    }

    pub(crate) fn touch(&self) {
        self.accessed.store(true, Ordering::Relaxed);
    }

    pub(crate) fn change(&self) {
        self.accessed.store(true, Ordering::Relaxed);
        self.modified.store(true, Ordering::Relaxed);
    }

    /// The state of a session opened from an envelope v1 cookie.
    pub(crate) fn opened(meta: Meta, issued_at: u64, reseal_advised: bool) -> Self {
        Self {
            meta,
            issued_at: Some(issued_at),
            reseal_advised,
            ..Self::default()
        }
    }

    /// A fresh identity: a new id and creation time at the next seal.
    pub(crate) fn renew(&mut self) {
        self.meta.id = None;
        self.meta.created_at = None;
        self.change();
    }

    /// The permanent flag, read by the application.
    pub(crate) fn permanent(&self) -> bool {
        self.touch();
        self.meta.permanent
    }

    /// Sets the permanent flag; a change is a modification.
    pub(crate) fn set_permanent(&mut self, permanent: bool) {
        self.touch();
        if self.meta.permanent != permanent {
            self.meta.permanent = permanent;
            self.change();
        }
    }

    /// Names the session's subject (checked; a change is a write), for
    /// `Session::set_subject` and `TypedSession::set_subject`.
    pub(crate) fn set_subject(
        &mut self,
        subject: &str,
    ) -> Result<(), crate::revocation::RevocationError> {
        crate::revocation::check_subject(subject)?;
        if self.meta.subject.as_deref() != Some(subject) {
            self.meta.subject = Some(subject.into());
            self.change();
        }
        Ok(())
    }

    /// The session id, read by the application.
    pub(crate) fn id(&self) -> Option<SessionId> {
        self.touch();
        self.meta.id
    }

    /// The bookkeeping of `clear`: forgets the identity when the session
    /// held anything (`has_data`, or a cookie it came from) and says
    /// whether it did, so the caller drops the data; clearing a new, empty
    /// session changes nothing.
    pub(crate) fn clear(&mut self, has_data: bool) -> bool {
        self.touch();
        let held = has_data
            || self.meta.permanent
            || self.issued_at.is_some()
            || self.meta.created_at.is_some();
        if held {
            self.meta.permanent = false;
            self.meta.subject = None;
            self.renew();
        }
        held
    }
}

/// A session: a JSON object whose members keep their order and their exact
/// text, with Flask's bookkeeping.
///
/// - [`Session::modified`] is set by every change, and
///   [`Session::accessed`] by every read or change: when a handler read the
///   session, the response depends on the cookie and should say
///   `Vary: Cookie`. An untouched session needs no `Set-Cookie`;
///   [`SessionCodec::save`](crate::SessionCodec::save) decides.
/// - [`Session::set_permanent`] chooses a cookie with `Max-Age` over one
///   that ends with the browser session.
/// - [`Session::clear`] empties it; saving then deletes the cookie.
/// - [`Session::regenerate`] gives it a new identity, for after a login.
///
/// Values are kept as the JSON text they were read or written as, and
/// [`Session::get`] deserializes one on demand: numbers keep their digits,
/// and reading a value costs nothing until it is asked for. Byte strings are
/// stored as Flask stores them (see [`Bytes`](crate::Bytes)).
///
/// `Session` is `Send + Sync` (its flags are atomics). A web framework
/// shares one between the request and the response through a
/// [`SessionHandle`](crate::SessionHandle).
///
/// ```
/// use sealed_session::Session;
///
/// let mut session = Session::new();
/// assert!(!session.modified() && !session.accessed());
/// session.insert("user_id", 42)?;
/// session.insert("roles", ["admin", "dev"])?;
/// session.insert_bytes("token", &[0xde, 0xad])?;
/// assert!(session.modified() && session.accessed());
///
/// assert_eq!(session.get::<u32>("user_id")?, Some(42));
/// assert_eq!(session.get::<Vec<String>>("roles")?.unwrap(), ["admin", "dev"]);
/// assert_eq!(session.get_bytes("token")?.unwrap(), [0xde, 0xad]);
/// assert_eq!(session.get::<u32>("missing")?, None);
/// // Asking for the wrong type is an error, not a panic.
/// assert!(session.get::<u32>("roles").is_err());
///
/// assert_eq!(session.keys().collect::<Vec<_>>(), ["user_id", "roles", "token"]);
/// assert_eq!(session.remove("roles").unwrap().get(), r#"["admin","dev"]"#);
/// assert_eq!(session.len(), 2);
/// # Ok::<(), sealed_session::SessionError>(())
/// ```
#[derive(Clone, Default)]
pub struct Session {
    members: Members,
    pub(crate) state: State,
}

impl Session {
    /// How deep a session may nest arrays and objects, the session object
    /// itself counting as level 1. Deeper input is
    /// [`SessionError::TooDeep`] when opened or inserted, however deep it is
    /// (10,000,000 levels are rejected without recursion).
    pub const MAX_DEPTH: usize = json::MAX_DEPTH;

    /// The key Flask keeps its permanent flag under in the session dict. It
    /// is not part of a session's data ([`Session::permanent`] holds it);
    /// the Python formats read and write it, and inserting it is
    /// [`SessionError::ReservedKey`].
    pub const PERMANENT_KEY: &'static str = PERMANENT_KEY;

    /// An empty, unmodified session.
    ///
    /// ```
    /// use sealed_session::Session;
    ///
    /// let session = Session::new();
    /// assert!(!session.modified() && !session.accessed());
    /// assert!(session.is_empty());
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses a session's data from JSON text, exactly as an opened
    /// cookie's JSON is checked: UTF-8, a top-level object, no
    /// `NaN`/`Infinity`, no lone surrogate, at most
    /// [`Session::MAX_DEPTH`] levels, tagged bytes well formed; for
    /// duplicate keys the last value wins (at the first key's position), as
    /// in Python. A top-level `_permanent: true` sets the permanent flag, as
    /// Flask reads it. The session is not marked modified.
    ///
    /// ```
    /// use sealed_session::{Session, SessionError};
    ///
    /// let session = Session::from_json(br#"{"a": 1, "b": 2, "a": 3}"#)?;
    /// assert_eq!(session.to_json_string(), r#"{"a":3,"b":2}"#);
    /// assert_eq!(Session::from_json(b"[1]").unwrap_err(), SessionError::InvalidJson);
    /// assert_eq!(Session::from_json(b"{\"x\": NaN}").unwrap_err(), SessionError::InvalidJson);
    /// # Ok::<(), SessionError>(())
    /// ```
    ///
    /// # Errors
    /// [`SessionError::InvalidJson`], [`SessionError::TooDeep`] or
    /// [`SessionError::InvalidBytes`].
    pub fn from_json(text: &[u8]) -> Result<Self, SessionError> {
        let mut members = Members::parse(Zeroizing::new(text.to_vec()), 0)?;
        let permanent = members.take_permanent()?;
        let mut session = Self {
            members,
            state: State::default(),
        };
        session.state.meta.permanent = permanent;
        Ok(session)
    }

    /// Parses a session's data from JSON in the Python EncryptedSession
    /// package's conventions: its byte strings, `{"__type__": "bytes", "b":
    /// …}`, become Flask's `{" b": …}`, and a top-level `_permanent: true`
    /// sets the permanent flag. The checks are those of
    /// [`Session::from_json`].
    ///
    /// ```
    /// use sealed_session::Session;
    ///
    /// let session = Session::from_python_json(br#"{"k": {"__type__": "bytes", "b": "AAE="}, "_permanent": true}"#)?;
    /// assert_eq!(session.get_bytes("k")?, Some(vec![0, 1]));
    /// assert!(session.permanent());
    /// assert_eq!(session.to_json_string(), r#"{"k":{" b":"AAE="}}"#);
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    ///
    /// # Errors
    /// As [`Session::from_json`].
    pub fn from_python_json(text: &[u8]) -> Result<Self, SessionError> {
        let mut entries = json::split(text)?;
        json::from_python(&mut entries)?;
        let permanent = take_permanent(&mut entries)?;
        let mut session = Self {
            members: Members::from_entries(entries),
            state: State::default(),
        };
        session.state.meta.permanent = permanent;
        Ok(session)
    }

    /// Replaces the session's data with a JSON object (Flask's tagged JSON,
    /// as [`Session::from_json`] reads it, `_permanent` included), keeping
    /// its identity and where it came from; marks the session modified.
    /// For bindings whose handlers work on a copy of the data (the Python
    /// package's Flask session interface). On error the session is
    /// unchanged.
    ///
    /// ```
    /// let mut session = sealed_session::Session::from_json(br#"{"a": 1}"#)?;
    /// session.replace_from_json(br#"{"b": 2, "_permanent": true}"#)?;
    /// assert_eq!(session.to_flask_json(), r#"{"b":2,"_permanent":true}"#);
    /// assert!(session.modified());
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    ///
    /// # Errors
    /// As [`Session::from_json`].
    pub fn replace_from_json(&mut self, text: &[u8]) -> Result<(), SessionError> {
        let mut members = Members::parse(Zeroizing::new(text.to_vec()), 0)?;
        let permanent = members.take_permanent()?;
        self.members = members;
        self.state.meta.permanent = permanent;
        self.state.change();
        Ok(())
    }

    /// A session from its members, whose values are already JSON: for
    /// bindings that turn their own objects into JSON member by member (the
    /// Python package, from a dict), with no whole text to parse again.
    /// The checks and rules are those of [`Session::from_json`] on the
    /// object of these members: every value checked as an opened cookie's
    /// (at most [`Session::MAX_DEPTH`] levels with the session object, no
    /// lone surrogate, tagged bytes well formed); for a duplicate key the
    /// last value wins, at the first key's position; a `_permanent` member
    /// sets the permanent flag when it is `true`, and is never data; the
    /// session object is no tagged byte string. A [`RawValue`] is valid
    /// JSON, so `NaN` and infinities cannot be in one. The session is not
    /// marked modified.
    ///
    /// ```
    /// use sealed_session::{Session, SessionError};
    /// use serde_json::value::{RawValue, to_raw_value};
    ///
    /// let members = [
    ///     ("user".to_owned(), to_raw_value("ann")?),
    ///     ("_permanent".to_owned(), to_raw_value(&true)?),
    /// ];
    /// let session = Session::from_members(members)?;
    /// assert_eq!(session.to_flask_json(), r#"{"user":"ann","_permanent":true}"#);
    ///
    /// let bad = RawValue::from_string(r#"{" b":"not base64"}"#.to_owned())?;
    /// assert_eq!(
    ///     Session::from_members([("x".to_owned(), bad)]).unwrap_err(),
    ///     SessionError::InvalidBytes
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`SessionError::TooDeep`], [`SessionError::InvalidJson`] (a lone
    /// surrogate), [`SessionError::InvalidBytes`], or
    /// [`SessionError::InvalidSession`] for a session object that is a
    /// tagged byte string.
    pub fn from_members<I>(members: I) -> Result<Self, SessionError>
    where
        I: IntoIterator<Item = (String, Box<RawValue>)>,
    {
        let mut entries = json::collect(members)?;
        let permanent = take_permanent(&mut entries)?;
        let mut session = Self {
            members: Members::from_entries(entries),
            state: State::default(),
        };
        session.state.meta.permanent = permanent;
        Ok(session)
    }

    /// [`Session::replace_from_json`] from members whose values are already
    /// JSON, with the checks and rules of [`Session::from_members`]: keeps
    /// the session's identity, marks it modified; on error the session is
    /// unchanged.
    ///
    /// ```
    /// use serde_json::value::to_raw_value;
    ///
    /// let mut session = sealed_session::Session::from_json(br#"{"a": 1}"#)?;
    /// session.replace_from_members([("b".to_owned(), to_raw_value(&2)?)])?;
    /// assert_eq!(session.to_flask_json(), r#"{"b":2}"#);
    /// assert!(session.modified());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`Session::from_members`].
    pub fn replace_from_members<I>(&mut self, members: I) -> Result<(), SessionError>
    where
        I: IntoIterator<Item = (String, Box<RawValue>)>,
    {
        let mut entries = json::collect(members)?;
        let permanent = take_permanent(&mut entries)?;
        self.members = Members::from_entries(entries);
        self.state.meta.permanent = permanent;
        self.state.change();
        Ok(())
    }

    /// A session from an envelope v1 plaintext as this crate seals it: the
    /// metadata (id, creation time, permanent flag) and the JSON object,
    /// or a bare JSON object. For tools that open cookies with the core
    /// codec themselves (the command line); services use
    /// [`SessionCodec::open`](crate::SessionCodec::open), which also checks
    /// the absolute timeout.
    ///
    /// ```
    /// let session = sealed_session::Session::from_plaintext(br#"{"a": 1}"#)?;
    /// assert_eq!(session.get::<u8>("a")?, Some(1));
    /// assert_eq!(session.created_at(), None);
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    ///
    /// # Errors
    /// [`SessionError::InvalidSession`] for malformed metadata, or a
    /// `_permanent` member after it (the flag is the metadata's); as
    /// [`Session::from_json`] for the JSON.
    pub fn from_plaintext(plaintext: &[u8]) -> Result<Self, SessionError> {
        let (mut meta, body) = crate::payload::Meta::read(plaintext)?;
        let offset = plaintext.len() - body.len();
        let (members, permanent) = body_members(Zeroizing::new(plaintext.to_vec()), offset)?;
        meta.permanent |= permanent;
        let state = State {
            meta,
            ..State::default()
        };
        Ok(Self { members, state })
    }

    /// A session opened from a cookie's body (already split), with its
    /// state.
    pub(crate) fn from_parts(entries: Entries, state: State) -> Self {
        Self {
            members: Members::from_entries(entries),
            state,
        }
    }

    /// A session of the members parsed from an authentic plaintext, with
    /// its state.
    pub(crate) fn from_members_parsed(members: Members, state: State) -> Self {
        Self { members, state }
    }

    /// The session's data as compact JSON (the members as they are stored,
    /// no metadata). Does not mark the session accessed.
    ///
    /// ```
    /// use sealed_session::Session;
    ///
    /// let mut session = Session::new();
    /// session.insert("a", [1, 2])?;
    /// session.insert("name", "Zoë")?;
    /// assert_eq!(session.to_json_string(), r#"{"a":[1,2],"name":"Zoë"}"#);
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    #[must_use]
    pub fn to_json_string(&self) -> String {
        let mut out = Vec::with_capacity(self.json_len_bound());
        self.write_json(&mut out);
        // Keys and values are UTF-8 JSON text, and so is the punctuation.
        String::from_utf8(out).unwrap_or_default()
    }

    /// The session as Flask's own session interface sees it: the compact
    /// JSON of [`Session::to_json_string`] (Flask's tagged JSON), with
    /// Flask's `"_permanent": true` last when the session is permanent.
    /// A bare JSON object sealed in a cookie is read this way too.
    ///
    /// ```
    /// let mut session = sealed_session::Session::new();
    /// session.insert("a", 1)?;
    /// session.set_permanent(true);
    /// assert_eq!(session.to_flask_json(), r#"{"a":1,"_permanent":true}"#);
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    #[must_use]
    pub fn to_flask_json(&self) -> String {
        let mut json = self.to_json_string();
        if self.state.meta.permanent {
            json.pop();
            if !self.members.is_empty() {
                json.push(',');
            }
            json.push_str(r#""_permanent":true}"#);
        }
        json
    }

    /// The members of [`Session::to_flask_json`], in its order, without
    /// writing the text: the data's keys and values, then `("_permanent",
    /// true)` when the session is permanent. For bindings that build their
    /// own objects member by member (the Python package's dict). Does not
    /// mark the session accessed.
    ///
    /// ```
    /// let mut session = sealed_session::Session::new();
    /// session.insert("a", [1, 2])?;
    /// session.set_permanent(true);
    /// let members: Vec<(&str, &str)> = session.flask_members().map(|(k, v)| (k, v.get())).collect();
    /// assert_eq!(members, [("a", "[1,2]"), ("_permanent", "true")]);
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    pub fn flask_members(&self) -> impl Iterator<Item = (&str, &RawValue)> + '_ {
        let permanent = self
            .state
            .meta
            .permanent
            .then(|| serde_json::from_str::<&'static RawValue>("true").ok())
            .flatten()
            .map(|value| (PERMANENT_KEY, value));
        self.members.iter_raw().chain(permanent)
    }

    /// Appends the compact JSON of the data to `out`.
    pub(crate) fn write_json(&self, out: &mut Vec<u8>) {
        out.push(b'{');
        for (i, (key, value)) in self.members.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            // Writing a `&str` into a vector cannot fail.
            let _ = serde_json::to_writer(&mut *out, key);
            out.push(b':');
            out.extend_from_slice(value.as_bytes());
        }
        out.push(b'}');
    }

    /// An upper bound of the length [`Session::write_json`] writes (an
    /// escaped key takes at most six bytes per byte), so that a buffer
    /// sized with it never reallocates and leaves no unwiped copy behind.
    pub(crate) fn json_len_bound(&self) -> usize {
        self.members
            .iter()
            .map(|(key, value)| key.len() * 6 + 4 + value.len())
            .sum::<usize>()
            + 2
    }

    /// The session as the Python EncryptedSession package writes it:
    /// Python's `json.dumps` defaults (`", "` and `": "` separators,
    /// non-ASCII escaped as `\uXXXX`), byte strings in that package's
    /// `{"__type__": "bytes", "b": …}` form, and Flask's `"_permanent":
    /// true` last when the session is permanent. Numbers keep their text;
    /// numbers made in Rust use Rust's shortest float form (`1e16` where
    /// Python writes `1e+16`). Does not mark the session accessed.
    ///
    /// ```
    /// let mut session = sealed_session::Session::new();
    /// session.insert("name", "Zoë")?;
    /// session.insert("n", [1, 2])?;
    /// session.insert_bytes("b", b"hi")?;
    /// session.set_permanent(true);
    /// assert_eq!(
    ///     session.to_python_json()?,
    ///     r#"{"name": "Zo\u00eb", "n": [1, 2], "b": {"__type__": "bytes", "b": "aGk="}, "_permanent": true}"#
    /// );
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    ///
    /// # Errors
    /// [`SessionError::InvalidJson`], which a checked session never
    /// produces.
    pub fn to_python_json(&self) -> Result<String, SessionError> {
        self.python_json(Style::ToPython)
    }

    /// [`Session::to_python_json`], but compact and UTF-8 (as serde_json
    /// writes): the command line's output.
    ///
    /// ```
    /// let mut session = sealed_session::Session::new();
    /// session.insert("name", "Zoë")?;
    /// session.insert_bytes("b", b"hi")?;
    /// assert_eq!(
    ///     session.to_python_json_compact()?,
    ///     r#"{"name":"Zoë","b":{"__type__":"bytes","b":"aGk="}}"#
    /// );
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    ///
    /// # Errors
    /// [`SessionError::InvalidJson`], which a checked session never
    /// produces.
    pub fn to_python_json_compact(&self) -> Result<String, SessionError> {
        self.python_json(Style::ToPythonCompact)
    }

    fn python_json(&self, style: Style) -> Result<String, SessionError> {
        let permanent = RawValue::from_string("true".to_owned()).unwrap_or_default();
        let mut members: Vec<(String, &RawValue)> = self
            .members
            .iter_raw()
            .map(|(key, value)| (key.to_owned(), value))
            .collect();
        if self.state.meta.permanent {
            members.push((PERMANENT_KEY.to_owned(), &permanent));
        }
        let mut out = String::new();
        json::rewrite_object(&members, style, &mut out)?;
        Ok(out)
    }

    /// The value under `key`, deserialized as `T`; `None` when absent.
    /// Marks the session accessed.
    ///
    /// ```
    /// use sealed_session::{Session, SessionError};
    ///
    /// #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    /// struct User {
    ///     id: u64,
    ///     name: String,
    /// }
    ///
    /// let mut session = Session::new();
    /// session.insert("user", User { id: 1, name: "ann".into() })?;
    /// assert_eq!(session.get::<User>("user")?, Some(User { id: 1, name: "ann".into() }));
    /// assert_eq!(session.get::<User>("nobody")?, None);
    /// assert_eq!(session.get::<String>("user"), Err(SessionError::WrongType));
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    ///
    /// # Errors
    /// [`SessionError::WrongType`] when the value does not deserialize as
    /// `T`, including a number out of `T`'s range anywhere in the value
    /// (`1e400` as an `f64`, `1e39` as an `f32`: read such numbers with
    /// [`Session::get_raw`]). An `f32` that serde buffers before it knows
    /// the type (in an internally tagged or untagged enum, or a flattened
    /// field) is narrowed by serde itself, beyond this check: `1e39` there
    /// reads as infinity.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, SessionError> {
        self.state.touch();
        self.members
            .get(key)
            .map(|value| {
                // Through the guard, a float that overflows the type asked
                // for is an error, never `inf`.
                float_guard::from_str(value).map_err(|_| SessionError::WrongType)
            })
            .transpose()
    }

    /// The JSON text under `key`, as it is stored. Marks the session
    /// accessed.
    ///
    /// ```
    /// use sealed_session::Session;
    ///
    /// let session = Session::from_json(br#"{"n": 12345678901234567890123}"#)?;
    /// assert_eq!(session.get_raw("n").unwrap().get(), "12345678901234567890123");
    /// assert!(session.get_raw("m").is_none());
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    #[must_use]
    pub fn get_raw(&self, key: &str) -> Option<&RawValue> {
        self.state.touch();
        self.members.get_raw(key)
    }

    /// The byte string under `key` (stored tagged, `{" b": …}`); `None`
    /// when absent. Marks the session accessed.
    ///
    /// ```
    /// use sealed_session::Session;
    ///
    /// let mut session = Session::new();
    /// session.insert_bytes("key", &[0, 0xff])?;
    /// assert_eq!(session.get_bytes("key")?, Some(vec![0, 0xff]));
    /// assert_eq!(session.get_bytes("none")?, None);
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    ///
    /// # Errors
    /// [`SessionError::WrongType`] when the value is not a tagged byte
    /// string.
    pub fn get_bytes(&self, key: &str) -> Result<Option<Vec<u8>>, SessionError> {
        self.state.touch();
        self.members.get(key).map(json::bytes_of).transpose()
    }

    /// Stores `value` under `key` and returns the previous value. A new key
    /// goes last; a replaced key keeps its place. Marks the session modified
    /// and accessed.
    ///
    /// ```
    /// use sealed_session::Session;
    ///
    /// let mut session = Session::new();
    /// assert!(session.insert("n", 1)?.is_none());
    /// assert_eq!(session.insert("n", 2)?.unwrap().get(), "1");
    /// assert!(session.modified());
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    ///
    /// # Errors
    /// [`SessionError::Unserializable`] when `value` is not JSON (a map with
    /// non-string keys); [`SessionError::TooDeep`] or
    /// [`SessionError::InvalidBytes`] when it would make the session fail
    /// to open; [`SessionError::ReservedKey`] for `_permanent`. The session
    /// is then unchanged. As everywhere in `serde_json`, a NaN or infinite
    /// float is written as `null`.
    pub fn insert<T: Serialize>(
        &mut self,
        key: &str,
        value: T,
    ) -> Result<Option<Box<RawValue>>, SessionError> {
        let value =
            serde_json::value::to_raw_value(&value).map_err(|_| SessionError::Unserializable)?;
        self.insert_raw(key, value)
    }

    /// Stores JSON text under `key` after the checks every session value
    /// passes, and returns the previous value.
    ///
    /// ```
    /// use sealed_session::Session;
    /// use serde_json::value::RawValue;
    ///
    /// let mut session = Session::new();
    /// session.insert_raw("n", RawValue::from_string("1.50".into()).unwrap())?;
    /// assert_eq!(session.to_json_string(), r#"{"n":1.50}"#);
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    ///
    /// # Errors
    /// As [`Session::insert`].
    pub fn insert_raw(
        &mut self,
        key: &str,
        value: Box<RawValue>,
    ) -> Result<Option<Box<RawValue>>, SessionError> {
        if key == PERMANENT_KEY {
            return Err(SessionError::ReservedKey);
        }
        json::check(&value, 1)?;
        Ok(self.insert_checked(key, value))
    }

    /// How many more bytes of JSON (keys, values and punctuation) the
    /// session can take and still fit in one cookie when it is saved: what
    /// a handler checks before a write that may not fit, instead of
    /// meeting [`SessionError::CookieTooLarge`] when the response is
    /// saved (an empty 500 by default). `None` for a session that no
    /// [`SessionCodec::load`](crate::SessionCodec::load) produced. With
    /// compression on, a lower bound. Does not mark the session accessed.
    ///
    /// ```
    /// use sealed_session::{Key, Keyring, SessionCodec};
    ///
    /// let codec = SessionCodec::builder(Keyring::new(1, &Key::from_bytes([1; 32]))).build()?;
    /// let mut session = codec.load(["theme=dark"]).session;
    /// let room = session.remaining_bytes().unwrap();
    /// assert_eq!(room, 2990); // of 4096: the name, the envelope, base64, the metadata
    /// session.insert("user", "ann")?; // `{"user":"ann"}`: 12 more bytes
    /// assert_eq!(session.remaining_bytes(), Some(room - 12));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn remaining_bytes(&self) -> Option<usize> {
        let limit = self.state.limit?;
        Some(remaining(limit, self.json_len()))
    }

    /// [`Session::insert`], but only if the session still fits in one
    /// cookie afterwards: else [`SessionError::CookieTooLarge`] and the
    /// session is unchanged, so a handler can answer the user (a cart too
    /// full, say) instead of the response failing when it is saved. For a
    /// session no codec loaded it is [`Session::insert`].
    ///
    /// ```
    /// use sealed_session::{Key, Keyring, SessionCodec, SessionError};
    ///
    /// let codec = SessionCodec::builder(Keyring::new(1, &Key::from_bytes([1; 32]))).build()?;
    /// let mut session = codec.load(["theme=dark"]).session;
    /// session.insert_within_limit("note", "x".repeat(2000))?;
    /// let too_much = session.insert_within_limit("more", "x".repeat(2000));
    /// assert_eq!(too_much.unwrap_err(), SessionError::CookieTooLarge);
    /// assert_eq!(session.len(), 1);
    /// assert!(codec.save(&session).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`SessionError::CookieTooLarge`]; otherwise as [`Session::insert`].
    pub fn insert_within_limit<T: Serialize>(
        &mut self,
        key: &str,
        value: T,
    ) -> Result<Option<Box<RawValue>>, SessionError> {
        let value =
            serde_json::value::to_raw_value(&value).map_err(|_| SessionError::Unserializable)?;
        if let Some(limit) = self.state.limit {
            let old = self.members.get(key).map(|v| member_len(key, v));
            let new = member_len(key, value.get());
            let len = match old {
                Some(old) => self.json_len() - old + new,
                None if self.members.is_empty() => self.json_len() + new,
                None => self.json_len() + 1 + new,
            };
            if padded(limit, len) > limit.max_payload {
                return Err(SessionError::CookieTooLarge);
            }
        }
        self.insert_raw(key, value)
    }

    /// The exact length of [`Session::write_json`]'s output.
    pub(crate) fn json_len(&self) -> usize {
        let members: usize = self.members.iter().map(|(k, v)| member_len(k, v)).sum();
        2 + members + self.members.len().saturating_sub(1)
    }

    /// Stores `bytes` under `key`, tagged as Flask does (`{" b": …}`), and
    /// returns the previous value. Marks the session modified and accessed.
    ///
    /// ```
    /// use sealed_session::Session;
    ///
    /// let mut session = Session::new();
    /// session.insert_bytes("raw", &[1, 2, 3])?;
    /// assert_eq!(session.to_json_string(), r#"{"raw":{" b":"AQID"}}"#);
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    ///
    /// # Errors
    /// [`SessionError::ReservedKey`] for `_permanent`.
    pub fn insert_bytes(
        &mut self,
        key: &str,
        bytes: &[u8],
    ) -> Result<Option<Box<RawValue>>, SessionError> {
        if key == PERMANENT_KEY {
            return Err(SessionError::ReservedKey);
        }
        Ok(self.insert_checked(key, json::tagged_bytes(bytes)))
    }

    /// Removes `key` and returns its value. Marks the session accessed, and
    /// modified when the key was present.
    ///
    /// ```
    /// use sealed_session::Session;
    ///
    /// let mut session = Session::new();
    /// session.insert("a", &1)?;
    /// assert_eq!(session.remove("a").unwrap().get(), "1");
    /// assert!(session.remove("a").is_none());
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    pub fn remove(&mut self, key: &str) -> Option<Box<RawValue>> {
        self.state.touch();
        let value = self.members.remove(key)?;
        self.state.change();
        Some(value)
    }

    /// Whether `key` is present. Marks the session accessed.
    ///
    /// ```
    /// use sealed_session::Session;
    ///
    /// let mut session = Session::new();
    /// session.insert("a", &1)?;
    /// assert!(session.contains_key("a") && !session.contains_key("b"));
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    #[must_use]
    pub fn contains_key(&self, key: &str) -> bool {
        self.state.touch();
        self.members.get(key).is_some()
    }

    /// The number of keys. Marks the session accessed.
    ///
    /// ```
    /// use sealed_session::Session;
    ///
    /// let mut session = Session::new();
    /// session.insert("a", &1)?;
    /// session.set_permanent(true); // metadata, not a key
    /// assert_eq!(session.len(), 1);
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.state.touch();
        self.members.len()
    }

    /// Whether the session holds no key. Marks the session accessed.
    ///
    /// ```
    /// use sealed_session::Session;
    ///
    /// let mut session = Session::new();
    /// assert!(session.is_empty());
    /// session.insert("a", &1)?;
    /// assert!(!session.is_empty());
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.state.touch();
        self.members.is_empty()
    }

    /// The keys and their JSON texts, in order. Marks the session accessed.
    ///
    /// ```
    /// use sealed_session::Session;
    ///
    /// let mut session = Session::new();
    /// session.insert("b", &1)?;
    /// session.insert("a", "x")?;
    /// let pairs: Vec<(&str, &str)> = session.iter().map(|(k, v)| (k, v.get())).collect();
    /// assert_eq!(pairs, [("b", "1"), ("a", "\"x\"")]);
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&str, &RawValue)> + '_ {
        self.state.touch();
        self.members.iter_raw()
    }

    /// The keys in order. Marks the session accessed.
    ///
    /// ```
    /// use sealed_session::Session;
    ///
    /// let mut session = Session::new();
    /// session.insert("b", &1)?;
    /// session.insert("a", &2)?;
    /// assert_eq!(session.keys().collect::<Vec<_>>(), ["b", "a"]);
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    pub fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.state.touch();
        self.members.iter().map(|(key, _)| key)
    }

    /// Removes every key and forgets the session's identity (id, creation
    /// time, permanent flag): saving an emptied session deletes the cookie,
    /// and filling it again starts a new session. For logout. Marks the
    /// session accessed, and modified when it held anything (data, or a
    /// cookie it came from): clearing a new, empty session changes nothing.
    ///
    /// ```
    /// use sealed_session::Session;
    ///
    /// let mut session = Session::new();
    /// session.insert("user", "ann")?;
    /// session.set_permanent(true);
    /// session.clear();
    /// assert!(session.is_empty() && !session.permanent() && session.modified());
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    pub fn clear(&mut self) {
        if self.state.clear(!self.members.is_empty()) {
            self.members.clear();
        }
    }

    /// Whether anything changed since the session was opened or created.
    ///
    /// ```
    /// let mut session = sealed_session::Session::new();
    /// assert!(!session.modified());
    /// session.insert("a", &1)?;
    /// assert!(session.modified());
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    #[must_use]
    pub fn modified(&self) -> bool {
        self.state.modified()
    }

    /// Whether anything read or changed the session: the response then
    /// depends on the cookie and should carry `Vary: Cookie`.
    ///
    /// ```
    /// let session = sealed_session::Session::new();
    /// assert!(!session.accessed());
    /// let _ = session.get::<u8>("a");
    /// assert!(session.accessed());
    /// ```
    #[must_use]
    pub fn accessed(&self) -> bool {
        self.state.accessed()
    }

    /// Whether the cookie outlives the browser session (Flask's
    /// `session.permanent`): it then gets a `Max-Age`. Marks the session
    /// accessed.
    ///
    /// ```
    /// let mut session = sealed_session::Session::new();
    /// assert!(!session.permanent());
    /// session.set_permanent(true);
    /// assert!(session.permanent());
    /// ```
    #[must_use]
    pub fn permanent(&self) -> bool {
        self.state.permanent()
    }

    /// Sets [`Session::permanent`]; marks the session modified when it
    /// changes.
    ///
    /// ```
    /// let mut session = sealed_session::Session::new();
    /// session.set_permanent(false);
    /// assert!(!session.modified());
    /// session.set_permanent(true);
    /// assert!(session.modified());
    /// ```
    pub fn set_permanent(&mut self, permanent: bool) {
        self.state.set_permanent(permanent);
    }

    /// The session's id: `None` for a session not sealed yet, or after
    /// [`Session::regenerate`] or [`Session::clear`] until it is sealed
    /// again. Marks the session accessed.
    ///
    /// ```
    /// assert_eq!(sealed_session::Session::new().id(), None);
    /// ```
    #[must_use]
    pub fn id(&self) -> Option<SessionId> {
        self.state.id()
    }

    /// Gives the session a new identity, keeping its data: the next seal
    /// draws a new id and restarts the absolute timeout. Call it when the
    /// user logs in (or gains privileges), so that a session an attacker
    /// planted or saw before the login is not the one that is logged in.
    ///
    /// ```
    /// let mut session = sealed_session::Session::new();
    /// session.insert("user_id", &42)?;
    /// session.regenerate();
    /// assert!(session.modified() && session.id().is_none());
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    pub fn regenerate(&mut self) {
        self.state.renew();
    }

    /// Names who the session belongs to (the user id), at login: sealed in
    /// the session's metadata (FORMAT.md §12), so that
    /// [`SessionCodec::revoke_subject`](crate::SessionCodec::revoke_subject)
    /// (sign-out-everywhere) reaches every session of that subject. Kept
    /// by [`Session::regenerate`], forgotten by [`Session::clear`].
    ///
    /// ```
    /// let mut session = sealed_session::Session::new();
    /// session.regenerate();
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

    /// The subject named at login, if any.
    #[must_use]
    pub fn subject(&self) -> Option<&str> {
        self.state.meta.subject.as_deref()
    }

    /// When the cookie this session was opened from was sealed (Unix
    /// seconds); `None` for a new session or one from a legacy format.
    ///
    /// ```
    /// assert_eq!(sealed_session::Session::new().issued_at(), None);
    /// ```
    #[must_use]
    pub const fn issued_at(&self) -> Option<u64> {
        self.state.issued_at
    }

    /// When the session was created (Unix seconds), which the absolute
    /// timeout counts from; `None` for a session not sealed yet.
    ///
    /// ```
    /// assert_eq!(sealed_session::Session::new().created_at(), None);
    /// ```
    #[must_use]
    pub const fn created_at(&self) -> Option<u64> {
        self.state.meta.created_at
    }

    /// Whether the cookie should be sealed again even if nothing changed:
    /// it opened under an older key (rotation), or came in a legacy format.
    ///
    /// ```
    /// assert!(!sealed_session::Session::new().reseal_advised());
    /// ```
    #[must_use]
    pub const fn reseal_advised(&self) -> bool {
        self.state.reseal_advised
    }

    /// Whether the session holds no member, for the codec, without
    /// marking the session accessed.
    pub(crate) fn holds_nothing(&self) -> bool {
        self.members.is_empty()
    }

    fn insert_checked(&mut self, key: &str, value: Box<RawValue>) -> Option<Box<RawValue>> {
        self.state.change();
        self.members.insert(key, value)
    }
}

/// The length of `"key":value` as [`Session::write_json`] writes it.
fn member_len(key: &str, value: &str) -> usize {
    /// Counts what is written to it.
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Writing a `&str` cannot fail.
    let _ = serde_json::to_writer(&mut count, key);
    count.0 + 1 + value.len()
}

/// The payload length of a session whose JSON is `json_len` bytes, padded.
fn padded(limit: Limit, json_len: usize) -> usize {
    let payload = crate::payload::META_WITH_ID_LEN + json_len;
    match limit.padding {
        0 | 1 => payload,
        block => payload.div_ceil(block) * block,
    }
}

/// How many more JSON bytes fit under `limit`: up to the longest JSON
/// whose padded payload still fits.
fn remaining(limit: Limit, json_len: usize) -> usize {
    let payload = match limit.padding {
        0 | 1 => limit.max_payload,
        block => limit.max_payload / block * block,
    };
    payload
        .saturating_sub(crate::payload::META_WITH_ID_LEN)
        .saturating_sub(json_len)
}

/// The members of a payload's body; a bare JSON object (no metadata) is a
/// Flask session dict, whose `_permanent` member is the permanent flag.
pub(crate) fn body_members(
    plaintext: Zeroizing<Vec<u8>>,
    offset: usize,
) -> Result<(Members, bool), SessionError> {
    let mut members = Members::parse(plaintext, offset)?;
    if offset == 0 {
        let permanent = members.take_permanent()?;
        return Ok((members, permanent));
    }
    // After the metadata, the flag is its bit 0 and never a member
    // (FORMAT.md §12.2): a Flask reader would take the member for the flag.
    if members.get(PERMANENT_KEY).is_some() {
        return Err(SessionError::InvalidSession);
    }
    Ok((members, false))
}

/// Takes a top-level `_permanent` member out of `entries`: whether it was
/// `true`. What remains is checked again as a session object: without its
/// `_permanent`, `{" b": …, "_permanent": true}` is a byte string, which
/// no session is.
///
/// # Errors
/// [`SessionError::InvalidSession`] (or [`SessionError::InvalidBytes`])
/// when what remains is a tagged byte string.
pub(crate) fn take_permanent(entries: &mut Entries) -> Result<bool, SessionError> {
    match entries.iter().position(|(key, _)| key == PERMANENT_KEY) {
        Some(at) => {
            let permanent = entries.remove(at).1.get() == "true";
            json::refuse_bytes_session(entries)?;
            Ok(permanent)
        }
        None => Ok(false),
    }
}

/// Wipes the keys and values before freeing them: they may be secrets.
pub(crate) fn wipe(entries: &mut Entries) {
    for (mut key, value) in entries.drain(..) {
        key.zeroize();
        let mut text: Box<str> = value.into();
        text.zeroize();
    }
}

impl fmt::Debug for Session {
    /// Keys and the lengths of their values, never the values.
    ///
    /// ```
    /// let mut session = sealed_session::Session::new();
    /// session.insert("token", "s3cr3t")?;
    /// let debug = format!("{session:?}");
    /// assert!(debug.contains(r#""token": 8"#) && !debug.contains("s3cr3t"));
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Lengths<'a>(&'a Members);
        impl fmt::Debug for Lengths<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_map()
                    .entries(self.0.iter().map(|(key, value)| (key, value.len())))
                    .finish()
            }
        }
        f.debug_struct("Session")
            .field("value_lengths", &Lengths(&self.members))
            .field("id", &self.state.meta.id)
            .field("permanent", &self.state.meta.permanent)
            .field("created_at", &self.state.meta.created_at)
            .field("issued_at", &self.state.issued_at)
            .field("modified", &self.state.modified())
            .field("accessed", &self.state.accessed())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    /// After the metadata, `_permanent` is never a member (FORMAT.md
    /// §12.2): a body holding one is an invalid session; in a bare JSON
    /// object it is the flag, taken out of the members (issue 18 item 12).
    #[test]
    fn permanent_is_a_member_only_without_metadata() {
        let mut payload = vec![0x00, 0x01];
        payload.extend_from_slice(&1_700_000_000u64.to_be_bytes());
        payload.extend_from_slice(br#"{"a":1,"_permanent":true}"#);
        assert_eq!(
            super::Session::from_plaintext(&payload).unwrap_err(),
            super::SessionError::InvalidSession
        );
        let bare = super::Session::from_plaintext(br#"{"a":1,"_permanent":true}"#).unwrap();
        assert!(bare.permanent());
        assert_eq!(bare.to_json_string(), r#"{"a":1}"#);
    }

    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn session_is_send_and_sync() {
        assert_send_sync::<Session>();
    }

    #[test]
    fn reserved_and_invalid_values_leave_the_session_unchanged() {
        let mut session = Session::new();
        assert_eq!(
            session.insert(PERMANENT_KEY, true).unwrap_err(),
            SessionError::ReservedKey
        );
        assert_eq!(
            session.insert_bytes(PERMANENT_KEY, b"x").unwrap_err(),
            SessionError::ReservedKey
        );
        let mut map = std::collections::HashMap::new();
        map.insert((1, 2), 3);
        assert_eq!(
            session.insert("m", &map).unwrap_err(),
            SessionError::Unserializable
        );
        let deep = serde_json::value::RawValue::from_string(format!(
            "{}{}",
            "[".repeat(100),
            "]".repeat(100)
        ))
        .unwrap();
        assert_eq!(
            session.insert_raw("d", deep).unwrap_err(),
            SessionError::TooDeep
        );
        assert!(!session.modified());
        assert_eq!(session.len(), 0);
    }

    #[test]
    fn non_finite_floats_are_null_as_in_serde_json() {
        let mut session = Session::new();
        session.insert("f", f64::NAN).unwrap();
        session.insert("g", f64::INFINITY).unwrap();
        assert_eq!(session.to_json_string(), r#"{"f":null,"g":null}"#);
    }

    #[test]
    fn numbers_past_f64_are_errors_on_get() {
        let session = Session::from_json(
            br#"{"big": 1e308, "n": 340282366920938463463374607431768211455, "inf": 1e999999}"#,
        )
        .unwrap();
        assert_eq!(session.get::<f64>("big").unwrap(), Some(1e308));
        assert_eq!(session.get::<u128>("n").unwrap(), Some(u128::MAX));
        assert_eq!(
            session.get::<u64>("n").unwrap_err(),
            SessionError::WrongType
        );
        // Kept as written; an overflow to infinity is an error, never `inf`.
        assert_eq!(session.get_raw("inf").unwrap().get(), "1e999999");
        assert_eq!(
            session.get::<f64>("inf").unwrap_err(),
            SessionError::WrongType
        );
    }

    #[test]
    fn permanent_comes_out_of_the_data() {
        let session = Session::from_json(br#"{"a":1,"_permanent":true}"#).unwrap();
        assert!(session.permanent());
        assert_eq!(session.to_json_string(), r#"{"a":1}"#);
        assert_eq!(
            session.to_python_json().unwrap(),
            r#"{"a": 1, "_permanent": true}"#
        );
    }
}

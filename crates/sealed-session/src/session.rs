//! The session map.

use core::cell::Cell;

use base64ct::{Base64UrlUnpadded, Encoding};
use rand_core::Rng;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::SessionError;
use crate::json;
use crate::random::OsNonce;

/// The reserved key of the session's identity, set by
/// [`Session::regenerate`]: 22 characters of unpadded base64url (128 random
/// bits).
///
/// Not `"_id"`, which Flask-Login uses for its own session-protection hash
/// and would treat a foreign value as a changed client.
pub const SESSION_ID_KEY: &str = "_sid";

/// The reserved key of the permanent flag, as Flask stores it
/// (`session.permanent` is `session["_permanent"]`).
pub const PERMANENT_KEY: &str = "_permanent";

/// A session: a JSON object kept in insertion order, with Flask's
/// bookkeeping.
///
/// - [`Session::modified`] is set by every change, and
///   [`Session::accessed`] by every read or change: when a handler read the
///   session, the response depends on the cookie and should say
///   `Vary: Cookie`. An untouched session needs no `Set-Cookie`;
///   [`SessionCodec::save`](crate::SessionCodec::save) decides.
/// - [`Session::set_permanent`] chooses a cookie with `Max-Age` over one
///   that ends with the browser session.
/// - [`Session::clear`] empties it; saving then deletes the cookie.
/// - [`Session::regenerate`] gives it a new random identity after a login.
///
/// Values are any serde type. Byte strings are stored as the Python package
/// stores them (see [`Bytes`](crate::Bytes)), so a Flask app can read them.
///
/// ```
/// use sealed_session::Session;
///
/// let mut session = Session::new();
/// assert!(!session.modified() && !session.accessed());
/// session.insert("user_id", 42)?;
/// session.insert("roles", ["admin", "dev"])?;
/// session.insert_bytes("token", &[0xde, 0xad]);
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
/// assert_eq!(session.remove("roles"), Some(serde_json::json!(["admin", "dev"])));
/// assert_eq!(session.len(), 2);
/// # Ok::<(), sealed_session::SessionError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Session {
    map: Map<String, Value>,
    modified: Cell<bool>,
    accessed: Cell<bool>,
    issued_at: Option<u64>,
    reseal_advised: bool,
}

impl Session {
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

    /// A session holding `map`, unmodified, after the checks every session
    /// satisfies (depth, tagged bytes).
    ///
    /// ```
    /// use sealed_session::{Map, Session, Value};
    ///
    /// let mut map = Map::new();
    /// map.insert("a".to_owned(), Value::from(1));
    /// let session = Session::from_map(map)?;
    /// assert_eq!(session.get::<u8>("a")?, Some(1));
    /// assert!(!session.modified());
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    ///
    /// # Errors
    /// [`SessionError::TooDeep`] or [`SessionError::InvalidBytes`].
    pub fn from_map(map: Map<String, Value>) -> Result<Self, SessionError> {
        for value in map.values() {
            json::check(value, 1)?;
        }
        Ok(Self {
            map,
            ..Self::default()
        })
    }

    /// Parses a session from JSON text, exactly as an opened cookie's
    /// plaintext is parsed: UTF-8, a top-level object, no `NaN`/`Infinity`,
    /// at most [`MAX_DEPTH`](crate::MAX_DEPTH) levels, tagged bytes well
    /// formed; for duplicate keys the last value wins (at the first key's
    /// position), as in Python.
    ///
    /// ```
    /// use sealed_session::{Session, SessionError};
    ///
    /// let session = Session::from_json(br#"{"a": 1, "b": 2, "a": 3}"#)?;
    /// assert_eq!(session.to_json_vec()?, br#"{"a":3,"b":2}"#);
    /// assert_eq!(Session::from_json(b"[1]").unwrap_err(), SessionError::InvalidJson);
    /// assert_eq!(Session::from_json(b"{\"x\": NaN}").unwrap_err(), SessionError::InvalidJson);
    /// # Ok::<(), SessionError>(())
    /// ```
    ///
    /// # Errors
    /// [`SessionError::InvalidJson`], [`SessionError::TooDeep`] or
    /// [`SessionError::InvalidBytes`].
    pub fn from_json(text: &[u8]) -> Result<Self, SessionError> {
        Ok(Self {
            map: json::parse(text)?,
            ..Self::default()
        })
    }

    /// The session as compact UTF-8 JSON, as envelope v1 cookies carry it.
    /// Does not mark the session accessed.
    ///
    /// ```
    /// use sealed_session::Session;
    ///
    /// let mut session = Session::new();
    /// session.insert("a", [1, 2])?;
    /// session.insert("name", "Zoë")?;
    /// assert_eq!(session.to_json_vec()?, r#"{"a":[1,2],"name":"Zoë"}"#.as_bytes());
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    ///
    /// # Errors
    /// [`SessionError::Unserializable`], which a checked session never
    /// produces.
    pub fn to_json_vec(&self) -> Result<Vec<u8>, SessionError> {
        json::to_compact(&self.map)
    }

    /// The session as the Python package writes it: `json.dumps` defaults,
    /// `", "`/`": "` separators, non-ASCII escaped. Numbers read from a
    /// cookie keep their text; numbers made in Rust use Rust's shortest
    /// float form. Does not mark the session accessed.
    ///
    /// ```
    /// let mut session = sealed_session::Session::new();
    /// session.insert("name", "Zoë")?;
    /// session.insert("n", [1, 2])?;
    /// assert_eq!(session.to_python_json_vec()?, br#"{"name": "Zo\u00eb", "n": [1, 2]}"#);
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    ///
    /// # Errors
    /// [`SessionError::Unserializable`], which a checked session never
    /// produces.
    pub fn to_python_json_vec(&self) -> Result<Vec<u8>, SessionError> {
        json::to_python(&self.map)
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
    /// [`SessionError::WrongType`] when the value does not deserialize as `T`.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, SessionError> {
        self.accessed.set(true);
        self.map
            .get(key)
            .map(|value| T::deserialize(value).map_err(|_| SessionError::WrongType))
            .transpose()
    }

    /// The raw JSON value under `key`. Marks the session accessed.
    ///
    /// ```
    /// use sealed_session::{Session, Value};
    ///
    /// let mut session = Session::new();
    /// session.insert("n", 5)?;
    /// assert_eq!(session.get_value("n"), Some(&Value::from(5)));
    /// assert_eq!(session.get_value("m"), None);
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    #[must_use]
    pub fn get_value(&self, key: &str) -> Option<&Value> {
        self.accessed.set(true);
        self.map.get(key)
    }

    /// The byte string under `key` (stored tagged, as the Python package
    /// does); `None` when absent. Marks the session accessed.
    ///
    /// ```
    /// use sealed_session::Session;
    ///
    /// let mut session = Session::new();
    /// session.insert_bytes("key", &[0, 0xff]);
    /// assert_eq!(session.get_bytes("key")?, Some(vec![0, 0xff]));
    /// assert_eq!(session.get_bytes("none")?, None);
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    ///
    /// # Errors
    /// [`SessionError::WrongType`] when the value is not a tagged byte
    /// string.
    pub fn get_bytes(&self, key: &str) -> Result<Option<Vec<u8>>, SessionError> {
        self.accessed.set(true);
        self.map.get(key).map(json::bytes_of).transpose()
    }

    /// Stores `value` under `key` and returns the previous value. A new key
    /// goes last; a replaced key keeps its place. Marks the session modified
    /// and accessed.
    ///
    /// ```
    /// use sealed_session::{Session, Value};
    ///
    /// let mut session = Session::new();
    /// assert_eq!(session.insert("n", 1)?, None);
    /// assert_eq!(session.insert("n", 2)?, Some(Value::from(1)));
    /// assert!(session.modified());
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    ///
    /// # Errors
    /// [`SessionError::Unserializable`] when `value` is not JSON (for
    /// example a map with non-string keys); [`SessionError::TooDeep`] or
    /// [`SessionError::InvalidBytes`] when it would make the session fail to
    /// open. The session is then unchanged. As everywhere in `serde_json`, a
    /// NaN or infinite float becomes `null`.
    pub fn insert<T: Serialize>(
        &mut self,
        key: &str,
        value: T,
    ) -> Result<Option<Value>, SessionError> {
        let value = serde_json::to_value(value).map_err(|_| SessionError::Unserializable)?;
        json::check(&value, 1)?;
        Ok(self.insert_checked(key, value))
    }

    /// Stores `bytes` under `key`, tagged as the Python package does, and
    /// returns the previous value. Marks the session modified and accessed.
    ///
    /// ```
    /// use sealed_session::Session;
    ///
    /// let mut session = Session::new();
    /// session.insert_bytes("raw", &[1, 2, 3]);
    /// assert_eq!(session.to_json_vec()?, br#"{"raw":{"__type__":"bytes","b":"AQID"}}"#);
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    pub fn insert_bytes(&mut self, key: &str, bytes: &[u8]) -> Option<Value> {
        self.insert_checked(key, json::tagged_bytes(bytes))
    }

    /// Removes `key` and returns its value. Marks the session accessed, and
    /// modified when the key was present.
    ///
    /// ```
    /// use sealed_session::{Session, Value};
    ///
    /// let mut session = Session::new();
    /// session.insert("a", 1)?;
    /// assert_eq!(session.remove("a"), Some(Value::from(1)));
    /// assert_eq!(session.remove("a"), None);
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.accessed.set(true);
        let removed = self.map.shift_remove(key);
        if removed.is_some() {
            self.modified.set(true);
        }
        removed
    }

    /// Whether `key` is present. Marks the session accessed.
    ///
    /// ```
    /// use sealed_session::Session;
    ///
    /// let mut session = Session::new();
    /// session.insert("a", 1)?;
    /// assert!(session.contains_key("a") && !session.contains_key("b"));
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    #[must_use]
    pub fn contains_key(&self, key: &str) -> bool {
        self.accessed.set(true);
        self.map.contains_key(key)
    }

    /// The number of keys, reserved ones (`_permanent`, `_sid`) included.
    /// Marks the session accessed.
    ///
    /// ```
    /// use sealed_session::Session;
    ///
    /// let mut session = Session::new();
    /// session.insert("a", 1)?;
    /// session.set_permanent(true);
    /// assert_eq!(session.len(), 2);
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.accessed.set(true);
        self.map.len()
    }

    /// Whether the session holds no key at all. Marks the session accessed.
    ///
    /// ```
    /// use sealed_session::Session;
    ///
    /// let mut session = Session::new();
    /// assert!(session.is_empty());
    /// session.insert("a", 1)?;
    /// assert!(!session.is_empty());
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.accessed.set(true);
        self.map.is_empty()
    }

    /// The keys and values in insertion order. Marks the session accessed.
    ///
    /// ```
    /// use sealed_session::{Session, Value};
    ///
    /// let mut session = Session::new();
    /// session.insert("b", 1)?;
    /// session.insert("a", 2)?;
    /// let pairs: Vec<(&str, &Value)> = session.iter().collect();
    /// assert_eq!(pairs, [("b", &Value::from(1)), ("a", &Value::from(2))]);
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> + '_ {
        self.accessed.set(true);
        self.map.iter().map(|(key, value)| (key.as_str(), value))
    }

    /// The keys in insertion order. Marks the session accessed.
    ///
    /// ```
    /// use sealed_session::Session;
    ///
    /// let mut session = Session::new();
    /// session.insert("b", 1)?;
    /// session.insert("a", 2)?;
    /// assert_eq!(session.keys().collect::<Vec<_>>(), ["b", "a"]);
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    pub fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.accessed.set(true);
        self.map.keys().map(String::as_str)
    }

    /// The whole map, read-only. Marks the session accessed.
    ///
    /// ```
    /// use sealed_session::Session;
    ///
    /// let mut session = Session::new();
    /// session.insert("a", 1)?;
    /// assert_eq!(session.as_map()["a"], 1);
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    #[must_use]
    pub fn as_map(&self) -> &Map<String, Value> {
        self.accessed.set(true);
        &self.map
    }

    /// Removes every key, the reserved ones included. Saving an emptied
    /// session deletes the cookie. Marks the session accessed, and modified
    /// when it held anything.
    ///
    /// ```
    /// use sealed_session::{CookieOutcome, Key, Keyring, Options, SessionCodec};
    ///
    /// let codec = SessionCodec::new(Keyring::new(1, &Key::from_bytes([7; 32])), Options::new());
    /// let mut session = sealed_session::Session::new();
    /// session.insert("user", "ann")?;
    /// let mut session = codec.open(&codec.seal(&session)?)?;
    /// session.clear();
    /// assert!(matches!(codec.save(&session)?, CookieOutcome::Delete(_)));
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    pub fn clear(&mut self) {
        self.accessed.set(true);
        if !self.map.is_empty() {
            self.modified.set(true);
        }
        self.map.clear();
    }

    /// Whether the cookie should outlive the browser session (it then gets
    /// `Max-Age`). Stored as Flask stores it, `"_permanent": true`. Marks
    /// the session accessed.
    ///
    /// ```
    /// use sealed_session::Session;
    ///
    /// let mut session = Session::new();
    /// assert!(!session.permanent());
    /// session.set_permanent(true);
    /// assert!(session.permanent());
    /// ```
    #[must_use]
    pub fn permanent(&self) -> bool {
        self.accessed.set(true);
        self.map.get(PERMANENT_KEY) == Some(&Value::Bool(true))
    }

    /// Makes the cookie permanent (`"_permanent": true`) or a
    /// browser-session cookie (removes the key, which Flask reads as
    /// `False`). Marks the session accessed, and modified when the flag
    /// changed.
    ///
    /// ```
    /// use sealed_session::Session;
    ///
    /// let mut session = Session::new();
    /// session.set_permanent(true);
    /// assert_eq!(session.to_json_vec()?, br#"{"_permanent":true}"#);
    /// session.set_permanent(false);
    /// assert!(session.is_empty());
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    pub fn set_permanent(&mut self, permanent: bool) {
        if permanent == self.permanent() {
            return;
        }
        if permanent {
            self.insert_checked(PERMANENT_KEY, Value::Bool(true));
        } else {
            self.remove(PERMANENT_KEY);
        }
    }

    /// The session's identity ([`SESSION_ID_KEY`]), if
    /// [`Session::regenerate`] ever gave it one. Marks the session accessed.
    ///
    /// ```
    /// use sealed_session::Session;
    ///
    /// let mut session = Session::new();
    /// assert_eq!(session.id(), None);
    /// session.regenerate()?;
    /// assert_eq!(session.id().map(str::len), Some(22));
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    #[must_use]
    pub fn id(&self) -> Option<&str> {
        self.accessed.set(true);
        self.map.get(SESSION_ID_KEY).and_then(Value::as_str)
    }

    /// Gives the session a new random identity (128 bits under
    /// [`SESSION_ID_KEY`]) and keeps its data: call it when privileges
    /// change, above all right after a login, against session fixation.
    /// The new cookie shares nothing with the old one (fresh nonce, new
    /// identity), and server-side state keyed by [`Session::id`] (CSRF
    /// tokens, revocation lists) no longer matches the old cookie. Marks the
    /// session modified and accessed.
    ///
    /// ```
    /// let mut session = sealed_session::Session::new();
    /// session.regenerate()?;
    /// let before = session.id().unwrap().to_owned();
    /// session.insert("user", 42)?;
    /// session.regenerate()?;
    /// assert_ne!(session.id().unwrap(), before);
    /// assert_eq!(session.id().unwrap().len(), 22);
    /// assert_eq!(session.get::<u32>("user")?, Some(42));
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    ///
    /// # Errors
    /// [`SessionError::Random`] if the operating system's random number
    /// generator fails; the session is then unchanged.
    pub fn regenerate(&mut self) -> Result<(), SessionError> {
        let mut id = [0u8; 16];
        OsNonce::new()?.fill_bytes(&mut id);
        self.insert_checked(
            SESSION_ID_KEY,
            Value::from(Base64UrlUnpadded::encode_string(&id)),
        );
        Ok(())
    }

    /// Whether anything changed since the session was opened or created.
    ///
    /// ```
    /// use sealed_session::Session;
    ///
    /// let mut session = Session::new();
    /// session.remove("absent");
    /// assert!(!session.modified());
    /// session.insert("a", 1)?;
    /// assert!(session.modified());
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    #[must_use]
    pub fn modified(&self) -> bool {
        self.modified.get()
    }

    /// Whether the session was read or changed: the response then depends
    /// on the cookie, so add `Vary: Cookie`.
    ///
    /// ```
    /// use sealed_session::Session;
    ///
    /// let session = Session::new();
    /// assert!(!session.accessed());
    /// let _ = session.contains_key("user");
    /// assert!(session.accessed() && !session.modified());
    /// ```
    #[must_use]
    pub fn accessed(&self) -> bool {
        self.accessed.get()
    }

    /// When the opened cookie was sealed (Unix seconds); `None` for a new
    /// session or one opened from a legacy cookie, which carries no time.
    ///
    /// ```
    /// use sealed_session::{core::FixedNonce, Key, Keyring, Options, Session, SessionCodec};
    ///
    /// let codec = SessionCodec::new(Keyring::new(1, &Key::from_bytes([1; 32])), Options::new());
    /// assert_eq!(Session::new().issued_at(), None);
    /// let value = codec.seal_at(&Session::new(), 1_700_000_000, &mut FixedNonce([0; 16]))?;
    /// assert_eq!(codec.open_at(&value, 1_700_000_100)?.issued_at(), Some(1_700_000_000));
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    #[must_use]
    pub const fn issued_at(&self) -> Option<u64> {
        self.issued_at
    }

    /// The cookie opened under an older key, or in the legacy format: save
    /// it again (and [`SessionCodec::save`](crate::SessionCodec::save) will)
    /// so it moves to the primary key and envelope v1.
    ///
    /// ```
    /// use sealed_session::{Key, Keyring, Options, Session, SessionCodec};
    ///
    /// let (old, new) = (Key::from_bytes([1; 32]), Key::from_bytes([2; 32]));
    /// let value = SessionCodec::new(Keyring::new(1, &old), Options::new()).seal(&Session::new())?;
    /// let rotated = SessionCodec::new(Keyring::new(2, &new).with_key(1, &old)?, Options::new());
    /// assert!(rotated.open(&value)?.reseal_advised());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub const fn reseal_advised(&self) -> bool {
        self.reseal_advised
    }

    /// A session opened from a cookie.
    pub(crate) fn opened(
        map: Map<String, Value>,
        issued_at: Option<u64>,
        reseal_advised: bool,
    ) -> Self {
        Self {
            map,
            issued_at,
            reseal_advised,
            ..Self::default()
        }
    }

    /// A new, empty session standing in for a cookie that did not open:
    /// marked modified so that saving it deletes the stale cookie.
    pub(crate) fn replacing_rejected() -> Self {
        let session = Self::new();
        session.modified.set(true);
        session
    }

    /// [`Session::permanent`] without marking the session accessed.
    pub(crate) fn map_permanent(&self) -> bool {
        self.map.get(PERMANENT_KEY) == Some(&Value::Bool(true))
    }

    /// The map without marking the session accessed.
    pub(crate) const fn map(&self) -> &Map<String, Value> {
        &self.map
    }

    fn insert_checked(&mut self, key: &str, value: Value) -> Option<Value> {
        self.accessed.set(true);
        self.modified.set(true);
        self.map.insert(key.to_owned(), value)
    }
}

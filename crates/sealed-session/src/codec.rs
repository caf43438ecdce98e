//! The session codec: sessions to cookie values and back, and the
//! `Set-Cookie` decision.

use sealed_session_core::legacy::LegacyCodec;
use sealed_session_core::{Codec, Compression, ErrorKind, Key, Keyring, NonceSource, Options};

use crate::cookie::{self, Attributes, SameSite};
use crate::error::SessionError;
use crate::json;
use crate::random::{OsNonce, now};
use crate::session::Session;

/// Flask's default `PERMANENT_SESSION_LIFETIME`: 31 days, in seconds.
pub const DEFAULT_LIFETIME: u64 = 31 * 24 * 60 * 60;

/// The format [`SessionCodec::seal`] and [`SessionCodec::save`] write.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SealFormat {
    /// Envelope v1: key id, issue time, expiry, bound to the cookie name.
    #[default]
    V1,
    /// The Python EncryptedSession format, for while a Flask app must still
    /// read the cookies this service writes. Needs
    /// [`SessionCodec::with_legacy_key`].
    Legacy,
}

/// What to do with the session cookie at the end of a request: the result
/// of [`SessionCodec::save`].
///
/// Independently of it, add `Vary: Cookie` when
/// [`Session::accessed`] is true.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CookieOutcome {
    /// Nothing to send: the session did not change.
    Unchanged,
    /// Send this `Set-Cookie` header value.
    Set(String),
    /// The session was emptied: send this `Set-Cookie` header value, which
    /// deletes the cookie (`Max-Age=0`, an `Expires` in the past).
    Delete(String),
}

impl CookieOutcome {
    /// The `Set-Cookie` header value to send, if any.
    ///
    /// ```
    /// use sealed_session::CookieOutcome;
    ///
    /// assert_eq!(CookieOutcome::Unchanged.set_cookie(), None);
    /// assert_eq!(CookieOutcome::Set("session=v".into()).set_cookie(), Some("session=v"));
    /// ```
    #[must_use]
    pub fn set_cookie(&self) -> Option<&str> {
        match self {
            Self::Unchanged => None,
            Self::Set(header) | Self::Delete(header) => Some(header),
        }
    }

    /// The `Set-Cookie` header value to send, if any, as an
    /// [`http::HeaderValue`].
    ///
    /// ```
    /// use sealed_session::CookieOutcome;
    ///
    /// let header = CookieOutcome::Set("session=v; Path=/".into()).header_value()?.unwrap();
    /// assert_eq!(header, "session=v; Path=/");
    /// assert_eq!(CookieOutcome::Unchanged.header_value()?, None);
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    ///
    /// # Errors
    /// [`SessionError::InvalidCookieAttribute`] if the header is not a valid
    /// header value, which headers built by [`SessionCodec`] always are.
    #[cfg(feature = "http")]
    pub fn header_value(&self) -> Result<Option<http::HeaderValue>, SessionError> {
        self.set_cookie()
            .map(|header| {
                http::HeaderValue::from_str(header)
                    .map_err(|_| SessionError::InvalidCookieAttribute)
            })
            .transpose()
    }
}

/// Turns a [`Session`] into a cookie value and back, and builds the
/// `Set-Cookie` headers. Build it once at start-up and share it.
///
/// By default: cookie `session`, bound to its name (the AEAD's associated
/// data), `HttpOnly; Secure; SameSite=Lax; Path=/`, permanent sessions
/// lasting [`DEFAULT_LIFETIME`], and that lifetime also enforced as the
/// maximum age of every cookie unless [`Options::max_age`] says otherwise
/// (as Flask does). Seals use [`OsNonce`] and the system clock; the `_at`
/// variants take both, for tests.
///
/// ```
/// use sealed_session::{CookieOutcome, Key, Keyring, Options, Session, SessionCodec};
///
/// let key = Key::parse("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")?;
/// let codec = SessionCodec::new(Keyring::new(1, &key), Options::new());
///
/// // A request without a session cookie: a new, empty session.
/// let header: Option<&str> = Some("theme=dark");
/// let mut session = codec.open_or_new(header.and_then(|h| codec.cookie_value(h)));
/// session.insert("user_id", 42)?;
/// let CookieOutcome::Set(set_cookie) = codec.save(&session)? else { unreachable!() };
/// assert!(set_cookie.starts_with("session=AQAB"));
/// assert!(set_cookie.ends_with("; HttpOnly; Secure; SameSite=Lax; Path=/"));
///
/// // The next request sends it back.
/// let value = set_cookie.split(';').next().unwrap().strip_prefix("session=").unwrap();
/// let request = format!("theme=dark; session={value}");
/// let session = codec.open(codec.cookie_value(&request).unwrap())?;
/// assert_eq!(session.get::<u32>("user_id")?, Some(42));
/// assert_eq!(codec.save(&session)?, CookieOutcome::Unchanged);
/// # Ok::<(), sealed_session::SessionError>(())
/// ```
#[derive(Clone, Debug)]
pub struct SessionCodec {
    codec: Codec,
    options: Options,
    legacy: Option<LegacyCodec>,
    context: Option<Vec<u8>>,
    attributes: Attributes,
    lifetime: u64,
    refresh_each_request: bool,
    seal_format: SealFormat,
}

impl SessionCodec {
    /// A codec sealing with `keyring`'s primary key, under `options`, with
    /// the defaults described on [`SessionCodec`].
    ///
    /// ```
    /// use sealed_session::{DEFAULT_LIFETIME, Key, Keyring, Options, SessionCodec};
    ///
    /// let codec = SessionCodec::new(Keyring::new(1, &Key::from_bytes([1; 32])), Options::new());
    /// assert_eq!(codec.cookie_name(), "session");
    /// assert_eq!(codec.lifetime(), DEFAULT_LIFETIME);
    /// assert_eq!(codec.core().options().max_age, Some(DEFAULT_LIFETIME));
    /// ```
    #[must_use]
    pub fn new(keyring: Keyring, options: Options) -> Self {
        let effective = options.with_max_age(options.max_age().or(Some(DEFAULT_LIFETIME)));
        Self {
            codec: Codec::new(keyring, effective),
            options,
            legacy: None,
            context: None,
            attributes: Attributes::new(),
            lifetime: DEFAULT_LIFETIME,
            refresh_each_request: true,
            seal_format: SealFormat::V1,
        }
    }

    /// Sets the cookie's name (default `session`), which is also the
    /// context the cookie is bound to unless [`SessionCodec::with_context`]
    /// says otherwise.
    ///
    /// ```
    /// use sealed_session::{Key, Keyring, Options, Session, SessionCodec};
    ///
    /// let codec = SessionCodec::new(Keyring::new(1, &Key::from_bytes([1; 32])), Options::new());
    /// let codec = codec.with_cookie_name("__Host-sid")?;
    /// assert_eq!(codec.cookie_name(), "__Host-sid");
    /// assert!(codec.with_cookie_name("no spaces").is_err());
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    ///
    /// # Errors
    /// [`SessionError::InvalidCookieAttribute`] when `name` is not an RFC
    /// 6265 token.
    pub fn with_cookie_name(mut self, name: &str) -> Result<Self, SessionError> {
        cookie::check_name(name)?;
        name.clone_into(&mut self.attributes.name);
        Ok(self)
    }

    /// Binds cookies to `context` instead of the cookie's name: a cookie
    /// opens only with the same context.
    ///
    /// ```
    /// use sealed_session::{Key, Keyring, Options, Session, SessionCodec};
    ///
    /// let codec = SessionCodec::new(Keyring::new(1, &Key::from_bytes([1; 32])), Options::new());
    /// let a = codec.clone().with_context(b"shop");
    /// let b = codec.with_cookie_name("cart")?.with_context(b"shop");
    /// let value = a.seal(&Session::new())?;
    /// assert!(b.open(&value).is_ok());
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    #[must_use]
    pub fn with_context(mut self, context: &[u8]) -> Self {
        self.context = Some(context.to_vec());
        self
    }

    /// Sets the `Path` attribute (default `/`).
    ///
    /// ```
    /// use sealed_session::{Key, Keyring, Options, Session, SessionCodec};
    ///
    /// let codec = SessionCodec::new(Keyring::new(1, &Key::from_bytes([1; 32])), Options::new());
    /// let codec = codec.with_path("/app")?;
    /// assert!(codec.set_cookie_header("v", false)?.ends_with("; Path=/app"));
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    ///
    /// # Errors
    /// [`SessionError::InvalidCookieAttribute`] unless `path` starts with `/`
    /// and is visible ASCII without `;`.
    pub fn with_path(mut self, path: &str) -> Result<Self, SessionError> {
        cookie::check_path(path)?;
        path.clone_into(&mut self.attributes.path);
        Ok(self)
    }

    /// Sets the `Domain` attribute (default: none, a host-only cookie).
    ///
    /// ```
    /// use sealed_session::{Key, Keyring, Options, Session, SessionCodec};
    ///
    /// let codec = SessionCodec::new(Keyring::new(1, &Key::from_bytes([1; 32])), Options::new());
    /// let codec = codec.with_domain("example.com")?;
    /// assert!(codec.set_cookie_header("v", false)?.ends_with("; Path=/; Domain=example.com"));
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    ///
    /// # Errors
    /// [`SessionError::InvalidCookieAttribute`] unless `domain` is letters,
    /// digits, `-` and `.`.
    pub fn with_domain(mut self, domain: &str) -> Result<Self, SessionError> {
        cookie::check_domain(domain)?;
        self.attributes.domain = Some(domain.to_owned());
        Ok(self)
    }

    /// Sets `Secure` (default on). Turn it off only for plain-HTTP
    /// development.
    ///
    /// ```
    /// use sealed_session::{Key, Keyring, Options, Session, SessionCodec};
    ///
    /// let codec = SessionCodec::new(Keyring::new(1, &Key::from_bytes([1; 32])), Options::new());
    /// let dev = codec.with_secure(false);
    /// assert_eq!(dev.set_cookie_header("v", false)?, "session=v; HttpOnly; SameSite=Lax; Path=/");
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    #[must_use]
    pub const fn with_secure(mut self, secure: bool) -> Self {
        self.attributes.secure = secure;
        self
    }

    /// Sets `HttpOnly` (default on).
    ///
    /// ```
    /// use sealed_session::{Key, Keyring, Options, Session, SessionCodec};
    ///
    /// let codec = SessionCodec::new(Keyring::new(1, &Key::from_bytes([1; 32])), Options::new());
    /// let codec = codec.with_http_only(false);
    /// assert_eq!(codec.set_cookie_header("v", false)?, "session=v; Secure; SameSite=Lax; Path=/");
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    #[must_use]
    pub const fn with_http_only(mut self, http_only: bool) -> Self {
        self.attributes.http_only = http_only;
        self
    }

    /// Sets `SameSite` (default `Lax`).
    ///
    /// ```
    /// use sealed_session::{Key, Keyring, Options, SameSite, SessionCodec};
    ///
    /// let codec = SessionCodec::new(Keyring::new(1, &Key::from_bytes([1; 32])), Options::new())
    ///     .with_same_site(SameSite::Strict);
    /// assert_eq!(codec.set_cookie_header("v", false)?, "session=v; HttpOnly; Secure; SameSite=Strict; Path=/");
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    #[must_use]
    pub const fn with_same_site(mut self, same_site: SameSite) -> Self {
        self.attributes.same_site = same_site;
        self
    }

    /// Sets the lifetime of permanent sessions in seconds, their cookie's
    /// `Max-Age` (default [`DEFAULT_LIFETIME`]). Unless [`Options::max_age`]
    /// was set, it is also the maximum age of every cookie.
    ///
    /// ```
    /// use sealed_session::{Key, Keyring, Options, Session, SessionCodec};
    ///
    /// let codec = SessionCodec::new(Keyring::new(1, &Key::from_bytes([1; 32])), Options::new());
    /// let codec = codec.with_lifetime(600);
    /// assert_eq!(codec.core().options().max_age, Some(600));
    /// assert!(codec.set_cookie_header("v", true)?.ends_with("; Max-Age=600"));
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    #[must_use]
    pub fn with_lifetime(mut self, seconds: u64) -> Self {
        self.lifetime = seconds;
        let effective = self
            .options
            .with_max_age(self.options.max_age().or(Some(seconds)));
        self.codec = Codec::new(self.codec.keyring().clone(), effective);
        self
    }

    /// Whether [`SessionCodec::save`] re-issues a permanent session on
    /// every request, sliding its expiry (default on, as in Flask).
    ///
    /// ```
    /// use sealed_session::{CookieOutcome, Key, Keyring, Options, Session, SessionCodec};
    ///
    /// let codec = SessionCodec::new(Keyring::new(1, &Key::from_bytes([1; 32])), Options::new());
    /// let mut session = Session::new();
    /// session.set_permanent(true);
    /// let session = codec.open(&codec.seal(&session)?)?;
    /// assert!(matches!(codec.save(&session)?, CookieOutcome::Set(_)));
    /// let codec = codec.with_refresh_each_request(false);
    /// assert_eq!(codec.save(&session)?, CookieOutcome::Unchanged);
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    #[must_use]
    pub const fn with_refresh_each_request(mut self, refresh: bool) -> Self {
        self.refresh_each_request = refresh;
        self
    }

    /// Accepts cookies of the Python EncryptedSession package sealed with
    /// `key` (its `app.crypto_key`): [`SessionCodec::open`] then tries
    /// envelope v1 first and the legacy format second, and
    /// [`SessionCodec::migrate`] and [`SessionCodec::seal_legacy`] work.
    ///
    /// Legacy cookies carry no time and no context: any cookie ever sealed
    /// under `key` opens until the key is removed.
    ///
    /// ```
    /// use sealed_session::{Key, Keyring, Options, Session, SessionCodec};
    ///
    /// let codec = SessionCodec::new(Keyring::new(1, &Key::from_bytes([1; 32])), Options::new());
    /// let python_key = Key::parse("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")?;
    /// let codec = codec.with_legacy_key(&python_key);
    /// let session = codec.open("u.D7DycromYEhiSEIUsA4=.xcLffjV72Pk9kZ/Hsu0L2Q==.AAECAwQFBgcICQoLDA0ODw==")?;
    /// assert_eq!(session.get::<u32>("answer")?, Some(42));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_legacy_key(mut self, key: &Key) -> Self {
        // The Python package compresses above 1024 bytes, whatever v1 does.
        let options = self.options.with_compression(Compression::Above(1024));
        self.legacy = Some(LegacyCodec::new(key, options));
        self
    }

    /// Chooses the format that [`SessionCodec::seal`] and
    /// [`SessionCodec::save`] write (default [`SealFormat::V1`]).
    ///
    /// ```
    /// use sealed_session::{Key, Keyring, Options, SealFormat, Session, SessionCodec};
    ///
    /// let codec = SessionCodec::new(Keyring::new(1, &Key::from_bytes([1; 32])), Options::new())
    ///     .with_legacy_key(&Key::from_bytes([2; 32]))
    ///     .with_seal_format(SealFormat::Legacy);
    /// assert!(codec.seal(&Session::new())?.starts_with("u."));
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    #[must_use]
    pub const fn with_seal_format(mut self, format: SealFormat) -> Self {
        self.seal_format = format;
        self
    }

    /// The cookie's name.
    ///
    /// ```
    /// use sealed_session::{Key, Keyring, Options, Session, SessionCodec};
    ///
    /// let codec = SessionCodec::new(Keyring::new(1, &Key::from_bytes([1; 32])), Options::new());
    /// assert_eq!(codec.cookie_name(), "session");
    /// ```
    #[must_use]
    pub fn cookie_name(&self) -> &str {
        &self.attributes.name
    }

    /// The lifetime of permanent sessions, in seconds.
    ///
    /// ```
    /// use sealed_session::{Key, Keyring, Options, Session, SessionCodec};
    ///
    /// let codec = SessionCodec::new(Keyring::new(1, &Key::from_bytes([1; 32])), Options::new());
    /// assert_eq!(codec.with_lifetime(60).lifetime(), 60);
    /// ```
    #[must_use]
    pub const fn lifetime(&self) -> u64 {
        self.lifetime
    }

    /// The core codec underneath, with the options in force (`max_age`
    /// filled in from the lifetime).
    ///
    /// ```
    /// use sealed_session::{Key, Keyring, Options, Session, SessionCodec};
    ///
    /// let codec = SessionCodec::new(Keyring::new(1, &Key::from_bytes([1; 32])), Options::new());
    /// assert_eq!(codec.core().keyring().primary_id(), 1);
    /// ```
    #[must_use]
    pub const fn core(&self) -> &Codec {
        &self.codec
    }

    /// This codec's cookie in a request's `Cookie:` header (see
    /// [`cookie_value`](crate::cookie_value)).
    ///
    /// ```
    /// use sealed_session::{Key, Keyring, Options, Session, SessionCodec};
    ///
    /// let codec = SessionCodec::new(Keyring::new(1, &Key::from_bytes([1; 32])), Options::new());
    /// assert_eq!(codec.cookie_value("a=1; session=AQAB; b=2"), Some("AQAB"));
    /// assert_eq!(codec.cookie_value("a=1"), None);
    /// ```
    #[must_use]
    pub fn cookie_value<'h>(&self, cookie_header: &'h str) -> Option<&'h str> {
        cookie::cookie_value(cookie_header, &self.attributes.name)
    }

    /// This codec's cookie in the request's `Cookie` headers (HTTP/2 may
    /// split them); headers that are not visible ASCII are skipped.
    ///
    /// ```
    /// use sealed_session::http::{HeaderMap, HeaderValue, header::COOKIE};
    /// use sealed_session::{Key, Keyring, Options, SessionCodec};
    ///
    /// let codec = SessionCodec::new(Keyring::new(1, &Key::from_bytes([1; 32])), Options::new());
    /// let mut headers = HeaderMap::new();
    /// headers.append(COOKIE, HeaderValue::from_static("a=1"));
    /// headers.append(COOKIE, HeaderValue::from_static("session=AQAB"));
    /// assert_eq!(codec.cookie_value_in(&headers), Some("AQAB"));
    /// ```
    #[cfg(feature = "http")]
    #[must_use]
    pub fn cookie_value_in<'h>(&self, headers: &'h http::HeaderMap) -> Option<&'h str> {
        headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|header| header.to_str().ok())
            .find_map(|header| self.cookie_value(header))
    }

    /// Seals `session` into a cookie value, in the [`SealFormat`] chosen,
    /// with a fresh [`OsNonce`] and the system clock.
    ///
    /// ```
    /// use sealed_session::{Key, Keyring, Options, Session, SessionCodec};
    ///
    /// let codec = SessionCodec::new(Keyring::new(1, &Key::from_bytes([1; 32])), Options::new());
    /// let mut session = Session::new();
    /// session.insert("user_id", 42)?;
    /// let value = codec.seal(&session)?;
    /// assert!(value.starts_with("AQAB")); // version 1, uncompressed, key id 1
    /// assert_ne!(codec.seal(&session)?, value); // a fresh nonce every time
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    ///
    /// # Errors
    /// As [`SessionCodec::seal_at`], plus [`SessionError::Random`].
    pub fn seal(&self, session: &Session) -> Result<String, SessionError> {
        self.seal_at(session, now(), &mut OsNonce::new()?)
    }

    /// Seals `session` issued at `now` (Unix seconds) with nonces from
    /// `nonce`.
    ///
    /// ```
    /// use sealed_session::{core::FixedNonce, Key, Keyring, Options, Session, SessionCodec};
    ///
    /// let codec = SessionCodec::new(Keyring::new(1, &Key::from_bytes([0; 32])), Options::new());
    /// let mut session = Session::new();
    /// session.insert("a", 1)?;
    /// // Same text as the independent tests/python/v1_reference.py.
    /// let value = codec.seal_at(&session, 1_700_000_000, &mut FixedNonce([9; 16]))?;
    /// assert_eq!(value, "AQABAAAAAGVT8QAJCQkJCQkJCQkJCQkJCQkJlAGrKioJQC0FeEasuwWANwBuVwM6Hqo");
    /// let opened = codec.open_at(&value, 1_700_000_000)?;
    /// assert_eq!(opened.issued_at(), Some(1_700_000_000));
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    ///
    /// # Errors
    /// [`SessionError::CookieTooLarge`] when `name=value` would exceed
    /// [`MAX_COOKIE_LEN`](crate::MAX_COOKIE_LEN) bytes; a
    /// [`SessionError::Cookie`] of kind `TooLarge` when the JSON exceeds
    /// [`Options::max_plaintext_len`]; [`SessionError::NoLegacyKey`] for
    /// [`SealFormat::Legacy`] without a legacy key.
    pub fn seal_at<N: NonceSource + ?Sized>(
        &self,
        session: &Session,
        now: u64,
        nonce: &mut N,
    ) -> Result<String, SessionError> {
        match self.seal_format {
            SealFormat::V1 => self.seal_v1(session, now, nonce),
            SealFormat::Legacy => self.seal_legacy_with(session, nonce),
        }
    }

    /// Seals `session` in the Python EncryptedSession format, with a fresh
    /// [`OsNonce`]. The JSON is byte-for-byte what Python's `json.dumps`
    /// writes for the same session (see [`Session::to_python_json_vec`]),
    /// so the Python package chooses the same `u`/`z` flag.
    ///
    /// ```
    /// use sealed_session::{Key, Keyring, Options, Session, SessionCodec};
    ///
    /// let codec = SessionCodec::new(Keyring::new(1, &Key::from_bytes([1; 32])), Options::new());
    /// let python_key = Key::parse("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")?;
    /// let codec = codec.with_legacy_key(&python_key);
    /// let value = codec.seal_legacy(&Session::from_json(br#"{"answer": 42}"#)?)?;
    /// assert!(value.starts_with("u."));
    /// assert_eq!(codec.open_legacy(&value)?.get::<u32>("answer")?, Some(42));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`SessionCodec::seal_legacy_with`], plus [`SessionError::Random`].
    pub fn seal_legacy(&self, session: &Session) -> Result<String, SessionError> {
        self.seal_legacy_with(session, &mut OsNonce::new()?)
    }

    /// Seals `session` in the Python EncryptedSession format with nonces
    /// from `nonce`.
    ///
    /// ```
    /// use sealed_session::{core::FixedNonce, Key, Keyring, Options, Session, SessionCodec};
    ///
    /// let python_key = Key::parse("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")?;
    /// let codec = SessionCodec::new(Keyring::new(1, &Key::from_bytes([1; 32])), Options::new())
    ///     .with_legacy_key(&python_key);
    /// let session = Session::from_json(br#"{"answer": 42}"#)?;
    /// let mut nonce = FixedNonce(core::array::from_fn(|i| i as u8));
    /// // The cookie Python's EncryptedSession sets for the same session and nonce.
    /// assert_eq!(
    ///     codec.seal_legacy_with(&session, &mut nonce)?,
    ///     "u.D7DycromYEhiSEIUsA4=.xcLffjV72Pk9kZ/Hsu0L2Q==.AAECAwQFBgcICQoLDA0ODw=="
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`SessionError::NoLegacyKey`] without [`SessionCodec::with_legacy_key`];
    /// [`SessionError::CookieTooLarge`] when `name=value` would exceed
    /// [`MAX_COOKIE_LEN`](crate::MAX_COOKIE_LEN) bytes; a
    /// [`SessionError::Cookie`] of kind `TooLarge` when the JSON exceeds
    /// [`Options::max_plaintext_len`].
    pub fn seal_legacy_with<N: NonceSource + ?Sized>(
        &self,
        session: &Session,
        nonce: &mut N,
    ) -> Result<String, SessionError> {
        let legacy = self.legacy.as_ref().ok_or(SessionError::NoLegacyKey)?;
        let json = session.to_python_json_vec()?;
        self.check_plaintext(&json)?;
        let value = legacy
            .seal_to_string(&json, nonce)
            .map_err(cookie_too_large)?;
        cookie::check_len(&self.attributes.name, &value)?;
        Ok(value)
    }

    /// Opens a cookie value, strictly: envelope v1, then (with a legacy key,
    /// when the value has the Python format's `.` separators) the Python
    /// format.
    ///
    /// # Errors
    /// As [`SessionCodec::open_at`].
    pub fn open(&self, value: &str) -> Result<Session, SessionError> {
        self.open_at(value, now())
    }

    /// Opens a cookie value at time `now` (Unix seconds).
    ///
    /// The value's length is checked first; nothing is decompressed or parsed
    /// before the cookie is authenticated, and nothing is allocated past
    /// [`Options::max_plaintext_len`] before it is. The plaintext must then
    /// be a JSON object as [`Session::from_json`] describes.
    ///
    /// ```
    /// use sealed_session::{ErrorKind, Key, Keyring, Options, Session, SessionCodec};
    ///
    /// let old = Key::from_bytes([1; 32]);
    /// let new = Key::from_bytes([2; 32]);
    /// let before = SessionCodec::new(Keyring::new(1, &old), Options::new());
    /// let value = before.seal(&Session::new())?;
    ///
    /// // After a key rotation the old cookie still opens, and asks to be re-sealed.
    /// let after = SessionCodec::new(Keyring::new(2, &new).with_key(1, &old)?, Options::new());
    /// assert!(after.open(&value)?.reseal_advised());
    ///
    /// // Another cookie name: not authentic.
    /// let other = after.clone().with_cookie_name("other")?;
    /// assert_eq!(other.open(&value).unwrap_err().cookie_kind(), Some(ErrorKind::Unauthentic));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// - [`SessionError::Cookie`] with the core's kind: `Unauthentic`,
    ///   `Expired`, `IssuedInFuture`, `Malformed`, `UnknownVersion`,
    ///   `UnknownKeyId`, or `TooLarge` (also when `name=value` exceeds
    ///   [`MAX_COOKIE_LEN`](crate::MAX_COOKIE_LEN));
    /// - [`SessionError::InvalidJson`], [`SessionError::TooDeep`],
    ///   [`SessionError::InvalidBytes`] for an authentic plaintext that is
    ///   not a valid session.
    pub fn open_at(&self, value: &str, now: u64) -> Result<Session, SessionError> {
        if cookie::check_len(&self.attributes.name, value).is_err() {
            return Err(ErrorKind::TooLarge.into());
        }
        match self.codec.open_to_vec(value, self.context(), now) {
            Ok(opened) => {
                let map = json::parse(&opened.plaintext)?;
                let reseal = opened.reseal_advised || self.seal_format == SealFormat::Legacy;
                Ok(Session::opened(map, Some(opened.issued_at), reseal))
            }
            // Only a value with a `.` can be a legacy cookie, and v1 never
            // decodes one: other values keep their v1 error.
            Err(error)
                if self.legacy.is_some()
                    && value.contains('.')
                    && error.kind() == ErrorKind::Malformed =>
            {
                self.open_legacy(value)
            }
            Err(error) => Err(error.into()),
        }
    }

    /// Opens a Python EncryptedSession cookie value. Such a session always
    /// has [`Session::reseal_advised`] set while the codec writes
    /// [`SealFormat::V1`].
    ///
    /// ```
    /// use sealed_session::{Key, Keyring, Options, Session, SessionCodec};
    ///
    /// let codec = SessionCodec::new(Keyring::new(1, &Key::from_bytes([1; 32])), Options::new());
    /// let python_key = Key::parse("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")?;
    /// let codec = codec.with_legacy_key(&python_key);
    /// let session = codec.open_legacy("u.D7DycromYEhiSEIUsA4=.xcLffjV72Pk9kZ/Hsu0L2Q==.AAECAwQFBgcICQoLDA0ODw==")?;
    /// assert_eq!(session.get::<u32>("answer")?, Some(42));
    /// assert!(session.reseal_advised() && session.issued_at().is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`SessionError::NoLegacyKey`] without a legacy key; a
    /// [`SessionError::Cookie`] of kind `Unauthentic`, `Malformed` or
    /// `TooLarge`; [`SessionError::InvalidJson`], [`SessionError::TooDeep`],
    /// [`SessionError::InvalidBytes`] for an authentic plaintext that is not
    /// a valid session.
    pub fn open_legacy(&self, value: &str) -> Result<Session, SessionError> {
        let legacy = self.legacy.as_ref().ok_or(SessionError::NoLegacyKey)?;
        if cookie::check_len(&self.attributes.name, value).is_err() {
            return Err(ErrorKind::TooLarge.into());
        }
        let json = legacy.open_to_vec(value)?;
        let map = json::parse(&json)?;
        Ok(Session::opened(
            map,
            None,
            self.seal_format == SealFormat::V1,
        ))
    }

    /// Opens the request's cookie leniently: no cookie gives a new session,
    /// and so does a cookie that does not open, whatever the reason. Such a
    /// replacement is marked modified, so that [`SessionCodec::save`]
    /// deletes the stale cookie unless the handler fills the session.
    ///
    /// ```
    /// use sealed_session::{CookieOutcome, Key, Keyring, Options, SessionCodec};
    ///
    /// let codec = SessionCodec::new(Keyring::new(1, &Key::from_bytes([3; 32])), Options::new());
    /// assert!(!codec.open_or_new(None).modified());
    /// let forged = codec.open_or_new(Some("AQABAAAAAGVT8QAJCQkJ"));
    /// assert!(forged.is_empty() && forged.modified());
    /// assert!(matches!(codec.save(&forged)?, CookieOutcome::Delete(_)));
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    #[must_use]
    pub fn open_or_new(&self, value: Option<&str>) -> Session {
        self.open_or_new_at(value, now())
    }

    /// [`SessionCodec::open_or_new`] at time `now` (Unix seconds).
    ///
    /// ```
    /// use sealed_session::{Key, Keyring, Options, Session, SessionCodec};
    ///
    /// let codec = SessionCodec::new(Keyring::new(1, &Key::from_bytes([1; 32])), Options::new());
    /// let value = codec.seal_at(&Session::new(), 100, &mut sealed_session::FixedNonce([0; 16]))?;
    /// assert!(!codec.open_or_new_at(Some(&value), 100).modified());
    /// // Long expired: a new session that deletes the cookie when saved.
    /// assert!(codec.open_or_new_at(Some(&value), 100 + 365 * 86_400).modified());
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    #[must_use]
    pub fn open_or_new_at(&self, value: Option<&str>, now: u64) -> Session {
        match value {
            None => Session::new(),
            Some(value) => self
                .open_at(value, now)
                .unwrap_or_else(|_| Session::replacing_rejected()),
        }
    }

    /// Re-seals a Python EncryptedSession cookie as an envelope v1 cookie
    /// with the same values, with a fresh [`OsNonce`] and the system clock.
    ///
    /// ```
    /// use sealed_session::{Key, Keyring, Options, Session, SessionCodec};
    ///
    /// let codec = SessionCodec::new(Keyring::new(1, &Key::from_bytes([1; 32])), Options::new());
    /// let python_key = Key::parse("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")?;
    /// let codec = codec.with_legacy_key(&python_key);
    /// let v1 = codec.migrate("u.D7DycromYEhiSEIUsA4=.xcLffjV72Pk9kZ/Hsu0L2Q==.AAECAwQFBgcICQoLDA0ODw==")?;
    /// assert!(v1.starts_with("AQAB"));
    /// assert_eq!(codec.open(&v1)?.get::<u32>("answer")?, Some(42));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`SessionCodec::migrate_at`], plus [`SessionError::Random`].
    pub fn migrate(&self, legacy_value: &str) -> Result<String, SessionError> {
        self.migrate_at(legacy_value, now(), &mut OsNonce::new()?)
    }

    /// Re-seals a Python EncryptedSession cookie as an envelope v1 cookie
    /// issued at `now`, with nonces from `nonce`.
    ///
    /// ```
    /// use sealed_session::{Key, Keyring, Options, Session, SessionCodec};
    ///
    /// let codec = SessionCodec::new(Keyring::new(1, &Key::from_bytes([1; 32])), Options::new());
    /// let python_key = Key::parse("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")?;
    /// let codec = codec.with_legacy_key(&python_key);
    /// let v1 = codec.migrate_at("u.D7DycromYEhiSEIUsA4=.xcLffjV72Pk9kZ/Hsu0L2Q==.AAECAwQFBgcICQoLDA0ODw==", 1_700_000_000, &mut sealed_session::FixedNonce([3; 16]))?;
    /// assert_eq!(codec.open_at(&v1, 1_700_000_000)?.issued_at(), Some(1_700_000_000));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`SessionCodec::open_legacy`], then as sealing v1 in
    /// [`SessionCodec::seal_at`].
    pub fn migrate_at<N: NonceSource + ?Sized>(
        &self,
        legacy_value: &str,
        now: u64,
        nonce: &mut N,
    ) -> Result<String, SessionError> {
        let session = self.open_legacy(legacy_value)?;
        self.seal_v1(&session, now, nonce)
    }

    /// Decides what the response does with the cookie, Flask's way, with a
    /// fresh [`OsNonce`] and the system clock:
    /// - an empty session: [`CookieOutcome::Delete`] if it was modified
    ///   (emptied, or replaced a cookie that did not open), else
    ///   [`CookieOutcome::Unchanged`];
    /// - otherwise [`CookieOutcome::Set`] if it was modified, if a re-seal is
    ///   advised, or if it is permanent and refreshed on each request; else
    ///   [`CookieOutcome::Unchanged`].
    ///
    /// A permanent session's cookie has `Max-Age` set to the lifetime;
    /// others end with the browser session.
    ///
    /// ```
    /// use sealed_session::{CookieOutcome, Key, Keyring, Options, Session, SessionCodec};
    ///
    /// let codec = SessionCodec::new(Keyring::new(1, &Key::from_bytes([5; 32])), Options::new())
    ///     .with_lifetime(3600);
    /// assert_eq!(codec.save(&Session::new())?, CookieOutcome::Unchanged);
    ///
    /// let mut session = Session::new();
    /// session.insert("cart", [3, 4])?;
    /// session.set_permanent(true);
    /// let outcome = codec.save(&session)?;
    /// assert!(outcome.set_cookie().unwrap().ends_with("; Path=/; Max-Age=3600"));
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    ///
    /// # Errors
    /// As [`SessionCodec::seal_at`], plus [`SessionError::Random`] and
    /// [`SessionError::InvalidCookieAttribute`] when the attributes break a
    /// browser rule (`SameSite=None` or a `__Secure-`/`__Host-` name without
    /// `Secure`, a `__Host-` cookie with a `Domain` or a `Path` other than
    /// `/`).
    pub fn save(&self, session: &Session) -> Result<CookieOutcome, SessionError> {
        match self.decide(session) {
            Decision::Set => self.save_at(session, now(), &mut OsNonce::new()?),
            Decision::Delete => Ok(CookieOutcome::Delete(self.delete_cookie_header()?)),
            Decision::Unchanged => Ok(CookieOutcome::Unchanged),
        }
    }

    /// [`SessionCodec::save`] issuing at `now` (Unix seconds) with nonces
    /// from `nonce`.
    ///
    /// ```
    /// use sealed_session::{CookieOutcome, FixedNonce, Key, Keyring, Options, Session, SessionCodec};
    ///
    /// let codec = SessionCodec::new(Keyring::new(1, &Key::from_bytes([1; 32])), Options::new());
    /// let mut session = Session::new();
    /// session.insert("a", 1)?;
    /// let outcome = codec.save_at(&session, 1_700_000_000, &mut FixedNonce([0; 16]))?;
    /// let value = codec.seal_at(&session, 1_700_000_000, &mut FixedNonce([0; 16]))?;
    /// assert_eq!(outcome, CookieOutcome::Set(codec.set_cookie_header(&value, false)?));
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    ///
    /// # Errors
    /// As [`SessionCodec::save`], without [`SessionError::Random`].
    pub fn save_at<N: NonceSource + ?Sized>(
        &self,
        session: &Session,
        now: u64,
        nonce: &mut N,
    ) -> Result<CookieOutcome, SessionError> {
        match self.decide(session) {
            Decision::Set => {
                let value = self.seal_at(session, now, nonce)?;
                let header = self.set_cookie_header(&value, session.map_permanent())?;
                Ok(CookieOutcome::Set(header))
            }
            Decision::Delete => Ok(CookieOutcome::Delete(self.delete_cookie_header()?)),
            Decision::Unchanged => Ok(CookieOutcome::Unchanged),
        }
    }

    /// The `Set-Cookie` header value for a cookie value: the attributes, and
    /// `Max-Age` set to the lifetime when `permanent`.
    ///
    /// ```
    /// use sealed_session::{Key, Keyring, Options, SameSite, SessionCodec};
    ///
    /// let codec = SessionCodec::new(Keyring::new(1, &Key::from_bytes([0; 32])), Options::new())
    ///     .with_cookie_name("__Host-id")?
    ///     .with_same_site(SameSite::Strict)
    ///     .with_lifetime(600);
    /// assert_eq!(
    ///     codec.set_cookie_header("AQAB", true)?,
    ///     "__Host-id=AQAB; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=600"
    /// );
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    ///
    /// # Errors
    /// [`SessionError::CookieTooLarge`] when `name=value` exceeds
    /// [`MAX_COOKIE_LEN`](crate::MAX_COOKIE_LEN) bytes (nothing is
    /// truncated); [`SessionError::InvalidCookieAttribute`] when `value` has
    /// characters a cookie cannot carry or the attributes break a browser
    /// rule.
    pub fn set_cookie_header(&self, value: &str, permanent: bool) -> Result<String, SessionError> {
        self.attributes
            .set_cookie(value, permanent.then_some(self.lifetime))
    }

    /// The `Set-Cookie` header value that deletes the cookie: empty value,
    /// the same `Path` and `Domain`, `Max-Age=0` and an `Expires` in the
    /// past.
    ///
    /// ```
    /// use sealed_session::{Key, Keyring, Options, SessionCodec};
    ///
    /// let codec = SessionCodec::new(Keyring::new(1, &Key::from_bytes([0; 32])), Options::new());
    /// assert_eq!(
    ///     codec.delete_cookie_header()?,
    ///     "session=; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
    /// );
    /// # Ok::<(), sealed_session::SessionError>(())
    /// ```
    ///
    /// # Errors
    /// [`SessionError::InvalidCookieAttribute`] when the attributes break a
    /// browser rule.
    pub fn delete_cookie_header(&self) -> Result<String, SessionError> {
        self.attributes.delete_cookie()
    }

    fn context(&self) -> &[u8] {
        self.context
            .as_deref()
            .unwrap_or(self.attributes.name.as_bytes())
    }

    fn seal_v1<N: NonceSource + ?Sized>(
        &self,
        session: &Session,
        now: u64,
        nonce: &mut N,
    ) -> Result<String, SessionError> {
        let json = session.to_json_vec()?;
        self.check_plaintext(&json)?;
        let value = self
            .codec
            .seal_to_string(&json, self.context(), now, nonce)
            .map_err(cookie_too_large)?;
        cookie::check_len(&self.attributes.name, &value)?;
        Ok(value)
    }

    /// Checks the plaintext bound first, so that a `TooLarge` from the core
    /// seal can only mean the cookie text would be too long.
    fn check_plaintext(&self, json: &[u8]) -> Result<(), SessionError> {
        if json.len() > self.options.max_plaintext_len() {
            return Err(ErrorKind::TooLarge.into());
        }
        Ok(())
    }

    fn decide(&self, session: &Session) -> Decision {
        let map = session.map();
        if map.is_empty() {
            return if session.modified() {
                Decision::Delete
            } else {
                Decision::Unchanged
            };
        }
        let refresh = self.refresh_each_request && session.map_permanent();
        if session.modified() || session.reseal_advised() || refresh {
            Decision::Set
        } else {
            Decision::Unchanged
        }
    }
}

enum Decision {
    Unchanged,
    Set,
    Delete,
}

/// After the plaintext bound is checked, a `TooLarge` seal means the cookie
/// text would be too long.
fn cookie_too_large(error: sealed_session_core::Error) -> SessionError {
    if error.kind() == ErrorKind::TooLarge {
        SessionError::CookieTooLarge
    } else {
        SessionError::Cookie(error)
    }
}

//! `SessionCodec`, `Session`, `Legacy` and `Saved`: JSON sessions in
//! cookies, over `sealed_session::SessionCodec`.

use core::time::Duration;
use std::borrow::Cow;
use std::time::SystemTime;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};
use sealed_session::{CookieOutcome, Key, Outcome, Refresh, SameSite, SessionError};
use zeroize::Zeroizing;

use crate::clock::ManualClock;
use crate::keyring::Keyring;
use crate::{args, errors, tagged_json};

// --- Session -------------------------------------------------------------------

/// A session: the data (Flask's tagged JSON, kept as JSON text in Rust),
/// its identity (id, creation time) and where it came from.
///
/// ``Session(data)`` makes a new session from a dict; a codec's
/// :meth:`SessionCodec.load` and :meth:`SessionCodec.open` give opened ones.
/// :meth:`to_dict` gives the data as Flask sees it (``_permanent`` included
/// when set); :meth:`replace` puts data back, keeping the identity.
/// ``repr()`` shows lengths, never values.
#[pyclass(module = "sealed_session", skip_from_py_object)]
pub(crate) struct Session {
    pub(crate) inner: sealed_session::Session,
    rejected: Option<SessionError>,
}

#[pymethods]
impl Session {
    #[new]
    #[pyo3(signature = (data = None))]
    fn new(data: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let inner = match data {
            None => sealed_session::Session::new(),
            Some(data) => new_session(data, None)?,
        };
        Ok(Self {
            inner,
            rejected: None,
        })
    }

    /// A new session from Flask's tagged JSON text (an object; a
    /// ``"_permanent": true`` member sets :attr:`permanent`).
    #[staticmethod]
    fn from_json(text: &Bound<'_, PyAny>) -> PyResult<Self> {
        let text = json_text(text)?;
        sealed_session::Session::from_json(text.as_bytes())
            .map(|inner| Self {
                inner,
                rejected: None,
            })
            .map_err(errors::session_error)
    }

    /// The data as a dict, as Flask's session holds it: values untagged
    /// (bytes, tuples, UUIDs, datetimes, Markup), and ``"_permanent": True``
    /// when the session is permanent.
    ///
    /// It does not mark the session accessed: a framework converts every
    /// session it loads, and tells :meth:`SessionCodec.finish` whether the
    /// handler read it (``accessed=``).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        // Member by member: no text of the whole object to write and parse.
        tagged_json::dict_of_members(py, self.inner.flask_members())
    }

    /// The data as compact tagged JSON, without ``_permanent``.
    fn to_json(&self) -> String {
        self.inner.to_json_string()
    }

    /// The data as Flask's session interface writes it: tagged JSON with
    /// ``"_permanent": true`` last when the session is permanent.
    fn to_flask_json(&self) -> String {
        self.inner.to_flask_json()
    }

    /// Replaces the data with ``data`` (a dict; its ``_permanent`` sets
    /// :attr:`permanent`), keeping the session's identity; marks it
    /// modified. ``default`` is called for values of other types, as in
    /// :func:`dumps`. On error the session is unchanged.
    #[pyo3(signature = (data, *, default = None))]
    fn replace(
        &mut self,
        data: &Bound<'_, PyAny>,
        default: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let mut members = session_members(data, default)?;
        self.inner
            .replace_from_members(core::mem::take(&mut members.0))
            .map_err(errors::session_error)
    }

    /// :meth:`replace` from tagged JSON text.
    fn replace_from_json(&mut self, text: &Bound<'_, PyAny>) -> PyResult<()> {
        let text = json_text(text)?;
        self.inner
            .replace_from_json(text.as_bytes())
            .map_err(errors::session_error)
    }

    /// Empties the session and forgets its identity: saving it deletes the
    /// cookie (logout).
    fn clear(&mut self) {
        self.inner.clear();
    }

    /// A new identity (id and creation time) at the next seal, keeping the
    /// data: call it at login, against session fixation.
    fn regenerate(&mut self) {
        self.inner.regenerate();
    }

    /// Whether the cookie has a ``Max-Age`` (Flask's ``session.permanent``).
    #[getter]
    fn permanent(&self) -> bool {
        self.inner.permanent()
    }

    #[setter]
    fn set_permanent(&mut self, permanent: bool) {
        self.inner.set_permanent(permanent);
    }

    /// The session id (22 characters of base64url), or ``None`` before the
    /// first seal and after :meth:`regenerate` or :meth:`clear`.
    #[getter]
    fn id(&self) -> Option<String> {
        self.inner.id().map(|id| id.to_string())
    }

    /// When the session was created (Unix seconds), which the absolute
    /// timeout counts from; ``None`` before the first seal.
    #[getter]
    fn created_at(&self) -> Option<u64> {
        self.inner.created_at()
    }

    /// The subject named at login (:meth:`set_subject`), or ``None``.
    #[getter]
    fn subject(&self) -> Option<&str> {
        self.inner.subject()
    }

    /// Names the session's subject (the user id, 1 to 255 bytes), sealed
    /// with it, so that :meth:`SessionCodec.revoke_subject`
    /// (sign-out-everywhere) reaches it. Raises ``ValueError`` for an empty
    /// or too long subject. :meth:`clear` forgets it.
    fn set_subject(&mut self, subject: &str) -> PyResult<()> {
        self.inner
            .set_subject(subject)
            .map_err(|error| crate::revocation::revocation_error(&error))
    }

    /// When the cookie it was opened from was sealed (Unix seconds).
    #[getter]
    fn issued_at(&self) -> Option<u64> {
        self.inner.issued_at()
    }

    /// Whether the data or the permanent flag changed since it was opened.
    #[getter]
    fn modified(&self) -> bool {
        self.inner.modified()
    }

    /// Whether it came under an older key or in a legacy format, so saving
    /// seals it again even if nothing changed.
    #[getter]
    fn reseal_advised(&self) -> bool {
        self.inner.reseal_advised()
    }

    /// Why a cookie presented with the request did not open (an exception
    /// instance, for logging), or ``None``.
    #[getter]
    fn rejected(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.rejected
            .map(|error| errors::session_error(error).into_value(py).into_any())
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __repr__(&self) -> String {
        format!("{:?}", self.inner)
    }
}

/// A new session from a dict (or any mapping).
fn new_session(
    data: &Bound<'_, PyAny>,
    default: Option<&Bound<'_, PyAny>>,
) -> PyResult<sealed_session::Session> {
    let mut members = session_members(data, default)?;
    sealed_session::Session::from_members(core::mem::take(&mut members.0))
        .map_err(errors::session_error)
}

/// A dict (or any mapping) as the members of a session, each value as its
/// tagged JSON: what `dumps` writes for it, member by member.
fn session_members(
    data: &Bound<'_, PyAny>,
    default: Option<&Bound<'_, PyAny>>,
) -> PyResult<tagged_json::Members> {
    let default = default.filter(|default| !default.is_none());
    if let Ok(dict) = data.cast::<PyDict>() {
        return tagged_json::members(dict, default);
    }
    if data.hasattr("keys")? {
        let dict = data.py().get_type::<PyDict>().call1((data,))?;
        return tagged_json::members(dict.cast::<PyDict>()?, default);
    }
    Err(PyTypeError::new_err(format!(
        "session data must be a dict, not {}",
        args::type_name(data)
    )))
}

/// JSON text given as `str` or `bytes`.
fn json_text<'a>(text: &'a Bound<'_, PyAny>) -> PyResult<std::borrow::Cow<'a, str>> {
    args::text(text, "text")?.ok_or_else(|| errors::invalid_json("not UTF-8"))
}

// --- Legacy --------------------------------------------------------------------

enum LegacyKind {
    EncryptedSession(Key),
    FlaskSigned {
        secret_key: Zeroizing<Vec<u8>>,
        fallbacks: Vec<Zeroizing<Vec<u8>>>,
        max_age: Duration,
    },
    StarletteSigned {
        secret_key: Zeroizing<Vec<u8>>,
        max_age: Duration,
    },
}

/// A legacy cookie format to accept, under one cookie name, from ``since``
/// (the migration's start: migrated sessions count as created then, so the
/// absolute timeout retires them) until ``until`` (then refused as
/// :class:`LegacyNoLongerAcceptedError`). Sessions migrated from it are
/// answered with an envelope v1 cookie, and the legacy cookie is deleted
/// when its name differs. Build one with :meth:`encrypted_session` or
/// :meth:`flask_signed` or :meth:`starlette_signed`; give it to a :class:`SessionCodec` (``legacy=``).
#[pyclass(module = "sealed_session", frozen, skip_from_py_object)]
pub(crate) struct Legacy {
    kind: LegacyKind,
    cookie_name: String,
    path: String,
    domain: Option<String>,
    since: SystemTime,
    until: SystemTime,
}

#[pymethods]
impl Legacy {
    /// Cookies of the Python EncryptedSession package
    /// (``u|z.<ciphertext>.<tag>.<nonce>``) under its 32-byte key.
    #[staticmethod]
    #[pyo3(signature = (key, *, since, until, cookie_name = "session".to_owned(), path = "/".to_owned(), domain = None))]
    fn encrypted_session(
        key: &Bound<'_, PyAny>,
        since: &Bound<'_, PyAny>,
        until: &Bound<'_, PyAny>,
        cookie_name: String,
        path: String,
        domain: Option<String>,
    ) -> PyResult<Self> {
        Ok(Self {
            kind: LegacyKind::EncryptedSession(args::key(key, "key")?),
            cookie_name,
            path,
            domain,
            since: args::instant(since, "since")?,
            until: args::instant(until, "until")?,
        })
    }

    /// Flask's default signed session cookie, verified as Flask 3.1 and
    /// itsdangerous 2.2 verify it, under ``secret_key`` (Flask's
    /// ``SECRET_KEY``, str or bytes) or any of ``fallbacks`` (its
    /// ``SECRET_KEY_FALLBACKS``: a list, never a plain string), at most
    /// ``max_age`` old (its ``PERMANENT_SESSION_LIFETIME``, default 31
    /// days). Such cookies are never written.
    #[staticmethod]
    #[pyo3(signature = (secret_key, *, since, until, fallbacks = None, max_age = None, cookie_name = "session".to_owned(), path = "/".to_owned(), domain = None))]
    #[allow(clippy::too_many_arguments)]
    fn flask_signed(
        secret_key: &Bound<'_, PyAny>,
        since: &Bound<'_, PyAny>,
        until: &Bound<'_, PyAny>,
        fallbacks: Option<&Bound<'_, PyAny>>,
        max_age: Option<&Bound<'_, PyAny>>,
        cookie_name: String,
        path: String,
        domain: Option<String>,
    ) -> PyResult<Self> {
        let secret_key = flask_key(secret_key, "secret_key")?;
        let mut keys = Vec::new();
        if let Some(fallbacks) = fallbacks.filter(|fallbacks| !fallbacks.is_none()) {
            if fallbacks.is_instance_of::<PyString>() || fallbacks.is_instance_of::<PyBytes>() {
                return Err(PyTypeError::new_err(
                    "fallbacks must be a list of keys, not a single str or bytes: Flask would \
                     use each character of it as a key (write SECRET_KEY_FALLBACKS = [\"...\"])",
                ));
            }
            if !(fallbacks.is_instance_of::<PyList>() || fallbacks.is_instance_of::<PyTuple>()) {
                return Err(PyTypeError::new_err(format!(
                    "fallbacks must be a list of keys, not {}",
                    args::type_name(fallbacks)
                )));
            }
            for item in fallbacks.try_iter()? {
                keys.push(flask_key(&item?, "fallbacks[]")?);
            }
        }
        let max_age = max_age
            .map(|age| args::duration(age, "max_age"))
            .transpose()?
            .unwrap_or(Duration::from_secs(31 * 24 * 3600));
        Ok(Self {
            kind: LegacyKind::FlaskSigned {
                secret_key,
                fallbacks: keys,
                max_age,
            },
            cookie_name,
            path,
            domain,
            since: args::instant(since, "since")?,
            until: args::instant(until, "until")?,
        })
    }

    /// The cookie of Starlette's (and FastAPI's) ``SessionMiddleware``,
    /// verified as Starlette 1.x and itsdangerous 2.2 verify it
    /// (``TimestampSigner(str(secret_key))``), at most ``max_age`` old (the
    /// middleware's ``max_age``, default 14 days; a middleware that had
    /// ``max_age=None`` checked no age, and its cookies are held to this
    /// one). ``secret_key`` is a ``str``, as Starlette signs with
    /// ``str(secret_key)``: pass ``str(secret)`` for a ``Secret``. Such
    /// cookies are never written.
    #[staticmethod]
    #[pyo3(signature = (secret_key, *, since, until, max_age = None, cookie_name = "session".to_owned(), path = "/".to_owned(), domain = None))]
    #[allow(clippy::too_many_arguments)]
    fn starlette_signed(
        secret_key: &Bound<'_, PyAny>,
        since: &Bound<'_, PyAny>,
        until: &Bound<'_, PyAny>,
        max_age: Option<&Bound<'_, PyAny>>,
        cookie_name: String,
        path: String,
        domain: Option<String>,
    ) -> PyResult<Self> {
        let Ok(text) = secret_key.cast::<PyString>() else {
            return Err(PyTypeError::new_err(format!(
                "secret_key must be a str (Starlette signs with str(secret_key)), not {}",
                args::type_name(secret_key)
            )));
        };
        let text = text
            .to_cow()
            .map_err(|_| PyValueError::new_err("secret_key: not UTF-8"))?;
        let max_age = max_age
            .filter(|age| !age.is_none())
            .map(|age| args::duration(age, "max_age"))
            .transpose()?
            .unwrap_or(Duration::from_secs(14 * 24 * 3600));
        Ok(Self {
            kind: LegacyKind::StarletteSigned {
                secret_key: Zeroizing::new(text.as_bytes().to_vec()),
                max_age,
            },
            cookie_name,
            path,
            domain,
            since: args::instant(since, "since")?,
            until: args::instant(until, "until")?,
        })
    }

    /// The cookie name legacy cookies are read from.
    #[getter]
    fn cookie_name(&self) -> &str {
        &self.cookie_name
    }

    fn __repr__(&self) -> String {
        let format = match self.kind {
            LegacyKind::EncryptedSession(_) => "encrypted_session",
            LegacyKind::FlaskSigned { .. } => "flask_signed",
            LegacyKind::StarletteSigned { .. } => "starlette_signed",
        };
        format!("Legacy.{format}(cookie_name={:?}, ...)", self.cookie_name)
    }
}

impl Legacy {
    fn to_rust(&self) -> sealed_session::Legacy {
        let legacy = match &self.kind {
            LegacyKind::EncryptedSession(key) => sealed_session::Legacy::encrypted_session(key),
            LegacyKind::FlaskSigned {
                secret_key,
                fallbacks,
                max_age,
            } => fallbacks.iter().fold(
                sealed_session::Legacy::flask_signed(secret_key, *max_age),
                |legacy, key| legacy.fallback(key),
            ),
            LegacyKind::StarletteSigned {
                secret_key,
                max_age,
            } => sealed_session::Legacy::starlette_signed(secret_key, *max_age),
        };
        let legacy = legacy
            .cookie_name(self.cookie_name.clone())
            .path(self.path.clone())
            .since(self.since)
            .until(self.until);
        match &self.domain {
            Some(domain) => legacy.domain(domain.clone()),
            None => legacy,
        }
    }
}

/// A Flask secret key: `str` (as UTF-8, as itsdangerous takes it) or bytes.
fn flask_key(key: &Bound<'_, PyAny>, what: &str) -> PyResult<Zeroizing<Vec<u8>>> {
    if let Ok(text) = key.cast::<PyString>() {
        let text = text
            .to_cow()
            .map_err(|_| PyValueError::new_err(format!("{what}: not UTF-8")))?;
        return Ok(Zeroizing::new(text.as_bytes().to_vec()));
    }
    if key.is_none() {
        return Err(PyTypeError::new_err(format!(
            "{what}: no key (Flask's SECRET_KEY is not set)"
        )));
    }
    Ok(Zeroizing::new(args::bytes(key, what)?.into_owned()))
}

// --- Saved ---------------------------------------------------------------------

/// What a response does with the cookies: every ``Set-Cookie`` header value
/// to send, in order (:attr:`headers`).
#[pyclass(module = "sealed_session", frozen, skip_from_py_object)]
pub(crate) struct Saved {
    /// The session cookie's header, when it is set or deleted.
    #[pyo3(get)]
    session_cookie: Option<String>,
    /// Whether :attr:`session_cookie` deletes the cookie.
    #[pyo3(get)]
    deleted: bool,
    /// The header deleting a legacy cookie, once migrated.
    #[pyo3(get)]
    legacy_cookie: Option<String>,
}

#[pymethods]
impl Saved {
    /// Every ``Set-Cookie`` header value, in order.
    #[getter]
    fn headers(&self) -> Vec<String> {
        self.session_cookie
            .iter()
            .chain(self.legacy_cookie.iter())
            .cloned()
            .collect()
    }

    fn __repr__(&self) -> String {
        format!(
            "Saved(session_cookie={}, deleted={}, legacy_cookie={})",
            if self.session_cookie.is_some() {
                "..."
            } else {
                "None"
            },
            if self.deleted { "True" } else { "False" },
            if self.legacy_cookie.is_some() {
                "..."
            } else {
                "None"
            },
        )
    }
}

// --- Finished ------------------------------------------------------------------

/// What a response carries for the session, decided once by
/// :meth:`SessionCodec.finish` (the Rust crate's lifecycle, the same for
/// every stack): the ``Set-Cookie`` values (:attr:`set_cookies`), whether
/// ``Vary: Cookie`` belongs on the response (:attr:`vary_cookie`, and
/// :meth:`needs_vary` given the response's own ``Vary`` values), and a
/// session that could not be saved (:attr:`save_error`).
#[pyclass(module = "sealed_session", frozen, skip_from_py_object)]
pub(crate) struct Finished {
    inner: sealed_session::Finished,
}

#[pymethods]
impl Finished {
    /// The token to add to ``Vary``: ``"Cookie"``.
    #[classattr]
    const VARY_TOKEN: &'static str = sealed_session::Finished::VARY_TOKEN;

    /// The ``Set-Cookie`` header values to append, in order (none on a 5xx
    /// or a failed request, or when the session could not be saved).
    #[getter]
    fn set_cookies(&self) -> Vec<String> {
        self.inner.set_cookies.clone()
    }

    /// Whether ``Cookie`` belongs in the response's ``Vary``: the session
    /// was read or written, or a ``Set-Cookie`` is sent; whatever the
    /// status.
    #[getter]
    fn vary_cookie(&self) -> bool {
        self.inner.vary_cookie
    }

    /// Why the session could not be saved (a :class:`CookieTooLargeError`
    /// instance), or ``None``. The response must then be replaced by the
    /// stack's save-error response (an empty 500 by default), with no
    /// ``Set-Cookie`` and still ``Vary: Cookie``.
    #[getter]
    fn save_error(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.inner
            .save_error
            .map(|error| errors::session_error(error).into_value(py).into_any())
    }

    /// Whether to append ``Vary: Cookie`` given the response's ``Vary``
    /// header values (``str`` or ``bytes``): false when :attr:`vary_cookie`
    /// is false, or when a value already names ``Cookie`` (any case) or
    /// ``*``.
    fn needs_vary(&self, existing: &Bound<'_, PyAny>) -> PyResult<bool> {
        let values =
            if existing.is_instance_of::<PyString>() || existing.is_instance_of::<PyBytes>() {
                vec![header_bytes(existing)?]
            } else {
                existing
                    .try_iter()?
                    .map(|value| header_bytes(&value?))
                    .collect::<PyResult<Vec<_>>>()?
            };
        Ok(self.inner.needs_vary(values.iter().map(Vec::as_slice)))
    }

    fn __repr__(&self) -> String {
        format!(
            "Finished(set_cookies=[{} value(s)], vary_cookie={}, save_error={})",
            self.inner.set_cookies.len(),
            if self.inner.vary_cookie {
                "True"
            } else {
                "False"
            },
            self.inner.save_error.map_or_else(
                || "None".to_owned(),
                |error| format!("'{}'", error.as_str())
            ),
        )
    }
}

/// One header value as bytes: `str` (as UTF-8, lossily) or `bytes`.
fn header_bytes(value: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(text) = value.cast::<PyString>() {
        return Ok(text.to_string_lossy().into_owned().into_bytes());
    }
    if let Ok(bytes) = value.cast::<PyBytes>() {
        return Ok(bytes.as_bytes().to_vec());
    }
    Err(PyTypeError::new_err(format!(
        "header values must be str or bytes, not {}",
        args::type_name(value)
    )))
}

/// The `status` argument of `finish`: an HTTP status code, or `None` for
/// a request that failed without a response of its own.
fn outcome_of(status: Option<i64>) -> PyResult<Outcome> {
    let Some(code) = status else {
        return Ok(Outcome::Failed);
    };
    match u16::try_from(code) {
        Ok(code @ 100..=999) => Ok(Outcome::Status(code)),
        _ => Err(PyValueError::new_err(format!(
            "status must be an HTTP status code from 100 to 999 (or None for a failed \
             request), not {code}"
        ))),
    }
}

// --- SessionCodec --------------------------------------------------------------

/// Reads sessions from ``Cookie`` headers and decides the ``Set-Cookie``
/// headers, with the secure defaults of the Rust crate: cookie
/// ``__Host-session`` (``Secure``, ``HttpOnly``, ``SameSite=Lax``,
/// ``Path=/``, no ``Domain``), idle timeout 24 hours
/// (:data:`DEFAULT_IDLE_TIMEOUT`), absolute timeout 7 days
/// (:data:`DEFAULT_ABSOLUTE_TIMEOUT`), refresh once a cookie is a minute
/// old, no compression. The configuration is checked once, here:
/// :class:`ConfigurationError` names the setting at fault.
///
/// ``refresh`` says when an unchanged session is sealed again (which keeps
/// an active user inside the idle timeout): a duration (seal again once the
/// cookie is that old), ``"each_request"``, ``"each_request_if_permanent"``
/// (Flask's ``SESSION_REFRESH_EACH_REQUEST``: permanent sessions on every
/// request, the others only when they change) or ``"never"``.
///
/// One request: :meth:`load` at the start, :meth:`finish` at the end, which
/// gives every ``Set-Cookie`` value and whether to add ``Vary: Cookie``.
///
/// ``compress_above=N`` compresses plaintexts over N bytes. **Risk**: a
/// compressed cookie's length then depends on its content, and a session
/// holding a secret (a CSRF token) next to anything an attacker influences
/// (a search term) leaks the secret to whoever sees cookie lengths
/// (CRIME/BREACH). Only for sessions that never hold both.
#[pyclass(module = "sealed_session", frozen, skip_from_py_object)]
pub(crate) struct SessionCodec {
    inner: sealed_session::SessionCodec,
}

#[pymethods]
impl SessionCodec {
    /// How many values under the cookie's name one request may present:
    /// with more, none is tried and none deleted.
    #[classattr]
    const MAX_CANDIDATES: usize = sealed_session::SessionCodec::MAX_CANDIDATES;

    #[new]
    #[pyo3(signature = (
        keyring, *, cookie_name = None, context = None, path = None, domain = None,
        secure = true, http_only = true, same_site = "Lax", partitioned = false,
        idle_timeout = None, absolute_timeout = None, refresh = None, pad_to_multiple_of = 0,
        compress_above = None, legacy = None, clock = None, revocations = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        keyring: &Bound<'_, Keyring>,
        cookie_name: Option<String>,
        context: Option<&Bound<'_, PyAny>>,
        path: Option<String>,
        domain: Option<String>,
        secure: bool,
        http_only: bool,
        same_site: &str,
        partitioned: bool,
        idle_timeout: Option<&Bound<'_, PyAny>>,
        absolute_timeout: Option<&Bound<'_, PyAny>>,
        refresh: Option<&Bound<'_, PyAny>>,
        pad_to_multiple_of: usize,
        compress_above: Option<usize>,
        legacy: Option<&Bound<'_, PyAny>>,
        clock: Option<&Bound<'_, ManualClock>>,
        revocations: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let mut builder = sealed_session::SessionCodec::builder(keyring.get().inner.clone())
            .secure(secure)
            .http_only(http_only)
            .partitioned(partitioned)
            .pad_to_multiple_of(pad_to_multiple_of)
            .same_site(same_site_of(same_site)?);
        if let Some(name) = cookie_name {
            builder = builder.cookie_name(name);
        }
        if let Some(context) = context {
            builder = builder.context(args::bytes(context, "context")?.into_owned());
        }
        if let Some(path) = path {
            builder = builder.path(path);
        }
        if let Some(domain) = domain {
            builder = builder.domain(domain);
        }
        if let Some(timeout) = idle_timeout {
            builder = builder.idle_timeout(args::duration(timeout, "idle_timeout")?);
        }
        if let Some(timeout) = absolute_timeout {
            builder = builder.absolute_timeout(args::duration(timeout, "absolute_timeout")?);
        }
        if let Some(threshold) = compress_above {
            builder = builder.compression(sealed_session::Compression::Above(threshold));
        }
        if let Some(refresh) = refresh {
            builder = builder.refresh(refresh_of(refresh)?);
        }
        if let Some(legacy) = legacy.filter(|legacy| !legacy.is_none()) {
            if legacy.is_instance_of::<Legacy>() {
                builder = builder.accept_legacy(legacy.cast::<Legacy>()?.get().to_rust());
            } else {
                for source in legacy.try_iter().map_err(|_| legacy_type(legacy))? {
                    let source = source?;
                    let source = source.cast::<Legacy>().map_err(|_| legacy_type(&source))?;
                    builder = builder.accept_legacy(source.get().to_rust());
                }
            }
        }
        if let Some(clock) = clock {
            builder = builder.clock(std::sync::Arc::clone(&clock.get().inner));
        }
        if let Some(list) = revocations.filter(|list| !list.is_none()) {
            builder = builder.revocations(crate::revocation::list_of(list)?);
        }
        let inner = builder.build().map_err(|error| {
            let setting = match error.setting() {
                "accept_legacy" => "legacy",
                "compression" => "compress_above",
                other => other,
            };
            errors::configuration(setting, &error.to_string())
        })?;
        Ok(Self { inner })
    }

    /// The session from a request's ``Cookie`` header (a str, bytes, a list
    /// of them, or ``None``); never raises for a bad cookie: it gives a new,
    /// empty session whose :attr:`Session.rejected` says why, and saving that
    /// session deletes the bad cookie. The values under the cookie's name
    /// are tried as the Rust crate's ``SessionCodec::load`` says: a value
    /// that does not open (garbage, expired, under another key) never wins
    /// and deletes nothing while another one opens; when values that open
    /// carry **different** session ids, or more than
    /// :data:`SessionCodec.MAX_CANDIDATES` come, none is used and none is
    /// deleted (a new, empty session; :attr:`Session.rejected` is an
    /// :class:`AmbiguousSessionError`). Then the legacy sources, under their
    /// own names.
    ///
    /// That rule keeps a planted cookie from logging the user into another
    /// account, but a planted cookie still logs them *out* for as long as
    /// it stays: whoever can set a cookie of this name for your host (a
    /// sibling subdomain with ``Domain=``, a longer ``Path``, a page over
    /// plain HTTP) can. Only a ``__Host-`` name (the default,
    /// ``__Host-session``) keeps such cookies out: browsers refuse them
    /// from anywhere but the host itself over HTTPS.
    #[pyo3(signature = (cookie_header = None))]
    fn load(&self, cookie_header: Option<&Bound<'_, PyAny>>) -> PyResult<Session> {
        let loaded = match cookie_header.filter(|header| !header.is_none()) {
            None => self.inner.load::<_, str>([]),
            Some(header) => {
                let headers = header_list(header)?;
                self.inner.load(headers.iter().map(AsRef::<[u8]>::as_ref))
            }
        };
        Ok(Session {
            inner: loaded.session,
            rejected: loaded.rejected,
        })
    }

    /// The response's cookies for ``session``: see :class:`Saved`. Sets the
    /// cookie when the session was modified, came under an older key or a
    /// legacy format, or is due a refresh; deletes it when the session was
    /// emptied or replaced a cookie that did not open.
    fn save(&self, session: &Bound<'_, Session>) -> PyResult<Saved> {
        let session = session.borrow();
        let saved = self
            .inner
            .save(&session.inner)
            .map_err(errors::session_error)?;
        let (session_cookie, deleted) = match saved.session_cookie {
            CookieOutcome::Set(header) => (Some(header), false),
            CookieOutcome::Delete(header) => (Some(header), true),
            _ => (None, false),
        };
        Ok(Saved {
            session_cookie,
            deleted,
            legacy_cookie: saved.legacy_cookie,
        })
    }

    /// The end of a request, as the Rust crate's lifecycle decides it for
    /// every stack: what the response carries for ``session`` (a
    /// :class:`Finished`), given the handler's ``status`` (an int), or
    /// ``None`` when the handler raised and no response of its own was made.
    ///
    /// - Status 100-499: the session's cookie is set when it was modified,
    ///   came under an older key or a legacy format, or is due a refresh;
    ///   deleted when it was emptied, or replaced a cookie that did not
    ///   open; a migrated legacy cookie under another name is deleted. A
    ///   4xx still saves (a failed login form keeps its flash message).
    /// - Status 500-599, or ``None``: no ``Set-Cookie`` at all (no set, no
    ///   refresh, no deletion): a failed request commits nothing, and the
    ///   browser keeps the cookie it had. (Flask's own interface saves on a
    ///   5xx; this one deliberately does not.)
    /// - ``Vary: Cookie`` whenever the session was accessed or a
    ///   ``Set-Cookie`` is sent, whatever the status.
    /// - A session too large for a cookie: :attr:`Finished.save_error`, no
    ///   ``Set-Cookie``.
    ///
    /// ``accessed=True`` says that the handler read or changed the session
    /// through the framework's own object (Flask's ``session.accessed``);
    /// reads and changes through ``session`` itself count anyway. Raises
    /// ``ValueError`` for a status outside 100-999.
    #[pyo3(signature = (session, status, *, accessed = false))]
    fn finish(
        &self,
        session: &Bound<'_, Session>,
        status: Option<i64>,
        accessed: bool,
    ) -> PyResult<Finished> {
        let outcome = outcome_of(status)?;
        let session = session.borrow();
        if accessed {
            // Any read marks the Rust session accessed.
            let _ = session.inner.permanent();
        }
        Ok(Finished {
            inner: self.inner.finish(&session.inner, outcome),
        })
    }

    /// Seals a :class:`Session` or a dict into a cookie value (without the
    /// name). A dict is a new session (its ``_permanent`` sets the flag).
    fn seal(&self, session: &Bound<'_, PyAny>) -> PyResult<String> {
        let sealed = if let Ok(session) = session.cast::<Session>() {
            self.inner.seal(&session.borrow().inner)
        } else {
            self.inner.seal(&new_session(session, None)?)
        };
        sealed.map_err(errors::session_error)
    }

    /// Opens one cookie value strictly: the :class:`Session`, or the
    /// :class:`SealedSessionError` subclass saying why not.
    fn open(&self, value: &Bound<'_, PyAny>) -> PyResult<Session> {
        let text = args::text(value, "value")?
            .ok_or_else(|| errors::core_error(sealed_session::ErrorKind::Malformed))?;
        self.inner
            .open(&text)
            .map(|inner| Session {
                inner,
                rejected: None,
            })
            .map_err(errors::session_error)
    }

    /// Opens a cookie value of a legacy format, trying each legacy source.
    fn open_legacy(&self, value: &Bound<'_, PyAny>) -> PyResult<Session> {
        let text = args::text(value, "value")?
            .ok_or_else(|| errors::core_error(sealed_session::ErrorKind::Malformed))?;
        self.inner
            .open_legacy(&text)
            .map(|inner| Session {
                inner,
                rejected: None,
            })
            .map_err(errors::session_error)
    }

    /// Logout that holds on the server: revokes ``session``'s id (the
    /// codec's ``revocations=`` list) until its absolute deadline, so every
    /// copy of its cookie, taken before or after, is refused by every
    /// instance sharing the list. Clear the session too, so that the
    /// response deletes the cookie. Raises
    /// :class:`RevocationNotSharedError` when Redis did not take it (this
    /// instance refuses the session regardless), :class:`ConfigurationError`
    /// without a list. A session never sealed has nothing to revoke.
    fn revoke(&self, py: Python<'_>, session: &Bound<'_, Session>) -> PyResult<()> {
        crate::revocation::revoke(py, &self.inner, &session.borrow().inner)
    }

    /// Sign-out-everywhere: revokes every session of ``subject``
    /// (:meth:`Session.set_subject`) created before now. Raises as
    /// :meth:`revoke` does, and ``ValueError`` for an empty or too long
    /// subject.
    fn revoke_subject(&self, py: Python<'_>, subject: &str) -> PyResult<()> {
        crate::revocation::revoke_subject(py, &self.inner, subject)
    }

    /// The ``Set-Cookie`` header value that deletes the session cookie.
    fn delete_cookie_header(&self) -> String {
        self.inner.delete_cookie_header()
    }

    /// The session cookie's name.
    #[getter]
    fn cookie_name(&self) -> &str {
        self.inner.cookie_name()
    }

    /// The idle timeout, in seconds.
    #[getter]
    fn idle_timeout(&self) -> u64 {
        self.inner.idle_timeout().as_secs()
    }

    /// The absolute timeout, in seconds.
    #[getter]
    fn absolute_timeout(&self) -> u64 {
        self.inner.absolute_timeout().as_secs()
    }

    fn __repr__(&self) -> String {
        format!(
            "SessionCodec(cookie_name={:?}, idle_timeout={}, absolute_timeout={})",
            self.inner.cookie_name(),
            self.idle_timeout(),
            self.absolute_timeout()
        )
    }
}

fn legacy_type(obj: &Bound<'_, PyAny>) -> PyErr {
    PyTypeError::new_err(format!(
        "legacy must be a Legacy or a list of them, not {}",
        args::type_name(obj)
    ))
}

fn same_site_of(same_site: &str) -> PyResult<SameSite> {
    match same_site.to_ascii_lowercase().as_str() {
        "lax" => Ok(SameSite::Lax),
        "strict" => Ok(SameSite::Strict),
        "none" => Ok(SameSite::None),
        _ => Err(errors::configuration(
            "same_site",
            "invalid setting `same_site`: expected \"Lax\", \"Strict\" or \"None\"",
        )),
    }
}

fn refresh_of(refresh: &Bound<'_, PyAny>) -> PyResult<Refresh> {
    if let Ok(word) = refresh.cast::<PyString>() {
        return match word.to_cow()?.as_ref() {
            "each_request" => Ok(Refresh::EachRequest),
            "each_request_if_permanent" => Ok(Refresh::EachRequestIfPermanent),
            "never" => Ok(Refresh::Never),
            _ => Err(errors::configuration(
                "refresh",
                "invalid setting `refresh`: expected \"each_request\", \
                 \"each_request_if_permanent\", \"never\", or a duration",
            )),
        };
    }
    Ok(Refresh::After(args::duration(refresh, "refresh")?))
}

/// The `Cookie` header(s) as byte strings. A `str` that is not UTF-8 (lone
/// surrogates) is read lossily: such a cookie cannot be ours, and the
/// others do not matter.
fn header_list<'a>(header: &'a Bound<'_, PyAny>) -> PyResult<Vec<Cow<'a, [u8]>>> {
    let one = |item: &Bound<'_, PyAny>| -> PyResult<Vec<u8>> {
        if let Ok(text) = item.cast::<PyString>() {
            return Ok(text.to_string_lossy().into_owned().into_bytes());
        }
        if let Ok(bytes) = item.cast::<PyBytes>() {
            return Ok(bytes.as_bytes().to_vec());
        }
        Err(PyTypeError::new_err(format!(
            "cookie_header must be str, bytes, a list of them, or None, not {}",
            args::type_name(item)
        )))
    };
    // One `str` header, the usual case (WSGI's `HTTP_COOKIE`): borrowed.
    if let Ok(text) = header.cast::<PyString>()
        && let Ok(text) = text.to_cow()
    {
        return Ok(vec![match text {
            Cow::Borrowed(text) => Cow::Borrowed(text.as_bytes()),
            Cow::Owned(text) => Cow::Owned(text.into_bytes()),
        }]);
    }
    if header.is_instance_of::<PyList>() || header.is_instance_of::<PyTuple>() {
        header
            .try_iter()?
            .map(|item| one(&item?).map(Cow::Owned))
            .collect()
    } else {
        Ok(vec![Cow::Owned(one(header)?)])
    }
}

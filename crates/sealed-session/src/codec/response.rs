//! The response side: what to do with the cookie at the end of a request.

use crate::error::SessionError;

/// What to do with the session cookie at the end of a request: part of
/// [`Saved`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CookieOutcome {
    /// Nothing to send: the session did not change and needs no refresh.
    Unchanged,
    /// Send this `Set-Cookie` header value.
    Set(String),
    /// The session was emptied, or replaced a cookie that did not open:
    /// send this `Set-Cookie` header value, which deletes the cookie
    /// (`Max-Age=0`, an `Expires` in the past).
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
}

/// The result of [`SessionCodec::save`](crate::SessionCodec::save): the
/// `Set-Cookie` headers a response carries, at most two.
///
/// Independently of it, add `Vary: Cookie` when the session was
/// [accessed](crate::Session::accessed).
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "the headers must be added to the response"]
#[non_exhaustive]
pub struct Saved {
    /// The session cookie.
    pub session_cookie: CookieOutcome,
    /// The deletion of a legacy cookie (under another name) that came with
    /// the request, once the session lives in the v1 cookie.
    pub legacy_cookie: Option<String>,
}

impl Saved {
    /// Every `Set-Cookie` header value to send, in order.
    ///
    /// ```
    /// use sealed_session::{Key, Keyring, SessionCodec};
    ///
    /// let codec = SessionCodec::builder(Keyring::new(1, &Key::from_bytes([1; 32]))).build()?;
    /// let mut session = codec.load(["theme=dark"]).session;
    /// session.insert("user_id", 7)?;
    /// let saved = codec.save(&session)?;
    /// assert_eq!(saved.headers().count(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn headers(&self) -> impl Iterator<Item = &str> + '_ {
        self.session_cookie
            .set_cookie()
            .into_iter()
            .chain(self.legacy_cookie.as_deref())
    }

    /// The headers as [`http::HeaderValue`]s (feature `http`, on by
    /// default). Every header a codec builds is a valid header value
    /// (visible ASCII: the name is an RFC 6265 token, the value base64url,
    /// and `build()` checked the path and domain), so none is ever left out.
    #[cfg(feature = "http")]
    pub fn header_values(&self) -> impl Iterator<Item = http::HeaderValue> + '_ {
        self.headers()
            .filter_map(|header| http::HeaderValue::from_str(header).ok())
    }
}

/// How a request ended, as the session lifecycle sees it: the input of
/// [`SessionCodec::finish`](crate::SessionCodec::finish).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outcome {
    /// The handler answered with this HTTP status code.
    Status(u16),
    /// The handler panicked or raised, and the framework made no response
    /// of its own from it (one that did, a 500 say, is `Status(500)`).
    Failed,
}

impl Outcome {
    /// Whether the request failed: a 5xx status or [`Outcome::Failed`].
    /// A failed request commits nothing to the cookie.
    ///
    /// ```
    /// use sealed_session::Outcome;
    ///
    /// assert!(!Outcome::Status(404).failed());
    /// assert!(Outcome::Status(503).failed());
    /// assert!(Outcome::Failed.failed());
    /// ```
    #[must_use]
    pub const fn failed(self) -> bool {
        match self {
            Self::Status(status) => status >= 500,
            Self::Failed => true,
        }
    }
}

/// What a response carries for the session, as
/// [`SessionCodec::finish`](crate::SessionCodec::finish) decides it for
/// every integration (tower, axum-login, actix-web, Flask…): the
/// `Set-Cookie` values, whether to add `Vary: Cookie`, and whether the
/// session could not be saved.
///
/// An integration appends [`Finished::set_cookies`] in order, adds
/// [`Finished::VARY_TOKEN`] to `Vary` when [`Finished::needs_vary`] says
/// so, and, when [`Finished::save_error`] is set, answers with its
/// save-error response (an empty 500 by default) instead of the handler's.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "the headers must be added to the response"]
#[non_exhaustive]
pub struct Finished {
    /// The `Set-Cookie` header values to append, in order: the session
    /// cookie, then the deletion of a migrated legacy cookie. Empty when
    /// [`Finished::save_error`] is set.
    pub set_cookies: Vec<String>,
    /// Whether the response depends on the cookie: the session was read or
    /// written, or a cookie is set. Add `Vary: Cookie` (see
    /// [`Finished::needs_vary`]) so that no shared cache hands one user's
    /// response, or cookie, to another.
    pub vary_cookie: bool,
    /// The session could not be saved (most often
    /// [`SessionError::CookieTooLarge`]): replace the handler's response
    /// with the save-error response. The session cookie stays as the
    /// browser has it.
    pub save_error: Option<SessionError>,
}

impl Finished {
    /// The token to add to the response's `Vary` header.
    pub const VARY_TOKEN: &'static str = "Cookie";

    /// Whether to append `Vary: Cookie` to a response whose `Vary` header
    /// values are `existing`: when [`Finished::vary_cookie`] is set and
    /// no value already names `Cookie` (in any case) or says `*`.
    ///
    /// ```
    /// use sealed_session::{Finished, Key, Keyring, Outcome, Session, SessionCodec};
    ///
    /// let codec = SessionCodec::builder(Keyring::new(1, &Key::from_bytes([1; 32]))).build()?;
    /// let session = Session::new();
    /// let _ = session.get::<u8>("user_id");
    /// let finished = codec.finish(&session, Outcome::Status(200));
    /// assert!(finished.set_cookies.is_empty());
    /// assert!(finished.needs_vary([b"Accept-Encoding".as_slice()]));
    /// assert!(!finished.needs_vary([b"accept, cookie".as_slice()]));
    /// assert!(!finished.needs_vary([b"*".as_slice()]));
    /// # Ok::<(), sealed_session::ConfigError>(())
    /// ```
    #[must_use]
    pub fn needs_vary<'a>(&self, existing: impl IntoIterator<Item = &'a [u8]>) -> bool {
        self.vary_cookie
            && !existing.into_iter().any(|value| {
                value.split(|&b| b == b',').any(|token| {
                    let token = token.trim_ascii();
                    token == b"*" || token.eq_ignore_ascii_case(b"cookie")
                })
            })
    }
}

//! The response side: what to do with the cookie at the end of a request.

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

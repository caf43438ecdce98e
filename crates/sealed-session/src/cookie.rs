//! Cookie headers as plain strings: reading the request's `Cookie:` header
//! and writing `Set-Cookie` values.

use core::fmt::Write as _;

use crate::error::SessionError;

/// The longest cookie, `name=value`, that a seal produces or a header
/// carries: what browsers store.
pub const MAX_COOKIE_LEN: usize = 4096;

/// An `Expires` date in the past, sent with `Max-Age=0` to delete a cookie.
pub const EXPIRED: &str = "Thu, 01 Jan 1970 00:00:00 GMT";

/// The `SameSite` attribute.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SameSite {
    /// Sent only with same-site requests.
    Strict,
    /// Also sent with top-level navigations from other sites (the default,
    /// as in browsers and Flask).
    #[default]
    Lax,
    /// Sent with cross-site requests too; requires `Secure`.
    None,
}

impl SameSite {
    /// The attribute's value: `Strict`, `Lax` or `None`.
    ///
    /// ```
    /// assert_eq!(sealed_session::SameSite::Lax.as_str(), "Lax");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Strict => "Strict",
            Self::Lax => "Lax",
            Self::None => "None",
        }
    }
}

/// The value of the cookie `name` in a request's `Cookie:` header, or `None`
/// when it is absent.
///
/// Follows RFC 6265 §5.4 and what servers tolerate: pairs separated by `;`,
/// spaces and tabs around names and values ignored, pairs without `=`
/// skipped, and one pair of double quotes around a value removed. Names
/// compare exactly (case-sensitive). When the name occurs more than once the
/// first wins, as browsers send the most specific path first.
///
/// ```
/// use sealed_session::cookie_value;
///
/// let header = r#"theme=dark; session = "AQAB-x_y" ;lang=en"#;
/// assert_eq!(cookie_value(header, "session"), Some("AQAB-x_y"));
/// assert_eq!(cookie_value(header, "lang"), Some("en"));
/// assert_eq!(cookie_value(header, "Session"), None);
/// ```
#[must_use]
pub fn cookie_value<'h>(header: &'h str, name: &str) -> Option<&'h str> {
    header.split(';').find_map(|pair| {
        let (pair_name, value) = pair.split_once('=')?;
        if pair_name.trim_matches(is_space) != name {
            return None;
        }
        let value = value.trim_matches(is_space);
        Some(
            value
                .strip_prefix('"')
                .and_then(|inner| inner.strip_suffix('"'))
                .unwrap_or(value),
        )
    })
}

fn is_space(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// Everything of a `Set-Cookie` header but the value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Attributes {
    pub(crate) name: String,
    pub(crate) path: String,
    pub(crate) domain: Option<String>,
    pub(crate) secure: bool,
    pub(crate) http_only: bool,
    pub(crate) same_site: SameSite,
}

impl Attributes {
    pub(crate) fn new() -> Self {
        Self {
            name: "session".to_owned(),
            path: "/".to_owned(),
            domain: None,
            secure: true,
            http_only: true,
            same_site: SameSite::Lax,
        }
    }

    /// `name=value; HttpOnly; Secure; SameSite=Lax; Path=/[; Domain=d][; Max-Age=n]`.
    pub(crate) fn set_cookie(
        &self,
        value: &str,
        max_age: Option<u64>,
    ) -> Result<String, SessionError> {
        self.check()?;
        check_len(&self.name, value)?;
        if !value.bytes().all(is_cookie_octet) {
            return Err(SessionError::InvalidCookieAttribute);
        }
        let mut header = self.start(value);
        if let Some(seconds) = max_age {
            let _ = write!(header, "; Max-Age={seconds}");
        }
        Ok(header)
    }

    /// The same attributes with an empty value, `Max-Age=0` and an
    /// `Expires` in the past.
    pub(crate) fn delete_cookie(&self) -> Result<String, SessionError> {
        self.check()?;
        let mut header = self.start("");
        header.push_str("; Max-Age=0; Expires=");
        header.push_str(EXPIRED);
        Ok(header)
    }

    fn start(&self, value: &str) -> String {
        let mut header = String::with_capacity(self.name.len() + value.len() + 96);
        header.push_str(&self.name);
        header.push('=');
        header.push_str(value);
        if self.http_only {
            header.push_str("; HttpOnly");
        }
        if self.secure {
            header.push_str("; Secure");
        }
        header.push_str("; SameSite=");
        header.push_str(self.same_site.as_str());
        header.push_str("; Path=");
        header.push_str(&self.path);
        if let Some(domain) = &self.domain {
            header.push_str("; Domain=");
            header.push_str(domain);
        }
        header
    }

    /// The rules browsers enforce and would otherwise drop the cookie for.
    fn check(&self) -> Result<(), SessionError> {
        let secure_needed = self.same_site == SameSite::None
            || self.name.starts_with("__Secure-")
            || self.name.starts_with("__Host-");
        let host_rules_broken =
            self.name.starts_with("__Host-") && (self.path != "/" || self.domain.is_some());
        if (secure_needed && !self.secure) || host_rules_broken {
            return Err(SessionError::InvalidCookieAttribute);
        }
        Ok(())
    }
}

/// Refuses a cookie whose `name=value` exceeds [`MAX_COOKIE_LEN`].
pub(crate) fn check_len(name: &str, value: &str) -> Result<(), SessionError> {
    if name.len().saturating_add(1).saturating_add(value.len()) > MAX_COOKIE_LEN {
        return Err(SessionError::CookieTooLarge);
    }
    Ok(())
}

/// An RFC 6265 cookie name: a non-empty token.
pub(crate) fn check_name(name: &str) -> Result<(), SessionError> {
    let separator = |b: u8| b"()<>@,;:\\\"/[]?={} \t".contains(&b);
    if name.is_empty()
        || name.len() >= MAX_COOKIE_LEN
        || !name.bytes().all(|b| b.is_ascii_graphic() && !separator(b))
    {
        return Err(SessionError::InvalidCookieAttribute);
    }
    Ok(())
}

/// A `Path` value: starts with `/`, visible ASCII, no `;`.
pub(crate) fn check_path(path: &str) -> Result<(), SessionError> {
    if !path.starts_with('/') || !path.bytes().all(|b| b.is_ascii_graphic() && b != b';') {
        return Err(SessionError::InvalidCookieAttribute);
    }
    Ok(())
}

/// A `Domain` value: letters, digits, `-` and `.`, optionally starting with
/// a `.`, not empty.
pub(crate) fn check_domain(domain: &str) -> Result<(), SessionError> {
    let host = domain.strip_prefix('.').unwrap_or(domain);
    if host.is_empty()
        || host.len() > 253
        || !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    {
        return Err(SessionError::InvalidCookieAttribute);
    }
    Ok(())
}

/// RFC 6265 `cookie-octet`: visible ASCII except `"`, `,`, `;` and `\`.
const fn is_cookie_octet(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x2b | 0x2d..=0x3a | 0x3c..=0x5b | 0x5d..=0x7e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_request_headers() {
        let cases: &[(&str, Option<&str>)] = &[
            ("session=abc", Some("abc")),
            ("a=1; session=abc; b=2", Some("abc")),
            ("a=1;session=abc;b=2", Some("abc")),
            ("\tsession\t=\t abc \t; a=1", Some("abc")),
            ("session=\"abc\"", Some("abc")),
            ("session=\"\"", Some("")),
            ("session=\"", Some("\"")),
            ("session=", Some("")),
            ("session=a=b", Some("a=b")),
            ("session=first; session=second", Some("first")),
            ("flag; session=abc", Some("abc")),
            ("xsession=abc; sessionx=def", None),
            ("Session=abc", None),
            ("", None),
            (";;;", None),
        ];
        for (header, expected) in cases {
            assert_eq!(cookie_value(header, "session"), *expected, "{header:?}");
        }
    }

    #[test]
    fn names_paths_domains() {
        for good in ["session", "__Host-s", "a.b-c_d!#$%&'*+^`|~"] {
            assert_eq!(check_name(good), Ok(()), "{good}");
        }
        for bad in ["", "a b", "a;b", "a=b", "é", "a\"", "a,b", "a\u{7f}"] {
            assert_eq!(
                check_name(bad),
                Err(SessionError::InvalidCookieAttribute),
                "{bad}"
            );
        }
        assert_eq!(check_path("/app"), Ok(()));
        for bad in ["", "app", "/a;b", "/a b", "/\u{e9}"] {
            assert_eq!(check_path(bad), Err(SessionError::InvalidCookieAttribute));
        }
        assert_eq!(check_domain("example.com"), Ok(()));
        assert_eq!(check_domain(".example.com"), Ok(()));
        for bad in ["", ".", "exa mple.com", "a;b", "a_b"] {
            assert_eq!(check_domain(bad), Err(SessionError::InvalidCookieAttribute));
        }
    }

    #[test]
    fn headers_and_the_size_limit() {
        let attrs = Attributes::new();
        assert_eq!(
            attrs.set_cookie("v", None).unwrap(),
            "session=v; HttpOnly; Secure; SameSite=Lax; Path=/"
        );
        assert_eq!(
            attrs.set_cookie("v", Some(60)).unwrap(),
            "session=v; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=60"
        );
        assert_eq!(
            attrs.delete_cookie().unwrap(),
            "session=; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=0; \
             Expires=Thu, 01 Jan 1970 00:00:00 GMT"
        );
        let fits = "x".repeat(MAX_COOKIE_LEN - "session=".len());
        assert!(attrs.set_cookie(&fits, None).is_ok());
        let over = "x".repeat(MAX_COOKIE_LEN - "session=".len() + 1);
        assert_eq!(
            attrs.set_cookie(&over, None),
            Err(SessionError::CookieTooLarge)
        );
        for bad_value in ["a b", "a;b", "a\"", "a,b", "a\\b"] {
            assert_eq!(
                attrs.set_cookie(bad_value, None),
                Err(SessionError::InvalidCookieAttribute)
            );
        }
    }

    #[test]
    fn browser_rules_are_enforced() {
        let mut attrs = Attributes::new();
        attrs.same_site = SameSite::None;
        attrs.secure = false;
        assert_eq!(
            attrs.delete_cookie(),
            Err(SessionError::InvalidCookieAttribute)
        );
        let mut attrs = Attributes::new();
        attrs.name = "__Host-s".to_owned();
        assert!(attrs.set_cookie("v", None).is_ok());
        attrs.path = "/app".to_owned();
        assert_eq!(
            attrs.set_cookie("v", None),
            Err(SessionError::InvalidCookieAttribute)
        );
        let mut attrs = Attributes::new();
        attrs.name = "__Secure-s".to_owned();
        attrs.secure = false;
        assert_eq!(
            attrs.set_cookie("v", None),
            Err(SessionError::InvalidCookieAttribute)
        );
    }
}

//! Cookie headers: every value of a cookie in a request's `Cookie` headers,
//! and the limits browsers apply to cookies.

use core::fmt::Write as _;

/// The largest cookie browsers keep: its name and its value together take
/// at most this many bytes (RFC 6265bis §5.7; the `=` is not counted). A
/// seal that would make a larger cookie fails with
/// [`SessionError::CookieTooLarge`](crate::SessionError::CookieTooLarge);
/// nothing is ever truncated.
pub const MAX_COOKIE_LEN: usize = 4096;

/// The longest `Path` or `Domain` attribute value: browsers ignore longer
/// ones (RFC 6265bis §5.6).
pub const MAX_ATTRIBUTE_LEN: usize = 1024;

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

/// Every value of the cookie `name` in a request's `Cookie` headers, in
/// the order the browser sent them.
///
/// Follows RFC 6265bis §5.4 and what servers tolerate: pairs separated by
/// `;`, spaces and tabs around names and values ignored, pairs without `=`
/// skipped, one pair of double quotes around a value removed. Names compare
/// exactly (case-sensitive). The headers are bytes: a pair that is not
/// ASCII, anywhere in a header, hides nothing else, and a value that is not
/// ASCII is skipped (no sealed cookie has one). A browser sends several
/// values under one name when cookies with different paths or domains
/// share it, for example one planted by a sibling subdomain: the caller
/// must try them all.
///
/// ```
/// use sealed_session::cookie::cookie_values;
///
/// let header = "theme=dark; session=AQAB; n\u{e4}me=v; session = \"AQAC\" ;lang=en";
/// let values: Vec<&str> = cookie_values([header], "session").collect();
/// assert_eq!(values, ["AQAB", "AQAC"]);
/// assert_eq!(cookie_values([header], "Session").count(), 0);
/// ```
pub fn cookie_values<'h, I, H>(headers: I, name: &'h str) -> impl Iterator<Item = &'h str> + 'h
where
    I: IntoIterator<Item = &'h H>,
    I::IntoIter: 'h,
    H: AsRef<[u8]> + ?Sized + 'h,
{
    headers.into_iter().flat_map(move |header| {
        pairs(header.as_ref()).filter_map(move |pair| value_of(pair, name.as_bytes()))
    })
}

/// [`cookie_values`] into `out`, in order, until it is full; how many
/// were written. For a caller that keeps them on the stack.
pub(crate) fn values_into<'h>(
    headers: impl IntoIterator<Item = &'h [u8]>,
    name: &str,
    out: &mut [&'h str],
) -> usize {
    let mut count = 0;
    for header in headers {
        for value in pairs(header).filter_map(|pair| value_of(pair, name.as_bytes())) {
            let Some(slot) = out.get_mut(count) else {
                return count;
            };
            *slot = value;
            count += 1;
        }
    }
    count
}

/// The `;`-separated pairs of one header, found with `memchr`.
fn pairs(header: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut start = 0;
    let mut ends = memchr::memchr_iter(b';', header).chain(core::iter::once(header.len()));
    core::iter::from_fn(move || {
        let end = ends.next()?;
        let pair = &header[start..end];
        start = end + 1;
        Some(pair)
    })
}

/// The value of one `name=value` pair when its name is `name` and its
/// value is ASCII.
fn value_of<'h>(pair: &'h [u8], name: &[u8]) -> Option<&'h str> {
    let eq = memchr::memchr(b'=', pair)?;
    let (pair_name, value) = (&pair[..eq], &pair[eq + 1..]);
    if trim(pair_name) != name {
        return None;
    }
    let value = trim(value);
    let value = value
        .strip_prefix(b"\"")
        .and_then(|inner| inner.strip_suffix(b"\""))
        .unwrap_or(value);
    if !value.is_ascii() {
        return None;
    }
    core::str::from_utf8(value).ok()
}

fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != b' ' && b != b'\t');
    let end = bytes.iter().rposition(|&b| b != b' ' && b != b'\t');
    match (start, end) {
        (Some(start), Some(end)) => &bytes[start..=end],
        _ => &[],
    }
}

/// Everything of a `Set-Cookie` header but the value. Checked once, when a
/// codec is built ([`Attributes::check`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Attributes {
    pub(crate) name: String,
    pub(crate) path: String,
    pub(crate) domain: Option<String>,
    pub(crate) secure: bool,
    pub(crate) http_only: bool,
    pub(crate) same_site: SameSite,
    pub(crate) partitioned: bool,
}

impl Attributes {
    /// The secure defaults: `__Host-session; HttpOnly; Secure;
    /// SameSite=Lax; Path=/`, no `Domain`.
    pub(crate) fn new() -> Self {
        Self {
            name: "__Host-session".to_owned(),
            path: "/".to_owned(),
            domain: None,
            secure: true,
            http_only: true,
            same_site: SameSite::Lax,
            partitioned: false,
        }
    }

    /// `name=value; HttpOnly; Secure; SameSite=Lax; Path=/[; Domain=d]
    /// [; Max-Age=n][; Partitioned]`, or `None` when `name` and `value`
    /// together exceed [`MAX_COOKIE_LEN`].
    pub(crate) fn set_cookie(&self, value: &str, max_age: Option<u64>) -> Option<String> {
        if !fits(&self.name, value) {
            return None;
        }
        let mut header = self.start(value);
        if let Some(seconds) = max_age {
            let _ = write!(header, "; Max-Age={seconds}");
        }
        self.finish(&mut header);
        Some(header)
    }

    /// The same attributes with an empty value, `Max-Age=0` and an
    /// `Expires` in the past.
    pub(crate) fn delete_cookie(&self) -> String {
        let mut header = self.start("");
        header.push_str("; Max-Age=0; Expires=");
        header.push_str(EXPIRED);
        self.finish(&mut header);
        header
    }

    fn start(&self, value: &str) -> String {
        let mut header = String::with_capacity(self.name.len() + value.len() + 100);
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

    fn finish(&self, header: &mut String) {
        if self.partitioned {
            header.push_str("; Partitioned");
        }
    }

    /// The rules browsers enforce, and would otherwise drop the cookie for:
    /// the setting at fault and why.
    pub(crate) fn check(&self) -> Result<(), (&'static str, String)> {
        check_name(&self.name).map_err(|why| ("cookie_name", why))?;
        check_path(&self.path).map_err(|why| ("path", why))?;
        if let Some(domain) = &self.domain {
            check_domain(domain).map_err(|why| ("domain", why))?;
        }
        let prefix = prefix_of(&self.name);
        if prefix == Some(Prefix::Host) {
            let name = &self.name;
            let hint = "choose another cookie name, such as `__Secure-session`";
            if self.domain.is_some() {
                return Err((
                    "domain",
                    format!(
                        "a `__Host-` cookie ({}) must not have a Domain; {hint}",
                        naming(name)
                    ),
                ));
            }
            if self.path != "/" {
                return Err((
                    "path",
                    format!(
                        "a `__Host-` cookie ({}) must have Path=/; {hint}",
                        naming(name)
                    ),
                ));
            }
        }
        if !self.secure {
            if prefix.is_some() {
                return Err((
                    "secure",
                    format!(
                        "a `{}` cookie ({}) must be Secure; browsers refuse it otherwise \
                         (for plain-HTTP development, choose a name without the prefix)",
                        prefix.map_or("", Prefix::as_str),
                        naming(&self.name)
                    ),
                ));
            }
            if self.same_site == SameSite::None {
                return Err((
                    "same_site",
                    "SameSite=None requires Secure; browsers refuse it otherwise".to_owned(),
                ));
            }
            if self.partitioned {
                return Err((
                    "partitioned",
                    "a Partitioned cookie must be Secure; browsers refuse it otherwise".to_owned(),
                ));
            }
        }
        if !fits(&self.name, "") || self.name.len() > MAX_COOKIE_LEN - 100 {
            return Err((
                "cookie_name",
                "the name leaves no room for a sealed value".to_owned(),
            ));
        }
        Ok(())
    }
}

/// How a cookie name is described in an error.
fn naming(name: &str) -> String {
    if name == "__Host-session" {
        "the default name `__Host-session`".to_owned()
    } else {
        format!("`{name}`")
    }
}

/// Whether `name` and `value` together fit in a cookie.
pub(crate) const fn fits(name: &str, value: &str) -> bool {
    name.len().saturating_add(value.len()) <= MAX_COOKIE_LEN
}

/// The cookie-name prefixes of RFC 6265bis §4.1.3, matched without regard
/// to case, as browsers do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Prefix {
    Secure,
    Host,
}

impl Prefix {
    const fn as_str(self) -> &'static str {
        match self {
            Self::Secure => "__Secure-",
            Self::Host => "__Host-",
        }
    }
}

pub(crate) fn prefix_of(name: &str) -> Option<Prefix> {
    let starts = |prefix: &str| {
        name.get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
    };
    if starts("__Host-") {
        Some(Prefix::Host)
    } else if starts("__Secure-") {
        Some(Prefix::Secure)
    } else {
        None
    }
}

/// An RFC 6265 cookie name: a non-empty token.
pub(crate) fn check_name(name: &str) -> Result<(), String> {
    let separator = |b: u8| b"()<>@,;:\\\"/[]?={} \t".contains(&b);
    if name.is_empty() {
        return Err("the cookie name is empty".to_owned());
    }
    if !name.bytes().all(|b| b.is_ascii_graphic() && !separator(b)) {
        return Err(
            "a cookie name is visible ASCII without spaces or any of ()<>@,;:\\\"/[]?={}"
                .to_owned(),
        );
    }
    Ok(())
}

/// A `Path` value: starts with `/`, visible ASCII without `;`, at most
/// [`MAX_ATTRIBUTE_LEN`] bytes.
pub(crate) fn check_path(path: &str) -> Result<(), String> {
    if path.len() > MAX_ATTRIBUTE_LEN {
        return Err(format!(
            "{} bytes; browsers ignore a Path over {MAX_ATTRIBUTE_LEN} bytes",
            path.len()
        ));
    }
    if !path.starts_with('/') || !path.bytes().all(|b| b.is_ascii_graphic() && b != b';') {
        return Err("a Path starts with `/` and is visible ASCII without `;`".to_owned());
    }
    Ok(())
}

/// A `Domain` value: letters, digits, `-` and `.`, optionally starting with
/// a `.`, not empty, at most [`MAX_ATTRIBUTE_LEN`] bytes.
pub(crate) fn check_domain(domain: &str) -> Result<(), String> {
    if domain.len() > MAX_ATTRIBUTE_LEN {
        return Err(format!(
            "{} bytes; browsers ignore a Domain over {MAX_ATTRIBUTE_LEN} bytes",
            domain.len()
        ));
    }
    let host = domain.strip_prefix('.').unwrap_or(domain);
    if host.is_empty()
        || host.len() > 253
        || !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    {
        return Err("a Domain is a host name: letters, digits, `-` and `.`".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values<'h>(header: &'h str, name: &'h str) -> Vec<&'h str> {
        cookie_values([header], name).collect()
    }

    #[test]
    fn parses_request_headers() {
        let cases: &[(&str, &[&str])] = &[
            ("session=abc", &["abc"]),
            ("a=1; session=abc; b=2", &["abc"]),
            ("a=1;session=abc;b=2", &["abc"]),
            ("\tsession\t=\t abc \t; a=1", &["abc"]),
            ("session=\"abc\"", &["abc"]),
            ("session=\"\"", &[""]),
            ("session=\"", &["\""]),
            ("session=", &[""]),
            ("session=a=b", &["a=b"]),
            ("session=first; session=second", &["first", "second"]),
            ("flag; session=abc", &["abc"]),
            ("xsession=abc; sessionx=def", &[]),
            ("Session=abc", &[]),
            ("", &[]),
            (";;;", &[]),
            // Non-ASCII elsewhere hides nothing; a non-ASCII value is skipped.
            ("caf\u{e9}=1; session=abc; x=\u{fffd}", &["abc"]),
            ("session=\u{e9}t\u{e9}; session=abc", &["abc"]),
        ];
        for (header, expected) in cases {
            assert_eq!(values(header, "session"), *expected, "{header:?}");
        }
        // Bytes that are not UTF-8 at all, and several headers (HTTP/2).
        let raw: [&[u8]; 2] = [b"a=\xff\xfe; session=one", b"session=two; b=\x80"];
        assert_eq!(
            cookie_values(raw, "session").collect::<Vec<_>>(),
            ["one", "two"]
        );
    }

    #[test]
    fn names_paths_domains() {
        for good in ["session", "__Host-s", "a.b-c_d!#$%&'*+^`|~"] {
            assert_eq!(check_name(good), Ok(()), "{good}");
        }
        for bad in ["", "a b", "a;b", "a=b", "é", "a\"", "a,b", "a\u{7f}"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        assert_eq!(check_path("/app"), Ok(()));
        assert_eq!(check_path(&format!("/{}", "a".repeat(1023))), Ok(()));
        for bad in [
            "",
            "app",
            "/a;b",
            "/a b",
            "/\u{e9}",
            &format!("/{}", "a".repeat(1024)),
        ] {
            assert!(check_path(bad).is_err(), "{bad}");
        }
        assert_eq!(check_domain("example.com"), Ok(()));
        assert_eq!(check_domain(".example.com"), Ok(()));
        for bad in ["", ".", "exa mple.com", "a;b", "a_b", &"a.".repeat(513)] {
            assert!(check_domain(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn headers_and_the_size_limit() {
        let mut attrs = Attributes::new();
        attrs.name = "session".to_owned();
        assert_eq!(
            attrs.set_cookie("v", None).unwrap(),
            "session=v; HttpOnly; Secure; SameSite=Lax; Path=/"
        );
        assert_eq!(
            attrs.set_cookie("v", Some(60)).unwrap(),
            "session=v; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=60"
        );
        assert_eq!(
            attrs.delete_cookie(),
            "session=; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=0; \
             Expires=Thu, 01 Jan 1970 00:00:00 GMT"
        );
        // Name plus value, without the `=`: 7 + 4089 = 4096 fits.
        let fits = "x".repeat(MAX_COOKIE_LEN - "session".len());
        assert!(attrs.set_cookie(&fits, None).is_some());
        let over = "x".repeat(MAX_COOKIE_LEN - "session".len() + 1);
        assert_eq!(attrs.set_cookie(&over, None), None);
        attrs.partitioned = true;
        assert_eq!(
            attrs.set_cookie("v", None).unwrap(),
            "session=v; HttpOnly; Secure; SameSite=Lax; Path=/; Partitioned"
        );
    }

    #[test]
    fn browser_rules_are_checked_once() {
        assert_eq!(Attributes::new().check(), Ok(()));
        let check = |f: &dyn Fn(&mut Attributes)| {
            let mut attrs = Attributes::new();
            f(&mut attrs);
            attrs.check().map_err(|(setting, _)| setting)
        };
        assert_eq!(
            check(&|a| a.domain = Some("example.com".into())),
            Err("domain")
        );
        assert_eq!(check(&|a| a.path = "/app".into()), Err("path"));
        assert_eq!(check(&|a| a.secure = false), Err("secure"));
        // The prefix is matched without regard to case, as browsers do.
        assert_eq!(
            check(&|a| {
                a.name = "__HOST-x".into();
                a.domain = Some("example.com".into());
            }),
            Err("domain")
        );
        assert_eq!(
            check(&|a| {
                a.name = "__secure-x".into();
                a.secure = false;
            }),
            Err("secure")
        );
        assert_eq!(
            check(&|a| {
                a.name = "plain".into();
                a.secure = false;
                a.same_site = SameSite::None;
            }),
            Err("same_site")
        );
        assert_eq!(
            check(&|a| {
                a.name = "plain".into();
                a.secure = false;
                a.partitioned = true;
            }),
            Err("partitioned")
        );
        assert_eq!(
            check(&|a| {
                a.name = "plain".into();
                a.secure = false;
            }),
            Ok(())
        );
        assert_eq!(check(&|a| a.name = "x".repeat(4000)), Err("cookie_name"));
    }
}

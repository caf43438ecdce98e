//! One warning, once per layer, when a `Secure` session cookie goes out in
//! answer to a request that visibly came over plain `http://` for a host
//! other than `localhost` or a loopback address: the browser will drop the
//! cookie without a word, and every request will look logged out.
//!
//! Only positive evidence counts, so a server terminating TLS itself (whose
//! HTTP/1.1 requests carry no scheme) is never warned about: the request's
//! URI has the scheme `http`; or `X-Forwarded-Proto` says `http`; or the
//! browser's own `Origin` (or `Referer`) is `http://` followed by the
//! request's `Host`.

use alloc::string::String;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, Ordering};

use http::Request;
use http::header::{HOST, ORIGIN, REFERER};
use sealed_session::SessionCodec;

/// The once-flag of one layer (shared by its clones).
#[derive(Clone, Debug)]
pub(crate) struct PlainHttpCheck(Arc<AtomicBool>);

/// A request that came over plain HTTP for a host that is not local.
#[derive(Debug)]
pub(crate) struct PlainHttp {
    warned: Arc<AtomicBool>,
    host: String,
}

impl PlainHttpCheck {
    /// The check for a layer over `codec`: off from the start when the
    /// codec's cookies are not `Secure` (nothing to warn about).
    pub(crate) fn for_codec(codec: &SessionCodec) -> Self {
        let secure = is_secure(&codec.delete_cookie_header());
        Self(Arc::new(AtomicBool::new(!secure)))
    }

    /// `Some` when `request` came over plain HTTP for a non-local host and
    /// this layer has not warned yet. Cheap once it has warned.
    pub(crate) fn observe<B>(&self, request: &Request<B>) -> Option<PlainHttp> {
        if self.0.load(Ordering::Relaxed) {
            return None;
        }
        let host = plain_http_host(request)?;
        if is_local(&host) {
            return None;
        }
        Some(PlainHttp {
            warned: Arc::clone(&self.0),
            host,
        })
    }
}

impl PlainHttp {
    /// Warns, once per layer, if `set_cookies` holds a `Secure` cookie.
    pub(crate) fn after(self, set_cookies: &[String]) {
        let secure = set_cookies.iter().any(|cookie| is_secure(cookie));
        if secure && !self.warned.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                host = %self.host,
                "a Secure session cookie was set in answer to a plain-http request for a host \
                 that is not localhost: browsers keep Secure cookies over http only on localhost \
                 and loopback addresses, so this cookie is dropped and every request looks \
                 logged out. Serve this host over HTTPS, or use http://localhost while \
                 developing (logged once)"
            );
        }
    }
}

/// Whether a `Set-Cookie` value has the `Secure` attribute.
fn is_secure(set_cookie: &str) -> bool {
    set_cookie
        .split(';')
        .skip(1)
        .any(|attribute| attribute.trim().eq_ignore_ascii_case("secure"))
}

/// The host the request was made for, when it visibly came over plain HTTP.
fn plain_http_host<B>(request: &Request<B>) -> Option<String> {
    let headers = request.headers();
    let host = request
        .uri()
        .authority()
        .map(|authority| authority.as_str())
        .or_else(|| headers.get(HOST).and_then(|v| v.to_str().ok()))?;
    let evidence = request.uri().scheme_str() == Some("http")
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("http"))
        || headers
            .get(ORIGIN)
            .and_then(|v| v.to_str().ok())
            .and_then(|origin| origin.strip_prefix("http://"))
            .is_some_and(|origin| origin.eq_ignore_ascii_case(host))
        || headers
            .get(REFERER)
            .and_then(|v| v.to_str().ok())
            .and_then(|referer| referer.strip_prefix("http://"))
            .and_then(|rest| rest.get(..host.len()).zip(rest.get(host.len()..)))
            .is_some_and(|(authority, rest)| {
                authority.eq_ignore_ascii_case(host) && rest.starts_with('/')
            });
    evidence.then(|| host.to_owned())
}

/// `localhost`, `*.localhost`, `127.0.0.0/8` and `[::1]`, with or without
/// a port: where browsers keep `Secure` cookies over plain HTTP.
fn is_local(authority: &str) -> bool {
    let host = if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next() == Some("::1");
    } else {
        authority
            .rsplit_once(':')
            .map_or(authority, |(host, _)| host)
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "localhost"
        || host.ends_with(".localhost")
        || host
            .parse::<core::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(headers: &[(&'static str, &'static str)]) -> Request<()> {
        let mut request = Request::new(());
        for (name, value) in headers {
            request
                .headers_mut()
                .append(*name, http::HeaderValue::from_static(value));
        }
        request
    }

    #[test]
    fn local_hosts() {
        for host in [
            "localhost",
            "localhost:3000",
            "app.localhost:8080",
            "127.0.0.1:3000",
            "127.1.2.3",
            "[::1]:3000",
            "LOCALHOST.",
        ] {
            assert!(is_local(host), "{host}");
        }
        for host in [
            "192.168.1.5:3000",
            "app.test",
            "web:8000",
            "[fe80::1]:80",
            "localhost.example",
            "10.0.0.1",
        ] {
            assert!(!is_local(host), "{host}");
        }
    }

    #[test]
    fn only_positive_evidence_of_plain_http_counts() {
        let check = PlainHttpCheck(Arc::default());
        let seen = |headers| check.observe(&request(headers)).map(|p| p.host);
        // A browser on http://192.168.1.5:3000 posting a form.
        assert_eq!(
            seen(&[
                ("host", "192.168.1.5:3000"),
                ("origin", "http://192.168.1.5:3000")
            ])
            .as_deref(),
            Some("192.168.1.5:3000")
        );
        assert_eq!(
            seen(&[("host", "web"), ("referer", "http://web/login")]).as_deref(),
            Some("web")
        );
        assert_eq!(
            seen(&[("host", "app.test"), ("x-forwarded-proto", "http")]).as_deref(),
            Some("app.test")
        );
        // No evidence: TLS terminated in the process looks like this.
        assert_eq!(seen(&[("host", "192.168.1.5:3000")]), None);
        // Over HTTPS, or a cross-site request from an http page.
        assert_eq!(
            seen(&[("host", "app.example"), ("origin", "https://app.example")]),
            None
        );
        assert_eq!(
            seen(&[("host", "app.example"), ("origin", "http://evil.example")]),
            None
        );
        assert_eq!(
            seen(&[
                ("host", "app.example"),
                ("referer", "http://app.example.evil/")
            ]),
            None
        );
        // Local: no warning needed.
        assert_eq!(
            seen(&[
                ("host", "localhost:3000"),
                ("origin", "http://localhost:3000")
            ]),
            None
        );
    }
}

#[cfg(test)]
mod codec_tests {
    use super::*;
    use sealed_session::{Key, Keyring};

    #[test]
    fn off_when_the_cookie_is_not_secure() {
        let keyring = || Keyring::new(1, &Key::from_bytes([1; 32]));
        let secure = SessionCodec::builder(keyring()).build().unwrap();
        let plain = SessionCodec::builder(keyring())
            .cookie_name("session")
            .secure(false)
            .build()
            .unwrap();
        let mut request = Request::new(());
        request
            .headers_mut()
            .insert(HOST, "web:8000".parse().unwrap());
        request
            .headers_mut()
            .insert(ORIGIN, "http://web:8000".parse().unwrap());
        assert!(
            PlainHttpCheck::for_codec(&secure)
                .observe(&request)
                .is_some()
        );
        assert!(
            PlainHttpCheck::for_codec(&plain)
                .observe(&request)
                .is_none()
        );
    }
}

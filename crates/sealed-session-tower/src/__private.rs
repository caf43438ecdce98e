//! Not public API: the fuzz target's entry point (feature `fuzzing`), and
//! the property test that runs it quickly on every `cargo test`.
//!
//! [`request_path`] drives a [`SessionLayer`] over one synchronous request
//! whose `Cookie` headers come from the input, and checks what must hold
//! for any headers: no panic, a cookie this codec sealed is always found
//! among garbage, a 5xx writes nothing, and every `Set-Cookie` is one of
//! ours and fits in 4096 bytes of name and value.

use alloc::sync::Arc;
use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};
use std::sync::OnceLock;

use http::header::{COOKIE, SET_COOKIE};
use http::{HeaderValue, Request, Response, StatusCode};
use sealed_session::{
    FixedRandom, Key, Keyring, ManualClock, Session, SessionCodec, SessionHandle,
};
use tower_layer::Layer;
use tower_service::Service;

use crate::SessionLayer;

/// The fixed time of every fuzzed request.
const NOW: u64 = 1_800_000_000;
/// At most this many `Cookie` headers are taken from one input.
const MAX_HEADERS: usize = 16;

struct Fixture {
    layer: SessionLayer,
    /// A cookie value sealed under the old key, holding `user_id = 7`.
    genuine: String,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let old = Key::from_bytes([1; 32]);
        let new = Key::from_bytes([2; 32]);
        let clock = Arc::new(ManualClock::new(NOW));
        let before = SessionCodec::builder(Keyring::new(1, &old))
            .clock(Arc::clone(&clock))
            .random(FixedRandom::new([5]))
            .build()
            .unwrap_or_else(|error| unreachable!("fixed settings: {error}"));
        let mut session = Session::new();
        let _ = session.insert("user_id", 7);
        let genuine = before
            .seal(&session)
            .unwrap_or_else(|error| unreachable!("a small session seals: {error}"));
        let keyring = Keyring::new(2, &new)
            .with_key(1, &old)
            .unwrap_or_else(|error| unreachable!("two distinct ids: {error}"));
        let codec = SessionCodec::builder(keyring)
            .clock(clock)
            .build()
            .unwrap_or_else(|error| unreachable!("fixed settings: {error}"));
        Fixture {
            layer: SessionLayer::new(codec),
            genuine,
        }
    })
}

/// Runs one request through the layer. The input's first byte chooses:
/// bit 0, whether the genuine cookie is added as a header of its own (at a
/// position taken from bits 4-7); bit 1, whether the handler writes to the
/// session; bit 2, whether it answers 500. The rest, split at `\n`, are
/// `Cookie` header values (at most 16; values `http` refuses
/// are skipped). Returns the number of `Set-Cookie` headers.
///
/// # Panics
/// When an invariant fails: that is what the fuzzer looks for.
pub fn request_path(input: &[u8]) -> usize {
    let fixture = fixture();
    let (&control, rest) = input.split_first().unwrap_or((&0, &[]));
    let with_genuine = control & 1 != 0;
    let write = control & 2 != 0;
    let fail = control & 4 != 0;

    let mut request = Request::new(());
    let mut values: Vec<HeaderValue> = rest
        .split(|&b| b == b'\n')
        .take(MAX_HEADERS)
        .filter_map(|value| HeaderValue::from_bytes(value).ok())
        .collect();
    if with_genuine {
        let genuine = format!("__Host-session={}", fixture.genuine);
        let at = usize::from(control >> 4).min(values.len());
        if let Ok(value) = HeaderValue::from_str(&genuine) {
            values.insert(at, value);
        }
    }
    // More values under the name than the codec tries: none is used (the
    // same-name rule of FORMAT.md §12.6), so the genuine one is not found.
    let under_name = sealed_session::cookie::cookie_values(
        values.iter().map(HeaderValue::as_bytes),
        "__Host-session",
    )
    .count();
    let with_genuine = with_genuine && under_name <= SessionCodec::MAX_CANDIDATES;
    for value in values {
        request.headers_mut().append(COOKIE, value);
    }

    let handler = Handler {
        with_genuine,
        write,
        fail,
    };
    let mut service = fixture.layer.layer(handler);
    let future = pin!(service.call(request));
    let response = match poll_once(future) {
        Some(Ok(response)) => response,
        Some(Err(never)) => match never {},
        None => unreachable!("nothing in the layer waits"),
    };

    let set_cookies: Vec<&HeaderValue> = response.headers().get_all(SET_COOKIE).iter().collect();
    if fail {
        assert!(set_cookies.is_empty(), "a 5xx wrote a cookie");
    }
    for header in &set_cookies {
        let text = header.to_str().unwrap_or_default();
        let pair = text.split(';').next().unwrap_or_default();
        let (name, value) = pair.split_once('=').unwrap_or_default();
        assert_eq!(name, "__Host-session", "a Set-Cookie that is not ours");
        assert!(name.len() + value.len() <= 4096, "an oversized cookie");
    }
    set_cookies.len()
}

/// The inner service: reads the session, maybe writes it, maybe fails.
#[derive(Clone, Copy)]
struct Handler {
    with_genuine: bool,
    write: bool,
    fail: bool,
}

impl Service<Request<()>> for Handler {
    type Response = Response<String>;
    type Error = core::convert::Infallible;
    type Future = core::future::Ready<Result<Response<String>, core::convert::Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<()>) -> Self::Future {
        let Some(session) = request.extensions().get::<SessionHandle>() else {
            unreachable!("the layer always inserts a session")
        };
        let user: Option<u64> = session.get("user_id").unwrap_or(None);
        if self.with_genuine {
            assert_eq!(user, Some(7), "the genuine cookie was not found");
        }
        if self.write {
            let _ = session.insert("seen", true);
        }
        let mut response = Response::new(String::new());
        if self.fail {
            *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        }
        core::future::ready(Ok(response))
    }
}

/// Polls a future once with a waker that does nothing.
fn poll_once<F: Future>(future: core::pin::Pin<&mut F>) -> Option<F::Output> {
    let mut cx = Context::from_waker(Waker::noop());
    match future.poll(&mut cx) {
        Poll::Ready(output) => Some(output),
        Poll::Pending => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_genuine_cookie_is_found_and_resealed() {
        // Under the old key: re-sealed under the new one.
        assert_eq!(request_path(&[1]), 1);
        // Behind garbage and a same-name forgery, in a later header.
        assert_eq!(
            request_path(b"\x11__Host-session=AQAB; a=\xff\xfe\n__Host-session=x"),
            1
        );
        // A 500 writes nothing.
        assert_eq!(request_path(&[1 | 2 | 4]), 0);
    }

    /// Found by the fuzz smoke run: five values under the name (names with
    /// a tab before `=` count) and the genuine cookie among them. Past
    /// `SessionCodec::MAX_CANDIDATES` none is used (the handler's check of
    /// the genuine cookie used to fail here), and the handler's write sets
    /// a new session: one `Set-Cookie`, no deletion.
    #[test]
    fn past_the_candidate_cap_the_genuine_cookie_is_not_used() {
        let input: &[u8] = &[
            59, 95, 95, 72, 111, 115, 116, 45, 115, 101, 115, 115, 105, 111, 110, 9, 61, 59, 35,
            115, 116, 59, 95, 95, 72, 111, 115, 116, 45, 115, 101, 115, 115, 105, 111, 110, 9, 61,
            59, 35, 35, 134, 59, 59, 95, 95, 72, 111, 115, 116, 45, 115, 101, 115, 115, 105, 111,
            110, 9, 61, 116, 59, 95, 95, 72, 111, 115, 116, 45, 115, 101, 115, 115, 105, 111, 110,
            9, 61, 59, 111, 45, 115,
        ];
        assert_eq!(request_path(input), 1);
    }

    #[test]
    fn garbage_alone_is_deleted() {
        assert_eq!(request_path(b"\x00__Host-session=AQAB"), 1);
        assert_eq!(request_path(b"\x00theme=dark"), 0);
    }

    fn cookie_like() -> impl Strategy<Value = Vec<u8>> {
        let pair = prop_oneof![
            Just(b"__Host-session=".to_vec()),
            Just(b"; ".to_vec()),
            Just(b"\n".to_vec()),
            Just(b"=".to_vec()),
            Just(b"\"".to_vec()),
            "[A-Za-z0-9_-]{0,64}".prop_map(String::into_bytes),
            proptest::collection::vec(any::<u8>(), 0..16),
            proptest::collection::vec(b'A'..=b'z', 4000..4200),
        ];
        proptest::collection::vec(pair, 0..24).prop_map(|parts| parts.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn any_bytes_never_panic(control in any::<u8>(), body in proptest::collection::vec(any::<u8>(), 0..6000)) {
            let mut input = vec![control];
            input.extend_from_slice(&body);
            request_path(&input);
        }

        #[test]
        fn cookie_shaped_bytes_never_panic(control in any::<u8>(), body in cookie_like()) {
            let mut input = vec![control];
            input.extend_from_slice(&body);
            request_path(&input);
        }
    }
}

//! The example app (`examples/actix_app/app.rs`, included as it is) served
//! by actix-web on 127.0.0.1, port 0, and driven over real HTTP by reqwest:
//! with a cookie jar where a browser would keep the cookie, and with raw
//! `Cookie` headers where a test plays an attacker or a broken client.
//!
//! Each test starts its own server (one worker) with its own keys, and most
//! with a `ManualClock` the test moves, so every `Max-Age` and expiry is
//! exact.

// Test helpers outside `#[test]` functions unwrap too: a failure there is a
// test failure, and its message points at the line.
#![allow(clippy::unwrap_used)]

extern crate alloc;

#[path = "../examples/actix_app/app.rs"]
mod app;

use alloc::sync::Arc;
use core::net::Ipv4Addr;

use actix_web::body::BoxBody;
use actix_web::dev::{ServerHandle, ServiceRequest};
use actix_web::middleware::{self, Next};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, error, web};
use reqwest::cookie::{CookieStore as _, Jar};
use reqwest::header::{CONTENT_TYPE, COOKIE, HeaderValue, SET_COOKIE, VARY};
use reqwest::{Client, Response, StatusCode, Url};
use sealed_session_actix::sealed_session::{Key, KeyringError, ManualClock, keyring_from_file};
use sealed_session_actix::{Keyring, Session, SessionExt as _, SessionMiddleware};
use sealed_session_core::Header;

/// The test clock's start (Unix seconds).
const T0: u64 = 1_800_000_000;
/// The `Set-Cookie` that deletes the app's session cookie, exactly.
const DELETE: &str = "__Host-session=; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=0; \
                      Expires=Thu, 01 Jan 1970 00:00:00 GMT";
/// The attributes of a permanent session cookie, before `Max-Age`.
const ATTRIBUTES: &str = "; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=";
/// The extractor's message without the middleware.
const MISSING: &str = "no session in this request: is the middleware installed? \
                       Add `.wrap(SessionMiddleware::builder(keyring).build()?)` around this route";

// ------------------------------------------------------------------ tests

/// login → me → counter ×3 → restart with the keys rotated → the old
/// cookie opens and comes back sealed under the new key → logout → the jar
/// holds no session.
#[actix_web::test]
async fn walk_login_counter_rotation_logout() {
    let clock = Arc::new(ManualClock::new(T0));
    let (old, new) = (key(1), key(2));
    let server = Server::start(sessions(Keyring::new(1, &old), &clock));
    let (client, jar) = jar_client();

    let login = post_login(&client, &server, 42, None).await;
    assert_eq!(login.status, StatusCode::OK);
    assert_eq!(login.set_cookies.len(), 1);
    let cookie = &login.set_cookies[0];
    assert!(cookie.starts_with("__Host-session=AQAB"), "{cookie}"); // v1, no flags, key 1
    assert!(cookie.ends_with(&format!("{ATTRIBUTES}3600")), "{cookie}");
    assert_eq!(key_id(cookie), 1);
    assert_eq!(login.vary, ["Cookie"]);
    let csrf = login.csrf_token();
    assert_eq!(
        login.body,
        format!(r#"{{"csrf_token":"{csrf}","user_id":42}}"#)
    );

    let me = get(&client, &server, "/me").await;
    assert_eq!(
        (me.status, me.body.as_str()),
        (StatusCode::OK, r#"{"user_id":42}"#)
    );
    assert!(
        me.set_cookies.is_empty(),
        "an unchanged, fresh session sets nothing"
    );
    assert_eq!(me.vary, ["Cookie"]);

    for count in 1..=3 {
        let res = post(&client, &server, "/counter", Some(&csrf)).await;
        assert_eq!(res.status, StatusCode::OK);
        assert_eq!(res.body, format!(r#"{{"count":{count}}}"#));
        assert_eq!(res.set_cookies.len(), 1);
        assert!(res.set_cookies[0].ends_with(&format!("{ATTRIBUTES}3600")));
    }
    let forged = post(&client, &server, "/counter", Some("not-the-token")).await;
    assert_eq!(
        (forged.status, forged.set_cookies.len()),
        (StatusCode::FORBIDDEN, 0)
    );
    let before_rotation = jar_session(&jar, &server).expect("the jar holds the session");
    assert_eq!(Header::peek(&before_rotation).unwrap().header.key_id, 1);
    server.stop().await;

    // The same sessions, now sealed with key 2; key 1 only opens.
    let rotated = Keyring::new(2, &new).with_key(1, &old).unwrap();
    let server = Server::start(sessions(rotated, &clock));
    let me = get(&client, &server, "/me").await;
    assert_eq!(
        (me.status, me.body.as_str()),
        (StatusCode::OK, r#"{"user_id":42}"#)
    );
    assert_eq!(me.set_cookies.len(), 1, "re-sealed under the new key");
    assert!(
        me.set_cookies[0].starts_with("__Host-session=AQAC"),
        "{}",
        me.set_cookies[0]
    );
    assert!(me.set_cookies[0].ends_with(&format!("{ATTRIBUTES}3600")));
    assert_eq!(key_id(&me.set_cookies[0]), 2);
    let after_rotation = jar_session(&jar, &server).unwrap();
    assert_eq!(Header::peek(&after_rotation).unwrap().header.key_id, 2);
    let res = post(&client, &server, "/counter", Some(&csrf)).await;
    assert_eq!(res.body, r#"{"count":4}"#, "the data survived the rotation");

    // A server that dropped key 1 would not have opened the old cookie.
    let only_new = Server::start(sessions(Keyring::new(2, &new), &clock));
    let stale = get_with_cookie(
        &only_new,
        "/me",
        &format!("__Host-session={before_rotation}"),
    )
    .await;
    assert_eq!(
        (stale.status, stale.set_cookies),
        (StatusCode::UNAUTHORIZED, vec![DELETE.to_owned()])
    );
    only_new.stop().await;

    let logout = post(&client, &server, "/logout", Some(&csrf)).await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT);
    assert_eq!(logout.set_cookies, [DELETE]);
    assert_eq!(
        jar.cookies(&server.base_url()),
        None,
        "the jar holds no cookie"
    );
    let me = get(&client, &server, "/me").await;
    assert_eq!(
        (me.status, me.set_cookies.len()),
        (StatusCode::UNAUTHORIZED, 0)
    );
    server.stop().await;
}

/// A cookie altered by one character does not open: the request gets a
/// fresh, empty session, and the response deletes the bad cookie.
#[actix_web::test]
async fn tampered_cookie_gets_a_fresh_session_and_a_deletion() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = Server::start(sessions(Keyring::new(1, &key(3)), &clock));
    let value = login_value(&server, 7).await;
    let tampered = format!("__Host-session={}", tamper(&value));

    let peek = get_with_cookie(&server, "/peek", &tampered).await;
    assert_eq!((peek.status, peek.body.as_str()), (StatusCode::OK, "{}"));
    assert_eq!(peek.set_cookies, [DELETE]);
    let me = get_with_cookie(&server, "/me", &tampered).await;
    assert_eq!(
        (me.status, me.set_cookies),
        (StatusCode::UNAUTHORIZED, vec![DELETE.to_owned()])
    );
    assert_eq!(me.vary, ["Cookie"]);

    // The stand-in session is a working session: logging in replaces the
    // bad cookie with a good one (a Set-Cookie, not a deletion).
    let login = post_login(&plain_client(), &server, 8, Some(&tampered)).await;
    assert_eq!(login.set_cookies.len(), 1);
    assert!(login.set_cookies[0].ends_with(&format!("{ATTRIBUTES}3600")));
    server.stop().await;
}

/// Past the idle timeout a cookie is rejected like a tampered one: a fresh
/// session and a deletion.
#[actix_web::test]
async fn expired_cookie_gets_a_fresh_session_and_a_deletion() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = Server::start(sessions(Keyring::new(1, &key(4)), &clock));
    let cookie = format!("__Host-session={}", login_value(&server, 7).await);

    clock.set(T0 + 3601); // idle timeout: 3600 s
    let me = get_with_cookie(&server, "/me", &cookie).await;
    assert_eq!(
        (me.status, me.body.as_str()),
        (StatusCode::UNAUTHORIZED, app::UNAUTHORIZED)
    );
    assert_eq!(me.set_cookies, [DELETE]);
    server.stop().await;
}

/// An unchanged session is sealed again once its cookie is a minute old
/// (the idle timeout then counts from the last request), but never past
/// the absolute timeout: a refreshed cookie still dies an hour after login.
#[actix_web::test]
async fn refresh_after_a_minute_and_the_absolute_timeout() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = Server::start(sessions(Keyring::new(1, &key(5)), &clock));
    let cookie = format!("__Host-session={}", login_value(&server, 7).await);

    clock.set(T0 + 59);
    let me = get_with_cookie(&server, "/me", &cookie).await;
    assert_eq!(
        (me.status, me.set_cookies.len()),
        (StatusCode::OK, 0),
        "no refresh yet"
    );

    clock.set(T0 + 1800);
    let me = get_with_cookie(&server, "/me", &cookie).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.set_cookies.len(), 1, "refreshed");
    // Max-Age: what is left of the absolute hour.
    assert!(
        me.set_cookies[0].ends_with(&format!("{ATTRIBUTES}1800")),
        "{}",
        me.set_cookies[0]
    );
    let refreshed = session_value(&me.set_cookies[0]);
    assert_eq!(Header::peek(refreshed).unwrap().header.issued_at, T0 + 1800);
    let refreshed = format!("__Host-session={refreshed}");

    clock.set(T0 + 3601); // the refreshed cookie is 1801 s old, the session 3601 s
    let me = get_with_cookie(&server, "/me", &refreshed).await;
    assert_eq!(
        (me.status, me.set_cookies),
        (StatusCode::UNAUTHORIZED, vec![DELETE.to_owned()])
    );
    server.stop().await;
}

/// A session too large for one cookie (name and value over 4096 bytes,
/// after encryption) makes the response an empty 500 with no cookie; the
/// largest session that fits is set whole.
#[actix_web::test]
async fn oversized_session_is_an_empty_500_without_cookie() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = Server::start(sessions(Keyring::new(1, &key(6)), &clock));

    // The largest value that still fits, found over HTTP.
    let (mut fits, mut too_big) = (1000, 4096);
    while too_big - fits > 1 {
        let len = (fits + too_big) / 2;
        match get(&plain_client(), &server, &format!("/big/{len}"))
            .await
            .status
        {
            StatusCode::OK => fits = len,
            _ => too_big = len,
        }
    }
    let largest = get(&plain_client(), &server, &format!("/big/{fits}")).await;
    assert_eq!(
        (largest.status, largest.set_cookies.len()),
        (StatusCode::OK, 1)
    );
    let name_and_value = largest.set_cookies[0].split(';').next().unwrap().len() - 1; // the `=`
    assert!(
        (4093..=4096).contains(&name_and_value),
        "{name_and_value} bytes"
    );

    let over = get(&plain_client(), &server, &format!("/big/{too_big}")).await;
    assert_eq!(over.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!((over.body.as_str(), over.set_cookies.len()), ("", 0));

    // A logged-in user's cookie is left as it was.
    let cookie = format!("__Host-session={}", login_value(&server, 7).await);
    let over = get_with_cookie(&server, &format!("/big/{too_big}"), &cookie).await;
    assert_eq!(
        (over.status, over.set_cookies.len()),
        (StatusCode::INTERNAL_SERVER_ERROR, 0)
    );
    let me = get_with_cookie(&server, "/me", &cookie).await;
    assert_eq!(me.body, r#"{"user_id":7}"#);
    server.stop().await;
}

/// `error_handler` chooses the response that replaces the handler's when
/// the session cannot be saved.
#[actix_web::test]
async fn error_handler_replaces_the_response() {
    let clock = Arc::new(ManualClock::new(T0));
    let sessions = app::sessions(Keyring::new(1, &key(7)))
        .clock(Arc::clone(&clock))
        .build()
        .unwrap()
        .error_handler(|error, request| {
            HttpResponse::PayloadTooLarge().body(format!("{}: {error}", request.path()))
        });
    let server = Server::start(sessions);
    let over = get(&plain_client(), &server, "/big/5000").await;
    assert_eq!(over.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(over.body, "/big/5000: cookie too large");
    assert!(over.set_cookies.is_empty());
    server.stop().await;
}

/// Session swapping (login CSRF): an attacker plants their own authentic
/// cookie under the session's name beside the victim's (from a sibling
/// subdomain, with `Domain=`, or with a longer `Path`). Whichever is newer,
/// in either order, and on a same-second tie, neither identity wins: the
/// request gets an anonymous, empty session, and nothing is deleted, so
/// the victim's cookie is still there once the planted one is gone.
#[actix_web::test]
async fn planted_authentic_cookie_swaps_no_session() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = Server::start(sessions(Keyring::new(1, &key(8)), &clock));
    let older_attacker = login_value(&server, 666).await;
    clock.advance(10);
    let victim = login_value(&server, 1).await;
    let tied_attacker = login_value(&server, 667).await; // the same second
    clock.advance(10);
    let newer_attacker = login_value(&server, 668).await;

    for attacker in [&older_attacker, &tied_attacker, &newer_attacker] {
        for header in [
            format!("__Host-session={attacker}; __Host-session={victim}"),
            format!("__Host-session={victim}; __Host-session={attacker}"),
        ] {
            let me = get_with_cookie(&server, "/me", &header).await;
            assert_eq!(
                (me.status, me.body.as_str()),
                (StatusCode::UNAUTHORIZED, app::UNAUTHORIZED),
                "{header}"
            );
            assert!(me.set_cookies.is_empty(), "nothing deleted: {header}");
            assert_eq!(me.vary, ["Cookie"]);
            let peek = get_with_cookie(&server, "/peek", &header).await;
            assert_eq!((peek.body.as_str(), peek.set_cookies.len()), ("{}", 0));
        }
    }
    // The victim's own cookie, alone, is still theirs.
    let me = get_with_cookie(&server, "/me", &format!("__Host-session={victim}")).await;
    assert_eq!(me.body, r#"{"user_id":1}"#);
    server.stop().await;
}

/// An automatic refresh on a route that never touches the session still
/// says `Vary: Cookie`: the response carries a `Set-Cookie`, which a shared
/// cache must not hand to other users.
#[actix_web::test]
async fn refresh_on_an_untouched_route_says_vary_cookie() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = Server::start(sessions(Keyring::new(1, &key(17)), &clock));
    let cookie = format!("__Host-session={}", login_value(&server, 7).await);

    let fresh = get_with_cookie(&server, "/untouched", &cookie).await;
    assert_eq!((fresh.set_cookies.len(), fresh.vary.len()), (0, 0));
    clock.set(T0 + 120); // past the one-minute refresh
    let refreshed = get_with_cookie(&server, "/untouched", &cookie).await;
    assert_eq!(refreshed.status, StatusCode::OK);
    assert_eq!(refreshed.set_cookies.len(), 1, "refreshed");
    assert!(refreshed.set_cookies[0].ends_with(&format!("{ATTRIBUTES}3480")));
    assert_eq!(refreshed.vary, ["Cookie"]);
    server.stop().await;
}

/// Garbage under the session's name next to the genuine cookie, in either
/// order: the genuine one opens, and nothing is deleted.
#[actix_web::test]
async fn garbage_next_to_the_genuine_cookie_in_both_orders() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = Server::start(sessions(Keyring::new(1, &key(9)), &clock));
    let genuine = login_value(&server, 5).await;
    for header in [
        format!("__Host-session=AQABgarbage; __Host-session={genuine}"),
        format!("__Host-session={genuine}; __Host-session=AQABgarbage"),
    ] {
        let me = get_with_cookie(&server, "/me", &header).await;
        assert_eq!(
            (me.status, me.body.as_str()),
            (StatusCode::OK, r#"{"user_id":5}"#)
        );
        assert!(me.set_cookies.is_empty());
    }
    server.stop().await;
}

/// A handler that panics after changing the session: actix drops the
/// request (the client sees the connection close), no cookie is written,
/// and the session is as it was.
#[actix_web::test]
async fn handler_panic_leaves_the_cookie_alone() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = Server::start(sessions(Keyring::new(1, &key(10)), &clock));
    let (client, jar) = jar_client();
    let csrf = post_login(&client, &server, 42, None).await.csrf_token();
    assert_eq!(
        post(&client, &server, "/counter", Some(&csrf)).await.body,
        r#"{"count":1}"#
    );
    let before = jar.cookies(&server.base_url());

    let result = client.get(server.url("/panic")).send().await;
    assert!(result.is_err(), "a panic drops the connection: {result:?}");
    assert_eq!(jar.cookies(&server.base_url()), before);
    let peek = get(&client, &server, "/peek").await;
    assert_eq!(
        peek.body,
        format!(r#"{{"user_id":42,"csrf":"{csrf}","count":1}}"#)
    );
    server.stop().await;
}

/// 5xx responses, a handler's `Err` among them, write no cookie, not even
/// the deletion of a purged session; a 4xx does write.
#[actix_web::test]
async fn server_errors_leave_the_cookie_alone() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = Server::start(sessions(Keyring::new(1, &key(11)), &clock));
    let (client, _jar) = jar_client();
    let csrf = post_login(&client, &server, 42, None).await.csrf_token();
    let session = format!(r#"{{"user_id":42,"csrf":"{csrf}"}}"#);

    let res = get(&client, &server, "/unavailable").await;
    assert_eq!(
        (res.status, res.set_cookies.len()),
        (StatusCode::SERVICE_UNAVAILABLE, 0)
    );
    assert_eq!(
        res.vary,
        ["Cookie"],
        "the response still depended on the cookie"
    );
    let res = get(&client, &server, "/error").await;
    assert_eq!(
        (res.status, res.body.as_str()),
        (StatusCode::INTERNAL_SERVER_ERROR, "handler error")
    );
    assert!(res.set_cookies.is_empty());
    let res = get(&client, &server, "/purge-then-error").await;
    assert_eq!(
        (res.status, res.set_cookies.len()),
        (StatusCode::INTERNAL_SERVER_ERROR, 0)
    );
    assert_eq!(get(&client, &server, "/peek").await.body, session);

    let res = get(&client, &server, "/bad-request").await;
    assert_eq!(
        (res.status, res.set_cookies.len()),
        (StatusCode::BAD_REQUEST, 1)
    );
    let peek = get(&client, &server, "/peek").await;
    assert_eq!(
        peek.body,
        format!(r#"{{"user_id":42,"csrf":"{csrf}","note":"4xx"}}"#)
    );
    server.stop().await;
}

/// `Vary: Cookie` exactly when the handler read or wrote the session, once.
#[actix_web::test]
async fn vary_cookie_iff_the_session_was_read() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = Server::start(sessions(Keyring::new(1, &key(12)), &clock));
    let (client, _jar) = jar_client();
    let untouched = get(&client, &server, "/untouched").await;
    assert_eq!((untouched.vary.len(), untouched.set_cookies.len()), (0, 0));
    let me = get(&client, &server, "/me").await;
    assert_eq!(
        (me.status, me.vary, me.set_cookies.len()),
        (StatusCode::UNAUTHORIZED, vec!["Cookie".to_owned()], 0)
    );

    post_login(&client, &server, 42, None).await;
    let untouched = get(&client, &server, "/untouched").await;
    assert_eq!((untouched.vary.len(), untouched.set_cookies.len()), (0, 0));
    let me = get(&client, &server, "/me").await;
    assert_eq!(me.vary, ["Cookie"]);
    let own = get(&client, &server, "/own-vary").await;
    assert_eq!(own.vary, ["Accept-Encoding, cookie"], "not added twice");
    server.stop().await;
}

/// An `Err` from a middleware inside the session middleware (an
/// authentication middleware's 401, a panic-catching middleware's 500):
/// rendered as actix-web renders it, with the session's headers added when
/// there are any (here the deletion of a tampered cookie, as on any 4xx,
/// and `Vary: Cookie`), and passed through untouched when there are none.
#[actix_web::test]
async fn an_inner_middlewares_error_gets_the_sessions_headers() {
    let clock = Arc::new(ManualClock::new(T0));
    let sessions = sessions(Keyring::new(1, &key(18)), &clock);
    let server = serve!(move || {
        App::new()
            .wrap(middleware::from_fn(
                |request: ServiceRequest, next: Next<BoxBody>| async move {
                    if request.path() == "/guarded" {
                        return Err(error::ErrorUnauthorized("no entry"));
                    }
                    next.call(request).await
                },
            ))
            .wrap(sessions.clone())
            .configure(app::routes)
    });
    let res = get(&plain_client(), &server, "/guarded").await;
    assert_eq!(
        (res.status, res.body.as_str()),
        (StatusCode::UNAUTHORIZED, "no entry")
    );
    assert_eq!((res.set_cookies.len(), res.vary.len()), (0, 0));

    let value = login_value(&server, 5).await;
    let tampered = format!("__Host-session={}", tamper(&value));
    let res = get_with_cookie(&server, "/guarded", &tampered).await;
    assert_eq!(
        (res.status, res.body.as_str()),
        (StatusCode::UNAUTHORIZED, "no entry")
    );
    assert_eq!(res.set_cookies, [DELETE]);
    assert_eq!(res.vary, ["Cookie"]);
    // A valid cookie the inner middleware did not read: nothing to add.
    let res = get_with_cookie(&server, "/guarded", &format!("__Host-session={value}")).await;
    assert_eq!((res.set_cookies.len(), res.vary.len()), (0, 0));
    server.stop().await;
}

/// Bytes that are not ASCII (not even UTF-8) in other cookies, and the
/// session cookie in a second `Cookie` header, do not hide the session.
#[actix_web::test]
async fn non_ascii_bytes_and_split_headers_do_not_hide_the_session() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = Server::start(sessions(Keyring::new(1, &key(13)), &clock));
    let value = login_value(&server, 9).await;

    let mut raw = b"th\xe9me=\xff\xfe; caf\xc3\xa9=cr\xe8me; __Host-session=".to_vec();
    raw.extend_from_slice(value.as_bytes());
    raw.extend_from_slice(b"; l\x80ng=\x81");
    let res = plain_client()
        .get(server.url("/me"))
        .header(COOKIE, HeaderValue::from_bytes(&raw).unwrap())
        .send()
        .await
        .unwrap();
    let me = Answer::read(res).await;
    assert_eq!(
        (me.status, me.body.as_str()),
        (StatusCode::OK, r#"{"user_id":9}"#)
    );
    assert!(me.set_cookies.is_empty());

    let res = plain_client()
        .get(server.url("/me"))
        .header(COOKIE, "theme=dark")
        .header(COOKIE, format!("__Host-session={value}"))
        .send()
        .await
        .unwrap();
    let me = Answer::read(res).await;
    assert_eq!(
        (me.status, me.body.as_str()),
        (StatusCode::OK, r#"{"user_id":9}"#)
    );
    server.stop().await;
}

/// Malformed `Cookie` headers: never a panic, never an error page; a
/// presented session value that does not open is deleted, anything else
/// leaves the cookie alone.
#[actix_web::test]
async fn hostile_cookie_headers_get_an_empty_session() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = Server::start(sessions(Keyring::new(1, &key(14)), &clock));
    let long = format!("__Host-session={}", "A".repeat(8000));
    let cases: [(&[u8], bool); 12] = [
        (b"", false),
        (b";;;;", false),
        (b"=", false),
        (b"==;=", false),
        (b"__Host-session", false),
        (b"__host-session=AQAB", false), // names are case-sensitive
        (b"__Host-session=", true),
        (b"__Host-session=\"\"", true),
        (b"__Host-session=\"AQAB", true),
        (b"__Host-session=AQAB\xff", false), // not ASCII: skipped
        (b"\t __Host-session = AQAB ; x", true),
        (long.as_bytes(), true),
    ];
    for (raw, deleted) in cases {
        let res = plain_client()
            .get(server.url("/peek"))
            .header(COOKIE, HeaderValue::from_bytes(raw).unwrap())
            .send()
            .await
            .unwrap();
        let peek = Answer::read(res).await;
        let shown = String::from_utf8_lossy(raw);
        assert_eq!(
            (peek.status, peek.body.as_str()),
            (StatusCode::OK, "{}"),
            "{shown}"
        );
        let expected: &[&str] = if deleted { &[DELETE] } else { &[] };
        assert_eq!(peek.set_cookies, expected, "{shown}");
    }
    server.stop().await;
}

/// Without the middleware, the extractor and `SessionExt` fail with a 500
/// that says what is missing, instead of handing out a session whose
/// changes would be lost.
#[actix_web::test]
async fn extractor_without_the_middleware_fails_loudly() {
    let server = serve!(|| App::new().configure(app::routes).configure(test_routes));
    for path in ["/me", "/ext"] {
        let res = get(&plain_client(), &server, path).await;
        assert_eq!(
            (res.status, res.body.as_str()),
            (StatusCode::INTERNAL_SERVER_ERROR, MISSING)
        );
        assert!(res.set_cookies.is_empty());
    }
    server.stop().await;
}

/// `SessionExt` on the `HttpRequest` reaches the same session as the
/// extractor.
#[actix_web::test]
async fn session_ext_reads_the_same_session() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = Server::start(sessions(Keyring::new(1, &key(15)), &clock));
    let cookie = format!("__Host-session={}", login_value(&server, 77).await);
    let ext = get_with_cookie(&server, "/ext", &cookie).await;
    assert_eq!(
        (ext.status, ext.body.as_str()),
        (StatusCode::OK, "Some(77)")
    );
    server.stop().await;
}

/// The example's demo keyring: key 2 seals, key 1 is the old one.
#[test]
fn demo_keyring_has_a_new_and_an_old_key() {
    let keyring = app::demo_keyring().unwrap();
    assert_eq!(keyring.primary_id(), 2);
    assert_eq!(keyring.ids().collect::<Vec<_>>(), [2, 1]);
}

/// Without keys the example refuses to start, unless `--demo` is given,
/// whose start-up message says that anyone can forge sessions; keys (from
/// the environment, as `keyring_from_environment` reads them in `main`)
/// win over `--demo`, and a key file others can read stops start-up.
#[test]
fn example_refuses_to_start_without_keys_unless_demo() {
    let args = |list: &[&str]| list.iter().map(|&arg| arg.to_owned()).collect::<Vec<_>>();
    let no_keys = || {
        Err(KeyringError::EnvMissing {
            var: "SEALED_SESSION_KEYS or SEALED_SESSION_KEYS_FILE".to_owned(),
        })
    };
    let error = app::startup(args(&[]), no_keys, None).err().unwrap();
    assert_eq!(
        error.to_string(),
        "no keys: set SEALED_SESSION_KEYS_FILE to a key file (chmod 600; \
         `sealed-session keygen` makes one) or SEALED_SESSION_KEYS to keyring text, \
         or pass --demo to try the example with public keys that let anyone forge sessions"
    );
    let error = app::startup(args(&["8080"]), no_keys, None).err().unwrap();
    assert_eq!(error.to_string(), app::NO_KEYS);
    let error = app::startup(args(&["--dmeo"]), no_keys, None)
        .err()
        .unwrap();
    assert_eq!(error.to_string(), "unknown flag --dmeo");

    let demo = app::startup(args(&["--demo", "8080"]), no_keys, None).unwrap();
    assert!(demo.demo);
    assert_eq!((demo.keyring.primary_id(), demo.port), (2, 8080));
    assert!(
        app::DEMO_WARNING.contains("PUBLIC demo keys")
            && app::DEMO_WARNING.contains("ANYONE CAN FORGE SESSIONS"),
        "{}",
        app::DEMO_WARNING
    );

    // A real key file (owner-only): used, and `--demo` means nothing then.
    let dir = std::env::temp_dir().join(format!("sealed-session-actix-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("keys.txt");
    {
        use std::io::Write as _;
        use std::os::unix::fs::OpenOptionsExt as _;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&path)
            .unwrap();
        file.write_all(b"7 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n")
            .unwrap();
    }
    let from_file = || keyring_from_file(&path);
    let real = app::startup(args(&["--demo"]), from_file, None).unwrap();
    assert!(!real.demo);
    assert_eq!((real.keyring.primary_id(), real.port), (7, 0));
    let port = app::startup(args(&[]), from_file, Some("9090".into())).unwrap();
    assert_eq!(port.port, 9090);
    // A key file others can read: refused, `--demo` or not.
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let error = app::startup(args(&["--demo"]), from_file, None)
        .err()
        .unwrap();
    assert!(
        error
            .to_string()
            .contains("(mode 0644); make it private with `chmod 600"),
        "{error}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The example works in a browser: a page at `/` (a login form, then the
/// user and the count), and 401, 403 and 404 answers with a body to show.
#[actix_web::test]
async fn example_serves_a_page_and_error_bodies() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = Server::start(sessions(Keyring::new(1, &key(16)), &clock));
    let (client, _jar) = jar_client();

    let page = get(&client, &server, "/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.content_type, "text/html; charset=utf-8");
    assert!(
        page.body.contains("<h1>Not logged in</h1>"),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"fetch("/login""#), "{}", page.body);

    let me = get(&client, &server, "/me").await;
    assert_eq!(
        (me.status, me.body.as_str()),
        (StatusCode::UNAUTHORIZED, app::UNAUTHORIZED)
    );
    let counter = post(&client, &server, "/counter", None).await;
    assert_eq!(
        (counter.status, counter.body.as_str()),
        (StatusCode::FORBIDDEN, app::FORBIDDEN)
    );
    assert_eq!(me.content_type, "text/plain; charset=utf-8");
    for path in ["/nope", "/login/"] {
        let missing = get(&client, &server, path).await;
        assert_eq!(
            (missing.status, missing.body.as_str()),
            (StatusCode::NOT_FOUND, app::NOT_FOUND)
        );
        assert_eq!(missing.content_type, "text/plain; charset=utf-8");
        assert!(missing.set_cookies.is_empty() && missing.vary.is_empty());
    }

    let csrf = post_login(&client, &server, 42, None).await.csrf_token();
    post(&client, &server, "/counter", Some(&csrf)).await;
    let page = get(&client, &server, "/").await;
    assert!(
        page.body.contains("<h1>Logged in as user 42</h1>"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(r#"<span id="count">1</span>"#),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(&format!(r#""X-CSRF-Token": "{csrf}""#)),
        "{}",
        page.body
    );
    assert_eq!(app::NOT_FOUND, "404 Not Found: the app is at /\n");
    server.stop().await;
}

// -------------------------------------------------------- test routes

/// Routes the tests add beside the example's, under the same middleware.
fn test_routes(config: &mut web::ServiceConfig) {
    config
        .route("/peek", web::get().to(peek))
        .route(
            "/untouched",
            web::get().to(|| async { HttpResponse::Ok().finish() }),
        )
        .route("/ext", web::get().to(ext))
        .route("/big/{len}", web::get().to(big))
        .route("/panic", web::get().to(panics))
        .route("/unavailable", web::get().to(unavailable))
        .route("/error", web::get().to(fails))
        .route("/purge-then-error", web::get().to(purge_then_error))
        .route("/bad-request", web::get().to(bad_request))
        .route("/own-vary", web::get().to(own_vary));
}

/// The session's JSON, exactly.
async fn peek(session: Session) -> String {
    session.with(|session| session.to_json_string())
}

/// The user id through `SessionExt`.
async fn ext(request: HttpRequest) -> actix_web::Result<String> {
    Ok(format!("{:?}", request.session()?.get::<u64>("user_id")?))
}

/// Stores `len` bytes.
async fn big(session: Session, len: web::Path<usize>) -> actix_web::Result<HttpResponse> {
    session.insert("big", "x".repeat(len.into_inner()))?;
    Ok(HttpResponse::Ok().finish())
}

async fn panics(session: Session) -> HttpResponse {
    let _ = session.insert("count", 1000);
    panic!("a deliberate panic in a handler: the test checks the cookie is left alone")
}

async fn unavailable(session: Session) -> HttpResponse {
    let _ = session.insert("count", 1000);
    HttpResponse::ServiceUnavailable().finish()
}

async fn fails(session: Session) -> actix_web::Result<HttpResponse> {
    session.insert("count", 1000)?;
    Err(error::ErrorInternalServerError("handler error"))
}

async fn purge_then_error(session: Session) -> HttpResponse {
    session.purge();
    HttpResponse::InternalServerError().finish()
}

async fn bad_request(session: Session) -> actix_web::Result<HttpResponse> {
    session.insert("note", "4xx")?;
    Err(error::ErrorBadRequest("bad request"))
}

/// Sets its own `Vary`, naming the cookie already, and reads the session.
async fn own_vary(session: Session) -> HttpResponse {
    let _ = session.get::<u64>("user_id");
    HttpResponse::Ok()
        .insert_header(("vary", "Accept-Encoding, cookie"))
        .finish()
}

// ------------------------------------------------------------- helpers

/// `value` with its middle character changed.
/// POST with a raw `Cookie` header and the CSRF token (no jar).
async fn post_with_cookie(server: &Server, path: &str, cookie: &str, csrf: &str) -> Answer {
    let request = plain_client()
        .post(server.url(path))
        .header(COOKIE, cookie)
        .header("x-csrf-token", csrf);
    Answer::read(request.send().await.unwrap()).await
}

/// Logs `user_id` in: the `Cookie` header value and the CSRF token.
async fn logged_in(server: &Server, user_id: u64) -> (String, String) {
    let login = post_login(&plain_client(), server, user_id, None).await;
    assert_eq!((login.status, login.set_cookies.len()), (StatusCode::OK, 1));
    let cookie = format!("__Host-session={}", session_value(&login.set_cookies[0]));
    (cookie, login.csrf_token())
}

/// The attack an outside review ran on the axum example, here on this one:
/// copy the cookie, log out, replay the copy. Logout revokes the session,
/// so the copy is refused (401 and a deletion), on reads and writes, while
/// another session of the same user is untouched.
#[actix_web::test]
async fn a_cookie_replayed_after_logout_is_refused() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = Server::start(sessions(Keyring::new(1, &key(31)), &clock));
    let (copy, csrf) = logged_in(&server, 42).await;
    let (other, _) = logged_in(&server, 42).await;
    assert_eq!(
        get_with_cookie(&server, "/me", &copy).await.status,
        StatusCode::OK
    );

    let logout = post_with_cookie(&server, "/logout", &copy, &csrf).await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT);
    assert_eq!(logout.set_cookies, [DELETE]);

    clock.advance(1);
    let replayed = get_with_cookie(&server, "/me", &copy).await;
    assert_eq!(
        (replayed.status, replayed.body.as_str()),
        (StatusCode::UNAUTHORIZED, app::UNAUTHORIZED)
    );
    assert_eq!(replayed.set_cookies, [DELETE]);
    let write = post_with_cookie(&server, "/counter", &copy, &csrf).await;
    assert_eq!(write.status, StatusCode::FORBIDDEN);
    assert_eq!(
        get_with_cookie(&server, "/me", &other).await.status,
        StatusCode::OK
    );
    server.stop().await;
}

/// Sign-out-everywhere: every session of the user is refused afterwards, a
/// later login is not, another user's session is untouched; a wrong CSRF
/// token changes nothing. `/health` answers 200 (no Redis here).
#[actix_web::test]
async fn logout_everywhere_refuses_every_session_of_the_user() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = Server::start(sessions(Keyring::new(1, &key(32)), &clock));
    let (laptop, csrf) = logged_in(&server, 42).await;
    let (phone, _) = logged_in(&server, 42).await;
    let (other_user, _) = logged_in(&server, 7).await;

    let forged = post_with_cookie(&server, "/logout-everywhere", &laptop, "x").await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(
        get_with_cookie(&server, "/me", &phone).await.status,
        StatusCode::OK
    );

    clock.advance(1);
    let reply = post_with_cookie(&server, "/logout-everywhere", &laptop, &csrf).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(reply.set_cookies, [DELETE]);
    for cookie in [&laptop, &phone] {
        assert_eq!(
            get_with_cookie(&server, "/me", cookie).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        get_with_cookie(&server, "/me", &other_user).await.status,
        StatusCode::OK
    );
    clock.advance(1);
    let (later, _) = logged_in(&server, 42).await;
    assert_eq!(
        get_with_cookie(&server, "/me", &later).await.status,
        StatusCode::OK
    );
    let health = get(&plain_client(), &server, "/health").await;
    assert_eq!(
        (health.status, health.body.as_str()),
        (StatusCode::OK, "ok\n")
    );
    server.stop().await;
}

/// `/health` answers 503 when the app's health check fails (the example's
/// `main` asks Redis's mirror).
#[actix_web::test]
async fn health_answers_503_when_failing_closed() {
    let clock = Arc::new(ManualClock::new(T0));
    let sessions = sessions(Keyring::new(1, &key(33)), &clock);
    let health = web::Data::new(app::Health::new(|| false));
    let server = serve!(move || {
        App::new()
            .app_data(health.clone())
            .wrap(sessions.clone())
            .configure(app::routes)
    });
    let answer = get(&plain_client(), &server, "/health").await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "failing closed: the revocation list is unavailable\n"
        )
    );
    server.stop().await;
}

/// Writes `text` next to `path` with `mode` and renames it over `path`.
fn replace_keys(path: &std::path::Path, text: &str, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    let temp = path.with_extension("tmp");
    std::fs::write(&temp, text).unwrap();
    std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(mode)).unwrap();
    std::fs::rename(&temp, path).unwrap();
}

/// The middleware over `Reloading`: the key file is replaced under a
/// running server and picked up by the watcher (polling every 20 ms): new
/// logins are sealed under the new key and a cookie under a removed key is
/// refused; a file others may read, or one that is not a keyring, keeps
/// the running keys and records why. A logout before a reload still holds
/// after it.
#[actix_web::test]
async fn the_middleware_reloads_the_key_file_and_keeps_the_keys_on_a_bad_one() {
    use sealed_session_actix::SessionCodec;
    use sealed_session_actix::sealed_session::{
        MemoryRevocations, ReloadError, ReloadOptions, Reloading, Revocations,
    };

    let dir = std::env::temp_dir().join(format!("actix-reload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("keys");
    let hex = |byte: u8| format!("{byte:02x}").repeat(32);
    replace_keys(&path, &format!("1 {}\n", hex(1)), 0o600);
    let list: Arc<dyn Revocations> = Arc::new(MemoryRevocations::new());
    let options = ReloadOptions::new().poll_interval(core::time::Duration::from_millis(20));
    let codecs = Reloading::watch(&path, options, move |keyring| {
        app::settings::<SessionCodec>(keyring)
            .revocations(Arc::clone(&list))
            .build()
    })
    .unwrap();
    let server = Server::start(SessionMiddleware::reloading(codecs.clone()));
    let login = post_login(&plain_client(), &server, 42, None).await;
    assert_eq!(key_id(&login.set_cookies[0]), 1);
    let old = format!("__Host-session={}", session_value(&login.set_cookies[0]));

    replace_keys(&path, &format!("2 {}\n", hex(2)), 0o600);
    let deadline = std::time::Instant::now() + core::time::Duration::from_secs(20);
    while codecs.status().reloads < 1 {
        assert!(std::time::Instant::now() < deadline, "never reloaded");
        actix_web::rt::time::sleep(core::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        get_with_cookie(&server, "/me", &old).await.status,
        StatusCode::UNAUTHORIZED
    );
    let login = post_login(&plain_client(), &server, 42, None).await;
    assert_eq!(key_id(&login.set_cookies[0]), 2);
    let new = format!("__Host-session={}", session_value(&login.set_cookies[0]));
    let csrf = login.csrf_token();

    replace_keys(&path, &format!("1 {}\n", hex(1)), 0o644);
    assert!(matches!(codecs.reload_now(), Err(ReloadError::Keyring(_))));
    replace_keys(&path, "2 not-a-key\n", 0o600);
    assert!(matches!(codecs.reload_now(), Err(ReloadError::Keyring(_))));
    assert!(codecs.status().last_error.is_some());
    assert_eq!(codecs.status().reloads, 1);
    assert_eq!(
        get_with_cookie(&server, "/me", &new).await.status,
        StatusCode::OK
    );

    let logout = post_with_cookie(&server, "/logout", &new, &csrf).await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT);
    replace_keys(&path, &format!("3 {}\n2 {}\n", hex(3), hex(2)), 0o600);
    codecs.reload_now().unwrap();
    assert_eq!(
        get_with_cookie(&server, "/me", &new).await.status,
        StatusCode::UNAUTHORIZED
    );
    server.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

fn tamper(value: &str) -> String {
    let mut bytes = value.as_bytes().to_vec();
    let middle = bytes.len() / 2;
    bytes[middle] = if bytes[middle] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

fn key(byte: u8) -> Key {
    Key::from_bytes([byte; 32])
}

/// The example's session settings, on the test's clock.
fn sessions(keyring: Keyring, clock: &Arc<ManualClock>) -> SessionMiddleware {
    app::sessions(keyring)
        .clock(Arc::clone(clock))
        .build()
        .unwrap()
}

/// A server on 127.0.0.1, port 0, with one worker, in this test's runtime.
struct Server {
    port: u16,
    handle: ServerHandle,
}

/// Starts `HttpServer::new($factory)`: a macro, because `HttpServer`'s
/// bounds are long to spell in a function.
macro_rules! serve {
    ($factory:expr) => {{
        let server = HttpServer::new($factory)
            .workers(1)
            .disable_signals()
            .shutdown_timeout(1)
            .bind((Ipv4Addr::LOCALHOST, 0))
            .unwrap();
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Server { port, handle }
    }};
}
use serve;

impl Server {
    /// The example's routes and the test routes, wrapped in `sessions`.
    fn start(sessions: SessionMiddleware) -> Self {
        serve!(move || {
            App::new()
                .wrap(sessions.clone())
                .configure(app::routes)
                .configure(test_routes)
        })
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn base_url(&self) -> Url {
        self.url("/").parse().unwrap()
    }

    async fn stop(self) {
        self.handle.stop(true).await;
    }
}

/// A client with a cookie jar, as a browser keeps cookies. reqwest's jar
/// treats 127.0.0.1 as a secure origin, so it keeps `__Host-` cookies over
/// plain HTTP, as browsers do for localhost.
fn jar_client() -> (Client, Arc<Jar>) {
    let jar = Arc::new(Jar::default());
    let client = Client::builder()
        .cookie_provider(Arc::clone(&jar))
        .build()
        .unwrap();
    (client, jar)
}

/// A client without a jar: the test writes the `Cookie` header itself.
fn plain_client() -> Client {
    Client::new()
}

/// A response, read whole.
#[derive(Debug)]
struct Answer {
    status: StatusCode,
    content_type: String,
    set_cookies: Vec<String>,
    vary: Vec<String>,
    body: String,
}

impl Answer {
    async fn read(res: Response) -> Self {
        let all = |name| -> Vec<String> {
            res.headers()
                .get_all(name)
                .iter()
                .map(|value| value.to_str().unwrap().to_owned())
                .collect()
        };
        let (set_cookies, vary) = (all(SET_COOKIE), all(VARY));
        let content_type = all(CONTENT_TYPE).join(", ");
        Self {
            status: res.status(),
            content_type,
            set_cookies,
            vary,
            body: res.text().await.unwrap(),
        }
    }

    /// The CSRF token in a login answer.
    fn csrf_token(&self) -> String {
        let body: serde_json::Value = serde_json::from_str(&self.body).unwrap();
        body["csrf_token"].as_str().unwrap().to_owned()
    }
}

async fn get(client: &Client, server: &Server, path: &str) -> Answer {
    Answer::read(client.get(server.url(path)).send().await.unwrap()).await
}

async fn get_with_cookie(server: &Server, path: &str, cookie: &str) -> Answer {
    let request = plain_client().get(server.url(path)).header(COOKIE, cookie);
    Answer::read(request.send().await.unwrap()).await
}

async fn post(client: &Client, server: &Server, path: &str, csrf: Option<&str>) -> Answer {
    let mut request = client.post(server.url(path));
    if let Some(csrf) = csrf {
        request = request.header("x-csrf-token", csrf);
    }
    Answer::read(request.send().await.unwrap()).await
}

/// `POST /login` as `user_id`, with a raw `Cookie` header if given.
async fn post_login(
    client: &Client,
    server: &Server,
    user_id: u64,
    cookie: Option<&str>,
) -> Answer {
    let mut request = client
        .post(server.url("/login"))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(format!("user_id={user_id}"));
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    Answer::read(request.send().await.unwrap()).await
}

/// Logs `user_id` in and returns the session cookie's value.
async fn login_value(server: &Server, user_id: u64) -> String {
    let login = post_login(&plain_client(), server, user_id, None).await;
    assert_eq!((login.status, login.set_cookies.len()), (StatusCode::OK, 1));
    session_value(&login.set_cookies[0]).to_owned()
}

/// The value in a `Set-Cookie: __Host-session=<value>; …` header.
fn session_value(set_cookie: &str) -> &str {
    let pair = set_cookie.split(';').next().unwrap();
    pair.strip_prefix("__Host-session=").unwrap()
}

/// The key id in a `Set-Cookie` header's sealed value.
fn key_id(set_cookie: &str) -> u8 {
    Header::peek(session_value(set_cookie))
        .unwrap()
        .header
        .key_id
}

/// The session cookie's value in the jar, for the server's URL.
fn jar_session(jar: &Jar, server: &Server) -> Option<String> {
    let header = jar.cookies(&server.base_url())?;
    let header = header.to_str().unwrap();
    header
        .split("; ")
        .find_map(|pair| pair.strip_prefix("__Host-session="))
        .map(str::to_owned)
}

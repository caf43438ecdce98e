//! The example app (`examples/axum_app/app.rs`, included as is) over real
//! HTTP: a server on 127.0.0.1, port 0, and reqwest with a cookie jar.
//! Time is a `ManualClock` the test moves, shared with the layer through
//! the builder.

#![allow(clippy::unwrap_used, clippy::expect_used)]

extern crate alloc;

#[path = "../examples/axum_app/app.rs"]
#[allow(dead_code)]
mod app;

use alloc::sync::Arc;
use core::time::Duration;

use axum::Router;
use axum::extract::Query;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use reqwest::cookie::{CookieStore, Jar};
use sealed_session_core::{Header, OVERHEAD};
use sealed_session_tower::sealed_session::{ManualClock, SessionCodec};
use sealed_session_tower::{Error, Keyring, Session, SessionLayer, TypedSession};
use serde_json::{Value, json};
use tower_http::catch_panic::CatchPanicLayer;

/// 2026-11-29, a fixed start.
const T0: u64 = 1_795_000_000;
const KEY_1: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const KEY_2: &str = "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";
const KEY_3: &str = "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f";
const NAME: &str = "__Host-session";
const DELETION: &str = "__Host-session=; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=0; \
                        Expires=Thu, 01 Jan 1970 00:00:00 GMT";

/// Key 2 seals, key 1 (old) still opens.
fn keys_before() -> Keyring {
    Keyring::from_text(&format!("2 {KEY_2}\n1 {KEY_1}\n")).unwrap()
}

/// Rotated: key 3 seals, key 2 still opens.
fn keys_after() -> Keyring {
    Keyring::from_text(&format!("3 {KEY_3}\n2 {KEY_2}\n")).unwrap()
}

/// Routes only the tests need: failures, a large session, a `Vary`.
fn test_routes() -> Router {
    async fn boom(session: Session) -> &'static str {
        session.insert("count", 999).unwrap();
        panic!("a handler bug");
    }
    async fn unavailable(session: Session) -> StatusCode {
        session.purge();
        StatusCode::SERVICE_UNAVAILABLE
    }
    #[derive(serde::Deserialize)]
    struct Fill {
        n: usize,
    }
    async fn fill(session: Session, Query(fill): Query<Fill>) -> Result<&'static str, Error> {
        session.insert("pad", "x".repeat(fill.n))?;
        Ok("filled")
    }
    async fn vary(session: Session) -> impl IntoResponse {
        let _ = session.get::<String>("user_id");
        ([(header::VARY, "accept-encoding")], "varies")
    }
    Router::new()
        .route("/boom", post(boom))
        .route("/unavailable", post(unavailable))
        .route("/fill", post(fill))
        .route("/vary", get(vary))
}

/// The example's layer, with the test's clock.
fn layer(keyring: Keyring, clock: &Arc<ManualClock>) -> SessionLayer {
    app::layer(keyring)
        .clock(Arc::clone(clock))
        .build()
        .unwrap()
}

/// The example app plus the test routes, under the example's layer.
fn app(keyring: Keyring, clock: &Arc<ManualClock>) -> Router {
    app::routes()
        .merge(test_routes())
        .layer(layer(keyring, clock))
}

/// A server on 127.0.0.1, port 0; stopped on drop.
struct Server {
    base: String,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    async fn start(router: Router) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let task = tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Self {
            base: format!("http://{address}"),
            task,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A browser-like client: a cookie jar that keeps `__Host-`/Secure cookies
/// on 127.0.0.1 over plain HTTP (as browsers do for loopback).
fn browser() -> (reqwest::Client, Arc<Jar>) {
    let jar = Arc::new(Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(Arc::clone(&jar))
        .build()
        .unwrap();
    (client, jar)
}

/// The session cookie's value in the jar, for `server`'s host.
fn jar_session(jar: &Jar, server: &Server) -> Option<String> {
    let cookies = jar.cookies(&server.base.parse().unwrap())?;
    cookies
        .to_str()
        .unwrap()
        .split("; ")
        .find_map(|pair| pair.strip_prefix("__Host-session="))
        .map(str::to_owned)
}

fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .collect()
}

fn vary(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all(header::VARY)
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .collect()
}

/// The value of a `Set-Cookie` header (`name=value; attributes`).
fn cookie_value(set_cookie: &str) -> &str {
    let pair = set_cookie.split(';').next().unwrap();
    pair.strip_prefix("__Host-session=").unwrap()
}

fn key_id(value: &str) -> u8 {
    Header::peek(value).unwrap().header.key_id
}

/// Logs in with `client`; returns the CSRF token.
async fn login(client: &reqwest::Client, server: &Server, user: &str) -> String {
    let response = client
        .post(server.url("/login"))
        .form(&[("user", user)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["user_id"], user);
    body["csrf"].as_str().unwrap().to_owned()
}

/// Logs in with a jar-less client: the cookie value and the CSRF token.
async fn login_raw(server: &Server, user: &str) -> (String, String) {
    let response = reqwest::Client::new()
        .post(server.url("/login"))
        .json(&json!({ "user": user }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cookies = set_cookies(&response);
    assert_eq!(cookies.len(), 1);
    let value = cookie_value(&cookies[0]).to_owned();
    let body: Value = response.json().await.unwrap();
    (value, body["csrf"].as_str().unwrap().to_owned())
}

/// `GET /me` with a raw `Cookie` header (no jar).
async fn me_raw(server: &Server, cookie: HeaderValue) -> reqwest::Response {
    reqwest::Client::new()
        .get(server.url("/me"))
        .header(header::COOKIE, cookie)
        .send()
        .await
        .unwrap()
}

async fn me(client: &reqwest::Client, server: &Server) -> (StatusCode, Value, Vec<String>) {
    let response = client.get(server.url("/me")).send().await.unwrap();
    let status = response.status();
    let cookies = set_cookies(&response);
    (status, response.json().await.unwrap(), cookies)
}

async fn count(client: &reqwest::Client, server: &Server, csrf: &str) -> reqwest::Response {
    client
        .post(server.url("/counter"))
        .header("x-csrf-token", csrf)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn login_me_counter_rotate_keys_logout() {
    let clock = Arc::new(ManualClock::new(T0));
    let (client, jar) = browser();
    let server = Server::start(app(keys_before(), &clock)).await;

    // Login: one cookie with the secure attributes, under key 2.
    let response = client
        .post(server.url("/login"))
        .form(&[("user", "ann")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cookies = set_cookies(&response);
    assert_eq!(cookies.len(), 1);
    assert!(
        cookies[0].starts_with("__Host-session=AQAC"),
        "{}",
        cookies[0]
    );
    assert!(cookies[0].ends_with("; HttpOnly; Secure; SameSite=Lax; Path=/"));
    assert_eq!(vary(&response), ["Cookie"]);
    let csrf = response.json::<Value>().await.unwrap()["csrf"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(csrf.len(), 43);
    assert_eq!(key_id(&jar_session(&jar, &server).unwrap()), 2);

    // A read: no Set-Cookie.
    let (status, body, cookies) = me(&client, &server).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({ "user_id": "ann", "csrf": csrf, "count": 0 }));
    assert!(cookies.is_empty());

    // Without the CSRF token: refused, nothing written.
    let response = count(&client, &server, "wrong").await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(set_cookies(&response).is_empty());

    for expected in 1..=3 {
        let response = count(&client, &server, &csrf).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(set_cookies(&response).len(), 1);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body, json!({ "count": expected }));
    }
    let before = jar_session(&jar, &server).unwrap();
    drop(server);

    // Restart with the keys rotated: key 3 seals, key 2 only opens. No
    // state survives but the browser's cookie.
    clock.advance(10);
    let server = Server::start(app(keys_after(), &clock)).await;
    let (status, body, cookies) = me(&client, &server).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({ "user_id": "ann", "csrf": csrf, "count": 3 }));
    assert_eq!(cookies.len(), 1, "the old key's cookie is re-sealed");
    let after = jar_session(&jar, &server).unwrap();
    assert_ne!(after, before);
    assert_eq!(key_id(&before), 2);
    assert_eq!(key_id(&after), 3);
    // Under the new key: nothing more to write.
    let (status, _, cookies) = me(&client, &server).await;
    assert_eq!(status, StatusCode::OK);
    assert!(cookies.is_empty());

    // Logout deletes the cookie, with the same attributes.
    let response = client
        .post(server.url("/logout"))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(set_cookies(&response), [DELETION]);
    assert_eq!(jar_session(&jar, &server), None);
    let (status, body, _) = me(&client, &server).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body, json!({ "error": "not logged in" }));
}

#[tokio::test]
async fn a_tampered_cookie_gets_a_fresh_session_and_a_deletion() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = Server::start(app(keys_before(), &clock)).await;
    let (value, _) = login_raw(&server, "ann").await;
    assert_eq!(
        me_raw(&server, format!("{NAME}={value}").parse().unwrap())
            .await
            .status(),
        StatusCode::OK
    );

    let mut tampered = value.into_bytes();
    let middle = tampered.len() / 2;
    tampered[middle] = if tampered[middle] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let response = me_raw(&server, format!("{NAME}={tampered}").parse().unwrap()).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(set_cookies(&response), [DELETION]);
    assert_eq!(vary(&response), ["Cookie"]);
}

#[tokio::test]
async fn an_idle_cookie_expires_and_is_deleted() {
    let clock = Arc::new(ManualClock::new(T0));
    let (client, jar) = browser();
    let server = Server::start(app(keys_before(), &clock)).await;
    login(&client, &server, "ann").await;

    clock.advance(3600); // exactly the idle timeout: still open
    let (status, _, cookies) = me(&client, &server).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cookies.len(), 1, "a refresh is due");

    clock.advance(3601); // an hour and a second without a request
    let (status, _, cookies) = me(&client, &server).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(cookies, [DELETION]);
    assert_eq!(jar_session(&jar, &server), None);
}

#[tokio::test]
async fn the_absolute_timeout_ends_an_active_session() {
    let clock = Arc::new(ManualClock::new(T0));
    let (client, _jar) = browser();
    let server = Server::start(app(keys_before(), &clock)).await;
    let csrf = login(&client, &server, "ann").await;

    clock.advance(50 * 60);
    assert_eq!(
        count(&client, &server, &csrf).await.status(),
        StatusCode::OK
    );
    clock.advance(9 * 60);
    assert_eq!(me(&client, &server).await.0, StatusCode::OK);
    // 61 minutes after login, 2 after the last request: over.
    clock.advance(2 * 60);
    let (status, _, cookies) = me(&client, &server).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(cookies, [DELETION]);
}

#[tokio::test]
async fn the_4096_byte_rule_on_name_and_value() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = Server::start(app(keys_before(), &clock)).await;
    let (value, _) = login_raw(&server, "ann").await;
    let cookie: HeaderValue = format!("{NAME}={value}").parse().unwrap();
    let fill = |n: usize| {
        reqwest::Client::new()
            .post(server.url(&format!("/fill?n={n}")))
            .header(header::COOKIE, cookie.clone())
            .send()
    };

    // The envelope's size with an empty pad; every pad byte adds one.
    let response = fill(0).await.unwrap();
    let empty = cookie_value(&set_cookies(&response)[0]).to_owned();
    let bytes = Header::peek(&empty).unwrap().ciphertext_len + OVERHEAD;
    // 3061 bytes are 4082 base64url characters: with the 14-byte name, 4096.
    let largest = 3061 - bytes;

    let response = fill(largest).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cookies = set_cookies(&response);
    assert_eq!(cookies.len(), 1);
    let (name, value) = cookies[0]
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap();
    assert_eq!(name.len() + value.len(), 4096);

    // One more byte: a 500, and no cookie at all (nothing truncated).
    let response = fill(largest + 1).await.unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(set_cookies(&response).is_empty());
    assert_eq!(vary(&response), ["Cookie"], "the session was touched");
    assert_eq!(response.text().await.unwrap(), "");

    // The browser's cookie is untouched and still works.
    let response = me_raw(&server, cookie).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<Value>().await.unwrap()["user_id"], "ann");
}

#[tokio::test]
async fn a_configured_handler_answers_an_oversized_session() {
    let clock = Arc::new(ManualClock::new(T0));
    let layer = layer(keys_before(), &clock).on_save_error(|error| {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("session not kept: {error}"),
        )
            .into_response()
    });
    let server = Server::start(app::routes().merge(test_routes()).layer(layer)).await;
    let (value, _) = login_raw(&server, "ann").await;
    let response = reqwest::Client::new()
        .post(server.url("/fill?n=5000"))
        .header(header::COOKIE, format!("{NAME}={value}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(set_cookies(&response).is_empty());
    assert_eq!(
        response.text().await.unwrap(),
        "session not kept: cookie too large"
    );
}

/// Issue 18, item 2: an attacker who can set a cookie of the session's name
/// for the victim's site (a sibling subdomain with `Domain=`, a longer
/// `Path`; possible only under a name without the `__Host-` prefix) plants
/// an authentic session of their own beside the victim's. It used to win
/// when newer (login CSRF: the victim acts in the attacker's account). Now
/// two authentic sessions that disagree on the id leave the request
/// anonymous, and nothing is deleted: neither identity wins, in any order.
#[tokio::test]
async fn an_attackers_authentic_cookie_beside_the_victims_wins_nothing() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = Server::start(app(keys_before(), &clock)).await;
    // The attacker's own genuine session, and the victim's, sealed a little
    // later; then one sealed in the same second as the victim's.
    let (attacker, _) = login_raw(&server, "mallory").await;
    clock.advance(10);
    let (victim, _) = login_raw(&server, "victim").await;
    let (same_second, _) = login_raw(&server, "mallory").await;

    for planted in [&attacker, &same_second] {
        for (first, second) in [(planted, &victim), (&victim, planted)] {
            let header = format!("{NAME}={first}; theme=dark; {NAME}={second}");
            let response = me_raw(&server, header.parse().unwrap()).await;
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{header}");
            assert!(
                set_cookies(&response).is_empty(),
                "nothing deleted: {header}"
            );
            assert_eq!(vary(&response), ["Cookie"]);
            assert_eq!(
                response.json::<Value>().await.unwrap(),
                json!({ "error": "not logged in" })
            );
        }
        // In separate Cookie headers too (as HTTP/2 sends them).
        for (first, second) in [(planted, &victim), (&victim, planted)] {
            let response = reqwest::Client::new()
                .get(server.url("/me"))
                .header(header::COOKIE, format!("{NAME}={first}"))
                .header(header::COOKIE, format!("{NAME}={second}"))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
            assert!(set_cookies(&response).is_empty());
        }
    }

    // A login through the ambiguity starts a fresh session (a new id); it
    // neither joins the attacker's account nor deletes either cookie.
    let response = reqwest::Client::new()
        .post(server.url("/login"))
        .header(
            header::COOKIE,
            format!("{NAME}={attacker}; {NAME}={victim}"),
        )
        .form(&[("user", "victim")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cookies = set_cookies(&response);
    assert_eq!(cookies.len(), 1);
    let fresh = cookie_value(&cookies[0]).to_owned();
    let response = me_raw(&server, format!("{NAME}={fresh}").parse().unwrap()).await;
    assert_eq!(response.json::<Value>().await.unwrap()["user_id"], "victim");
}

#[tokio::test]
async fn garbage_beside_the_real_cookie_hides_and_deletes_nothing() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = Server::start(app(keys_before(), &clock)).await;
    let (victim, _) = login_raw(&server, "victim").await;
    let garbage = "AQACAAAAAGsOFJcIUAeiUYIoz5R96IfuoZ0yFZvyF";
    for header in [
        format!("{NAME}={garbage}; theme=dark; {NAME}={victim}"),
        format!("{NAME}={victim}; theme=dark; {NAME}={garbage}"),
    ] {
        let response = me_raw(&server, header.parse().unwrap()).await;
        assert_eq!(response.status(), StatusCode::OK, "{header}");
        assert!(set_cookies(&response).is_empty(), "no deletion: {header}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["user_id"], "victim", "{header}");
    }
}

/// Issue 18, item 3: a refresh (the cookie is over a minute old) on a
/// response whose handler never touched the session still says
/// `Vary: Cookie`, so that no shared cache hands the cookie to others.
#[tokio::test]
async fn a_refresh_of_an_untouched_session_carries_vary_cookie() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = Server::start(app(keys_before(), &clock)).await;
    let (value, _) = login_raw(&server, "ann").await;
    let cookie = format!("{NAME}={value}");

    // Under a minute: the index page neither reads nor writes anything.
    clock.advance(59);
    let response = reqwest::Client::new()
        .get(server.url("/"))
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert!(set_cookies(&response).is_empty());
    assert!(vary(&response).is_empty());

    // A minute: the same page refreshes the cookie, with Vary.
    clock.advance(1);
    let response = reqwest::Client::new()
        .get(server.url("/"))
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cookies = set_cookies(&response);
    assert_eq!(cookies.len(), 1);
    assert_ne!(cookie_value(&cookies[0]), value);
    assert_eq!(vary(&response), ["Cookie"]);
}

#[tokio::test]
async fn non_ascii_bytes_do_not_hide_our_cookie() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = Server::start(app(keys_before(), &clock)).await;
    let (value, _) = login_raw(&server, "ann").await;
    let mut bytes = b"caf\xc3\xa9=cr\xc3\xa8me; theme=\xff\xfe; ".to_vec();
    bytes.extend_from_slice(format!("{NAME}={value}; n").as_bytes());
    bytes.extend_from_slice(b"\xe4me=x");
    let response = me_raw(&server, HeaderValue::from_bytes(&bytes).unwrap()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(set_cookies(&response).is_empty());
    assert_eq!(response.json::<Value>().await.unwrap()["user_id"], "ann");
}

/// Logs in and counts to one; returns the client, its jar and the token.
async fn logged_in_with_count_1(server: &Server) -> (reqwest::Client, Arc<Jar>, String) {
    let (client, jar) = browser();
    let csrf = login(&client, server, "ann").await;
    assert_eq!(count(&client, server, &csrf).await.status(), StatusCode::OK);
    (client, jar, csrf)
}

async fn assert_count_is_1(client: &reqwest::Client, server: &Server) {
    let (status, body, cookies) = me(client, server).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["count"], 1);
    assert!(cookies.is_empty());
}

#[tokio::test]
async fn a_handler_panic_behind_catch_panic_leaves_the_cookie_alone() {
    let clock = Arc::new(ManualClock::new(T0));
    let router = app::routes()
        .merge(test_routes())
        .layer(CatchPanicLayer::new()) // inside the session layer
        .layer(layer(keys_before(), &clock));
    let server = Server::start(router).await;
    let (client, jar, _) = logged_in_with_count_1(&server).await;
    let before = jar_session(&jar, &server);

    let response = client.post(server.url("/boom")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(set_cookies(&response).is_empty());
    assert_eq!(vary(&response), ["Cookie"], "the session was touched");
    assert_eq!(jar_session(&jar, &server), before);
    assert_count_is_1(&client, &server).await;
}

#[tokio::test]
async fn a_handler_panic_without_catch_panic_leaves_the_cookie_alone() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = Server::start(app(keys_before(), &clock)).await;
    let (client, jar, _) = logged_in_with_count_1(&server).await;
    let before = jar_session(&jar, &server);

    // The connection dies with the handler: no response at all.
    let error = client.post(server.url("/boom")).send().await.unwrap_err();
    assert!(error.is_request(), "{error:?}");
    assert_eq!(jar_session(&jar, &server), before);
    assert_count_is_1(&client, &server).await;
}

#[tokio::test]
async fn a_5xx_leaves_the_cookie_alone_even_after_a_logout() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = Server::start(app(keys_before(), &clock)).await;
    let (client, jar, _) = logged_in_with_count_1(&server).await;
    let before = jar_session(&jar, &server);

    let response = client
        .post(server.url("/unavailable"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(set_cookies(&response).is_empty());
    assert_eq!(vary(&response), ["Cookie"], "the session was touched");
    assert_eq!(jar_session(&jar, &server), before);
    assert_count_is_1(&client, &server).await;
}

#[tokio::test]
async fn vary_cookie_when_the_session_was_read_and_only_then() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = Server::start(app(keys_before(), &clock)).await;
    let (client, _jar) = browser();
    login(&client, &server, "ann").await;

    let response = client.get(server.url("/")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(vary(&response).is_empty());
    assert!(set_cookies(&response).is_empty());

    let response = client.get(server.url("/me")).send().await.unwrap();
    assert_eq!(vary(&response), ["Cookie"]);

    // Appended to the handler's own Vary.
    let response = client.get(server.url("/vary")).send().await.unwrap();
    assert_eq!(vary(&response), ["accept-encoding", "Cookie"]);

    // A read of a session without a cookie varies too.
    let response = reqwest::get(server.url("/me")).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(vary(&response), ["Cookie"]);
    assert!(set_cookies(&response).is_empty());
}

#[tokio::test]
async fn the_extractor_without_the_layer_says_so() {
    let server = Server::start(app::routes()).await;
    let response = reqwest::get(server.url("/me")).await.unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let text = response.text().await.unwrap();
    assert!(text.contains("is the layer installed?"), "{text}");
}

#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, Default, PartialEq)]
struct Cart {
    items: Vec<u32>,
}

#[tokio::test]
async fn a_typed_session_round_trips() {
    async fn add(cart: TypedSession<Cart>) -> String {
        let len = cart.update(|cart| {
            let cart = cart.get_or_insert_with(Cart::default);
            cart.items.push(7);
            cart.items.len()
        });
        len.to_string()
    }
    async fn show(cart: TypedSession<Cart>) -> String {
        format!("{:?}", cart.get().unwrap_or_default().items)
    }
    async fn empty(cart: TypedSession<Cart>) -> &'static str {
        cart.purge();
        "emptied"
    }
    let clock = Arc::new(ManualClock::new(T0));
    let layer = SessionLayer::typed_builder::<Cart>(keys_before())
        .idle_timeout(Duration::from_secs(3600))
        .absolute_timeout(Duration::from_secs(3600))
        .clock(Arc::clone(&clock))
        .build()
        .unwrap();
    let router = Router::new()
        .route("/add", post(add))
        .route("/show", get(show))
        .route("/empty", post(empty))
        .route("/json", get(|_: Session| async { "unreachable" }))
        .layer(layer);
    let server = Server::start(router).await;
    let (client, jar) = browser();
    for expected in ["1", "2"] {
        let response = client.post(server.url("/add")).send().await.unwrap();
        assert_eq!(set_cookies(&response).len(), 1);
        assert_eq!(response.text().await.unwrap(), expected);
    }
    let response = client.get(server.url("/show")).send().await.unwrap();
    assert!(set_cookies(&response).is_empty());
    assert_eq!(response.text().await.unwrap(), "[7, 7]");
    // Postcard: 26 bytes of metadata and 3 of cart, sealed.
    let value = jar_session(&jar, &server).unwrap();
    assert_eq!(Header::peek(&value).unwrap().ciphertext_len, 29);

    // A JSON extractor under a typed layer: the rejection says what is missing.
    let response = client.get(server.url("/json")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);

    let response = client.post(server.url("/empty")).send().await.unwrap();
    assert_eq!(set_cookies(&response), [DELETION]);
    assert_eq!(jar_session(&jar, &server), None);
}

#[tokio::test]
async fn the_flask_shared_settings_write_flask_json_under_session() {
    // The settings of examples/axum_flask_shared/main.rs.
    let clock = Arc::new(ManualClock::new(T0));
    let layer = app::layer(keys_before())
        .cookie_name("session")
        .secure(false)
        .clock(Arc::clone(&clock))
        .build()
        .unwrap();
    let server = Server::start(app::routes().layer(layer)).await;
    let (client, jar) = browser();
    let csrf = login(&client, &server, "ann").await;
    let response = count(&client, &server, &csrf).await;
    let cookies = set_cookies(&response);
    assert_eq!(cookies.len(), 1);
    assert!(cookies[0].starts_with("session="));
    assert!(
        cookies[0].ends_with("; HttpOnly; SameSite=Lax; Path=/"),
        "no Secure: {}",
        cookies[0]
    );

    // What a Flask app sees: the same keys, as Flask's JSON.
    let value = cookies[0]
        .split(';')
        .next()
        .unwrap()
        .strip_prefix("session=")
        .unwrap();
    let codec = SessionCodec::builder(keys_before())
        .cookie_name("session")
        .secure(false)
        .clock(Arc::clone(&clock))
        .build()
        .unwrap();
    let session = codec.open(value).unwrap();
    assert_eq!(
        session.to_flask_json(),
        format!(r#"{{"user_id":"ann","csrf":"{csrf}","count":1}}"#)
    );

    let response = client
        .post(server.url("/logout"))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(
        set_cookies(&response),
        [
            "session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
        ]
    );
    let cookies = jar.cookies(&server.base.parse().unwrap());
    assert!(cookies.is_none(), "{cookies:?}");
}

/// The crate's warning events, collected on this thread (the test's
/// runtime is single-threaded, so the server's events land here too).
#[derive(Clone, Default)]
struct Warnings(Arc<std::sync::Mutex<Vec<String>>>);

impl tracing::Subscriber for Warnings {
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        *metadata.level() == tracing::Level::WARN
            && metadata.target().starts_with("sealed_session_tower")
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        struct Text(String);
        impl tracing::field::Visit for Text {
            fn record_debug(
                &mut self,
                field: &tracing::field::Field,
                value: &dyn core::fmt::Debug,
            ) {
                self.0 += &format!("{}={value:?} ", field.name());
            }
        }
        let mut text = Text(String::new());
        event.record(&mut text);
        self.0.lock().unwrap().push(text.0);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// Issue 18, item 13: served over plain HTTP to a host that is not local
/// (a LAN address here), the `Secure` cookie would be dropped by the
/// browser without a word; the layer logs one warning that says so, once.
/// On localhost, or with no sign of plain HTTP, it says nothing.
#[tokio::test(flavor = "current_thread")]
async fn a_secure_cookie_over_plain_http_to_a_lan_host_warns_once() {
    let warnings = Warnings::default();
    let _guard = tracing::subscriber::set_default(warnings.clone());
    let clock = Arc::new(ManualClock::new(T0));
    let login_as = |server: &Server, host: &'static str, origin: Option<&'static str>| {
        let mut request = reqwest::Client::new()
            .post(server.url("/login"))
            .header(header::HOST, host)
            .form(&[("user", "ann")]);
        if let Some(origin) = origin {
            request = request.header(header::ORIGIN, origin);
        }
        request.send()
    };

    let server = Server::start(app(keys_before(), &clock)).await;
    // localhost over plain HTTP: browsers keep the cookie; no warning.
    let response = login_as(&server, "localhost:3000", Some("http://localhost:3000"))
        .await
        .unwrap();
    assert_eq!(set_cookies(&response).len(), 1);
    // A LAN host with no sign of plain HTTP (TLS may end in the process).
    login_as(&server, "192.168.1.5:3000", None).await.unwrap();
    assert!(warnings.0.lock().unwrap().is_empty());

    // The browser's Origin says http://192.168.1.5:3000: one warning.
    for _ in 0..3 {
        let response = login_as(&server, "192.168.1.5:3000", Some("http://192.168.1.5:3000"))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    let logged = warnings.0.lock().unwrap().clone();
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert!(logged[0].contains("host=192.168.1.5:3000"), "{}", logged[0]);
    assert!(
        logged[0].contains("browsers keep Secure cookies over http only on localhost"),
        "{}",
        logged[0]
    );
}

/// POST with a raw `Cookie` header and the CSRF token (no jar).
async fn post_raw(server: &Server, path: &str, cookie: &str, csrf: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(server.url(path))
        .header(header::COOKIE, cookie)
        .header("x-csrf-token", csrf)
        .send()
        .await
        .unwrap()
}

/// The attack an outside review ran: copy the cookie, log out, replay the
/// copy. Logout revokes the session, so the copy is refused on every route
/// (a fresh session: 401, and the response deletes the cookie), while
/// another session of the same user is untouched.
#[tokio::test]
async fn a_cookie_replayed_after_logout_is_refused() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = Server::start(app(keys_before(), &clock)).await;
    let (value, csrf) = login_raw(&server, "ann").await;
    let (other, _) = login_raw(&server, "ann").await;
    let copy = format!("{NAME}={value}");
    assert_eq!(
        me_raw(&server, HeaderValue::from_str(&copy).unwrap())
            .await
            .status(),
        StatusCode::OK
    );

    let logout = post_raw(&server, "/logout", &copy, &csrf).await;
    assert_eq!(logout.status(), StatusCode::OK);
    assert_eq!(set_cookies(&logout), [DELETION]);

    clock.advance(1);
    let replayed = me_raw(&server, HeaderValue::from_str(&copy).unwrap()).await;
    assert_eq!(replayed.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(set_cookies(&replayed), [DELETION]);
    let write = post_raw(&server, "/counter", &copy, &csrf).await;
    assert_eq!(write.status(), StatusCode::UNAUTHORIZED);
    let again = post_raw(&server, "/logout", &copy, &csrf).await;
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);

    let other = me_raw(
        &server,
        HeaderValue::from_str(&format!("{NAME}={other}")).unwrap(),
    )
    .await;
    assert_eq!(other.status(), StatusCode::OK);
}

/// Sign-out-everywhere: every session of the user (the subject named at
/// login) is refused afterwards, a later login is not, another user's
/// session is untouched; a forged CSRF token changes nothing.
#[tokio::test]
async fn logout_everywhere_refuses_every_session_of_the_user() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = Server::start(app(keys_before(), &clock)).await;
    let (laptop, csrf) = login_raw(&server, "ann").await;
    let (phone, _) = login_raw(&server, "ann").await;
    let (bob, _) = login_raw(&server, "bob").await;
    let cookie = |value: &str| HeaderValue::from_str(&format!("{NAME}={value}")).unwrap();

    let forged = post_raw(
        &server,
        "/logout-everywhere",
        &format!("{NAME}={laptop}"),
        "x",
    )
    .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        me_raw(&server, cookie(&phone)).await.status(),
        StatusCode::OK
    );

    clock.advance(1);
    let reply = post_raw(
        &server,
        "/logout-everywhere",
        &format!("{NAME}={laptop}"),
        &csrf,
    )
    .await;
    assert_eq!(reply.status(), StatusCode::OK);
    assert_eq!(set_cookies(&reply), [DELETION]);
    let body: Value = reply.json().await.unwrap();
    assert_eq!(body, json!({ "logged_out": true, "everywhere": true }));
    for value in [&laptop, &phone] {
        assert_eq!(
            me_raw(&server, cookie(value)).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(me_raw(&server, cookie(&bob)).await.status(), StatusCode::OK);
    clock.advance(1);
    let (later, _) = login_raw(&server, "ann").await;
    assert_eq!(
        me_raw(&server, cookie(&later)).await.status(),
        StatusCode::OK
    );
}

/// `/health`: 200 without a health check, and as the check says with one.
#[tokio::test]
async fn health_answers_what_the_check_says() {
    let clock = Arc::new(ManualClock::new(T0));
    let plain = Server::start(app(keys_before(), &clock)).await;
    let ok = reqwest::get(plain.url("/health")).await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(ok.json::<Value>().await.unwrap(), json!({ "status": "ok" }));

    let up = Arc::new(core::sync::atomic::AtomicBool::new(true));
    let probe = Arc::clone(&up);
    let health = app::Health::new(move || probe.load(core::sync::atomic::Ordering::Relaxed));
    let server = Server::start(
        app::routes()
            .layer(axum::Extension(health))
            .layer(layer(keys_before(), &clock)),
    )
    .await;
    assert_eq!(
        reqwest::get(server.url("/health")).await.unwrap().status(),
        StatusCode::OK
    );
    up.store(false, core::sync::atomic::Ordering::Relaxed);
    let down = reqwest::get(server.url("/health")).await.unwrap();
    assert_eq!(down.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        down.json::<Value>().await.unwrap(),
        json!({ "status": "failing closed" })
    );
}

/// Writes `text` next to `path` with `mode` and renames it over `path`, as
/// `sealed-session rotate` and secret volumes do.
#[cfg(unix)]
fn replace_keys(path: &std::path::Path, text: &str, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    let temp = path.with_extension("tmp");
    std::fs::write(&temp, text).unwrap();
    std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(mode)).unwrap();
    std::fs::rename(&temp, path).unwrap();
}

/// Waits (bounded: a broken watcher fails instead of hanging; no timing
/// is asserted) until `done` holds.
async fn eventually<F: core::future::Future<Output = bool>>(mut done: impl FnMut() -> F) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !done().await {
        assert!(std::time::Instant::now() < deadline, "never happened");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The layer over `Reloading`: the key file is replaced under a running
/// server. A new keyring is swapped in (new logins are sealed under the
/// new key; a cookie under a removed key is refused); a file others may
/// read, or one that is not a keyring, keeps the running keys (cookies
/// keep working) and says why in the status; `SIGHUP` reloads at once
/// when asked for, with polling an hour away. Logout still revokes across
/// reloads: the revocation list is built once, outside the build function.
#[cfg(unix)]
#[tokio::test]
async fn the_layer_reloads_the_key_file_and_keeps_the_keys_on_a_bad_one() {
    use sealed_session_tower::sealed_session::{
        MemoryRevocations, ReloadError, ReloadOptions, Reloading, Revocations,
    };

    let dir = std::env::temp_dir().join(format!("tower-reload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("keys");
    replace_keys(&path, &format!("1 {KEY_1}\n"), 0o600);
    let list: Arc<dyn Revocations> = Arc::new(MemoryRevocations::new());
    let options = ReloadOptions::new()
        .poll_interval(Duration::from_secs(3600))
        .on_sighup(true);
    let codecs = Reloading::watch(&path, options, move |keyring| {
        app::settings::<SessionCodec>(keyring)
            .revocations(Arc::clone(&list))
            .build()
    })
    .unwrap();
    let server = Server::start(app::routes().layer(SessionLayer::reloading(codecs.clone()))).await;
    let cookie = |value: &str| HeaderValue::from_str(&format!("{NAME}={value}")).unwrap();
    let (old, old_csrf) = login_raw(&server, "ann").await;
    assert_eq!(key_id(&old), 1);

    // Key 2 in, key 1 out; SIGHUP (the poll is an hour away).
    replace_keys(&path, &format!("2 {KEY_2}\n"), 0o600);
    signal_hook::low_level::raise(signal_hook::consts::SIGHUP).unwrap();
    eventually(|| async { codecs.status().reloads == 1 }).await;
    assert_eq!(
        me_raw(&server, cookie(&old)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let (new, csrf) = login_raw(&server, "ann").await;
    assert_eq!(key_id(&new), 2);
    drop(old_csrf);

    // A file its group may read, and one that is not a keyring: kept.
    replace_keys(&path, &format!("1 {KEY_1}\n"), 0o640);
    assert!(matches!(codecs.reload_now(), Err(ReloadError::Keyring(_))));
    replace_keys(&path, "1 not-a-key\n", 0o600);
    assert!(matches!(codecs.reload_now(), Err(ReloadError::Keyring(_))));
    assert!(codecs.status().last_error.is_some());
    assert_eq!(me_raw(&server, cookie(&new)).await.status(), StatusCode::OK);
    let (newer, _) = login_raw(&server, "bob").await;
    assert_eq!(key_id(&newer), 2);

    // Logout under one codec, replay under the next: still refused.
    let logout = post_raw(&server, "/logout", &format!("{NAME}={new}"), &csrf).await;
    assert_eq!(logout.status(), StatusCode::OK);
    replace_keys(&path, &format!("3 {KEY_3}\n2 {KEY_2}\n"), 0o600);
    codecs.reload_now().unwrap();
    assert_eq!(codecs.status().reloads, 2);
    assert_eq!(
        me_raw(&server, cookie(&new)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        me_raw(&server, cookie(&newer)).await.status(),
        StatusCode::OK
    );
    let _ = std::fs::remove_dir_all(&dir);
}

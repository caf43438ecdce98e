//! axum-login 0.18 on sealed sessions (feature `tower-sessions-0_14`), over
//! real HTTP: log in, restart the server (a new router, the same keys, no
//! state anywhere but the browser's cookie), still logged in, log out.

#![allow(clippy::unwrap_used, clippy::expect_used)]

extern crate alloc;

use alloc::sync::Arc;
use std::collections::HashMap;

use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_login::{AuthManager, AuthUser, AuthnBackend};
use reqwest::cookie::{CookieStore, Jar};
use sealed_session_tower::Keyring;
use sealed_session_tower::tower_sessions_0_14::TowerSessionsLayer;
use sealed_session_tower::tower_sessions_0_14::tower_sessions_core::Session;
use serde::Deserialize;
use tower::layer::layer_fn;

/// The whole point of the feature's version in its name: axum-login's
/// session type is the one this crate inserts. Compiles only if so.
#[allow(dead_code)]
fn same_session_type(session: axum_login::tower_sessions::Session) -> Session {
    session
}

const KEYS: &str = "\
2 202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f
1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
";

#[derive(Clone, Debug)]
struct User {
    id: i64,
    name: String,
    password: Vec<u8>,
}

impl AuthUser for User {
    type Id = i64;
    fn id(&self) -> i64 {
        self.id
    }
    fn session_auth_hash(&self) -> &[u8] {
        &self.password
    }
}

#[derive(Clone, Deserialize)]
struct Credentials {
    user: String,
    password: String,
}

/// The user directory (not session state): a fixed table.
#[derive(Clone, Debug)]
struct Backend(Arc<HashMap<i64, User>>);

#[derive(Debug)]
struct Never;

impl core::fmt::Display for Never {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("never")
    }
}

impl core::error::Error for Never {}

impl AuthnBackend for Backend {
    type User = User;
    type Credentials = Credentials;
    type Error = Never;

    async fn authenticate(&self, credentials: Credentials) -> Result<Option<User>, Never> {
        Ok(self
            .0
            .values()
            .find(|u| u.name == credentials.user && u.password == credentials.password.as_bytes())
            .cloned())
    }

    async fn get_user(&self, id: &i64) -> Result<Option<User>, Never> {
        Ok(self.0.get(id).cloned())
    }
}

type AuthSession = axum_login::AuthSession<Backend>;

async fn login(mut auth: AuthSession, Form(credentials): Form<Credentials>) -> impl IntoResponse {
    match auth.authenticate(credentials).await {
        Ok(Some(user)) => match auth.login(&user).await {
            Ok(()) => (StatusCode::OK, format!("welcome {}", user.name)),
            Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()),
        },
        _ => (StatusCode::UNAUTHORIZED, "bad credentials".to_owned()),
    }
}

async fn me(auth: AuthSession) -> impl IntoResponse {
    match auth.user {
        Some(user) => (StatusCode::OK, format!("{} ({})", user.name, user.id)),
        None => (StatusCode::UNAUTHORIZED, "anonymous".to_owned()),
    }
}

async fn counter(session: Session) -> String {
    let n: u64 = session.get("n").await.unwrap().unwrap_or(0) + 1;
    session.insert("n", n).await.unwrap();
    n.to_string()
}

async fn id(session: Session) -> String {
    session.id().map(|id| id.to_string()).unwrap_or_default()
}

async fn logout(mut auth: AuthSession) -> &'static str {
    auth.logout().await.unwrap();
    "bye"
}

async fn boom(session: Session) -> StatusCode {
    session.insert("n", 999).await.unwrap();
    StatusCode::INTERNAL_SERVER_ERROR
}

fn app() -> Router {
    let users = HashMap::from([(
        7,
        User {
            id: 7,
            name: "alice".into(),
            password: b"wonderland".to_vec(),
        },
    )]);
    let backend = Backend(Arc::new(users));
    let sessions = TowerSessionsLayer::builder(Keyring::from_text(KEYS).unwrap())
        .build()
        .unwrap();
    Router::new()
        .route("/login", post(login))
        .route("/me", get(me))
        .route("/counter", post(counter))
        .route("/id", get(id))
        .route("/logout", post(logout))
        .route("/boom", post(boom))
        // axum-login's AuthManagerLayer builds tower-sessions' own session
        // layer; its public AuthManager service goes inside ours instead.
        .layer(layer_fn(move |inner| {
            AuthManager::new(inner, backend.clone(), "axum-login.data")
        }))
        .layer(sessions)
}

async fn serve(router: Router) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let task = tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://{address}"), task)
}

fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

async fn text(client: &reqwest::Client, request: reqwest::RequestBuilder) -> (StatusCode, String) {
    let response = client.execute(request.build().unwrap()).await.unwrap();
    let status = response.status();
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn axum_login_on_sealed_sessions_survives_a_restart() {
    let jar = Arc::new(Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(Arc::clone(&jar))
        .build()
        .unwrap();
    let (base, server) = serve(app()).await;

    let (status, body) = text(&client, client.get(format!("{base}/me"))).await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::UNAUTHORIZED, "anonymous")
    );

    // An anonymous session first, to see login change its id.
    let (_, n) = text(&client, client.post(format!("{base}/counter"))).await;
    assert_eq!(n, "1");
    let (_, anonymous_id) = text(&client, client.get(format!("{base}/id"))).await;
    assert_eq!(anonymous_id.len(), 22);

    let bad = [("user", "alice"), ("password", "nope")];
    let response = client
        .post(format!("{base}/login"))
        .form(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    let good = [("user", "alice"), ("password", "wonderland")];
    let response = client
        .post(format!("{base}/login"))
        .form(&good)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cookies = set_cookies(&response);
    assert_eq!(cookies.len(), 1);
    assert!(cookies[0].starts_with("__Host-session="));
    assert!(cookies[0].ends_with("; HttpOnly; Secure; SameSite=Lax; Path=/"));
    assert_eq!(response.headers()[header::VARY], "Cookie");

    let (status, body) = text(&client, client.get(format!("{base}/me"))).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "alice (7)"));
    let (_, logged_in_id) = text(&client, client.get(format!("{base}/id"))).await;
    assert_eq!(logged_in_id.len(), 22);
    assert_ne!(logged_in_id, anonymous_id, "login cycles the id");

    for expected in ["2", "3", "4"] {
        let (_, n) = text(&client, client.post(format!("{base}/counter"))).await;
        assert_eq!(n, expected);
    }
    // A 500 saves nothing.
    let response = client.post(format!("{base}/boom")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(set_cookies(&response).is_empty());

    // A new server: nothing but the keys in common.
    server.abort();
    let (base, server) = serve(app()).await;
    let (status, body) = text(&client, client.get(format!("{base}/me"))).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "alice (7)"));
    let (_, n) = text(&client, client.post(format!("{base}/counter"))).await;
    assert_eq!(n, "5");
    let (_, id) = text(&client, client.get(format!("{base}/id"))).await;
    assert_eq!(id, logged_in_id, "the id is sealed in the cookie");

    let response = client.post(format!("{base}/logout")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        set_cookies(&response),
        [
            "__Host-session=; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=0; \
          Expires=Thu, 01 Jan 1970 00:00:00 GMT"
        ]
    );
    assert!(jar.cookies(&base.parse().unwrap()).is_none());
    let (status, _) = text(&client, client.get(format!("{base}/me"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    server.abort();
}

#[tokio::test]
async fn a_tampered_cookie_is_anonymous_and_deleted() {
    let (base, server) = serve(app()).await;
    let response = reqwest::Client::new()
        .get(format!("{base}/me"))
        .header(
            header::COOKIE,
            "__Host-session=AQACAAAAAGsOFJcIUAeiUYIoz5R96IfuoZ0yFZvyF",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        set_cookies(&response),
        [
            "__Host-session=; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=0; \
          Expires=Thu, 01 Jan 1970 00:00:00 GMT"
        ]
    );
    server.abort();
}

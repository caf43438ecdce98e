//! axum-login 0.18 on sealed sessions: log in, see who you are, log out,
//! with no session store (the session lives in the sealed cookie).
//!
//! ```text
//! SEALED_SESSION_KEYS_FILE=keys.txt cargo run -p sealed-session-tower-examples \
//!     --features axum-login --bin axum_login [-- PORT]
//! curl -c jar -b jar -d user=alice -d password=wonderland http://127.0.0.1:PORT/login
//! curl -c jar -b jar http://127.0.0.1:PORT/me
//! curl -c jar -b jar -X POST http://127.0.0.1:PORT/logout
//! ```
//!
//! Keys as in the other examples: `SEALED_SESSION_KEYS` or
//! `SEALED_SESSION_KEYS_FILE`, else it refuses to start (unless `--demo`).

#[path = "../keys.rs"]
mod keys;

extern crate alloc;

use alloc::sync::Arc;
use std::collections::HashMap;
use std::process::ExitCode;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_login::{AuthManager, AuthUser, AuthnBackend};
use sealed_session_tower::Keyring;
use sealed_session_tower::sealed_session::tokens_match;
use sealed_session_tower::tower_sessions_0_14::TowerSessionsLayer;
use serde::Deserialize;

/// A user as axum-login sees it.
#[derive(Clone, Debug)]
struct User {
    id: i64,
    name: String,
    /// Stands in for a password hash. axum-login keeps
    /// `session_auth_hash` in the session and compares it on every
    /// request: changing it (a password change) logs out every session.
    password: String,
}

impl AuthUser for User {
    type Id = i64;
    fn id(&self) -> i64 {
        self.id
    }
    fn session_auth_hash(&self) -> &[u8] {
        self.password.as_bytes()
    }
}

#[derive(Clone, Deserialize)]
struct Credentials {
    user: String,
    password: String,
}

/// The user directory: a fixed table here, a database in an app.
#[derive(Clone, Debug)]
struct Backend(Arc<HashMap<i64, User>>);

/// The backend's error: a database failure, in an app.
#[derive(Debug)]
struct BackendError;

impl core::fmt::Display for BackendError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("user directory unavailable")
    }
}

impl core::error::Error for BackendError {}

impl AuthnBackend for Backend {
    type User = User;
    type Credentials = Credentials;
    type Error = BackendError;

    async fn authenticate(&self, credentials: Credentials) -> Result<Option<User>, BackendError> {
        // A real app verifies a password hash (argon2, say).
        Ok(self
            .0
            .values()
            .find(|user| {
                user.name == credentials.user && tokens_match(&user.password, &credentials.password)
            })
            .cloned())
    }

    async fn get_user(&self, id: &i64) -> Result<Option<User>, BackendError> {
        Ok(self.0.get(id).cloned())
    }
}

type AuthSession = axum_login::AuthSession<Backend>;

/// How axum-login's errors become responses. `axum_login::Error` is
/// either `Session` (the session could not be read or written: with the
/// sealed cookie that never happens in the store, the sealed session's own
/// errors, a session too large say, come from the layer after the
/// handler) or `Backend` (the user directory failed). Both are server
/// errors: a 500, logged, with no detail for the client.
fn server_error(error: &axum_login::Error<Backend>) -> Response {
    eprintln!("error: {error}");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

/// `POST /login` with `user` and `password`: 200 and a new session id
/// (axum-login's `login` cycles it: no fixation), or 401.
async fn login(mut auth: AuthSession, Form(credentials): Form<Credentials>) -> Response {
    let user = match auth.authenticate(credentials).await {
        Ok(Some(user)) => user,
        Ok(None) => return (StatusCode::UNAUTHORIZED, "bad credentials\n").into_response(),
        Err(error) => return server_error(&error),
    };
    match auth.login(&user).await {
        Ok(()) => format!("welcome {}\n", user.name).into_response(),
        Err(error) => server_error(&error),
    }
}

/// `GET /me`: who is logged in, or 401.
async fn me(auth: AuthSession) -> Response {
    match auth.user {
        Some(user) => format!("{} ({})\n", user.name, user.id).into_response(),
        None => (StatusCode::UNAUTHORIZED, "anonymous\n").into_response(),
    }
}

/// `POST /logout`: the session is flushed and the response deletes the
/// cookie.
async fn logout(mut auth: AuthSession) -> Response {
    match auth.logout().await {
        Ok(_) => "bye\n".into_response(),
        Err(error) => server_error(&error),
    }
}

/// A page that does not use the session: outside axum-login's
/// `AuthManager` (which reads the session on every request it wraps), so
/// its responses carry no `Vary: Cookie` and stay cacheable.
async fn index() -> &'static str {
    "axum-login on sealed sessions: POST /login (user, password), GET /me, POST /logout\n"
}

fn app(keyring: Keyring) -> Result<Router, sealed_session_tower::ConfigError> {
    let users = HashMap::from([(
        7,
        User {
            id: 7,
            name: "alice".into(),
            password: "wonderland".into(),
        },
    )]);
    let backend = Backend(Arc::new(users));
    Ok(Router::new()
        .route("/login", post(login))
        .route("/me", get(me))
        .route("/logout", post(logout))
        // axum-login's `AuthManagerLayer` would install tower-sessions' own
        // session layer; its public `AuthManager` service goes inside the
        // sealed one instead. "axum-login.data" is the session key under
        // which axum-login keeps the user's id and `session_auth_hash`
        // (`AuthManagerLayer`'s default): a member of the sealed JSON
        // session, which a Flask app sharing the cookie sees too.
        .route_layer(tower_layer::layer_fn(move |inner| {
            AuthManager::new(inner, backend.clone(), "axum-login.data")
        }))
        .route("/", get(index))
        .layer(TowerSessionsLayer::builder(keyring).build()?))
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn core::error::Error>> {
    let args = keys::Args::parse()?;
    let app = app(keys::keyring(args.demo)?)?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

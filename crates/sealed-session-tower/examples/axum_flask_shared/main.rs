//! One session, two services: this axum service and a Flask app that uses
//! the `sealed_session` Python package read and write the same cookie.
//! Both implement the same small contract (the Flask side is
//! `crates/sealed-session-py/tests/apps/flask_app.py`), with JSON in and
//! out; the session holds `user` (a string) and `counter` (an integer), in
//! Flask's tagged JSON on both sides:
//!
//! - `POST /login` with `{"user": "ann"}`: a new session (a new id) for the
//!   user, permanent, counter 0; answers as `/me`
//! - `GET /me`: `{"user": "ann", "counter": 3}`, or `{"user": null, "counter": 0}`
//! - `POST /counter`: adds one; `{"counter": 4}`
//! - `POST /logout`: empties the session (the cookie is deleted); `{"user": null}`
//!
//! ```text
//! chmod 600 keys.txt   # the keyring file the Flask app reads too
//! SEALED_SESSION_KEYS_FILE=keys.txt cargo run -p sealed-session-tower --example axum_flask_shared [-- PORT]
//! ```
//!
//! The cookie is Flask's `session`, and `Secure` is off, explicitly, so that
//! it travels over plain HTTP between local test servers (a `__Host-` name
//! would require `Secure`). In production keep `Secure` on, on both sides
//! (`SESSION_COOKIE_SECURE = True` in Flask).

use axum::Json;
use axum::Router;
use axum::routing::{get, post};
use sealed_session_tower::{Error, Session, SessionLayer, keyring_from_file};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
struct Login {
    user: String,
}

fn me_of(session: &Session) -> Result<Value, Error> {
    let user: Option<String> = session.get("user")?;
    let counter: u64 = session.get("counter")?.unwrap_or(0);
    Ok(json!({ "user": user, "counter": counter }))
}

async fn login(session: Session, Json(login): Json<Login>) -> Result<Json<Value>, Error> {
    session.clear();
    session.regenerate();
    session.set_permanent(true);
    session.insert("user", &login.user)?;
    session.insert("counter", 0)?;
    Ok(Json(me_of(&session)?))
}

async fn me(session: Session) -> Result<Json<Value>, Error> {
    Ok(Json(me_of(&session)?))
}

async fn counter(session: Session) -> Result<Json<Value>, Error> {
    let counter = session.get::<u64>("counter")?.unwrap_or(0) + 1;
    session.insert("counter", counter)?;
    Ok(Json(json!({ "counter": counter })))
}

async fn logout(session: Session) -> Json<Value> {
    session.clear();
    Json(json!({ "user": null }))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn core::error::Error>> {
    let path = std::env::var_os("SEALED_SESSION_KEYS_FILE")
        .ok_or("set SEALED_SESSION_KEYS_FILE to the keyring file the Flask app uses")?;
    let port: u16 = match std::env::args()
        .nth(1)
        .or_else(|| std::env::var("PORT").ok())
    {
        Some(port) => port.parse()?,
        None => 0,
    };
    let layer = SessionLayer::builder(keyring_from_file(path)?)
        .with_name("session") // Flask's SESSION_COOKIE_NAME
        .with_secure(false) // plain-HTTP local testing only
        .build()?;
    let app = Router::new()
        .route("/login", post(login))
        .route("/me", get(me))
        .route("/counter", post(counter))
        .route("/logout", post(logout))
        .layer(layer);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

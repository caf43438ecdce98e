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
//! SEALED_SESSION_KEYS_FILE=keys.txt cargo run -p sealed-session-tower-examples --bin axum_flask_shared [-- PORT]
//! ```
//!
//! **For local testing only**, the cookie is `session` with `Secure` off,
//! so that it travels over plain HTTP between test servers and test
//! clients (Python's cookie jar drops a `Secure` cookie over `http://`,
//! even on localhost, and a `__Host-` name requires `Secure`). In
//! production use `__Host-session` with `Secure` on both sides: in Flask,
//! `SESSION_COOKIE_NAME = "__Host-session"`, `SESSION_COOKIE_SECURE = True`
//! and no `SESSION_COOKIE_DOMAIN`; here, the builder's defaults. An
//! unprefixed name lets a sibling subdomain (or a man in the middle on
//! plain HTTP) set a cookie of that name for this site: it cannot forge a
//! session, but it can plant an authentic session of its own (sealed for
//! its own account on a service sharing the keys), and two authentic
//! sessions that disagree leave the request anonymous, which logs the
//! user out.

use axum::Json;
use axum::Router;
use axum::routing::{get, post};
#[path = "../keys.rs"]
mod keys;

use std::process::ExitCode;

use sealed_session_tower::{Error, Session, SessionLayer};
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
    let layer = SessionLayer::builder(keys::keyring(args.demo)?)
        .cookie_name("session") // Flask's default SESSION_COOKIE_NAME; see above
        .secure(false) // plain-HTTP local testing only; see above
        .build()?;
    let app = Router::new()
        .route("/login", post(login))
        .route("/me", get(me))
        .route("/counter", post(counter))
        .route("/logout", post(logout))
        .layer(layer);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

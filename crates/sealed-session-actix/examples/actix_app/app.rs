//! The example app: login, `/me`, a counter, logout. `main.rs` serves it;
//! the HTTP tests (`tests/http.rs`) include this very file and serve it on
//! 127.0.0.1 with a real client.
//!
//! Every state-changing route is a POST that must carry the session's
//! CSRF token in an `X-CSRF-Token` header: a page on another site can
//! make the browser send the cookie, but it cannot read the token.

use core::time::Duration;

use actix_web::{HttpRequest, HttpResponse, Result, web};
use sealed_session_actix::sealed_session::{KEYS_ENV, keyring_from_env, keyring_from_file};
use sealed_session_actix::{HandlerError, Session, random_token, tokens_match};
use sealed_session_actix::{Keyring, SessionMiddleware, SessionMiddlewareBuilder};
use serde_json::json;

// ---------------------------------------------------------------- glue

/// The keyring: from the file named by `APP_KEYS_FILE` (`chmod 600`), else
/// from `SEALED_SESSION_KEYS`, else the demo keyring.
#[cfg_attr(test, allow(dead_code))] // main.rs only: the tests choose their keys
pub(crate) fn keyring() -> Result<Keyring, Box<dyn core::error::Error>> {
    Ok(match std::env::var_os("APP_KEYS_FILE") {
        Some(path) => keyring_from_file(path)?,
        None if std::env::var_os(KEYS_ENV).is_some() => keyring_from_env(KEYS_ENV)?,
        None => {
            eprintln!("WARNING: the PUBLIC demo keys seal these sessions; set {KEYS_ENV}");
            demo_keyring()?
        }
    })
}

/// The session settings: sessions end after an hour without a request, and
/// an hour after login in any case.
pub(crate) fn sessions(keyring: Keyring) -> SessionMiddlewareBuilder {
    SessionMiddleware::builder(keyring)
        .idle_timeout(Duration::from_secs(3600))
        .absolute_timeout(Duration::from_secs(3600))
}

// ------------------------------------------------------------- routes

/// The app's routes; `main.rs` wraps them in the session middleware.
pub(crate) fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/login", web::post().to(login))
        .route("/me", web::get().to(me))
        .route("/counter", web::post().to(counter))
        .route("/logout", web::post().to(logout));
}

/// The login form.
#[derive(serde::Deserialize)]
pub(crate) struct Login {
    user_id: u64,
}

/// `POST /login` (form `user_id=42`): logs in, answers
/// `{"user_id":42,"csrf_token":"…"}`.
async fn login(session: Session, form: web::Form<Login>) -> Result<HttpResponse> {
    // A real app checks a password here; this demo lets any user id in.
    session.regenerate(); // a new session id at login: no session fixation
    session.insert("user_id", form.user_id)?;
    let csrf_token = random_token()?;
    session.insert("csrf", &csrf_token)?;
    session.set_permanent(true); // the cookie survives a browser restart, for the hour
    Ok(HttpResponse::Ok().json(json!({ "user_id": form.user_id, "csrf_token": csrf_token })))
}

/// `GET /me`: `{"user_id":42}`, or 401 when not logged in.
async fn me(session: Session) -> Result<HttpResponse> {
    Ok(match session.get::<u64>("user_id")? {
        Some(user_id) => HttpResponse::Ok().json(json!({ "user_id": user_id })),
        None => HttpResponse::Unauthorized().finish(),
    })
}

/// `POST /counter`: counts this session's calls, `{"count":1}`…
async fn counter(session: Session, request: HttpRequest) -> Result<HttpResponse> {
    if !csrf_ok(&session, &request)? {
        return Ok(HttpResponse::Forbidden().finish());
    }
    let count = session.get::<u64>("count")?.unwrap_or(0) + 1;
    session.insert("count", count)?;
    Ok(HttpResponse::Ok().json(json!({ "count": count })))
}

/// `POST /logout`: ends the session; the response deletes the cookie.
async fn logout(session: Session, request: HttpRequest) -> Result<HttpResponse> {
    if !csrf_ok(&session, &request)? {
        return Ok(HttpResponse::Forbidden().finish());
    }
    session.purge();
    Ok(HttpResponse::NoContent().finish())
}

/// Whether the request is logged in and carries the session's CSRF token
/// in `X-CSRF-Token` (compared in constant time; an absent token never
/// matches).
fn csrf_ok(session: &Session, request: &HttpRequest) -> Result<bool, HandlerError> {
    let expected: String = session.get("csrf")?.unwrap_or_default();
    let given = request.headers().get("x-csrf-token");
    let given = given.and_then(|value| value.to_str().ok()).unwrap_or("");
    Ok(tokens_match(&expected, given))
}

// ----------------------------------------------------------- demo keys

/// !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
/// !!  DEMO KEYS. THEY ARE PUBLIC: THEY ARE IN THIS SOURCE FILE.        !!
/// !!  Anyone can read and FORGE sessions sealed with them (log in as   !!
/// !!  any user). Never deploy with them: generate your own with        !!
/// !!  `sealed-session keygen`, keep them in a `chmod 600` file or a    !!
/// !!  secret store, and pass them in APP_KEYS_FILE or                  !!
/// !!  SEALED_SESSION_KEYS.                                             !!
/// !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
///
/// Two keys, as after a rotation: key 2 seals, key 1 (the old one) only
/// opens the cookies it sealed, which come back sealed under key 2.
const DEMO_KEYS: &str = "\
2 p-YyTWXu8GlnRKMCOIuqNZ7cqiHrjr-TtrGQ4crlXaQ
1 1NBrnpmZOv02jd4J6xmETwLZK79T-fGwfKMhWdcX0ck
";

/// The demo keyring ([`DEMO_KEYS`]: public, never for production).
pub(crate) fn demo_keyring() -> Result<Keyring, Box<dyn core::error::Error>> {
    Ok(Keyring::from_text(DEMO_KEYS)?)
}

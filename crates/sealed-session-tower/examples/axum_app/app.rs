//! The example app: routes and session layer, shared by `main.rs`, the
//! Flask-shared example and the HTTP tests (which include this file with
//! `#[path]`, so they test exactly this code).

use core::time::Duration;

use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use sealed_session_tower::sealed_session::{random_token, tokens_match};
use sealed_session_tower::{Error, Keyring, Session, SessionCodecBuilder, SessionLayer};
use serde::Deserialize;
use serde_json::json;

/// One hour without a request ends a session, and so does one hour after login.
const HOUR: Duration = Duration::from_secs(3600);

/// The session layer's settings (the tests add a clock they control).
pub(crate) fn layer(keyring: Keyring) -> SessionCodecBuilder<SessionLayer> {
    SessionLayer::builder(keyring)
        .idle_timeout(HOUR)
        .absolute_timeout(HOUR)
}

/// The routes, without the layer.
pub(crate) fn routes() -> Router {
    Router::new()
        .route("/", get(index))
        .route("/login", post(login))
        .route("/me", get(me))
        .route("/counter", post(counter))
        .route("/logout", post(logout))
}

// ---- handlers ----

/// A page that never touches the session: no `Vary: Cookie`, no `Set-Cookie`.
async fn index() -> &'static str {
    "sealed-session example: POST /login (user=NAME), GET /me, POST /counter, POST /logout\n"
}

#[derive(Deserialize)]
struct Credentials {
    user: String,
}

/// Logs in as any non-empty user name (a demo: no password), with a new
/// session id (no fixation) and a CSRF token for the other POSTs.
async fn login(session: Session, request: Request) -> Result<Response, Error> {
    let json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let credentials = if json {
        Json::<Credentials>::from_request(request, &())
            .await
            .map(|Json(c)| c)
            .map_err(IntoResponse::into_response)
    } else {
        Form::<Credentials>::from_request(request, &())
            .await
            .map(|Form(c)| c)
            .map_err(IntoResponse::into_response)
    };
    let credentials = match credentials {
        Ok(credentials) if !credentials.user.is_empty() => credentials,
        Ok(_) => return Ok((StatusCode::BAD_REQUEST, "empty user").into_response()),
        Err(rejection) => return Ok(rejection),
    };
    session.regenerate();
    session.insert("user_id", &credentials.user)?;
    let csrf = random_token()?;
    session.insert("csrf", &csrf)?;
    Ok(Json(json!({ "user_id": credentials.user, "csrf": csrf })).into_response())
}

/// Who is logged in, the CSRF token and the counter.
async fn me(session: Session) -> Result<Response, Error> {
    let Some(user) = session.get::<String>("user_id")? else {
        return Ok((
            StatusCode::UNAUTHORIZED,
            Json(json!({ "error": "not logged in" })),
        )
            .into_response());
    };
    let csrf = session.get::<String>("csrf")?;
    let count = session.get::<u64>("count")?.unwrap_or(0);
    Ok(Json(json!({ "user_id": user, "csrf": csrf, "count": count })).into_response())
}

/// Adds one to `count`; needs the login and the `X-CSRF-Token` header.
async fn counter(session: Session, headers: HeaderMap) -> Result<Response, Error> {
    if let Some(refused) = check_csrf(&session, &headers)? {
        return Ok(refused);
    }
    let count = session.get::<u64>("count")?.unwrap_or(0) + 1;
    session.insert("count", count)?;
    Ok(Json(json!({ "count": count })).into_response())
}

/// Ends the session: the response deletes the cookie.
async fn logout(session: Session, headers: HeaderMap) -> Result<Response, Error> {
    if let Some(refused) = check_csrf(&session, &headers)? {
        return Ok(refused);
    }
    session.purge();
    Ok(Json(json!({ "logged_out": true })).into_response())
}

/// `None` when the request is logged in and carries the session's CSRF
/// token; else the response that refuses it.
fn check_csrf(session: &Session, headers: &HeaderMap) -> Result<Option<Response>, Error> {
    let Some(expected) = session.get::<String>("csrf")? else {
        return Ok(Some(
            (
                StatusCode::UNAUTHORIZED,
                Json(json!({ "error": "not logged in" })),
            )
                .into_response(),
        ));
    };
    let given = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if tokens_match(&expected, given) {
        Ok(None)
    } else {
        Ok(Some(
            (
                StatusCode::FORBIDDEN,
                Json(json!({ "error": "bad CSRF token" })),
            )
                .into_response(),
        ))
    }
}

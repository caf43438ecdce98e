//! The example app: routes and session layer, shared by `main.rs`, the
//! Flask-shared example and the HTTP tests (which include this file with
//! `#[path]`, so they test exactly this code).
//!
//! Logout revokes the session on the server (REVOCATION.md), so a copy of
//! the cookie taken before the logout is refused afterwards; the
//! revocation list is in memory unless `main` hands the layer Redis's.

use alloc::sync::Arc;
use core::time::Duration;

use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Json, Router};
use sealed_session_tower::sealed_session::revocation::RevocationError;
use sealed_session_tower::sealed_session::{MemoryRevocations, random_token, tokens_match};
use sealed_session_tower::{
    Error, Keyring, Session, SessionCodec, SessionCodecBuilder, SessionLayer,
};
use serde::Deserialize;
use serde_json::json;

/// One hour without a request ends a session, and so does one hour after login.
const HOUR: Duration = Duration::from_secs(3600);

/// The session settings, building a layer or (for `Reloading`) a codec.
/// Logout needs a revocation list: an in-memory one unless the caller sets
/// another (`.revocations(redis)`). The tests add a clock they control.
pub(crate) fn settings<T: From<SessionCodec>>(keyring: Keyring) -> SessionCodecBuilder<T> {
    SessionCodecBuilder::new(keyring)
        .idle_timeout(HOUR)
        .absolute_timeout(HOUR)
        .revocations(Arc::new(MemoryRevocations::new()))
}

/// The session layer's settings.
pub(crate) fn layer(keyring: Keyring) -> SessionCodecBuilder<SessionLayer> {
    settings(keyring)
}

/// Whether the instance can vouch for its revocation list (`/health`):
/// with Redis, false once the mirror fails closed. Without this extension
/// the app is always healthy.
#[derive(Clone)]
pub(crate) struct Health(Arc<dyn Fn() -> bool + Send + Sync>);

impl Health {
    /// A health check asking `probe`.
    #[cfg_attr(test, allow(dead_code))] // main.rs builds one; the tests may not
    pub(crate) fn new(probe: impl Fn() -> bool + Send + Sync + 'static) -> Self {
        Self(Arc::new(probe))
    }
}

/// The routes, without the layer.
pub(crate) fn routes() -> Router {
    Router::new()
        .route("/", get(index))
        .route("/login", post(login))
        .route("/me", get(me))
        .route("/counter", post(counter))
        .route("/logout", post(logout))
        .route("/logout-everywhere", post(logout_everywhere))
        .route("/health", get(health))
}

// ---- handlers ----

/// A page that never touches the session: no `Vary: Cookie`, no `Set-Cookie`.
async fn index() -> &'static str {
    "sealed-session example: POST /login (user=NAME), GET /me, POST /counter, POST /logout, \
     POST /logout-everywhere, GET /health\n"
}

#[derive(Deserialize)]
struct Credentials {
    user: String,
}

/// Logs in as any non-empty user name (a demo: no password), with a new
/// session id (no fixation), the user as the session's subject (for
/// `/logout-everywhere`) and a CSRF token for the other POSTs.
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
    if session
        .with(|session| session.set_subject(&credentials.user))
        .is_err()
    {
        return Ok((StatusCode::BAD_REQUEST, "user names are 1 to 255 bytes").into_response());
    }
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

/// Ends the session: revokes it on the server, so that a copy of the cookie
/// taken before is refused (on every instance sharing the list), and the
/// response deletes the cookie in this browser.
async fn logout(
    session: Session,
    Extension(codec): Extension<SessionCodec>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    if let Some(refused) = check_csrf(&session, &headers)? {
        return Ok(refused);
    }
    let revoked = session.with(|session| codec.revoke(session));
    if let Some(failed) = revoke_failed(revoked) {
        return Ok(failed);
    }
    session.purge();
    Ok(Json(json!({ "logged_out": true })).into_response())
}

/// Sign-out-everywhere: revokes every session of the logged-in user created
/// before now, on every instance, and this one.
async fn logout_everywhere(
    session: Session,
    Extension(codec): Extension<SessionCodec>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    if let Some(refused) = check_csrf(&session, &headers)? {
        return Ok(refused);
    }
    let revoked = session.with(|session| {
        // This session too, even if it began within the current second
        // (the subject entry covers sessions created strictly before it).
        codec.revoke(session)?;
        match session.subject() {
            Some(subject) => codec.revoke_subject(subject),
            None => Ok(()),
        }
    });
    if let Some(failed) = revoke_failed(revoked) {
        return Ok(failed);
    }
    session.purge();
    Ok(Json(json!({ "logged_out": true, "everywhere": true })).into_response())
}

/// `/health`: 200 while the revocation list can vouch for itself, 503 when
/// it fails closed (Redis down past the window), for a load balancer.
async fn health(request: Request) -> Response {
    let healthy = request
        .extensions()
        .get::<Health>()
        .is_none_or(|health| (health.0)());
    if healthy {
        Json(json!({ "status": "ok" })).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "failing closed" })),
        )
            .into_response()
    }
}

/// A revoke that Redis did not take is still in force on this instance
/// (and written back when Redis returns): logged, and the logout goes on.
/// Any other failure (no list configured) answers 500, so a logout never
/// looks done when it is not.
fn revoke_failed(result: Result<(), RevocationError>) -> Option<Response> {
    match result {
        Ok(()) => None,
        Err(RevocationError::Unavailable(why)) => {
            eprintln!("warning: the revocation is not shared yet ({why}); refused here already");
            None
        }
        Err(error) => {
            eprintln!("error: logout not recorded: {error}");
            Some(
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Json(json!({ "error": "logout not recorded" })),
                )
                    .into_response(),
            )
        }
    }
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

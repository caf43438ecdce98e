//! The example app: login, `/me`, a counter, logout. `main.rs` serves it;
//! the HTTP tests (`tests/http.rs`) include this very file and serve it on
//! 127.0.0.1 with a real client.
//!
//! Every state-changing route is a POST that must carry the session's
//! CSRF token in an `X-CSRF-Token` header: a page on another site can
//! make the browser send the cookie, but it cannot read the token.
//!
//! Logout revokes the session on the server (REVOCATION.md), so a copy of
//! the cookie taken before the logout is refused afterwards: in memory by
//! default, through Redis with `--redis URL` (`main.rs`).

use alloc::sync::Arc;
use core::time::Duration;
use std::ffi::OsString;
use std::path::PathBuf;

use actix_web::{HttpRequest, HttpResponse, Result, web};
use sealed_session_actix::sealed_session::revocation::RevocationError;
use sealed_session_actix::sealed_session::{KeyringError, MemoryRevocations, tokens_match};
use sealed_session_actix::{HandlerError, Keyring, SessionCodec, SessionCodecBuilder};
use sealed_session_actix::{Session, SessionMiddleware, random_token};
use serde_json::json;

// ---------------------------------------------------------------- glue

/// The flag that runs the example with the public demo keys.
pub(crate) const DEMO_FLAG: &str = "--demo";

/// What `main` prints at start-up with [`DEMO_FLAG`].
pub(crate) const DEMO_WARNING: &str = "WARNING: --demo: these sessions are sealed with the PUBLIC demo keys \
     from the example's source, so ANYONE CAN FORGE SESSIONS (log in as any user). \
     Never expose this server; give it keys in SEALED_SESSION_KEYS_FILE or SEALED_SESSION_KEYS.";

/// Why the example refuses to start without keys.
pub(crate) const NO_KEYS: &str = "no keys: set SEALED_SESSION_KEYS_FILE to a key file (chmod 600; \
     `sealed-session keygen` makes one) or SEALED_SESSION_KEYS to keyring text, \
     or pass --demo to try the example with public keys that let anyone forge sessions";

/// What `main` starts: the keyring, the port, whether the keys are the
/// demo's, and the fleet options.
#[cfg_attr(test, allow(dead_code))] // main.rs reads every field
pub(crate) struct Startup {
    pub(crate) keyring: Keyring,
    pub(crate) port: u16,
    pub(crate) demo: bool,
    /// `--keys FILE`: the key file, watched and reloaded when it changes.
    pub(crate) keys_file: Option<PathBuf>,
    /// `--redis URL`: revocations shared through Redis.
    pub(crate) redis: Option<String>,
    /// `--fail-closed-after SECONDS`: the Redis outage window.
    pub(crate) fail_closed_after: Option<u64>,
}

/// Reads the command line (`[--demo] [--port PORT | PORT] [--keys FILE]
/// [--redis URL [--fail-closed-after SECONDS]]`) and the keys: from
/// `--keys FILE` when given, else from `keys`, which is
/// `sealed_session::keyring_from_environment` in `main` (the text in
/// `SEALED_SESSION_KEYS`, else the file named by
/// `SEALED_SESSION_KEYS_FILE`); without either, the public demo keys with
/// `--demo` only. The port from the argument, else `port` (`PORT` in
/// `main`), else 0 (the system picks).
///
/// # Errors
/// [`NO_KEYS`] without keys or `--demo`; an unreadable key file or text; an
/// unknown flag, a flag without its value, or a port that is not a number.
pub(crate) fn startup(
    args: impl IntoIterator<Item = String>,
    keys: impl FnOnce() -> Result<Keyring, KeyringError>,
    port: Option<OsString>,
) -> Result<Startup, Box<dyn core::error::Error>> {
    let (mut demo, mut port_arg, mut keys_file, mut redis, mut fail_closed_after) =
        (false, None, None, None, None);
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| args.next().ok_or_else(|| format!("{flag} needs a value"));
        match arg.as_str() {
            DEMO_FLAG => demo = true,
            "--port" => port_arg = Some(value("--port")?),
            "--keys" => keys_file = Some(PathBuf::from(value("--keys")?)),
            "--redis" => redis = Some(value("--redis")?),
            "--fail-closed-after" => {
                let seconds = value("--fail-closed-after")?;
                fail_closed_after = Some(
                    seconds
                        .parse::<u64>()
                        .map_err(|_| format!("not a number of seconds: {seconds}"))?,
                );
            }
            flag if flag.starts_with('-') => return Err(format!("unknown flag {flag}").into()),
            _ => port_arg = Some(arg),
        }
    }
    if fail_closed_after.is_some() && redis.is_none() {
        return Err("--fail-closed-after needs --redis".into());
    }
    let loaded = match &keys_file {
        Some(path) => sealed_session_actix::sealed_session::keyring_from_file(path),
        None => keys(),
    };
    let (keyring, demo) = match loaded {
        Ok(keyring) => (keyring, false), // `--demo` means nothing once keys are given
        Err(KeyringError::EnvMissing { .. }) if demo => (demo_keyring()?, true),
        Err(KeyringError::EnvMissing { .. }) => return Err(NO_KEYS.into()),
        Err(error) => return Err(error.into()),
    };
    let port = match port_arg.or_else(|| port.and_then(|port| port.into_string().ok())) {
        Some(port) => port.parse().map_err(|_| format!("not a port: {port}"))?,
        None => 0,
    };
    Ok(Startup {
        keyring,
        port,
        demo,
        keys_file,
        redis,
        fail_closed_after,
    })
}

/// The session settings, building a middleware or (for `Reloading`) a
/// codec: sessions end after an hour without a request, and an hour after
/// login in any case. Logout needs a revocation list: an in-memory one
/// unless the caller sets another (`.revocations(redis)`).
pub(crate) fn settings<T: From<SessionCodec>>(keyring: Keyring) -> SessionCodecBuilder<T> {
    SessionCodecBuilder::new(keyring)
        .idle_timeout(Duration::from_secs(3600))
        .absolute_timeout(Duration::from_secs(3600))
        .revocations(Arc::new(MemoryRevocations::new()))
}

/// [`settings`], building the middleware.
pub(crate) fn sessions(keyring: Keyring) -> SessionCodecBuilder<SessionMiddleware> {
    settings(keyring)
}

/// Whether the instance can vouch for its revocation list (`/health`):
/// with Redis, false once the mirror fails closed. Without this app data
/// the app is always healthy.
#[derive(Clone)]
pub(crate) struct Health(Arc<dyn Fn() -> bool + Send + Sync>);

impl Health {
    /// A health check asking `probe`.
    #[cfg_attr(test, allow(dead_code))] // main.rs builds one
    pub(crate) fn new(probe: impl Fn() -> bool + Send + Sync + 'static) -> Self {
        Self(Arc::new(probe))
    }
}

// ------------------------------------------------------------- routes

/// The app's routes; `main.rs` wraps them in the session middleware.
pub(crate) fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/", web::get().to(index))
        .route("/login", web::post().to(login))
        .route("/me", web::get().to(me))
        .route("/counter", web::post().to(counter))
        .route("/logout", web::post().to(logout))
        .route("/logout-everywhere", web::post().to(logout_everywhere))
        .route("/health", web::get().to(health))
        .default_service(web::to(not_found));
}

/// `GET /`: a page to try the app in a browser. Logged out: a login form;
/// logged in: the user, the count, and buttons that send the CSRF token
/// (the page's script reads it from the page, which only this origin can).
async fn index(session: Session) -> Result<HttpResponse> {
    let body = match session.get::<u64>("user_id")? {
        None => PAGE_LOGGED_OUT.to_owned(),
        Some(user_id) => {
            let count = session.get::<u64>("count")?.unwrap_or(0);
            let csrf: String = session.get("csrf")?.unwrap_or_default();
            // Every value is digits or base64url: nothing to escape.
            PAGE_LOGGED_IN
                .replace("{user_id}", &user_id.to_string())
                .replace("{count}", &count.to_string())
                .replace("{csrf}", &csrf)
        }
    };
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body))
}

/// The page of [`index`] before login.
const PAGE_LOGGED_OUT: &str = r#"<!doctype html>
<title>sealed-session actix example</title>
<h1>Not logged in</h1>
<form id="login">
  <label>User id <input name="user_id" type="number" min="0" value="42" required></label>
  <button>Log in</button>
</form>
<script>
document.getElementById("login").onsubmit = async (event) => {
  event.preventDefault();
  await fetch("/login", { method: "POST", body: new URLSearchParams(new FormData(event.target)) });
  location.reload();
};
</script>
"#;

/// The page of [`index`] after login.
const PAGE_LOGGED_IN: &str = r#"<!doctype html>
<title>sealed-session actix example</title>
<h1>Logged in as user {user_id}</h1>
<p>Count: <span id="count">{count}</span></p>
<button id="counter">Count</button>
<button id="logout">Log out</button>
<script>
const post = (path) => fetch(path, { method: "POST", headers: { "X-CSRF-Token": "{csrf}" } });
document.getElementById("counter").onclick = async () => {
  const answer = await (await post("/counter")).json();
  document.getElementById("count").textContent = answer.count;
};
document.getElementById("logout").onclick = async () => {
  await post("/logout");
  location.reload();
};
</script>
"#;

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
    // The subject: what `/logout-everywhere` revokes.
    session
        .with(|session| session.set_subject(&form.user_id.to_string()))
        .map_err(actix_web::error::ErrorInternalServerError)?;
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
        None => HttpResponse::Unauthorized()
            .content_type(TEXT)
            .body(UNAUTHORIZED),
    })
}

/// The content type of the error bodies.
const TEXT: &str = "text/plain; charset=utf-8";
/// The body of a 401.
pub(crate) const UNAUTHORIZED: &str = "401 Unauthorized: not logged in; log in at /\n";
/// The body of a 403.
pub(crate) const FORBIDDEN: &str =
    "403 Forbidden: log in, and send the session's CSRF token in X-CSRF-Token\n";
/// The body of a 404.
pub(crate) const NOT_FOUND: &str = "404 Not Found: the app is at /\n";

/// Any other path or method: 404, with a body a browser shows.
async fn not_found() -> HttpResponse {
    HttpResponse::NotFound().content_type(TEXT).body(NOT_FOUND)
}

/// `POST /counter`: counts this session's calls, `{"count":1}`…
async fn counter(session: Session, request: HttpRequest) -> Result<HttpResponse> {
    if !csrf_ok(&session, &request)? {
        return Ok(HttpResponse::Forbidden().content_type(TEXT).body(FORBIDDEN));
    }
    let count = session.get::<u64>("count")?.unwrap_or(0) + 1;
    session.insert("count", count)?;
    Ok(HttpResponse::Ok().json(json!({ "count": count })))
}

/// `POST /logout`: ends the session: revokes it on the server, so that a
/// copy of the cookie taken before is refused (by every instance sharing
/// the list), and the response deletes the cookie in this browser.
async fn logout(
    session: Session,
    codec: web::ReqData<SessionCodec>,
    request: HttpRequest,
) -> Result<HttpResponse> {
    if !csrf_ok(&session, &request)? {
        return Ok(HttpResponse::Forbidden().content_type(TEXT).body(FORBIDDEN));
    }
    revoked(session.with(|session| codec.revoke(session)))?;
    session.purge();
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /logout-everywhere`: revokes every session of the logged-in user
/// created before now, on every instance, and this one.
async fn logout_everywhere(
    session: Session,
    codec: web::ReqData<SessionCodec>,
    request: HttpRequest,
) -> Result<HttpResponse> {
    if !csrf_ok(&session, &request)? {
        return Ok(HttpResponse::Forbidden().content_type(TEXT).body(FORBIDDEN));
    }
    revoked(session.with(|session| {
        // This session too, even if it began within the current second
        // (the subject entry covers sessions created strictly before it).
        codec.revoke(session)?;
        match session.subject() {
            Some(subject) => codec.revoke_subject(subject),
            None => Ok(()),
        }
    }))?;
    session.purge();
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /health`: 200 while the revocation list can vouch for itself, 503
/// when it fails closed (Redis down past the window).
async fn health(health: Option<web::Data<Health>>) -> HttpResponse {
    if health.is_none_or(|health| (health.0)()) {
        HttpResponse::Ok().content_type(TEXT).body("ok\n")
    } else {
        HttpResponse::ServiceUnavailable()
            .content_type(TEXT)
            .body("failing closed: the revocation list is unavailable\n")
    }
}

/// A revoke that Redis did not take is in force on this instance already
/// (and written back when Redis returns): logged, and the logout goes on.
/// Any other failure (no list configured) is a 500, so a logout never
/// looks done when it is not.
fn revoked(result: Result<(), RevocationError>) -> Result<()> {
    match result {
        Ok(()) => Ok(()),
        Err(RevocationError::Unavailable(why)) => {
            log::warn!("the revocation is not shared yet ({why}); refused here already");
            Ok(())
        }
        Err(error) => Err(actix_web::error::ErrorInternalServerError(error)),
    }
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
/// !!  secret store, and pass them in SEALED_SESSION_KEYS_FILE or       !!
/// !!  SEALED_SESSION_KEYS. The example uses them only with `--demo`.   !!
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

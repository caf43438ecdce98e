//! The example app: login, `/me`, a counter, logout. `main.rs` serves it;
//! the HTTP tests (`tests/http.rs`) include this very file and serve it on
//! 127.0.0.1 with a real client.
//!
//! Every state-changing route is a POST that must carry the session's
//! CSRF token in an `X-CSRF-Token` header: a page on another site can
//! make the browser send the cookie, but it cannot read the token.

use core::time::Duration;
use std::ffi::OsString;

use actix_web::{HttpRequest, HttpResponse, Result, web};
use sealed_session_actix::sealed_session::{KeyringError, tokens_match};
use sealed_session_actix::{HandlerError, Keyring, SessionCodecBuilder};
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
/// demo's.
#[cfg_attr(test, allow(dead_code))] // main.rs reads every field
pub(crate) struct Startup {
    pub(crate) keyring: Keyring,
    pub(crate) port: u16,
    pub(crate) demo: bool,
}

/// Reads the command line (`[--demo] [PORT]`) and the keys: `keys` is
/// `sealed_session::keyring_from_environment` in `main` (the text in
/// `SEALED_SESSION_KEYS`, else the file named by
/// `SEALED_SESSION_KEYS_FILE`); without either, the public demo keys with
/// `--demo` only. The port from the argument, else `port` (`PORT` in
/// `main`), else 0 (the system picks).
///
/// # Errors
/// [`NO_KEYS`] without keys or `--demo`; an unreadable key file or text; an
/// unknown flag or a port that is not a number.
pub(crate) fn startup(
    args: impl IntoIterator<Item = String>,
    keys: impl FnOnce() -> Result<Keyring, KeyringError>,
    port: Option<OsString>,
) -> Result<Startup, Box<dyn core::error::Error>> {
    let (mut demo, mut port_arg) = (false, None);
    for arg in args {
        match arg.as_str() {
            DEMO_FLAG => demo = true,
            flag if flag.starts_with('-') => return Err(format!("unknown flag {flag}").into()),
            _ => port_arg = Some(arg),
        }
    }
    let (keyring, demo) = match keys() {
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
    })
}

/// The session settings: sessions end after an hour without a request, and
/// an hour after login in any case.
pub(crate) fn sessions(keyring: Keyring) -> SessionCodecBuilder<SessionMiddleware> {
    SessionMiddleware::builder(keyring)
        .idle_timeout(Duration::from_secs(3600))
        .absolute_timeout(Duration::from_secs(3600))
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

/// `POST /logout`: ends the session; the response deletes the cookie.
async fn logout(session: Session, request: HttpRequest) -> Result<HttpResponse> {
    if !csrf_ok(&session, &request)? {
        return Ok(HttpResponse::Forbidden().content_type(TEXT).body(FORBIDDEN));
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

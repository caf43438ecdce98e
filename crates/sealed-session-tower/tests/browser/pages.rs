//! What the browser needs on top of the example app's JSON routes: an
//! HTML page with a login form and a counter, two probes for the size
//! limit, and a recorder of every exchange, so the tests can check from
//! the server's side what the browser sent and what it was told to store.

use alloc::sync::Arc;
use std::sync::Mutex;

use axum::Router;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use sealed_session_tower::{Error, Session};
use serde::Deserialize;

/// The page's control cookie: not HttpOnly, so `document.cookie` shows it.
pub(crate) const VISIBLE: &str = "visible=yes";

/// The routes the browser tests add to the example app's.
pub(crate) fn routes() -> Router {
    Router::new()
        .route("/page", get(page))
        .route("/grow", get(grow))
        .route("/raw", get(raw))
        .route("/echo", get(echo))
        // Chromium asks for it on every page: no 404 in the console log.
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
}

/// `router` with every request and response recorded into `recorder`
/// (outermost, so it sees what goes over the wire).
pub(crate) fn recorded(router: Router, recorder: &Arc<Recorder>) -> Router {
    router.layer(middleware::from_fn_with_state(Arc::clone(recorder), record))
}

/// One request and its response, as the server saw them.
#[derive(Clone, Debug)]
pub(crate) struct Exchange {
    /// `GET`, `POST`, ...
    pub(crate) method: String,
    /// Path and query.
    pub(crate) uri: String,
    /// Every `name=value` pair of every `Cookie` header, in order.
    pub(crate) cookies: Vec<String>,
    pub(crate) status: u16,
    /// Every `Set-Cookie` header, whole.
    pub(crate) set_cookies: Vec<String>,
}

impl Exchange {
    /// The value the request carried under `name`, if it carried one.
    pub(crate) fn cookie(&self, name: &str) -> Option<&str> {
        let prefix = format!("{name}=");
        self.cookies
            .iter()
            .find_map(|pair| pair.strip_prefix(&prefix))
    }
}

/// Every exchange so far, oldest first.
#[derive(Default)]
pub(crate) struct Recorder(Mutex<Vec<Exchange>>);

impl Recorder {
    /// The latest exchange with this method and path-and-query.
    pub(crate) fn last(&self, method: &str, uri: &str) -> Option<Exchange> {
        let exchanges = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        exchanges
            .iter()
            .rev()
            .find(|e| e.method == method && e.uri == uri)
            .cloned()
    }

    /// The last `n` exchanges, one line each, for a failure report.
    pub(crate) fn tail(&self, n: usize) -> String {
        let exchanges = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let skip = exchanges.len().saturating_sub(n);
        exchanges
            .iter()
            .skip(skip)
            .map(|e| {
                let sizes = |pairs: &[String]| -> Vec<String> {
                    pairs
                        .iter()
                        .map(|p| {
                            let pair = p.split(';').next().unwrap_or_default();
                            let name = pair.split('=').next().unwrap_or_default();
                            format!("{name} ({} B)", pair.len().saturating_sub(1))
                        })
                        .collect()
                };
                format!(
                    "  {} {} -> {}; sent {:?}; set {:?}\n",
                    e.method,
                    e.uri,
                    e.status,
                    sizes(&e.cookies),
                    sizes(&e.set_cookies)
                )
            })
            .collect()
    }
}

async fn record(State(recorder): State<Arc<Recorder>>, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let uri = request
        .uri()
        .path_and_query()
        .map_or_else(String::new, ToString::to_string);
    let cookies = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .flat_map(|value| {
            String::from_utf8_lossy(value.as_bytes())
                .split("; ")
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    let response = next.run(request).await;
    let set_cookies = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
        .collect();
    let exchange = Exchange {
        method,
        uri,
        cookies,
        status: response.status().as_u16(),
        set_cookies,
    };
    recorder
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(exchange);
    response
}

/// The app as a page: a login form, or who is logged in with the counter
/// and two buttons that `fetch` the example's JSON routes (with the CSRF
/// token) and then reload. Every number shown is rendered on the server
/// from the cookie the browser sent with the page load.
async fn page(session: Session) -> Result<Response, Error> {
    let body = match session.get::<String>("user_id")? {
        None => LOGIN_FORM.to_owned(),
        Some(user) => {
            let csrf = session.get::<String>("csrf")?.unwrap_or_default();
            let count = session.get::<u64>("count")?.unwrap_or(0);
            format!(
                r#"<body data-csrf="{csrf}">
<p>Logged in as <b id="user">{user}</b>; count <b id="count">{count}</b></p>
<button id="inc" onclick="post('/counter')">+1</button>
<button id="logout" onclick="post('/logout')">Log out</button>
<p id="error"></p>"#,
                csrf = escape(&csrf),
                user = escape(&user),
            )
        }
    };
    let html = format!("{HEAD}{body}\n</body></html>\n");
    let control = HeaderValue::from_static("visible=yes; Path=/; SameSite=Lax");
    Ok(([(header::SET_COOKIE, control)], Html(html)).into_response())
}

const HEAD: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><title>sealed-session in a browser</title>
<script>
async function post(path) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "x-csrf-token": document.body.dataset.csrf },
  });
  if (response.ok) {
    location.reload();
  } else {
    console.error(path, response.status);
    document.getElementById("error").textContent = path + ": HTTP " + response.status;
  }
}
</script></head>
"#;

const LOGIN_FORM: &str = r#"<body>
<form id="login-form" method="post" action="/login">
<input id="user-name" name="user"> <button id="login" type="submit">Log in</button>
</form>"#;

/// Text for HTML, attribute values included.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[derive(Deserialize)]
struct Size {
    n: usize,
}

/// Sets the session's `pad` to `n` bytes: the session's content grows one
/// byte per byte of `n` (no compression by default), so the tests can
/// find the largest session the library will set.
async fn grow(session: Session, Query(size): Query<Size>) -> Result<&'static str, Error> {
    session.insert("pad", "x".repeat(size.n))?;
    Ok("grown")
}

/// A control cookie with the session's attributes and name plus value of
/// exactly `n` bytes, set raw: `__Host-probe<n>=vvv…`. Nothing of the
/// library is involved, so it shows what the browser itself keeps.
async fn raw(Query(size): Query<Size>) -> Response {
    let name = format!("__Host-probe{}", size.n);
    let value = "v".repeat(size.n.saturating_sub(name.len()));
    let cookie = format!("{name}={value}; HttpOnly; Secure; SameSite=Lax; Path=/");
    match HeaderValue::from_str(&cookie) {
        Ok(cookie) => ([(header::SET_COOKIE, cookie)], "set").into_response(),
        Err(_) => "bad size".into_response(),
    }
}

/// Says what came in (the recorder keeps it too): each cookie's name and
/// its name plus value length.
async fn echo(request: Request) -> String {
    let mut lines = String::from("cookies received (name: name + value bytes)\n");
    for value in request.headers().get_all(header::COOKIE) {
        for pair in String::from_utf8_lossy(value.as_bytes()).split("; ") {
            let name = pair.split('=').next().unwrap_or_default();
            lines.push_str(&format!("{name}: {}\n", pair.len().saturating_sub(1)));
        }
    }
    lines
}

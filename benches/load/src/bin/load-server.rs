//! The load test's server: one tiny axum app, four ways.
//!
//! ```text
//! load-server floor|sealed|jar|memory
//! ```
//!
//! - `sealed`: sealed-session-tower's `SessionLayer`, default settings;
//! - `jar`: axum-extra's `PrivateCookieJar`, the session as JSON in one
//!   cookie (what users of it write);
//! - `memory`: tower-sessions with its `MemoryStore`, default settings;
//! - `floor`: the same routes with no sessions at all; only `/init` sets
//!   the sealed way's cookie, which the later requests carry unread.
//!
//! Every way holds the same session, `{"blob": "<size bytes>", "n": 0}`:
//! - `GET /init?size=N` creates it;
//! - `GET /read` opens it and answers the blob's length (read only);
//! - `POST /write` opens it, adds one to `n` and stores it again (for the
//!   cookie ways: seals a new cookie), answering `n`;
//! - `GET /cpu`, outside any session layer: the CPU time this process has
//!   used, in nanoseconds, so the generator can compute CPU per request.
//!
//! One tokio worker thread (pin the process to one core). Prints the port
//! it listens on (127.0.0.1, chosen by the OS), and exits when its
//! standard input closes.

use std::io::Read as _;

use axum::Router;
use axum::extract::{FromRef, Query};
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

/// `?size=N`.
#[derive(Deserialize)]
struct Size {
    size: usize,
}

/// The session, as the cookie-jar way keeps it (the others keep the same
/// two keys in their own maps).
#[derive(Serialize, Deserialize)]
struct Data {
    blob: String,
    n: u64,
}

fn main() {
    let variant = std::env::args().nth(1).unwrap_or_default();
    let app = match variant.as_str() {
        "floor" => floor::app(),
        "sealed" => sealed::app(),
        "jar" => jar::app(),
        "memory" => memory::app(),
        other => {
            eprintln!("usage: load-server floor|sealed|jar|memory (not `{other}`)");
            std::process::exit(2);
        }
    };
    let app = app.route("/cpu", get(cpu_ns));
    // Stop when the parent closes our stdin (or dies).
    std::thread::spawn(|| {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        std::process::exit(0);
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port on 127.0.0.1");
        let port = listener.local_addr().expect("the bound address").port();
        println!("{port}");
        axum::serve(listener, app).await.expect("serving");
    });
}

/// The process's CPU time so far, in nanoseconds: the sum over its threads
/// of the first field of `/proc/self/task/<tid>/schedstat`.
async fn cpu_ns() -> Result<String, StatusCode> {
    let tasks = std::fs::read_dir("/proc/self/task").map_err(|_| StatusCode::NOT_IMPLEMENTED)?;
    let mut total: u64 = 0;
    for task in tasks.flatten() {
        let stat = std::fs::read_to_string(task.path().join("schedstat")).unwrap_or_default();
        let ns = stat
            .split_whitespace()
            .next()
            .and_then(|f| f.parse::<u64>().ok());
        total = total.saturating_add(ns.unwrap_or(0));
    }
    Ok(total.to_string())
}

mod floor {
    use super::{Router, get, post, sealed};

    /// The routes with constant answers: what any axum app costs. Only
    /// `/init` is under the sealed layer, so the requests after it carry
    /// the very cookie the sealed way gets and parse the same headers;
    /// what the sealed way costs on top is the layer's own work.
    pub(super) fn app() -> Router {
        Router::new()
            .route("/init", get(sealed::init))
            .layer(sealed::layer())
            .route("/read", get(|| async { "0" }))
            .route("/write", post(|| async { "1" }))
    }
}

mod sealed {
    use sealed_session_tower::sealed_session::Key;
    use sealed_session_tower::{Error, Keyring, Session, SessionLayer};

    use super::{Query, Router, Size, get, post};

    pub(super) fn app() -> Router {
        Router::new()
            .route("/init", get(init))
            .route("/read", get(read))
            .route("/write", post(write))
            .layer(layer())
    }

    /// The layer with its default settings.
    pub(super) fn layer() -> SessionLayer {
        let keyring = Keyring::new(1, &Key::from_bytes([7; 32]));
        SessionLayer::builder(keyring)
            .build()
            .expect("the default settings")
    }

    pub(super) async fn init(
        session: Session,
        Query(size): Query<Size>,
    ) -> Result<&'static str, Error> {
        session.insert("blob", "x".repeat(size.size))?;
        session.insert("n", 0)?;
        Ok("ok")
    }

    async fn read(session: Session) -> Result<String, Error> {
        let blob = session.get::<String>("blob")?;
        Ok(blob.map_or(0, |blob| blob.len()).to_string())
    }

    async fn write(session: Session) -> Result<String, Error> {
        let n = session.get::<u64>("n")?.unwrap_or(0) + 1;
        session.insert("n", n)?;
        Ok(n.to_string())
    }
}

mod jar {
    use axum_extra::extract::cookie::{Cookie, Key, PrivateCookieJar, SameSite};

    use super::{Data, FromRef, Query, Router, Size, get, post};

    const NAME: &str = "session";

    /// The key in the app's state, as axum-extra's docs show it.
    #[derive(Clone)]
    struct State {
        key: Key,
    }

    impl FromRef<State> for Key {
        fn from_ref(state: &State) -> Self {
            state.key.clone()
        }
    }

    pub(super) fn app() -> Router {
        let state = State {
            key: Key::from(&[7; 64]),
        };
        Router::new()
            .route("/init", get(init))
            .route("/read", get(read))
            .route("/write", post(write))
            .with_state(state)
    }

    fn load(jar: &PrivateCookieJar) -> Option<Data> {
        let cookie = jar.get(NAME)?;
        serde_json::from_str(cookie.value()).ok()
    }

    /// The session back into the jar, with the attributes sealed-session
    /// sets by default.
    fn store(jar: PrivateCookieJar, data: &Data) -> PrivateCookieJar {
        let json = serde_json::to_string(data).expect("a session as JSON");
        let cookie = Cookie::build((NAME, json))
            .path("/")
            .http_only(true)
            .secure(true)
            .same_site(SameSite::Lax);
        jar.add(cookie)
    }

    async fn init(
        jar: PrivateCookieJar,
        Query(size): Query<Size>,
    ) -> (PrivateCookieJar, &'static str) {
        let data = Data {
            blob: "x".repeat(size.size),
            n: 0,
        };
        (store(jar, &data), "ok")
    }

    async fn read(jar: PrivateCookieJar) -> String {
        load(&jar).map_or(0, |data| data.blob.len()).to_string()
    }

    async fn write(jar: PrivateCookieJar) -> (PrivateCookieJar, String) {
        let mut data = load(&jar).unwrap_or(Data {
            blob: String::new(),
            n: 0,
        });
        data.n += 1;
        let n = data.n.to_string();
        (store(jar, &data), n)
    }
}

mod memory {
    use axum::http::StatusCode;
    use tower_sessions::{MemoryStore, Session, SessionManagerLayer};

    use super::{Query, Router, Size, get, post};

    pub(super) fn app() -> Router {
        Router::new()
            .route("/init", get(init))
            .route("/read", get(read))
            .route("/write", post(write))
            .layer(SessionManagerLayer::new(MemoryStore::default()))
    }

    fn status(_: tower_sessions::session::Error) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }

    async fn init(session: Session, Query(size): Query<Size>) -> Result<&'static str, StatusCode> {
        session
            .insert("blob", "x".repeat(size.size))
            .await
            .map_err(status)?;
        session.insert("n", 0).await.map_err(status)?;
        Ok("ok")
    }

    async fn read(session: Session) -> Result<String, StatusCode> {
        let blob = session.get::<String>("blob").await.map_err(status)?;
        Ok(blob.map_or(0, |blob| blob.len()).to_string())
    }

    async fn write(session: Session) -> Result<String, StatusCode> {
        let n = session.get::<u64>("n").await.map_err(status)?.unwrap_or(0) + 1;
        session.insert("n", n).await.map_err(status)?;
        Ok(n.to_string())
    }
}

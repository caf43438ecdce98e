//! The load test's server: one tiny axum app, six ways.
//!
//! ```text
//! load-server floor|sealed|jar|memory|cookie-store
//! load-server redis REDIS_URL
//! load-server preload REDIS_URL ENTRIES
//! ```
//!
//! - `sealed`: sealed-session-tower's `SessionLayer`, default settings;
//! - `redis`: the same layer with `sealed-session-redis`'s
//!   `RedisRevocations` following the Redis at `REDIS_URL`: every request
//!   checks the session against the in-memory mirror of the revocation
//!   list (no network call on the request path). The port is printed once
//!   the list is loaded;
//! - `jar`: axum-extra's `PrivateCookieJar`, the session as JSON in one
//!   cookie (what users of it write);
//! - `memory`: tower-sessions with its `MemoryStore`, default settings;
//! - `cookie-store`: tower-sessions-cookie-store's
//!   `CookieSessionManagerLayer::private` (encrypted cookies), default
//!   settings;
//! - `floor`: the same routes with no sessions at all; only the `init`
//!   routes set the sealed way's cookie, which the later requests carry
//!   unread.
//!
//! `preload` is no server: it writes `ENTRIES` revocations into the Redis
//! at `REDIS_URL` in REVOCATION.md's layout (nine in ten sessions, one in
//! ten subjects, none of them the session the load test sends), prints how
//! many keys the database then holds, and exits.
//!
//! Two session shapes, each way holding the same keys:
//! - two keys, `{"blob": "<size bytes>", "n": 0}`: `GET /init?size=N`
//!   creates it; `GET /read` opens it and answers the blob's length (read
//!   only); `POST /write` opens it, adds one to `n` and stores it again
//!   (for the cookie ways: seals a new cookie), answering `n`;
//! - an app's session, [`app_session`]: at 64 B of JSON four keys (user
//!   id, CSRF token, counter, locale), at 1 KiB eight (user id, email,
//!   CSRF token, counter, roles, 39 recently viewed pages, time zone,
//!   locale). `GET /app/init?size=64|1024` creates it (our layer also
//!   names the user as the session's subject, as a login does);
//!   `GET /app/read` reads one key, the user id, and answers it;
//!   `POST /app/write` increments the counter and answers it.
//!
//! `GET /cpu`, outside any session layer: the CPU time this process has
//! used, in nanoseconds, so the generator can compute CPU per request.
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
use serde_json::{Map, Value};

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

/// The app's session as the cookie-jar way keeps it: a struct, the keys
/// the 64 B session lacks left out of its JSON.
#[derive(Serialize, Deserialize)]
struct AppData {
    user_id: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    csrf_token: String,
    n: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    roles: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    recent: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tz: Option<String>,
    locale: String,
}

/// The user id of the app's session, which `GET /app/read` answers.
const USER_ID: u64 = 48_213;

/// The app's session whose compact JSON is `size` bytes: 64 (four keys)
/// or 1024 (eight); `None` for any other size.
fn app_session(size: usize) -> Option<Map<String, Value>> {
    let pairs: Vec<(&str, Value)> = match size {
        64 => vec![
            ("user_id", USER_ID.into()),
            ("csrf_token", "7d1f0b9a".into()),
            ("n", 0.into()),
            ("locale", "en-GB".into()),
        ],
        1024 => {
            let recent: Vec<Value> = (0..39u64)
                .map(|i| format!("/shop/item/{}", 1_042_337 + i * 7_919).into())
                .collect();
            vec![
                ("user_id", USER_ID.into()),
                ("email", "augusta.ada.lovelace@example.com".into()),
                (
                    "csrf_token",
                    "7d1f0b9ac34e58a2c0ffee15deadbeef01234567".into(),
                ),
                ("n", 0.into()),
                ("roles", vec!["member", "editor"].into()),
                ("recent", recent.into()),
                ("tz", "America/Los_Angeles".into()),
                ("locale", "en-GB".into()),
            ]
        }
        _ => return None,
    };
    let map: Map<String, Value> = pairs
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value))
        .collect();
    let len = serde_json::to_string(&map).map_or(0, |json| json.len());
    assert_eq!(len, size, "the app's session is {size} bytes of JSON");
    Some(map)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let app = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["floor"] => floor::app(),
        ["sealed"] => sealed::app(sealed::layer()),
        ["redis", url] => sealed::app(redis::layer(url)),
        ["preload", url, entries] => {
            let entries = entries.parse().expect("ENTRIES, a number");
            redis::preload(url, entries);
            return;
        }
        ["jar"] => jar::app(),
        ["memory"] => memory::app(),
        ["cookie-store"] => cookie_store::app(),
        _ => {
            eprintln!(
                "usage: load-server floor|sealed|jar|memory|cookie-store\n       \
                 load-server redis REDIS_URL\n       \
                 load-server preload REDIS_URL ENTRIES\n(not `{}`)",
                args.join(" ")
            );
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

    /// The routes with constant answers: what any axum app costs. Only the
    /// `init` routes are under the sealed layer, so the requests after
    /// them carry the very cookie the sealed way gets and parse the same
    /// headers; what the sealed way costs on top is the layer's own work.
    pub(super) fn app() -> Router {
        Router::new()
            .route("/init", get(sealed::init))
            .route("/app/init", get(sealed::app_init))
            .layer(sealed::layer())
            .route("/read", get(|| async { "0" }))
            .route("/write", post(|| async { "1" }))
            .route("/app/read", get(|| async { "0" }))
            .route("/app/write", post(|| async { "1" }))
    }
}

mod sealed {
    use sealed_session_tower::sealed_session::Key;
    use sealed_session_tower::{Error, Keyring, Session, SessionLayer};

    use super::{Query, Router, Size, StatusCode, USER_ID, app_session, get, post};

    pub(super) fn app(layer: SessionLayer) -> Router {
        Router::new()
            .route("/init", get(init))
            .route("/read", get(read))
            .route("/write", post(write))
            .route("/app/init", get(app_init))
            .route("/app/read", get(app_read))
            .route("/app/write", post(write))
            .layer(layer)
    }

    pub(super) fn keyring() -> Keyring {
        Keyring::new(1, &Key::from_bytes([7; 32]))
    }

    /// The layer with its default settings.
    pub(super) fn layer() -> SessionLayer {
        SessionLayer::builder(keyring())
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

    /// A login: the app's session, its user named as the subject.
    pub(super) async fn app_init(
        session: Session,
        Query(size): Query<Size>,
    ) -> Result<&'static str, StatusCode> {
        let map = app_session(size.size).ok_or(StatusCode::BAD_REQUEST)?;
        session.regenerate();
        session
            .with(|session| session.set_subject(&USER_ID.to_string()))
            .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
        for (key, value) in map {
            session
                .insert(&key, value)
                .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
        }
        Ok("ok")
    }

    async fn app_read(session: Session) -> Result<String, Error> {
        Ok(session.get::<u64>("user_id")?.unwrap_or(0).to_string())
    }
}

mod redis {
    use core::time::Duration;
    use std::sync::Arc;
    use std::time::{SystemTime, UNIX_EPOCH};

    use sealed_session_redis::{RedisOptions, RedisRevocations};
    use sealed_session_tower::SessionLayer;

    /// Our layer checking every session against the Redis-backed list,
    /// loaded before this returns (so the port is printed only then).
    pub(super) fn layer(url: &str) -> SessionLayer {
        let list = RedisRevocations::connect(url, RedisOptions::new()).expect("a Redis URL");
        assert!(
            list.wait_synced(Duration::from_secs(60)),
            "the revocation list did not load from {url}"
        );
        eprintln!(
            "load-server: {} revocations mirrored from Redis",
            list.mirror().len()
        );
        SessionLayer::builder(super::sealed::keyring())
            .revocations(Arc::new(list))
            .build()
            .expect("the default settings")
    }

    /// Writes `entries` revocations in REVOCATION.md's layout (prefix
    /// `sealed-session`), pipelined, each expiring in a day: nine in ten
    /// session ids, one in ten subjects (`user-<i>`, signed out before
    /// now). Prints the database's key count.
    pub(super) fn preload(url: &str, entries: u64) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let expires_at = now + 86_400;
        let client = redis::Client::open(url).expect("a Redis URL");
        let mut connection = client
            .get_connection_with_timeout(Duration::from_secs(5))
            .expect("a connection to Redis");
        let subjects = entries / 10;
        let batch = 10_000;
        let mut written = 0;
        while written < entries {
            let mut pipe = redis::pipe();
            for i in written..entries.min(written + batch) {
                let (key, value) = if i < subjects {
                    let subject = base64url(format!("user-{i}").as_bytes());
                    (
                        format!("sealed-session:u:{subject}"),
                        format!("{now} {expires_at}"),
                    )
                } else {
                    // Spread like random ids.
                    let mut id = [0u8; 16];
                    id[..8].copy_from_slice(&i.to_le_bytes());
                    id[8..].copy_from_slice(&i.wrapping_mul(0x9e37_79b9_7f4a_7c15).to_le_bytes());
                    (
                        format!("sealed-session:s:{}", base64url(&id)),
                        expires_at.to_string(),
                    )
                };
                pipe.cmd("SET").arg(&key).arg(value).ignore();
                pipe.cmd("PEXPIREAT")
                    .arg(&key)
                    .arg(expires_at * 1000)
                    .ignore();
            }
            pipe.query::<()>(&mut connection).expect("the preload");
            written = entries.min(written + batch);
        }
        let keys: u64 = redis::cmd("DBSIZE").query(&mut connection).expect("DBSIZE");
        println!("{keys}");
    }

    /// RFC 4648 §5 base64url without padding.
    fn base64url(bytes: &[u8]) -> String {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                chunk.get(1).copied().unwrap_or(0),
                chunk.get(2).copied().unwrap_or(0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for k in 0..=chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * k)) as usize & 63]));
            }
        }
        out
    }
}

mod jar {
    use axum_extra::extract::cookie::{Cookie, Key, PrivateCookieJar, SameSite};
    use serde::Serialize;
    use serde::de::DeserializeOwned;

    use super::{AppData, Data, FromRef, Query, Router, Size, StatusCode, app_session, get, post};

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
            .route("/app/init", get(app_init))
            .route("/app/read", get(app_read))
            .route("/app/write", post(app_write))
            .with_state(state)
    }

    fn load<T: DeserializeOwned>(jar: &PrivateCookieJar) -> Option<T> {
        let cookie = jar.get(NAME)?;
        serde_json::from_str(cookie.value()).ok()
    }

    /// The session back into the jar, with the attributes sealed-session
    /// sets by default.
    fn store<T: Serialize>(jar: PrivateCookieJar, data: &T) -> PrivateCookieJar {
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
        load::<Data>(&jar)
            .map_or(0, |data| data.blob.len())
            .to_string()
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

    async fn app_init(
        jar: PrivateCookieJar,
        Query(size): Query<Size>,
    ) -> Result<(PrivateCookieJar, &'static str), StatusCode> {
        let map = app_session(size.size).ok_or(StatusCode::BAD_REQUEST)?;
        let data: AppData =
            serde_json::from_value(map.into()).map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
        Ok((store(jar, &data), "ok"))
    }

    async fn app_read(jar: PrivateCookieJar) -> String {
        load::<AppData>(&jar)
            .map_or(0, |data| data.user_id)
            .to_string()
    }

    async fn app_write(jar: PrivateCookieJar) -> Result<(PrivateCookieJar, String), StatusCode> {
        let mut data: AppData = load(&jar).ok_or(StatusCode::BAD_REQUEST)?;
        data.n += 1;
        let n = data.n.to_string();
        Ok((store(jar, &data), n))
    }
}

/// The routes over a tower-sessions `Session`; the `memory` and
/// `cookie-store` ways differ only in the layer (tower-sessions 0.15 and
/// tower-sessions-cookie-store's tower-sessions-core 0.14, so the
/// handlers are written once per version by this macro).
macro_rules! tower_sessions_routes {
    ($session:ty) => {
        fn status<E>(_: E) -> StatusCode {
            StatusCode::INTERNAL_SERVER_ERROR
        }

        fn routes() -> Router {
            Router::new()
                .route("/init", get(init))
                .route("/read", get(read))
                .route("/write", post(write))
                .route("/app/init", get(app_init))
                .route("/app/read", get(app_read))
                .route("/app/write", post(write))
        }

        async fn init(
            session: $session,
            Query(size): Query<Size>,
        ) -> Result<&'static str, StatusCode> {
            session
                .insert("blob", "x".repeat(size.size))
                .await
                .map_err(status)?;
            session.insert("n", 0).await.map_err(status)?;
            Ok("ok")
        }

        async fn read(session: $session) -> Result<String, StatusCode> {
            let blob = session.get::<String>("blob").await.map_err(status)?;
            Ok(blob.map_or(0, |blob| blob.len()).to_string())
        }

        async fn write(session: $session) -> Result<String, StatusCode> {
            let n = session.get::<u64>("n").await.map_err(status)?.unwrap_or(0) + 1;
            session.insert("n", n).await.map_err(status)?;
            Ok(n.to_string())
        }

        async fn app_init(
            session: $session,
            Query(size): Query<Size>,
        ) -> Result<&'static str, StatusCode> {
            let map = app_session(size.size).ok_or(StatusCode::BAD_REQUEST)?;
            for (key, value) in map {
                session.insert(&key, value).await.map_err(status)?;
            }
            Ok("ok")
        }

        async fn app_read(session: $session) -> Result<String, StatusCode> {
            let user_id = session.get::<u64>("user_id").await.map_err(status)?;
            Ok(user_id.unwrap_or(0).to_string())
        }
    };
}

mod memory {
    use tower_sessions::{MemoryStore, SessionManagerLayer};

    use super::{Query, Router, Size, StatusCode, app_session, get, post};

    tower_sessions_routes!(tower_sessions::Session);

    pub(super) fn app() -> Router {
        routes().layer(SessionManagerLayer::new(MemoryStore::default()))
    }
}

mod cookie_store {
    use tower_sessions_cookie_store::{CookieSessionManagerLayer, Key};

    use super::{Query, Router, Size, StatusCode, app_session, get, post};

    tower_sessions_routes!(tower_sessions_cookie_store::Session);

    /// Encrypted cookies with the default configuration, the key as
    /// `tower-cookies` takes it (64 bytes).
    pub(super) fn app() -> Router {
        routes().layer(CookieSessionManagerLayer::private(Key::from(&[7; 64])))
    }
}

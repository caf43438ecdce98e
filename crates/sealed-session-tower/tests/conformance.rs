//! The shared conformance table (`tests/conformance`, one row per
//! scenario: crafted cookies, the handler's outcome, the exact `Set-Cookie`
//! and `Vary` expected) over real HTTP against the two tower stacks:
//! - the [`SessionLayer`] in axum, with tower-http's `CatchPanicLayer`
//!   inside it for `/fail`;
//! - axum-login over the tower-sessions adapter ([`TowerSessionsLayer`]),
//!   with handlers written against tower-sessions' `Session`.
//!
//! Both apps implement the contract of `tests/conformance/README.md`:
//! the same keys, cookie settings, legacy migration and endpoints as the
//! actix and Flask apps, so every stack must answer every row alike.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use core::time::Duration;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sealed_session_conformance::{KEYS_FILE, LEGACY_KEY_FILE, Report, run};
use sealed_session_tower::sealed_session::{Key, Legacy, Refresh};
use sealed_session_tower::{
    Error, Keyring, Session, SessionCodec, SessionCodecBuilder, SessionLayer,
};
use tower_http::catch_panic::CatchPanicLayer;

/// 2036-01-01T00:00:00Z: the end of the legacy migration.
const MIGRATION_END: u64 = 2_082_758_400;

/// The contract's settings, on any builder of the std crate.
fn contract<T: From<SessionCodec>>(builder: SessionCodecBuilder<T>) -> SessionCodecBuilder<T> {
    let legacy_key = std::fs::read_to_string(LEGACY_KEY_FILE).unwrap();
    let legacy_key = Key::from_hex(legacy_key.trim()).unwrap();
    builder
        .idle_timeout(Duration::from_secs(3600))
        .absolute_timeout(Duration::from_secs(86_400))
        .refresh(Refresh::After(Duration::from_secs(60)))
        .accept_legacy(
            Legacy::encrypted_session(&legacy_key)
                .cookie_name("legacy_session")
                // The app's start: a migrated session counts as created
                // then, and the absolute timeout (a day) counts from there.
                .since(SystemTime::now())
                .until(UNIX_EPOCH + Duration::from_secs(MIGRATION_END)),
        )
}

/// The contract's keyring: key 2 seals, key 1 still opens. The file is a
/// public test fixture, so its permissions are not checked.
fn keyring() -> Keyring {
    Keyring::from_text(&std::fs::read_to_string(KEYS_FILE).unwrap()).unwrap()
}

/// `/status/{code}`'s response: that status, `Location: /` on a redirect.
fn with_status(code: u16) -> Response {
    let Ok(status) = StatusCode::from_u16(code) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    if status.is_redirection() {
        (status, [(header::LOCATION, "/")], "").into_response()
    } else {
        status.into_response()
    }
}

/// The big value: with it the session cannot fit in one cookie.
fn big() -> String {
    "x".repeat(5000)
}

// ---- (a) the layer, with the crate's `Session` extractor ----

mod layer_app {
    use super::*;

    fn add_one(session: &Session) -> Result<u64, Error> {
        let n = session.get::<u64>("n")?.unwrap_or(0) + 1;
        session.insert("n", n)?;
        Ok(n)
    }

    async fn read(session: Session) -> Result<String, Error> {
        Ok(session.get::<u64>("n")?.unwrap_or(0).to_string())
    }

    async fn write(session: Session) -> Result<String, Error> {
        Ok(add_one(&session)?.to_string())
    }

    async fn purge(session: Session) -> &'static str {
        session.purge();
        "purged"
    }

    async fn regenerate(session: Session) -> Result<String, Error> {
        session.regenerate();
        Ok(add_one(&session)?.to_string())
    }

    async fn status(session: Session, Path(code): Path<u16>) -> Result<Response, Error> {
        add_one(&session)?;
        Ok(with_status(code))
    }

    async fn fail(session: Session) -> Result<&'static str, Error> {
        add_one(&session)?;
        panic!("the conformance app's /fail");
    }

    async fn big_value(session: Session) -> Result<&'static str, Error> {
        session.insert("big", big())?;
        Ok("too big")
    }

    pub(super) fn app() -> Router {
        Router::new()
            .route("/none", get(|| async { "none" }))
            .route("/read", get(read))
            .route("/write", get(write))
            .route("/purge", get(purge))
            .route("/regenerate", get(regenerate))
            .route("/status/{code}", get(status))
            .route("/fail", get(fail))
            .route("/big", get(big_value))
            .layer(CatchPanicLayer::new())
            .layer(contract(SessionLayer::builder(keyring())).build().unwrap())
    }
}

// ---- (b) axum-login over the tower-sessions adapter ----

#[cfg(feature = "tower-sessions-0_14")]
mod axum_login_app {
    use super::*;
    use axum_login::{AuthManager, AuthUser, AuthnBackend};
    use sealed_session_tower::tower_sessions_0_14::TowerSessionsLayer;
    use sealed_session_tower::tower_sessions_0_14::tower_sessions_core::Session as TowerSession;

    /// axum-login's user: none logs in here, but `AuthManager` reads its
    /// data from the session on every request it wraps, as in an app.
    #[derive(Clone, Debug)]
    pub(super) struct User;

    impl AuthUser for User {
        type Id = u64;
        fn id(&self) -> u64 {
            0
        }
        fn session_auth_hash(&self) -> &[u8] {
            b""
        }
    }

    #[derive(Clone, Debug)]
    pub(super) struct Nobody;

    impl AuthnBackend for Nobody {
        type User = User;
        type Credentials = ();
        type Error = core::convert::Infallible;
        async fn authenticate(&self, (): ()) -> Result<Option<User>, Self::Error> {
            Ok(None)
        }
        async fn get_user(&self, _: &u64) -> Result<Option<User>, Self::Error> {
            Ok(None)
        }
    }

    /// tower-sessions' errors (none happen: the adapter's store never
    /// fails) as a 500.
    fn fail_500(error: impl core::fmt::Display) -> StatusCode {
        eprintln!("tower-sessions: {error}");
        StatusCode::INTERNAL_SERVER_ERROR
    }

    async fn add_one(session: &TowerSession) -> Result<u64, StatusCode> {
        let n: u64 = session.get("n").await.map_err(fail_500)?.unwrap_or(0) + 1;
        session.insert("n", n).await.map_err(fail_500)?;
        Ok(n)
    }

    async fn read(session: TowerSession) -> Result<String, StatusCode> {
        let n: u64 = session.get("n").await.map_err(fail_500)?.unwrap_or(0);
        Ok(n.to_string())
    }

    async fn write(session: TowerSession) -> Result<String, StatusCode> {
        Ok(add_one(&session).await?.to_string())
    }

    async fn purge(session: TowerSession) -> Result<&'static str, StatusCode> {
        session.flush().await.map_err(fail_500)?;
        Ok("purged")
    }

    async fn regenerate(session: TowerSession) -> Result<String, StatusCode> {
        session.cycle_id().await.map_err(fail_500)?;
        Ok(add_one(&session).await?.to_string())
    }

    async fn status(session: TowerSession, Path(code): Path<u16>) -> Result<Response, StatusCode> {
        add_one(&session).await?;
        Ok(with_status(code))
    }

    async fn fail(session: TowerSession) -> Result<&'static str, StatusCode> {
        add_one(&session).await?;
        panic!("the conformance app's /fail");
    }

    async fn big_value(session: TowerSession) -> Result<&'static str, StatusCode> {
        session.insert("big", big()).await.map_err(fail_500)?;
        Ok("too big")
    }

    pub(super) fn app() -> Router {
        Router::new()
            .route("/read", get(read))
            .route("/write", get(write))
            .route("/purge", get(purge))
            .route("/regenerate", get(regenerate))
            .route("/status/{code}", get(status))
            .route("/fail", get(fail))
            .route("/big", get(big_value))
            .route_layer(tower::layer::layer_fn(|inner| {
                AuthManager::new(inner, Nobody, "axum-login.data")
            }))
            // After `route_layer`: AuthManager does not wrap it, so
            // nothing reads the session.
            .route("/none", get(|| async { "none" }))
            .layer(CatchPanicLayer::new())
            .layer(
                contract(TowerSessionsLayer::builder(keyring()))
                    .build()
                    .unwrap(),
            )
    }
}

/// Serves `router` on 127.0.0.1 (port 0), runs the table against it with
/// the runner's real HTTP client, prints the table, and checks every row.
async fn conforms(stack: &str, router: Router) -> Report {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let report = run(&base).await;
    server.abort();
    println!("## {stack}\n\n{}", report.to_markdown());
    assert!(
        report.all_passed(),
        "{stack}: rows that failed: {:?}",
        report.failed_rows()
    );
    report
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tower_layer_in_axum_passes_every_row() {
    conforms("tower layer (axum)", layer_app::app()).await;
}

#[cfg(feature = "tower-sessions-0_14")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_login_over_the_tower_sessions_adapter_passes_every_row() {
    conforms(
        "axum-login over the tower-sessions adapter",
        axum_login_app::app(),
    )
    .await;
}

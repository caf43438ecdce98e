//! The conformance table (`tests/conformance`, the same rows for every
//! stack) run over real HTTP against an actix-web app that implements the
//! contract: actix-web's `HttpServer` on 127.0.0.1, port 0, and the shared
//! runner's client. Every row must pass; the table is printed as markdown
//! (`cargo test -p sealed-session-actix --test conformance -- --nocapture`).

// A failure in the app's set-up is a test failure.
#![allow(clippy::unwrap_used)]

extern crate alloc;

use alloc::rc::Rc;
use core::future::{Ready, ready};
use core::net::Ipv4Addr;
use core::panic::AssertUnwindSafe;
use core::time::Duration;
use std::time::{SystemTime, UNIX_EPOCH};

use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{App, HttpResponse, HttpServer, error, web};
use futures_util::FutureExt as _;
use futures_util::future::LocalBoxFuture;
use sealed_session_actix::sealed_session::{Key, Legacy, Refresh};
use sealed_session_actix::{HandlerError, Keyring, Session, SessionMiddleware};
use sealed_session_conformance::{KEYS_FILE, LEGACY_KEY_FILE, run};

/// Every row of the shared table passes against the actix app.
#[actix_web::test]
async fn actix_passes_the_conformance_table() {
    let sessions = contract_sessions();
    let server = HttpServer::new(move || {
        App::new()
            // Inside the session middleware, so that it sees the 500.
            .wrap(CatchPanic)
            .wrap(sessions.clone())
            .configure(contract_routes)
    })
    .workers(1)
    .disable_signals()
    .shutdown_timeout(1)
    .bind((Ipv4Addr::LOCALHOST, 0))
    .unwrap();
    let port = server.addrs()[0].port();
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);

    let report = run(&format!("http://127.0.0.1:{port}")).await;
    println!("{report}");
    handle.stop(true).await;
    assert!(report.all_passed(), "a row failed:\n{report}");
}

// ------------------------------------------------------------ the contract

/// The contract's configuration: the shared keyring (key 2 seals, key 1
/// older), `__Host-session` with the default attributes, idle 1 h,
/// absolute 24 h, refresh after 60 s, and the legacy EncryptedSession
/// cookie `legacy_session` migrated from the app's start (a migrated
/// session counts as created then) until 2036-01-01.
fn contract_sessions() -> SessionMiddleware {
    let keys = std::fs::read_to_string(KEYS_FILE).unwrap();
    let legacy_key = std::fs::read_to_string(LEGACY_KEY_FILE).unwrap();
    let legacy_key = Key::from_hex(legacy_key.trim()).unwrap();
    let until = UNIX_EPOCH + Duration::from_secs(2_082_758_400); // 2036-01-01T00:00:00Z
    SessionMiddleware::builder(Keyring::from_text(&keys).unwrap())
        .idle_timeout(Duration::from_secs(3600))
        .absolute_timeout(Duration::from_secs(86_400))
        .refresh(Refresh::After(Duration::from_secs(60)))
        .accept_legacy(
            Legacy::encrypted_session(&legacy_key)
                .cookie_name("legacy_session")
                .since(SystemTime::now())
                .until(until),
        )
        .build()
        .unwrap()
}

/// The contract's endpoints (all GET; the session holds an integer `n`,
/// missing = 0).
fn contract_routes(config: &mut web::ServiceConfig) {
    config
        .route("/none", web::get().to(|| async { "none" }))
        .route("/read", web::get().to(read))
        .route("/write", web::get().to(write))
        .route("/purge", web::get().to(purge))
        .route("/regenerate", web::get().to(regenerate))
        .route("/status/{code}", web::get().to(status))
        .route("/fail", web::get().to(fail))
        .route("/big", web::get().to(big));
}

/// The session's `n`, 0 when missing.
fn n(session: &Session) -> Result<u64, HandlerError> {
    Ok(session.get::<u64>("n")?.unwrap_or(0))
}

/// `n += 1`; the new `n`.
fn increment(session: &Session) -> Result<u64, HandlerError> {
    let n = n(session)? + 1;
    session.insert("n", n)?;
    Ok(n)
}

async fn read(session: Session) -> actix_web::Result<String> {
    Ok(n(&session)?.to_string())
}

async fn write(session: Session) -> actix_web::Result<String> {
    Ok(increment(&session)?.to_string())
}

async fn purge(session: Session) -> HttpResponse {
    session.purge();
    HttpResponse::Ok().finish()
}

async fn regenerate(session: Session) -> actix_web::Result<String> {
    session.regenerate();
    Ok(increment(&session)?.to_string())
}

/// `n += 1`, then the status in the path (a 302 goes to `/`).
async fn status(session: Session, code: web::Path<u16>) -> actix_web::Result<HttpResponse> {
    increment(&session)?;
    let code = StatusCode::from_u16(code.into_inner()).map_err(error::ErrorBadRequest)?;
    let mut response = HttpResponse::build(code);
    if code == StatusCode::FOUND {
        response.insert_header((LOCATION, "/"));
    }
    Ok(response.finish())
}

/// `n += 1`, then a panic, which [`CatchPanic`] turns into an empty 500.
async fn fail(session: Session) -> actix_web::Result<String> {
    increment(&session)?;
    panic!("the contract's /fail: a panic in a handler")
}

/// A 5000-character value: the session no longer fits one cookie.
async fn big(session: Session) -> actix_web::Result<HttpResponse> {
    session.insert("big", "x".repeat(5000))?;
    Ok(HttpResponse::Ok().finish())
}

// ------------------------------------------------------------- CatchPanic

/// What actix-web apps use to answer a panic (actix-web itself drops the
/// connection): actix-web-lab's `CatchPanic`, written out here as that
/// crate has it (`catch_unwind` around the inner service's future; a panic
/// becomes an error that renders as an empty 500), so that the test does
/// not build a crate with all of actix-web's default features.
struct CatchPanic;

impl<S, B> Transform<S, ServiceRequest> for CatchPanic
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Transform = CatchPanicService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(CatchPanicService {
            service: Rc::new(service),
        }))
    }
}

struct CatchPanicService<S> {
    service: Rc<S>,
}

impl<S, B> Service<ServiceRequest> for CatchPanicService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        AssertUnwindSafe(self.service.call(request))
            .catch_unwind()
            .map(|result| match result {
                Ok(result) => result,
                Err(_panic) => Err(error::ErrorInternalServerError("")),
            })
            .boxed_local()
    }
}

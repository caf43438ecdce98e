//! The runner against real servers on 127.0.0.1: a reference app that
//! implements the contract with the std crate (`SessionCodec::load` and
//! `SessionCodec::finish`, nothing else deciding), on which every row must
//! pass, and the same app with one defect at a time, on which exactly the
//! rows that defect breaks must fail. So the runner can pass, and can fail.

#![allow(clippy::unwrap_used, clippy::expect_used)]

extern crate alloc;

use alloc::sync::Arc;
use core::panic::AssertUnwindSafe;
use core::time::Duration;
use std::panic::{catch_unwind, resume_unwind};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{COOKIE, LOCATION, SET_COOKIE, VARY};
use axum::http::{HeaderValue, Response, StatusCode};
use sealed_session::{
    Finished, Key, Keyring, Legacy, Outcome, Refresh, Session, SessionCodec, cookie,
};
use sealed_session_conformance::{KEYS_FILE, LEGACY_KEY_FILE, Report, run};

/// A mistake a stack could make, one at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Defect {
    /// None: the contract.
    None,
    /// Saves on a 5xx or a failure too, as Flask's own interface does.
    SavesOn5xx,
    /// Says `Vary: Cookie` only when it sends a `Set-Cookie`.
    VaryOnlyWithSetCookie,
    /// Of several authentic values, takes the most recently sealed
    /// whatever its id, and tries every value (the std crate's rule before
    /// issue 17).
    NewestOfAnyId,
    /// Gives a session a new id whenever it changes (as a careless
    /// "regenerate on every write" would).
    RegeneratesOnWrite,
    /// Where an unchanged session is to be refreshed or re-sealed, sends
    /// the request's cookie back as it came instead.
    EchoesInsteadOfResealing,
}

struct App {
    codec: SessionCodec,
    defect: Defect,
}

/// The contract's configuration, from the README: the keyring file, the
/// default cookie attributes, 3600 s idle, 86400 s absolute, refresh after
/// 60 s, the legacy key under `legacy_session` since now until 2036.
fn codec() -> SessionCodec {
    let keyring = Keyring::from_text(&std::fs::read_to_string(KEYS_FILE).unwrap()).unwrap();
    let legacy_key = Key::parse(std::fs::read_to_string(LEGACY_KEY_FILE).unwrap().trim()).unwrap();
    SessionCodec::builder(keyring)
        .idle_timeout(Duration::from_secs(3600))
        .absolute_timeout(Duration::from_secs(86_400))
        .refresh(Refresh::After(Duration::from_secs(60)))
        .accept_legacy(
            Legacy::encrypted_session(&legacy_key)
                .cookie_name("legacy_session")
                .since(SystemTime::now())
                .until(UNIX_EPOCH + Duration::from_secs(2_082_758_400)),
        )
        .build()
        .unwrap()
}

/// Serves the reference app (with `defect`) on 127.0.0.1, port 0; its URL.
async fn serve(defect: Defect) -> String {
    let app = Arc::new(App {
        codec: codec(),
        defect,
    });
    let router = Router::new().fallback(handle).with_state(app);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

/// The session middleware and the endpoints in one: load, run the
/// endpoint (catching its panic), then `finish` decides.
async fn handle(State(app): State<Arc<App>>, request: Request) -> Response<Body> {
    let headers = request.headers().get_all(COOKIE);
    let mut session = match app.defect {
        Defect::NewestOfAnyId => newest_of_any_id(&app.codec, headers.iter()),
        _ => None,
    }
    .unwrap_or_else(|| app.codec.load(headers.iter()).session);
    let path = request.uri().path().to_owned();
    let (outcome, mut response) =
        match catch_unwind(AssertUnwindSafe(|| endpoint(&path, &mut session))) {
            Ok(response) => (Outcome::Status(response.status().as_u16()), response),
            // What a framework's panic catcher answers.
            Err(_) => (Outcome::Failed, empty(StatusCode::INTERNAL_SERVER_ERROR)),
        };
    if app.defect == Defect::RegeneratesOnWrite && session.modified() {
        session.regenerate();
    }
    let mut finished = match (app.defect, outcome) {
        (Defect::SavesOn5xx, _) => app.codec.finish(&session, Outcome::Status(200)),
        _ => app.codec.finish(&session, outcome),
    };
    if finished.save_error.is_some() {
        response = empty(StatusCode::INTERNAL_SERVER_ERROR);
    }
    if app.defect == Defect::EchoesInsteadOfResealing && !session.modified() {
        let values: Vec<&str> =
            cookie::cookie_values(headers.iter(), app.codec.cookie_name()).collect();
        if let ([value], [set]) = (values.as_slice(), finished.set_cookies.as_mut_slice())
            && !set.contains("Max-Age=0")
        {
            *set = format!("__Host-session={value}; HttpOnly; Secure; SameSite=Lax; Path=/");
        }
    }
    apply(&finished, &mut response, app.defect);
    response
}

/// `finished`'s headers on `response`.
fn apply(finished: &Finished, response: &mut Response<Body>, defect: Defect) {
    for value in &finished.set_cookies {
        response
            .headers_mut()
            .append(SET_COOKIE, HeaderValue::from_str(value).unwrap());
    }
    let vary = match defect {
        Defect::VaryOnlyWithSetCookie => !finished.set_cookies.is_empty(),
        _ => finished.needs_vary(
            response
                .headers()
                .get_all(VARY)
                .iter()
                .map(HeaderValue::as_bytes),
        ),
    };
    if vary {
        response
            .headers_mut()
            .append(VARY, HeaderValue::from_static(Finished::VARY_TOKEN));
    }
}

/// The defect [`Defect::NewestOfAnyId`]: every value tried, the most
/// recently sealed one that opens wins.
fn newest_of_any_id<'h>(
    codec: &SessionCodec,
    headers: impl Iterator<Item = &'h HeaderValue>,
) -> Option<Session> {
    let headers: Vec<&HeaderValue> = headers.collect();
    cookie::cookie_values(headers.iter().copied(), codec.cookie_name())
        .filter_map(|value| codec.open(value).ok())
        .max_by_key(Session::issued_at)
}

/// The endpoints of the contract.
fn endpoint(path: &str, session: &mut Session) -> Response<Body> {
    let n = |session: &Session| session.get::<u64>("n").unwrap().unwrap_or(0);
    let increment = |session: &mut Session| {
        let next = n(session) + 1;
        session.insert("n", next).unwrap();
        next
    };
    match path {
        "/none" => text(StatusCode::OK, "none".to_owned()),
        "/read" => text(StatusCode::OK, n(session).to_string()),
        "/write" => text(StatusCode::OK, increment(session).to_string()),
        "/purge" => {
            session.clear();
            text(StatusCode::OK, "purged".to_owned())
        }
        "/regenerate" => {
            session.regenerate();
            text(StatusCode::OK, increment(session).to_string())
        }
        "/fail" => {
            increment(session);
            // A real unwinding panic, without the panic hook's message.
            resume_unwind(Box::new("the /fail endpoint fails on purpose"))
        }
        "/big" => {
            session.insert("big", "x".repeat(5000)).unwrap();
            text(StatusCode::OK, "big".to_owned())
        }
        _ => match path
            .strip_prefix("/status/")
            .and_then(|code| code.parse::<u16>().ok())
            .and_then(|code| StatusCode::from_u16(code).ok())
        {
            Some(status) => {
                increment(session);
                let mut response = empty(status);
                if status.is_redirection() {
                    response
                        .headers_mut()
                        .insert(LOCATION, HeaderValue::from_static("/"));
                }
                response
            }
            None => empty(StatusCode::NOT_FOUND),
        },
    }
}

fn text(status: StatusCode, body: String) -> Response<Body> {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
}

fn empty(status: StatusCode) -> Response<Body> {
    text(status, String::new())
}

async fn run_against(defect: Defect) -> Report {
    let url = serve(defect).await;
    run(&url).await
}

#[tokio::test]
async fn the_reference_app_passes_every_row() {
    let report = run_against(Defect::None).await;
    assert!(report.all_passed(), "{report}");
    assert_eq!(report.failed_rows(), Vec::<&str>::new());
}

#[tokio::test]
async fn saving_on_5xx_fails_exactly_the_5xx_rows() {
    let report = run_against(Defect::SavesOn5xx).await;
    assert!(!report.all_passed());
    assert_eq!(
        report.failed_rows(),
        ["status-500", "status-500-tampered", "fail"],
        "{report}"
    );
    let markdown = report.to_markdown();
    assert!(
        markdown.contains(
            "| 500; set n=6 (same id); Vary | **FAIL**: Set-Cookie: unexpected set n=6 (same id) |"
        ),
        "{markdown}"
    );
}

#[tokio::test]
async fn vary_only_with_set_cookie_fails_the_rows_that_read_without_a_cookie_set() {
    let report = run_against(Defect::VaryOnlyWithSetCookie).await;
    assert_eq!(
        report.failed_rows(),
        [
            "no-cookie-read",
            "valid-read",
            "big-no-cookie",
            "big-valid",
            "purge-no-cookie",
            "garbage-then-valid",
            "valid-then-garbage",
            "same-id-older-then-newer",
            "same-id-newer-then-older",
            "two-ids-a-then-b",
            "two-ids-b-then-a",
            "five-values-read",
            "status-500",
            "status-500-tampered",
            "fail",
        ],
        "{report}"
    );
}

#[tokio::test]
async fn a_new_id_on_every_write_fails_the_rows_that_keep_the_id() {
    let report = run_against(Defect::RegeneratesOnWrite).await;
    assert_eq!(
        report.failed_rows(),
        ["valid-write", "status-200", "status-302", "status-404"],
        "{report}"
    );
    let markdown = report.to_markdown();
    assert!(
        markdown.contains(
            "**FAIL**: Set-Cookie __Host-session: id: expected the request's session id, got another; \
             Set-Cookie __Host-session: created at: expected the session's "
        ),
        "{markdown}"
    );
}

#[tokio::test]
async fn echoing_the_cookie_fails_the_refresh_and_reseal_rows() {
    let report = run_against(Defect::EchoesInsteadOfResealing).await;
    assert_eq!(
        report.failed_rows(),
        [
            "refresh-due-read",
            "refresh-due-none",
            "older-key-read",
            "older-key-none"
        ],
        "{report}"
    );
    let markdown = report.to_markdown();
    assert!(
        markdown.contains(" s before the request: not sealed now |"),
        "{markdown}"
    );
    assert!(
        markdown.contains(
            "**FAIL**: Set-Cookie __Host-session: sealed under an older key, expected key 2 |"
        ),
        "{markdown}"
    );
}

#[tokio::test]
async fn taking_the_newest_of_two_sessions_fails_the_ambiguous_rows() {
    let report = run_against(Defect::NewestOfAnyId).await;
    assert_eq!(
        report.failed_rows(),
        ["two-ids-a-then-b", "two-ids-b-then-a", "five-values-read"],
        "{report}"
    );
}

#[tokio::test]
async fn a_server_that_is_not_there_fails_every_row() {
    // A port that was free a moment ago, and is closed now.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let report = run(&format!("http://{addr}")).await;
    assert!(!report.all_passed());
    let markdown = report.to_markdown();
    assert!(markdown.contains("request failed"), "{markdown}");
    assert!(markdown.contains(&format!(
        "\n0 of {} rows passed",
        report.failed_rows().len()
    )));
}

/// The `conformance` command: the report on stdout, exit 0 when every row
/// passed, 1 when one failed, 2 on a usage error.
#[tokio::test]
async fn the_command_exits_by_the_report() {
    let command = |args: Vec<String>| {
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_conformance"))
                .args(args)
                .output()
                .unwrap()
        })
    };
    let good = serve(Defect::None).await;
    let output = command(vec![good]).await.unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("| `fail` | a: n=5, `/fail` |"), "{stdout}");
    assert!(stdout.ends_with(" rows passed.\n"), "{stdout}");

    let bad = serve(Defect::SavesOn5xx).await;
    let output = command(vec![bad]).await.unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("rows passed; see the failures above."),
        "{stdout}"
    );

    let output = command(vec![]).await.unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .starts_with("usage: conformance <base-url>")
    );
}

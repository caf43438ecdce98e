//! An actix-web app with encrypted cookie sessions: a page at `/`, login
//! (a user id and a CSRF token, with a new session id), `/me`, a counter,
//! logout that revokes the session on the server, sign-out-everywhere
//! (`POST /logout-everywhere`) and `GET /health`.
//!
//! ```text
//! cargo run -p sealed-session-actix --example actix_app -- --keys keys.txt [--port PORT]
//!     [--redis redis://127.0.0.1:6379/ [--fail-closed-after SECONDS]]
//! SEALED_SESSION_KEYS_FILE=keys.txt cargo run -p sealed-session-actix --example actix_app [PORT]
//! cargo run -p sealed-session-actix --example actix_app -- --demo [PORT]
//! ```
//!
//! A key file (`--keys`, or `SEALED_SESSION_KEYS_FILE`) is reloaded when
//! it changes (checked every second) and on `SIGHUP`; a new file that does
//! not load keeps the running keys, and why is logged. Revocations are in
//! memory unless `--redis URL` shares them through Redis, failing closed
//! after `--fail-closed-after` seconds of outage (30 by default), when
//! `/health` answers 503.
//!
//! Serves on 127.0.0.1, on the port given as an argument or in `PORT`, else
//! on one the system picks (printed). Keys come from the text in
//! `SEALED_SESSION_KEYS`, else from the file named by
//! `SEALED_SESSION_KEYS_FILE` (`chmod 600`); without either it refuses to start, unless
//! `--demo` is given: it then uses the public demo keys in `app.rs`, with
//! which anyone can forge sessions, and says so. Open `/` in a browser, or
//! try it with curl (curl keeps `Secure` cookies for `127.0.0.1`):
//!
//! ```text
//! curl -c jar -b jar -d user_id=42 http://127.0.0.1:PORT/login
//! curl -c jar -b jar http://127.0.0.1:PORT/me
//! curl -c jar -b jar -X POST -H 'X-CSRF-Token: TOKEN' http://127.0.0.1:PORT/counter
//! curl -c jar -b jar -X POST -H 'X-CSRF-Token: TOKEN' http://127.0.0.1:PORT/logout
//! ```

extern crate alloc;

mod app;

use alloc::sync::Arc;
use core::net::Ipv4Addr;
use core::time::Duration;
use std::process::ExitCode;

use actix_web::{App, HttpServer, web};
use sealed_session_actix::sealed_session::{
    KeySource, MemoryRevocations, ReloadOptions, Reloading, Revocations, keyring_from_environment,
};
use sealed_session_actix::{SessionCodec, SessionMiddleware};
use sealed_session_redis::{RedisOptions, RedisRevocations};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // Display, not the Debug text a `main` returning `Result` prints.
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

#[actix_web::main]
async fn run() -> Result<(), Box<dyn core::error::Error>> {
    if log::set_logger(&LOG).is_ok() {
        log::set_max_level(log::LevelFilter::Info);
    }
    let startup = app::startup(
        std::env::args().skip(1),
        keyring_from_environment,
        std::env::var_os("PORT"),
    )?;
    if startup.demo {
        eprintln!("{}", app::DEMO_WARNING);
    }
    let (revocations, health) = revocations(&startup)?;
    let key_file = startup.keys_file.clone().or_else(|| {
        // `SEALED_SESSION_KEYS` wins over the file, as everywhere.
        if std::env::var_os(KeySource::TEXT_ENV).is_some() {
            return None;
        }
        std::env::var_os(KeySource::FILE_ENV).map(Into::into)
    });
    let sessions = match key_file.filter(|_| !startup.demo) {
        Some(path) => {
            let list = Arc::clone(&revocations);
            let codec =
                Reloading::watch(path, ReloadOptions::new().on_sighup(true), move |keyring| {
                    app::settings::<SessionCodec>(keyring)
                        .revocations(Arc::clone(&list))
                        .build()
                })?;
            SessionMiddleware::reloading(codec)
        }
        None => app::sessions(startup.keyring)
            .revocations(revocations)
            .build()?,
    };
    let health = web::Data::new(health);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(health.clone())
            .wrap(sessions.clone())
            .configure(app::routes)
    })
    .bind((Ipv4Addr::LOCALHOST, startup.port))?;
    for address in server.addrs() {
        println!("listening on http://{address}");
    }
    server.run().await?;
    Ok(())
}

/// The revocation list (Redis's with `--redis`, else one in memory) and
/// the health check that goes with it.
fn revocations(
    startup: &app::Startup,
) -> Result<(Arc<dyn Revocations>, app::Health), Box<dyn core::error::Error>> {
    let Some(url) = &startup.redis else {
        return Ok((
            Arc::new(MemoryRevocations::new()),
            app::Health::new(|| true),
        ));
    };
    let mut options = RedisOptions::new();
    if let Some(seconds) = startup.fail_closed_after {
        options = options.outage_window(Duration::from_secs(seconds));
    }
    let list = RedisRevocations::connect(url, options)?;
    if !list.wait_synced(Duration::from_secs(5)) {
        eprintln!(
            "warning: Redis not reached yet: authenticated sessions are refused (and /health \
             answers 503) until it is"
        );
    }
    let probe = list.clone();
    Ok((
        Arc::new(list),
        app::Health::new(move || !probe.health().failing_closed),
    ))
}

/// Prints the library's own log lines on stderr: warnings and errors (a
/// new key file that did not load and why, Redis down, failing closed) and
/// the key reloads. A real service installs its own logger instead.
struct StderrLog;

impl log::Log for StderrLog {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Warn
            || (metadata.level() <= log::Level::Info
                && metadata.target() == "sealed_session::reload")
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            eprintln!("{} {}: {}", record.level(), record.target(), record.args());
        }
    }

    fn flush(&self) {}
}

static LOG: StderrLog = StderrLog;

//! An axum app with sealed sessions: login (user id, subject and a CSRF
//! token, a new session id), `/me`, a counter, logout that revokes the
//! session on the server, sign-out-everywhere, and a health check. One-hour
//! idle and absolute timeouts.
//!
//! ```text
//! cargo run -p sealed-session-tower-examples --bin axum_app -- --keys keys.txt [--port PORT]
//!     [--redis redis://127.0.0.1:6379/ [--fail-closed-after SECONDS]]
//! curl -c jar -b jar -d user=ann http://127.0.0.1:PORT/login
//! curl -c jar -b jar http://127.0.0.1:PORT/me
//! ```
//!
//! Keys: `--keys FILE` (or `SEALED_SESSION_KEYS_FILE`), a key file
//! (`chmod 600`), **reloaded when it changes** (checked every second) and
//! on `SIGHUP`; a new file that does not load keeps the running keys and
//! says why on stderr. Or `SEALED_SESSION_KEYS`, the keyring text (fixed).
//! Without any the app refuses to start, unless given `--demo` (published
//! keys: anyone can forge sessions).
//!
//! Revocations (logout, `/logout-everywhere`): in memory, for this process
//! only; with `--redis URL` shared by every instance through Redis
//! (`sealed-session-redis`), failing closed after `--fail-closed-after`
//! seconds of outage (30 by default), when `/health` answers 503.

extern crate alloc;

mod app;
#[path = "../keys.rs"]
mod keys;

use alloc::sync::Arc;
use core::time::Duration;
use std::process::ExitCode;

use axum::Extension;
use sealed_session_redis::{RedisOptions, RedisRevocations};
use sealed_session_tower::sealed_session::{
    KeySource, MemoryRevocations, ReloadOptions, Reloading, Revocations,
};
use sealed_session_tower::{SessionCodec, SessionLayer};

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn core::error::Error>> {
    let args = keys::Args::parse_fleet()?;
    if log::set_logger(&LOG).is_ok() {
        log::set_max_level(log::LevelFilter::Info);
    }
    let (revocations, health) = revocations(&args)?;
    let layer = match key_file(&args) {
        Some(path) => {
            let list = Arc::clone(&revocations);
            let codec =
                Reloading::watch(path, ReloadOptions::new().on_sighup(true), move |keyring| {
                    app::settings::<SessionCodec>(keyring)
                        .revocations(Arc::clone(&list))
                        .build()
                })?;
            SessionLayer::reloading(codec)
        }
        None => app::layer(keys::keyring(args.demo)?)
            .revocations(revocations)
            .build()?,
    };
    let app = app::routes().layer(Extension(health)).layer(layer);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

/// The key file to watch: `--keys`, else `SEALED_SESSION_KEYS_FILE` when
/// `SEALED_SESSION_KEYS` (which wins, as everywhere) is not set.
fn key_file(args: &keys::Args) -> Option<std::path::PathBuf> {
    if let Some(path) = &args.keys {
        return Some(path.clone());
    }
    if std::env::var_os(KeySource::TEXT_ENV).is_some() {
        return None;
    }
    std::env::var_os(KeySource::FILE_ENV).map(Into::into)
}

/// The revocation list (Redis's with `--redis`, else one in memory) and
/// the health check that goes with it.
fn revocations(
    args: &keys::Args,
) -> Result<(Arc<dyn Revocations>, app::Health), Box<dyn core::error::Error>> {
    let Some(url) = &args.redis else {
        return Ok((
            Arc::new(MemoryRevocations::new()),
            app::Health::new(|| true),
        ));
    };
    let mut options = RedisOptions::new();
    if let Some(seconds) = args.fail_closed_after {
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

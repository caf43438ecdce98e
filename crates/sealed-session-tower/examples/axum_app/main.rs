//! An axum app with sealed sessions: login (user id and a CSRF token, a
//! new session id), `/me`, a counter, logout. Two keys (one old, for
//! rotation), one-hour idle and absolute timeouts.
//!
//! ```text
//! SEALED_SESSION_KEYS_FILE=keys.txt cargo run -p sealed-session-tower-examples --bin axum_app [-- PORT]
//! curl -c jar -b jar -d user=ann http://127.0.0.1:PORT/login
//! curl -c jar -b jar http://127.0.0.1:PORT/me
//! ```
//!
//! Keys: `SEALED_SESSION_KEYS` (the keyring text) or
//! `SEALED_SESSION_KEYS_FILE` (a key file, `chmod 600`); without them the
//! app refuses to start, unless given `--demo` (published keys: anyone can
//! forge sessions).

mod app;
#[path = "../keys.rs"]
mod keys;

use std::process::ExitCode;

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
    let args = keys::Args::parse()?;
    let app = app::routes().layer(app::layer(keys::keyring(args.demo)?).build()?);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

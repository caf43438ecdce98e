//! An actix-web app with encrypted cookie sessions: a page at `/`, login
//! (a user id and a CSRF token, with a new session id), `/me`, a counter,
//! logout.
//!
//! ```text
//! SEALED_SESSION_KEYS_FILE=keys.txt cargo run -p sealed-session-actix --example actix_app [PORT]
//! cargo run -p sealed-session-actix --example actix_app -- --demo [PORT]
//! ```
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

mod app;

use core::net::Ipv4Addr;
use std::process::ExitCode;

use actix_web::{App, HttpServer};
use sealed_session_actix::sealed_session::keyring_from_environment;

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
    let startup = app::startup(
        std::env::args().skip(1),
        keyring_from_environment,
        std::env::var_os("PORT"),
    )?;
    if startup.demo {
        eprintln!("{}", app::DEMO_WARNING);
    }
    let sessions = app::sessions(startup.keyring).build()?;
    let server = HttpServer::new(move || App::new().wrap(sessions.clone()).configure(app::routes))
        .bind((Ipv4Addr::LOCALHOST, startup.port))?;
    for address in server.addrs() {
        println!("listening on http://{address}");
    }
    server.run().await?;
    Ok(())
}

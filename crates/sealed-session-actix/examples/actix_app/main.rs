//! An actix-web app with encrypted cookie sessions: login (a user id and a
//! CSRF token, with a new session id), `/me`, a counter, logout.
//!
//! ```text
//! cargo run -p sealed-session-actix --example actix_app [PORT]
//! ```
//!
//! Serves on 127.0.0.1, on the port given as the first argument or in
//! `PORT`, else on one the system picks (printed). Keys come from the file
//! named by `APP_KEYS_FILE`, else from `SEALED_SESSION_KEYS`, else the
//! public demo keys (with a warning). Try it with curl (`-k` is not needed:
//! curl keeps `Secure` cookies for `127.0.0.1`):
//!
//! ```text
//! curl -c jar -b jar -d user_id=42 http://127.0.0.1:PORT/login
//! curl -c jar -b jar http://127.0.0.1:PORT/me
//! curl -c jar -b jar -X POST -H 'X-CSRF-Token: TOKEN' http://127.0.0.1:PORT/counter
//! curl -c jar -b jar -X POST -H 'X-CSRF-Token: TOKEN' http://127.0.0.1:PORT/logout
//! ```

mod app;

use core::net::Ipv4Addr;

use actix_web::{App, HttpServer};

#[actix_web::main]
async fn main() -> Result<(), Box<dyn core::error::Error>> {
    let sessions = app::sessions(app::keyring()?).build()?;
    let port = match std::env::args()
        .nth(1)
        .or_else(|| std::env::var("PORT").ok())
    {
        Some(port) => port.parse()?,
        None => 0,
    };
    let server = HttpServer::new(move || App::new().wrap(sessions.clone()).configure(app::routes))
        .bind((Ipv4Addr::LOCALHOST, port))?;
    for address in server.addrs() {
        println!("listening on http://{address}");
    }
    server.run().await?;
    Ok(())
}

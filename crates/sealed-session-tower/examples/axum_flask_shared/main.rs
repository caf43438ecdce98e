//! The example app's endpoints over Flask's cookie name, `session`, so that
//! a Flask app using the sealed-session Python package shares the session
//! with this service: both read and write `user_id`, `count` and `csrf`
//! (Flask's tagged JSON on both sides).
//!
//! ```text
//! chmod 600 keys.txt   # the same keyring file the Flask app reads
//! SEALED_SESSION_KEY_FILE=keys.txt cargo run -p sealed-session-tower --example axum_flask_shared [-- PORT]
//! ```
//!
//! - `POST /login` (form or JSON `user`): `{"user_id": …, "csrf": …}`
//! - `GET /me`: `{"user_id": …, "csrf": …, "count": …}` or 401
//! - `POST /counter` (header `X-CSRF-Token`): `{"count": …}`
//! - `POST /logout` (header `X-CSRF-Token`): deletes the cookie
//!
//! `Secure` is off, explicitly, so the cookie also travels over plain HTTP
//! between local test servers; a `__Host-` name would require it, which is
//! why the name is Flask's `session`. In production keep `Secure` on (and
//! set `SESSION_COOKIE_SECURE = True` in Flask).

#[path = "../axum_app/app.rs"]
mod app;

use sealed_session_tower::keyring_from_file;

#[tokio::main]
async fn main() -> Result<(), Box<dyn core::error::Error>> {
    let path = std::env::var_os("SEALED_SESSION_KEY_FILE")
        .ok_or("set SEALED_SESSION_KEY_FILE to the keyring file the Flask app uses")?;
    let port: u16 = match std::env::args()
        .nth(1)
        .or_else(|| std::env::var("PORT").ok())
    {
        Some(port) => port.parse()?,
        None => 0,
    };
    let layer = app::layer(keyring_from_file(path)?)
        .with_name("session") // Flask's SESSION_COOKIE_NAME
        .with_secure(false) // plain-HTTP local testing only
        .build()?;
    let app = app::routes().layer(layer);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

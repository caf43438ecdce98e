//! An axum app with sealed sessions: login (user id and a CSRF token, a
//! new session id), `/me`, a counter, logout. Two keys (one old, for
//! rotation), one-hour idle and absolute timeouts.
//!
//! ```text
//! cargo run -p sealed-session-tower --example axum_app [-- PORT]
//! curl -c jar -b jar -d user=ann http://127.0.0.1:PORT/login
//! curl -c jar -b jar http://127.0.0.1:PORT/me
//! ```
//!
//! Keys: `SEALED_SESSION_KEYS` (the keyring text, one `<id> <key>` per
//! line, the first one sealing), or `SEALED_SESSION_KEY_FILE` (a file in
//! that format, `chmod 600`), else a built-in demo keyring.

mod app;

use sealed_session_tower::{KEYS_ENV, Keyring, keyring_from_env, keyring_from_file};

/// !!! DEMO KEYS, PUBLISHED IN THIS FILE: NEVER USE THEM FOR ANYTHING REAL !!!
/// Anyone can forge sessions sealed under them. Generate your own with
/// `sealed-session keygen` and pass them in `SEALED_SESSION_KEYS`.
const DEMO_KEYRING: &str = "\
2 ZGVtby1rZXktMi1kZW1vLWtleS0yLWRlbW8ta2V5LTI
1 ZGVtby1rZXktMS1kZW1vLWtleS0xLWRlbW8ta2V5LTE
";

fn keyring() -> Result<Keyring, Box<dyn core::error::Error>> {
    if std::env::var_os(KEYS_ENV).is_some() {
        return Ok(keyring_from_env(KEYS_ENV)?);
    }
    if let Some(path) = std::env::var_os("SEALED_SESSION_KEY_FILE") {
        return Ok(keyring_from_file(path)?);
    }
    eprintln!("WARNING: using the published demo keys; set {KEYS_ENV} for anything real");
    Ok(Keyring::from_text(DEMO_KEYRING)?)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn core::error::Error>> {
    let port: u16 = match std::env::args()
        .nth(1)
        .or_else(|| std::env::var("PORT").ok())
    {
        Some(port) => port.parse()?,
        None => 0,
    };
    let app = app::routes().layer(app::layer(keyring()?).build()?);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

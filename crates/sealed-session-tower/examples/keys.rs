//! Where the examples get their keys, and their command line.
//!
//! - `SEALED_SESSION_KEYS`: the keyring text, one `<id> <key>` line per
//!   key, the first one sealing; or
//! - `SEALED_SESSION_KEYS_FILE`: a file in that format (`chmod 600`).
//!
//! Without either an example refuses to start, unless it is given
//! `--demo`: then it runs on demo keys that are published in this file,
//! and says so, because anyone can forge sessions sealed under them.

use sealed_session_tower::Keyring;
use sealed_session_tower::sealed_session::{KeySource, KeyringError, keyring_from_environment};

/// The variable holding the keyring text.
const KEYS_ENV: &str = KeySource::TEXT_ENV;
/// The variable naming the key file.
pub(crate) const KEYS_FILE_ENV: &str = KeySource::FILE_ENV;

/// The flag that accepts the published demo keys.
pub(crate) const DEMO_FLAG: &str = "--demo";

/// !!! DEMO KEYS, PUBLISHED IN THIS FILE: NEVER USE THEM FOR ANYTHING REAL !!!
const DEMO_KEYRING: &str = "\
2 ZGVtby1rZXktMi1kZW1vLWtleS0yLWRlbW8ta2V5LTI
1 ZGVtby1rZXktMS1kZW1vLWtleS0xLWRlbW8ta2V5LTE
";

/// What the command line says: the port (0, any free one, by default)
/// and whether the demo keys are accepted.
pub(crate) struct Args {
    pub(crate) port: u16,
    pub(crate) demo: bool,
}

impl Args {
    /// `[--demo] [PORT]`, the port also from `PORT`.
    pub(crate) fn parse() -> Result<Self, String> {
        let mut port = std::env::var("PORT").ok();
        let mut demo = false;
        for arg in std::env::args().skip(1) {
            if arg == DEMO_FLAG {
                demo = true;
            } else if arg.starts_with('-') {
                return Err(format!("unknown option {arg}; usage: [{DEMO_FLAG}] [PORT]"));
            } else {
                port = Some(arg);
            }
        }
        let port = match port {
            Some(port) => port
                .parse()
                .map_err(|_| format!("not a port number: {port}"))?,
            None => 0,
        };
        Ok(Self { port, demo })
    }
}

/// The keyring: from the environment, else the demo keys if `demo`, else
/// an error that says what to do.
pub(crate) fn keyring(demo: bool) -> Result<Keyring, String> {
    match keyring_from_environment() {
        Ok(keyring) => return Ok(keyring),
        Err(KeyringError::EnvMissing { .. }) => {}
        Err(error) => return Err(error.to_string()),
    }
    if !demo {
        return Err(format!(
            "no keys: set {KEYS_ENV} (the keyring text) or {KEYS_FILE_ENV} (a key file, chmod 600); \
             make one with `sealed-session keygen`. To try the example on published demo keys, \
             run it with {DEMO_FLAG}"
        ));
    }
    eprintln!(
        "DEMO MODE: the session keys are published in the example's source. ANYONE CAN FORGE \
         SESSIONS (log in as any user) on this server. Never expose it; set {KEYS_ENV} or \
         {KEYS_FILE_ENV} for anything real."
    );
    Keyring::from_text(DEMO_KEYRING).map_err(|error| format!("demo keys: {error}"))
}

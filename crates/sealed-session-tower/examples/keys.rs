//! Where the examples get their keys, and their command line.
//!
//! - `SEALED_SESSION_KEYS`: the keyring text, one `<id> <key>` line per
//!   key, the first one sealing; or
//! - `SEALED_SESSION_KEYS_FILE`: a file in that format (`chmod 600`).
//!
//! Without either an example refuses to start, unless it is given
//! `--demo`: then it runs on demo keys that are published in this file,
//! and says so, because anyone can forge sessions sealed under them.

use std::path::PathBuf;

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

/// What the command line says: the port (0, any free one, by default),
/// whether the demo keys are accepted, and the fleet options, which only
/// `axum_app` takes (the other examples refuse them).
pub(crate) struct Args {
    pub(crate) port: u16,
    pub(crate) demo: bool,
    /// `--keys FILE`: the key file, reloaded when it changes.
    pub(crate) keys: Option<PathBuf>,
    /// `--redis URL`: share revocations through this Redis.
    pub(crate) redis: Option<String>,
    /// `--fail-closed-after SECONDS`: the Redis outage window.
    pub(crate) fail_closed_after: Option<u64>,
}

/// The usage line of the examples without the fleet options.
#[allow(dead_code)] // axum_app uses `FLEET_USAGE`
const USAGE: &str = "usage: [--demo] [--port PORT | PORT]";

/// The usage line of `axum_app`.
pub(crate) const FLEET_USAGE: &str = "usage: [--demo] [--port PORT | PORT] [--keys FILE] \
     [--redis URL [--fail-closed-after SECONDS]]";

impl Args {
    /// `[--demo] [--port PORT | PORT]`, the port also from `PORT`.
    #[allow(dead_code)] // each example calls one of the two
    pub(crate) fn parse() -> Result<Self, String> {
        let args = Self::parse_from(std::env::args().skip(1), USAGE)?;
        if args.keys.is_some() || args.redis.is_some() || args.fail_closed_after.is_some() {
            return Err(format!(
                "only axum_app takes --keys, --redis and --fail-closed-after; {USAGE}"
            ));
        }
        Ok(args)
    }

    /// What [`Args::parse`] reads, plus `--keys FILE`, `--redis URL` and
    /// `--fail-closed-after SECONDS`.
    #[allow(dead_code)] // each example calls one of the two
    pub(crate) fn parse_fleet() -> Result<Self, String> {
        let args = Self::parse_from(std::env::args().skip(1), FLEET_USAGE)?;
        if args.fail_closed_after.is_some() && args.redis.is_none() {
            return Err(format!("--fail-closed-after needs --redis; {FLEET_USAGE}"));
        }
        Ok(args)
    }

    fn parse_from(args: impl IntoIterator<Item = String>, usage: &str) -> Result<Self, String> {
        let mut port = std::env::var("PORT").ok();
        let (mut demo, mut keys, mut redis, mut fail_closed_after) = (false, None, None, None);
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let mut value = |name: &str| {
                args.next()
                    .ok_or_else(|| format!("{name} needs a value; {usage}"))
            };
            match arg.as_str() {
                DEMO_FLAG => demo = true,
                "--port" => port = Some(value("--port")?),
                "--keys" => keys = Some(PathBuf::from(value("--keys")?)),
                "--redis" => redis = Some(value("--redis")?),
                "--fail-closed-after" => {
                    let seconds = value("--fail-closed-after")?;
                    fail_closed_after = Some(
                        seconds
                            .parse()
                            .map_err(|_| format!("not a number of seconds: {seconds}"))?,
                    );
                }
                flag if flag.starts_with('-') => {
                    return Err(format!("unknown option {flag}; {usage}"));
                }
                _ => port = Some(arg),
            }
        }
        let port = match port {
            Some(port) => port
                .parse()
                .map_err(|_| format!("not a port number: {port}"))?,
            None => 0,
        };
        Ok(Self {
            port,
            demo,
            keys,
            redis,
            fail_closed_after,
        })
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

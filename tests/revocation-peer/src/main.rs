//! A Rust instance of a fleet, one command at a time, for the Python
//! package's cross-language revocation tests
//! (`crates/sealed-session-py/tests/test_redis_revocation.py`): the codec
//! and the Redis backend exactly as a Rust service builds them.
//!
//! ```text
//! revocation-peer --keys FILE --redis URL [--prefix P] [--idle-timeout S] [--absolute-timeout S] COMMAND
//!
//!   login USER          a new session {"user_id": USER}, subject USER: prints its cookie value
//!   check VALUE         prints `valid <user_id>` or `refused <reason>`
//!   revoke VALUE        logout: revokes VALUE's session; prints `revoked <id>`
//!   revoke-subject S    sign-out-everywhere for S; prints `revoked-subject S`
//!   watch VALUE         prints `valid <user_id>`, then checks every 20 ms until the
//!                       session is refused (pub/sub), prints `refused <reason>`; 60 s at most
//! ```
//!
//! The cookie name is the default (`__Host-session`), the timeouts the
//! defaults unless given: as the Python side's defaults. Every command waits (20 s at most) for the first load
//! from Redis first, and exits non-zero on any error.

extern crate alloc;

use alloc::sync::Arc;
use core::time::Duration;
use std::process::ExitCode;
use std::time::Instant;

use sealed_session::{SessionCodec, keyring_from_file};
use sealed_session_redis::{RedisOptions, RedisRevocations};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

struct Args {
    keys: String,
    redis: String,
    prefix: Option<String>,
    idle: Option<u64>,
    absolute: Option<u64>,
    command: Vec<String>,
}

fn parse() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let (mut keys, mut redis, mut prefix) = (None, None, None);
    let (mut idle, mut absolute) = (None, None);
    let mut command = Vec::new();
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--keys" => keys = Some(value()?),
            "--redis" => redis = Some(value()?),
            "--prefix" => prefix = Some(value()?),
            "--idle-timeout" => {
                idle = Some(value()?.parse().map_err(|_| "--idle-timeout: seconds")?);
            }
            "--absolute-timeout" => {
                absolute = Some(
                    value()?
                        .parse()
                        .map_err(|_| "--absolute-timeout: seconds")?,
                );
            }
            _ => {
                command.push(arg);
                command.extend(args.by_ref());
            }
        }
    }
    Ok(Args {
        keys: keys.ok_or("--keys FILE is required")?,
        redis: redis.ok_or("--redis URL is required")?,
        prefix,
        idle,
        absolute,
        command,
    })
}

fn run() -> Result<(), String> {
    let args = parse()?;
    let keyring = keyring_from_file(&args.keys).map_err(|e| e.to_string())?;
    let mut options = RedisOptions::new();
    if let Some(prefix) = &args.prefix {
        options = options.prefix(prefix.clone());
    }
    let list = RedisRevocations::connect(&args.redis, options).map_err(|e| e.to_string())?;
    if !list.wait_synced(Duration::from_secs(20)) {
        return Err("the revocation list did not load from Redis in 20 s".to_owned());
    }
    let mut builder = SessionCodec::builder(keyring).revocations(Arc::new(list));
    if let Some(seconds) = args.idle {
        builder = builder.idle_timeout(Duration::from_secs(seconds));
    }
    if let Some(seconds) = args.absolute {
        builder = builder.absolute_timeout(Duration::from_secs(seconds));
    }
    let codec = builder.build().map_err(|e| e.to_string())?;
    let header = |value: &str| format!("{}={value}", codec.cookie_name());
    match args
        .command
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["login", user] => {
            let mut session = codec.load::<_, str>([]).session;
            session.insert("user_id", user).map_err(|e| e.to_string())?;
            session.set_subject(user).map_err(|e| e.to_string())?;
            println!("{}", codec.seal(&session).map_err(|e| e.to_string())?);
        }
        ["check", value] => println!("{}", verdict(&codec, &header(value))),
        ["revoke", value] => {
            let loaded = codec.load([header(value).as_str()]);
            if let Some(why) = loaded.rejected {
                return Err(format!("the cookie did not open: {why}"));
            }
            codec.revoke(&loaded.session).map_err(|e| e.to_string())?;
            let id = loaded.session.id().ok_or("the session has no id")?;
            println!("revoked {id}");
        }
        ["revoke-subject", subject] => {
            codec.revoke_subject(subject).map_err(|e| e.to_string())?;
            println!("revoked-subject {subject}");
        }
        ["watch", value] => {
            let cookie = header(value);
            let first = verdict(&codec, &cookie);
            println!("{first}");
            if !first.starts_with("valid ") {
                return Err("the session is not valid to begin with".to_owned());
            }
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                let now = verdict(&codec, &cookie);
                if now != first {
                    println!("{now}");
                    return Ok(());
                }
                if Instant::now() >= deadline {
                    return Err("still valid after 60 s".to_owned());
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        other => return Err(format!("unknown command {other:?}")),
    }
    Ok(())
}

/// `valid <user_id>` or `refused <reason>`.
fn verdict(codec: &SessionCodec, cookie: &str) -> String {
    let loaded = codec.load([cookie]);
    if let Some(why) = loaded.rejected {
        return format!("refused {why}");
    }
    match loaded.session.get::<String>("user_id") {
        Ok(Some(user)) => format!("valid {user}"),
        _ => "refused no user_id".to_owned(),
    }
}

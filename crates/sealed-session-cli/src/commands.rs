//! The commands that work on keys and cookies: `keygen`, `seal`, `open`,
//! `inspect`, `migrate`. Each returns what to print on stdout.

use std::ffi::OsString;
use std::io::Read;

use sealed_session::{OsNonce, Session, SessionCodec, SessionError};
use sealed_session_core::legacy::LegacyCodec;
use sealed_session_core::{Compression, Key, Options};

use crate::args::{self, Parsed, flag, value};
use crate::failure::Failure;
use crate::help;
use crate::inspect;
use crate::keyfile::KeyList;

/// The most stdin a command reads: far more than any cookie or session.
const MAX_STDIN_LEN: u64 = 1024 * 1024;
/// The default key id of `keygen`.
const DEFAULT_KID: u8 = 1;

/// `keygen [--kid N]`.
///
/// # Errors
/// A usage [`Failure`] for a bad kid; an input failure if the OS generator
/// fails.
pub(crate) fn keygen(args: &[OsString]) -> Result<String, Failure> {
    let parsed = args::parse("keygen", args, &[value("kid")])?;
    if parsed.help {
        return Ok(help::KEYGEN.to_owned());
    }
    let kid = match parsed.value("kid") {
        None => DEFAULT_KID,
        Some(text) => args::decimal("keygen", "kid", text)
            .ok()
            .and_then(|kid| u8::try_from(kid).ok())
            .ok_or_else(|| Failure::usage("keygen", "`--kid` must be a decimal from 0 to 255"))?,
    };
    let key = Key::generate(&mut rng()?);
    Ok(format!("{kid} {}\n", key.to_base64url_string().as_str()))
}

/// `seal [--keys FILE] [--context TEXT] [--compress auto|never] [--now UNIX] [--legacy]`.
///
/// # Errors
/// Exit-2 failures only: usage, key file, stdin that is not a JSON object
/// session, a session too large to seal.
pub(crate) fn seal(args: &[OsString]) -> Result<String, Failure> {
    const NAME: &str = "seal";
    let opts = [
        value("keys"),
        value("context"),
        value("compress"),
        value("now"),
        flag("legacy"),
    ];
    let parsed = args::parse(NAME, args, &opts)?;
    if parsed.help {
        return Ok(help::SEAL.to_owned());
    }
    let compression = match parsed.value("compress") {
        None | Some("auto") => Compression::Above(1024),
        Some("never") => Compression::Never,
        Some(_) => {
            return Err(Failure::usage(
                NAME,
                "`--compress` must be `auto` or `never`",
            ));
        }
    };
    let legacy = parsed.has("legacy");
    if legacy {
        refuse_with_legacy(NAME, &parsed, &["context", "now"])?;
    }
    let now = now_option(NAME, &parsed)?;
    let keys = KeyList::load(parsed.value("keys"), "--keys")?;
    let session = session_from_stdin()?;
    let cookie = if legacy {
        seal_legacy(&keys, &session, compression)?
    } else {
        let context = parsed.value("context").unwrap_or_default();
        seal_v1(&keys, &session, context.as_bytes(), compression, now)?
    };
    Ok(format!("{cookie}\n"))
}

/// `open [--keys FILE] [--context TEXT] [--max-age SECS] [--now UNIX] [--legacy]`.
///
/// # Errors
/// A rejection (exit 1) for a cookie that does not open; exit-2 failures for
/// usage and key-file errors.
pub(crate) fn open(args: &[OsString]) -> Result<String, Failure> {
    const NAME: &str = "open";
    let opts = [
        value("keys"),
        value("context"),
        value("max-age"),
        value("now"),
        flag("legacy"),
    ];
    let parsed = args::parse(NAME, args, &opts)?;
    if parsed.help {
        return Ok(help::OPEN.to_owned());
    }
    let legacy = parsed.has("legacy");
    if legacy {
        refuse_with_legacy(NAME, &parsed, &["context", "max-age", "now"])?;
    }
    let max_age = parsed
        .value("max-age")
        .map(|text| args::decimal(NAME, "max-age", text))
        .transpose()?;
    let now = now_option(NAME, &parsed)?;
    let keys = KeyList::load(parsed.value("keys"), "--keys")?;
    let text = cookie_from_stdin()?;
    let session = if legacy {
        open_legacy(&keys, &keys, text.trim())?
    } else {
        let context = parsed.value("context").unwrap_or_default();
        open_v1(&keys, text.trim(), context.as_bytes(), max_age, now)?
    };
    session_json(&session)
}

/// `inspect`.
///
/// # Errors
/// A usage [`Failure`] for any option but `--help`; an input failure if
/// stdin cannot be read.
pub(crate) fn inspect(args: &[OsString]) -> Result<String, Failure> {
    let parsed = args::parse("inspect", args, &[])?;
    if parsed.help {
        return Ok(help::INSPECT.to_owned());
    }
    let input = read_stdin()?;
    // Text that is not UTF-8 is no cookie of any known format.
    let described = match core::str::from_utf8(&input) {
        Ok(text) => inspect::inspect(text.trim()),
        Err(_) => inspect::unknown(),
    };
    Ok(format!("{described}\n"))
}

/// `migrate --legacy-keys FILE [--keys FILE] [--context TEXT] [--now UNIX]`.
///
/// # Errors
/// A rejection (exit 1) for a Python cookie that does not open; exit-2
/// failures for usage and key-file errors and a session too large to seal.
pub(crate) fn migrate(args: &[OsString]) -> Result<String, Failure> {
    const NAME: &str = "migrate";
    let opts = [
        value("legacy-keys"),
        value("keys"),
        value("context"),
        value("now"),
    ];
    let parsed = args::parse(NAME, args, &opts)?;
    if parsed.help {
        return Ok(help::MIGRATE.to_owned());
    }
    let legacy_path = parsed
        .value("legacy-keys")
        .ok_or_else(|| Failure::usage(NAME, "`--legacy-keys FILE` is required"))?;
    let now = now_option(NAME, &parsed)?;
    let legacy_keys = KeyList::load(Some(legacy_path), "--legacy-keys")?;
    let keys = KeyList::load(parsed.value("keys"), "--keys")?;
    let text = cookie_from_stdin()?;
    // Open, then seal: a failure to open is a rejection (exit 1), a failure
    // to seal is not.
    let session = open_legacy(&keys, &legacy_keys, text.trim())?;
    let context = parsed.value("context").unwrap_or_default();
    let cookie = seal_v1(
        &keys,
        &session,
        context.as_bytes(),
        Compression::Above(1024),
        now,
    )?;
    Ok(format!("{cookie}\n"))
}

/// Seals `session` as envelope v1 with the primary key of `keys`, issued at
/// `now` (default: the system clock), with a fresh OS-seeded nonce.
///
/// # Errors
/// An input [`Failure`] when the session is too large or the OS generator
/// fails.
pub(crate) fn seal_v1(
    keys: &KeyList,
    session: &Session,
    context: &[u8],
    compression: Compression,
    now: Option<u64>,
) -> Result<String, Failure> {
    let options = Options::new().with_compression(compression);
    let codec = SessionCodec::new(keys.keyring(), options).with_context(context);
    let now = now.unwrap_or_else(sealed_session::now);
    codec
        .seal_at(session, now, &mut rng()?)
        .map_err(|error| seal_failure(&error))
}

/// Opens an envelope v1 cookie with any key of `keys`, at `now` (default:
/// the system clock), with no age limit unless `max_age` is given.
///
/// # Errors
/// A rejection with the public reason.
pub(crate) fn open_v1(
    keys: &KeyList,
    text: &str,
    context: &[u8],
    max_age: Option<u64>,
    now: Option<u64>,
) -> Result<Session, Failure> {
    // The session codec would default the maximum age to a session
    // lifetime; the command's default is no limit.
    let options = Options::new().with_max_age(Some(max_age.unwrap_or(u64::MAX)));
    let codec = SessionCodec::new(keys.keyring(), options).with_context(context);
    let now = now.unwrap_or_else(sealed_session::now);
    codec
        .open_at(text, now)
        .map_err(|error| open_failure(&error))
}

/// Seals `session` in the Python EncryptedSession format with the first key
/// of `keys`.
///
/// The session codec always compresses legacy cookies above 1024 bytes, as
/// the Python package does; `--compress never` needs the core's legacy codec,
/// fed with the session's Python-compatible JSON.
fn seal_legacy(
    keys: &KeyList,
    session: &Session,
    compression: Compression,
) -> Result<String, Failure> {
    let json = session
        .to_python_json_vec()
        .map_err(|error| seal_failure(&error))?;
    let (_, key) = keys.primary();
    LegacyCodec::new(key, Options::new().with_compression(compression))
        .seal_to_string(&json, &mut rng()?)
        .map_err(|_| too_large())
}

/// Opens a Python EncryptedSession cookie with the first key of
/// `legacy_keys` (its kid ignored).
fn open_legacy(keys: &KeyList, legacy_keys: &KeyList, text: &str) -> Result<Session, Failure> {
    let (_, legacy_key) = legacy_keys.primary();
    SessionCodec::new(keys.keyring(), Options::new())
        .with_legacy_key(legacy_key)
        .open_legacy(text)
        .map_err(|error| open_failure(&error))
}

/// The session as compact JSON and a newline.
pub(crate) fn session_json(session: &Session) -> Result<String, Failure> {
    let json = session
        .to_json_vec()
        .map_err(|error| Failure::input(error.as_str()))?;
    let mut text =
        String::from_utf8(json).map_err(|_| Failure::input("session JSON is not UTF-8"))?;
    text.push('\n');
    Ok(text)
}

/// This thread's OS-seeded nonce generator.
pub(crate) fn rng() -> Result<OsNonce, Failure> {
    OsNonce::new().map_err(|error| Failure::input(error.as_str()))
}

/// Options that mean nothing for a legacy cookie are usage errors rather
/// than silently ignored.
fn refuse_with_legacy(
    command: &'static str,
    parsed: &Parsed,
    names: &[&str],
) -> Result<(), Failure> {
    match names.iter().find(|name| parsed.has(name)) {
        Some(name) => Err(Failure::usage(
            command,
            format!(
                "`--{name}` cannot be used with `--legacy`: Python cookies carry no context and no time"
            ),
        )),
        None => Ok(()),
    }
}

fn now_option(command: &'static str, parsed: &Parsed) -> Result<Option<u64>, Failure> {
    parsed
        .value("now")
        .map(|text| args::decimal(command, "now", text))
        .transpose()
}

/// Why opening failed, as a public reason. An authentic plaintext that is
/// not a valid session is a malformed cookie.
fn open_failure(error: &SessionError) -> Failure {
    match error {
        SessionError::Cookie(error) => Failure::rejected(error.kind()),
        SessionError::CookieTooLarge => Failure::Rejected("too large"),
        SessionError::InvalidJson | SessionError::TooDeep | SessionError::InvalidBytes => {
            Failure::Rejected("malformed")
        }
        other => Failure::input(other.as_str()),
    }
}

fn seal_failure(error: &SessionError) -> Failure {
    match error {
        SessionError::Cookie(_) | SessionError::CookieTooLarge => too_large(),
        other => Failure::input(other.as_str()),
    }
}

fn too_large() -> Failure {
    Failure::input("the session is too large to seal: a cookie holds at most 4096 characters")
}

/// Reads stdin (at most [`MAX_STDIN_LEN`] bytes).
fn read_stdin() -> Result<Vec<u8>, Failure> {
    let mut input = Vec::new();
    std::io::stdin()
        .lock()
        .take(MAX_STDIN_LEN + 1)
        .read_to_end(&mut input)
        .map_err(|error| Failure::input(format!("cannot read stdin: {error}")))?;
    if input.len() as u64 > MAX_STDIN_LEN {
        return Err(Failure::input("stdin is larger than 1 MiB"));
    }
    Ok(input)
}

/// Reads the session to seal: a JSON object, bytes tagged as
/// `{"__type__":"bytes","b":...}`.
fn session_from_stdin() -> Result<Session, Failure> {
    let input = read_stdin()?;
    Session::from_json(&input).map_err(|error| match error {
        SessionError::InvalidJson => {
            // Say where, when the text is not JSON at all (serde_json's
            // messages give a position, never the text).
            match serde_json::from_slice::<serde_json::Value>(&input) {
                Err(syntax) => Failure::input(format!("stdin is not JSON: {syntax}")),
                Ok(_) => Failure::input("stdin is not a JSON object"),
            }
        }
        SessionError::TooDeep => Failure::input(format!(
            "stdin nests arrays and objects deeper than {} levels",
            sealed_session::MAX_DEPTH
        )),
        SessionError::InvalidBytes => Failure::input(
            r#"stdin has a malformed bytes value: it must be exactly {"__type__":"bytes","b":"<padded base64>"}"#,
        ),
        other => Failure::input(other.as_str()),
    })
}

/// Reads a cookie value. Text that is not UTF-8 cannot be a cookie.
fn cookie_from_stdin() -> Result<String, Failure> {
    String::from_utf8(read_stdin()?).map_err(|_| Failure::Rejected("malformed"))
}

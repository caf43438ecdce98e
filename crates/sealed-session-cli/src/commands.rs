//! The commands that work on keys and cookies: `keygen`, `seal`, `open`,
//! `inspect`, `migrate`. Each returns what to print on stdout, in a buffer
//! that is wiped when dropped (it may hold a key or a session).
//!
//! Cookies are sealed and opened with the core codec directly. `seal`
//! writes the session as a bare JSON object in Flask's tagged-JSON
//! convention, which the `sealed-session` library reads as a session
//! without metadata; `open` reads that and the library's own payloads
//! (metadata, then JSON) alike.

use std::io::Read;

use core::time::Duration;
use std::time::UNIX_EPOCH;

use sealed_session::{
    Clock, Legacy, ManualClock, OsRandom, Refresh, SecureRandom, Session, SessionCodec,
    SessionError, SystemClock,
};
use sealed_session_core::legacy::LegacyCodec;
use sealed_session_core::{Codec, Compression, FixedNonce, NONCE_LEN, Options};
use zeroize::Zeroizing;

use crate::cli::{Command, KeygenArgs, MigrateArgs, OpenArgs, SealArgs};
use crate::failure::{Failure, LIFETIME_EXCEEDED};
use crate::inspect;
use crate::keyfile;

/// The most stdin a command reads: far more than any cookie or session.
const MAX_STDIN_LEN: usize = 1024 * 1024;
/// The default key id of `keygen`.
const DEFAULT_KID: u8 = 1;
/// The absolute timeout of `open` and `migrate` without
/// `--absolute-timeout`: the `sealed-session` crate's default, 7 days.
const DEFAULT_ABSOLUTE_TIMEOUT: u64 = 7 * 24 * 60 * 60;

/// Runs `command`.
///
/// # Errors
/// The [`Failure`] that decides the exit code and the message.
pub(crate) fn run(command: Command) -> Result<Zeroizing<String>, Failure> {
    match command {
        Command::Keygen(args) => keygen(&args),
        Command::Seal(args) => seal(&args),
        Command::Open(args) => open(&args),
        Command::Inspect(_) => inspect(),
        Command::Migrate(args) => migrate(&args),
        Command::Rotate(args) => crate::rotate::rotate(&args),
        Command::Demo(_) => crate::demo::demo(),
        // The parser answers `help` itself.
        Command::Help(_) => Ok(Zeroizing::new(String::new())),
    }
}

/// `keygen [--kid N] [--out FILE]`.
///
/// # Errors
/// An input [`Failure`] if the OS generator fails or the file cannot be
/// created (it exists, say).
fn keygen(args: &KeygenArgs) -> Result<Zeroizing<String>, Failure> {
    let kid = args.kid.unwrap_or(DEFAULT_KID);
    let key = sealed_session::generate_key().map_err(|error| Failure::input(error.as_str()))?;
    let text = key.to_base64url_string();
    // Sized once, so the line is never copied by a reallocation.
    let mut line = Zeroizing::new(String::with_capacity(3 + 1 + text.len() + 1));
    line.push_str(&kid.to_string());
    line.push(' ');
    line.push_str(&text);
    line.push('\n');
    match &args.out {
        Some(path) => {
            keyfile::write_new_key_file(path, &line)?;
            Ok(Zeroizing::new(String::new()))
        }
        None => Ok(line),
    }
}

/// `seal [--keys FILE] [--context TEXT] [--compress auto|never] [--now UNIX] [--legacy]`.
///
/// # Errors
/// Exit-2 failures only: usage, key file, stdin that is not a JSON object
/// session, a session too large to seal.
fn seal(args: &SealArgs) -> Result<Zeroizing<String>, Failure> {
    if args.legacy {
        refuse_with_legacy(
            "seal",
            &[
                ("--context", args.context.is_some()),
                ("--now", args.now.is_some()),
            ],
        )?;
    }
    let compression = args.compress.unwrap_or(Compression::Never);
    let source = keyfile::source(args.keys.as_deref(), args.key_file.allow_insecure_key_file);
    let cookie = if args.legacy {
        let key = keyfile::first_key(source)?;
        let session = session_from_stdin()?;
        let json = Zeroizing::new(session.to_python_json().map_err(|error| {
            Failure::input(format!("cannot write the session: {}", error.as_str()))
        })?);
        LegacyCodec::new(&key, Options::new().with_compression(compression))
            .seal_to_string(json.as_bytes(), &mut fresh_nonce()?)
            .map_err(|_| too_large())?
    } else {
        let keyring = keyfile::keyring(source)?;
        let session = session_from_stdin()?;
        let context = args.context.as_deref().unwrap_or_default();
        let now = args.now.unwrap_or_else(|| SystemClock.now());
        seal_v1(
            Codec::new(keyring, Options::new().with_compression(compression)),
            &session,
            context.as_bytes(),
            now,
        )?
    };
    Ok(line_of(&cookie))
}

/// `open [--keys FILE] [--context TEXT] [--max-age SECS] [--now UNIX] [--legacy]`.
///
/// # Errors
/// A rejection (exit 1) for a cookie that does not open; exit-2 failures
/// for usage and key-file errors, and for an authentic cookie that holds
/// no JSON session.
fn open(args: &OpenArgs) -> Result<Zeroizing<String>, Failure> {
    if args.legacy {
        refuse_with_legacy(
            "open",
            &[
                ("--context", args.context.is_some()),
                ("--max-age", args.max_age.is_some()),
                ("--absolute-timeout", args.absolute_timeout.is_some()),
                ("--now", args.now.is_some()),
            ],
        )?;
    }
    let source = keyfile::source(args.keys.as_deref(), args.key_file.allow_insecure_key_file);
    let session = if args.legacy {
        let key = keyfile::first_key(source)?;
        let text = cookie_from_stdin()?;
        open_legacy(&LegacyCodec::new(&key, Options::new()), trim(&text))?
    } else {
        let keyring = keyfile::keyring(source)?;
        let text = cookie_from_stdin()?;
        let codec = Codec::new(keyring, Options::new().with_max_age(args.max_age));
        let context = args.context.as_deref().unwrap_or_default();
        let now = args.now.unwrap_or_else(|| SystemClock.now());
        let absolute = args.absolute_timeout.unwrap_or(DEFAULT_ABSOLUTE_TIMEOUT);
        open_v1(&codec, trim(&text), context.as_bytes(), now, absolute)?
    };
    session_output(&session)
}

/// `inspect`.
///
/// # Errors
/// An input failure if stdin cannot be read.
fn inspect() -> Result<Zeroizing<String>, Failure> {
    let input = read_stdin()?;
    // Text that is not UTF-8 is no cookie of any known format.
    let described = match core::str::from_utf8(&input) {
        Ok(text) => inspect::inspect(trim(text)),
        Err(_) => inspect::unknown(),
    };
    Ok(line_of(&described.to_string()))
}

/// `migrate --legacy-keys FILE --since UNIX [--keys FILE] [--context TEXT]
/// [--absolute-timeout SECS] [--now UNIX]`.
///
/// The `sealed-session` crate's own migration (`SessionCodec::migrate`),
/// as FORMAT.md §12.3 says: the new cookie holds the session payload of
/// §12 (metadata, then the JSON object), `_permanent` becomes the
/// permanent flag instead of a member, and the session's creation time is
/// `--since`, the start of the migration, so the absolute timeout retires
/// migrated sessions as it retires every other.
///
/// # Errors
/// A rejection (exit 1) for a Python cookie that does not open, or one
/// migrated after `--since` plus the absolute timeout; exit-2 failures for
/// usage and key-file errors and a session too large to seal.
fn migrate(args: &MigrateArgs) -> Result<Zeroizing<String>, Failure> {
    let allow_insecure = args.key_file.allow_insecure_key_file;
    let legacy_key = keyfile::first_key(keyfile::source(
        Some(args.legacy_keys.as_path()),
        allow_insecure,
    ))?;
    let keyring = keyfile::keyring(keyfile::source(args.keys.as_deref(), allow_insecure))?;
    let text = cookie_from_stdin()?;
    let now = args.now.unwrap_or_else(|| SystemClock.now());
    let absolute = args.absolute_timeout.unwrap_or(DEFAULT_ABSOLUTE_TIMEOUT);
    let at = |secs: u64| UNIX_EPOCH + Duration::from_secs(secs);
    let legacy = Legacy::encrypted_session(&legacy_key)
        .since(at(args.since))
        // A one-off conversion: accepted now, whenever the migration began.
        .until(at(now.max(args.since).saturating_add(1)));
    let codec = SessionCodec::builder(keyring)
        .context(args.context.as_deref().unwrap_or_default().as_bytes())
        .clock(ManualClock::new(now))
        .absolute_timeout(Duration::from_secs(absolute))
        .idle_timeout(Duration::from_secs(absolute))
        .refresh(Refresh::Never)
        .accept_legacy(legacy)
        .build()
        .map_err(|error| Failure::usage("migrate", error.to_string()))?;
    let cookie = codec.migrate(trim(&text)).map_err(session_failure)?;
    Ok(line_of(&cookie))
}

/// A `sealed-session` crate error as this command reports it: a cookie
/// that does not open, with its public reason; a session too large for a
/// cookie; an authentic plaintext that is not a session.
fn session_failure(error: SessionError) -> Failure {
    match error {
        SessionError::Cookie(error) => Failure::rejected(error.kind()),
        SessionError::LifetimeExceeded => Failure::Rejected(LIFETIME_EXCEEDED),
        SessionError::CookieTooLarge => too_large(),
        SessionError::Random => Failure::input(error.as_str()),
        other => Failure::not_a_session(other),
    }
}

/// Seals `session` with `codec`'s primary key as a bare JSON object in
/// Flask's convention (with `"_permanent": true` when permanent), issued at
/// `now`, with a fresh nonce from the OS.
///
/// # Errors
/// An input [`Failure`] when the session is too large or the OS generator
/// fails.
fn seal_v1(codec: Codec, session: &Session, context: &[u8], now: u64) -> Result<String, Failure> {
    let json = Zeroizing::new(session.to_flask_json());
    codec
        .seal_to_string(json.as_bytes(), context, now, &mut fresh_nonce()?)
        .map_err(|_| too_large())
}

/// Opens an envelope v1 cookie: a bare JSON object (as `seal` writes it)
/// or the `sealed-session` library's payload (metadata, then JSON), and
/// checks the absolute timeout of FORMAT.md §12.1: a session created more
/// than `absolute` seconds before `now` is rejected. Its creation time is
/// the metadata's or, for a bare JSON object, the cookie's issue time.
///
/// # Errors
/// A rejection with the public reason; an input failure for an authentic
/// plaintext that is not a session.
fn open_v1(
    codec: &Codec,
    text: &str,
    context: &[u8],
    now: u64,
    absolute: u64,
) -> Result<Session, Failure> {
    let opened = codec
        .open_to_vec(text, context, now)
        .map_err(|error| Failure::rejected(error.kind()))?;
    let plaintext = Zeroizing::new(opened.plaintext);
    let session = Session::from_plaintext(&plaintext).map_err(Failure::not_a_session)?;
    let created = session.created_at().unwrap_or(opened.issued_at);
    if now.saturating_sub(created) > absolute {
        return Err(Failure::Rejected(LIFETIME_EXCEEDED));
    }
    Ok(session)
}

/// Opens a Python EncryptedSession cookie.
///
/// # Errors
/// A rejection with the public reason; an input failure for an authentic
/// plaintext that is not a session.
fn open_legacy(codec: &LegacyCodec, text: &str) -> Result<Session, Failure> {
    let json = Zeroizing::new(
        codec
            .open_to_vec(text)
            .map_err(|error| Failure::rejected(error.kind()))?,
    );
    python_session(&json).map_err(Failure::not_a_session)
}

/// A session from JSON in the Python package's conventions, checked as
/// every session the library opens is checked (its byte values' base64
/// included).
fn python_session(json: &[u8]) -> Result<Session, SessionError> {
    Session::from_python_json(json)
}

/// The session as compact JSON in the Python package's conventions (bytes
/// as `{"__type__":"bytes","b":…}`), and a newline.
fn session_output(session: &Session) -> Result<Zeroizing<String>, Failure> {
    let json = Zeroizing::new(
        session
            .to_python_json_compact()
            .map_err(Failure::not_a_session)?,
    );
    Ok(line_of(&json))
}

/// `text` and a newline, in a buffer that is wiped and never reallocated.
fn line_of(text: &str) -> Zeroizing<String> {
    let mut line = Zeroizing::new(String::with_capacity(text.len() + 1));
    line.push_str(text);
    line.push('\n');
    line
}

/// A nonce from the operating system (fork-safe), for one seal.
fn fresh_nonce() -> Result<FixedNonce, Failure> {
    let mut nonce = [0u8; NONCE_LEN];
    OsRandom
        .fill(&mut nonce)
        .map_err(|error| Failure::input(error.as_str()))?;
    Ok(FixedNonce(nonce))
}

/// Options that mean nothing for a legacy cookie are usage errors rather
/// than silently ignored.
fn refuse_with_legacy(command: &str, given: &[(&str, bool)]) -> Result<(), Failure> {
    match given.iter().find(|(_, present)| *present) {
        Some((name, _)) => Err(Failure::usage(
            command,
            format!(
                "`{name}` cannot be used with `--legacy`: Python cookies carry no context and no time"
            ),
        )),
        None => Ok(()),
    }
}

/// A session too large for one cookie (exit 2: nothing was rejected).
fn too_large() -> Failure {
    Failure::input("the session is too large to seal: a cookie value holds at most 4096 characters")
}

/// A cookie value without the whitespace around it (the transport's, not
/// the value's).
fn trim(text: &str) -> &str {
    text.trim_ascii()
}

/// Reads stdin (at most [`MAX_STDIN_LEN`] bytes) into a buffer that is
/// wiped, growing it by copies that are wiped too.
fn read_stdin() -> Result<Zeroizing<Vec<u8>>, Failure> {
    // At least stdin's own buffer (8 KiB), so reads bypass it.
    const CHUNK: usize = 16 * 1024;
    let mut input = Zeroizing::new(Vec::with_capacity(CHUNK));
    let mut chunk = Zeroizing::new([0u8; CHUNK]);
    let mut stdin = std::io::stdin().lock();
    loop {
        let n = match stdin.read(&mut chunk[..]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(Failure::input(format!("cannot read stdin: {error}"))),
        };
        if input.len() + n > MAX_STDIN_LEN {
            return Err(Failure::input("stdin is larger than 1 MiB"));
        }
        if input.capacity() - input.len() < n {
            let mut bigger = Zeroizing::new(Vec::with_capacity(
                (input.capacity() * 2).max(input.len() + n),
            ));
            bigger.extend_from_slice(&input);
            input = bigger;
        }
        input.extend_from_slice(&chunk[..n]);
    }
    Ok(input)
}

/// Reads the session to seal: a JSON object in the Python package's
/// conventions (bytes as `{"__type__":"bytes","b":…}`, `_permanent`).
fn session_from_stdin() -> Result<Session, Failure> {
    let input = read_stdin()?;
    python_session(&input).map_err(|error| match error {
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
            Session::MAX_DEPTH
        )),
        SessionError::InvalidBytes => Failure::input(
            r#"stdin has a malformed bytes value: it must be exactly {"__type__":"bytes","b":"<padded base64>"}"#,
        ),
        other => Failure::input(other.as_str()),
    })
}

/// Reads a cookie value. Text that is not UTF-8 cannot be a cookie.
fn cookie_from_stdin() -> Result<Zeroizing<String>, Failure> {
    let input = read_stdin()?;
    match core::str::from_utf8(&input) {
        Ok(text) => Ok(Zeroizing::new(text.to_owned())),
        Err(_) => Err(Failure::Rejected("malformed")),
    }
}

//! Loading a keyring from a key file or an environment variable, in the
//! keyring text format of [`Keyring::from_text`].

use core::fmt;
use std::ffi::OsString;
use std::io;
use std::path::Path;

use sealed_session_core::{Key, KeyTextError, Keyring};
use zeroize::Zeroizing;

/// Where keyring text comes from: a key file, or the environment. Both
/// [`KeySource::keyring`] and [`KeySource::primary_key`] read it the same
/// way, with the same checks and errors.
///
/// ```
/// use sealed_session::{KeySource, Legacy};
///
/// # fn run() -> Result<(), sealed_session::KeyringError> {
/// // The Python EncryptedSession format takes one key, not a keyring.
/// let key = KeySource::File("/etc/myapp/legacy-keys".as_ref()).primary_key()?;
/// let legacy = Legacy::encrypted_session(&key);
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum KeySource<'a> {
    /// A key file that only its owner may read or write (as
    /// [`keyring_from_file`] checks).
    File(&'a Path),
    /// A key file, whatever its permissions. **Risk**: see
    /// [`keyring_from_file_any_permissions`].
    FileAnyPermissions(&'a Path),
    /// The keyring text in [`KeySource::TEXT_ENV`] or, when that is unset or blank,
    /// the key file named by [`KeySource::FILE_ENV`] (permission-checked): see
    /// [`keyring_from_environment`].
    Environment,
}

impl KeySource<'_> {
    /// The environment variable the command line (and, by convention,
    /// services) read keyring text from: `SEALED_SESSION_KEYS`.
    pub const TEXT_ENV: &'static str = "SEALED_SESSION_KEYS";

    /// The environment variable that names a key file instead:
    /// `SEALED_SESSION_KEYS_FILE`. Read by [`keyring_from_environment`]
    /// when [`KeySource::TEXT_ENV`] is not set; the Flask interface's
    /// config key has the same name.
    pub const FILE_ENV: &'static str = "SEALED_SESSION_KEYS_FILE";

    /// The whole keyring, its first key line the primary key.
    ///
    /// # Errors
    /// As [`keyring_from_file`] for a file; as [`keyring_from_environment`]
    /// for the environment.
    pub fn keyring(self) -> Result<Keyring, KeyringError> {
        let (bytes, source) = self.read()?;
        parse(&bytes, &source)
    }

    /// The primary key itself, for the formats that take one key rather
    /// than a keyring (the Python EncryptedSession cookie:
    /// [`Legacy::encrypted_session`](crate::Legacy::encrypted_session)).
    /// The whole text is checked as [`KeySource::keyring`] checks it, so
    /// text that one refuses, the other refuses too; the key id is not
    /// used.
    ///
    /// # Errors
    /// As [`KeySource::keyring`].
    pub fn primary_key(self) -> Result<Key, KeyringError> {
        let (bytes, source) = self.read()?;
        parse(&bytes, &source)?;
        // The text parsed: its first key line holds a key.
        let text = core::str::from_utf8(&bytes).unwrap_or_default();
        text.lines()
            .map(str::trim_ascii)
            .find(|line| !line.is_empty() && !line.starts_with('#'))
            .and_then(|line| line.split_ascii_whitespace().nth(1))
            .and_then(|key| Key::parse(key).ok())
            .ok_or_else(|| no_keys(source))
    }

    /// The text, in a buffer that is wiped, and how messages name it.
    fn read(self) -> Result<(Zeroizing<Vec<u8>>, String), KeyringError> {
        match self {
            Self::File(path) => read_file(path, true),
            Self::FileAnyPermissions(path) => read_file(path, false),
            Self::Environment => match env_bytes(KeySource::TEXT_ENV)
                .filter(|bytes| !bytes.iter().all(u8::is_ascii_whitespace))
            {
                Some(bytes) => Ok((bytes, KeySource::TEXT_ENV.to_owned())),
                None => match std::env::var_os(KeySource::FILE_ENV).filter(|path| !path.is_empty())
                {
                    Some(path) => read_file(Path::new(&path), true),
                    None => Err(KeyringError::EnvMissing {
                        var: format!("{} or {}", KeySource::TEXT_ENV, KeySource::FILE_ENV),
                    }),
                },
            },
        }
    }
}

/// Why a keyring could not be loaded. Never contains key material: text
/// errors name a line, and a path that looks like key text (a key pasted
/// where a path belongs) is withheld.
///
/// `Debug` prints the same sentence as `Display`, so that an error returned
/// from `main() -> Result<(), Box<dyn Error>>` reads as the message, with
/// its `chmod 600` hint and the mode in octal, rather than as the fields.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyringError {
    /// The environment variable is not set.
    EnvMissing {
        /// Its name.
        var: String,
    },
    /// The file could not be read.
    Io {
        /// The key file, as shown in messages.
        source: String,
        /// What the operating system said.
        kind: io::ErrorKind,
    },
    /// The key file can be read or written by its group or by others
    /// (Unix). Such a key is not secret any more.
    Permissions {
        /// The key file, as shown in messages.
        source: String,
        /// The path, for the `chmod` the message suggests (withheld, as in
        /// `source`, when it looks like key text).
        path: Option<std::path::PathBuf>,
        /// Its permission bits, for example `0o644`.
        mode: u32,
    },
    /// The text is not UTF-8, from this line on.
    NotUtf8 {
        /// The key file or variable, as shown in messages.
        source: String,
        /// The 1-based line of the first byte that is not UTF-8.
        line: usize,
    },
    /// The text does not parse as a keyring.
    Text {
        /// The key file or variable, as shown in messages.
        source: String,
        /// Which line, and why.
        error: KeyTextError,
    },
}

impl fmt::Display for KeyringError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EnvMissing { var } => write!(f, "no keys: {var} is not set"),
            Self::Io { source, kind } => write!(f, "cannot read {source}: {}", io_reason(*kind)),
            Self::Permissions { source, path, mode } => {
                write!(
                    f,
                    "{source} is accessible to its group or others (mode {mode:04o}); \
                     make it private with `chmod 600"
                )?;
                if let Some(path) = path {
                    write!(f, " {}", path.display())?;
                }
                f.write_str("`")
            }
            Self::NotUtf8 { source, line } => write!(f, "{source}, line {line}: not UTF-8 text"),
            Self::Text { source, error } => match error.line() {
                Some(_) => write!(f, "{source}, {error}"),
                None => write!(f, "{source}: {error}"),
            },
        }
    }
}

/// The `Display` text, so that `{:?}` (what `main` prints for an error it
/// returns) reads as the message.
impl fmt::Debug for KeyringError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl core::error::Error for KeyringError {}

/// A short reason for an I/O error, without the OS's error number.
fn io_reason(kind: io::ErrorKind) -> String {
    match kind {
        io::ErrorKind::NotFound => "no such file".to_owned(),
        io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        kind => kind.to_string(),
    }
}

/// Reads a keyring from the environment variable `var` (see [`KeySource::TEXT_ENV`]),
/// in the format of [`Keyring::from_text`].
///
/// The copy read is wiped; the process environment itself keeps the text
/// (the operating system's copy cannot be wiped from here).
///
/// ```
/// use sealed_session::keyring_from_env;
///
/// // A service reads `SEALED_SESSION_KEYS` (or a variable of its own).
/// match keyring_from_env("NO_SUCH_VARIABLE") {
///     Ok(keyring) => println!("sealing with key {}", keyring.primary_id()),
///     Err(error) => assert_eq!(error.to_string(), "no keys: NO_SUCH_VARIABLE is not set"),
/// }
/// ```
///
/// # Errors
/// [`KeyringError::EnvMissing`], [`KeyringError::NotUtf8`] or
/// [`KeyringError::Text`].
pub fn keyring_from_env(var: &str) -> Result<Keyring, KeyringError> {
    let bytes = env_bytes(var).ok_or_else(|| KeyringError::EnvMissing {
        var: var.to_owned(),
    })?;
    parse(&bytes, var)
}

/// Reads the keyring a service is given in its environment: the keyring
/// text in [`KeySource::TEXT_ENV`] (`SEALED_SESSION_KEYS`) or, when that is unset or
/// blank, the key file named by [`KeySource::FILE_ENV`]
/// (`SEALED_SESSION_KEYS_FILE`), permission-checked as
/// [`keyring_from_file`] checks it. The same two names, with the same
/// precedence, as the command line and the Flask interface's config.
///
/// ```
/// use sealed_session::keyring_from_environment;
///
/// match keyring_from_environment() {
///     Ok(keyring) => println!("sealing with key {}", keyring.primary_id()),
///     // "no keys: SEALED_SESSION_KEYS or SEALED_SESSION_KEYS_FILE is not set"
///     Err(error) => eprintln!("{error}"),
/// }
/// ```
///
/// # Errors
/// [`KeyringError::EnvMissing`] when neither is set; otherwise as
/// [`keyring_from_env`] or [`keyring_from_file`].
pub fn keyring_from_environment() -> Result<Keyring, KeyringError> {
    KeySource::Environment.keyring()
}

/// The value of `var` as bytes, in a buffer that is wiped; `None` when it
/// is unset.
fn env_bytes(var: &str) -> Option<Zeroizing<Vec<u8>>> {
    Some(Zeroizing::new(os_bytes(std::env::var_os(var)?)))
}

/// Reads a keyring from a key file, in the format of
/// [`Keyring::from_text`], after checking that only its owner can read or
/// write it (on Unix: no permission bits for group or others, as `chmod
/// 600` leaves it). The bytes read are wiped.
///
/// ```no_run
/// let keyring = sealed_session::keyring_from_file("/etc/myapp/session-keys")?;
/// # Ok::<(), sealed_session::KeyringError>(())
/// ```
///
/// # Errors
/// [`KeyringError::Permissions`] for a file others can access;
/// [`KeyringError::Io`], [`KeyringError::NotUtf8`] or
/// [`KeyringError::Text`].
pub fn keyring_from_file(path: impl AsRef<Path>) -> Result<Keyring, KeyringError> {
    load_file(path.as_ref(), true)
}

/// [`keyring_from_file`] without the permission check.
///
/// **Risk**: a key file that other users or other services can read gives
/// them the key, and with it every session (and one they can write lets
/// them choose the key). Use it only where permissions mean nothing (some
/// container volumes), never to silence the check.
///
/// # Errors
/// [`KeyringError::Io`], [`KeyringError::NotUtf8`] or
/// [`KeyringError::Text`].
pub fn keyring_from_file_any_permissions(path: impl AsRef<Path>) -> Result<Keyring, KeyringError> {
    load_file(path.as_ref(), false)
}

fn load_file(path: &Path, check: bool) -> Result<Keyring, KeyringError> {
    let (bytes, source) = read_file(path, check)?;
    parse(&bytes, &source)
}

/// A key file's bytes, after the permission check if `check`, and how
/// messages name it.
fn read_file(path: &Path, check: bool) -> Result<(Zeroizing<Vec<u8>>, String), KeyringError> {
    let source = describe_path(path);
    let io = |error: io::Error| KeyringError::Io {
        source: source.clone(),
        kind: error.kind(),
    };
    let file = std::fs::File::open(path).map_err(io)?;
    if check {
        let shown = (!looks_like_key(&path.to_string_lossy())).then(|| path.to_path_buf());
        check_permissions(&file, &source, shown)?;
    }
    let bytes = read_once(file).map_err(io)?;
    Ok((bytes, source))
}

/// The error of text without a key line (which [`KeySource::primary_key`]
/// never meets once the text has parsed).
fn no_keys(source: String) -> KeyringError {
    match Keyring::from_text("") {
        Err(error) => KeyringError::Text { source, error },
        Ok(_) => KeyringError::EnvMissing { var: source },
    }
}

/// The largest key file read: a keyring holds at most four short lines.
const MAX_KEY_FILE_LEN: usize = 64 * 1024;

/// Reads `file` whole into a buffer sized once, for the largest key file
/// accepted, and wiped on drop. A vector that grows while it reads (as
/// `read_to_end` does for a pipe, whose length is not known in advance)
/// frees its old block with a copy of the text in it, where no wipe
/// reaches; this one never grows. Text longer than [`MAX_KEY_FILE_LEN`] is
/// refused ([`io::ErrorKind::FileTooLarge`]).
fn read_once(mut file: std::fs::File) -> io::Result<Zeroizing<Vec<u8>>> {
    let capacity = MAX_KEY_FILE_LEN + 1;
    let mut bytes = Zeroizing::new(vec![0u8; capacity]);
    let mut filled = 0;
    while filled < bytes.len() {
        match io::Read::read(&mut file, &mut bytes[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    if filled == bytes.len() {
        // One byte more than any key file.
        return Err(io::ErrorKind::FileTooLarge.into());
    }
    // Shrinks the length only: the block stays where it is.
    bytes.truncate(filled);
    Ok(bytes)
}

#[cfg(unix)]
fn check_permissions(
    file: &std::fs::File,
    source: &str,
    path: Option<std::path::PathBuf>,
) -> Result<(), KeyringError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = file
        .metadata()
        .map_err(|error| KeyringError::Io {
            source: source.to_owned(),
            kind: error.kind(),
        })?
        .permissions()
        .mode()
        & 0o7777;
    if mode & 0o077 != 0 {
        return Err(KeyringError::Permissions {
            source: source.to_owned(),
            path,
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_permissions(
    _: &std::fs::File,
    _: &str,
    _: Option<std::path::PathBuf>,
) -> Result<(), KeyringError> {
    Ok(())
}

/// `key file <path>`, or a placeholder when the path looks like key text:
/// a key pasted where a path belongs must not reach a log.
fn describe_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    if looks_like_key(&text) {
        "key file (path withheld: it looks like key text)".to_owned()
    } else {
        format!("key file {text}")
    }
}

/// Whether `text` holds a run of characters that could be a key, or a key
/// with a character missing or added: what a message must never show of a
/// path or an argument. See [`key_like_runs`].
///
/// ```
/// use sealed_session::looks_like_key;
///
/// let key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
/// assert!(looks_like_key(&format!("{key}.txt")));
/// assert!(looks_like_key("5Vj+Qm3/zR8kL2pXw0aTe7Nb1YcHd9Uf6Go4sJiKqE0="));
/// assert!(!looks_like_key("/etc/myapp/session-keys"));
/// ```
#[must_use]
pub fn looks_like_key(text: &str) -> bool {
    key_like_runs(text).next().is_some()
}

/// The runs of `text` that could be key material, in order. A run is a
/// longest stretch of base64 and base64url characters (`A–Z a–z 0–9 - _ +
/// /`); anything else ends it (`.`, `=`, whitespace, quotes…), so a key
/// inside `<key>.txt`, `--keys=<key>` or `'1 <key>'` is a run of its own.
/// A run could be a key when:
///
/// - a stretch of it without `/` and `+` is at least 40 characters long
///   (a key is 43 characters of base64url or 64 hex digits; 40 catches one
///   with a few characters missing), or
/// - it is at least 40 characters long and holds both upper- and
///   lower-case letters: standard base64 (a key written with `+` and `/`,
///   which split it). A long path of mixed case is withheld too, which is
///   the safe side to err on.
pub fn key_like_runs(text: &str) -> impl Iterator<Item = &str> {
    const NEAR_KEY: usize = sealed_session_core::KEY_BASE64_LEN - 3;
    text.split(|c: char| !(c.is_ascii_alphanumeric() || "-_+/".contains(c)))
        .filter(|run| {
            let long_piece = run.split(['/', '+']).any(|piece| piece.len() >= NEAR_KEY);
            let mixed_case = run.bytes().any(|b| b.is_ascii_uppercase())
                && run.bytes().any(|b| b.is_ascii_lowercase());
            long_piece || (run.len() >= NEAR_KEY && mixed_case)
        })
}

fn parse(bytes: &[u8], source: &str) -> Result<Keyring, KeyringError> {
    let text = core::str::from_utf8(bytes).map_err(|error| {
        let before = &bytes[..error.valid_up_to()];
        KeyringError::NotUtf8 {
            source: source.to_owned(),
            line: before.iter().filter(|&&b| b == b'\n').count() + 1,
        }
    })?;
    Keyring::from_text(text).map_err(|error| KeyringError::Text {
        source: source.to_owned(),
        error,
    })
}

#[cfg(unix)]
fn os_bytes(value: OsString) -> Vec<u8> {
    use std::os::unix::ffi::OsStringExt;
    value.into_vec()
}

#[cfg(not(unix))]
fn os_bytes(value: OsString) -> Vec<u8> {
    value.to_string_lossy().into_owned().into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    fn temp(name: &str, text: &str, mode: u32) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("sealed-session-keys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        let _ = mode;
        path
    }

    #[test]
    fn private_files_load_and_shared_ones_are_refused() {
        let good = temp("good", &format!("1 {HEX}\n"), 0o600);
        assert_eq!(keyring_from_file(&good).unwrap().primary_id(), 1);
        let shared = temp("shared", &format!("1 {HEX}\n"), 0o644);
        #[cfg(unix)]
        {
            let error = keyring_from_file(&shared).unwrap_err();
            assert_eq!(
                error.to_string(),
                format!(
                    "key file {0} is accessible to its group or others (mode 0644); \
                     make it private with `chmod 600 {0}`",
                    shared.display()
                )
            );
        }
        assert_eq!(
            keyring_from_file_any_permissions(&shared)
                .unwrap()
                .primary_id(),
            1
        );
    }

    #[test]
    fn errors_name_lines_and_never_keys() {
        let bad = temp("bad", &format!("# c\n1 {HEX}\n2 {}x\n", &HEX[1..]), 0o600);
        let message = keyring_from_file(&bad).unwrap_err().to_string();
        assert_eq!(
            message,
            format!(
                "key file {}, line 3: the key must be 43 base64url characters or 64 hex digits",
                bad.display()
            )
        );
        assert!(!message.contains(&HEX[1..]));
        let pasted = format!("1 {HEX}");
        let error = keyring_from_file(&pasted).unwrap_err().to_string();
        assert_eq!(
            error,
            "cannot read key file (path withheld: it looks like key text): no such file"
        );
        assert!(!error.contains(HEX));
        let not_utf8 = dir_file(b"# a\n1 \xff");
        assert_eq!(
            keyring_from_file(&not_utf8).unwrap_err(),
            KeyringError::NotUtf8 {
                source: format!("key file {}", not_utf8.display()),
                line: 2
            }
        );
    }

    const B64: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

    /// Keys inside paths, with suffixes, in standard base64 or a character
    /// short are withheld; ordinary paths and names are not.
    #[test]
    fn key_like_text_whatever_surrounds_it() {
        // Standard base64 of the same 32 bytes as a made-up key with `+`
        // and `/`, padded.
        let standard = "5Vj+Qm3/zR8kL2pXw0aTe7Nb1YcHd9Uf6Go4sJiKqE0=";
        for text in [
            B64.to_owned(),
            HEX.to_owned(),
            format!("{B64}.txt"),
            format!("{B64}.bak"),
            format!("/srv/keys/{HEX}.txt"),
            format!("--keys={B64}"),
            format!("'1 {B64}'"),
            standard.to_owned(),
            format!("{standard}.bak"),
            format!("/tmp/{}", &standard[..40]),
            B64[1..].to_owned(),
            format!("{B64}x"),
            HEX[..40].to_owned(),
        ] {
            assert!(looks_like_key(&text), "{text:?}");
        }
        assert_eq!(
            key_like_runs(&format!("--keys={B64}.txt x")).collect::<Vec<_>>(),
            [B64]
        );
        for text in [
            "keys.txt",
            "/etc/myapp/session-keys",
            "/var/lib/sealed-session/production/keys.txt",
            "__Host-session",
            "--allow-insecure-key-file",
            "short-token_ABC",
            "",
        ] {
            assert!(!looks_like_key(text), "{text:?}");
        }
    }

    /// `primary_key` is the first key line's key, its kid unused, after
    /// the whole text is checked; file checks are `keyring`'s.
    #[test]
    fn primary_key_of_a_key_file() {
        let good = temp(
            "primary",
            &format!("# rotated\n\n 9 {B64}\n1 {HEX}\n"),
            0o600,
        );
        let key = KeySource::File(&good).primary_key().unwrap();
        assert_eq!(key, Key::parse(B64).unwrap());
        assert_eq!(KeySource::File(&good).keyring().unwrap().primary_id(), 9);
        let bad = temp("primary-bad", &format!("9 {B64}\n9 {HEX}\n"), 0o600);
        assert_eq!(
            KeySource::File(&bad).primary_key().unwrap_err().to_string(),
            format!(
                "key file {}, line 2: this key id is already used on line 1",
                bad.display()
            )
        );
        #[cfg(unix)]
        {
            let shared = temp("primary-shared", &format!("9 {B64}\n"), 0o640);
            assert!(matches!(
                KeySource::File(&shared).primary_key(),
                Err(KeyringError::Permissions { mode: 0o640, .. })
            ));
            assert_eq!(
                KeySource::FileAnyPermissions(&shared)
                    .primary_key()
                    .unwrap(),
                Key::parse(B64).unwrap()
            );
        }
    }

    /// What `main() -> Result<(), Box<dyn Error>>` prints for a key file
    /// others can read: `Error: ` and the `Debug` text, which is the
    /// message with its hint and the mode in octal (not `Permissions {
    /// .., mode: 420 }`).
    #[cfg(unix)]
    #[test]
    fn errors_returned_from_main_read_as_their_message() {
        let shared = temp("main", &format!("1 {HEX}\n"), 0o644);
        let error: Box<dyn core::error::Error> = Box::new(keyring_from_file(&shared).unwrap_err());
        assert_eq!(
            format!("Error: {error:?}"),
            format!(
                "Error: key file {0} is accessible to its group or others (mode 0644); \
                 make it private with `chmod 600 {0}`",
                shared.display()
            )
        );
        let missing = KeyringError::EnvMissing {
            var: "APP_KEYS".to_owned(),
        };
        assert_eq!(format!("{missing:?}"), "no keys: APP_KEYS is not set");
    }

    /// A key file of up to 64 KiB reads (comments make it long); one byte
    /// more is refused, as too large.
    #[test]
    fn key_files_up_to_64_kib() {
        let line = format!("1 {HEX}\n");
        let mut text = line.clone();
        text.push_str(&"#".repeat(MAX_KEY_FILE_LEN - line.len()));
        assert_eq!(text.len(), MAX_KEY_FILE_LEN);
        let path = temp("long", &text, 0o600);
        assert_eq!(keyring_from_file(&path).unwrap().primary_id(), 1);
        text.push('#');
        let path = temp("too-long", &text, 0o600);
        assert_eq!(
            keyring_from_file(&path).unwrap_err().to_string(),
            format!("cannot read key file {}: file too large", path.display())
        );
    }

    fn dir_file(bytes: &[u8]) -> std::path::PathBuf {
        let path = temp("raw", "", 0o600);
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

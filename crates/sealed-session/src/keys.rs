//! Loading a keyring from a key file or an environment variable, in the
//! keyring text format of [`Keyring::from_text`].

use core::fmt;
use std::ffi::OsString;
use std::io;
use std::path::Path;

use sealed_session_core::{Key, KeyTextError, Keyring};
use zeroize::Zeroizing;

/// The environment variable the command line (and, by convention, services)
/// read keyring text from: `SEALED_SESSION_KEYS`.
pub const KEYS_ENV: &str = "SEALED_SESSION_KEYS";

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

/// Reads a keyring from the environment variable `var` (see [`KEYS_ENV`]),
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
    let value = std::env::var_os(var).ok_or_else(|| KeyringError::EnvMissing {
        var: var.to_owned(),
    })?;
    let bytes = Zeroizing::new(os_bytes(value));
    parse(&bytes, var)
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
    let source = describe_path(path);
    let io = |error: io::Error| KeyringError::Io {
        source: source.clone(),
        kind: error.kind(),
    };
    let file = std::fs::File::open(path).map_err(io)?;
    if check {
        let shown = (!looks_like_key_text(&path.to_string_lossy())).then(|| path.to_path_buf());
        check_permissions(&file, &source, shown)?;
    }
    let bytes = read_once(file).map_err(io)?;
    parse(&bytes, &source)
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
    if looks_like_key_text(&text) {
        "key file (path withheld: it looks like key text)".to_owned()
    } else {
        format!("key file {text}")
    }
}

/// Whether any token of `text` parses as a key.
fn looks_like_key_text(text: &str) -> bool {
    text.split(|c: char| c.is_ascii_whitespace() || c == '/' || c == '\\')
        .any(|token| Key::parse(token).is_ok())
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

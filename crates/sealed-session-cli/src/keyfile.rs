//! Keys: loading a keyring from a key file or `SEALED_SESSION_KEYS`,
//! taking the first key for the Python format, and writing a new key file.
//!
//! Keyrings come from the `sealed-session` crate's loaders, which check a
//! key file's permissions, wipe the bytes they read and expand each key
//! straight from the text. The legacy formats need the first key itself;
//! the libraries have no loader for that yet, so [`first_key`] reads the
//! text here with the same checks and messages, into a buffer that is
//! wiped, and parses the one key it needs from it.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::Path;

use sealed_session::{
    KEYS_ENV, KeyringError, keyring_from_env, keyring_from_file, keyring_from_file_any_permissions,
};
use sealed_session_core::{Key, Keyring};
use zeroize::Zeroizing;

use crate::failure::Failure;
use crate::withhold::{describe_key_file, looks_like_key};

/// The largest key file read: a keyring holds at most four short lines.
const MAX_KEY_FILE_LEN: usize = 64 * 1024;

/// Where a command's keys come from.
#[derive(Clone, Copy, Debug)]
pub(crate) enum KeySource<'a> {
    /// A key file given by an option.
    File {
        /// Its path.
        path: &'a Path,
        /// `--allow-insecure-key-file`: skip the permission check.
        allow_insecure: bool,
    },
    /// The keyring text in [`KEYS_ENV`].
    Env,
}

impl<'a> KeySource<'a> {
    /// The file at `path` if given, else the environment.
    pub(crate) fn new(path: Option<&'a Path>, allow_insecure: bool) -> Self {
        match path {
            Some(path) => Self::File {
                path,
                allow_insecure,
            },
            None => Self::Env,
        }
    }
}

/// The whole keyring of `source`, its first key the primary.
///
/// # Errors
/// An input [`Failure`] for a missing or unreadable source, a key file
/// that others can access (unless allowed), or text that does not parse.
pub(crate) fn keyring(source: KeySource<'_>) -> Result<Keyring, Failure> {
    let loaded = match source {
        KeySource::File {
            path,
            allow_insecure: false,
        } => keyring_from_file(path),
        KeySource::File {
            path,
            allow_insecure: true,
        } => keyring_from_file_any_permissions(path),
        KeySource::Env => keyring_from_env(KEYS_ENV),
    };
    loaded.map_err(|error| keyring_failure(&error, source))
}

/// The first key of `source` (its kid ignored), for the Python format.
/// The whole text is checked as [`keyring`] checks it, so a key file that
/// `open` refuses is refused here too.
///
/// # Errors
/// As [`keyring`].
pub(crate) fn first_key(source: KeySource<'_>) -> Result<Key, Failure> {
    let bytes = match source {
        KeySource::File {
            path,
            allow_insecure,
        } => read_key_file(path, allow_insecure),
        KeySource::Env => read_env(),
    }
    .map_err(|error| keyring_failure(&error, source))?;
    let name = match source {
        KeySource::File { path, .. } => describe_key_file(path),
        KeySource::Env => KEYS_ENV.to_owned(),
    };
    let text = core::str::from_utf8(&bytes).map_err(|error| {
        let before = &bytes[..error.valid_up_to()];
        let failure = KeyringError::NotUtf8 {
            source: name.clone(),
            line: before.iter().filter(|&&b| b == b'\n').count() + 1,
        };
        keyring_failure(&failure, source)
    })?;
    // Every line checked, with the same line-numbered errors.
    Keyring::from_text(text).map_err(|error| {
        keyring_failure(
            &KeyringError::Text {
                source: name.clone(),
                error,
            },
            source,
        )
    })?;
    // The text parsed: its first key line holds a key.
    text.lines()
        .map(str::trim_ascii)
        .find(|line| !line.is_empty() && !line.starts_with('#'))
        .and_then(|line| line.split_ascii_whitespace().nth(1))
        .and_then(|key| Key::parse(key).ok())
        .ok_or_else(|| Failure::input(format!("{name}: no keys")))
}

/// Writes `line` (a keyring line) to a new file at `path` that only its
/// owner can read and write (mode 0600 on Unix, whatever the umask);
/// refuses to replace an existing file.
///
/// # Errors
/// An input [`Failure`] when the file exists or cannot be written.
pub(crate) fn write_new_key_file(path: &Path, line: &str) -> Result<(), Failure> {
    let name = describe_key_file(path);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|error| match error.kind() {
        std::io::ErrorKind::AlreadyExists => Failure::input(format!(
            "{name} already exists; keygen --out never overwrites a file (choose a new name)"
        )),
        _ => Failure::input(format!("cannot create {name}: {}", io_reason(&error))),
    })?;
    file.write_all(line.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|error| Failure::input(format!("cannot write {name}: {}", io_reason(&error))))
}

/// A [`KeyringError`] as this command reports it. A key file that others
/// can access gets the exact command that fixes it.
fn keyring_failure(error: &KeyringError, source: KeySource<'_>) -> Failure {
    match (error, source) {
        (KeyringError::EnvMissing { .. }, _) => {
            Failure::input(format!("no keys: pass --keys FILE or set {KEYS_ENV}"))
        }
        (
            KeyringError::Permissions {
                source: name, mode, ..
            },
            KeySource::File { path, .. },
        ) => {
            let target = if looks_like_key(&path.to_string_lossy()) {
                "FILE".to_owned()
            } else {
                shell_quoted(&path.to_string_lossy())
            };
            Failure::input(format!(
                "{name} is accessible to its group or others (mode {mode:04o}); make it \
                 private with `chmod 600 {target}`, or pass --allow-insecure-key-file to \
                 use it anyway"
            ))
        }
        (error, _) => Failure::input(error.to_string()),
    }
}

/// Reads a key file whole into a buffer that is wiped, after the same
/// permission check as the `sealed-session` crate's `keyring_from_file`.
fn read_key_file(path: &Path, allow_insecure: bool) -> Result<Zeroizing<Vec<u8>>, KeyringError> {
    let name = describe_key_file(path);
    let io = |error: std::io::Error| KeyringError::Io {
        source: name.clone(),
        kind: error.kind(),
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let metadata = file.metadata().map_err(io)?;
    if !allow_insecure {
        check_private(&metadata, &name)?;
    }
    // Sized once and never grown: a vector that grows frees unwiped copies.
    let capacity = usize::try_from(metadata.len())
        .unwrap_or(MAX_KEY_FILE_LEN)
        .min(MAX_KEY_FILE_LEN)
        + 1;
    let mut bytes = Zeroizing::new(vec![0u8; capacity]);
    let mut len = 0;
    while len < bytes.len() {
        match file.read(&mut bytes[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => return Err(io(error)),
        }
    }
    if len == bytes.len() {
        // Larger than it was, or than any keyring: not a key file.
        return Err(KeyringError::Io {
            source: name,
            kind: std::io::ErrorKind::FileTooLarge,
        });
    }
    bytes.truncate(len);
    Ok(bytes)
}

#[cfg(unix)]
fn check_private(metadata: &std::fs::Metadata, name: &str) -> Result<(), KeyringError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = metadata.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(KeyringError::Permissions {
            source: name.to_owned(),
            path: None,
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_: &std::fs::Metadata, _: &str) -> Result<(), KeyringError> {
    Ok(())
}

/// The keyring text of [`KEYS_ENV`], in a buffer that is wiped.
fn read_env() -> Result<Zeroizing<Vec<u8>>, KeyringError> {
    let value = std::env::var_os(KEYS_ENV).ok_or_else(|| KeyringError::EnvMissing {
        var: KEYS_ENV.to_owned(),
    })?;
    Ok(Zeroizing::new(os_bytes(value)))
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

/// A short reason for an I/O error, without the OS's error number.
fn io_reason(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        std::io::ErrorKind::AlreadyExists => "it already exists".to_owned(),
        _ => error.to_string(),
    }
}

/// `text` as one shell word: as it is when it needs no quoting, else in
/// single quotes.
fn shell_quoted(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-+,:@%".contains(&b));
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quoting() {
        assert_eq!(shell_quoted("/etc/app/keys.txt"), "/etc/app/keys.txt");
        assert_eq!(shell_quoted("my keys.txt"), "'my keys.txt'");
        assert_eq!(shell_quoted("it's"), r"'it'\''s'");
        assert_eq!(shell_quoted(""), "''");
    }
}

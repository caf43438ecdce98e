//! Keys: loading a keyring, or its first key, from a key file or the
//! environment (`SEALED_SESSION_KEYS`, else `SEALED_SESSION_KEYS_FILE`),
//! and writing a new key file.
//!
//! Reading is the `sealed-session` crate's [`KeySource`]: it checks a key
//! file's permissions, reads it into one wiped buffer that never grows,
//! and parses the text (the legacy formats take its first key,
//! [`KeySource::primary_key`]). What is here is how this command words
//! its errors.

use std::io::Write;
use std::path::Path;

use sealed_session::{KeySource, KeyringError};
use sealed_session_core::{Key, Keyring};

use crate::failure::Failure;
use crate::withhold::describe_key_file;

/// Where a command's keys come from: `--keys FILE`, with or without
/// `--allow-insecure-key-file`, else the environment.
pub(crate) fn source(path: Option<&Path>, allow_insecure: bool) -> KeySource<'_> {
    match (path, allow_insecure) {
        (Some(path), false) => KeySource::File(path),
        (Some(path), true) => KeySource::FileAnyPermissions(path),
        (None, _) => KeySource::Environment,
    }
}

/// The whole keyring of `source`, its first key the primary.
///
/// # Errors
/// An input [`Failure`] for a missing or unreadable source, a key file
/// that others can access (unless allowed), or text that does not parse.
pub(crate) fn keyring(source: KeySource<'_>) -> Result<Keyring, Failure> {
    source
        .keyring()
        .map_err(|error| keyring_failure(&error, source))
}

/// The first key of `source` (its kid ignored), for the Python format.
/// The whole text is checked as [`keyring`] checks it, so a key file that
/// `open` refuses is refused here too.
///
/// # Errors
/// As [`keyring`].
pub(crate) fn first_key(source: KeySource<'_>) -> Result<Key, Failure> {
    source
        .primary_key()
        .map_err(|error| keyring_failure(&error, source))
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
        (KeyringError::EnvMissing { .. }, _) => Failure::input(format!(
            "no keys: pass --keys FILE, or set {} (keyring text) or {} (a key file)",
            KeySource::TEXT_ENV,
            KeySource::FILE_ENV
        )),
        (
            KeyringError::Permissions {
                source: name, mode, ..
            },
            KeySource::File(path),
        ) => {
            let target = if sealed_session::looks_like_key(&path.to_string_lossy()) {
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

//! `rotate --keys FILE (--activates TIME | --activate-in SECS)
//! [--kid N] [--retire-previous-after SECS] [--now UNIX]`: adds a new key to
//! a key file with an activation time (FORMAT.md §7.3), keeping the old
//! keys, and replaces the file atomically.
//!
//! The new line goes first, marked `activates=`: instances that load the
//! file before that time keep sealing with the key they sealed with, so a
//! rolling deploy refuses no cookie, and every instance switches at the
//! same second. Keys already retired at `now` are dropped; every other line
//! (comments included) is kept as it is. The new file is written next to
//! the old one with mode 0600, synced, renamed over it, and the directory
//! synced: a reader sees the old file or the new one, never half of one,
//! and a crash leaves one of the two.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use sealed_session::{Clock, SystemClock};
use sealed_session_core::{KeyTimes, Keyring};
use zeroize::Zeroizing;

use crate::failure::Failure;

/// The most a key file may hold (as the library reads it).
const MAX_KEY_FILE_LEN: u64 = 64 * 1024;

/// `rotate`'s options.
#[derive(Debug, Args)]
pub(crate) struct RotateArgs {
    /// the key file to rotate (it must be private to its owner)
    #[arg(long = "keys", value_name = "FILE")]
    pub(crate) keys: PathBuf,
    /// when the new key starts sealing, YYYY-MM-DDTHH:MM:SSZ (UTC)
    #[arg(
        long = "activates",
        value_name = "TIME",
        conflicts_with = "activate_in"
    )]
    pub(crate) activates: Option<String>,
    /// when the new key starts sealing, in seconds from now
    #[arg(long = "activate-in", value_name = "SECS")]
    pub(crate) activate_in: Option<u64>,
    /// the new key's id (default: one more than the highest id, skipping used ids)
    #[arg(long = "kid", value_name = "N")]
    pub(crate) kid: Option<u8>,
    /// retire the keys that seal now this many seconds after the activation
    /// (set it to at least the session's absolute timeout)
    #[arg(long = "retire-previous-after", value_name = "SECS")]
    pub(crate) retire_previous_after: Option<u64>,
    /// the current time, Unix seconds (default: the system clock)
    #[arg(long = "now", value_name = "UNIX")]
    pub(crate) now: Option<u64>,
    /// print this help
    #[arg(short = 'h', long = "help", action = clap::ArgAction::HelpLong)]
    help: Option<bool>,
}

/// `rotate --help`: what it does.
pub(crate) const ROTATE_ABOUT: &str = "\
Add a new key to a key file, first, with `activates=TIME`: until then every
instance keeps sealing with the current key, so instances can receive the
new file in any order, minutes apart, without refusing a cookie; at TIME they
all switch. Old keys are kept (those already retired are dropped). The file
is replaced atomically (a new file with mode 0600, renamed over the old one).
Prints the new key's id and activation time, never the key.";

/// Runs `rotate`.
///
/// # Errors
/// An input [`Failure`] for an unreadable, shared or invalid key file, a
/// bad time, a full keyring, or a write that fails (the old file is then
/// left as it was).
pub(crate) fn rotate(args: &RotateArgs) -> Result<Zeroizing<String>, Failure> {
    let now = args.now.unwrap_or_else(|| SystemClock.now());
    let activates_at = match (&args.activates, args.activate_in) {
        (Some(text), None) => KeyTimes::parse_time(text).ok_or_else(|| {
            Failure::usage("rotate", "--activates must be YYYY-MM-DDTHH:MM:SSZ (UTC)")
        })?,
        (None, Some(secs)) => now.saturating_add(secs),
        _ => {
            return Err(Failure::usage(
                "rotate",
                "say when the new key starts sealing: --activates TIME or --activate-in SECS",
            ));
        }
    };
    let path = &args.keys;
    // The library's checks first: private to its owner, valid text.
    let current = sealed_session::keyring_from_file(path)
        .map_err(|error| Failure::input(error.to_string()))?;
    let text = read_text(path)?;
    let sealing_now = current.primary_id_at(now);
    let kid = match args.kid {
        Some(kid) if current.contains(kid) => {
            return Err(Failure::usage(
                "rotate",
                format!("key id {kid} is already in the key file"),
            ));
        }
        Some(kid) => kid,
        None => next_kid(&current),
    };
    let retire_at = args
        .retire_previous_after
        .map(|secs| activates_at.saturating_add(secs));

    let key = sealed_session::generate_key().map_err(|error| Failure::input(error.as_str()))?;
    let key_text = key.to_base64url_string();
    let mut time = [0u8; KeyTimes::TIME_LEN];
    let activates = KeyTimes::write_time(activates_at, &mut time).to_owned();
    // The new key first, then the key that seals now, then the rest in
    // their order. Activation times already past are dropped: those keys
    // are active, and the order now says which of them seals (the first),
    // so no moment in the past is left without a sealing key once older
    // keys are gone.
    let mut first = Zeroizing::new(String::with_capacity(text.len() + 256));
    first.push_str(&format!("{kid} {} activates={activates}\n", &*key_text));
    let mut rest = Zeroizing::new(String::with_capacity(text.len() + 256));
    for line in text.lines() {
        let fields: Vec<&str> = line.split_ascii_whitespace().collect();
        let (Some(id_text), Some(key)) = (fields.first(), fields.get(1)) else {
            rest.push_str(line);
            rest.push('\n');
            continue;
        };
        if id_text.starts_with('#') {
            rest.push_str(line);
            rest.push('\n');
            continue;
        }
        let id = id_text.parse::<u8>().ok();
        let times = id.and_then(|id| current.times(id)).unwrap_or_default();
        if !times.opens_at(now) {
            continue;
        }
        let is_sealing = id == Some(sealing_now);
        let out = if is_sealing { &mut first } else { &mut rest };
        out.push_str(id_text);
        out.push(' ');
        out.push_str(key);
        if let Some(at) = times.activates_at.filter(|&at| at > now) {
            out.push_str(" activates=");
            out.push_str(KeyTimes::write_time(at, &mut time));
        }
        let retires_at = match (times.retires_at, retire_at) {
            (None, Some(at)) if is_sealing => Some(at),
            (retires_at, _) => retires_at,
        };
        if let Some(at) = retires_at {
            out.push_str(" retires=");
            out.push_str(KeyTimes::write_time(at, &mut time));
        }
        out.push('\n');
    }
    let mut out = first;
    out.push_str(&rest);
    // What is written must load, and do what was asked.
    let rotated = Keyring::from_text(&out).map_err(|error| {
        Failure::input(format!(
            "the rotated key file would not load ({error}); {} is unchanged",
            path.display()
        ))
    })?;
    if rotated.primary_id_at(activates_at) != kid
        || (activates_at > now && rotated.primary_id_at(now) != sealing_now)
    {
        return Err(Failure::input(format!(
            "a key in {} activates after {activates}, so the new key would not take over then; \
             {} is unchanged",
            path.display(),
            path.display()
        )));
    }
    replace_atomically(path, out.as_bytes())?;
    Ok(Zeroizing::new(format!(
        "key {kid} added to {}; it seals from {activates} (key {sealing_now} seals until then)\n",
        path.display()
    )))
}

/// One more than the highest id in use, wrapping, skipping used ids.
fn next_kid(keyring: &Keyring) -> u8 {
    let highest = keyring.ids().max().unwrap_or(0);
    let mut kid = highest.wrapping_add(1);
    while keyring.contains(kid) {
        kid = kid.wrapping_add(1);
    }
    kid
}

fn read_text(path: &Path) -> Result<Zeroizing<String>, Failure> {
    let file = std::fs::File::open(path)
        .map_err(|error| Failure::input(format!("cannot read {}: {error}", path.display())))?;
    let mut text = Zeroizing::new(String::with_capacity(4096));
    std::io::Read::read_to_string(&mut std::io::Read::take(file, MAX_KEY_FILE_LEN), &mut text)
        .map_err(|error| Failure::input(format!("cannot read {}: {error}", path.display())))?;
    Ok(text)
}

/// Writes `bytes` to a new private file beside `path`, syncs it, renames it
/// over `path` and syncs the directory. On an error the temporary file is
/// removed and `path` is untouched.
fn replace_atomically(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let dir = path
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    let name = path
        .file_name()
        .map_or_else(|| "keys".into(), |name| name.to_string_lossy().into_owned());
    let temp = dir.join(format!(".{name}.rotate-{}", std::process::id()));
    let fail = |what: &str, error: std::io::Error| {
        let _ = std::fs::remove_file(&temp);
        Failure::input(format!(
            "cannot {what} ({error}); {} is unchanged",
            path.display()
        ))
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(&temp)
        .map_err(|error| Failure::input(format!("cannot create {}: {error}", temp.display())))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|error| fail("write the new key file", error))?;
    drop(file);
    std::fs::rename(&temp, path).map_err(|error| fail("replace the key file", error))?;
    #[cfg(unix)]
    if let Ok(dir) = std::fs::File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const K1: &str = "1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    const T: u64 = 1_796_659_200; // 2026-12-07T16:00:00Z

    fn key_file(name: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "sealed-session-rotate-{}-{name}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("keys");
        let _ = std::fs::remove_file(&path);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        options
            .open(&path)
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        path
    }

    fn args(path: &Path) -> RotateArgs {
        RotateArgs {
            keys: path.to_path_buf(),
            activates: Some("2026-12-07T16:00:00Z".to_owned()),
            activate_in: None,
            kid: None,
            retire_previous_after: None,
            now: Some(T - 3600),
            help: None,
        }
    }

    #[test]
    fn rotate_adds_a_key_activating_later_and_keeps_the_old_ones() {
        let path = key_file("add", &format!("# first key\n{K1}\n"));
        let mut rotate_args = args(&path);
        rotate_args.retire_previous_after = Some(86_400);
        let said = rotate(&rotate_args).unwrap();
        assert_eq!(
            *said,
            format!(
                "key 2 added to {}; it seals from 2026-12-07T16:00:00Z (key 1 seals until then)\n",
                path.display()
            )
        );
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(
            lines[0].starts_with("2 ") && lines[0].ends_with(" activates=2026-12-07T16:00:00Z")
        );
        assert_eq!(lines[1], format!("{K1} retires=2026-12-08T16:00:00Z"));
        assert_eq!(lines[2], "# first key");
        let keyring = sealed_session::keyring_from_file(&path).unwrap();
        assert_eq!(keyring.primary_id_at(T - 1), 1);
        assert_eq!(keyring.primary_id_at(T), 2);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        // No temporary file is left beside it.
        let left: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(left, [std::ffi::OsString::from("keys")]);

        // A second rotation, once key 2 seals: key 3, key 2 and key 1 kept
        // until it retires, then dropped.
        let mut again = args(&path);
        again.activates = None;
        again.activate_in = Some(600);
        again.now = Some(T + 86_400);
        rotate(&again).unwrap();
        let keyring = sealed_session::keyring_from_file(&path).unwrap();
        assert_eq!(keyring.ids().collect::<Vec<_>>(), [3, 2]);
        // Key 2's activation is past, so it is written without it.
        assert_eq!(keyring.times(2), Some(KeyTimes::ALWAYS));
        assert_eq!(keyring.primary_id_at(T + 86_400 + 599), 2);
        assert_eq!(keyring.primary_id_at(T + 86_400 + 600), 3);
    }

    #[test]
    fn rotate_refuses_shared_files_full_keyrings_and_bad_times() {
        let path = key_file("refuse", &format!("{K1}\n"));
        let mut bad_time = args(&path);
        bad_time.activates = Some("tomorrow".to_owned());
        assert!(rotate(&bad_time).is_err());
        let mut used = args(&path);
        used.kid = Some(1);
        assert!(rotate(&used).is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let error = rotate(&args(&path)).unwrap_err().to_string();
            assert!(
                error.contains("accessible to its group or others"),
                "{error}"
            );
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        for _ in 0..3 {
            let mut next = args(&path);
            next.activates = None;
            next.activate_in = Some(0);
            rotate(&next).unwrap();
        }
        let before = std::fs::read(&path).unwrap();
        let error = rotate(&args(&path)).unwrap_err().to_string();
        assert!(error.contains("too many keys"), "{error}");
        assert!(error.ends_with("is unchanged"), "{error}");
        assert_eq!(std::fs::read(&path).unwrap(), before);
    }
}

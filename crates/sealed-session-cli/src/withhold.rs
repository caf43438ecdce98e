//! Keeping key text out of messages.
//!
//! Keys never go on the command line, but people paste them there anyway:
//! `--keys "1 <key>"` where a path belongs, or `open 3 <key>`. clap's errors
//! quote offending arguments, and file errors name paths, so every message
//! the command prints passes through [`scrub`] first: any argument that
//! looks like key material is replaced by [`WITHHELD`]. What looks like
//! key material is the `sealed-session` crate's rule
//! ([`sealed_session::key_like_runs`]), which its key-file errors follow
//! too.

use std::ffi::OsString;
use std::path::Path;

pub(crate) use sealed_session::looks_like_key;

/// What a message shows instead of text that looks like a key.
pub(crate) const WITHHELD: &str = "<withheld: looks like a key>";

/// The note a message gets when something was withheld from it.
pub(crate) const KEYS_HINT: &str = "Keys never go on the command line: use --keys FILE, \
     SEALED_SESSION_KEYS or SEALED_SESSION_KEYS_FILE.";

/// `message` with every argument in `args` that [`looks_like_key`], and
/// every key-like run of any argument ([`sealed_session::key_like_runs`]:
/// a key inside `<key>.txt`, in standard base64, or a key a few characters
/// short), replaced by [`WITHHELD`]; and whether any argument looked like a
/// key (whether or not the message quoted it), so the caller can say where
/// keys belong.
pub(crate) fn scrub(message: &str, args: &[OsString]) -> (String, bool) {
    let mut secrets: Vec<String> = Vec::new();
    for arg in args {
        let arg = arg.to_string_lossy();
        let runs: Vec<&str> = sealed_session::key_like_runs(&arg).collect();
        if !runs.is_empty() {
            secrets.push(arg.clone().into_owned());
            secrets.extend(runs.into_iter().map(str::to_owned));
        }
    }
    // Longest first, so that an argument goes whole before its runs.
    secrets.sort_by_key(|secret| core::cmp::Reverse(secret.len()));
    let mut scrubbed = message.to_owned();
    for secret in secrets.iter().filter(|secret| !secret.is_empty()) {
        scrubbed = scrubbed.replace(secret.as_str(), WITHHELD);
    }
    (scrubbed, !secrets.is_empty())
}

/// How a key file is named in a message: `key file <path>`, or a
/// placeholder when the path looks like key text (the same words as the
/// `sealed-session` crate's key-file errors).
pub(crate) fn describe_key_file(path: &Path) -> String {
    let text = path.to_string_lossy();
    if looks_like_key(&text) {
        "key file (path withheld: it looks like key text)".to_owned()
    } else {
        format!("key file {text}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const B64: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
    const HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn keys_and_near_keys_look_like_keys() {
        for text in [
            B64,
            HEX,
            &format!("1 {B64}"),
            &format!("--keys=1 {HEX}"),
            &format!("# mine\n7 {B64}\n"),
            &B64[1..],
            &format!("{B64}x"),
            &format!("/tmp/{B64}"),
        ] {
            assert!(looks_like_key(text), "{text:?}");
        }
        for text in [
            "keys.txt",
            "/etc/myapp/session-keys",
            "1",
            "session",
            "__Host-session",
            "--now",
            "",
            "short-token_ABC",
        ] {
            assert!(!looks_like_key(text), "{text:?}");
        }
    }

    #[test]
    fn scrub_replaces_whole_arguments_and_tokens() {
        let pasted = format!("1 {B64}");
        let (message, withheld) = scrub(
            &format!("unknown option `--keys={pasted}`; and `{HEX}`"),
            &args(&["open", &format!("--keys={pasted}"), HEX]),
        );
        assert!(withheld);
        assert_eq!(
            message,
            format!("unknown option `{WITHHELD}`; and `{WITHHELD}`")
        );
        assert!(!message.contains(B64) && !message.contains(HEX));
        let (message, withheld) = scrub("unknown command `frob`", &args(&["frob"]));
        assert!(!withheld);
        assert_eq!(message, "unknown command `frob`");
    }

    #[test]
    fn key_file_paths_that_look_like_keys_are_withheld() {
        assert_eq!(
            describe_key_file(Path::new("keys.txt")),
            "key file keys.txt"
        );
        assert_eq!(
            describe_key_file(Path::new(&format!("1 {B64}"))),
            "key file (path withheld: it looks like key text)"
        );
    }
}

//! Keeping key text out of messages.
//!
//! Keys never go on the command line, but people paste them there anyway:
//! `--keys "1 <key>"` where a path belongs, or `open 3 <key>`. clap's errors
//! quote offending arguments, and file errors name paths, so every message
//! the command prints passes through [`scrub`] first: any argument that
//! looks like key material is replaced by [`WITHHELD`].

use std::ffi::OsString;
use std::path::Path;

use sealed_session_core::{KEY_BASE64_LEN, Key, Keyring};

/// What a message shows instead of text that looks like a key.
pub(crate) const WITHHELD: &str = "<withheld: looks like a key>";

/// The note a message gets when something was withheld from it.
pub(crate) const KEYS_HINT: &str =
    "Keys never go on the command line: use --keys FILE or SEALED_SESSION_KEYS.";

/// Whether `text` looks like key material: it parses as keyring text, or it
/// or one of its tokens (split at whitespace and at `=`, `/`, `\`, `:`,
/// `,`, `'`, `"`) parses as a key ([`Key::parse`]) or is as long as a key
/// and written only in the alphabets of key text, as a key with a
/// character missing or added would be.
pub(crate) fn looks_like_key(text: &str) -> bool {
    tokens(text).any(is_key_like_token) || Keyring::from_text(text).is_ok()
}

/// `message` with every argument in `args` that [`looks_like_key`], and
/// every key-like token of any argument, replaced by [`WITHHELD`]; and
/// whether any argument looked like a key (whether or not the message
/// quoted it), so the caller can say where keys belong.
pub(crate) fn scrub(message: &str, args: &[OsString]) -> (String, bool) {
    let mut secrets: Vec<String> = Vec::new();
    for arg in args {
        let arg = arg.to_string_lossy();
        if looks_like_key(&arg) {
            secrets.push(arg.clone().into_owned());
        }
        secrets.extend(
            tokens(&arg)
                .filter(|token| is_key_like_token(token))
                .map(str::to_owned),
        );
    }
    // Longest first, so that an argument goes whole before its tokens.
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

/// The pieces of `text` that [`looks_like_key`] examines.
fn tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c.is_whitespace() || "=/\\:,'\"".contains(c))
        .filter(|token| !token.is_empty())
}

/// A key, or something of at least a base64url key's length written only in
/// the key alphabets (base64url and hex).
fn is_key_like_token(token: &str) -> bool {
    Key::parse(token).is_ok()
        || (token.len() >= KEY_BASE64_LEN - 3
            && token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
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

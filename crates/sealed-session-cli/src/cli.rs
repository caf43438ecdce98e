//! The command line as clap sees it: commands, options and every `--help`
//! text. Parsing and its errors are in [`crate::parse`]; what the commands
//! do is in [`crate::commands`] and [`crate::demo`].

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand};
use sealed_session_core::Compression;

/// `sealed-session`: one of its commands.
#[derive(Debug, Parser)]
#[command(
    name = "sealed-session",
    version,
    about = "sealed-session: encrypted, authenticated session cookies from the command line",
    long_about = None,
    override_usage = "sealed-session <COMMAND> [OPTIONS] < input > output",
    after_help = MAIN_AFTER_HELP,
    subcommand_required = true,
    disable_help_flag = true,
    disable_version_flag = true,
    disable_help_subcommand = true,
)]
pub(crate) struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub(crate) command: Command,
    /// `-h`, `--help`.
    #[command(flatten)]
    help: HelpFlag,
    /// print the version
    #[arg(short = 'V', long = "version", action = ArgAction::Version)]
    version: Option<bool>,
}

/// The text after the main help's list of commands and options.
const MAIN_AFTER_HELP: &str = "\
Keys come from `--keys FILE` or, without it, from the keyring text itself in
the environment variable SEALED_SESSION_KEYS or, when that is unset or blank,
from the key file that SEALED_SESSION_KEYS_FILE names; never from the command
line.
One key per line, `<kid> <key>`: the kid a decimal from 0 to 255, the key 43
characters of unpadded base64url or 64 hex digits. The first key seals; the
others (at most 4 keys in all) only open. Blank lines and lines starting with
`#` are ignored. A key file must be private to its owner (`chmod 600`), as
`sealed-session keygen --out FILE` creates it.

Exit status: 0 success; 1 the cookie was rejected, and stderr gives only the
public reason (malformed, unknown version, unknown key id, expired, issued in
the future, too large, not authentic, or lifetime exceeded); 2 a usage,
input/output, JSON or key-file error, or an authentic cookie that holds no
JSON session. On failure nothing is written to stdout.

Run `sealed-session <COMMAND> --help` for a command's options.";

/// The commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// `keygen [--kid N] [--out FILE]`.
    #[command(
        about = "print a new keyring line, `<kid> <key>`",
        long_about = KEYGEN_ABOUT,
        override_usage = "sealed-session keygen [--kid N] [--out FILE]",
        after_help = KEYGEN_AFTER_HELP,
        disable_help_flag = true,
    )]
    Keygen(KeygenArgs),
    /// `seal [--keys FILE] [--context TEXT] [--compress auto|never] [--now UNIX] [--legacy]`.
    #[command(
        about = "seal a JSON object (stdin) into a cookie value",
        long_about = SEAL_ABOUT,
        override_usage = "sealed-session seal [--keys FILE] [--context TEXT] [--compress auto|never]\n                           [--now UNIX] [--legacy] [--allow-insecure-key-file]",
        disable_help_flag = true,
    )]
    Seal(SealArgs),
    /// `open [--keys FILE] [--context TEXT] [--max-age SECS] [--absolute-timeout SECS] [--now UNIX] [--legacy]`.
    #[command(
        about = "open a cookie value (stdin) and print its JSON object",
        long_about = OPEN_ABOUT,
        override_usage = "sealed-session open [--keys FILE] [--context TEXT] [--max-age SECS]\n                           [--absolute-timeout SECS] [--now UNIX] [--legacy]\n                           [--allow-insecure-key-file]",
        after_help = OPEN_AFTER_HELP,
        disable_help_flag = true,
    )]
    Open(OpenArgs),
    /// `inspect`.
    #[command(
        about = "show what anyone can learn from a cookie, without a key",
        long_about = INSPECT_ABOUT,
        override_usage = "sealed-session inspect",
        after_help = INSPECT_AFTER_HELP,
        disable_help_flag = true,
    )]
    Inspect(NoArgs),
    /// `migrate --legacy-keys FILE --since UNIX [--keys FILE] [--context TEXT] [--absolute-timeout SECS] [--now UNIX]`.
    #[command(
        about = "re-seal a Python EncryptedSession cookie as envelope v1",
        long_about = MIGRATE_ABOUT,
        override_usage = "sealed-session migrate --legacy-keys FILE --since UNIX [--keys FILE]\n                              [--context TEXT] [--absolute-timeout SECS] [--now UNIX]\n                              [--allow-insecure-key-file]",
        after_help = MIGRATE_AFTER_HELP,
        disable_help_flag = true,
    )]
    Migrate(MigrateArgs),
    /// `rotate --keys FILE (--activates TIME | --activate-in SECS) ...`.
    #[command(
        about = "add a new key that activates later to a key file, atomically",
        long_about = crate::rotate::ROTATE_ABOUT,
        override_usage = "sealed-session rotate --keys FILE (--activates TIME | --activate-in SECS)\n                              [--kid N] [--retire-previous-after SECS] [--now UNIX]",
        disable_help_flag = true,
    )]
    Rotate(crate::rotate::RotateArgs),
    /// `demo`.
    #[command(
        about = "a walk-through: a signed cookie leaks, a sealed one does not",
        long_about = DEMO_ABOUT,
        override_usage = "sealed-session demo",
        disable_help_flag = true,
    )]
    Demo(NoArgs),
    /// `help [COMMAND]`: the same as `--help`.
    #[command(
        about = "print this help, or a command's (`help seal`)",
        override_usage = "sealed-session help [COMMAND]",
        disable_help_flag = true
    )]
    Help(HelpArgs),
}

/// `keygen --help`: what it does.
const KEYGEN_ABOUT: &str = "\
Print one new keyring line, `<kid> <key>`, with a 256-bit key from the
operating system's CSPRNG written as 43 characters of unpadded base64url.
With --out, write it to a new file that only its owner can read instead.";

/// `keygen --help`: how to rotate keys.
const KEYGEN_AFTER_HELP: &str = "\
Rotation: put the new line first in the key file and keep the old line below
it. New cookies are sealed with the new key; old ones still open and are
re-sealed as they come back. Remove the old line once its cookies have
expired.";

/// `seal --help`: what it does.
const SEAL_ABOUT: &str = "\
Seal a JSON object read on stdin into a cookie value, printed on stdout with a
newline. Byte values are written as {\"__type__\":\"bytes\",\"b\":\"<base64>\"}; the
cookie holds the object as Flask's tagged JSON (bytes as {\" b\":\"<base64>\"}),
which the sealed-session library reads.";

/// `open --help`: what it does.
const OPEN_ABOUT: &str = "\
Open a cookie value read on stdin (surrounding whitespace ignored) and print
its JSON object, compact, on stdout. Byte values are shown as
{\"__type__\":\"bytes\",\"b\":\"<base64>\"}. Cookies sealed by `seal` and by the
library's SessionCodec both open (the library binds the cookie's name: pass
it as the context, by default `--context __Host-session`). The session's
absolute timeout is checked as the library checks it (FORMAT.md §12.1): a
session created more than --absolute-timeout seconds ago is rejected; its
creation time is the library's session metadata or, for a bare JSON object
(as `seal` writes), the cookie's issue time. The metadata is not shown.";

/// `open --help`: exit statuses and the public reasons.
const OPEN_AFTER_HELP: &str = "\
A rejected cookie exits with status 1, and stderr gives only the public
reason: malformed, unknown version, unknown key id, expired, issued in the
future, too large (a value over 4096 bytes), not authentic, or lifetime
exceeded (older than the absolute timeout). An authentic cookie that holds no
JSON object exits with status 2.";

/// `inspect --help`: what it does.
const INSPECT_ABOUT: &str = "\
Show what anyone can learn from a cookie value read on stdin, without a key:
one JSON object on stdout whose first key is \"format\".";

/// `inspect --help`: what each format shows.
const INSPECT_AFTER_HELP: &str = "\
Output:
  {\"format\":\"v1\",\"version\":1,\"key_id\":K,\"issued_at\":T,\"compressed\":B,\"length\":N}
      a sealed-session cookie; its header is public (and authenticated once
      opened), the session inside is not
  {\"format\":\"legacy\",\"compressed\":B,\"length\":N}
      a Python EncryptedSession cookie
  {\"format\":\"flask-signed\",\"readable\":true,\"payload\":{...}}
      Flask's default cookie: signed, not encrypted, so the whole session is
      readable (Flask's own tags, like {\" b\": ...}, are shown as they are)
  {\"format\":\"unknown\"}
      anything else; still exit status 0

length is the cookie text's length in characters, surrounding whitespace
excluded. Nothing is verified: inspect tells what a cookie claims, not that
it is authentic.";

/// `migrate --help`: what it does.
const MIGRATE_ABOUT: &str = "\
Re-seal a Python EncryptedSession cookie read on stdin as an envelope v1
cookie with the same session, sealed with the primary key, printed on stdout,
exactly as the sealed-session library migrates one (FORMAT.md §12.3): the
cookie holds the library's session payload, its `_permanent` member becomes
the permanent flag, and the session counts as created at --since, the start
of the migration, so that the absolute timeout retires it on time.";

/// `migrate --help`: compression and exit status.
const MIGRATE_AFTER_HELP: &str = "\
The new cookie is never compressed (as `seal` by default). A Python cookie
that does not open exits with status 1, as `open` does; so does one migrated
more than --absolute-timeout seconds after --since (lifetime exceeded).";

/// `demo --help`: what it shows.
const DEMO_ABOUT: &str = "\
A self-contained walk-through, with a throwaway key and no files: a \"guess
the number\" session, first as Flask's default signed cookie (anyone can read
the answer), then sealed by the library as `__Host-session` (inspect shows
nothing secret), opened with the key, tampered with and rejected, and the
sizes of both.";

/// `-h` and `--help`: the same full help text either way.
#[derive(Debug, Args)]
pub(crate) struct HelpFlag {
    /// print this help
    #[arg(short = 'h', long = "help", action = ArgAction::HelpLong)]
    help: Option<bool>,
}

/// A command with no options but `--help`.
#[derive(Debug, Args)]
pub(crate) struct NoArgs {
    /// `-h`, `--help`.
    #[command(flatten)]
    help: HelpFlag,
}

/// `help [COMMAND]`.
#[derive(Debug, Args)]
pub(crate) struct HelpArgs {
    /// the command whose help to print
    #[arg(value_name = "COMMAND")]
    pub(crate) command: Option<String>,
    /// `-h`, `--help`.
    #[command(flatten)]
    help: HelpFlag,
}

/// `--allow-insecure-key-file`, for the commands that read key files.
#[derive(Debug, Args)]
pub(crate) struct KeyFileOverride {
    /// use key files that their group or others can read or write. Risk:
    /// whoever can read one holds the key to every session, and whoever
    /// can write one can choose the key. Without this option such a file
    /// is refused; fix it with `chmod 600 FILE` instead
    #[arg(long = "allow-insecure-key-file", verbatim_doc_comment)]
    pub(crate) allow_insecure_key_file: bool,
}

/// `keygen` options.
#[derive(Debug, Args)]
pub(crate) struct KeygenArgs {
    /// the key id, a decimal from 0 to 255 (default 1)
    #[arg(long = "kid", value_name = "N", value_parser = key_id, allow_hyphen_values = true)]
    pub(crate) kid: Option<u8>,
    /// write the line to FILE, created with mode 0600 (only its owner can
    /// read it); an existing file is never overwritten. Nothing goes to
    /// stdout
    #[arg(
        long = "out",
        value_name = "FILE",
        allow_hyphen_values = true,
        verbatim_doc_comment
    )]
    pub(crate) out: Option<PathBuf>,
    /// `-h`, `--help`.
    #[command(flatten)]
    help: HelpFlag,
}

/// `seal` options.
#[derive(Debug, Args)]
pub(crate) struct SealArgs {
    /// keyring text (default: $SEALED_SESSION_KEYS, else the file
    /// $SEALED_SESSION_KEYS_FILE); the first key seals
    #[arg(
        long = "keys",
        value_name = "FILE",
        allow_hyphen_values = true,
        verbatim_doc_comment
    )]
    pub(crate) keys: Option<PathBuf>,
    /// bound to the cookie, not stored in it: open needs the same text
    /// (default: empty). Pass the cookie's name
    #[arg(
        long = "context",
        value_name = "TEXT",
        allow_hyphen_values = true,
        verbatim_doc_comment
    )]
    pub(crate) context: Option<String>,
    /// never: no compression (default); auto: compress JSON over 1024
    /// bytes when that is shorter. Compression makes the cookie's length
    /// depend on its content, so an attacker who can put text into the
    /// session and see cookie lengths can recover a secret stored next to
    /// it (CRIME/BREACH)
    #[arg(
        long = "compress",
        value_name = "MODE",
        value_parser = compress_mode,
        allow_hyphen_values = true,
        verbatim_doc_comment
    )]
    pub(crate) compress: Option<Compression>,
    /// the issue time in Unix seconds (default: the system clock)
    #[arg(long = "now", value_name = "UNIX", value_parser = decimal, allow_hyphen_values = true)]
    pub(crate) now: Option<u64>,
    /// the Python EncryptedSession format: AES-EAX with the first key (its
    /// kid is ignored), zlib above 1024 bytes with --compress auto. It
    /// carries no context and no time, so --context and --now are usage
    /// errors with --legacy
    #[arg(long = "legacy", verbatim_doc_comment)]
    pub(crate) legacy: bool,
    /// `--allow-insecure-key-file`.
    #[command(flatten)]
    pub(crate) key_file: KeyFileOverride,
    /// `-h`, `--help`.
    #[command(flatten)]
    help: HelpFlag,
}

/// `open` options.
#[derive(Debug, Args)]
pub(crate) struct OpenArgs {
    /// keyring text (default: $SEALED_SESSION_KEYS, else the file
    /// $SEALED_SESSION_KEYS_FILE); any of its keys opens
    #[arg(
        long = "keys",
        value_name = "FILE",
        allow_hyphen_values = true,
        verbatim_doc_comment
    )]
    pub(crate) keys: Option<PathBuf>,
    /// the context the cookie was sealed with (default: empty)
    #[arg(long = "context", value_name = "TEXT", allow_hyphen_values = true)]
    pub(crate) context: Option<String>,
    /// reject cookies issued more than SECS seconds before now (default: no
    /// age limit)
    #[arg(
        long = "max-age",
        value_name = "SECS",
        value_parser = decimal,
        allow_hyphen_values = true,
        verbatim_doc_comment
    )]
    pub(crate) max_age: Option<u64>,
    /// reject sessions created more than SECS seconds before now (default
    /// 604800, 7 days: the library's default absolute timeout)
    #[arg(
        long = "absolute-timeout",
        value_name = "SECS",
        value_parser = decimal,
        allow_hyphen_values = true,
        verbatim_doc_comment
    )]
    pub(crate) absolute_timeout: Option<u64>,
    /// the current time in Unix seconds (default: the system clock); a
    /// cookie issued more than 60 s after it is rejected
    #[arg(
        long = "now",
        value_name = "UNIX",
        value_parser = decimal,
        allow_hyphen_values = true,
        verbatim_doc_comment
    )]
    pub(crate) now: Option<u64>,
    /// a Python EncryptedSession cookie, opened with the first key (its kid
    /// is ignored). It carries no context and no time, so --context,
    /// --max-age, --absolute-timeout and --now are usage errors with --legacy
    #[arg(long = "legacy", verbatim_doc_comment)]
    pub(crate) legacy: bool,
    /// `--allow-insecure-key-file`.
    #[command(flatten)]
    pub(crate) key_file: KeyFileOverride,
    /// `-h`, `--help`.
    #[command(flatten)]
    help: HelpFlag,
}

/// `migrate` options.
#[derive(Debug, Args)]
pub(crate) struct MigrateArgs {
    /// keyring text whose first key (kid ignored) opens the Python cookie
    /// (its app.crypto_key)
    #[arg(
        long = "legacy-keys",
        value_name = "FILE",
        required = true,
        allow_hyphen_values = true,
        verbatim_doc_comment
    )]
    pub(crate) legacy_keys: PathBuf,
    /// keyring text whose first key seals the new cookie (default:
    /// $SEALED_SESSION_KEYS, else the file $SEALED_SESSION_KEYS_FILE)
    #[arg(
        long = "keys",
        value_name = "FILE",
        allow_hyphen_values = true,
        verbatim_doc_comment
    )]
    pub(crate) keys: Option<PathBuf>,
    /// the context of the new cookie (default: empty)
    #[arg(long = "context", value_name = "TEXT", allow_hyphen_values = true)]
    pub(crate) context: Option<String>,
    /// when the migration started, in Unix seconds: the creation time of
    /// every migrated session, which the absolute timeout counts from
    /// (the library's Legacy::since). Required
    #[arg(
        long = "since",
        value_name = "UNIX",
        value_parser = decimal,
        required = true,
        allow_hyphen_values = true,
        verbatim_doc_comment
    )]
    pub(crate) since: u64,
    /// refuse to migrate after --since plus SECS seconds (default 604800,
    /// 7 days: the library's default absolute timeout)
    #[arg(
        long = "absolute-timeout",
        value_name = "SECS",
        value_parser = decimal,
        allow_hyphen_values = true,
        verbatim_doc_comment
    )]
    pub(crate) absolute_timeout: Option<u64>,
    /// the issue time in Unix seconds (default: the system clock)
    #[arg(long = "now", value_name = "UNIX", value_parser = decimal, allow_hyphen_values = true)]
    pub(crate) now: Option<u64>,
    /// `--allow-insecure-key-file`.
    #[command(flatten)]
    pub(crate) key_file: KeyFileOverride,
    /// `-h`, `--help`.
    #[command(flatten)]
    help: HelpFlag,
}

/// Parses a plain non-negative decimal `u64`, such as a Unix time or an
/// age. The error completes "`--name` ...".
///
/// # Errors
/// The reason, without the text: the text may be anything.
fn decimal(text: &str) -> Result<u64, String> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err("must be a non-negative decimal integer".to_owned());
    }
    text.parse()
        .map_err(|_| format!("is too large (at most {})", u64::MAX))
}

/// Parses a key id, a decimal from 0 to 255.
///
/// # Errors
/// The reason, without the text.
fn key_id(text: &str) -> Result<u8, String> {
    const REASON: &str = "must be a decimal from 0 to 255";
    if text.is_empty() || text.len() > 3 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(REASON.to_owned());
    }
    text.parse().map_err(|_| REASON.to_owned())
}

/// Parses `--compress`: `auto` (above 1024 bytes, when shorter) or `never`.
///
/// # Errors
/// The reason, without the text.
fn compress_mode(text: &str) -> Result<Compression, String> {
    match text {
        "auto" => Ok(Compression::Above(1024)),
        "never" => Ok(Compression::Never),
        _ => Err("must be `auto` or `never`".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn help_lists_every_public_reason() {
        let main = MAIN_AFTER_HELP.replace('\n', " ");
        let open = OPEN_AFTER_HELP.replace('\n', " ");
        for reason in crate::failure::PUBLIC_REASONS {
            assert!(main.contains(reason), "main help: {reason}");
            assert!(open.contains(reason), "open help: {reason}");
        }
    }

    #[test]
    fn option_values() {
        assert_eq!(decimal("1700000000"), Ok(1_700_000_000));
        assert_eq!(decimal("18446744073709551615"), Ok(u64::MAX));
        for bad in ["", "-1", "+1", "1.5", " 1", "1h"] {
            assert_eq!(
                decimal(bad),
                Err("must be a non-negative decimal integer".to_owned()),
                "{bad:?}"
            );
        }
        assert_eq!(
            decimal("18446744073709551616"),
            Err("is too large (at most 18446744073709551615)".to_owned())
        );
        assert_eq!(key_id("0"), Ok(0));
        assert_eq!(key_id("255"), Ok(255));
        for bad in ["", "256", "0255", "-1", "x"] {
            assert!(key_id(bad).is_err(), "{bad:?}");
        }
        assert_eq!(compress_mode("auto"), Ok(Compression::Above(1024)));
        assert_eq!(compress_mode("never"), Ok(Compression::Never));
        assert!(compress_mode("AUTO").is_err());
    }
}

//! The `--help` texts.

/// `sealed-session --help`.
pub(crate) const MAIN: &str = "\
sealed-session: encrypted, authenticated session cookies from the command line

Usage: sealed-session <COMMAND> [OPTIONS] < input > output

Commands:
  keygen    print a new keyring line, `<kid> <key>`
  seal      seal a JSON object (stdin) into a cookie value
  open      open a cookie value (stdin) and print its JSON object
  inspect   show what anyone can learn from a cookie, without a key
  migrate   re-seal a Python EncryptedSession cookie as envelope v1
  demo      a walk-through: a signed cookie leaks, a sealed one does not

Keys come from `--keys FILE` or, without it, from the keyring text itself in
the environment variable SEALED_SESSION_KEYS; never from the command line.
One key per line, `<kid> <key>`: the kid a decimal from 0 to 255, the key 43
characters of unpadded base64url or 64 hex digits. The first key seals; the
others (at most 4 keys in all) only open. Blank lines and lines starting with
`#` are ignored.

Exit status: 0 success; 1 the cookie was rejected, and stderr gives the public
reason (malformed, unknown key id, expired, issued in the future, too large,
or not authentic); 2 a usage, input/output, JSON or key-file error. On
failure nothing is written to stdout.

Run `sealed-session <COMMAND> --help` for a command's options.
";

/// `sealed-session keygen --help`.
pub(crate) const KEYGEN: &str = "\
Print one new keyring line, `<kid> <key>`, with a 256-bit key from the
operating system's CSPRNG written as 43 characters of unpadded base64url.

Usage: sealed-session keygen [--kid N]

Options:
  --kid N     the key id, a decimal from 0 to 255 (default 1)
  -h, --help  print this help

Rotation: put the new line first in the key file and keep the old line below
it. New cookies are sealed with the new key; old ones still open and are
re-sealed as they come back. Remove the old line once its cookies have
expired.
";

/// `sealed-session seal --help`.
pub(crate) const SEAL: &str = "\
Seal a JSON object read on stdin into a cookie value, printed on stdout with a
newline. Byte values are written as {\"__type__\":\"bytes\",\"b\":\"<base64>\"}.

Usage: sealed-session seal [--keys FILE] [--context TEXT] [--compress auto|never]
                           [--now UNIX] [--legacy]

Options:
  --keys FILE        keyring text (default: $SEALED_SESSION_KEYS); the first
                     key seals
  --context TEXT     bound to the cookie, not stored in it: open needs the
                     same text (default: empty). Pass the cookie's name.
  --compress MODE    auto: compress JSON over 1024 bytes when that is shorter
                     (default); never
  --now UNIX         the issue time in Unix seconds (default: the system clock)
  --legacy           the Python EncryptedSession format: AES-EAX with the
                     first key (its kid is ignored), zlib above 1024 bytes
                     with auto. It carries no context and no time, so
                     --context and --now are usage errors with --legacy.
  -h, --help         print this help
";

/// `sealed-session open --help`.
pub(crate) const OPEN: &str = "\
Open a cookie value read on stdin (surrounding whitespace ignored) and print
its JSON object, compact, on stdout. Byte values are shown as
{\"__type__\":\"bytes\",\"b\":\"<base64>\"}.

Usage: sealed-session open [--keys FILE] [--context TEXT] [--max-age SECS]
                           [--now UNIX] [--legacy]

Options:
  --keys FILE        keyring text (default: $SEALED_SESSION_KEYS); any of its
                     keys opens
  --context TEXT     the context the cookie was sealed with (default: empty)
  --max-age SECS     reject cookies issued more than SECS seconds before now
                     (default: no age limit)
  --now UNIX         the current time in Unix seconds (default: the system
                     clock); a cookie issued more than 60 s after it is
                     rejected
  --legacy           a Python EncryptedSession cookie, opened with the first
                     key (its kid is ignored). It carries no context and no
                     time, so --context, --max-age and --now are usage errors
                     with --legacy.
  -h, --help         print this help

A rejected cookie exits with status 1, and stderr gives only the public
reason: malformed, unknown key id, expired, issued in the future, too large,
or not authentic.
";

/// `sealed-session inspect --help`.
pub(crate) const INSPECT: &str = "\
Show what anyone can learn from a cookie value read on stdin, without a key:
one JSON object on stdout whose first key is \"format\".

Usage: sealed-session inspect

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
it is authentic.

Options:
  -h, --help  print this help
";

/// `sealed-session migrate --help`.
pub(crate) const MIGRATE: &str = "\
Re-seal a Python EncryptedSession cookie read on stdin as an envelope v1
cookie with the same session, sealed with the primary key, printed on stdout.

Usage: sealed-session migrate --legacy-keys FILE [--keys FILE] [--context TEXT]
                              [--now UNIX]

Options:
  --legacy-keys FILE  keyring text whose first key (kid ignored) opens the
                      Python cookie (its app.crypto_key)
  --keys FILE         keyring text whose first key seals the new cookie
                      (default: $SEALED_SESSION_KEYS)
  --context TEXT      the context of the new cookie (default: empty)
  --now UNIX          the issue time in Unix seconds (default: the system clock)
  -h, --help          print this help

The new cookie compresses JSON over 1024 bytes when that is shorter. A
Python cookie that does not open exits with status 1, as `open` does.
";

/// `sealed-session demo --help`.
pub(crate) const DEMO: &str = "\
A self-contained walk-through, with a throwaway key and no files: a \"guess
the number\" session, first as Flask's default signed cookie (anyone can read
the answer), then sealed (inspect shows nothing secret), opened with the key,
tampered with and rejected, and the sizes of both.

Usage: sealed-session demo

Options:
  -h, --help  print this help
";

"""``python -m sealed_session``: make keys without the Rust command line.

    python -m sealed_session keygen                      # keyring text on stdout
    python -m sealed_session keygen --out session-keys   # a new file, mode 0600
    python -m sealed_session keygen --key-id 2           # the next key, for rotation

A key line is ``<key id> <43 characters of base64url>``: the keyring text
format that :meth:`~sealed_session.Keyring.from_file`, ``SEALED_SESSION_KEYS``
and the Rust crates read. The key comes from the operating system's random
number generator (through the Rust crate). ``--out`` creates the file with
mode 0600 and never overwrites one.
"""

from __future__ import annotations

import argparse
import os
import sys

from ._sealed_session import generate_keyring_text


def main(argv: list[str] | None = None) -> int:
    """Runs the command line; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m sealed_session", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    keygen = commands.add_parser("keygen", help="print a new key as keyring text, or write it to a new file")
    keygen.add_argument("--key-id", type=int, default=1, help="the key id, 0 to 255 (default 1)")
    keygen.add_argument("--out", metavar="FILE", help="create FILE (mode 0600) instead of printing; never overwrites")
    args = parser.parse_args(argv)

    if not 0 <= args.key_id <= 255:
        parser.error("--key-id must be from 0 to 255")
    text = generate_keyring_text(args.key_id)
    if args.out is None:
        sys.stdout.write(text)
        return 0
    try:
        fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        print(f"{args.out} exists; not overwriting a key file", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"cannot create {args.out}: {error.strerror}", file=sys.stderr)
        return 1
    with os.fdopen(fd, "w") as file:
        if hasattr(os, "fchmod"):
            # The mode asked for is filtered by the umask: 0600 at most.
            os.fchmod(file.fileno(), 0o600)
        file.write(text)
    print(f"wrote key {args.key_id} to {args.out} (mode 0600)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

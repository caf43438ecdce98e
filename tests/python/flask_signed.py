#!/usr/bin/env python3
"""Print the cookie value Flask's default SecureCookieSessionInterface sets for
a session (stdin: JSON object, tagged bytes allowed). Uses the real Flask API."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from flask import Flask
from itsdangerous import TimestampSigner

from encrypted_session import loads_tagged


def flask_signed(secret: str, session: dict[str, Any], timestamp: int | None = None) -> str:
    app = Flask(__name__)
    app.secret_key = secret
    s = app.session_interface.get_signing_serializer(app)
    if timestamp is not None:
        class FixedSigner(TimestampSigner):
            def get_timestamp(self) -> int:
                return timestamp

        s.signer = FixedSigner
    return s.dumps(dict(session))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--secret", required=True)
    p.add_argument("--timestamp", type=int, help="fix the itsdangerous timestamp (deterministic output)")
    args = p.parse_args(argv)
    try:
        print(flask_signed(args.secret, loads_tagged(sys.stdin.read()), args.timestamp))
    except Exception as e:
        print(f"error: {type(e).__name__}: {e}".splitlines()[0], file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The Flask side of the lifecycle's conformance table (tests/conformance in
the repository): an app implementing exactly its contract, which the shared
runner checks row by row over real HTTP, as it checks the tower, actix and
every other stack.

    python conformance_app.py [--host 127.0.0.1] [--port 0]

prints ``listening on http://HOST:PORT``; then
``cargo run -p sealed-session-conformance -- http://HOST:PORT``.

Configuration (the contract's, the same in every stack): the keyring text of
``tests/conformance/keys.txt``; cookie ``__Host-session`` with the defaults
(``HttpOnly``, ``Secure``, ``SameSite=Lax``, ``Path=/``); idle timeout
3600 s, absolute timeout 86400 s, refresh once a cookie is 60 s old; sessions
never permanent; EncryptedSession cookies under ``legacy_session`` (key in
``tests/conformance/legacy-key.txt``) migrated from the app's start until
2036-01-01T00:00:00Z; the default save-error response (an empty 500).
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from pathlib import Path

from flask import Flask, session

from sealed_session import Keyring, Legacy
from sealed_session.flask import SealedSessionInterface

CONFORMANCE = Path(__file__).resolve().parents[4] / "tests" / "conformance"
UNTIL = datetime.datetime(2036, 1, 1, tzinfo=datetime.timezone.utc)


def create_app() -> Flask:
    """The app; the migration starts now (the app's start)."""
    app = Flask("conformance_app")
    # The keys are public test keys, in a file the repository holds with
    # mode 0644: read as keyring text (Keyring.from_file would refuse it).
    keyring = Keyring.from_text((CONFORMANCE / "keys.txt").read_text())
    legacy = Legacy.encrypted_session(
        (CONFORMANCE / "legacy-key.txt").read_text().strip(),
        since=time.time(),
        until=UNTIL,
        cookie_name="legacy_session",
    )
    app.config.update(
        SEALED_SESSION_IDLE_TIMEOUT=3600,
        SEALED_SESSION_ABSOLUTE_TIMEOUT=86400,
        SEALED_SESSION_REFRESH_AFTER=60,
    )
    app.session_interface = SealedSessionInterface(keyring, legacy=[legacy])

    @app.get("/none")
    def none():
        return "none"

    @app.get("/read")
    def read():
        return str(session.get("n", 0))

    @app.get("/write")
    def write():
        session["n"] = session.get("n", 0) + 1
        return str(session["n"])

    @app.get("/purge")
    def purge():
        session.clear()
        return "purged"

    @app.get("/regenerate")
    def regenerate():
        session.regenerate()
        session["n"] = session.get("n", 0) + 1
        return str(session["n"])

    @app.get("/status/<int:code>")
    def status(code):
        session["n"] = session.get("n", 0) + 1
        headers = {"Location": "/"} if 300 <= code < 400 else {}
        return str(session["n"]), code, headers

    @app.get("/fail")
    def fail():
        session["n"] = session.get("n", 0) + 1
        raise RuntimeError("the handler failed (conformance row `fail`)")

    @app.get("/big")
    def big():
        session["big"] = "x" * 5000
        return "not sent: the session does not fit a cookie"

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    from werkzeug.serving import make_server

    server = make_server(args.host, args.port, create_app(), threaded=True)
    print(f"listening on http://{args.host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

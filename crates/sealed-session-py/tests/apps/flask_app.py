#!/usr/bin/env python3
"""A Flask app whose session a Rust service shares: the Flask side of the
cross-service test, also used by the live-server tests.

    SEALED_SESSION_KEYS_FILE=/path/to/keys python flask_app.py [--host 127.0.0.1] [--port 0]

prints ``listening on http://HOST:PORT`` once it serves.

The session contract both services implement (JSON in and out; the session
holds ``user``, a string, and ``counter``, an int):

=================  ===========================  ===================================
``POST /login``    ``{"user": "ann"}``          a new session (new id) for the
                                                user, counter 0; answers as ``/me``
``GET /me``                                     ``{"user": "ann", "counter": 3}``,
                                                or ``{"user": null, "counter": 0}``
``POST /counter``                               adds one; ``{"counter": 4}``
``POST /logout``                                empties the session (the cookie is
                                                deleted); ``{"user": null}``
=================  ===========================  ===================================

The cookie is ``session`` (the name the Rust side must use too), not
``Secure`` (the tests speak plain HTTP on 127.0.0.1), ``HttpOnly``,
``SameSite=Lax``, and the session is permanent (``Max-Age``). The keyring is
the file named by ``SEALED_SESSION_KEYS_FILE``, the same file the Rust
service reads.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from flask import Flask, jsonify, request, session

from sealed_session import Keyring
from sealed_session.flask import SealedSessionInterface

COOKIE_NAME = "session"


def create_app(keyring: Keyring | None = None, **options: Any) -> Flask:
    """The app; ``keyring`` defaults to the file in SEALED_SESSION_KEYS_FILE.
    ``options`` go to :class:`SealedSessionInterface` (``clock``,
    ``legacy``...); config keys can be set on the returned app before its
    first request."""
    app = Flask("flask_app")
    app.config.update(
        SEALED_SESSION_COOKIE_NAME=COOKIE_NAME,
        SESSION_COOKIE_SECURE=False,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    if keyring is None:
        path = os.environ.get("SEALED_SESSION_KEYS_FILE")
        if not path:
            raise SystemExit("set SEALED_SESSION_KEYS_FILE to the keyring file shared with the Rust service")
        app.config["SEALED_SESSION_KEYS_FILE"] = path
    app.session_interface = SealedSessionInterface(keyring, **options)

    def me() -> dict[str, Any]:
        return {"user": session.get("user"), "counter": session.get("counter", 0)}

    @app.post("/login")
    def login():
        user = (request.get_json(silent=True) or {}).get("user")
        if not isinstance(user, str) or not user:
            return jsonify(error="expected {\"user\": \"<name>\"}"), 400
        session.clear()
        session.regenerate()
        session.permanent = True
        session["user"] = user
        session["counter"] = 0
        return jsonify(me())

    @app.get("/me")
    def whoami():
        return jsonify(me())

    @app.post("/counter")
    def counter():
        session["counter"] = session.get("counter", 0) + 1
        return jsonify(counter=session["counter"])

    @app.post("/logout")
    def logout():
        session.clear()
        return jsonify(user=None)

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

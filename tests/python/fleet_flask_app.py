"""The Flask instance of the fleet test: the axum example's routes, cookie,
timeouts and flags, over the sealed_session package, so that the fleet test
(``crates/sealed-session-tower/examples/tests/fleet.rs``) runs it as one more
instance beside the Rust ones.

    <venv python> tests/python/fleet_flask_app.py --port P --keys FILE --redis URL [--fail-closed-after SECONDS]

Prints ``listening on 127.0.0.1:P`` on stdout once it serves (werkzeug's
threaded server); logs on stderr. Revocations go through Redis exactly as the
Rust instances share them (REVOCATION.md: the ``sealed-session-redis`` crate
itself, behind the Python package); the key file is reloaded when it changes
(polled every second, as the Rust side does).

Routes (JSON answers):

- ``POST /login`` (form ``user=NAME``): a new session id, ``user_id`` and a
  CSRF token, the subject NAME; ``{"user_id", "csrf"}``; empty user: 400.
- ``GET /me``: ``{"user_id", "csrf", "count"}``, or 401.
- ``POST /counter`` (``X-CSRF-Token``): adds one to ``count``.
- ``POST /logout`` (``X-CSRF-Token``): revokes the session, clears it.
- ``POST /logout-everywhere`` (``X-CSRF-Token``): revokes every session of
  the user created before now, and this one, and clears it.
- ``GET /health``: 200 ``{"status": "ok"}``, or 503 ``{"status": "failing
  closed"}`` while the revocation list is unavailable.
"""

from __future__ import annotations

import argparse
import hmac
import logging
import secrets
import sys
from typing import Any

from flask import Flask, jsonify, request, session
from werkzeug.serving import make_server

from sealed_session import RevocationNotSharedError
from sealed_session.flask import SealedSessionInterface

#: The axum example's timeouts: one hour idle, one hour absolute.
HOUR = 3600
#: The Rust crate's default refresh: an unchanged session is sealed again
#: once its cookie is a minute old (the Flask interface's own default
#: follows SESSION_REFRESH_EACH_REQUEST instead).
REFRESH_AFTER = 60


def create_app(keys: str, redis: str | None, fail_closed_after: int) -> Flask:
    app = Flask(__name__)
    app.config.update(
        SEALED_SESSION_KEYS_FILE=keys,
        SEALED_SESSION_KEYS_RELOAD=True,
        SEALED_SESSION_KEYS_RELOAD_INTERVAL=1,
        SEALED_SESSION_IDLE_TIMEOUT=HOUR,
        SEALED_SESSION_ABSOLUTE_TIMEOUT=HOUR,
        SEALED_SESSION_REFRESH_AFTER=REFRESH_AFTER,
    )
    if redis:
        app.config["SEALED_SESSION_REDIS_URL"] = redis
        app.config["SEALED_SESSION_REDIS_OUTAGE_WINDOW"] = fail_closed_after
    else:
        from sealed_session import MemoryRevocations

        app.config["SEALED_SESSION_REVOCATIONS"] = MemoryRevocations()
    interface = SealedSessionInterface()
    app.session_interface = interface
    # Checks the configuration, loads the keys, starts the Redis follower.
    interface.codec(app)

    def not_logged_in() -> Any:
        return jsonify(error="not logged in"), 401

    def refused() -> Any | None:
        """The answer refusing a request without a login or the CSRF
        token, else ``None``."""
        expected = session.get("csrf")
        if not isinstance(expected, str):
            return not_logged_in()
        given = request.headers.get("X-CSRF-Token", "")
        if not hmac.compare_digest(expected.encode(), given.encode()):
            return jsonify(error="bad CSRF token"), 403
        return None

    @app.get("/")
    def index() -> Any:
        return "sealed-session example: POST /login (user=NAME), GET /me, POST /counter, POST /logout\n"

    @app.post("/login")
    def login() -> Any:
        if request.is_json:
            user = (request.get_json(silent=True) or {}).get("user", "")
        else:
            user = request.form.get("user", "")
        if not isinstance(user, str) or not user:
            return "empty user", 400
        # As the axum example: a new id, the rest of the session kept.
        session.regenerate()
        session.set_subject(user)
        csrf = secrets.token_urlsafe(32)
        session["user_id"] = user
        session["csrf"] = csrf
        return jsonify(user_id=user, csrf=csrf)

    @app.get("/me")
    def me() -> Any:
        user = session.get("user_id")
        if not isinstance(user, str):
            return not_logged_in()
        return jsonify(user_id=user, csrf=session.get("csrf"), count=session.get("count", 0))

    @app.post("/counter")
    def counter() -> Any:
        answer = refused()
        if answer is not None:
            return answer
        count = int(session.get("count", 0)) + 1
        session["count"] = count
        return jsonify(count=count)

    @app.post("/logout")
    def logout() -> Any:
        answer = refused()
        if answer is not None:
            return answer
        try:
            session.revoke()
        except RevocationNotSharedError as error:
            # Refused here at once, written back to Redis on reconnect.
            app.logger.warning("logout not shared yet: %s", error)
        return jsonify(logged_out=True)

    @app.post("/logout-everywhere")
    def logout_everywhere() -> Any:
        answer = refused()
        if answer is not None:
            return answer
        try:
            session.revoke_subject()
        except RevocationNotSharedError as error:
            app.logger.warning("sign-out-everywhere not shared yet: %s", error)
        try:
            # This session too, even when it was created in this very
            # second (the subject entry spares those: REVOCATION.md §1).
            session.revoke()
        except RevocationNotSharedError as error:
            app.logger.warning("logout not shared yet: %s", error)
        return jsonify(logged_out=True, everywhere=True)

    @app.get("/health")
    def health() -> Any:
        state = interface.revocation_health(app)
        if state is not None and state.failing_closed:
            return jsonify(status="failing closed"), 503
        return jsonify(status="ok")

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--keys", required=True)
    parser.add_argument("--redis")
    parser.add_argument("--fail-closed-after", type=int, default=30)
    args = parser.parse_args()
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(name)s %(levelname)s %(message)s")
    # One line per request would cost more than the request under load.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = create_app(args.keys, args.redis, args.fail_closed_after)
    revocations = app.session_interface.revocation_list(app)
    if args.redis and not revocations.wait_synced(10):
        # Served anyway: /health says 503 until the list loads.
        logging.getLogger("fleet_flask_app").warning("the revocation list has not loaded from Redis yet")
    server = make_server("127.0.0.1", args.port, app, threaded=True)
    print(f"listening on 127.0.0.1:{server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

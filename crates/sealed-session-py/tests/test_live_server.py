"""The Flask app with SealedSessionInterface behind a real werkzeug server
on 127.0.0.1 (port 0), driven by `requests` with a cookie jar.

`requests` sends a `Secure` cookie only over HTTPS, and browsers refuse a
`__Host-` cookie without `Secure`: over plain http://127.0.0.1 the apps use
the name `session` (or `sid`) with SESSION_COOKIE_SECURE off, as the
cross-service app does. Cookies are per host, not per port, so one jar
carries a cookie between two servers on 127.0.0.1, as a browser would
between two services of one host.
"""

from __future__ import annotations

import base64
import datetime
import time

import requests
from flask import Flask, session

import encrypted_session as es
import sealed_session as ss
from conftest import KEY1, KEYS_1, KEYS_2_THEN_1, at
from flask_app import create_app
from servers import serve

DAY = 86_400
OLD_SECRET = "old-flask-secret"


def key_id_of(value: str) -> int:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))[2]


def jar_value(client: requests.Session, name: str = "session") -> str | None:
    return client.cookies.get(name)


def test_login_counter_logout_over_http():
    app = create_app(ss.Keyring.from_text(KEYS_1))
    with serve(app) as url, requests.Session() as client:
        assert client.get(f"{url}/me").json() == {"user": None, "counter": 0}
        response = client.post(f"{url}/login", json={"user": "ann"})
        assert response.json() == {"user": "ann", "counter": 0}
        header = response.headers["Set-Cookie"]
        assert header.startswith("session=AQAB") and "HttpOnly; SameSite=Lax; Path=/; Max-Age=" in header
        assert "Secure" not in header and response.headers["Vary"] == "Cookie"
        for expected in range(1, 6):
            assert client.post(f"{url}/counter").json() == {"counter": expected}
        assert client.get(f"{url}/me").json() == {"user": "ann", "counter": 5}
        assert client.post(f"{url}/logout").json() == {"user": None}
        assert jar_value(client) is None
        assert client.get(f"{url}/me").json() == {"user": None, "counter": 0}


def test_a_stolen_cookie_replays_only_within_the_timeouts():
    clock = ss.ManualClock(int(time.time()))
    app = create_app(ss.Keyring.from_text(KEYS_1), clock=clock)
    app.config["SEALED_SESSION_IDLE_TIMEOUT"] = datetime.timedelta(hours=1)
    with serve(app) as url, requests.Session() as client:
        client.post(f"{url}/login", json={"user": "ann"})
        stolen = jar_value(client)
        clock.advance(3601)
        with requests.Session() as thief:
            thief.cookies.set("session", stolen, domain="127.0.0.1")
            assert thief.get(f"{url}/me").json()["user"] is None


def test_key_rotation_across_a_restart():
    with requests.Session() as client:
        with serve(create_app(ss.Keyring.from_text(KEYS_1))) as url:
            client.post(f"{url}/login", json={"user": "ann"})
            client.post(f"{url}/counter")
            assert key_id_of(jar_value(client)) == 1
        # The service restarts with a new primary key; the old one still opens.
        with serve(create_app(ss.Keyring.from_text(KEYS_2_THEN_1))) as url:
            assert client.get(f"{url}/me").json() == {"user": "ann", "counter": 1}
            assert key_id_of(jar_value(client)) == 2  # came back under the new key
        # Once every cookie was rotated, the old key can go.
        with serve(create_app(ss.Keyring.from_text(KEYS_2_THEN_1.splitlines()[0]))) as url:
            assert client.post(f"{url}/counter").json() == {"counter": 2}


def flask_default_app() -> Flask:
    """The app before the migration: Flask's default signed cookie."""
    app = Flask("before")
    app.secret_key = OLD_SECRET

    @app.post("/login")
    def login():
        session.permanent = True
        session["user"] = "ann"
        session["counter"] = 41
        return "ok"

    return app


def migrating_app(clock: ss.ManualClock, start: int) -> Flask:
    app = create_app(ss.Keyring.from_text(KEYS_1), clock=clock)
    app.config.update(
        SEALED_SESSION_COOKIE_NAME="sid",
        SECRET_KEY="a-new-secret",
        SECRET_KEY_FALLBACKS=[OLD_SECRET],
        SEALED_SESSION_MIGRATE_FROM=["flask", ],
        SEALED_SESSION_MIGRATE_SINCE=at(start),
        SEALED_SESSION_MIGRATE_UNTIL=at(start + 14 * DAY),
    )
    return app


def test_migration_from_flasks_default_cookie_over_http():
    start = int(time.time()) - 60
    clock = ss.ManualClock(start + 60)
    with requests.Session() as client:
        with serve(flask_default_app()) as old:
            client.post(f"{old}/login")
        flask_cookie = jar_value(client)
        assert flask_cookie.count(".") == 2  # Flask's payload.timestamp.signature
        with serve(migrating_app(clock, start)) as url:
            response = client.get(f"{url}/me")
            assert response.json() == {"user": "ann", "counter": 41}  # still logged in
            assert jar_value(client) is None  # Flask's cookie deleted
            assert jar_value(client, "sid").startswith("AQAB")  # a v1 cookie instead
            assert client.post(f"{url}/counter").json() == {"counter": 42}
        # After the end date, the same Flask cookie logs nobody in.
        clock.set(start + 14 * DAY)
        with requests.Session() as late, serve(migrating_app(clock, start)) as url:
            late.cookies.set("session", flask_cookie, domain="127.0.0.1")
            assert late.get(f"{url}/me").json() == {"user": None, "counter": 0}
            assert jar_value(late) is None  # and the refused cookie is deleted


def test_migration_from_an_encrypted_session_cookie_over_http():
    start = int(time.time()) - 60
    clock = ss.ManualClock(start + 60)

    def app() -> Flask:
        migrating = create_app(ss.Keyring.from_text(KEYS_1), clock=clock)
        migrating.config.update(
            SEALED_SESSION_COOKIE_NAME="sid",
            SEALED_SESSION_MIGRATE_FROM="encrypted_session",
            SEALED_SESSION_MIGRATE_KEY=KEY1,
            SEALED_SESSION_MIGRATE_SINCE=at(start),
            SEALED_SESSION_MIGRATE_UNTIL=at(start + 7 * DAY),
        )
        return migrating

    legacy = es.seal(KEY1, {"user": "eve", "counter": 7, "_permanent": True})
    with requests.Session() as client, serve(app()) as url:
        client.cookies.set("session", legacy, domain="127.0.0.1")
        assert client.get(f"{url}/me").json() == {"user": "eve", "counter": 7}
        assert jar_value(client) is None and jar_value(client, "sid").startswith("AQAB")
        assert client.post(f"{url}/counter").json() == {"counter": 8}
    clock.set(start + 7 * DAY)
    with requests.Session() as late, serve(app()) as url:
        late.cookies.set("session", legacy, domain="127.0.0.1")
        assert late.get(f"{url}/me").json()["user"] is None

"""Cross-service: the Flask app (apps/flask_app.py) and a running Rust
service share one envelope v1 session over HTTP, both ways.

Opt-in (the default run deselects the `cross_service` marker): the Rust
service must be running, with the contract of apps/flask_app.py (POST
/login, GET /me, POST /counter, POST /logout), the cookie name `session`,
`Secure` off, and the keyring file this test's Flask app reads too:

    SEALED_SESSION_RUST_URL=http://127.0.0.1:PORT \\
    SEALED_SESSION_KEYS_FILE=/path/to/keys \\
    python -m pytest -m cross_service

Selected without those variables, it fails: it never skips.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
import requests

import sealed_session as ss
from flask_app import create_app
from servers import serve

HOUR = 3600
DAY = 24 * HOUR

pytestmark = pytest.mark.cross_service


def required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: the cross-service test needs the running Rust service and its keyring file")
    return value


@contextmanager
def flask_service(rust: str, **options):
    """The Flask app on the Rust service's host (cookies are per host, not
    per port), with ``options`` for its interface (a ``clock``)."""
    host = urlsplit(rust).hostname or "127.0.0.1"
    bind = "127.0.0.1" if host == "localhost" else host
    with serve(create_app(**options), host=bind) as flask_url:
        yield flask_url.replace(bind, host, 1)


@pytest.fixture
def services():
    rust = required("SEALED_SESSION_RUST_URL").rstrip("/")
    required("SEALED_SESSION_KEYS_FILE")
    with flask_service(rust) as flask:
        yield flask, rust


def test_flask_logs_in_rust_reads_and_changes_flask_reads_the_change(services):
    flask, rust = services
    with requests.Session() as client:
        assert client.post(f"{flask}/login", json={"user": "ann"}).json() == {"user": "ann", "counter": 0}
        assert client.get(f"{rust}/me").json() == {"user": "ann", "counter": 0}
        assert client.post(f"{rust}/counter").json() == {"counter": 1}
        assert client.get(f"{flask}/me").json() == {"user": "ann", "counter": 1}
        assert client.post(f"{flask}/counter").json() == {"counter": 2}
        assert client.get(f"{rust}/me").json() == {"user": "ann", "counter": 2}
        client.post(f"{flask}/logout")
        assert client.get(f"{rust}/me").json() == {"user": None, "counter": 0}


def test_rust_logs_in_flask_reads_and_changes_rust_reads_the_change(services):
    flask, rust = services
    with requests.Session() as client:
        assert client.post(f"{rust}/login", json={"user": "bob"}).json() == {"user": "bob", "counter": 0}
        assert client.get(f"{flask}/me").json() == {"user": "bob", "counter": 0}
        assert client.post(f"{flask}/counter").json() == {"counter": 1}
        assert client.get(f"{rust}/me").json() == {"user": "bob", "counter": 1}
        client.post(f"{rust}/logout")
        assert client.get(f"{flask}/me").json() == {"user": None, "counter": 0}


def test_one_idle_timeout_for_both_services(services):
    """Issue 18, item 19: both services run with their defaults (the Flask
    interface's are the Rust crate's: 24 hours idle, 7 days absolute). A
    session idle for two days is over in both, whichever wrote it; idle for
    23 hours it is on in both. Flask used to keep it for 7 days."""
    flask, rust = services
    now = int(time.time())
    for idle, user in ((2 * DAY, None), (23 * HOUR, "ann")):
        # Flask wrote the cookie `idle` ago (its clock set back)...
        with flask_service(rust, clock=ss.ManualClock(now - idle)) as past, requests.Session() as client:
            assert client.post(f"{past}/login", json={"user": "ann"}).json()["user"] == "ann"
            assert client.get(f"{rust}/me").json()["user"] == user, idle
        with flask_service(rust, clock=ss.ManualClock(now - idle)) as past, requests.Session() as client:
            client.post(f"{past}/login", json={"user": "ann"})
            assert client.get(f"{flask}/me").json()["user"] == user, idle
        # ...and Rust wrote it now, read by Flask `idle` later.
        with flask_service(rust, clock=ss.ManualClock(now + idle)) as future, requests.Session() as client:
            assert client.post(f"{rust}/login", json={"user": "ann"}).json()["user"] == "ann"
            assert client.get(f"{future}/me").json()["user"] == user, idle

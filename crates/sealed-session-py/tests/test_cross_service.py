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
from urllib.parse import urlsplit

import pytest
import requests

from flask_app import create_app
from servers import serve

pytestmark = pytest.mark.cross_service


def required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: the cross-service test needs the running Rust service and its keyring file")
    return value


@pytest.fixture
def services():
    rust = required("SEALED_SESSION_RUST_URL").rstrip("/")
    required("SEALED_SESSION_KEYS_FILE")
    host = urlsplit(rust).hostname or "127.0.0.1"
    # Same host as the Rust service (cookies are per host, not per port).
    bind = "127.0.0.1" if host == "localhost" else host
    with serve(create_app(), host=bind) as flask_url:
        yield flask_url.replace(bind, host, 1), rust


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

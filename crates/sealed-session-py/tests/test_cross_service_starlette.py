"""Cross-service: the FastAPI app (apps/fastapi_app.py, under uvicorn) and a
running Rust service share one envelope v1 session over HTTP, both ways.

Opt-in, as test_cross_service.py (the `cross_service` marker): the Rust
service must be running with the contract of apps/flask_app.py (POST
/login, GET /me, POST /counter, POST /logout), the cookie name `session`,
`Secure` off, and the keyring file SEALED_SESSION_KEYS_FILE, which the
middleware reads too. Selected without those variables, it fails: it never
skips.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest
import requests

import sealed_session as ss
from fastapi_app import create_app, serve

pytestmark = pytest.mark.cross_service


def required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: the cross-service test needs the running Rust service and its keyring file")
    return value


@pytest.fixture
def services():
    rust = required("SEALED_SESSION_RUST_URL").rstrip("/")
    keyring = ss.Keyring.from_file(required("SEALED_SESSION_KEYS_FILE"))
    host = urlsplit(rust).hostname or "127.0.0.1"
    bind = "127.0.0.1" if host == "localhost" else host
    app = lambda url: create_app(keyring=keyring, session_cookie="session", https_only=False)
    with serve(app, host=bind) as fastapi:
        # Cookies are per host, not per port: one jar for both services.
        yield fastapi.replace(bind, host, 1), rust


def test_fastapi_logs_in_rust_reads_and_changes_fastapi_reads_the_change(services):
    fastapi, rust = services
    with requests.Session() as client:
        assert client.post(f"{fastapi}/login", json={"user": "ann"}).json() == {"user": "ann"}
        assert client.get(f"{rust}/me").json() == {"user": "ann", "counter": 0}
        assert client.post(f"{rust}/counter").json() == {"counter": 1}
        assert client.get(f"{fastapi}/me").json() == {"user": "ann", "counter": 1}
        assert client.post(f"{fastapi}/counter").json() == {"counter": 2}
        assert client.get(f"{rust}/me").json() == {"user": "ann", "counter": 2}
        client.post(f"{fastapi}/logout")
        assert client.get(f"{rust}/me").json() == {"user": None, "counter": 0}


def test_rust_logs_in_fastapi_reads_and_changes_rust_reads_the_change(services):
    fastapi, rust = services
    with requests.Session() as client:
        assert client.post(f"{rust}/login", json={"user": "bob"}).json() == {"user": "bob", "counter": 0}
        assert client.get(f"{fastapi}/me").json() == {"user": "bob", "counter": 0}
        assert client.post(f"{fastapi}/counter").json() == {"counter": 1}
        assert client.get(f"{rust}/me").json() == {"user": "bob", "counter": 1}
        client.post(f"{rust}/logout")
        assert client.get(f"{fastapi}/me").json() == {"user": None, "counter": 0}

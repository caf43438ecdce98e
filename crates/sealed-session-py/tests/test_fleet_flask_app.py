"""``tests/python/fleet_flask_app.py``, the Flask instance of the fleet test,
run as the fleet test runs it (a process with the contract's flags) against a
real redis-server, with the Rust peer as another instance: every route, the
cookie's attributes, revocation both ways, the health check through an
outage, and a key file replaced under it. Opt-in with the Redis tests
(``-m redis``)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from conftest import KEY1, KEY2, REPO
from redis_support import RedisServer, free_port, wait_for
from test_key_reload import replace
from test_redis_revocation import peer

pytestmark = pytest.mark.redis

SCRIPT = REPO / "tests" / "python" / "fleet_flask_app.py"
NAME = "__Host-session"
ATTRIBUTES = "; HttpOnly; Secure; SameSite=Lax; Path=/"


@pytest.fixture
def redis():
    server = RedisServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def keys(tmp_path) -> Path:
    path = tmp_path / "keys"
    replace(path, f"1 {KEY1.hex()}\n")
    return path


@pytest.fixture
def log(tmp_path) -> Path:
    return tmp_path / "stderr"


@pytest.fixture
def app(redis, keys, log):
    port = free_port()
    stderr = open(log, "w")
    process = subprocess.Popen(
        [sys.executable, str(SCRIPT), "--port", str(port), "--keys", str(keys), "--redis", redis.url]
        + ["--fail-closed-after", "3"],
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )
    try:
        line = process.stdout.readline().strip()
        assert line == f"listening on 127.0.0.1:{port}"
        yield f"http://127.0.0.1:{port}"
    finally:
        process.kill()
        process.wait()
        stderr.close()


def cookie(response) -> str:
    header = response.headers["Set-Cookie"]
    assert header.endswith(ATTRIBUTES) and "Max-Age" not in header, header
    name, value = header.split(";", 1)[0].split("=", 1)
    assert name == NAME
    return value


def with_cookie(value: str, csrf: str | None = None) -> dict[str, str]:
    headers = {"Cookie": f"{NAME}={value}"}
    if csrf is not None:
        headers["X-CSRF-Token"] = csrf
    return headers


def test_the_routes_the_cookie_and_revocation_across_instances(app, redis, keys):
    assert requests.get(f"{app}/health").json() == {"status": "ok"}
    assert requests.post(f"{app}/login", data={"user": ""}).status_code == 400
    response = requests.post(f"{app}/login", data={"user": "ann"})
    value, body = cookie(response), response.json()
    assert body["user_id"] == "ann" and len(body["csrf"]) == 43
    csrf = body["csrf"]
    assert requests.get(f"{app}/me", headers=with_cookie(value)).json() == {"user_id": "ann", "csrf": csrf, "count": 0}
    assert requests.get(f"{app}/me").status_code == 401
    assert requests.post(f"{app}/counter", headers=with_cookie(value, "wrong")).json() == {"error": "bad CSRF token"}
    response = requests.post(f"{app}/counter", headers=with_cookie(value, csrf))
    assert response.json() == {"count": 1}
    value = cookie(response)
    # The Rust instance opens the Flask cookie.
    assert peer(keys, redis, "check", value) == "valid ann"

    # Logout in Flask: the copy is refused by Rust (loaded from Redis) and by Flask.
    response = requests.post(f"{app}/logout", headers=with_cookie(value, csrf))
    assert response.json() == {"logged_out": True}
    assert response.headers["Set-Cookie"].startswith(f"{NAME}=; ") and "Max-Age=0" in response.headers["Set-Cookie"]
    assert peer(keys, redis, "check", value) == "refused session revoked"
    assert requests.get(f"{app}/me", headers=with_cookie(value)).status_code == 401

    # Logout in Rust: Flask refuses the copy (pub/sub).
    response = requests.post(f"{app}/login", data={"user": "bob"})
    value = cookie(response)
    peer(keys, redis, "revoke", value)
    wait_for(lambda: requests.get(f"{app}/me", headers=with_cookie(value)).status_code == 401, what="Flask to refuse")

    # Sign-out-everywhere in Flask: a Rust session of the same user, older, refused.
    in_rust = peer(keys, redis, "login", "carl")
    started = int(time.time())
    wait_for(lambda: int(time.time()) > started, what="the next second")
    response = requests.post(f"{app}/login", data={"user": "carl"})
    value, csrf = cookie(response), response.json()["csrf"]
    response = requests.post(f"{app}/logout-everywhere", headers=with_cookie(value, csrf))
    assert response.json() == {"logged_out": True, "everywhere": True}
    assert peer(keys, redis, "check", in_rust) == "refused session revoked"
    assert peer(keys, redis, "check", value) == "refused session revoked"


def test_health_through_an_outage_and_a_key_rollover(app, redis, keys, log):
    response = requests.post(f"{app}/login", data={"user": "ann"})
    value = cookie(response)
    redis.stop()
    wait_for(lambda: requests.get(f"{app}/health").status_code == 503, what="failing closed")
    assert requests.get(f"{app}/health").json() == {"status": "failing closed"}
    assert requests.get(f"{app}/me", headers=with_cookie(value)).status_code == 401
    redis.start()
    wait_for(lambda: requests.get(f"{app}/health").status_code == 200, what="the recovery")
    assert requests.get(f"{app}/me", headers=with_cookie(value)).json()["user_id"] == "ann"

    # A new key in front: picked up without a restart; the old cookie still opens.
    replace(keys, f"2 {KEY2.hex()}\n1 {KEY1.hex()}\n")

    def sealed_under_key_2() -> bool:
        fresh = cookie(requests.post(f"{app}/login", data={"user": "dan"}))
        return fresh.startswith("AQAC")

    wait_for(sealed_under_key_2, what="the new key")
    assert requests.get(f"{app}/me", headers=with_cookie(value)).json()["user_id"] == "ann"
    # A world-readable file is refused: key 1 stays.
    replace(keys, f"2 {KEY2.hex()}\n", mode=0o644)
    wait_for(lambda: "mode 0644" in log.read_text(), what="the refusal on stderr")
    assert "sealed_session.reload WARNING keeping the current keyring: " in log.read_text()
    assert requests.get(f"{app}/me", headers=with_cookie(value)).json()["user_id"] == "ann"
    os.chmod(keys, 0o600)
    wait_for(lambda: requests.get(f"{app}/me", headers=with_cookie(value)).status_code == 401, what="key 1 gone")

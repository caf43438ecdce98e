"""Revocation across a fleet, against a real redis-server (one per test) and
a Rust instance (``revocation-peer``, ``tests/revocation-peer``: the Rust
codec and ``sealed-session-redis`` as a Rust service builds them):

- the keys, values, expiries and channel messages the package writes are
  REVOCATION.md's, byte for byte;
- a logout in Rust is refused by Flask, through pub/sub, and the reverse;
- sign-out-everywhere in Rust is honoured by Flask, and the reverse;
- Redis down: Flask keeps serving from its mirror for the outage window,
  then refuses authenticated sessions (401, an unhealthy health check); a
  logout meanwhile raises ``RevocationNotSharedError`` and still deletes the
  cookie; Redis back empty: Flask resynchronises and writes the logout back.

Opt-in (``-m redis``): ``cargo xtask ci`` runs them, with redis-server
installed and ``SEALED_SESSION_REVOCATION_PEER`` naming the built peer.
Selected without either, they fail; they never skip."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
from flask import Flask, jsonify, session

import sealed_session as ss
from conftest import KEYS_1
from redis_support import RedisServer, wait_for
from sealed_session.flask import SealedSessionInterface

pytestmark = pytest.mark.redis

NAME = ss.DEFAULT_COOKIE_NAME
HOUR = 3600
PREFIX = "sealed-session"
DELETION = f"{NAME}=; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"


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
    path.write_text(KEYS_1)
    os.chmod(path, 0o600)
    return path


def peer_command(keys: Path, redis: RedisServer, *command: str) -> list[str]:
    exe = os.environ.get("SEALED_SESSION_REVOCATION_PEER")
    if not exe:
        pytest.fail("SEALED_SESSION_REVOCATION_PEER is not set: run `cargo xtask ci`, or build tests/revocation-peer")
    base = [exe, "--keys", str(keys), "--redis", redis.url, "--idle-timeout", str(HOUR), "--absolute-timeout", str(HOUR)]
    return [*base, *command]


def peer(keys: Path, redis: RedisServer, *command: str) -> str:
    """Runs one command of the Rust peer; its output line."""
    done = subprocess.run(peer_command(keys, redis, *command), capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def flask_app(keys: Path, redis: RedisServer, **config) -> Flask:
    """The fleet's routes (as the axum example serves them), one instance."""
    app = Flask("redis_revocation_test")
    app.config.update(
        SEALED_SESSION_KEYS_FILE=str(keys),
        SEALED_SESSION_REDIS_URL=redis.url,
        SEALED_SESSION_IDLE_TIMEOUT=HOUR,
        SEALED_SESSION_ABSOLUTE_TIMEOUT=HOUR,
    )
    app.config.update(config)
    app.session_interface = SealedSessionInterface()

    @app.post("/login/<user>")
    def login(user):
        session.regenerate()
        session.set_subject(user)
        session["user_id"] = user
        return jsonify(user_id=user)

    @app.get("/me")
    def me():
        if "user_id" not in session:
            return jsonify(error="not logged in"), 401
        return jsonify(user_id=session["user_id"], subject=session.subject)

    @app.post("/logout")
    def logout():
        try:
            session.revoke()
        except ss.RevocationNotSharedError as error:
            return jsonify(logged_out=True, shared=False, why=str(error))
        return jsonify(logged_out=True, shared=True)

    @app.post("/logout-everywhere")
    def logout_everywhere():
        session.revoke_subject()
        session.clear()
        return jsonify(logged_out=True, everywhere=True)

    assert app.session_interface.revocation_list(app).wait_synced(20)
    return app


def value_of(response) -> str:
    """The cookie value a response sets."""
    [header] = response.headers.getlist("Set-Cookie")
    name, value = header.split(";", 1)[0].split("=", 1)
    assert name == NAME and value
    return value


def me(client, value: str):
    return client.get("/me", headers={"Cookie": f"{NAME}={value}"})


def next_second(after: int) -> None:
    """Waits until the clock is past ``after`` (Unix seconds): a
    sign-out-everywhere spares sessions created in its own second."""
    wait_for(lambda: int(time.time()) > after, what="the next second")


def test_keys_values_and_messages_are_as_specified(redis):
    listed = ss.RedisRevocations(redis.url)
    assert listed.wait_synced(20)
    codec = ss.SessionCodec(ss.Keyring.from_text(KEYS_1), revocations=listed, idle_timeout=HOUR, absolute_timeout=HOUR)
    with redis.connect() as subscriber:
        assert subscriber.command("SUBSCRIBE", f"{PREFIX}:revocations") == ["subscribe", f"{PREFIX}:revocations", 1]
        opened = codec.load(f"{NAME}={codec.seal({'user_id': 'ann'})}")
        codec.revoke(opened)
        expires = opened.created_at + HOUR
        assert subscriber.reply() == ["message", f"{PREFIX}:revocations", f"s {opened.id} {expires}"]
        key = f"{PREFIX}:s:{opened.id}"
        assert listed.session_key(opened.id) == key
        assert redis.command("GET", key) == str(expires)
        assert redis.command("PEXPIRETIME", key) == expires * 1000

        start = int(time.time())
        codec.revoke_subject("user-42")
        end = int(time.time())
        kind, channel, text = subscriber.reply()
        assert (kind, channel) == ("message", f"{PREFIX}:revocations")
        tag, subject, before, expires = text.split(" ")
        assert (tag, subject) == ("u", "dXNlci00Mg")
        assert start <= int(before) <= end and int(expires) == int(before) + HOUR
        key = f"{PREFIX}:u:dXNlci00Mg"
        assert listed.subject_key("user-42") == key
        assert redis.command("GET", key) == f"{before} {expires}"
        assert redis.command("PEXPIRETIME", key) == int(expires) * 1000
    assert len(listed) == 2


def test_a_rust_logout_is_refused_by_flask(redis, keys):
    app = flask_app(keys, redis)
    client = app.test_client(use_cookies=False)
    value = value_of(client.post("/login/ann"))
    assert peer(keys, redis, "check", value) == "valid ann"
    assert peer(keys, redis, "revoke", value).startswith("revoked ")
    # Through pub/sub: Flask's mirror was loaded before the revoke.
    response = wait_for(lambda: (r := me(client, value)).status_code == 401 and r, what="Flask to refuse")
    assert response.headers.getlist("Set-Cookie") == [DELETION]
    # A session sealed by Rust opens in Flask, subject included.
    rust = peer(keys, redis, "login", "carl")
    assert me(client, rust).json == {"user_id": "carl", "subject": "carl"}


def test_a_flask_logout_is_refused_by_rust(redis, keys):
    app = flask_app(keys, redis)
    client = app.test_client(use_cookies=False)
    value = value_of(client.post("/login/ann"))
    watcher = subprocess.Popen(peer_command(keys, redis, "watch", value), stdout=subprocess.PIPE, text=True)
    try:
        assert watcher.stdout.readline().strip() == "valid ann"
        response = client.post("/logout", headers={"Cookie": f"{NAME}={value}"})
        assert response.json == {"logged_out": True, "shared": True}
        assert response.headers.getlist("Set-Cookie") == [DELETION]
        # The running Rust instance learns it through pub/sub.
        assert watcher.stdout.readline().strip() == "refused session revoked"
        assert watcher.wait(timeout=30) == 0
    finally:
        watcher.kill()
        watcher.wait()
    # A Rust instance started now loads it from Redis.
    assert peer(keys, redis, "check", value) == "refused session revoked"


def test_sign_out_everywhere_across_languages(redis, keys):
    app = flask_app(keys, redis)
    client = app.test_client(use_cookies=False)
    # Rust signs bob out everywhere: Flask refuses his older sessions.
    in_flask = value_of(client.post("/login/bob"))
    in_rust = peer(keys, redis, "login", "bob")
    next_second(int(time.time()))
    assert peer(keys, redis, "revoke-subject", "bob") == "revoked-subject bob"
    wait_for(lambda: me(client, in_flask).status_code == 401, what="Flask to refuse bob")
    assert me(client, in_rust).status_code == 401
    # Flask signs dan out everywhere: Rust refuses his older sessions.
    in_rust = peer(keys, redis, "login", "dan")
    in_flask = value_of(client.post("/login/dan"))
    next_second(int(time.time()))
    response = client.post("/logout-everywhere", headers={"Cookie": f"{NAME}={in_flask}"})
    assert response.json == {"logged_out": True, "everywhere": True}
    assert peer(keys, redis, "check", in_rust) == "refused session revoked"
    assert peer(keys, redis, "check", in_flask) == "refused session revoked"
    # Others are untouched.
    assert peer(keys, redis, "check", peer(keys, redis, "login", "eve")) == "valid eve"


def test_an_outage_serves_then_fails_closed_then_recovers(redis, keys):
    window = 6
    app = flask_app(keys, redis, SEALED_SESSION_REDIS_OUTAGE_WINDOW=window)
    interface = app.session_interface
    client = app.test_client(use_cookies=False)
    kept = value_of(client.post("/login/ann"))
    dropped = value_of(client.post("/login/bob"))
    redis.stop()
    health = wait_for(lambda: (h := interface.revocation_health(app)) and not h.connected and h, what="the outage")
    assert health.down_for is not None and not health.failing_closed
    # Inside the window (still not failing closed after the request, so not
    # during it): served from the mirror.
    response = me(client, kept)
    assert not interface.revocation_health(app).failing_closed, "slower than the window"
    assert response.json == {"user_id": "ann", "subject": "ann"}
    # A logout now: raised to the route, the cookie deleted, refused here.
    response = client.post("/logout", headers={"Cookie": f"{NAME}={dropped}"})
    assert response.json["shared"] is False and response.json["why"].startswith(
        "the revocation could not be shared with other instances"
    )
    assert response.headers.getlist("Set-Cookie") == [DELETION]
    # Past the window: fail closed.
    wait_for(lambda: interface.revocation_health(app).failing_closed, what="failing closed")
    assert not interface.revocation_health(app)
    response = me(client, kept)
    assert response.status_code == 401 and response.headers.getlist("Set-Cookie") == [DELETION]
    # Redis back, empty (no persistence): resynchronised, the logout written back.
    redis.start()
    wait_for(lambda: not interface.revocation_health(app).failing_closed, what="the recovery")
    assert me(client, kept).json == {"user_id": "ann", "subject": "ann"}
    assert me(client, dropped).status_code == 401
    wait_for(lambda: redis.command("KEYS", f"{PREFIX}:s:*"), what="the write-back")
    assert peer(keys, redis, "check", dropped) == "refused session revoked"
    assert peer(keys, redis, "check", kept) == "valid ann"


def test_a_forked_worker_fails_closed_on_a_copied_list_and_flask_starts_again(redis, keys):
    """A pre-forking server that loads the app first (gunicorn --preload)
    copies the revocation list into each worker, but not its follower
    thread: such a copy would never hear of another logout. It fails closed
    in the child; the Flask interface starts a list of its own there."""
    copied = ss.RedisRevocations(redis.url)
    assert copied.wait_synced(20)
    app = flask_app(keys, redis)
    client = app.test_client(use_cookies=False)
    value = value_of(client.post("/login/ann"))
    codec = ss.SessionCodec(ss.Keyring.from_text(KEYS_1), revocations=copied, idle_timeout=HOUR, absolute_timeout=HOUR)
    assert codec.load(f"{NAME}={value}").rejected is None
    pid = os.fork()
    if pid == 0:  # the worker
        status = 1
        try:
            assert copied.health.failing_closed and not copied.health.connected
            assert isinstance(codec.load(f"{NAME}={value}").rejected, ss.RevocationUnavailableError)
            opened = ss.SessionCodec(ss.Keyring.from_text(KEYS_1)).load(f"{NAME}={value}")
            try:
                codec.revoke(opened)
            except ss.RevocationNotSharedError as error:
                assert "forked" in str(error)
            else:
                raise AssertionError("a revoke in a forked child was taken")
            # The Flask interface starts again here: a list of its own, synced.
            assert app.session_interface.revocation_list(app).wait_synced(20)
            assert me(app.test_client(use_cookies=False), value).json == {"user_id": "ann", "subject": "ann"}
            status = 0
        except BaseException:
            import traceback

            traceback.print_exc()
        finally:
            os._exit(status)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    # The parent's list is untouched.
    assert not copied.health.failing_closed
    assert codec.load(f"{NAME}={value}").rejected is None

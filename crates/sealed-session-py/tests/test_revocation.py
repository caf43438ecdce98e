"""Revocation in one process (MemoryRevocations), through the codec and the
Flask interface: a logout refuses every copy of the cookie, taken before it;
sign-out-everywhere refuses every older session of the subject; a refused
session is an expired one (a new session and a deletion cookie), the reason
logged. And an unreachable Redis: the list fails closed from the start, and a
revoke that cannot be shared raises while this instance still refuses the
session. (Against a real redis-server and a Rust peer:
test_redis_revocation.py.)"""

from __future__ import annotations

import logging

import pytest
from flask import Flask, jsonify, session

import sealed_session as ss
from conftest import KEYS_1, T0
from sealed_session.flask import SealedSessionInterface

NAME = ss.DEFAULT_COOKIE_NAME
DELETION = f"{NAME}=; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"


def codec(keyring, clock, revocations=None, **options):
    return ss.SessionCodec(keyring, clock=clock, revocations=revocations, **options)


def login(codec_, user: str) -> str:
    """A session for ``user`` (subject ``user``), sealed: its cookie value."""
    session_ = codec_.load(None)
    session_.replace({"user_id": user})
    session_.set_subject(user)
    return codec_.seal(session_)


def test_a_logout_refuses_every_copy_of_the_cookie(keyring):
    clock = ss.ManualClock(T0)
    listed = ss.MemoryRevocations()
    instance = codec(keyring, clock, listed, idle_timeout=3600, absolute_timeout=3600)
    copy = f"{NAME}={login(instance, 'ann')}"
    opened = instance.load(copy)
    assert opened.rejected is None and opened.to_dict() == {"user_id": "ann"}
    assert opened.subject == "ann" and opened.created_at == T0

    instance.revoke(opened)
    assert len(listed) == 1
    clock.advance(5)
    replayed = instance.load(copy)
    assert isinstance(replayed.rejected, ss.RevokedError)
    assert str(replayed.rejected) == "session revoked"
    assert replayed.to_dict() == {} and replayed.id is None and replayed.subject is None
    # Treated as an expired session: the response deletes the cookie.
    finished = instance.finish(replayed, 200)
    assert finished.set_cookies == [DELETION]
    # Another codec sharing the list (another app in the process) refuses it too.
    other = codec(keyring, clock, listed, idle_timeout=3600, absolute_timeout=3600)
    assert isinstance(other.load(copy).rejected, ss.RevokedError)
    # A codec without the list knows nothing of it: the list is the point.
    assert codec(keyring, clock, idle_timeout=3600, absolute_timeout=3600).load(copy).rejected is None


def test_sign_out_everywhere_refuses_every_older_session_of_the_subject(keyring):
    clock = ss.ManualClock(T0)
    instance = codec(keyring, clock, ss.MemoryRevocations())
    laptop = f"{NAME}={login(instance, 'bob')}"
    phone = f"{NAME}={login(instance, 'bob')}"
    someone_else = f"{NAME}={login(instance, 'eve')}"
    clock.advance(10)
    instance.revoke_subject("bob")
    for copy in (laptop, phone):
        assert isinstance(instance.load(copy).rejected, ss.RevokedError)
    assert instance.load(someone_else).rejected is None
    # The login that follows (created in the same second) is not refused.
    after = f"{NAME}={login(instance, 'bob')}"
    assert instance.load(after).rejected is None
    clock.advance(1)
    assert instance.load(after).rejected is None


def test_subjects_and_configuration_errors(keyring):
    assert ss.MAX_SUBJECT_LEN == 255
    fresh = ss.Session({"a": 1})
    for bad in ("", "x" * 256, "é" * 128):
        with pytest.raises(ValueError, match="a subject is 1 to 255 bytes"):
            fresh.set_subject(bad)
    fresh.set_subject("é" * 127 + "x")
    assert fresh.subject == "é" * 127 + "x"
    plain = ss.SessionCodec(keyring)
    opened = plain.load(f"{NAME}={plain.seal({'a': 1})}")
    with pytest.raises(ss.ConfigurationError, match="no revocation list") as raised:
        plain.revoke(opened)
    assert raised.value.setting == "revocations"
    with pytest.raises(ss.ConfigurationError):
        plain.revoke_subject("bob")
    with pytest.raises(TypeError, match="revocations must be a MemoryRevocations or a RedisRevocations, not str"):
        ss.SessionCodec(keyring, revocations="redis://127.0.0.1/")
    listed = ss.SessionCodec(keyring, revocations=ss.MemoryRevocations())
    with pytest.raises(ValueError, match="a subject is 1 to 255 bytes"):
        listed.revoke_subject("")
    # A session never sealed has no id: nothing to revoke, no error.
    listed.revoke(listed.load(None))


def test_redis_settings_are_checked():
    with pytest.raises(ss.ConfigurationError, match="the prefix must be") as raised:
        ss.RedisRevocations("redis://127.0.0.1:1/", prefix="a b")
    assert raised.value.setting == "prefix"
    with pytest.raises(ss.ConfigurationError, match="not a Redis URL") as raised:
        ss.RedisRevocations("http://127.0.0.1/")
    assert raised.value.setting == "url"
    with pytest.raises(ValueError, match="outage_window: must be 0 to one year"):
        ss.RedisRevocations("redis://127.0.0.1:1/", outage_window=-1)
    with pytest.raises(ss.ConfigurationError, match="io_timeout"):
        ss.RedisRevocations("redis://127.0.0.1:1/", io_timeout=0)


def test_an_unreachable_redis_fails_closed_and_a_revoke_is_not_shared(keyring, caplog):
    caplog.set_level(logging.INFO, logger="sealed_session")
    # Port 1 on loopback: nothing listens there.
    unreachable = ss.RedisRevocations("redis://127.0.0.1:1/", io_timeout=0.1)
    health = unreachable.health
    assert (health.synced, health.connected, health.failing_closed) == (False, False, True)
    assert not health and health.down_for is not None
    assert repr(unreachable) == "RedisRevocations(synced=False, connected=False, failing_closed=True)"
    assert unreachable.wait_synced(0.05) is False
    plain = ss.SessionCodec(keyring)
    cookie = f"{NAME}={plain.seal({'user_id': 'ann'})}"
    guarded = ss.SessionCodec(keyring, revocations=unreachable)
    refused = guarded.load(cookie)
    assert isinstance(refused.rejected, ss.RevocationUnavailableError)
    assert str(refused.rejected) == "revocation list unavailable"
    assert guarded.finish(refused, 200).set_cookies == [DELETION]
    # New visitors still get a session.
    assert guarded.load(None).rejected is None
    # The revoke is kept here and raised to the caller.
    opened = plain.load(cookie)
    with pytest.raises(ss.RevocationNotSharedError, match="could not be shared with other instances"):
        guarded.revoke(opened)
    assert len(unreachable) == 1
    assert unreachable.session_key(opened.id) == f"sealed-session:s:{opened.id}"
    assert unreachable.subject_key("user-42") == "sealed-session:u:dXNlci00Mg"
    # The Rust crates' log lines reach Python's logging.
    messages = [(r.name, r.levelname, r.getMessage()) for r in caplog.records]
    assert (
        "sealed_session.revocation",
        "WARNING",
        "session refused: the revocation list is unavailable (failing closed)",
    ) in messages
    assert any(
        name == "sealed_session.revocation" and level == "ERROR" and text.startswith("revocation list unavailable")
        for name, level, text in messages
    )


# --- Flask ---------------------------------------------------------------------


def fleet_app(**config) -> Flask:
    """The axum example's routes that matter here, with revocation."""
    app = Flask("revocation_test")
    clock = config.pop("clock", None)
    app.config["SEALED_SESSION_KEYS"] = KEYS_1
    app.config.update(config)
    app.session_interface = SealedSessionInterface(clock=clock)

    @app.post("/login/<user>")
    def login_(user):
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

    return app


def cookie_of(response) -> str:
    headers = response.headers
    [header] = headers.getlist("Set-Cookie") if hasattr(headers, "getlist") else headers.get_list("set-cookie")
    value = header.split(";", 1)[0]
    assert value.startswith(f"{NAME}=") and value != f"{NAME}="
    return value


def test_flask_logout_refuses_the_copies_and_logs_why(caplog):
    caplog.set_level(logging.INFO, logger="sealed_session")
    clock = ss.ManualClock(T0)
    listed = ss.MemoryRevocations()
    app = fleet_app(SEALED_SESSION_REVOCATIONS=listed, clock=clock)
    client = app.test_client(use_cookies=False)
    copy = cookie_of(client.post("/login/ann"))
    assert client.get("/me", headers={"Cookie": copy}).json == {"user_id": "ann", "subject": "ann"}
    response = client.post("/logout", headers={"Cookie": copy})
    assert response.json == {"logged_out": True, "shared": True}
    assert response.headers.getlist("Set-Cookie") == [DELETION]
    # The copy taken before the logout: refused, and deleted again.
    clock.advance(1)
    response = client.get("/me", headers={"Cookie": copy})
    assert response.status_code == 401
    assert response.headers.getlist("Set-Cookie") == [DELETION]
    messages = [(r.name, r.getMessage()) for r in caplog.records]
    assert ("sealed_session.revocation", "session refused: session revoked (logout)") in messages
    assert app.session_interface.revocation_list(app) is listed
    assert app.session_interface.revocation_health(app) is None


def test_flask_sign_out_everywhere():
    clock = ss.ManualClock(T0)
    app = fleet_app(SEALED_SESSION_REVOCATIONS=ss.MemoryRevocations(), clock=clock)
    client = app.test_client(use_cookies=False)
    laptop = cookie_of(client.post("/login/bob"))
    phone = cookie_of(client.post("/login/bob"))
    eve = cookie_of(client.post("/login/eve"))
    clock.advance(1)
    response = client.post("/logout-everywhere", headers={"Cookie": laptop})
    assert response.headers.getlist("Set-Cookie") == [DELETION]
    assert client.get("/me", headers={"Cookie": phone}).status_code == 401
    assert client.get("/me", headers={"Cookie": laptop}).status_code == 401
    assert client.get("/me", headers={"Cookie": eve}).json == {"user_id": "eve", "subject": "eve"}
    # Logging in again after it works.
    again = cookie_of(client.post("/login/bob"))
    assert client.get("/me", headers={"Cookie": again}).status_code == 200


def test_flask_revocation_configuration():
    app = fleet_app(SEALED_SESSION_REVOCATIONS="not a list")
    with pytest.raises(ss.ConfigurationError) as raised:
        app.session_interface.codec(app)
    assert raised.value.setting == "SEALED_SESSION_REVOCATIONS"
    app = fleet_app(SEALED_SESSION_REDIS_URL="redis://127.0.0.1:1/", SEALED_SESSION_REDIS_PREFIX="bad prefix")
    with pytest.raises(ss.ConfigurationError, match="^SEALED_SESSION_REDIS_PREFIX: ") as raised:
        app.session_interface.codec(app)
    assert raised.value.setting == "SEALED_SESSION_REDIS_PREFIX"
    app = fleet_app(SEALED_SESSION_REDIS_URL="redis://127.0.0.1:1/", SEALED_SESSION_REVOCATIONS=ss.MemoryRevocations())
    with pytest.raises(ss.ConfigurationError) as raised:
        app.session_interface.codec(app)
    assert raised.value.setting == "SEALED_SESSION_REDIS_URL"
    # Without a list, a logout route that revokes raises.
    app = fleet_app()
    client = app.test_client(use_cookies=False)
    copy = cookie_of(client.post("/login/ann"))
    app.testing = False
    response = client.post("/logout", headers={"Cookie": copy})
    assert response.status_code == 500


def test_flask_with_redis_down_from_the_start_fails_closed():
    app = fleet_app(SEALED_SESSION_REDIS_URL="redis://127.0.0.1:1/")
    client = app.test_client(use_cookies=False)
    health = app.session_interface.revocation_health(app)
    assert health is not None and health.failing_closed
    # New visitors log in; their cookie is refused until the list loads.
    copy = cookie_of(client.post("/login/ann"))
    response = client.get("/me", headers={"Cookie": copy})
    assert response.status_code == 401
    assert response.headers.getlist("Set-Cookie") == [DELETION]


# --- Starlette -----------------------------------------------------------------


def test_starlette_logout_and_sign_out_everywhere():
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.responses import JSONResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from sealed_session.starlette import SealedSessionMiddleware

    clock = ss.ManualClock(T0)

    async def login(request):
        user = request.path_params["user"]
        request.session.regenerate()
        request.session.set_subject(user)
        request.session["user_id"] = user
        return JSONResponse({"user_id": user})

    async def me(request):
        if "user_id" not in request.session:
            return JSONResponse({"error": "not logged in"}, status_code=401)
        return JSONResponse({"user_id": request.session["user_id"], "subject": request.session.subject})

    async def logout(request):
        request.session.revoke()
        return JSONResponse({"logged_out": True})

    async def logout_everywhere(request):
        request.session.revoke_subject()
        request.session.clear()
        return JSONResponse({"logged_out": True, "everywhere": True})

    app = Starlette(
        routes=[
            Route("/login/{user}", login, methods=["POST"]),
            Route("/me", me),
            Route("/logout", logout, methods=["POST"]),
            Route("/logout-everywhere", logout_everywhere, methods=["POST"]),
        ],
        middleware=[
            Middleware(SealedSessionMiddleware, keyring=ss.Keyring.from_text(KEYS_1), clock=clock, revocations=ss.MemoryRevocations())
        ],
    )
    with TestClient(app, base_url="https://testserver") as client:

        def call(method, path, copy=None):
            headers = {"Cookie": copy} if copy else {}
            response = client.request(method, path, headers=headers)
            client.cookies.clear()
            return response

        copy = cookie_of(call("POST", "/login/ann"))
        assert call("GET", "/me", copy).json() == {"user_id": "ann", "subject": "ann"}
        response = call("POST", "/logout", copy)
        assert response.headers.get_list("set-cookie") == [DELETION]
        response = call("GET", "/me", copy)
        assert response.status_code == 401 and response.headers.get_list("set-cookie") == [DELETION]

        laptop = cookie_of(call("POST", "/login/bob"))
        phone = cookie_of(call("POST", "/login/bob"))
        clock.advance(1)
        call("POST", "/logout-everywhere", laptop)
        assert call("GET", "/me", phone).status_code == 401

"""SealedSessionMiddleware in a FastAPI app behind a real uvicorn server on
127.0.0.1 (port 0), driven by httpx (``fastapi_app.Browser`` keeps the
cookies, ``Secure`` ones too, since the server speaks plain HTTP).

Ground truth from outside: the cookies of the migration are made by the
real Starlette ``SessionMiddleware``; the OAuth login is Authlib's own
Starlette client; the shared session is read by the Flask interface.
"""

from __future__ import annotations

import base64
import datetime
import time

import pytest
from fastapi import FastAPI
from itsdangerous.timed import TimestampSigner
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

import sealed_session as ss
from conftest import KEY2, KEYS_1, KEYS_2_THEN_1, at
from fastapi_app import Browser, create_app, serve
from sealed_session.starlette import SealedSessionMiddleware

NAME = "__Host-session"
ATTRIBUTES = "; HttpOnly; SameSite=Lax; Secure; Path=/"
OLD_SECRET = "old-starlette-secret"


def key_id_of(value: str) -> int:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))[2]


def keyring(text: str = KEYS_1) -> ss.Keyring:
    return ss.Keyring.from_text(text)


def opened(value: str, text: str = KEYS_1) -> dict:
    return ss.SessionCodec(keyring(text)).open(value).to_dict()


def set_cookies(response) -> list[str]:
    return response.headers.get_list("set-cookie")


def attributes_of(header: str) -> set[str]:
    return {part.strip() for part in header.split(";")[1:]}


def test_login_counter_logout():
    with serve(lambda url: create_app(keyring=keyring())) as url, Browser(url) as browser:
        assert browser.get("/me").json() == {"user": None, "counter": 0}
        assert browser.post("/counter").status_code == 401
        response = browser.post("/login", json={"user": "ann"})
        assert response.json() == {"user": "ann"}
        (header,) = set_cookies(response)
        assert header.startswith(f"{NAME}=AQAB")
        assert attributes_of(header) == {"HttpOnly", "SameSite=Lax", "Secure", "Path=/"}
        assert response.headers["vary"] == "Cookie"
        first_id = ss.SessionCodec(keyring()).open(browser.cookies[NAME]).id
        for expected in range(1, 6):
            assert browser.post("/counter").json() == {"counter": expected}
        assert browser.get("/me").json() == {"user": "ann", "counter": 5}
        assert opened(browser.cookies[NAME]) == {"user": "ann", "counter": 5}
        # Login again: a new identity, the data kept.
        browser.post("/login", json={"user": "ann"})
        assert ss.SessionCodec(keyring()).open(browser.cookies[NAME]).id != first_id
        response = browser.post("/logout")
        (deletion,) = set_cookies(response)
        assert deletion.startswith(f"{NAME}=;") and "Max-Age=0" in deletion
        assert NAME not in browser.cookies
        assert browser.get("/me").json() == {"user": None, "counter": 0}


def test_untouched_requests_send_no_cookie_and_no_vary():
    with serve(lambda url: create_app(keyring=keyring())) as url, Browser(url) as browser:
        browser.post("/login", json={"user": "ann"})
        response = browser.get("/none")
        assert response.text == "none" and set_cookies(response) == []
        assert "vary" not in response.headers
        response = browser.get("/read")
        assert set_cookies(response) == [] and response.headers["vary"] == "Cookie"


def test_tampered_cookie_is_refused_and_deleted():
    with serve(lambda url: create_app(keyring=keyring())) as url, Browser(url) as browser:
        browser.post("/login", json={"user": "ann"})
        value = browser.cookies[NAME]
        for at_index in (0, 10, len(value) // 2, len(value) - 1):
            swap = "A" if value[at_index] != "A" else "B"
            browser.cookies[NAME] = value[:at_index] + swap + value[at_index + 1 :]
            response = browser.get("/me")
            assert response.json() == {"user": None, "counter": 0}
            (deletion,) = set_cookies(response)
            assert deletion.startswith(f"{NAME}=;") and "Max-Age=0" in deletion
        # A cookie sealed under another key, or for another name, is no better.
        foreign = ss.SessionCodec(ss.Keyring(KEY2)).seal({"user": "mallory"})
        other_name = ss.SessionCodec(keyring(), cookie_name="other").seal({"user": "mallory"})
        for forged in (foreign, other_name):
            browser.cookies = {NAME: forged}
            assert browser.get("/me").json() == {"user": None, "counter": 0}


def test_idle_and_absolute_timeouts():
    clock = ss.ManualClock(int(time.time()))
    app = lambda url: create_app(keyring=keyring(), clock=clock, idle_timeout=3600, absolute_timeout=4 * 3600)
    with serve(app) as url, Browser(url) as browser:
        browser.post("/login", json={"user": "ann"})
        stolen = dict(browser.cookies)
        clock.advance(3600)
        assert browser.get("/me").json()["user"] == "ann"
        clock.advance(1)
        response = browser.get("/me", headers={"Cookie": f"{NAME}={stolen[NAME]}"})
        assert response.json()["user"] is None
        assert isinstance(opened_error(stolen[NAME], clock), ss.ExpiredError)
        # Kept alive by use, it still ends at the absolute timeout.
        browser.cookies = {}
        browser.post("/login", json={"user": "ann"})
        for _ in range(4):
            clock.advance(3000)
            assert browser.post("/counter").status_code == 200
        clock.advance(3000)
        assert browser.post("/counter").status_code == 401


def opened_error(value: str, clock: ss.ManualClock) -> Exception:
    codec = ss.SessionCodec(keyring(), idle_timeout=3600, absolute_timeout=4 * 3600, clock=clock)
    with pytest.raises(ss.SealedSessionError) as error:
        codec.open(value)
    return error.value


def test_oversized_session_is_an_empty_500_without_cookie():
    with serve(lambda url: create_app(keyring=keyring())) as url, Browser(url) as browser:
        browser.get("/write")
        before = dict(browser.cookies)
        response = browser.get("/big")
        assert response.status_code == 500 and response.content == b""
        assert set_cookies(response) == [] and response.headers["vary"] == "Cookie"
        assert browser.cookies == before
        assert browser.get("/read").text == "1"


def test_key_rotation():
    old = ss.SessionCodec(keyring(KEYS_1)).seal({"user": "ann", "counter": 3})
    assert key_id_of(old) == 1
    with serve(lambda url: create_app(keyring=keyring(KEYS_2_THEN_1))) as url, Browser(url) as browser:
        browser.cookies = {NAME: old}
        response = browser.get("/me")
        assert response.json() == {"user": "ann", "counter": 3}
        # Sealed again under the new primary key, though nothing changed.
        (header,) = set_cookies(response)
        assert key_id_of(browser.cookies[NAME]) == 2
        assert opened(browser.cookies[NAME], f"2 {KEY2.hex()}\n") == {"user": "ann", "counter": 3}


def test_5xx_commits_nothing_4xx_saves():
    with serve(lambda url: create_app(keyring=keyring())) as url, Browser(url) as browser:
        assert browser.get("/write").text == "1"
        for code in (500, 503):
            response = browser.get(f"/status/{code}")
            assert response.status_code == code and set_cookies(response) == []
            assert response.headers["vary"] == "Cookie"
        response = browser.get("/fail")
        assert response.status_code == 500 and set_cookies(response) == []
        assert browser.get("/read").text == "1"
        response = browser.get("/status/404")
        assert response.status_code == 404 and len(set_cookies(response)) == 1
        response = browser.get("/status/302")
        assert response.headers["location"] == "/" and len(set_cookies(response)) == 1
        assert browser.get("/read").text == "3"


def test_websocket_reads_the_session_and_sets_no_cookie():
    # uvicorn without a WebSocket library: Starlette's test client runs the
    # same app in process.
    app = create_app(keyring=keyring())
    value = ss.SessionCodec(keyring()).seal({"user": "ann"})
    with TestClient(app, base_url="https://testserver") as client:
        client.cookies.set(NAME, value)
        with client.websocket_connect("/ws") as websocket:
            assert websocket.receive_json() == {"user": "ann"}
        # The change made over the WebSocket was not saved.
        assert client.get("/me").json() == {"user": "ann", "counter": 0}


def test_configuration_is_checked():
    app = FastAPI()
    cases = [
        ({"secret_key": "s"}, "secret_key"),
        ({"keyring": keyring(), "domain": "example.com"}, "domain"),
        ({"keyring": keyring(), "same_site": "sideways"}, "same_site"),
        ({"keyring": keyring(), "max_age": 3600, "idle_timeout": 60}, "max_age"),
        ({"keyring": keyring(), "starlette_migration": {"secret_key": "s"}}, "starlette_migration"),
        ({"keyring": keyring(), "starlette_migration": {"secret": "s", "since": 1, "until": 2}}, "starlette_migration"),
    ]
    for options, setting in cases:
        with pytest.raises(ss.ConfigurationError) as error:
            SealedSessionMiddleware(app, **options)
        assert error.value.setting == setting, (options, error.value)


def test_keys_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("SEALED_SESSION_KEYS", raising=False)
    monkeypatch.delenv("SEALED_SESSION_KEYS_FILE", raising=False)
    with pytest.raises(ss.ConfigurationError) as error:
        SealedSessionMiddleware(FastAPI())
    assert error.value.setting == "SEALED_SESSION_KEYS"
    path = tmp_path / "keys"
    path.write_text(KEYS_1)
    path.chmod(0o600)
    monkeypatch.setenv("SEALED_SESSION_KEYS_FILE", str(path))
    value = SealedSessionMiddleware(FastAPI()).codec.seal({"a": 1})
    assert opened(value) == {"a": 1}
    monkeypatch.setenv("SEALED_SESSION_KEYS", f"2 {KEY2.hex()}\n")
    value = SealedSessionMiddleware(FastAPI()).codec.seal({"a": 1})
    assert key_id_of(value) == 2


def test_starlette_settings_carry_over():
    app = lambda url: create_app(
        keyring=keyring(), session_cookie="sid", https_only=False, same_site="strict", path="/", max_age=600
    )
    with serve(app) as url, Browser(url) as browser:
        (header,) = set_cookies(browser.get("/write"))
        assert header.startswith("sid=AQAB")
        assert attributes_of(header) == {"HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=600"}


# --- Migration from Starlette's own cookie ------------------------------------------------


def starlette_cookie(session: dict, signed_at: int, secret: str = OLD_SECRET) -> str:
    """The cookie the real SessionMiddleware sets for ``session`` at ``signed_at``."""

    async def write(request: Request) -> JSONResponse:
        request.session.update(session)
        return JSONResponse({})

    app = Starlette(routes=[Route("/", write)], middleware=[Middleware(SessionMiddleware, secret_key=secret)])
    real = TimestampSigner.get_timestamp
    TimestampSigner.get_timestamp = lambda self: signed_at
    try:
        with TestClient(app) as client:
            header = client.get("/").headers["set-cookie"]
    finally:
        TimestampSigner.get_timestamp = real
    assert header.startswith("session=")
    return header.split(";", 1)[0].split("=", 1)[1]


def test_migration_from_starlette_session_middleware():
    now = int(time.time())
    clock = ss.ManualClock(now)
    since = now - 3600
    migration = {"secret_key": OLD_SECRET, "since": at(since), "until": at(now + 30 * 86_400)}
    app = lambda url: create_app(keyring=keyring(), clock=clock, starlette_migration=migration)
    old = starlette_cookie({"user": "ann", "counter": 7, "roles": ["a", "b"]}, signed_at=now - 60)
    with serve(app) as url, Browser(url) as browser:
        browser.cookies = {"session": old}
        response = browser.get("/me")
        assert response.json() == {"user": "ann", "counter": 7}
        new, deletion = set_cookies(response)
        assert new.startswith(f"{NAME}=AQAB")
        assert deletion.startswith("session=; Path=/; Secure; Max-Age=0")
        assert browser.cookies.keys() == {NAME}
        migrated = ss.SessionCodec(keyring(), clock=clock).open(browser.cookies[NAME])
        assert migrated.to_dict() == {"user": "ann", "counter": 7, "roles": ["a", "b"]}
        assert migrated.created_at == since
        assert browser.post("/counter").json() == {"counter": 8}

        # What Starlette itself refuses: tampered, another key, expired, future.
        tampered = old.replace(old[5], "A" if old[5] != "A" else "B", 1)
        for refused in (
            tampered,
            starlette_cookie({"user": "mallory"}, signed_at=now, secret="another-secret"),
            starlette_cookie({"user": "mallory"}, signed_at=now - 14 * 86_400 - 1),
            starlette_cookie({"user": "mallory"}, signed_at=now + 1),
        ):
            browser.cookies = {"session": refused}
            assert browser.get("/me").json() == {"user": None, "counter": 0}
        # At 14 days exactly, Starlette's max_age, still accepted.
        browser.cookies = {"session": starlette_cookie({"user": "bob"}, signed_at=now - 14 * 86_400)}
        assert browser.get("/me").json()["user"] == "bob"
        # From the end date on, no longer.
        clock.set(now + 30 * 86_400)
        browser.cookies = {"session": starlette_cookie({"user": "bob"}, signed_at=now + 30 * 86_400 - 10)}
        assert browser.get("/me").json()["user"] is None


# --- An OAuth login with Authlib, its state in the session across a redirect -----------------


def test_authlib_oauth_state_round_trip():
    with serve(lambda url: create_app(url, keyring=keyring())) as url, Browser(url) as browser:
        response = browser.get("/oauth/login")
        assert response.status_code == 302
        to_provider = response.headers["location"]
        assert to_provider.startswith(f"{url}/provider/authorize?")
        state = dict(httpx_params(to_provider))["state"]
        # The state lives only in the encrypted cookie.
        (header,) = set_cookies(response)
        assert state not in header
        stored = opened(browser.cookies[NAME])
        assert f"_state_provider_{state}" in stored
        back = browser.get(to_provider.removeprefix(url))
        assert back.status_code == 302
        callback = back.headers["location"]
        # A forged state, or the real one without the session, fails.
        forged = callback.replace(f"state={state}", "state=forged")
        assert browser.get(forged.removeprefix(url)).status_code == 400
        assert Browser(url).get(callback.removeprefix(url)).status_code == 400
        response = browser.get(callback.removeprefix(url))
        assert response.json() == {"user": "oauth-ann"}
        assert opened(browser.cookies[NAME]).get("user") == "oauth-ann"
        assert not any(key.startswith("_state_") for key in opened(browser.cookies[NAME]))
        # The state is single-use.
        assert browser.get(callback.removeprefix(url)).status_code == 400


def httpx_params(url: str):
    import httpx

    return httpx.URL(url).params.multi_items()


# --- One session with the Flask interface -------------------------------------------------------


def test_one_session_with_the_flask_interface():
    from flask_app import create_app as create_flask_app

    flask_app = create_flask_app(keyring())
    flask_app.config["SEALED_SESSION_COOKIE_NAME"] = NAME
    with serve(lambda url: create_app(keyring=keyring())) as url, Browser(url) as browser:
        browser.post("/login", json={"user": "ann"})
        browser.post("/counter")
        with flask_app.test_client(use_cookies=False) as flask:
            cookie = {"Cookie": f"{NAME}={browser.cookies[NAME]}"}
            assert flask.get("/me", headers=cookie).json == {"user": "ann", "counter": 1}
            response = flask.post("/counter", headers=cookie)
            assert response.json == {"counter": 2}
            (header,) = response.headers.getlist("Set-Cookie")
            value = header.split(";", 1)[0].split("=", 1)[1]
        browser.cookies[NAME] = value
        assert browser.get("/me").json() == {"user": "ann", "counter": 2}


def test_legacy_starlette_signed_binding():
    now = int(time.time())
    clock = ss.ManualClock(now)
    with pytest.raises(TypeError, match="str"):
        ss.Legacy.starlette_signed(b"bytes", since=now - 1, until=now + 1)
    legacy = ss.Legacy.starlette_signed(OLD_SECRET, since=now - 10, until=now + 10)
    assert repr(legacy) == 'Legacy.starlette_signed(cookie_name="session", ...)'
    codec = ss.SessionCodec(keyring(), legacy=legacy, clock=clock)
    session = codec.open_legacy(starlette_cookie({"a": [1, "b"], "c": None}, signed_at=now))
    assert session.to_dict() == {"a": [1, "b"], "c": None}
    assert session.created_at == now - 10 and session.reseal_advised
    # max_age: Starlette's default (14 days) unless given.
    old = starlette_cookie({"a": 1}, signed_at=now - 3601)
    assert codec.open_legacy(old).to_dict() == {"a": 1}
    short = ss.Legacy.starlette_signed(OLD_SECRET, since=now - 10, until=now + 10, max_age=3600)
    with pytest.raises(ss.ExpiredError):
        ss.SessionCodec(keyring(), legacy=short, clock=clock).open_legacy(old)
    with pytest.raises(ss.ConfigurationError):
        ss.SessionCodec(keyring(), legacy=ss.Legacy.starlette_signed("", since=now - 1, until=now + 1))

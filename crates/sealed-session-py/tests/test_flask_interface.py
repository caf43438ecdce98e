"""SealedSessionInterface in a real Flask 3.1 app, through Flask's test
client: Flask's session semantics, Flask's config, rotation, migration."""

from __future__ import annotations

import datetime
import logging
import uuid
from decimal import Decimal

import pytest
from flask import Flask, jsonify, session
from markupsafe import Markup

import encrypted_session as es
import sealed_session as ss
from conftest import KEY1, KEYS_1, KEYS_2_THEN_1, T0, at
from flask_app import create_app
from sealed_session.flask import SealedSession, SealedSessionInterface

DAY = 86_400
SECRET_KEY = "the-old-flask-secret"


def make_app(keys: str = KEYS_1, clock=None, **config) -> Flask:
    app = Flask("interface_test")
    app.config["SEALED_SESSION_KEYS"] = keys
    app.config.update(config)
    app.session_interface = SealedSessionInterface(clock=clock or ss.ManualClock(T0))

    @app.get("/set/<key>/<value>")
    def set_value(key, value):
        session[key] = value
        return "ok"

    @app.get("/get/<key>")
    def get_value(key):
        return str(session.get(key))

    @app.get("/untouched")
    def untouched():
        return "no session here"

    @app.get("/clear")
    def clear():
        session.clear()
        return "cleared"

    @app.get("/permanent")
    def permanent():
        session.permanent = True
        session["p"] = 1
        return "ok"

    @app.get("/whoami")
    def whoami():
        return jsonify(user=session.get("user"), id=session.id, new=session.new)

    return app


def set_cookies(response):
    return response.headers.getlist("Set-Cookie")


def test_the_one_line_switch_with_flask_session_semantics():
    app = make_app()
    client = app.test_client()
    response = client.get("/set/user/ann")
    [header] = set_cookies(response)
    assert header.startswith("__Host-session=AQAB")
    assert header.endswith("; HttpOnly; Secure; SameSite=Lax; Path=/")
    assert response.headers["Vary"] == "Cookie"
    assert client.get("/get/user").text == "ann"
    # Untouched: no Vary, and no Set-Cookie (refreshed only when the session is read, per request).
    response = client.get("/untouched")
    assert "Vary" not in response.headers
    # Emptied: deleted, with Vary.
    response = client.get("/clear")
    [deletion] = set_cookies(response)
    assert deletion.startswith("__Host-session=; ") and "Max-Age=0" in deletion
    assert response.headers["Vary"] == "Cookie"
    assert client.get("/get/user").text == "None"


def test_refresh_each_request_as_flask_does_it():
    clock = ss.ManualClock(T0)
    app = make_app(clock=clock)
    client = app.test_client()
    client.get("/permanent")
    clock.advance(5)
    # SESSION_REFRESH_EACH_REQUEST (Flask's default): a permanent session is
    # sealed again on every request, read or not.
    response = client.get("/untouched")
    assert len(set_cookies(response)) == 1 and response.headers["Vary"] == "Cookie"
    # A browser-session session is sealed again only when changed.
    client = app.test_client()
    client.get("/set/a/1")
    clock.advance(5)
    assert set_cookies(client.get("/get/a")) == []
    quiet = make_app(clock=clock, SESSION_REFRESH_EACH_REQUEST=False)
    client = quiet.test_client()
    client.get("/permanent")
    clock.advance(5)
    assert set_cookies(client.get("/get/p")) == []
    after = make_app(clock=clock, SEALED_SESSION_REFRESH_AFTER=datetime.timedelta(minutes=10))
    for path in ("/permanent", "/set/a/1"):
        client = after.test_client()
        client.get(path)
        clock.advance(599)
        assert set_cookies(client.get("/untouched")) == []
        clock.advance(1)
        assert len(set_cookies(client.get("/untouched"))) == 1


def test_permanent_sessions_and_the_two_timeouts():
    clock = ss.ManualClock(T0)
    app = make_app(clock=clock, SEALED_SESSION_IDLE_TIMEOUT=datetime.timedelta(hours=2))
    client = app.test_client()
    [header] = set_cookies(client.get("/permanent"))
    assert header.endswith("; Max-Age=7200")
    clock.advance(2 * 3600 + 1)
    assert client.get("/get/p").text == "None"  # idle timeout
    # The defaults are the Rust crate's: 24 hours idle, 7 days absolute.
    default = make_app(clock=clock)
    [header] = set_cookies(default.test_client().get("/permanent"))
    assert header.endswith(f"; Max-Age={DAY}")
    codec = default.session_interface.codec(default)
    assert (codec.idle_timeout, codec.absolute_timeout) == (ss.DEFAULT_IDLE_TIMEOUT, ss.DEFAULT_ABSOLUTE_TIMEOUT)
    assert (codec.idle_timeout, codec.absolute_timeout) == (DAY, 7 * DAY)
    # Max-Age never outlives the absolute timeout.
    short = make_app(
        clock=clock,
        SEALED_SESSION_IDLE_TIMEOUT=datetime.timedelta(hours=2),
        SEALED_SESSION_ABSOLUTE_TIMEOUT=datetime.timedelta(hours=3),
    )
    client = short.test_client()
    [header] = set_cookies(client.get("/permanent"))
    assert header.endswith("; Max-Age=7200")
    clock.advance(5400)
    [header] = set_cookies(client.get("/get/p"))  # refreshed: a permanent session
    assert header.endswith("; Max-Age=5400")
    # An idle timeout longer than the absolute one is refused, as in Rust.
    with pytest.raises(ss.ConfigurationError) as error:
        SealedSession(make_app(SEALED_SESSION_ABSOLUTE_TIMEOUT=datetime.timedelta(hours=1)))
    assert error.value.setting == "SEALED_SESSION_IDLE_TIMEOUT"
    assert "longer than the absolute timeout" in str(error.value)
    # Arguments win over the config.
    argued = Flask("argued")
    argued.config.update(SEALED_SESSION_KEYS=KEYS_1, SEALED_SESSION_IDLE_TIMEOUT=5)
    argued.session_interface = SealedSessionInterface(idle_timeout=60, absolute_timeout=datetime.timedelta(hours=2))
    codec = argued.session_interface.codec(argued)
    assert (codec.idle_timeout, codec.absolute_timeout) == (60, 7200)


def test_a_session_idle_for_two_days_is_over_with_the_defaults():
    """Issue 18, item 19, on the Flask side: Flask used to default to an idle
    timeout of 7 days (its PERMANENT_SESSION_LIFETIME capped by the absolute
    timeout) where Rust has 24 hours, so a shared session idle for 1 to 7
    days opened in one service and not in the other. The defaults are now
    the Rust crate's: idle two days, it is over (see test_cross_service for
    both services)."""
    clock = ss.ManualClock(T0)
    app = make_app(clock=clock)
    client = app.test_client()
    client.get("/permanent")
    clock.advance(2 * DAY)
    response = client.get("/get/p")
    assert response.text == "None"
    [deletion] = set_cookies(response)  # the expired cookie is deleted
    assert deletion.startswith("__Host-session=; ")
    # Idle just under a day: still on.
    client.get("/permanent")
    clock.advance(DAY - 1)
    assert client.get("/get/p").text == "1"


def test_permanent_session_lifetime_no_longer_sets_a_timeout_silently():
    app = make_app(PERMANENT_SESSION_LIFETIME=datetime.timedelta(hours=2))
    with pytest.raises(ss.ConfigurationError) as error:
        SealedSession(app)
    assert error.value.setting == "PERMANENT_SESSION_LIFETIME"
    assert "SEALED_SESSION_IDLE_TIMEOUT" in str(error.value)
    both = make_app(
        PERMANENT_SESSION_LIFETIME=datetime.timedelta(hours=2), SEALED_SESSION_IDLE_TIMEOUT=datetime.timedelta(hours=3)
    )
    assert both.session_interface.codec(both).idle_timeout == 3 * 3600


def test_flask_cookie_config_is_honoured():
    app = make_app(
        SESSION_COOKIE_NAME="myapp",
        SESSION_COOKIE_DOMAIN="example.com",
        SESSION_COOKIE_PATH="/shop",
        SESSION_COOKIE_HTTPONLY=False,
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_PARTITIONED=True,
    )
    [header] = set_cookies(app.test_client().get("/set/a/1"))
    assert header.startswith("myapp=AQAB")
    assert header.endswith("; Secure; SameSite=Strict; Path=/shop; Domain=example.com; Partitioned")
    plain = make_app(SESSION_COOKIE_NAME="dev", SESSION_COOKIE_SAMESITE="None", SESSION_COOKIE_SECURE=True)
    [header] = set_cookies(plain.test_client().get("/set/a/1"))
    assert header.endswith("; HttpOnly; Secure; SameSite=None; Path=/")
    insecure = make_app(SEALED_SESSION_COOKIE_NAME="session")  # Flask's SESSION_COOKIE_SECURE=False
    [header] = set_cookies(insecure.test_client().get("/set/a/1"))
    assert header.startswith("session=AQAB") and header.endswith("; HttpOnly; SameSite=Lax; Path=/")
    root = make_app(APPLICATION_ROOT="/app", SESSION_COOKIE_NAME="rooted")
    [header] = set_cookies(root.test_client().get("/set/a/1"))
    assert header.endswith("; Path=/app")


def test_the_cookie_name_rule():
    interface = SealedSessionInterface()
    app = Flask("names")
    assert interface.get_cookie_name(app) == "__Host-session"  # Flask's default "session" is not a choice
    app.config["SESSION_COOKIE_NAME"] = "mine"
    assert interface.get_cookie_name(app) == "mine"
    app.config["SEALED_SESSION_COOKIE_NAME"] = "shared"
    assert interface.get_cookie_name(app) == "shared"
    assert SealedSessionInterface(cookie_name="arg").get_cookie_name(app) == "arg"
    app.config["SEALED_SESSION_COOKIE_NAME"] = "__Secure-s"
    assert interface.get_cookie_secure(app) is True  # prefixes force Secure


@pytest.mark.parametrize(
    ("config", "setting", "text"),
    [
        ({"SEALED_SESSION_KEYS": None}, "SEALED_SESSION_KEYS", "no keys"),
        ({"SEALED_SESSION_KEYS": 42}, "SEALED_SESSION_KEYS", "not int"),
        ({"SESSION_COOKIE_DOMAIN": "example.com"}, "SESSION_COOKIE_DOMAIN", "must not have a Domain"),
        ({"SESSION_COOKIE_NAME": "s", "SESSION_COOKIE_SAMESITE": "None"}, "SESSION_COOKIE_SAMESITE", "Secure"),
        ({"SEALED_SESSION_ABSOLUTE_TIMEOUT": "1 week"}, "SEALED_SESSION_ABSOLUTE_TIMEOUT", "timedelta"),
        ({"SEALED_SESSION_IDLE_TIMEOUT": 1.5}, "SEALED_SESSION_IDLE_TIMEOUT", "timedelta"),
        ({"SEALED_SESSION_ABSOLUTE_LIFETIME": DAY}, "SEALED_SESSION_ABSOLUTE_LIFETIME", "renamed to SEALED_SESSION_ABSOLUTE_TIMEOUT"),
        ({"SEALED_SESSION_MIGRATE_FROM": "flask"}, "SEALED_SESSION_MIGRATE_SINCE", "required"),
        (
            {"SEALED_SESSION_MIGRATE_FROM": "flask", "SEALED_SESSION_MIGRATE_SINCE": at(T0), "SEALED_SESSION_MIGRATE_UNTIL": at(T0 + DAY)},
            "SECRET_KEY",
            "signed them",
        ),
        (
            {
                "SEALED_SESSION_MIGRATE_FROM": "flask",
                "SECRET_KEY": "k",
                "SECRET_KEY_FALLBACKS": "old-key",
                "SEALED_SESSION_MIGRATE_SINCE": at(T0),
                "SEALED_SESSION_MIGRATE_UNTIL": at(T0 + DAY),
            },
            "SECRET_KEY_FALLBACKS",
            "each character",
        ),
        (
            {"SEALED_SESSION_MIGRATE_FROM": "beaker", "SEALED_SESSION_MIGRATE_SINCE": T0, "SEALED_SESSION_MIGRATE_UNTIL": T0 + 1},
            "SEALED_SESSION_MIGRATE_FROM",
            "unknown format",
        ),
        (
            {"SEALED_SESSION_MIGRATE_FROM": "encrypted_session", "SEALED_SESSION_MIGRATE_SINCE": T0, "SEALED_SESSION_MIGRATE_UNTIL": T0 + 1},
            "SEALED_SESSION_MIGRATE_KEY",
            "32 bytes",
        ),
    ],
)
def test_configuration_errors_name_the_config_key(config, setting, text):
    app = make_app(**config)
    with pytest.raises(ss.ConfigurationError) as error:
        SealedSession(app, clock=ss.ManualClock(T0))  # init_app checks at once
    assert error.value.setting == setting
    assert text in str(error.value)


def test_tagged_values_round_trip_between_requests():
    app = make_app()
    values = {
        "bytes": b"\x00\xff",
        "tuple": (1, ("a", b"b")),
        "uuid": uuid.UUID(int=7),
        "when": datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
        "markup": Markup("<i>hi</i>"),
        "di": {" t": "not a tuple"},
    }
    seen = {}

    @app.get("/store")
    def store():
        session.update(values)
        return "ok"

    @app.get("/load")
    def load():
        seen.update(session)
        return "ok"

    client = app.test_client()
    client.get("/store")
    client.get("/load")
    assert seen == values and type(seen["markup"]) is Markup


def test_other_types_are_written_as_flasks_json_writes_them():
    app = make_app()
    seen = {}

    @app.get("/store")
    def store():
        session["day"] = datetime.date(2026, 5, 6)
        session["price"] = Decimal("9.99")
        return "ok"

    @app.get("/load")
    def load():
        seen.update(session)
        return "ok"

    client = app.test_client()
    client.get("/store")
    client.get("/load")
    assert seen == {"day": "Wed, 06 May 2026 00:00:00 GMT", "price": "9.99"}


def test_nested_changes_need_modified_as_in_flask():
    app = make_app(SESSION_REFRESH_EACH_REQUEST=False)

    @app.get("/append/<item>")
    def append(item):
        session.setdefault("items", []).append(item)
        return "ok"

    @app.get("/append-marked/<item>")
    def append_marked(item):
        session["items"].append(item)
        session.modified = True
        return "ok"

    client = app.test_client()
    client.get("/append/a")  # setdefault on an empty session sets the key: saved
    client.get("/append/b")  # a nested change alone: not saved
    assert client.get("/get/items").text == "['a']"
    client.get("/append-marked/c")
    assert client.get("/get/items").text == "['a', 'c']"


def test_login_regenerates_the_identity_and_logout_deletes():
    client = create_app(ss.Keyring.from_text(KEYS_1), clock=ss.ManualClock(T0)).test_client()
    assert client.post("/login", json={"user": "ann"}).json == {"user": "ann", "counter": 0}
    first = client.get_cookie("session").value
    assert client.post("/counter").json == {"counter": 1}
    assert client.get("/me").json == {"user": "ann", "counter": 1}
    client.post("/login", json={"user": "bob"})
    second = client.get_cookie("session").value
    app = create_app(ss.Keyring.from_text(KEYS_1), clock=ss.ManualClock(T0))
    codec = app.session_interface.codec(app)
    assert codec.open(first).id != codec.open(second).id
    response = client.post("/logout")
    assert "Max-Age=0" in response.headers["Set-Cookie"]
    assert client.get_cookie("session") is None
    assert client.get("/me").json == {"user": None, "counter": 0}
    assert client.post("/login", json={}).status_code == 400


def test_a_rejected_cookie_is_logged_and_deleted(caplog):
    app = make_app()
    client = app.test_client()
    client.set_cookie("__Host-session", "AQABforged")
    with caplog.at_level(logging.DEBUG, logger=app.logger.name):
        response = client.get("/whoami")
    assert response.json == {"user": None, "id": None, "new": True}
    assert "session cookie rejected: malformed" in caplog.text
    [deletion] = set_cookies(response)
    assert deletion.startswith("__Host-session=; ")


def test_key_rotation_keeps_users_logged_in():
    client = make_app(KEYS_1).test_client()
    client.get("/set/user/ann")
    rotated = make_app(KEYS_2_THEN_1)
    client2 = rotated.test_client()
    client2.set_cookie("__Host-session", client.get_cookie("__Host-session").value)
    response = client2.get("/get/user")
    assert response.text == "ann"
    [header] = set_cookies(response)
    assert header.startswith("__Host-session=AQAC")  # now under key 2
    only_new = make_app(KEYS_2_THEN_1.splitlines()[0])
    client3 = only_new.test_client()
    client3.set_cookie("__Host-session", client2.get_cookie("__Host-session").value)
    assert client3.get("/get/user").text == "ann"


# --- Migration -----------------------------------------------------------------


def flask_default_app() -> Flask:
    app = Flask("old_default")
    app.secret_key = SECRET_KEY

    @app.get("/login/<user>")
    def login(user):
        session["user"] = user
        session["roles"] = ("admin",)
        session.permanent = True
        return "ok"

    return app


def migrating_app(clock, **config) -> Flask:
    return make_app(
        clock=clock,
        SECRET_KEY="the-new-flask-secret",
        SECRET_KEY_FALLBACKS=[SECRET_KEY],
        SEALED_SESSION_MIGRATE_FROM="flask",
        SEALED_SESSION_MIGRATE_SINCE=at(T0),
        SEALED_SESSION_MIGRATE_UNTIL=at(T0 + 30 * DAY),
        SEALED_SESSION_ABSOLUTE_TIMEOUT=datetime.timedelta(days=30),
        SEALED_SESSION_IDLE_TIMEOUT=datetime.timedelta(days=30),
        **config,
    )


def test_migration_from_flasks_default_cookie(monkeypatch):
    old = flask_default_app().test_client()
    monkeypatch.setattr("time.time", lambda: float(T0 + 100))  # itsdangerous's clock
    old.get("/login/ann")
    flask_cookie = old.get_cookie("session").value
    monkeypatch.undo()
    clock = ss.ManualClock(T0 + 160)
    client = migrating_app(clock).test_client()
    client.set_cookie("session", flask_cookie)
    response = client.get("/whoami")
    assert response.json["user"] == "ann"  # still logged in
    v1, deletion = set_cookies(response)
    assert v1.startswith("__Host-session=AQAB") and v1.endswith(f"Max-Age={30 * DAY - 160}")
    assert deletion == "session=; Path=/; Secure; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
    assert client.get_cookie("session") is None
    assert client.get("/get/roles").text == "('admin',)"
    # The migrated session counts as created at the migration's start.
    app = migrating_app(clock)
    assert app.session_interface.codec(app).open(client.get_cookie("__Host-session").value).created_at == T0
    # After the end date: refused, deleted, logged out.
    clock.set(T0 + 30 * DAY)
    late = migrating_app(clock).test_client()
    late.set_cookie("session", flask_cookie)
    response = late.get("/whoami")
    assert response.json["user"] is None
    assert set_cookies(response) == ["session=; Path=/; Secure; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"]


def test_migration_from_encrypted_session_cookies():
    clock = ss.ManualClock(T0 + 60)
    app = make_app(
        clock=clock,
        SEALED_SESSION_MIGRATE_FROM=["encrypted_session"],
        SEALED_SESSION_MIGRATE_KEY=KEY1,
        SEALED_SESSION_MIGRATE_SINCE=at(T0),
        SEALED_SESSION_MIGRATE_UNTIL=at(T0 + 7 * DAY),
    )
    client = app.test_client()
    client.set_cookie("session", es.seal(KEY1, {"user": "eve", "token": b"\x01\x02", "_permanent": True}))
    response = client.get("/whoami")
    assert response.json["user"] == "eve"
    v1, deletion = set_cookies(response)
    assert v1.startswith("__Host-session=AQAB") and "Max-Age=" in v1
    assert deletion.startswith("session=; ")
    assert client.get("/get/token").text == "b'\\x01\\x02'"
    clock.set(T0 + 7 * DAY)
    late = make_app(
        clock=clock,
        SEALED_SESSION_MIGRATE_FROM="encrypted_session",
        SEALED_SESSION_MIGRATE_KEY=KEY1.hex(),
        SEALED_SESSION_MIGRATE_SINCE=at(T0),
        SEALED_SESSION_MIGRATE_UNTIL=at(T0 + 7 * DAY),
    ).test_client()
    late.set_cookie("session", es.seal(KEY1, {"user": "eve"}))
    assert late.get("/whoami").json["user"] is None


def test_legacy_sources_can_be_given_directly():
    legacy = ss.Legacy.encrypted_session(KEY1, since=T0, until=T0 + DAY, cookie_name="old_session")
    app = Flask("direct")
    app.config["SEALED_SESSION_KEYS"] = ss.Keyring.from_text(KEYS_1)
    app.session_interface = SealedSessionInterface(legacy=[legacy], clock=ss.ManualClock(T0 + 1))

    @app.get("/")
    def index():
        return str(session.get("user"))

    client = app.test_client()
    client.set_cookie("old_session", es.seal(KEY1, {"user": "zed"}))
    response = client.get("/")
    assert response.text == "zed"
    assert set_cookies(response)[1].startswith("old_session=; ")


def test_the_extension_form():
    app = Flask("extension")
    app.config["SEALED_SESSION_KEYS"] = KEYS_1
    extension = SealedSession()
    extension.init_app(app)
    assert app.session_interface is extension.interface
    assert app.extensions["sealed_session"].codec.cookie_name == "__Host-session" == ss.DEFAULT_COOKIE_NAME
    assert app.session_interface.codec(app) is app.extensions["sealed_session"].codec


def test_an_authentic_session_whose_tags_do_not_decode_is_replaced(caplog):
    app = make_app()
    codec = app.session_interface.codec(app)
    # Sealed by another writer that tagged a UUID wrongly.
    value = codec.seal(ss.Session.from_json('{"id": {" u": "not-a-uuid"}}'))
    client = app.test_client()
    client.set_cookie("__Host-session", value)
    with caplog.at_level(logging.DEBUG, logger=app.logger.name):
        response = client.get("/whoami")
    assert response.json["user"] is None
    assert 'a value tagged " u" does not decode' in caplog.text
    [deletion] = set_cookies(response)
    assert deletion.startswith("__Host-session=; ")


# --- The one lifecycle (SessionCodec.finish) --------------------------------------


def lifecycle_app(**config) -> Flask:
    app = make_app(**config)

    @app.get("/count/<int:status>")
    def count(status):
        session["n"] = session.get("n", 0) + 1
        headers = {"Location": "/"} if status == 302 else {}
        return str(session["n"]), status, headers

    @app.get("/raise")
    def fail():
        session["n"] = session.get("n", 0) + 1
        raise RuntimeError("the handler failed")

    @app.get("/big")
    def big():
        session["big"] = "x" * 5000
        return "never sent", 200, {"X-Handler": "yes"}

    @app.get("/vary/<value>")
    def vary(value):
        session["n"] = 1
        return "ok", 200, {"Vary": value}

    return app


@pytest.mark.parametrize("status", [200, 302, 400, 404])
def test_below_500_the_session_is_saved(status):
    client = lifecycle_app().test_client()
    response = client.get(f"/count/{status}")
    assert response.status_code == status
    [header] = set_cookies(response)
    assert header.startswith("__Host-session=AQAB") and response.headers["Vary"] == "Cookie"
    assert client.get("/get/n").text == "1"


@pytest.mark.parametrize("status", [500, 503])
def test_on_a_5xx_nothing_is_saved_unlike_flask(status):
    """The deliberate change: Flask's own interface saves the session on a
    5xx; this one sends no Set-Cookie at all (no set, no refresh, no
    deletion), and still Vary: Cookie since the handler used the session."""
    client = lifecycle_app().test_client()
    client.get("/count/200")
    response = client.get(f"/count/{status}")
    assert response.status_code == status
    assert set_cookies(response) == [] and response.headers["Vary"] == "Cookie"
    assert client.get("/get/n").text == "1"  # the browser kept what it had


def test_an_exception_commits_nothing():
    client = lifecycle_app().test_client()
    client.get("/count/200")
    app = client.application
    app.testing = False  # Flask answers 500 itself, then saves the session
    response = client.get("/raise")
    assert response.status_code == 500
    assert set_cookies(response) == [] and response.headers["Vary"] == "Cookie"
    assert client.get("/get/n").text == "1"


def test_a_session_too_large_answers_an_empty_500(caplog):
    client = lifecycle_app().test_client()
    with caplog.at_level(logging.ERROR, logger=client.application.logger.name):
        response = client.get("/big")
    assert response.status_code == 500 and response.data == b""
    assert set_cookies(response) == [] and response.headers["Vary"] == "Cookie"
    assert "X-Handler" not in response.headers
    assert "session not saved: cookie too large" in caplog.text


def test_vary_joins_the_responses_own():
    client = lifecycle_app().test_client()
    assert client.get("/vary/Accept-Encoding").headers.getlist("Vary") == ["Accept-Encoding, Cookie"]
    assert client.get("/vary/cookie").headers.getlist("Vary") == ["cookie"]
    assert client.get("/vary/*").headers.getlist("Vary") == ["*"]

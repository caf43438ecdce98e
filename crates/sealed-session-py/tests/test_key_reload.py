"""Reloading the key file without a restart: KeyFileWatcher (the std crate's
Reloading) and the Flask interface's SEALED_SESSION_KEYS_RELOAD. A changed
file is swapped in whole; a bad or loosely permissioned one keeps the keys in
force and says why (a log line, ``last_error``); SIGHUP reloads on request;
a request keeps the codec it started with."""

from __future__ import annotations

import logging
import os
import signal
from pathlib import Path

import pytest
from flask import Flask, jsonify, session

import sealed_session as ss
from conftest import KEY1, KEY2, KEYS_1, KEYS_2_THEN_1
from redis_support import wait_for
from sealed_session.flask import SealedSessionInterface

KEYS_2 = f"2 {KEY2.hex()}\n"
NAME = ss.DEFAULT_COOKIE_NAME


def replace(path: Path, text: str, mode: int = 0o600) -> None:
    """Writes a new file beside ``path`` and renames it over it, as
    ``sealed-session rotate`` and secret volumes do."""
    temp = path.with_name(path.name + ".tmp")
    temp.write_text(text)
    os.chmod(temp, mode)
    os.replace(temp, path)


def ids(watcher: ss.KeyFileWatcher) -> list[int]:
    return watcher.current()[1].ids


def test_a_changed_file_is_swapped_in_and_a_bad_one_keeps_the_keys(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="sealed_session")
    path = tmp_path / "keys"
    replace(path, KEYS_1)
    watcher = ss.KeyFileWatcher(path, poll_interval=0.02)
    assert watcher.current()[0] == watcher.generation == 1 and ids(watcher) == [1]
    assert (watcher.reloads, watcher.last_error, watcher.path) == (0, None, path)
    held = watcher.current()[1]

    replace(path, KEYS_2_THEN_1)
    wait_for(lambda: watcher.generation == 2, what="the reload")
    assert ids(watcher) == [2, 1] and watcher.reloads == 1
    # A keyring taken before the swap is whole and unchanged.
    assert held.ids == [1]

    # Not keyring text: kept, why recorded and logged.
    replace(path, "2 not-a-key\n")
    wait_for(lambda: watcher.last_error, what="the bad file to be seen")
    assert watcher.last_error == (
        f"key file {path}, line 1: the key must be 43 base64url characters or 64 hex digits"
    )
    assert ids(watcher) == [2, 1] and watcher.generation == 2
    assert (
        "sealed_session.reload",
        "WARNING",
        f"keeping the current keyring: {watcher.last_error}",
    ) in [(r.name, r.levelname, r.getMessage()) for r in caplog.records]

    # Good text its group may read: kept.
    replace(path, KEYS_2, mode=0o640)
    wait_for(lambda: "0640" in (watcher.last_error or ""), what="the loose file to be seen")
    assert "accessible to its group or others" in watcher.last_error
    assert ids(watcher) == [2, 1]
    with pytest.raises(ss.KeyringError, match="accessible to its group or others"):
        watcher.reload_now()

    # A good file: swapped in, the error cleared.
    replace(path, KEYS_2)
    wait_for(lambda: watcher.generation == 3, what="the reload")
    assert ids(watcher) == [2] and watcher.last_error is None and watcher.reloads == 2
    assert ("sealed_session.reload", "INFO", f"keyring reloaded from {path}") in [
        (r.name, r.levelname, r.getMessage()) for r in caplog.records
    ]


def test_the_first_load_must_succeed(tmp_path):
    with pytest.raises(ss.KeyringError, match="no such file"):
        ss.KeyFileWatcher(tmp_path / "missing")
    loose = tmp_path / "loose"
    replace(loose, KEYS_1, mode=0o644)
    with pytest.raises(ss.KeyringError, match="mode 0644"):
        ss.KeyFileWatcher(loose)
    with pytest.raises(ValueError, match="poll_interval"):
        ss.KeyFileWatcher(loose, poll_interval=-1)


def test_sighup_reloads(tmp_path):
    path = tmp_path / "keys"
    replace(path, KEYS_1)
    watcher = ss.KeyFileWatcher(path, poll_interval=3600, on_sighup=True)
    replace(path, KEYS_2)
    os.kill(os.getpid(), signal.SIGHUP)
    wait_for(lambda: watcher.generation == 2, what="the reload on SIGHUP")
    assert ids(watcher) == [2]


# --- Flask ---------------------------------------------------------------------


def reloading_app(path: Path) -> Flask:
    app = Flask("reload_test")
    app.config.update(
        SEALED_SESSION_KEYS_FILE=str(path),
        SEALED_SESSION_KEYS_RELOAD=True,
        SEALED_SESSION_KEYS_RELOAD_INTERVAL=0.02,
    )
    app.session_interface = SealedSessionInterface()

    @app.post("/login/<user>")
    def login(user):
        session["user_id"] = user
        return "ok"

    @app.get("/me")
    def me():
        if "user_id" not in session:
            return jsonify(error="not logged in"), 401
        return jsonify(user_id=session["user_id"])

    return app


def cookie_of(response) -> str:
    [header] = response.headers.getlist("Set-Cookie")
    return header.split(";", 1)[0]


def sealed_under(cookie: str, key: bytes, key_id: int) -> bool:
    """Whether ``cookie`` opens under that one key alone."""
    try:
        ss.SessionCodec(ss.Keyring(key, key_id)).open(cookie.split("=", 1)[1])
    except ss.SealedSessionError:
        return False
    return True


def test_flask_reloads_the_key_file(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="sealed_session")
    path = tmp_path / "keys"
    replace(path, KEYS_1)
    app = reloading_app(path)
    client = app.test_client(use_cookies=False)
    old = cookie_of(client.post("/login/ann"))
    assert sealed_under(old, KEY1, 1)
    watcher = app.session_interface.key_watcher(app)
    assert watcher is not None

    # Key 2 added in front: new cookies under it, old ones still open.
    replace(path, KEYS_2_THEN_1)
    wait_for(lambda: watcher.generation == 2, what="the reload")
    new = cookie_of(client.post("/login/bob"))
    assert sealed_under(new, KEY2, 2) and not sealed_under(new, KEY1, 1)
    assert client.get("/me", headers={"Cookie": old}).json == {"user_id": "ann"}

    # Key 1 dropped, in a file others may read: refused, the keys in force kept.
    replace(path, KEYS_2, mode=0o644)
    wait_for(lambda: watcher.last_error, what="the loose file to be seen")
    assert client.get("/me", headers={"Cookie": old}).json == {"user_id": "ann"}
    assert any(
        r.name == "sealed_session.reload" and "mode 0644" in r.getMessage() for r in caplog.records
    )

    # The same file made private: loaded, key 1 gone.
    os.chmod(path, 0o600)
    wait_for(lambda: watcher.generation == 3, what="the reload")
    assert client.get("/me", headers={"Cookie": old}).status_code == 401
    assert client.get("/me", headers={"Cookie": new}).json == {"user_id": "bob"}


def test_a_request_keeps_the_codec_it_started_with(tmp_path):
    path = tmp_path / "keys"
    replace(path, KEYS_1)
    app = reloading_app(path)
    interface = app.session_interface
    watcher = interface.key_watcher(app)
    with app.test_request_context("/"):
        from flask import request

        opened = interface.open_session(app, request)
        opened["user_id"] = "ann"
        replace(path, KEYS_2_THEN_1)
        wait_for(lambda: watcher.generation == 2, what="the reload")
        response = app.response_class("ok")
        interface.save_session(app, opened, response)
    # Sealed with the key the request started with.
    assert sealed_under(cookie_of(response), KEY1, 1)
    assert interface.codec(app) is not opened._codec


def test_reloading_needs_a_key_file(tmp_path):
    app = Flask("reload_config")
    app.config.update(SEALED_SESSION_KEYS=KEYS_1, SEALED_SESSION_KEYS_RELOAD=True)
    app.session_interface = SealedSessionInterface()
    with pytest.raises(ss.ConfigurationError) as raised:
        app.session_interface.codec(app)
    assert raised.value.setting == "SEALED_SESSION_KEYS_RELOAD"


def test_flask_reloads_on_sighup_when_asked(tmp_path):
    path = tmp_path / "keys"
    replace(path, KEYS_1)
    app = reloading_app(path)
    app.config.update(SEALED_SESSION_KEYS_RELOAD_INTERVAL=3600, SEALED_SESSION_KEYS_RELOAD_ON_SIGHUP=True)
    client = app.test_client(use_cookies=False)
    assert sealed_under(cookie_of(client.post("/login/ann")), KEY1, 1)
    replace(path, KEYS_2)
    os.kill(os.getpid(), signal.SIGHUP)
    watcher = app.session_interface.key_watcher(app)
    wait_for(lambda: watcher.generation == 2, what="the reload on SIGHUP")
    assert sealed_under(cookie_of(client.post("/login/bob")), KEY2, 2)

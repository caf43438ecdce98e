"""Keyrings from the keyring text format: text, environment, key files."""

from __future__ import annotations

import os

import pytest

import sealed_session as ss
from conftest import KEY1, KEY2, KEYS_2_THEN_1


def test_from_text_primary_first_and_comments():
    keyring = ss.Keyring.from_text("# rotated\n\n" + KEYS_2_THEN_1)
    assert keyring.primary_id == 2
    assert keyring.ids == [2, 1]
    assert repr(keyring) == "Keyring(ids=[2, 1])"


def test_errors_name_the_line_never_the_key():
    secret = KEY2.hex()[:-2]  # 62 hex digits: not a key
    with pytest.raises(ss.KeyringError) as error:
        ss.Keyring.from_text(f"1 {KEY1.hex()}\n2 {secret}\n")
    message = str(error.value)
    assert message.startswith("keyring text: line 2:")
    assert secret not in message and KEY1.hex() not in message
    with pytest.raises(ss.KeyringError, match="line 2"):
        ss.Keyring.from_text(f"1 {KEY1.hex()}\n1 {KEY2.hex()}\n")  # duplicate id
    with pytest.raises(ss.KeyringError):
        ss.Keyring.from_text("")
    with pytest.raises(TypeError):
        ss.Keyring.from_text(KEY1)


def test_from_env(monkeypatch):
    monkeypatch.setenv("SEALED_SESSION_KEYS", KEYS_2_THEN_1)
    assert ss.Keyring.from_env().ids == [2, 1]
    monkeypatch.setenv("MY_KEYS", f"7 {KEY1.hex()}")
    assert ss.Keyring.from_env("MY_KEYS").ids == [7]
    monkeypatch.delenv("NO_SUCH_KEYS", raising=False)
    with pytest.raises(ss.KeyringError, match="^no keys: NO_SUCH_KEYS is not set$"):
        ss.Keyring.from_env("NO_SUCH_KEYS")


def test_from_file_refuses_a_file_others_can_read(tmp_path):
    path = tmp_path / "keys"
    path.write_text(KEYS_2_THEN_1)
    os.chmod(path, 0o644)
    with pytest.raises(ss.KeyringError) as error:
        ss.Keyring.from_file(path)
    assert "mode 0644" in str(error.value) and "chmod 600" in str(error.value)
    assert ss.Keyring.from_file(path, any_permissions=True).ids == [2, 1]
    os.chmod(path, 0o600)
    assert ss.Keyring.from_file(str(path)).ids == [2, 1]
    with pytest.raises(ss.KeyringError, match="no such file"):
        ss.Keyring.from_file(tmp_path / "missing")


def test_generated_keys_are_fresh_keyring_text():
    first = ss.generate_keyring_text()
    second = ss.generate_keyring_text(key_id=4)
    assert first.startswith("1 ") and first.endswith("\n") and len(first) == 2 + 43 + 1
    assert second.startswith("4 ")
    assert first[2:] != second[2:]
    assert ss.Keyring.from_text(first + second.replace("4 ", "5 ")).ids == [1, 5]

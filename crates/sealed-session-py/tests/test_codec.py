"""The bytes codec: envelope v1 over bytes, with a context."""

from __future__ import annotations

import base64
import json

import pytest

import sealed_session as ss
from conftest import DATA, KEY1, KEY2, KEYS_1, KEYS_2_THEN_1, T0


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def codec(keys: str = KEYS_1, **options) -> ss.Codec:
    return ss.Codec(ss.Keyring.from_text(keys), **options)


def test_seal_and_open_round_trip_bound_to_the_context():
    c = codec()
    value = c.seal(b"\x00secret\xff", b"session")
    assert isinstance(value, str)
    assert value.startswith("AQAB")  # version 1, no flags, key id 1
    assert c.open(value, b"session") == b"\x00secret\xff"
    with pytest.raises(ss.NotAuthenticError) as error:
        c.open(value, b"other")
    assert str(error.value) == "not authentic"
    assert c.open(c.seal(b"x"), b"") == b"x"  # the default context is empty
    assert c.open(c.seal(bytearray(b"ba"), bytearray(b"ctx")), b"ctx") == b"ba"


def test_the_golden_vectors_of_the_format_open():
    """The v1 vectors every implementation of FORMAT.md opens, and the
    negative ones it rejects with exactly the error FORMAT.md §11 names."""
    errors = {
        "malformed": ss.MalformedError,
        "unknown version": ss.UnknownVersionError,
        "too large": ss.TooLargeError,
    }
    vectors = json.loads((DATA / "v1-vectors.json").read_text())
    positive = [v for v in vectors if "error" not in v]
    negative = [v for v in vectors if "error" in v]
    assert (len(positive), len(negative)) == (8, 5)
    for vector in vectors:
        lines = "".join(f"{k['id']} {k['key_hex']}\n" for k in vector["keys"])
        clock = ss.ManualClock(vector["issued_at"])
        bound = vector.get("max_plaintext_len", 65536)
        c = ss.Codec(ss.Keyring.from_text(lines), clock=clock, max_text_len=1 << 20, max_plaintext_len=bound)
        context = vector["context"].encode()
        if "error" in vector:
            with pytest.raises(errors[vector["error"]]):
                c.open(vector["cookie"], context)
        else:
            assert c.open(vector["cookie"], context) == bytes.fromhex(vector["plaintext_hex"]), vector["name"]


def test_every_changed_character_is_rejected_without_saying_which_check():
    c = codec()
    value = c.seal(b'{"user":42}', b"session")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    reasons = set()
    for index in range(len(value)):
        replacement = "A" if value[index] != "A" else "B"
        changed = value[:index] + replacement + value[index + 1 :]
        with pytest.raises(ss.SealedSessionError) as error:
            c.open(changed, b"session")
        reasons.add(type(error.value).__name__)
    assert reasons <= {"NotAuthenticError", "UnknownVersionError", "UnknownKeyIdError", "MalformedError"}
    assert "NotAuthenticError" in reasons
    assert set(alphabet) >= set(value)


def test_expiry_and_clock_skew_with_a_manual_clock():
    clock = ss.ManualClock(T0)
    c = codec(max_age=3600, clock=clock)
    value = c.seal(b"data")
    clock.advance(3600)
    assert c.open(value) == b"data"  # exactly max_age old: still valid
    clock.advance(1)
    with pytest.raises(ss.ExpiredError):
        c.open(value)
    clock.set(T0 - 60)
    assert c.open(value) == b"data"  # within the default 60 s of skew
    clock.set(T0 - 61)
    with pytest.raises(ss.IssuedInFutureError):
        c.open(value)


def test_rotation_old_keys_open_and_new_ones_seal():
    old = codec(KEYS_1)
    new = codec(KEYS_2_THEN_1)
    value = old.seal(b"before rotation")
    assert new.open(value) == b"before rotation"
    sealed_new = new.seal(b"after")
    assert b64url_decode(sealed_new)[2] == 2  # the key id byte
    with pytest.raises(ss.UnknownKeyIdError):
        old.open(sealed_new)
    retired = codec(f"3 {KEY2.hex()}\n")
    with pytest.raises(ss.UnknownKeyIdError):
        retired.open(value)


def test_an_unknown_version_is_its_own_reason():
    value = codec().seal(b"x")
    raw = bytearray(b64url_decode(value))
    raw[0] = 2
    changed = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    with pytest.raises(ss.UnknownVersionError):
        codec().open(changed)


def test_huge_inputs_are_refused_quickly_by_size():
    c = codec()
    with pytest.raises(ss.TooLargeError):
        c.seal(b"x" * (64 * 1024 + 1))
    with pytest.raises(ss.TooLargeError):
        c.seal(b"x" * 4000)  # the cookie text would pass 4096 characters
    with pytest.raises(ss.TooLargeError):
        c.open("A" * 100_000_000)
    with pytest.raises(ss.TooLargeError):
        c.seal(b"\x00" * 300_000_000)
    big = codec(max_text_len=1 << 20)
    assert big.open(big.seal(b"y" * 60_000)) == b"y" * 60_000


def test_values_that_are_not_utf8_are_malformed():
    c = codec()
    with pytest.raises(ss.MalformedError):
        c.open(b"\xff\xfe")
    with pytest.raises(ss.MalformedError):
        c.open("AQAB\ud800")
    with pytest.raises(ss.MalformedError):
        c.open("")
    with pytest.raises(ss.MalformedError):
        c.open("ünïcödé")
    assert c.open(c.seal(b"z").encode()) == b"z"  # a value as bytes


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.seal("text"), "data must be bytes, not str (encode text first, for example with .encode())"),
        (lambda c: c.seal(None), "data must be bytes, not NoneType"),
        (lambda c: c.seal(b"x", "ctx"), "context must be bytes, not str (encode text first, for example with .encode())"),
        (lambda c: c.open(42), "value must be str or bytes, not int"),
        (lambda c: c.open(["AQAB"]), "value must be str or bytes, not list"),
        (lambda c: c.open("AQAB", 7), "context must be bytes, not int"),
    ],
)
def test_wrong_types_say_what_was_expected(call, message):
    with pytest.raises(TypeError) as error:
        call(codec())
    assert str(error.value) == message


def test_options_are_checked():
    keyring = ss.Keyring.from_text(KEYS_1)
    with pytest.raises(ValueError, match="max_age: must not be negative"):
        ss.Codec(keyring, max_age=-1)
    with pytest.raises(TypeError, match=r"max_age: expected an int of seconds or a datetime.timedelta, not str"):
        ss.Codec(keyring, max_age="1h")
    with pytest.raises(TypeError, match="not bool"):
        ss.Codec(keyring, max_age=True)
    with pytest.raises(TypeError):
        ss.Codec("1 key")
    assert "max_age=Some(60)" in repr(ss.Codec(keyring, max_age=60))


def test_a_key_of_the_wrong_size_is_refused():
    with pytest.raises(ss.KeyringError, match="key: expected 32 bytes, got 31"):
        ss.Keyring(KEY1[:31])
    with pytest.raises(ss.KeyringError, match="expected 64 hex digits or 43 characters of base64url"):
        ss.Keyring("not a key")
    assert ss.Keyring(KEY1.hex(), key_id=9).ids == [9]


def test_an_idle_timeout_by_default_and_no_expiry_only_when_asked():
    """Issue 18, item 7: a cookie of the raw codec expires unless the caller
    asks, explicitly, for none (the default is the session codec's idle
    timeout, taken from the Rust crate)."""
    clock = ss.ManualClock(T0)
    c = codec(clock=clock)
    assert c.max_age == ss.DEFAULT_IDLE_TIMEOUT == 24 * 3600
    value = c.seal(b"x", b"ctx")
    clock.advance(24 * 3600)
    assert c.open(value, b"ctx") == b"x"
    clock.advance(1)
    with pytest.raises(ss.ExpiredError):
        c.open(value, b"ctx")
    forever = codec(clock=clock, max_age=None)
    assert forever.max_age is None and "max_age=None" in repr(forever)
    assert forever.open(value, b"ctx") == b"x"
    assert codec(max_age=60).max_age == 60

"""One exception class per reason, one opaque "not authentic", and a Rust
panic that reaches Python as an exception."""

from __future__ import annotations

import subprocess
import sys

import pytest

import sealed_session as ss
from sealed_session import _sealed_session, errors

REASONS = {
    "MalformedError": "malformed",
    "UnknownVersionError": "unknown version",
    "UnknownKeyIdError": "unknown key id",
    "NotAuthenticError": "not authentic",
    "ExpiredError": "expired",
    "IssuedInFutureError": "issued in the future",
    "TooLargeError": "too large",
    "LifetimeExceededError": "session lifetime exceeded",
    "LegacyNoLongerAcceptedError": "legacy cookie no longer accepted",
    "AmbiguousSessionError": "several authentic session cookies disagree",
    "RevokedError": "session revoked",
    "RevocationUnavailableError": "revocation list unavailable",
    "InvalidSessionError": "authentic plaintext is not a session",
    "InvalidJsonError": "session is not a JSON object",
    "TooDeepError": "session nests too deep",
    "InvalidBytesError": "malformed tagged bytes",
    "CookieTooLargeError": "cookie too large",
    "ContextTooLongError": "context too long",
    "RandomError": "OS random number generator failed",
    "KeyringError": "invalid keyring",
    "ConfigurationError": "invalid configuration",
    "RevocationNotSharedError": "revocation not shared",
}


def test_one_base_class_and_a_subclass_per_reason():
    assert sorted(errors.__all__) == sorted(["SealedSessionError", *REASONS])
    for name, reason in REASONS.items():
        cls = getattr(ss, name)
        assert issubclass(cls, ss.SealedSessionError), name
        assert cls.reason == reason, name
        assert str(cls()) == reason
    for name in ("InvalidJsonError", "TooDeepError", "InvalidBytesError"):
        assert issubclass(getattr(ss, name), ss.InvalidSessionError)
    assert issubclass(ss.NotAuthenticError, ValueError)
    error = ss.ConfigurationError("bad", setting="domain")
    assert error.setting == "domain" and str(error) == "bad"


def test_not_authentic_says_the_same_for_every_cause():
    keyring = ss.Keyring.from_text(f"1 {'00' * 32}\n")
    other = ss.Keyring.from_text(f"1 {'11' * 32}\n")
    value = ss.Codec(keyring).seal(b"x", b"a")
    causes = [
        lambda: ss.Codec(other).open(value, b"a"),  # wrong key
        lambda: ss.Codec(keyring).open(value, b"b"),  # wrong context
        lambda: ss.Codec(keyring).open(value[:-2] + ("AA" if value[-2:] != "AA" else "BA"), b"a"),  # tag
    ]
    seen = set()
    for cause in causes:
        with pytest.raises(ss.NotAuthenticError) as error:
            cause()
        seen.add((type(error.value), str(error.value), error.value.args))
    assert seen == {(ss.NotAuthenticError, "not authentic", ("not authentic",))}


def test_a_rust_panic_becomes_a_python_exception():
    if not _sealed_session.DEBUG_BUILD:
        # Release wheels carry no test hook at all.
        assert not hasattr(_sealed_session, "_panic_for_tests")
        return
    with pytest.raises(BaseException) as error:
        _sealed_session._panic_for_tests("boom from the test")
    assert type(error.value).__name__ == "PanicException"
    assert "boom from the test" in str(error.value)
    # The interpreter goes on, and so does the module.
    keyring = ss.Keyring.from_text(f"1 {'00' * 32}\n")
    assert ss.Codec(keyring).open(ss.Codec(keyring).seal(b"ok")) == b"ok"


def test_a_panic_does_not_kill_the_interpreter_process():
    """In a fresh interpreter: the panic is caught, the process exits 0."""
    if not _sealed_session.DEBUG_BUILD:
        return
    code = (
        "from sealed_session import _sealed_session as m\n"
        "try:\n    m._panic_for_tests('x')\nexcept BaseException as e:\n    print(type(e).__name__)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "PanicException"

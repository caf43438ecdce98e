"""Ground truth: Flask 3.1's default session cookies, made by the real
Flask and itsdangerous (tests/python/flask_cookies.py, recorded in
tests/data/flask_cookies.json and re-run live), read through this package's
migration path (Legacy.flask_signed in a SessionCodec) at the same frozen
clock. Every cookie Flask opens opens here to the same session, and every
cookie Flask refuses is refused, except the deviations listed below, each
stricter than Flask."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys

import pytest
from flask import Flask
from flask.sessions import session_json_serializer

import sealed_session as ss
from conftest import DATA, KEYS_1, PYTHON_HELPERS

OK = "ok"
NOT_JSON = "session is not a JSON object"
NON_CANONICAL = "a second spelling of a real cookie: Python's base64 decoder is lenient"

# name -> (Flask's verdict, this package's, why they differ or None).
# Flask's verdicts: "accepts", "rejects" (a new, empty session), "raises"
# (Flask answers 500). A rejection here is a new, empty session whose
# `rejected` says why, and a deletion of the cookie when saved.
CASES = {
    "plain": ("accepts", OK, None),
    "permanent": ("accepts", OK, None),
    "unicode": ("accepts", OK, None),
    "tag_bytes": ("accepts", OK, None),
    "tag_tuple": ("accepts", OK, None),
    "tag_uuid": ("accepts", OK, None),
    "tag_datetime": ("accepts", OK, None),
    "tag_markup": ("accepts", OK, None),
    "tag_nested": ("accepts", OK, None),
    "tag_di": ("accepts", OK, None),
    "tag_all": ("accepts", OK, None),
    "numbers": ("accepts", OK, None),
    "nan": ("accepts", NOT_JSON, "Flask writes NaN and Infinity into its JSON; a session here cannot hold them"),
    "compressed": ("accepts", OK, None),
    "oversize": ("accepts", "too large", "over 4096 bytes: werkzeug only warns, browsers drop the cookie"),
    "bytes_secret_key": ("accepts", OK, None),
    "unicode_secret_key": ("accepts", OK, None),
    "current_key_with_fallbacks": ("accepts", OK, None),
    "fallback_last": ("accepts", OK, None),
    "fallback_first": ("accepts", OK, None),
    "unconfigured_key": ("rejects", "not authentic", None),
    "wrong_key": ("rejects", "not authentic", None),
    "empty_fallback_forgery": ("accepts", "config", "an empty fallback key lets anyone sign: refused at start-up"),
    "same_second": ("accepts", OK, None),
    "at_max_age": ("accepts", OK, None),
    "expired_by_one": ("rejects", "expired", None),
    "permanent_expired_by_one": ("rejects", "expired", None),
    "future_by_one": ("rejects", "issued in the future", None),
    "far_future": ("rejects", "issued in the future", None),
    "future_past_year_9999": ("raises", "issued in the future", None),
    "lifetime_hour_at_limit": ("accepts", OK, None),
    "lifetime_hour_expired": ("rejects", "expired", None),
    "lifetime_zero_same_second": ("accepts", OK, None),
    "lifetime_zero_next_second": ("rejects", "expired", None),
    "timestamp_zero": ("accepts", OK, None),
    "tampered_payload": ("rejects", "not authentic", None),
    "tampered_timestamp": ("rejects", "not authentic", None),
    "tampered_signature": ("rejects", "not authentic", None),
    "signature_unused_bits_set": ("accepts", "not authentic", NON_CANONICAL),
    "signature_trailing_text": ("accepts", "malformed", NON_CANONICAL),
    "signature_truncated": ("rejects", "malformed", None),
    "signature_dropped": ("rejects", "malformed", None),
    "timestamp_dropped": ("rejects", "malformed", None),
    "extra_segment": ("rejects", "not authentic", None),
    "signature_standard_alphabet": ("accepts", "malformed", NON_CANONICAL),
    "compression_flag_removed": ("rejects", "not authentic", None),
    "compression_flag_added": ("rejects", "not authentic", None),
    "signed_bomb_1mib": ("accepts", "too large", "Flask inflates without a bound"),
    "signed_inflates_to_64kib": ("accepts", OK, None),
    "signed_inflates_past_64kib": ("accepts", "too large", "one byte over the JSON bound"),
    "signed_not_zlib": ("raises", "malformed", None),
    "signed_truncated_zlib": ("raises", "malformed", None),
    "signed_zlib_trailing_bytes": ("accepts", "malformed", "zlib.decompress ignores bytes after the stream"),
    "signed_zlib_bad_checksum": ("raises", "malformed", None),
    "signed_empty_zlib_payload": ("raises", "malformed", None),
    "signed_empty_payload": ("raises", NOT_JSON, None),
    "signed_not_json": ("raises", NOT_JSON, None),
    "signed_not_utf8": ("raises", NOT_JSON, None),
    "signed_json_array": ("raises", NOT_JSON, None),
    "signed_json_object_empty": ("accepts", OK, None),
    "signed_expired_not_json": ("rejects", "expired", None),
    "signed_payload_padded": ("accepts", "malformed", NON_CANONICAL),
    "signed_payload_standard_alphabet": ("accepts", "malformed", NON_CANONICAL),
    "signed_payload_inner_dot": ("accepts", "malformed", NON_CANONICAL),
    "signed_timestamp_leading_zero": ("accepts", OK, None),
    "signed_timestamp_eight_bytes": ("accepts", OK, None),
    "signed_timestamp_nine_bytes": ("rejects", "malformed", None),
    "signed_timestamp_padded": ("accepts", "malformed", NON_CANONICAL),
    "signed_timestamp_not_base64": ("rejects", "malformed", None),
    "signed_without_timestamp": ("rejects", "malformed", None),
}


def flask_verdict(record):
    loads, opened = record["loads"], record["open_session"]
    if loads["ok"]:
        return "raises" if "exception" in opened else "accepts"
    if "error" in loads:
        assert opened["session"]["text"] == "{}", "a rejected cookie opens a new session in Flask"
        return "rejects"
    return "raises"


def flask_session(record):
    """The session Flask's open_session gave, decoded by Flask itself."""
    opened = record["open_session"]["session"]
    if "text" not in opened:
        return None
    with Flask("ground_truth").app_context():
        return session_json_serializer.loads(opened["text"])


def retagged(data):
    """Our session re-encoded by Flask's own serializer (for the sessions
    recorded as length and hash)."""
    with Flask("ground_truth").app_context():
        text = session_json_serializer.dumps(data).encode()
    return {"len": len(text), "sha1": hashlib.sha1(text).hexdigest()}


# Sessions Flask compressed that an envelope v1 cookie holds only
# compressed too (`compress_above`, with its length side channel).
FIT_ONLY_COMPRESSED = {"compressed"}
# A payload Flask never writes (64 KiB of JSON in a zlib bomb): it opens as
# Flask opens it, but with the session's metadata it is over the 64 KiB
# plaintext bound, so it cannot be sealed again.
TOO_LARGE_TO_SEAL = {"signed_inflates_to_64kib"}


def codec_for(record, **options):
    key = lambda text: base64.b64decode(text)  # noqa: E731 - recorded as base64
    now = record["now"]
    legacy = ss.Legacy.flask_signed(
        key(record["secret_key"]),
        fallbacks=[key(k) for k in record["fallbacks"]],
        max_age=record["max_age"],
        since=now - 10,
        until=now + 86_400,
    )
    return ss.SessionCodec(ss.Keyring.from_text(KEYS_1), legacy=[legacy], clock=ss.ManualClock(now), **options)


def outcome(record):
    """What this package does with the recorded cookie: (verdict, session)."""
    try:
        codec = codec_for(record)
    except ss.ConfigurationError as error:
        assert error.setting == "legacy"
        return "config", None
    session = codec.load(f"theme=dark; session={record['value']}")
    if session.rejected is not None:
        assert len(session) == 0
        saved = codec.save(session)
        # The bad Flask cookie is deleted; no session cookie is set.
        assert saved.session_cookie is None
        assert saved.legacy_cookie == "session=; Path=/; Secure; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
        return session.rejected.reason, None
    # Migrated: created at the migration's start, answered with a v1 cookie.
    assert session.reseal_advised and session.created_at == record["now"] - 10
    if record["name"] in TOO_LARGE_TO_SEAL:
        with pytest.raises(ss.TooLargeError):
            codec.save(session)
        return OK, session.to_dict()
    try:
        saved = codec.save(session)
    except ss.CookieTooLargeError:
        # Flask compressed these; uncompressed they do not fit in a cookie.
        assert record["name"] in FIT_ONLY_COMPRESSED, record["name"]
        codec = codec_for(record, compress_above=1024)
        session = codec.load(f"session={record['value']}")
        saved = codec.save(session)
    assert saved.legacy_cookie.startswith("session=; Path=/;")
    if len(session) == 0:
        # An empty Flask session: nothing to keep, only the old cookie to delete.
        assert saved.session_cookie is None
        return OK, session.to_dict()
    assert saved.session_cookie.startswith("__Host-session=AQ")  # envelope v1
    again = codec.load(saved.session_cookie.split(";")[0])
    assert again.rejected is None and again.to_dict() == session.to_dict()
    return OK, session.to_dict()


def check(document):
    assert document["flask"].startswith("3.1.") and document["itsdangerous"].startswith("2.2.")
    records = document["cases"]
    assert [r["name"] for r in records] == list(CASES)
    agreed = differed = 0
    for record in records:
        name = record["name"]
        flask_expected, ours_expected, deviation = CASES[name]
        assert flask_verdict(record) == flask_expected, f"{name}: Flask's verdict"
        ours, data = outcome(record)
        assert ours == ours_expected, f"{name}: this package's verdict"
        if ours == OK and flask_expected == "accepts":
            expected = flask_session(record)
            if expected is not None:
                assert data == expected, f"{name}: the session Flask opened"
            else:
                assert retagged(data) == {k: record["open_session"]["session"][k] for k in ("len", "sha1")}
        opened_here, opened_by_flask = ours == OK, flask_expected == "accepts"
        if deviation is None:
            assert opened_here == opened_by_flask, f"{name}: acceptance"
            agreed += 1
        else:
            assert opened_here != opened_by_flask, f"{name}: declared deviation ({deviation})"
            assert not opened_here, f"{name}: deviations are only ever stricter"
            differed += 1
    return agreed, differed


def test_recorded_flask_cookies():
    document = json.loads((DATA / "flask_cookies.json").read_text())
    agreed, differed = check(document)
    assert (agreed, differed) == (57, 13)


def test_live_flask_cookies():
    """The same cases made again by this machine's Flask, never skipped."""
    result = subprocess.run(
        [sys.executable, str(PYTHON_HELPERS / "flask_cookies.py")],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    live = json.loads(result.stdout)
    assert check(live) == (57, 13)
    recorded = json.loads((DATA / "flask_cookies.json").read_text())
    assert [flask_verdict(r) for r in live["cases"]] == [flask_verdict(r) for r in recorded["cases"]]


@pytest.mark.parametrize("fallbacks", ["old-key", b"old-key"])
def test_a_single_string_of_fallbacks_is_refused(fallbacks):
    with pytest.raises(TypeError, match="each character of it as a key"):
        ss.Legacy.flask_signed("new-key", fallbacks=fallbacks, since=1, until=2)

"""Ground truth for the Rust verifier of Flask's default session cookie.

Every cookie here is made by the real thing: a Flask 3.1 app, through its
test client, read back from the ``Set-Cookie`` header; or, for shapes Flask
never writes itself (bombs, odd encodings), signed by the very itsdangerous
signer Flask builds (``get_signing_serializer(app).make_signer()``). Nothing
is re-implemented here.

Every verdict is what Flask and itsdangerous do with the cookie at a frozen
clock (``time.time`` is patched, so itsdangerous's ``int(time.time())`` is the
case's ``now``):

- ``loads``: ``SecureCookieSessionInterface().get_signing_serializer(app)
  .loads(value, max_age=...)`` with ``max_age`` computed as ``open_session``
  computes it, and the session re-encoded by Flask's own tagged-JSON
  serializer when accepted;
- ``raw``: the bytes itsdangerous hands to Flask's JSON serializer (the same
  serializer with only the last step, the JSON decoder, swapped for one that
  returns its input);
- ``open_session``: ``app.session_interface.open_session(app, request)`` in a
  request carrying the cookie.

Prints one JSON document on stdout:

    python tests/python/flask_cookies.py > tests/data/flask_cookies.json
"""

import base64
import datetime
import hashlib
import importlib.metadata
import json
import sys
import time
import uuid
import warnings
import zlib

import flask
from flask import Flask, session
from flask.sessions import session_json_serializer
from itsdangerous import BadSignature, Signer
from itsdangerous.encoding import base64_decode, base64_encode, int_to_bytes
from markupsafe import Markup
from werkzeug.http import parse_cookie

FLASK = importlib.metadata.version("flask")
ITSDANGEROUS = importlib.metadata.version("itsdangerous")
if not FLASK.startswith("3.1.") or not ITSDANGEROUS.startswith("2.2."):
    sys.exit(f"need flask 3.1 and itsdangerous 2.2, found {FLASK} and {ITSDANGEROUS}")

# The signing time of most cases, and Flask's default PERMANENT_SESSION_LIFETIME.
T0 = 1_700_000_000
DEFAULT_MAX_AGE = 31 * 24 * 3600
SECRET = "flask-secret-key"

_clock = [float(T0)]
time.time = lambda: _clock[0]  # itsdangerous: get_timestamp() is int(time.time())


# --- Sessions the app writes -------------------------------------------------

UTC = datetime.timezone.utc


def noise_hex(n):
    """Deterministic hex text that zlib cannot shrink much."""
    out, block = [], b"seed"
    while sum(map(len, out)) < n:
        block = hashlib.sha256(block).digest()
        out.append(block.hex())
    return "".join(out)[:n]


def set_plain(s):
    s["user_id"] = 42
    s["name"] = "alice"


def set_permanent(s):
    s.permanent = True
    s["user_id"] = 7


def set_unicode(s):
    s["greeting"] = "h\u00e9llo w\u00f6rld \u2603 \U0001f389"
    s["\u043a\u043b\u044e\u0447"] = "\u0437\u043d\u0430\u0447\u0435\u043d\u0438\u0435"


def set_tag_bytes(s):
    s["blob"] = b"\x00\x01\xfebinary\xff"


def set_tag_tuple(s):
    s["pair"] = (1, "two", 3.5)


def set_tag_uuid(s):
    s["id"] = uuid.UUID("12345678-1234-5678-1234-567812345678")


def set_tag_datetime(s):
    s["seen"] = datetime.datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)


def set_tag_markup(s):
    s["html"] = Markup("<b>bold</b> &amp; safe")


def set_tag_nested(s):
    s["nested"] = {"a": {"b": {"c": [1, (2, b"3"), {"d": None}]}}}


def set_tag_di(s):
    # One-key dicts whose key is a tag name are escaped with " di".
    s["looks_like_tuple"] = {" t": "not a tuple"}
    s["looks_like_di"] = {" di": 1}


def set_tag_all(s):
    s.permanent = True
    s["bytes"] = b"\xde\xad\xbe\xef"
    s["tuple"] = ("x", (1, 2), [b"y"])
    s["uuid"] = uuid.UUID(int=1)
    s["when"] = datetime.datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC)
    s["markup"] = Markup("<i>hi</i>")
    s["dict"] = {"inner": {" b": "escaped"}, "list": [b"", ()]}


def set_numbers(s):
    s["big"] = 2**70
    s["negative_big"] = -(2**65)
    s["float"] = 1.5e300
    s["small"] = 5e-324
    s["minus_zero"] = -0.0
    s["flags"] = [True, False, None]


def set_nan(s):
    s["nan"] = float("nan")
    s["inf"] = float("inf")


def set_compressed(s):
    s["items"] = [f"item-{i}" for i in range(300)]


def set_oversize(s):
    s["noise"] = noise_hex(7000)


SETTERS = {
    f.__name__[len("set_") :]: f
    for f in [
        set_plain,
        set_permanent,
        set_unicode,
        set_tag_bytes,
        set_tag_tuple,
        set_tag_uuid,
        set_tag_datetime,
        set_tag_markup,
        set_tag_nested,
        set_tag_di,
        set_tag_all,
        set_numbers,
        set_nan,
        set_compressed,
        set_oversize,
    ]
}


def make_app(secret=SECRET, fallbacks=(), lifetime=None):
    app = Flask("flask_cookies")
    app.config["SECRET_KEY"] = secret
    app.config["SECRET_KEY_FALLBACKS"] = list(fallbacks)
    if lifetime is not None:
        app.config["PERMANENT_SESSION_LIFETIME"] = datetime.timedelta(seconds=lifetime)

    @app.route("/set/<name>")
    def set_session(name):
        SETTERS[name](session)
        return "ok"

    return app


def flask_cookie(app, setter, at):
    """The `session` cookie value Flask's test client receives at time `at`."""
    _clock[0] = float(at)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        response = app.test_client().get(f"/set/{setter}")
    assert response.status_code == 200, response.status
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    assert len(headers) == 1, headers
    value = headers[0].split(";", 1)[0][len("session=") :]
    assert value and not value.startswith('"'), value
    return value, [str(w.message) for w in caught]


def flask_signer(app):
    """The TimestampSigner Flask's serializer builds (its keys, salt, hmac, sha1)."""
    return app.session_interface.get_signing_serializer(app).make_signer()


def itsdangerous_cookie(app, payload, at):
    """`payload` (already encoded) signed at `at` by Flask's own signer."""
    _clock[0] = float(at)
    return flask_signer(app).sign(payload).decode("ascii")


def signed_with_timestamp_text(app, payload, timestamp):
    """`payload.timestamp` signed by Flask's key derivation, any timestamp text."""
    s = flask_signer(app)
    plain = Signer(s.secret_keys, salt=s.salt, key_derivation=s.key_derivation, digest_method=s.digest_method)
    return plain.sign(payload + b"." + timestamp).decode("ascii")


def b64(data):
    return base64_encode(data)


def zlib_payload(data):
    return b"." + b64(zlib.compress(data))


# --- What Flask does with a cookie -------------------------------------------


class RawBytes:
    """Stands in for Flask's JSON serializer: returns what it is handed."""

    @staticmethod
    def dumps(obj):
        return b""

    @staticmethod
    def loads(data):
        return data


def retagged(app, data):
    """The session as Flask's own tagged-JSON serializer writes it: the text
    when short, its length and SHA-1 when long (the bombs)."""
    with app.app_context():
        text = session_json_serializer.dumps(data).encode("utf-8")
    if len(text) <= 8192:
        return {"text": text.decode("utf-8")}
    return {"len": len(text), "sha1": hashlib.sha1(text).hexdigest()}


def verdict(app, value, now):
    _clock[0] = float(now)
    iface = app.session_interface
    max_age = int(app.permanent_session_lifetime.total_seconds())
    out = {"now": now, "max_age": max_age}

    try:
        data, signed = iface.get_signing_serializer(app).loads(value, max_age=max_age, return_timestamp=True)
        out["loads"] = {"ok": True, "signed_at": int(signed.timestamp()), "session": retagged(app, data)}
    except BadSignature as e:
        out["loads"] = {"ok": False, "error": type(e).__name__, "message": str(e)[:300]}
    except Exception as e:  # not a rejection: Flask's request fails with it
        out["loads"] = {"ok": False, "exception": type(e).__name__, "message": str(e)[:300]}

    raw_serializer = iface.get_signing_serializer(app)
    raw_serializer.serializer = RawBytes
    raw_serializer.is_text_serializer = False
    try:
        raw = raw_serializer.loads(value, max_age=max_age)
        out["raw"] = {
            "len": len(raw),
            "sha1": hashlib.sha1(raw).hexdigest(),
            "bytes": base64.b64encode(raw).decode("ascii") if len(raw) <= 8192 else None,
        }
    except Exception:
        out["raw"] = None

    out["cookie_header_intact"] = parse_cookie(f"session={value}").get("session") == value
    # Pushing a request context is where Flask calls open_session.
    context = app.test_request_context("/", headers={"Cookie": f"session={value}"})
    try:
        context.push()
    except Exception as e:  # Flask answers 500
        out["open_session"] = {"exception": type(e).__name__}
    else:
        try:
            opened = dict(flask.session)
            out["open_session"] = {"session": retagged(app, opened)}
        finally:
            context.pop()
    return out


def key_text(key):
    """Keys as the bytes Flask signs with (str keys are UTF-8), in base64."""
    return base64.b64encode(key.encode("utf-8") if isinstance(key, str) else key).decode("ascii")


CASES = []


def case(name, value, app, now, how, note="", warnings_=()):
    record = {
        "name": name,
        "how": how,
        "note": note,
        "secret_key": key_text(app.config["SECRET_KEY"]),
        "fallbacks": [key_text(k) for k in app.config["SECRET_KEY_FALLBACKS"]],
        "value": value,
        "value_len": len(value),
    }
    if warnings_:
        record["werkzeug_warnings"] = [w[:120] for w in warnings_]
    record.update(verdict(app, value, now))
    CASES.append(record)


def flask_case(name, setter, *, sign_app=None, verify_app=None, at=T0, now=T0 + 60, note=""):
    sign_app = sign_app or make_app()
    verify_app = verify_app or sign_app
    value, warned = flask_cookie(sign_app, setter, at)
    case(name, value, verify_app, now, "flask", note, warned)
    return value


def crafted_case(name, value, app, now=T0 + 60, note=""):
    case(name, value, app, now, "itsdangerous", note)


def replace_at(text, index, char):
    assert text[index] != char
    return text[:index] + char + text[index + 1 :]


# --- The cases ---------------------------------------------------------------


def main():
    app = make_app()

    # Sessions Flask writes, read back one minute later.
    for setter in SETTERS:
        if setter not in ("compressed", "oversize"):
            flask_case(setter, setter)
    compressed = flask_case("compressed", "compressed", note="Flask zlib-compressed it: the value starts with '.'")
    assert compressed.startswith("."), compressed[:20]
    oversize = flask_case("oversize", "oversize", note="over 4096 bytes: werkzeug warns, sets it anyway")
    assert len(oversize) > 4096, len(oversize)

    # Keys.
    raw_key = bytes(range(32)) + b"\xff\xfe"
    flask_case("bytes_secret_key", "plain", sign_app=make_app(secret=raw_key), note="SECRET_KEY as bytes, not UTF-8")
    flask_case("unicode_secret_key", "plain", sign_app=make_app(secret="cl\u00e9-secr\u00e8te-\u2603"), note="str SECRET_KEY: UTF-8")
    rotated = make_app(secret="new-key", fallbacks=["oldest-key", "old-key"])
    flask_case("current_key_with_fallbacks", "plain", sign_app=rotated)
    flask_case(
        "fallback_last",
        "plain",
        sign_app=make_app(secret="old-key"),
        verify_app=rotated,
        note="signed under the key now last in SECRET_KEY_FALLBACKS (also what Flask 3.1.0 signed with)",
    )
    flask_case("fallback_first", "plain", sign_app=make_app(secret="oldest-key"), verify_app=rotated)
    flask_case("unconfigured_key", "plain", sign_app=make_app(secret="retired-key"), verify_app=rotated)
    flask_case("wrong_key", "plain", verify_app=make_app(secret="another-secret"))
    # Signed by the empty key alone, as anyone can.
    empty = Signer([b""], salt=b"cookie-session", key_derivation="hmac", digest_method=hashlib.sha1)
    ts = b64(int_to_bytes(T0))
    forged = empty.sign(b64(b'{"admin":true}') + b"." + ts).decode("ascii")
    crafted_case(
        "empty_fallback_forgery",
        forged,
        make_app(secret="real-secret", fallbacks=[""]),
        note="SECRET_KEY_FALLBACKS contains '': anyone can sign with the empty key",
    )

    # Time. Flask applies PERMANENT_SESSION_LIFETIME to every session, permanent or not.
    flask_case("same_second", "plain", now=T0)
    flask_case("at_max_age", "plain", now=T0 + DEFAULT_MAX_AGE, note="age == max_age")
    flask_case("expired_by_one", "plain", now=T0 + DEFAULT_MAX_AGE + 1, note="not permanent, still expires")
    flask_case("permanent_expired_by_one", "permanent", now=T0 + DEFAULT_MAX_AGE + 1)
    flask_case("future_by_one", "plain", now=T0 - 1)
    flask_case("far_future", "plain", at=2**35, now=T0, note="5-byte timestamp")
    flask_case(
        "future_past_year_9999",
        "plain",
        at=2**40,
        now=T0,
        note="itsdangerous raises ValueError building the expiry error's datetime",
    )
    hour = make_app(lifetime=3600)
    flask_case("lifetime_hour_at_limit", "plain", sign_app=hour, now=T0 + 3600)
    flask_case("lifetime_hour_expired", "plain", sign_app=hour, now=T0 + 3601)
    zero = make_app(lifetime=0)
    flask_case("lifetime_zero_same_second", "plain", sign_app=zero, now=T0)
    flask_case("lifetime_zero_next_second", "plain", sign_app=zero, now=T0 + 1)
    stamped_zero = flask_case("timestamp_zero", "plain", at=0.5, now=100, note="int_to_bytes(0) is empty")
    assert ".." in stamped_zero, stamped_zero

    # Tampering with a real cookie.
    plain, _ = flask_cookie(app, "plain", T0)
    payload, timestamp, signature = plain.rsplit(".", 2)
    crafted_case("tampered_payload", replace_at(plain, 0, "f" if plain[0] != "f" else "g"), app)
    ts_at = len(payload) + 1 + len(timestamp) - 1
    crafted_case("tampered_timestamp", replace_at(plain, ts_at, "B" if plain[ts_at] != "B" else "C"), app)
    sig_at = len(plain) - len(signature)
    crafted_case("tampered_signature", replace_at(plain, sig_at, "A" if plain[sig_at] != "A" else "B"), app)
    # The last of 27 characters carries 4 bits of the MAC and 2 unused bits.
    alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".decode()
    last = alphabet.index(plain[-1])
    assert last & 3 == 0
    crafted_case(
        "signature_unused_bits_set",
        plain[:-1] + alphabet[last | 1],
        app,
        note="same MAC bytes once decoded: itsdangerous ignores the unused bits",
    )
    crafted_case(
        "signature_trailing_text",
        plain + "=AAAA",
        app,
        note="Python's base64 decoder stops at the padding and ignores the rest",
    )
    crafted_case("signature_truncated", plain[:-1], app)
    crafted_case("signature_dropped", f"{payload}.{timestamp}", app)
    crafted_case("timestamp_dropped", f"{payload}.{signature}", app)
    crafted_case("extra_segment", f"x.{plain}", app)
    # A signature with '-' or '_', written in the standard alphabet instead.
    at = T0
    while True:
        value, _ = flask_cookie(app, "plain", at)
        sig = value.rsplit(".", 1)[1]
        if "-" in sig or "_" in sig:
            break
        at += 1
    swapped = value[: -len(sig)] + sig.replace("-", "+").replace("_", "/")
    crafted_case(
        "signature_standard_alphabet",
        swapped,
        app,
        now=at + 60,
        note="'+' and '/' decode as '-' and '_' do",
    )
    crafted_case("compression_flag_removed", compressed[1:], app)
    crafted_case("compression_flag_added", "." + plain, app)

    # Payloads Flask never writes, signed by Flask's own signer.
    def json_of_len(n):
        pad = n - len(b'{"a":""}')
        return b'{"a":"' + b"x" * pad + b'"}'

    crafted_case("signed_bomb_1mib", itsdangerous_cookie(app, zlib_payload(json_of_len(1 << 20)), T0), app, note="1 MiB of JSON in a small cookie")
    crafted_case("signed_inflates_to_64kib", itsdangerous_cookie(app, zlib_payload(json_of_len(65536)), T0), app)
    crafted_case("signed_inflates_past_64kib", itsdangerous_cookie(app, zlib_payload(json_of_len(65537)), T0), app)
    crafted_case("signed_not_zlib", itsdangerous_cookie(app, b"." + b64(b'{"a":1}'), T0), app)
    crafted_case("signed_truncated_zlib", itsdangerous_cookie(app, b"." + b64(zlib.compress(b'{"a":1}')[:-4]), T0), app)
    crafted_case(
        "signed_zlib_trailing_bytes",
        itsdangerous_cookie(app, b"." + b64(zlib.compress(b'{"a":1}') + b"junk"), T0),
        app,
        note="zlib.decompress ignores bytes after the end of the stream",
    )
    packed = bytearray(zlib.compress(b'{"a":1}'))
    packed[-1] ^= 1
    crafted_case("signed_zlib_bad_checksum", itsdangerous_cookie(app, b"." + b64(bytes(packed)), T0), app)
    crafted_case("signed_empty_zlib_payload", itsdangerous_cookie(app, b".", T0), app)
    crafted_case("signed_empty_payload", itsdangerous_cookie(app, b"", T0), app)
    crafted_case("signed_not_json", itsdangerous_cookie(app, b64(b"not json"), T0), app)
    crafted_case("signed_not_utf8", itsdangerous_cookie(app, b64(b'{"a":"\xff"}'), T0), app)
    crafted_case("signed_json_array", itsdangerous_cookie(app, b64(b"[1,2]"), T0), app, note="open_session raises TypeError: dict([1, 2])")
    crafted_case("signed_json_object_empty", itsdangerous_cookie(app, b64(b"{}"), T0), app)
    crafted_case(
        "signed_expired_not_json",
        itsdangerous_cookie(app, b64(b"not json"), T0),
        app,
        now=T0 + DEFAULT_MAX_AGE + 1,
        note="the age is checked before the payload is decoded",
    )
    padded = base64.urlsafe_b64encode(b'{"a":12}')
    assert padded.endswith(b"=")
    crafted_case("signed_payload_padded", itsdangerous_cookie(app, padded, T0), app)
    tilde = b'{"k":"~~~?"}'
    standard = base64.b64encode(tilde)
    assert standard != base64.urlsafe_b64encode(tilde)
    crafted_case("signed_payload_standard_alphabet", itsdangerous_cookie(app, standard.rstrip(b"="), T0), app)
    clean = b64(b'{"a":"dotted"}')
    for extra in range(4):
        dotted = clean[:4] + b"." + clean[4:] + b"=" * extra
        try:
            if base64_decode(dotted) == b'{"a":"dotted"}':
                break
        except Exception:
            pass
    else:
        raise AssertionError("no dotted payload that Python decodes")
    crafted_case("signed_payload_inner_dot", itsdangerous_cookie(app, dotted, T0), app, note="non-alphabet characters are skipped")
    stamp = int_to_bytes(T0)
    crafted_case("signed_timestamp_leading_zero", signed_with_timestamp_text(app, b64(b'{"a":1}'), b64(b"\x00" + stamp)), app)
    crafted_case("signed_timestamp_eight_bytes", signed_with_timestamp_text(app, b64(b'{"a":1}'), b64(stamp.rjust(8, b"\x00"))), app)
    crafted_case("signed_timestamp_nine_bytes", signed_with_timestamp_text(app, b64(b'{"a":1}'), b64(stamp.rjust(9, b"\x00"))), app)
    crafted_case("signed_timestamp_padded", signed_with_timestamp_text(app, b64(b'{"a":1}'), base64.urlsafe_b64encode(stamp)), app)
    crafted_case("signed_timestamp_not_base64", signed_with_timestamp_text(app, b64(b'{"a":1}'), b"Z"), app)
    crafted_case(
        "signed_without_timestamp",
        Signer([SECRET], salt=b"cookie-session", key_derivation="hmac", digest_method=hashlib.sha1).sign(b64(b'{"a":1}')).decode("ascii"),
        app,
    )

    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names)), "duplicate case names"
    json.dump(
        {"flask": FLASK, "itsdangerous": ITSDANGEROUS, "signed_at": T0, "cases": CASES},
        sys.stdout,
        indent=1,
        ensure_ascii=True,
        allow_nan=False,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

"""Ground truth for the Rust verifier of Starlette's session cookie.

Every cookie here is made by the real thing: Starlette's
``SessionMiddleware`` around a tiny Starlette app, through Starlette's test
client (httpx), read back from the ``Set-Cookie`` header; or, for payloads
the middleware never writes (not JSON, not base64), signed by the very
``itsdangerous.TimestampSigner`` the middleware builds
(``middleware.signer``). Nothing is re-implemented here.

Every verdict is what Starlette does with the cookie at a frozen clock
(``TimestampSigner.get_timestamp`` is patched to the case's ``now``):

- ``unsign``: ``middleware.signer.unsign(value, max_age=max_age)``, the
  exception's class name when it raises, else the signing time;
- ``app``: a request carrying the cookie, through the real middleware to an
  endpoint that answers with ``json.dumps(request.session)``: status 200 and
  that text (``{}`` when the middleware dropped the cookie), or the 500 of an
  exception the middleware let through.

Prints one JSON document on stdout:

    python tests/python/starlette_cookies.py > tests/data/starlette_cookies.json
"""

import base64
import importlib.metadata
import json
import sys

import itsdangerous
from itsdangerous.timed import TimestampSigner
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

STARLETTE = importlib.metadata.version("starlette")
ITSDANGEROUS = importlib.metadata.version("itsdangerous")
if not STARLETTE.startswith("1.") or not ITSDANGEROUS.startswith("2.2."):
    sys.exit(f"need starlette 1.x and itsdangerous 2.2, found {STARLETTE} and {ITSDANGEROUS}")

# The signing time of most cases, and SessionMiddleware's default max_age.
T0 = 1_700_000_000
MAX_AGE = 14 * 24 * 3600
SECRET = "starlette-secret-key"

_clock = [T0]
TimestampSigner.get_timestamp = lambda self: _clock[0]


async def write(request: Request) -> JSONResponse:
    request.session.update(await request.json())
    return JSONResponse({})


async def read(request: Request) -> Response:
    # json.dumps as the middleware itself writes it (NaN allowed).
    return Response(json.dumps(dict(request.session)), media_type="application/json")


def app(secret, max_age=MAX_AGE):
    built = Starlette(
        routes=[Route("/write", write, methods=["POST"]), Route("/read", read)],
        middleware=[Middleware(SessionMiddleware, secret_key=secret, max_age=max_age)],
    )
    return built


def middleware(built):
    """The app's SessionMiddleware instance (built on first request)."""
    stack = built.build_middleware_stack()
    while not isinstance(stack, SessionMiddleware):
        stack = stack.app
    return stack


def made_by_starlette(session, secret=SECRET, at=T0):
    """The cookie value Starlette's middleware sets for ``session``."""
    _clock[0] = at
    with TestClient(app(secret), base_url="http://testserver") as client:
        response = client.post("/write", json=session)
    header = response.headers["set-cookie"]
    name, rest = header.split("=", 1)
    assert name == "session", header
    return rest.split(";", 1)[0]


def signed(payload: bytes, secret=SECRET, at=T0):
    """``payload`` signed by the middleware's own signer at ``at``."""
    _clock[0] = at
    return middleware(app(secret)).signer.sign(payload).decode()


def verdicts(value, secret, now, max_age):
    _clock[0] = now
    built = app(secret, max_age)
    signer = middleware(built).signer
    try:
        _, when = signer.unsign(value, max_age=max_age, return_timestamp=True)
        unsign = {"ok": True, "signed_at": int(when.timestamp())}
    except itsdangerous.BadSignature as error:
        unsign = {"ok": False, "error": type(error).__name__}
    _clock[0] = now
    with TestClient(built, base_url="http://testserver", raise_server_exceptions=False) as client:
        client.cookies.set("session", value)
        response = client.get("/read")
    answer = {"status": response.status_code}
    if response.status_code == 200:
        # The JSON text, which may hold NaN: not parsed here.
        answer["session"] = response.text
    return {"unsign": unsign, "app": answer}


PLAIN = {"user_id": 42, "name": "alice"}
PLAIN_COOKIE = made_by_starlette(PLAIN)
payload, timestamp, signature = PLAIN_COOKIE.rsplit(".", 2)


def flip(text, at):
    """``text`` with the character at ``at`` changed to another of base64."""
    swap = "B" if text[at] != "B" else "C"
    return text[:at] + swap + text[at + 1 :]


CASES = []


def case(name, value, *, secret=SECRET, now=T0 + 60, max_age=MAX_AGE):
    record = {"name": name, "value": value, "secret_key": secret, "now": now, "max_age": max_age}
    record.update(verdicts(value, secret, now, max_age))
    CASES.append(record)


# Sessions Starlette writes (payload lengths 0, 1 and 2 mod 3: padded base64).
case("plain", PLAIN_COOKIE)
case("padding_one", made_by_starlette({"a": "bc"}))
case("padding_two", made_by_starlette({"a": "b"}))
case("padding_none", made_by_starlette({"a": "bcd"}))
case("unicode", made_by_starlette({"name": "zo\u00eb \u2603 \U0001f600", "k\u00e9y": "\u00e9"}))
case(
    "nested",
    made_by_starlette(
        {"list": [1, 2.5, None, True, False, "x"], "dict": {"a": {"b": [{}]}}, "big": 2**70, "neg": -1e-7}
    ),
)
case("oauth_state", made_by_starlette({"_state_google_abc": {"data": {"redirect_uri": "/cb"}, "exp": T0 + 3600}}))
case("large", made_by_starlette({"blob": "x" * 2500}))
case("oversize", made_by_starlette({"blob": "x" * 3500}))
case("unicode_secret_key", made_by_starlette(PLAIN, secret="cl\u00e9 \u2603"), secret="cl\u00e9 \u2603")
# Time: itsdangerous's age = now - timestamp; over max_age or below 0 is refused.
case("same_second", PLAIN_COOKIE, now=T0)
case("at_max_age", PLAIN_COOKIE, now=T0 + MAX_AGE)
case("expired_by_one", PLAIN_COOKIE, now=T0 + MAX_AGE + 1)
case("future_by_one", PLAIN_COOKIE, now=T0 - 1)
case("far_future", PLAIN_COOKIE, now=T0 - 10 * 365 * 86400)
case("max_age_hour_at_limit", PLAIN_COOKIE, now=T0 + 3600, max_age=3600)
case("max_age_hour_expired", PLAIN_COOKIE, now=T0 + 3601, max_age=3600)
case("timestamp_zero", signed(payload.encode(), at=0), now=60, max_age=60)
# Keys.
case("wrong_key", PLAIN_COOKIE, secret="another-secret")
case("key_one_character_longer", made_by_starlette(PLAIN, secret=SECRET + "x"), secret=SECRET)
# Tampering with a real cookie.
case("tampered_payload", flip(PLAIN_COOKIE, 3))
case("tampered_timestamp", f"{payload}.{flip(timestamp, 2)}.{signature}")
case("tampered_signature", f"{payload}.{timestamp}.{flip(signature, 0)}")
case("signature_truncated", PLAIN_COOKIE[:-1])
case("signature_dropped", f"{payload}.{timestamp}")
case("timestamp_dropped", f"{payload}.{signature}")
case("extra_segment", f"AAAA.{PLAIN_COOKIE}")
case("payload_swapped", f"{made_by_starlette({'user_id': 1}).rsplit('.', 2)[0]}.{timestamp}.{signature}")
# Payloads the middleware never writes, signed with its own signer.
case("signed_not_base64", signed(b"{not base64}"))
case("signed_not_json", signed(base64.b64encode(b"not json")))
case("signed_json_array", signed(base64.b64encode(b"[1, 2]")))
case("signed_empty_payload", signed(b""))
case("signed_nan", signed(base64.b64encode(b'{"x": NaN}')))
case("signed_payload_unpadded", signed(base64.b64encode(b'{"a": "b"}').rstrip(b"=")))

json.dump({"starlette": STARLETTE, "itsdangerous": ITSDANGEROUS, "cases": CASES}, sys.stdout, indent=1)
sys.stdout.write("\n")

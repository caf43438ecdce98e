#!/usr/bin/env python3
"""Times the sealed_session Python package against the two formats a Flask
app uses today, in one run on one machine, and prints a table (or JSON).

    python bench_python_package.py [--samples N] [--sample-ms MS] [--json] [--requests N]

Subjects, each a Flask-style session dict sealed into a cookie and opened
back into a dict (JSON included in every subject):

- ``sealed_session``: ``SessionCodec.seal(dict)`` and
  ``SessionCodec.open(value).to_dict()`` (envelope v1, AES-256-EAX, Flask's
  tagged JSON in Rust). At 4 KiB the cookie only fits compressed, so that
  size uses ``compress_above=1024`` (Flask's and EncryptedSession's cookies
  are compressed there too);
- ``sealed_session JSON text``: the same codec with the session as JSON
  text (``Session.from_json``, ``to_flask_json``): no Python objects built;
- ``sealed_session bytes``: ``Codec.seal``/``Codec.open`` of the same JSON
  as bytes (no JSON work: the crypto floor of the Python API);
- ``EncryptedSession``: the Python package's format with pycryptodome
  (``tests/python/encrypted_session.py``: json.dumps, zlib above 1024 bytes,
  AES-EAX);
- ``Flask default``: Flask's ``SecureCookieSessionInterface`` serializer
  (itsdangerous ``URLSafeTimedSerializer``, tagged JSON, zlib when smaller,
  HMAC-SHA1), signed but not encrypted;
- ``Starlette default``: what Starlette's ``SessionMiddleware`` does to a
  session (``json.dumps``, standard base64, itsdangerous
  ``TimestampSigner``; ``unsign(max_age=...)``, ``b64decode``,
  ``json.loads``), signed but not encrypted.

Then whole requests: a Flask app whose view reads and changes a ~1 KiB
session, through Flask's test client, with ``SealedSessionInterface`` and
with Flask's default interface; and a Starlette app with the same view,
called as ASGI in process (one driver for both, no HTTP), with
``SealedSessionMiddleware`` and with Starlette's ``SessionMiddleware``.

Sizes are the length of the session's compact tagged JSON. Each figure is
the median over --samples batches of about --sample-ms each, in
microseconds per seal+open (and requests per second). The subjects' batches
are interleaved round by round, so that the ratios of one run compare
figures taken under the same load.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import datetime
import importlib.metadata
import json
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2] / "tests" / "python"))

import encrypted_session as es  # noqa: E402
from bench_timing import calibrate  # noqa: E402
from flask import Flask, session  # noqa: E402
from flask.sessions import SecureCookieSessionInterface  # noqa: E402
from itsdangerous import TimestampSigner  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402
from starlette.middleware.sessions import SessionMiddleware  # noqa: E402
from starlette.responses import PlainTextResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402

import sealed_session  # noqa: E402
from sealed_session.flask import SealedSessionInterface  # noqa: E402
from sealed_session.starlette import SealedSessionMiddleware  # noqa: E402

SIZES = (64, 1024, 4096)
KEY = bytes(range(32))
SECRET_KEY = "flask-secret-key-for-the-benchmark"
T0 = 1_760_000_000


def payload(size: int) -> dict[str, Any]:
    """A Flask app's session (Flask-Login, a CSRF token, a cart, flashed
    messages) whose compact tagged JSON is exactly `size` bytes."""
    if size < 100:
        base: dict[str, Any] = {"_user_id": "4242", "_fresh": True}
    else:
        base = {
            "_user_id": "4242",
            "_fresh": True,
            "_id": "9f" * 64,
            "csrf_token": "3c1e0f7a9b2d4c6e8f0a1b2c3d4e5f6a7b8c9d0e",
            "locale": "en_GB",
            "cart": [],
            "viewed": [],
            "_flashes": [("message", "Signed in.")],
        }
        item = 0
        while True:
            line = {"sku": f"SKU-{item:05}", "name": f"Widget {item}", "qty": item % 3 + 1, "price_cents": 995 + 10 * item}
            base["cart"].append(line)
            base["viewed"].append(10_000 + item * 7)
            if len(sealed_session.dumps({**base, "next": ""})) > size - 40:
                base["cart"].pop()
                base["viewed"].pop()
                break
            item += 1
    base["next"] = ""
    missing = size - len(sealed_session.dumps(base))
    if missing < 0:
        raise SystemExit(f"no payload of {size} bytes")
    base["next"] = "/" + "p" * (missing - 1) if missing else ""
    text = sealed_session.dumps(base)
    assert len(text) == size, (size, len(text))
    return base


def interleaved_medians(calls: dict[str, Callable[[], Any]], samples: int, sample_ms: float) -> dict[str, float]:
    """Median time per call in microseconds, each name's batches interleaved
    with the others' (round after round), so that a change in the machine's
    load during the run weighs on every subject alike and the ratios hold."""
    batches = {name: calibrate(call, sample_ms) for name, call in calls.items()}
    per_call: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(samples):
        for name, call in calls.items():
            batch = batches[name]
            start = time.perf_counter()
            for _ in range(batch):
                call()
            per_call[name].append((time.perf_counter() - start) / batch * 1e6)
    return {name: statistics.median(times) for name, times in per_call.items()}


def subjects(size: int) -> dict[str, tuple[Callable[[], Any], Callable[[], Any], str]]:
    """name -> (seal, open, a cookie), each checked to round-trip."""
    data = payload(size)
    keyring = sealed_session.Keyring(KEY)
    compress = 1024 if size > 2048 else None
    codec = sealed_session.SessionCodec(keyring, cookie_name="session", secure=False, compress_above=compress)
    ours = codec.seal(data)
    assert codec.open(ours).to_dict() == data

    text = sealed_session.dumps(data)
    ours_json = codec.seal(sealed_session.Session.from_json(text))
    assert codec.open(ours_json).to_flask_json() == text

    raw = text.encode()
    bytes_codec = sealed_session.Codec(keyring, max_text_len=65536)
    ours_raw = bytes_codec.seal(raw, b"session")
    assert bytes_codec.open(ours_raw, b"session") == raw

    legacy = es.seal(KEY, data)
    assert es.open_cookie(KEY, legacy) == json.loads(json.dumps(data))  # tuples become lists there

    app = Flask("bench")
    app.secret_key = SECRET_KEY
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    context = app.app_context()
    context.push()  # Flask's tagged JSON reads the app's JSON provider
    signed = serializer.dumps(data)
    assert serializer.loads(signed) == data

    signer = TimestampSigner(SECRET_KEY)  # as SessionMiddleware builds it
    max_age = 14 * 24 * 3600

    def starlette_seal() -> bytes:
        return signer.sign(base64.b64encode(json.dumps(data).encode("utf-8")))

    def starlette_open() -> Any:
        return json.loads(base64.b64decode(signer.unsign(starlette_signed, max_age=max_age)))

    starlette_signed = starlette_seal()
    assert starlette_open() == json.loads(json.dumps(data))

    return {
        "sealed_session": (lambda: codec.seal(data), lambda: codec.open(ours).to_dict(), ours),
        "sealed_session JSON text": (
            lambda: codec.seal(sealed_session.Session.from_json(text)),
            lambda: codec.open(ours_json).to_flask_json(),
            ours_json,
        ),
        "sealed_session bytes": (
            lambda: bytes_codec.seal(raw, b"session"),
            lambda: bytes_codec.open(ours_raw, b"session"),
            ours_raw,
        ),
        "EncryptedSession": (lambda: es.seal(KEY, data), lambda: es.open_cookie(KEY, legacy), legacy),
        "Flask default": (lambda: serializer.dumps(data), lambda: serializer.loads(signed), signed),
        "Starlette default": (starlette_seal, starlette_open, starlette_signed.decode()),
    }


def request_client(interface: str):
    """A Flask test client whose view reads and changes a ~1 KiB session,
    with `interface`; one request checked."""
    app = Flask("bench_requests")
    app.secret_key = SECRET_KEY
    app.config["SESSION_COOKIE_NAME"] = "bench"
    if interface == "sealed_session":
        app.config["SEALED_SESSION_KEYS"] = f"1 {KEY.hex()}\n"
        app.config["SESSION_COOKIE_SECURE"] = False
        app.session_interface = SealedSessionInterface()
    start_data = payload(1024)

    @app.get("/start")
    def start() -> str:
        session.update(start_data)
        session["count"] = 0
        return "ok"

    @app.get("/count")
    def count() -> str:
        session["count"] = session.get("count", 0) + 1
        return str(session["count"])

    client = app.test_client()
    client.get("/start")
    assert client.get("/count").text == "1"
    return client


def request_rates(requests: int, samples: int) -> dict[str, float]:
    """Requests per second through Flask's test client, both interfaces
    interleaved sample by sample (median)."""
    clients = {name: request_client(name) for name in ("sealed_session", "Flask default")}
    rates: dict[str, list[float]] = {name: [] for name in clients}
    for _ in range(samples):
        for name, client in clients.items():
            start_time = time.perf_counter()
            for _ in range(requests):
                client.get("/count")
            rates[name].append(requests / (time.perf_counter() - start_time))
    return {name: statistics.median(values) for name, values in rates.items()}


def asgi_driver(middleware: str):
    """A Starlette app whose view reads and changes a ~1 KiB session, with
    ``middleware``, and a function that makes one request to it in process
    (the cookie of the last response sent back); one request checked."""
    start_data = json.loads(json.dumps(payload(1024)))  # JSON only, as Starlette needs

    def count(request):
        request.session["count"] = request.session.get("count", 0) + 1
        return PlainTextResponse(str(request.session["count"]))

    if middleware == "sealed_session":
        stack = [Middleware(SealedSessionMiddleware, sealed_session.Keyring(KEY), session_cookie="bench", https_only=False)]
        seed = sealed_session.SessionCodec(sealed_session.Keyring(KEY), cookie_name="bench", secure=False).seal(
            {**start_data, "count": 0}
        )
    else:
        stack = [Middleware(SessionMiddleware, secret_key=SECRET_KEY, session_cookie="bench")]
        seed = TimestampSigner(SECRET_KEY).sign(base64.b64encode(json.dumps({**start_data, "count": 0}).encode())).decode()
    app = Starlette(routes=[Route("/count", count)], middleware=stack)
    cookie = [f"bench={seed}".encode("latin-1")]
    loop = asyncio.new_event_loop()

    async def request() -> bytes:
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
            "scheme": "http", "path": "/count", "raw_path": b"/count", "root_path": "", "query_string": b"",
            "headers": [(b"host", b"bench"), (b"cookie", cookie[0])], "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
        }
        body = []

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            if message["type"] == "http.response.start":
                for name, value in message["headers"]:
                    if name == b"set-cookie":
                        cookie[0] = value.split(b";", 1)[0]
            elif message["type"] == "http.response.body":
                body.append(message.get("body", b""))

        await app(scope, receive, send)
        return b"".join(body)

    def one() -> bytes:
        return loop.run_until_complete(request())

    assert one() == b"1" and one() == b"2"
    return one


def asgi_rates(requests: int, samples: int) -> dict[str, float]:
    """Requests per second through the in-process ASGI driver, both
    middlewares interleaved sample by sample (median)."""
    drivers = {name: asgi_driver(name) for name in ("sealed_session", "Starlette default")}
    rates: dict[str, list[float]] = {name: [] for name in drivers}
    for _ in range(samples):
        for name, one in drivers.items():
            start_time = time.perf_counter()
            for _ in range(requests):
                one()
            rates[name].append(requests / (time.perf_counter() - start_time))
    return {name: statistics.median(values) for name, values in rates.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=15)
    parser.add_argument("--sample-ms", type=float, default=20.0)
    parser.add_argument("--requests", type=int, default=500, help="requests per sample")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    args = parser.parse_args(argv)

    results: dict[str, Any] = {
        "python": platform.python_version(),
        "versions": {
            name: importlib.metadata.version(name)
            for name in ("sealed-session", "flask", "starlette", "itsdangerous", "pycryptodome")
        },
        "debug_build": sealed_session._sealed_session.DEBUG_BUILD,
        "sizes": {},
        "requests_per_second": {},
    }
    for size in SIZES:
        row = {}
        cases = subjects(size)
        calls = {}
        for name, (seal, open_, _) in cases.items():
            calls[f"{name}/seal"] = seal
            calls[f"{name}/open"] = open_
        medians = interleaved_medians(calls, args.samples, args.sample_ms)
        for name, (_, _, cookie) in cases.items():
            seal_us, open_us = medians[f"{name}/seal"], medians[f"{name}/open"]
            row[name] = {"seal_us": seal_us, "open_us": open_us, "total_us": seal_us + open_us, "cookie_len": len(cookie)}
        results["sizes"][str(size)] = row
    results["requests_per_second"] = request_rates(args.requests, max(5, args.samples // 2))
    results["asgi_requests_per_second"] = asgi_rates(args.requests, max(5, args.samples // 2))

    if args.json:
        print(json.dumps(results, indent=1))
    else:
        print_tables(results)
    return 0


def print_tables(results: dict[str, Any]) -> None:
    versions = ", ".join(f"{k} {v}" for k, v in results["versions"].items())
    build = "debug" if results["debug_build"] else "release"
    print(f"Python {results['python']}; {versions}; {build} build; {datetime.date.today()}")
    print()
    names = list(next(iter(results["sizes"].values())))
    print("µs per seal + open (seal / open), cookie length in characters")
    print()
    print("| subject | " + " | ".join(f"{s} B" for s in results["sizes"]) + " |")
    print("|---|" + "---:|" * len(results["sizes"]))
    for name in names:
        cells = []
        for row in results["sizes"].values():
            r = row[name]
            cells.append(f"{r['total_us']:.1f} ({r['seal_us']:.1f} / {r['open_us']:.1f}), {r['cookie_len']} ch")
        print(f"| {name} | " + " | ".join(cells) + " |")
    for peer in ("EncryptedSession", "Flask default", "Starlette default"):
        cells = [f"{row[peer]['total_us'] / row['sealed_session']['total_us']:.1f}×" for row in results["sizes"].values()]
        print(f"| {peer} / sealed_session | " + " | ".join(cells) + " |")
    print()
    rates = results["requests_per_second"]
    print("Flask test client, a view that reads and changes a 1 KiB session")
    print()
    print("| interface | requests/s |")
    print("|---|---:|")
    for name, rate in rates.items():
        print(f"| {name} | {rate:,.0f} |")
    print(f"| sealed_session / Flask default | {rates['sealed_session'] / rates['Flask default']:.2f}× |")
    rates = results["asgi_requests_per_second"]
    print()
    print("Starlette app, the same view, ASGI in process (one driver, no HTTP)")
    print()
    print("| middleware | requests/s |")
    print("|---|---:|")
    for name, rate in rates.items():
        print(f"| {name} | {rate:,.0f} |")
    print(f"| sealed_session / Starlette default | {rates['sealed_session'] / rates['Starlette default']:.2f}× |")


if __name__ == "__main__":
    sys.exit(main())

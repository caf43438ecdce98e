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
with Flask's default interface; a Starlette app with the same view,
called as ASGI in process (one driver for both, no HTTP), with
``SealedSessionMiddleware`` and with Starlette's ``SessionMiddleware``;
and a FastAPI app with the same view served over HTTP by uvicorn on
127.0.0.1 (one server process per middleware, both up at once) under one
load generator: ``--connections`` keep-alive HTTP/1.1 connections from
another process, each a browser with its own session cookie, a fixed
``--http-requests`` per middleware and round, the two middlewares'
rounds interleaved; beside the requests per second, the server process's
CPU time per request (``/proc``, Linux), which other processes' load
leaves alone.

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
import http.client
import importlib.metadata
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2] / "tests" / "python"))

import encrypted_session as es  # noqa: E402
from bench_timing import calibrate  # noqa: E402
from fastapi import FastAPI, Request  # noqa: E402
from fastapi.responses import PlainTextResponse as Text  # noqa: E402
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


def interleaved_medians(
    calls: dict[str, Callable[[], Any]], samples: int, sample_ms: float
) -> dict[str, tuple[float, float]]:
    """Median CPU time and wall-clock time per call in microseconds, each
    name's batches interleaved with the others' (round after round), so
    that a change in the machine's load during the run weighs on every
    subject alike and the ratios hold. The CPU time (``time.process_time``,
    as ``bench_timing.median_us`` reads it) leaves out the time other
    processes hold the CPU, which on a shared machine is most of the wall
    clock's noise."""
    batches = {name: calibrate(call, sample_ms) for name, call in calls.items()}
    cpu: dict[str, list[float]] = {name: [] for name in calls}
    wall: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(samples):
        for name, call in calls.items():
            batch = batches[name]
            start = time.perf_counter()
            start_cpu = time.process_time()
            for _ in range(batch):
                call()
            cpu[name].append((time.process_time() - start_cpu) / batch * 1e6)
            wall[name].append((time.perf_counter() - start) / batch * 1e6)
    return {name: (statistics.median(cpu[name]), statistics.median(wall[name])) for name in calls}


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


def fastapi_app(middleware: str):
    """A FastAPI app whose view reads and changes a ~1 KiB session (set by
    ``/start``), with ``middleware``."""
    start_data = json.loads(json.dumps(payload(1024)))  # JSON only, as Starlette needs
    app = FastAPI()
    if middleware == "sealed_session":
        app.add_middleware(SealedSessionMiddleware, keyring=sealed_session.Keyring(KEY), session_cookie="bench", https_only=False)
    else:
        app.add_middleware(SessionMiddleware, secret_key=SECRET_KEY, session_cookie="bench")

    @app.get("/start")
    def start(request: Request) -> Text:
        request.session.update(start_data)
        request.session["count"] = 0
        return Text("ok")

    @app.get("/count")
    def count(request: Request) -> Text:
        request.session["count"] = request.session.get("count", 0) + 1
        return Text(str(request.session["count"]))

    return app


def serve(middleware: str) -> None:
    """``--serve``: uvicorn on 127.0.0.1 (a port of the system's choice,
    printed on stdout) with the FastAPI app, until killed."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Inherited by accepted connections: a response written in two parts
    # (head, body) is not held back for the client's delayed ACK.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)  # connections wait in the backlog until uvicorn is up
    print(sock.getsockname()[1], flush=True)
    # Connections stay open while the other middleware's round runs.
    config = uvicorn.Config(
        fastapi_app(middleware), log_level="warning", access_log=False, lifespan="off", timeout_keep_alive=600
    )
    uvicorn.Server(config).run(sockets=[sock])


class Browser:
    """One keep-alive connection with its own session cookie, as a browser
    keeps it."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.conn.connect()
        self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.cookie = ""

    def get(self, path: str) -> bytes:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        self.conn.request("GET", path, headers=headers)
        response = self.conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"GET {path}: {response.status}")
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("bench="):
                self.cookie = value.split(";", 1)[0]
        return body


def server_cpu_seconds(pid: int) -> float | None:
    """The CPU time (user and system) a process has used, from
    ``/proc/<pid>/stat`` (Linux), or ``None``."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def http_rates(requests: int, connections: int, rounds: int) -> dict[str, Any]:
    """Requests per second of the FastAPI app under uvicorn, with each
    middleware, under one load generator (this process's threads, one
    keep-alive connection and one session each): a fixed count per round,
    the middlewares interleaved round by round (median)."""
    servers = {}
    try:
        for name in ("sealed_session", "Starlette default"):
            server = subprocess.Popen(
                [sys.executable, __file__, "--serve", name], stdout=subprocess.PIPE, text=True
            )
            servers[name] = (server, int(server.stdout.readline()))
        browsers = {}
        for name, (_, port) in servers.items():
            browsers[name] = [Browser(port) for _ in range(connections)]
            for browser in browsers[name]:
                browser.get("/start")
                assert browser.get("/count") == b"1"
        rates: dict[str, list[float]] = {name: [] for name in servers}
        cpu_us: dict[str, list[float]] = {name: [] for name in servers}
        per_connection = max(1, requests // connections)
        failures: list[BaseException] = []
        for _ in range(rounds):
            for name in servers:

                def run(browser: Browser) -> None:
                    try:
                        for _ in range(per_connection):
                            browser.get("/count")
                    except BaseException as error:  # noqa: BLE001 (reported below)
                        failures.append(error)

                threads = [threading.Thread(target=run, args=(b,)) for b in browsers[name]]
                start_cpu = server_cpu_seconds(servers[name][0].pid)
                start_time = time.perf_counter()
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                elapsed = time.perf_counter() - start_time
                if failures:
                    raise SystemExit(f"{name}: {failures[0]!r}")
                rates[name].append(per_connection * connections / elapsed)
                end_cpu = server_cpu_seconds(servers[name][0].pid)
                if start_cpu is not None and end_cpu is not None:
                    cpu_us[name].append((end_cpu - start_cpu) / (per_connection * connections) * 1e6)
        expected = str(2 + per_connection * rounds).encode()
        for name in servers:
            for browser in browsers[name]:
                assert browser.get("/count") == expected, name  # every request read and changed the session
        return {
            "server": f"uvicorn {importlib.metadata.version('uvicorn')} (h11, asyncio), FastAPI {importlib.metadata.version('fastapi')}",
            "connections": connections,
            "requests_per_round": per_connection * connections,
            "rounds": rounds,
            "rates": {name: statistics.median(values) for name, values in rates.items()},
            # The server's CPU time per request: what the wall clock's
            # requests/s become when other processes hold the CPU.
            "server_cpu_us": {name: statistics.median(values) for name, values in cpu_us.items() if values},
        }
    finally:
        for server, _ in servers.values():
            server.terminate()
            server.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=15)
    parser.add_argument("--sample-ms", type=float, default=20.0)
    parser.add_argument("--requests", type=int, default=500, help="requests per sample")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.add_argument("--http-requests", type=int, default=1000, help="HTTP requests per middleware and round")
    parser.add_argument("--connections", type=int, default=4, help="keep-alive connections of the load generator")
    parser.add_argument("--rounds", type=int, default=9, help="HTTP rounds per middleware")
    parser.add_argument("--serve", metavar="MIDDLEWARE", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve)
        return 0

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
            (seal_us, seal_wall), (open_us, open_wall) = medians[f"{name}/seal"], medians[f"{name}/open"]
            row[name] = {
                "seal_us": seal_us,
                "open_us": open_us,
                "total_us": seal_us + open_us,
                "total_wall_us": seal_wall + open_wall,
                "cookie_len": len(cookie),
            }
        results["sizes"][str(size)] = row
    results["requests_per_second"] = request_rates(args.requests, max(5, args.samples // 2))
    results["asgi_requests_per_second"] = asgi_rates(args.requests, max(5, args.samples // 2))
    results["http"] = http_rates(args.http_requests, args.connections, args.rounds)

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
    print(
        "µs of CPU time per seal + open (seal / open), cookie length in characters; "
        "the ratios in CPU time and, in parentheses, in wall-clock time"
    )
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
        cells = [
            f"{row[peer]['total_us'] / row['sealed_session']['total_us']:.1f}× "
            f"({row[peer]['total_wall_us'] / row['sealed_session']['total_wall_us']:.1f}×)"
            for row in results["sizes"].values()
        ]
        print(f"| {peer} / sealed_session | " + " | ".join(cells) + " |")
    print()
    kib = results["sizes"].get("1024")
    if kib:
        ratio = kib["EncryptedSession"]["total_us"] / kib["sealed_session"]["total_us"]
        wall = kib["EncryptedSession"]["total_wall_us"] / kib["sealed_session"]["total_wall_us"]
        verdict = "met" if ratio >= 20 else "not met"
        print(
            f"P9 (issue 21): the dict round trip at 1 KiB is {ratio:.1f}× faster than EncryptedSession "
            f"in CPU time ({wall:.1f}× in wall-clock time); goal ≥ 20×: {verdict}."
        )
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
    run = results["http"]
    rates = run["rates"]
    print()
    print(
        f"FastAPI app, the same view, over HTTP: {run['server']} on 127.0.0.1, one load generator "
        f"({run['connections']} keep-alive connections, one session each, {run['requests_per_round']} "
        f"requests per round, {run['rounds']} rounds interleaved, median; the server process's CPU "
        f"time per request beside it)"
    )
    print()
    cpu = run.get("server_cpu_us", {})
    if len(cpu) == len(rates):
        print("| middleware | requests/s | server CPU µs per request |")
        print("|---|---:|---:|")
        for name, rate in rates.items():
            print(f"| {name} | {rate:,.0f} | {cpu[name]:,.0f} |")
        print(
            f"| sealed_session / Starlette default | {rates['sealed_session'] / rates['Starlette default']:.2f}× "
            f"| {cpu['sealed_session'] / cpu['Starlette default']:.2f}× |"
        )
    else:
        print("| middleware | requests/s |")
        print("|---|---:|")
        for name, rate in rates.items():
            print(f"| {name} | {rate:,.0f} |")
        print(f"| sealed_session / Starlette default | {rates['sealed_session'] / rates['Starlette default']:.2f}× |")


if __name__ == "__main__":
    sys.exit(main())

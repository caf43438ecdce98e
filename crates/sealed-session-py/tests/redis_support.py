"""A real redis-server for the revocation tests, and a minimal RESP client to
read what the package wrote (no Redis client library: the package under test
has its own, in Rust, and the tests check its bytes with another).

The server is Debian's ``/usr/bin/redis-server`` (or ``REDIS_SERVER``), which
``cargo xtask ci`` installs when missing: a test that needs it fails without
it, never skips."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from typing import Any

REDIS_SERVER = os.environ.get("REDIS_SERVER", "/usr/bin/redis-server")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(done: Any, timeout: float = 30.0, what: str = "condition") -> Any:
    """Polls ``done()`` until it is truthy; an upper bound so that a broken
    feature fails instead of hanging, never a timing assertion."""
    deadline = time.monotonic() + timeout
    while True:
        value = done()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


class RedisServer:
    """redis-server on a free loopback port, no persistence; restartable on
    the same port (empty, as after a crash without persistence)."""

    def __init__(self) -> None:
        if not os.path.exists(REDIS_SERVER):
            raise AssertionError(
                f"{REDIS_SERVER} is missing: install redis-server (cargo xtask ci does), or set REDIS_SERVER"
            )
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="sealed-session-py-redis-")
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
            + ["--dir", self.dir],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._pings, timeout=20, what="redis-server to start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _pings(self) -> bool:
        try:
            return self.command("PING") == "PONG"
        except OSError:
            return False

    def connect(self) -> Resp:
        return Resp(self.port)

    def command(self, *args: str) -> Any:
        with self.connect() as connection:
            return connection.command(*args)


class Resp:
    """One RESP2 connection: commands in, replies out (str for simple and
    bulk strings, int, list, None)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.file = self.sock.makefile("rb")

    def __enter__(self) -> Resp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.file.close()
        self.sock.close()

    def send(self, *args: str) -> None:
        parts = [f"*{len(args)}\r\n".encode()]
        for arg in args:
            data = arg.encode()
            parts.append(f"${len(data)}\r\n".encode() + data + b"\r\n")
        self.sock.sendall(b"".join(parts))

    def command(self, *args: str) -> Any:
        self.send(*args)
        return self.reply()

    def reply(self) -> Any:
        line = self.file.readline()
        if not line:
            raise OSError("connection closed")
        kind, rest = line[:1], line[1:-2].decode()
        if kind == b"+":
            return rest
        if kind == b"-":
            raise RuntimeError(rest)
        if kind == b":":
            return int(rest)
        if kind == b"$":
            if rest == "-1":
                return None
            data = self.file.read(int(rest) + 2)
            return data[:-2].decode()
        if kind == b"*":
            if rest == "-1":
                return None
            return [self.reply() for _ in range(int(rest))]
        raise OSError(f"unexpected reply {line!r}")

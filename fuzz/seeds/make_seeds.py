#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/seeds/<target>/ from the golden vectors
(tests/data/v1-vectors.json), Wycheproof (tests/data/aes_eax_test.json) and
legacy cookies sealed by tests/python/encrypted_session.py.

Each seed follows the input layout its entry point documents in
crates/sealed-session-core/src/fuzzing.rs (or fuzz/src/session.rs). Needs
pycryptodome (tests/python/requirements.txt). Deterministic: re-running it
rewrites the same files.

    python fuzz/seeds/make_seeds.py
"""
from __future__ import annotations

import json
import shutil
import struct
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "fuzz" / "seeds"
sys.path.insert(0, str(ROOT / "tests" / "python"))

import encrypted_session as legacy  # noqa: E402

# The fuzz keyring's key 1 (bytes 00..1f) is also the interop key.
KEY_1 = bytes(range(32))
# Context index of the selector byte, as CONTEXTS in fuzzing.rs.
CONTEXTS = ["session", "", "s\u00e9ssion-\u2603", "flask-session"]


def u16(n: int) -> bytes:
    return struct.pack(">H", n)


def u64(n: int) -> bytes:
    return struct.pack(">Q", n)


def raw_deflate(data: bytes, level: int = 6) -> bytes:
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def write(target: str, name: str, data: bytes) -> None:
    (SEEDS / target).mkdir(parents=True, exist_ok=True)
    (SEEDS / target / name).write_bytes(data)


def open_v1() -> None:
    vectors = json.loads((ROOT / "tests/data/v1-vectors.json").read_text())
    for v in vectors:
        selector = CONTEXTS.index(v["context"])
        write("open_v1", v["name"], bytes([selector]) + v["cookie"].encode())
    first = vectors[0]["cookie"].encode()
    write("open_v1", "plain-with-context-max-age", bytes([0b100]) + first)
    write("open_v1", "empty-text", b"\x00")
    write("open_v1", "header-only", b"\x00AQABAAAAAGVT8QA")


def open_legacy() -> None:
    sessions = {
        "answer": {"answer": 42},
        "bytes-tag": {"token": b"\x00\x01\xfe\xff", "user": "ann"},
        "unicode": {"name": "s\u00e9ssion \u2603 \U0001f600"},
        "nested": {"a": [1, 2, {"b": [None, True, False, 1.5]}]},
        "compressed": {"cart": list(range(400)), "note": "x" * 200},
    }
    for i, (name, session) in enumerate(sessions.items()):
        cookie = legacy.seal(KEY_1, session, bytes([i] * 16))
        write("open_legacy", name, cookie.encode())
        if name == "answer":
            swapped = "z" + cookie[1:]
            write("open_legacy", "answer-flag-swapped", swapped.encode())


def roundtrip() -> None:
    def seed(flags, threshold, max_plain, max_text, context: bytes, now, nonce, plain):
        return (bytes([flags]) + u16(threshold) + u16(max_plain // 4) + u16(max_text)
                + bytes([len(context)]) + context + u64(now) + nonce + plain)

    json_small = b'{"user":42}'
    json_big = json.dumps({"cart": list(range(300))}).encode()
    write("roundtrip", "defaults-small",
          seed(0, 1024, 65532, 4096, b"session", 1_700_000_000, bytes([7] * 16), json_small))
    write("roundtrip", "defaults-compressed",
          seed(0, 1024, 65532, 4096, b"session", 1_700_000_000, bytes([1] * 16), json_big))
    write("roundtrip", "never-compress",
          seed(1, 0, 65532, 4096, b"", 0, bytes(16), json_big))
    write("roundtrip", "threshold-zero",
          seed(0, 0, 4000, 4096, b"flask-session", 2**64 - 1, bytes([0xff] * 16), b"a" * 60))
    write("roundtrip", "tight-limits",
          seed(0, 0, 40, 60, b"s", 5, bytes([2] * 16), b"b" * 40))
    write("roundtrip", "empty-plaintext",
          seed(0, 1024, 0, 4096, b"session", 1, bytes([3] * 16), b""))


def inflate() -> None:
    text = json.dumps({"cart": list(range(200)), "user": "ann"}).encode()
    raw = raw_deflate(text)
    z = zlib.compress(text)
    write("inflate", "raw", b"\x00" + u16(65535) + raw)
    write("inflate", "zlib", b"\x01" + u16(65535) + z)
    write("inflate", "raw-exact-limit", b"\x00" + u16(len(text)) + raw)
    write("inflate", "zlib-one-under", b"\x01" + u16(len(text) - 1) + z)
    write("inflate", "raw-stored", b"\x00" + u16(100) + raw_deflate(b"hello", 0))
    write("inflate", "raw-zeros", b"\x00" + u16(4096) + raw_deflate(bytes(3000), 9))
    write("inflate", "raw-trailing", b"\x00" + u16(4096) + raw + b"\x00")
    write("inflate", "zlib-bad-checksum", b"\x01" + u16(4096) + z[:-1] + bytes([z[-1] ^ 1]))


def eax_differential() -> None:
    data = json.loads((ROOT / "tests/data/aes_eax_test.json").read_text())
    for group in data["testGroups"]:
        if (group["keySize"], group["ivSize"], group["tagSize"]) != (256, 128, 128):
            continue
        for t in group["tests"]:
            if t["result"] != "valid":
                continue
            aad = bytes.fromhex(t["aad"])[:255]
            seed = (bytes.fromhex(t["key"]) + bytes.fromhex(t["iv"]) + bytes([len(aad)]) + aad
                    + u16(t["tcId"]) + bytes.fromhex(t["msg"]))
            write("eax_differential", f"wycheproof-{t['tcId']}", seed)


def authentic_garbage() -> None:
    def seed(v1_compressed: bool, legacy_z: bool, limit: int, body: bytes) -> bytes:
        return bytes([int(v1_compressed) | int(legacy_z) << 1]) + u16(limit) + body

    session = legacy.session_json({"user": "ann", "token": b"\x00\x01"})
    write("authentic_garbage", "json", seed(False, False, 0, session))
    write("authentic_garbage", "json-deflated", seed(True, False, 0, raw_deflate(session)))
    write("authentic_garbage", "json-zlib", seed(False, True, 0, zlib.compress(session)))
    write("authentic_garbage", "json-tight-limit", seed(True, True, 20, raw_deflate(session)))
    write("authentic_garbage", "bad-bytes-tag",
          seed(False, False, 0, b'{"t":{"__type__":"bytes","b":"AA"}}'))
    write("authentic_garbage", "duplicate-keys", seed(False, False, 0, b'{"a":1,"a":2}'))
    write("authentic_garbage", "deep", seed(False, False, 0, b'{"a":' + b"[" * 120 + b"]" * 120 + b"}"))
    write("authentic_garbage", "not-object", seed(False, False, 0, b"[1,2]"))
    write("authentic_garbage", "not-utf8", seed(False, False, 0, b'{"a":"\xff"}'))


def main() -> None:
    for target in ["open_v1", "open_legacy", "roundtrip", "inflate", "eax_differential",
                   "authentic_garbage"]:
        shutil.rmtree(SEEDS / target, ignore_errors=True)
    open_v1()
    open_legacy()
    roundtrip()
    inflate()
    eax_differential()
    authentic_garbage()
    for d in sorted(p for p in SEEDS.iterdir() if p.is_dir()):
        files = list(d.iterdir())
        print(f"{d.name}: {len(files)} seeds, {sum(f.stat().st_size for f in files)} bytes")


if __name__ == "__main__":
    main()

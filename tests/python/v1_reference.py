#!/usr/bin/env python3
"""An independent implementation of sealed-session envelope v1 (FORMAT.md),
written from the specification with pycryptodome and the standard library.

It is the outside ground truth for tests/data/v1-vectors.json:

    v1_reference.py generate   > tests/data/v1-vectors.json  (once, by hand)
    v1_reference.py verify  tests/data/v1-vectors.json        (every CI run)

`verify` re-derives every vector: it opens each cookie and compares the
plaintext and header, and for vectors marked "exact_seal" it seals again and
compares the text byte for byte. Exit 0 and "N passed, 0 failed" on success.
"""
from __future__ import annotations

import base64
import json
import struct
import sys
import zlib

from Crypto.Cipher import AES

VERSION = 1
FLAG_COMPRESSED = 1
HEADER_LEN = 11
NONCE_LEN = 16
TAG_LEN = 16


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    if "=" in text or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url")
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64url(raw) != text:
        raise ValueError("non-canonical base64url")
    return raw


def aad(header: bytes, context: bytes) -> bytes:
    return header + struct.pack(">I", len(context)) + context


def seal(key: bytes, key_id: int, issued_at: int, nonce: bytes, context: bytes,
         body: bytes, compressed: bool) -> str:
    """Seals `body` (already deflated when `compressed`)."""
    flags = FLAG_COMPRESSED if compressed else 0
    header = bytes([VERSION, flags, key_id]) + struct.pack(">Q", issued_at)
    cipher = AES.new(key, AES.MODE_EAX, nonce=nonce, mac_len=TAG_LEN)
    cipher.update(aad(header, context))
    ct, tag = cipher.encrypt_and_digest(body)
    return b64url(header + nonce + ct + tag)


def open_(key: bytes, text: str, context: bytes) -> dict:
    raw = unb64url(text)
    if raw[0] != VERSION or len(raw) < HEADER_LEN + NONCE_LEN + TAG_LEN:
        raise ValueError("malformed")
    header, nonce = raw[:HEADER_LEN], raw[HEADER_LEN:HEADER_LEN + NONCE_LEN]
    ct, tag = raw[HEADER_LEN + NONCE_LEN:-TAG_LEN], raw[-TAG_LEN:]
    if header[1] & ~FLAG_COMPRESSED:
        raise ValueError("reserved flag")
    cipher = AES.new(key, AES.MODE_EAX, nonce=nonce, mac_len=TAG_LEN)
    cipher.update(aad(header, context))
    body = cipher.decrypt_and_verify(ct, tag)
    compressed = bool(header[1] & FLAG_COMPRESSED)
    if compressed:
        d = zlib.decompressobj(wbits=-15)
        body = d.decompress(body) + d.flush()
        if not d.eof or d.unused_data:
            raise ValueError("bad deflate stream")
    return {"plaintext": body, "key_id": header[2],
            "issued_at": struct.unpack(">Q", header[3:])[0], "compressed": compressed}


def raw_deflate(data: bytes) -> bytes:
    c = zlib.compressobj(level=9, wbits=-15)
    return c.compress(data) + c.flush()


def session_json(n: int) -> bytes:
    """Deterministic, realistic session JSON of about n bytes."""
    items = []
    i = 0
    while len(json.dumps(dict(items), separators=(",", ":"))) < n:
        items.append((f"k{i:03}", {"id": i, "role": "member", "tags": ["a", "b"], "ok": True}))
        i += 1
    return json.dumps(dict(items), separators=(",", ":")).encode()


def generate() -> list[dict]:
    key1 = bytes(range(32))
    key2 = bytes(range(32, 64))
    out = []

    def add(name, key, key_id, nonce, issued_at, context, plaintext, compressed,
            opener_ring, exact_seal, note):
        body = raw_deflate(plaintext) if compressed else plaintext
        cookie = seal(key, key_id, issued_at, nonce, context, body, compressed)
        out.append({
            "name": name, "note": note,
            "keys": opener_ring,
            "nonce_hex": nonce.hex(), "issued_at": issued_at,
            "context": context.decode(), "plaintext_hex": plaintext.hex(),
            "compressed": compressed, "key_id": key_id,
            "exact_seal": exact_seal, "cookie": cookie,
        })

    ring1 = [{"id": 1, "key_hex": key1.hex()}]
    ring21 = [{"id": 2, "key_hex": key2.hex()}, {"id": 1, "key_hex": key1.hex()}]
    add("plain-with-context", key1, 1, bytes([7] * 16), 1_700_000_000, b"session",
        b'{"user":42}', False, ring1, True, "uncompressed, cookie name bound")
    add("plain-no-context", key1, 1, bytes(range(16)), 1_700_000_000, b"",
        b'{"user":42}', False, ring1, True, "empty context")
    add("empty-plaintext", key1, 1, bytes([0xAA] * 16), 0, b"session",
        b"", False, ring1, True, "smallest envelope, issued at 0")
    add("plain-64-bytes", key1, 1, bytes([1] * 16), 1_800_000_000, b"session",
        session_json(64)[:64], False, ring1, True, "64-byte plaintext")
    add("older-key-id", key1, 1, bytes([3] * 16), 1_700_000_000, b"session",
        b'{"cart":[1,2,3]}', False, ring21, True,
        "sealed by key 1; opened by a ring whose primary is key 2: reseal advised")
    add("compressed-with-context", key1, 1, bytes([5] * 16), 1_700_000_000, b"session",
        session_json(2000), True, ring1, False,
        "deflated by Python zlib level 9: the open direction is pinned; our compressor may differ")
    add("compressed-no-context", key2, 2, bytes([9] * 16), 1_700_000_100, b"",
        session_json(1100), True, ring21, False, "compressed, primary key 2, empty context")
    add("unicode-context", key2, 2, bytes([0x10] * 16), 1_700_000_000,
        "s\u00e9ssion-\u2603".encode(), '{"name":"\u00e9\u2603"}'.encode(), False, ring21, True,
        "non-ASCII context and plaintext")
    return out


def verify(path: str) -> int:
    vectors = json.load(open(path, encoding="utf-8"))
    passed = failed = 0
    for v in vectors:
        keys = {k["id"]: bytes.fromhex(k["key_hex"]) for k in v["keys"]}
        key = keys[v["key_id"]]
        try:
            got = open_(key, v["cookie"], v["context"].encode())
            assert got["plaintext"].hex() == v["plaintext_hex"], "plaintext"
            assert got["key_id"] == v["key_id"], "key id"
            assert got["issued_at"] == v["issued_at"], "issued_at"
            assert got["compressed"] == v["compressed"], "compressed"
            if v["exact_seal"]:
                again = seal(key, v["key_id"], v["issued_at"], bytes.fromhex(v["nonce_hex"]),
                             v["context"].encode(), bytes.fromhex(v["plaintext_hex"]), False)
                assert again == v["cookie"], "exact seal"
            passed += 1
        except Exception as e:  # report, don't crash
            print(f"FAIL {v['name']}: {type(e).__name__} {e}")
            failed += 1
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["generate"]:
        json.dump(generate(), sys.stdout, indent=2, ensure_ascii=False)
        print()
    elif sys.argv[1:2] == ["verify"] and len(sys.argv) == 3:
        sys.exit(verify(sys.argv[2]))
    else:
        print(__doc__)
        sys.exit(2)

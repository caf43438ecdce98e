#!/usr/bin/env python3
"""An independent implementation of sealed-session envelope v1 (FORMAT.md),
written from the specification with pycryptodome and the standard library.

It is the outside ground truth for tests/data/v1-vectors.json:

    v1_reference.py generate   > tests/data/v1-vectors.json  (once, by hand)
    v1_reference.py append-negative tests/data/v1-vectors.json  (once, by hand)
    v1_reference.py verify  tests/data/v1-vectors.json        (every CI run)

`verify` re-derives every vector. A positive vector: it opens the cookie and
compares the plaintext and header, and for vectors marked "exact_seal" it
seals again and compares the text byte for byte. A negative vector (one with
an "error"): its opener, which follows the steps of FORMAT.md §6 in order,
must reject the cookie with exactly that error. Exit 0 and "N passed,
0 failed" on success.

`append-negative` adds the negative vectors to a file that has none yet,
leaving every byte of the vectors already there as it was.
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


ALPHABET = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


class Reject(Exception):
    """An opener's rejection, named as FORMAT.md §6 names it: "too large",
    "malformed", "unknown version", "unknown key id", "not authentic",
    "issued in the future", "expired"."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def unb64url(text: str) -> bytes:
    """Strict decoding (§4): the alphabet only, no length 1 mod 4, and the
    one canonical text of the bytes."""
    if any(c not in ALPHABET for c in text) or len(text) % 4 == 1:
        raise Reject("malformed")
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64url(raw) != text:
        raise Reject("malformed")
    return raw


def aad(header: bytes, context: bytes) -> bytes:
    return header + struct.pack(">I", len(context)) + context


def seal(key: bytes, key_id: int, issued_at: int, nonce: bytes, context: bytes,
         body: bytes, compressed: bool, version: int = VERSION, flags: int = 0) -> str:
    """Seals `body` (already deflated when `compressed`). `version` and extra
    `flags` bits make a key holder's cookie that an opener must reject."""
    flags |= FLAG_COMPRESSED if compressed else 0
    header = bytes([version, flags, key_id]) + struct.pack(">Q", issued_at)
    cipher = AES.new(key, AES.MODE_EAX, nonce=nonce, mac_len=TAG_LEN)
    cipher.update(aad(header, context))
    ct, tag = cipher.encrypt_and_digest(body)
    return b64url(header + nonce + ct + tag)


def open_(keys: dict[int, bytes], text: str, context: bytes, now: int,
          max_text_len: int = 4096, max_plaintext_len: int = 65536,
          clock_skew: int = 60, max_age: int | None = None) -> dict:
    """Opens `text` with the steps of FORMAT.md §6, in order; raises Reject."""
    # 1. The value alone, in bytes.
    if len(text.encode("utf-8")) > max_text_len:
        raise Reject("too large")
    # 2.
    raw = unb64url(text)
    # 3.
    if not raw:
        raise Reject("malformed")
    if raw[0] != VERSION:
        raise Reject("unknown version")
    # 4.
    if len(raw) < HEADER_LEN + NONCE_LEN + TAG_LEN or raw[1] & ~FLAG_COMPRESSED:
        raise Reject("malformed")
    header, nonce = raw[:HEADER_LEN], raw[HEADER_LEN:HEADER_LEN + NONCE_LEN]
    ct, tag = raw[HEADER_LEN + NONCE_LEN:-TAG_LEN], raw[-TAG_LEN:]
    # 5.
    if header[2] not in keys:
        raise Reject("unknown key id")
    # 6.
    cipher = AES.new(keys[header[2]], AES.MODE_EAX, nonce=nonce, mac_len=TAG_LEN)
    cipher.update(aad(header, context))
    try:
        body = cipher.decrypt_and_verify(ct, tag)
    except ValueError:
        raise Reject("not authentic") from None
    # 7.
    issued_at = struct.unpack(">Q", header[3:])[0]
    if issued_at > now + clock_skew:
        raise Reject("issued in the future")
    if max_age is not None and now - issued_at > max_age:
        raise Reject("expired")
    # 8. In stream order: more than B bytes out before the stream ends or
    # fails is too large; otherwise a failed, truncated or trailed stream is
    # malformed. (With max_length, zlib stops at B + 1 bytes before it
    # reads on to whatever follows.)
    compressed = bool(header[1] & FLAG_COMPRESSED)
    if compressed:
        d = zlib.decompressobj(wbits=-15)
        try:
            body = d.decompress(body, max_plaintext_len + 1)
        except zlib.error:
            raise Reject("malformed") from None
        if len(body) > max_plaintext_len:
            raise Reject("too large")
        if not d.eof or d.unused_data:
            raise Reject("malformed")
    elif len(body) > max_plaintext_len:
        raise Reject("too large")
    return {"plaintext": body, "key_id": header[2],
            "issued_at": issued_at, "compressed": compressed}


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


def negative() -> list[dict]:
    """Key holders' cookies that an opener must reject, each with the one
    error FORMAT.md §6 gives it."""
    key1 = bytes(range(32))
    ring1 = [{"id": 1, "key_hex": key1.hex()}]
    issued_at = 1_700_000_000
    out = []

    def add(name, note, cookie, error, nonce, **extra):
        out.append({"name": name, "note": note, "keys": ring1, "nonce_hex": nonce.hex(),
                    "issued_at": issued_at, "context": "session", "cookie": cookie,
                    **extra, "error": error})

    nonce = bytes([0x21] * 16)
    add("reserved-flag-bit",
        "flags 0x02 (bit 1, reserved), correctly tagged: step 4",
        seal(key1, 1, issued_at, nonce, b"session", b'{"user":42}', False, flags=0x02),
        "malformed", nonce)
    nonce = bytes([0x22] * 16)
    add("unknown-version-2",
        "version 0x02, correctly tagged: step 3, before the length and the tag",
        seal(key1, 1, issued_at, nonce, b"session", b'{"user":42}', False, version=2),
        "unknown version", nonce)
    nonce = bytes([0x23] * 16)
    canonical = seal(key1, 1, issued_at, nonce, b"session", b'{"user":420}', False)
    # A 55-byte envelope ends in 2 characters whose last carries 4 unused
    # bits; set the lowest of them.
    last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    bent = canonical[:-1] + last[last.index(canonical[-1]) | 1]
    assert unb64url(canonical) and base64.urlsafe_b64decode(bent + "==") == unb64url(canonical)
    add("non-canonical-base64",
        "a valid cookie whose last character has an unused bit set: it decodes to the same "
        "bytes, but is not their one text form (§4): step 2",
        bent, "malformed", nonce)
    nonce = bytes([0x24] * 16)
    plaintext = b'{"user":42,"cart":[1,2,3]}'
    add("trailing-data-after-deflate",
        "compressed flag, a whole raw DEFLATE stream of the plaintext, then one 0x00 byte, "
        "correctly tagged: step 8",
        seal(key1, 1, issued_at, nonce, b"session", raw_deflate(plaintext) + b"\x00", True),
        "malformed", nonce, plaintext_hex=plaintext.hex())
    nonce = bytes([0x25] * 16)
    plaintext = session_json(1025)[:1025]
    add("inflate-one-byte-past-the-bound",
        "compressed flag, a raw DEFLATE stream of 1025 bytes, opened with the bound B = 1024 "
        "(max_plaintext_len): step 8. With the default bound it opens.",
        seal(key1, 1, issued_at, nonce, b"session", raw_deflate(plaintext), True),
        "too large", nonce, plaintext_hex=plaintext.hex(), max_plaintext_len=1024)
    return out


def append_negative(path: str) -> int:
    raw = open(path, encoding="utf-8").read()
    vectors = json.loads(raw)
    # The file is written in this one format, so appending keeps every byte
    # of the vectors already there.
    assert json.dumps(vectors, indent=2, ensure_ascii=False) + "\n" == raw, "unexpected format"
    assert not any("error" in v for v in vectors), "negative vectors already there"
    vectors += negative()
    with open(path, "w", encoding="utf-8") as f:
        json.dump(vectors, f, indent=2, ensure_ascii=False)
        f.write("\n")
    return 0


def verify(path: str) -> int:
    vectors = json.load(open(path, encoding="utf-8"))
    passed = failed = 0
    for v in vectors:
        keys = {k["id"]: bytes.fromhex(k["key_hex"]) for k in v["keys"]}
        context = v["context"].encode()
        try:
            if "error" in v:
                bound = v.get("max_plaintext_len", 65536)
                try:
                    open_(keys, v["cookie"], context, v["issued_at"], max_plaintext_len=bound)
                except Reject as e:
                    assert e.kind == v["error"], f"rejected as {e.kind}, not {v['error']}"
                else:
                    raise AssertionError(f"opened, not rejected as {v['error']}")
                if "max_plaintext_len" in v:
                    got = open_(keys, v["cookie"], context, v["issued_at"])
                    assert got["plaintext"].hex() == v["plaintext_hex"], "default bound"
                passed += 1
                continue
            key = keys[v["key_id"]]
            got = open_(keys, v["cookie"], context, v["issued_at"])
            assert got["plaintext"].hex() == v["plaintext_hex"], "plaintext"
            assert got["key_id"] == v["key_id"], "key id"
            assert got["issued_at"] == v["issued_at"], "issued_at"
            assert got["compressed"] == v["compressed"], "compressed"
            if v["exact_seal"]:
                again = seal(key, v["key_id"], v["issued_at"], bytes.fromhex(v["nonce_hex"]),
                             context, bytes.fromhex(v["plaintext_hex"]), False)
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
    elif sys.argv[1:2] == ["append-negative"] and len(sys.argv) == 3:
        sys.exit(append_negative(sys.argv[2]))
    else:
        print(__doc__)
        sys.exit(2)

#!/usr/bin/env python3
"""Re-implementation of the EncryptedSession (SaintFlipper/EncryptedSession)
Flask session cookie format: ``<u|z>.<b64 ciphertext>.<b64 tag>.<b64 nonce>``,
AES-EAX (pycryptodome), JSON with tagged bytes, zlib above 1024 bytes.
Only stdlib + Crypto; see README.md for the CLI."""
from __future__ import annotations

import argparse
import base64
import json
import sys
import zlib
from typing import Any

from Crypto.Cipher import AES

COMPRESS_THRESHOLD = 1024
Session = dict[str, Any]


class BytesEncoder(json.JSONEncoder):
    """The package's BinaryAwareJSONEncoder."""

    def default(self, o: Any) -> Any:
        if isinstance(o, bytes):
            return {"__type__": "bytes", "b": base64.b64encode(o).decode("ascii")}
        return super().default(o)


def bytes_hook(d: dict[str, Any]) -> Any:
    """The package's BinaryAwareJSONDecoder object_hook (quirks included:
    extra keys beside "b" are ignored, a non-bytes "__type__" moves last)."""
    if "__type__" not in d:
        return d
    typ = d.pop("__type__")
    if typ == "bytes":
        return base64.b64decode(bytes(d["b"], "utf-8"))
    d["__type__"] = typ
    return d


def loads_tagged(text: str | bytes) -> Session:
    obj = json.loads(text, object_hook=bytes_hook)
    if not isinstance(obj, dict):
        raise TypeError("session is not a JSON object")
    return obj


def dumps_tagged(obj: Any) -> str:
    return json.dumps(obj, cls=BytesEncoder, sort_keys=False, separators=(",", ":"))


def session_json(session: Session) -> bytes:
    """Exactly what the package encrypts before optional compression."""
    return bytes(json.dumps(dict(session), cls=BytesEncoder), "utf-8")


def seal(key: bytes, session: Session, nonce: bytes | None = None) -> str:
    data = session_json(session)
    flag = "u"
    if len(data) > COMPRESS_THRESHOLD:
        flag, data = "z", zlib.compress(data)
    cipher = AES.new(key, AES.MODE_EAX) if nonce is None else AES.new(key, AES.MODE_EAX, nonce=nonce)
    ciphertext, tag = cipher.encrypt_and_digest(data)
    return ".".join([flag] + [base64.b64encode(p).decode("ascii") for p in (ciphertext, tag, cipher.nonce)])


def open_cookie(key: bytes, cookie: str) -> Session:
    parts = cookie.split(".")
    if len(parts) != 4:
        raise ValueError(f"expected 4 parts, got {len(parts)}")
    if parts[0] not in ("u", "z"):  # the package treats any non-"z" flag as "u"
        raise ValueError("bad flag")
    ciphertext, tag, nonce = (base64.b64decode(bytes(p, "utf-8")) for p in parts[1:])
    data = AES.new(key, AES.MODE_EAX, nonce=nonce).decrypt_and_verify(ciphertext, tag)
    if parts[0] == "z":
        data = zlib.decompress(data)
    return loads_tagged(str(data, "utf-8"))


def open_raw(key: bytes, cookie: str) -> dict[str, Any]:
    """Opens like open_cookie and also reports the flag, the decrypted JSON
    text, and the JSON the package would write for the same session."""
    parts = cookie.split(".")
    if len(parts) != 4 or parts[0] not in ("u", "z"):
        raise ValueError("bad shape")
    ciphertext, tag, nonce = (base64.b64decode(bytes(p, "utf-8")) for p in parts[1:])
    data = AES.new(key, AES.MODE_EAX, nonce=nonce).decrypt_and_verify(ciphertext, tag)
    if parts[0] == "z":
        data = zlib.decompress(data)
    text = str(data, "utf-8")
    session = loads_tagged(text)
    return {"flag": parts[0], "plaintext": text,
            "python_json": str(session_json(session), "utf-8"), "session": session}


def error_name(e: Exception) -> str:
    t = type(e)
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def try_open(key: bytes, cookie: str) -> tuple[Session | None, str | None]:
    try:
        return open_cookie(key, cookie), None
    except Exception as e:  # ValueError, KeyError, TypeError, zlib.error, ...
        t = type(e)
        return None, t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def run(args: argparse.Namespace, stdin: str) -> str:
    key = bytes.fromhex(args.key_hex)
    if args.cmd == "seal":
        nonce = bytes.fromhex(args.nonce_hex) if args.nonce_hex else None
        return seal(key, loads_tagged(stdin), nonce)
    if args.cmd == "open":
        session, err = try_open(key, stdin.strip())
        if err:
            raise SystemExit(f"rejected: {err}")
        return dumps_tagged(session)
    items = json.loads(stdin, object_hook=bytes_hook)
    out: list[dict[str, Any]] = []
    if args.cmd == "batch-seal":
        for it in items:
            nonce = bytes.fromhex(it["nonce_hex"]) if it.get("nonce_hex") else None
            out.append({"name": it["name"], "cookie": seal(key, it["session"], nonce),
                        "json_len": len(session_json(it["session"]))})
    elif args.cmd == "batch-open-raw":
        for it in items:
            try:
                out.append({"name": it["name"], "ok": True, **open_raw(key, it["cookie"].strip())})
            except Exception as e:  # same set as try_open
                out.append({"name": it["name"], "ok": False, "error": error_name(e)})
    else:
        for it in items:
            session, err = try_open(key, it["cookie"].strip())
            out.append({"name": it["name"], "ok": False, "error": err} if err
                       else {"name": it["name"], "ok": True, "session": session})
    return dumps_tagged(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("seal", "open", "batch-seal", "batch-open", "batch-open-raw"):
        sp = sub.add_parser(name)
        sp.add_argument("--key-hex", required=True)
        if name == "seal":
            sp.add_argument("--nonce-hex")
    args = p.parse_args(argv)
    try:
        print(run(args, sys.stdin.read()))
    except SystemExit as e:
        print(e.code, file=sys.stderr)
        return 1
    except Exception as e:
        print(f"error: {type(e).__name__}: {e}".splitlines()[0], file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

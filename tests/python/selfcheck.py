#!/usr/bin/env python3
"""Self-check for encrypted_session.py / flask_signed.py. Run: python selfcheck.py"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

from Crypto.Cipher import AES

import encrypted_session as es

HERE = Path(__file__).resolve().parent
KEY = bytes(range(32))
NONCE = bytes(range(16))
KAT = "u.D7DycromYEhiSEIUsA4=.xcLffjV72Pk9kZ/Hsu0L2Q==.AAECAwQFBgcICQoLDA0ODw=="
results = {"passed": 0, "failed": 0}


def check(name: str, fn: Callable[[], None]) -> None:
    try:
        fn()
        results["passed"] += 1
    except Exception as e:
        results["failed"] += 1
        print(f"FAIL {name}: {type(e).__name__}: {e}")


def cli(script: str, *args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(HERE / script), *args], input=stdin,
                          capture_output=True, text=True, timeout=60)


def padded(n: int) -> dict[str, Any]:
    """A session whose package JSON is exactly n bytes."""
    s = {"pad": ""}
    s["pad"] = "x" * (n - len(es.session_json(s)))
    assert len(es.session_json(s)) == n
    return s


SESSIONS: dict[str, tuple[dict[str, Any], str]] = {
    "empty": ({}, "u"),
    "tiny": ({"answer": 42}, "u"),
    "len1023": (padded(1023), "u"),
    "len1024": (padded(1024), "u"),
    "len1025": (padded(1025), "z"),
    "unicode": ({"name": "Zoë ☃ 日本 😀", "k\u00e9y": "\u0000\t\"\\"}, "u"),
    "nested": ({"a": {"b": [1, {"c": None}, True, False]}, "l": [[], {}]}, "u"),
    "bytes": ({"bin": bytes(range(256)), "e": b"", "in": [b"\x00\xff"]}, "u"),
    "floats": ({"f": [0.1, 1.0, -0.0, 1e100, 1.5e-7, 123456789.123]}, "u"),
    "bigint": ({"big": 2**64 + 1, "neg": -(2**70), "huge": 10**40}, "u"),
    "big-bytes": ({"blob": bytes(range(256)) * 8}, "z"),
}


def roundtrip(session: dict[str, Any], flag: str) -> None:
    cookie = es.seal(KEY, session)
    assert cookie[0] == flag, f"flag {cookie[0]} != {flag}"
    assert es.open_cookie(KEY, cookie) == session
    r = cli("encrypted_session.py", "open", "--key-hex", KEY.hex(), stdin=cookie)
    assert r.returncode == 0 and es.loads_tagged(r.stdout) == session, r.stderr
    r = cli("encrypted_session.py", "seal", "--key-hex", KEY.hex(), stdin=es.dumps_tagged(session))
    assert r.returncode == 0 and es.open_cookie(KEY, r.stdout.strip()) == session, r.stderr


def expect_rejected(cookie: str, key: bytes = KEY) -> Callable[[], None]:
    def fn() -> None:
        r = cli("encrypted_session.py", "open", "--key-hex", key.hex(), stdin=cookie)
        assert r.returncode == 1 and r.stdout == "", (r.returncode, r.stdout)
        assert "Traceback" not in r.stderr and r.stderr.startswith("rejected: "), r.stderr
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    return fn


def mutate(cookie: str, part: int) -> str:
    parts = cookie.split(".")
    c = parts[part][0]  # first char carries 6 full data bits, so bytes change
    parts[part] = ("B" if c == "A" else "A") + parts[part][1:]
    return ".".join(parts)


def test_kat() -> None:
    assert es.seal(KEY, {"answer": 42}, NONCE) == KAT
    r = cli("encrypted_session.py", "seal", "--key-hex", KEY.hex(), "--nonce-hex", NONCE.hex(),
            stdin='{"answer": 42}')
    assert r.returncode == 0 and r.stdout.strip() == KAT, r


def test_eax_vector() -> None:  # EAX paper (Bellare/Rogaway/Wagner) test vector 2
    c = AES.new(bytes.fromhex("91945D3F4DCBEE0BF45EF52255F095A4"), AES.MODE_EAX,
                nonce=bytes.fromhex("BECAF043B0A23D843194BA972C66DEBD"))
    c.update(bytes.fromhex("FA3BFD4806EB53FA"))
    ct, tag = c.encrypt_and_digest(bytes.fromhex("F7FB"))
    assert (ct + tag).hex().upper() == "19DD5C4C9331049D0BDAB0277408F67967E5"


def test_batch() -> None:
    items = [{"name": n, "session": s, "nonce_hex": NONCE.hex() if n == "tiny" else None}
             for n, (s, _) in SESSIONS.items()]
    r = cli("encrypted_session.py", "batch-seal", "--key-hex", KEY.hex(), stdin=es.dumps_tagged(items))
    sealed = json.loads(r.stdout)
    by_name = {x["name"]: x for x in sealed}
    assert by_name["tiny"]["cookie"] == KAT and by_name["len1025"]["json_len"] == 1025
    opens = [{"name": x["name"], "cookie": x["cookie"]} for x in sealed]
    opens.append({"name": "bad", "cookie": mutate(KAT, 2)})
    r = cli("encrypted_session.py", "batch-open", "--key-hex", KEY.hex(), stdin=json.dumps(opens))
    out = {x["name"]: x for x in es.loads_tagged('{"a":%s}' % r.stdout)["a"]}
    for n, (s, _) in SESSIONS.items():
        assert out[n]["ok"] and out[n]["session"] == s, n
    assert out["bad"] == {"name": "bad", "ok": False, "error": "ValueError"}


def test_flask_signed() -> None:
    from flask import Flask
    sess = {"user": "alice", "n": 1}
    r = cli("flask_signed.py", "--secret", "s3cret", stdin=json.dumps(sess))
    app = Flask(__name__)
    app.secret_key = "s3cret"
    assert r.returncode == 0, r.stderr
    assert app.session_interface.get_signing_serializer(app).loads(r.stdout.strip()) == sess
    r = cli("flask_signed.py", "--secret", "s3cret", "--timestamp", "1700000000", stdin=json.dumps(sess))
    assert r.stdout.strip() == "eyJ1c2VyIjoiYWxpY2UiLCJuIjoxfQ.ZVPxAA.vdndzNEl9taXsPEo8AqlwIiZ1o4", r.stdout


def main() -> int:
    for name, (session, flag) in SESSIONS.items():
        check(f"roundtrip {name}", lambda s=session, f=flag: roundtrip(s, f))
    check("known answer", test_kat)
    check("EAX test vector", test_eax_vector)
    check("batch", test_batch)
    check("flask signed", test_flask_signed)
    u, z = KAT, es.seal(KEY, padded(1025), NONCE)
    bad = {
        "u->z": "z" + u[1:], "z->u": "u" + z[1:], "flag x": "x" + u[1:],
        "ciphertext char": mutate(u, 1), "tag char": mutate(u, 2), "nonce char": mutate(u, 3),
        "z ciphertext char": mutate(z, 1), "3 parts": u.rsplit(".", 1)[0], "5 parts": u + ".AA==",
        "empty": "", "bad base64": "u.A.xcLffjV72Pk9kZ/Hsu0L2Q==.AAECAwQFBgcICQoLDA0ODw==",
        "empty nonce": u.rsplit(".", 1)[0] + ".", "short tag": "u.D7DycromYEhiSEIUsA4=.xcLffjV72Pk9kZ/H.AAECAwQFBgcICQoLDA0ODw==",
    }
    for name, cookie in bad.items():
        check(f"reject {name}", expect_rejected(cookie))
    check("reject wrong key", expect_rejected(u, bytes(range(1, 33))))
    print(f"{results['passed']} passed, {results['failed']} failed")
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())

"""Session-payload vectors for FORMAT.md §12 (the answers to its edge cases).

    python tests/python/session_vectors.py > tests/data/session-vectors.json

Writes, from FORMAT.md alone, the payloads of §12 for each case, sealed as
envelope v1 cookies by the reference sealer (`v1_reference.seal`), with the
outcome §12 gives them under the opener settings each vector names (idle and
absolute timeout 7 days, clock skew 60 s). The Rust tests (sealed-session and the command line)
open every cookie and compare. Re-running it writes the same file.
"""

import json
import struct
import sys

import v1_reference as ref

KEY = bytes(range(32))
KID = 1
CONTEXT = "__Host-session"
NOW = 1_700_000_000
WEEK = 7 * 86_400


def meta(created_at: int, permanent: bool = False) -> bytes:
    """`meta` without an id (flags bit 1 clear)."""
    return bytes([0x00, 0x01 if permanent else 0x00]) + struct.pack(">Q", created_at)


def nest(levels: int) -> bytes:
    """A session object whose member `a` nests arrays: `levels` levels of
    nesting in all, the object itself counting as the first."""
    return b'{"a":' + b"[" * (levels - 1) + b"]" * (levels - 1) + b"}"


# (name, section, note, payload, issued_at, outcome): outcome is either
# {"session": compact JSON of the members, "permanent": bool, "created_at": int}
# or {"error": "invalid session" | "lifetime exceeded", "why": ...}.
CASES = [
    ("bare-json", "12", "a bare JSON object: created_at is the envelope's issued_at",
     b'{"a":1}', NOW, {"session": '{"a":1}', "permanent": False, "created_at": NOW}),
    ("bare-json-permanent", "12", "without meta, a top-level `_permanent` member is the flag, "
     "and no member", b'{"a":1,"_permanent":true}', NOW,
     {"session": '{"a":1}', "permanent": True, "created_at": NOW}),
    ("bare-json-permanent-not-true", "12", "only the JSON literal true sets the flag; the member "
     "goes whatever its value", b'{"_permanent":1,"a":1}', NOW,
     {"session": '{"a":1}', "permanent": False, "created_at": NOW}),
    ("meta-permanent-flag", "12", "with meta, bit 0 of its flags is the flag",
     meta(NOW - 60, True) + b'{"a":1}', NOW,
     {"session": '{"a":1}', "permanent": True, "created_at": NOW - 60}),
    ("meta-with-permanent-member", "12.2", "after meta, `_permanent` is never a member: invalid",
     meta(NOW) + b'{"a":1,"_permanent":true}', NOW,
     {"error": "invalid session", "why": "_permanent member after meta"}),
    ("depth-100-arrays", "12.1", "arrays count toward the 100 levels; the object is level 1",
     nest(100), NOW, {"session": nest(100).decode(), "permanent": False, "created_at": NOW}),
    ("depth-101-arrays", "12.1", "101 levels, arrays included: invalid",
     nest(101), NOW, {"error": "invalid session", "why": "nesting"}),
    ("bytes-tag", "12.2", "a valid bytes tag", b'{"k":{" b":"AAE="}}', NOW,
     {"session": '{"k":{" b":"AAE="}}', "permanent": False, "created_at": NOW}),
    ("bytes-tag-unused-bits", "12.2", "the unused low bits of the last base64 character MUST be 0",
     b'{"k":{" b":"AAF="}}', NOW, {"error": "invalid session", "why": "bytes"}),
    ("bytes-tag-invalid-base64", "12.2", "a bytes tag holding invalid base64",
     b'{"k":{" b":"!!"}}', NOW, {"error": "invalid session", "why": "bytes"}),
    ("session-is-bytes-tag-invalid", "12.2", "the session object itself is a bytes tag with "
     "invalid base64", b'{" b":"!!"}', NOW, {"error": "invalid session", "why": "bytes"}),
    ("session-is-bytes-tag", "12.2", "the session object itself is never a bytes tag, even a valid "
     "one (Flask would load bytes)", b'{" b":"AAE="}', NOW,
     {"error": "invalid session", "why": "session object is a bytes tag"}),
    ("json-whitespace-after-body", "12", "any JSON whitespace may follow the object",
     b'{"a":1} \t\r\n', NOW, {"session": '{"a":1}', "permanent": False, "created_at": NOW}),
    ("json-whitespace-after-body-meta", "12", "the same after meta",
     meta(NOW) + b'{"a":1}\n\t\r ', NOW,
     {"session": '{"a":1}', "permanent": False, "created_at": NOW}),
    ("form-feed-after-body", "12", "form feed (0x0C) is not JSON whitespace: trailing data",
     b'{"a":1}\x0c', NOW, {"error": "invalid session", "why": "not a JSON object"}),
    ("padding-spaces", "12", "padding: spaces after the object",
     meta(NOW) + b'{"a":1}' + b" " * 25, NOW,
     {"session": '{"a":1}', "permanent": False, "created_at": NOW}),
    ("created-at-in-future", "12.1", "a created_at after now counts as age 0: it opens",
     meta(NOW + 86_400) + b'{"a":1}', NOW,
     {"session": '{"a":1}', "permanent": False, "created_at": NOW + 86_400}),
    ("lifetime-exactly", "12.1", "exactly the absolute timeout (7 days) old: valid",
     meta(NOW - WEEK) + b'{"a":1}', NOW,
     {"session": '{"a":1}', "permanent": False, "created_at": NOW - WEEK}),
    ("lifetime-exceeded", "12.1", "one second more: lifetime exceeded, however recent issued_at is",
     meta(NOW - WEEK - 1) + b'{"a":1}', NOW,
     {"error": "lifetime exceeded", "why": "absolute timeout"}),
]


def generate() -> list[dict]:
    vectors = []
    for i, (name, section, note, payload, issued_at, outcome) in enumerate(CASES):
        nonce = bytes([0x40 + i]) * 16
        cookie = ref.seal(KEY, KID, issued_at, nonce, CONTEXT.encode(), payload, False)
        vector = {
            "name": name,
            "section": section,
            "note": note,
            "keys": [{"id": KID, "key_hex": KEY.hex()}],
            "context": CONTEXT,
            "now": NOW,
            "idle_timeout": WEEK,
            "absolute_timeout": WEEK,
            "issued_at": issued_at,
            "nonce_hex": nonce.hex(),
            "payload_hex": payload.hex(),
            "cookie": cookie,
        }
        vector.update(outcome)
        # The reference opener agrees on the envelope.
        opened = ref.open_(ref_keys(), cookie, CONTEXT.encode(), NOW, max_age=None)
        assert opened["plaintext"] == payload, name
        vectors.append(vector)
    return vectors


def ref_keys() -> dict[int, bytes]:
    return {KID: KEY}


if __name__ == "__main__":
    json.dump(generate(), sys.stdout, indent=2, ensure_ascii=False)
    print()

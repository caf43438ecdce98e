"""tests/data/session-vectors.json (FORMAT.md §12's edge cases, written from
the spec by tests/python/session_vectors.py and sealed by the reference
sealer), opened by the Python package exactly as the Rust test
`every_session_vector_opens_as_the_spec_says` (tests/integration) opens
them with the std crate: the same outcome, the same error, the same data."""

from __future__ import annotations

import json

import pytest
from conftest import DATA
from flask.json.tag import TaggedJSONSerializer

import sealed_session as ss

VECTORS = json.loads((DATA / "session-vectors.json").read_text())

#: The exception each outcome (`error`, `why`) of an invalid vector raises,
#: as `expected_error` in the Rust test maps it to a `SessionError`.
ERRORS = {
    ("lifetime exceeded", "absolute timeout"): ss.LifetimeExceededError,
    ("invalid session", "nesting"): ss.TooDeepError,
    ("invalid session", "bytes"): ss.InvalidBytesError,
    ("invalid session", "not a JSON object"): ss.InvalidJsonError,
    ("invalid session", "_permanent member after meta"): ss.InvalidSessionError,
    ("invalid session", "session object is a bytes tag"): ss.InvalidSessionError,
}


def codec(vector: dict) -> ss.SessionCodec:
    (key,) = vector["keys"]
    return ss.SessionCodec(
        ss.Keyring(bytes.fromhex(key["key_hex"]), key_id=key["id"]),
        context=vector["context"].encode(),
        clock=ss.ManualClock(vector["now"]),
        idle_timeout=vector["idle_timeout"],
        absolute_timeout=vector["absolute_timeout"],
    )


def test_the_file_holds_every_vector():
    assert len(VECTORS) == 19
    assert sum("error" in vector for vector in VECTORS) == 8
    outcomes = {(v["error"], v["why"]) for v in VECTORS if "error" in v}
    assert outcomes == set(ERRORS)


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_every_session_vector_opens_as_the_spec_says(vector):
    opened = codec(vector)
    if "error" in vector:
        expected = ERRORS[(vector["error"], vector["why"])]
        with pytest.raises(ss.SealedSessionError) as error:
            opened.open(vector["cookie"])
        # Exactly that class: a subclass of it would be another outcome.
        assert type(error.value) is expected, vector["name"]
        return
    session = opened.open(vector["cookie"])
    assert session.to_json() == vector["session"]
    assert session.permanent is vector["permanent"]
    assert session.created_at == vector["created_at"]
    assert session.issued_at == vector["issued_at"]
    # The data as Flask sees it, by Flask's own tagged JSON (outside ground
    # truth for the package's decoder: `" b"` tags become the same bytes).
    expected = TaggedJSONSerializer().loads(vector["session"])
    if vector["permanent"]:
        expected["_permanent"] = True
    assert session.to_dict() == expected


#: The bare-JSON vectors whose tagged bytes are invalid (§12.2: invalid
#: base64, or non-zero unused bits): the package's own tagged-JSON decoder
#: (`loads`, what a Flask app reads back) refuses them as the std crate does.
INVALID_BYTES = [v for v in VECTORS if v.get("why") == "bytes"]


@pytest.mark.parametrize("vector", INVALID_BYTES, ids=[v["name"] for v in INVALID_BYTES])
def test_the_tagged_json_decoder_refuses_invalid_bytes(vector):
    payload = bytes.fromhex(vector["payload_hex"]).decode()
    assert payload.startswith("{")  # bare JSON, no meta
    with pytest.raises(ss.InvalidBytesError):
        ss.loads(payload)


def test_unused_bits_are_refused_where_flask_would_accept_them():
    # Python's base64 ignores the unused bits: "AAF=" and "AAE=" both give
    # b"\x00\x01". The spec (and the std crate) refuse the non-canonical one.
    assert TaggedJSONSerializer().loads('{" b":"AAF="}') == b"\x00\x01"
    assert ss.loads('{" b":"AAE="}') == b"\x00\x01"
    with pytest.raises(ss.InvalidBytesError):
        ss.loads('{" b":"AAF="}')

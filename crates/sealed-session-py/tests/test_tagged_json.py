"""Flask's tagged JSON in Rust (sealed_session.dumps/loads) against Flask's
own TaggedJSONSerializer: the same tags, the same values back."""

from __future__ import annotations

import collections
import datetime
import enum
import json
import math
import uuid
from decimal import Decimal

import pytest
from flask import Flask
from flask.sessions import session_json_serializer as flask_serializer
from markupsafe import Markup

import sealed_session as ss

UTC = datetime.timezone.utc


class Color(enum.IntEnum):
    RED = 7


class Name(str):
    pass


Point = collections.namedtuple("Point", "x y")

# Every value Flask's default session supports, and the corners of each.
VALUES = {
    "str": "plain",
    "unicode": "h\u00e9llo \u2603 \U0001f389 \u043a\u043b\u044e\u0447",
    "escapes": 'quote " backslash \\ newline \n tab \t nul \x00 bell \x07 del \x7f \u2028',
    "int": 42,
    "negative": -17,
    "big": 2**70,
    "negative_big": -(2**65),
    "i64_edges": [2**63 - 1, -(2**63), 2**63, -(2**63) - 1, 10**18, 10**19],
    "floats": [1.5, 0.1, -0.0, 1e16, 1.5e300, 5e-324, 123456789.125, 1e-7, 2.0],
    "bools_none": [True, False, None],
    "bytes": b"\x00\x01\xfebinary\xff",
    "empty_bytes": b"",
    "tuple": (1, "two", 3.5),
    "nested_tuple": ("x", (1, 2), [b"y"], ()),
    "namedtuple": Point(1, 2),
    "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "datetime": datetime.datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC),
    "markup": Markup("<b>bold</b> &amp; safe"),
    "nested": {"a": {"b": {"c": [1, (2, b"3"), {"d": None}]}}},
    "looks_like_tuple": {" t": "not a tuple"},
    "looks_like_di": {" di": 1},
    "looks_like_bytes": {" b": b"real bytes"},
    "two_keys_one_tag": {" t": 1, "x": 2},
    "empty": [{}, [], ""],
    "int_enum": Color.RED,
    "str_subclass": Name("subclassed"),
}


@pytest.fixture
def flask_app():
    app = Flask("tagged_json")
    with app.app_context():
        yield app


def flask_dumps(value):
    return flask_serializer.dumps(value)


def flask_loads(text):
    return flask_serializer.loads(text)


@pytest.mark.parametrize("name", VALUES)
def test_dumps_tags_as_flask_does(flask_app, name):
    value = {name: VALUES[name]}
    ours = ss.dumps(value)
    # The same JSON document once parsed (Flask sorts keys; we keep order).
    assert json.loads(ours) == json.loads(flask_dumps(value))
    # Flask reads ours back to the value, and we read Flask's.
    assert flask_loads(ours) == value
    assert ss.loads(flask_dumps(value)) == value
    assert ss.loads(ours) == value


def test_types_come_back_as_flask_gives_them(flask_app):
    back = ss.loads(ss.dumps(VALUES))
    flask_back = flask_loads(flask_dumps(VALUES))
    assert back == flask_back
    for key in VALUES:
        assert type(back[key]) is type(flask_back[key]), key
    assert type(back["markup"]) is Markup
    assert back["namedtuple"] == (1, 2) and type(back["namedtuple"]) is tuple
    assert back["int_enum"] == 7 and type(back["int_enum"]) is int
    assert math.copysign(1.0, back["floats"][2]) == -1.0


def test_the_outermost_object_is_untagged_too(flask_app):
    for value in ({" t": [1, 2]}, {" b": "AAE="}, {" di": {"x__": 1}}):
        text = json.dumps(value)
        assert ss.loads(text) == flask_loads(text)


def test_naive_datetimes_are_read_back_as_flask_reads_them(flask_app):
    naive = {"when": datetime.datetime(2020, 1, 2, 3, 4, 5)}
    assert ss.dumps(naive) == json.dumps(json.loads(flask_dumps(naive)), separators=(",", ":"))
    assert ss.loads(ss.dumps(naive)) == flask_loads(flask_dumps(naive))


def test_other_types_go_through_default_as_in_json_dumps(flask_app):
    value = {"date": datetime.date(2024, 5, 6), "price": Decimal("9.99")}
    with pytest.raises(TypeError, match="^Object of type date is not JSON serializable"):
        ss.dumps(value)
    ours = ss.dumps(value, default=flask_app.json.default)
    assert json.loads(ours) == json.loads(flask_dumps(value))


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        ({"s": {1, 2}}, TypeError, "Object of type set is not JSON serializable"),
        ({"b": bytearray(b"x")}, TypeError, "Object of type bytearray is not JSON serializable"),
        ({1: "int key"}, TypeError, "session keys must be str, not int"),
        ({"nan": float("nan")}, ValueError, "Out of range float values are not JSON compliant: NaN"),
        ({"inf": float("-inf")}, ValueError, "Out of range float values are not JSON compliant: -inf"),
        ({"lone": "\ud800"}, ValueError, "a session string holds a lone surrogate, which is not UTF-8"),
    ],
)
def test_values_a_session_cannot_hold(value, error, message):
    with pytest.raises(error) as raised:
        ss.dumps(value)
    assert str(raised.value).startswith(message)


def test_depth_is_bounded_and_cycles_end_there():
    def nested(levels):
        value = []
        for _ in range(levels - 2):
            value = [value]
        return {"v": value}

    assert ss.loads(ss.dumps(nested(100))) == nested(100)
    with pytest.raises(ss.TooDeepError):
        ss.dumps(nested(101))
    cycle = []
    cycle.append(cycle)
    with pytest.raises(ss.TooDeepError):
        ss.dumps({"cycle": cycle})
    loop = {}
    loop["self"] = loop
    with pytest.raises(ss.TooDeepError):
        ss.dumps(loop)
    with pytest.raises(ss.TooDeepError):
        ss.loads("[" * 101 + "]" * 101)
    with pytest.raises(ss.TooDeepError):
        ss.loads("[" * 1_000_000)  # no recursion past the bound


@pytest.mark.parametrize(
    "text",
    [
        "", "{", '{"a":}', '{"a":1,}', "[1,]", "01", "1.", "-", "1e", '"\\x"', '"\\ud800"', '"\\udc00x"',
        '"a\nb"', "NaN", "Infinity", "1e999", "{} x", "tru", '{"a" 1}', '{1:2}', '"\\u12"',
    ],
)
def test_loads_refuses_what_is_not_session_json(text):
    with pytest.raises(ss.InvalidJsonError) as error:
        ss.loads(text)
    assert str(error.value).startswith("session is not a JSON object: ")
    assert text not in str(error.value) or len(text) < 2


def test_loads_refuses_bad_tags_and_non_utf8():
    with pytest.raises(ss.InvalidBytesError):
        ss.loads('{" b": "not base64!"}')
    with pytest.raises(ss.InvalidBytesError):
        ss.loads('{" b": 1}')
    with pytest.raises(ss.InvalidJsonError, match="tagged \" u\" does not decode"):
        ss.loads('{" u": "zz"}')
    with pytest.raises(ss.InvalidJsonError, match="not UTF-8"):
        ss.loads(b'{"a": "\xff"}')
    assert ss.loads(b'{"a": [1, 2.5, "x"]}') == {"a": [1, 2.5, "x"]}
    with pytest.raises(TypeError):
        ss.loads(3)


def test_mutation_from_python_during_dumps_cannot_crash():
    """Python code run while writing (default, __html__) may change the
    containers being written: no crash, no out-of-bounds read."""
    data = {"items": [1, 2, 3]}

    class Shrinker:
        def __html__(self):
            data["items"].clear()
            return "x"

    data["items"].insert(0, Shrinker())
    text = ss.dumps(data)
    assert json.loads(text) == {"items": [{" m": "x"}]}


# The session's own crossing (``Session(dict)``, ``replace``, ``seal(dict)``
# and ``to_dict``) goes member by member, without the text of the whole
# session: it must be ``dumps`` and ``loads`` exactly, on every value above,
# on the outermost object's tags, and on ``_permanent``.
OUTERMOST = [
    '{" t": [1, 2]}',
    '{" di": {"x__": 1}}',
    '{" di": {" t__": [1]}}',
    '{" u": "12345678123456781234567812345678"}',
    '{" m": "<b>x</b>"}',
    '{" d": "Tue, 14 Nov 2023 22:13:20 GMT"}',
    '{" t": [1], " t": [2, 3]}',
    '{" t": [1], "x": 2}',
    '{"a": {" b": "AAE="}, "b": [{" t": []}]}',
    "{}",
]


@pytest.mark.parametrize("name", [*VALUES, None])
def test_the_session_crossing_is_dumps_and_loads(flask_app, name):
    value = VALUES if name is None else {name: VALUES[name]}
    session = ss.Session(value)
    assert session.to_json() == ss.dumps(value)
    back = session.to_dict()
    assert back == ss.loads(ss.dumps(value)) == flask_loads(flask_dumps(value))
    assert [type(v) for v in back.values()] == [type(v) for v in ss.loads(ss.dumps(value)).values()]
    replaced = ss.Session({"old": 1})
    replaced.replace(value)
    assert replaced.to_json() == ss.dumps(value) and replaced.modified


@pytest.mark.parametrize("text", OUTERMOST)
def test_to_dict_untags_the_outermost_object_as_loads(flask_app, text):
    back = ss.Session.from_json(text).to_dict()
    assert back == ss.loads(text) == flask_loads(text)
    assert type(back) is type(ss.loads(text))


def test_the_crossing_keeps_permanent_and_errors(flask_app):
    for data in ({"a": 1, "_permanent": True}, {"_permanent": True}, {"a": (1,), "_permanent": True}):
        session = ss.Session(data)
        assert session.permanent and session.to_dict() == data
        assert session.to_dict() == ss.loads(session.to_flask_json())
    session = ss.Session({"a": 1, "_permanent": False})
    assert not session.permanent and session.to_dict() == {"a": 1}
    for value, error in [
        ({"s": {1, 2}}, TypeError),
        ({1: "int key"}, TypeError),
        ({"nan": float("nan")}, ValueError),
        ({"lone": "\ud800"}, ValueError),
        ({"\ud800": 1}, ValueError),
        ({"deep": [[[[[]]]]] * 1}, None),
    ]:
        if error is None:
            assert ss.Session(value).to_json() == ss.dumps(value)
            continue
        with pytest.raises(error) as expected:
            ss.dumps(value)
        with pytest.raises(error) as got:
            ss.Session(value)
        assert str(got.value) == str(expected.value)
        kept = ss.Session({"kept": 1})
        with pytest.raises(error):
            kept.replace(value)
        assert kept.to_dict() == {"kept": 1} and not kept.modified


def test_no_dict_seals_into_a_cookie_that_does_not_open(flask_app):
    """Whatever dict goes in, the session is one the Rust crate opens: the
    member-by-member path keeps every check of Session::from_json."""
    codec = ss.SessionCodec(ss.Keyring(bytes(range(32))), cookie_name="s", secure=False)
    # Without its `_permanent`, this is a byte string, which no session is
    # (it used to seal into a cookie that then did not open).
    for data in ({" b": "AAE=", "_permanent": True}, {"_permanent": True, " b": "AAE="}):
        with pytest.raises(ss.InvalidSessionError):
            codec.seal(data)
        with pytest.raises(ss.InvalidSessionError):
            ss.Session(data)
    with pytest.raises(ss.InvalidBytesError):
        codec.seal({" b": "!!", "_permanent": True})
    deep = []
    for _ in range(98):
        deep = [deep]
    cases = [
        {" b": "AAE="},
        {" b": b"\x00"},
        {" t": [1]},
        {" di": {"x__": 1}},
        {" b": "AAE=", "_permanent": False, "c": 1},
        {"deep": deep},
        VALUES,
        {**VALUES, "_permanent": True},
    ]
    for data in cases:
        expected = {k: v for k, v in ss.loads(ss.dumps(data)).items() if k != "_permanent"}
        if data.get("_permanent") is True:
            expected["_permanent"] = True
        assert codec.open(codec.seal(data)).to_dict() == expected
    with pytest.raises(ss.TooDeepError):
        codec.seal({"deep": [deep]})

//! The session's JSON: strict parsing after authentication, the checks that
//! keep a session valid, tagged bytes, and Python-compatible output.

use core::fmt;
use std::io;

use base64ct::{Base64, Encoding};
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

use crate::error::SessionError;

/// How deep a session may nest arrays and objects, the session object itself
/// counting as level 1. Deeper input is [`SessionError::TooDeep`] when
/// opened or inserted. (The JSON parser's own hard stop, 127 levels, keeps
/// even 10,000-deep input from overflowing the stack.)
pub const MAX_DEPTH: usize = 100;

/// The key of the tag that marks a byte value: `{"__type__": "bytes", "b": ...}`.
pub const BYTES_TAG: &str = "__type__";

/// A byte string, stored in the session as the Python package stores
/// `bytes`: `{"__type__": "bytes", "b": "<standard base64, padded>"}`.
///
/// Use it inside your own types to keep bytes anywhere in a session;
/// [`Session::insert_bytes`](crate::Session::insert_bytes) and
/// [`Session::get_bytes`](crate::Session::get_bytes) are shortcuts for a
/// top-level value.
///
/// ```
/// use sealed_session::{Bytes, Session};
///
/// let mut session = Session::new();
/// session.insert("keys", vec![Bytes(vec![0, 1]), Bytes(b"hi".to_vec())])?;
/// assert_eq!(
///     String::from_utf8(session.to_json_vec()?).unwrap(),
///     r#"{"keys":[{"__type__":"bytes","b":"AAE="},{"__type__":"bytes","b":"aGk="}]}"#
/// );
/// let keys: Vec<Bytes> = session.get("keys")?.unwrap();
/// assert_eq!(keys[1].0, b"hi");
/// # Ok::<(), sealed_session::SessionError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Bytes(pub Vec<u8>);

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry(BYTES_TAG, "bytes")?;
        map.serialize_entry("b", &Base64::encode_string(&self.0))?;
        map.end()
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(BytesVisitor)
    }
}

struct BytesVisitor;

impl<'de> Visitor<'de> for BytesVisitor {
    type Value = Bytes;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(r#"{"__type__": "bytes", "b": "<base64>"}"#)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Bytes, A::Error> {
        let mut tagged = false;
        let mut bytes = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                BYTES_TAG if !tagged => {
                    if map.next_value::<String>()? != "bytes" {
                        return Err(de::Error::custom("not a bytes tag"));
                    }
                    tagged = true;
                }
                "b" if bytes.is_none() => {
                    let text = map.next_value::<String>()?;
                    let decoded = Base64::decode_vec(&text)
                        .map_err(|_| de::Error::custom("invalid base64"))?;
                    bytes = Some(decoded);
                }
                _ => return Err(de::Error::custom("unexpected key")),
            }
        }
        match (tagged, bytes) {
            (true, Some(bytes)) => Ok(Bytes(bytes)),
            _ => Err(de::Error::custom("incomplete bytes tag")),
        }
    }
}

/// Decodes a value that must be a tagged byte string.
pub(crate) fn bytes_of(value: &Value) -> Result<Vec<u8>, SessionError> {
    match value.as_object() {
        Some(object) if is_tagged_bytes(object) => decode_tagged(object),
        _ => Err(SessionError::WrongType),
    }
}

/// The tagged form of `bytes`.
pub(crate) fn tagged_bytes(bytes: &[u8]) -> Value {
    let mut object = Map::with_capacity(2);
    object.insert(BYTES_TAG.to_owned(), Value::from("bytes"));
    object.insert("b".to_owned(), Value::from(Base64::encode_string(bytes)));
    Value::Object(object)
}

/// Whether Python's decoder would turn this object into `bytes`.
fn is_tagged_bytes(object: &Map<String, Value>) -> bool {
    object.get(BYTES_TAG).and_then(Value::as_str) == Some("bytes")
}

fn decode_tagged(object: &Map<String, Value>) -> Result<Vec<u8>, SessionError> {
    if object.len() != 2 {
        return Err(SessionError::InvalidBytes);
    }
    let text = object
        .get("b")
        .and_then(Value::as_str)
        .ok_or(SessionError::InvalidBytes)?;
    Base64::decode_vec(text).map_err(|_| SessionError::InvalidBytes)
}

/// Checks what every session value must satisfy: at most `MAX_DEPTH -
/// depth_above` levels deep, and every tagged byte string well formed.
/// Iterative, so a deep value cannot overflow the stack here.
pub(crate) fn check(value: &Value, depth_above: usize) -> Result<(), SessionError> {
    let mut stack: Vec<(&Value, usize)> = vec![(value, depth_above)];
    while let Some((value, above)) = stack.pop() {
        let depth = match value {
            Value::Array(_) | Value::Object(_) => above.saturating_add(1),
            _ => continue,
        };
        if depth > MAX_DEPTH {
            return Err(SessionError::TooDeep);
        }
        match value {
            Value::Array(items) => stack.extend(items.iter().map(|item| (item, depth))),
            Value::Object(object) => {
                if is_tagged_bytes(object) {
                    decode_tagged(object)?;
                }
                stack.extend(object.values().map(|item| (item, depth)));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Parses an authentic plaintext as a session: UTF-8 JSON whose top level is
/// an object, no deeper than [`MAX_DEPTH`], tagged bytes well formed.
/// Duplicate keys: the last value wins, at the first key's position, as in
/// Python's `json.loads`.
pub(crate) fn parse(plaintext: &[u8]) -> Result<Map<String, Value>, SessionError> {
    let value: Value = match serde_json::from_slice(plaintext) {
        Ok(value) => value,
        Err(error) if error.to_string().starts_with("recursion limit exceeded") => {
            return Err(SessionError::TooDeep);
        }
        Err(_) => return Err(SessionError::InvalidJson),
    };
    check(&value, 0)?;
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(SessionError::InvalidJson),
    }
}

/// Compact JSON (no spaces, UTF-8), the envelope v1 plaintext.
pub(crate) fn to_compact(map: &Map<String, Value>) -> Result<Vec<u8>, SessionError> {
    serde_json::to_vec(map).map_err(|_| SessionError::Unserializable)
}

/// JSON byte-for-byte as Python's `json.dumps` writes it with its defaults:
/// `", "` and `": "` separators and `ensure_ascii` (every character outside
/// `' '..='~'` escaped as `\uXXXX`, astral ones as surrogate pairs).
/// Numbers are written as they were read; numbers created in Rust use Rust's
/// shortest float form (`1e16` where Python writes `1e+16`).
pub(crate) fn to_python(map: &Map<String, Value>) -> Result<Vec<u8>, SessionError> {
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, PythonFormatter);
    map.serialize(&mut serializer)
        .map_err(|_| SessionError::Unserializable)?;
    Ok(out)
}

/// `serde_json` formatter reproducing Python's `json.dumps` defaults.
struct PythonFormatter;

impl serde_json::ser::Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut run = 0;
        let bytes = fragment.as_bytes();
        for (at, c) in fragment.char_indices() {
            if (' '..='~').contains(&c) {
                continue;
            }
            writer.write_all(&bytes[run..at])?;
            run = at + c.len_utf8();
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let u = *unit;
                writer.write_all(&[
                    b'\\',
                    b'u',
                    HEX[usize::from(u >> 12)],
                    HEX[usize::from((u >> 8) & 0xf)],
                    HEX[usize::from((u >> 4) & 0xf)],
                    HEX[usize::from(u & 0xf)],
                ])?;
            }
        }
        writer.write_all(&bytes[run..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn python(text: &str) -> String {
        let map = parse(text.as_bytes()).unwrap();
        String::from_utf8(to_python(&map).unwrap()).unwrap()
    }

    #[test]
    fn python_formatting_matches_json_dumps() {
        // Expected strings are what CPython's json.dumps prints.
        assert_eq!(python(r#"{}"#), "{}");
        assert_eq!(
            python(r#"{"a":[1,2,{"b":null}],"c":true,"d":[],"e":{}}"#),
            r#"{"a": [1, 2, {"b": null}], "c": true, "d": [], "e": {}}"#
        );
        assert_eq!(
            python("{\"s\":\"h\u{e9}\u{2603}\u{1F600}\\u007f\\n\\t\\\"\\\\/\\u0001\"}"),
            r#"{"s": "h\u00e9\u2603\ud83d\ude00\u007f\n\t\"\\/\u0001"}"#
        );
        assert_eq!(
            python(r#"{"n":[1e+100,123456789012345678901234567890,-0.0,1.5]}"#),
            r#"{"n": [1e+100, 123456789012345678901234567890, -0.0, 1.5]}"#
        );
    }

    #[test]
    fn strictness() {
        for (text, expected) in [
            (&b"[]"[..], SessionError::InvalidJson),
            (b"\"x\"", SessionError::InvalidJson),
            (b"{\"a\":NaN}", SessionError::InvalidJson),
            (b"{\"a\":Infinity}", SessionError::InvalidJson),
            (b"{\"a\":-Infinity}", SessionError::InvalidJson),
            (b"{} {}", SessionError::InvalidJson),
            (b"{\"a\":\"\xff\"}", SessionError::InvalidJson),
            (b"{\"a\":\"\\ud800\"}", SessionError::InvalidJson),
            (b"", SessionError::InvalidJson),
        ] {
            assert_eq!(parse(text).unwrap_err(), expected, "{text:?}");
        }
    }

    #[test]
    fn duplicate_keys_last_wins_at_first_position() {
        let map = parse(br#"{"a":1,"b":2,"a":3}"#).unwrap();
        assert_eq!(to_compact(&map).unwrap(), br#"{"a":3,"b":2}"#);
    }

    fn nested(depth: usize) -> String {
        // `depth` levels, the top-level object included.
        format!(
            "{{\"a\":{}{}}}",
            "[".repeat(depth - 1),
            "]".repeat(depth - 1)
        )
    }

    #[test]
    fn depth_limit() {
        assert!(parse(nested(MAX_DEPTH).as_bytes()).is_ok());
        for depth in [MAX_DEPTH + 1, 127, 128, 10_000, 1_000_000] {
            assert_eq!(
                parse(nested(depth).as_bytes()).unwrap_err(),
                SessionError::TooDeep,
                "{depth}"
            );
        }
        // Unbalanced deep input too.
        let open_only = format!("{{\"a\":{}", "[".repeat(100_000));
        assert_eq!(
            parse(open_only.as_bytes()).unwrap_err(),
            SessionError::TooDeep
        );
    }

    #[test]
    fn tagged_bytes_are_checked_everywhere() {
        let good = br#"{"x":[{"__type__":"bytes","b":"AAE="}],"y":{"__type__":"other","b":1}}"#;
        assert!(parse(good).is_ok());
        for bad in [
            &br#"{"x":{"__type__":"bytes"}}"#[..],
            br#"{"x":{"__type__":"bytes","b":1}}"#,
            br#"{"x":{"__type__":"bytes","b":null}}"#,
            br#"{"x":{"__type__":"bytes","b":"AAE"}}"#,
            br#"{"x":{"__type__":"bytes","b":"AA-_"}}"#,
            br#"{"x":{"__type__":"bytes","b":"AAF="}}"#,
            br#"{"x":{"__type__":"bytes","b":"AAE=","c":1}}"#,
            br#"{"x":[[{"__type__":"bytes","b":"!"}]]}"#,
        ] {
            assert_eq!(
                parse(bad).unwrap_err(),
                SessionError::InvalidBytes,
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn bytes_serde_round_trip_and_rejections() {
        let value = serde_json::to_value(Bytes(vec![0xff, 0])).unwrap();
        assert_eq!(value, tagged_bytes(&[0xff, 0]));
        assert_eq!(
            serde_json::from_value::<Bytes>(value).unwrap(),
            Bytes(vec![0xff, 0])
        );
        for bad in [
            serde_json::json!({"__type__": "bytes"}),
            serde_json::json!({"b": "AAE="}),
            serde_json::json!({"__type__": "str", "b": "AAE="}),
            serde_json::json!({"__type__": "bytes", "b": "AAE=", "c": 1}),
            serde_json::json!({"__type__": "bytes", "b": "%%%%"}),
            serde_json::json!("AAE="),
        ] {
            assert!(serde_json::from_value::<Bytes>(bad).is_err());
        }
    }
}

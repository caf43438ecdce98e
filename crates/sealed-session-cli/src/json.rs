//! Re-writing JSON text compactly, exactly as it was otherwise: members in
//! their order (duplicates kept), numbers with their digits. `inspect`
//! shows a Flask cookie's payload this way, without the serde_json
//! features (`preserve_order`, `arbitrary_precision`) that would change
//! JSON behaviour for every crate built with this one.

use core::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

/// `text` (UTF-8 JSON, any value) as compact JSON: no whitespace, strings
/// with serde_json's escapes, everything else as written. `None` when
/// `text` is not JSON.
pub(crate) fn compact(text: &[u8]) -> Option<String> {
    let value: &RawValue = serde_json::from_slice(text).ok()?;
    let mut out = String::with_capacity(text.len());
    write_compact(value, &mut out)?;
    Some(out)
}

/// Appends `value` to `out`, compact. serde_json's recursion limit bounds
/// the depth.
fn write_compact(value: &RawValue, out: &mut String) -> Option<()> {
    let text = value.get();
    match text.as_bytes().first()? {
        b'{' => {
            let members: Members<'_> = serde_json::from_str(text).ok()?;
            out.push('{');
            for (index, (key, value)) in members.0.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(key).ok()?);
                out.push(':');
                write_compact(value, out)?;
            }
            out.push('}');
        }
        b'[' => {
            let elements: Vec<&RawValue> = serde_json::from_str(text).ok()?;
            out.push('[');
            for (index, element) in elements.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_compact(element, out)?;
            }
            out.push(']');
        }
        b'"' => {
            let string: String = serde_json::from_str(text).ok()?;
            out.push_str(&serde_json::to_string(&string).ok()?);
        }
        // Numbers, `true`, `false`, `null`: as written.
        _ => out.push_str(text),
    }
    Some(())
}

/// The members of one JSON object, in order, values borrowed.
struct Members<'a>(Vec<(String, &'a RawValue)>);

impl<'de> de::Deserialize<'de> for Members<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MembersVisitor;

        impl<'de> Visitor<'de> for MembersVisitor {
            type Value = Members<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members<'de>, A::Error> {
                let mut members = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    members.push((key, map.next_value::<&'de RawValue>()?));
                }
                Ok(Members(members))
            }
        }

        deserializer.deserialize_map(MembersVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_digits_and_duplicates_are_kept() {
        assert_eq!(
            compact(br#" { "z" : 1.50, "a" : [ 1e+100 , -0.0, 18446744073709551616 ], "z": {"\u00eb": "zo\u00eb"} } "#)
                .as_deref(),
            Some(r#"{"z":1.50,"a":[1e+100,-0.0,18446744073709551616],"z":{"ë":"zoë"}}"#)
        );
        assert_eq!(compact(b"[]").as_deref(), Some("[]"));
        assert_eq!(compact(b"\"x\"").as_deref(), Some("\"x\""));
        assert_eq!(compact(b"{}").as_deref(), Some("{}"));
    }

    #[test]
    fn non_json_is_none() {
        for text in [&b""[..], b"{", b"{\"a\":NaN}", b"[1,]", b"\xff", b"{} x"] {
            assert_eq!(compact(text), None, "{text:?}");
        }
    }
}

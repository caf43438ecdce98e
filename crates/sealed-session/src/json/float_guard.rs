//! Reading session values without floats that silently become infinite.
//!
//! serde_json hands serde's `impl Deserialize for f32` an `f64`, which
//! serde narrows with `as`: `1e39`, finite as an `f64`, would read as `inf`.
//! [`from_str`] deserializes through [`Guard`], a deserializer that
//! forwards every call to serde_json and checks every float on its way to
//! the caller's type: where the type asks for an `f32`, a number whose
//! narrowing is infinite is an error; anywhere, a float that is not finite
//! is an error (serde_json already refuses numbers beyond an `f64`, such as
//! `1e999999`; the guard does not depend on it).
//!
//! The guard wraps each visitor it forwards, and through it each sequence,
//! map, enum, `Option` and newtype the visitor is given, so a value at any
//! depth of the caller's type passes the same check. What it cannot reach
//! is what serde buffers before it knows the type (internally tagged and
//! untagged enums, adjacently tagged content read before its tag,
//! `#[serde(flatten)]` fields): serde narrows those floats in its own
//! private deserializer, after the guard has passed them on as `f64`.

use core::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, Unexpected,
    VariantAccess, Visitor,
};

/// The newtype name under which serde_json hands over a `RawValue`
/// (`serde_json::raw::TOKEN`, private to serde_json).
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// Deserializes one `T` from the JSON `text` (and nothing after it but
/// whitespace), as `serde_json::from_str` does, through a [`Guard`].
///
/// # Errors
/// serde_json's errors, and a float that is not finite or, where `T` asks
/// for an `f32`, beyond the range of an `f32`.
pub(crate) fn from_str<'de, T: de::Deserialize<'de>>(
    text: &'de str,
) -> Result<T, serde_json::Error> {
    let mut json = serde_json::Deserializer::from_str(text);
    let value = T::deserialize(Guard(&mut json))?;
    json.end()?;
    Ok(value)
}

/// A deserializer, or a seed, sequence, map or enum a visitor is given,
/// whose values all reach the caller's visitors through [`Checked`].
struct Guard<X>(X);

/// A visitor that refuses a float that is not finite, or whose narrowing
/// to `f32` is infinite when the type asked for an `f32`, and gives
/// everything nested to the wrapped visitor through a [`Guard`].
struct Checked<V> {
    /// The caller's visitor.
    visitor: V,
    /// The type asked for an `f32`.
    f32: bool,
}

impl<V> Checked<V> {
    /// Wraps a visitor of a value that is not an `f32`.
    const fn new(visitor: V) -> Self {
        Self {
            visitor,
            f32: false,
        }
    }
}

/// Forwards `deserialize_*` methods that take only a visitor.
macro_rules! forward_deserialize {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.0.$method(Checked::new(visitor))
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Guard<D> {
    type Error = D::Error;

    forward_deserialize! {
        deserialize_any deserialize_bool
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f64 deserialize_char deserialize_str deserialize_string
        deserialize_bytes deserialize_byte_buf deserialize_option deserialize_unit
        deserialize_seq deserialize_map deserialize_identifier deserialize_ignored_any
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_f32(Checked { visitor, f32: true })
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_unit_struct(name, Checked::new(visitor))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        // serde_json recognizes a `RawValue` by its name, forwarded as is.
        // Its text is captured, not read as numbers: its visitor goes to
        // serde_json unwrapped (wrapped, it works the same, one layer
        // deeper, should serde_json ever rename its token).
        if name == RAW_VALUE_TOKEN {
            return self.0.deserialize_newtype_struct(name, visitor);
        }
        self.0
            .deserialize_newtype_struct(name, Checked::new(visitor))
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple(len, Checked::new(visitor))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_tuple_struct(name, len, Checked::new(visitor))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_struct(name, fields, Checked::new(visitor))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_enum(name, variants, Checked::new(visitor))
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

/// Forwards `visit_*` methods that take one plain value.
macro_rules! forward_visit {
    ($($method:ident($ty:ty))*) => {$(
        fn $method<E: de::Error>(self, v: $ty) -> Result<V::Value, E> {
            self.visitor.$method(v)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Checked<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(f)
    }

    forward_visit! {
        visit_bool(bool)
        visit_i8(i8) visit_i16(i16) visit_i32(i32) visit_i64(i64) visit_i128(i128)
        visit_u8(u8) visit_u16(u16) visit_u32(u32) visit_u64(u64) visit_u128(u128)
        visit_char(char) visit_str(&str) visit_borrowed_str(&'de str) visit_string(String)
        visit_bytes(&[u8]) visit_borrowed_bytes(&'de [u8]) visit_byte_buf(Vec<u8>)
    }

    fn visit_f32<E: de::Error>(self, v: f32) -> Result<V::Value, E> {
        if !v.is_finite() {
            return Err(E::invalid_value(Unexpected::Float(v.into()), &self));
        }
        self.visitor.visit_f32(v)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<V::Value, E> {
        // `as` narrows a finite `f64` past `f32::MAX` (after rounding) to
        // infinity, as serde's `f32` does.
        #[allow(clippy::cast_possible_truncation)]
        let narrowed_is_infinite = self.f32 && (v as f32).is_infinite();
        if !v.is_finite() || narrowed_is_infinite {
            return Err(E::invalid_value(Unexpected::Float(v), &self));
        }
        self.visitor.visit_f64(v)
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
        self.visitor.visit_some(Guard(deserializer))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<V::Value, D::Error> {
        self.visitor.visit_newtype_struct(Guard(deserializer))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_seq(Guard(seq))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(Guard(map))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_enum(Guard(data))
    }
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Guard<S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(Guard(deserializer))
    }
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Guard<A> {
    type Error = A::Error;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, A::Error> {
        self.0.next_element_seed(Guard(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Guard<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(Guard(seed))
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        self.0.next_value_seed(Guard(seed))
    }

    fn next_entry_seed<K: DeserializeSeed<'de>, S: DeserializeSeed<'de>>(
        &mut self,
        key: K,
        value: S,
    ) -> Result<Option<(K::Value, S::Value)>, A::Error> {
        self.0.next_entry_seed(Guard(key), Guard(value))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: EnumAccess<'de>> EnumAccess<'de> for Guard<A> {
    type Error = A::Error;
    type Variant = Guard<A::Variant>;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Guard<A::Variant>), A::Error> {
        let (value, variant) = self.0.variant_seed(Guard(seed))?;
        Ok((value, Guard(variant)))
    }
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for Guard<A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.0.unit_variant()
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, A::Error> {
        self.0.newtype_variant_seed(Guard(seed))
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.0.tuple_variant(len, Checked::new(visitor))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        self.0.struct_variant(fields, Checked::new(visitor))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde::Deserialize;
    use serde::de::DeserializeOwned;
    use serde_json::value::RawValue;

    use super::*;
    use crate::SessionError::{self, WrongType};
    use crate::{Bytes, Session};

    /// `json` read back as `T` from a session opened from `{"v": json}`.
    fn get<T: DeserializeOwned>(json: &str) -> Result<Option<T>, SessionError> {
        let session = Session::from_json(format!(r#"{{"v": {json}}}"#).as_bytes()).unwrap();
        session.get("v")
    }

    /// An `f32` field beside an `f64` one.
    #[derive(Deserialize, Debug, PartialEq)]
    struct Point {
        x: f32,
        y: f64,
    }

    /// A newtype struct.
    #[derive(Deserialize, Debug, PartialEq)]
    struct Meters(f32);

    /// An externally tagged enum, each kind of variant.
    #[derive(Deserialize, Debug, PartialEq)]
    enum External {
        Newtype(f32),
        Tuple(u8, f32),
        Struct { x: f32 },
    }

    /// An adjacently tagged enum.
    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(tag = "t", content = "c")]
    enum Adjacent {
        A(f32),
    }

    /// An internally tagged enum.
    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(tag = "t")]
    enum Internal {
        A { x: f32 },
    }

    /// An untagged enum.
    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(untagged)]
    enum Untagged {
        A { x: f32 },
    }

    /// The smallest positive `f64` whose `as f32` is infinite (halfway between
    /// `f32::MAX` and the next step, rounded to even: up), and the `f64`
    /// just below it, as JSON text.
    fn f32_edge() -> (String, String) {
        let halfway = f64::from(f32::MAX) + 2f64.powi(103);
        assert!((halfway as f32).is_infinite());
        let below = f64::from_bits(halfway.to_bits() - 1);
        assert_eq!(below as f32, f32::MAX);
        (format!("{halfway:e}"), format!("{below:e}"))
    }

    #[test]
    fn an_f32_overflow_is_wrong_type_at_any_depth() {
        let (halfway, _) = f32_edge();
        for big in [
            "1e39",
            "-1e39",
            "3.5e38",
            "1.7976931348623157e308",
            // u128::MAX, read as the f64 2^128.
            "340282366920938463463374607431768211455",
            &halfway,
        ] {
            assert_eq!(get::<f32>(big), Err(WrongType), "{big}");
            // The same number is a fine f64.
            assert!(get::<f64>(big).unwrap().unwrap().is_finite(), "{big}");
        }
        assert_eq!(get::<Point>(r#"{"x": 1e39, "y": 1}"#), Err(WrongType));
        assert_eq!(get::<Vec<f32>>("[1, 1e39]"), Err(WrongType));
        assert_eq!(get::<Option<f32>>("1e39"), Err(WrongType));
        assert_eq!(get::<(u8, f32)>("[1, 1e39]"), Err(WrongType));
        assert_eq!(
            get::<HashMap<String, f32>>(r#"{"a": 1, "b": 1e39}"#),
            Err(WrongType)
        );
        assert_eq!(get::<Meters>("1e39"), Err(WrongType));
        assert_eq!(get::<External>(r#"{"Newtype": 1e39}"#), Err(WrongType));
        assert_eq!(get::<External>(r#"{"Tuple": [1, 1e39]}"#), Err(WrongType));
        assert_eq!(
            get::<External>(r#"{"Struct": {"x": 1e39}}"#),
            Err(WrongType)
        );
        assert_eq!(get::<Adjacent>(r#"{"t": "A", "c": 1e39}"#), Err(WrongType));
        assert_eq!(get::<Box<f32>>("1e39"), Err(WrongType));
        assert_eq!(
            get::<Vec<Option<HashMap<String, (Meters,)>>>>(r#"[null, {"k": [1e39]}]"#),
            Err(WrongType)
        );
        // The same shapes with an f32 in range.
        assert_eq!(
            get::<Point>(r#"{"x": 1.5, "y": 1e39}"#),
            Ok(Some(Point { x: 1.5, y: 1e39 }))
        );
        assert_eq!(get::<Vec<f32>>("[1, 2.5]"), Ok(Some(vec![1.0, 2.5])));
        assert_eq!(get::<Option<f32>>("null"), Ok(Some(None)));
        assert_eq!(get::<Option<f32>>("3e38"), Ok(Some(Some(3e38))));
        assert_eq!(get::<(u8, f32)>("[1, -3e38]"), Ok(Some((1, -3e38))));
        assert_eq!(
            get::<HashMap<String, f32>>(r#"{"b": 0.25}"#),
            Ok(Some(HashMap::from([("b".to_owned(), 0.25)])))
        );
        assert_eq!(get::<Meters>("2"), Ok(Some(Meters(2.0))));
        assert_eq!(
            get::<External>(r#"{"Tuple": [1, 2]}"#),
            Ok(Some(External::Tuple(1, 2.0)))
        );
        assert_eq!(
            get::<External>(r#"{"Struct": {"x": 3}}"#),
            Ok(Some(External::Struct { x: 3.0 }))
        );
        assert_eq!(
            get::<Adjacent>(r#"{"t": "A", "c": 4}"#),
            Ok(Some(Adjacent::A(4.0)))
        );
    }

    /// A known gap, kept visible: values serde buffers before it knows
    /// their type (internally tagged and untagged enums, adjacently tagged
    /// content before its tag, flattened fields) are narrowed by serde's
    /// private deserializer, which the guard cannot wrap. A number beyond
    /// an `f64` is still refused there, by serde_json and by the guard.
    #[test]
    fn buffered_values_are_narrowed_by_serde_beyond_the_guard() {
        let inf = f32::INFINITY;
        assert_eq!(
            get::<Internal>(r#"{"t": "A", "x": 1e39}"#),
            Ok(Some(Internal::A { x: inf }))
        );
        assert_eq!(
            get::<Untagged>(r#"{"x": 1e39}"#),
            Ok(Some(Untagged::A { x: inf }))
        );
        assert_eq!(
            get::<Adjacent>(r#"{"c": 1e39, "t": "A"}"#),
            Ok(Some(Adjacent::A(inf)))
        );
        assert_eq!(
            get::<Internal>(r#"{"t": "A", "x": 1e999999}"#),
            Err(WrongType)
        );
        assert_eq!(
            get::<Internal>(r#"{"t": "A", "x": 2}"#),
            Ok(Some(Internal::A { x: 2.0 }))
        );
    }

    #[test]
    fn f32_in_range_reads_back_exactly() {
        for value in [
            f32::MAX,
            -f32::MAX,
            f32::MIN_POSITIVE,
            f32::from_bits(1),
            -f32::from_bits(1),
            f32::from_bits(0x007f_ffff),
            0.0,
            -0.0,
            0.1,
            1.0 / 3.0,
            16_777_217.0,
        ] {
            let mut session = Session::new();
            session.insert("v", value).unwrap();
            let back = session.get::<f32>("v").unwrap().unwrap();
            assert_eq!(back.to_bits(), value.to_bits(), "{value:e}");
        }
        // The f64 just below the rounding edge narrows to f32::MAX.
        let (_, below) = f32_edge();
        assert_eq!(get::<f32>(&below), Ok(Some(f32::MAX)));
        // Integers of any width are numbers for an f32, rounded.
        assert_eq!(get::<f32>("18446744073709551615"), Ok(Some(1.844_674_4e19)));
        assert_eq!(get::<f32>("-7"), Ok(Some(-7.0)));
        // Underflow is not overflow: it rounds to zero, as for f64.
        assert_eq!(
            get::<f32>("1e-50").map(|v| v.map(f32::to_bits)),
            Ok(Some(0))
        );
        assert_eq!(get::<f64>("1e-400"), Ok(Some(0.0)));
    }

    #[test]
    fn f64_and_integers_are_unchanged() {
        assert_eq!(get::<f64>("1e308"), Ok(Some(1e308)));
        assert_eq!(get::<f64>("1.7976931348623157e308"), Ok(Some(f64::MAX)));
        assert_eq!(get::<f64>("-1.7976931348623157e308"), Ok(Some(f64::MIN)));
        assert_eq!(get::<f64>("4.9e-324"), Ok(Some(f64::from_bits(1))));
        for huge in ["1e999999", "-1e999999", "1.8e308", "[0, {\"y\": 1e400}]"] {
            assert_eq!(get::<f64>(huge), Err(WrongType), "{huge}");
            assert_eq!(get::<Vec<f64>>(huge), Err(WrongType), "{huge}");
            assert_eq!(get::<serde_json::Value>(huge), Err(WrongType), "{huge}");
        }
        let max = "340282366920938463463374607431768211455";
        assert_eq!(get::<u128>(max), Ok(Some(u128::MAX)));
        assert_eq!(get::<u64>(max), Err(WrongType));
        assert_eq!(
            get::<i128>("-170141183460469231731687303715884105728"),
            Ok(Some(i128::MIN))
        );
        assert_eq!(get::<u64>("18446744073709551615"), Ok(Some(u64::MAX)));
        assert_eq!(get::<i64>("-9223372036854775808"), Ok(Some(i64::MIN)));
        assert_eq!(get::<u8>("256"), Err(WrongType));
        assert_eq!(get::<u8>("1.0"), Err(WrongType));
        assert_eq!(
            get::<Vec<u128>>(&format!("[{max}]")),
            Ok(Some(vec![u128::MAX]))
        );
    }

    #[test]
    fn strings_bytes_values_and_raw_values_pass_through() {
        assert_eq!(
            get::<String>(r#""h\u00e9 \"q\" \ud83d\ude00""#),
            Ok(Some("hé \"q\" 😀".to_owned()))
        );
        assert_eq!(get::<char>(r#""x""#), Ok(Some('x')));
        assert_eq!(get::<()>("null"), Ok(Some(())));
        assert_eq!(get::<bool>("true"), Ok(Some(true)));
        assert_eq!(
            get::<Bytes>(r#"{" b": "AAE="}"#),
            Ok(Some(Bytes(vec![0, 1])))
        );
        assert_eq!(
            get::<Vec<Bytes>>(r#"[{" b": ""}, {" b": "aGk="}]"#),
            Ok(Some(vec![Bytes(vec![]), Bytes(b"hi".to_vec())]))
        );
        assert_eq!(get::<Bytes>(r#""AAE=""#), Err(WrongType));
        let json = r#"{"a": [1, 1e39, "s"], "b": null}"#;
        assert_eq!(
            get::<serde_json::Value>(json),
            Ok(Some(serde_json::from_str(json).unwrap()))
        );
        // RawValue keeps the text exactly, at the top and nested.
        let raw = get::<Box<RawValue>>(json).unwrap().unwrap();
        assert_eq!(raw.get(), json);
        let some = get::<Option<Box<RawValue>>>("[ 1e39 ]").unwrap().unwrap();
        assert_eq!(some.unwrap().get(), "[ 1e39 ]");
        let parts = get::<HashMap<String, Box<RawValue>>>(json)
            .unwrap()
            .unwrap();
        assert_eq!(parts["a"].get(), r#"[1, 1e39, "s"]"#);
        assert_eq!(parts["b"].get(), "null");
    }

    #[test]
    fn borrowed_strings_and_human_readability_are_forwarded() {
        // A borrowed `&str` works where serde_json can lend it: no escapes.
        let text = r#"["plain", "esc\"aped"]"#;
        assert_eq!(
            from_str::<(&str, String)>(text).unwrap(),
            ("plain", "esc\"aped".to_owned())
        );
        assert!(from_str::<(&str, &str)>(text).is_err());
        assert!(from_str::<f32>("1 2").is_err());
        assert!(Guard(&mut serde_json::Deserializer::from_str("1")).is_human_readable());
        // postcard is a compact format: the guard says so too.
        assert!(!Guard(&mut postcard::Deserializer::from_bytes(&[])).is_human_readable());
    }
}

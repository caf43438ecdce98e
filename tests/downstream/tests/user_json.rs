//! The app's JSON, with sealed-session in the build: each assertion is what
//! serde_json does without any behaviour-changing feature, and each one
//! fails when `arbitrary_precision` or `preserve_order` is switched on (as
//! the pre-builder sealed-session did, see issue 11).

use std::str::FromStr;

use downstream_check::{Discount, Line, Price, Product};
use sealed_session::{FixedRandom, Key, Keyring, ManualClock, Session, SessionCodec};
use serde_json::Value;

#[test]
fn untagged_enums_read_floats() {
    // With arbitrary_precision: Err("data did not match any variant").
    assert_eq!(
        serde_json::from_str::<Price>("9.99").unwrap(),
        Price::Float(9.99)
    );
    assert_eq!(
        serde_json::from_str::<Price>(r#""9.99""#).unwrap(),
        Price::Text("9.99".to_owned())
    );
    assert_eq!(
        serde_json::from_str::<Vec<Price>>("[1, 2.5, \"x\"]").unwrap(),
        [
            Price::Float(1.0),
            Price::Float(2.5),
            Price::Text("x".to_owned())
        ]
    );
}

#[test]
fn flatten_and_internal_tags_read_floats() {
    // With arbitrary_precision: "invalid type: map, expected f64".
    assert_eq!(
        serde_json::from_str::<Line>(r#"{"quantity": 2, "name": "boots", "price": 89.95}"#)
            .unwrap(),
        Line {
            quantity: 2,
            product: Product {
                name: "boots".to_owned(),
                price: 89.95
            }
        }
    );
    assert_eq!(
        serde_json::from_str::<Discount>(r#"{"kind": "percent", "value": 12.5}"#).unwrap(),
        Discount::Percent { value: 12.5 }
    );
    assert_eq!(
        serde_json::from_str::<Discount>(r#"{"value": 5, "kind": "amount"}"#).unwrap(),
        Discount::Amount { value: 5.0 }
    );
}

#[test]
fn values_compare_numbers_by_value() {
    // With arbitrary_precision the digits are compared: "1.0" != "1.00".
    let one = Value::from_str("1.0").unwrap();
    assert_eq!(one, Value::from_str("1.00").unwrap());
    assert_eq!(one, serde_json::json!(1.0));
    assert_eq!(
        Value::from_str("[0.5, 5e-1]").unwrap(),
        serde_json::json!([0.5, 0.5])
    );
    // Integers beyond u64 are f64 (with arbitrary_precision: kept as text).
    let big = Value::from_str("123456789012345678901234567890").unwrap();
    assert!(big.is_f64());
    assert_eq!(big.to_string(), "1.2345678901234568e+29");
}

#[test]
fn numbers_beyond_f64_are_errors() {
    // With arbitrary_precision `1e400` parses as a Value and `1e999`
    // deserializes to infinity.
    assert!(Value::from_str("1e400").is_err());
    assert!(Value::from_str("[1, -1e400]").is_err());
    assert!(serde_json::from_str::<f64>("1e999").is_err());
    assert_eq!(serde_json::from_str::<f64>("1e308").unwrap(), 1e308);
}

#[test]
fn object_keys_iterate_sorted() {
    // With preserve_order, objects keep insertion order.
    let value = Value::from_str(r#"{"b": 1, "a": 2, "c": {"z": 0, "y": 1}}"#).unwrap();
    let keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["a", "b", "c"]);
    assert_eq!(value.to_string(), r#"{"a":2,"b":1,"c":{"y":1,"z":0}}"#);
    let mut map = serde_json::Map::new();
    map.insert("zeta".to_owned(), Value::Null);
    map.insert("alpha".to_owned(), Value::Null);
    assert_eq!(
        Value::Object(map).to_string(),
        r#"{"alpha":null,"zeta":null}"#
    );
}

/// The app uses the session too: its types go in and come out as they
/// are, and the session keeps its own member order and number digits
/// without any serde_json feature.
#[test]
fn the_app_keeps_its_types_in_a_session() {
    let codec = SessionCodec::builder(Keyring::new(1, &Key::from_bytes([7; 32])))
        .clock(ManualClock::new(1_800_000_000))
        .random(FixedRandom::new([1]))
        .build()
        .unwrap();
    let mut session = Session::new();
    session.insert("price", Price::Float(9.99)).unwrap();
    session
        .insert(
            "line",
            Line {
                quantity: 1,
                product: Product {
                    name: "tent".to_owned(),
                    price: 249.0,
                },
            },
        )
        .unwrap();
    session
        .insert("discount", Discount::Percent { value: 12.5 })
        .unwrap();
    let opened = codec.open(&codec.seal(&session).unwrap()).unwrap();
    assert_eq!(
        opened.get::<Price>("price").unwrap(),
        Some(Price::Float(9.99))
    );
    assert_eq!(
        opened.get::<Line>("line").unwrap().unwrap().product.price,
        249.0
    );
    assert_eq!(
        opened.get::<Discount>("discount").unwrap(),
        Some(Discount::Percent { value: 12.5 })
    );
    assert_eq!(
        opened.keys().collect::<Vec<_>>(),
        ["price", "line", "discount"]
    );
    let exact = Session::from_json(br#"{"n": 123456789012345678901234567890, "f": 1.50}"#).unwrap();
    assert_eq!(
        exact.get_raw("n").unwrap().get(),
        "123456789012345678901234567890"
    );
    assert_eq!(exact.get_raw("f").unwrap().get(), "1.50");
}

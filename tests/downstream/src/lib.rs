//! A user's app in miniature, with `sealed-session` among its dependencies
//! and its own JSON types. Its tests (in `tests/`) prove that the app's
//! JSON behaves exactly as it would without `sealed-session`: no serde_json
//! feature that changes behaviour (`arbitrary_precision`, `preserve_order`,
//! `float_roundtrip`, `unbounded_depth`) is switched on for the app.

use serde::{Deserialize, Serialize};

/// A price as the app's API accepts it: a number, or text it parses later.
/// (`untagged` buffers the input, which `arbitrary_precision` breaks.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Price {
    /// `9.99`
    Float(f64),
    /// `"9.99"`
    Text(String),
}

/// A line of a cart: its own fields and, flattened, the product's.
/// (`flatten` buffers too.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// How many.
    pub quantity: u32,
    /// The product, flattened into the line's object.
    #[serde(flatten)]
    pub product: Product,
}

/// A product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product {
    /// Its name.
    pub name: String,
    /// Its unit price.
    pub price: f64,
}

/// A discount, internally tagged (`{"kind": "percent", "value": 12.5}`).
/// (Internal tags buffer as well.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Discount {
    /// A percentage off.
    Percent {
        /// How many percent.
        value: f64,
    },
    /// An amount off.
    Amount {
        /// How much.
        value: f64,
    },
}

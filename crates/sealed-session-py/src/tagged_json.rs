//! Flask's tagged JSON (`flask.json.tag.TaggedJSONSerializer`), between
//! Python objects and JSON text, in Rust.
//!
//! The session's JSON convention is Flask's, so the values a Flask session
//! holds round-trip: `bytes` as `{" b": "<standard base64>"}`, `tuple` as
//! `{" t": [...]}`, `uuid.UUID` as `{" u": "<hex>"}`, `datetime` as
//! `{" d": "<HTTP date>"}` (werkzeug's `http_date`/`parse_date`), objects
//! with `__html__` (markupsafe's `Markup`) as `{" m": "<html>"}`, and a
//! one-key dict whose key is a tag as `{" di": {"<key>__": ...}}`. The tags
//! are tried in Flask's order, and reading applies Flask's `untag` to every
//! object, the outermost included.
//!
//! Where this is stricter than Flask: dict keys must be `str` (Flask's JSON
//! turns an `int` key into a string, so it does not round-trip there
//! either); `NaN` and infinities are refused (the session layer refuses
//! them in a cookie); nesting is bounded by [`MAX_DEPTH`], which also stops
//! a reference cycle; strings with lone surrogates are refused.

use core::cell::RefCell;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyBytes, PyDateTime, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType,
};

use base64ct::{Base64, Encoding};
use serde::ser::{self, Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::value::RawValue;
use zeroize::Zeroize;

use crate::errors;

/// How deep values may nest, the outermost object counting as level 1:
/// the session layer's own bound, taken from it.
pub(crate) const MAX_DEPTH: usize = sealed_session::Session::MAX_DEPTH;

/// Flask's tag keys, in its order of registration.
const TAGS: [&str; 6] = [" di", " t", " b", " m", " u", " d"];

static UUID: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static MARKUP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static HTTP_DATE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static PARSE_DATE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn import_attr<'py>(
    cell: &'py PyOnceLock<Py<PyAny>>,
    py: Python<'py>,
    module: &str,
    name: &str,
) -> PyResult<&'py Bound<'py, PyAny>> {
    cell.get_or_try_init(py, || Ok(py.import(module)?.getattr(name)?.unbind()))
        .map(|attr| attr.bind(py))
}

// --- Python to JSON -----------------------------------------------------------

/// Serializes `obj` as Flask's tagged JSON (compact, UTF-8). `default`, like
/// `json.dumps`'s, is called with objects of any other type, and its result
/// is serialized instead (the Flask interface passes Flask's own).
pub(crate) fn dumps(
    obj: &Bound<'_, PyAny>,
    default: Option<&Bound<'_, PyAny>>,
) -> PyResult<String> {
    let cx = Context::new(default);
    let value = Value {
        obj,
        depth: 1,
        cx: &cx,
    };
    serde_json::to_string(&value).map_err(|error| cx.error(&error))
}

/// The members of a session dict, each value as its tagged JSON, ready for
/// `sealed_session::Session::from_members`: what [`dumps`] writes for the
/// dict, member by member, without the whole text (which the session would
/// only split again). A dict of one member whose key is a tag is Flask's
/// `{" di": {"<key>__": …}}`, one member. Keys must be `str`. The values
/// are wiped when the members are dropped unused.
pub(crate) fn members(
    dict: &Bound<'_, PyDict>,
    default: Option<&Bound<'_, PyAny>>,
) -> PyResult<Members> {
    let cx = Context::new(default);
    // A snapshot, as `dumps` takes one: Python code run while writing a
    // value (a `default`, an `__html__`) may change the dict.
    let items: Vec<(Bound<'_, PyAny>, Bound<'_, PyAny>)> = dict.iter().collect();
    let mut members = Members(Vec::with_capacity(items.len()));
    if let [(key, value)] = items.as_slice()
        && let Some(tag) = tag_key(key)
    {
        // As `dumps` writes it: the session object at level 1, `{" di": …}`
        // its member, the inner object at level 2.
        let depth = 1;
        if depth + 1 > MAX_DEPTH {
            return Err(errors::too_deep());
        }
        let inner = TagDict {
            key: tag,
            value: Value {
                obj: value,
                depth: depth + 2,
                cx: &cx,
            },
        };
        let raw = serde_json::value::to_raw_value(&inner).map_err(|error| cx.error(&error))?;
        members.0.push((" di".to_owned(), raw));
        return Ok(members);
    }
    for (key, value) in &items {
        let key = dict_key(key)?;
        let key = with_utf8(key, str::to_owned)?;
        let value = Value {
            obj: value,
            depth: 2,
            cx: &cx,
        };
        let raw = serde_json::value::to_raw_value(&value).map_err(|error| cx.error(&error))?;
        members.0.push((key, raw));
    }
    Ok(members)
}

/// A session's members as [`members`] writes them; wiped when dropped
/// (values may be secrets), unless taken.
pub(crate) struct Members(pub(crate) Vec<(String, Box<RawValue>)>);

impl Drop for Members {
    fn drop(&mut self) {
        for (mut key, value) in self.0.drain(..) {
            key.zeroize();
            let mut text: Box<str> = value.into();
            text.zeroize();
        }
    }
}

/// What one serialization shares: `default`, and the Python error that
/// stopped it (serde's errors carry text only).
struct Context<'a, 'py> {
    default: Option<&'a Bound<'py, PyAny>>,
    error: RefCell<Option<PyErr>>,
    /// The UTF-8 of dict keys met so far, by identity: the same key
    /// object in many dicts (a list of similar dicts: their keys are one
    /// interned string each) is encoded once. Each key is held, so its
    /// identity stays its own.
    keys: RefCell<Vec<(Bound<'py, PyString>, String)>>,
}

/// How many keys [`Context::keys`] remembers.
const KEYS_REMEMBERED: usize = 32;

impl<'a, 'py> Context<'a, 'py> {
    fn new(default: Option<&'a Bound<'py, PyAny>>) -> Self {
        Self {
            default,
            error: RefCell::new(None),
            keys: RefCell::new(Vec::new()),
        }
    }

    /// Writes a dict key through `write`, its UTF-8 encoded once per key
    /// object.
    fn key<R>(&self, key: &Bound<'py, PyString>, write: impl FnOnce(&str) -> R) -> PyResult<R> {
        let mut keys = self.keys.borrow_mut();
        if let Some((_, text)) = keys.iter().find(|(seen, _)| seen.is(key)) {
            return Ok(write(text));
        }
        if keys.len() >= KEYS_REMEMBERED {
            drop(keys);
            return with_utf8(key, write);
        }
        let text = with_utf8(key, str::to_owned)?;
        let written = write(&text);
        keys.push((key.clone(), text));
        Ok(written)
    }

    /// Keeps `error` for [`Context::error`], and stops serde.
    fn fail<E: ser::Error>(&self, error: PyErr) -> E {
        *self.error.borrow_mut() = Some(error);
        E::custom("a Python error")
    }

    /// The Python error that stopped the serialization.
    fn error(&self, error: &serde_json::Error) -> PyErr {
        self.error
            .borrow_mut()
            .take()
            .unwrap_or_else(|| PyValueError::new_err(error.to_string()))
    }
}

/// A Python object to serialize, at nesting level `depth` if it is a
/// container.
struct Value<'c, 'a, 'py> {
    obj: &'c Bound<'py, PyAny>,
    depth: usize,
    cx: &'c Context<'a, 'py>,
}

/// `{"<key>__": value}`, the inside of Flask's `{" di": …}`.
struct TagDict<'c, 'a, 'py> {
    key: &'c Bound<'py, PyString>,
    value: Value<'c, 'a, 'py>,
}

impl Serialize for TagDict<'_, '_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let key = with_utf8(self.key, |key| format!("{key}__"))
            .map_err(|error| self.value.cx.fail::<S::Error>(error))?;
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry(&key, &self.value)?;
        map.end()
    }
}

/// `{"<tag>": value}`.
struct Tagged<'t, T: Serialize> {
    tag: &'static str,
    value: &'t T,
}

impl<T: Serialize> Serialize for Tagged<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry(self.tag, self.value)?;
        map.end()
    }
}

/// The items of a tuple or a list, at `depth` (the array's level).
struct Items<'c, 'a, 'py> {
    seq: Seq<'c, 'py>,
    depth: usize,
    cx: &'c Context<'a, 'py>,
}

#[derive(Clone, Copy)]
enum Seq<'c, 'py> {
    Tuple(&'c Bound<'py, PyTuple>),
    List(&'c Bound<'py, PyList>),
}

impl Serialize for Items<'_, '_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.depth > MAX_DEPTH {
            return Err(self.cx.fail(errors::too_deep()));
        }
        let mut seq = s.serialize_seq(None)?;
        match self.seq {
            Seq::Tuple(tuple) => {
                for item in tuple.iter() {
                    seq.serialize_element(&Value {
                        obj: &item,
                        depth: self.depth + 1,
                        cx: self.cx,
                    })?;
                }
            }
            Seq::List(list) => {
                // By index, the length read each time: Python code run
                // while writing an item (a `default`, an `__html__`) may
                // change the list, which then ends the array early, never
                // out of bounds.
                let mut index = 0;
                while index < list.len() {
                    let Ok(item) = list.get_item(index) else {
                        break;
                    };
                    seq.serialize_element(&Value {
                        obj: &item,
                        depth: self.depth + 1,
                        cx: self.cx,
                    })?;
                    index += 1;
                }
            }
        }
        seq.end()
    }
}

/// A string's text, its UTF-8 borrowed where the ABI allows.
struct Text<'c, 'a, 'py> {
    string: &'c Bound<'py, PyString>,
    cx: &'c Context<'a, 'py>,
}

impl Serialize for Text<'_, '_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match with_utf8(self.string, |text| s.serialize_str(text)) {
            Ok(written) => written,
            Err(error) => Err(self.cx.fail(error)),
        }
    }
}

/// The key of a one-member dict when it is one of Flask's tags.
fn tag_key<'c, 'py>(key: &'c Bound<'py, PyAny>) -> Option<&'c Bound<'py, PyString>> {
    let key = key.cast::<PyString>().ok()?;
    let text = key.to_cow().ok()?;
    TAGS.contains(&text.as_ref()).then_some(key)
}

/// A dict key, which must be a `str`.
fn dict_key<'c, 'py>(key: &'c Bound<'py, PyAny>) -> PyResult<&'c Bound<'py, PyString>> {
    key.cast::<PyString>().map_err(|_| {
        PyTypeError::new_err(format!(
            "session keys must be str, not {}",
            crate::args::type_name(key)
        ))
    })
}

impl Serialize for Value<'_, '_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let fail = |error: PyErr| self.cx.fail::<S::Error>(error);
        let obj = self.obj;
        let py = obj.py();
        let depth = self.depth;
        let tag_depth = || {
            if depth > MAX_DEPTH {
                Err(fail(errors::too_deep()))
            } else {
                Ok(())
            }
        };
        // The common exact types first, without attribute lookups.
        if let Ok(string) = obj.cast_exact::<PyString>() {
            return Text {
                string,
                cx: self.cx,
            }
            .serialize(s);
        }
        if obj.is_exact_instance_of::<PyInt>() {
            return int(obj, s).map_err(fail)?;
        }
        if obj.is_none() {
            return s.serialize_unit();
        }
        if let Ok(flag) = obj.cast::<PyBool>() {
            return s.serialize_bool(flag.is_true());
        }
        if obj.is_exact_instance_of::<PyFloat>() {
            return float(obj, s).map_err(fail)?;
        }
        // Then Flask's tags, in Flask's order.
        if let Ok(dict) = obj.cast::<PyDict>() {
            return self.dict(dict, s);
        }
        if let Ok(tuple) = obj.cast::<PyTuple>() {
            tag_depth()?;
            let items = Items {
                seq: Seq::Tuple(tuple),
                depth: depth + 1,
                cx: self.cx,
            };
            return Tagged {
                tag: " t",
                value: &items,
            }
            .serialize(s);
        }
        if let Ok(list) = obj.cast::<PyList>() {
            return Items {
                seq: Seq::List(list),
                depth,
                cx: self.cx,
            }
            .serialize(s);
        }
        if let Ok(bytes) = obj.cast::<PyBytes>() {
            tag_depth()?;
            let base64 = Base64::encode_string(bytes.as_bytes());
            return Tagged {
                tag: " b",
                value: &base64,
            }
            .serialize(s);
        }
        if let Some(html) = obj.getattr_opt(intern!(py, "__html__")).map_err(fail)?
            && html.is_callable()
        {
            let markup = html.call0().and_then(|html| html.str()).map_err(fail)?;
            tag_depth()?;
            let markup = Text {
                string: &markup,
                cx: self.cx,
            };
            return Tagged {
                tag: " m",
                value: &markup,
            }
            .serialize(s);
        }
        let uuid = UUID.import(py, "uuid", "UUID").map_err(fail)?;
        if obj.is_instance(uuid).map_err(fail)? {
            let hex = obj.getattr(intern!(py, "hex")).map_err(fail)?;
            tag_depth()?;
            let hex = hex.cast_into::<PyString>().map_err(|e| fail(e.into()))?;
            return Tagged {
                tag: " u",
                value: &Text {
                    string: &hex,
                    cx: self.cx,
                },
            }
            .serialize(s);
        }
        if obj.is_instance_of::<PyDateTime>() {
            let date = import_attr(&HTTP_DATE, py, "werkzeug.http", "http_date")
                .and_then(|http_date| http_date.call1((obj,)))
                .map_err(fail)?;
            tag_depth()?;
            let date = date.cast_into::<PyString>().map_err(|e| fail(e.into()))?;
            return Tagged {
                tag: " d",
                value: &Text {
                    string: &date,
                    cx: self.cx,
                },
            }
            .serialize(s);
        }
        // Subclasses of the JSON types, as `json.dumps` writes them.
        if let Ok(string) = obj.cast::<PyString>() {
            return Text {
                string,
                cx: self.cx,
            }
            .serialize(s);
        }
        if obj.is_instance_of::<PyInt>() {
            let exact = py.get_type::<PyInt>().call1((obj,)).map_err(fail)?;
            return int(&exact, s).map_err(fail)?;
        }
        if obj.is_instance_of::<PyFloat>() {
            return float(obj, s).map_err(fail)?;
        }
        if let Some(default) = self.cx.default {
            let replacement = default.call1((obj,)).map_err(fail)?;
            // A `default` that keeps returning containers of itself ends
            // at the depth bound like any other cycle.
            return Value {
                obj: &replacement,
                depth: depth + 1,
                cx: self.cx,
            }
            .serialize(s);
        }
        Err(fail(PyTypeError::new_err(format!(
            "Object of type {} is not JSON serializable (a session holds dict, list, tuple, \
             str, int, float, bool, None, bytes, datetime, uuid.UUID and Markup)",
            crate::args::type_name(obj)
        ))))
    }
}

impl<'py> Value<'_, '_, 'py> {
    fn dict<S: Serializer>(&self, dict: &Bound<'py, PyDict>, s: S) -> Result<S::Ok, S::Error> {
        let fail = |error: PyErr| self.cx.fail::<S::Error>(error);
        let depth = self.depth;
        if depth > MAX_DEPTH {
            return Err(fail(errors::too_deep()));
        }
        // A snapshot, as for lists.
        let items: Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>)> = dict.iter().collect();
        if let [(key, value)] = items.as_slice()
            && let Some(tag) = tag_key(key)
        {
            // Flask's TagDict: {" di": {"<key>__": tagged}}.
            if depth + 1 > MAX_DEPTH {
                return Err(fail(errors::too_deep()));
            }
            let inner = TagDict {
                key: tag,
                value: Value {
                    obj: value,
                    depth: depth + 2,
                    cx: self.cx,
                },
            };
            return Tagged {
                tag: " di",
                value: &inner,
            }
            .serialize(s);
        }
        let mut map = s.serialize_map(Some(items.len()))?;
        for (key, value) in &items {
            let key = dict_key(key).map_err(fail)?;
            self.cx
                .key(key, |key| map.serialize_key(key))
                .map_err(fail)??;
            map.serialize_value(&Value {
                obj: value,
                depth: depth + 1,
                cx: self.cx,
            })?;
        }
        map.end()
    }
}

/// An `int`: as an `i64` when it fits, else its decimal digits.
fn int<S: Serializer>(int: &Bound<'_, PyAny>, s: S) -> PyResult<Result<S::Ok, S::Error>> {
    if let Ok(small) = int.extract::<i64>() {
        return Ok(s.serialize_i64(small));
    }
    let digits = int.str()?;
    let digits = with_utf8(&digits, str::to_owned)?;
    let raw = RawValue::from_string(digits)
        .map_err(|_| PyValueError::new_err("an int whose digits are not JSON"))?;
    Ok(raw.serialize(s))
}

/// A finite `float`, as the shortest text that reads back as the same
/// float (Rust's `{:?}`: always with a `.` or an exponent, so it reads back
/// as a float); NaN and infinities are refused.
fn float<S: Serializer>(float: &Bound<'_, PyAny>, s: S) -> PyResult<Result<S::Ok, S::Error>> {
    let value: f64 = float.extract()?;
    if !value.is_finite() {
        return Err(PyValueError::new_err(format!(
            "Out of range float values are not JSON compliant: {value} \
             (a session cannot hold NaN or infinities)"
        )));
    }
    let raw = RawValue::from_string(format!("{value:?}"))
        .map_err(|_| PyValueError::new_err("a float whose text is not JSON"))?;
    Ok(raw.serialize(s))
}

/// Calls `f` with a Python string's UTF-8, borrowed: Python 3.10's stable
/// ABI has the call for it.
#[cfg(any(Py_3_10, not(Py_LIMITED_API)))]
fn with_utf8<R>(string: &Bound<'_, PyString>, f: impl FnOnce(&str) -> R) -> PyResult<R> {
    let text = string.to_str().map_err(|_| lone_surrogate())?;
    Ok(f(text))
}

/// Calls `f` with a Python string's UTF-8: below 3.10 the stable ABI only
/// encodes into a new `bytes` object, which is read in place.
#[cfg(not(any(Py_3_10, not(Py_LIMITED_API))))]
fn with_utf8<R>(string: &Bound<'_, PyString>, f: impl FnOnce(&str) -> R) -> PyResult<R> {
    let bytes = string.encode_utf8().map_err(|_| lone_surrogate())?;
    let text = core::str::from_utf8(bytes.as_bytes()).map_err(|_| lone_surrogate())?;
    Ok(f(text))
}

fn lone_surrogate() -> PyErr {
    PyValueError::new_err("a session string holds a lone surrogate, which is not UTF-8")
}

// --- JSON to Python -----------------------------------------------------------

/// Parses JSON text into Python objects, untagging as Flask does. Errors are
/// `InvalidJsonError` (`TooDeepError` past [`MAX_DEPTH`]), whose messages
/// never quote the text.
pub(crate) fn loads<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    let mut reader = Reader::new(py);
    reader.whole(text, 1)
}

/// The dict of a session's members (keys and their values' JSON, as
/// `sealed_session::Session::flask_members` gives them), each value parsed
/// as [`loads`] parses it inside the session object, and the session
/// object untagged as [`loads`] untags it: what [`loads`] makes of the
/// object of these members, without writing that object's text.
pub(crate) fn dict_of_members<'a, 'py>(
    py: Python<'py>,
    members: impl Iterator<Item = (&'a str, &'a RawValue)>,
) -> PyResult<Bound<'py, PyAny>> {
    let mut reader = Reader::new(py);
    let dict = PyDict::new(py);
    for (key, value) in members {
        let value = reader.whole(value.get(), 2)?;
        dict.set_item(PyString::new(py, key), value)?;
    }
    if dict.len() == 1 {
        untag(&dict)
    } else {
        Ok(dict.into_any())
    }
}

fn invalid(_py: Python<'_>, why: &str) -> PyErr {
    errors::invalid_json(why)
}

struct Reader<'a, 'py> {
    py: Python<'py>,
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
    /// Keys made so far (their text without escapes), reused when they
    /// come again, as in a list of similar dicts: no new string, and its
    /// hash is already computed. A key's slot is a hash of its text; a key
    /// whose slot is taken by another is made anew.
    keys: [Option<(&'a str, Bound<'py, PyString>)>; KEY_SLOTS],
}

/// How many keys [`Reader::keys`] remembers.
const KEY_SLOTS: usize = 64;

/// The slot of a key in [`Reader::keys`]: its length and its first,
/// second and last bytes mixed.
fn key_slot(key: &[u8]) -> usize {
    let byte = |at: usize| usize::from(key.get(at).copied().unwrap_or(0));
    let last = byte(key.len().saturating_sub(1));
    let mix =
        key.len().wrapping_mul(31) ^ byte(0).wrapping_mul(7) ^ byte(1) ^ last.wrapping_mul(13);
    mix % KEY_SLOTS
}

impl<'a, 'py> Reader<'a, 'py> {
    fn new(py: Python<'py>) -> Self {
        Self {
            py,
            bytes: &[],
            text: "",
            pos: 0,
            keys: [const { None }; KEY_SLOTS],
        }
    }

    /// Parses `text`, one JSON value whose containers sit at level
    /// `depth`, with nothing but whitespace around it. Keys made for it
    /// stay remembered for the next text.
    fn whole(&mut self, text: &'a str, depth: usize) -> PyResult<Bound<'py, PyAny>> {
        self.bytes = text.as_bytes();
        self.text = text;
        self.pos = 0;
        self.whitespace();
        let value = self.value(depth)?;
        self.whitespace();
        if self.pos != self.bytes.len() {
            return Err(invalid(self.py, "trailing data after the JSON value"));
        }
        Ok(value)
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8, what: &str) -> PyResult<()> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(invalid(self.py, what))
        }
    }

    fn literal(&mut self, word: &str) -> bool {
        let end = self.pos + word.len();
        if self.bytes.get(self.pos..end) == Some(word.as_bytes()) {
            self.pos = end;
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> PyResult<Bound<'py, PyAny>> {
        let py = self.py;
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') => {
                if depth > MAX_DEPTH {
                    return Err(errors::too_deep());
                }
                self.pos += 1;
                let mut items = Vec::new();
                self.whitespace();
                if self.peek() == Some(b']') {
                    self.pos += 1;
                } else {
                    loop {
                        self.whitespace();
                        items.push(self.value(depth + 1)?);
                        self.whitespace();
                        match self.peek() {
                            Some(b',') => self.pos += 1,
                            Some(b']') => {
                                self.pos += 1;
                                break;
                            }
                            _ => return Err(invalid(py, "expected ',' or ']'")),
                        }
                    }
                }
                Ok(PyList::new(py, items)?.into_any())
            }
            Some(b'"') => Ok(self.string()?.into_any()),
            Some(b't') if self.literal("true") => Ok(PyBool::new(py, true).to_owned().into_any()),
            Some(b'f') if self.literal("false") => Ok(PyBool::new(py, false).to_owned().into_any()),
            Some(b'n') if self.literal("null") => Ok(py.None().into_bound(py)),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(invalid(py, "expected a value")),
        }
    }

    fn object(&mut self, depth: usize) -> PyResult<Bound<'py, PyAny>> {
        let py = self.py;
        if depth > MAX_DEPTH {
            return Err(errors::too_deep());
        }
        self.pos += 1;
        self.whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(PyDict::new(py).into_any());
        }
        let (key, value) = self.member(depth)?;
        self.whitespace();
        match self.peek() {
            // One member (a tag, most often): untagged without a dict.
            Some(b'}') => {
                self.pos += 1;
                if let Some(untagged) = untag_member(&key, &value)? {
                    return Ok(untagged);
                }
                let dict = PyDict::new(py);
                dict.set_item(key, value)?;
                return Ok(dict.into_any());
            }
            Some(b',') => self.pos += 1,
            _ => return Err(invalid(py, "expected ',' or '}'")),
        }
        let dict = PyDict::new(py);
        dict.set_item(key, value)?;
        loop {
            let (key, value) = self.member(depth)?;
            dict.set_item(key, value)?;
            self.whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                _ => return Err(invalid(py, "expected ',' or '}'")),
            }
        }
        // Duplicate keys may leave one member: untagged as Flask does.
        if dict.len() == 1 {
            untag(&dict)
        } else {
            Ok(dict.into_any())
        }
    }

    /// One `"key": value` of an object at level `depth`.
    fn member(&mut self, depth: usize) -> PyResult<(Bound<'py, PyString>, Bound<'py, PyAny>)> {
        self.whitespace();
        if self.peek() != Some(b'"') {
            return Err(invalid(self.py, "expected a key"));
        }
        let key = self.key()?;
        self.whitespace();
        self.expect(b':', "expected ':'")?;
        self.whitespace();
        let value = self.value(depth + 1)?;
        Ok((key, value))
    }

    /// An object's key: a string, reused from [`Reader::keys`] when it was
    /// seen before.
    fn key(&mut self) -> PyResult<Bound<'py, PyString>> {
        let start = self.pos + 1;
        let end = self
            .bytes
            .get(start..)
            .and_then(|rest| rest.iter().position(|&byte| byte == b'"' || byte == b'\\'))
            .map(|len| start + len);
        if let Some(end) = end
            && self.bytes.get(end) == Some(&b'"')
            && let Some(raw) = self.text.get(start..end)
            && raw.bytes().all(|byte| byte >= 0x20)
        {
            let slot = key_slot(raw.as_bytes());
            if let Some(Some((seen, key))) = self.keys.get(slot)
                && *seen == raw
            {
                self.pos = end + 1;
                return Ok(key.clone());
            }
            let key = self.string()?;
            if let Some(entry) = self.keys.get_mut(slot) {
                *entry = Some((raw, key.clone()));
            }
            return Ok(key);
        }
        self.string()
    }

    fn string(&mut self) -> PyResult<Bound<'py, PyString>> {
        let py = self.py;
        self.pos += 1; // the opening quote
        let start = self.pos;
        // The common case: no escape, a slice of the text.
        while let Some(byte) = self.peek() {
            match byte {
                b'"' => {
                    let slice = self.text.get(start..self.pos).unwrap_or_default();
                    self.pos += 1;
                    return Ok(PyString::new(py, slice));
                }
                b'\\' => break,
                0x00..=0x1f => return Err(invalid(py, "a control character in a string")),
                _ => self.pos += 1,
            }
        }
        let mut out = String::from(self.text.get(start..self.pos).unwrap_or_default());
        loop {
            let run = self.pos;
            while let Some(byte) = self.peek() {
                if byte == b'"' || byte == b'\\' || byte < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(self.text.get(run..self.pos).unwrap_or_default());
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(PyString::new(py, &out));
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let escaped = match self.peek() {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.pos += 1;
                            let unit = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&unit) {
                                if !self.literal("\\u") {
                                    return Err(invalid(py, "a lone surrogate"));
                                }
                                let low = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&low) {
                                    return Err(invalid(py, "a lone surrogate"));
                                }
                                0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                unit
                            };
                            let c = char::from_u32(code)
                                .ok_or_else(|| invalid(py, "a lone surrogate"))?;
                            out.push(c);
                            continue;
                        }
                        _ => return Err(invalid(py, "a bad escape")),
                    };
                    self.pos += 1;
                    out.push(escaped);
                }
                _ => return Err(invalid(py, "an unterminated string")),
            }
        }
    }

    fn hex4(&mut self) -> PyResult<u32> {
        let digits = self
            .text
            .get(self.pos..self.pos + 4)
            .filter(|digits| digits.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| invalid(self.py, "a bad \\u escape"))?;
        self.pos += 4;
        u32::from_str_radix(digits, 16).map_err(|_| invalid(self.py, "a bad \\u escape"))
    }

    fn number(&mut self) -> PyResult<Bound<'py, PyAny>> {
        let py = self.py;
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(invalid(py, "a bad number")),
        }
        let mut float = false;
        if self.peek() == Some(b'.') {
            float = true;
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(invalid(py, "a bad number"));
            }
            self.digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            float = true;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(invalid(py, "a bad number"));
            }
            self.digits();
        }
        let text = self.text.get(start..self.pos).unwrap_or_default();
        if float {
            let value: f64 = text.parse().map_err(|_| invalid(py, "a bad number"))?;
            if !value.is_finite() {
                return Err(invalid(py, "a number beyond the range of a float"));
            }
            return Ok(PyFloat::new(py, value).into_any());
        }
        if text.len() <= 18 {
            let value: i64 = text.parse().map_err(|_| invalid(py, "a bad number"))?;
            return Ok(value.into_pyobject(py)?.into_any());
        }
        py.get_type::<PyInt>().call1((text,))
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
    }
}

/// Flask's `untag` for a one-key dict: the tagged value, or the dict.
fn untag<'py>(dict: &Bound<'py, PyDict>) -> PyResult<Bound<'py, PyAny>> {
    let Some((key, value)) = dict.iter().next() else {
        return Ok(dict.clone().into_any());
    };
    let Ok(key) = key.cast::<PyString>() else {
        return Ok(dict.clone().into_any());
    };
    Ok(untag_member(key, &value)?.unwrap_or_else(|| dict.clone().into_any()))
}

/// Flask's `untag` for the one member of an object: the tagged value, or
/// `None` when `key` is no tag.
fn untag_member<'py>(
    key: &Bound<'py, PyString>,
    value: &Bound<'py, PyAny>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let py = key.py();
    let tag = key.to_cow()?;
    let decoded = match tag.as_ref() {
        " t" => match value.cast::<PyList>() {
            Ok(list) => Ok(list.to_tuple().into_any()),
            Err(_) => py.get_type::<PyTuple>().call1((&value,)),
        },
        " b" => {
            let text = value
                .cast::<PyString>()
                .ok()
                .and_then(|text| text.to_cow().ok());
            match text.map(|text| Base64::decode_vec(&text)) {
                Some(Ok(bytes)) => Ok(PyBytes::new(py, &bytes).into_any()),
                _ => {
                    return Err(errors::invalid_bytes());
                }
            }
        }
        " m" => import_attr(&MARKUP, py, "markupsafe", "Markup").and_then(|m| m.call1((&value,))),
        " u" => UUID
            .import(py, "uuid", "UUID")
            .and_then(|uuid| uuid.call1((&value,))),
        " d" => import_attr(&PARSE_DATE, py, "werkzeug.http", "parse_date")
            .and_then(|parse| parse.call1((&value,))),
        " di" => (|| {
            let inner = value.cast::<PyDict>()?;
            let Some((inner_key, inner_value)) = inner.iter().next() else {
                return Err(PyValueError::new_err("empty"));
            };
            let inner_key = inner_key.cast::<PyString>()?.to_cow()?.into_owned();
            let cut = inner_key
                .char_indices()
                .rev()
                .nth(1)
                .map_or(0, |(index, _)| index);
            let out = PyDict::new(py);
            out.set_item(inner_key.get(..cut).unwrap_or_default(), inner_value)?;
            Ok(out.into_any())
        })(),
        _ => return Ok(None),
    };
    decoded
        .map(Some)
        .map_err(|_| errors::invalid_json(&format!("a value tagged {tag:?} does not decode")))
}

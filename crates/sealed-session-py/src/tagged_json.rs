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

use core::fmt::Write as _;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyBytes, PyDateTime, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType,
};

use base64ct::{Base64, Encoding};

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

fn too_deep(_py: Python<'_>) -> PyErr {
    errors::too_deep()
}

// --- Python to JSON -----------------------------------------------------------

/// Serializes `obj` as Flask's tagged JSON (compact, UTF-8). `default`, like
/// `json.dumps`'s, is called with objects of any other type, and its result
/// is serialized instead (the Flask interface passes Flask's own).
pub(crate) fn dumps(
    obj: &Bound<'_, PyAny>,
    default: Option<&Bound<'_, PyAny>>,
) -> PyResult<String> {
    let mut writer = Writer {
        py: obj.py(),
        out: String::with_capacity(256),
        default,
    };
    writer.value(obj, 1)?;
    Ok(writer.out)
}

struct Writer<'a, 'py> {
    py: Python<'py>,
    out: String,
    default: Option<&'a Bound<'py, PyAny>>,
}

impl<'py> Writer<'_, 'py> {
    /// Writes `obj`, which sits at nesting level `depth` if it is a
    /// container.
    fn value(&mut self, obj: &Bound<'py, PyAny>, depth: usize) -> PyResult<()> {
        let py = obj.py();
        // The common exact types first, without attribute lookups.
        if obj.is_exact_instance_of::<PyString>() {
            return self.string_of(obj);
        }
        if obj.is_exact_instance_of::<PyInt>() {
            return self.int(obj);
        }
        if obj.is_none() {
            self.out.push_str("null");
            return Ok(());
        }
        if let Ok(flag) = obj.cast::<PyBool>() {
            self.out
                .push_str(if flag.is_true() { "true" } else { "false" });
            return Ok(());
        }
        if obj.is_exact_instance_of::<PyFloat>() {
            return self.float(obj);
        }
        // Then Flask's tags, in Flask's order.
        if let Ok(dict) = obj.cast::<PyDict>() {
            return self.dict(dict, depth);
        }
        if let Ok(tuple) = obj.cast::<PyTuple>() {
            self.open_tag(" t", depth)?;
            self.array(tuple.iter(), depth + 1)?;
            self.out.push('}');
            return Ok(());
        }
        if let Ok(list) = obj.cast::<PyList>() {
            // By index, the length read each time: Python code run while
            // writing an item (a `default`, an `__html__`) may change the
            // list, which then ends the array early, never out of bounds.
            let mut index = 0;
            let items = core::iter::from_fn(|| {
                let item = (index < list.len())
                    .then(|| list.get_item(index).ok())
                    .flatten();
                index += 1;
                item
            });
            return self.array(items, depth);
        }
        if let Ok(bytes) = obj.cast::<PyBytes>() {
            self.open_tag(" b", depth)?;
            self.out.push('"');
            self.out.push_str(&Base64::encode_string(bytes.as_bytes()));
            self.out.push_str("\"}");
            return Ok(());
        }
        if let Some(html) = obj.getattr_opt(intern!(py, "__html__"))?
            && html.is_callable()
        {
            let text = html.call0()?.str()?;
            self.open_tag(" m", depth)?;
            self.string(&text)?;
            self.out.push('}');
            return Ok(());
        }
        let uuid = UUID.import(py, "uuid", "UUID")?;
        if obj.is_instance(uuid)? {
            let hex = obj.getattr(intern!(py, "hex"))?;
            self.open_tag(" u", depth)?;
            self.string_of(&hex)?;
            self.out.push('}');
            return Ok(());
        }
        if obj.is_instance_of::<PyDateTime>() {
            let date = import_attr(&HTTP_DATE, py, "werkzeug.http", "http_date")?.call1((obj,))?;
            self.open_tag(" d", depth)?;
            self.string_of(&date)?;
            self.out.push('}');
            return Ok(());
        }
        // Subclasses of the JSON types, as `json.dumps` writes them.
        if obj.is_instance_of::<PyString>() {
            return self.string_of(obj);
        }
        if obj.is_instance_of::<PyInt>() {
            return self.int(&py.get_type::<PyInt>().call1((obj,))?);
        }
        if obj.is_instance_of::<PyFloat>() {
            return self.float(obj);
        }
        if let Some(default) = self.default {
            let replacement = default.call1((obj,))?;
            // A `default` that keeps returning containers of itself ends
            // at the depth bound like any other cycle.
            return self.value(&replacement, depth + 1);
        }
        Err(PyTypeError::new_err(format!(
            "Object of type {} is not JSON serializable (a session holds dict, list, tuple, \
             str, int, float, bool, None, bytes, datetime, uuid.UUID and Markup)",
            crate::args::type_name(obj)
        )))
    }

    fn dict(&mut self, dict: &Bound<'py, PyDict>, depth: usize) -> PyResult<()> {
        let py = dict.py();
        if depth > MAX_DEPTH {
            return Err(too_deep(py));
        }
        // A snapshot, as for lists.
        let items: Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>)> = dict.iter().collect();
        if let [(key, value)] = items.as_slice()
            && let Ok(key) = key.cast::<PyString>()
            && let Ok(text) = key.to_cow()
            && TAGS.contains(&text.as_ref())
        {
            // Flask's TagDict: {" di": {"<key>__": tagged}}.
            self.open_tag(" di", depth)?;
            if depth + 1 > MAX_DEPTH {
                return Err(too_deep(py));
            }
            self.out.push('{');
            write_escaped(&mut self.out, &format!("{text}__"));
            self.out.push(':');
            self.value(value, depth + 2)?;
            self.out.push_str("}}");
            return Ok(());
        }
        self.out.push('{');
        for (index, (key, value)) in items.iter().enumerate() {
            if index > 0 {
                self.out.push(',');
            }
            let Ok(key) = key.cast::<PyString>() else {
                return Err(PyTypeError::new_err(format!(
                    "session keys must be str, not {}",
                    crate::args::type_name(key)
                )));
            };
            self.string(key)?;
            self.out.push(':');
            self.value(value, depth + 1)?;
        }
        self.out.push('}');
        Ok(())
    }

    fn array(
        &mut self,
        items: impl Iterator<Item = Bound<'py, PyAny>>,
        depth: usize,
    ) -> PyResult<()> {
        if depth > MAX_DEPTH {
            return Err(too_deep(self.py));
        }
        self.out.push('[');
        for (index, item) in items.enumerate() {
            if index > 0 {
                self.out.push(',');
            }
            self.value(&item, depth + 1)?;
        }
        self.out.push(']');
        Ok(())
    }

    /// `{"<tag>":` for a tag object at `depth`.
    fn open_tag(&mut self, tag: &str, depth: usize) -> PyResult<()> {
        if depth > MAX_DEPTH {
            return Err(too_deep(self.py));
        }
        self.out.push_str("{\"");
        self.out.push_str(tag);
        self.out.push_str("\":");
        Ok(())
    }

    fn string_of(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        self.string(obj.cast::<PyString>()?)
    }

    fn string(&mut self, string: &Bound<'py, PyString>) -> PyResult<()> {
        let out = &mut self.out;
        with_utf8(string, |text| write_escaped(out, text))
    }

    fn int(&mut self, int: &Bound<'py, PyAny>) -> PyResult<()> {
        if let Ok(small) = int.extract::<i64>() {
            push_i64(&mut self.out, small);
        } else {
            let digits = int.str()?;
            let out = &mut self.out;
            with_utf8(&digits, |digits| out.push_str(digits))?;
        }
        Ok(())
    }

    fn float(&mut self, float: &Bound<'py, PyAny>) -> PyResult<()> {
        let value: f64 = float.extract()?;
        if !value.is_finite() {
            return Err(PyValueError::new_err(format!(
                "Out of range float values are not JSON compliant: {value} \
                 (a session cannot hold NaN or infinities)"
            )));
        }
        // `{:?}` is the shortest text that reads back as the same float,
        // always with a `.` or an exponent: it reads back as a float.
        // Writing into a `String` cannot fail.
        let _ = write!(self.out, "{value:?}");
        Ok(())
    }
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

/// Appends the decimal digits of `value`.
fn push_i64(out: &mut String, value: i64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut rest = value.unsigned_abs();
    loop {
        start -= 1;
        if let Some(slot) = digits.get_mut(start) {
            // `rest % 10` is a digit.
            *slot = b'0' + (rest % 10) as u8;
        }
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if value < 0 {
        out.push('-');
    }
    out.push_str(
        digits
            .get(start..)
            .and_then(|digits| core::str::from_utf8(digits).ok())
            .unwrap_or_default(),
    );
}

/// Appends `text` as a JSON string.
pub(crate) fn write_escaped(out: &mut String, text: &str) {
    out.push('"');
    if !text
        .bytes()
        .any(|byte| byte < 0x20 || byte == b'"' || byte == b'\\')
    {
        out.push_str(text);
        out.push('"');
        return;
    }
    let mut start = 0;
    for (index, byte) in text.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        // `index` is an ASCII byte: a character boundary.
        out.push_str(text.get(start..index).unwrap_or_default());
        if escape.is_empty() {
            out.push_str(&format!("\\u{byte:04x}"));
        } else {
            out.push_str(escape);
        }
        start = index + 1;
    }
    out.push_str(text.get(start..).unwrap_or_default());
    out.push('"');
}

// --- JSON to Python -----------------------------------------------------------

/// Parses JSON text into Python objects, untagging as Flask does. Errors are
/// `InvalidJsonError` (`TooDeepError` past [`MAX_DEPTH`]), whose messages
/// never quote the text.
pub(crate) fn loads<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    let mut reader = Reader {
        py,
        bytes: text.as_bytes(),
        text,
        pos: 0,
        keys: Vec::new(),
    };
    reader.whitespace();
    let value = reader.value(1)?;
    reader.whitespace();
    if reader.pos != reader.bytes.len() {
        return Err(invalid(py, "trailing data after the JSON value"));
    }
    Ok(value)
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
    /// hash is already computed.
    keys: Vec<(&'a str, Bound<'py, PyString>)>,
}

/// How many distinct keys [`Reader::keys`] remembers.
const KEY_CACHE: usize = 64;

impl<'py> Reader<'_, 'py> {
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
                    return Err(too_deep(py));
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
            return Err(too_deep(py));
        }
        self.pos += 1;
        let dict = PyDict::new(py);
        self.whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
        } else {
            loop {
                self.whitespace();
                if self.peek() != Some(b'"') {
                    return Err(invalid(py, "expected a key"));
                }
                let key = self.key()?;
                self.whitespace();
                self.expect(b':', "expected ':'")?;
                self.whitespace();
                let value = self.value(depth + 1)?;
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
        }
        if dict.len() == 1 {
            untag(&dict)
        } else {
            Ok(dict.into_any())
        }
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
            if let Some((_, key)) = self.keys.iter().find(|(seen, _)| *seen == raw) {
                self.pos = end + 1;
                return Ok(key.clone());
            }
            let key = self.string()?;
            if self.keys.len() < KEY_CACHE {
                self.keys.push((raw, key.clone()));
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
    let py = dict.py();
    let Some((key, value)) = dict.iter().next() else {
        return Ok(dict.clone().into_any());
    };
    let Ok(key) = key.cast::<PyString>() else {
        return Ok(dict.clone().into_any());
    };
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
        _ => return Ok(dict.clone().into_any()),
    };
    decoded.map_err(|_| errors::invalid_json(&format!("a value tagged {tag:?} does not decode")))
}

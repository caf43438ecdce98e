//! The session's JSON, kept as raw text: splitting an authentic plaintext
//! into its top-level members, the checks every session value passes,
//! tagged bytes, and rewriting for the Python EncryptedSession format.
//!
//! Values stay the exact text they were read as (serde_json's `raw_value`),
//! so numbers keep their digits without `arbitrary_precision`, and member
//! order is kept by the session itself without `preserve_order`: this
//! crate turns on no serde_json feature that changes behaviour elsewhere in
//! a user's build.
//!
//! The JSON convention is Flask's tagged JSON (`flask.json.tag`), so that a
//! Flask app and a Rust service read each other's sessions: byte strings
//! are `{" b": "<standard base64, padded>"}`. The Python EncryptedSession
//! format has its own convention for bytes, `{"__type__": "bytes", "b":
//! "<base64>"}`, converted at that format's boundary.

pub(crate) mod float_guard;
mod members;

pub(crate) use members::Members;

use core::fmt;
use std::collections::HashMap;

use base64ct::{Base64, Encoding};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::value::RawValue;

use crate::error::SessionError;

/// See [`Session::MAX_DEPTH`](crate::Session::MAX_DEPTH).
pub(crate) const MAX_DEPTH: usize = 100;

/// See [`Bytes::TAG`].
pub(crate) const BYTES_TAG: &str = " b";

/// The members of a session object, in order, as raw JSON text.
pub(crate) type Entries = Vec<(String, Box<RawValue>)>;

/// A byte string, stored as Flask stores `bytes` in its session:
/// `{" b": "<standard base64, padded>"}` (Flask's tagged JSON).
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
/// assert_eq!(session.to_json_string(), r#"{"keys":[{" b":"AAE="},{" b":"aGk="}]}"#);
/// let keys: Vec<Bytes> = session.get("keys")?.unwrap();
/// assert_eq!(keys[1].0, b"hi");
/// # Ok::<(), sealed_session::SessionError>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Bytes(pub Vec<u8>);

impl Bytes {
    /// The key of Flask's tag for byte strings: `{" b": "<base64>"}`.
    pub const TAG: &'static str = BYTES_TAG;
}

impl fmt::Debug for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Session values may be secrets: the length only.
        write!(f, "Bytes({} bytes)", self.0.len())
    }
}

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(BYTES_TAG, &Base64::encode_string(&self.0))?;
        map.end()
    }
}

impl<'de> de::Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(BytesVisitor)
    }
}

struct BytesVisitor;

impl<'de> Visitor<'de> for BytesVisitor {
    type Value = Bytes;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(r#"{" b": "<base64>"}"#)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Bytes, A::Error> {
        let Some(key) = map.next_key::<String>()? else {
            return Err(de::Error::custom("empty object"));
        };
        if key != BYTES_TAG {
            return Err(de::Error::custom("not a bytes tag"));
        }
        let text = map.next_value::<String>()?;
        if map.next_key::<IgnoredAny>()?.is_some() {
            return Err(de::Error::custom("a bytes tag has one member"));
        }
        Base64::decode_vec(&text)
            .map(Bytes)
            .map_err(|_| de::Error::custom("invalid base64"))
    }
}

/// The tagged JSON of `bytes`.
pub(crate) fn tagged_bytes(bytes: &[u8]) -> Box<RawValue> {
    let mut text = String::with_capacity(bytes.len() * 4 / 3 + 12);
    text.push_str(r#"{" b":""#);
    text.push_str(&Base64::encode_string(bytes));
    text.push_str(r#""}"#);
    // Base64 needs no escaping: always valid JSON.
    RawValue::from_string(text).unwrap_or_default()
}

/// Splits an authentic plaintext into the members of its top-level object,
/// after checking what a session must be: UTF-8 JSON (RFC 8259, no `NaN`
/// or `Infinity`, numbers within the range of an `f64`), an object at the
/// top, at most [`MAX_DEPTH`] levels, every `{" b": …}` a valid byte
/// string. For a duplicate key the last value wins, at the first key's
/// position, as in Python's `json.loads`.
///
/// The members are owned copies, for the formats that rewrite them (the
/// Python package's); an opened envelope keeps [`Members`] instead.
pub(crate) fn split(plaintext: &[u8]) -> Result<Entries, SessionError> {
    Ok(Members::parse(zeroize::Zeroizing::new(plaintext.to_vec()), 0)?.into_entries())
}

/// The members of a session object whose values are already JSON (a
/// binding that writes its own objects member by member): each value
/// checked as [`split`] checks values, duplicates resolved as [`split`]
/// resolves them (the last value wins, at the first key's position), and
/// the session object refused when it is a tagged byte string.
pub(crate) fn collect(
    members: impl IntoIterator<Item = (String, Box<RawValue>)>,
) -> Result<Entries, SessionError> {
    let mut members = members.into_iter();
    // Wiped on every way out but success, as a `Session` wipes on drop:
    // what was collected, a value a duplicate key replaces, and the members
    // not yet read when a value is refused.
    let mut entries = Wiped(Vec::with_capacity(members.size_hint().0));
    // Small sessions compare keys directly; large ones through an index.
    let mut index: Option<HashMap<String, usize>> = None;
    while let Some((key, value)) = members.next() {
        if let Err(error) = check(&value, 1) {
            entries.0.push((key, value));
            entries.0.extend(members);
            return Err(error);
        }
        let entries = &mut entries.0;
        if let Some(index) = &mut index {
            if let Some(&at) = index.get(&key) {
                wipe_value(core::mem::replace(&mut entries[at].1, value));
                continue;
            }
            index.insert(key.clone(), entries.len());
        } else if let Some(entry) = entries.iter_mut().find(|(k, _)| *k == key) {
            wipe_value(core::mem::replace(&mut entry.1, value));
            continue;
        } else if entries.len() == 16 {
            let mut all: HashMap<String, usize> = entries
                .iter()
                .enumerate()
                .map(|(at, (k, _))| (k.clone(), at))
                .collect();
            all.insert(key.clone(), entries.len());
            index = Some(all);
        }
        entries.push((key, value));
    }
    refuse_bytes_session(&entries.0)?;
    Ok(core::mem::take(&mut entries.0))
}

/// Entries wiped when dropped (see [`session::wipe`](crate::session::wipe)).
struct Wiped(Entries);

impl Drop for Wiped {
    fn drop(&mut self) {
        crate::session::wipe(&mut self.0);
    }
}

/// Wipes one member's JSON text before freeing it.
fn wipe_value(value: Box<RawValue>) {
    let mut text: Box<str> = value.into();
    zeroize::Zeroize::zeroize(&mut text);
}

/// Refuses a session object that is itself a tagged byte string (FORMAT.md
/// §12.2), once duplicates are resolved and again once Flask's
/// `_permanent` member is taken out: Flask would load `bytes`, not a
/// session. Its base64 is checked first, as everywhere, so that
/// `{" b":"!!"}` fails as malformed bytes.
pub(crate) fn refuse_bytes_session(entries: &Entries) -> Result<(), SessionError> {
    match entries.as_slice() {
        [(key, value)] => refuse_bytes_session_of(Some((key, value.get()))),
        _ => Ok(()),
    }
}

/// [`refuse_bytes_session`] for the one member of an object (`None`: the
/// object has none, or several), as key and value text.
pub(crate) fn refuse_bytes_session_of(only: Option<(&str, &str)>) -> Result<(), SessionError> {
    if let Some((key, value)) = only
        && key == BYTES_TAG
    {
        let tag = format!("{{\"{BYTES_TAG}\":{value}}}");
        let tag: &RawValue = serde_json::from_str(&tag).map_err(|_| SessionError::InvalidJson)?;
        check(tag, 0)?;
        return Err(SessionError::InvalidSession);
    }
    Ok(())
}

/// The members of one JSON object, borrowed from the text (keys too, when
/// they hold no escape).
struct Object<'a>(Vec<(Key<'a>, &'a RawValue)>);

impl Drop for Key<'_> {
    fn drop(&mut self) {
        if let Self::Owned(key) = self {
            zeroize::Zeroize::zeroize(key);
        }
    }
}

/// An object key: borrowed from the text, or unescaped (and then wiped
/// when dropped).
enum Key<'a> {
    Borrowed(&'a str),
    Owned(String),
}

impl core::ops::Deref for Key<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            Self::Borrowed(key) => key,
            Self::Owned(key) => key,
        }
    }
}

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Key<'de>, E> {
                Ok(Key::Borrowed(key))
            }

            fn visit_str<E: de::Error>(self, key: &str) -> Result<Key<'de>, E> {
                Ok(Key::Owned(key.to_owned()))
            }

            fn visit_string<E: de::Error>(self, key: String) -> Result<Key<'de>, E> {
                Ok(Key::Owned(key))
            }
        }

        deserializer.deserialize_str(KeyVisitor)
    }
}

impl<'de> de::Deserialize<'de> for Object<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MembersVisitor;

        impl<'de> Visitor<'de> for MembersVisitor {
            type Value = Object<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Object<'de>, A::Error> {
                let mut members = Vec::new();
                while let Some(key) = map.next_key::<Key<'de>>()? {
                    members.push((key, map.next_value::<&'de RawValue>()?));
                }
                Ok(Object(members))
            }
        }

        deserializer.deserialize_map(MembersVisitor)
    }
}

/// The elements of one JSON array, borrowed from the text.
struct Elements<'a>(Vec<&'a RawValue>);

impl<'de> de::Deserialize<'de> for Elements<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ElementsVisitor;

        impl<'de> Visitor<'de> for ElementsVisitor {
            type Value = Elements<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON array")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Elements<'de>, A::Error> {
                let mut elements = Vec::new();
                while let Some(element) = seq.next_element::<&'de RawValue>()? {
                    elements.push(element);
                }
                Ok(Elements(elements))
            }
        }

        deserializer.deserialize_seq(ElementsVisitor)
    }
}

/// Checks one value (valid JSON syntax, as serde_json captured it): nesting
/// no deeper than [`MAX_DEPTH`] counting `depth_above` enclosing levels, no
/// lone surrogate in a `\u` escape, and every `{" b": …}` (the one member
/// of its object) a string of valid, padded standard base64.
///
/// One pass over the bytes, without recursion and without building
/// anything: a million levels of nesting are rejected at level 101. Numbers
/// are left as text: digits are kept, and a number beyond the range of a
/// type is an error when a handler asks for that type.
pub(crate) fn check(value: &RawValue, depth_above: usize) -> Result<(), SessionError> {
    /// An open array or object.
    struct Frame {
        object: bool,
        /// In an object: the next string is a key.
        expect_key: bool,
        members: u32,
        /// The first key is the bytes tag, and the range of its value when
        /// that value is a string.
        tagged: bool,
        tag_value: Option<(usize, usize)>,
    }
    let text = value.get().as_bytes();
    if !may_fail_check(text, depth_above) {
        return Ok(());
    }
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while let Some(&byte) = text.get(i) {
        match byte {
            b'"' => {
                let end = string_end(text, i)?;
                if let Some(frame) = stack.last_mut()
                    && frame.object
                {
                    if frame.expect_key {
                        frame.expect_key = false;
                        frame.members += 1;
                        frame.tagged = frame.members == 1 && is_bytes_tag(&text[i..end])?;
                    } else if frame.tagged && frame.members == 1 {
                        frame.tag_value = Some((i, end));
                    }
                }
                i = end;
            }
            b'[' | b'{' => {
                if depth_above + stack.len() + 1 > MAX_DEPTH {
                    return Err(SessionError::TooDeep);
                }
                stack.push(Frame {
                    object: byte == b'{',
                    expect_key: byte == b'{',
                    members: 0,
                    tagged: false,
                    tag_value: None,
                });
                i += 1;
            }
            b']' | b'}' => {
                let frame = stack.pop().ok_or(SessionError::InvalidJson)?;
                if frame.object && frame.tagged && frame.members == 1 {
                    let valid = frame.tag_value.is_some_and(|(start, end)| {
                        serde_json::from_slice::<String>(&text[start..end])
                            .is_ok_and(|base64| Base64::decode_vec(&base64).is_ok())
                    });
                    if !valid {
                        return Err(SessionError::InvalidBytes);
                    }
                }
                i += 1;
            }
            b',' => {
                if let Some(frame) = stack.last_mut() {
                    frame.expect_key = frame.object;
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    Ok(())
}

/// The bytes tag as an object key, `" b"`, searched for in every value:
/// the searcher is built once, not per value.
static BYTES_TAG_KEY: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(br#"" b""#));

/// Whether [`check`] could reject `text` (valid JSON syntax), by three
/// quick scans that each over-approximate what it looks for: nesting
/// deeper than [`MAX_DEPTH`] needs at least that many `[` or `{` bytes
/// (inside strings or not); a lone surrogate needs a `\u` escape, so a
/// backslash; a bytes tag needs an object key `" b"`, written as exactly
/// those four bytes or with an escape (a backslash again). A session whose
/// values have none of these (nearly all) skips the byte-by-byte pass.
/// A value with no `[`, `{` or `\` at all (a number, a literal, a string
/// without escapes: most values) is settled by one SIMD scan for the three.
fn may_fail_check(text: &[u8], depth_above: usize) -> bool {
    if memchr::memchr3(b'[', b'{', b'\\', text).is_none() {
        return depth_above > MAX_DEPTH;
    }
    // Counted in byte lanes, 127 bytes at a time: this loop vectorizes.
    let opening: usize = text
        .chunks(127)
        .map(|chunk| {
            let lanes = chunk.iter().fold(0u8, |n, &byte| {
                n + u8::from(byte == b'[') + u8::from(byte == b'{')
            });
            usize::from(lanes)
        })
        .sum();
    depth_above + opening > MAX_DEPTH
        || memchr::memchr(b'\\', text).is_some()
        || BYTES_TAG_KEY.find(text).is_some()
}

/// The index just past the string that starts at `text[start]` (a `"`),
/// after checking that its `\u` escapes pair their surrogates.
fn string_end(text: &[u8], start: usize) -> Result<usize, SessionError> {
    let mut i = start + 1;
    loop {
        // Straight to the next quote or backslash: a string's other bytes
        // need no look.
        i = quote_or_backslash(text, i).ok_or(SessionError::InvalidJson)?;
        match text.get(i) {
            Some(b'"') => return Ok(i + 1),
            Some(b'\\') if text.get(i + 1) == Some(&b'u') => {
                let unit = hex4(text, i + 2)?;
                i += 6;
                if (0xd800..0xdc00).contains(&unit) {
                    // A high surrogate: a low one must follow.
                    let low = (text.get(i) == Some(&b'\\') && text.get(i + 1) == Some(&b'u'))
                        .then(|| hex4(text, i + 2))
                        .transpose()?;
                    if !low.is_some_and(|low| (0xdc00..0xe000).contains(&low)) {
                        return Err(SessionError::InvalidJson);
                    }
                    i += 6;
                } else if (0xdc00..0xe000).contains(&unit) {
                    return Err(SessionError::InvalidJson);
                }
            }
            Some(b'\\') => i += 2,
            Some(_) => i += 1,
            None => return Err(SessionError::InvalidJson),
        }
    }
}

/// The index of the first `"` or `\\` in `text` from `from` on, eight bytes
/// at a time (a string's bytes are mostly neither).
fn quote_or_backslash(text: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut i = from;
    while let Some(chunk) = text.get(i..).and_then(<[u8]>::first_chunk::<8>) {
        let word = u64::from_le_bytes(*chunk);
        let quotes = word ^ (ONES * u64::from(b'"'));
        let backslashes = word ^ (ONES * u64::from(b'\\'));
        // A zero byte in either marks a match; the lowest flag is exact.
        let found = (quotes.wrapping_sub(ONES) & !quotes
            | backslashes.wrapping_sub(ONES) & !backslashes)
            & HIGH;
        if found != 0 {
            return Some(i + found.trailing_zeros() as usize / 8);
        }
        i += 8;
    }
    let rest = text.get(i..)?;
    rest.iter()
        .position(|&byte| byte == b'"' || byte == b'\\')
        .map(|at| i + at)
}

/// The value of four hex digits at `text[at..at + 4]`.
fn hex4(text: &[u8], at: usize) -> Result<u16, SessionError> {
    let digits = text.get(at..at + 4).ok_or(SessionError::InvalidJson)?;
    let digits = core::str::from_utf8(digits).map_err(|_| SessionError::InvalidJson)?;
    u16::from_str_radix(digits, 16).map_err(|_| SessionError::InvalidJson)
}

/// Whether a key (its JSON text, quotes included) is the bytes tag,
/// however it is escaped.
fn is_bytes_tag(key: &[u8]) -> Result<bool, SessionError> {
    if key == br#"" b""# {
        return Ok(true);
    }
    if !key.contains(&b'\\') {
        return Ok(false);
    }
    let key: String = serde_json::from_slice(key).map_err(|_| SessionError::InvalidJson)?;
    Ok(key == BYTES_TAG)
}

/// Converts members read in the Python EncryptedSession conventions to this
/// crate's (its `{"__type__": "bytes", "b": …}` become `{" b": …}`, compact),
/// and checks each converted value as [`split`] checks values.
pub(crate) fn from_python(entries: &mut Entries) -> Result<(), SessionError> {
    // The session object itself is never a byte string (FORMAT.md §12.2):
    // the Python package's reader would load `bytes` from a top-level
    // `{"__type__": "bytes", "b": …}`. Checked as a whole, so that invalid
    // base64 fails as malformed bytes, as anywhere else.
    if entries.iter().any(|(key, _)| key == "__type__") {
        let mut whole = String::from("{");
        for (i, (key, value)) in entries.iter().enumerate() {
            if i > 0 {
                whole.push(',');
            }
            whole.push_str(&serde_json::to_string(key).map_err(|_| SessionError::InvalidJson)?);
            whole.push(':');
            whole.push_str(value.get());
        }
        whole.push('}');
        let whole = RawValue::from_string(whole).map_err(|_| SessionError::InvalidJson)?;
        let mut text = String::new();
        rewrite(&whole, Style::FromPython, &mut text)?;
        let converted = RawValue::from_string(text).map_err(|_| SessionError::InvalidJson)?;
        check(&converted, 0)?;
        if converted.get().starts_with(r#"{" b":"#) {
            return Err(SessionError::InvalidSession);
        }
    }
    for (_, value) in entries.iter_mut() {
        let mut text = String::new();
        rewrite(value, Style::FromPython, &mut text)?;
        let converted = RawValue::from_string(text).map_err(|_| SessionError::InvalidJson)?;
        check(&converted, 1)?;
        *value = converted;
    }
    Ok(())
}

/// Decodes a value that must be a tagged byte string.
pub(crate) fn bytes_of(value: &str) -> Result<Vec<u8>, SessionError> {
    serde_json::from_str::<Bytes>(value)
        .map(|bytes| bytes.0)
        .map_err(|_| SessionError::WrongType)
}

/// How [`rewrite`] writes JSON.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Style {
    /// Compact (no whitespace), UTF-8, serde_json's escapes; the Python
    /// format's `{"__type__": "bytes", "b": …}` become Flask's `{" b": …}`.
    FromPython,
    /// Python's `json.dumps` defaults (`", "` and `": "`, every character
    /// outside `' '..='~'` escaped), and Flask's `{" b": …}` written as the
    /// Python format's `{"__type__": "bytes", "b": …}`.
    ToPython,
    /// As [`Style::ToPython`] for bytes, but compact and UTF-8, as
    /// serde_json writes.
    ToPythonCompact,
}

impl Style {
    const fn to_python(self) -> bool {
        matches!(self, Self::ToPython | Self::ToPythonCompact)
    }
}

/// Writes `value` (valid JSON) in `style`. Numbers, `true`, `false` and
/// `null` are copied as they are: digits are never reformatted.
pub(crate) fn rewrite(
    value: &RawValue,
    style: Style,
    out: &mut String,
) -> Result<(), SessionError> {
    let text = value.get().trim_ascii_start();
    match text.as_bytes().first() {
        Some(b'{') => {
            let members: Object<'_> =
                serde_json::from_str(text).map_err(|_| SessionError::InvalidJson)?;
            let members: Vec<(String, &RawValue)> = members
                .0
                .iter()
                .map(|(key, value)| (String::from(&**key), *value))
                .collect();
            rewrite_object(&members, style, out)
        }
        Some(b'[') => {
            let elements: Elements<'_> =
                serde_json::from_str(text).map_err(|_| SessionError::InvalidJson)?;
            out.push('[');
            for (i, element) in elements.0.iter().enumerate() {
                if i > 0 {
                    out.push_str(separator(style, ','));
                }
                rewrite(element, style, out)?;
            }
            out.push(']');
            Ok(())
        }
        Some(b'"') => {
            let string: String =
                serde_json::from_str(text).map_err(|_| SessionError::InvalidJson)?;
            write_string(&string, style, out);
            Ok(())
        }
        _ => {
            out.push_str(text.trim_ascii_end());
            Ok(())
        }
    }
}

/// Writes an object's members in `style`, converting byte tags.
pub(crate) fn rewrite_object(
    members: &[(String, &RawValue)],
    style: Style,
    out: &mut String,
) -> Result<(), SessionError> {
    match (style, members) {
        // Flask's bytes, as the Python format writes them.
        (_, [(key, value)]) if style.to_python() && key == BYTES_TAG => {
            out.push('{');
            write_string("__type__", style, out);
            out.push_str(separator(style, ':'));
            write_string("bytes", style, out);
            out.push_str(separator(style, ','));
            write_string("b", style, out);
            out.push_str(separator(style, ':'));
            rewrite(value, style, out)?;
            out.push('}');
            return Ok(());
        }
        // The Python format's bytes (exactly its two members), as Flask's.
        (Style::FromPython, [(a, x), (b, y)]) if a == "__type__" || b == "__type__" => {
            let (tag, data) = if a == "__type__" {
                (x, (b, y))
            } else {
                (y, (a, x))
            };
            if serde_json::from_str::<&str>(tag.get()).ok() == Some("bytes") {
                if data.0 != "b" {
                    return Err(SessionError::InvalidBytes);
                }
                out.push_str(r#"{" b":"#);
                rewrite(data.1, style, out)?;
                out.push('}');
                return Ok(());
            }
        }
        (Style::FromPython, _)
            if members.iter().any(|(key, value)| {
                key == "__type__" && serde_json::from_str::<&str>(value.get()).ok() == Some("bytes")
            }) =>
        {
            return Err(SessionError::InvalidBytes);
        }
        _ => {}
    }
    out.push('{');
    for (i, (key, value)) in members.iter().enumerate() {
        if i > 0 {
            out.push_str(separator(style, ','));
        }
        write_string(key, style, out);
        out.push_str(separator(style, ':'));
        rewrite(value, style, out)?;
    }
    out.push('}');
    Ok(())
}

fn separator(style: Style, c: char) -> &'static str {
    match (style, c) {
        (Style::ToPython, ',') => ", ",
        (Style::ToPython, _) => ": ",
        (_, ',') => ",",
        (_, _) => ":",
    }
}

/// Writes a JSON string: Python's `ensure_ascii` escapes for
/// [`Style::ToPython`], serde_json's otherwise.
fn write_string(text: &str, style: Style, out: &mut String) {
    if style != Style::ToPython {
        // Writing a `&str` to a `String` cannot fail.
        if let Ok(json) = serde_json::to_string(text) {
            out.push_str(&json);
        }
        return;
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let u = *unit;
                    out.push_str("\\u");
                    for shift in [12, 8, 4, 0] {
                        out.push(char::from(HEX[usize::from((u >> shift) & 0xf)]));
                    }
                }
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).unwrap()
    }

    fn python(text: &str) -> String {
        let mut out = String::new();
        rewrite(&raw(text), Style::ToPython, &mut out).unwrap();
        out
    }

    #[test]
    fn python_formatting_matches_json_dumps() {
        // Expected strings are what CPython's json.dumps prints.
        assert_eq!(python("{}"), "{}");
        assert_eq!(
            python(r#"{"a":[1,2,{"b":null}],"c":true,"d":[],"e":{}}"#),
            r#"{"a": [1, 2, {"b": null}], "c": true, "d": [], "e": {}}"#
        );
        assert_eq!(
            python("{\"s\":\"h\u{e9}\u{2603}\u{1F600}\\u007f\\n\\t\\\"\\\\\\/\\u0001\\b\\f\\r\"}"),
            r#"{"s": "h\u00e9\u2603\ud83d\ude00\u007f\n\t\"\\/\u0001\b\f\r"}"#
        );
        assert_eq!(
            python(r#"{"n":[1e+100, 123456789012345678901234567890 ,-0.0,1.5]}"#),
            r#"{"n": [1e+100, 123456789012345678901234567890, -0.0, 1.5]}"#
        );
        assert_eq!(
            python(r#"{"x":{" b":"AAE="},"y":[{" b":""}]}"#),
            r#"{"x": {"__type__": "bytes", "b": "AAE="}, "y": [{"__type__": "bytes", "b": ""}]}"#
        );
        // Two members: not a tag.
        assert_eq!(
            python(r#"{" b":"AAE=","c":1}"#),
            r#"{" b": "AAE=", "c": 1}"#
        );
    }

    #[test]
    fn python_bytes_become_flask_bytes() {
        let mut out = String::new();
        rewrite(
            &raw(r#"{"x": {"__type__": "bytes", "b": "AAE="}, "y": [{"b": "", "__type__": "bytes"}], "z": {"__type__": "date", "b": 1}}"#),
            Style::FromPython,
            &mut out,
        )
        .unwrap();
        assert_eq!(
            out,
            r#"{"x":{" b":"AAE="},"y":[{" b":""}],"z":{"__type__":"date","b":1}}"#
        );
        // A tag whose data is not base64 converts, then fails the check.
        let mut entries = split(br#"{"x": {"__type__": "bytes", "b": "not base64!"}}"#).unwrap();
        assert_eq!(from_python(&mut entries), Err(SessionError::InvalidBytes));
        let mut entries = split(br#"{"x": [{"__type__": "bytes", "b": 5}]}"#).unwrap();
        assert_eq!(from_python(&mut entries), Err(SessionError::InvalidBytes));
        for bad in [
            r#"{"__type__": "bytes"}"#,
            r#"{"__type__": "bytes", "c": "AAE="}"#,
            r#"{"__type__": "bytes", "b": "AAE=", "c": 1}"#,
        ] {
            let mut out = String::new();
            assert_eq!(
                rewrite(&raw(bad), Style::FromPython, &mut out),
                Err(SessionError::InvalidBytes),
                "{bad}"
            );
        }
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
            (b"{\"a\":[\"\\udc00\"]}", SessionError::InvalidJson),
            (b"{\"a\":{\"\\ud83d\\u0041\":1}}", SessionError::InvalidJson),
            (b"", SessionError::InvalidJson),
        ] {
            assert_eq!(split(text).unwrap_err(), expected, "{text:?}");
        }
        // Whitespace around the object is JSON's own (and the padding of
        // length hiding).
        assert_eq!(split(b" {\"a\" : 1 }    ").unwrap().len(), 1);
        // Numbers stay text: any size opens; `get` decides what fits a type.
        let entries = split(br#"{"a":1e400,"b":-1e999999,"c":"\ud83d\ude00"}"#).unwrap();
        assert_eq!(entries[0].1.get(), "1e400");
    }

    #[test]
    fn duplicate_keys_last_wins_at_first_position() {
        let entries = split(br#"{"a":1,"b":2,"a":3}"#).unwrap();
        let flat: Vec<_> = entries.iter().map(|(k, v)| (k.as_str(), v.get())).collect();
        assert_eq!(flat, [("a", "3"), ("b", "2")]);
        // The same through the index of large sessions.
        let mut text = String::from("{");
        for i in 0..40 {
            text.push_str(&format!("\"k{i}\":{i},"));
        }
        text.push_str("\"k3\":\"last\"}");
        let entries = split(text.as_bytes()).unwrap();
        assert_eq!(entries.len(), 40);
        assert_eq!(
            (entries[3].0.as_str(), entries[3].1.get()),
            ("k3", "\"last\"")
        );
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
        assert!(split(nested(MAX_DEPTH).as_bytes()).is_ok());
        for depth in [MAX_DEPTH + 1, 127, 128, 129, 10_000, 1_000_000] {
            assert_eq!(
                split(nested(depth).as_bytes()).unwrap_err(),
                SessionError::TooDeep,
                "{depth}"
            );
        }
        // Unbalanced deep input is not JSON at all.
        let open_only = format!("{{\"a\":{}", "[".repeat(100_000));
        assert_eq!(
            split(open_only.as_bytes()).unwrap_err(),
            SessionError::InvalidJson
        );
    }

    /// A session object that is itself `{" b": …}` is no session (Flask
    /// loads bytes from it); with invalid base64 it fails as malformed
    /// bytes, as anywhere else (issue 18 item 9).
    #[test]
    fn the_session_object_is_never_a_bytes_tag() {
        assert_eq!(
            split(br#"{" b":"!!"}"#).unwrap_err(),
            SessionError::InvalidBytes
        );
        assert_eq!(
            split(br#"{" b":"AAF="}"#).unwrap_err(),
            SessionError::InvalidBytes
        );
        assert_eq!(
            split(br#" {" b" : "AAE="} "#).unwrap_err(),
            SessionError::InvalidSession
        );
        assert_eq!(
            split(br#"{" b":"AAE="," b":"AAE="}"#).unwrap_err(),
            SessionError::InvalidSession
        );
        // The Python package's form of the same, at the top.
        for (python, error) in [
            (
                &br#"{"__type__": "bytes", "b": "!!"}"#[..],
                SessionError::InvalidBytes,
            ),
            (
                br#"{"b": "AAE=", "__type__": "bytes"}"#,
                SessionError::InvalidSession,
            ),
            (
                br#"{"__type__": "bytes", "c": "AAE="}"#,
                SessionError::InvalidBytes,
            ),
        ] {
            let mut entries = split(python).unwrap();
            assert_eq!(from_python(&mut entries).unwrap_err(), error);
        }
        let mut entries = split(br#"{"__type__": "date", "b": 1}"#).unwrap();
        assert!(from_python(&mut entries).is_ok());
        // Beside another member, `" b"` is an ordinary key.
        assert_eq!(split(br#"{" b":"!!","c":1}"#).unwrap().len(), 2);
    }

    #[test]
    fn tagged_bytes_are_checked_everywhere() {
        let good = br#"{"x":[{" b":"AAE="}],"y":{" b":1,"c":2},"z":{" t":[1,2]}}"#;
        assert!(split(good).is_ok());
        for bad in [
            &br#"{"x":{" b":1}}"#[..],
            br#"{"x":{" b":null}}"#,
            br#"{"x":{" b":"AAE"}}"#,
            br#"{"x":{" b":"AA-_"}}"#,
            br#"{"x":{" b":"AAF="}}"#,
            br#"{"x":[[{" b":"!"}]]}"#,
        ] {
            assert_eq!(
                split(bad).unwrap_err(),
                SessionError::InvalidBytes,
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    /// The members of `text` as owned pairs, unchecked (serde_json's
    /// syntax only): what a binding hands to `Session::from_members`.
    fn members_of(text: &str) -> Vec<(String, Box<RawValue>)> {
        let members: Object<'_> = serde_json::from_str(text).unwrap();
        members
            .0
            .iter()
            .map(|(key, value)| (String::from(&**key), RawValue::to_owned(value)))
            .collect()
    }

    /// `Session::from_members` is `Session::from_json` without the parse:
    /// on every case of the checks above it gives the same session or the
    /// same error, and each session it builds seals into a cookie that
    /// opens again to the same data (it can build no session that opening
    /// refuses).
    #[test]
    fn from_members_checks_as_from_json() {
        use crate::{Key, Keyring, Session, SessionCodec};

        let mut cases: Vec<String> = [
            r#"{}"#,
            r#"{"a":1,"b":[1,{"c":null}],"a":3}"#,
            r#"{"a":1e400,"b":-1e999999,"c":"\ud83d\ude00"}"#,
            r#"{"a":"\ud800"}"#,
            r#"{"a":["\udc00"]}"#,
            r#"{"a":{"\ud83d\u0041":1}}"#,
            r#"{"x":[{" b":"AAE="}],"y":{" b":1,"c":2},"z":{" t":[1,2]}}"#,
            r#"{"x":{" b":1}}"#,
            r#"{"x":{" b":"AAF="}}"#,
            r#"{"x":[[{" b":"!"}]]}"#,
            r#"{"x":{"\u0020b":"!"}}"#,
            r#"{" b":"AAE="}"#,
            r#"{" b":"!!"}"#,
            r#"{" b":"AAE="," b":"AAE="}"#,
            r#"{" b":"!!","c":1}"#,
            r#"{" b":"AAE=","_permanent":true}"#,
            r#"{"_permanent":true," b":"!!"}"#,
            r#"{" b":"AAE=","_permanent":false,"c":1}"#,
            r#"{"a":1,"_permanent":true}"#,
            r#"{"_permanent":1,"a":1}"#,
            r#"{"_permanent":true,"_permanent":false}"#,
            r#"{" t":[1,2]}"#,
            r#"{" di":{" b__":"AAE="}}"#,
        ]
        .iter()
        .map(|case| (*case).to_owned())
        .collect();
        cases.push(nested(MAX_DEPTH));
        cases.push(nested(MAX_DEPTH + 1));
        cases.push(nested(1000));
        let mut many = String::from("{");
        for i in 0..40 {
            many.push_str(&format!("\"k{i}\":{i},"));
        }
        many.push_str("\"k3\":\"last\",\"k39\":[]}");
        cases.push(many);

        let codec = SessionCodec::builder(Keyring::new(1, &Key::from_bytes([7; 32])))
            .build()
            .unwrap();
        let mut built = 0;
        for case in &cases {
            let parsed = Session::from_json(case.as_bytes());
            let members = Session::from_members(members_of(case));
            match (&parsed, &members) {
                (Ok(parsed), Ok(members)) => {
                    assert_eq!(parsed.to_flask_json(), members.to_flask_json(), "{case}");
                    assert!(!members.modified(), "{case}");
                    let cookie = codec.seal(members).unwrap();
                    let opened = codec.open(&cookie).unwrap();
                    assert_eq!(opened.to_flask_json(), members.to_flask_json(), "{case}");
                    built += 1;
                }
                (Err(parsed), Err(members)) => assert_eq!(parsed, members, "{case}"),
                _ => panic!("{case}: from_json {parsed:?}, from_members {members:?}"),
            }
            // Replacing: the same verdict, and the session unchanged on error.
            let mut session = Session::from_json(br#"{"old":1}"#).unwrap();
            let replaced = session.replace_from_members(members_of(case));
            assert_eq!(replaced.err(), parsed.as_ref().err().copied(), "{case}");
            if parsed.is_err() {
                assert_eq!(session.to_json_string(), r#"{"old":1}"#);
                assert!(!session.modified());
            }
        }
        assert_eq!(built, 13);
        // Not JSON at all: no `RawValue` holds it, so no member can.
        for text in ["NaN", "Infinity", "-Infinity", "[1,]", "\"\\ud800"] {
            assert!(RawValue::from_string(text.to_owned()).is_err(), "{text}");
        }
    }

    /// Without its `_permanent`, `{" b": …, "_permanent": true}` is a byte
    /// string: refused wherever the flag is taken out (it sealed before,
    /// into a cookie that then did not open).
    #[test]
    fn a_session_minus_permanent_is_never_a_bytes_tag() {
        use crate::Session;
        let text = br#"{" b":"AAE=","_permanent":true}"#;
        assert_eq!(
            Session::from_json(text).unwrap_err(),
            SessionError::InvalidSession
        );
        assert_eq!(
            Session::from_plaintext(text).unwrap_err(),
            SessionError::InvalidSession
        );
        assert_eq!(
            Session::from_json(br#"{" b":"!!","_permanent":true}"#).unwrap_err(),
            SessionError::InvalidBytes
        );
        let mut session = Session::new();
        assert_eq!(
            session.replace_from_json(text).unwrap_err(),
            SessionError::InvalidSession
        );
    }

    #[test]
    fn bytes_serde_round_trip_and_rejections() {
        let text = serde_json::to_string(&Bytes(vec![0xff, 0])).unwrap();
        assert_eq!(text, tagged_bytes(&[0xff, 0]).get());
        assert_eq!(text, r#"{" b":"/wA="}"#);
        assert_eq!(
            serde_json::from_str::<Bytes>(&text).unwrap(),
            Bytes(vec![0xff, 0])
        );
        for bad in [
            r#"{" b":1}"#,
            r#"{"b":"AAE="}"#,
            r#"{" b":"AAE=","c":1}"#,
            r#"{" b":"%%%%"}"#,
            r#""AAE=""#,
            r#"{}"#,
        ] {
            assert!(serde_json::from_str::<Bytes>(bad).is_err(), "{bad}");
        }
        assert_eq!(format!("{:?}", Bytes(vec![1, 2, 3])), "Bytes(3 bytes)");
    }
}

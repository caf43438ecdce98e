//! A session's members as it stores them: the opened plaintext kept whole,
//! each member two spans into it (key and value), and members set later
//! owned beside them.
//!
//! Opening a cookie so allocates the plaintext once, which becomes the
//! session's storage, and one list, instead of a string for every key and
//! every value; dropping the session wipes that one buffer. Every member is
//! checked when the plaintext is parsed (as [`split`](super::split)
//! checks); a value is parsed again, into a type, only when a handler asks
//! for it.

use std::collections::HashMap;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use zeroize::{Zeroize, Zeroizing};

use super::{Entries, Key, check, refuse_bytes_session_of};
use crate::error::SessionError;

/// Where a key or value sits in the stored text.
#[derive(Clone, Copy, Debug)]
struct Span {
    start: usize,
    end: usize,
}

/// A member's key: in the stored text (it held no escape), or owned.
#[derive(Clone)]
enum KeyText {
    Span(Span),
    /// A `String`, never shrunk into a `Box<str>`: shrinking reallocates,
    /// and the old buffer would be freed unwiped.
    Owned(String),
}

/// A member's value (JSON text): in the stored text, or owned.
#[derive(Clone)]
enum ValueText {
    Span(Span),
    Owned(Box<RawValue>),
}

/// One member; its owned parts are wiped when it is dropped.
#[derive(Clone)]
struct Member {
    key: KeyText,
    value: ValueText,
}

impl ValueText {
    /// A placeholder that owns nothing.
    const NONE: Self = Self::Span(Span { start: 0, end: 0 });
}

impl Drop for Member {
    fn drop(&mut self) {
        if let KeyText::Owned(key) = &mut self.key {
            key.zeroize();
        }
        if let ValueText::Owned(value) = core::mem::replace(&mut self.value, ValueText::NONE) {
            let mut text: Box<str> = value.into();
            text.zeroize();
        }
    }
}

/// The members of a session object, in order. See the module docs.
#[derive(Clone, Default)]
pub(crate) struct Members {
    /// The JSON object the spans point into (wiped when dropped).
    text: Zeroizing<String>,
    list: Vec<Member>,
}

impl Members {
    /// Parses the JSON object at `plaintext[start..]` (the bytes before it,
    /// metadata, are wiped) and checks it as [`split`](super::split)
    /// does; the buffer becomes the storage, so nothing is copied but the
    /// object's move to the buffer's front.
    ///
    /// # Errors
    /// As [`split`](super::split).
    pub(crate) fn parse(
        mut plaintext: Zeroizing<Vec<u8>>,
        start: usize,
    ) -> Result<Self, SessionError> {
        let start = start.min(plaintext.len());
        let len = plaintext.len() - start;
        if start > 0 {
            plaintext.copy_within(start.., 0);
            plaintext[len..].zeroize();
            plaintext.truncate(len);
        }
        let text = match String::from_utf8(core::mem::take(&mut *plaintext)) {
            Ok(text) => Zeroizing::new(text),
            Err(error) => {
                error.into_bytes().zeroize();
                return Err(SessionError::InvalidJson);
            }
        };
        let list = members_of(&text)?;
        Ok(Self { text, list })
    }

    /// Members already split and checked (the legacy formats, a binding's
    /// members): all owned.
    pub(crate) fn from_entries(entries: Entries) -> Self {
        let list = entries
            .into_iter()
            .map(|(key, value)| Member {
                key: KeyText::Owned(key),
                value: ValueText::Owned(value),
            })
            .collect();
        Self {
            text: Zeroizing::default(),
            list,
        }
    }

    /// Owned copies of the members, in order (the stored text and the
    /// owned parts are wiped as `self` drops).
    pub(crate) fn into_entries(self) -> Entries {
        self.iter()
            .map(|(key, value)| {
                let value = RawValue::from_string(value.to_owned()).unwrap_or_default();
                (key.to_owned(), value)
            })
            .collect()
    }

    fn key<'a>(&'a self, member: &'a Member) -> &'a str {
        key_in(&self.text, &member.key)
    }

    fn value<'a>(&'a self, member: &'a Member) -> &'a str {
        value_in(&self.text, &member.value)
    }

    /// The members: keys and the JSON text of their values.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.list
            .iter()
            .map(|member| (self.key(member), self.value(member)))
    }

    /// The members with their values as [`RawValue`]s (each value in the
    /// stored text parsed again to its end).
    pub(crate) fn iter_raw(&self) -> impl Iterator<Item = (&str, &RawValue)> + '_ {
        self.list.iter().filter_map(|member| {
            let raw = self.raw_of(member);
            debug_assert!(raw.is_some(), "a checked span parses again");
            Some((self.key(member), raw?))
        })
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.list.iter().position(|member| self.key(member) == key)
    }

    /// The JSON text of the value under `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        let at = self.position(key)?;
        Some(self.value(&self.list[at]))
    }

    /// The value under `key` as a [`RawValue`].
    pub(crate) fn get_raw(&self, key: &str) -> Option<&RawValue> {
        let at = self.position(key)?;
        self.raw_of(&self.list[at])
    }

    fn raw_of<'a>(&'a self, member: &'a Member) -> Option<&'a RawValue> {
        match &member.value {
            // The span is the exact text serde_json captured as this value
            // when the object was parsed, so it parses again; `None` would
            // need another text than the one checked.
            ValueText::Span(span) => serde_json::from_str(&self.text[span.start..span.end]).ok(),
            ValueText::Owned(value) => Some(value),
        }
    }

    /// Sets `key` (checked by the caller); returns the value it replaces.
    pub(crate) fn insert(&mut self, key: &str, value: Box<RawValue>) -> Option<Box<RawValue>> {
        match self.position(key) {
            Some(at) => {
                let old = core::mem::replace(&mut self.list[at].value, ValueText::Owned(value));
                Some(self.owned(old))
            }
            None => {
                self.list.push(Member {
                    key: KeyText::Owned(key.to_owned()),
                    value: ValueText::Owned(value),
                });
                None
            }
        }
    }

    /// Takes the member under `key` out (its key wiped); its value.
    pub(crate) fn remove(&mut self, key: &str) -> Option<Box<RawValue>> {
        let at = self.position(key)?;
        let mut member = self.list.remove(at);
        let value = core::mem::replace(&mut member.value, ValueText::NONE);
        Some(self.owned(value))
    }

    /// A value as an owned [`RawValue`] (a copy of the stored text).
    fn owned(&self, value: ValueText) -> Box<RawValue> {
        match value {
            ValueText::Span(span) => {
                RawValue::from_string(self.text[span.start..span.end].to_owned())
                    .unwrap_or_default()
            }
            ValueText::Owned(value) => value,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Takes a top-level `_permanent` member out: whether it was `true`.
    /// What remains is checked again as a session object (see
    /// [`take_permanent`](crate::session::take_permanent)).
    ///
    /// # Errors
    /// As [`refuse_bytes_session_of`].
    pub(crate) fn take_permanent(&mut self) -> Result<bool, SessionError> {
        let Some(at) = self.position(crate::session::PERMANENT_KEY) else {
            return Ok(false);
        };
        let member = self.list.remove(at);
        let permanent = value_in(&self.text, &member.value) == "true";
        drop(member);
        refuse_bytes_session_of(self.only())?;
        Ok(permanent)
    }

    /// The one member, when there is exactly one.
    fn only(&self) -> Option<(&str, &str)> {
        match self.list.as_slice() {
            [member] => Some((self.key(member), self.value(member))),
            _ => None,
        }
    }

    /// Wipes and forgets every member.
    pub(crate) fn clear(&mut self) {
        self.list.clear();
        self.text.zeroize();
    }
}

/// The members of the object `text` holds, as spans into it, in one pass
/// of serde_json over the text: each value checked as it comes, duplicates
/// resolved as [`split`](super::split) resolves them (the last value wins,
/// at the first key's position), and the object refused when it is a
/// tagged byte string.
fn members_of(text: &str) -> Result<Vec<Member>, SessionError> {
    let mut refused = None;
    let seed = ObjectSeed {
        text,
        refused: &mut refused,
    };
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let parsed = seed.deserialize(&mut deserializer).and_then(|list| {
        deserializer.end()?;
        Ok(list)
    });
    // As in `split`: a syntax error anywhere is `InvalidJson`, before any
    // value's check; then the first value that fails its check.
    let list = parsed.map_err(|_| SessionError::InvalidJson)?;
    if let Some(error) = refused {
        return Err(error);
    }
    if let [member] = list.as_slice() {
        refuse_bytes_session_of(Some((
            key_in(text, &member.key),
            value_in(text, &member.value),
        )))?;
    }
    Ok(list)
}

/// Builds the member list while serde_json reads the object; the first
/// check that fails is kept in `refused`, and the rest of the object is
/// still read, so that a syntax error after it is reported instead, as
/// [`split`](super::split) reports it.
struct ObjectSeed<'t, 'r> {
    text: &'t str,
    refused: &'r mut Option<SessionError>,
}

impl ObjectSeed<'_, '_> {
    /// Where `part`, borrowed from the text, sits in it.
    fn span(&self, part: &str) -> Span {
        let start = part.as_ptr() as usize - self.text.as_ptr() as usize;
        Span {
            start,
            end: start + part.len(),
        }
    }
}

impl<'de> DeserializeSeed<'de> for ObjectSeed<'de, '_> {
    type Value = Vec<Member>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Vec<Member>, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ObjectSeed<'de, '_> {
    type Value = Vec<Member>;

    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<Member>, A::Error> {
        let mut list: Vec<Member> = Vec::with_capacity(8);
        // Small sessions compare keys directly; large ones through an
        // index, built at the 17th member.
        let mut index: Option<KeyIndex> = None;
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let value = map.next_value::<&'de RawValue>()?;
            if self.refused.is_none()
                && let Err(error) = check(value, 1)
            {
                *self.refused = Some(error);
            }
            let value = ValueText::Span(self.span(value.get()));
            let known = match &index {
                Some(index) => index.0.get(&*key).copied(),
                None => list
                    .iter()
                    .position(|member| key_in(self.text, &member.key) == &*key),
            };
            if let Some(at) = known {
                // The value replaced is a span: nothing to wipe.
                list[at].value = value;
            } else {
                let stored = match &key {
                    Key::Borrowed(key) => KeyText::Span(self.span(key)),
                    Key::Owned(key) => KeyText::Owned(key.as_str().to_owned()),
                };
                list.push(Member { key: stored, value });
                if let Some(index) = &mut index {
                    index.0.insert((*key).into(), list.len() - 1);
                } else if list.len() > 16 {
                    index = Some(KeyIndex(
                        list.iter()
                            .enumerate()
                            .map(|(at, member)| (key_in(self.text, &member.key).into(), at))
                            .collect(),
                    ));
                }
            }
        }
        Ok(list)
    }
}

/// Where each key is in the list, for large sessions; its keys, copies,
/// are wiped when it is dropped.
struct KeyIndex(HashMap<Box<str>, usize>);

impl Drop for KeyIndex {
    fn drop(&mut self) {
        for (mut key, _) in self.0.drain() {
            key.zeroize();
        }
    }
}

fn key_in<'a>(text: &'a str, key: &'a KeyText) -> &'a str {
    match key {
        KeyText::Span(span) => &text[span.start..span.end],
        KeyText::Owned(key) => key,
    }
}

fn value_in<'a>(text: &'a str, value: &'a ValueText) -> &'a str {
    match value {
        ValueText::Span(span) => &text[span.start..span.end],
        ValueText::Owned(value) => value.get(),
    }
}

#[cfg(test)]
mod tests {
    // Test code: a failed unwrap is a failed test.
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn parse(text: &str) -> Result<Members, SessionError> {
        Members::parse(Zeroizing::new(text.as_bytes().to_vec()), 0)
    }

    fn pairs(members: &Members) -> Vec<(String, String)> {
        members
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    #[test]
    fn spans_after_metadata_point_at_the_object() {
        let mut plaintext = b"\x01\x02meta".to_vec();
        plaintext.extend_from_slice(br#"{"a": [1, 2], "b\u0063": "x"}"#);
        let members = Members::parse(Zeroizing::new(plaintext), 6).unwrap();
        assert_eq!(
            pairs(&members),
            [("a".into(), "[1, 2]".into()), ("bc".into(), "\"x\"".into())]
        );
        assert_eq!(members.get_raw("a").unwrap().get(), "[1, 2]");
        // The metadata is gone from the storage.
        assert_eq!(&*members.text, r#"{"a": [1, 2], "b\u0063": "x"}"#);
    }

    #[test]
    fn a_duplicate_key_however_escaped_keeps_the_first_position_and_the_last_value() {
        let members = parse(r#"{"a": 1, "b": 2, "\u0061": 3}"#).unwrap();
        assert_eq!(
            pairs(&members),
            [("a".into(), "3".into()), ("b".into(), "2".into())]
        );
        // Past sixteen members, through the index.
        let mut text = String::from("{");
        for i in 0..20 {
            text.push_str(&format!("\"k{i}\": {i}, "));
        }
        text.push_str(r#""k\u0031": "one", "k19": "last"}"#);
        let members = parse(&text).unwrap();
        assert_eq!(members.len(), 20);
        assert_eq!(members.get("k1"), Some("\"one\""));
        assert_eq!(members.get("k19"), Some("\"last\""));
        assert_eq!(members.iter().nth(1).unwrap().0, "k1");
    }

    #[test]
    fn insert_and_remove_hand_back_the_old_values() {
        let mut members = parse(r#"{"a": 1, "b": {"c": 2}}"#).unwrap();
        let old = members.insert("a", RawValue::from_string("5".into()).unwrap());
        assert_eq!(old.unwrap().get(), "1");
        assert!(
            members
                .insert("z", RawValue::from_string("6".into()).unwrap())
                .is_none()
        );
        assert_eq!(members.remove("b").unwrap().get(), r#"{"c": 2}"#);
        assert!(members.remove("b").is_none());
        assert_eq!(
            pairs(&members),
            [("a".into(), "5".into()), ("z".into(), "6".into())]
        );
        let copy = members.clone();
        members.clear();
        assert!(members.is_empty() && members.text.is_empty());
        assert_eq!(pairs(&copy).len(), 2);
    }

    /// What the object-by-object parse (`split`, before the spans)
    /// answered, case by case: a syntax error anywhere is `InvalidJson`
    /// before any value's check; then the first value that fails its check.
    #[test]
    fn errors_are_those_the_whole_object_parse_gave() {
        use SessionError::{InvalidBytes, InvalidJson, InvalidSession, TooDeep};
        let deep_then_syntax = format!(
            "{{\"a\": {}1{}, \"b\": }}",
            "[".repeat(101),
            "]".repeat(101)
        );
        let deep_then_fine = format!(
            "{{\"a\": {}1{}, \"b\": 1}}",
            "[".repeat(101),
            "]".repeat(101)
        );
        let cases: [(&str, Option<SessionError>); 16] = [
            ("[1]", Some(InvalidJson)),
            ("{\"a\": NaN}", Some(InvalidJson)),
            ("{\"a\": 1} x", Some(InvalidJson)),
            ("{\"a\": \"\\ud800\"}", Some(InvalidJson)),
            (r#"{" b": "!!"}"#, Some(InvalidBytes)),
            (r#"{" b": "AA=="}"#, Some(InvalidSession)),
            (r#"{"a": {" b": "AA=", "c": 1}}"#, None),
            ("{\"a\": 1,}", Some(InvalidJson)),
            ("\u{feff}{}", Some(InvalidJson)),
            (&deep_then_syntax, Some(InvalidJson)),
            (&deep_then_fine, Some(TooDeep)),
            (r#"{"a": {" b": "!!"}, "b": }"#, Some(InvalidJson)),
            (r#"{"a": {" b": "!!"}, "b": 1} x"#, Some(InvalidJson)),
            (r#"{"a": {" b": "!!"}, "b": "\udc00"}"#, Some(InvalidBytes)),
            (r#"{"a": "\udc00", "b": {" b": "!!"}}"#, Some(InvalidJson)),
            (r#"{"a": 1, "a": {" b": "!!"}}"#, Some(InvalidBytes)),
        ];
        for (text, expected) in cases {
            assert_eq!(parse(text).err(), expected, "{text}");
            assert_eq!(
                super::super::split(text.as_bytes()).err(),
                expected,
                "{text}"
            );
        }
        let deep = format!("{{\"a\": {}1{}}}", "[".repeat(100), "]".repeat(100));
        // The session object and 100 arrays: 101 levels.
        assert_eq!(parse(&deep).err(), Some(SessionError::TooDeep));
        assert!(parse(&deep.replacen('[', "", 1).replacen(']', "", 1)).is_ok());
        assert_eq!(
            Members::parse(Zeroizing::new(vec![b'{', 0xff, b'}']), 0).err(),
            Some(SessionError::InvalidJson)
        );
    }
}

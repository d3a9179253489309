//! A JSON document read only to tell whether [`super::redact_json`] would change it: strings
//! without escapes are borrowed from the input, numbers and booleans are not kept. Most
//! recorded bodies hold nothing to redact, and each record is redacted twice (by the gateway
//! and where the history is stored): reading them into `serde_json::Value`, one allocation
//! per key and string, was most of the redaction's cost.

use std::{borrow::Cow, fmt};

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::{REDACTED, has_secret, is_secret_member};

pub(super) enum Doc<'a> {
    Null,
    /// A number or a boolean: never redacted by itself.
    Scalar,
    Text(Cow<'a, str>),
    Array(Vec<Doc<'a>>),
    Object(Vec<(Text<'a>, Doc<'a>)>),
}

impl Doc<'_> {
    /// Whether `redact_json` would change the document parsed as a `serde_json::Value`: a
    /// secret-named member that is neither null nor already redacted, or a string with a
    /// credential or a secret pair in it.
    pub(super) fn has_secret(&self) -> bool {
        match self {
            Doc::Null | Doc::Scalar => false,
            Doc::Text(s) => has_secret(s),
            Doc::Array(items) => items.iter().any(Doc::has_secret),
            Doc::Object(members) => members.iter().any(|(name, value)| {
                if is_secret_member(&name.0) {
                    !matches!(value, Doc::Null) && !matches!(value, Doc::Text(t) if t == REDACTED)
                } else {
                    value.has_secret()
                }
            }),
        }
    }
}

/// A string, borrowed when the input holds it without escapes.
pub(super) struct Text<'a>(Cow<'a, str>);

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Text(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Text(Cow::Owned(v.to_owned())))
    }
}

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(TextVisitor)
    }
}

struct DocVisitor;

impl<'de> Visitor<'de> for DocVisitor {
    type Value = Doc<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Doc::Null)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Doc::Scalar)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Doc::Scalar)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Doc::Scalar)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Doc::Scalar)
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Doc::Text(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Doc::Text(Cow::Owned(v.to_owned())))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Doc::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = Vec::new();
        while let Some(member) = map.next_entry()? {
            members.push(member);
        }
        Ok(Doc::Object(members))
    }
}

impl<'de> Deserialize<'de> for Doc<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DocVisitor)
    }
}

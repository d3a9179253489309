//! The contract's JSON of a message written straight from its protobuf encoding: the bytes
//! [`super::message_to_json`] of the decoded message would serialize to, without building the
//! `DynamicMessage` or the `serde_json::Value` tree in between.
//!
//! Why: a REST read decoded every reply into a `DynamicMessage`, mapped it into a `Value`
//! tree and serialized that (callgrind: 28k instructions of a 282k `GET /customers/{id}`,
//! most of them allocations). The mapping's rules stay in one place: this module follows
//! `message_to_json` field by field, is checked against it over every message of the
//! contract (`tests.rs`), and hands back [`NotDirect`] for what it does not take (a
//! singular message field sent twice, which decoding merges; two members of one oneof;
//! groups; malformed bytes), so that the caller renders those through the decoded message
//! instead. `Struct`, `Value` and `ListValue` are rendered through it too: they are free-form
//! JSON, rare, and their map order is the decoder's.
//!
//! While it writes, it also learns what [`crate::redact::body`] would learn by parsing the
//! JSON again for the request history: whether a secret-named member has a value, or a string
//! has a secret's shape ([`Rendered::has_secret`]). A body without one is stored as written.

use std::{collections::HashMap, sync::OnceLock};

use base64::Engine as _;
use chrono::{DateTime, SecondsFormat, Utc};
use prost_reflect::{DynamicMessage, FieldDescriptor, Kind, MessageDescriptor};
use serde::Serializer as _;
use serde_json::Number;

use super::{enum_value_json_name, message_to_json};
use crate::{redact, schema};

#[cfg(test)]
#[path = "encoded_tests.rs"]
mod tests;

/// This encoding takes what the direct path does not: decode it and use `message_to_json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the message's encoding is rendered through its decoded form")]
pub struct NotDirect;

/// What writing found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rendered {
    /// Whether [`crate::redact::body`] would change the JSON written: a member with a secret
    /// name holds a value (not `null`, not already redacted), or a string holds a credential
    /// or a secret pair. `true` also where it is not known (`Struct` values).
    pub has_secret: bool,
}

/// Appends the JSON of the message `desc` encoded as `bytes` to `out`. On `Err`, `out` may
/// hold part of it: truncate it to its length before the call.
pub fn encoded_to_json(
    desc: &MessageDescriptor,
    bytes: &[u8],
    out: &mut Vec<u8>,
) -> Result<Rendered, NotDirect> {
    let plans = plans();
    let index = plans.index_of(desc).ok_or(NotDirect)?;
    let mut found = Rendered { has_secret: false };
    plans.write(index, bytes, out, &mut found, 0)?;
    Ok(found)
}

/// Nesting deeper than this is left to decoding (which has a limit of its own): the
/// writer's recursion stays bounded whatever bytes it is given.
const MAX_DEPTH: u32 = 64;

impl Rendered {
    /// A string written: does it hold a secret's shape? (Checked until one does.)
    fn text(&mut self, s: &str) {
        if !self.has_secret && redact::has_secret(s) {
            self.has_secret = true;
        }
    }
}

/// Every message of the contract's pool, prepared once: field keys already escaped, enum
/// names already mapped, nested messages by index.
struct Plans {
    by_name: HashMap<String, usize>,
    plans: Vec<Plan>,
}

struct Plan {
    desc: MessageDescriptor,
    shape: Shape,
    fields: Vec<FieldPlan>,
    /// (field number, index in `fields`), by number: a binary search over a message's
    /// dozen fields costs less than hashing the number (SipHash) for every occurrence.
    by_number: Vec<(u32, usize)>,
}

enum Shape {
    Plain,
    Timestamp,
    Empty,
    FieldMask,
    /// `google.protobuf.*Value` wrappers: the `value` field's JSON.
    Wrapper,
    /// `Struct`, `Value`, `ListValue`: through the decoded message.
    Decoded,
}

struct FieldPlan {
    /// `"name":`
    key: Box<[u8]>,
    /// Its name makes its value a secret in the history (`redact::is_secret_name`).
    secret_name: bool,
    kind: Scalar,
    list: bool,
    map: bool,
    presence: bool,
    /// The index of its oneof, if a real one (not a proto3 `optional`'s own).
    oneof: Option<usize>,
}

enum Scalar {
    Double,
    Float,
    Int32,
    Int64,
    Uint32,
    Uint64,
    Sint32,
    Sint64,
    Fixed32,
    Fixed64,
    Sfixed32,
    Sfixed64,
    Bool,
    String,
    Bytes,
    /// The JSON name of each value number (the zero value is `null`).
    Enum(HashMap<i32, Box<str>>),
    Message(usize),
}

fn plans() -> &'static Plans {
    static PLANS: OnceLock<Plans> = OnceLock::new();
    PLANS.get_or_init(|| {
        let pool = schema().pool();
        let by_name: HashMap<String, usize> = pool
            .all_messages()
            .enumerate()
            .map(|(i, m)| (m.full_name().to_owned(), i))
            .collect();
        let plans = pool.all_messages().map(|m| plan(&m, &by_name)).collect();
        Plans { by_name, plans }
    })
}

fn plan(desc: &MessageDescriptor, by_name: &HashMap<String, usize>) -> Plan {
    let shape = match desc.full_name() {
        "google.protobuf.Timestamp" => Shape::Timestamp,
        "google.protobuf.Empty" => Shape::Empty,
        "google.protobuf.FieldMask" => Shape::FieldMask,
        "google.protobuf.Struct" | "google.protobuf.Value" | "google.protobuf.ListValue" => {
            Shape::Decoded
        }
        name if name.starts_with("google.protobuf.") && name.ends_with("Value") => Shape::Wrapper,
        _ => Shape::Plain,
    };
    let mut by_number = Vec::new();
    let fields = desc
        .fields()
        .enumerate()
        .map(|(i, field)| {
            by_number.push((field.number(), i));
            field_plan(&field, by_name)
        })
        .collect();
    by_number.sort_unstable();
    Plan {
        desc: desc.clone(),
        shape,
        fields,
        by_number,
    }
}

fn field_plan(field: &FieldDescriptor, by_name: &HashMap<String, usize>) -> FieldPlan {
    let mut key = serde_json::to_vec(field.name()).unwrap_or_default();
    key.push(b':');
    let kind = match field.kind() {
        Kind::Double => Scalar::Double,
        Kind::Float => Scalar::Float,
        Kind::Int32 => Scalar::Int32,
        Kind::Int64 => Scalar::Int64,
        Kind::Uint32 => Scalar::Uint32,
        Kind::Uint64 => Scalar::Uint64,
        Kind::Sint32 => Scalar::Sint32,
        Kind::Sint64 => Scalar::Sint64,
        Kind::Fixed32 => Scalar::Fixed32,
        Kind::Fixed64 => Scalar::Fixed64,
        Kind::Sfixed32 => Scalar::Sfixed32,
        Kind::Sfixed64 => Scalar::Sfixed64,
        Kind::Bool => Scalar::Bool,
        Kind::String => Scalar::String,
        Kind::Bytes => Scalar::Bytes,
        Kind::Enum(e) => Scalar::Enum(
            e.values()
                .map(|v| (v.number(), enum_value_json_name(&e, v.name()).into()))
                .collect(),
        ),
        // Every message of a field is in the same pool.
        Kind::Message(m) => Scalar::Message(by_name.get(m.full_name()).copied().unwrap_or(0)),
    };
    FieldPlan {
        key: key.into(),
        secret_name: redact::is_secret_member(field.name()),
        kind,
        list: field.is_list(),
        // Maps render as objects, through the decoded path (the contract has none outside
        // `Struct`, which takes that path anyway).
        map: field.is_map(),
        presence: field.supports_presence(),
        oneof: field
            .containing_oneof()
            .filter(|o| !o.is_synthetic())
            .and_then(|o| field.parent_message().oneofs().position(|x| x == o)),
    }
}

/// One field occurrence on the wire.
#[derive(Clone, Copy)]
enum Raw<'a> {
    Varint(u64),
    Fixed64(u64),
    Fixed32(u32),
    Len(&'a [u8]),
}

impl Plans {
    fn index_of(&self, desc: &MessageDescriptor) -> Option<usize> {
        let &i = self.by_name.get(desc.full_name())?;
        // A descriptor of another pool (a test's fixture) may share a name.
        (self.plans[i].desc == *desc).then_some(i)
    }

    fn write(
        &self,
        index: usize,
        bytes: &[u8],
        out: &mut Vec<u8>,
        found: &mut Rendered,
        depth: u32,
    ) -> Result<(), NotDirect> {
        if depth > MAX_DEPTH {
            return Err(NotDirect);
        }
        let plan = &self.plans[index];
        match plan.shape {
            Shape::Plain => {}
            Shape::Timestamp => return timestamp(bytes, out, found),
            Shape::Empty => {
                out.extend_from_slice(b"{}");
                return Ok(());
            }
            Shape::FieldMask => {
                out.push(b'[');
                let mut first = true;
                for occurrence in Fields(bytes) {
                    let (number, raw) = occurrence?;
                    if number != 1 {
                        continue;
                    }
                    separate(&mut first, out);
                    string(raw, out, found)?;
                }
                out.push(b']');
                return Ok(());
            }
            Shape::Wrapper => {
                let field = plan.fields.first().ok_or(NotDirect)?;
                let mut last = None;
                for occurrence in Fields(bytes) {
                    if let (1, raw) = occurrence? {
                        last = Some(raw);
                    }
                }
                return match last {
                    Some(raw) => self.value(field, raw, out, found, depth),
                    None => {
                        default(field, out);
                        Ok(())
                    }
                };
            }
            Shape::Decoded => {
                // Free-form: not checked here, so redacted as any body is.
                found.has_secret = true;
                let message =
                    DynamicMessage::decode(plan.desc.clone(), bytes).map_err(|_| NotDirect)?;
                return serde_json::to_writer(out, &message_to_json(&message))
                    .map_err(|_| NotDirect);
            }
        }
        // Where each field is: (field index, occurrence), in wire order.
        let mut seen: Vec<(usize, Raw<'_>)> = Vec::with_capacity(plan.fields.len());
        for occurrence in Fields(bytes) {
            let (number, raw) = occurrence?;
            let Ok(at) = plan.by_number.binary_search_by_key(&number, |&(n, _)| n) else {
                continue; // unknown fields are not rendered
            };
            let i = plan.by_number[at].1;
            seen.push((i, raw));
        }
        let mut oneofs_set = 0u64;
        out.push(b'{');
        for (i, field) in plan.fields.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(&field.key);
            if field.map {
                if seen.iter().any(|(at, _)| *at == i) {
                    return Err(NotDirect);
                }
                out.extend_from_slice(b"{}");
                found.has_secret |= field.secret_name;
                continue;
            }
            if field.list {
                out.push(b'[');
                let mut first = true;
                for &(_, raw) in seen.iter().filter(|(at, _)| *at == i) {
                    match (raw, packable(&field.kind)) {
                        (Raw::Len(packed), true) => {
                            let mut rest = packed;
                            while !rest.is_empty() {
                                let item = take_packed(&field.kind, &mut rest)?;
                                separate(&mut first, out);
                                self.value(field, item, out, found, depth)?;
                            }
                        }
                        _ => {
                            separate(&mut first, out);
                            self.value(field, raw, out, found, depth)?;
                        }
                    }
                }
                out.push(b']');
                // A secret-named member holds a value, even an empty list.
                found.has_secret |= field.secret_name;
                continue;
            }
            let mut sent = seen.iter().filter(|(at, _)| *at == i).map(|&(_, raw)| raw);
            let last = sent.next_back();
            // Decoding merges a message sent twice; the direct path does not.
            if matches!(field.kind, Scalar::Message(_)) && sent.next().is_some() {
                return Err(NotDirect);
            }
            if let (Some(_), Some(oneof)) = (last, field.oneof) {
                // Decoding keeps the last member of a oneof; two set is left to it.
                let bit = 1u64.checked_shl(u32::try_from(oneof).map_err(|_| NotDirect)?);
                let bit = bit.ok_or(NotDirect)?;
                if oneofs_set & bit != 0 {
                    return Err(NotDirect);
                }
                oneofs_set |= bit;
            }
            let start = out.len();
            match last {
                Some(raw) => self.value(field, raw, out, found, depth)?,
                None if field.presence => out.extend_from_slice(b"null"),
                None => default(field, out),
            }
            // As the history's redaction reads it: a secret-named member with a value.
            if field.secret_name && !matches!(&out[start..], b"null" | b"\"[REDACTED]\"") {
                found.has_secret = true;
            }
        }
        out.push(b'}');
        Ok(())
    }

    /// One singular value of `field`.
    fn value(
        &self,
        field: &FieldPlan,
        raw: Raw<'_>,
        out: &mut Vec<u8>,
        found: &mut Rendered,
        depth: u32,
    ) -> Result<(), NotDirect> {
        match (&field.kind, raw) {
            (Scalar::Message(index), Raw::Len(bytes)) => {
                return self.write(*index, bytes, out, found, depth + 1);
            }
            (Scalar::Message(_), _) => return Err(NotDirect),
            (Scalar::String, raw) => return string(raw, out, found),
            (Scalar::Float, Raw::Fixed32(v)) => return float(f64::from(f32::from_bits(v)), out),
            (Scalar::Double, Raw::Fixed64(v)) => return float(f64::from_bits(v), out),
            _ => {}
        }
        let mut json = serde_json::Serializer::new(&mut *out);
        let written = match (&field.kind, raw) {
            (Scalar::Bytes, Raw::Len(bytes)) => {
                let text = base64::engine::general_purpose::STANDARD.encode(bytes);
                found.text(&text);
                json.serialize_str(&text)
            }
            (Scalar::Enum(names), Raw::Varint(v)) => {
                let n = v as i32;
                match (n, names.get(&n)) {
                    (0, _) => json.serialize_unit(),
                    (_, Some(name)) => {
                        found.text(name);
                        json.serialize_str(name)
                    }
                    (_, None) => json.serialize_i32(n),
                }
            }
            (Scalar::Bool, Raw::Varint(v)) => json.serialize_bool(v != 0),
            (Scalar::Int32, Raw::Varint(v)) => json.serialize_i32(v as i32),
            (Scalar::Int64, Raw::Varint(v)) => json.serialize_i64(v as i64),
            (Scalar::Uint32, Raw::Varint(v)) => json.serialize_u32(v as u32),
            (Scalar::Uint64, Raw::Varint(v)) => json.serialize_u64(v),
            (Scalar::Sint32, Raw::Varint(v)) => json.serialize_i32(zigzag(v) as i32),
            (Scalar::Sint64, Raw::Varint(v)) => json.serialize_i64(zigzag(v)),
            (Scalar::Fixed32, Raw::Fixed32(v)) => json.serialize_u32(v),
            (Scalar::Sfixed32, Raw::Fixed32(v)) => json.serialize_i32(v as i32),
            (Scalar::Fixed64, Raw::Fixed64(v)) => json.serialize_u64(v),
            (Scalar::Sfixed64, Raw::Fixed64(v)) => json.serialize_i64(v as i64),
            // A wire type the field's kind does not take: decoding refuses it.
            _ => return Err(NotDirect),
        };
        written.map_err(|_| NotDirect)
    }
}

/// The JSON of a field that was not sent and has no presence: its kind's default.
fn default(field: &FieldPlan, out: &mut Vec<u8>) {
    out.extend_from_slice(match field.kind {
        Scalar::String | Scalar::Bytes => b"\"\"".as_slice(),
        Scalar::Bool => b"false",
        Scalar::Enum(_) | Scalar::Message(_) => b"null",
        Scalar::Double | Scalar::Float => b"0.0",
        _ => b"0",
    });
}

/// The comma before every element of a list but its first.
fn separate(first: &mut bool, out: &mut Vec<u8>) {
    if !std::mem::take(first) {
        out.push(b',');
    }
}

fn float(n: f64, out: &mut Vec<u8>) -> Result<(), NotDirect> {
    match Number::from_f64(n) {
        Some(n) => serde_json::to_writer(out, &n).map_err(|_| NotDirect),
        None => {
            out.extend_from_slice(b"null");
            Ok(())
        }
    }
}

fn string(raw: Raw<'_>, out: &mut Vec<u8>, found: &mut Rendered) -> Result<(), NotDirect> {
    let Raw::Len(bytes) = raw else {
        return Err(NotDirect);
    };
    let text = std::str::from_utf8(bytes).map_err(|_| NotDirect)?;
    found.text(text);
    serde_json::Serializer::new(out)
        .serialize_str(text)
        .map_err(|_| NotDirect)
}

fn timestamp(bytes: &[u8], out: &mut Vec<u8>, found: &mut Rendered) -> Result<(), NotDirect> {
    let (mut seconds, mut nanos) = (0i64, 0i32);
    for occurrence in Fields(bytes) {
        match occurrence? {
            (1, Raw::Varint(v)) => seconds = v as i64,
            (2, Raw::Varint(v)) => nanos = v as i32,
            (1 | 2, _) => return Err(NotDirect),
            _ => {}
        }
    }
    match DateTime::<Utc>::from_timestamp(seconds, u32::try_from(nanos).unwrap_or(0)) {
        Some(t) if rfc3339(&t, out) => Ok(()),
        Some(t) => {
            let text = t.to_rfc3339_opts(SecondsFormat::AutoSi, true);
            found.text(&text);
            serde_json::Serializer::new(out)
                .serialize_str(&text)
                .map_err(|_| NotDirect)
        }
        None => {
            out.extend_from_slice(b"null");
            Ok(())
        }
    }
}

/// `"2026-12-04T16:09:43.475067Z"`, quoted, as chrono's `to_rfc3339_opts(AutoSi, true)`
/// writes it (no fraction, or 3, 6 or 9 digits, the fewest that hold it), for the years
/// 0000-9999; `false` (nothing written) outside them, which chrono writes with a sign.
/// Why by hand: every resource carries two timestamps, and chrono's formatter with the
/// secret check of its text was 6k instructions of a REST GET's 180k (callgrind, stop 28).
/// The text needs no secret check: digits, `-`, `:`, `.`, `T` and `Z` hold no credential
/// and no secret name (`redact::has_secret`).
fn rfc3339(t: &DateTime<Utc>, out: &mut Vec<u8>) -> bool {
    use chrono::{Datelike as _, Timelike as _};
    let Ok(year) = u32::try_from(t.year()) else {
        return false;
    };
    if year > 9999 {
        return false;
    }
    let digits = |out: &mut Vec<u8>, value: u32, width: u32| {
        for place in (0..width).rev() {
            out.push(b'0' + u8::try_from(value / 10u32.pow(place) % 10).unwrap_or(0));
        }
    };
    out.push(b'"');
    digits(out, year, 4);
    out.push(b'-');
    digits(out, t.month(), 2);
    out.push(b'-');
    digits(out, t.day(), 2);
    out.push(b'T');
    digits(out, t.hour(), 2);
    out.push(b':');
    digits(out, t.minute(), 2);
    out.push(b':');
    // A leap second is second 59 with a billion nanoseconds or more: chrono writes `60`.
    let nanos = t.nanosecond();
    let (leap, nanos) = (nanos >= 1_000_000_000, nanos % 1_000_000_000);
    digits(out, t.second() + u32::from(leap), 2);
    if nanos % 1_000_000_000 != 0 {
        out.push(b'.');
        if nanos % 1_000_000 == 0 {
            digits(out, nanos / 1_000_000, 3);
        } else if nanos % 1_000 == 0 {
            digits(out, nanos / 1_000, 6);
        } else {
            digits(out, nanos, 9);
        }
    }
    out.extend_from_slice(b"Z\"");
    true
}

fn zigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

fn packable(kind: &Scalar) -> bool {
    !matches!(kind, Scalar::String | Scalar::Bytes | Scalar::Message(_))
}

/// The next element of a packed list of `kind`.
fn take_packed<'a>(kind: &Scalar, rest: &mut &'a [u8]) -> Result<Raw<'a>, NotDirect> {
    match kind {
        Scalar::Fixed32 | Scalar::Sfixed32 | Scalar::Float => {
            let (head, tail) = rest.split_first_chunk::<4>().ok_or(NotDirect)?;
            *rest = tail;
            Ok(Raw::Fixed32(u32::from_le_bytes(*head)))
        }
        Scalar::Fixed64 | Scalar::Sfixed64 | Scalar::Double => {
            let (head, tail) = rest.split_first_chunk::<8>().ok_or(NotDirect)?;
            *rest = tail;
            Ok(Raw::Fixed64(u64::from_le_bytes(*head)))
        }
        _ => varint(rest).map(Raw::Varint),
    }
}

fn varint(rest: &mut &[u8]) -> Result<u64, NotDirect> {
    let mut value = 0u64;
    for (i, &b) in rest.iter().enumerate().take(10) {
        value |= u64::from(b & 0x7f) << (7 * i);
        if b < 0x80 {
            *rest = &rest[i + 1..];
            return Ok(value);
        }
    }
    Err(NotDirect)
}

/// Every field of an encoded message as (number, value), in wire order.
struct Fields<'a>(&'a [u8]);

impl<'a> Iterator for Fields<'a> {
    type Item = Result<(u32, Raw<'a>), NotDirect>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.0.is_empty() {
            return None;
        }
        let next = field(&mut self.0);
        if next.is_err() {
            self.0 = &[];
        }
        Some(next)
    }
}

fn field<'a>(bytes: &mut &'a [u8]) -> Result<(u32, Raw<'a>), NotDirect> {
    let tag = varint(bytes)?;
    let number = u32::try_from(tag >> 3).map_err(|_| NotDirect)?;
    if number == 0 {
        return Err(NotDirect);
    }
    let raw = match tag & 7 {
        0 => Raw::Varint(varint(bytes)?),
        1 => {
            let (head, tail) = bytes.split_first_chunk::<8>().ok_or(NotDirect)?;
            *bytes = tail;
            Raw::Fixed64(u64::from_le_bytes(*head))
        }
        2 => {
            let len = usize::try_from(varint(bytes)?).map_err(|_| NotDirect)?;
            if len > bytes.len() {
                return Err(NotDirect);
            }
            let (head, tail) = bytes.split_at(len);
            *bytes = tail;
            Raw::Len(head)
        }
        5 => {
            let (head, tail) = bytes.split_first_chunk::<4>().ok_or(NotDirect)?;
            *bytes = tail;
            Raw::Fixed32(u32::from_le_bytes(*head))
        }
        // Groups (3, 4) and the rest.
        _ => return Err(NotDirect),
    };
    Ok((number, raw))
}

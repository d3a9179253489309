//! Deprecation of RPCs and request fields. The proto's standard `deprecated` option says that
//! something is deprecated; the contract's own options say since when and until when:
//! `(asteri.v1.deprecated_at)` and `(asteri.v1.sunset_at)` on methods,
//! `(asteri.v1.field_deprecated_at)` and `(asteri.v1.field_sunset_at)` on fields, each a
//! `YYYY-MM-DD` date (UTC). Both doors announce a deprecated call the same way: the gateway
//! as the `Deprecation` (RFC 9745) and `Sunset` (RFC 8594) headers, the gRPC door as the same
//! response metadata; the OpenAPI document marks the same operations and properties.

use chrono::{NaiveDate, NaiveTime};
use prost_reflect::{
    DescriptorPool, DynamicMessage, FieldDescriptor, Kind, MessageDescriptor, MethodDescriptor,
    ReflectMessage as _, Value,
};

use super::MethodInfo;

/// The response header, and gRPC response metadata key, of a deprecation (RFC 9745).
pub const DEPRECATION_HEADER: &str = "deprecation";
/// The response header, and gRPC response metadata key, of a sunset date (RFC 8594).
pub const SUNSET_HEADER: &str = "sunset";

/// When an RPC or a field was deprecated, and when it stops working.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deprecation {
    /// The day it was (or will be) deprecated, from midnight UTC.
    pub deprecated_at: NaiveDate,
    /// The day it stops working, from midnight UTC; `None` while no date is set.
    pub sunset_at: Option<NaiveDate>,
}

impl Deprecation {
    /// The `Deprecation` header's value (RFC 9745): a structured-field date, `@` and the Unix
    /// seconds of midnight UTC of `deprecated_at`, e.g. `@1796083200`.
    pub fn deprecation_header(&self) -> String {
        let seconds = self.deprecated_at.and_time(NaiveTime::MIN).and_utc();
        format!("@{}", seconds.timestamp())
    }

    /// The `Sunset` header's value (RFC 8594): an HTTP-date (IMF-fixdate), e.g.
    /// `Tue, 01 Jun 2027 00:00:00 GMT`; `None` without a sunset date.
    pub fn sunset_header(&self) -> Option<String> {
        self.sunset_at.map(|day| {
            day.and_time(NaiveTime::MIN)
                .and_utc()
                .format("%a, %d %b %Y %H:%M:%S GMT")
                .to_string()
        })
    }

    /// The headers (lower-case names, also valid gRPC metadata keys) that announce it.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![(DEPRECATION_HEADER, self.deprecation_header())];
        out.extend(self.sunset_header().map(|v| (SUNSET_HEADER, v)));
        out
    }

    /// What a call using two deprecated things must know: the earlier of each date.
    fn merge(self, other: Self) -> Self {
        let sunset_at = match (self.sunset_at, other.sunset_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Self {
            deprecated_at: self.deprecated_at.min(other.deprecated_at),
            sunset_at,
        }
    }
}

/// A deprecated field of an RPC's request message.
#[derive(Clone, Debug)]
pub struct DeprecatedField {
    /// Dotted path from the request message: `assigned_team_member_ids`, or for a field of a
    /// nested message `line_items.service_id`.
    pub path: String,
    pub field: FieldDescriptor,
    pub deprecation: Deprecation,
}

impl MethodInfo {
    /// What a call of this RPC with `request` must announce: the RPC's own deprecation, and
    /// the deprecation of every deprecated request field the call uses (sets, or names in its
    /// `update_mask`), the earliest dates winning. `None`: nothing deprecated is used.
    pub fn deprecation_of_call(&self, request: &DynamicMessage) -> Option<Deprecation> {
        self.deprecated_fields
            .iter()
            .filter(|f| uses(request, &f.path))
            .map(|f| f.deprecation)
            .chain(self.deprecation)
            .reduce(Deprecation::merge)
    }

    /// Whether some call of this RPC may be deprecated: a door that must decode the request
    /// to know asks this first.
    pub fn has_deprecation(&self) -> bool {
        self.deprecation.is_some() || !self.deprecated_fields.is_empty()
    }
}

/// The deprecation of a field (`[deprecated = true, (asteri.v1.field_deprecated_at) = ...]`),
/// for any message of the contract; `None` when it is not deprecated. Options that do not
/// read (see [`super::Schema::violations`]) count as absent.
pub fn field_deprecation(field: &FieldDescriptor) -> Option<Deprecation> {
    read(
        &field.options(),
        "asteri.v1.field_deprecated_at",
        "asteri.v1.field_sunset_at",
    )
    .ok()
    .flatten()
}

/// The deprecation of an RPC, or why its options do not read.
pub(super) fn of_method(method: &MethodDescriptor) -> Result<Option<Deprecation>, String> {
    read(
        &method.options(),
        "asteri.v1.deprecated_at",
        "asteri.v1.sunset_at",
    )
}

/// The fields of the contract's messages whose deprecation options do not read.
pub(super) fn field_problems(pool: &DescriptorPool) -> Vec<String> {
    pool.all_messages()
        .filter(|m| m.package_name().starts_with("asteri."))
        .flat_map(|m| m.fields().collect::<Vec<_>>())
        .filter_map(|f| {
            read(
                &f.options(),
                "asteri.v1.field_deprecated_at",
                "asteri.v1.field_sunset_at",
            )
            .err()
            .map(|problem| format!("{}: {problem}", f.full_name()))
        })
        .collect()
}

/// The deprecated fields of a request message, nested messages included (each message type
/// once per branch, so recursive types end; well-known types have none).
pub(super) fn fields_of(message: &MessageDescriptor) -> Vec<DeprecatedField> {
    let mut out = Vec::new();
    walk(
        message,
        "",
        &mut vec![message.full_name().to_owned()],
        &mut out,
    );
    out
}

fn walk(
    message: &MessageDescriptor,
    prefix: &str,
    branch: &mut Vec<String>,
    out: &mut Vec<DeprecatedField>,
) {
    for field in message.fields() {
        let path = if prefix.is_empty() {
            field.name().to_owned()
        } else {
            format!("{prefix}.{}", field.name())
        };
        if let Some(deprecation) = field_deprecation(&field) {
            out.push(DeprecatedField {
                path: path.clone(),
                field: field.clone(),
                deprecation,
            });
        }
        if let Kind::Message(inner) = field.kind()
            && !field.is_map()
            && !inner.package_name().starts_with("google.")
            && !branch.iter().any(|seen| seen == inner.full_name())
        {
            branch.push(inner.full_name().to_owned());
            walk(&inner, &path, branch, out);
            branch.pop();
        }
    }
}

/// Reads `deprecated` and the two date options named by their extensions.
fn read(
    options: &DynamicMessage,
    at_name: &str,
    sunset_name: &str,
) -> Result<Option<Deprecation>, String> {
    let deprecated = options
        .get_field_by_name("deprecated")
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    let text = |name: &str| -> Option<String> {
        let ext = options
            .descriptor()
            .parent_pool()
            .get_extension_by_name(name)?;
        options
            .has_extension(&ext)
            .then(|| options.get_extension(&ext).as_str().map(str::to_owned))
            .flatten()
            .filter(|s| !s.is_empty())
    };
    let (at, sunset) = (text(at_name), text(sunset_name));
    if !deprecated {
        return match at.or(sunset) {
            Some(_) => Err(format!(
                "({at_name}) or ({sunset_name}) is set without `deprecated = true`"
            )),
            None => Ok(None),
        };
    }
    let day = |name: &str, value: &str| {
        NaiveDate::parse_from_str(value, "%Y-%m-%d")
            .map_err(|e| format!("({name}) {value:?} is not a YYYY-MM-DD date: {e}"))
    };
    let Some(at) = at else {
        return Err(format!(
            "is deprecated without ({at_name}), the date its Deprecation header announces"
        ));
    };
    let deprecated_at = day(at_name, &at)?;
    let sunset_at = sunset.map(|s| day(sunset_name, &s)).transpose()?;
    if sunset_at.is_some_and(|s| s <= deprecated_at) {
        return Err(format!("({sunset_name}) must come after ({at_name})"));
    }
    Ok(Some(Deprecation {
        deprecated_at,
        sunset_at,
    }))
}

/// Whether `request` uses the field at the dotted `path`: sets it (proto3: to something
/// other than its default, or a present `optional`), or names it in its `update_mask` (a
/// PATCH that clears a list uses the list).
fn uses(request: &DynamicMessage, path: &str) -> bool {
    let in_mask = request
        .get_field_by_name("update_mask")
        .is_some_and(|mask| match mask.as_ref() {
            Value::Message(mask) if mask.descriptor().full_name() == "google.protobuf.FieldMask" => {
                mask.get_field_by_name("paths").is_some_and(|paths| {
                    matches!(paths.as_ref(), Value::List(p) if p.iter().any(|p| p.as_str() == Some(path)))
                })
            }
            _ => false,
        });
    in_mask || set(request, &path.split('.').collect::<Vec<_>>())
}

fn set(message: &DynamicMessage, path: &[&str]) -> bool {
    let Some((first, rest)) = path.split_first() else {
        return false;
    };
    let Some(field) = message.descriptor().get_field_by_name(first) else {
        return false;
    };
    if !message.has_field(&field) {
        return false;
    }
    if rest.is_empty() {
        return true;
    }
    match message.get_field(&field).as_ref() {
        Value::Message(inner) => set(inner, rest),
        Value::List(items) => items
            .iter()
            .any(|item| matches!(item, Value::Message(inner) if set(inner, rest))),
        _ => false,
    }
}

#[cfg(test)]
mod tests;

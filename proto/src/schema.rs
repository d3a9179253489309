//! The contract as data: every RPC with its gRPC path, required scope, REST bindings and
//! deprecation, and the scope vocabulary, read once from the descriptor set's custom options.

mod deprecation;

use std::{collections::HashMap, sync::OnceLock};

use prost_reflect::{DescriptorPool, DynamicMessage, EnumValueDescriptor, MethodDescriptor, Value};

pub use self::deprecation::{
    DEPRECATION_HEADER, DeprecatedField, Deprecation, SUNSET_HEADER, field_deprecation,
};
use crate::FILE_DESCRIPTOR_SET;

/// One REST binding of an RPC (`google.api.http`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpBinding {
    /// Upper-case HTTP method, e.g. `GET`.
    pub method: String,
    /// Path template with `{field}` variables, e.g. `/api/public/v1/customers/{id}`.
    pub path: String,
    /// `*`, the name of a request field, or empty (no body).
    pub body: String,
    /// Empty (the whole response) or the name of a response field.
    pub response_body: String,
}

impl HttpBinding {
    /// The request fields bound from the path, in order.
    pub fn path_fields(&self) -> Vec<&str> {
        self.path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
            .map(|v| v.split('=').next().unwrap_or(v))
            .collect()
    }
}

/// Everything the platform needs to know about one RPC.
#[derive(Clone, Debug)]
pub struct MethodInfo {
    pub descriptor: MethodDescriptor,
    /// `/asteri.v1.CustomersService/GetCustomer`: the HTTP/2 path of the gRPC call.
    pub grpc_path: String,
    /// The scope an API key needs; `None` makes the RPC internal-only.
    pub scope: Option<String>,
    pub http: Vec<HttpBinding>,
    /// `Some` when the RPC itself is deprecated (`option deprecated = true`), with the dates
    /// of `(asteri.v1.deprecated_at)` and `(asteri.v1.sunset_at)`.
    pub deprecation: Option<Deprecation>,
    /// The deprecated fields of the request message, nested ones included
    /// (`[deprecated = true, (asteri.v1.field_deprecated_at) = ...]`).
    pub deprecated_fields: Vec<DeprecatedField>,
}

impl MethodInfo {
    /// Public RPCs carry a scope; the rest only accept internal service credentials.
    pub fn is_public(&self) -> bool {
        self.scope.is_some()
    }

    /// `CustomersService`, the short name of the gRPC service.
    pub fn service_name(&self) -> &str {
        self.descriptor.parent_service().name()
    }
}

/// One scope of the vocabulary (`enum asteri.v1.Scope` in `options.proto`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopeInfo {
    /// The scope as keys hold it and routes require it, e.g. `read:customers`.
    pub name: String,
    /// The enum value's comment in the proto, e.g. `Read customers and their activity.`
    pub description: String,
}

/// The whole contract, loaded once from [`FILE_DESCRIPTOR_SET`].
pub struct Schema {
    pool: DescriptorPool,
    methods: Vec<MethodInfo>,
    by_path: HashMap<String, usize>,
    vocabulary: Vec<ScopeInfo>,
    /// Options that could not be read (a malformed date, a scope without a name), found
    /// while loading; reported by [`Schema::violations`].
    problems: Vec<String>,
}

/// The process-wide schema. The descriptor set is produced by this crate's build script,
/// so failing to decode it is a build defect, not a runtime condition.
pub fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| Schema::load(FILE_DESCRIPTOR_SET).expect("embedded descriptor set"))
}

impl Schema {
    pub fn load(bytes: &[u8]) -> Result<Self, prost_reflect::DescriptorError> {
        let pool = DescriptorPool::decode(bytes)?;
        let http_ext = pool.get_extension_by_name("google.api.http");
        let scope_ext = pool.get_extension_by_name("asteri.v1.required_scope");
        let mut problems = Vec::new();
        let vocabulary = vocabulary(&pool, &mut problems);
        problems.extend(deprecation::field_problems(&pool));
        let mut methods = Vec::new();
        for service in pool
            .services()
            .filter(|s| s.package_name().starts_with("asteri."))
        {
            for method in service.methods() {
                let options = method.options();
                let scope = scope_ext
                    .as_ref()
                    .filter(|ext| options.has_extension(ext))
                    .and_then(|ext| options.get_extension(ext).as_str().map(str::to_owned))
                    .filter(|s| !s.is_empty());
                let http = http_ext
                    .as_ref()
                    .filter(|ext| options.has_extension(ext))
                    .map(|ext| match options.get_extension(ext).as_ref() {
                        Value::Message(rule) => bindings(rule),
                        _ => Vec::new(),
                    })
                    .unwrap_or_default();
                let deprecation = deprecation::of_method(&method).unwrap_or_else(|problem| {
                    problems.push(format!("{}: {problem}", method.full_name()));
                    None
                });
                methods.push(MethodInfo {
                    grpc_path: format!("/{}/{}", service.full_name(), method.name()),
                    deprecated_fields: deprecation::fields_of(&method.input()),
                    descriptor: method,
                    scope,
                    http,
                    deprecation,
                });
            }
        }
        let by_path = methods
            .iter()
            .enumerate()
            .map(|(i, m)| (m.grpc_path.clone(), i))
            .collect();
        Ok(Self {
            pool,
            methods,
            by_path,
            vocabulary,
            problems,
        })
    }

    pub fn pool(&self) -> &DescriptorPool {
        &self.pool
    }

    pub fn methods(&self) -> &[MethodInfo] {
        &self.methods
    }

    /// Looks an RPC up by its gRPC path, `/package.Service/Method`.
    pub fn method_by_path(&self, grpc_path: &str) -> Option<&MethodInfo> {
        self.by_path.get(grpc_path).map(|&i| &self.methods[i])
    }

    /// The scope vocabulary, in the proto's order: every scope a key may hold, whether or
    /// not some RPC requires it today (`delete:payments`).
    pub fn scopes(&self) -> Vec<&str> {
        self.vocabulary.iter().map(|s| s.name.as_str()).collect()
    }

    /// The scope vocabulary with each scope's description.
    pub fn scope_vocabulary(&self) -> &[ScopeInfo] {
        &self.vocabulary
    }

    /// Whether `name` is a scope of the vocabulary.
    pub fn is_scope(&self, name: &str) -> bool {
        self.vocabulary.iter().any(|s| s.name == name)
    }

    /// Contract rules that the code relies on; an empty list means the proto is sound.
    pub fn violations(&self) -> Vec<String> {
        let mut out = self.problems.clone();
        if self.vocabulary.is_empty() {
            out.push("the scope vocabulary (enum asteri.v1.Scope) is missing or empty".into());
        }
        for m in &self.methods {
            let name = m.descriptor.full_name();
            if let Some(scope) = &m.scope
                && !self.is_scope(scope)
            {
                out.push(format!(
                    "{name}: required_scope {scope} is not in the scope vocabulary"
                ));
            }
            if !m.http.is_empty() && m.scope.is_none() {
                out.push(format!("{name} has a REST binding but no required_scope"));
            }
            if m.scope.is_some() && m.http.is_empty() {
                out.push(format!("{name} has a scope but no REST binding"));
            }
            for b in &m.http {
                if !b.path.starts_with("/api/public/v1/") {
                    out.push(format!("{name}: path {} is outside /api/public/v1", b.path));
                }
                let input = m.descriptor.input();
                for field in b.path_fields() {
                    if input.get_field_by_name(field).is_none() {
                        out.push(format!(
                            "{name}: path variable {field} is not a request field"
                        ));
                    }
                }
                if !b.body.is_empty() && b.body != "*" && input.get_field_by_name(&b.body).is_none()
                {
                    out.push(format!("{name}: body field {} does not exist", b.body));
                }
            }
        }
        out
    }
}

/// The values of `enum asteri.v1.Scope` with their `scope_name`s, in declaration order.
fn vocabulary(pool: &DescriptorPool, problems: &mut Vec<String>) -> Vec<ScopeInfo> {
    let (Some(scopes), Some(ext)) = (
        pool.get_enum_by_name("asteri.v1.Scope"),
        pool.get_extension_by_name("asteri.v1.scope_name"),
    ) else {
        return Vec::new();
    };
    let mut out: Vec<ScopeInfo> = Vec::new();
    for value in scopes.values().filter(|v| v.number() != 0) {
        let options = value.options();
        let name = options
            .has_extension(&ext)
            .then(|| options.get_extension(&ext).as_str().map(str::to_owned))
            .flatten()
            .unwrap_or_default();
        let (verb, noun) = name.split_once(':').unwrap_or_default();
        let well_formed = [verb, noun]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
        if !well_formed {
            problems.push(format!(
                "{}: scope_name {name:?} is not a scope such as read:customers",
                value.full_name()
            ));
        } else if out.iter().any(|s| s.name == name) {
            problems.push(format!(
                "{}: scope {name} is declared twice",
                value.full_name()
            ));
        } else {
            out.push(ScopeInfo {
                description: comment(&value),
                name,
            });
        }
    }
    out
}

/// The leading comment of an enum value, trimmed, its lines joined by spaces.
fn comment(value: &EnumValueDescriptor) -> String {
    let file = value.parent_file();
    file.file_descriptor_proto()
        .source_code_info
        .as_ref()
        .and_then(|info| info.location.iter().find(|l| l.path == value.path()))
        .and_then(|l| l.leading_comments.as_deref())
        .map(|c| c.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn bindings(rule: &DynamicMessage) -> Vec<HttpBinding> {
    let text = |name: &str| {
        rule.get_field_by_name(name)
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for verb in ["get", "put", "post", "delete", "patch"] {
        if rule.has_field_by_name(verb) {
            out.push(HttpBinding {
                method: verb.to_ascii_uppercase(),
                path: text(verb),
                body: text("body"),
                response_body: text("response_body"),
            });
        }
    }
    if let Some(Value::List(extra)) = rule.get_field_by_name("additional_bindings").as_deref() {
        for item in extra {
            if let Value::Message(m) = item {
                out.extend(bindings(m));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contract_is_sound() {
        let s = schema();
        assert!(s.violations().is_empty(), "{:#?}", s.violations());
        let get = s
            .method_by_path("/asteri.v1.CustomersService/GetCustomer")
            .unwrap();
        assert_eq!(get.scope.as_deref(), Some("read:customers"));
        assert_eq!(get.http[0].method, "GET");
        assert_eq!(get.http[0].path_fields(), vec!["id"]);
        let verify = s
            .method_by_path("/asteri.v1.ApiKeysService/VerifyApiKey")
            .unwrap();
        assert!(!verify.is_public());
    }

    /// The vocabulary is the contract's section 3, word for word, and every scope an RPC
    /// requires is in it.
    #[test]
    fn scope_vocabulary_is_the_contracts() {
        let s = schema();
        let mut expected = Vec::new();
        for noun in [
            "customers",
            "appointments",
            "invoices",
            "payments",
            "estimates",
            "services",
            "files",
        ] {
            for verb in ["read", "write", "delete"] {
                expected.push(format!("{verb}:{noun}"));
            }
        }
        for scope in [
            "read:team",
            "write:team",
            "manage:webhooks",
            "read:logs",
            "manage:apps",
        ] {
            expected.push(scope.to_owned());
        }
        let mut declared: Vec<&str> = s.scopes();
        declared.sort_unstable();
        expected.sort_unstable();
        assert_eq!(declared, expected);
        assert!(
            s.scope_vocabulary()
                .iter()
                .all(|v| !v.description.is_empty())
        );
        for m in s.methods() {
            if let Some(scope) = &m.scope {
                assert!(s.is_scope(scope), "{}: {scope}", m.grpc_path);
            }
        }
        assert!(s.is_scope("delete:payments") && !s.is_scope("delete:nothing"));
    }
}

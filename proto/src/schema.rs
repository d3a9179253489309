//! The contract as data: every RPC with its gRPC path, required scope and REST bindings,
//! read once from the descriptor set's custom options.

use std::{collections::HashMap, sync::OnceLock};

use prost_reflect::{DescriptorPool, DynamicMessage, MethodDescriptor, Value};

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

/// The whole contract, loaded once from [`FILE_DESCRIPTOR_SET`].
pub struct Schema {
    pool: DescriptorPool,
    methods: Vec<MethodInfo>,
    by_path: HashMap<String, usize>,
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
                methods.push(MethodInfo {
                    grpc_path: format!("/{}/{}", service.full_name(), method.name()),
                    descriptor: method,
                    scope,
                    http,
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

    /// Every scope some RPC requires, sorted and unique.
    pub fn scopes(&self) -> Vec<&str> {
        let mut scopes: Vec<&str> = self
            .methods
            .iter()
            .filter_map(|m| m.scope.as_deref())
            .collect();
        scopes.sort_unstable();
        scopes.dedup();
        scopes
    }

    /// Contract rules that the code relies on; an empty list means the proto is sound.
    pub fn violations(&self) -> Vec<String> {
        let mut out = Vec::new();
        for m in &self.methods {
            let name = m.descriptor.full_name();
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
}

//! The edge checks every route shares once the caller is known, and what a request that
//! passed them carries into its gRPC call.

use std::{collections::HashMap, sync::Arc};

use axum::extract::RawPathParams;
use proto::credentials::{self, Credential};

use crate::{edge::Caller, error::ApiError, trace, transcode::Route};

/// A request that passed the edge checks: who calls, for which organization, with which
/// path parameters. Every route shape (unary, upload, download) starts from one.
pub(crate) struct Admitted {
    pub caller: Arc<Caller>,
    pub org: String,
    pub params: HashMap<String, String>,
    pub request_id: String,
    /// The internal credential, sent as the proof that this door counted the request.
    pub edge_proof: Arc<str>,
}

/// The metadata names every forwarded call carries, parsed once (a `&str` name is parsed
/// and checked again on every insert).
struct CallKeys {
    api_key: AsciiKey,
    organization: AsciiKey,
    request_id: AsciiKey,
    edge_counted: AsciiKey,
}

type AsciiKey = tonic::metadata::MetadataKey<tonic::metadata::Ascii>;

static CALL_KEYS: std::sync::LazyLock<CallKeys> = std::sync::LazyLock::new(|| CallKeys {
    api_key: AsciiKey::from_static(credentials::API_KEY_HEADER),
    organization: AsciiKey::from_static(credentials::ORGANIZATION_HEADER),
    request_id: AsciiKey::from_static(credentials::REQUEST_ID_HEADER),
    edge_counted: AsciiKey::from_static(credentials::EDGE_COUNTED_HEADER),
});

impl Admitted {
    /// The gRPC request for `message` to `grpc_path`, carrying the caller's own credential
    /// (the service authenticates it again), the organization, the request id and the trace
    /// context of the call's client span.
    pub fn call<T>(&self, grpc_path: &str, message: T) -> Result<tonic::Request<T>, ApiError> {
        let mut call = tonic::Request::new(message);
        let metadata = call.metadata_mut();
        let bad = |_| ApiError::invalid("bad credential");
        let keys = &*CALL_KEYS;
        match &self.caller.credential {
            Credential::ApiKey(s) | Credential::Internal(s) => {
                metadata.insert(keys.api_key.clone(), s.parse().map_err(bad)?);
            }
            Credential::AccessToken(token) => {
                let bearer = format!("Bearer {token}");
                metadata.insert("authorization", bearer.parse().map_err(bad)?);
            }
        }
        metadata.insert(
            keys.organization.clone(),
            self.org
                .parse()
                .map_err(|_| ApiError::OrganizationMismatch)?,
        );
        if let Ok(v) = self.request_id.parse() {
            metadata.insert(keys.request_id.clone(), v);
        }
        if let Ok(v) = self.edge_proof.parse() {
            metadata.insert(keys.edge_counted.clone(), v);
        }
        trace::outgoing(grpc_path, &mut call);
        Ok(call)
    }
}

/// The checks every route shares once the key is known: the organization header against
/// the key, the route's scope, and the path parameters.
pub(crate) fn admit(
    route: &Route,
    caller: Arc<Caller>,
    params: Result<RawPathParams, axum::extract::rejection::RawPathParamsRejection>,
    headers: &http::HeaderMap,
    request_id: String,
    edge_proof: Arc<str>,
) -> Result<Admitted, ApiError> {
    let org = match credentials::organization(headers) {
        None | Some(Ok("")) => return Err(ApiError::OrganizationRequired),
        Some(Err(())) => return Err(ApiError::OrganizationMismatch),
        Some(Ok(org)) => org.to_owned(),
    };
    if org != caller.organization_id {
        return Err(ApiError::OrganizationMismatch);
    }
    if let Some(scope) = &route.method.scope
        && !caller.scopes.iter().any(|s| s == scope)
    {
        return Err(ApiError::MissingScope(scope.clone()));
    }
    let params: HashMap<String, String> = params
        .map_err(|_| ApiError::invalid("a path parameter is not valid UTF-8"))?
        .iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    Ok(Admitted {
        caller,
        org,
        params,
        request_id,
        edge_proof,
    })
}

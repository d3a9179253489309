//! Authentication and authorization of the gRPC door. Every call to an `asteri.*` RPC passes
//! through [`AuthLayer`], which resolves the caller, pins the organization and checks the
//! scope the proto declares for the method, before any service code runs.
//!
//! Principals:
//! - an API key (`ast_live_`/`ast_test_`): its organization must equal `x-organization-id`
//!   and it must hold the method's `required_scope`; internal-only RPCs refuse it;
//! - an internal service token (`ast_int_`, from `ASTERI_INTERNAL_TOKEN`): any RPC, acting in
//!   the organization named by `x-organization-id`, as the dashboard user `x-asteri-user`
//!   names when it names one;
//! - a partner app's OAuth access token (`Bearer ast_oat_...`, CONTRACT section 11): like a
//!   key, its install's organization must equal `x-organization-id`, its granted scopes must
//!   hold the method's `required_scope`, internal-only RPCs refuse it, and it spends its
//!   install's budget (the keys' default limits); the actor is `oauth_app`, the client id;
//! - the operator (the `asteri` command), injected directly, never from the network.
//!
//! The layer also announces deprecated RPCs and request fields as response metadata
//! (`deprecation`, `sunset`; see `crate::deprecation`), as the gateway does with headers.

use std::{
    collections::HashMap,
    sync::Arc,
    task::{Context, Poll},
    time::Instant,
};

use futures::future::BoxFuture;
use proto::{
    MethodInfo,
    credentials::{self, Credential, CredentialError},
    schema,
};
use storage::{Actor, ActorKind, OrgId};
use subtle::ConstantTimeEq;
use tonic::{Status, body::Body};
use tracing::Instrument as _;

use crate::{deprecation, error::ServiceError, idempotent_calls};

mod keys;

pub use keys::{KEY_CACHE_TTL, KeyRefusal, KeyVerifier, SecretHasher, VerifiedKey};

/// What a method may be called with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scopes {
    All,
    /// Shared with the verifier's cache: a context is cloned on every call.
    Only(Arc<[String]>),
}

/// The authenticated caller of one request, in the request's extensions.
#[derive(Clone, Debug)]
pub struct RequestContext {
    /// The key's budget after this call spent it (`None`: not counted here, e.g. a call the
    /// gateway already counted, or an internal caller).
    pub budget: Option<limits::Budget>,
    pub actor: Actor,
    /// Set for every public RPC; internal RPCs may run without one.
    pub org: Option<OrgId>,
    pub scopes: Scopes,
    pub request_id: String,
}

impl RequestContext {
    /// The operator (the `asteri` command): trusted, local, acting on `org` if given.
    pub fn operator(org: Option<OrgId>) -> Self {
        Self {
            budget: None,
            actor: Actor {
                kind: ActorKind::Operator,
                id: "asteri-cli".to_owned(),
            },
            org,
            scopes: Scopes::All,
            request_id: credentials::new_request_id(),
        }
    }

    pub fn org(&self) -> Result<&OrgId, ServiceError> {
        self.org.as_ref().ok_or_else(organization_required)
    }

    pub fn write_context(&self) -> Result<storage::WriteContext, ServiceError> {
        Ok(storage::WriteContext {
            org: self.org()?.clone(),
            actor: self.actor.clone(),
            request_id: self.request_id.clone(),
            trace_parent: crate::trace::current_traceparent(),
        })
    }
}

fn organization_required() -> ServiceError {
    ServiceError::MissingHeader {
        reason: "organization_required",
        message: "send the organization id in the x-organization-id header".to_owned(),
    }
}

/// Decides who may call what. Shared by every service of a process.
#[derive(Clone)]
pub struct Authorizer {
    keys: KeyVerifier,
    tokens: crate::oauth::TokenVerifier,
    internal_token: Arc<str>,
    budgets: limits::KeyBudgets,
    history: crate::grpc_history::GrpcHistory,
    rejections: telemetry::metrics::RateLimitRejections,
}

impl Authorizer {
    pub fn new(keys: KeyVerifier, internal_token: &str) -> Self {
        Self {
            history: crate::grpc_history::GrpcHistory::new(keys.store.clone()),
            tokens: crate::oauth::TokenVerifier::new(keys.store.clone(), keys.hasher.clone()),
            keys,
            internal_token: internal_token.into(),
            budgets: limits::KeyBudgets::default(),
            rejections: telemetry::metrics::RateLimitRejections::default(),
        }
    }

    /// Counts the calls refused for a spent budget.
    pub fn with_rejections(mut self, rejections: telemetry::metrics::RateLimitRejections) -> Self {
        self.rejections = rejections;
        self
    }

    /// Spends keys' budgets in `budgets` (the REST door of the same process spends its
    /// requests there too).
    pub fn with_budgets(mut self, budgets: limits::KeyBudgets) -> Self {
        self.budgets = budgets;
        self
    }

    /// Whether the gateway counted this call already (it proves it with the internal
    /// credential, which no outside caller holds).
    fn counted_at_the_edge(&self, headers: &http::HeaderMap) -> bool {
        headers
            .get(&credentials::names::EDGE_COUNTED)
            .is_some_and(|v| bool::from(v.as_bytes().ct_eq(self.internal_token.as_bytes())))
    }

    pub fn keys(&self) -> &KeyVerifier {
        &self.keys
    }

    /// The access tokens' verifier (and cache) of this process.
    pub fn tokens(&self) -> &crate::oauth::TokenVerifier {
        &self.tokens
    }

    /// Spends `id`'s budget here, unless the gateway already did.
    async fn spend(
        &self,
        headers: &http::HeaderMap,
        id: &str,
        per_minute: i64,
        per_day: i64,
    ) -> Result<Option<limits::Budget>, ServiceError> {
        if self.counted_at_the_edge(headers) {
            return Ok(None);
        }
        let (minute, day) = (
            u32::try_from(per_minute).unwrap_or(u32::MAX),
            u32::try_from(per_day).unwrap_or(u32::MAX),
        );
        let budget = self.budgets.spend(id, minute, day).await.map_err(|spent| {
            self.rejections.record(spent.window);
            ServiceError::RateLimited(spent)
        })?;
        Ok(Some(budget))
    }

    pub async fn authorize(
        &self,
        headers: &http::HeaderMap,
        method: &MethodInfo,
    ) -> Result<RequestContext, ServiceError> {
        let request_id = headers
            .get(&credentials::names::REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .filter(|id| credentials::valid_request_id(id))
            .map_or_else(credentials::new_request_id, str::to_owned);
        let unauthenticated = |message: &str| ServiceError::Unauthenticated {
            message: message.to_owned(),
        };
        let credential = credentials::credential(headers)
            .map_err(|e: CredentialError| unauthenticated(e.message()))?;
        let org = match credentials::organization(headers) {
            None => None,
            Some(Ok(org)) if !org.is_empty() => Some(OrgId::new(org)),
            Some(_) => return Err(mismatch()),
        };
        match credential {
            Credential::Internal(token) => {
                if !bool::from(token.as_bytes().ct_eq(self.internal_token.as_bytes())) {
                    return Err(unauthenticated(
                        "the internal service credential is not valid",
                    ));
                }
                if method.is_public() && org.is_none() {
                    return Err(organization_required());
                }
                // The dashboard acts for a signed-in user: its calls are audited as that
                // user's. Only the internal credential can say so.
                let user = headers
                    .get(&credentials::names::USER)
                    .and_then(|v| v.to_str().ok())
                    .filter(|id| id.starts_with("usr_") && credentials::valid_request_id(id));
                let actor = match user {
                    Some(user) => Actor {
                        kind: ActorKind::User,
                        id: user.to_owned(),
                    },
                    None => Actor {
                        kind: ActorKind::InternalService,
                        id: headers
                            .get(&credentials::names::SERVICE_NAME)
                            .and_then(|v| v.to_str().ok())
                            .filter(|s| credentials::valid_request_id(s))
                            .unwrap_or("internal")
                            .to_owned(),
                    },
                };
                Ok(RequestContext {
                    budget: None,
                    actor,
                    org,
                    scopes: Scopes::All,
                    request_id,
                })
            }
            Credential::ApiKey(secret) => {
                let key = self
                    .keys
                    .verify(&secret)
                    .await?
                    .map_err(|r| unauthenticated(r.message()))?;
                let Some(scope) = &method.scope else {
                    return Err(ServiceError::PermissionDenied {
                        reason: "internal_only",
                        message: "this method is not available to API keys".to_owned(),
                        metadata: HashMap::new(),
                    });
                };
                let org = org.ok_or_else(organization_required)?;
                if org.as_str() != key.organization_id {
                    return Err(mismatch());
                }
                if !key.scopes.iter().any(|s| s == scope) {
                    return Err(ServiceError::PermissionDenied {
                        reason: "missing_scope",
                        message: format!("this API key lacks the scope {scope}"),
                        metadata: HashMap::from([("required_scope".to_owned(), scope.clone())]),
                    });
                }
                // A call with a key spends its budget once: here, unless it came through the
                // gateway, which spent it at the REST door.
                let budget = self
                    .spend(headers, &key.id, key.per_minute_limit, key.per_day_limit)
                    .await?;
                Ok(RequestContext {
                    budget,
                    actor: Actor {
                        kind: ActorKind::ApiKey,
                        id: key.id.clone(),
                    },
                    org: Some(org),
                    scopes: Scopes::Only(key.scopes.clone()),
                    request_id,
                })
            }
            Credential::AccessToken(token) => {
                let token = self
                    .tokens
                    .verify(&token)
                    .await?
                    .ok_or_else(|| unauthenticated(crate::oauth::verify::REFUSED))?;
                let Some(scope) = &method.scope else {
                    return Err(ServiceError::PermissionDenied {
                        reason: "internal_only",
                        message: "this method is not available to OAuth access tokens".to_owned(),
                        metadata: HashMap::new(),
                    });
                };
                let org = org.ok_or_else(organization_required)?;
                if org.as_str() != token.organization_id {
                    return Err(mismatch());
                }
                if !token.scopes.iter().any(|s| s == scope) {
                    return Err(ServiceError::PermissionDenied {
                        reason: "missing_scope",
                        message: format!("this access token was not granted the scope {scope}"),
                        metadata: HashMap::from([("required_scope".to_owned(), scope.clone())]),
                    });
                }
                // Limits apply per install, with the keys' default budget.
                let budget = self
                    .spend(
                        headers,
                        &token.install_id,
                        i64::from(crate::keys::DEFAULT_PER_MINUTE),
                        i64::from(crate::keys::DEFAULT_PER_DAY),
                    )
                    .await?;
                Ok(RequestContext {
                    budget,
                    actor: Actor {
                        kind: ActorKind::OAuthApp,
                        id: token.client_id,
                    },
                    org: Some(org),
                    scopes: Scopes::Only(token.scopes.into()),
                    request_id,
                })
            }
        }
    }
}

fn mismatch() -> ServiceError {
    ServiceError::PermissionDenied {
        reason: "organization_mismatch",
        message: "the credential does not belong to the organization in x-organization-id"
            .to_owned(),
        metadata: HashMap::new(),
    }
}

/// What the request history keeps of a direct call with a key or an access token (whose
/// `key_id` is then the app's client id, what the app's analytics read), taken as it starts.
fn call_record(
    ctx: &RequestContext,
    method: &MethodInfo,
    request: &http::Request<Body>,
) -> Option<crate::grpc_history::CallRecord> {
    let ip = request
        .extensions()
        .get::<tonic::transport::server::TcpConnectInfo>()
        .and_then(|info| info.remote_addr())
        .map(|addr| addr.ip().to_string())
        .unwrap_or_default();
    Some(crate::grpc_history::CallRecord {
        organization_id: ctx.org.as_ref()?.as_str().to_owned(),
        key_id: ctx.actor.id.clone(),
        request_id: ctx.request_id.clone(),
        path: method.grpc_path.clone(),
        ip,
        started: Instant::now(),
    })
}

/// The `ratelimit-*` response metadata of a budget (the REST door's header names).
pub fn budget_metadata(metadata: &mut tonic::metadata::MetadataMap, budget: &limits::Budget) {
    let mut headers = std::mem::take(metadata).into_headers();
    budget.write_headers(&mut headers);
    *metadata = tonic::metadata::MetadataMap::from_headers(headers);
}

/// Reads the [`RequestContext`] the layer attached. Its absence means the service was
/// mounted without [`AuthLayer`]: refuse rather than run unauthenticated.
pub fn context<T>(request: &tonic::Request<T>) -> Result<RequestContext, ServiceError> {
    request
        .extensions()
        .get::<RequestContext>()
        .cloned()
        .ok_or_else(|| ServiceError::Unauthenticated {
            message: "no authenticated caller".to_owned(),
        })
}

/// Tower layer in front of the tonic services.
#[derive(Clone)]
pub struct AuthLayer {
    authorizer: Arc<Authorizer>,
}

impl AuthLayer {
    pub fn new(authorizer: Authorizer) -> Self {
        Self {
            authorizer: Arc::new(authorizer),
        }
    }
}

impl<S> tower::Layer<S> for AuthLayer {
    type Service = AuthService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            inner,
            authorizer: self.authorizer.clone(),
        }
    }
}

#[derive(Clone)]
pub struct AuthService<S> {
    inner: S,
    /// Shared, not cloned per call: an `Authorizer` holds a dozen reference counts (the
    /// store, caches, budgets, the history), and every call, health checks included, took
    /// its own copy (`perf`: 0.6% of a `GetCustomer` cell's server time in that clone).
    authorizer: Arc<Authorizer>,
}

impl<S> tower::Service<http::Request<Body>> for AuthService<S>
where
    S: tower::Service<http::Request<Body>, Response = http::Response<Body>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<Body>) -> Self::Future {
        // The ready service goes into the future; a fresh clone stays for the next call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let authorizer = self.authorizer.clone();
        Box::pin(async move {
            // Health and reflection are not ours: they pass unauthenticated.
            let Some(method) = schema().method_by_path(request.uri().path()) else {
                return inner.call(request).await;
            };
            let span = crate::trace::server_span(method, &mut request);
            let call_span = &span;
            let answer = async move {
                // Deprecated RPCs and fields are announced as response metadata; a refused call
                // of a deprecated RPC is told too.
                let mut response = match authorizer.authorize(request.headers(), method).await {
                    Ok(ctx) => {
                        crate::trace::caller(call_span, &ctx);
                        let budget = ctx.budget;
                        // A direct call with a key (its budget was spent here) goes into the
                        // request history; the gateway records the calls it forwards.
                        let record = budget.and_then(|_| call_record(&ctx, method, &request));
                        request.extensions_mut().insert(ctx.clone());
                        let (request, deprecation) =
                            match deprecation::inspect(method, request).await {
                                Ok(inspected) => inspected,
                                Err(status) => return Ok(status.into_http()),
                            };
                        let mut response = if idempotent_calls::applies(method, &request) {
                            let store = authorizer.keys.store.clone();
                            // Boxed: the idempotency store's work would otherwise size
                            // every call's future, which is moved whole on every call.
                            Box::pin(idempotent_calls::run(&store, &ctx, method, request, |r| {
                                inner.call(r)
                            }))
                            .await?
                        } else {
                            inner.call(request).await?
                        };
                        deprecation::announce(response.headers_mut(), deprecation);
                        if let Some(budget) = budget {
                            budget.write_headers(response.headers_mut());
                        }
                        if let Some(record) = record {
                            response = authorizer.history.observe(record, response);
                        }
                        return Ok(response);
                    }
                    Err(err) => Status::from(err).into_http(),
                };
                deprecation::announce(response.headers_mut(), method.deprecation);
                Ok(response)
            }
            .instrument(span.clone())
            .await;
            crate::trace::finish(&span, &answer);
            answer
        })
    }
}

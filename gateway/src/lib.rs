//! The public REST gateway (`/api/public/v1`). Routes are derived from the proto's
//! `google.api.http` rules at start-up, never written per resource; each request is
//! authenticated, pinned to its organization, scope-checked, rate-limited, transcoded to
//! its gRPC call and back. Unary RPCs take and give JSON; streaming RPCs (file uploads and
//! downloads) go through `streaming.rs`, chosen by their streaming shape, after the same
//! checks. The gateway holds no database connection: keys, idempotency and every resource
//! are reached through tonic clients. Deprecated routes and fields, as the proto declares
//! them, are announced with `Deprecation`, `Sunset` and `Link` headers (`deprecation.rs`).

mod admit;
mod deprecation;
mod docs;
pub mod edge;
pub mod error;
pub mod failures;
pub mod grpc;
mod idempotency;
mod metrics;
mod request_id;
pub mod request_log;
mod streaming;
mod trace;
pub mod transcode;
pub mod upstream;

pub(crate) use admit::Admitted;
pub(crate) use request_id::internal_request;
pub use request_id::{RequestId, request_id};

use std::{collections::BTreeMap, collections::HashMap, sync::Arc};

use axum::{
    Router,
    body::{Body, Bytes},
    extract::{DefaultBodyLimit, RawPathParams, Request},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{MethodFilter, MethodRouter},
};
use futures::future::BoxFuture;
use http::{HeaderValue, StatusCode, header};
use proto::{
    schema,
    v1::{
        IdempotencyScope, idempotency_service_client::IdempotencyServiceClient,
        request_logs_service_client::RequestLogsServiceClient,
    },
};
use serde_json::{Map, Value};
use tower_http::catch_panic::CatchPanicLayer;

pub use crate::metrics::EdgeMetrics;
pub use crate::upstream::Upstream;
use crate::{
    edge::{Budget, KeyCache, RateLimits},
    error::{ApiError, ErrorBody, error_response},
    transcode::{Route, Shape},
};

/// Largest JSON request body accepted (413 beyond).
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

pub struct GatewayConfig {
    /// Fully-qualified gRPC service name -> the upstream that serves it.
    pub upstreams: HashMap<String, Upstream>,
    /// Where `ApiKeysService`, `IdempotencyService` and `RequestLogsService` live.
    pub keys: Upstream,
    /// The internal service credential for the internal RPCs above.
    pub internal_token: String,
    pub body_limit: usize,
    pub request_logs: request_log::LogSettings,
    /// This process's own history store, when it serves `RequestLogsService` itself: the
    /// history's batches go there directly instead of through `RecordRequestLogs`.
    pub local_history: Option<Arc<dyn request_log::LocalHistory>>,
    /// The per-key budgets, shared with the gRPC door of the same process.
    pub budgets: limits::KeyBudgets,
    /// Failed authentications allowed per client address (`failures.rs`).
    pub auth_failures: failures::AuthFailureLimit,
    /// Where requests, refusals and the edge's counters are measured (`metrics.rs`).
    pub metrics: telemetry::metrics::Metrics,
}

struct Inner {
    keys: KeyCache,
    limits: RateLimits,
    idempotency: IdempotencyServiceClient<Upstream>,
    internal_token: Arc<str>,
    body_limit: usize,
}

#[derive(Clone)]
struct Gateway(Arc<Inner>);

/// What a transcoded call answered: the status and JSON body (errors included).
pub struct Outcome {
    pub status: StatusCode,
    pub body: Option<JsonBody>,
}

/// An answer's JSON: a value, or already written (a reply rendered from its encoding, a
/// stored response replayed), which goes out as it is.
pub enum JsonBody {
    Value(Value),
    /// `secret_free`: checked for secrets as it was written, and none found; the request
    /// history stores it without redacting it again (`request_log::SecretFree`).
    Written {
        json: Bytes,
        secret_free: bool,
    },
}

impl Outcome {
    fn error(status: StatusCode, body: Map<String, Value>) -> Self {
        Self {
            status,
            body: Some(JsonBody::Value(Value::Object(body))),
        }
    }

    fn into_response(self) -> Response {
        match self.body {
            Some(JsonBody::Value(Value::Object(body)))
                if self.status.is_client_error() || self.status.is_server_error() =>
            {
                error_response(self.status, body)
            }
            Some(JsonBody::Value(body)) => (self.status, axum::Json(body)).into_response(),
            Some(JsonBody::Written { json, secret_free }) => {
                let mut response = (
                    self.status,
                    [(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("application/json"),
                    )],
                    json,
                )
                    .into_response();
                if secret_free {
                    response.extensions_mut().insert(request_log::SecretFree);
                }
                response
            }
            None => self.status.into_response(),
        }
    }
}

/// The REST router: one route per `google.api.http` binding of the served services.
pub fn router(config: GatewayConfig) -> Router {
    router_with_metrics(config).0
}

/// The REST router and the handle to its counters.
pub fn router_with_metrics(config: GatewayConfig) -> (Router, EdgeMetrics) {
    let destination = match config.local_history {
        Some(history) => request_log::Destination::Local(history),
        None => request_log::Destination::Rpc {
            client: RequestLogsServiceClient::new(config.keys.clone()),
            token: config.internal_token.clone(),
        },
    };
    let logger = request_log::RequestLogger::start(destination, config.request_logs);
    let keys = KeyCache::new(
        config.keys.clone(),
        &config.internal_token,
        config.auth_failures,
    );
    let metrics = EdgeMetrics::new(logger.clone(), keys.failures().clone());
    metrics::observe_edge(&config.metrics, &metrics);
    let gateway = Gateway(Arc::new(Inner {
        keys,
        limits: RateLimits::new(config.budgets, config.metrics.rate_limit_rejections("rest")),
        idempotency: IdempotencyServiceClient::new(config.keys),
        internal_token: config.internal_token.into(),
        body_limit: config.body_limit,
    }));
    let mut paths: BTreeMap<String, MethodRouter> = BTreeMap::new();
    for method in schema().methods().iter().filter(|m| m.is_public()) {
        let Some(channel) = config
            .upstreams
            .get(method.descriptor.parent_service().full_name())
        else {
            continue;
        };
        for binding in &method.http {
            let Ok(filter) = MethodFilter::try_from(
                http::Method::from_bytes(binding.method.as_bytes()).unwrap_or_default(),
            ) else {
                continue;
            };
            let route = Route::new(method.clone(), binding.clone());
            if let Err(problem) = route.check_shape() {
                tracing::warn!(method = %method.grpc_path, "not served over REST: {problem}");
                continue;
            }
            let route = Arc::new((route, channel.clone()));
            let gw = gateway.clone();
            let handler = move |params: Result<
                RawPathParams,
                axum::extract::rejection::RawPathParamsRejection,
            >,
                                request: Request|
                  -> BoxFuture<'static, Response> {
                let (gw, route) = (gw.clone(), route.clone());
                // Boxed as it is made: axum moves a handler's future twice before it first
                // polls it (into its own async block, then into a box), and this one is
                // kilobytes; those two copies were 5% of a REST GET's instructions
                // (callgrind, stop 28). Boxed, axum moves a pointer.
                Box::pin(async move { gw.handle(&route.0, route.1.clone(), params, request).await })
            };
            let entry = paths.remove(&binding.path).unwrap_or_default();
            paths.insert(binding.path.clone(), entry.on(filter, handler));
        }
    }
    let measure = metrics::HttpMetricsLayer::new(
        config.metrics.http_server(),
        paths.keys().map(String::as_str),
    );
    // Public: the contract's own description needs no key.
    let mut router = docs::router();
    for (path, method_router) in paths {
        router = router.route(&path, method_router);
    }
    let router = router
        .fallback(|request: Request| async move {
            ApiError::RouteNotFound {
                method: request.method().to_string(),
                path: request.uri().path().to_owned(),
            }
        })
        .method_not_allowed_fallback(|request: Request| async move {
            ApiError::MethodNotAllowed {
                method: request.method().to_string(),
                path: request.uri().path().to_owned(),
            }
        })
        // Uploads stream without a size limit of axum's: the service enforces its own, and
        // JSON bodies are read with `body_limit` by the unary path.
        .layer(DefaultBodyLimit::disable())
        .layer(CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| {
                ApiError::Internal("a handler panicked".into()).into_response()
            },
        ))
        .layer(middleware::from_fn(request_id))
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            request_log::log_requests(logger.clone(), request, next)
        }))
        .merge(portal_routes())
        .layer(measure);
    (router, metrics)
}

/// The OpenAPI document of the API (`proto::openapi`), which the developer portal indexes
/// and renders.
pub fn openapi_document() -> Value {
    proto::openapi::document().clone()
}

/// The developer portal (pages, search, reference): public, so merged after the key checks
/// and outside the request history, but with request ids and error bodies like every route.
fn portal_routes() -> Router {
    portal::Portal::new(openapi_document())
        .router()
        .layer(middleware::map_response(
            |mut response: Response| async move {
                if let Some(portal::ErrorBody(body)) = response.extensions_mut().remove() {
                    response.extensions_mut().insert(ErrorBody(body));
                }
                response
            },
        ))
        .layer(middleware::from_fn(request_id))
}

fn with_budget(mut response: Response, budget: Budget) -> Response {
    budget.write_headers(response.headers_mut());
    response
}

fn is_json(content_type: &HeaderValue) -> bool {
    let Ok(ct) = content_type.to_str() else {
        return false;
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// The outcome of a call that answers one message: the route's success status and JSON, a
/// client error as its JSON error, or (for 5xx) the error itself.
pub(crate) fn outcome<R: transcode::Reply>(
    route: &Route,
    answer: Result<R, tonic::Status>,
) -> Result<Outcome, ApiError> {
    match answer {
        Ok(_) if route.success_status() == StatusCode::NO_CONTENT => Ok(Outcome {
            status: StatusCode::NO_CONTENT,
            body: None,
        }),
        Ok(reply) => Ok(Outcome {
            status: route.success_status(),
            body: Some(reply.body(route).map_err(ApiError::Upstream)?),
        }),
        Err(status) => {
            let err = ApiError::Upstream(status);
            let (http, body) = err.to_parts();
            if http.is_server_error() {
                Err(err)
            } else {
                Ok(Outcome::error(http, body))
            }
        }
    }
}

/// The response of an outcome that may have been replayed from the idempotency store.
pub(crate) fn replayable(outcome: Outcome, replayed: bool) -> Response {
    let mut response = outcome.into_response();
    if replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}

impl Gateway {
    /// Every answer of a route, refusals included, says whether the route is deprecated.
    async fn handle(
        &self,
        route: &Route,
        channel: Upstream,
        params: Result<RawPathParams, axum::extract::rejection::RawPathParamsRejection>,
        request: Request,
    ) -> Response {
        let mut response = self.answer(route, channel, params, request).await;
        deprecation::announce(&mut response, route.method.deprecation);
        response
    }

    async fn answer(
        &self,
        route: &Route,
        channel: Upstream,
        params: Result<RawPathParams, axum::extract::rejection::RawPathParamsRejection>,
        request: Request,
    ) -> Response {
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default();
        let client = failures::peer(request.extensions());
        let caller = match self
            .0
            .keys
            .authenticate(request.headers(), &request_id, client)
            .await
        {
            Ok(caller) => caller,
            Err(err) => return err.into_response(),
        };
        trace::caller(&caller);
        // From here on the request is its organization's, in its history, refusals included.
        let identity = request_log::LogIdentity {
            key_id: caller.key_id.clone(),
            organization_id: caller.organization_id.clone(),
        };
        let budget = match self.0.limits.check(&caller).await {
            Ok(budget) => budget,
            Err((err, budget)) => {
                let mut response = with_budget(err.into_response(), budget);
                response.extensions_mut().insert(identity);
                return response;
            }
        };
        let proof = Arc::clone(&self.0.internal_token);
        let answer = match admit::admit(route, caller, params, request.headers(), request_id, proof)
        {
            // The file routes' futures are boxed: a future is as large as its largest
            // branch, and every request's future is moved whole (axum's handler, the
            // middlewares); the unary branch, the hot one, stays inline.
            Ok(admitted) => match route.shape() {
                Shape::Unary => self.unary(route, channel, admitted, request).await,
                Shape::Upload => {
                    Box::pin(streaming::upload(self, route, channel, admitted, request)).await
                }
                Shape::Download => {
                    Box::pin(streaming::download(self, route, channel, admitted, request)).await
                }
            },
            Err(err) => Err(err),
        };
        let mut response = answer.unwrap_or_else(IntoResponse::into_response);
        response.extensions_mut().insert(identity);
        with_budget(response, budget)
    }

    /// The request body, up to the JSON body limit (413 beyond).
    async fn read_body(&self, headers: &http::HeaderMap, body: Body) -> Result<Bytes, ApiError> {
        let limit = self.0.body_limit;
        let declared = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|n| n > limit) {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        axum::body::to_bytes(body, limit).await.map_err(|err| {
            let too_large =
                std::iter::successors(Some(&err as &dyn std::error::Error), |e| e.source())
                    .any(|e| e.is::<http_body_util::LengthLimitError>());
            if too_large {
                ApiError::PayloadTooLarge { limit }
            } else {
                ApiError::invalid("the request body could not be read")
            }
        })
    }

    /// The `Idempotency-Key` of a POST, checked; `None` for other methods or without one.
    fn idempotency_key(parts: &http::request::Parts) -> Result<Option<String>, ApiError> {
        // The method first: most requests are not POSTs, and need no lookup.
        if parts.method != http::Method::POST {
            return Ok(None);
        }
        let Some(key) = parts.headers.get(idempotency::HEADER) else {
            return Ok(None);
        };
        key.to_str()
            .ok()
            .filter(|k| idempotency::valid_key(k))
            .map(|k| Some(k.to_owned()))
            .ok_or_else(|| {
                ApiError::invalid_field(
                    "Idempotency-Key",
                    "must be 1 to 255 visible ASCII characters",
                )
            })
    }

    fn idempotent<'a>(
        &'a self,
        admitted: &'a Admitted,
        key: String,
        fingerprint: String,
    ) -> idempotency::Idempotent<'a> {
        idempotency::Idempotent {
            client: self.0.idempotency.clone(),
            internal_token: &self.0.internal_token,
            request_id: &admitted.request_id,
            scope: IdempotencyScope {
                organization_id: admitted.org.clone(),
                principal_id: admitted.caller.key_id.clone(),
                idempotency_key: key,
            },
            fingerprint,
        }
    }

    async fn unary(
        &self,
        route: &Route,
        channel: Upstream,
        admitted: Admitted,
        request: Request,
    ) -> Result<Response, ApiError> {
        let (parts, body) = request.into_parts();
        let key = Self::idempotency_key(&parts)?;
        let bytes = self.read_body(&parts.headers, body).await?;
        let answer = self
            .unary_json(route, channel, admitted, &parts, &bytes, key)
            .await;
        let mut response = answer.unwrap_or_else(IntoResponse::into_response);
        response
            .extensions_mut()
            .insert(request_log::LoggedRequestBody(bytes));
        Ok(response)
    }

    /// A unary call with its JSON body read.
    async fn unary_json(
        &self,
        route: &Route,
        channel: Upstream,
        admitted: Admitted,
        parts: &http::request::Parts,
        bytes: &Bytes,
        key: Option<String>,
    ) -> Result<Response, ApiError> {
        if !bytes.is_empty()
            && parts
                .headers
                .get(header::CONTENT_TYPE)
                .is_some_and(|ct| !is_json(ct))
        {
            return Err(ApiError::UnsupportedMediaType("application/json"));
        }
        let message =
            transcode::request_message(route, &admitted.params, parts.uri.query(), bytes)?;
        // Whatever the call answers, it tells whether it used something deprecated.
        let announced = deprecation::Announced(route.method.deprecation_of_call(&message));
        let answered = async {
            let call = admitted.call(&route.method.grpc_path, message)?;
            let execute = async {
                let output = route.method.descriptor.output();
                outcome(
                    route,
                    grpc::unary(channel, &route.method.grpc_path, call, output).await,
                )
            };
            let Some(key) = key else {
                return Ok(execute.await?.into_response());
            };
            let fingerprint = idempotency::fingerprint(
                parts.method.as_str(),
                parts.uri.path(),
                parts.uri.query(),
                bytes,
            );
            // Boxed, as the file routes are (see `answer`): the idempotency store's calls
            // would otherwise size every request's future.
            let (outcome, replayed) =
                Box::pin(self.idempotent(&admitted, key, fingerprint).run(execute)).await?;
            Ok::<_, ApiError>(replayable(outcome, replayed))
        };
        let mut response = answered.await.unwrap_or_else(IntoResponse::into_response);
        response.extensions_mut().insert(announced);
        Ok(response)
    }
}

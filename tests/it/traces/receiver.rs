//! An OTLP receiver for the tests: the collector's `TraceService` as a tonic server (OTLP
//! over gRPC) and `POST /v1/traces` (OTLP http/protobuf), both on port 0, keeping every span
//! they are sent in a form the tests can query.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::response::IntoResponse as _;
use opentelemetry_proto::tonic::{
    collector::trace::v1::{
        ExportTraceServiceRequest, ExportTraceServiceResponse,
        trace_service_server::{TraceService, TraceServiceServer},
    },
    common::v1::any_value::Value as AnyValue,
    trace::v1::span::SpanKind,
};
use prost::Message as _;
use tokio::net::TcpListener;

/// One exported span, ids in hex.
#[derive(Clone, Debug)]
pub struct Span {
    pub service: String,
    pub name: String,
    pub kind: SpanKind,
    pub trace_id: String,
    pub span_id: String,
    pub parent_span_id: String,
    pub attributes: HashMap<String, String>,
    /// `(trace_id, span_id)` of each link.
    pub links: Vec<(String, String)>,
}

impl Span {
    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attributes.get(key).map(String::as_str)
    }
}

#[derive(Clone, Default)]
pub struct Collected(Arc<Mutex<Vec<Span>>>);

impl Collected {
    fn add(&self, request: ExportTraceServiceRequest) {
        let mut spans = self.0.lock().unwrap();
        for resource in request.resource_spans {
            let service = resource
                .resource
                .iter()
                .flat_map(|r| &r.attributes)
                .find(|kv| kv.key == "service.name")
                .map(|kv| text(kv.value.as_ref().and_then(|v| v.value.as_ref())))
                .unwrap_or_default();
            for span in resource.scope_spans.into_iter().flat_map(|s| s.spans) {
                spans.push(Span {
                    service: service.clone(),
                    kind: SpanKind::try_from(span.kind).unwrap_or(SpanKind::Unspecified),
                    name: span.name,
                    trace_id: hex::encode(&span.trace_id),
                    span_id: hex::encode(&span.span_id),
                    parent_span_id: hex::encode(&span.parent_span_id),
                    attributes: span
                        .attributes
                        .iter()
                        .map(|kv| {
                            let value = kv.value.as_ref().and_then(|v| v.value.as_ref());
                            (kv.key.clone(), text(value))
                        })
                        .collect(),
                    links: span
                        .links
                        .iter()
                        .map(|l| (hex::encode(&l.trace_id), hex::encode(&l.span_id)))
                        .collect(),
                });
            }
        }
    }

    pub fn spans(&self) -> Vec<Span> {
        self.0.lock().unwrap().clone()
    }

    /// Polls until `found` finds what it looks for among the spans received (`flush` asks
    /// the exporters to send what they hold, each time), or fails after `within`.
    pub async fn wait_for<T>(
        &self,
        within: Duration,
        mut flush: impl FnMut() -> Option<tokio::task::JoinHandle<()>>,
        found: impl Fn(&[Span]) -> Option<T>,
    ) -> T {
        let deadline = Instant::now() + within;
        loop {
            if let Some(flushing) = flush() {
                flushing.await.unwrap();
            }
            if let Some(t) = found(&self.spans()) {
                return t;
            }
            assert!(
                Instant::now() < deadline,
                "not received within {within:?}; got: {:#?}",
                self.spans()
                    .iter()
                    .map(|s| (
                        &s.service,
                        &s.name,
                        s.kind,
                        &s.trace_id,
                        &s.span_id,
                        &s.parent_span_id
                    ))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn text(value: Option<&AnyValue>) -> String {
    match value {
        Some(AnyValue::StringValue(s)) => s.clone(),
        Some(AnyValue::IntValue(i)) => i.to_string(),
        Some(AnyValue::BoolValue(b)) => b.to_string(),
        Some(AnyValue::DoubleValue(d)) => d.to_string(),
        other => format!("{other:?}"),
    }
}

#[tonic::async_trait]
impl TraceService for Collected {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        self.add(request.into_inner());
        Ok(tonic::Response::new(ExportTraceServiceResponse {
            partial_success: None,
        }))
    }
}

/// A runtime of the receivers' own (and of an in-process test's exporter): what they do
/// never waits for the test's thread, which runs the app under test.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap()
    })
}

/// Receives OTLP over gRPC; `endpoint` is `http://127.0.0.1:PORT`.
pub fn grpc() -> (Collected, String) {
    let collected = Collected::default();
    let (listener, address) = listen();
    let service = TraceServiceServer::new(collected.clone());
    runtime().spawn(async move {
        let listener = TcpListener::from_std(listener).unwrap();
        tonic::transport::Server::builder()
            .add_service(service)
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener))
            .await
    });
    (collected, format!("http://{address}"))
}

/// Receives OTLP http/protobuf; `endpoint` is the whole URL, `http://127.0.0.1:PORT/v1/traces`.
pub fn http() -> (Collected, String) {
    let collected = Collected::default();
    let (listener, address) = listen();
    let sink = collected.clone();
    let app = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post(move |body: axum::body::Bytes| {
            let sink = sink.clone();
            async move {
                match ExportTraceServiceRequest::decode(body) {
                    Ok(request) => {
                        sink.add(request);
                        let reply = ExportTraceServiceResponse {
                            partial_success: None,
                        };
                        (
                            [("content-type", "application/x-protobuf")],
                            reply.encode_to_vec(),
                        )
                            .into_response()
                    }
                    Err(_) => axum::http::StatusCode::BAD_REQUEST.into_response(),
                }
            }
        }),
    );
    runtime().spawn(async move {
        let listener = TcpListener::from_std(listener).unwrap();
        axum::serve(listener, app).await
    });
    (collected, format!("http://{address}/v1/traces"))
}

fn listen() -> (std::net::TcpListener, std::net::SocketAddr) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let address = listener.local_addr().unwrap();
    (listener, address)
}

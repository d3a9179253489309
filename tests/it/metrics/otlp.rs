//! The same metrics pushed over OTLP, to a receiver built on the collector's own protocol
//! (`opentelemetry-proto`): over gRPC (tonic) and over http/protobuf.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{Router, body::Bytes, extract::State, routing::post};
use opentelemetry_proto::tonic::{
    collector::metrics::v1::{
        ExportMetricsServiceRequest, ExportMetricsServiceResponse,
        metrics_service_server::{MetricsService, MetricsServiceServer},
    },
    common::v1::{KeyValue, any_value},
    metrics::v1::metric::Data,
};
use prost::Message as _;
use reqwest::Method;
use telemetry::metrics::{MetricsSettings, OtlpMetrics, OtlpProtocol};
use tokio::net::TcpListener;

use crate::helpers::*;

type Received = Arc<Mutex<Vec<ExportMetricsServiceRequest>>>;

#[derive(Clone, Default)]
struct Collector(Received);

#[tonic::async_trait]
impl MetricsService for Collector {
    async fn export(
        &self,
        request: tonic::Request<ExportMetricsServiceRequest>,
    ) -> Result<tonic::Response<ExportMetricsServiceResponse>, tonic::Status> {
        self.0.lock().unwrap().push(request.into_inner());
        Ok(tonic::Response::new(ExportMetricsServiceResponse::default()))
    }
}

async fn http_export(State(received): State<Received>, body: Bytes) -> Vec<u8> {
    let request = ExportMetricsServiceRequest::decode(body).expect("OTLP protobuf");
    received.lock().unwrap().push(request);
    ExportMetricsServiceResponse::default().encode_to_vec()
}

/// A receiver on a free port; returns the endpoint the exporter is given.
async fn receiver(protocol: OtlpProtocol, received: Received) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    match protocol {
        OtlpProtocol::Grpc => {
            let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
            let service = MetricsServiceServer::new(Collector(received));
            tokio::spawn(
                tonic::transport::Server::builder()
                    .add_service(service)
                    .serve_with_incoming(incoming),
            );
            format!("http://{addr}")
        }
        OtlpProtocol::HttpProtobuf => {
            let app = Router::new()
                .route("/v1/metrics", post(http_export))
                .with_state(received);
            tokio::spawn(async move { axum::serve(listener, app).await });
            format!("http://{addr}/v1/metrics")
        }
    }
}

fn text<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a str> {
    attributes.iter().find(|kv| kv.key == key).and_then(|kv| {
        match kv.value.as_ref()?.value.as_ref()? {
            any_value::Value::StringValue(s) => Some(s.as_str()),
            _ => None,
        }
    })
}

/// Requests counted under `http.route` = `route` in one export (cumulative), if any.
fn route_count(export: &ExportMetricsServiceRequest, route: &str) -> Option<u64> {
    let metrics = export
        .resource_metrics
        .iter()
        .filter(|rm| {
            rm.resource
                .as_ref()
                .is_some_and(|r| text(&r.attributes, "service.name") == Some("asteri"))
        })
        .flat_map(|rm| &rm.scope_metrics)
        .flat_map(|sm| &sm.metrics);
    let mut total = None;
    for metric in metrics.filter(|m| m.name == "http.server.request.duration") {
        assert_eq!(metric.unit, "s");
        if let Some(Data::Histogram(h)) = &metric.data {
            for point in &h.data_points {
                if text(&point.attributes, "http.route") == Some(route) {
                    *total.get_or_insert(0) += point.count;
                }
            }
        }
    }
    total
}

async fn exported_over(protocol: OtlpProtocol) {
    let received = Received::default();
    let endpoint = receiver(protocol, received.clone()).await;
    let app = spawn_configured(|c| {
        c.metrics = MetricsSettings {
            prometheus: true,
            otlp: Some(OtlpMetrics {
                protocol,
                endpoint: Some(endpoint),
                interval: Some(Duration::from_millis(100)),
            }),
        };
    })
    .await;
    let t = app.tenant().await;
    for _ in 0..2 {
        assert_eq!(call(&app, &t, Method::GET, "/customers", None).await.0, 200);
    }
    let route = "/api/public/v1/customers";
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let seen = received
            .lock()
            .unwrap()
            .iter()
            .filter_map(|e| route_count(e, route))
            .max();
        if seen == Some(2) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{protocol:?}: no export with both requests (last count {seen:?})"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_exported_over_otlp_grpc() {
    exported_over(OtlpProtocol::Grpc).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_exported_over_otlp_http_protobuf() {
    exported_over(OtlpProtocol::HttpProtobuf).await;
}

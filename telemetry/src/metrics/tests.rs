//! The settings' parsing, and series read back as Prometheus text.

use std::collections::HashMap;

use super::*;

fn settings(vars: &[(&str, &str)]) -> Result<MetricsSettings, MetricsError> {
    let vars: HashMap<&str, &str> = vars.iter().copied().collect();
    MetricsSettings::from_vars(|name| vars.get(name).map(|v| (*v).to_owned()))
}

#[test]
fn exporters_follow_the_standard_variables() {
    assert_eq!(settings(&[]).unwrap(), MetricsSettings::default());
    let grpc = settings(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317")]).unwrap();
    assert!(grpc.prometheus);
    assert_eq!(grpc.otlp.unwrap().protocol, OtlpProtocol::Grpc);
    let http = settings(&[
        (
            "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
            "http://c:4318/v1/metrics",
        ),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
    ])
    .unwrap();
    assert_eq!(http.otlp.unwrap().protocol, OtlpProtocol::HttpProtobuf);
    let none = settings(&[
        ("OTEL_METRICS_EXPORTER", "none"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"),
    ])
    .unwrap();
    assert_eq!(
        none,
        MetricsSettings {
            prometheus: false,
            otlp: None
        }
    );
    let only_otlp = settings(&[("OTEL_METRICS_EXPORTER", "otlp")]).unwrap();
    assert!(!only_otlp.prometheus && only_otlp.otlp.is_some());
}

#[test]
fn bad_settings_name_their_variable() {
    for (name, value) in [
        ("OTEL_METRICS_EXPORTER", "statsd"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
    ] {
        let mut vars = vec![(name, value)];
        if name != "OTEL_METRICS_EXPORTER" {
            vars.push(("OTEL_METRICS_EXPORTER", "otlp"));
        }
        let err = settings(&vars).unwrap_err();
        assert!(err.to_string().contains(name), "{err}");
    }
}

#[test]
fn recorded_series_read_back_as_prometheus_text() {
    let metrics = Metrics::start(&MetricsSettings::default()).unwrap();
    metrics.http_server().record(
        "GET",
        Some(StringValue::from("/api/public/v1/customers/{id}")),
        503,
        Duration::from_millis(3),
    );
    metrics
        .rpc_server()
        .record("asteri.v1.CustomersService/GetCustomer", 5, Duration::ZERO);
    metrics.rate_limit_rejections("rest").record("minute");
    let text = metrics.prometheus_text().unwrap().unwrap();
    for needle in [
        r#"http_server_request_duration_seconds_count{error_type="503",http_request_method="GET",http_response_status_code="503",http_route="/api/public/v1/customers/{id}"} 1"#,
        r#"rpc_server_call_duration_seconds_count{rpc_method="asteri.v1.CustomersService/GetCustomer",rpc_response_status_code="NOT_FOUND",rpc_system_name="grpc"} 1"#,
        r#"asteri_rate_limit_rejections_total{asteri_door="rest",asteri_rate_limit_window="minute"} 1"#,
        r#"service_name="asteri""#,
    ] {
        assert!(text.contains(needle), "{needle} in\n{text}");
    }
    assert!(Metrics::disabled().prometheus_text().is_none());
}

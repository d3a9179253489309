//! The load generator's connections: one bare HTTP/1.1 connection (hyper) or one HTTP/2
//! channel (tonic) per task, and the one operation a task sends at a time.

use std::sync::{Arc, atomic::Ordering};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::rt::TokioIo;
use proto::v1::{
    CreateCustomerRequest, GetCustomerRequest, ListCustomersRequest,
    customers_service_client::CustomersServiceClient,
};
use tonic::{metadata::MetadataValue, transport::Channel};
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

use crate::{Op, SENT, Tenant};

pub(crate) struct Rest {
    pub(crate) sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    pub(crate) host: String,
}

impl Rest {
    pub(crate) async fn connect(addr: std::net::SocketAddr) -> anyhow::Result<Self> {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(conn);
        Ok(Self {
            sender,
            host: addr.to_string(),
        })
    }

    /// Sends one request; the status and the whole body.
    pub(crate) async fn send(
        &mut self,
        method: http::Method,
        path: &str,
        tenant: Option<&Tenant>,
        body: Option<String>,
    ) -> anyhow::Result<(http::StatusCode, Bytes)> {
        let mut request = http::Request::builder()
            .method(method)
            .uri(path)
            .header(http::header::HOST, &self.host);
        if let Some(t) = tenant {
            request = request
                .header("x-api-key", &t.key)
                .header("x-organization-id", &t.org);
        }
        if body.is_some() {
            request = request.header(http::header::CONTENT_TYPE, "application/json");
        }
        let request = request.body(Full::new(Bytes::from(body.unwrap_or_default())))?;
        self.sender.ready().await?;
        let response = self.sender.send_request(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        SENT.fetch_add(1, Ordering::Relaxed);
        Ok((status, body))
    }
}

/// One gRPC connection with the tenant's credentials.
pub(crate) struct Grpc {
    pub(crate) customers: CustomersServiceClient<Channel>,
    pub(crate) health: HealthClient<Channel>,
    pub(crate) key: MetadataValue<tonic::metadata::Ascii>,
    pub(crate) org: MetadataValue<tonic::metadata::Ascii>,
}

impl Grpc {
    pub(crate) async fn connect(addr: std::net::SocketAddr, t: &Tenant) -> anyhow::Result<Self> {
        let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))?
            .tcp_nodelay(true)
            .connect()
            .await?;
        Ok(Self {
            customers: CustomersServiceClient::new(channel.clone()),
            health: HealthClient::new(channel),
            key: t.key.parse()?,
            org: t.org.parse()?,
        })
    }

    pub(crate) fn request<T>(&self, message: T) -> tonic::Request<T> {
        let mut r = tonic::Request::new(message);
        r.metadata_mut().insert("x-api-key", self.key.clone());
        r.metadata_mut()
            .insert("x-organization-id", self.org.clone());
        r
    }
}

/// What one task needs to send any operation.
pub(crate) struct Client {
    pub(crate) rest: Option<Rest>,
    pub(crate) grpc: Option<Grpc>,
    pub(crate) tenant: Tenant,
    pub(crate) ids: Arc<Vec<String>>,
    pub(crate) n: usize,
}

impl Client {
    /// One operation; `Ok(false)` when the server answered with an error.
    pub(crate) async fn once(&mut self, op: Op) -> anyhow::Result<bool> {
        self.n += 1;
        let id = &self.ids[(self.n * 7919) % self.ids.len()];
        let name = format!("{{\"name\":\"Bench customer {}\"}}", self.n);
        let t = Some(&self.tenant);
        if let Some(rest) = self.rest.as_mut() {
            let get = format!("/api/public/v1/customers/{id}");
            let (status, _) = match op {
                Op::Health => rest.send(http::Method::GET, "/healthz", None, None),
                Op::Get => rest.send(http::Method::GET, &get, t, None),
                Op::List => {
                    let path = "/api/public/v1/customers?limit=20";
                    rest.send(http::Method::GET, path, t, None)
                }
                Op::Create | Op::Webhook => {
                    let path = "/api/public/v1/customers";
                    rest.send(http::Method::POST, path, t, Some(name))
                }
            }
            .await?;
            return Ok(status.is_success());
        }
        let g = self.grpc.as_mut().expect("a client has one door");
        let ok = match op {
            Op::Health => {
                let check = HealthCheckRequest {
                    service: String::new(),
                };
                g.health.check(check).await.is_ok()
            }
            Op::Get => {
                let r = g.request(GetCustomerRequest { id: id.clone() });
                g.customers.get_customer(r).await.is_ok()
            }
            Op::List => {
                let r = g.request(ListCustomersRequest {
                    limit: Some(20),
                    ..Default::default()
                });
                g.customers.list_customers(r).await.is_ok()
            }
            Op::Create | Op::Webhook => {
                let r = g.request(CreateCustomerRequest {
                    name: format!("Bench customer {}", self.n),
                    ..Default::default()
                });
                g.customers.create_customer(r).await.is_ok()
            }
        };
        SENT.fetch_add(1, Ordering::Relaxed);
        Ok(ok)
    }
}

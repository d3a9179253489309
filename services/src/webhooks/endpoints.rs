//! Webhook endpoints: `asteri.v1.WebhookEndpointsService`, on the shape every resource
//! shares ([`crate::resource`]): get, list, create, update and delete are its drivers;
//! rotate_secret, test, deliveries and recover are the endpoint's own.
//!
//! Rules:
//! - `url` is an http(s) URL; unless private networks are allowed it must not resolve to a
//!   loopback, private, link-local or metadata address. Resolving needs the network, so it
//!   runs before the driver (and again at every delivery, in `delivery`).
//! - `event_types`: exact types, groups (`invoices.*`) or `*`; at least one, repeats dropped.
//! - `rate_limit`: 1 to 10,000 deliveries per second, or none.
//! - Enabling clears `disabled_reason`; disabling keeps the caller's reason.
//! - The secret is in the answers of create and rotate_secret only, never in the audit log.
//!
//! Endpoints raise no event (section 8 names none); their changes are audited.

use chrono::{Duration as TimeDelta, Utc};
use proto::v1::{
    CreateWebhookEndpointRequest, DeleteWebhookEndpointRequest, DeliveryAttempt,
    GetWebhookEndpointRequest, ListDeliveryAttemptsRequest, ListDeliveryAttemptsResponse,
    ListWebhookEndpointsRequest, ListWebhookEndpointsResponse, RecoverWebhookEndpointRequest,
    RecoverWebhookEndpointResponse, RotateWebhookEndpointSecretRequest, TestWebhookEndpointRequest,
    TestWebhookEndpointResponse, UpdateWebhookEndpointRequest, WebhookEndpoint,
    webhook_endpoints_service_server::WebhookEndpointsService,
};
use serde_json::json;
use storage::{
    Write,
    webhooks::{
        self as repo, ATTEMPT_PREFIX, AttemptFilter, Endpoint, NewEndpoint, catalog, queue,
    },
};
use tonic::{Request, Response, Status};

use super::Webhooks;
use crate::{
    auth::context,
    convert::{Check, from_timestamp, next_cursor, page_query, timestamp},
    error::{ServiceError, ServiceResult, Violations},
    record::record,
    resource::{self, Mask, Patch, Resource},
};

const MAX_RATE: u32 = 10_000;
/// The longest grace a rotation may give the old secret.
const MAX_GRACE_SECONDS: u32 = 7 * 86_400;

/// The endpoint as a resource of the shared shape.
pub struct WebhookEndpoints;

impl Resource for WebhookEndpoints {
    type Record = Endpoint;
    type Message = WebhookEndpoint;
    const NAME: &'static str = "webhook_endpoint";
    const UPDATABLE: &'static [&'static str] = &[
        "url",
        "description",
        "event_types",
        "enabled",
        "disabled_reason",
        "rate_limit",
    ];
    const CREATED: Option<&'static str> = None;
    const UPDATED: Option<&'static str> = None;
    const DELETED: Option<&'static str> = None;

    fn render(e: &Endpoint) -> WebhookEndpoint {
        endpoint_message(e, false)
    }

    /// Its queue and its attempt history go with it.
    async fn deleted(w: &Write, e: &Endpoint) -> ServiceResult<()> {
        Ok(repo::delete_history(w, &e.id).await?)
    }
}

/// The endpoint as the API renders it; the secret only where the caller asks for it.
pub fn endpoint_message(e: &Endpoint, with_secret: bool) -> WebhookEndpoint {
    WebhookEndpoint {
        id: e.id.clone(),
        url: e.url.clone(),
        description: e.description.clone(),
        event_types: e.event_types.0.clone(),
        enabled: e.enabled,
        secret: with_secret.then(|| e.secret.clone()),
        disabled_reason: e.disabled_reason.clone(),
        created_at: Some(timestamp(e.created_at)),
        updated_at: Some(timestamp(e.updated_at)),
        rate_limit: e.rate_limit.and_then(|r| u32::try_from(r).ok()),
    }
}

pub fn attempt_message(a: &repo::Attempt) -> DeliveryAttempt {
    DeliveryAttempt {
        id: a.id.clone(),
        event_id: a.event_id.clone(),
        endpoint_id: a.endpoint_id.clone(),
        attempt: u32::try_from(a.attempt).unwrap_or(0),
        status_code: u32::try_from(a.status_code).unwrap_or(0),
        response_body: a.response_body.clone(),
        error: a.error.clone(),
        duration_ms: u64::try_from(a.duration_ms).unwrap_or(0),
        created_at: Some(timestamp(a.created_at)),
        success: a.success,
    }
}

/// The subscription list, trimmed and without repeats; unknown names are 422.
fn event_types(check: &mut Check<'_>, types: &[String]) -> Vec<String> {
    if types.is_empty() {
        check.0.add(
            "event_types",
            "must name at least one event type, group (\"invoices.*\") or \"*\"",
        );
    }
    check.max_items("event_types", types, 100);
    let mut out: Vec<String> = Vec::new();
    for (i, t) in types.iter().enumerate() {
        let t = t.trim();
        if !catalog::is_known(t) {
            check.0.add(
                format!("event_types[{i}]"),
                format!("{t:?} is not an event type, a group such as \"invoices.*\", or \"*\""),
            );
        } else if !out.iter().any(|o| o == t) {
            out.push(t.to_owned());
        }
    }
    out
}

fn rate_limit(check: &mut Check<'_>, rate: Option<u32>) -> Option<i32> {
    let rate = rate?;
    if !(1..=MAX_RATE).contains(&rate) {
        check.0.add(
            "rate_limit",
            format!("must be between 1 and {MAX_RATE} deliveries per second"),
        );
    }
    i32::try_from(rate).ok()
}

impl Patch<WebhookEndpoints> for UpdateWebhookEndpointRequest {
    /// Leaves `url`, `description` and `event_types` normalized. Where the URL resolves was
    /// checked before (it needs the network).
    fn check(&mut self, mask: &Mask, v: &mut Violations) -> ServiceResult<()> {
        let mut check = Check(v);
        if mask.has("description") {
            check.text("description", &self.description, 500);
            self.description = self.description.trim().to_owned();
        }
        if mask.has("disabled_reason") {
            check.text("disabled_reason", &self.disabled_reason, 500);
            self.disabled_reason = self.disabled_reason.trim().to_owned();
        }
        if mask.has("event_types") {
            self.event_types = event_types(&mut check, &self.event_types);
        }
        if mask.has("rate_limit") {
            rate_limit(&mut check, self.rate_limit);
        }
        self.url = self.url.trim().to_owned();
        Ok(())
    }

    async fn apply(self, _w: &Write, mask: &Mask, e: &mut Endpoint) -> ServiceResult<()> {
        if mask.has("url") {
            e.url = self.url;
        }
        if mask.has("description") {
            e.description = self.description;
        }
        if mask.has("event_types") {
            e.event_types.0 = self.event_types;
        }
        if mask.has("rate_limit") {
            e.rate_limit = self.rate_limit.and_then(|r| i32::try_from(r).ok());
        }
        if mask.has("enabled") && self.enabled != e.enabled {
            e.enabled = self.enabled;
            e.failing_since = None;
            e.disabled_reason = if self.enabled {
                String::new()
            } else {
                "disabled through the API".to_owned()
            };
        }
        if mask.has("disabled_reason") && !e.enabled {
            e.disabled_reason = self.disabled_reason;
        }
        Ok(())
    }
}

impl Webhooks {
    /// The URL's syntax and, unless private networks are allowed, where it resolves.
    async fn check_url(&self, v: &mut Violations, url: &str) {
        let url = url.trim();
        if url.is_empty() {
            v.add("url", "is required");
        } else if let Err(refusal) = delivery::ssrf::check(url, self.settings.allow_private).await {
            v.add("url", refusal.to_string());
        }
    }

    async fn create(
        &self,
        r: Request<CreateWebhookEndpointRequest>,
    ) -> ServiceResult<WebhookEndpoint> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let mut v = Violations::default();
        self.check_url(&mut v, &req.url).await;
        let mut check = Check(&mut v);
        check.text("description", &req.description, 500);
        let types = event_types(&mut check, &req.event_types);
        let rate = rate_limit(&mut check, req.rate_limit);
        v.into_result()?;
        let secret = delivery::signing::new_secret();
        let new = repo::new_endpoint(NewEndpoint {
            url: req.url.trim().to_owned(),
            description: req.description.trim().to_owned(),
            event_types: types,
            enabled: req.enabled.unwrap_or(true),
            secret: secret.clone(),
            rate_limit: rate,
        });
        let mut created = resource::create::<WebhookEndpoints>(&self.store, &ctx, new).await?;
        // Shown once, here (and at rotation): the audit record above has no secret.
        created.secret = Some(secret);
        Ok(created)
    }

    async fn rotate(
        &self,
        r: Request<RotateWebhookEndpointSecretRequest>,
    ) -> ServiceResult<Endpoint> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let grace = match req.expire_old_secret_in_seconds {
            Some(s) if s > MAX_GRACE_SECONDS => {
                return Err(ServiceError::invalid(
                    "expire_old_secret_in_seconds",
                    format!("must be at most {MAX_GRACE_SECONDS} (7 days)"),
                ));
            }
            Some(s) => TimeDelta::seconds(i64::from(s)),
            None => TimeDelta::from_std(self.settings.rotation_grace).unwrap_or_default(),
        };
        let mut w = self.store.write(ctx.write_context()?).await?;
        let before = repo::get_for_update(&w, &req.id)
            .await?
            .ok_or_else(|| ServiceError::not_found(WebhookEndpoints::NAME, &req.id))?;
        let keep_old = grace > TimeDelta::zero();
        let mut after = before.clone();
        after.previous_secret = keep_old.then(|| before.secret.clone());
        after.previous_secret_expires_at = keep_old.then(|| Utc::now() + grace);
        after.secret = delivery::signing::new_secret();
        let after = repo::save(&w, after).await?;
        let (b, a) = (
            endpoint_message(&before, false),
            endpoint_message(&after, false),
        );
        let action = "webhook_endpoint.rotate_secret";
        record(
            &mut w,
            action,
            WebhookEndpoints::NAME,
            &req.id,
            Some(&b),
            Some(&a),
            None,
        )
        .await?;
        w.commit().await?;
        Ok(after)
    }

    /// Writes a `webhook.test` event for this endpoint alone and attempts it at once; a
    /// failed attempt is retried by the workers like any other.
    async fn test(
        &self,
        r: Request<TestWebhookEndpointRequest>,
    ) -> ServiceResult<TestWebhookEndpointResponse> {
        let ctx = context(&r)?;
        let id = r.into_inner().id;
        let mut w = self.store.write(ctx.write_context()?).await?;
        let endpoint = repo::get(&w, w.org(), &id)
            .await?
            .ok_or_else(|| ServiceError::not_found(WebhookEndpoints::NAME, &id))?;
        let data = json!({
            "endpoint_id": endpoint.id,
            "message": "A test event from Asteri: your endpoint receives and verifies webhooks.",
        });
        let event_id = w
            .record(storage::Change {
                action: "webhook_endpoint.test",
                resource_type: WebhookEndpoints::NAME,
                resource_id: &id,
                before: None,
                after: None,
                event: Some((catalog::TEST_EVENT, data)),
            })
            .await?
            .unwrap_or_default();
        w.commit().await?;
        let attempt = self.sync.deliver_now(ctx.org()?, &event_id, &id).await?;
        Ok(TestWebhookEndpointResponse {
            event_id,
            attempt: attempt.as_ref().map(attempt_message),
        })
    }
}

#[tonic::async_trait]
impl WebhookEndpointsService for Webhooks {
    async fn create_webhook_endpoint(
        &self,
        r: Request<CreateWebhookEndpointRequest>,
    ) -> Result<Response<WebhookEndpoint>, Status> {
        Ok(Response::new(self.create(r).await?))
    }

    async fn get_webhook_endpoint(
        &self,
        r: Request<GetWebhookEndpointRequest>,
    ) -> Result<Response<WebhookEndpoint>, Status> {
        resource::get::<WebhookEndpoints, _>(&self.store, &r, &r.get_ref().id).await
    }

    async fn list_webhook_endpoints(
        &self,
        r: Request<ListWebhookEndpointsRequest>,
    ) -> Result<Response<ListWebhookEndpointsResponse>, Status> {
        let store = &self.store;
        resource::list::<WebhookEndpoints, _, _, _, _>(r, |_, org, q| async move {
            Ok(repo::list(store, &org, &q).await?)
        })
        .await
    }

    async fn update_webhook_endpoint(
        &self,
        r: Request<UpdateWebhookEndpointRequest>,
    ) -> Result<Response<WebhookEndpoint>, Status> {
        let req = r.get_ref();
        if req
            .update_mask
            .as_ref()
            .is_some_and(|m| m.paths.iter().any(|p| p == "url"))
        {
            let mut v = Violations::default();
            self.check_url(&mut v, &req.url).await;
            v.into_result()?;
        }
        resource::update::<WebhookEndpoints, _>(&self.store, r).await
    }

    async fn delete_webhook_endpoint(
        &self,
        r: Request<DeleteWebhookEndpointRequest>,
    ) -> Result<Response<()>, Status> {
        resource::delete::<WebhookEndpoints, _>(&self.store, &r, &r.get_ref().id).await
    }

    async fn rotate_webhook_endpoint_secret(
        &self,
        r: Request<RotateWebhookEndpointSecretRequest>,
    ) -> Result<Response<WebhookEndpoint>, Status> {
        let rotated = self.rotate(r).await?;
        Ok(Response::new(endpoint_message(&rotated, true)))
    }

    async fn test_webhook_endpoint(
        &self,
        r: Request<TestWebhookEndpointRequest>,
    ) -> Result<Response<TestWebhookEndpointResponse>, Status> {
        Ok(Response::new(self.test(r).await?))
    }

    async fn list_delivery_attempts(
        &self,
        r: Request<ListDeliveryAttemptsRequest>,
    ) -> Result<Response<ListDeliveryAttemptsResponse>, Status> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let query = page_query(req.limit, &req.cursor, ATTEMPT_PREFIX)?;
        resource::find::<WebhookEndpoints>(&self.store, &ctx, &req.id).await?;
        let filter = AttemptFilter {
            event_id: req.event_id,
            success: req.success,
        };
        let page = repo::attempts(&self.store, ctx.org()?, &req.id, &filter, &query)
            .await
            .map_err(ServiceError::from)?;
        Ok(Response::new(ListDeliveryAttemptsResponse {
            next_cursor: next_cursor(&page, |a| &a.id),
            has_more: page.has_more,
            data: page.items.iter().map(attempt_message).collect(),
        }))
    }

    async fn recover_webhook_endpoint(
        &self,
        r: Request<RecoverWebhookEndpointRequest>,
    ) -> Result<Response<RecoverWebhookEndpointResponse>, Status> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let since = from_timestamp("since", req.since)?.ok_or_else(|| {
            ServiceError::invalid(
                "since",
                "is required: failed deliveries of events since this time are queued again",
            )
        })?;
        resource::find::<WebhookEndpoints>(&self.store, &ctx, &req.id).await?;
        let queued = queue::recover(&self.store, ctx.org()?, &req.id, since)
            .await
            .map_err(ServiceError::from)?;
        Ok(Response::new(RecoverWebhookEndpointResponse {
            queued: u32::try_from(queued).unwrap_or(u32::MAX),
        }))
    }
}

//! Webhook endpoints: `asteri.v1.WebhookEndpointsService`.

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
    OrgId,
    webhooks::{
        self as repo, ATTEMPT_PREFIX, AttemptFilter, ENDPOINT_PREFIX, Endpoint, NewEndpoint,
        catalog, queue,
    },
};
use tonic::{Request, Response, Status};

use super::Webhooks;
use crate::{
    auth::context,
    convert::{Check, from_timestamp, next_cursor, page_query, timestamp},
    error::{ServiceError, ServiceResult, Violations},
    record::record,
};

const RESOURCE: &str = "webhook_endpoint";
const UPDATABLE: &[&str] = &[
    "url",
    "description",
    "event_types",
    "enabled",
    "disabled_reason",
    "rate_limit",
];
const MAX_RATE: u32 = 10_000;
/// The longest grace a rotation may give the old secret.
const MAX_GRACE_SECONDS: u32 = 7 * 86_400;

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

impl Webhooks {
    /// The URL's syntax and, unless private networks are allowed, where it resolves.
    async fn check_url(&self, v: &mut Violations, url: &str) -> String {
        let url = url.trim();
        if url.is_empty() {
            v.add("url", "is required");
        } else if let Err(refusal) = delivery::ssrf::check(url, self.settings.allow_private).await {
            v.add("url", refusal.to_string());
        }
        url.to_owned()
    }

    async fn found(&self, org: &OrgId, id: &str) -> ServiceResult<Endpoint> {
        repo::get(&self.store, org, id)
            .await?
            .ok_or_else(|| ServiceError::not_found(RESOURCE, id))
    }

    async fn create(&self, r: Request<CreateWebhookEndpointRequest>) -> ServiceResult<Endpoint> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let mut v = Violations::default();
        let url = self.check_url(&mut v, &req.url).await;
        let mut check = Check(&mut v);
        check.text("description", &req.description, 500);
        let types = event_types(&mut check, &req.event_types);
        let rate = rate_limit(&mut check, req.rate_limit);
        v.into_result()?;
        let mut w = self.store.write(ctx.write_context()?).await?;
        let created = repo::insert(
            &w,
            repo::new_endpoint(NewEndpoint {
                url,
                description: req.description.trim().to_owned(),
                event_types: types,
                enabled: req.enabled.unwrap_or(true),
                secret: delivery::signing::new_secret(),
                rate_limit: rate,
            }),
        )
        .await?;
        let audited = endpoint_message(&created, false);
        let action = "webhook_endpoint.create";
        record(
            &mut w,
            action,
            RESOURCE,
            &created.id,
            None,
            Some(&audited),
            None,
        )
        .await?;
        w.commit().await?;
        Ok(created)
    }

    async fn update(&self, r: Request<UpdateWebhookEndpointRequest>) -> ServiceResult<Endpoint> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let paths: Vec<String> = req.update_mask.map(|m| m.paths).unwrap_or_default();
        let present = |f: &str| paths.iter().any(|p| p == f);
        let mut v = Violations::default();
        for p in &paths {
            if !UPDATABLE.contains(&p.as_str()) {
                v.add(
                    "update_mask",
                    format!("{p} is not a field that can be changed"),
                );
            }
        }
        let url = if present("url") {
            Some(self.check_url(&mut v, &req.url).await)
        } else {
            None
        };
        let mut check = Check(&mut v);
        if present("description") {
            check.text("description", &req.description, 500);
        }
        if present("disabled_reason") {
            check.text("disabled_reason", &req.disabled_reason, 500);
        }
        let types = present("event_types").then(|| event_types(&mut check, &req.event_types));
        let rate = rate_limit(&mut check, req.rate_limit);
        v.into_result()?;
        let org = ctx.org()?.clone();
        if paths.is_empty() {
            // Nothing to change: answer with the current object, as a no-op PATCH should.
            return self.found(&org, &req.id).await;
        }
        let mut w = self.store.write(ctx.write_context()?).await?;
        let before = repo::get_for_update(&w, &req.id)
            .await?
            .ok_or_else(|| ServiceError::not_found(RESOURCE, &req.id))?;
        let mut after = before.clone();
        if let Some(url) = url {
            after.url = url;
        }
        if present("description") {
            after.description = req.description.trim().to_owned();
        }
        if let Some(types) = types {
            after.event_types.0 = types;
        }
        if present("rate_limit") {
            after.rate_limit = rate;
        }
        if present("enabled") && req.enabled != before.enabled {
            after.enabled = req.enabled;
            after.failing_since = None;
            // Enabling clears why it was disabled; disabling keeps the caller's reason.
            after.disabled_reason = if req.enabled {
                String::new()
            } else {
                "disabled through the API".to_owned()
            };
        }
        if present("disabled_reason") && !after.enabled {
            after.disabled_reason = req.disabled_reason.trim().to_owned();
        }
        after.updated_at = Utc::now();
        let after = repo::save(&w, after).await?;
        let (b, a) = (
            endpoint_message(&before, false),
            endpoint_message(&after, false),
        );
        let action = "webhook_endpoint.update";
        record(&mut w, action, RESOURCE, &req.id, Some(&b), Some(&a), None).await?;
        w.commit().await?;
        Ok(after)
    }

    async fn delete(&self, r: Request<DeleteWebhookEndpointRequest>) -> ServiceResult<()> {
        let ctx = context(&r)?;
        let id = r.into_inner().id;
        let mut w = self.store.write(ctx.write_context()?).await?;
        let deleted = repo::delete_with_history(&w, &id)
            .await?
            .ok_or_else(|| ServiceError::not_found(RESOURCE, &id))?;
        let before = endpoint_message(&deleted, false);
        let action = "webhook_endpoint.delete";
        record(&mut w, action, RESOURCE, &id, Some(&before), None, None).await?;
        w.commit().await?;
        Ok(())
    }

    async fn rotate(
        &self,
        r: Request<RotateWebhookEndpointSecretRequest>,
    ) -> ServiceResult<Endpoint> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let grace = match req.expire_old_secret_in_seconds {
            Some(s) if s > MAX_GRACE_SECONDS => {
                let mut v = Violations::default();
                v.add(
                    "expire_old_secret_in_seconds",
                    format!("must be at most {MAX_GRACE_SECONDS} (7 days)"),
                );
                return Err(ServiceError::Validation(v));
            }
            Some(s) => TimeDelta::seconds(i64::from(s)),
            None => TimeDelta::from_std(self.settings.rotation_grace).unwrap_or_default(),
        };
        let mut w = self.store.write(ctx.write_context()?).await?;
        let before = repo::get_for_update(&w, &req.id)
            .await?
            .ok_or_else(|| ServiceError::not_found(RESOURCE, &req.id))?;
        let now = Utc::now();
        let mut after = before.clone();
        after.previous_secret = (grace > TimeDelta::zero()).then(|| before.secret.clone());
        after.previous_secret_expires_at = (grace > TimeDelta::zero()).then(|| now + grace);
        after.secret = delivery::signing::new_secret();
        after.updated_at = now;
        let after = repo::save(&w, after).await?;
        let (b, a) = (
            endpoint_message(&before, false),
            endpoint_message(&after, false),
        );
        let action = "webhook_endpoint.rotate_secret";
        record(&mut w, action, RESOURCE, &req.id, Some(&b), Some(&a), None).await?;
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
            .ok_or_else(|| ServiceError::not_found(RESOURCE, &id))?;
        let data = json!({
            "endpoint_id": endpoint.id,
            "message": "A test event from Asteri: your endpoint receives and verifies webhooks.",
        });
        let event_id = w
            .record(storage::Change {
                action: "webhook_endpoint.test",
                resource_type: RESOURCE,
                resource_id: &id,
                before: None,
                after: None,
                event: Some((catalog::TEST_EVENT, data)),
            })
            .await?
            .unwrap_or_default();
        w.commit().await?;
        let attempt = self
            .sync
            .deliver_now(&ctx.org()?.clone(), &event_id, &id)
            .await?;
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
        let created = self.create(r).await?;
        Ok(Response::new(endpoint_message(&created, true)))
    }

    async fn get_webhook_endpoint(
        &self,
        r: Request<GetWebhookEndpointRequest>,
    ) -> Result<Response<WebhookEndpoint>, Status> {
        let ctx = context(&r)?;
        let found = self.found(ctx.org()?, &r.get_ref().id).await?;
        Ok(Response::new(endpoint_message(&found, false)))
    }

    async fn list_webhook_endpoints(
        &self,
        r: Request<ListWebhookEndpointsRequest>,
    ) -> Result<Response<ListWebhookEndpointsResponse>, Status> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let query = page_query(req.limit, &req.cursor, ENDPOINT_PREFIX)?;
        let page = repo::list(&self.store, ctx.org()?, &query)
            .await
            .map_err(ServiceError::from)?;
        Ok(Response::new(ListWebhookEndpointsResponse {
            next_cursor: next_cursor(&page, |e| &e.id),
            has_more: page.has_more,
            data: page
                .items
                .iter()
                .map(|e| endpoint_message(e, false))
                .collect(),
        }))
    }

    async fn update_webhook_endpoint(
        &self,
        r: Request<UpdateWebhookEndpointRequest>,
    ) -> Result<Response<WebhookEndpoint>, Status> {
        let updated = self.update(r).await?;
        Ok(Response::new(endpoint_message(&updated, false)))
    }

    async fn delete_webhook_endpoint(
        &self,
        r: Request<DeleteWebhookEndpointRequest>,
    ) -> Result<Response<()>, Status> {
        self.delete(r).await?;
        Ok(Response::new(()))
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
        let org = ctx.org()?;
        self.found(org, &req.id).await?;
        let filter = AttemptFilter {
            event_id: req.event_id,
            success: req.success,
        };
        let page = repo::attempts(&self.store, org, &req.id, &filter, &query)
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
        let org = ctx.org()?;
        let since = from_timestamp("since", req.since)?.ok_or_else(|| {
            let mut v = Violations::default();
            v.add(
                "since",
                "is required: failed deliveries of events since this time are queued again",
            );
            ServiceError::Validation(v)
        })?;
        self.found(org, &req.id).await?;
        let queued = queue::recover(&self.store, org, &req.id, since)
            .await
            .map_err(ServiceError::from)?;
        Ok(Response::new(RecoverWebhookEndpointResponse {
            queued: u32::try_from(queued).unwrap_or(u32::MAX),
        }))
    }
}

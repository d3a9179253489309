//! Webhooks: endpoints and their subscriptions ([`catalog`]), the delivery queue
//! ([`queue`], how far behind its workers are in [`backlog`]) and the history of attempts.

pub mod backlog;
pub mod catalog;
pub mod queue;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, QueryFilter};

pub use crate::entities::webhook_attempts::Model as Attempt;
pub use crate::entities::webhook_endpoints::Model as Endpoint;
use crate::{
    Db, OrgId, Page, PageQuery, Result, StringList, Write,
    entities::{
        webhook_attempts, webhook_deliveries,
        webhook_endpoints::{Column, Entity, Model},
    },
    ids::new_id,
    tenant::{page, scoped, scoped_delete},
};

pub const ENDPOINT_PREFIX: &str = "we";
pub const DELIVERY_PREFIX: &str = "whd";
pub const ATTEMPT_PREFIX: &str = "atm";

crate::tenant_repo!();

#[derive(Clone, Debug)]
pub struct NewEndpoint {
    pub url: String,
    pub description: String,
    pub event_types: Vec<String>,
    pub enabled: bool,
    pub secret: String,
    pub rate_limit: Option<i32>,
}

/// A new endpoint's row (insert it with [`insert`]).
pub fn new_endpoint(new: NewEndpoint) -> Endpoint {
    let now = crate::now();
    Endpoint {
        id: new_id(ENDPOINT_PREFIX),
        organization_id: String::new(),
        url: new.url,
        description: new.description,
        event_types: StringList(new.event_types),
        enabled: new.enabled,
        disabled_reason: String::new(),
        secret: new.secret,
        previous_secret: None,
        previous_secret_expires_at: None,
        rate_limit: new.rate_limit,
        failing_since: None,
        created_at: now,
        updated_at: now,
    }
}

impl Endpoint {
    /// The secrets a delivery at `now` is signed with: the current one, and the previous one
    /// during its grace period.
    pub fn signing_secrets(&self, now: DateTime<Utc>) -> Vec<&str> {
        let mut secrets = vec![self.secret.as_str()];
        if let (Some(previous), Some(until)) =
            (&self.previous_secret, self.previous_secret_expires_at)
            && until > now
        {
            secrets.push(previous);
        }
        secrets
    }

    pub fn subscribes(&self, event_type: &str) -> bool {
        catalog::subscribes(&self.event_types.0, event_type)
    }
}

pub async fn list(db: &impl Db, org: &OrgId, q: &PageQuery) -> Result<Page<Endpoint>> {
    Ok(page(db.conn(), scoped::<Entity>(org), q).await?)
}

/// The enabled endpoints of an organization: what an event is fanned out to (and replayed
/// to).
pub async fn enabled(db: &impl Db, org: &OrgId) -> Result<Vec<Endpoint>> {
    Ok(scoped::<Entity>(org)
        .filter(Column::Enabled.eq(true))
        .all(db.conn())
        .await?)
}

/// Deletes the queue and the attempt history of an endpoint being deleted.
pub async fn delete_history(w: &Write, endpoint_id: &str) -> Result<()> {
    scoped_delete::<webhook_deliveries::Entity>(w.org())
        .filter(webhook_deliveries::Column::EndpointId.eq(endpoint_id))
        .exec(crate::Db::conn(w))
        .await?;
    scoped_delete::<webhook_attempts::Entity>(w.org())
        .filter(webhook_attempts::Column::EndpointId.eq(endpoint_id))
        .exec(crate::Db::conn(w))
        .await?;
    Ok(())
}

#[derive(Clone, Debug, Default)]
pub struct AttemptFilter {
    pub event_id: Option<String>,
    pub success: Option<bool>,
}

/// An endpoint's delivery attempts, newest first.
pub async fn attempts(
    db: &impl Db,
    org: &OrgId,
    endpoint_id: &str,
    filter: &AttemptFilter,
    q: &PageQuery,
) -> Result<Page<Attempt>> {
    let mut select = scoped::<webhook_attempts::Entity>(org)
        .filter(webhook_attempts::Column::EndpointId.eq(endpoint_id));
    if let Some(event_id) = &filter.event_id {
        select = select.filter(webhook_attempts::Column::EventId.eq(event_id.as_str()));
    }
    if let Some(success) = filter.success {
        select = select.filter(webhook_attempts::Column::Success.eq(success));
    }
    Ok(page(db.conn(), select, q).await?)
}

/// Disables an endpoint on the platform's behalf (gone, or failing for days), audited with
/// the worker as the actor. Returns whether it was enabled.
pub async fn disable(store: &crate::Store, org: &OrgId, id: &str, reason: &str) -> Result<bool> {
    use crate::{Actor, ActorKind, Change, WriteContext};
    let mut w = store
        .write(WriteContext {
            org: org.clone(),
            actor: Actor {
                kind: ActorKind::InternalService,
                id: "webhook_worker".to_owned(),
            },
            request_id: String::new(),
            trace_parent: None,
        })
        .await?;
    let Some(mut endpoint) = get_for_update(&w, id).await? else {
        return Ok(false);
    };
    if !endpoint.enabled {
        return Ok(false);
    }
    endpoint.enabled = false;
    endpoint.disabled_reason = reason.to_owned();
    save(&w, endpoint).await?;
    w.record(Change {
        action: "webhook_endpoint.disable",
        resource_type: "webhook_endpoint",
        resource_id: id,
        before: Some(serde_json::json!({"enabled": true})),
        after: Some(serde_json::json!({"enabled": false, "disabled_reason": reason})),
        event: None,
    })
    .await?;
    w.commit().await?;
    Ok(true)
}

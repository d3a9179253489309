//! Reading the audit log and the event outbox (both written only through [`crate::Write`]).

use sea_orm::{ColumnTrait, QueryFilter, Select};

pub use crate::entities::audit_events::Model as AuditEvent;
pub use crate::entities::events::Model as Event;
use crate::{
    Db, OrgId, Page, PageQuery, Result,
    entities::{audit_events, events},
    tenant::{page, scoped},
};

#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub actor_id: Option<String>,
    pub created_after: Option<chrono::DateTime<chrono::Utc>>,
}

pub async fn list_audit(
    db: &impl Db,
    org: &OrgId,
    filter: &AuditFilter,
    q: &PageQuery,
) -> Result<Page<AuditEvent>> {
    Ok(page(db.conn(), audit_select(org, filter), q).await?)
}

/// The database's plan for [`list_audit`] (see [`crate::tenant::explain_page`]): each
/// filter is one range scan of an index of `m20261202_000010_history_filter_indexes`.
#[doc(hidden)]
pub async fn explain_list_audit(
    db: &impl Db,
    org: &OrgId,
    filter: &AuditFilter,
    q: &PageQuery,
) -> Result<Vec<String>> {
    Ok(crate::tenant::explain_page(db.conn(), audit_select(org, filter), q).await?)
}

fn audit_select(org: &OrgId, filter: &AuditFilter) -> Select<audit_events::Entity> {
    let mut select = scoped::<audit_events::Entity>(org);
    if let Some(v) = &filter.resource_type {
        select = select.filter(audit_events::Column::ResourceType.eq(v.as_str()));
    }
    if let Some(v) = &filter.resource_id {
        select = select.filter(audit_events::Column::ResourceId.eq(v.as_str()));
    }
    if let Some(v) = &filter.actor_id {
        select = select.filter(audit_events::Column::ActorId.eq(v.as_str()));
    }
    if let Some(v) = filter.created_after {
        select = select.filter(audit_events::Column::CreatedAt.gte(v));
    }
    select
}

#[derive(Clone, Debug, Default)]
pub struct EventFilter {
    pub event_type: Option<String>,
    pub created_after: Option<chrono::DateTime<chrono::Utc>>,
    pub created_before: Option<chrono::DateTime<chrono::Utc>>,
}

/// Events, newest first, optionally of one type.
pub async fn list_events(
    db: &impl Db,
    org: &OrgId,
    event_type: Option<&str>,
    q: &PageQuery,
) -> Result<Page<Event>> {
    let filter = EventFilter {
        event_type: event_type.map(str::to_owned),
        ..EventFilter::default()
    };
    search_events(db, org, &filter, q).await
}

pub async fn search_events(
    db: &impl Db,
    org: &OrgId,
    filter: &EventFilter,
    q: &PageQuery,
) -> Result<Page<Event>> {
    let mut select = scoped::<events::Entity>(org);
    if let Some(t) = &filter.event_type {
        select = select.filter(events::Column::EventType.eq(t.as_str()));
    }
    if let Some(t) = filter.created_after {
        select = select.filter(events::Column::CreatedAt.gte(t));
    }
    if let Some(t) = filter.created_before {
        select = select.filter(events::Column::CreatedAt.lt(t));
    }
    Ok(page(db.conn(), select, q).await?)
}

pub async fn get_event(db: &impl Db, org: &OrgId, id: &str) -> Result<Option<Event>> {
    Ok(crate::tenant::find::<events::Entity, _>(db.conn(), org, id).await?)
}

/// The events about one customer's objects (appointments, estimates, invoices, payments),
/// newest first: the customer's activity.
pub async fn customer_events(
    db: &impl Db,
    org: &OrgId,
    customer_id: &str,
    q: &PageQuery,
) -> Result<Page<Event>> {
    let select = scoped::<events::Entity>(org).filter(events::Column::CustomerId.eq(customer_id));
    Ok(page(db.conn(), select, q).await?)
}

//! The audit log, read-only: `asteri.v1.AuditEventsService` (`GET /audit_events`).

use proto::v1::{
    ActorType, AuditEvent, ListAuditEventsRequest, ListAuditEventsResponse,
    audit_events_service_server::AuditEventsService,
};
use storage::{Store, audit};
use tonic::{Request, Response, Status};

use crate::{
    auth::context,
    convert::{from_timestamp, json_struct, next_cursor, page_query, timestamp},
    error::ServiceError,
};

#[derive(Clone)]
pub struct AuditLog {
    store: Store,
}

impl AuditLog {
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

fn actor_type(kind: &str) -> ActorType {
    match kind {
        "api_key" => ActorType::ApiKey,
        "user" => ActorType::User,
        "internal_service" => ActorType::InternalService,
        "operator" => ActorType::Operator,
        "oauth_app" => ActorType::OauthApp,
        _ => ActorType::Unspecified,
    }
}

pub fn audit_message(a: &audit::AuditEvent) -> AuditEvent {
    AuditEvent {
        id: a.id.clone(),
        actor_type: actor_type(&a.actor_type) as i32,
        actor_id: a.actor_id.clone(),
        action: a.action.clone(),
        resource_type: a.resource_type.clone(),
        resource_id: a.resource_id.clone(),
        before: a.before.as_ref().and_then(json_struct),
        after: a.after.as_ref().and_then(json_struct),
        request_id: a.request_id.clone(),
        created_at: Some(timestamp(a.created_at)),
    }
}

#[tonic::async_trait]
impl AuditEventsService for AuditLog {
    async fn list_audit_events(
        &self,
        r: Request<ListAuditEventsRequest>,
    ) -> Result<Response<ListAuditEventsResponse>, Status> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let query = page_query(req.limit, &req.cursor, "aud")?;
        let filter = audit::AuditFilter {
            resource_type: req.resource_type,
            resource_id: req.resource_id,
            actor_id: req.actor_id,
            created_after: from_timestamp("created_after", req.created_after)?,
        };
        let page = audit::list_audit(&self.store, ctx.org()?, &filter, &query)
            .await
            .map_err(ServiceError::from)?;
        Ok(Response::new(ListAuditEventsResponse {
            next_cursor: next_cursor(&page, |a| &a.id),
            has_more: page.has_more,
            data: page.items.iter().map(audit_message).collect(),
        }))
    }
}

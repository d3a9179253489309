//! Events: `asteri.v1.EventsService` (list, get, replay, simulate).

use proto::v1::{
    Event, GetEventRequest, ListEventsRequest, ListEventsResponse, ReplayEventRequest,
    ReplayEventResponse, SimulateEventRequest, events_service_server::EventsService,
};
use storage::{
    OrgId, audit, organizations,
    webhooks::{self, catalog, queue},
};
use tonic::{Request, Response, Status};

use super::{Webhooks, samples};
use crate::{
    auth::context,
    convert::{from_timestamp, json_struct, next_cursor, page_query, struct_json, timestamp},
    error::{ServiceError, ServiceResult},
};

const RESOURCE: &str = "event";

pub fn event_message(e: &audit::Event) -> Event {
    Event {
        id: e.id.clone(),
        r#type: e.event_type.clone(),
        created_at: Some(timestamp(e.created_at)),
        organization_id: e.organization_id.clone(),
        data: json_struct(&e.data),
    }
}

impl Webhooks {
    async fn event(&self, org: &OrgId, id: &str) -> ServiceResult<audit::Event> {
        audit::get_event(&self.store, org, id)
            .await?
            .ok_or_else(|| ServiceError::not_found(RESOURCE, id))
    }

    async fn replay(&self, r: Request<ReplayEventRequest>) -> ServiceResult<u32> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let org = ctx.org()?;
        let event = self.event(org, &req.id).await?;
        let endpoints: Vec<String> = match &req.endpoint_id {
            Some(id) => {
                let endpoint = webhooks::get(&self.store, org, id).await?;
                let Some(endpoint) = endpoint else {
                    return Err(ServiceError::invalid(
                        "endpoint_id",
                        format!("no webhook endpoint {id:?} in this organization"),
                    ));
                };
                vec![endpoint.id]
            }
            None => webhooks::enabled(&self.store, org)
                .await?
                .into_iter()
                .filter(|e| e.subscribes(&event.event_type))
                .map(|e| e.id)
                .collect(),
        };
        queue::enqueue(&self.store, org, &event.id, &endpoints, None).await?;
        Ok(u32::try_from(endpoints.len()).unwrap_or(u32::MAX))
    }

    async fn simulate(&self, r: Request<SimulateEventRequest>) -> ServiceResult<audit::Event> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let org = ctx.org()?;
        let sandbox = organizations::get(&self.store, org.as_str())
            .await?
            .is_some_and(|o| o.sandbox);
        if !sandbox {
            return Err(ServiceError::conflict(
                "sandbox_only",
                "events can be simulated only in sandbox organizations; use a test key on a sandbox organization",
            ));
        }
        let event_type = req.r#type.trim();
        if event_type == catalog::TEST_EVENT {
            return Err(ServiceError::invalid(
                "type",
                "webhook.test is sent by POST /webhook_endpoints/{id}/test".to_owned(),
            ));
        }
        if !catalog::EVENT_TYPES.contains(&event_type) {
            return Err(ServiceError::invalid(
                "type",
                format!("{event_type:?} is not an event type of the catalog (e.g. invoice.paid)"),
            ));
        }
        let data = match &req.data {
            Some(data) => struct_json(data),
            None => samples::sample(event_type),
        };
        let mut w = self.store.write(ctx.write_context()?).await?;
        let event_id = w
            .record(storage::Change {
                action: "event.simulate",
                resource_type: RESOURCE,
                resource_id: event_type,
                before: None,
                after: None,
                event: Some((event_type, data)),
            })
            .await?
            .unwrap_or_default();
        let event = audit::get_event(&w, w.org(), &event_id)
            .await?
            .ok_or_else(|| ServiceError::not_found(RESOURCE, &event_id))?;
        w.commit().await?;
        Ok(event)
    }
}

#[tonic::async_trait]
impl EventsService for Webhooks {
    async fn list_events(
        &self,
        r: Request<ListEventsRequest>,
    ) -> Result<Response<ListEventsResponse>, Status> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let query = page_query(req.limit, &req.cursor, "evt")?;
        let filter = audit::EventFilter {
            event_type: req.r#type,
            created_after: from_timestamp("created_after", req.created_after)?,
            created_before: from_timestamp("created_before", req.created_before)?,
        };
        let page = audit::search_events(&self.store, ctx.org()?, &filter, &query)
            .await
            .map_err(ServiceError::from)?;
        Ok(Response::new(ListEventsResponse {
            next_cursor: next_cursor(&page, |e| &e.id),
            has_more: page.has_more,
            data: page.items.iter().map(event_message).collect(),
        }))
    }

    async fn get_event(&self, r: Request<GetEventRequest>) -> Result<Response<Event>, Status> {
        let ctx = context(&r)?;
        let event = self.event(ctx.org()?, &r.get_ref().id).await?;
        Ok(Response::new(event_message(&event)))
    }

    async fn replay_event(
        &self,
        r: Request<ReplayEventRequest>,
    ) -> Result<Response<ReplayEventResponse>, Status> {
        Ok(Response::new(ReplayEventResponse {
            queued: self.replay(r).await?,
        }))
    }

    async fn simulate_event(
        &self,
        r: Request<SimulateEventRequest>,
    ) -> Result<Response<Event>, Status> {
        let event = self.simulate(r).await?;
        Ok(Response::new(event_message(&event)))
    }
}

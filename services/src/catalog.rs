//! The service catalog: `asteri.v1.ServiceCatalogService` (`/services`, `read:services`,
//! `write:services`, `delete:services`).
//!
//! Rules:
//! - `name` is required, at most 200 characters; `description` at most 5,000.
//! - `price` is in minor units, from 0 to 2^53 - 1 (the largest integer every JSON client
//!   reads exactly).
//! - `currency` is a circulating ISO 4217 code, given in any case and stored lowercase; a new
//!   service without one is priced in `usd`. A PATCH cannot blank it (422).
//! - `duration_minutes` is 1 to 1440 (one day).
//! - `active` is true when absent. Inactive services cannot be added to appointments.
//! - Deleting a service leaves the appointments that name it as they are (their history).
//!
//! Events: `service.created`, `service.updated`, `service.deleted`.

use chrono::Utc;
use proto::v1::{
    CreateServiceItemRequest, DeleteServiceItemRequest, GetServiceItemRequest,
    ListServiceItemsRequest, ListServiceItemsResponse, ServiceItem, UpdateServiceItemRequest,
    service_catalog_service_server::ServiceCatalogService,
};
use storage::{
    Store,
    catalog::{self as repo, ID_PREFIX, ServiceItemFilter},
    ids::new_id,
};
use tonic::{Request, Response, Status};

use crate::{
    auth::context,
    convert::{Check, from_timestamp, next_cursor, page_query, timestamp},
    currency,
    error::{ServiceError, ServiceResult, Violations},
    record::record,
};

const RESOURCE: &str = "service";
const UPDATABLE: &[&str] = &[
    "name",
    "description",
    "price",
    "currency",
    "duration_minutes",
    "online_bookable",
    "active",
];
/// 2^53 - 1.
pub const MAX_PRICE: i64 = 9_007_199_254_740_991;
pub const MAX_DURATION_MINUTES: u32 = 1440;

#[derive(Clone)]
pub struct Catalog {
    store: Store,
}

impl Catalog {
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

pub fn service_item_message(s: &repo::ServiceItem) -> ServiceItem {
    ServiceItem {
        id: s.id.clone(),
        name: s.name.clone(),
        description: s.description.clone(),
        price: s.price,
        currency: s.currency.clone(),
        duration_minutes: u32::try_from(s.duration_minutes).unwrap_or(0),
        online_bookable: s.online_bookable,
        active: s.active,
        created_at: Some(timestamp(s.created_at)),
        updated_at: Some(timestamp(s.updated_at)),
    }
}

/// The checked values of the fields a request sets.
struct Fields {
    currency: Option<String>,
    duration_minutes: i32,
}

/// Field rules shared by create and update; `present` says which fields the request sets.
/// `currency` is `None` when absent (create: the default applies).
fn check_fields(
    v: &mut Violations,
    present: &dyn Fn(&str) -> bool,
    req: &CreateServiceItemRequest,
    blank_currency_allowed: bool,
) -> Fields {
    let mut check = Check(v);
    if present("name") {
        check.required("name", &req.name);
        check.text("name", &req.name, 200);
    }
    if present("description") {
        check.text("description", &req.description, 5_000);
    }
    if present("price") && !(0..=MAX_PRICE).contains(&req.price) {
        check
            .0
            .add("price", format!("must be between 0 and {MAX_PRICE}"));
    }
    let mut currency = None;
    if present("currency") {
        if req.currency.trim().is_empty() && !blank_currency_allowed {
            check.0.add("currency", "is required");
        } else {
            match currency::normalize(&req.currency) {
                Ok(code) => currency = Some(code),
                Err(message) => check.0.add("currency", message),
            }
        }
    }
    let mut duration_minutes = 0;
    if present("duration_minutes") {
        match i32::try_from(req.duration_minutes) {
            Ok(d) if (1..=MAX_DURATION_MINUTES).contains(&req.duration_minutes) => {
                duration_minutes = d;
            }
            _ => check.0.add(
                "duration_minutes",
                format!("must be between 1 and {MAX_DURATION_MINUTES}"),
            ),
        }
    }
    Fields {
        currency,
        duration_minutes,
    }
}

impl Catalog {
    async fn create(&self, r: Request<CreateServiceItemRequest>) -> ServiceResult<ServiceItem> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let mut v = Violations::default();
        let fields = check_fields(&mut v, &|_| true, &req, true);
        v.into_result()?;
        let now = Utc::now();
        let row = repo::ServiceItem {
            id: new_id(ID_PREFIX),
            organization_id: String::new(),
            name: req.name.trim().to_owned(),
            description: req.description.trim().to_owned(),
            price: req.price,
            currency: fields
                .currency
                .unwrap_or_else(|| currency::DEFAULT.to_owned()),
            duration_minutes: fields.duration_minutes,
            online_bookable: req.online_bookable,
            active: req.active.unwrap_or(true),
            created_at: now,
            updated_at: now,
        };
        let mut w = self.store.write(ctx.write_context()?).await?;
        let created = repo::insert(&w, row).await?;
        let message = service_item_message(&created);
        record(
            &mut w,
            "service.create",
            RESOURCE,
            &created.id,
            None,
            Some(&message),
            Some("service.created"),
        )
        .await?;
        w.commit().await?;
        Ok(message)
    }

    async fn update(&self, r: Request<UpdateServiceItemRequest>) -> ServiceResult<ServiceItem> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let paths: Vec<String> = req.update_mask.map(|m| m.paths).unwrap_or_default();
        let mut v = Violations::default();
        for p in &paths {
            if !UPDATABLE.contains(&p.as_str()) {
                v.add(
                    "update_mask",
                    format!("{p} is not a field that can be changed"),
                );
            }
        }
        let values = CreateServiceItemRequest {
            name: req.name,
            description: req.description,
            price: req.price,
            currency: req.currency,
            duration_minutes: req.duration_minutes,
            online_bookable: req.online_bookable,
            active: Some(req.active),
        };
        let present = |f: &str| paths.iter().any(|p| p == f);
        let fields = check_fields(&mut v, &present, &values, false);
        v.into_result()?;
        if paths.is_empty() {
            // Nothing to change: answer with the current object, as a no-op PATCH should.
            let current = repo::get(&self.store, ctx.org()?, &req.id).await?;
            return current
                .map(|s| service_item_message(&s))
                .ok_or_else(|| ServiceError::not_found(RESOURCE, &req.id));
        }
        let mut w = self.store.write(ctx.write_context()?).await?;
        let before = repo::get_for_update(&w, &req.id)
            .await?
            .ok_or_else(|| ServiceError::not_found(RESOURCE, &req.id))?;
        let mut after = before.clone();
        if present("name") {
            after.name = values.name.trim().to_owned();
        }
        if present("description") {
            after.description = values.description.trim().to_owned();
        }
        if present("price") {
            after.price = values.price;
        }
        if let Some(code) = fields.currency {
            after.currency = code;
        }
        if present("duration_minutes") {
            after.duration_minutes = fields.duration_minutes;
        }
        if present("online_bookable") {
            after.online_bookable = values.online_bookable;
        }
        if present("active") {
            after.active = req.active;
        }
        after.updated_at = Utc::now();
        let after = repo::save(&w, after).await?;
        let message = service_item_message(&after);
        record(
            &mut w,
            "service.update",
            RESOURCE,
            &req.id,
            Some(&service_item_message(&before)),
            Some(&message),
            Some("service.updated"),
        )
        .await?;
        w.commit().await?;
        Ok(message)
    }

    async fn delete(&self, r: Request<DeleteServiceItemRequest>) -> ServiceResult<()> {
        let ctx = context(&r)?;
        let id = r.into_inner().id;
        let mut w = self.store.write(ctx.write_context()?).await?;
        let deleted = repo::delete(&w, &id)
            .await?
            .ok_or_else(|| ServiceError::not_found(RESOURCE, &id))?;
        record(
            &mut w,
            "service.delete",
            RESOURCE,
            &id,
            Some(&service_item_message(&deleted)),
            None,
            Some("service.deleted"),
        )
        .await?;
        w.commit().await?;
        Ok(())
    }
}

#[tonic::async_trait]
impl ServiceCatalogService for Catalog {
    async fn create_service_item(
        &self,
        r: Request<CreateServiceItemRequest>,
    ) -> Result<Response<ServiceItem>, Status> {
        Ok(Response::new(self.create(r).await?))
    }

    async fn get_service_item(
        &self,
        r: Request<GetServiceItemRequest>,
    ) -> Result<Response<ServiceItem>, Status> {
        let ctx = context(&r)?;
        let id = &r.get_ref().id;
        let found = repo::get(&self.store, ctx.org()?, id)
            .await
            .map_err(ServiceError::from)?;
        let item = found.ok_or_else(|| ServiceError::not_found(RESOURCE, id))?;
        Ok(Response::new(service_item_message(&item)))
    }

    async fn list_service_items(
        &self,
        r: Request<ListServiceItemsRequest>,
    ) -> Result<Response<ListServiceItemsResponse>, Status> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let query = page_query(req.limit, &req.cursor, ID_PREFIX)?;
        let filter = ServiceItemFilter {
            active: req.active,
            online_bookable: req.online_bookable,
            updated_since: from_timestamp("updated_since", req.updated_since)?,
        };
        let page = repo::list(&self.store, ctx.org()?, &filter, &query)
            .await
            .map_err(ServiceError::from)?;
        Ok(Response::new(ListServiceItemsResponse {
            next_cursor: next_cursor(&page, |s| &s.id),
            has_more: page.has_more,
            data: page.items.iter().map(service_item_message).collect(),
        }))
    }

    async fn update_service_item(
        &self,
        r: Request<UpdateServiceItemRequest>,
    ) -> Result<Response<ServiceItem>, Status> {
        Ok(Response::new(self.update(r).await?))
    }

    async fn delete_service_item(
        &self,
        r: Request<DeleteServiceItemRequest>,
    ) -> Result<Response<()>, Status> {
        self.delete(r).await?;
        Ok(Response::new(()))
    }
}

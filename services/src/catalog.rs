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

use proto::v1::{
    CreateServiceItemRequest, DeleteServiceItemRequest, GetServiceItemRequest,
    ListServiceItemsRequest, ListServiceItemsResponse, ServiceItem, UpdateServiceItemRequest,
    service_catalog_service_server::ServiceCatalogService,
};
use storage::{
    Store, Write,
    catalog::{self as repo, ID_PREFIX, ServiceItemFilter},
    ids::new_id,
};
use tonic::{Request, Response, Status};

use crate::{
    auth::context,
    convert::{Check, from_timestamp, timestamp},
    currency,
    error::{ServiceResult, Violations},
    resource::{self, Mask, Patch, Resource},
};

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

impl Resource for Catalog {
    type Record = repo::ServiceItem;
    type Message = ServiceItem;
    const NAME: &'static str = "service";
    const UPDATABLE: &'static [&'static str] = UPDATABLE;
    const CREATED: Option<&'static str> = Some("service.created");
    const UPDATED: Option<&'static str> = Some("service.updated");
    const DELETED: Option<&'static str> = Some("service.deleted");

    fn render(record: &repo::ServiceItem) -> ServiceItem {
        service_item_message(record)
    }
}

impl Patch<Catalog> for UpdateServiceItemRequest {
    /// Leaves `currency` normalized (lowercase).
    fn check(&mut self, mask: &Mask, v: &mut Violations) -> ServiceResult<()> {
        let values = CreateServiceItemRequest {
            name: std::mem::take(&mut self.name),
            description: std::mem::take(&mut self.description),
            price: self.price,
            currency: std::mem::take(&mut self.currency),
            duration_minutes: self.duration_minutes,
            online_bookable: self.online_bookable,
            active: Some(self.active),
        };
        let fields = check_fields(v, &|f| mask.has(f), &values, false);
        self.name = values.name;
        self.description = values.description;
        self.currency = fields.currency.unwrap_or(values.currency);
        Ok(())
    }

    async fn apply(self, _w: &Write, mask: &Mask, s: &mut repo::ServiceItem) -> ServiceResult<()> {
        if mask.has("name") {
            s.name = self.name.trim().to_owned();
        }
        if mask.has("description") {
            s.description = self.description.trim().to_owned();
        }
        if mask.has("price") {
            s.price = self.price;
        }
        if mask.has("currency") {
            s.currency = self.currency;
        }
        if mask.has("duration_minutes") {
            // Checked: 1 to MAX_DURATION_MINUTES.
            s.duration_minutes = i32::try_from(self.duration_minutes).unwrap_or(1);
        }
        if mask.has("online_bookable") {
            s.online_bookable = self.online_bookable;
        }
        if mask.has("active") {
            s.active = self.active;
        }
        Ok(())
    }
}

#[tonic::async_trait]
impl ServiceCatalogService for Catalog {
    async fn create_service_item(
        &self,
        r: Request<CreateServiceItemRequest>,
    ) -> Result<Response<ServiceItem>, Status> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let mut v = Violations::default();
        let fields = check_fields(&mut v, &|_| true, &req, true);
        v.into_result()?;
        let now = storage::now();
        let new = repo::ServiceItem {
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
        let created = resource::create::<Self>(&self.store, &ctx, new).await?;
        Ok(Response::new(created))
    }

    async fn get_service_item(
        &self,
        r: Request<GetServiceItemRequest>,
    ) -> Result<Response<ServiceItem>, Status> {
        resource::get::<Self, _>(&self.store, &r, &r.get_ref().id).await
    }

    async fn list_service_items(
        &self,
        r: Request<ListServiceItemsRequest>,
    ) -> Result<Response<ListServiceItemsResponse>, Status> {
        let store = &self.store;
        resource::list::<Self, _, _, _, _>(r, |req, org, query| async move {
            let filter = ServiceItemFilter {
                active: req.active,
                online_bookable: req.online_bookable,
                updated_since: from_timestamp("updated_since", req.updated_since)?,
            };
            Ok(repo::list(store, &org, &filter, &query).await?)
        })
        .await
    }

    async fn update_service_item(
        &self,
        r: Request<UpdateServiceItemRequest>,
    ) -> Result<Response<ServiceItem>, Status> {
        resource::update::<Self, _>(&self.store, r).await
    }

    async fn delete_service_item(
        &self,
        r: Request<DeleteServiceItemRequest>,
    ) -> Result<Response<()>, Status> {
        resource::delete::<Self, _>(&self.store, &r, &r.get_ref().id).await
    }
}

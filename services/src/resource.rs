//! One shape for a resource service (after Svix's `ModelIn` / `ModelOut`).
//!
//! A resource names its storage record and its proto message and says how one renders as
//! the other ([`Resource`]); a PATCH request says which of its fields are checked how and how
//! they change the record ([`Patch`]). The drivers below do the rest the same way for every
//! resource: context, update-mask check, the no-op PATCH, the write under the row lock, the
//! audit record and event, the commit. tonic's one-method-per-RPC traits still want a
//! wrapper per RPC; each is one call of a driver.

use std::future::Future;

use prost_types::FieldMask;
use storage::{OrgId, Page, PageQuery, Record, Store, Write};
use tonic::{Request, Response, Status};

use crate::{
    auth::{RequestContext, context},
    convert::{next_cursor, page_query},
    error::{ServiceError, ServiceResult, Violations},
    record::{self, record},
};

/// A resource of the public API: its record, its message, and what its changes record.
pub trait Resource: Send + Sync + 'static {
    type Record: Record;
    type Message: prost::Message + prost::Name + Default;
    /// The resource type of its audit records and not-found errors (`customer`). Its audit
    /// actions are `{NAME}.create`, `{NAME}.update` and `{NAME}.delete`.
    const NAME: &'static str;
    /// The paths a PATCH may name.
    const UPDATABLE: &'static [&'static str];
    /// Fields that never change by PATCH, with the violation that says how they do change.
    const CHANGED_ELSEWHERE: &'static [(&'static str, &'static str)] = &[];
    /// The events of a create, an update and a delete (section 8 of the contract does not name
    /// one for every change).
    const CREATED: Option<&'static str>;
    const UPDATED: Option<&'static str>;
    const DELETED: Option<&'static str>;

    /// The record as the API shows it (responses, audit before/after, event data).
    fn render(record: &Self::Record) -> Self::Message;

    /// The event of an update from `before` to `after`.
    fn updated_event(_before: &Self::Record, _after: &Self::Record) -> Option<&'static str> {
        Self::UPDATED
    }

    /// What goes with a deleted record (rows that exist only for it), in the same write.
    fn deleted(
        _w: &Write,
        _record: &Self::Record,
    ) -> impl Future<Output = ServiceResult<()>> + Send {
        async { Ok(()) }
    }

    /// Refuses the deletion of a (locked) record that must stay, typically with a 409.
    fn deletable(
        _w: &Write,
        _record: &Self::Record,
    ) -> impl Future<Output = ServiceResult<()>> + Send {
        async { Ok(()) }
    }
}

/// An Update request: the record it changes and its update mask.
pub trait UpdateRequest: Send {
    /// The id of the record to change and the update mask, taken out of the request.
    fn target(&mut self) -> (String, Option<FieldMask>);
}

/// A PATCH request of resource `R`: the fields its mask names, checked and applied.
pub trait Patch<R: Resource>: UpdateRequest + Sized {
    /// The rules of the fields the mask names that need no database: violations go to `v`,
    /// a malformed value is an error at once. May normalize the fields it checks.
    fn check(&mut self, mask: &Mask, v: &mut Violations) -> ServiceResult<()>;

    /// Applies the fields the mask names to the locked record, inside the write: the rules
    /// that depend on the record's state or on other rows go here.
    fn apply(
        self,
        w: &Write,
        mask: &Mask,
        record: &mut R::Record,
    ) -> impl Future<Output = ServiceResult<()>> + Send;
}

/// The checked paths of an update mask.
#[derive(Clone, Debug, Default)]
pub struct Mask(Vec<String>);

impl Mask {
    /// Each path must be one of `updatable`; one of `elsewhere` gets that field's own message.
    pub fn check(
        mask: Option<FieldMask>,
        updatable: &[&str],
        elsewhere: &[(&str, &str)],
        v: &mut Violations,
    ) -> Self {
        let paths: Vec<String> = mask.map(|m| m.paths).unwrap_or_default();
        for p in &paths {
            if let Some((field, message)) = elsewhere.iter().find(|(f, _)| f == p) {
                v.add(*field, *message);
            } else if !updatable.contains(&p.as_str()) {
                v.add(
                    "update_mask",
                    format!("{p} is not a field that can be changed"),
                );
            }
        }
        Self(paths)
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|p| p == field)
    }

    pub fn paths(&self) -> &[String] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn not_found<R: Resource>(id: &str) -> ServiceError {
    ServiceError::not_found(R::NAME, id)
}

/// The record `id` of the caller's organization, rendered.
pub async fn find<R: Resource>(
    store: &Store,
    ctx: &RequestContext,
    id: &str,
) -> ServiceResult<R::Message> {
    R::Record::get(store, ctx.org()?, id)
        .await?
        .map(|r| R::render(&r))
        .ok_or_else(|| not_found::<R>(id))
}

/// A Get RPC.
pub async fn get<R: Resource, T>(
    store: &Store,
    r: &Request<T>,
    id: &str,
) -> Result<Response<R::Message>, Status> {
    let ctx = context(r)?;
    Ok(Response::new(find::<R>(store, &ctx, id).await?))
}

/// Writes a new (checked) record, records its creation and commits.
pub async fn create<R: Resource>(
    store: &Store,
    ctx: &RequestContext,
    new: R::Record,
) -> ServiceResult<R::Message> {
    // Rendered from the record as it will be stored (its times are `storage::now()`), so
    // that the answer and the event need no read back: on PostgreSQL the whole create is
    // one statement (`Store::create`).
    let message = R::render(&new);
    let action = format!("{}.create", R::NAME);
    let id = new.id().to_owned();
    let change = record::change(&action, R::NAME, &id, None, Some(&message), R::CREATED);
    store.create(ctx.write_context()?, new, change).await?;
    Ok(message)
}

/// Inserts a new record in an open write (whose checks of other rows it keeps true),
/// records its creation and commits.
pub async fn insert<R: Resource>(mut w: Write, new: R::Record) -> ServiceResult<R::Message> {
    let created = R::Record::insert(&w, new).await?;
    let message = R::render(&created);
    let action = format!("{}.create", R::NAME);
    let id = created.id();
    record(
        &mut w,
        &action,
        R::NAME,
        id,
        None,
        Some(&message),
        R::CREATED,
    )
    .await?;
    w.commit().await?;
    Ok(message)
}

/// An Update RPC: mask and field checks, the no-op PATCH, then the change under the row lock.
pub async fn update<R: Resource, P: Patch<R>>(
    store: &Store,
    r: Request<P>,
) -> Result<Response<R::Message>, Status> {
    Ok(Response::new(patch::<R, P>(store, r).await?))
}

async fn patch<R: Resource, P: Patch<R>>(
    store: &Store,
    r: Request<P>,
) -> ServiceResult<R::Message> {
    let ctx = context(&r)?;
    let mut req = r.into_inner();
    let (id, mask) = req.target();
    let mut v = Violations::default();
    let mask = Mask::check(mask, R::UPDATABLE, R::CHANGED_ELSEWHERE, &mut v);
    req.check(&mask, &mut v)?;
    v.into_result()?;
    if mask.is_empty() {
        // Nothing to change: answer with the current object, as a no-op PATCH should.
        return find::<R>(store, &ctx, &id).await;
    }
    let mut w = store.write(ctx.write_context()?).await?;
    let before = R::Record::get_for_update(&w, &id)
        .await?
        .ok_or_else(|| not_found::<R>(&id))?;
    let mut after = before.clone();
    req.apply(&w, &mask, &mut after).await?;
    let after = R::Record::save(&w, after).await?;
    let message = R::render(&after);
    let action = format!("{}.update", R::NAME);
    let event = R::updated_event(&before, &after);
    let before = R::render(&before);
    record(
        &mut w,
        &action,
        R::NAME,
        &id,
        Some(&before),
        Some(&message),
        event,
    )
    .await?;
    w.commit().await?;
    Ok(message)
}

/// A Delete RPC: under the row lock, if [`Resource::deletable`] allows it.
pub async fn delete<R: Resource, T>(
    store: &Store,
    r: &Request<T>,
    id: &str,
) -> Result<Response<()>, Status> {
    let ctx = context(r)?;
    remove::<R>(store, &ctx, id).await?;
    Ok(Response::new(()))
}

async fn remove<R: Resource>(store: &Store, ctx: &RequestContext, id: &str) -> ServiceResult<()> {
    let mut w = store.write(ctx.write_context()?).await?;
    let existing = R::Record::get_for_update(&w, id)
        .await?
        .ok_or_else(|| not_found::<R>(id))?;
    R::deletable(&w, &existing).await?;
    R::Record::delete(&w, id).await?;
    R::deleted(&w, &existing).await?;
    let action = format!("{}.delete", R::NAME);
    let before = R::render(&existing);
    record(
        &mut w,
        &action,
        R::NAME,
        id,
        Some(&before),
        None,
        R::DELETED,
    )
    .await?;
    w.commit().await?;
    Ok(())
}

/// A List request: its page parameters.
pub trait ListRequest: Send {
    fn limit(&self) -> Option<u32>;
    fn cursor(&self) -> &str;
}

/// A List response: `data`, `has_more`, `next_cursor`.
pub trait Listing: Send {
    type Item;
    fn new(data: Vec<Self::Item>, has_more: bool, next_cursor: Option<String>) -> Self;
}

/// A List RPC: context, page parameters (400 when malformed), then `fetch` (which reads the
/// request's filters, in that order) and the rendered page.
pub async fn list<R, Q, L, F, Fut>(r: Request<Q>, fetch: F) -> Result<Response<L>, Status>
where
    R: Resource,
    Q: ListRequest,
    L: Listing<Item = R::Message>,
    F: FnOnce(Q, OrgId, PageQuery) -> Fut,
    Fut: Future<Output = ServiceResult<Page<R::Record>>>,
{
    let ctx = context(&r)?;
    let req = r.into_inner();
    let query = page_query(req.limit(), req.cursor(), R::Record::id_prefix())?;
    let page = fetch(req, ctx.org()?.clone(), query).await?;
    Ok(Response::new(listed::<R, L>(&page)))
}

/// The response of one page of records.
pub fn listed<R: Resource, L: Listing<Item = R::Message>>(page: &Page<R::Record>) -> L {
    L::new(
        page.items.iter().map(R::render).collect(),
        page.has_more,
        next_cursor(page, |r| r.id()),
    )
}

/// [`ListRequest`] and [`Listing`] for pairs of proto list messages.
macro_rules! lists {
    ($($request:ident => $response:ident of $item:ident),* $(,)?) => {$(
        impl ListRequest for proto::v1::$request {
            fn limit(&self) -> Option<u32> {
                self.limit
            }
            fn cursor(&self) -> &str {
                &self.cursor
            }
        }
        impl Listing for proto::v1::$response {
            type Item = proto::v1::$item;
            fn new(data: Vec<Self::Item>, has_more: bool, next_cursor: Option<String>) -> Self {
                Self { data, has_more, next_cursor }
            }
        }
    )*};
}

lists!(
    ListCustomersRequest => ListCustomersResponse of Customer,
    ListTeamMembersRequest => ListTeamMembersResponse of TeamMember,
    ListServiceItemsRequest => ListServiceItemsResponse of ServiceItem,
    ListAppointmentsRequest => ListAppointmentsResponse of Appointment,
    ListEstimatesRequest => ListEstimatesResponse of Estimate,
    ListPaymentsRequest => ListPaymentsResponse of Payment,
    ListFilesRequest => ListFilesResponse of File,
    ListWebhookEndpointsRequest => ListWebhookEndpointsResponse of WebhookEndpoint,
);

/// [`UpdateRequest`] for the proto's Update messages (`id`, `update_mask`).
macro_rules! updates {
    ($($request:ident),* $(,)?) => {$(
        impl UpdateRequest for proto::v1::$request {
            fn target(&mut self) -> (String, Option<FieldMask>) {
                (std::mem::take(&mut self.id), self.update_mask.take())
            }
        }
    )*};
}

updates!(
    UpdateCustomerRequest,
    UpdateTeamMemberRequest,
    UpdateServiceItemRequest,
    UpdateAppointmentRequest,
    UpdateEstimateRequest,
    UpdateInvoiceRequest,
    UpdateWebhookEndpointRequest,
);

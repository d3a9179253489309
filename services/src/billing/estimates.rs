//! Estimates: `asteri.v1.EstimatesService`. Priced proposals to a customer; `/convert`
//! turns an approved one into a draft invoice in the same transaction.

use chrono::Utc;
use proto::v1::{
    ApproveEstimateRequest, ConvertEstimateRequest, CreateEstimateRequest, DeclineEstimateRequest,
    DeleteEstimateRequest, Estimate, GetEstimateRequest, ListEstimatesRequest,
    ListEstimatesResponse, SendEstimateRequest, UpdateEstimateRequest,
    estimates_service_server::EstimatesService,
};
use storage::{
    LineItemList, Store, Write,
    estimates::{self as repo, EstimateFilter, ID_PREFIX},
    ids::new_id,
    invoices,
};
use tonic::{Request, Response, Status};

use super::{
    invoices::{draft_invoice, invoice_message, today},
    lines::{self, bps, line_messages},
    states::{EstimateAction, EstimateStatus, Estimates as Lifecycle, Lifecycle as _, Status as _},
};
use crate::{
    auth::{RequestContext, context},
    convert::{from_timestamp, timestamp},
    error::{ServiceError, ServiceResult, Violations},
    record::record,
    resource::{self, Mask, Patch, Resource},
};

const RESOURCE: &str = "estimate";
const UPDATABLE: &[&str] = &["line_items", "currency", "tax_rate_bps", "notes"];

#[derive(Clone)]
pub struct Estimates {
    store: Store,
}

impl Estimates {
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

pub fn estimate_message(e: &repo::Estimate) -> Estimate {
    Estimate {
        id: e.id.clone(),
        customer_id: e.customer_id.clone(),
        line_items: line_messages(&e.line_items),
        currency: e.currency.clone(),
        subtotal: e.subtotal,
        tax_rate_bps: bps(e.tax_rate_bps),
        tax: e.tax,
        total: e.total,
        status: EstimateStatus::parse(&e.status).map_or(0, |s| s.to_proto() as i32),
        invoice_id: e.invoice_id.clone(),
        notes: e.notes.clone(),
        created_at: Some(timestamp(e.created_at)),
        updated_at: Some(timestamp(e.updated_at)),
    }
}

fn status_of(e: &repo::Estimate) -> ServiceResult<EstimateStatus> {
    EstimateStatus::parse(&e.status).ok_or_else(|| {
        storage::StorageError::Invalid(format!("estimate {} has status '{}'", e.id, e.status))
            .into()
    })
}

impl Resource for Estimates {
    type Record = repo::Estimate;
    type Message = Estimate;
    const NAME: &'static str = "estimate";
    const UPDATABLE: &'static [&'static str] = UPDATABLE;
    const CREATED: Option<&'static str> = Some("estimate.created");
    const UPDATED: Option<&'static str> = None;
    const DELETED: Option<&'static str> = None;

    fn render(record: &repo::Estimate) -> Estimate {
        estimate_message(record)
    }

    async fn deletable(_w: &Write, existing: &repo::Estimate) -> ServiceResult<()> {
        Lifecycle::require_draft(status_of(existing)?, EstimateStatus::Draft, "delete")
    }
}

impl Patch<Estimates> for UpdateEstimateRequest {
    /// Leaves `currency` normalized.
    fn check(&mut self, mask: &Mask, v: &mut Violations) -> ServiceResult<()> {
        if mask.has("currency") {
            self.currency = lines::currency(v, "currency", &self.currency);
        }
        if mask.has("notes") {
            lines::check_notes(v, &self.notes);
        }
        Ok(())
    }

    async fn apply(self, w: &Write, mask: &Mask, e: &mut repo::Estimate) -> ServiceResult<()> {
        Lifecycle::require_draft(status_of(e)?, EstimateStatus::Draft, "update")?;
        let (items, rate) = (&self.line_items, self.tax_rate_bps);
        let priced = lines::reprice(w, mask, items, rate, &e.line_items, e.tax_rate_bps).await?;
        e.line_items = priced.line_items;
        e.tax_rate_bps = priced.tax_rate_bps;
        e.subtotal = priced.subtotal;
        e.tax = priced.tax;
        e.total = priced.total;
        if mask.has("currency") {
            e.currency = self.currency;
        }
        if mask.has("notes") {
            e.notes = self.notes;
        }
        Ok(())
    }
}

impl Estimates {
    async fn create(&self, r: Request<CreateEstimateRequest>) -> ServiceResult<Estimate> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let mut v = Violations::default();
        let currency = lines::currency(&mut v, "currency", &req.currency);
        lines::check_notes(&mut v, &req.notes);
        let w = self.store.write(ctx.write_context()?).await?;
        lines::check_customer(&w, &mut v, &req.customer_id).await?;
        let priced = lines::price(
            &w,
            Some(&req.line_items),
            &LineItemList::default(),
            req.tax_rate_bps,
            &mut v,
        )
        .await?;
        let Some(priced) = priced.filter(|_| v.is_empty()) else {
            return Err(ServiceError::Validation(v));
        };
        let now = Utc::now();
        let new = repo::Estimate {
            id: new_id(ID_PREFIX),
            organization_id: w.org().as_str().to_owned(),
            customer_id: req.customer_id.trim().to_owned(),
            line_items: priced.line_items,
            currency,
            subtotal: priced.subtotal,
            tax_rate_bps: priced.tax_rate_bps,
            tax: priced.tax,
            total: priced.total,
            status: EstimateStatus::Draft.as_str().to_owned(),
            invoice_id: None,
            notes: req.notes,
            created_at: now,
            updated_at: now,
        };
        resource::insert::<Self>(w, new).await
    }

    /// send, approve and decline: a status move, its audit record and its event.
    async fn act(
        &self,
        ctx: &RequestContext,
        id: &str,
        action: EstimateAction,
    ) -> ServiceResult<Estimate> {
        let (verb, event) = match action {
            EstimateAction::Send => ("estimate.send", "estimate.sent"),
            EstimateAction::Approve => ("estimate.approve", "estimate.approved"),
            EstimateAction::Decline => ("estimate.decline", "estimate.declined"),
            EstimateAction::Convert => return self.convert(ctx, id).await,
        };
        let mut w = self.store.write(ctx.write_context()?).await?;
        let before = repo::get_for_update(&w, id)
            .await?
            .ok_or_else(|| ServiceError::not_found(RESOURCE, id))?;
        let to = Lifecycle::apply(status_of(&before)?, action)?;
        let mut after = before.clone();
        after.status = to.as_str().to_owned();
        let after = repo::save(&w, after).await?;
        let message = estimate_message(&after);
        record(
            &mut w,
            verb,
            RESOURCE,
            id,
            Some(&estimate_message(&before)),
            Some(&message),
            Some(event),
        )
        .await?;
        w.commit().await?;
        Ok(message)
    }

    /// approved -> converted, and a draft invoice with the estimate's lines, currency and tax
    /// rate, all in one transaction. The estimate is changed (and recorded) first, so that a
    /// failure while the invoice is written exercises the rollback of both.
    async fn convert(&self, ctx: &RequestContext, id: &str) -> ServiceResult<Estimate> {
        let mut w = self.store.write(ctx.write_context()?).await?;
        let before = repo::get_for_update(&w, id)
            .await?
            .ok_or_else(|| ServiceError::not_found(RESOURCE, id))?;
        let to = Lifecycle::apply(status_of(&before)?, EstimateAction::Convert)?;
        let invoice = draft_invoice(
            &before.customer_id,
            Some(before.id.clone()),
            lines::Priced {
                line_items: before.line_items.clone(),
                tax_rate_bps: before.tax_rate_bps,
                subtotal: before.subtotal,
                tax: before.tax,
                total: before.total,
            },
            before.currency.clone(),
            None,
        );
        let mut after = before.clone();
        after.status = to.as_str().to_owned();
        after.invoice_id = Some(invoice.id.clone());
        let after = repo::save_at(&w, after, invoice.created_at).await?;
        let message = estimate_message(&after);
        record(
            &mut w,
            "estimate.convert",
            RESOURCE,
            id,
            Some(&estimate_message(&before)),
            Some(&message),
            Some("estimate.converted"),
        )
        .await?;
        let created = invoices::insert(&w, invoice).await?;
        let invoice_message = invoice_message(&created, &today());
        record(
            &mut w,
            "invoice.create",
            "invoice",
            &created.id,
            None,
            Some(&invoice_message),
            Some("invoice.created"),
        )
        .await?;
        w.commit().await?;
        Ok(message)
    }
}

#[tonic::async_trait]
impl EstimatesService for Estimates {
    async fn create_estimate(
        &self,
        r: Request<CreateEstimateRequest>,
    ) -> Result<Response<Estimate>, Status> {
        Ok(Response::new(self.create(r).await?))
    }

    async fn get_estimate(
        &self,
        r: Request<GetEstimateRequest>,
    ) -> Result<Response<Estimate>, Status> {
        resource::get::<Self, _>(&self.store, &r, &r.get_ref().id).await
    }

    async fn list_estimates(
        &self,
        r: Request<ListEstimatesRequest>,
    ) -> Result<Response<ListEstimatesResponse>, Status> {
        let store = &self.store;
        resource::list::<Self, _, _, _, _>(r, |req, org, query| async move {
            let status = EstimateStatus::filter(req.status)?.map(|s| s.as_str().to_owned());
            let filter = EstimateFilter {
                customer_id: req.customer_id,
                status,
                updated_since: from_timestamp("updated_since", req.updated_since)?,
            };
            Ok(repo::list(store, &org, &filter, &query).await?)
        })
        .await
    }

    async fn update_estimate(
        &self,
        r: Request<UpdateEstimateRequest>,
    ) -> Result<Response<Estimate>, Status> {
        resource::update::<Self, _>(&self.store, r).await
    }

    async fn delete_estimate(
        &self,
        r: Request<DeleteEstimateRequest>,
    ) -> Result<Response<()>, Status> {
        resource::delete::<Self, _>(&self.store, &r, &r.get_ref().id).await
    }

    async fn send_estimate(
        &self,
        r: Request<SendEstimateRequest>,
    ) -> Result<Response<Estimate>, Status> {
        let ctx = context(&r)?;
        let id = &r.get_ref().id;
        Ok(Response::new(
            self.act(&ctx, id, EstimateAction::Send).await?,
        ))
    }

    async fn approve_estimate(
        &self,
        r: Request<ApproveEstimateRequest>,
    ) -> Result<Response<Estimate>, Status> {
        let ctx = context(&r)?;
        let id = &r.get_ref().id;
        Ok(Response::new(
            self.act(&ctx, id, EstimateAction::Approve).await?,
        ))
    }

    async fn decline_estimate(
        &self,
        r: Request<DeclineEstimateRequest>,
    ) -> Result<Response<Estimate>, Status> {
        let ctx = context(&r)?;
        let id = &r.get_ref().id;
        Ok(Response::new(
            self.act(&ctx, id, EstimateAction::Decline).await?,
        ))
    }

    async fn convert_estimate(
        &self,
        r: Request<ConvertEstimateRequest>,
    ) -> Result<Response<Estimate>, Status> {
        let ctx = context(&r)?;
        let id = &r.get_ref().id;
        Ok(Response::new(
            self.act(&ctx, id, EstimateAction::Convert).await?,
        ))
    }
}

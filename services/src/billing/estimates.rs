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
    LineItemList, Store,
    estimates::{self as repo, EstimateFilter, ID_PREFIX},
    ids::new_id,
    invoices,
};
use tonic::{Request, Response, Status};

use super::{
    invoices::{draft_invoice, invoice_message, today},
    lines::{self, bps, line_messages, mask_paths},
    states::{EstimateAction, EstimateStatus, Estimates as Lifecycle, Lifecycle as _, Status as _},
};
use crate::{
    auth::{RequestContext, context},
    convert::{from_timestamp, next_cursor, page_query, timestamp},
    error::{ServiceError, ServiceResult, Violations},
    record::record,
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

impl Estimates {
    async fn create(&self, r: Request<CreateEstimateRequest>) -> ServiceResult<Estimate> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let mut v = Violations::default();
        let currency = lines::currency(&mut v, "currency", &req.currency);
        lines::check_notes(&mut v, &req.notes);
        let mut w = self.store.write(ctx.write_context()?).await?;
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
        let created = repo::insert(
            &w,
            repo::Estimate {
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
            },
        )
        .await?;
        let message = estimate_message(&created);
        record(
            &mut w,
            "estimate.create",
            RESOURCE,
            &created.id,
            None,
            Some(&message),
            Some("estimate.created"),
        )
        .await?;
        w.commit().await?;
        Ok(message)
    }

    async fn get(&self, ctx: &RequestContext, id: &str) -> ServiceResult<Estimate> {
        repo::get(&self.store, ctx.org()?, id)
            .await?
            .map(|e| estimate_message(&e))
            .ok_or_else(|| ServiceError::not_found(RESOURCE, id))
    }

    async fn list(&self, r: Request<ListEstimatesRequest>) -> ServiceResult<ListEstimatesResponse> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let query = page_query(req.limit, &req.cursor, ID_PREFIX)?;
        let status = EstimateStatus::filter(req.status)?.map(|s| s.as_str().to_owned());
        let filter = EstimateFilter {
            customer_id: req.customer_id,
            status,
            updated_since: from_timestamp("updated_since", req.updated_since)?,
        };
        let page = repo::list(&self.store, ctx.org()?, &filter, &query).await?;
        Ok(ListEstimatesResponse {
            next_cursor: next_cursor(&page, |e| &e.id),
            has_more: page.has_more,
            data: page.items.iter().map(estimate_message).collect(),
        })
    }

    async fn update(&self, r: Request<UpdateEstimateRequest>) -> ServiceResult<Estimate> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let mut v = Violations::default();
        let paths = mask_paths(req.update_mask, UPDATABLE, &mut v);
        let present = |f: &str| paths.iter().any(|p| p == f);
        let currency =
            present("currency").then(|| lines::currency(&mut v, "currency", &req.currency));
        if present("notes") {
            lines::check_notes(&mut v, &req.notes);
        }
        v.into_result()?;
        if paths.is_empty() {
            return self.get(&ctx, &req.id).await;
        }
        let mut v = Violations::default();
        let mut w = self.store.write(ctx.write_context()?).await?;
        let before = repo::get_for_update(&w, &req.id)
            .await?
            .ok_or_else(|| ServiceError::not_found(RESOURCE, &req.id))?;
        Lifecycle::require_draft(status_of(&before)?, EstimateStatus::Draft, "update")?;
        let tax_rate_bps = if present("tax_rate_bps") {
            req.tax_rate_bps
        } else {
            bps(before.tax_rate_bps)
        };
        let inputs = present("line_items").then_some(req.line_items.as_slice());
        let priced = lines::price(&w, inputs, &before.line_items, tax_rate_bps, &mut v).await?;
        let Some(priced) = priced.filter(|_| v.is_empty()) else {
            return Err(ServiceError::Validation(v));
        };
        let mut after = before.clone();
        after.line_items = priced.line_items;
        after.tax_rate_bps = priced.tax_rate_bps;
        after.subtotal = priced.subtotal;
        after.tax = priced.tax;
        after.total = priced.total;
        if let Some(currency) = currency {
            after.currency = currency;
        }
        if present("notes") {
            after.notes = req.notes;
        }
        after.updated_at = Utc::now();
        let after = repo::save(&w, after).await?;
        let message = estimate_message(&after);
        record(
            &mut w,
            "estimate.update",
            RESOURCE,
            &after.id,
            Some(&estimate_message(&before)),
            Some(&message),
            None,
        )
        .await?;
        w.commit().await?;
        Ok(message)
    }

    async fn delete(&self, ctx: &RequestContext, id: &str) -> ServiceResult<()> {
        let mut w = self.store.write(ctx.write_context()?).await?;
        let existing = repo::get_for_update(&w, id)
            .await?
            .ok_or_else(|| ServiceError::not_found(RESOURCE, id))?;
        Lifecycle::require_draft(status_of(&existing)?, EstimateStatus::Draft, "delete")?;
        repo::delete(&w, id).await?;
        record(
            &mut w,
            "estimate.delete",
            RESOURCE,
            id,
            Some(&estimate_message(&existing)),
            None,
            None,
        )
        .await?;
        w.commit().await?;
        Ok(())
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
        after.updated_at = Utc::now();
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
        after.updated_at = invoice.created_at;
        let after = repo::save(&w, after).await?;
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
        let ctx = context(&r)?;
        Ok(Response::new(self.get(&ctx, &r.get_ref().id).await?))
    }

    async fn list_estimates(
        &self,
        r: Request<ListEstimatesRequest>,
    ) -> Result<Response<ListEstimatesResponse>, Status> {
        Ok(Response::new(self.list(r).await?))
    }

    async fn update_estimate(
        &self,
        r: Request<UpdateEstimateRequest>,
    ) -> Result<Response<Estimate>, Status> {
        Ok(Response::new(self.update(r).await?))
    }

    async fn delete_estimate(
        &self,
        r: Request<DeleteEstimateRequest>,
    ) -> Result<Response<()>, Status> {
        let ctx = context(&r)?;
        self.delete(&ctx, &r.get_ref().id).await?;
        Ok(Response::new(()))
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

//! Invoices: `asteri.v1.InvoicesService`. What a customer owes; payments move the amount
//! paid and the status (see `payments.rs`), everything else moves here.

use chrono::{Days, NaiveDate, Utc};
use proto::v1::{
    CreateInvoiceRequest, DeleteInvoiceRequest, FinalizeInvoiceRequest, GetInvoiceRequest, Invoice,
    ListInvoicesRequest, ListInvoicesResponse, UpdateInvoiceRequest, VoidInvoiceRequest,
    invoices_service_server::InvoicesService,
};
use storage::{
    LineItemList, Store, Write,
    ids::new_id,
    invoices::{self as repo, DueState, ID_PREFIX, InvoiceFilter},
};
use tonic::{Request, Response, Status};

use super::{
    lines::{self, Priced, bps, line_messages},
    states::{
        ExportStatus, InvoiceAction, InvoiceStatus, Invoices as Lifecycle, Lifecycle as _,
        Status as _,
    },
};
use crate::{
    auth::{RequestContext, context},
    convert::{from_timestamp, next_cursor, page_query, timestamp, timestamp_opt},
    error::{ServiceError, ServiceResult, Violations},
    record::record,
    resource::{self, Mask, Patch, Resource},
};

pub const RESOURCE: &str = "invoice";
/// The due date `/finalize` gives an invoice that has none: this many days after today.
pub const DEFAULT_DUE_DAYS: u64 = 30;
const UPDATABLE: &[&str] = &[
    "line_items",
    "currency",
    "tax_rate_bps",
    "due_date",
    "accounting_export_status",
];
/// What the accounting integration may change after the draft stage.
const ALWAYS_UPDATABLE: &[&str] = &["accounting_export_status"];

#[derive(Clone)]
pub struct Invoices {
    store: Store,
}

impl Invoices {
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

/// Today's date in UTC, `YYYY-MM-DD`: the reference of `overdue`.
pub fn today() -> String {
    Utc::now().date_naive().format("%Y-%m-%d").to_string()
}

/// A calendar date exactly as `YYYY-MM-DD` (a real date, four-digit year).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let date = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    (date.format("%Y-%m-%d").to_string() == s).then_some(date)
}

fn check_date(v: &mut Violations, field: &str, s: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if parse_date(s).is_none() {
        v.add(field, "must be a calendar date, YYYY-MM-DD");
        return None;
    }
    Some(s.to_owned())
}

/// The status the API shows (overdue derived from an open invoice's due date).
pub fn invoice_status(inv: &repo::Invoice, today: &str) -> ServiceResult<InvoiceStatus> {
    InvoiceStatus::effective(&inv.status, inv.due_date.as_deref(), today).ok_or_else(|| {
        storage::StorageError::Invalid(format!("invoice {} has status '{}'", inv.id, inv.status))
            .into()
    })
}

pub fn invoice_message(inv: &repo::Invoice, today: &str) -> Invoice {
    let status = InvoiceStatus::effective(&inv.status, inv.due_date.as_deref(), today);
    Invoice {
        id: inv.id.clone(),
        customer_id: inv.customer_id.clone(),
        estimate_id: inv.estimate_id.clone(),
        line_items: line_messages(&inv.line_items),
        currency: inv.currency.clone(),
        subtotal: inv.subtotal,
        tax_rate_bps: bps(inv.tax_rate_bps),
        tax: inv.tax,
        total: inv.total,
        amount_paid: inv.amount_paid,
        amount_due: inv.amount_due,
        due_date: inv.due_date.clone().unwrap_or_default(),
        status: status.map_or(0, |s| s.to_proto() as i32),
        accounting_export_status: ExportStatus::parse(&inv.accounting_export_status)
            .map_or(0, |s| s.to_proto() as i32),
        finalized_at: timestamp_opt(inv.finalized_at),
        paid_at: timestamp_opt(inv.paid_at),
        voided_at: timestamp_opt(inv.voided_at),
        created_at: Some(timestamp(inv.created_at)),
        updated_at: Some(timestamp(inv.updated_at)),
    }
}

/// A new draft invoice (not yet written): nothing paid, everything due.
pub fn draft_invoice(
    customer_id: &str,
    estimate_id: Option<String>,
    priced: Priced,
    currency: String,
    due_date: Option<String>,
) -> repo::Invoice {
    let now = Utc::now();
    repo::Invoice {
        id: new_id(ID_PREFIX),
        organization_id: String::new(),
        customer_id: customer_id.trim().to_owned(),
        estimate_id,
        line_items: priced.line_items,
        currency,
        subtotal: priced.subtotal,
        tax_rate_bps: priced.tax_rate_bps,
        tax: priced.tax,
        total: priced.total,
        amount_paid: 0,
        amount_due: priced.total,
        due_date,
        status: InvoiceStatus::Draft.stored().to_owned(),
        accounting_export_status: ExportStatus::NotExported.as_str().to_owned(),
        finalized_at: None,
        paid_at: None,
        voided_at: None,
        created_at: now,
        updated_at: now,
    }
}

fn malformed_date(field: &str, value: Option<String>) -> ServiceResult<Option<String>> {
    match value {
        None => Ok(None),
        Some(s) if parse_date(&s).is_some() => Ok(Some(s)),
        Some(_) => Err(ServiceError::malformed(
            field,
            "must be a calendar date, YYYY-MM-DD",
        )),
    }
}

impl Resource for Invoices {
    type Record = repo::Invoice;
    type Message = Invoice;
    const NAME: &'static str = RESOURCE;
    const UPDATABLE: &'static [&'static str] = UPDATABLE;
    const CREATED: Option<&'static str> = Some("invoice.created");
    const UPDATED: Option<&'static str> = None;
    const DELETED: Option<&'static str> = None;

    fn render(record: &repo::Invoice) -> Invoice {
        invoice_message(record, &today())
    }

    async fn deletable(_w: &Write, existing: &repo::Invoice) -> ServiceResult<()> {
        let status = invoice_status(existing, &today())?;
        Lifecycle::require_draft(status, InvoiceStatus::Draft, "delete")?;
        if let Some(estimate) = &existing.estimate_id {
            // The estimate names this invoice: deleting it would leave that reference dangling.
            return Err(ServiceError::conflict(
                "invoice_from_estimate",
                format!(
                    "this invoice was made from estimate {estimate}, which refers to it; void it instead"
                ),
            ));
        }
        Ok(())
    }
}

impl Patch<Invoices> for UpdateInvoiceRequest {
    /// Leaves `currency` normalized and `due_date` trimmed.
    fn check(&mut self, mask: &Mask, v: &mut Violations) -> ServiceResult<()> {
        if mask.has("currency") {
            self.currency = lines::currency(v, "currency", &self.currency);
        }
        if mask.has("due_date") {
            self.due_date = check_date(v, "due_date", &self.due_date).unwrap_or_default();
        }
        if mask.has("accounting_export_status")
            && ExportStatus::from_proto(self.accounting_export_status).is_none()
        {
            v.add(
                "accounting_export_status",
                "must be one of not_exported, pending, exported, failed",
            );
        }
        Ok(())
    }

    async fn apply(self, w: &Write, mask: &Mask, inv: &mut repo::Invoice) -> ServiceResult<()> {
        if mask
            .paths()
            .iter()
            .any(|p| !ALWAYS_UPDATABLE.contains(&p.as_str()))
        {
            let status = invoice_status(inv, &today())?;
            Lifecycle::require_draft(status, InvoiceStatus::Draft, "update")?;
        }
        if mask.has("line_items") || mask.has("tax_rate_bps") {
            let (items, rate) = (&self.line_items, self.tax_rate_bps);
            let (current, current_bps) = (&inv.line_items, inv.tax_rate_bps);
            let priced = lines::reprice(w, mask, items, rate, current, current_bps).await?;
            inv.line_items = priced.line_items;
            inv.tax_rate_bps = priced.tax_rate_bps;
            inv.subtotal = priced.subtotal;
            inv.tax = priced.tax;
            inv.total = priced.total;
            // A draft has no payments: everything is due.
            inv.amount_due = priced.total;
        }
        if mask.has("currency") {
            inv.currency = self.currency;
        }
        if mask.has("due_date") {
            inv.due_date = Some(self.due_date).filter(|d| !d.is_empty());
        }
        if let Some(export) = ExportStatus::from_proto(self.accounting_export_status)
            .filter(|_| mask.has("accounting_export_status"))
        {
            inv.accounting_export_status = export.as_str().to_owned();
        }
        Ok(())
    }
}

impl Invoices {
    async fn create(&self, r: Request<CreateInvoiceRequest>) -> ServiceResult<Invoice> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let mut v = Violations::default();
        let currency = lines::currency(&mut v, "currency", &req.currency);
        let due_date = check_date(&mut v, "due_date", &req.due_date);
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
        let invoice = draft_invoice(&req.customer_id, None, priced, currency, due_date);
        resource::insert::<Self>(w, invoice).await
    }

    async fn list(&self, r: Request<ListInvoicesRequest>) -> ServiceResult<ListInvoicesResponse> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let query = page_query(req.limit, &req.cursor, ID_PREFIX)?;
        let today = today();
        let (status, due_state) = match InvoiceStatus::filter(req.status)? {
            None => (None, None),
            Some(status) => {
                let due_state = match status {
                    InvoiceStatus::Open => Some(DueState::NotPastDue {
                        today: today.clone(),
                    }),
                    InvoiceStatus::Overdue => Some(DueState::PastDue {
                        today: today.clone(),
                    }),
                    _ => None,
                };
                (Some(status.stored().to_owned()), due_state)
            }
        };
        let filter = InvoiceFilter {
            customer_id: req.customer_id,
            status,
            due_state,
            updated_since: from_timestamp("updated_since", req.updated_since)?,
            due_before: malformed_date("due_before", req.due_before)?,
            due_after: malformed_date("due_after", req.due_after)?,
            created_after: from_timestamp("created_after", req.created_after)?,
            created_before: from_timestamp("created_before", req.created_before)?,
        };
        let page = repo::list(&self.store, ctx.org()?, &filter, &query).await?;
        Ok(ListInvoicesResponse {
            next_cursor: next_cursor(&page, |inv| &inv.id),
            has_more: page.has_more,
            data: page
                .items
                .iter()
                .map(|inv| invoice_message(inv, &today))
                .collect(),
        })
    }

    /// draft -> open, with at least one line item; the due date defaults to
    /// [`DEFAULT_DUE_DAYS`] after today. An invoice whose total is zero owes nothing: it is
    /// paid at once (`invoice.finalized`, then `invoice.paid`).
    async fn finalize(&self, ctx: &RequestContext, id: &str) -> ServiceResult<Invoice> {
        let today = today();
        let mut w = self.store.write(ctx.write_context()?).await?;
        let before = repo::get_for_update(&w, id)
            .await?
            .ok_or_else(|| ServiceError::not_found(RESOURCE, id))?;
        let open = Lifecycle::apply(invoice_status(&before, &today)?, InvoiceAction::Finalize)?;
        if before.line_items.0.is_empty() {
            return Err(ServiceError::conflict(
                "invoice_incomplete",
                "an invoice needs at least one line item to be finalized",
            ));
        }
        let now = Utc::now();
        let mut finalized = before.clone();
        finalized.status = open.stored().to_owned();
        finalized.finalized_at = Some(now);
        // What the audit record shows: the time `save_at` stamps.
        finalized.updated_at = now;
        if finalized.due_date.is_none() {
            let due = now
                .date_naive()
                .checked_add_days(Days::new(DEFAULT_DUE_DAYS))
                .unwrap_or(now.date_naive());
            finalized.due_date = Some(due.format("%Y-%m-%d").to_string());
        }
        let mut after = finalized.clone();
        if after.amount_due == 0 {
            let paid = Lifecycle::apply(invoice_status(&after, &today)?, InvoiceAction::Pay)?;
            after.status = paid.stored().to_owned();
            after.paid_at = Some(now);
        }
        let after = repo::save_at(&w, after, now).await?;
        let finalized_message = invoice_message(&finalized, &today);
        record(
            &mut w,
            "invoice.finalize",
            RESOURCE,
            id,
            Some(&invoice_message(&before, &today)),
            Some(&finalized_message),
            Some("invoice.finalized"),
        )
        .await?;
        let message = invoice_message(&after, &today);
        if after.paid_at.is_some() {
            record(
                &mut w,
                "invoice.pay",
                RESOURCE,
                id,
                Some(&finalized_message),
                Some(&message),
                Some("invoice.paid"),
            )
            .await?;
        }
        w.commit().await?;
        Ok(message)
    }

    /// draft, open or overdue -> void, only while nothing has been paid.
    async fn void(&self, ctx: &RequestContext, id: &str) -> ServiceResult<Invoice> {
        let today = today();
        let mut w = self.store.write(ctx.write_context()?).await?;
        let before = repo::get_for_update(&w, id)
            .await?
            .ok_or_else(|| ServiceError::not_found(RESOURCE, id))?;
        let to = Lifecycle::apply(invoice_status(&before, &today)?, InvoiceAction::Void)?;
        if before.amount_paid != 0 {
            return Err(ServiceError::conflict(
                "invoice_has_payments",
                format!(
                    "cannot void this invoice: {} has been paid on it; refund the payments first",
                    before.amount_paid
                ),
            ));
        }
        let now = Utc::now();
        let mut after = before.clone();
        after.status = to.stored().to_owned();
        after.voided_at = Some(now);
        let after = repo::save_at(&w, after, now).await?;
        let message = invoice_message(&after, &today);
        record(
            &mut w,
            "invoice.void",
            RESOURCE,
            id,
            Some(&invoice_message(&before, &today)),
            Some(&message),
            Some("invoice.voided"),
        )
        .await?;
        w.commit().await?;
        Ok(message)
    }
}

#[tonic::async_trait]
impl InvoicesService for Invoices {
    async fn create_invoice(
        &self,
        r: Request<CreateInvoiceRequest>,
    ) -> Result<Response<Invoice>, Status> {
        Ok(Response::new(self.create(r).await?))
    }

    async fn get_invoice(
        &self,
        r: Request<GetInvoiceRequest>,
    ) -> Result<Response<Invoice>, Status> {
        resource::get::<Self, _>(&self.store, &r, &r.get_ref().id).await
    }

    async fn list_invoices(
        &self,
        r: Request<ListInvoicesRequest>,
    ) -> Result<Response<ListInvoicesResponse>, Status> {
        Ok(Response::new(self.list(r).await?))
    }

    async fn update_invoice(
        &self,
        r: Request<UpdateInvoiceRequest>,
    ) -> Result<Response<Invoice>, Status> {
        resource::update::<Self, _>(&self.store, r).await
    }

    async fn delete_invoice(
        &self,
        r: Request<DeleteInvoiceRequest>,
    ) -> Result<Response<()>, Status> {
        resource::delete::<Self, _>(&self.store, &r, &r.get_ref().id).await
    }

    async fn finalize_invoice(
        &self,
        r: Request<FinalizeInvoiceRequest>,
    ) -> Result<Response<Invoice>, Status> {
        let ctx = context(&r)?;
        Ok(Response::new(self.finalize(&ctx, &r.get_ref().id).await?))
    }

    async fn void_invoice(
        &self,
        r: Request<VoidInvoiceRequest>,
    ) -> Result<Response<Invoice>, Status> {
        let ctx = context(&r)?;
        Ok(Response::new(self.void(&ctx, &r.get_ref().id).await?))
    }
}

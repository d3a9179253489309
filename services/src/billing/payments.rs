//! Payments: `asteri.v1.PaymentsService`. Money collected against an invoice. A payment
//! that succeeds (at creation or through `/succeed`) and a refund move the invoice's amount
//! paid, amount due and status in the same transaction, with the invoice row locked
//! (`get_for_update`), so that concurrent payments can never overpay an invoice.
//!
//! The amount rule: a payment's amount is at most the invoice's amount due when it is
//! recorded (422 on `amount` otherwise) and again when it succeeds (409
//! `amount_exceeds_amount_due` for a pending payment that no longer fits). Pending payments
//! do not reserve part of the amount due.

use chrono::Utc;
use proto::v1::{
    CreatePaymentRequest, FailPaymentRequest, GetPaymentRequest, ListPaymentsRequest,
    ListPaymentsResponse, Payment, RefundPaymentRequest, SucceedPaymentRequest,
    payments_service_server::PaymentsService,
};
use storage::{
    StorageError, Store, Write,
    ids::new_id,
    invoices::{self, Invoice},
    payments::{self as repo, ID_PREFIX, PaymentFilter},
};
use tonic::{Request, Response, Status};

use super::{
    invoices::{RESOURCE as INVOICE, invoice_message, invoice_status, today},
    money::{self, MAX_AMOUNT},
    states::{
        InvoiceAction, Invoices, Lifecycle as _, PaymentAction, PaymentMethod, PaymentStatus,
        Payments as Lifecycle, Status as _,
    },
};
use crate::{
    auth::{RequestContext, context},
    convert::{Check, from_timestamp, timestamp},
    error::{ServiceError, ServiceResult, Violations},
    record::record,
    resource::{self, Resource},
};

const RESOURCE: &str = "payment";
pub const MAX_REFERENCE_CHARS: usize = 200;

#[derive(Clone)]
pub struct Payments {
    store: Store,
}

impl Payments {
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

/// Payments are created, settled and refunded by their own RPCs (their events depend on the
/// status), never patched nor deleted: only the reads go through the generic drivers.
impl Resource for Payments {
    type Record = repo::Payment;
    type Message = Payment;
    const NAME: &'static str = RESOURCE;
    const UPDATABLE: &'static [&'static str] = &[];
    const CREATED: Option<&'static str> = None;
    const UPDATED: Option<&'static str> = None;
    const DELETED: Option<&'static str> = None;

    fn render(record: &repo::Payment) -> Payment {
        payment_message(record)
    }
}

pub fn payment_message(p: &repo::Payment) -> Payment {
    Payment {
        id: p.id.clone(),
        invoice_id: p.invoice_id.clone(),
        customer_id: p.customer_id.clone(),
        amount: p.amount,
        currency: p.currency.clone(),
        method: PaymentMethod::parse(&p.method).map_or(0, |m| m.to_proto() as i32),
        status: PaymentStatus::parse(&p.status).map_or(0, |s| s.to_proto() as i32),
        reference: p.reference.clone(),
        refunded_amount: p.refunded_amount,
        created_at: Some(timestamp(p.created_at)),
        updated_at: Some(timestamp(p.updated_at)),
    }
}

fn inconsistent(message: String) -> ServiceError {
    StorageError::Invalid(message).into()
}

fn status_of(p: &repo::Payment) -> ServiceResult<PaymentStatus> {
    PaymentStatus::parse(&p.status)
        .ok_or_else(|| inconsistent(format!("payment {} has status '{}'", p.id, p.status)))
}

/// The invoice a payment belongs to, locked. Payments are never moved between
/// organizations and invoices with payments are never deleted, so it always exists.
async fn locked_invoice(w: &Write, p: &repo::Payment) -> ServiceResult<Invoice> {
    invoices::get_for_update(w, &p.invoice_id)
        .await?
        .ok_or_else(|| inconsistent(format!("payment {} names no invoice", p.id)))
}

fn not_payable(status: &str) -> ServiceError {
    ServiceError::conflict(
        "invoice_not_payable",
        format!("the invoice is {status}: payments are accepted only for open or overdue invoices"),
    )
}

/// Adds a succeeded payment to its (locked) invoice: amount paid up, amount due down, and
/// paid when nothing is due any more. Records the change, with `invoice.paid` if it is.
async fn apply_payment(w: &mut Write, before: Invoice, amount: i64) -> ServiceResult<()> {
    let today = today();
    let current = invoice_status(&before, &today)?;
    if !current.accepts_payments() {
        return Err(not_payable(current.as_str()));
    }
    let paid = before
        .amount_paid
        .checked_add(amount)
        .filter(|p| *p <= before.total)
        .ok_or_else(|| {
            ServiceError::conflict(
                "amount_exceeds_amount_due",
                format!(
                    "the payment of {amount} exceeds the invoice's amount due, {}",
                    before.amount_due
                ),
            )
        })?;
    let now = Utc::now();
    let mut after = before.clone();
    after.amount_paid = paid;
    after.amount_due = money::amount_due(before.total, paid)
        .ok_or_else(|| inconsistent(format!("invoice {} has negative amounts", before.id)))?;
    if after.amount_due == 0 {
        after.status = Invoices::apply(current, InvoiceAction::Pay)?
            .stored()
            .to_owned();
        after.paid_at = Some(now);
    }
    let after = invoices::save_at(w, after, now).await?;
    let event = (after.amount_due == 0).then_some("invoice.paid");
    record(
        w,
        "invoice.apply_payment",
        INVOICE,
        &after.id,
        Some(&invoice_message(&before, &today)),
        Some(&invoice_message(&after, &today)),
        event,
    )
    .await?;
    Ok(())
}

/// Takes a refund off its (locked) invoice: amount paid down, amount due up, and a paid
/// invoice open again.
async fn apply_refund(w: &mut Write, before: Invoice, refund: i64) -> ServiceResult<()> {
    let today = today();
    let paid = before
        .amount_paid
        .checked_sub(refund)
        .filter(|p| *p >= 0)
        .ok_or_else(|| {
            inconsistent(format!(
                "invoice {} has less paid than a refund takes",
                before.id
            ))
        })?;
    let mut after = before.clone();
    after.amount_paid = paid;
    after.amount_due = money::amount_due(before.total, paid)
        .ok_or_else(|| inconsistent(format!("invoice {} has negative amounts", before.id)))?;
    let current = invoice_status(&before, &today)?;
    if after.amount_due > 0 && Invoices::target(current, InvoiceAction::Reopen).is_some() {
        after.status = Invoices::apply(current, InvoiceAction::Reopen)?
            .stored()
            .to_owned();
        after.paid_at = None;
    }
    let after = invoices::save(w, after).await?;
    record(
        w,
        "invoice.apply_refund",
        INVOICE,
        &after.id,
        Some(&invoice_message(&before, &today)),
        Some(&invoice_message(&after, &today)),
        None,
    )
    .await?;
    Ok(())
}

impl Payments {
    async fn create(&self, r: Request<CreatePaymentRequest>) -> ServiceResult<Payment> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let mut v = Violations::default();
        let invoice_id = req.invoice_id.trim().to_owned();
        Check(&mut v).required("invoice_id", &invoice_id);
        if req.amount <= 0 {
            v.add("amount", "must be positive");
        } else if req.amount > MAX_AMOUNT {
            v.add("amount", format!("must be at most {MAX_AMOUNT}"));
        }
        let method = PaymentMethod::from_proto(req.method);
        if method.is_none() {
            v.add(
                "method",
                "is required: one of card, ach, cash, check, other",
            );
        }
        let status = match (req.status, PaymentStatus::from_proto(req.status)) {
            (0, _) | (_, Some(PaymentStatus::Succeeded)) => PaymentStatus::Succeeded,
            (_, Some(PaymentStatus::Pending)) => PaymentStatus::Pending,
            _ => {
                v.add(
                    "status",
                    "must be pending or succeeded (or absent: succeeded)",
                );
                PaymentStatus::Succeeded
            }
        };
        let currency = if req.currency.trim().is_empty() {
            None
        } else {
            let c = money::currency(&req.currency);
            if c.is_none() {
                v.add(
                    "currency",
                    "must be a three-letter ISO 4217 currency code such as usd",
                );
            }
            c
        };
        Check(&mut v).max_chars("reference", &req.reference, MAX_REFERENCE_CHARS);
        v.into_result()?;
        let method = method.unwrap_or(PaymentMethod::Other);

        let mut w = self.store.write(ctx.write_context()?).await?;
        let invoice = invoices::get_for_update(&w, &invoice_id)
            .await?
            .ok_or_else(|| {
                ServiceError::invalid("invoice_id", "must be an invoice of this organization")
            })?;
        if let Some(c) = &currency
            && *c != invoice.currency
        {
            return Err(ServiceError::invalid(
                "currency",
                format!("must be the invoice's currency, {}", invoice.currency),
            ));
        }
        let current = invoice_status(&invoice, &today())?;
        if !current.accepts_payments() {
            return Err(not_payable(current.as_str()));
        }
        if req.amount > invoice.amount_due {
            return Err(ServiceError::invalid(
                "amount",
                format!(
                    "must not exceed the invoice's amount due, {}",
                    invoice.amount_due
                ),
            ));
        }
        let now = Utc::now();
        let created = repo::insert(
            &w,
            repo::Payment {
                id: new_id(ID_PREFIX),
                organization_id: w.org().as_str().to_owned(),
                invoice_id: invoice.id.clone(),
                customer_id: invoice.customer_id.clone(),
                amount: req.amount,
                currency: invoice.currency.clone(),
                method: method.as_str().to_owned(),
                status: status.as_str().to_owned(),
                reference: req.reference.trim().to_owned(),
                refunded_amount: 0,
                created_at: now,
                updated_at: now,
            },
        )
        .await?;
        let message = payment_message(&created);
        let succeeded = status == PaymentStatus::Succeeded;
        record(
            &mut w,
            "payment.create",
            RESOURCE,
            &created.id,
            None,
            Some(&message),
            succeeded.then_some("payment.succeeded"),
        )
        .await?;
        if succeeded {
            apply_payment(&mut w, invoice, created.amount).await?;
        }
        w.commit().await?;
        Ok(message)
    }

    /// pending -> succeeded (and the invoice paid accordingly) or pending -> failed.
    async fn settle(
        &self,
        ctx: &RequestContext,
        id: &str,
        action: PaymentAction,
    ) -> ServiceResult<Payment> {
        let mut w = self.store.write(ctx.write_context()?).await?;
        let before = repo::get_for_update(&w, id)
            .await?
            .ok_or_else(|| ServiceError::not_found(RESOURCE, id))?;
        let to = Lifecycle::apply(status_of(&before)?, action)?;
        let invoice = if to == PaymentStatus::Succeeded {
            let invoice = locked_invoice(&w, &before).await?;
            let current = invoice_status(&invoice, &today())?;
            if !current.accepts_payments() {
                return Err(not_payable(current.as_str()));
            }
            if before.amount > invoice.amount_due {
                return Err(ServiceError::conflict(
                    "amount_exceeds_amount_due",
                    format!(
                        "the payment of {} exceeds the invoice's amount due, {}",
                        before.amount, invoice.amount_due
                    ),
                ));
            }
            Some(invoice)
        } else {
            None
        };
        let mut after = before.clone();
        after.status = to.as_str().to_owned();
        let after = repo::save(&w, after).await?;
        let message = payment_message(&after);
        let (action_name, event) = if invoice.is_some() {
            ("payment.succeed", "payment.succeeded")
        } else {
            ("payment.fail", "payment.failed")
        };
        record(
            &mut w,
            action_name,
            RESOURCE,
            id,
            Some(&payment_message(&before)),
            Some(&message),
            Some(event),
        )
        .await?;
        if let Some(invoice) = invoice {
            apply_payment(&mut w, invoice, after.amount).await?;
        }
        w.commit().await?;
        Ok(message)
    }

    /// Refunds `amount` (everything not yet refunded when absent) of a succeeded payment.
    async fn refund(
        &self,
        ctx: &RequestContext,
        id: &str,
        amount: Option<i64>,
    ) -> ServiceResult<Payment> {
        if amount.is_some_and(|a| a <= 0) {
            return Err(ServiceError::invalid("amount", "must be positive"));
        }
        let mut w = self.store.write(ctx.write_context()?).await?;
        let before = repo::get_for_update(&w, id)
            .await?
            .ok_or_else(|| ServiceError::not_found(RESOURCE, id))?;
        let status = status_of(&before)?;
        // The state comes first: a pending payment is refused as such, whatever the amount.
        Lifecycle::apply(status, PaymentAction::RefundAll)?;
        let remaining = before
            .amount
            .checked_sub(before.refunded_amount)
            .filter(|r| *r > 0)
            .ok_or_else(|| inconsistent(format!("payment {id} has nothing left to refund")))?;
        let refund = amount.unwrap_or(remaining);
        if refund > remaining {
            return Err(ServiceError::invalid(
                "amount",
                format!("must be at most what has not been refunded yet, {remaining}"),
            ));
        }
        let action = if refund == remaining {
            PaymentAction::RefundAll
        } else {
            PaymentAction::RefundPart
        };
        let to = Lifecycle::apply(status, action)?;
        let invoice = locked_invoice(&w, &before).await?;
        let mut after = before.clone();
        after.status = to.as_str().to_owned();
        after.refunded_amount = before.refunded_amount + refund;
        let after = repo::save(&w, after).await?;
        let message = payment_message(&after);
        record(
            &mut w,
            "payment.refund",
            RESOURCE,
            id,
            Some(&payment_message(&before)),
            Some(&message),
            Some("payment.refunded"),
        )
        .await?;
        apply_refund(&mut w, invoice, refund).await?;
        w.commit().await?;
        Ok(message)
    }
}

#[tonic::async_trait]
impl PaymentsService for Payments {
    async fn create_payment(
        &self,
        r: Request<CreatePaymentRequest>,
    ) -> Result<Response<Payment>, Status> {
        Ok(Response::new(self.create(r).await?))
    }

    async fn get_payment(
        &self,
        r: Request<GetPaymentRequest>,
    ) -> Result<Response<Payment>, Status> {
        resource::get::<Self, _>(&self.store, &r, &r.get_ref().id).await
    }

    async fn list_payments(
        &self,
        r: Request<ListPaymentsRequest>,
    ) -> Result<Response<ListPaymentsResponse>, Status> {
        let store = &self.store;
        resource::list::<Self, _, _, _, _>(r, |req, org, query| async move {
            let status = PaymentStatus::filter(req.status)?.map(|s| s.as_str().to_owned());
            let filter = PaymentFilter {
                invoice_id: req.invoice_id,
                customer_id: req.customer_id,
                status,
                updated_since: from_timestamp("updated_since", req.updated_since)?,
            };
            Ok(repo::list(store, &org, &filter, &query).await?)
        })
        .await
    }

    async fn refund_payment(
        &self,
        r: Request<RefundPaymentRequest>,
    ) -> Result<Response<Payment>, Status> {
        let ctx = context(&r)?;
        let req = r.get_ref();
        Ok(Response::new(self.refund(&ctx, &req.id, req.amount).await?))
    }

    async fn succeed_payment(
        &self,
        r: Request<SucceedPaymentRequest>,
    ) -> Result<Response<Payment>, Status> {
        let ctx = context(&r)?;
        let id = &r.get_ref().id;
        Ok(Response::new(
            self.settle(&ctx, id, PaymentAction::Succeed).await?,
        ))
    }

    async fn fail_payment(
        &self,
        r: Request<FailPaymentRequest>,
    ) -> Result<Response<Payment>, Status> {
        let ctx = context(&r)?;
        let id = &r.get_ref().id;
        Ok(Response::new(
            self.settle(&ctx, id, PaymentAction::Fail).await?,
        ))
    }
}

//! Estimates in every state, and invoices in every state with payments that add up.

use chrono::{Duration, Utc};
use proto::v1::{
    ApproveEstimateRequest, ConvertEstimateRequest, CreateEstimateRequest, CreateInvoiceRequest,
    CreatePaymentRequest, DeclineEstimateRequest, FinalizeInvoiceRequest, LineItemInput,
    PaymentMethod, RefundPaymentRequest, SendEstimateRequest, VoidInvoiceRequest,
    estimates_service_server::EstimatesService, invoices_service_server::InvoicesService,
    payments_service_server::PaymentsService,
};
use services::Platform;
use storage::OrgId;

use super::{Dice, SeedSize, Seeded, failed, request};

const METHODS: &[PaymentMethod] = &[
    PaymentMethod::Card,
    PaymentMethod::Card,
    PaymentMethod::Ach,
    PaymentMethod::Check,
    PaymentMethod::Cash,
];

fn lines(dice: &mut Dice, seeded: &Seeded) -> Vec<LineItemInput> {
    let mut items: Vec<LineItemInput> = (0..1 + dice.below(3))
        .map(|_| {
            let (service, price) = dice.pick(&seeded.services).clone();
            LineItemInput {
                service_id: service,
                description: String::new(),
                quantity: 1 + i64::try_from(dice.below(2)).unwrap_or(0),
                unit_price: price,
            }
        })
        .collect();
    if dice.below(3) == 0 {
        items.push(LineItemInput {
            service_id: String::new(),
            description: "Parts and materials".to_owned(),
            quantity: 1,
            unit_price: 2_500 + 500 * i64::try_from(dice.below(20)).unwrap_or(0),
        });
    }
    items
}

pub(super) async fn seed(
    platform: &Platform,
    org: &OrgId,
    size: SeedSize,
    dice: &mut Dice,
    seeded: &mut Seeded,
) -> anyhow::Result<()> {
    let estimates = platform.estimates();
    // Every state in turn: draft, sent, approved, declined, converted.
    for i in 0..size.estimates {
        let create = CreateEstimateRequest {
            customer_id: dice.pick(&seeded.customers).clone(),
            line_items: lines(dice, seeded),
            currency: "usd".to_owned(),
            tax_rate_bps: 825,
            notes: String::new(),
        };
        let id = estimates
            .create_estimate(request(create, org))
            .await
            .map_err(failed("an estimate"))?
            .into_inner()
            .id;
        let state = i % 5;
        if state >= 1 {
            estimates
                .send_estimate(request(SendEstimateRequest { id: id.clone() }, org))
                .await
                .map_err(failed("a send"))?;
        }
        match state {
            2 | 4 => {
                let approve = ApproveEstimateRequest { id: id.clone() };
                estimates
                    .approve_estimate(request(approve, org))
                    .await
                    .map_err(failed("an approval"))?;
                if state == 4 {
                    let convert = ConvertEstimateRequest { id: id.clone() };
                    estimates
                        .convert_estimate(request(convert, org))
                        .await
                        .map_err(failed("a conversion"))?;
                }
            }
            3 => {
                let decline = DeclineEstimateRequest { id: id.clone() };
                estimates
                    .decline_estimate(request(decline, org))
                    .await
                    .map_err(failed("a decline"))?;
            }
            _ => {}
        }
        seeded.estimates += 1;
    }

    let (invoices, payments) = (platform.invoices(), platform.payments());
    let today = Utc::now().date_naive();
    // Draft, open, overdue, partly paid, paid, paid then partly refunded, void.
    for i in 0..size.invoices {
        let state = i % 7;
        let due = today + Duration::days(if state == 2 { -10 } else { 30 });
        let create = CreateInvoiceRequest {
            customer_id: dice.pick(&seeded.customers).clone(),
            line_items: lines(dice, seeded),
            currency: "usd".to_owned(),
            tax_rate_bps: 825,
            due_date: due.format("%Y-%m-%d").to_string(),
        };
        let invoice = invoices
            .create_invoice(request(create, org))
            .await
            .map_err(failed("an invoice"))?
            .into_inner();
        seeded.invoices += 1;
        if state == 0 {
            continue;
        }
        let id = invoice.id.clone();
        if state == 6 {
            invoices
                .void_invoice(request(VoidInvoiceRequest { id }, org))
                .await
                .map_err(failed("a void"))?;
            continue;
        }
        let open = invoices
            .finalize_invoice(request(FinalizeInvoiceRequest { id: id.clone() }, org))
            .await
            .map_err(failed("a finalize"))?
            .into_inner();
        let amount = match state {
            3 => open.amount_due / 2,
            4 | 5 => open.amount_due,
            _ => 0,
        };
        if amount <= 0 {
            continue;
        }
        let pay = CreatePaymentRequest {
            invoice_id: id,
            amount,
            currency: "usd".to_owned(),
            method: *dice.pick(METHODS) as i32,
            reference: format!("seed-{i:04}"),
            status: 0,
        };
        let payment = payments
            .create_payment(request(pay, org))
            .await
            .map_err(failed("a payment"))?
            .into_inner();
        seeded.payments += 1;
        if state == 5 {
            let refund = RefundPaymentRequest {
                id: payment.id,
                amount: Some(amount / 4),
            };
            payments
                .refund_payment(request(refund, org))
                .await
                .map_err(failed("a refund"))?;
        }
    }
    Ok(())
}

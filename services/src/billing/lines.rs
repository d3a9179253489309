//! What estimates and invoices share: checking the line items a client sends, resolving their
//! catalog items, pricing the document through [`money`], and the references to customers.

use proto::v1::{LineItem, LineItemInput};
use storage::{LineItemList, LineItemRecord, Write, catalog, customers};

use super::money::{self, MAX_TAX_RATE_BPS, MoneyError};
use crate::{
    convert::Check,
    error::{ServiceError, ServiceResult, Violations},
    resource::Mask,
};

pub const MAX_LINE_ITEMS: usize = 100;
pub const MAX_DESCRIPTION_CHARS: usize = 1_000;
pub const MAX_NOTES_CHARS: usize = 10_000;

/// A document's lines and amounts, computed by the server.
#[derive(Clone, Debug)]
pub struct Priced {
    pub line_items: LineItemList,
    pub tax_rate_bps: i32,
    pub subtotal: i64,
    pub tax: i64,
    pub total: i64,
}

pub fn line_messages(lines: &LineItemList) -> Vec<LineItem> {
    lines
        .0
        .iter()
        .map(|l| LineItem {
            service_id: (!l.service_id.is_empty()).then(|| l.service_id.clone()),
            description: l.description.clone(),
            quantity: l.quantity,
            unit_price: l.unit_price,
            amount: l.amount,
        })
        .collect()
}

/// The stored tax rate as the API shows it (stored values are always 0..=10000).
pub fn bps(stored: i32) -> u32 {
    u32::try_from(stored).unwrap_or(0)
}

/// A request's currency, or a violation on `field`.
pub fn currency(v: &mut Violations, field: &str, input: &str) -> String {
    money::currency(input).unwrap_or_else(|| {
        v.add(
            field,
            "must be a three-letter ISO 4217 currency code such as usd",
        );
        money::DEFAULT_CURRENCY.to_owned()
    })
}

pub fn check_tax_rate(v: &mut Violations, tax_rate_bps: u32) {
    if tax_rate_bps > MAX_TAX_RATE_BPS {
        v.add(
            "tax_rate_bps",
            format!("must be between 0 and {MAX_TAX_RATE_BPS} (basis points: 825 is 8.25%)"),
        );
    }
}

pub fn check_notes(v: &mut Violations, notes: &str) {
    Check(v).max_chars("notes", notes, MAX_NOTES_CHARS);
}

/// A customer reference of a new document: it must name a customer of the write's
/// organization (another organization's customer is as unknown as a missing one).
pub async fn check_customer(w: &Write, v: &mut Violations, id: &str) -> ServiceResult<()> {
    if id.trim().is_empty() {
        v.add("customer_id", "is required");
    } else if customers::get(w, w.org(), id).await?.is_none() {
        v.add("customer_id", "must be a customer of this organization");
    }
    Ok(())
}

/// Checks `inputs` and turns them into stored lines (amounts not yet computed). A line names
/// a catalog item (`service_id`), which must be an active item of the write's organization,
/// or carries a description; a catalog line without a description takes the item's name.
async fn resolve(
    w: &Write,
    inputs: &[LineItemInput],
    v: &mut Violations,
) -> ServiceResult<Vec<LineItemRecord>> {
    if inputs.len() > MAX_LINE_ITEMS {
        v.add(
            "line_items",
            format!("must have at most {MAX_LINE_ITEMS} items"),
        );
        return Ok(Vec::new());
    }
    let mut lines = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.iter().enumerate() {
        let field = |name: &str| format!("line_items[{i}].{name}");
        let mut description = input.description.trim().to_owned();
        let service_id = input.service_id.trim().to_owned();
        if input.quantity < 1 {
            v.add(field("quantity"), "must be at least 1");
        }
        if input.unit_price < 0 {
            v.add(field("unit_price"), "must not be negative");
        }
        if service_id.is_empty() {
            if description.is_empty() {
                v.add(
                    field("description"),
                    "is required for a line without a service_id",
                );
            }
        } else {
            match catalog::get(w, w.org(), &service_id).await? {
                Some(item) if item.active => {
                    if description.is_empty() {
                        description = item.name;
                    }
                }
                _ => v.add(
                    field("service_id"),
                    "must be an active service of this organization",
                ),
            }
        }
        Check(v).max_chars(&field("description"), &description, MAX_DESCRIPTION_CHARS);
        lines.push(LineItemRecord {
            service_id,
            description,
            quantity: input.quantity,
            unit_price: input.unit_price,
            amount: 0,
        });
    }
    Ok(lines)
}

/// Prices a document within the write's organization: `inputs` replace the lines when given
/// (else `current` stay), and every amount is computed again at `tax_rate_bps`. Problems go
/// to `v`, and then the answer is `None`.
pub async fn price(
    w: &Write,
    inputs: Option<&[LineItemInput]>,
    current: &LineItemList,
    tax_rate_bps: u32,
    v: &mut Violations,
) -> ServiceResult<Option<Priced>> {
    check_tax_rate(v, tax_rate_bps);
    let mut lines = match inputs {
        Some(inputs) => resolve(w, inputs, v).await?,
        None => current.0.clone(),
    };
    if !v.is_empty() {
        return Ok(None);
    }
    let pairs: Vec<(i64, i64)> = lines.iter().map(|l| (l.quantity, l.unit_price)).collect();
    let totals = match money::totals(&pairs, tax_rate_bps) {
        Ok(t) => t,
        Err(e) => {
            let limit = money::MAX_AMOUNT;
            match e {
                MoneyError::LineTooLarge(i) => v.add(
                    format!("line_items[{i}]"),
                    format!("quantity * unit_price must be at most {limit}"),
                ),
                MoneyError::TotalTooLarge => v.add(
                    "line_items",
                    format!("the document's total must be at most {limit}"),
                ),
                MoneyError::TaxRate => check_tax_rate(v, tax_rate_bps),
                MoneyError::Negative => v.add("line_items", "amounts must not be negative"),
            }
            return Ok(None);
        }
    };
    for (line, amount) in lines.iter_mut().zip(&totals.amounts) {
        line.amount = *amount;
    }
    Ok(Some(Priced {
        line_items: LineItemList(lines),
        // At most 10000: checked above.
        tax_rate_bps: i32::try_from(tax_rate_bps).unwrap_or(i32::MAX),
        subtotal: totals.subtotal,
        tax: totals.tax,
        total: totals.total,
    }))
}

/// The prices of a draft after a PATCH: the line items and the tax rate the mask names, the
/// stored ones otherwise. Any line or rate problem is a 422.
pub async fn reprice(
    w: &Write,
    mask: &Mask,
    lines: &[LineItemInput],
    tax_rate_bps: u32,
    current: &LineItemList,
    current_bps: i32,
) -> ServiceResult<Priced> {
    let tax_rate_bps = if mask.has("tax_rate_bps") {
        tax_rate_bps
    } else {
        bps(current_bps)
    };
    let inputs = mask.has("line_items").then_some(lines);
    let mut v = Violations::default();
    let priced = price(w, inputs, current, tax_rate_bps, &mut v).await?;
    priced
        .filter(|_| v.is_empty())
        .ok_or(ServiceError::Validation(v))
}

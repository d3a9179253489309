//! Payments: money collected against an invoice. Rows are never deleted; their status and
//! refunded amount change through the payments service only.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, QueryFilter};

pub use crate::entities::payments::Model as Payment;
use crate::{
    Db, OrgId, Page, PageQuery, Result,
    entities::payments::{Column, Entity, Model},
    tenant::{page, scoped},
};

pub const ID_PREFIX: &str = "pay";

crate::tenant_repo!();

#[derive(Clone, Debug, Default)]
pub struct PaymentFilter {
    pub invoice_id: Option<String>,
    pub customer_id: Option<String>,
    pub status: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
}

pub async fn list(
    db: &impl Db,
    org: &OrgId,
    filter: &PaymentFilter,
    q: &PageQuery,
) -> Result<Page<Payment>> {
    let mut select = scoped::<Entity>(org);
    if let Some(invoice) = &filter.invoice_id {
        select = select.filter(Column::InvoiceId.eq(invoice.as_str()));
    }
    if let Some(customer) = &filter.customer_id {
        select = select.filter(Column::CustomerId.eq(customer.as_str()));
    }
    if let Some(status) = &filter.status {
        select = select.filter(Column::Status.eq(status.as_str()));
    }
    if let Some(since) = filter.updated_since {
        select = select.filter(Column::UpdatedAt.gte(since));
    }
    Ok(page(db.conn(), select, q).await?)
}

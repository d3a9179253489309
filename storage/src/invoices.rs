//! Invoices: what a customer owes. Due dates are stored as `YYYY-MM-DD` text, so comparing
//! them as text compares them as dates on every backend.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, QueryFilter};

pub use crate::entities::invoices::Model as Invoice;
use crate::{
    Db, OrgId, Page, PageQuery, Result,
    entities::invoices::{Column, Entity, Model},
    tenant::{page, scoped},
};

pub const ID_PREFIX: &str = "inv";

crate::tenant_repo!();

/// Where an invoice stands against its due date, relative to `today` (`YYYY-MM-DD`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DueState {
    /// Due before `today`.
    PastDue { today: String },
    /// No due date, or due on or after `today`.
    NotPastDue { today: String },
}

#[derive(Clone, Debug, Default)]
pub struct InvoiceFilter {
    pub customer_id: Option<String>,
    /// The stored status.
    pub status: Option<String>,
    pub due_state: Option<DueState>,
    pub updated_since: Option<DateTime<Utc>>,
    /// Due on or before this date.
    pub due_before: Option<String>,
    /// Due on or after this date.
    pub due_after: Option<String>,
    pub created_after: Option<DateTime<Utc>>,
    pub created_before: Option<DateTime<Utc>>,
}

pub async fn list(
    db: &impl Db,
    org: &OrgId,
    filter: &InvoiceFilter,
    q: &PageQuery,
) -> Result<Page<Invoice>> {
    let mut select = scoped::<Entity>(org);
    if let Some(customer) = &filter.customer_id {
        select = select.filter(Column::CustomerId.eq(customer.as_str()));
    }
    if let Some(status) = &filter.status {
        select = select.filter(Column::Status.eq(status.as_str()));
    }
    match &filter.due_state {
        Some(DueState::PastDue { today }) => {
            select = select.filter(Column::DueDate.lt(today.as_str()));
        }
        Some(DueState::NotPastDue { today }) => {
            select = select.filter(
                Condition::any()
                    .add(Column::DueDate.is_null())
                    .add(Column::DueDate.gte(today.as_str())),
            );
        }
        None => {}
    }
    if let Some(since) = filter.updated_since {
        select = select.filter(Column::UpdatedAt.gte(since));
    }
    if let Some(date) = &filter.due_before {
        select = select.filter(Column::DueDate.lte(date.as_str()));
    }
    if let Some(date) = &filter.due_after {
        select = select.filter(Column::DueDate.gte(date.as_str()));
    }
    if let Some(at) = filter.created_after {
        select = select.filter(Column::CreatedAt.gte(at));
    }
    if let Some(at) = filter.created_before {
        select = select.filter(Column::CreatedAt.lt(at));
    }
    Ok(page(db.conn(), select, q).await?)
}

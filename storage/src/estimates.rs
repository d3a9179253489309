//! Estimates: priced proposals to a customer. The money and the life cycle are the services'
//! business; this module stores and finds rows, always within one organization.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, QueryFilter};

pub use crate::entities::estimates::Model as Estimate;
use crate::{
    Db, OrgId, Page, PageQuery, Result,
    entities::estimates::{Column, Entity, Model},
    tenant::{page, scoped},
};

pub const ID_PREFIX: &str = "est";

crate::tenant_repo!();

#[derive(Clone, Debug, Default)]
pub struct EstimateFilter {
    pub customer_id: Option<String>,
    pub status: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
}

pub async fn list(
    db: &impl Db,
    org: &OrgId,
    filter: &EstimateFilter,
    q: &PageQuery,
) -> Result<Page<Estimate>> {
    let mut select = scoped::<Entity>(org);
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

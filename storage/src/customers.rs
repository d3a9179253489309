//! Customers: identity, contact points and tags.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, QueryFilter};

pub use crate::entities::customers::Model as Customer;
use crate::{
    Db, OrgId, Page, PageQuery, Result,
    entities::customers::{Column, Entity, Model},
    tenant::{page, scoped},
};

pub const ID_PREFIX: &str = "cus";

crate::tenant_repo!();

#[derive(Clone, Debug, Default)]
pub struct CustomerFilter {
    pub updated_since: Option<DateTime<Utc>>,
}

pub async fn list(
    db: &impl Db,
    org: &OrgId,
    filter: &CustomerFilter,
    q: &PageQuery,
) -> Result<Page<Customer>> {
    let mut select = scoped::<Entity>(org);
    if let Some(since) = filter.updated_since {
        select = select.filter(Column::UpdatedAt.gte(since));
    }
    Ok(page(db.conn(), select, q).await?)
}

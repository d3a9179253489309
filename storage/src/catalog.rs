//! The service catalog (`/services`): what an organization sells, at what price and length.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, QueryFilter};

pub use crate::entities::service_items::Model as ServiceItem;
use crate::{
    Db, OrgId, Page, PageQuery, Result,
    entities::service_items::{Column, Entity, Model},
    tenant::{page, scoped},
};

pub const ID_PREFIX: &str = "svc";

crate::tenant_repo!();

#[derive(Clone, Debug, Default)]
pub struct ServiceItemFilter {
    pub active: Option<bool>,
    pub online_bookable: Option<bool>,
    pub updated_since: Option<DateTime<Utc>>,
}

pub async fn list(
    db: &impl Db,
    org: &OrgId,
    filter: &ServiceItemFilter,
    q: &PageQuery,
) -> Result<Page<ServiceItem>> {
    let mut select = scoped::<Entity>(org);
    if let Some(active) = filter.active {
        select = select.filter(Column::Active.eq(active));
    }
    if let Some(bookable) = filter.online_bookable {
        select = select.filter(Column::OnlineBookable.eq(bookable));
    }
    if let Some(since) = filter.updated_since {
        select = select.filter(Column::UpdatedAt.gte(since));
    }
    Ok(page(db.conn(), select, q).await?)
}

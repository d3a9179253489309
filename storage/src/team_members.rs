//! Team members: the people who do the work (`read:team` / `write:team`).

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, QueryFilter};

pub use crate::entities::team_members::Model as TeamMember;
use crate::{
    Db, OrgId, Page, PageQuery, Result,
    entities::team_members::{Column, Entity, Model},
    tenant::{page, scoped},
};

pub const ID_PREFIX: &str = "tm";

crate::tenant_repo!();

#[derive(Clone, Debug, Default)]
pub struct TeamMemberFilter {
    pub active: Option<bool>,
    pub updated_since: Option<DateTime<Utc>>,
}

pub async fn list(
    db: &impl Db,
    org: &OrgId,
    filter: &TeamMemberFilter,
    q: &PageQuery,
) -> Result<Page<TeamMember>> {
    let mut select = scoped::<Entity>(org);
    if let Some(active) = filter.active {
        select = select.filter(Column::Active.eq(active));
    }
    if let Some(since) = filter.updated_since {
        select = select.filter(Column::UpdatedAt.gte(since));
    }
    Ok(page(db.conn(), select, q).await?)
}

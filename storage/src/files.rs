//! Files: the records of uploaded contents (the bytes live in [`crate::objects`]).

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, QueryFilter};

pub use crate::entities::files::Model as FileRecord;
use crate::{
    Db, OrgId, Page, PageQuery, Result,
    entities::files::{Column, Entity, Model},
    tenant::{page, scoped},
};

pub const ID_PREFIX: &str = "file";

crate::tenant_repo!();

#[derive(Clone, Debug, Default)]
pub struct FileFilter {
    pub status: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
}

pub async fn list(
    db: &impl Db,
    org: &OrgId,
    filter: &FileFilter,
    q: &PageQuery,
) -> Result<Page<FileRecord>> {
    let mut select = scoped::<Entity>(org);
    if let Some(status) = &filter.status {
        select = select.filter(Column::Status.eq(status.as_str()));
    }
    if let Some(since) = filter.updated_since {
        select = select.filter(Column::UpdatedAt.gte(since));
    }
    Ok(page(db.conn(), select, q).await?)
}

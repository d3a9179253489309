use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "files")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub organization_id: String,
    pub name: String,
    pub mime_type: String,
    pub size_bytes: i64,
    pub checksum_sha256: String,
    /// `processing`, `ready` (and `pending`, `failed` for processing that runs apart).
    pub status: String,
    pub bucket: String,
    pub storage_key: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

crate::tenant_table!(Entity, crate::files::ID_PREFIX);

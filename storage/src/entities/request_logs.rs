use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "request_logs")]
pub struct Model {
    /// The primary key is `(organization_id, id)`: every read is an organization's
    /// (`m20261203_000016_history_keyed_by_organization`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub organization_id: String,
    /// `rl_...`: the row id (time-ordered keyset); the API shows `request_id` as the id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub request_id: String,
    pub method: String,
    pub path: String,
    pub status_code: i32,
    pub duration_ms: i64,
    pub ip: String,
    pub key_id: String,
    pub request_body: String,
    pub response_body: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

crate::tenant_table!(Entity, crate::request_logs::ID_PREFIX);

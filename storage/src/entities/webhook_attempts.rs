use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_attempts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub organization_id: String,
    pub endpoint_id: String,
    pub event_id: String,
    pub delivery_id: String,
    pub attempt: i32,
    /// 0 when there was no HTTP answer.
    pub status_code: i32,
    pub response_body: String,
    pub error: String,
    pub duration_ms: i64,
    pub success: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

crate::tenant_table!(Entity, crate::webhooks::ATTEMPT_PREFIX);

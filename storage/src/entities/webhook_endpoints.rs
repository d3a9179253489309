use sea_orm::entity::prelude::*;

use super::StringList;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_endpoints")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub organization_id: String,
    pub url: String,
    pub description: String,
    /// Exact types, groups (`invoices.*`) or `*`.
    #[sea_orm(column_type = "JsonBinary")]
    pub event_types: StringList,
    pub enabled: bool,
    pub disabled_reason: String,
    /// The signing secret (`whsec_...`). Kept, not hashed: every delivery is signed with it.
    pub secret: String,
    /// The secret before the last rotation, valid until `previous_secret_expires_at`.
    pub previous_secret: Option<String>,
    pub previous_secret_expires_at: Option<DateTimeUtc>,
    /// Deliveries per second; `None` for no limit.
    pub rate_limit: Option<i32>,
    pub failing_since: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

crate::tenant_table!(Entity, crate::webhooks::ENDPOINT_PREFIX);

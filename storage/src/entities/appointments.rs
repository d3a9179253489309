use sea_orm::entity::prelude::*;
use serde::Serialize;

use super::{AddressRecord, StringList};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "appointments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub organization_id: String,
    pub customer_id: String,
    pub scheduled_start: DateTimeUtc,
    pub scheduled_end: DateTimeUtc,
    /// `scheduled`, `in_progress`, `completed` or `canceled`; the services own the moves.
    pub status: String,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub address: Option<AddressRecord>,
    pub notes: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub service_ids: StringList,
    pub started_at: Option<DateTimeUtc>,
    pub completed_at: Option<DateTimeUtc>,
    pub canceled_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

crate::tenant_table!(Entity, crate::appointments::ID_PREFIX);

use sea_orm::entity::prelude::*;
use serde::Serialize;

use super::LineItemList;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "estimates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub organization_id: String,
    pub customer_id: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub line_items: LineItemList,
    pub currency: String,
    pub subtotal: i64,
    pub tax_rate_bps: i32,
    pub tax: i64,
    pub total: i64,
    /// `draft`, `sent`, `approved`, `declined` or `converted`.
    pub status: String,
    /// The invoice made by converting this estimate.
    pub invoice_id: Option<String>,
    pub notes: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

crate::tenant_table!(Entity, crate::estimates::ID_PREFIX);

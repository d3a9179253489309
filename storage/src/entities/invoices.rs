use sea_orm::entity::prelude::*;
use serde::Serialize;

use super::LineItemList;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "invoices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub organization_id: String,
    pub customer_id: String,
    /// The estimate this invoice was converted from.
    pub estimate_id: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub line_items: LineItemList,
    pub currency: String,
    pub subtotal: i64,
    pub tax_rate_bps: i32,
    pub tax: i64,
    pub total: i64,
    pub amount_paid: i64,
    pub amount_due: i64,
    /// Calendar date, `YYYY-MM-DD` (so that text order is date order).
    pub due_date: Option<String>,
    /// The stored status: `draft`, `open`, `paid` or `void`. `overdue` is derived from an
    /// open invoice's due date when it is read.
    pub status: String,
    pub accounting_export_status: String,
    pub finalized_at: Option<DateTimeUtc>,
    pub paid_at: Option<DateTimeUtc>,
    pub voided_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

crate::tenant_table!(Entity, crate::invoices::ID_PREFIX);

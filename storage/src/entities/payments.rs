use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "payments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub organization_id: String,
    pub invoice_id: String,
    /// The invoice's customer, copied so that payments can be listed per customer.
    pub customer_id: String,
    pub amount: i64,
    pub currency: String,
    /// `card`, `ach`, `cash`, `check` or `other`.
    pub method: String,
    /// `pending`, `succeeded`, `failed` or `refunded`.
    pub status: String,
    pub reference: String,
    pub refunded_amount: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

crate::tenant_table!(Entity, crate::payments::ID_PREFIX);

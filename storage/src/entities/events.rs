use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub organization_id: String,
    #[sea_orm(column_name = "type")]
    pub event_type: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub data: Json,
    pub request_id: String,
    pub created_at: DateTimeUtc,
    /// The customer the event concerns (the object's `customer_id`), if any.
    pub customer_id: Option<String>,
    /// The W3C `traceparent` of the request that raised the event (only when traced):
    /// deliveries link to that trace. Internal, never rendered.
    #[serde(skip)]
    pub trace_parent: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

crate::tenant_table!(Entity, "evt");

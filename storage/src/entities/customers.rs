use sea_orm::entity::prelude::*;
use serde::Serialize;

use super::{AddressList, StringList};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "customers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub organization_id: String,
    pub name: String,
    pub company: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub emails: StringList,
    #[sea_orm(column_type = "JsonBinary")]
    pub phones: StringList,
    #[sea_orm(column_type = "JsonBinary")]
    pub addresses: AddressList,
    #[sea_orm(column_type = "JsonBinary")]
    pub tags: StringList,
    pub notes: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

crate::tenant_table!(Entity, crate::customers::ID_PREFIX);

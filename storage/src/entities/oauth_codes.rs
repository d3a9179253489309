use sea_orm::entity::prelude::*;

use super::StringList;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oauth_codes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// HMAC of the code; never the code.
    pub code_hash: String,
    pub app_id: String,
    pub install_id: String,
    pub organization_id: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub scopes: StringList,
    pub user_id: String,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
    /// The token family its exchange started: what a reuse revokes.
    pub family_id: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

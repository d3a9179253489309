use sea_orm::entity::prelude::*;

use super::StringList;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oauth_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// HMAC of the token; never the token.
    pub token_hash: String,
    /// `access` or `refresh`.
    pub kind: String,
    pub app_id: String,
    pub install_id: String,
    pub organization_id: String,
    pub family_id: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub scopes: StringList,
    /// The consenting user; empty for client_credentials.
    pub user_id: String,
    pub expires_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
    /// A refresh token's rotation: when it was used, and the refresh token that replaced it.
    pub replaced_at: Option<DateTimeUtc>,
    pub replaced_by: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

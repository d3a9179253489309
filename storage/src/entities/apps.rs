use sea_orm::entity::prelude::*;

use super::StringList;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "apps")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The developer's organization.
    pub organization_id: String,
    pub name: String,
    pub description: String,
    pub homepage_url: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub redirect_uris: StringList,
    #[sea_orm(column_type = "JsonBinary")]
    pub scopes: StringList,
    /// `confidential` or `public`.
    pub client_type: String,
    /// HMAC of a confidential app's client secret; never the secret.
    pub client_secret_hash: Option<String>,
    /// `draft`, `in_review`, `approved`, `rejected` or `suspended`.
    pub review_status: String,
    pub review_notes: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

crate::tenant_table!(Entity, crate::apps::APP_PREFIX);

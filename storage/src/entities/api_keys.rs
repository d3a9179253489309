use sea_orm::entity::prelude::*;
use serde::Serialize;

use super::StringList;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "api_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub organization_id: String,
    pub name: String,
    /// HMAC-SHA256 of the secret under the server's hashing key; never the secret.
    #[serde(skip)]
    pub secret_hash: String,
    pub secret_hint: String,
    pub environment: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub scopes: StringList,
    pub expires_at: Option<DateTimeUtc>,
    pub per_minute_limit: i64,
    pub per_day_limit: i64,
    pub last_used_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    /// The dashboard user (`usr_...`) who made the key; `None` for the operator's and
    /// internal services' keys.
    pub created_by_user_id: Option<String>,
    /// After a roll with a grace: the HMAC of the replaced secret, which verification still
    /// accepts until `previous_secret_expires_at`.
    #[serde(skip)]
    pub previous_secret_hash: Option<String>,
    pub previous_secret_expires_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
crate::tenant_table!(Entity, crate::api_keys::ID_PREFIX);

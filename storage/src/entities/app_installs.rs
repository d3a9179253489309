use sea_orm::entity::prelude::*;

use super::StringList;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "app_installs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The organization the app is installed in.
    pub organization_id: String,
    pub app_id: String,
    /// `app_id` while the install is live, `None` once uninstalled: unique per organization,
    /// so that an app has at most one live install in an organization.
    pub live_app_id: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub scopes: StringList,
    pub installed_by_user_id: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub uninstalled_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

crate::tenant_table!(Entity, crate::apps::INSTALL_PREFIX);

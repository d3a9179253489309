use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "team_members")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub organization_id: String,
    pub name: String,
    pub email: String,
    /// `email` lowercased: what the unique index `(organization_id, email_key)` compares, so
    /// that `DUP@example.com` and `dup@example.com` cannot be two members. Set by
    /// [`ActiveModelBehavior::before_save`] on every insert and update, never by callers.
    #[serde(skip)]
    pub email_key: String,
    pub role: String,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    async fn before_save<C>(mut self, _db: &C, _insert: bool) -> Result<Self, DbErr>
    where
        C: ConnectionTrait,
    {
        // Derived here, in the one place every write of the row passes, so that no caller can
        // store an address whose key disagrees with it. Rust's Unicode lowercase, not the
        // database's `lower()` (ASCII-only on SQLite), so both backends compare alike.
        if let sea_orm::ActiveValue::Set(email) | sea_orm::ActiveValue::Unchanged(email) =
            &self.email
        {
            self.email_key = sea_orm::ActiveValue::Set(email.to_lowercase());
        }
        Ok(self)
    }
}

crate::tenant_table!(Entity, crate::team_members::ID_PREFIX);

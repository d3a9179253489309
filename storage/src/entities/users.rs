use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub organization_id: String,
    pub email: String,
    /// `email` lowercased: what sign-in looks up and the unique index `email_key` compares
    /// (across organizations: a user signs in with the email alone). Set by
    /// [`ActiveModelBehavior::before_save`] on every insert and update, never by callers.
    #[serde(skip)]
    pub email_key: String,
    pub name: String,
    /// `owner`, `admin`, `developer` or `viewer`.
    pub role: String,
    /// The Argon2id PHC string of the password; never the password.
    #[serde(skip)]
    pub password_hash: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub last_sign_in_at: Option<DateTimeUtc>,
}

// By hand, so that no log line or panic message carries the password hash.
impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("organization_id", &self.organization_id)
            .field("email", &self.email)
            .field("name", &self.name)
            .field("role", &self.role)
            .field("password_hash", &"<redacted>")
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .field("last_sign_in_at", &self.last_sign_in_at)
            .finish()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    async fn before_save<C>(mut self, _db: &C, _insert: bool) -> Result<Self, DbErr>
    where
        C: ConnectionTrait,
    {
        // As team members' key (see there): derived where every write passes, with Rust's
        // Unicode lowercase so that both backends compare alike.
        if let sea_orm::ActiveValue::Set(email) | sea_orm::ActiveValue::Unchanged(email) =
            &self.email
        {
            self.email_key = sea_orm::ActiveValue::Set(email.to_lowercase());
        }
        Ok(self)
    }
}

crate::tenant_table!(Entity, crate::users::ID_PREFIX);

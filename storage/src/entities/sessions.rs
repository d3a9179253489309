use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// HMAC-SHA256 of the session token under the server's hashing key; never the token.
    pub token_hash: String,
    pub user_id: String,
    pub organization_id: String,
    /// The synchronizer token the session's state-changing forms carry.
    pub csrf_token: String,
    pub ip: String,
    pub user_agent: String,
    pub created_at: DateTimeUtc,
    pub last_seen_at: DateTimeUtc,
    /// When the session ends if unused; moved forward by every use, never past `expires_at`.
    pub idle_expires_at: DateTimeUtc,
    /// When the session ends however it is used.
    pub expires_at: DateTimeUtc,
    /// Sign-out.
    pub ended_at: Option<DateTimeUtc>,
}

// By hand: the CSRF token is a secret of the session and stays out of logs.
impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.id)
            .field("user_id", &self.user_id)
            .field("organization_id", &self.organization_id)
            .field("csrf_token", &"<redacted>")
            .field("ip", &self.ip)
            .field("user_agent", &self.user_agent)
            .field("created_at", &self.created_at)
            .field("last_seen_at", &self.last_seen_at)
            .field("idle_expires_at", &self.idle_expires_at)
            .field("expires_at", &self.expires_at)
            .field("ended_at", &self.ended_at)
            .finish()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

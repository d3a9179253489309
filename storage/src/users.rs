//! Dashboard users and their sessions.
//!
//! Users are a tenant table: listing and reading by id go through the tenant-scoped
//! functions (`tenant_repo!`, [`list`]), and a user is created through [`crate::Store::create`]
//! with its audit record. Two lookups are global by nature, as [`crate::api_keys::find_by_hash`]
//! is: sign-in finds a user by its email alone ([`find_by_email_key`]), and a presented session
//! token finds its session ([`find_session`]); in both the credential names the organization,
//! not the other way round.
//!
//! Opening, using and ending a session are not audited (sign-in and sign-out are not changes
//! of the organization's data), so they are plain statements on the store, outside
//! [`crate::Write`], as a key's `last_used_at` is ([`crate::api_keys::touch`]).

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait, EntityTrait, IntoActiveModel as _, QueryFilter, QueryOrder,
    SqliteTransactionMode, TransactionOptions, TransactionTrait as _, sea_query::Expr,
};

pub use crate::entities::sessions::Model as Session;
pub use crate::entities::users::Model as User;
use crate::{
    Db, OrgId, Result, Store,
    entities::{
        sessions,
        users::{Column, Entity, Model},
    },
    tenant::scoped,
};

pub const ID_PREFIX: &str = "usr";
pub const SESSION_ID_PREFIX: &str = "ses";

crate::tenant_repo!();

/// The organization's users, oldest first (an organization has a handful: no pages).
pub async fn list(db: &impl Db, org: &OrgId) -> Result<Vec<User>> {
    Ok(scoped::<Entity>(org)
        .order_by_asc(Column::Id)
        .all(db.conn())
        .await?)
}

/// The user whose email, lowercased, is `email_key`, in any organization. Global: sign-in
/// knows only the email.
pub async fn find_by_email_key(db: &impl Db, email_key: &str) -> Result<Option<User>> {
    Ok(Entity::find()
        .filter(Column::EmailKey.eq(email_key))
        .one(db.conn())
        .await?)
}

/// Stores a new session of `session.user_id` and stamps the user's `last_sign_in_at` with
/// the session's `created_at`, together. The user's `updated_at` stays: signing in changes
/// nothing the user is.
pub async fn open_session(store: &Store, session: Session) -> Result<Session> {
    // IMMEDIATE: SQLite's write lock up front, as every write here (see `Store::write`).
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    };
    let tx = store.conn().begin_with_options(options).await?;
    Entity::update_many()
        .col_expr(Column::LastSignInAt, Expr::value(session.created_at))
        .filter(Column::OrganizationId.eq(session.organization_id.as_str()))
        .filter(Column::Id.eq(session.user_id.as_str()))
        .exec(&tx)
        .await?;
    let session = session.into_active_model().insert(&tx).await?;
    tx.commit().await?;
    Ok(session)
}

/// The session whose token hashes to `token_hash`, ended or not. Global: the token is the
/// only thing a caller presents.
pub async fn find_session(db: &impl Db, token_hash: &str) -> Result<Option<Session>> {
    Ok(sessions::Entity::find()
        .filter(sessions::Column::TokenHash.eq(token_hash))
        .one(db.conn())
        .await?)
}

/// Records a use of a live session: `last_seen_at = at` and the idle expiry moved to
/// `idle_expires_at`. Only while the session is still live at `at` (not ended, not expired):
/// whether it was is the answer, so that a sign-out that raced this use wins.
pub async fn touch_session(
    db: &impl Db,
    id: &str,
    at: DateTime<Utc>,
    idle_expires_at: DateTime<Utc>,
) -> Result<bool> {
    use sessions::Column as C;
    let done = sessions::Entity::update_many()
        .col_expr(C::LastSeenAt, Expr::value(at))
        .col_expr(C::IdleExpiresAt, Expr::value(idle_expires_at))
        .filter(C::Id.eq(id))
        .filter(C::EndedAt.is_null())
        .filter(C::IdleExpiresAt.gt(at))
        .filter(C::ExpiresAt.gt(at))
        .exec(db.conn())
        .await?;
    Ok(done.rows_affected > 0)
}

/// Ends the session whose token hashes to `token_hash` at `at`, if it is not ended already
/// (its first sign-out is the one kept). Unknown tokens end nothing.
pub async fn end_session(db: &impl Db, token_hash: &str, at: DateTime<Utc>) -> Result<()> {
    use sessions::Column as C;
    sessions::Entity::update_many()
        .col_expr(C::EndedAt, Expr::value(Some(at)))
        .filter(C::TokenHash.eq(token_hash))
        .filter(C::EndedAt.is_null())
        .exec(db.conn())
        .await?;
    Ok(())
}

//! The authorization server's codes and tokens (CONTRACT section 11).
//!
//! Every lookup here is global by nature, as [`crate::api_keys::find_by_hash`] is: a client
//! presents a code or a token (stored only as its keyed hash, unique), and the row names
//! the app, the install and the organization, not the other way round. Issuing, using and
//! revoking codes and tokens are not audited (they are not changes of an organization's
//! data; the install they belong to is, see [`crate::apps`]), so they are plain statements
//! on the store, outside [`crate::Write`], as sessions are. The steps that must not race (a
//! code redeemed once, a refresh token replaced once) are conditional updates whose row
//! count decides, in one transaction with the tokens they issue.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, EntityTrait as _, IntoActiveModel as _,
    QueryFilter as _, SqliteTransactionMode, TransactionOptions, TransactionTrait as _,
    sea_query::Expr,
};

pub use crate::entities::oauth_codes::Model as Code;
pub use crate::entities::oauth_tokens::Model as Token;
use crate::{
    Db, Result, Store,
    entities::{oauth_codes, oauth_tokens},
};

pub const CODE_PREFIX: &str = "ocd";
pub const TOKEN_PREFIX: &str = "otk";
pub const FAMILY_PREFIX: &str = "ofm";

pub const ACCESS: &str = "access";
pub const REFRESH: &str = "refresh";

fn immediate() -> TransactionOptions {
    // IMMEDIATE: SQLite's write lock up front, as every write here (see `Store::write`).
    TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    }
}

pub async fn insert_code(db: &impl Db, code: Code) -> Result<Code> {
    Ok(code.into_active_model().insert(db.conn()).await?)
}

/// The code whose hash this is, used or not.
pub async fn find_code(db: &impl Db, code_hash: &str) -> Result<Option<Code>> {
    Ok(oauth_codes::Entity::find()
        .filter(oauth_codes::Column::CodeHash.eq(code_hash))
        .one(db.conn())
        .await?)
}

/// Redeems a code: marks it used (only if it was not: whether it was is the answer) and
/// stores the tokens it issues, whose family it remembers, together.
pub async fn redeem_code(
    store: &Store,
    code_id: &str,
    family_id: &str,
    tokens: Vec<Token>,
    at: DateTime<Utc>,
) -> Result<bool> {
    use oauth_codes::Column as C;
    let tx = store.conn().begin_with_options(immediate()).await?;
    let done = oauth_codes::Entity::update_many()
        .col_expr(C::UsedAt, Expr::value(Some(at)))
        .col_expr(C::FamilyId, Expr::value(Some(family_id.to_owned())))
        .filter(C::Id.eq(code_id))
        .filter(C::UsedAt.is_null())
        .exec(&tx)
        .await?;
    if done.rows_affected == 0 {
        tx.rollback().await?;
        return Ok(false);
    }
    for token in tokens {
        token.into_active_model().insert(&tx).await?;
    }
    tx.commit().await?;
    Ok(true)
}

pub async fn insert_tokens(store: &Store, tokens: Vec<Token>) -> Result<()> {
    let tx = store.conn().begin_with_options(immediate()).await?;
    for token in tokens {
        token.into_active_model().insert(&tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The token whose hash this is, whatever its state.
pub async fn find_token(db: &impl Db, token_hash: &str) -> Result<Option<Token>> {
    Ok(oauth_tokens::Entity::find()
        .filter(oauth_tokens::Column::TokenHash.eq(token_hash))
        .one(db.conn())
        .await?)
}

pub async fn get_token(db: &impl Db, id: &str) -> Result<Option<Token>> {
    Ok(oauth_tokens::Entity::find_by_id(id.to_owned())
        .one(db.conn())
        .await?)
}

/// Replaces the live refresh token `old_id` by the tokens issued in its place (the first
/// refresh token among them is its successor): only if it is neither replaced nor revoked
/// (whether it was is the answer), so that two uses of one refresh token never both win.
pub async fn rotate(
    store: &Store,
    old_id: &str,
    tokens: Vec<Token>,
    at: DateTime<Utc>,
) -> Result<bool> {
    use oauth_tokens::Column as C;
    let successor = tokens
        .iter()
        .find(|t| t.kind == REFRESH)
        .map(|t| t.id.clone());
    let tx = store.conn().begin_with_options(immediate()).await?;
    let done = oauth_tokens::Entity::update_many()
        .col_expr(C::ReplacedAt, Expr::value(Some(at)))
        .col_expr(C::ReplacedBy, Expr::value(successor))
        .filter(C::Id.eq(old_id))
        .filter(C::ReplacedAt.is_null())
        .filter(C::RevokedAt.is_null())
        .exec(&tx)
        .await?;
    if done.rows_affected == 0 {
        tx.rollback().await?;
        return Ok(false);
    }
    for token in tokens {
        token.into_active_model().insert(&tx).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Revokes the live tokens matching `filter` at `at`; returns how many.
async fn revoke_where(
    db: &impl Db,
    filter: sea_orm::sea_query::SimpleExpr,
    at: DateTime<Utc>,
) -> Result<u64> {
    use oauth_tokens::Column as C;
    let done = oauth_tokens::Entity::update_many()
        .col_expr(C::RevokedAt, Expr::value(Some(at)))
        .filter(filter)
        .filter(C::RevokedAt.is_null())
        .exec(db.conn())
        .await?;
    Ok(done.rows_affected)
}

pub async fn revoke_token(db: &impl Db, id: &str, at: DateTime<Utc>) -> Result<u64> {
    revoke_where(db, oauth_tokens::Column::Id.eq(id), at).await
}

/// Every token descended from one grant (a reused code, a replaced refresh token used
/// again, a refresh token revoked by its client).
pub async fn revoke_family(db: &impl Db, family_id: &str, at: DateTime<Utc>) -> Result<u64> {
    revoke_where(db, oauth_tokens::Column::FamilyId.eq(family_id), at).await
}

/// Every token of an install (uninstall, app deletion).
pub async fn revoke_install(db: &impl Db, install_id: &str, at: DateTime<Utc>) -> Result<u64> {
    revoke_where(db, oauth_tokens::Column::InstallId.eq(install_id), at).await
}

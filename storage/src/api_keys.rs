//! API keys. The one lookup that is not tenant-scoped is [`find_by_hash`]: a presented
//! secret identifies its organization, not the other way round.
//!
//! A key has one current secret and, after a roll with a grace, the previous one until
//! `previous_secret_expires_at`. Both are stored as HMACs only.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder,
};

pub use crate::entities::api_keys::Model as ApiKey;
use crate::{
    Db, OrgId, Result, StringList,
    entities::api_keys::{Column, Entity},
    ids::new_id,
    tenant::scoped,
};

pub const ID_PREFIX: &str = "key";

#[derive(Clone, Debug)]
pub struct NewApiKey {
    pub name: String,
    pub secret_hash: String,
    pub secret_hint: String,
    pub environment: String,
    pub scopes: Vec<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub per_minute_limit: i64,
    pub per_day_limit: i64,
    /// The dashboard user whose call made the key, if a user's.
    pub created_by_user_id: Option<String>,
}

pub async fn insert(db: &impl Db, org: &OrgId, new: NewApiKey) -> Result<ApiKey> {
    let model = ApiKey {
        id: new_id(ID_PREFIX),
        organization_id: org.as_str().to_owned(),
        name: new.name,
        secret_hash: new.secret_hash,
        secret_hint: new.secret_hint,
        environment: new.environment,
        scopes: StringList(new.scopes),
        expires_at: new.expires_at,
        per_minute_limit: new.per_minute_limit,
        per_day_limit: new.per_day_limit,
        last_used_at: None,
        revoked_at: None,
        created_at: Utc::now(),
        created_by_user_id: new.created_by_user_id,
        previous_secret_hash: None,
        previous_secret_expires_at: None,
    };
    Ok(model.into_active_model().insert(db.conn()).await?)
}

/// Which of its key's secrets a presented one is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretMatch {
    Current,
    /// The secret a roll replaced; it works until `expires_at` (which may have passed: the
    /// caller decides, at each use).
    Previous {
        expires_at: DateTime<Utc>,
    },
}

/// The key whose current or previous secret has this hash. One statement: each column has
/// its own index, which both databases combine for the `OR`.
pub async fn find_by_hash(
    db: &impl Db,
    secret_hash: &str,
) -> Result<Option<(ApiKey, SecretMatch)>> {
    let found = Entity::find()
        .filter(
            Condition::any()
                .add(Column::SecretHash.eq(secret_hash))
                .add(Column::PreviousSecretHash.eq(secret_hash)),
        )
        .one(db.conn())
        .await?;
    Ok(found.and_then(|key| {
        if key.secret_hash == secret_hash {
            return Some((key, SecretMatch::Current));
        }
        // A previous hash without its time cannot be written (`replace_secret` sets both);
        // were one found, it would not work.
        let expires_at = key.previous_secret_expires_at?;
        Some((key, SecretMatch::Previous { expires_at }))
    }))
}

pub async fn get(db: &impl Db, id: &str) -> Result<Option<ApiKey>> {
    Ok(Entity::find_by_id(id.to_owned()).one(db.conn()).await?)
}

pub async fn list(db: &impl Db, org: &OrgId) -> Result<Vec<ApiKey>> {
    Ok(scoped::<Entity>(org)
        .order_by_desc(Column::Id)
        .all(db.conn())
        .await?)
}

pub async fn revoke(db: &impl Db, id: &str) -> Result<Option<ApiKey>> {
    let Some(key) = get(db, id).await? else {
        return Ok(None);
    };
    if key.revoked_at.is_some() {
        return Ok(Some(key));
    }
    let mut active = key.into_active_model();
    active.revoked_at = Set(Some(Utc::now()));
    Ok(Some(active.update(db.conn()).await?))
}

/// A new secret for a key. `keep_previous_until`: the replaced secret keeps working until
/// then; `None` drops it at once. Either way a secret kept by an earlier roll is forgotten:
/// a key has at most one previous secret.
pub async fn replace_secret(
    db: &impl Db,
    id: &str,
    secret_hash: String,
    secret_hint: String,
    keep_previous_until: Option<DateTime<Utc>>,
) -> Result<Option<ApiKey>> {
    let Some(key) = get(db, id).await? else {
        return Ok(None);
    };
    let previous = keep_previous_until.map(|until| (key.secret_hash.clone(), until));
    let mut active = key.into_active_model();
    active.secret_hash = Set(secret_hash);
    active.secret_hint = Set(secret_hint);
    active.previous_secret_hash = Set(previous.as_ref().map(|(hash, _)| hash.clone()));
    active.previous_secret_expires_at = Set(previous.map(|(_, until)| until));
    Ok(Some(active.update(db.conn()).await?))
}

pub async fn touch(db: &impl Db, id: &str, at: DateTime<Utc>) -> Result<()> {
    Entity::update_many()
        .col_expr(Column::LastUsedAt, sea_orm::sea_query::Expr::value(at))
        .filter(Column::Id.eq(id))
        .exec(db.conn())
        .await?;
    Ok(())
}

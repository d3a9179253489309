//! API keys. The one lookup that is not tenant-scoped is [`find_by_hash`]: a presented
//! secret identifies its organization, not the other way round.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder,
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
    };
    Ok(model.into_active_model().insert(db.conn()).await?)
}

pub async fn find_by_hash(db: &impl Db, secret_hash: &str) -> Result<Option<ApiKey>> {
    Ok(Entity::find()
        .filter(Column::SecretHash.eq(secret_hash))
        .one(db.conn())
        .await?)
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

pub async fn replace_secret(
    db: &impl Db,
    id: &str,
    secret_hash: String,
    secret_hint: String,
) -> Result<Option<ApiKey>> {
    let Some(key) = get(db, id).await? else {
        return Ok(None);
    };
    let mut active = key.into_active_model();
    active.secret_hash = Set(secret_hash);
    active.secret_hint = Set(secret_hint);
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

//! The idempotency store behind `Idempotency-Key`: one row per (organization, credential,
//! key), claimed atomically by the first request, holding its response once it finishes.

use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    sea_query::{Expr, OnConflict},
};

use crate::{
    Db, OrgId, Result,
    entities::idempotency_keys::{ActiveModel, Column, Entity, Model},
};

/// Keys are remembered this long (CONTRACT section 5: 24 h).
pub const RETENTION: Duration = Duration::hours(24);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredResponse {
    pub status_code: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Begin {
    Proceed,
    Replay(StoredResponse),
    InProgress,
    Mismatch,
}

fn key_filter(org: &OrgId, principal: &str, key: &str) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(Column::OrganizationId.eq(org.as_str()))
        .add(Column::PrincipalId.eq(principal))
        .add(Column::IdempotencyKey.eq(key))
}

pub async fn begin(
    db: &impl Db,
    org: &OrgId,
    principal: &str,
    key: &str,
    fingerprint: &str,
    lock_seconds: u32,
) -> Result<Begin> {
    let now = Utc::now();
    // Forget an expired key first, so that the insert below can claim it afresh.
    Entity::delete_many()
        .filter(key_filter(org, principal, key))
        .filter(Column::CreatedAt.lt(now - RETENTION))
        .exec(db.conn())
        .await?;
    let row = ActiveModel {
        organization_id: Set(org.as_str().to_owned()),
        principal_id: Set(principal.to_owned()),
        idempotency_key: Set(key.to_owned()),
        fingerprint: Set(fingerprint.to_owned()),
        status_code: Set(None),
        content_type: Set(None),
        response_body: Set(None),
        locked_until: Set(now + Duration::seconds(i64::from(lock_seconds))),
        created_at: Set(now),
    };
    let inserted = Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                Column::OrganizationId,
                Column::PrincipalId,
                Column::IdempotencyKey,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(db.conn())
        .await?;
    if inserted == 1 {
        return Ok(Begin::Proceed);
    }
    let Some(existing) = Entity::find()
        .filter(key_filter(org, principal, key))
        .one(db.conn())
        .await?
    else {
        // Released between our insert and read: the caller may simply try again.
        return Ok(Begin::InProgress);
    };
    if existing.fingerprint != fingerprint {
        return Ok(Begin::Mismatch);
    }
    if let Some(stored) = stored(&existing) {
        return Ok(Begin::Replay(stored));
    }
    if existing.locked_until < now {
        // The request that claimed the key died without finishing: take the claim over,
        // unless another retry got there first.
        let taken = Entity::update_many()
            .col_expr(
                Column::LockedUntil,
                Expr::value(now + Duration::seconds(i64::from(lock_seconds))),
            )
            .filter(key_filter(org, principal, key))
            .filter(Column::StatusCode.is_null())
            .filter(Column::LockedUntil.lt(now))
            .exec(db.conn())
            .await?;
        if taken.rows_affected == 1 {
            return Ok(Begin::Proceed);
        }
    }
    Ok(Begin::InProgress)
}

fn stored(row: &Model) -> Option<StoredResponse> {
    Some(StoredResponse {
        status_code: u16::try_from(row.status_code?).ok()?,
        content_type: row.content_type.clone().unwrap_or_default(),
        body: row.response_body.clone().unwrap_or_default(),
    })
}

pub async fn complete(
    db: &impl Db,
    org: &OrgId,
    principal: &str,
    key: &str,
    response: StoredResponse,
) -> Result<()> {
    let Some(row) = Entity::find()
        .filter(key_filter(org, principal, key))
        .one(db.conn())
        .await?
    else {
        return Ok(());
    };
    let mut active = row.into_active_model();
    active.status_code = Set(Some(i32::from(response.status_code)));
    active.content_type = Set(Some(response.content_type));
    active.response_body = Set(Some(response.body));
    active.update(db.conn()).await?;
    Ok(())
}

pub async fn release(db: &impl Db, org: &OrgId, principal: &str, key: &str) -> Result<()> {
    Entity::delete_many()
        .filter(key_filter(org, principal, key))
        .filter(Column::StatusCode.is_null())
        .exec(db.conn())
        .await?;
    Ok(())
}

//! How far behind the delivery workers are, for metrics: how many deliveries are pending,
//! how many of them are due and unclaimed, and since when the oldest of those has been due.
//! Like the claim, it reads the whole queue (not one organization's); the three reads walk
//! the `(status, next_attempt_at)` index that the claim walks.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait as _, QueryFilter, QueryOrder, QuerySelect,
};

use crate::{
    Db, Result, Store,
    entities::webhook_deliveries::{Column, Entity},
    webhooks::queue::PENDING,
};

/// The queue at one instant.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Backlog {
    /// Pending deliveries: due, in flight, or waiting for a retry.
    pub pending: u64,
    /// Pending, due by `now` and claimed by no live lease: what a worker would take now.
    pub due: u64,
    /// When the oldest of those became due.
    pub oldest_due: Option<DateTime<Utc>>,
}

/// Reads the backlog as of `now`.
pub async fn backlog(store: &Store, now: DateTime<Utc>) -> Result<Backlog> {
    let pending = Entity::find()
        .filter(Column::Status.eq(PENDING))
        .count(store.conn())
        .await?;
    // The claim's condition: due, and unclaimed or with a lapsed lease.
    let due = || {
        Entity::find().filter(
            Condition::all()
                .add(Column::Status.eq(PENDING))
                .add(Column::NextAttemptAt.lte(now))
                .add(
                    Condition::any()
                        .add(Column::LockedUntil.is_null())
                        .add(Column::LockedUntil.lt(now)),
                ),
        )
    };
    let count = due().count(store.conn()).await?;
    let oldest_due = if count == 0 {
        None
    } else {
        due()
            .select_only()
            .column(Column::NextAttemptAt)
            .order_by_asc(Column::NextAttemptAt)
            .into_tuple::<DateTime<Utc>>()
            .one(store.conn())
            .await?
    };
    Ok(Backlog {
        pending,
        due: count,
        oldest_due,
    })
}

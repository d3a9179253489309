//! The request history loses its index on `created_at` alone.
//!
//! It served one statement, the retention pruning (`DELETE ... WHERE created_at < ?`), and
//! cost every recorded request one more B-tree insert (one of nine on SQLite: the table,
//! its primary key's index and seven more). Pruning now deletes organization by
//! organization through `idx_request_logs_org_created` (`organization_id, created_at, id`),
//! which the `created_after` filter needs anyway (`storage::request_logs::prune`).

use sea_orm_migration::prelude::*;

use crate::common::index;

pub struct Migration;

const INDEX: &str = "idx_request_logs_created";

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000015_history_prune_by_organization"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name(INDEX)
                .table(Alias::new("request_logs"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(index(INDEX, Alias::new("request_logs"), &["created_at"]))
            .await
    }
}

//! The request history is keyed by `(organization_id, id)` instead of `id` alone.
//!
//! Every read of the history is an organization's (`storage::tenant::scoped`), so the index
//! on `id` alone that the old primary key carried served no query; it was one of the eight
//! B-trees (the table and seven indexes) that each recorded request is inserted into. The
//! composite key takes over from `idx_request_logs_org_id`, which it makes redundant: one
//! B-tree fewer per row. On the hot-path benchmark's SQLite history the B-tree work of a row
//! went from about 53k instructions to about 48k (README, "Benchmark: the hot path"). Ids
//! stay globally unique (UUIDv7, `storage::ids`); only the constraint's scope changed.
//!
//! Neither backend can change a table's primary key in place through the portable schema
//! builder (SQLite cannot at all), so the table is rebuilt: a new table with the new key,
//! the rows copied, the old one dropped, the new one renamed, the filter indexes made again
//! under their own names.

use sea_orm_migration::prelude::*;

use crate::common::{index, text, ts};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000016_history_keyed_by_organization"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// In one transaction on SQLite too (sea-orm-migration's default there is none): the
    /// rebuild is whole or not at all, and every step runs on one connection. Through the
    /// pool, a step could land on a connection whose cached schema still held the dropped
    /// table's indexes, and fail with "index ... already exists".
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        rebuild(m, Key::OrganizationAndId).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        rebuild(m, Key::Id).await
    }
}

/// The history's primary key: after this migration, and before it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    OrganizationAndId,
    Id,
}

const TABLE: &str = "request_logs";
const REBUILT: &str = "request_logs_rebuilt";
const COLUMNS: [&str; 12] = [
    "id",
    "organization_id",
    "request_id",
    "method",
    "path",
    "status_code",
    "duration_ms",
    "ip",
    "key_id",
    "request_body",
    "response_body",
    "created_at",
];

/// The secondary indexes of the history with either key (`idx_request_logs_org_id` only
/// with the old one: the new key is those columns).
fn indexes(key: Key) -> Vec<(&'static str, &'static [&'static str])> {
    let mut all: Vec<(&'static str, &'static [&'static str])> = vec![
        (
            "idx_request_logs_org_request",
            &["organization_id", "request_id"],
        ),
        (
            "idx_request_logs_org_status",
            &["organization_id", "status_code", "id"],
        ),
        (
            "idx_request_logs_org_method",
            &["organization_id", "method", "id"],
        ),
        (
            "idx_request_logs_org_key",
            &["organization_id", "key_id", "id"],
        ),
        (
            "idx_request_logs_org_created",
            &["organization_id", "created_at", "id"],
        ),
    ];
    if key == Key::Id {
        all.insert(0, ("idx_request_logs_org_id", &["organization_id", "id"]));
    }
    all
}

fn table(name: &str, key: Key) -> TableCreateStatement {
    let col = |c: &str| ColumnDef::new(Alias::new(c)).to_owned();
    let short = |c: &str, len: u32| col(c).string_len(len).not_null().to_owned();
    // Named, so that PostgreSQL's constraint does not take the new table's name (the old
    // key's own name is free again when the old shape is made back).
    let mut primary_key = Index::create();
    match key {
        Key::OrganizationAndId => primary_key
            .name("pk_request_logs")
            .col(Alias::new("organization_id"))
            .col(Alias::new("id")),
        Key::Id => primary_key.name("request_logs_pkey").col(Alias::new("id")),
    };
    Table::create()
        .table(Alias::new(name))
        .primary_key(&mut primary_key)
        .col(short("id", 64))
        // Empty for requests that never authenticated: no tenant can read those.
        .col(short("organization_id", 64))
        .col(text(Alias::new("request_id")))
        .col(short("method", 16))
        .col(text(Alias::new("path")))
        .col(col("status_code").integer().not_null())
        .col(col("duration_ms").big_integer().not_null())
        .col(text(Alias::new("ip")))
        .col(short("key_id", 64))
        .col(text(Alias::new("request_body")))
        .col(text(Alias::new("response_body")))
        .col(ts(Alias::new("created_at")))
        .to_owned()
}

async fn rebuild(m: &SchemaManager<'_>, key: Key) -> Result<(), DbErr> {
    m.create_table(table(REBUILT, key)).await?;
    let columns = COLUMNS.map(Alias::new);
    let copy = Query::insert()
        .into_table(Alias::new(REBUILT))
        .columns(columns.clone())
        .select_from(
            Query::select()
                .columns(columns)
                .from(Alias::new(TABLE))
                .to_owned(),
        )
        .map_err(|e| DbErr::Migration(format!("copying the request history: {e}")))?
        .to_owned();
    m.exec_stmt(copy).await?;
    m.drop_table(Table::drop().table(Alias::new(TABLE)).to_owned())
        .await?;
    m.rename_table(
        Table::rename()
            .table(Alias::new(REBUILT), Alias::new(TABLE))
            .to_owned(),
    )
    .await?;
    for (name, columns) in indexes(key) {
        m.create_index(index(name, Alias::new(TABLE), columns))
            .await?;
    }
    Ok(())
}

//! On a SQLite database file the request history moves to a file of its own.
//!
//! `storage/src/history_file.rs` says why (each history commit emptied the page caches of
//! the database file's readers) and how the file is attached, as the schema `history`, to
//! every connection of the database file. Where nothing is attached (PostgreSQL, an
//! in-memory SQLite database) this migration changes nothing and the history stays in the
//! one database.
//!
//! The one migration written in a backend's own SQL, since the schema builder has no
//! spelling for SQLite's attached schemas (it would qualify an index's table, which SQLite
//! refuses). The table and its indexes are made again in the other schema from their own
//! `CREATE` statements in `sqlite_master`, so whatever shape earlier migrations gave the
//! history moves with it unchanged; then the rows are copied and the old table dropped.
//!
//! A transaction on two WAL files is atomic in each file, not across them: after a crash
//! between the two files' commits the new file may hold the table and its rows while the
//! old one still holds them, and the migration is not recorded. Run again, it then creates
//! nothing that exists (`IF NOT EXISTS`) and copies no row twice (`OR IGNORE` on the
//! primary key): it finishes what it began.

use sea_orm_migration::{
    prelude::*,
    sea_orm::{ConnectionTrait, DbBackend, Statement},
};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000017_history_in_its_own_file"
    }
}

const TABLE: &str = "request_logs";
/// The schema `storage` attaches the history file under.
const HISTORY: &str = "history";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// Every step on one connection, whose schema is read at each step.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        move_history(m, "main", HISTORY).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        move_history(m, HISTORY, "main").await
    }
}

async fn move_history(m: &SchemaManager<'_>, from: &str, to: &str) -> Result<(), DbErr> {
    let db = m.get_connection();
    if db.get_database_backend() != DbBackend::Sqlite || !attached(db).await? {
        return Ok(());
    }
    // The table first, then its indexes; the primary key's own index has no SQL.
    let schema = db
        .query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            format!(
                "SELECT type, name, sql FROM {from}.sqlite_master \
                 WHERE tbl_name = '{TABLE}' AND sql IS NOT NULL ORDER BY type = 'index', name"
            ),
        ))
        .await?;
    if schema.is_empty() {
        // Already moved (or never made, which the earlier migrations rule out).
        return Ok(());
    }
    for row in schema {
        let kind: String = row.try_get("", "type")?;
        let name: String = row.try_get("", "name")?;
        let sql: String = row.try_get("", "sql")?;
        db.execute_unprepared(&recreate(&kind, &name, &sql, to)?)
            .await?;
    }
    db.execute_unprepared(&format!(
        "INSERT OR IGNORE INTO {to}.\"{TABLE}\" SELECT * FROM {from}.\"{TABLE}\""
    ))
    .await?;
    db.execute_unprepared(&format!("DROP TABLE {from}.\"{TABLE}\""))
        .await?;
    Ok(())
}

/// Whether the history file is attached to this connection.
async fn attached(db: &impl ConnectionTrait) -> Result<bool, DbErr> {
    let found = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            format!("SELECT 1 AS attached FROM pragma_database_list WHERE name = '{HISTORY}'"),
        ))
        .await?;
    Ok(found.is_some())
}

/// `sql`, the `CREATE` statement of the table or index `name`, made to create it in the
/// schema `to` unless it exists there. Everything from the table's column list (or from
/// the index's `ON`) is kept as it was written.
fn recreate(kind: &str, name: &str, sql: &str, to: &str) -> Result<String, DbErr> {
    let unexpected = || DbErr::Migration(format!("unexpected SQL for {kind} {name}: {sql}"));
    let upper = sql.to_ascii_uppercase();
    match kind {
        "table" => {
            let columns = sql.find('(').ok_or_else(unexpected)?;
            Ok(format!(
                "CREATE TABLE IF NOT EXISTS {to}.\"{name}\" {}",
                &sql[columns..]
            ))
        }
        "index" => {
            let on = upper.find(" ON ").ok_or_else(unexpected)?;
            let unique = if upper.starts_with("CREATE UNIQUE ") {
                "UNIQUE "
            } else {
                ""
            };
            Ok(format!(
                "CREATE {unique}INDEX IF NOT EXISTS {to}.\"{name}\"{}",
                &sql[on..]
            ))
        }
        _ => Err(unexpected()),
    }
}

#[cfg(test)]
mod tests {
    use super::recreate;

    #[test]
    fn statements_are_made_again_in_the_other_schema() {
        assert_eq!(
            recreate(
                "table",
                "request_logs",
                "CREATE TABLE \"request_logs\" ( \"id\" varchar(64) NOT NULL )",
                "history"
            )
            .unwrap(),
            "CREATE TABLE IF NOT EXISTS history.\"request_logs\" ( \"id\" varchar(64) NOT NULL )"
        );
        assert_eq!(
            recreate(
                "index",
                "idx_a",
                "CREATE INDEX \"idx_a\" ON \"request_logs\" (\"organization_id\", \"id\")",
                "main"
            )
            .unwrap(),
            "CREATE INDEX IF NOT EXISTS main.\"idx_a\" ON \"request_logs\" (\"organization_id\", \"id\")"
        );
        assert_eq!(
            recreate(
                "index",
                "u",
                "CREATE UNIQUE INDEX u on request_logs (id)",
                "history"
            )
            .unwrap(),
            "CREATE UNIQUE INDEX IF NOT EXISTS history.\"u\" on request_logs (id)"
        );
        assert!(recreate("trigger", "t", "CREATE TRIGGER t", "history").is_err());
        assert!(recreate("index", "i", "CREATE INDEX i", "history").is_err());
    }
}

//! Team members' emails are unique per organization regardless of case: `email_key` is the
//! address lowercased (written by storage on every save), under a unique index that starts
//! with `organization_id`. A duplicate is then a unique violation, which storage reports as
//! a conflict (409) on whichever door the write came in by, with no read-then-write race.
//!
//! Existing rows get their key computed here in Rust, with the same lowercase storage uses
//! (SQLite's `lower()` folds ASCII only, so SQL could not compute the same keys on both
//! backends). Organizations that already hold case-variant duplicates keep them: the oldest
//! row gets the plain key and each later one `key + ' ' + id` (a space is never in a valid
//! address, so those keys match no real one), so the index can be built and no member is
//! lost; changing such a member's email recomputes its key like any other's.

use std::collections::HashSet;

use sea_orm_migration::prelude::*;

use crate::common::index;

pub struct Migration;

const INDEX: &str = "idx_team_members_org_email_key";

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000009_team_member_email_keys"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(TeamMembers::Table)
                .add_column(
                    ColumnDef::new(TeamMembers::EmailKey)
                        .text()
                        .not_null()
                        .default(""),
                )
                .to_owned(),
        )
        .await?;
        backfill(m).await?;
        let mut unique = index(INDEX, TeamMembers::Table, &["organization_id", "email_key"]);
        m.create_index(unique.unique().to_owned()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name(INDEX)
                .table(TeamMembers::Table)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(TeamMembers::Table)
                .drop_column(TeamMembers::EmailKey)
                .to_owned(),
        )
        .await
    }
}

async fn backfill(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let conn = m.get_connection();
    let rows = conn
        .query_all(
            Query::select()
                .columns([
                    TeamMembers::Id,
                    TeamMembers::OrganizationId,
                    TeamMembers::Email,
                ])
                .from(TeamMembers::Table)
                .order_by(TeamMembers::Id, Order::Asc),
        )
        .await?;
    let mut seen = HashSet::new();
    for row in rows {
        let id: String = row.try_get("", "id")?;
        let org: String = row.try_get("", "organization_id")?;
        let email: String = row.try_get("", "email")?;
        let mut key = email.trim().to_lowercase();
        // Ids are UUIDv7, so ascending id order meets the oldest member of a group first.
        if !seen.insert((org, key.clone())) {
            key = format!("{key} {id}");
        }
        conn.execute(
            Query::update()
                .table(TeamMembers::Table)
                .value(TeamMembers::EmailKey, key)
                .and_where(Expr::col(TeamMembers::Id).eq(id)),
        )
        .await?;
    }
    Ok(())
}

#[derive(DeriveIden)]
enum TeamMembers {
    Table,
    Id,
    OrganizationId,
    Email,
    EmailKey,
}

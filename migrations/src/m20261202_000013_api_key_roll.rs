//! API keys remember who made them and can be rolled with a grace period.
//!
//! - `created_by_user_id`: the dashboard user (`usr_...`) whose call made the key; NULL for
//!   keys made by the operator or an internal service. Not a foreign key: users live in the
//!   dashboard's tables, and a key outlives the account of the person who made it.
//! - `previous_secret_hash` / `previous_secret_expires_at`: after a roll with a grace, the
//!   HMAC of the replaced secret and until when it still works. Verification looks secrets
//!   up by this column as well as by `secret_hash`, hence its index (not unique: NULL for
//!   most keys, and the hashes of 190-bit random secrets do not collide).
//!
//! One ALTER per column: SQLite adds one column per statement.

use sea_orm_migration::prelude::*;

use crate::common::{index, ts_null};

pub struct Migration;

const PREVIOUS_SECRET_INDEX: &str = "idx_api_keys_previous_secret";

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000013_api_key_roll"
    }
}

fn columns() -> [ColumnDef; 3] {
    [
        ColumnDef::new(ApiKeys::CreatedByUserId)
            .string_len(64)
            .null()
            .to_owned(),
        ColumnDef::new(ApiKeys::PreviousSecretHash)
            .string_len(128)
            .null()
            .to_owned(),
        ts_null(ApiKeys::PreviousSecretExpiresAt),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for mut column in columns() {
            m.alter_table(
                Table::alter()
                    .table(ApiKeys::Table)
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await?;
        }
        m.create_index(index(
            PREVIOUS_SECRET_INDEX,
            ApiKeys::Table,
            &["previous_secret_hash"],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name(PREVIOUS_SECRET_INDEX)
                .table(ApiKeys::Table)
                .to_owned(),
        )
        .await?;
        for column in [
            ApiKeys::PreviousSecretExpiresAt,
            ApiKeys::PreviousSecretHash,
            ApiKeys::CreatedByUserId,
        ] {
            m.alter_table(
                Table::alter()
                    .table(ApiKeys::Table)
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    CreatedByUserId,
    PreviousSecretHash,
    PreviousSecretExpiresAt,
}

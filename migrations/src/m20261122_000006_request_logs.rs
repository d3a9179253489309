//! The gateway's request history. Not a tenant write (no audit entry): a log kept for
//! `ASTERI_REQUEST_LOG_RETENTION_DAYS` and pruned by the platform role.

use sea_orm_migration::prelude::*;

use crate::common::{id, index, text, ts};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261122_000006_request_logs"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(RequestLogs::Table)
                .col(id(RequestLogs::Id))
                // Empty for requests that never authenticated: no tenant can read those.
                .col(
                    ColumnDef::new(RequestLogs::OrganizationId)
                        .string_len(64)
                        .not_null(),
                )
                .col(text(RequestLogs::RequestId))
                .col(
                    ColumnDef::new(RequestLogs::Method)
                        .string_len(16)
                        .not_null(),
                )
                .col(text(RequestLogs::Path))
                .col(ColumnDef::new(RequestLogs::StatusCode).integer().not_null())
                .col(
                    ColumnDef::new(RequestLogs::DurationMs)
                        .big_integer()
                        .not_null(),
                )
                .col(text(RequestLogs::Ip))
                .col(ColumnDef::new(RequestLogs::KeyId).string_len(64).not_null())
                .col(text(RequestLogs::RequestBody))
                .col(text(RequestLogs::ResponseBody))
                .col(ts(RequestLogs::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_request_logs_org_id",
            RequestLogs::Table,
            &["organization_id", "id"],
        ))
        .await?;
        m.create_index(index(
            "idx_request_logs_org_request",
            RequestLogs::Table,
            &["organization_id", "request_id"],
        ))
        .await?;
        m.create_index(index(
            "idx_request_logs_created",
            RequestLogs::Table,
            &["created_at"],
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(RequestLogs::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum RequestLogs {
    Table,
    Id,
    OrganizationId,
    RequestId,
    Method,
    Path,
    StatusCode,
    DurationMs,
    Ip,
    KeyId,
    RequestBody,
    ResponseBody,
    CreatedAt,
}

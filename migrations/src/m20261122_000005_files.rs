//! Files: the records of uploaded contents; the bytes themselves live in object storage
//! under `storage_key` in `bucket`.

use sea_orm_migration::prelude::*;

use crate::common::{id, index, org, text, ts};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261122_000005_files"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Files::Table)
                .col(id(Files::Id))
                .col(org(Files::OrganizationId))
                .col(text(Files::Name))
                .col(text(Files::MimeType))
                .col(ColumnDef::new(Files::SizeBytes).big_integer().not_null())
                .col(
                    ColumnDef::new(Files::ChecksumSha256)
                        .string_len(64)
                        .not_null(),
                )
                .col(ColumnDef::new(Files::Status).string_len(16).not_null())
                .col(text(Files::Bucket))
                .col(text(Files::StorageKey))
                .col(ts(Files::CreatedAt))
                .col(ts(Files::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_files_org_id",
            Files::Table,
            &["organization_id", "id"],
        ))
        .await?;
        m.create_index(index(
            "idx_files_org_status",
            Files::Table,
            &["organization_id", "status", "id"],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Files::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Files {
    Table,
    Id,
    OrganizationId,
    Name,
    MimeType,
    SizeBytes,
    ChecksumSha256,
    Status,
    Bucket,
    StorageKey,
    CreatedAt,
    UpdatedAt,
}

//! Team members and the service catalog.

use sea_orm_migration::prelude::*;

use crate::common::{id, index, org, text, ts};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261122_000002_operations"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(TeamMembers::Table)
                .col(id(TeamMembers::Id))
                .col(org(TeamMembers::OrganizationId))
                .col(text(TeamMembers::Name))
                .col(text(TeamMembers::Email))
                .col(text(TeamMembers::Role))
                .col(ColumnDef::new(TeamMembers::Active).boolean().not_null())
                .col(ts(TeamMembers::CreatedAt))
                .col(ts(TeamMembers::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_team_members_org_id",
            TeamMembers::Table,
            &["organization_id", "id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(ServiceItems::Table)
                .col(id(ServiceItems::Id))
                .col(org(ServiceItems::OrganizationId))
                .col(text(ServiceItems::Name))
                .col(text(ServiceItems::Description))
                .col(ColumnDef::new(ServiceItems::Price).big_integer().not_null())
                .col(
                    ColumnDef::new(ServiceItems::Currency)
                        .string_len(3)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(ServiceItems::DurationMinutes)
                        .integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(ServiceItems::OnlineBookable)
                        .boolean()
                        .not_null(),
                )
                .col(ColumnDef::new(ServiceItems::Active).boolean().not_null())
                .col(ts(ServiceItems::CreatedAt))
                .col(ts(ServiceItems::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_service_items_org_id",
            ServiceItems::Table,
            &["organization_id", "id"],
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ServiceItems::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(TeamMembers::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum TeamMembers {
    Table,
    Id,
    OrganizationId,
    Name,
    Email,
    Role,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ServiceItems {
    Table,
    Id,
    OrganizationId,
    Name,
    Description,
    Price,
    Currency,
    DurationMinutes,
    OnlineBookable,
    Active,
    CreatedAt,
    UpdatedAt,
}

//! Organizations, API keys, customers, and the platform tables every tenant write touches:
//! the audit log, the event outbox and the idempotency store.
//!
//! Every tenant-owned table carries `organization_id`, and its indexes lead with it: tenant
//! queries always filter on it first (see `storage::tenant`).

use sea_orm_migration::prelude::*;

use crate::common::{id, index, json, org, text, ts, ts_null};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261122_000001_foundation"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Organizations::Table)
                .col(id(Organizations::Id))
                .col(text(Organizations::Name))
                .col(ColumnDef::new(Organizations::Sandbox).boolean().not_null())
                .col(ts(Organizations::CreatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ApiKeys::Table)
                .col(id(ApiKeys::Id))
                .col(org(ApiKeys::OrganizationId))
                .col(text(ApiKeys::Name))
                .col(
                    ColumnDef::new(ApiKeys::SecretHash)
                        .string_len(128)
                        .not_null()
                        .unique_key(),
                )
                .col(
                    ColumnDef::new(ApiKeys::SecretHint)
                        .string_len(32)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(ApiKeys::Environment)
                        .string_len(8)
                        .not_null(),
                )
                .col(json(ApiKeys::Scopes))
                .col(ts_null(ApiKeys::ExpiresAt))
                .col(
                    ColumnDef::new(ApiKeys::PerMinuteLimit)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(ApiKeys::PerDayLimit)
                        .big_integer()
                        .not_null(),
                )
                .col(ts_null(ApiKeys::LastUsedAt))
                .col(ts_null(ApiKeys::RevokedAt))
                .col(ts(ApiKeys::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(ApiKeys::Table, ApiKeys::OrganizationId)
                        .to(Organizations::Table, Organizations::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_api_keys_org",
            ApiKeys::Table,
            &["organization_id", "id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Customers::Table)
                .col(id(Customers::Id))
                .col(org(Customers::OrganizationId))
                .col(text(Customers::Name))
                .col(text(Customers::Company))
                .col(json(Customers::Emails))
                .col(json(Customers::Phones))
                .col(json(Customers::Addresses))
                .col(json(Customers::Tags))
                .col(text(Customers::Notes))
                .col(ts(Customers::CreatedAt))
                .col(ts(Customers::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Customers::Table, Customers::OrganizationId)
                        .to(Organizations::Table, Organizations::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_customers_org_id",
            Customers::Table,
            &["organization_id", "id"],
        ))
        .await?;
        m.create_index(index(
            "idx_customers_org_updated",
            Customers::Table,
            &["organization_id", "updated_at"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(AuditEvents::Table)
                .col(id(AuditEvents::Id))
                .col(org(AuditEvents::OrganizationId))
                .col(
                    ColumnDef::new(AuditEvents::ActorType)
                        .string_len(32)
                        .not_null(),
                )
                .col(text(AuditEvents::ActorId))
                .col(text(AuditEvents::Action))
                .col(text(AuditEvents::ResourceType))
                .col(text(AuditEvents::ResourceId))
                .col(ColumnDef::new(AuditEvents::Before).json_binary().null())
                .col(ColumnDef::new(AuditEvents::After).json_binary().null())
                .col(text(AuditEvents::RequestId))
                .col(ts(AuditEvents::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_audit_org_id",
            AuditEvents::Table,
            &["organization_id", "id"],
        ))
        .await?;
        m.create_index(index(
            "idx_audit_org_resource",
            AuditEvents::Table,
            &["organization_id", "resource_type", "resource_id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Events::Table)
                .col(id(Events::Id))
                .col(org(Events::OrganizationId))
                .col(text(Events::Type))
                .col(json(Events::Data))
                .col(text(Events::RequestId))
                .col(ts(Events::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_events_org_id",
            Events::Table,
            &["organization_id", "id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(IdempotencyKeys::Table)
                .col(org(IdempotencyKeys::OrganizationId))
                .col(
                    ColumnDef::new(IdempotencyKeys::PrincipalId)
                        .string_len(64)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(IdempotencyKeys::IdempotencyKey)
                        .string_len(255)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(IdempotencyKeys::Fingerprint)
                        .string_len(128)
                        .not_null(),
                )
                .col(ColumnDef::new(IdempotencyKeys::StatusCode).integer().null())
                .col(ColumnDef::new(IdempotencyKeys::ContentType).text().null())
                .col(
                    ColumnDef::new(IdempotencyKeys::ResponseBody)
                        .binary()
                        .null(),
                )
                .col(ts(IdempotencyKeys::LockedUntil))
                .col(ts(IdempotencyKeys::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(IdempotencyKeys::OrganizationId)
                        .col(IdempotencyKeys::PrincipalId)
                        .col(IdempotencyKeys::IdempotencyKey),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_idempotency_created",
            IdempotencyKeys::Table,
            &["created_at"],
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            IdempotencyKeys::Table.into_iden(),
            Events::Table.into_iden(),
            AuditEvents::Table.into_iden(),
            Customers::Table.into_iden(),
            ApiKeys::Table.into_iden(),
            Organizations::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
    Name,
    Sandbox,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    Id,
    OrganizationId,
    Name,
    SecretHash,
    SecretHint,
    Environment,
    Scopes,
    ExpiresAt,
    PerMinuteLimit,
    PerDayLimit,
    LastUsedAt,
    RevokedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Customers {
    Table,
    Id,
    OrganizationId,
    Name,
    Company,
    Emails,
    Phones,
    Addresses,
    Tags,
    Notes,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    OrganizationId,
    ActorType,
    ActorId,
    Action,
    ResourceType,
    ResourceId,
    Before,
    After,
    RequestId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    OrganizationId,
    Type,
    Data,
    RequestId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    OrganizationId,
    PrincipalId,
    IdempotencyKey,
    Fingerprint,
    StatusCode,
    ContentType,
    ResponseBody,
    LockedUntil,
    CreatedAt,
}

//! Webhooks: endpoints, the delivery queue (one row per event x endpoint, claimed by workers)
//! and the history of every attempt.

use sea_orm_migration::prelude::*;

use crate::common::{id, index, json, org, text, ts, ts_null};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000008_webhooks"
    }
}

fn ref_id(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).string_len(64).not_null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(WebhookEndpoints::Table)
                .col(id(WebhookEndpoints::Id))
                .col(org(WebhookEndpoints::OrganizationId))
                .col(text(WebhookEndpoints::Url))
                .col(text(WebhookEndpoints::Description))
                .col(json(WebhookEndpoints::EventTypes))
                .col(
                    ColumnDef::new(WebhookEndpoints::Enabled)
                        .boolean()
                        .not_null(),
                )
                .col(text(WebhookEndpoints::DisabledReason))
                .col(text(WebhookEndpoints::Secret))
                .col(
                    ColumnDef::new(WebhookEndpoints::PreviousSecret)
                        .text()
                        .null(),
                )
                .col(ts_null(WebhookEndpoints::PreviousSecretExpiresAt))
                .col(ColumnDef::new(WebhookEndpoints::RateLimit).integer().null())
                // Set at the first failure after a success; an endpoint failing since long
                // enough is disabled.
                .col(ts_null(WebhookEndpoints::FailingSince))
                .col(ts(WebhookEndpoints::CreatedAt))
                .col(ts(WebhookEndpoints::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_webhook_endpoints_org_id",
            WebhookEndpoints::Table,
            &["organization_id", "id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(WebhookDeliveries::Table)
                .col(id(WebhookDeliveries::Id))
                .col(org(WebhookDeliveries::OrganizationId))
                .col(ref_id(WebhookDeliveries::EndpointId))
                .col(ref_id(WebhookDeliveries::EventId))
                // pending, succeeded, failed
                .col(
                    ColumnDef::new(WebhookDeliveries::Status)
                        .string_len(16)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(WebhookDeliveries::Attempts)
                        .integer()
                        .not_null(),
                )
                .col(ts(WebhookDeliveries::NextAttemptAt))
                // A worker's claim: until this time no other worker takes the row.
                .col(ts_null(WebhookDeliveries::LockedUntil))
                .col(
                    ColumnDef::new(WebhookDeliveries::LockedBy)
                        .string_len(64)
                        .null(),
                )
                .col(ts(WebhookDeliveries::CreatedAt))
                .col(ts(WebhookDeliveries::UpdatedAt))
                .to_owned(),
        )
        .await?;
        // What workers scan: due pending rows in time order.
        m.create_index(index(
            "idx_webhook_deliveries_due",
            WebhookDeliveries::Table,
            &["status", "next_attempt_at"],
        ))
        .await?;
        m.create_index(index(
            "idx_webhook_deliveries_endpoint",
            WebhookDeliveries::Table,
            &["organization_id", "endpoint_id", "status", "event_id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(WebhookAttempts::Table)
                .col(id(WebhookAttempts::Id))
                .col(org(WebhookAttempts::OrganizationId))
                .col(ref_id(WebhookAttempts::EndpointId))
                .col(ref_id(WebhookAttempts::EventId))
                .col(ref_id(WebhookAttempts::DeliveryId))
                .col(
                    ColumnDef::new(WebhookAttempts::Attempt)
                        .integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(WebhookAttempts::StatusCode)
                        .integer()
                        .not_null(),
                )
                .col(text(WebhookAttempts::ResponseBody))
                .col(text(WebhookAttempts::Error))
                .col(
                    ColumnDef::new(WebhookAttempts::DurationMs)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(WebhookAttempts::Success)
                        .boolean()
                        .not_null(),
                )
                .col(ts(WebhookAttempts::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_webhook_attempts_endpoint",
            WebhookAttempts::Table,
            &["organization_id", "endpoint_id", "id"],
        ))
        .await?;
        // Keyset pages of events filtered by type.
        m.create_index(index(
            "idx_events_org_type",
            Events::Table,
            &["organization_id", "type", "id"],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("idx_events_org_type")
                .table(Events::Table)
                .to_owned(),
        )
        .await?;
        for table in [
            WebhookAttempts::Table.into_iden(),
            WebhookDeliveries::Table.into_iden(),
            WebhookEndpoints::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum WebhookEndpoints {
    Table,
    Id,
    OrganizationId,
    Url,
    Description,
    EventTypes,
    Enabled,
    DisabledReason,
    Secret,
    PreviousSecret,
    PreviousSecretExpiresAt,
    RateLimit,
    FailingSince,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    OrganizationId,
    EndpointId,
    EventId,
    Status,
    Attempts,
    NextAttemptAt,
    LockedUntil,
    LockedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WebhookAttempts {
    Table,
    Id,
    OrganizationId,
    EndpointId,
    EventId,
    DeliveryId,
    Attempt,
    StatusCode,
    ResponseBody,
    Error,
    DurationMs,
    Success,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Events {
    Table,
}

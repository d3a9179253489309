//! Appointments and their crew (`appointment_assignments`, one row per assigned team member).
//!
//! The join table makes "the appointments of this team member" an indexed query
//! (`organization_id, team_member_id`) instead of a scan of a JSON column.

use sea_orm_migration::prelude::*;

use crate::common::{id, index, json, org, text, ts, ts_null};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261122_000003_appointments"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Appointments::Table)
                .col(id(Appointments::Id))
                .col(org(Appointments::OrganizationId))
                .col(
                    ColumnDef::new(Appointments::CustomerId)
                        .string_len(64)
                        .not_null(),
                )
                .col(ts(Appointments::ScheduledStart))
                .col(ts(Appointments::ScheduledEnd))
                .col(
                    ColumnDef::new(Appointments::Status)
                        .string_len(16)
                        .not_null(),
                )
                .col(ColumnDef::new(Appointments::Address).json_binary().null())
                .col(text(Appointments::Notes))
                .col(json(Appointments::ServiceIds))
                .col(ts_null(Appointments::StartedAt))
                .col(ts_null(Appointments::CompletedAt))
                .col(ts_null(Appointments::CanceledAt))
                .col(ts(Appointments::CreatedAt))
                .col(ts(Appointments::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Appointments::Table, Appointments::OrganizationId)
                        .to(Organizations::Table, Organizations::Id),
                )
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            ("idx_appointments_org_id", &["organization_id", "id"][..]),
            (
                "idx_appointments_org_customer",
                &["organization_id", "customer_id"][..],
            ),
            (
                "idx_appointments_org_start",
                &["organization_id", "scheduled_start"][..],
            ),
            (
                "idx_appointments_org_updated",
                &["organization_id", "updated_at"][..],
            ),
        ] {
            m.create_index(index(name, Appointments::Table, cols))
                .await?;
        }

        m.create_table(
            Table::create()
                .table(AppointmentAssignments::Table)
                .col(org(AppointmentAssignments::OrganizationId))
                .col(
                    ColumnDef::new(AppointmentAssignments::AppointmentId)
                        .string_len(64)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(AppointmentAssignments::TeamMemberId)
                        .string_len(64)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(AppointmentAssignments::Position)
                        .integer()
                        .not_null(),
                )
                .primary_key(
                    Index::create()
                        .col(AppointmentAssignments::AppointmentId)
                        .col(AppointmentAssignments::TeamMemberId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(
                            AppointmentAssignments::Table,
                            AppointmentAssignments::AppointmentId,
                        )
                        .to(Appointments::Table, Appointments::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(
                            AppointmentAssignments::Table,
                            AppointmentAssignments::TeamMemberId,
                        )
                        .to(TeamMembers::Table, TeamMembers::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_appointment_assignments_org_member",
            AppointmentAssignments::Table,
            &["organization_id", "team_member_id"],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(
            Table::drop()
                .table(AppointmentAssignments::Table)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(Appointments::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum TeamMembers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Appointments {
    Table,
    Id,
    OrganizationId,
    CustomerId,
    ScheduledStart,
    ScheduledEnd,
    Status,
    Address,
    Notes,
    ServiceIds,
    StartedAt,
    CompletedAt,
    CanceledAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AppointmentAssignments {
    Table,
    OrganizationId,
    AppointmentId,
    TeamMemberId,
    Position,
}

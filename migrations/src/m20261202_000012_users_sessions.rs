//! Dashboard users and their sessions (CONTRACT section 10).
//!
//! A user signs in with the email alone, so `email_key` (the address lowercased, written by
//! storage on every save) is unique across organizations, not per organization as team
//! members' is. A session is found by the keyed hash of its token (`token_hash`, unique);
//! the token itself is never stored. Users are listed per organization, oldest first:
//! `(organization_id, id)`. A user's sessions are indexed under the organization and the
//! user, for listing them and for the foreign key's checks.

use sea_orm_migration::prelude::*;

use crate::common::{id, index, org, text, ts, ts_null};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000012_users_sessions"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(id(Users::Id))
                .col(org(Users::OrganizationId))
                .col(text(Users::Email))
                .col(text(Users::EmailKey))
                .col(text(Users::Name))
                .col(ColumnDef::new(Users::Role).string_len(16).not_null())
                .col(text(Users::PasswordHash))
                .col(ts(Users::CreatedAt))
                .col(ts(Users::UpdatedAt))
                .col(ts_null(Users::LastSignInAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Users::Table, Users::OrganizationId)
                        .to(Organizations::Table, Organizations::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_users_org_id",
            Users::Table,
            &["organization_id", "id"],
        ))
        .await?;
        let mut email = index("idx_users_email_key", Users::Table, &["email_key"]);
        m.create_index(email.unique().to_owned()).await?;

        m.create_table(
            Table::create()
                .table(Sessions::Table)
                .col(id(Sessions::Id))
                .col(
                    ColumnDef::new(Sessions::TokenHash)
                        .string_len(128)
                        .not_null(),
                )
                .col(ColumnDef::new(Sessions::UserId).string_len(64).not_null())
                .col(org(Sessions::OrganizationId))
                .col(
                    ColumnDef::new(Sessions::CsrfToken)
                        .string_len(64)
                        .not_null(),
                )
                .col(text(Sessions::Ip))
                .col(text(Sessions::UserAgent))
                .col(ts(Sessions::CreatedAt))
                .col(ts(Sessions::LastSeenAt))
                .col(ts(Sessions::IdleExpiresAt))
                .col(ts(Sessions::ExpiresAt))
                .col(ts_null(Sessions::EndedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Sessions::Table, Sessions::UserId)
                        .to(Users::Table, Users::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Sessions::Table, Sessions::OrganizationId)
                        .to(Organizations::Table, Organizations::Id),
                )
                .to_owned(),
        )
        .await?;
        let mut token = index("idx_sessions_token_hash", Sessions::Table, &["token_hash"]);
        m.create_index(token.unique().to_owned()).await?;
        m.create_index(index(
            "idx_sessions_org_user",
            Sessions::Table,
            &["organization_id", "user_id", "id"],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Sessions::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Users::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    OrganizationId,
    Email,
    EmailKey,
    Name,
    Role,
    PasswordHash,
    CreatedAt,
    UpdatedAt,
    LastSignInAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    TokenHash,
    UserId,
    OrganizationId,
    CsrfToken,
    Ip,
    UserAgent,
    CreatedAt,
    LastSeenAt,
    IdleExpiresAt,
    ExpiresAt,
    EndedAt,
}

//! Partner apps and the authorization server's state (CONTRACT section 11).
//!
//! - `apps`: a tenant table of the developer's organization, listed newest first
//!   `(organization_id, id)`. Lists (redirect URIs, scopes) are JSON arrays, as webhook
//!   endpoints' `event_types` and keys' `scopes` are.
//! - `app_installs`: a tenant table of the installing organization. One live install per app
//!   and organization: `live_app_id` holds the app id while the install is live and NULL once
//!   it is uninstalled, and is unique per organization (NULLs never collide on either
//!   backend, and neither backend's schema builder offers a portable partial index). Listed
//!   per organization `(organization_id, id)`; an app's installs (analytics, deletion) by
//!   `(app_id, id)`.
//! - `oauth_codes` and `oauth_tokens`: found by the keyed hash of what the client presents
//!   (unique), never by organization: the code or token names its install. A code remembers
//!   the token family it started (`family_id`) so that its reuse revokes what it issued; a
//!   token's family is every token descended from one grant, revoked together when a
//!   replaced refresh token comes back. Tokens are indexed by install (uninstall revokes
//!   them all) and by family.

use sea_orm_migration::prelude::*;

use crate::common::{id, index, json, org, text, ts, ts_null};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000014_apps_oauth"
    }
}

fn ref_id(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).string_len(64).not_null().to_owned()
}

fn ref_id_null(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).string_len(64).null().to_owned()
}

fn hash(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).string_len(128).not_null().to_owned()
}

fn short(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).string_len(16).not_null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Apps::Table)
                .col(id(Apps::Id))
                .col(org(Apps::OrganizationId))
                .col(text(Apps::Name))
                .col(text(Apps::Description))
                .col(text(Apps::HomepageUrl))
                .col(json(Apps::RedirectUris))
                .col(json(Apps::Scopes))
                // confidential | public
                .col(short(Apps::ClientType))
                .col(
                    ColumnDef::new(Apps::ClientSecretHash)
                        .string_len(128)
                        .null(),
                )
                // draft | in_review | approved | rejected | suspended
                .col(short(Apps::ReviewStatus))
                .col(text(Apps::ReviewNotes))
                .col(ts(Apps::CreatedAt))
                .col(ts(Apps::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_apps_org_id",
            Apps::Table,
            &["organization_id", "id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(AppInstalls::Table)
                .col(id(AppInstalls::Id))
                .col(org(AppInstalls::OrganizationId))
                .col(ref_id(AppInstalls::AppId))
                .col(ref_id_null(AppInstalls::LiveAppId))
                .col(json(AppInstalls::Scopes))
                .col(ref_id(AppInstalls::InstalledByUserId))
                .col(ts(AppInstalls::CreatedAt))
                .col(ts(AppInstalls::UpdatedAt))
                .col(ts_null(AppInstalls::UninstalledAt))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_app_installs_org_id",
            AppInstalls::Table,
            &["organization_id", "id"],
        ))
        .await?;
        let mut live = index(
            "idx_app_installs_live",
            AppInstalls::Table,
            &["organization_id", "live_app_id"],
        );
        m.create_index(live.unique().to_owned()).await?;
        m.create_index(index(
            "idx_app_installs_app",
            AppInstalls::Table,
            &["app_id", "id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(OauthCodes::Table)
                .col(id(OauthCodes::Id))
                .col(hash(OauthCodes::CodeHash))
                .col(ref_id(OauthCodes::AppId))
                .col(ref_id(OauthCodes::InstallId))
                .col(org(OauthCodes::OrganizationId))
                .col(text(OauthCodes::RedirectUri))
                .col(text(OauthCodes::CodeChallenge))
                .col(json(OauthCodes::Scopes))
                .col(ref_id(OauthCodes::UserId))
                .col(ts(OauthCodes::ExpiresAt))
                .col(ts_null(OauthCodes::UsedAt))
                .col(ref_id_null(OauthCodes::FamilyId))
                .col(ts(OauthCodes::CreatedAt))
                .to_owned(),
        )
        .await?;
        let mut code = index("idx_oauth_codes_hash", OauthCodes::Table, &["code_hash"]);
        m.create_index(code.unique().to_owned()).await?;

        m.create_table(
            Table::create()
                .table(OauthTokens::Table)
                .col(id(OauthTokens::Id))
                .col(hash(OauthTokens::TokenHash))
                // access | refresh
                .col(short(OauthTokens::Kind))
                .col(ref_id(OauthTokens::AppId))
                .col(ref_id(OauthTokens::InstallId))
                .col(org(OauthTokens::OrganizationId))
                .col(ref_id(OauthTokens::FamilyId))
                .col(json(OauthTokens::Scopes))
                // The consenting user; empty for client_credentials.
                .col(text(OauthTokens::UserId))
                .col(ts(OauthTokens::ExpiresAt))
                .col(ts_null(OauthTokens::RevokedAt))
                .col(ts_null(OauthTokens::ReplacedAt))
                .col(ref_id_null(OauthTokens::ReplacedBy))
                .col(ts(OauthTokens::CreatedAt))
                .to_owned(),
        )
        .await?;
        let mut token = index("idx_oauth_tokens_hash", OauthTokens::Table, &["token_hash"]);
        m.create_index(token.unique().to_owned()).await?;
        m.create_index(index(
            "idx_oauth_tokens_install",
            OauthTokens::Table,
            &["install_id"],
        ))
        .await?;
        m.create_index(index(
            "idx_oauth_tokens_family",
            OauthTokens::Table,
            &["family_id"],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            OauthTokens::Table.into_iden(),
            OauthCodes::Table.into_iden(),
            AppInstalls::Table.into_iden(),
            Apps::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Apps {
    Table,
    Id,
    OrganizationId,
    Name,
    Description,
    HomepageUrl,
    RedirectUris,
    Scopes,
    ClientType,
    ClientSecretHash,
    ReviewStatus,
    ReviewNotes,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AppInstalls {
    Table,
    Id,
    OrganizationId,
    AppId,
    LiveAppId,
    Scopes,
    InstalledByUserId,
    CreatedAt,
    UpdatedAt,
    UninstalledAt,
}

#[derive(DeriveIden)]
enum OauthCodes {
    Table,
    Id,
    CodeHash,
    AppId,
    InstallId,
    OrganizationId,
    RedirectUri,
    CodeChallenge,
    Scopes,
    UserId,
    ExpiresAt,
    UsedAt,
    FamilyId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OauthTokens {
    Table,
    Id,
    TokenHash,
    Kind,
    AppId,
    InstallId,
    OrganizationId,
    FamilyId,
    Scopes,
    UserId,
    ExpiresAt,
    RevokedAt,
    ReplacedAt,
    ReplacedBy,
    CreatedAt,
}

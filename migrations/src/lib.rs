//! Schema migrations, portable across SQLite and PostgreSQL (sea-orm-migration's schema
//! builder; no backend-specific SQL except in `m20261204_000017_history_in_its_own_file`,
//! which only SQLite files run). Applied by `asteri migrate` and at start-up.

pub use sea_orm_migration::prelude::*;

mod common;
mod m20261122_000001_foundation;
mod m20261122_000002_operations;
mod m20261122_000003_appointments;
mod m20261122_000004_billing;
mod m20261122_000005_files;
mod m20261122_000006_request_logs;
mod m20261122_000007_event_subjects;
mod m20261202_000008_webhooks;
mod m20261202_000009_team_member_email_keys;
mod m20261202_000010_history_filter_indexes;
mod m20261202_000011_event_trace_context;
mod m20261202_000012_users_sessions;
mod m20261202_000013_api_key_roll;
mod m20261202_000014_apps_oauth;
mod m20261203_000015_history_prune_by_organization;
mod m20261203_000016_history_keyed_by_organization;
mod m20261204_000017_history_in_its_own_file;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_foundation::Migration),
            Box::new(m20261122_000002_operations::Migration),
            Box::new(m20261122_000003_appointments::Migration),
            Box::new(m20261122_000004_billing::Migration),
            Box::new(m20261122_000005_files::Migration),
            Box::new(m20261122_000006_request_logs::Migration),
            Box::new(m20261122_000007_event_subjects::Migration),
            Box::new(m20261202_000008_webhooks::Migration),
            Box::new(m20261202_000009_team_member_email_keys::Migration),
            Box::new(m20261202_000010_history_filter_indexes::Migration),
            Box::new(m20261202_000011_event_trace_context::Migration),
            Box::new(m20261202_000012_users_sessions::Migration),
            Box::new(m20261202_000013_api_key_roll::Migration),
            Box::new(m20261202_000014_apps_oauth::Migration),
            Box::new(m20261203_000015_history_prune_by_organization::Migration),
            Box::new(m20261203_000016_history_keyed_by_organization::Migration),
            Box::new(m20261204_000017_history_in_its_own_file::Migration),
        ]
    }
}

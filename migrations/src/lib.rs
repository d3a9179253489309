//! Schema migrations, portable across SQLite and PostgreSQL (sea-orm-migration's schema
//! builder only; no backend-specific SQL). Applied by `asteri migrate` and at start-up.

pub use sea_orm_migration::prelude::*;

mod common;
mod m20261122_000001_foundation;
mod m20261122_000002_operations;
mod m20261122_000005_files;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_foundation::Migration),
            Box::new(m20261122_000002_operations::Migration),
            Box::new(m20261122_000005_files::Migration),
        ]
    }
}

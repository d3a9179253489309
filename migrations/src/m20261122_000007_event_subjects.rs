//! Events name the customer they concern, so that a customer's activity is one indexed
//! range scan of the outbox.

use sea_orm_migration::prelude::*;

use crate::common::index;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261122_000007_event_subjects"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Events::Table)
                .add_column(ColumnDef::new(Events::CustomerId).string_len(64).null())
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_events_org_customer",
            Events::Table,
            &["organization_id", "customer_id", "id"],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("idx_events_org_customer")
                .table(Events::Table)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Events::Table)
                .drop_column(Events::CustomerId)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum Events {
    Table,
    CustomerId,
}

//! Events keep the W3C `traceparent` of the request that raised them, so that a webhook
//! delivery attempt, sent later and in a trace of its own, links back to the write's trace.
//! 55 characters today (`00-<32 hex>-<16 hex>-<2 hex>`); 128 leaves room for later versions.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000011_event_trace_context"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Events::Table)
                .add_column(ColumnDef::new(Events::TraceParent).string_len(128).null())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Events::Table)
                .drop_column(Events::TraceParent)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum Events {
    Table,
    TraceParent,
}

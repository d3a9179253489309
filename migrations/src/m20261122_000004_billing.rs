//! Billing: estimates, invoices and payments.
//!
//! Money columns are 64-bit integers in minor units; line items are a JSON array on their
//! document (they are always read and replaced with it). Invoice due dates are `YYYY-MM-DD`
//! text, so that text order is date order on both backends. No foreign key points at
//! customers: a customer's deletion is the customers service's decision, and ids are
//! checked within the organization by the services before they are written.

use sea_orm_migration::prelude::*;

use crate::common::{id, index, json, org, text, ts, ts_null};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261122_000004_billing"
    }
}

fn ref_id(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).string_len(64).not_null().to_owned()
}

fn ref_id_null(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).string_len(64).null().to_owned()
}

fn money(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().to_owned()
}

fn short(col: impl IntoIden, len: u32) -> ColumnDef {
    ColumnDef::new(col).string_len(len).not_null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Estimates::Table)
                .col(id(Estimates::Id))
                .col(org(Estimates::OrganizationId))
                .col(ref_id(Estimates::CustomerId))
                .col(json(Estimates::LineItems))
                .col(short(Estimates::Currency, 3))
                .col(money(Estimates::Subtotal))
                .col(ColumnDef::new(Estimates::TaxRateBps).integer().not_null())
                .col(money(Estimates::Tax))
                .col(money(Estimates::Total))
                .col(short(Estimates::Status, 16))
                .col(ref_id_null(Estimates::InvoiceId))
                .col(text(Estimates::Notes))
                .col(ts(Estimates::CreatedAt))
                .col(ts(Estimates::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_estimates_org_id",
            Estimates::Table,
            &["organization_id", "id"],
        ))
        .await?;
        m.create_index(index(
            "idx_estimates_org_customer",
            Estimates::Table,
            &["organization_id", "customer_id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Invoices::Table)
                .col(id(Invoices::Id))
                .col(org(Invoices::OrganizationId))
                .col(ref_id(Invoices::CustomerId))
                .col(ref_id_null(Invoices::EstimateId))
                .col(json(Invoices::LineItems))
                .col(short(Invoices::Currency, 3))
                .col(money(Invoices::Subtotal))
                .col(ColumnDef::new(Invoices::TaxRateBps).integer().not_null())
                .col(money(Invoices::Tax))
                .col(money(Invoices::Total))
                .col(money(Invoices::AmountPaid))
                .col(money(Invoices::AmountDue))
                .col(ColumnDef::new(Invoices::DueDate).string_len(10).null())
                .col(short(Invoices::Status, 16))
                .col(short(Invoices::AccountingExportStatus, 16))
                .col(ts_null(Invoices::FinalizedAt))
                .col(ts_null(Invoices::PaidAt))
                .col(ts_null(Invoices::VoidedAt))
                .col(ts(Invoices::CreatedAt))
                .col(ts(Invoices::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_invoices_org_id",
            Invoices::Table,
            &["organization_id", "id"],
        ))
        .await?;
        m.create_index(index(
            "idx_invoices_org_customer",
            Invoices::Table,
            &["organization_id", "customer_id"],
        ))
        .await?;
        m.create_index(index(
            "idx_invoices_org_status_due",
            Invoices::Table,
            &["organization_id", "status", "due_date"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Payments::Table)
                .col(id(Payments::Id))
                .col(org(Payments::OrganizationId))
                .col(ref_id(Payments::InvoiceId))
                .col(ref_id(Payments::CustomerId))
                .col(money(Payments::Amount))
                .col(short(Payments::Currency, 3))
                .col(short(Payments::Method, 16))
                .col(short(Payments::Status, 16))
                .col(text(Payments::Reference))
                .col(money(Payments::RefundedAmount))
                .col(ts(Payments::CreatedAt))
                .col(ts(Payments::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_payments_org_id",
            Payments::Table,
            &["organization_id", "id"],
        ))
        .await?;
        m.create_index(index(
            "idx_payments_org_invoice",
            Payments::Table,
            &["organization_id", "invoice_id"],
        ))
        .await?;
        m.create_index(index(
            "idx_payments_org_customer",
            Payments::Table,
            &["organization_id", "customer_id"],
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Payments::Table.into_iden(),
            Invoices::Table.into_iden(),
            Estimates::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Estimates {
    Table,
    Id,
    OrganizationId,
    CustomerId,
    LineItems,
    Currency,
    Subtotal,
    TaxRateBps,
    Tax,
    Total,
    Status,
    InvoiceId,
    Notes,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Invoices {
    Table,
    Id,
    OrganizationId,
    CustomerId,
    EstimateId,
    LineItems,
    Currency,
    Subtotal,
    TaxRateBps,
    Tax,
    Total,
    AmountPaid,
    AmountDue,
    DueDate,
    Status,
    AccountingExportStatus,
    FinalizedAt,
    PaidAt,
    VoidedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Payments {
    Table,
    Id,
    OrganizationId,
    InvoiceId,
    CustomerId,
    Amount,
    Currency,
    Method,
    Status,
    Reference,
    RefundedAmount,
    CreatedAt,
    UpdatedAt,
}

//! SeaORM entities. Private to this crate: other crates reach tenant tables only through
//! the functions of `crate::tenant` and the resource modules, which always take an
//! organization id. The models are re-exported as plain data.

pub mod api_keys;
pub mod app_installs;
pub mod appointment_assignments;
pub mod appointments;
pub mod apps;
pub mod audit_events;
pub mod customers;
pub mod estimates;
pub mod events;
pub mod files;
pub mod idempotency_keys;
pub mod invoices;
pub mod oauth_codes;
pub mod oauth_tokens;
pub mod organizations;
pub mod payments;
pub mod request_logs;
pub mod service_items;
pub mod sessions;
pub mod team_members;
pub mod users;
pub mod webhook_attempts;
pub mod webhook_deliveries;
pub mod webhook_endpoints;

use sea_orm::FromJsonQueryResult;
use serde::{Deserialize, Serialize};

/// A JSON array of strings (emails, phones, tags, scopes).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct StringList(pub Vec<String>);

/// A postal address as stored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct AddressRecord {
    pub line1: String,
    pub line2: String,
    pub city: String,
    pub region: String,
    pub postal_code: String,
    pub country: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct AddressList(pub Vec<AddressRecord>);

/// One line of an estimate or an invoice as stored: its amount is computed by the services
/// (`quantity * unit_price`) before it is written.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineItemRecord {
    /// The catalog item (`svc_...`) this line bills for; empty for a free-text line.
    pub service_id: String,
    pub description: String,
    pub quantity: i64,
    pub unit_price: i64,
    pub amount: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct LineItemList(pub Vec<LineItemRecord>);

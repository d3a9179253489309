//! SeaORM entities. Private to this crate: other crates reach tenant tables only through
//! the functions of `crate::tenant` and the resource modules, which always take an
//! organization id. The models are re-exported as plain data.

pub mod api_keys;
pub mod audit_events;
pub mod customers;
pub mod events;
pub mod files;
pub mod idempotency_keys;
pub mod organizations;
pub mod service_items;
pub mod team_members;

use sea_orm::FromJsonQueryResult;
use serde::{Deserialize, Serialize};

/// A JSON array of strings (emails, phones, tags, scopes).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct StringList(pub Vec<String>);

/// A postal address as stored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
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

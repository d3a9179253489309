//! Billing: estimates, invoices and payments.
//!
//! - [`money`]: every amount, in one place (integer minor units, checked arithmetic).
//! - [`states`]: the three life cycles, as tables of legal moves.
//! - [`lines`]: line items, catalog references and pricing shared by estimates and invoices.
//! - [`estimates`], [`invoices`], [`payments`]: the gRPC services.

pub mod estimates;
pub mod invoices;
pub mod lines;
pub mod money;
pub mod payments;
pub mod states;

//! Billing: estimates, invoices and payments.
//!
//! - [`money`]: every amount, in one place (integer minor units, checked arithmetic).
//! - [`states`]: the three life cycles, as tables of legal moves.

pub mod money;
pub mod states;

//! Outbound webhook delivery: what a message looks like on the wire (Standard Webhooks),
//! where it may go (the SSRF guard), when it is tried again, and how it is sent.
//!
//! Knows no protobuf and no tenant: the webhooks service and the worker hand it URLs,
//! secrets and bodies.

pub mod schedule;
pub mod sender;
pub mod signing;
pub mod ssrf;

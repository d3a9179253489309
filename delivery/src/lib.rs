//! Outbound webhook delivery: what a message looks like on the wire (Standard Webhooks),
//! where it may go (the SSRF guard), when it is tried again, how it is sent, and the worker
//! that drains the delivery queue.
//!
//! Knows no protobuf: the webhooks service and the worker hand it URLs, secrets and bodies.

pub mod schedule;
pub mod sender;
pub mod signing;
pub mod ssrf;
pub mod worker;

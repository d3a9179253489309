//! One integration-test binary (one link on 2 cores). Every test starts the real gateway and
//! gRPC services on free ports against a real database: a fresh SQLite file per test, or the
//! PostgreSQL named by `ASTERI_TEST_DATABASE_URL` (each test then works in organizations of
//! its own, which is exactly the isolation the product promises its tenants).

mod helpers;

mod activity;
mod apps;
mod auth;
mod batch_writes;
mod billing;
mod cli;
mod connections;
mod customers;
mod dashboard;
mod deprecation;
mod files;
mod grpc;
mod history;
mod history_file;
mod history_flood;
mod history_key;
mod history_prune;
mod idempotency;
mod input;
mod key_roll;
mod limits;
mod limits_shared;
mod log_lines;
mod logs;
mod metrics;
mod oauth_http;
mod oauth_service;
mod openapi;
mod operations;
mod pagination;
mod platform;
mod point_reads;
mod portal;
mod redaction;
mod replicas;
mod seed;
mod traces;
mod usage;
mod users;
mod webhooks;

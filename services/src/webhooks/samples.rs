//! Realistic `data` for simulated events: each object built as the proto message the API
//! returns, so that a simulated event has exactly the shape of a real one.

use chrono::{Duration, Utc};
use proto::{json::to_json, v1};
use serde_json::{Value as Json, json};
use storage::ids::new_id;

use crate::convert::timestamp;

fn address() -> v1::Address {
    v1::Address {
        line1: "1200 Harbor Blvd".into(),
        line2: "Suite 4".into(),
        city: "Oakland".into(),
        region: "CA".into(),
        postal_code: "94607".into(),
        country: "US".into(),
    }
}

fn line(description: &str, quantity: i64, unit_price: i64) -> v1::LineItem {
    v1::LineItem {
        service_id: Some(new_id("svc")),
        description: description.into(),
        quantity,
        unit_price,
        amount: quantity * unit_price,
    }
}

/// A sample object for `event_type` (one of the catalog's types).
pub fn sample(event_type: &str) -> Json {
    let now = Utc::now();
    let (created, updated) = (
        Some(timestamp(now - Duration::days(3))),
        Some(timestamp(now)),
    );
    let resource = event_type.split('.').next().unwrap_or_default();
    let action = event_type.split('.').nth(1).unwrap_or_default();
    let customer_id = new_id("cus");
    match resource {
        "customer" => to_json(&v1::Customer {
            id: customer_id,
            name: "Ada Lovelace".into(),
            company: "Analytical Engines Ltd".into(),
            emails: vec!["ada@example.com".into()],
            phones: vec!["+1 510 555 0142".into()],
            addresses: vec![address()],
            tags: vec!["vip".into()],
            notes: "Gate code 4417.".into(),
            created_at: created,
            updated_at: updated,
        }),
        "appointment" => {
            let status = match action {
                "started" => v1::AppointmentStatus::InProgress,
                "completed" => v1::AppointmentStatus::Completed,
                "canceled" => v1::AppointmentStatus::Canceled,
                _ => v1::AppointmentStatus::Scheduled,
            };
            let start = now + Duration::days(1);
            to_json(&v1::Appointment {
                id: new_id("apt"),
                customer_id,
                service_ids: vec![new_id("svc")],
                scheduled_start: Some(timestamp(start)),
                scheduled_end: Some(timestamp(start + Duration::hours(2))),
                assigned_team_member_ids: vec![new_id("tm")],
                address: Some(address()),
                status: status as i32,
                notes: "Furnace tune-up; dog in the yard.".into(),
                started_at: matches!(action, "started" | "completed").then(|| timestamp(now)),
                completed_at: (action == "completed").then(|| timestamp(now)),
                canceled_at: (action == "canceled").then(|| timestamp(now)),
                created_at: created,
                updated_at: updated,
            })
        }
        "estimate" => {
            let status = match action {
                "sent" => v1::EstimateStatus::Sent,
                "approved" => v1::EstimateStatus::Approved,
                "declined" => v1::EstimateStatus::Declined,
                "converted" => v1::EstimateStatus::Converted,
                _ => v1::EstimateStatus::Draft,
            };
            let lines = vec![
                line("Water heater install", 1, 145_000),
                line("Haul-away", 1, 7_500),
            ];
            to_json(&v1::Estimate {
                id: new_id("est"),
                customer_id,
                line_items: lines,
                currency: "usd".into(),
                subtotal: 152_500,
                tax_rate_bps: 825,
                tax: 12_581,
                total: 165_081,
                status: status as i32,
                invoice_id: (action == "converted").then(|| new_id("inv")),
                notes: String::new(),
                created_at: created,
                updated_at: updated,
            })
        }
        "invoice" => {
            let (status, paid) = match action {
                "finalized" => (v1::InvoiceStatus::Open, 0),
                "paid" => (v1::InvoiceStatus::Paid, 32_475),
                "voided" => (v1::InvoiceStatus::Void, 0),
                _ => (v1::InvoiceStatus::Draft, 0),
            };
            to_json(&v1::Invoice {
                id: new_id("inv"),
                customer_id,
                estimate_id: None,
                line_items: vec![
                    line("AC maintenance visit", 1, 18_900),
                    line("Filter", 3, 3_900),
                ],
                currency: "usd".into(),
                subtotal: 30_600,
                tax_rate_bps: 613,
                tax: 1_875,
                total: 32_475,
                amount_paid: paid,
                amount_due: if action == "voided" { 0 } else { 32_475 - paid },
                due_date: (now + Duration::days(30)).format("%Y-%m-%d").to_string(),
                status: status as i32,
                accounting_export_status: v1::AccountingExportStatus::NotExported as i32,
                finalized_at: (action != "created").then(|| timestamp(now)),
                paid_at: (action == "paid").then(|| timestamp(now)),
                voided_at: (action == "voided").then(|| timestamp(now)),
                created_at: created,
                updated_at: updated,
            })
        }
        "payment" => {
            let status = match action {
                "failed" => v1::PaymentStatus::Failed,
                "refunded" => v1::PaymentStatus::Refunded,
                _ => v1::PaymentStatus::Succeeded,
            };
            to_json(&v1::Payment {
                id: new_id("pay"),
                invoice_id: new_id("inv"),
                customer_id,
                amount: 32_475,
                currency: "usd".into(),
                method: v1::PaymentMethod::Card as i32,
                status: status as i32,
                reference: "ch_3PqL8e2eZvKYlo2C".into(),
                refunded_amount: if action == "refunded" { 32_475 } else { 0 },
                created_at: created,
                updated_at: updated,
            })
        }
        "service" => to_json(&v1::ServiceItem {
            id: new_id("svc"),
            name: "Drain cleaning".into(),
            description: "Main line snaking up to 100 ft.".into(),
            price: 22_500,
            currency: "usd".into(),
            duration_minutes: 90,
            online_bookable: true,
            active: action != "deleted",
            created_at: created,
            updated_at: updated,
        }),
        "team_member" => to_json(&v1::TeamMember {
            id: new_id("tm"),
            name: "Grace Hopper".into(),
            email: "grace@example.com".into(),
            role: "technician".into(),
            active: true,
            created_at: created,
            updated_at: updated,
        }),
        "file" => {
            let id = new_id("file");
            to_json(&v1::File {
                storage_key: format!("org/{id}"),
                id,
                name: "site-photo.jpg".into(),
                mime_type: "image/jpeg".into(),
                size_bytes: 482_113,
                checksum_sha256: "9f2c4e1ab0d8c3f7e6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3"
                    .into(),
                status: if action == "created" {
                    v1::FileStatus::Processing
                } else {
                    v1::FileStatus::Ready
                } as i32,
                bucket: "asteri-files".into(),
                created_at: created,
                updated_at: updated,
            })
        }
        // Partner app installs (CONTRACT section 11) have no proto message yet.
        _ => json!({
            "id": new_id("ins"),
            "app_id": new_id("app"),
            "scopes": ["read:customers", "read:appointments"],
            "installed_by": new_id("usr"),
            "created_at": now.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_has_an_object_with_an_id() {
        for t in storage::webhooks::catalog::EVENT_TYPES {
            let data = sample(t);
            assert!(
                data["id"].as_str().is_some_and(|id| id.contains('_')),
                "{t}: {data}"
            );
        }
        assert_eq!(sample("invoice.paid")["status"], "paid");
        assert_eq!(sample("appointment.started")["status"], "in_progress");
    }
}
